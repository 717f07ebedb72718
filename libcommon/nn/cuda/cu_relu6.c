/* relu6 on the GPU: min(max(x, 0), max) (max in l->slope); the gradient passes where 0 < y < max. */
#include "nn/cuda/cu_util.h"

static int
relu6_setup(cu_layer *cl, cu_ctx *c, size_t *work_bytes)
{
	(void)c;
	(void)cl;
	*work_bytes = 0;
	return 0;
}

static void
relu6_release(cu_layer *cl, cu_ctx *c)
{
	(void)cl;
	(void)c;
}

static int
relu6_forward(cu_layer *cl, cu_ctx *c, const nn_run *run, const float *x, float *y)
{
	nn_layer *l = cl->l;

	CU_K(c, l, cuk_relu6(c->stream, x, y, cu_count(run, l->in), l->slope));
	return 0;
}

static int
relu6_backward(cu_layer *cl, cu_ctx *c, const nn_run *run, const float *x, const float *y, const float *dy,
            float *dx)
{
	nn_layer *l = cl->l;

	(void)x;
	(void)y;
	if (dx)
		CU_K(c, l, cuk_relu6_bwd(c->stream, y, dy, dx, cu_count(run, l->in), l->slope));
	return 0;
}

const struct cu_layer_ops cu_layer_relu6 = {
	.type = "relu6",
	.setup = relu6_setup,
	.release = relu6_release,
	.forward = relu6_forward,
	.backward = relu6_backward,
};
