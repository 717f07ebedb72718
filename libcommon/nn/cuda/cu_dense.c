/* dense on the GPU: cuBLAS sgemm on the host's row-major layout (x: n x in, weight: units x in,
 * y: n x units), which column-major cuBLAS sees transposed; then the host's bias pass. */
#include <stdlib.h>

#include "nn/cuda/cu_util.h"

struct dense {
	cudnnTensorDescriptor_t dy, bias;       /* the bias gradient, by cuDNN's bias reduction */
	int n;
};

static int
blas_on(cu_ctx *c)
{
	CU_BLAS(c, cublasSetStream(c->blas, c->stream));
	CU_BLAS(c, cublasSetMathMode(c->blas, c->precision == NN_PREC_TF32 ? CUBLAS_TF32_TENSOR_OP_MATH
	                                                                   : CUBLAS_DEFAULT_MATH));
	return 0;
}

static int
dense_setup(cu_layer *cl, cu_ctx *c, size_t *work_bytes)
{
	nn_layer *l = cl->l;
	struct dense *d;

	*work_bytes = 0;
	if (cu_check_precision(cl, c) != 0)
		return -1;
	if (!(d = calloc(1, sizeof *d)))
		return CU_ERR(c, "%s: out of memory", l->name);
	cl->priv = d;
	if (cu_tensor(c, &d->bias, 1, l->out) != 0 || cu_tensor(c, &d->dy, l->batch, l->out) != 0)
		return -1;
	d->n = l->batch;
	return 0;
}

static void
dense_release(cu_layer *cl, cu_ctx *c)
{
	struct dense *d = cl->priv;

	(void)c;
	if (d && d->dy)
		cudnnDestroyTensorDescriptor(d->dy);
	if (d && d->bias)
		cudnnDestroyTensorDescriptor(d->bias);
	free(d);
	cl->priv = NULL;
}

static int
dense_forward(cu_layer *cl, cu_ctx *c, const nn_run *run, const float *x, float *y)
{
	nn_layer *l = cl->l;
	int in = (int)nn_shape_size(l->in), u = l->units;
	float one = 1, zero = 0;

	if (blas_on(c) != 0)
		return -1;
	/* column-major: y (u x n) = W^T (u x in, W stored in x u) x (in x n) */
	CU_BLAS(c, cublasSgemm(c->blas, CUBLAS_OP_T, CUBLAS_OP_N, u, run->n, in, &one, cl->w[0], in, x, in, &zero,
	                       y, u));
	CU_K(c, l, cuk_bias_act(c->stream, y, l->bias ? cl->w[1] : NULL, cu_count(run, l->out), u, 1,
	                        l->fuse_relu, l->fused_slope));
	return 0;
}

static int
dense_backward(cu_layer *cl, cu_ctx *c, const nn_run *run, const float *x, const float *y, const float *dy,
               float *dx)
{
	nn_layer *l = cl->l;
	struct dense *d = cl->priv;
	int in = (int)nn_shape_size(l->in), u = l->units;
	float one = 1, zero = 0;

	(void)y;
	if (blas_on(c) != 0)
		return -1;
	/* dW (in x u) += x (in x n) dy^T (n x u) */
	CU_BLAS(c, cublasSgemm(c->blas, CUBLAS_OP_N, CUBLAS_OP_T, in, u, run->n, &one, x, in, dy, u, &one,
	                       cl->g[0], in));
	if (l->bias) {
		if (d->n != run->n) {
			if (cu_tensor(c, &d->dy, run->n, l->out) != 0)
				return -1;
			d->n = run->n;
		}
		CU_DNN(c, cudnnSetStream(c->dnn, c->stream));
		CU_DNN(c, cudnnConvolutionBackwardBias(c->dnn, &one, d->dy, dy, &one, d->bias, cl->g[1]));
	}
	/* dx (in x n) = W (in x u) dy (u x n) */
	if (dx)
		CU_BLAS(c, cublasSgemm(c->blas, CUBLAS_OP_N, CUBLAS_OP_N, in, run->n, u, &one, cl->w[0], in, dy, u,
		                       &zero, dx, in));
	return 0;
}

const struct cu_layer_ops cu_layer_dense = {
	.type = "dense",
	.setup = dense_setup,
	.release = dense_release,
	.forward = dense_forward,
	.backward = dense_backward,
};
