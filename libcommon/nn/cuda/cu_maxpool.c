/* maxpool on the GPU: own kernels rather than cuDNN's, so that padding (cells outside the
 * input never win) and ties (the first maximum in row order wins, and gets the gradient) are
 * the host's; where each maximum was is kept for backward (a device int per output). */
#include "nn/cuda/cu_util.h"

static int
maxpool_setup(cu_layer *cl, cu_ctx *c, size_t *work_bytes)
{
	nn_layer *l = cl->l;

	*work_bytes = 0;
	CU_RT(c, cudaMalloc(&cl->priv, (size_t)l->batch * nn_shape_size(l->out) * sizeof(int)));
	return 0;
}

static void
maxpool_release(cu_layer *cl, cu_ctx *c)
{
	(void)c;
	if (cl->priv)
		cudaFree(cl->priv);
	cl->priv = NULL;
}

static int
maxpool_forward(cu_layer *cl, cu_ctx *c, const nn_run *run, const float *x, float *y)
{
	nn_layer *l = cl->l;

	CU_K(c, l, cuk_maxpool(c->stream, x, y, cl->priv, (size_t)run->n * l->in.c, l->in.h, l->in.w, l->out.h,
	                       l->out.w, l->kh, l->kw, l->sh, l->sw, l->ph, l->pw));
	return 0;
}

static int
maxpool_backward(cu_layer *cl, cu_ctx *c, const nn_run *run, const float *x, const float *y, const float *dy,
                 float *dx)
{
	nn_layer *l = cl->l;

	(void)x;
	(void)y;
	if (dx)
		CU_K(c, l, cuk_maxpool_bwd(c->stream, cl->priv, dy, dx, (size_t)run->n * l->in.c, l->in.h, l->in.w,
		                           l->out.h, l->out.w));
	return 0;
}

const struct cu_layer_ops cu_layer_maxpool = {
	.type = "maxpool",
	.setup = maxpool_setup,
	.release = maxpool_release,
	.forward = maxpool_forward,
	.backward = maxpool_backward,
};
