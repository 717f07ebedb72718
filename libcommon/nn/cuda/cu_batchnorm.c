/* batchnorm on the GPU: cuDNN's spatial batch normalisation.  Training: the batch's mean and
 * biased variance normalise, and the running statistics (l->state on the device: mean, then
 * variance) move by l->momentum towards the batch's mean and unbiased variance, as the host
 * and PyTorch; inference, and training of a frozen layer (l->infer), use the running
 * statistics, with an own kernel for that backward (cuDNN's backward is the training one's).
 * Backward adds into the gamma and beta gradients.  --sync-bn is not supported here. */
#include <stdlib.h>

#include "nn/cuda/cu_util.h"

struct bn {
	cudnnTensorDescriptor_t x, p;   /* the activation (n samples), the per-channel parameters */
	int n;
	float *saved;                   /* the batch's mean and inverse deviation, C each */
	float *scratch;                 /* dx when the caller wants none (cuDNN writes one) */
};

static int
bn_setup(cu_layer *cl, cu_ctx *c, size_t *work_bytes)
{
	nn_layer *l = cl->l;
	struct bn *b;

	*work_bytes = 0;
	if (l->eps < CUDNN_BN_MIN_EPSILON)
		return CU_ERR(c, "%s: eps %g is below cuDNN's least, %g", l->name, l->eps, CUDNN_BN_MIN_EPSILON);
	if (!(b = calloc(1, sizeof *b)))
		return CU_ERR(c, "%s: out of memory", l->name);
	cl->priv = b;
	if (cu_tensor(c, &b->x, l->batch, l->in) != 0 || cu_tensor(c, &b->p, 1, (nn_shape){ l->in.c, 1, 1 }) != 0)
		return -1;
	b->n = l->batch;
	CU_RT(c, cudaMalloc((void **)&b->saved, 2 * (size_t)l->in.c * sizeof(float)));
	return 0;
}

static void
bn_release(cu_layer *cl, cu_ctx *c)
{
	struct bn *b = cl->priv;

	(void)c;
	if (!b)
		return;
	if (b->x)
		cudnnDestroyTensorDescriptor(b->x);
	if (b->p)
		cudnnDestroyTensorDescriptor(b->p);
	cudaFree(b->saved);
	cudaFree(b->scratch);
	free(b);
	cl->priv = NULL;
}

static int
batch(struct bn *b, cu_ctx *c, const nn_layer *l, const nn_run *run)
{
	if (run->sync)
		return CU_ERR(c, "%s: synchronised batch norm is not supported on the GPU", l->name);
	CU_DNN(c, cudnnSetStream(c->dnn, c->stream));
	if (b->n != run->n) {
		if (cu_tensor(c, &b->x, run->n, l->in) != 0)
			return -1;
		b->n = run->n;
	}
	return 0;
}

static int
bn_forward(cu_layer *cl, cu_ctx *c, const nn_run *run, const float *x, float *y)
{
	nn_layer *l = cl->l;
	struct bn *b = cl->priv;
	float one = 1, zero = 0;
	int C = l->in.c;

	if (batch(b, c, l, run) != 0)
		return -1;
	if (run->train && !l->infer)
		CU_DNN(c, cudnnBatchNormalizationForwardTraining(c->dnn, CUDNN_BATCHNORM_SPATIAL, &one, &zero, b->x, x,
		                                                 b->x, y, b->p, cl->w[0], cl->w[1], l->momentum,
		                                                 cl->state, cl->state + C, l->eps, b->saved,
		                                                 b->saved + C));
	else
		CU_DNN(c, cudnnBatchNormalizationForwardInference(c->dnn, CUDNN_BATCHNORM_SPATIAL, &one, &zero, b->x, x,
		                                                  b->x, y, b->p, cl->w[0], cl->w[1], cl->state,
		                                                  cl->state + C, l->eps));
	return 0;
}

static int
bn_backward(cu_layer *cl, cu_ctx *c, const nn_run *run, const float *x, const float *y, const float *dy,
            float *dx)
{
	nn_layer *l = cl->l;
	struct bn *b = cl->priv;
	float one = 1, zero = 0;
	int C = l->in.c;

	(void)y;
	if (batch(b, c, l, run) != 0)
		return -1;
	if (!(run->train && !l->infer)) {
		CU_K(c, l, cuk_bn_infer_bwd(c->stream, x, dy, dx, cl->state, cl->w[0], cl->g[0], cl->g[1], l->eps,
		                            run->n, C, (size_t)l->in.h * l->in.w));
		return 0;
	}
	if (!dx) {
		if (!b->scratch)
			CU_RT(c, cudaMalloc((void **)&b->scratch, (size_t)l->batch * nn_shape_size(l->in) * sizeof(float)));
		dx = b->scratch;
	}
	CU_DNN(c, cudnnBatchNormalizationBackward(c->dnn, CUDNN_BATCHNORM_SPATIAL, &one, &zero, &one, &one, b->x, x,
	                                          b->x, dy, b->x, dx, b->p, cl->w[0], cl->g[0], cl->g[1], l->eps,
	                                          b->saved, b->saved + C));
	return 0;
}

const struct cu_layer_ops cu_layer_batchnorm = {
	.type = "batchnorm",
	.setup = bn_setup,
	.release = bn_release,
	.forward = bn_forward,
	.backward = bn_backward,
};
