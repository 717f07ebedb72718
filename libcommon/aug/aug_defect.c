/* Synthetic defects: stuck or dead pixels, film scratches, motion blur, defocus.
 * Each labels the record (label= when applied, clean= when its p left it out);
 * deadpixels and scratch can mark the pixels they changed, and only those, in the mask. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aug.h"

#define PI 3.14159265358979323846

static int
colour_channels(int c)
{
	return c == 2 || c == 4 ? c - 1 : c;
}

/* Writes the colour channels of pixel (x, y); marks it in mask (when not NULL) if it changed. */
static void
put(struct aug_img *im, int x, int y, const unsigned char *v, unsigned char *mask)
{
	size_t i = (size_t)y * (size_t)im->w + (size_t)x;
	unsigned char *p = im->px + i * (size_t)im->c;
	int cc = colour_channels(im->c), changed = 0;

	if (cc > 3)             /* images have at most 4 channels, 3 of colour */
		cc = 3;
	for (int k = 0; k < cc; k++) {
		changed |= p[k] != v[k];
		p[k] = v[k];
	}
	if (mask && changed)
		mask[i] = 255;
}

/* The mask to mark in, made when the record has none, or NULL when the step keeps masks as they are. */
static int
marks(struct aug_img *im, int on, unsigned char **mask)
{
	*mask = NULL;
	if (!on)
		return 0;
	if (aug_img_need_mask(im) == -1)
		return -1;
	*mask = im->mask;
	return 0;
}

static void
stuck_colour(struct aug_run *r, const char *how, int c, unsigned char v[3])
{
	static const unsigned char sat[6][3] = {
		{ 255, 0, 0 }, { 0, 255, 0 }, { 0, 0, 255 }, { 0, 255, 255 }, { 255, 0, 255 }, { 255, 255, 0 },
	};
	int kind = strcmp(how, "white") == 0 ? 0 : strcmp(how, "black") == 0 ? 1 :
	           strcmp(how, "color") == 0 ? 2 : (int)rng_below(&r->g, 3);

	if (kind == 2 && colour_channels(c) < 3)
		kind = (int)rng_below(&r->g, 2);
	if (kind == 2)
		memcpy(v, sat[rng_below(&r->g, 6)], 3);
	else
		memset(v, kind == 0 ? 255 : 0, 3);
}

static int
deadpixels(const struct aug_step *s, struct aug_img *im, struct aug_run *r)
{
	int n = (int)aug_draw(r, s, 0);
	unsigned char *mask;

	if (marks(im, s->lo[3] > 0, &mask) == -1)
		return -1;
	for (int i = 0; i < n; i++) {
		int size = (int)aug_draw(r, s, 1);
		int x = (int)rng_below(&r->g, (uint64_t)im->w), y = (int)rng_below(&r->g, (uint64_t)im->h);
		unsigned char v[3];
		stuck_colour(r, aug_word(s, 2), im->c, v);
		/* a cluster: a short walk to neighbouring pixels */
		for (int j = 0; j < size; j++) {
			put(im, x, y, v, mask);
			int d = (int)rng_below(&r->g, 8), dx = (int[]){ -1, 0, 1, -1, 1, -1, 0, 1 }[d],
			    dy = (int[]){ -1, -1, -1, 0, 0, 1, 1, 1 }[d];
			x = x + dx < 0 || x + dx >= im->w ? x - dx : x + dx;
			y = y + dy < 0 || y + dy >= im->h ? y - dy : y + dy;
			x = x < 0 ? 0 : x >= im->w ? im->w - 1 : x;
			y = y < 0 ? 0 : y >= im->h ? im->h - 1 : y;
		}
	}
	aug_say(r, "%s=%d", s->k->name, n);
	return 0;
}

static int
scratch(const struct aug_step *s, struct aug_img *im, struct aug_run *r)
{
	int n = (int)aug_draw(r, s, 0), cc = colour_channels(im->c);
	const char *tone = aug_word(s, 6);
	unsigned char *mask;

	if (marks(im, s->lo[7] > 0, &mask) == -1)
		return -1;
	for (int i = 0; i < n; i++) {
		int wd = (int)aug_draw(r, s, 1);
		double len = aug_draw(r, s, 2), op = aug_draw(r, s, 3), bend = aug_draw(r, s, 4) * im->w;
		double slant = aug_draw(r, s, 5) * im->w;
		int bright = strcmp(tone, "bright") == 0 ? 1 : strcmp(tone, "dark") == 0 ? 0 :
		             (int)rng_below(&r->g, 2);
		int l = (int)lround(len * im->h), y0;
		double x0 = rng_uniform(&r->g) * im->w, phase = rng_uniform(&r->g) * PI;
		if (rng_next(&r->g) >> 63)
			bend = -bend;
		if (rng_next(&r->g) >> 63)
			slant = -slant;
		l = l < 1 ? 1 : l > im->h ? im->h : l;
		y0 = (int)rng_below(&r->g, (uint64_t)(im->h - l) + 1);
		for (int y = y0; y < y0 + l; y++) {
			double t = (y - y0 + 0.5) / l;
			double xc = x0 + slant * (t - 0.5) + bend * (sin(PI * t + phase) - sin(phase));
			int left = (int)floor(xc - wd / 2.0 + 0.5);
			for (int x = left < 0 ? 0 : left; x < left + wd && x < im->w; x++) {
				unsigned char *p = im->px + ((size_t)y * (size_t)im->w + (size_t)x) * (size_t)im->c, v[3];
				for (int k = 0; k < cc; k++)
					v[k] = bright ? aug_clamp(p[k] + op * (255 - p[k])) : aug_clamp(p[k] * (1 - op));
				put(im, x, y, v, mask);
			}
		}
	}
	aug_say(r, "%s=%d", s->k->name, n);
	return 0;
}

