/* The convolution shared by conv2d, depthwise2d (groups = channels) and conv2d_transpose
 * (its forward is the convolution's backward-data): descriptors and algorithm choice, once
 * per batch size, within c->work_limit. */
#include <stdlib.h>
#include <string.h>

#include "nn/cuda/cu_util.h"

int
cu_check_precision(const cu_layer *cl, cu_ctx *c)
{
	if (c->precision == NN_PREC_BF16)
		return CU_ERR(c, "%s: bf16 is not yet implemented on the GPU (use fp32 or tf32)", cl->l->name);
	return 0;
}

int
cu_tensor(cu_ctx *c, cudnnTensorDescriptor_t *d, int n, nn_shape s)
{
	if (!*d)
		CU_DNN(c, cudnnCreateTensorDescriptor(d));
	CU_DNN(c, cudnnSetTensor4dDescriptor(*d, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, n, s.c, s.h, s.w));
	return 0;
}

/* fp32: no tensor cores (exact float math, whatever math the heuristics listed the algorithm
 * with); tf32: the algorithm's own, which may use TF32 tensor cores. */
static cudnnMathType_t
use_math(const cu_ctx *c, cudnnMathType_t m)
{
	return c->precision == NN_PREC_FP32 ? CUDNN_FMA_MATH : m;
}

static cudnnMathType_t
wanted_math(const cu_ctx *c)
{
	return c->precision == NN_PREC_FP32 ? CUDNN_FMA_MATH : CUDNN_DEFAULT_MATH;
}

#define NALGO 16

/*
 * The first algorithm of the heuristics' list (fastest first) whose workspace, as cuDNN reports
 * it for the descriptors at hand, is within limit; *work the most of the three.
 */
static int
choose(struct cu_conv *v, cu_ctx *c, struct cu_conv_plan *p, size_t limit, size_t *work)
{
	cudnnConvolutionFwdAlgoPerf_t f[NALGO];
	cudnnConvolutionBwdDataAlgoPerf_t d[NALGO];
	cudnnConvolutionBwdFilterAlgoPerf_t g[NALGO];
	int nf = 0, nd = 0, ng = 0, i;
	size_t need = 0;

	*work = 0;
	CU_DNN(c, cudnnSetConvolutionMathType(v->conv, wanted_math(c)));
	CU_DNN(c, cudnnGetConvolutionForwardAlgorithm_v7(c->dnn, v->x, v->w, v->conv, v->y, NALGO, &nf, f));
	CU_DNN(c, cudnnGetConvolutionBackwardDataAlgorithm_v7(c->dnn, v->w, v->y, v->conv, v->x, NALGO, &nd, d));
	CU_DNN(c, cudnnGetConvolutionBackwardFilterAlgorithm_v7(c->dnn, v->x, v->y, v->conv, v->w, NALGO, &ng, g));
	for (i = 0; i < nf; i++) {
		if (f[i].status != CUDNN_STATUS_SUCCESS ||
		    cudnnSetConvolutionMathType(v->conv, use_math(c, f[i].mathType)) != CUDNN_STATUS_SUCCESS ||
		    cudnnGetConvolutionForwardWorkspaceSize(c->dnn, v->x, v->w, v->conv, v->y, f[i].algo, &need) !=
		            CUDNN_STATUS_SUCCESS || need > limit)
			continue;
		p->fwd = f[i].algo;
		p->fwd_math = use_math(c, f[i].mathType);
		*work = need > *work ? need : *work;
		break;
	}
	if (i == nf)
		return CU_ERR(c, "no convolution forward algorithm within %zu bytes of workspace", limit);
	for (i = 0; i < nd; i++) {
		if (d[i].status != CUDNN_STATUS_SUCCESS ||
		    cudnnSetConvolutionMathType(v->conv, use_math(c, d[i].mathType)) != CUDNN_STATUS_SUCCESS ||
		    cudnnGetConvolutionBackwardDataWorkspaceSize(c->dnn, v->w, v->y, v->conv, v->x, d[i].algo, &need) !=
		            CUDNN_STATUS_SUCCESS || need > limit)
			continue;
		p->bwd_data = d[i].algo;
		p->data_math = use_math(c, d[i].mathType);
		*work = need > *work ? need : *work;
		break;
	}
	if (i == nd)
		return CU_ERR(c, "no convolution backward-data algorithm within %zu bytes of workspace", limit);
	for (i = 0; i < ng; i++) {
		if (g[i].status != CUDNN_STATUS_SUCCESS ||
		    cudnnSetConvolutionMathType(v->conv, use_math(c, g[i].mathType)) != CUDNN_STATUS_SUCCESS ||
		    cudnnGetConvolutionBackwardFilterWorkspaceSize(c->dnn, v->x, v->y, v->conv, v->w, g[i].algo, &need) !=
		            CUDNN_STATUS_SUCCESS || need > limit)
			continue;
		p->bwd_filter = g[i].algo;
		p->filter_math = use_math(c, g[i].mathType);
		*work = need > *work ? need : *work;
		break;
	}
	if (i == ng)
		return CU_ERR(c, "no convolution backward-filter algorithm within %zu bytes of workspace", limit);
	p->n = v->n;
	return 0;
}

static int
set_batch(struct cu_conv *v, cu_ctx *c, int n)
{
	if (cu_tensor(c, &v->x, n, v->xs) != 0 || cu_tensor(c, &v->y, n, v->ys) != 0)
		return -1;
	v->n = n;
	return 0;
}

