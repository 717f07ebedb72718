/* The CUDA layers' own kernels: element-wise activations, softmax, dropout, pooling,
 * upsampling, joins.  Each follows its host layer (libcommon/nn/layers/layer_*.c). */
#include "nn/cuda/cu_hd.h"
#include "nn/cuda/cu_kernels.h"

#define THREADS 256

static unsigned
blocks(size_t n)
{
	size_t b = (n + THREADS - 1) / THREADS;
	return b > 0x7fffffffu ? 0x7fffffffu : b == 0 ? 1 : (unsigned)b;
}

/* a grid-stride loop over [0, n) */
#define FOR(i, n) for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < (n); \
	i += (size_t)gridDim.x * blockDim.x)

__device__ static inline float
leaky(float v, float s)
{
	float pos = v > 0 ? v : 0, neg = v < 0 ? v : 0;
	return pos + s * neg;
}

__global__ static void
k_bias_act(float *y, const float *b, size_t n, int C, size_t hw, int fuse, float slope)
{
	FOR(i, n) {
		float v = y[i] + (b ? b[(i / hw) % C] : 0.0f);
		y[i] = fuse ? leaky(v, slope) : v;
	}
}

extern "C" cudaError_t
cuk_bias_act(cudaStream_t st, float *y, const float *b, size_t n, int C, size_t hw, int fuse, float slope)
{
	if (n == 0 || (!b && !fuse))
		return cudaSuccess;
	k_bias_act<<<blocks(n), THREADS, 0, st>>>(y, b, n, C, hw, fuse, slope);
	return cudaGetLastError();
}

__global__ static void
k_leaky(const float *x, float *y, size_t n, float s)
{
	FOR(i, n) y[i] = leaky(x[i], s);
}

__global__ static void
k_leaky_bwd(const float *x, const float *dy, float *dx, size_t n, float s)
{
	FOR(i, n) {
		float g = dy[i];
		dx[i] = x[i] > 0 ? g : g * s;
	}
}

extern "C" cudaError_t
cuk_leaky(cudaStream_t st, const float *x, float *y, size_t n, float slope)
{
	k_leaky<<<blocks(n), THREADS, 0, st>>>(x, y, n, slope);
	return cudaGetLastError();
}

extern "C" cudaError_t
cuk_leaky_bwd(cudaStream_t st, const float *x, const float *dy, float *dx, size_t n, float slope)
{
	k_leaky_bwd<<<blocks(n), THREADS, 0, st>>>(x, dy, dx, n, slope);
	return cudaGetLastError();
}

__global__ static void
k_relu6(const float *x, float *y, size_t n, float hi)
{
	FOR(i, n) {
		float v = x[i] > 0 ? x[i] : 0;
		y[i] = v < hi ? v : hi;
	}
}

__global__ static void
k_relu6_bwd(const float *y, const float *dy, float *dx, size_t n, float hi)
{
	FOR(i, n) dx[i] = y[i] > 0 && y[i] < hi ? dy[i] : 0;
}

extern "C" cudaError_t
cuk_relu6(cudaStream_t st, const float *x, float *y, size_t n, float hi)
{
	k_relu6<<<blocks(n), THREADS, 0, st>>>(x, y, n, hi);
	return cudaGetLastError();
}

extern "C" cudaError_t
cuk_relu6_bwd(cudaStream_t st, const float *y, const float *dy, float *dx, size_t n, float hi)
{
	k_relu6_bwd<<<blocks(n), THREADS, 0, st>>>(y, dy, dx, n, hi);
	return cudaGetLastError();
}

__global__ static void
k_sigmoid(const float *x, float *y, size_t n)
{
	FOR(i, n) {
		float v = x[i];
		y[i] = v >= 0 ? 1 / (1 + expf(-v)) : expf(v) / (1 + expf(v));
	}
}

__global__ static void
k_sigmoid_bwd(const float *y, const float *dy, float *dx, size_t n)
{
	FOR(i, n) dx[i] = dy[i] * y[i] * (1 - y[i]);
}

