/* gap on the GPU: globalavgpool, the mean of each plane (one block per plane). */
#include "nn/cuda/cu_util.h"

static int
gap_setup(cu_layer *cl, cu_ctx *c, size_t *work_bytes)
{
	(void)c;
	(void)cl;
	*work_bytes = 0;
	return 0;
}

static void
gap_release(cu_layer *cl, cu_ctx *c)
{
	(void)cl;
	(void)c;
}

static int
gap_forward(cu_layer *cl, cu_ctx *c, const nn_run *run, const float *x, float *y)
{
	nn_layer *l = cl->l;

	CU_K(c, l, cuk_gap(c->stream, x, y, (size_t)run->n * l->in.c, (size_t)l->in.h * l->in.w));
	return 0;
}

static int
gap_backward(cu_layer *cl, cu_ctx *c, const nn_run *run, const float *x, const float *y, const float *dy,
            float *dx)
{
	nn_layer *l = cl->l;

	(void)x;
	(void)y;
	if (dx)
		CU_K(c, l, cuk_gap_bwd(c->stream, dy, dx, (size_t)run->n * l->in.c, (size_t)l->in.h * l->in.w));
	return 0;
}

const struct cu_layer_ops cu_layer_gap = {
	.type = "globalavgpool",
	.setup = gap_setup,
	.release = gap_release,
	.forward = gap_forward,
	.backward = gap_backward,
};
