/*
 * The loops of blur and noise, written once in plain C and compiled for each instruction set:
 * aug_kern.c includes them for the plain build (SSE2, vectorised by the compiler at -O3),
 * aug_kern_x86.c in functions with target attributes (AVX2, AVX-512), where the compiler
 * vectorises them again, wider.  They use no fused multiply-add (ISO C mode: fp-contract is
 * off, and the operations are written one at a time), so every version gives the same bytes.
 */
#ifndef AUG_KERN_LOOPS_H
#define AUG_KERN_LOOPS_H

#include <stddef.h>
#include <stdint.h>

#define AUG_INLINE static inline __attribute__((always_inline))

/*
 * A float rounded half up and clamped to [0, 255], exactly as aug_clamp((double)v) does (the
 * clamp first, in float; then + 0.5 in double, exact, and truncated).  Written without
 * branches so that the compiler vectorises it.
 */
AUG_INLINE unsigned char
aug_round_f(float v)
{
	float x = v < 0.0f ? 0.0f : v;

	x = x > 255.0f ? 255.0f : x;
	return (unsigned char)(int)((double)x + 0.5);
}

/*
 * One row of a horizontal blur: out[j] for the w x c values of the row = the sum over the
 * taps t of k[t] * src at (pixel x + t - rad, same channel), the edge pixel repeated; in the
 * order t = 0 .. 2 rad, from k[0] * the first.  pad holds (w + 2 rad) c floats.
 */
AUG_INLINE void
aug_blur_pad(const unsigned char *restrict src, int w, int c, int rad, float *restrict pad)
{
	size_t row = (size_t)w * (size_t)c, cz = (size_t)c, r = (size_t)rad;

	for (size_t x = 0; x < r; x++)
		for (size_t ch = 0; ch < cz; ch++) {
			pad[x * cz + ch] = (float)src[ch];
			pad[(r + (size_t)w + x) * cz + ch] = (float)src[row - cz + ch];
		}
	for (size_t j = 0; j < row; j++)
		pad[r * cz + j] = (float)src[j];
}

AUG_INLINE void
aug_blur_h_loop(const unsigned char *restrict src, int w, int c, const float *restrict k, int rad,
                float *restrict pad, float *restrict out)
{
	size_t row = (size_t)w * (size_t)c, cz = (size_t)c, r = (size_t)rad;

	aug_blur_pad(src, w, c, rad, pad);
	for (size_t j = 0; j < row; j++)
		out[j] = k[0] * pad[j];
	for (size_t t = 1; t <= 2 * r; t++) {
		const float kt = k[t], *restrict p = pad + t * cz;
		for (size_t j = 0; j < row; j++)
			out[j] += kt * p[j];
	}
}

/*
 * One row of the vertical blur: acc[i] = the sum over the ntap rows of k[t] * rows[t][i] in
 * order, from k[0] * rows[0][i]; then the colour channels (the first cc of c) rounded into dst.
 */
AUG_INLINE void
aug_blur_v_loop(const float *const *rows, const float *restrict k, int ntap, size_t n, float *restrict acc,
                unsigned char *restrict dst, int c, int cc)
{
	const float *restrict r0 = rows[0];

	for (size_t i = 0; i < n; i++)
		acc[i] = k[0] * r0[i];
	for (int t = 1; t < ntap; t++) {
		const float kt = k[t], *restrict p = rows[t];
		for (size_t i = 0; i < n; i++)
			acc[i] += kt * p[i];
	}
	if (cc == c)
		for (size_t i = 0; i < n; i++)
			dst[i] = aug_round_f(acc[i]);
	else
		for (size_t i = 0; i < n; i++)
			if ((int)(i % (size_t)c) < cc)
				dst[i] = aug_round_f(acc[i]);
}

/* A 32-bit bijection with good avalanche (Wellons' lowbias32). */
AUG_INLINE uint32_t
aug_mix32(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352dU;
	x ^= x >> 15;
	x *= 0x846ca68bU;
	x ^= x >> 16;
	return x;
}