extern "C" cudaError_t
cuk_sigmoid(cudaStream_t st, const float *x, float *y, size_t n)
{
	k_sigmoid<<<blocks(n), THREADS, 0, st>>>(x, y, n);
	return cudaGetLastError();
}

extern "C" cudaError_t
cuk_sigmoid_bwd(cudaStream_t st, const float *y, const float *dy, float *dx, size_t n)
{
	k_sigmoid_bwd<<<blocks(n), THREADS, 0, st>>>(y, dy, dx, n);
	return cudaGetLastError();
}

/* one thread per position of a sample */
__global__ static void
k_softmax(const float *x, float *y, size_t npos, int C, size_t hw)
{
	FOR(q, npos) {
		size_t off = q / hw * C * hw + q % hw;
		const float *xs = x + off;
		float *ys = y + off, m = xs[0], s = 0;
		for (int c = 1; c < C; c++)
			m = xs[c * hw] > m ? xs[c * hw] : m;
		for (int c = 0; c < C; c++)
			s += ys[c * hw] = expf(xs[c * hw] - m);
		for (int c = 0; c < C; c++)
			ys[c * hw] /= s;
	}
}

__global__ static void
k_softmax_bwd(const float *y, const float *dy, float *dx, size_t npos, int C, size_t hw)
{
	FOR(q, npos) {
		size_t off = q / hw * C * hw + q % hw;
		float dot = 0;
		for (int c = 0; c < C; c++)
			dot += dy[off + c * hw] * y[off + c * hw];
		for (int c = 0; c < C; c++)
			dx[off + c * hw] = y[off + c * hw] * (dy[off + c * hw] - dot);
	}
}

extern "C" cudaError_t
cuk_softmax(cudaStream_t st, const float *x, float *y, int N, int C, size_t hw)
{
	k_softmax<<<blocks((size_t)N * hw), THREADS, 0, st>>>(x, y, (size_t)N * hw, C, hw);
	return cudaGetLastError();
}

extern "C" cudaError_t
cuk_softmax_bwd(cudaStream_t st, const float *y, const float *dy, float *dx, int N, int C, size_t hw)
{
	k_softmax_bwd<<<blocks((size_t)N * hw), THREADS, 0, st>>>(y, dy, dx, (size_t)N * hw, C, hw);
	return cudaGetLastError();
}

/* one thread per sample: its mask, the host's sequence (cu_hd.h) */
__global__ static void
k_dropout_mask(unsigned char *mask, int N, size_t size, uint64_t seed, uint64_t step, int layer,
               uint64_t sample0, uint64_t keep)
{
	int n = blockIdx.x * blockDim.x + threadIdx.x;

	if (n < N)
		cu_dropout_mask(cu_dropout_seed(seed, step, layer, (uint64_t)n + sample0), keep,
		                mask + (size_t)n * size, size);
}

__global__ static void
k_dropout_apply(const unsigned char *m, const float *x, float *y, size_t n, float scale)
{
	FOR(i, n) y[i] = m[i] ? x[i] * scale : 0;
}

extern "C" cudaError_t
cuk_dropout(cudaStream_t st, const float *x, float *y, unsigned char *mask, int N, size_t size, uint64_t seed,
            uint64_t step, int layer, uint64_t sample0, uint64_t keep, float scale)
{
	k_dropout_mask<<<(N + 63) / 64, 64, 0, st>>>(mask, N, size, seed, step, layer, sample0, keep);
	cudaError_t e = cudaGetLastError();
	if (e != cudaSuccess)
		return e;
	k_dropout_apply<<<blocks((size_t)N * size), THREADS, 0, st>>>(mask, x, y, (size_t)N * size, scale);
	return cudaGetLastError();
}

extern "C" cudaError_t
cuk_dropout_bwd(cudaStream_t st, const unsigned char *mask, const float *dy, float *dx, size_t n, float scale)
{
	k_dropout_apply<<<blocks(n), THREADS, 0, st>>>(mask, dy, dx, n, scale);
	return cudaGetLastError();
}

