/* The driver's kernels: gathering gradients and the fused optimiser step. */
#include "cu_net_kernels.h"

enum { KIND_SGD = 1, KIND_ADAM = 2 };   /* NN_SGD, NN_ADAM */

static __global__ void
add_kernel(float *dst, const float *src, size_t n)
{
	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x)
		dst[i] += src[i];
}

static unsigned
blocks_for(size_t n, unsigned threads)
{
	size_t b = (n + threads - 1) / threads;
	return b > 65535 ? 65535u : b < 1 ? 1u : (unsigned)b;
}

extern "C" int
cu_add(float *dst, const float *src, size_t n, cudaStream_t s)
{
	if (n == 0)
		return 0;
	add_kernel<<<blocks_for(n, 256), 256, 0, s>>>(dst, src, n);
	return cudaGetLastError() == cudaSuccess ? 0 : -1;
}

static __global__ void
dropout_kernel(const float *x, float *y, const unsigned char *m, size_t n, float scale)
{
	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x)
		y[i] = m[i] ? x[i] * scale : 0.0f;
}

extern "C" int
cu_dropout(const float *x, float *y, const unsigned char *m, size_t n, float scale, cudaStream_t s)
{
	if (n == 0)
		return 0;
	dropout_kernel<<<blocks_for(n, 256), 256, 0, s>>>(x, y, m, n, scale);
	return cudaGetLastError() == cudaSuccess ? 0 : -1;
}

/* The segment holding element i: the last with off <= i. */
static __device__ int
find_seg(const cu_param_seg *seg, int nseg, size_t i)
{
	int lo = 0, hi = nseg - 1;

	while (lo < hi) {
		int mid = (lo + hi + 1) / 2;
		if (seg[mid].off <= i)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

static __global__ void
optim_kernel(cu_optim_args a, const cu_param_seg *seg, int nseg, size_t total, float *w, const float *g,
             float *m, float *v)
{
	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < total; i += (size_t)gridDim.x * blockDim.x) {
		const cu_param_seg *p = &seg[find_seg(seg, nseg, i)];
		if (!p->active || i >= p->off + p->n)
			continue;
		float lr = a.lr * p->lr_scale, gi = g[i] + p->decay * w[i];
		if (a.kind == KIND_SGD) {
			float mi = a.momentum * m[i] + gi;
			m[i] = mi;
			w[i] -= lr * mi;
		} else {
			float step = lr / a.c1, root = 1 / sqrtf(a.c2);
			float mi = a.beta1 * m[i] + (1 - a.beta1) * gi, vi = a.beta2 * v[i] + (1 - a.beta2) * gi * gi;
			m[i] = mi;
			v[i] = vi;
			w[i] -= step * mi / (sqrtf(vi) * root + a.eps);
		}
	}
}

extern "C" int
cu_optim_step(const cu_optim_args *a, const cu_param_seg *seg, int nseg, size_t total, float *w,
              const float *g, float *m, float *v, cudaStream_t s)
{
	if (total == 0 || nseg == 0)
		return 0;
	optim_kernel<<<blocks_for(total, 256), 256, 0, s>>>(*a, seg, nseg, total, w, g, m, v);
	return cudaGetLastError() == cudaSuccess ? 0 : -1;
}