/* Sample number i of the noise keyed by (k0, k1): an index into the 4096-entry table. */
AUG_INLINE uint32_t
aug_noise_index(uint32_t i, uint32_t k0, uint32_t k1)
{
	return aug_mix32(aug_mix32(i + k0) ^ k1) >> 20;
}

/* px[j] + sigma z rounded and clamped, for j < n, z = table[sample first + j]. */
AUG_INLINE void
aug_noise_loop(unsigned char *restrict px, size_t n, uint32_t first, uint32_t k0, uint32_t k1, float sigma,
               const float *restrict table)
{
	for (size_t j = 0; j < n; j++) {
		float z = table[aug_noise_index(first + (uint32_t)j, k0, k1)];
		px[j] = aug_round_f((float)px[j] + sigma * z);
	}
}

/*
 * Luma of n RGB pixels (PIL's integer weights, as aug_luma): into all three channels of dst
 * (gray3), or summed (lumasum3).  Fixed-point integer loops the compiler vectorises.  dst may
 * be src (here and in hue3): each pixel is read before it is written and no other one is
 * read, so there is no dependence between iterations (ivdep).
 */
AUG_INLINE uint32_t
aug_luma3(uint32_t r, uint32_t g, uint32_t b)
{
	return (r * 19595u + g * 38470u + b * 7471u + 32768u) >> 16;
}

AUG_INLINE void
aug_gray3_loop(const unsigned char *src, unsigned char *dst, size_t n)
{
#pragma GCC ivdep
	for (size_t i = 0; i < n; i++) {
		unsigned char y = (unsigned char)aug_luma3(src[3 * i], src[3 * i + 1], src[3 * i + 2]);
		dst[3 * i] = y;
		dst[3 * i + 1] = y;
		dst[3 * i + 2] = y;
	}
}

AUG_INLINE uint64_t
aug_lumasum3_loop(const unsigned char *restrict src, size_t n)
{
	uint64_t sum = 0;

	/* blocks of 2^16 pixels: their sum (at most 255 * 2^16) fits 32 bits */
	for (size_t a = 0; a < n; a += 65536) {
		size_t m = n - a < 65536 ? n - a : 65536;
		const unsigned char *restrict p = src + 3 * a;
		uint32_t s = 0;
		for (size_t i = 0; i < m; i++)
			s += aug_luma3(p[3 * i], p[3 * i + 1], p[3 * i + 2]);
		sum += s;
	}
	return sum;
}

/*
 * The hue of an RGB pixel turned by s6 / 6 of the colour circle (HSV, as torchvision's
 * adjust_hue), in float, without branches.  A hue change keeps the largest and the smallest
 * channel (mx, mn) and moves the middle one, so only that is computed: with d = mx - mn, the
 * hue times 6 d is hd in [0, 6 d), its sector sec = floor(hd / d) (by comparisons: HSV to RGB
 * is continuous, so a value on a sector's edge gives the same pixel from either side) and
 * f = hd - sec d in [0, d]; the middle channel is mn + f (even sectors) or mx - f (odd ones).
 * Gray (d = 0) comes out unchanged.
 */