/* out = the mean of the taps (dx, dy) around each pixel, edges repeated. */
static int
convolve_taps(struct aug_img *im, const int *dx, const int *dy, int ntap)
{
	int w = im->w, h = im->h, c = im->c, cc = colour_channels(c);

	if (aug_img_reserve(im, w, h, c) == -1)
		return -1;
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			unsigned sum[4] = { 0 };
			unsigned char *o = im->tmp + ((size_t)y * (size_t)w + (size_t)x) * (size_t)c;
			for (int t = 0; t < ntap; t++) {
				int xx = x + dx[t], yy = y + dy[t];
				xx = xx < 0 ? 0 : xx >= w ? w - 1 : xx;
				yy = yy < 0 ? 0 : yy >= h ? h - 1 : yy;
				const unsigned char *p = im->px + ((size_t)yy * (size_t)w + (size_t)xx) * (size_t)c;
				for (int k = 0; k < cc; k++)
					sum[k] += p[k];
			}
			for (int k = 0; k < cc; k++)
				o[k] = (unsigned char)((sum[k] + (unsigned)ntap / 2) / (unsigned)ntap);
			if (cc < c)
				o[cc] = im->px[((size_t)y * (size_t)w + (size_t)x) * (size_t)c + (size_t)cc];
		}
	/* the mask stays where it is: copy it into the buffer that becomes it */
	if (im->mask)
		memcpy(im->mtmp, im->mask, (size_t)w * (size_t)h);
	aug_img_swap(im, w, h);
	return 0;
}

static int
motionblur(const struct aug_step *s, struct aug_img *im, struct aug_run *r)
{
	int len = (int)aug_draw(r, s, 0), dx[128], dy[128], rc;
	double a = aug_draw(r, s, 1), ca = cos(a * PI / 180), sa = sin(a * PI / 180);

	for (int i = 0; i < len; i++) {
		double t = i - (len - 1) / 2.0;
		dx[i] = (int)lround(t * ca);
		dy[i] = (int)lround(-t * sa);
	}
	rc = convolve_taps(im, dx, dy, len);
	aug_say(r, "%s=%d,%.10g", s->k->name, len, a);
	return rc;
}

static int
defocus(const struct aug_step *s, struct aug_img *im, struct aug_run *r)
{
	double rad = aug_draw(r, s, 0);
	int ir = (int)floor(rad), n = 0, rc, *dx, *dy;
	size_t cap = (size_t)(2 * ir + 1) * (size_t)(2 * ir + 1);

	dx = malloc(cap * sizeof *dx);
	dy = malloc(cap * sizeof *dy);
	if (dx == NULL || dy == NULL) {
		free(dx);
		free(dy);
		return -1;
	}
	for (int y = -ir; y <= ir; y++)
		for (int x = -ir; x <= ir; x++)
			if (x * x + y * y <= rad * rad) {
				dx[n] = x;
				dy[n++] = y;
			}
	rc = convolve_taps(im, dx, dy, n);
	free(dx);
	free(dy);
	aug_say(r, "%s=%.10g", s->k->name, rad);
	return rc;
}

#define LABELS { "label", AUG_WORD, 0, 0, 0, 0, 0, 0, "1", NULL }, { "clean", AUG_WORD, 0, 0, 0, 0, 0, 0, "0", NULL }
#define INT(name, lo, hi, min, max) { name, AUG_RANGE, lo, hi, min, max, 0, 0, NULL, NULL }
#define REAL(name, lo, hi, min, max, prec) { name, AUG_RANGE, lo, hi, min, max, prec, 0, NULL, NULL }

const struct aug_kind aug_deadpixels = {
	"deadpixels", AUG_DEFECT | AUG_POSITIONAL, "stuck or dead pixels in clusters of size pixels",
	{ INT("count", 3, 12, 1, 100000), INT("size", 1, 3, 1, 20),
	  { "color", AUG_WORD, 0, 0, 0, 0, 0, 0, "any", "any|white|black|color" },
	  INT("mask", 0, 0, 0, 1), LABELS }, deadpixels,
};
const struct aug_kind aug_scratch = {
	"scratch", AUG_DEFECT | AUG_POSITIONAL, "thin bright or dark film scratches, top to bottom",
	{ INT("count", 1, 2, 1, 100), INT("width", 1, 3, 1, 50), REAL("length", 0.3, 1, 0.01, 1, 3),
	  REAL("opacity", 0.4, 0.9, 0.01, 1, 3), REAL("curve", 0, 0.02, 0, 0.5, 4),
	  REAL("slant", 0, 0.02, 0, 1, 4),
	  { "tone", AUG_WORD, 0, 0, 0, 0, 0, 0, "any", "any|bright|dark" }, INT("mask", 1, 1, 0, 1), LABELS },
	scratch,
};
const struct aug_kind aug_motionblur = {
	"motionblur", AUG_DEFECT | AUG_POSITIONAL, "the mean along a line of length pixels at angle degrees",
	{ INT("length", 5, 15, 1, 128), REAL("angle", 0, 180, -360, 360, 1), LABELS }, motionblur,
};
const struct aug_kind aug_defocus = {
	"defocus", AUG_DEFECT | AUG_POSITIONAL, "the mean over a disc of radius pixels",
	{ REAL("radius", 1.5, 4, 0.5, 50, 2), LABELS }, defocus,
};
