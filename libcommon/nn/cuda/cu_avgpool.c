/* avgpool on the GPU: the mean of each kh x kw window, no padding (as the host, which reads no pad=), own kernels. */
#include "nn/cuda/cu_util.h"

static int
avgpool_setup(cu_layer *cl, cu_ctx *c, size_t *work_bytes)
{
	(void)c;
	(void)cl;
	*work_bytes = 0;
	return 0;
}

static void
avgpool_release(cu_layer *cl, cu_ctx *c)
{
	(void)cl;
	(void)c;
}

static int
avgpool_forward(cu_layer *cl, cu_ctx *c, const nn_run *run, const float *x, float *y)
{
	nn_layer *l = cl->l;

	CU_K(c, l, cuk_avgpool(c->stream, x, y, (size_t)run->n * l->in.c, l->in.h, l->in.w, l->out.h, l->out.w, l->kh, l->kw, l->sh, l->sw));
	return 0;
}

static int
avgpool_backward(cu_layer *cl, cu_ctx *c, const nn_run *run, const float *x, const float *y, const float *dy,
            float *dx)
{
	nn_layer *l = cl->l;

	(void)x;
	(void)y;
	if (dx)
		CU_K(c, l, cuk_avgpool_bwd(c->stream, dy, dx, (size_t)run->n * l->in.c, l->in.h, l->in.w, l->out.h, l->out.w, l->kh, l->kw, l->sh, l->sw));
	return 0;
}

const struct cu_layer_ops cu_layer_avgpool = {
	.type = "avgpool",
	.setup = avgpool_setup,
	.release = avgpool_release,
	.forward = avgpool_forward,
	.backward = avgpool_backward,
};
