/* upsample on the GPU: nearest or bilinear (l->bias: 1) by the factor l->sh x l->sw, the host's taps (cu_hd.h). */
#include "nn/cuda/cu_util.h"

static int
upsample_setup(cu_layer *cl, cu_ctx *c, size_t *work_bytes)
{
	(void)c;
	(void)cl;
	*work_bytes = 0;
	return 0;
}

static void
upsample_release(cu_layer *cl, cu_ctx *c)
{
	(void)cl;
	(void)c;
}

static int
upsample_forward(cu_layer *cl, cu_ctx *c, const nn_run *run, const float *x, float *y)
{
	nn_layer *l = cl->l;

	CU_K(c, l, cuk_upsample(c->stream, x, y, (size_t)run->n * l->in.c, l->in.h, l->in.w, l->sh, l->sw, l->bias));
	return 0;
}

static int
upsample_backward(cu_layer *cl, cu_ctx *c, const nn_run *run, const float *x, const float *y, const float *dy,
            float *dx)
{
	nn_layer *l = cl->l;

	(void)x;
	(void)y;
	if (dx)
		CU_K(c, l, cuk_upsample_bwd(c->stream, dy, dx, (size_t)run->n * l->in.c, l->in.h, l->in.w, l->sh, l->sw, l->bias));
	return 0;
}

const struct cu_layer_ops cu_layer_upsample = {
	.type = "upsample",
	.setup = upsample_setup,
	.release = upsample_release,
	.forward = upsample_forward,
	.backward = upsample_backward,
};
