/* relu6 [max=6]: min(max(x, 0), max), the bounded ReLU of MobileNet and EfficientNet-Lite
 * (ONNX's Clip from 0).  Its gradient passes where 0 < x < max, which y shows as well as x,
 * so it may run in place. */
#include "nn/nn.h"
#include "nn/nn_layer_util.h"

static int
relu6_parse(nn_layer *l, nn_args *a, char *err, size_t errlen)
{
	return nn_arg_float(a, "max", 0, 6, 1e-6f, 1e30f, &l->slope, err, errlen);
}

static void
relu6_forward_part(void *ctx, size_t b, size_t e, int t)
{
	struct nn_pass *p = ctx;
	const float *restrict x = p->x;
	float *restrict y = p->out, hi = p->l->slope;

	(void)t;
	for (size_t i = b; i < e; i++) {
		float v = x[i] > 0 ? x[i] : 0;
		y[i] = v < hi ? v : hi;
	}
}

static void
relu6_forward(nn_layer *l, const nn_run *run, const float *x, float *y)
{
	struct nn_pass p = { .l = l, .x = x, .out = y };
	nn_pool_for(run->pool, (size_t)run->n * nn_shape_size(l->in), relu6_forward_part, &p);
}

static void
relu6_backward_part(void *ctx, size_t b, size_t e, int t)
{
	struct nn_pass *p = ctx;
	const float *restrict y = p->y, *restrict dy = p->dy;
	float *restrict dx = p->dx, hi = p->l->slope;

	(void)t;
	for (size_t i = b; i < e; i++)
		dx[i] = y[i] > 0 && y[i] < hi ? dy[i] : 0;
}

static void
relu6_backward(nn_layer *l, const nn_run *run, const float *x, const float *y, const float *dy, float *dx)
{
	struct nn_pass p = { .l = l, .x = x, .y = y, .dy = dy, .dx = dx };
	if (dx)
		nn_pool_for(run->pool, (size_t)run->n * nn_shape_size(l->in), relu6_backward_part, &p);
}

const struct nn_layer_ops nn_layer_relu6 = {
	.inplace = 1,
	.needs_output = 1,
	.type = "relu6",
	.parse = relu6_parse,
	.setup = nn_same_shape,
	.forward = relu6_forward,
	.backward = relu6_backward,
};
