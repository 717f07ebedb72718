/* What the CUDA layer files share: error checks that write c->err, the precision switch, and
 * the per-call tensor descriptors.  Internal to libnncuda.so. */
#ifndef CU_UTIL_H
#define CU_UTIL_H

#include <stdio.h>

#include "nn/cuda/cu_layer.h"
#include "nn/cuda/cu_kernels.h"
#include "nn/nn_device.h"	/* NN_PREC_*: c->precision */

#define CU_ERR(c, ...) (snprintf((c)->err, sizeof (c)->err, __VA_ARGS__), -1)

#define CU_RT(c, call) do { cudaError_t e_ = (call); \
	if (e_ != cudaSuccess) return CU_ERR(c, "%s: %s", #call, cudaGetErrorString(e_)); } while (0)
#define CU_DNN(c, call) do { cudnnStatus_t e_ = (call); \
	if (e_ != CUDNN_STATUS_SUCCESS) return CU_ERR(c, "%s: %s", #call, cudnnGetErrorString(e_)); } while (0)
#define CU_BLAS(c, call) do { cublasStatus_t e_ = (call); \
	if (e_ != CUBLAS_STATUS_SUCCESS) return CU_ERR(c, "%s: %s", #call, cublasGetStatusString(e_)); } while (0)
/* a kernel launcher of cu_kernels.h (it returns the launch's cudaError_t) */
#define CU_K(c, l, call) do { cudaError_t e_ = (call); \
	if (e_ != cudaSuccess) return CU_ERR(c, "%s: kernel: %s", (l)->name, cudaGetErrorString(e_)); } while (0)

/* BF16 is not yet implemented: the layers refuse it in setup. */
int cu_check_precision(const cu_layer *cl, cu_ctx *c);
/* An NCHW float tensor descriptor (created once, reset when n changes). */
int cu_tensor(cu_ctx *c, cudnnTensorDescriptor_t *d, int n, nn_shape s);
/* The values of a layer's activation: run->n samples of shape s. */
static inline size_t cu_count(const nn_run *run, nn_shape s) { return (size_t)run->n * nn_shape_size(s); }

/* Convolutions (conv2d, depthwise2d, conv2d_transpose): descriptors and the algorithms chosen
 * for one batch size, cached for the run (the full batch, and the last other size). */
struct cu_conv_plan {
	int n;                                  /* 0: not chosen */
	cudnnConvolutionFwdAlgo_t fwd;
	cudnnConvolutionBwdDataAlgo_t bwd_data;
	cudnnConvolutionBwdFilterAlgo_t bwd_filter;
	cudnnMathType_t fwd_math, data_math, filter_math;
};

struct cu_conv {
	/* "x" and "y" are the convolution's input and output: for conv2d_transpose, y is the
	 * layer's input and x its output. */
	nn_shape xs, ys;
	cudnnTensorDescriptor_t x, y, bias;
	cudnnFilterDescriptor_t w;
	cudnnConvolutionDescriptor_t conv;
	int n;                                  /* the batch the tensor descriptors are set for */
	struct cu_conv_plan plan[2];            /* [0] the full batch, [1] the last other size */
	const struct cu_conv_plan *cur;
};

/* Creates the descriptors (filters k x c/groups x kh x kw, padding, stride, groups) and chooses
 * the algorithms for the full batch; *work_bytes the most they need. */
int cu_conv_setup(struct cu_conv *v, cu_ctx *c, const nn_layer *l, nn_shape xs, nn_shape ys, int k,
                  int cpg, int groups, size_t *work_bytes);
void cu_conv_release(struct cu_conv *v);
/* Sets the descriptors for n samples (choosing algorithms for n the first time). */
int cu_conv_batch(struct cu_conv *v, cu_ctx *c, int n);
int cu_conv_fwd(struct cu_conv *v, cu_ctx *c, const float *x, const float *w, float *y);
int cu_conv_bwd_data(struct cu_conv *v, cu_ctx *c, const float *dy, const float *w, float *dx);
int cu_conv_bwd_filter(struct cu_conv *v, cu_ctx *c, const float *x, const float *dy, float *dw);
void cu_conv_layer_release(cu_layer *cl, cu_ctx *c);
int cu_conv_layer_backward(cu_layer *cl, cu_ctx *c, const nn_run *run, const float *x, const float *y,
                           const float *dy, float *dx);

#endif
