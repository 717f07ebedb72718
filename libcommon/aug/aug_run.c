/* Applying a pipeline of augmentation steps to one image; buffers; affine resampling. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "aug.h"
#include "aug_kern.h"
#include "util/hash.h"

static int
grow(unsigned char **p, size_t *cap, size_t n)
{
	unsigned char *q;

	if (n <= *cap)
		return 0;
	if ((q = realloc(*p, n)) == NULL)
		return -1;
	*p = q;
	*cap = n;
	return 0;
}

int
aug_img_reserve(struct aug_img *im, int w, int h, int c)
{
	size_t n = (size_t)w * (size_t)h;

	if (grow(&im->tmp, &im->tcap, n * (size_t)c) == -1)
		return -1;
	return im->mask ? grow(&im->mtmp, &im->mtcap, n) : 0;
}

void
aug_img_swap(struct aug_img *im, int w, int h)
{
	unsigned char *t = im->px;
	size_t cap = im->cap;

	im->px = im->tmp;
	im->cap = im->tcap;
	im->tmp = t;
	im->tcap = cap;
	if (im->mask) {
		t = im->mask;
		cap = im->mcap;
		im->mask = im->mtmp;
		im->mcap = im->mtcap;
		im->mtmp = t;
		im->mtcap = cap;
	}
	im->w = w;
	im->h = h;
}

void *
aug_img_work(struct aug_img *im, size_t n)
{
	unsigned char *w = im->work;

	if (grow(&w, &im->wcap, n) == -1)
		return NULL;
	im->work = w;
	return w;
}

int
aug_img_need_mask(struct aug_img *im)
{
	size_t n = (size_t)im->w * (size_t)im->h;

	if (im->mask)
		return 0;
	im->mcap = 0;
	if (grow(&im->mask, &im->mcap, n) == -1)
		return -1;
	memset(im->mask, 0, n);
	return 0;
}

int
aug_img_borrow(struct aug_img *im, const unsigned char *px, int w, int h, int c, const unsigned char *mask)
{
	size_t n = (size_t)w * (size_t)h;

	if (grow(&im->px, &im->cap, n * (size_t)c) == -1)
		return -1;
	im->src = px;
	im->w = w;
	im->h = h;
	im->c = c;
	if (mask == NULL) {
		aug_img_drop_mask(im);
		return 0;
	}
	if (im->mask == NULL)
		im->mcap = 0;
	if (grow(&im->mask, &im->mcap, n) == -1)
		return -1;
	memcpy(im->mask, mask, n);
	return 0;
}

int
aug_img_load(struct aug_img *im, const unsigned char *px, int w, int h, int c, const unsigned char *mask)
{
	if (aug_img_borrow(im, px, w, h, c, mask) == -1)
		return -1;
	aug_img_fill(im);
	return 0;
}

void
aug_img_fill(struct aug_img *im)
{
	if (im->src == NULL || im->warp.on)
		return;         /* a pending warp reads src itself */
	memcpy(im->px, im->src, (size_t)im->w * (size_t)im->h * (size_t)im->c);
	im->src = NULL;
}

void
aug_img_drop_mask(struct aug_img *im)
{
	free(im->mask);
	im->mask = NULL;
	im->mcap = 0;
}

void
aug_img_free(struct aug_img *im)
{
	free(im->px);
	free(im->mask);
	free(im->tmp);
	free(im->mtmp);
	free(im->work);
	memset(im, 0, sizeof *im);
}

/* Bilinear sample at (x, y) in pixel-index coordinates, neighbours outside are fill. */
static inline void
bilinear(const unsigned char *src, int w, int h, int c, double x, double y, unsigned char fill,
         unsigned char *out)
{
	int x0 = (int)floor(x), y0 = (int)floor(y);
	double fx = x - x0, fy = y - y0;
	double w00 = (1 - fx) * (1 - fy), w10 = fx * (1 - fy), w01 = (1 - fx) * fy, w11 = fx * fy;
	size_t stride = (size_t)w * (size_t)c;

	if (x0 >= 0 && y0 >= 0 && x0 + 1 < w && y0 + 1 < h) {
		const unsigned char *p = src + (size_t)y0 * stride + (size_t)x0 * (size_t)c;
		for (int k = 0; k < c; k++)
			out[k] = (unsigned char)(w00 * p[k] + w10 * p[k + c] + w01 * p[k + stride] +
			                         w11 * p[k + stride + c] + 0.5);
		return;
	}
	for (int k = 0; k < c; k++) {
		double v = 0;
		for (int j = 0; j < 4; j++) {
			int xx = x0 + (j & 1), yy = y0 + (j >> 1);
			double wt = j == 0 ? w00 : j == 1 ? w10 : j == 2 ? w01 : w11;
			int s = xx >= 0 && yy >= 0 && xx < w && yy < h ?
			        src[(size_t)yy * stride + (size_t)xx * (size_t)c + (size_t)k] : fill;
			v += wt * s;
		}
		out[k] = (unsigned char)(v + 0.5);
	}
}

