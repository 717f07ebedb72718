/* The CUDA layers' own kernels (cu_kernels.cu), behind C launchers that return the launch's
 * error.  Counts are of float values; all run on the stream given. */
#ifndef CU_KERNELS_H
#define CU_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include <cuda_runtime.h>

#ifdef __cplusplus
extern "C" {
#endif

/* y[i] += b[channel] (b may be NULL), then leaky relu with slope when fuse: the host's bias pass
 * of conv2d and dense.  y holds n values, planes of hw for C channels. */
cudaError_t cuk_bias_act(cudaStream_t st, float *y, const float *b, size_t n, int C, size_t hw, int fuse,
                         float slope);
cudaError_t cuk_leaky(cudaStream_t st, const float *x, float *y, size_t n, float slope);
cudaError_t cuk_leaky_bwd(cudaStream_t st, const float *x, const float *dy, float *dx, size_t n, float slope);
cudaError_t cuk_relu6(cudaStream_t st, const float *x, float *y, size_t n, float hi);
cudaError_t cuk_relu6_bwd(cudaStream_t st, const float *y, const float *dy, float *dx, size_t n, float hi);
cudaError_t cuk_sigmoid(cudaStream_t st, const float *x, float *y, size_t n);
cudaError_t cuk_sigmoid_bwd(cudaStream_t st, const float *y, const float *dy, float *dx, size_t n);
/* over C channels at each of hw positions of N samples */
cudaError_t cuk_softmax(cudaStream_t st, const float *x, float *y, int N, int C, size_t hw);
cudaError_t cuk_softmax_bwd(cudaStream_t st, const float *y, const float *dy, float *dx, int N, int C, size_t hw);
/* mask (N x size bytes) from layer_dropout.c's generator, one thread per sample, then y = x
 * kept and scaled (y == x allowed). */
cudaError_t cuk_dropout(cudaStream_t st, const float *x, float *y, unsigned char *mask, int N, size_t size,
                        uint64_t seed, uint64_t step, int layer, uint64_t sample0, uint64_t keep, float scale);
cudaError_t cuk_dropout_bwd(cudaStream_t st, const unsigned char *mask, const float *dy, float *dx, size_t n,
                            float scale);
/* planes of H x W into ho x wo; arg: the index in its plane of each maximum */
cudaError_t cuk_maxpool(cudaStream_t st, const float *x, float *y, int *arg, size_t planes, int H, int W,
                        int ho, int wo, int kh, int kw, int sh, int sw, int ph, int pw);
/* dx written (zeroed, then each maximum's gradient added) */
cudaError_t cuk_maxpool_bwd(cudaStream_t st, const int *arg, const float *dy, float *dx, size_t planes,
                            int H, int W, int ho, int wo);
cudaError_t cuk_avgpool(cudaStream_t st, const float *x, float *y, size_t planes, int H, int W, int ho, int wo,
                        int kh, int kw, int sh, int sw);
cudaError_t cuk_avgpool_bwd(cudaStream_t st, const float *dy, float *dx, size_t planes, int H, int W, int ho,
                            int wo, int kh, int kw, int sh, int sw);
cudaError_t cuk_gap(cudaStream_t st, const float *x, float *y, size_t planes, size_t hw);
cudaError_t cuk_gap_bwd(cudaStream_t st, const float *dy, float *dx, size_t planes, size_t hw);
cudaError_t cuk_upsample(cudaStream_t st, const float *x, float *y, size_t planes, int H, int W, int fh, int fw,
                         int bilinear);
cudaError_t cuk_upsample_bwd(cudaStream_t st, const float *dy, float *dx, size_t planes, int H, int W, int fh,
                             int fw, int bilinear);
cudaError_t cuk_add(cudaStream_t st, float *y, const float *x, size_t n);      /* y += x */
/* y[s][i] = (raw[s][i] - state[i]) / (state[k + i] > 0 ? state[k + i] : 1) */
cudaError_t cuk_features(cudaStream_t st, const float *raw, const float *state, float *y, int N, int k);
/* Batch norm in inference mode (l->infer) backward, with the running statistics state (mean,
 * then variance): gg[c] += sum dy * xhat, gb[c] += sum dy; dx (if not NULL) = gamma inv dy. */
cudaError_t cuk_bn_infer_bwd(cudaStream_t st, const float *x, const float *dy, float *dx, const float *state,
                             const float *gamma, float *gg, float *gb, float eps, int N, int C, size_t hw);

#ifdef __cplusplus
}
#endif

#endif
