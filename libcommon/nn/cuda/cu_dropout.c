/* dropout on the GPU: the host's masks (layer_dropout.c), generated on the device by the same
 * xoshiro256** sequence from (run->seed, run->step, layer index, sample + run->sample0), one
 * thread per sample (cu_hd.h), kept in a device byte mask for backward. */
#include "nn/cuda/cu_util.h"

static int
dropout_setup(cu_layer *cl, cu_ctx *c, size_t *work_bytes)
{
	nn_layer *l = cl->l;

	*work_bytes = 0;
	CU_RT(c, cudaMalloc(&cl->priv, (size_t)l->batch * nn_shape_size(l->in)));
	return 0;
}

static void
dropout_release(cu_layer *cl, cu_ctx *c)
{
	(void)c;
	if (cl->priv)
		cudaFree(cl->priv);
	cl->priv = NULL;
}

static int
dropout_forward(cu_layer *cl, cu_ctx *c, const nn_run *run, const float *x, float *y)
{
	nn_layer *l = cl->l;
	size_t size = nn_shape_size(l->in);

	if (!run->train || l->rate == 0) {
		if (y != x)
			CU_RT(c, cudaMemcpyAsync(y, x, cu_count(run, l->in) * sizeof(float), cudaMemcpyDeviceToDevice,
			                         c->stream));
		return 0;
	}
	uint64_t keep = (uint64_t)((1.0 - l->rate) * 18446744073709551616.0);
	float scale = 1 / (1 - l->rate);
	CU_K(c, l, cuk_dropout(c->stream, x, y, cl->priv, run->n, size, run->seed, run->step, l->index,
	                       run->sample0, keep, scale));
	return 0;
}

static int
dropout_backward(cu_layer *cl, cu_ctx *c, const nn_run *run, const float *x, const float *y, const float *dy,
                 float *dx)
{
	nn_layer *l = cl->l;

	(void)x;
	(void)y;
	if (!dx)
		return 0;
	if (!run->train || l->rate == 0) {
		if (dx != dy)
			CU_RT(c, cudaMemcpyAsync(dx, dy, cu_count(run, l->in) * sizeof(float), cudaMemcpyDeviceToDevice,
			                         c->stream));
		return 0;
	}
	CU_K(c, l, cuk_dropout_bwd(c->stream, cl->priv, dy, dx, cu_count(run, l->in), 1 / (1 - l->rate)));
	return 0;
}

const struct cu_layer_ops cu_layer_dropout = {
	.type = "dropout",
	.setup = dropout_setup,
	.release = dropout_release,
	.forward = dropout_forward,
	.backward = dropout_backward,
};
