/* softmax on the GPU: over the channels at every position, one thread per position. */
#include "nn/cuda/cu_util.h"

static int
softmax_setup(cu_layer *cl, cu_ctx *c, size_t *work_bytes)
{
	(void)c;
	(void)cl;
	*work_bytes = 0;
	return 0;
}

static void
softmax_release(cu_layer *cl, cu_ctx *c)
{
	(void)cl;
	(void)c;
}

static int
softmax_forward(cu_layer *cl, cu_ctx *c, const nn_run *run, const float *x, float *y)
{
	nn_layer *l = cl->l;

	CU_K(c, l, cuk_softmax(c->stream, x, y, run->n, l->in.c, (size_t)l->in.h * l->in.w));
	return 0;
}

static int
softmax_backward(cu_layer *cl, cu_ctx *c, const nn_run *run, const float *x, const float *y, const float *dy,
            float *dx)
{
	nn_layer *l = cl->l;

	(void)x;
	(void)y;
	if (dx)
		CU_K(c, l, cuk_softmax_bwd(c->stream, y, dy, dx, run->n, l->in.c, (size_t)l->in.h * l->in.w));
	return 0;
}

const struct cu_layer_ops cu_layer_softmax = {
	.type = "softmax",
	.setup = softmax_setup,
	.release = softmax_release,
	.forward = softmax_forward,
	.backward = softmax_backward,
};