static inline __attribute__((always_inline)) void
lerp4(const unsigned char *restrict p, size_t stride, int c, unsigned w00, unsigned w10, unsigned w01,
      unsigned w11, unsigned char *restrict o)
{
	for (int k = 0; k < c; k++)
		o[k] = (unsigned char)((w00 * p[k] + w10 * p[k + c] + w01 * p[k + stride] + w11 * p[k + stride + c] +
		                        32768) >> 16);
}

/* Narrows [*xa, *xb) to the x where 0 <= f0 + x * d < lim (all 16.16 fixed point). */
static void
span(int64_t f0, int64_t d, int64_t lim, int *xa, int *xb)
{
	double lo, hi;

	if (d == 0) {
		if (f0 < 0 || f0 >= lim)
			*xb = *xa;
		return;
	}
	/* f0 + x d >= 0 and f0 + x d <= lim - 1 */
	lo = d > 0 ? ceil(-(double)f0 / d) : ceil((lim - 1 - (double)f0) / d);
	hi = d > 0 ? floor((lim - 1 - (double)f0) / d) : floor(-(double)f0 / d);
	if (lo > *xa)
		*xa = lo > *xb ? *xb : (int)lo;
	if (hi + 1 < *xb)
		*xb = hi + 1 < *xa ? *xa : (int)(hi + 1);
}

/* Pixels inside the source by at least one pixel take the fast path: coordinates in 16.16
 * fixed point, bilinear weights of 8 bits (as OpenCV's), rounded to the nearest. */
#define FP 65536.0

void
aug_warp_later(struct aug_img *im, const double m[4], int w, int h, double cs_x, double cs_y, unsigned char fill)
{
	im->warp.on = 1;
	im->warp.sw = im->w;
	im->warp.sh = im->h;
	im->warp.ow = w;
	im->warp.oh = h;
	im->warp.wx = im->warp.wy = 0;
	memcpy(im->warp.m, m, sizeof im->warp.m);
	im->warp.cs_x = cs_x;
	im->warp.cs_y = cs_y;
	im->warp.fill = fill;
	im->w = w;
	im->h = h;
}

int
aug_warp_window(struct aug_img *im, int x, int y, int w, int h)
{
	if (!im->warp.on)
		return 0;
	im->warp.wx += x;
	im->warp.wy += y;
	im->w = w;
	im->h = h;
	return 1;
}

int
aug_warp(struct aug_img *im, const double m[4], int w, int h, double cs_x, double cs_y, unsigned char fill)
{
	if (aug_warp_flush(im) == -1)   /* one pending before */
		return -1;
	aug_img_fill(im);
	aug_warp_later(im, m, w, h, cs_x, cs_y, fill);
	return aug_warp_flush(im);
}

/* The pending warp's window (wx, wy, w, h) of its ow x oh output: each pixel as the whole
 * output's (the same 16.16 steps from the row's start). */
