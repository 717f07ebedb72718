/* relu and leakyrelu: max(x, 0), and x * slope below 0 (slope 0.01 by default, as in PyTorch). */
#include "nn/nn.h"
#include "nn/nn_layer_util.h"

static void
relu_forward_part(void *ctx, size_t b, size_t e, int t)
{
	struct nn_pass *p = ctx;
	const float *restrict x = p->x;
	float *restrict y = p->out, s = p->l->slope;

	(void)t;
	/* branch-free: the signs of activations are a coin toss for a predictor */
	for (size_t i = b; i < e; i++) {
		float v = x[i], pos = v > 0 ? v : 0, neg = v < 0 ? v : 0;
		y[i] = pos + s * neg;
	}
}

static void
relu_forward(nn_layer *l, const nn_run *run, const float *x, float *y)
{
	struct nn_pass p = { .l = l, .x = x, .out = y };

	if (l->absorbed)
		return;         /* the convolution or dense layer before applied it */
	nn_pool_for(run->pool, (size_t)run->n * nn_shape_size(l->in), relu_forward_part, &p);
}

static void
relu_backward_part(void *ctx, size_t b, size_t e, int t)
{
	struct nn_pass *p = ctx;
	const float *restrict x = p->x, *restrict dy = p->dy;
	float *restrict dx = p->dx, s = p->l->slope;

	(void)t;
	for (size_t i = b; i < e; i++) {
		float g = dy[i], gs = g * s;            /* both, so the select vectorises */
		dx[i] = x[i] > 0 ? g : gs;
	}
}

static void
relu_backward(nn_layer *l, const nn_run *run, const float *x, const float *y, const float *dy, float *dx)
{
	struct nn_pass p = { .l = l, .x = x, .y = y, .dy = dy, .dx = dx };
	if (dx)
		nn_pool_for(run->pool, (size_t)run->n * nn_shape_size(l->in), relu_backward_part, &p);
}

static int
leaky_parse(nn_layer *l, nn_args *a, char *err, size_t errlen)
{
	return nn_arg_float(a, "slope", 0, 0.01f, 0, 1, &l->slope, err, errlen);
}

const struct nn_layer_ops nn_layer_relu = {
	.inplace = 1,
	.type = "relu",
	.setup = nn_same_shape,
	.forward = relu_forward,
	.backward = relu_backward,
};

const struct nn_layer_ops nn_layer_leakyrelu = {
	.inplace = 1,
	.type = "leakyrelu",
	.parse = leaky_parse,
	.setup = nn_same_shape,
	.forward = relu_forward,
	.backward = relu_backward,
};
