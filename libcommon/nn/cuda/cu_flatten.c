/* flatten on the GPU: nothing moves; a copy only where the driver gave y its own buffer. */
#include "nn/cuda/cu_util.h"

static int
flatten_setup(cu_layer *cl, cu_ctx *c, size_t *work_bytes)
{
	(void)cl;
	(void)c;
	*work_bytes = 0;
	return 0;
}

static void
flatten_release(cu_layer *cl, cu_ctx *c)
{
	(void)cl;
	(void)c;
}

static int
flatten_forward(cu_layer *cl, cu_ctx *c, const nn_run *run, const float *x, float *y)
{
	if (y != x)
		CU_RT(c, cudaMemcpyAsync(y, x, cu_count(run, cl->l->in) * sizeof(float), cudaMemcpyDeviceToDevice,
		                         c->stream));
	return 0;
}

static int
flatten_backward(cu_layer *cl, cu_ctx *c, const nn_run *run, const float *x, const float *y, const float *dy,
                 float *dx)
{
	(void)x;
	(void)y;
	if (dx && dx != dy)
		CU_RT(c, cudaMemcpyAsync(dx, dy, cu_count(run, cl->l->in) * sizeof(float), cudaMemcpyDeviceToDevice,
		                         c->stream));
	return 0;
}

const struct cu_layer_ops cu_layer_flatten = {
	.type = "flatten",
	.setup = flatten_setup,
	.release = flatten_release,
	.forward = flatten_forward,
	.backward = flatten_backward,
};