/* The host's order: the window's cells inside the input, row by row, the first maximum wins. */
__global__ static void
k_maxpool(const float *x, float *y, int *arg, size_t n, int H, int W, int ho, int wo, int kh, int kw, int sh,
          int sw, int ph, int pw)
{
	FOR(i, n) {
		size_t pl = i / ((size_t)ho * wo);
		int o = (int)(i % ((size_t)ho * wo)), oy = o / wo, ox = o % wo;
		y[i] = cu_maxpool_at(x + pl * H * W, H, W, oy, ox, kh, kw, sh, sw, ph, pw, arg + i);
	}
}

__global__ static void
k_maxpool_bwd(const int *arg, const float *dy, float *dx, size_t n, int HW, int howo)
{
	FOR(i, n) atomicAdd(dx + i / howo * HW + arg[i], dy[i]);
}

extern "C" cudaError_t
cuk_maxpool(cudaStream_t st, const float *x, float *y, int *arg, size_t planes, int H, int W, int ho, int wo,
            int kh, int kw, int sh, int sw, int ph, int pw)
{
	size_t n = planes * ho * wo;
	k_maxpool<<<blocks(n), THREADS, 0, st>>>(x, y, arg, n, H, W, ho, wo, kh, kw, sh, sw, ph, pw);
	return cudaGetLastError();
}

extern "C" cudaError_t
cuk_maxpool_bwd(cudaStream_t st, const int *arg, const float *dy, float *dx, size_t planes, int H, int W,
                int ho, int wo)
{
	size_t n = planes * ho * wo;
	cudaError_t e = cudaMemsetAsync(dx, 0, planes * H * W * sizeof(float), st);
	if (e != cudaSuccess)
		return e;
	k_maxpool_bwd<<<blocks(n), THREADS, 0, st>>>(arg, dy, dx, n, H * W, ho * wo);
	return cudaGetLastError();
}

/* no padding, the mean of kh x kw (layer_avgpool.c) */
__global__ static void
k_avgpool(const float *x, float *y, size_t n, int H, int W, int ho, int wo, int kh, int kw, int sh, int sw)
{
	FOR(i, n) {
		size_t pl = i / ((size_t)ho * wo);
		int o = (int)(i % ((size_t)ho * wo)), oy = o / wo, ox = o % wo;
		y[i] = cu_avgpool_at(x + pl * H * W, W, oy, ox, kh, kw, sh, sw);
	}
}

__global__ static void
k_avgpool_bwd(const float *dy, float *dx, size_t n, int H, int W, int ho, int wo, int kh, int kw, int sh, int sw)
{
	float scale = 1.0f / (float)(kh * kw);

	FOR(i, n) {
		size_t pl = i / ((size_t)ho * wo);
		int o = (int)(i % ((size_t)ho * wo)), oy = o / wo, ox = o % wo;
		float g = dy[i] * scale, *dp = dx + pl * H * W;
		for (int r = 0; r < kh; r++)
			for (int c = 0; c < kw; c++)
				atomicAdd(dp + (oy * sh + r) * W + ox * sw + c, g);
	}
}

extern "C" cudaError_t
cuk_avgpool(cudaStream_t st, const float *x, float *y, size_t planes, int H, int W, int ho, int wo, int kh,
            int kw, int sh, int sw)
{
	size_t n = planes * ho * wo;
	k_avgpool<<<blocks(n), THREADS, 0, st>>>(x, y, n, H, W, ho, wo, kh, kw, sh, sw);
	return cudaGetLastError();
}

extern "C" cudaError_t
cuk_avgpool_bwd(cudaStream_t st, const float *dy, float *dx, size_t planes, int H, int W, int ho, int wo,
                int kh, int kw, int sh, int sw)
{
	size_t n = planes * ho * wo;
	cudaError_t e = cudaMemsetAsync(dx, 0, planes * H * W * sizeof(float), st);
	if (e != cudaSuccess)
		return e;
	k_avgpool_bwd<<<blocks(n), THREADS, 0, st>>>(dy, dx, n, H, W, ho, wo, kh, kw, sh, sw);
	return cudaGetLastError();
}

