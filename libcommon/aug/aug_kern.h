/*
 * aug_kern: the inner loops of imgaug's hottest steps, in plain C (the reference) and in
 * SIMD versions chosen at run time for the CPU (aug_kern_x86.c: AVX2, AVX-512).  Every
 * version gives exactly the bytes of the plain one; tests/unit/test_aug_kern.c checks it.
 */
#ifndef AUG_KERN_H
#define AUG_KERN_H

#include <stddef.h>
#include <stdint.h>

/*
 * The tables of resized-crop's horizontal pass (aug_geom.c makes them once a call): output
 * value j of a row (a channel of an output pixel; j < len, len a multiple of 8) is o[j] = (64 +
 * the sum over the npair pairs p of lo16(wp[p len + j]) row[off[p len + j]] + hi16(wp[p len +
 * j]) row[off[p len + j] + 3]) >> 7, the weights signed 16-bit, and row[off + 3] in the row;
 * the weights of a value sum to at most 1 << 14 (so o[j] <= 255 << 7).
 * gbase and gmask, made by aug_hpair_groups for the SIMD versions: for the 4 values of
 * quarter-group q (values 4q .. 4q + 3 of the pair-major table), gbase[q] the first of 16 bytes of
 * the row that hold all their taps (-1: none does, or not for the other half of the 8 values
 * 8 (q / 2) ..), and gmask (16 bytes each) their taps' places in those 16 bytes as a pshufb
 * mask of 16-bit pairs; one: every group of 8 has one window for all its values (gbase[2g] =
 * gbase[2g + 1]), as when enlarging.
 */
struct aug_hpair {
	const int32_t *off, *wp;
	int32_t *gbase;
	unsigned char *gmask;
	int npair;
	size_t len;
	int one;
};

/* Fills t's gbase and gmask (npair len / 4 int32 and 4 npair len bytes) for rows of rowbytes bytes. */
void aug_hpair_groups(struct aug_hpair *t, size_t rowbytes);

struct aug_kernels {
	const char *name;
	/*
	 * n RGB pixels of a warp's run whose four bilinear neighbours are all inside the
	 * sw x sh RGB source (rows of 3 sw bytes), from the 16.16 fixed-point source point
	 * (fx, fy) in steps of (dx, dy); 8-bit weights ax = fx >> 8 & 255, ay likewise:
	 * top = 256 p + ax (p' - p), bottom the same a row down, out = (256 top + ay (bottom -
	 * top) + 32768) >> 16, for each channel.
	 */
	void (*inside3)(const unsigned char *src, int sw, int sh, int64_t fx, int64_t dx, int64_t fy,
	                int64_t dy, int n, unsigned char *out);
	/* dst[i] = lut[src[i]] for n bytes; dst may be src. */
	void (*lut)(const unsigned char lut[256], const unsigned char *src, unsigned char *dst, size_t n);
	/* A row of n RGB pixels mirrored: pixel i of dst is pixel n - 1 - i of src (not dst). */
	void (*flip3)(const unsigned char *src, unsigned char *dst, size_t n);
	/*
	 * Gaussian blur (aug_kern_loops.h has the loops): one row of w pixels of c channels, the
	 * horizontal pass into out (pad: (w + 2 rad) c floats of scratch); and one output row of
	 * n values from the 2 rad + 1 rows of the first pass around it, rounded into dst's
	 * colour channels (the first cc of c; acc: n floats of scratch).
	 */
	void (*blur_h)(const unsigned char *src, int w, int c, const float *k, int rad, float *pad, float *out);
	void (*blur_v)(const float *const *rows, const float *k, int ntap, size_t n, float *acc,
	               unsigned char *dst, int c, int cc);
	/* Gaussian noise: px[j] += sigma table[index of sample first + j under the key (k0, k1)],
	 * rounded and clamped, for j < n (aug_kern_loops.h). */
	void (*noise)(unsigned char *px, size_t n, uint32_t first, uint32_t k0, uint32_t k1, float sigma,
	              const float *table);
	/* n RGB pixels: dst = their luma in all three channels (aug_luma; dst may be src); the sum
	 * of their lumas; their hue turned by s6 / 6 of the circle into dst (aug_kern_loops.h). */
	void (*gray3)(const unsigned char *src, unsigned char *dst, size_t n);
	uint64_t (*lumasum3)(const unsigned char *src, size_t n);
	void (*hue3)(const unsigned char *src, unsigned char *dst, size_t n, float s6);
	/* resized-crop's vertical pass over n rows of 16-bit values (aug_kern_loops.h). */
	void (*vsum16)(const uint16_t *r0, size_t stride, const int32_t *w, int n, size_t len, unsigned char *out);
	/* resized-crop's horizontal pass of one source row by the tables t (below). */
	void (*hpair)(const unsigned char *row, const struct aug_hpair *t, uint16_t *o);
};

/* The version for this CPU: the fastest it runs, unless aug_kern_force chose another. */
const struct aug_kernels *aug_kern(void);

/* Version i: 0 is the plain C one; NULL where this CPU (or build) lacks it.  For tests. */
#define AUG_NKERN 3
const struct aug_kernels *aug_kern_get(int i);
/* Makes aug_kern return version i (-1: the fastest again); -1 when it is not available.
 * For tests: not thread-safe. */
int aug_kern_force(int i);

/* The plain C version (version 0), for the SIMD ones' tails, and the SIMD versions
 * (aug_kern_x86.c), NULL where not built. */
extern const struct aug_kernels aug_kern_c;
extern const struct aug_kernels *const aug_kern_avx2, *const aug_kern_avx512;

#endif