int
cu_conv_setup(struct cu_conv *v, cu_ctx *c, const nn_layer *l, nn_shape xs, nn_shape ys, int k, int cpg,
              int groups, size_t *work_bytes)
{
	int pad[2] = { l->ph, l->pw }, stride[2] = { l->sh, l->sw }, dil[2] = { 1, 1 };

	v->xs = xs;
	v->ys = ys;
	CU_DNN(c, cudnnCreateFilterDescriptor(&v->w));
	CU_DNN(c, cudnnSetFilter4dDescriptor(v->w, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, k, cpg, l->kh, l->kw));
	CU_DNN(c, cudnnCreateConvolutionDescriptor(&v->conv));
	/* cross-correlation, as the host's im2col convolution */
	CU_DNN(c, cudnnSetConvolutionNdDescriptor(v->conv, 2, pad, stride, dil, CUDNN_CROSS_CORRELATION,
	                                          CUDNN_DATA_FLOAT));
	if (groups > 1)
		CU_DNN(c, cudnnSetConvolutionGroupCount(v->conv, groups));
	if (cu_tensor(c, &v->bias, 1, (nn_shape){ l->out.c, 1, 1 }) != 0)
		return -1;
	if (set_batch(v, c, l->batch) != 0 || choose(v, c, &v->plan[0], c->work_limit, work_bytes) != 0)
		return -1;
	v->cur = &v->plan[0];
	return 0;
}

void
cu_conv_release(struct cu_conv *v)
{
	if (v->x)
		cudnnDestroyTensorDescriptor(v->x);
	if (v->y)
		cudnnDestroyTensorDescriptor(v->y);
	if (v->bias)
		cudnnDestroyTensorDescriptor(v->bias);
	if (v->w)
		cudnnDestroyFilterDescriptor(v->w);
	if (v->conv)
		cudnnDestroyConvolutionDescriptor(v->conv);
	memset(v, 0, sizeof *v);
}

int
cu_conv_batch(struct cu_conv *v, cu_ctx *c, int n)
{
	size_t work = 0;

	CU_DNN(c, cudnnSetStream(c->dnn, c->stream));
	if (n == v->n)
		return 0;
	if (set_batch(v, c, n) != 0)
		return -1;
	for (int i = 0; i < 2; i++)
		if (v->plan[i].n == n) {
			v->cur = &v->plan[i];
			return 0;
		}
	/* a smaller batch (the last of an epoch): within the workspace the driver allocated */
	struct cu_conv_plan p = { 0 };
	if (choose(v, c, &p, c->work_bytes, &work) != 0) {
		v->n = 0;               /* the descriptors are set again by the next call */
		return -1;
	}
	v->plan[1] = p;
	v->cur = &v->plan[1];
	return 0;
}

int
cu_conv_fwd(struct cu_conv *v, cu_ctx *c, const float *x, const float *w, float *y)
{
	float one = 1, zero = 0;

	CU_DNN(c, cudnnSetConvolutionMathType(v->conv, v->cur->fwd_math));
	CU_DNN(c, cudnnConvolutionForward(c->dnn, &one, v->x, x, v->w, w, v->conv, v->cur->fwd, c->work,
	                                  c->work_bytes, &zero, v->y, y));
	return 0;
}

/* dx = the input gradient (written) */
int
cu_conv_bwd_data(struct cu_conv *v, cu_ctx *c, const float *dy, const float *w, float *dx)
{
	float one = 1, zero = 0;

	CU_DNN(c, cudnnSetConvolutionMathType(v->conv, v->cur->data_math));
	CU_DNN(c, cudnnConvolutionBackwardData(c->dnn, &one, v->w, w, v->y, dy, v->conv, v->cur->bwd_data,
	                                       c->work, c->work_bytes, &zero, v->x, dx));
	return 0;
}

/* dw += the filter gradient */
int
cu_conv_bwd_filter(struct cu_conv *v, cu_ctx *c, const float *x, const float *dy, float *dw)
{
	float one = 1;

	CU_DNN(c, cudnnSetConvolutionMathType(v->conv, v->cur->filter_math));
	CU_DNN(c, cudnnConvolutionBackwardFilter(c->dnn, &one, v->x, x, v->y, dy, v->conv, v->cur->bwd_filter,
	                                         c->work, c->work_bytes, &one, v->w, dw));
	return 0;
}

/* The release of a layer whose priv is a struct cu_conv (conv2d, depthwise2d, conv2d_transpose). */
void
cu_conv_layer_release(cu_layer *cl, cu_ctx *c)
{
	(void)c;
	if (cl->priv)
		cu_conv_release(cl->priv);
	free(cl->priv);
	cl->priv = NULL;
}

/* Backward of a convolution whose input is x (conv2d, depthwise2d): the filter and bias
 * gradients added, dx written; a fused relu's gradient is its absorbed layer's backward. */
int
cu_conv_layer_backward(cu_layer *cl, cu_ctx *c, const nn_run *run, const float *x, const float *y, const float *dy,
                       float *dx)
{
	nn_layer *l = cl->l;
	struct cu_conv *v = cl->priv;
	float one = 1;

	(void)y;
	if (cu_conv_batch(v, c, run->n) != 0 || cu_conv_bwd_filter(v, c, x, dy, cl->g[0]) != 0)
		return -1;
	if (l->bias)
		CU_DNN(c, cudnnConvolutionBackwardBias(c->dnn, &one, v->y, dy, &one, v->bias, cl->g[1]));
	if (dx && cu_conv_bwd_data(v, c, dy, cl->w[0], dx) != 0)
		return -1;
	return 0;
}
