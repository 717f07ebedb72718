/* relu and leakyrelu on the GPU (l->slope: 0 for relu).  An absorbed relu does nothing in
 * forward (conv2d's or dense's bias pass applied it); backward is the same either way, from
 * the sign of x (== y in place). */
#include "nn/cuda/cu_util.h"

static int
relu_setup(cu_layer *cl, cu_ctx *c, size_t *work_bytes)
{
	(void)c;
	(void)cl;
	*work_bytes = 0;
	return 0;
}

static void
relu_release(cu_layer *cl, cu_ctx *c)
{
	(void)cl;
	(void)c;
}

static int
relu_forward(cu_layer *cl, cu_ctx *c, const nn_run *run, const float *x, float *y)
{
	nn_layer *l = cl->l;

	if (l->absorbed)
		return 0;
	CU_K(c, l, cuk_leaky(c->stream, x, y, cu_count(run, l->in), l->slope));
	return 0;
}

static int
relu_backward(cu_layer *cl, cu_ctx *c, const nn_run *run, const float *x, const float *y, const float *dy,
              float *dx)
{
	nn_layer *l = cl->l;

	(void)y;
	if (dx)
		CU_K(c, l, cuk_leaky_bwd(c->stream, x, dy, dx, cu_count(run, l->in), l->slope));
	return 0;
}

const struct cu_layer_ops cu_layer_relu = {
	.type = "relu",
	.setup = relu_setup,
	.release = relu_release,
	.forward = relu_forward,
	.backward = relu_backward,
};

const struct cu_layer_ops cu_layer_leakyrelu = {
	.type = "leakyrelu",
	.setup = relu_setup,
	.release = relu_release,
	.forward = relu_forward,
	.backward = relu_backward,
};
