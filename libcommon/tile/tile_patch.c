#include <stdlib.h>

#include "tile_patch.h"

int
tile_mask_sums_init(tile_mask_sums *s, const unsigned char *mask, int w, int h)
{
	size_t stride = (size_t)w + 1;

	s->w = w;
	s->h = h;
	if ((s->sum = calloc(stride * ((size_t)h + 1), sizeof *s->sum)) == NULL)
		return -1;
	for (int y = 0; y < h; y++) {
		uint32_t row = 0;
		const unsigned char *m = mask + (size_t)y * (size_t)w;
		uint32_t *above = s->sum + (size_t)y * stride, *cur = above + stride;
		for (int x = 0; x < w; x++) {
			row += m[x] != 0;
			cur[x + 1] = above[x + 1] + row;
		}
	}
	return 0;
}

void
tile_mask_sums_free(tile_mask_sums *s)
{
	free(s->sum);
	s->sum = NULL;
}

uint32_t
tile_mask_count(const tile_mask_sums *s, int x, int y, int w, int h)
{
	size_t stride = (size_t)s->w + 1;
	const uint32_t *top = s->sum + (size_t)y * stride, *bottom = s->sum + (size_t)(y + h) * stride;

	/* unsigned wrap-around cancels out: the true result fits */
	return bottom[x + w] - bottom[x] - top[x + w] + top[x];
}

int
tile_patch_draw(const struct tile_patch_rule *rule, int width, int height,
                const tile_mask_sums *sums, rng *r, uint64_t max_tries, struct tile_patch *out)
{
	uint64_t nx = (uint64_t)(width - rule->w) + 1, ny = (uint64_t)(height - rule->h) + 1;
	uint32_t least = rule->min_positive ? rule->min_positive : 1;
	int got = 0, empty = 0;
	/* when the whole mask holds fewer than least set pixels, only empty windows can come */
	int positives = sums && tile_mask_count(sums, 0, 0, width, height) >= least;

	for (uint64_t tries = 0; got < rule->n && tries < max_tries; tries++) {
		int x, y;
		uint32_t c;
		if (sums && !positives && empty >= rule->max_empty)
			break;
		x = (int)rng_below(r, nx);
		y = (int)rng_below(r, ny);
		c = sums ? tile_mask_count(sums, x, y, rule->w, rule->h) : 0;
		if (sums && c == 0 && empty >= rule->max_empty)
			continue;
		if (sums && c > 0 && c < rule->min_positive)
			continue;
		empty += c == 0;
		out[got].x = x;
		out[got].y = y;
		out[got].count = c;
		got++;
	}
	return got;
}