/* one block per plane: a tree sum of its hw values */
__global__ static void
k_gap(const float *x, float *y, size_t hw)
{
	__shared__ float part[THREADS];
	const float *xp = x + (size_t)blockIdx.x * hw;
	float s = 0;

	for (size_t i = threadIdx.x; i < hw; i += THREADS)
		s += xp[i];
	part[threadIdx.x] = s;
	__syncthreads();
	for (int k = THREADS / 2; k > 0; k /= 2) {
		if ((int)threadIdx.x < k)
			part[threadIdx.x] += part[threadIdx.x + k];
		__syncthreads();
	}
	if (threadIdx.x == 0)
		y[blockIdx.x] = part[0] / (float)hw;
}

__global__ static void
k_gap_bwd(const float *dy, float *dx, size_t n, size_t hw)
{
	FOR(i, n) dx[i] = dy[i / hw] / (float)hw;
}

extern "C" cudaError_t
cuk_gap(cudaStream_t st, const float *x, float *y, size_t planes, size_t hw)
{
	for (size_t p0 = 0; p0 < planes; p0 += 0x7fffffffu) {
		size_t m = planes - p0 < 0x7fffffffu ? planes - p0 : 0x7fffffffu;
		k_gap<<<(unsigned)m, THREADS, 0, st>>>(x + p0 * hw, y + p0, hw);
	}
	return cudaGetLastError();
}

extern "C" cudaError_t
cuk_gap_bwd(cudaStream_t st, const float *dy, float *dx, size_t planes, size_t hw)
{
	k_gap_bwd<<<blocks(planes * hw), THREADS, 0, st>>>(dy, dx, planes * hw, hw);
	return cudaGetLastError();
}

__global__ static void
k_upsample(const float *x, float *y, size_t n, int H, int W, int fh, int fw, int bilinear)
{
	int ho = H * fh, wo = W * fw;

	FOR(i, n) {
		size_t pl = i / ((size_t)ho * wo);
		int o = (int)(i % ((size_t)ho * wo)), oy = o / wo, ox = o % wo;
		y[i] = cu_upsample_at(x + pl * H * W, H, W, fh, fw, bilinear, oy, ox);
	}
}

/* nearest: each input sums its fh x fw block; bilinear: each output scatters its four taps */
__global__ static void
k_upsample_nearest_bwd(const float *dy, float *dx, size_t n, int H, int W, int fh, int fw)
{
	int wo = W * fw;

	FOR(i, n) {
		size_t pl = i / ((size_t)H * W);
		int o = (int)(i % ((size_t)H * W)), iy = o / W, ix = o % W;
		dx[i] = cu_upsample_nearest_grad(dy + pl * H * fh * wo, wo, fh, fw, iy, ix);
	}
}

__global__ static void
k_upsample_bilinear_bwd(const float *dy, float *dx, size_t n, int H, int W, int fh, int fw)
{
	int ho = H * fh, wo = W * fw;

	FOR(i, n) {
		size_t pl = i / ((size_t)ho * wo);
		int o = (int)(i % ((size_t)ho * wo)), oy = o / wo, ox = o % wo;
		float *dp = dx + pl * H * W, g = dy[i];
		int y0, y1, x0, x1;
		float fy, fx;
		cu_upsample_tap(oy, fh, H, &y0, &y1, &fy);
		cu_upsample_tap(ox, fw, W, &x0, &x1, &fx);
		atomicAdd(dp + y0 * W + x0, g * (1 - fy) * (1 - fx));
		atomicAdd(dp + y0 * W + x1, g * (1 - fy) * fx);
		atomicAdd(dp + y1 * W + x0, g * fy * (1 - fx));
		atomicAdd(dp + y1 * W + x1, g * fy * fx);
	}
}

