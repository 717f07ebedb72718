/* relu and leakyrelu: max(x, 0), and x * slope below 0 (slope 0.01 by default, as in PyTorch). */
#include "nn.h"
#include "nn_layer_util.h"

static void
forward_part(void *ctx, size_t b, size_t e, int t)
{
	struct nn_pass *p = ctx;
	float s = p->l->slope;

	(void)t;
	for (size_t i = b; i < e; i++)
		p->out[i] = p->x[i] > 0 ? p->x[i] : p->x[i] * s;
}

static void
relu_forward(nn_layer *l, const nn_run *run, const float *x, float *y)
{
	struct nn_pass p = { .l = l, .x = x, .out = y };
	nn_pool_for(run->pool, (size_t)run->n * nn_shape_size(l->in), forward_part, &p);
}

static void
backward_part(void *ctx, size_t b, size_t e, int t)
{
	struct nn_pass *p = ctx;
	float s = p->l->slope;

	(void)t;
	for (size_t i = b; i < e; i++)
		p->dx[i] = p->x[i] > 0 ? p->dy[i] : p->dy[i] * s;
}

static void
relu_backward(nn_layer *l, const nn_run *run, const float *x, const float *y, const float *dy, float *dx)
{
	struct nn_pass p = { .l = l, .x = x, .y = y, .dy = dy, .dx = dx };
	if (dx)
		nn_pool_for(run->pool, (size_t)run->n * nn_shape_size(l->in), backward_part, &p);
}

static int
leaky_parse(nn_layer *l, nn_args *a, char *err, size_t errlen)
{
	return nn_arg_float(a, "slope", 0, 0.01f, 0, 1, &l->slope, err, errlen);
}

const struct nn_layer_ops nn_layer_relu = {
	.type = "relu",
	.setup = nn_same_shape,
	.forward = relu_forward,
	.backward = relu_backward,
};

const struct nn_layer_ops nn_layer_leakyrelu = {
	.type = "leakyrelu",
	.parse = leaky_parse,
	.setup = nn_same_shape,
	.forward = relu_forward,
	.backward = relu_backward,
};