int
aug_warp_flush(struct aug_img *im)
{
	int c = im->c, sw = im->warp.sw, sh = im->warp.sh, w = im->w, h = im->h;
	int wx = im->warp.wx, wy = im->warp.wy;
	const double *m = im->warp.m;
	double co_x = im->warp.ow / 2.0, co_y = im->warp.oh / 2.0, cs_x = im->warp.cs_x, cs_y = im->warp.cs_y;
	size_t stride = (size_t)sw * (size_t)c;
	int64_t dx = llround(m[0] * FP), dy = llround(m[2] * FP);
	unsigned char fill = im->warp.fill;
	const struct aug_kernels *k = aug_kern();

	if (!im->warp.on)
		return 0;
	im->warp.on = 0;
	if (aug_img_reserve(im, w, h, c) == -1)
		return -1;
	const unsigned char *restrict src = aug_pixels(im), *restrict msrc = im->mask;
	unsigned char *restrict dst = im->tmp, *restrict mdst = im->mtmp;
	im->src = NULL;
	for (int y = 0; y < h; y++) {
		double oy = y + wy + 0.5 - co_y, ox = 0.5 - co_x;
		/* the source point of pixel (0, y), in index coordinates (centre of pixel i is i + 0.5) */
		double sx = m[0] * ox + m[1] * oy + cs_x - 0.5, sy = m[2] * ox + m[3] * oy + cs_y - 0.5;
		int64_t fx = llround(sx * FP) + wx * dx, fy = llround(sy * FP) + wx * dy;
		unsigned char *o = dst + (size_t)y * (size_t)w * (size_t)c;
		unsigned char *mo = msrc ? mdst + (size_t)y * (size_t)w : NULL;
		/* the run of x where all four neighbours are inside: sw - 1 > x0 >= 0, sh - 1 > y0 >= 0 */
		int xa = 0, xb = w;
		span(fx, dx, (int64_t)(sw - 1) << 16, &xa, &xb);
		span(fy, dy, (int64_t)(sh - 1) << 16, &xa, &xb);
		for (int x = 0; x < w; x++, fx += dx, fy += dy, o += c) {
			int64_t x0 = fx >> 16, y0 = fy >> 16;
			if (x == xa && c == 3 && xa < xb) {
				k->inside3(src, sw, sh, fx, dx, fy, dy, xb - xa, o);
				if (mo)
					for (int64_t mx = fx, my = fy, i = xa; i < xb; i++, mx += dx, my += dy)
						mo[i] = msrc[((my + 32768) >> 16) * sw + ((mx + 32768) >> 16)];
				fx += (xb - xa - 1) * dx, fy += (xb - xa - 1) * dy, o += (xb - xa - 1) * 3;
				x = xb - 1;
				continue;
			}
			if (x0 >= 0 && y0 >= 0 && x0 < sw - 1 && y0 < sh - 1) {
				unsigned ax = (unsigned)(fx >> 8) & 255, ay = (unsigned)(fy >> 8) & 255;
				unsigned w00 = (256 - ax) * (256 - ay), w10 = ax * (256 - ay), w01 = (256 - ax) * ay,
				         w11 = ax * ay;
				lerp4(src + (size_t)y0 * stride + (size_t)x0 * (size_t)c, stride, c, w00, w10, w01, w11, o);
			} else if (x0 < -1 || y0 < -1 || x0 >= sw || y0 >= sh) {
				memset(o, fill, (size_t)c);
			} else {
				bilinear(src, sw, sh, c, fx / FP, fy / FP, fill, o);
			}
			if (mo) {
				int64_t nx = (fx + 32768) >> 16, ny = (fy + 32768) >> 16;
				mo[x] = nx >= 0 && ny >= 0 && nx < sw && ny < sh ? msrc[ny * sw + nx] : 0;
			}
		}
	}
	aug_img_swap(im, w, h);
	return 0;
}

uint64_t
aug_record_seed(uint64_t seed, const char *id, int k)
{
	uint64_t z = seed + 0x9e3779b97f4a7c15ull * (uint64_t)(k + 1);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return hash_string(id, z ^ (z >> 31));
}

int
aug_apply(const struct aug_step *steps, int n, struct aug_img *im, uint64_t seed, struct aug_run *r)
{
	rng_seed(&r->g, seed);
	r->dlen = 0;
	r->desc[0] = '\0';
	r->label = NULL;
	r->labelled = 0;
	r->err[0] = '\0';
	for (int i = 0; i < n; i++) {
		const struct aug_step *s = &steps[i];
		int on = rng_uniform(&r->g) < s->p;
		if ((s->k->flags & AUG_COLOR) && im->c < 3)
			continue;       /* gray has no saturation or hue: unchanged, as in torchvision */
		if ((s->k->flags & AUG_NOALPHA) && (im->c == 2 || im->c == 4))
			return aug_fail(r, "%s needs an image without alpha (1 or 3 channels), not %d channels: "
			                "drop it first with imgresize --rgb (or --gray), which composites it over "
			                "--background", s->k->name, im->c);
		if (on && !(s->k->flags & AUG_WINDOW) && aug_warp_flush(im) == -1)
			return aug_fail(r, "%s: out of memory", s->k->name);
		if (on && !(s->k->flags & AUG_FROMSRC))
			aug_img_fill(im);
		if (!on) {
			/* a defect step left out labels the record clean, unless another labelled it */
			if ((s->k->flags & AUG_DEFECT) && !r->labelled)
				r->label = aug_word(s, s->npar - 1);
			continue;
		}
		if (s->k->apply(s, im, r) == -1) {
			if (r->err[0] == '\0')
				aug_fail(r, "%s: out of memory", s->k->name);
			return -1;
		}
		if (s->k->flags & AUG_DEFECT) {
			r->label = aug_word(s, s->npar - 2);
			r->labelled = 1;
		}
	}
	if (aug_warp_flush(im) == -1)
		return aug_fail(r, "out of memory");
	aug_img_fill(im);
	if (r->dlen == 0)
		aug_say(r, "none");
	return 0;
}
