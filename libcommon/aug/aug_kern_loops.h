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

#endif