AUG_INLINE void
aug_hue_px(int r, int g, int b, float s6, unsigned char *o)
{
	int mx = r > g ? r : g, mn = r < g ? r : g, d, isr, isg, x, sec, k0, k1, k2, k3, k4, k5;
	float fd, hd, d6, f, rise, fall, fmx, fmn, ro, go, bo;

	mx = mx > b ? mx : b;
	mn = mn < b ? mn : b;
	d = mx - mn;
	/* the choices as 0/1 factors, not branches, so that the compiler vectorises the loop
	 * (a product by 0 or 1 and a sum with 0 are exact) */
	isr = mx == r;
	isg = (mx == g) & !isr;
	x = isr * (g - b) + isg * (b - r + 2 * d) + (1 - isr - isg) * (r - g + 4 * d);
	fd = (float)d;
	d6 = 6.0f * fd;
	hd = (float)x + s6 * fd;
	hd = hd + d6 * (float)(hd < 0.0f);
	hd = hd - d6 * (float)(hd >= d6);
	sec = (hd >= fd) + (hd >= 2.0f * fd) + (hd >= 3.0f * fd) + (hd >= 4.0f * fd) + (hd >= 5.0f * fd);
	f = hd - (float)sec * fd;
	fmx = (float)mx;
	fmn = (float)mn;
	rise = fmn + f;
	fall = fmx - f;
	k0 = sec == 0, k1 = sec == 1, k2 = sec == 2, k3 = sec == 3, k4 = sec == 4, k5 = sec == 5;
	ro = fmx * (float)(k0 | k5) + fall * (float)k1 + rise * (float)k4 + fmn * (float)(k2 | k3);
	go = fmx * (float)(k1 | k2) + rise * (float)k0 + fall * (float)k3 + fmn * (float)(k4 | k5);
	bo = fmx * (float)(k3 | k4) + rise * (float)k2 + fall * (float)k5 + fmn * (float)(k0 | k1);
	/* all in [mn - a little, mx + a little] within [0, 255]: + 0.5 and truncation round */
	o[0] = (unsigned char)(int)(ro + 0.5f);
	o[1] = (unsigned char)(int)(go + 0.5f);
	o[2] = (unsigned char)(int)(bo + 0.5f);
}

AUG_INLINE void
aug_hue3_loop(const unsigned char *src, unsigned char *dst, size_t n, float s6)
{
#pragma GCC ivdep
	for (size_t i = 0; i < n; i++)
		aug_hue_px(src[3 * i], src[3 * i + 1], src[3 * i + 2], s6, dst + 3 * i);
}

/*
 * The vertical pass of resized-crop (aug_geom.c): out[j] = (2^20 + the sum over the n rows t
 * of w[t] r0[t stride + j]) >> 21, clamped to 255, for j < len; in chunks of 64 whose sums stay
 * in the cache (or registers) over the rows.
 */
AUG_INLINE void
aug_vsum16_loop(const uint16_t *restrict r0, size_t stride, const int32_t *restrict w, int n, size_t len,
                unsigned char *restrict out)
{
	for (size_t a = 0; a < len; a += 64) {
		size_t m = len - a < 64 ? len - a : 64;
		int32_t acc[64];
		for (size_t j = 0; j < m; j++)
			acc[j] = (1 << 20) + w[0] * r0[a + j];
		for (int t = 1; t < n; t++) {
			const uint16_t *restrict p = r0 + (size_t)t * stride + a;
			int32_t wt = w[t];
			for (size_t j = 0; j < m; j++)
				acc[j] += wt * p[j];
		}
		for (size_t j = 0; j < m; j++) {
			int32_t v = acc[j] >> 21;
			out[a + j] = (unsigned char)(v > 255 ? 255 : v);
		}
	}
}

/* The horizontal pass of resized-crop (aug_geom.c) by the tables of aug_kern.h's aug_hpair. */
AUG_INLINE void
aug_hpair_loop(const unsigned char *restrict row, const int32_t *restrict off, const int32_t *restrict wp, int npair,
               size_t len, uint16_t *restrict o)
{
	for (size_t j = 0; j < len; j++) {
		int32_t acc = 1 << 6;
		for (int p = 0; p < npair; p++) {
			size_t a = (size_t)off[(size_t)p * len + j];
			uint32_t w = (uint32_t)wp[(size_t)p * len + j];
			acc += (int32_t)(int16_t)(w & 0xffff) * row[a] + (int32_t)(int16_t)(w >> 16) * row[a + 3];
		}
		o[j] = (uint16_t)(acc >> 7);
	}
}

#endif
