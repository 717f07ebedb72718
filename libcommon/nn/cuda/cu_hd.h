/* Code compiled both for the device (by nvcc, in cu_kernels.cu) and for the host (by the unit
 * tests, which check it against the host layers on the CPU): the dropout masks' generator and
 * the index arithmetic of upsample.  Plain C without CUDA headers. */
#ifndef CU_HD_H
#define CU_HD_H

#include <stdint.h>

#ifdef __CUDACC__
#define CU_HD __host__ __device__ static inline
#else
#define CU_HD static inline
#endif

/* util/rng.c's splitmix64 and xoshiro256**: the same sequence as rng_seed and rng_next. */
CU_HD uint64_t
cu_splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

CU_HD uint64_t
cu_xoshiro(uint64_t s[4])
{
	uint64_t v = s[1] * 5, res = ((v << 7) | (v >> 57)) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = (s[3] << 45) | (s[3] >> 19);
	return res;
}

/* layer_dropout.c's seed of sample n's mask: sample n + sample0 of the global batch. */
CU_HD uint64_t
cu_dropout_seed(uint64_t seed, uint64_t step, int layer, uint64_t sample)
{
	return seed ^ (step * 0x9e3779b97f4a7c15ull) ^ ((uint64_t)layer << 48) ^ (sample << 32);
}

/* m[0, size) = the keep mask of one sample (1 kept, 0 dropped) */
CU_HD void
cu_dropout_mask(uint64_t seed, uint64_t keep, unsigned char *m, uint64_t size)
{
	uint64_t s[4];

	for (int i = 0; i < 4; i++)
		s[i] = cu_splitmix64(&seed);
	for (uint64_t i = 0; i < size; i++)
		m[i] = cu_xoshiro(s) < keep;
}

/* layer_upsample.c's bilinear tap: output o of an axis of n inputs enlarged by factor reads
 * i0 and i1 with weights 1 - f and f. */
CU_HD void
cu_upsample_tap(int o, int factor, int n, int *i0, int *i1, float *f)
{
	float s = ((float)o + 0.5f) / (float)factor - 0.5f;

	if (s < 0)
		s = 0;
	*i0 = (int)s;
	if (*i0 > n - 1)
		*i0 = n - 1;
	*i1 = *i0 + 1 < n ? *i0 + 1 : n - 1;
	*f = s - (float)*i0;
}

/* maxpool's output (oy, ox) of a plane H x W: the window's cells inside the input, row by row,
 * the first maximum winning (layer_maxpool.c's every path); *arg its index in the plane. */
CU_HD float
cu_maxpool_at(const float *x, int H, int W, int oy, int ox, int kh, int kw, int sh, int sw, int ph, int pw,
              int *arg)
{
	int y0 = oy * sh - ph, x0 = ox * sw - pw, mi = -1;
	float m = 0;

	for (int r = y0 < 0 ? 0 : y0; r < y0 + kh && r < H; r++)
		for (int c = x0 < 0 ? 0 : x0; c < x0 + kw && c < W; c++)
			if (mi < 0 || x[r * W + c] > m) {
				m = x[r * W + c];
				mi = r * W + c;
			}
	*arg = mi;
	return m;
}

/* avgpool's output (oy, ox): the mean of the kh x kw window, summed row by row as the host */
CU_HD float
cu_avgpool_at(const float *x, int W, int oy, int ox, int kh, int kw, int sh, int sw)
{
	float s = 0;

	for (int r = 0; r < kh; r++)
		for (int c = 0; c < kw; c++)
			s += x[(oy * sh + r) * W + ox * sw + c];
	return s * (1.0f / (float)(kh * kw));
}

/* upsample's output (oy, ox) of a plane H x W enlarged fh x fw */
CU_HD float
cu_upsample_at(const float *x, int H, int W, int fh, int fw, int bilinear, int oy, int ox)
{
	int y0, y1, x0, x1;
	float fy, fx;

	if (!bilinear)
		return x[(oy / fh) * W + ox / fw];
	cu_upsample_tap(oy, fh, H, &y0, &y1, &fy);
	cu_upsample_tap(ox, fw, W, &x0, &x1, &fx);
	float top = x[y0 * W + x0] * (1 - fx) + x[y0 * W + x1] * fx;
	float bot = x[y1 * W + x0] * (1 - fx) + x[y1 * W + x1] * fx;
	return top * (1 - fy) + bot * fy;
}

/* nearest upsampling's input gradient at (iy, ix): its fh x fw block of dy (wo wide) summed in
 * the order the host adds them */
CU_HD float
cu_upsample_nearest_grad(const float *dy, int wo, int fh, int fw, int iy, int ix)
{
	float s = 0;

	for (int r = 0; r < fh; r++)
		for (int c = 0; c < fw; c++)
			s += dy[(iy * fh + r) * wo + ix * fw + c];
	return s;
}

#endif
