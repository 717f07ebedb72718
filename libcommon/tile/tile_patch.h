/* Random patches for imgtile: windows drawn uniformly over an image, kept or
 * drawn again according to how many mask pixels they hold. */
#ifndef TILE_PATCH_H
#define TILE_PATCH_H

#include <stddef.h>
#include <stdint.h>
#include "util/rng.h"

/* A summed-area table of a mask's non-zero pixels: any window counted in O(1). */
typedef struct {
	int w, h;
	uint32_t *sum;          /* (w + 1) x (h + 1); sum[y][x]: pixels set above and left of (x, y) */
} tile_mask_sums;

/* Builds the table of a w x h u8 mask (w, h <= 65535).  0, or -1 when out of memory. */
int tile_mask_sums_init(tile_mask_sums *s, const unsigned char *mask, int w, int h);
void tile_mask_sums_free(tile_mask_sums *s);
/* Set pixels in the window (x, y, w, h), which lies inside the mask. */
uint32_t tile_mask_count(const tile_mask_sums *s, int x, int y, int w, int h);

struct tile_patch_rule {
	int n;                  /* patches wanted */
	int w, h;               /* patch size */
	int max_empty;          /* at most this many patches with no mask pixel set */
	uint32_t min_positive;  /* a patch with 1 .. min_positive-1 pixels set is drawn again */
};

struct tile_patch {
	int x, y;               /* top-left corner */
	uint32_t count;         /* mask pixels set in it (0 without a mask) */
};

/*
 * Draws up to rule->n windows of an image of width x height pixels (each no
 * smaller than the patch), corners uniform over every position where the
 * patch fits, independently (a window may come twice), in the order drawn.
 * With a mask (sums not NULL) a window that breaks the rule is drawn again;
 * after max_tries draws in all the patches found so far are returned.
 * The result depends only on the generator's state, the size, the mask and
 * the rule.  Writes into out (room for rule->n) and returns how many.
 */
int tile_patch_draw(const struct tile_patch_rule *rule, int width, int height,
                    const tile_mask_sums *sums, rng *r, uint64_t max_tries, struct tile_patch *out);

#endif