extern "C" cudaError_t
cuk_upsample(cudaStream_t st, const float *x, float *y, size_t planes, int H, int W, int fh, int fw,
             int bilinear)
{
	size_t n = planes * H * fh * W * fw;
	k_upsample<<<blocks(n), THREADS, 0, st>>>(x, y, n, H, W, fh, fw, bilinear);
	return cudaGetLastError();
}

extern "C" cudaError_t
cuk_upsample_bwd(cudaStream_t st, const float *dy, float *dx, size_t planes, int H, int W, int fh, int fw,
                 int bilinear)
{
	if (!bilinear) {
		k_upsample_nearest_bwd<<<blocks(planes * H * W), THREADS, 0, st>>>(dy, dx, planes * H * W, H, W, fh, fw);
		return cudaGetLastError();
	}
	cudaError_t e = cudaMemsetAsync(dx, 0, planes * H * W * sizeof(float), st);
	if (e != cudaSuccess)
		return e;
	size_t n = planes * H * fh * W * fw;
	k_upsample_bilinear_bwd<<<blocks(n), THREADS, 0, st>>>(dy, dx, n, H, W, fh, fw);
	return cudaGetLastError();
}

__global__ static void
k_add(float *y, const float *x, size_t n)
{
	FOR(i, n) y[i] += x[i];
}

extern "C" cudaError_t
cuk_add(cudaStream_t st, float *y, const float *x, size_t n)
{
	k_add<<<blocks(n), THREADS, 0, st>>>(y, x, n);
	return cudaGetLastError();
}

__global__ static void
k_features(const float *raw, const float *state, float *y, size_t n, int k)
{
	FOR(q, n) {
		int i = (int)(q % k);
		float sd = state[k + i] > 0 ? state[k + i] : 1;
		y[q] = (raw[q] - state[i]) / sd;
	}
}

extern "C" cudaError_t
cuk_features(cudaStream_t st, const float *raw, const float *state, float *y, int N, int k)
{
	k_features<<<blocks((size_t)N * k), THREADS, 0, st>>>(raw, state, y, (size_t)N * k, k);
	return cudaGetLastError();
}

/* one block per channel: its sums of dy and dy * xhat in double, then dx */
__global__ static void
k_bn_infer_bwd(const float *x, const float *dy, float *dx, const float *state, const float *gamma, float *gg,
               float *gb, float eps, int N, int C, size_t hw)
{
	__shared__ double s1[THREADS], s2[THREADS];
	int c = blockIdx.x;
	float mu = state[c], inv = (float)(1 / sqrt((double)state[C + c] + eps)), a = gamma[c] * inv;
	double sdy = 0, sdyx = 0;

	for (size_t j = threadIdx.x; j < (size_t)N * hw; j += THREADS) {
		size_t i = (j / hw * C + c) * hw + j % hw;
		sdy += dy[i];
		sdyx += (double)dy[i] * (x[i] - mu);
		if (dx)
			dx[i] = a * dy[i];
	}
	s1[threadIdx.x] = sdy;
	s2[threadIdx.x] = sdyx;
	__syncthreads();
	for (int k = THREADS / 2; k > 0; k /= 2) {
		if ((int)threadIdx.x < k) {
			s1[threadIdx.x] += s1[threadIdx.x + k];
			s2[threadIdx.x] += s2[threadIdx.x + k];
		}
		__syncthreads();
	}
	if (threadIdx.x == 0) {
		gg[c] += (float)(s2[0] * inv);
		gb[c] += (float)s1[0];
	}
}

extern "C" cudaError_t
cuk_bn_infer_bwd(cudaStream_t st, const float *x, const float *dy, float *dx, const float *state,
                 const float *gamma, float *gg, float *gb, float eps, int N, int C, size_t hw)
{
	k_bn_infer_bwd<<<C, THREADS, 0, st>>>(x, dy, dx, state, gamma, gg, gb, eps, N, C, hw);
	return cudaGetLastError();
}
