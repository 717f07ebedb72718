/* concat on the GPU: each input's sample-sized blocks into their place in each output sample,
 * a strided 2-D copy per input (and back for the gradients). */
#include "nn/cuda/cu_util.h"

static int
concat_setup(cu_layer *cl, cu_ctx *c, size_t *work_bytes)
{
	(void)cl;
	(void)c;
	*work_bytes = 0;
	return 0;
}

static void
concat_release(cu_layer *cl, cu_ctx *c)
{
	(void)cl;
	(void)c;
}

static int
concat_forward(cu_layer *cl, cu_ctx *c, const nn_run *run, const float *const *x, float *y)
{
	nn_layer *l = cl->l;
	size_t out = nn_shape_size(l->out), off = 0;

	for (int k = 0; k < l->nin; k++) {
		size_t m = nn_shape_size(l->ins[k]);
		if (run->n > 0)
			CU_RT(c, cudaMemcpy2DAsync(y + off, out * sizeof(float), x[k], m * sizeof(float), m * sizeof(float),
			                           (size_t)run->n, cudaMemcpyDeviceToDevice, c->stream));
		off += m;
	}
	return 0;
}

static int
concat_backward(cu_layer *cl, cu_ctx *c, const nn_run *run, const float *const *x, const float *y,
                const float *dy, float *const *dx)
{
	nn_layer *l = cl->l;
	size_t out = nn_shape_size(l->out), off = 0;

	(void)x;
	(void)y;
	for (int k = 0; k < l->nin; k++) {
		size_t m = nn_shape_size(l->ins[k]);
		if (dx[k] && run->n > 0)
			CU_RT(c, cudaMemcpy2DAsync(dx[k], m * sizeof(float), dy + off, out * sizeof(float), m * sizeof(float),
			                           (size_t)run->n, cudaMemcpyDeviceToDevice, c->stream));
		off += m;
	}
	return 0;
}

const struct cu_layer_ops cu_layer_concat = {
	.type = "concat",
	.setup = concat_setup,
	.release = concat_release,
	.forward_multi = concat_forward,
	.backward_multi = concat_backward,
};
