/* The driver's own kernels (cu_net_kernels.cu), launched asynchronously on a stream. */
#ifndef CU_NET_KERNELS_H
#define CU_NET_KERNELS_H

#include <stddef.h>

#include <cuda_runtime.h>

/* One parameter tensor of the flat arena, as the fused update sees it. */
typedef struct {
	size_t off, n;          /* elements [off, off + n) of values, gradients and state */
	float lr_scale, decay;  /* decay: 2 * l2, or 0 */
	int active;             /* 0: frozen, not updated */
} cu_param_seg;

typedef struct {
	int kind;               /* NN_SGD or NN_ADAM (nn_optim.h) */
	float lr, momentum, beta1, beta2, eps;
	float c1, c2;           /* Adam's bias corrections 1 - beta^t */
} cu_optim_args;

#ifdef __cplusplus
extern "C" {
#endif

/* Inverted dropout with a mask made on the host: y[i] = m[i] ? x[i] * scale : 0 (also backward). */
int cu_dropout(const float *x, float *y, const unsigned char *m, size_t n, float scale, cudaStream_t s);
/* dst[i] += src[i], i < n */
int cu_add(float *dst, const float *src, size_t n, cudaStream_t s);
/* The update of every parameter at once (nn_optim.c's formulas): seg[0..nseg) on the device,
 * sorted by off, covering total elements of w, g, m and v (v unused by SGD). */
int cu_optim_step(const cu_optim_args *a, const cu_param_seg *seg, int nseg, size_t total, float *w,
                  const float *g, float *m, float *v, cudaStream_t s);

#ifdef __cplusplus
}
#endif

#endif
