/* Perceptual hashes of images: 64-bit DCT pHash and difference hash (dHash). */
#ifndef PHASH_H
#define PHASH_H

#include <stdint.h>
#include "image/image.h"

enum phash_kind {
	/* The image in gray, area-averaged to 32x32; its 2-D DCT-II; the 8x8
	 * coefficients of frequencies 1..8 on both axes (the DC row and column
	 * left out); bit set where a coefficient is above their median. */
	PHASH_DCT,
	/* The image in gray, area-averaged to 9x8; bit set where a pixel is
	 * brighter than its right neighbour. */
	PHASH_DIFF,
};

/*
 * Hashes im (1..4 channels; gray is ITU-R 601 luma, alpha is ignored) into
 * out[0]; with n = 8 also out[1..7], the hashes of the image's seven other
 * rotations and mirror images (out[t]: bit 0 of t mirrors left-right, bit 1
 * top-bottom, bit 2 transposes first), computed without resampling again.
 * n is 1 or 8.  Bit k of the hash is the k-th cell in row-major order from
 * the most significant bit.  Never fails on a valid image.
 */
void phash_image(const image *im, int kind, uint64_t *out, int n);

/* Hamming distance of two hashes. */
static inline int
phash_distance(uint64_t a, uint64_t b)
{
	return __builtin_popcountll(a ^ b);
}

/* A hash as 16 lowercase hex digits plus NUL, and back (0, or -1 if s is not one). */
void phash_format(uint64_t h, char out[17]);
int phash_parse(const char *s, uint64_t *h);

#endif
