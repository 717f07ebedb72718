/* sigmoid on the GPU: 1 / (1 + exp(-x)), the host's two-sided form; backward from y. */
#include "nn/cuda/cu_util.h"

static int
sigmoid_setup(cu_layer *cl, cu_ctx *c, size_t *work_bytes)
{
	(void)c;
	(void)cl;
	*work_bytes = 0;
	return 0;
}

static void
sigmoid_release(cu_layer *cl, cu_ctx *c)
{
	(void)cl;
	(void)c;
}

static int
sigmoid_forward(cu_layer *cl, cu_ctx *c, const nn_run *run, const float *x, float *y)
{
	nn_layer *l = cl->l;

	CU_K(c, l, cuk_sigmoid(c->stream, x, y, cu_count(run, l->in)));
	return 0;
}

static int
sigmoid_backward(cu_layer *cl, cu_ctx *c, const nn_run *run, const float *x, const float *y, const float *dy,
            float *dx)
{
	nn_layer *l = cl->l;

	(void)x;
	(void)y;
	if (dx)
		CU_K(c, l, cuk_sigmoid_bwd(c->stream, y, dy, dx, cu_count(run, l->in)));
	return 0;
}

const struct cu_layer_ops cu_layer_sigmoid = {
	.type = "sigmoid",
	.setup = sigmoid_setup,
	.release = sigmoid_release,
	.forward = sigmoid_forward,
	.backward = sigmoid_backward,
};
