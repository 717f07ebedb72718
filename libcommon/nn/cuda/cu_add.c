/* add on the GPU: y = the sum of the inputs; each wanted input gradient is a copy of dy. */
#include "nn/cuda/cu_util.h"

static int
add_setup(cu_layer *cl, cu_ctx *c, size_t *work_bytes)
{
	(void)cl;
	(void)c;
	*work_bytes = 0;
	return 0;
}

static void
add_release(cu_layer *cl, cu_ctx *c)
{
	(void)cl;
	(void)c;
}

static int
add_forward(cu_layer *cl, cu_ctx *c, const nn_run *run, const float *const *x, float *y)
{
	nn_layer *l = cl->l;
	size_t n = cu_count(run, l->out);

	if (y != x[0])
		CU_RT(c, cudaMemcpyAsync(y, x[0], n * sizeof(float), cudaMemcpyDeviceToDevice, c->stream));
	for (int k = 1; k < l->nin; k++)
		CU_K(c, l, cuk_add(c->stream, y, x[k], n));
	return 0;
}

static int
add_backward(cu_layer *cl, cu_ctx *c, const nn_run *run, const float *const *x, const float *y,
             const float *dy, float *const *dx)
{
	nn_layer *l = cl->l;
	size_t n = cu_count(run, l->out);

	(void)x;
	(void)y;
	for (int k = 0; k < l->nin; k++)
		if (dx[k] && dx[k] != dy)
			CU_RT(c, cudaMemcpyAsync(dx[k], dy, n * sizeof(float), cudaMemcpyDeviceToDevice, c->stream));
	return 0;
}

const struct cu_layer_ops cu_layer_add = {
	.type = "add",
	.setup = add_setup,
	.release = add_release,
	.forward_multi = add_forward,
	.backward_multi = add_backward,
};
