/* features on the GPU: the batch's raw metadata values, which the host decoded into net->feat
 * (nn_feature_input), are copied to the device at the forward and standardised there with the
 * layer's state (mean, then standard deviation; on the device in cl->state).  No parameters,
 * no input gradient. */
#include "nn/cuda/cu_util.h"

static int
features_setup(cu_layer *cl, cu_ctx *c, size_t *work_bytes)
{
	nn_layer *l = cl->l;

	*work_bytes = 0;
	CU_RT(c, cudaMalloc(&cl->priv, (size_t)l->batch * l->out.c * sizeof(float)));
	return 0;
}

static void
features_release(cu_layer *cl, cu_ctx *c)
{
	(void)c;
	if (cl->priv)
		cudaFree(cl->priv);
	cl->priv = NULL;
}

static int
features_forward(cu_layer *cl, cu_ctx *c, const nn_run *run, const float *x, float *y)
{
	nn_layer *l = cl->l;
	int k = l->out.c;

	(void)x;
	if (run->n == 0)
		return 0;
	/* from pageable host memory: the copy is done when the call returns, as the host
	 * overwrites net->feat with the next batch */
	CU_RT(c, cudaMemcpyAsync(cl->priv, l->net->feat, (size_t)run->n * k * sizeof(float), cudaMemcpyHostToDevice,
	                         c->stream));
	CU_K(c, l, cuk_features(c->stream, cl->priv, cl->state, y, run->n, k));
	return 0;
}

static int
features_backward(cu_layer *cl, cu_ctx *c, const nn_run *run, const float *x, const float *y, const float *dy,
                  float *dx)
{
	(void)cl, (void)c, (void)run, (void)x, (void)y, (void)dy, (void)dx;
	return 0;
}

const struct cu_layer_ops cu_layer_features = {
	.type = "features",
	.setup = features_setup,
	.release = features_release,
	.forward = features_forward,
	.backward = features_backward,
};
