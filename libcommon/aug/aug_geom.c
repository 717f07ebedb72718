/* Geometric steps: flips, quarter turns, rotations, crops, resized crops, affine.
 * The mask (when there is one) goes through the same geometry, by nearest neighbour. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "aug.h"
#include "aug_kern.h"
#include "image/image.h"
#include "resize/resize.h"

#define RAD(d) ((d) * 3.14159265358979323846 / 180)

static void
flip_rows(unsigned char *px, int w, int h, int c)
{
	size_t n = (size_t)c;

	for (int y = 0; y < h; y++) {
		unsigned char *a = px + (size_t)y * (size_t)w * n, *b = a + (size_t)(w - 1) * n, t[4];
		for (; a < b; a += n, b -= n) {
			memcpy(t, a, n);
			memcpy(a, b, n);
			memcpy(b, t, n);
		}
	}
}

static void
flip_cols(unsigned char *px, int w, int h, int c)
{
	size_t row = (size_t)w * (size_t)c;

	for (int y = 0; y < h / 2; y++) {
		unsigned char *a = px + (size_t)y * row, *b = px + (size_t)(h - 1 - y) * row;
		for (size_t i = 0; i < row; i++) {
			unsigned char t = a[i];
			a[i] = b[i];
			b[i] = t;
		}
	}
}

/* Mirrors src into dst (another buffer). */
static void
flip_rows_into(const unsigned char *restrict src, int w, int h, int c, unsigned char *restrict dst)
{
	size_t n = (size_t)c, row = (size_t)w * n;
	const struct aug_kernels *k = aug_kern();

	for (int y = 0; y < h; y++, src += row, dst += row) {
		if (c == 3) {
			k->flip3(src, dst, (size_t)w);
			continue;
		}
		for (size_t x = 0, e = row - n; x < row; x += n, e -= n)
			memcpy(dst + x, src + e, n);
	}
}

static int
hflip(const struct aug_step *s, struct aug_img *im, struct aug_run *r)
{
	if (im->src) {
		flip_rows_into(im->src, im->w, im->h, im->c, im->px);
		im->src = NULL;
	} else {
		flip_rows(im->px, im->w, im->h, im->c);
	}
	if (im->mask)
		flip_rows(im->mask, im->w, im->h, 1);
	aug_say(r, "%s", s->k->name);
	return 0;
}

static int
vflip(const struct aug_step *s, struct aug_img *im, struct aug_run *r)
{
	if (im->src) {          /* lent pixels: one pass, rows copied bottom up */
		size_t row = (size_t)im->w * (size_t)im->c;
		for (int y = 0; y < im->h; y++)
			memcpy(im->px + (size_t)y * row, im->src + (size_t)(im->h - 1 - y) * row, row);
		im->src = NULL;
	} else {
		flip_cols(im->px, im->w, im->h, im->c);
	}
	if (im->mask)
		flip_cols(im->mask, im->w, im->h, 1);
	aug_say(r, "%s", s->k->name);
	return 0;
}

/* Quarter turns counter-clockwise: q = 1, 2, 3. */
static void
turn(const unsigned char *src, int w, int h, int c, int q, unsigned char *dst)
{
	size_t n = (size_t)c;

	if (q == 2) {
		for (size_t i = 0, np = (size_t)w * (size_t)h; i < np; i++)
			memcpy(dst + i * n, src + (np - 1 - i) * n, n);
		return;
	}
	/* output is h wide, w high */
	for (int y = 0; y < w; y++) {
		unsigned char *o = dst + (size_t)y * (size_t)h * n;
		for (int x = 0; x < h; x++) {
			/* q = 1: out[y][x] = in[x][w-1-y]; q = 3: out[y][x] = in[h-1-x][y] */
			size_t sy = q == 1 ? (size_t)x : (size_t)(h - 1 - x), sx = q == 1 ? (size_t)(w - 1 - y) : (size_t)y;
			memcpy(o + (size_t)x * n, src + (sy * (size_t)w + sx) * n, n);
		}
	}
}

static int
rot90(const struct aug_step *s, struct aug_img *im, struct aug_run *r)
{
	int deg = (int)aug_draw(r, s, 0), q = ((deg / 90) % 4 + 4) % 4;

	aug_say(r, "%s=%d", s->k->name, deg);
	if (q == 0)
		return 0;
	if (aug_img_reserve(im, im->w, im->h, im->c) == -1)
		return -1;
	turn(im->px, im->w, im->h, im->c, q, im->tmp);
	if (im->mask)
		turn(im->mask, im->w, im->h, 1, q, im->mtmp);
	if (q == 2)
		aug_img_swap(im, im->w, im->h);
	else
		aug_img_swap(im, im->h, im->w);
	return 0;
}

/* The inverse matrix of a counter-clockwise rotation by a degrees (y down), scaled by 1/zoom. */
static void
rotation(double a, double zoom, double m[4])
{
	double c = cos(RAD(a)) / zoom, s = sin(RAD(a)) / zoom;

	m[0] = c;
	m[1] = -s;
	m[2] = s;
	m[3] = c;
}

static int
rotate(const struct aug_step *s, struct aug_img *im, struct aug_run *r)
{
	double a = aug_draw(r, s, 0), m[4], zoom = 1;
	int fill = (int)s->lo[1];

	if (s->lo[2] > 0) {
		/* zoom in until the rotated image covers the whole output: no fill (in pixel
		 * centres, so that no bilinear sample reaches outside) */
		double c = fabs(cos(RAD(a))), sn = fabs(sin(RAD(a))), w = im->w - 1, h = im->h - 1;
		double k = w > 0 && h > 0 ? fmin(w / (w * c + h * sn), h / (w * sn + h * c)) : 1;
		zoom = 1 / (k * (1 - 1e-9));
	}
	rotation(a, zoom, m);
	aug_say(r, "%s=%+.10g", s->k->name, a);
	aug_warp_later(im, m, im->w, im->h, im->w / 2.0, im->h / 2.0, (unsigned char)fill);
	return 0;
}

/* Moves the window (x, y, w, h) of im into its place. */
static int
cut(struct aug_img *im, int x, int y, int w, int h)
{
	size_t n = (size_t)im->c;

	if (aug_warp_window(im, x, y, w, h))
		return 0;       /* the warp before computes the window only */
	if (aug_img_reserve(im, w, h, im->c) == -1)
		return -1;
	for (int j = 0; j < h; j++) {
		memcpy(im->tmp + (size_t)j * (size_t)w * n, im->px + ((size_t)(y + j) * (size_t)im->w + (size_t)x) * n,
		       (size_t)w * n);
		if (im->mask)
			memcpy(im->mtmp + (size_t)j * (size_t)w, im->mask + (size_t)(y + j) * (size_t)im->w + (size_t)x,
			       (size_t)w);
	}
	aug_img_swap(im, w, h);
	return 0;
}

static int
crop(const struct aug_step *s, struct aug_img *im, struct aug_run *r)
{
	int w, h, x, y;

	aug_size(s, 0, &w, &h);
	if (w > im->w || h > im->h)
		return aug_fail(r, "crop %dx%d is larger than the image %dx%d", w, h, im->w, im->h);
	x = (int)rng_below(&r->g, (uint64_t)(im->w - w) + 1);
	y = (int)rng_below(&r->g, (uint64_t)(im->h - h) + 1);
	aug_say(r, "%s=%d,%d", s->k->name, x, y);
	return cut(im, x, y, w, h);
}

/*
 * The antialiased bilinear (triangle) taps of one axis in fixed point, as resize.c's
 * RESIZE_TRIANGLE: output pixel i covers source [src0 + i step, src0 + (i + 1) step] (step =
 * src_len / len) and reads source pixels start[i] .. start[i] + n[i] - 1 of the srcn there
 * are, weights 1 - d (d: the distance of the pixel's centre from the output pixel's, over the
 * shrink factor when shrinking), normalised to sum to 1 << TAPBITS exactly.
 */
#define TAPBITS 14
struct itaps {
	int *start, *n, maxn;
	int32_t *w;
};

static void
itaps_free(struct itaps *t)
{
	free(t->start);
	free(t->n);
	free(t->w);
}

static int
itaps_make(struct itaps *t, double src0, double src_len, int len, int srcn)
{
	double step = src_len / len, f = step > 1 ? step : 1, dw[64];
	int maxn = (int)ceil(2 * f) + 2;

	t->maxn = maxn;
	t->start = malloc((size_t)len * sizeof *t->start);
	t->n = malloc((size_t)len * sizeof *t->n);
	t->w = calloc((size_t)len * (size_t)maxn, sizeof *t->w);
	if (maxn > 64 || t->start == NULL || t->n == NULL || t->w == NULL) {
		itaps_free(t);
		return -1;
	}
	for (int i = 0; i < len; i++) {
		double a = src0 + i * step, c = (a + a + step) / 2, sum = 0;
		int j0 = (int)floor(c - f - 0.5), j1 = (int)ceil(c + f - 0.5) + 1, big = 0, left = 1 << TAPBITS;
		int32_t *w = t->w + (size_t)i * (size_t)maxn;
		j0 = j0 < 0 ? 0 : j0;
		j1 = j1 > srcn ? srcn : j1;
		j1 = j1 - j0 > maxn ? j0 + maxn : j1;
		for (int k = 0; j0 + k < j1; k++) {
			double d = fabs(j0 + k + 0.5 - c) / f;
			sum += dw[k] = d < 1 ? 1 - d : 0;
		}
		while (j1 > j0 && dw[j1 - j0 - 1] < 1e-7 * sum)
			j1--;
		while (j1 > j0 && dw[0] < 1e-7 * sum) {
			memmove(dw, dw + 1, (size_t)(j1 - j0 - 1) * sizeof *dw);
			j0++;
		}
		if (j1 <= j0 || sum <= 0) {     /* beyond the source: the nearest pixel */
			j0 = c < 0 ? 0 : c >= srcn ? srcn - 1 : (int)c;
			j1 = j0 + 1;
			dw[0] = sum = 1;
		}
		t->start[i] = j0;
		t->n[i] = j1 - j0;
		for (int k = 0; k < j1 - j0; k++) {
			w[k] = (int32_t)lround(dw[k] / sum * (1 << TAPBITS));
			left -= w[k];
			big = w[k] > w[big] ? k : big;
		}
		w[big] += left;         /* the sum exactly 1 << TAPBITS */
	}
	return 0;
}

/* One output pixel of the horizontal pass: the taps' weighted sum, 7 fractional bits kept. */
static void
hpix3(const unsigned char *p, const int32_t *wt, int n, uint16_t *o)
{
	int32_t r = 0, g = 0, b = 0;

	for (int k = 0; k < n; k++, p += 3) {
		r += wt[k] * p[0];
		g += wt[k] * p[1];
		b += wt[k] * p[2];
	}
	o[0] = (uint16_t)((r + (1 << 6)) >> 7);
	o[1] = (uint16_t)((g + (1 << 6)) >> 7);
	o[2] = (uint16_t)((b + (1 << 6)) >> 7);
}

/*
 * The horizontal taps tx of w output pixels as aug_kern's hpair tables (t->len values a pair p,
 * len = 3 w rounded up to 8): for value j (channel c of pixel i), taps 2p and 2p + 1 of pixel i
 * read source pixels P = start + 2p and P + 1; where P is the row's last pixel (then tap 2p is
 * pixel i's last) the pair reads P - 1 and P with weights (0, w[2p]) instead, so that no read
 * passes the row (sw >= 2).  A pair past the pixel's taps, and the padding values, read where
 * the one before did with weight 0 (near: the SIMD versions take 16 bytes of the row at once).
 * The same integer sums as hpix3.
 */
static void
hpair_make(const struct itaps *tx, int w, int sw, int32_t *off, int32_t *wp, struct aug_hpair *t)
{
	size_t len = t->len;

	for (int p = 0; p < t->npair; p++) {
		int32_t *po = off + (size_t)p * len, *pw = wp + (size_t)p * len;
		for (int i = 0; i < w; i++) {
			const int32_t *wt = tx->w + (size_t)i * (size_t)tx->maxn;
			int k = 2 * p, at = tx->start[i] + k;
			uint32_t lo = 0, hi = 0;
			if (k < tx->n[i]) {
				lo = (uint32_t)wt[k];
				hi = k + 1 < tx->n[i] ? (uint32_t)wt[k + 1] : 0;
			} else {
				at = tx->start[i] + (tx->n[i] - 1) / 2 * 2;     /* the pixel's last pair */
			}
			if (at + 1 >= sw) {
				at--;
				hi = lo;
				lo = 0;
			}
			for (int c = 0; c < 3; c++) {
				po[3 * i + c] = 3 * at + c;
				pw[3 * i + c] = (int32_t)(lo | hi << 16);
			}
		}
		for (size_t j = (size_t)w * 3; j < len; j++) {
			po[j] = po[j - 1];
			pw[j] = 0;
		}
	}
	t->off = off;
	t->wp = wp;
	aug_hpair_groups(t, (size_t)sw * 3);
}

/*
 * resize_run's RESIZE_TRIANGLE for RGB in fixed point: horizontally first, only the source rows
 * that the vertical taps read, into 16-bit values with 7 fractional bits (aug_kern's hpair, by
 * tap pairs whose source offsets and weights are worked out once a call; hpix3 for a one-pixel
 * wide source); then vertically (aug_kern's vsum16).  Within 1 of the float result.  The
 * scratch (work: the 16-bit rows and the tables) stays with the image for the next call.
 */
static int
resample3(struct aug_img *im, const unsigned char *src, int sw, int sh, int x, int y, int cw, int ch, int w, int h,
          unsigned char *out)
{
	struct itaps tx, ty;
	size_t orow = (size_t)w * 3, len = (orow + 7) / 8 * 8, tab;
	int ylo, yhi, rc = -1, npair;
	uint16_t *hrows;
	int32_t *off, *wp;
	struct aug_hpair hp;
	const struct aug_kernels *kern = aug_kern();

	if (itaps_make(&tx, x, cw, w, sw) == -1)
		return -1;
	if (itaps_make(&ty, y, ch, h, sh) == -1) {
		itaps_free(&tx);
		return -1;
	}
	ylo = ty.start[0];
	yhi = ty.start[h - 1] + ty.n[h - 1];
	for (int i = 0; i < h; i++) {
		ylo = ty.start[i] < ylo ? ty.start[i] : ylo;
		yhi = ty.start[i] + ty.n[i] > yhi ? ty.start[i] + ty.n[i] : yhi;
	}
	npair = 1;
	for (int i = 0; i < w; i++)
		npair = (tx.n[i] + 1) / 2 > npair ? (tx.n[i] + 1) / 2 : npair;
	tab = (size_t)npair * len;
	/* the tables (off, wp: tab int32 each; gbase: tab / 4 int32; gmask: 4 tab bytes), then the rows */
	off = aug_img_work(im, (2 * tab + tab / 4) * sizeof *off + 4 * tab + (size_t)(yhi - ylo) * len * sizeof *hrows);
	if (off == NULL)
		goto out;
	wp = off + tab;
	hp.gbase = wp + tab;
	hp.gmask = (unsigned char *)(hp.gbase + tab / 4);
	hrows = (uint16_t *)(void *)(hp.gmask + 4 * tab);
	hp.npair = npair;
	hp.len = len;
	if (sw >= 2)
		hpair_make(&tx, w, sw, off, wp, &hp);
	for (int sy = ylo; sy < yhi; sy++) {
		const unsigned char *row = src + (size_t)sy * (size_t)sw * 3;
		uint16_t *o = hrows + (size_t)(sy - ylo) * len;
		if (sw >= 2) {
			kern->hpair(row, &hp, o);
			continue;
		}
		for (int i = 0; i < w; i++)
			hpix3(row + (size_t)tx.start[i] * 3, tx.w + (size_t)i * (size_t)tx.maxn, tx.n[i], o + 3 * i);
	}
	for (int oy = 0; oy < h; oy++)
		kern->vsum16(hrows + (size_t)(ty.start[oy] - ylo) * len, len, ty.w + (size_t)oy * (size_t)ty.maxn, ty.n[oy],
		             orow, out + (size_t)oy * orow);
	rc = 0;
out:
	itaps_free(&tx);
	itaps_free(&ty);
	return rc;
}

/* Resamples the window (x, y, cw, ch) of im to w x h: image antialiased bilinear (RGB in fixed
 * point, resample3), mask nearest.  Reads the image from im->src when it is lent (AUG_FROMSRC). */
static int
resample(struct aug_img *im, int x, int y, int cw, int ch, int w, int h, struct aug_run *r)
{
	resize_spec spec = { { x, cw, w, 0 }, { y, ch, h, 0 }, RESIZE_TRIANGLE, { 0 } };
	image src = { im->w, im->h, im->c, (unsigned char *)(uintptr_t)aug_pixels(im) }, out = { w, h, im->c, NULL };
	double shrink = fmax((double)cw / w, (double)ch / h);

	if (aug_img_reserve(im, w, h, im->c) == -1)
		return -1;
	out.px = im->tmp;
	if (im->c == 3 && shrink <= 30) {
		if (resample3(im, src.px, im->w, im->h, x, y, cw, ch, w, h, im->tmp) == -1)
			return aug_fail(r, "resized-crop: out of memory");
	} else if (resize_run(&src, &spec, &out, r->err, sizeof r->err) == -1)
		return -1;
	if (im->mask) {
		image msrc = { im->w, im->h, 1, im->mask }, mout = { w, h, 1, im->mtmp };
		spec.filter = RESIZE_NEAREST;
		if (resize_run(&msrc, &spec, &mout, r->err, sizeof r->err) == -1)
			return -1;
	}
	im->src = NULL;
	aug_img_swap(im, w, h);
	return 0;
}

/* torchvision's RandomResizedCrop: ten tries at a window of random area and
 * aspect ratio (log-uniform), else the whole image cut to the nearest ratio. */
static int
resized_crop(const struct aug_step *s, struct aug_img *im, struct aug_run *r)
{
	int w, h, cw = 0, ch = 0, x = 0, y = 0, found = 0;
	double area = (double)im->w * im->h, lr0 = log(s->lo[2]), lr1 = log(s->hi[2]);

	aug_size(s, 0, &w, &h);
	if ((uint64_t)w * (uint64_t)h > img_max_pixels())
		return aug_fail(r, "resized-crop %dx%d exceeds the pixel budget of %llu", w, h,
		                (unsigned long long)img_max_pixels());
	for (int t = 0; t < 10 && !found; t++) {
		double a = area * (s->lo[1] + (s->hi[1] - s->lo[1]) * rng_uniform(&r->g));
		double ratio = exp(lr0 + (lr1 - lr0) * rng_uniform(&r->g));
		cw = (int)lround(sqrt(a * ratio));
		ch = (int)lround(sqrt(a / ratio));
		if (cw > 0 && ch > 0 && cw <= im->w && ch <= im->h) {
			y = (int)rng_below(&r->g, (uint64_t)(im->h - ch) + 1);
			x = (int)rng_below(&r->g, (uint64_t)(im->w - cw) + 1);
			found = 1;
		}
	}
	if (!found) {
		double ir = (double)im->w / im->h;
		if (ir < s->lo[2]) {
			cw = im->w;
			ch = (int)lround(cw / s->lo[2]);
		} else if (ir > s->hi[2]) {
			ch = im->h;
			cw = (int)lround(ch * s->hi[2]);
		} else {
			cw = im->w;
			ch = im->h;
		}
		cw = cw < 1 ? 1 : cw;
		ch = ch < 1 ? 1 : ch;
		x = (im->w - cw) / 2;
		y = (im->h - ch) / 2;
	}
	aug_say(r, "%s=%d,%d,%d,%d", s->k->name, x, y, cw, ch);
	return resample(im, x, y, cw, ch, w, h, r);
}

static int
affine(const struct aug_step *s, struct aug_img *im, struct aug_run *r)
{
	double a = aug_draw(r, s, 0), tx = aug_draw(r, s, 1), ty = aug_draw(r, s, 1);
	double sc = aug_draw(r, s, 2), sh = aug_draw(r, s, 3);
	double ca = cos(RAD(a)), sa = sin(RAD(a)), k = tan(RAD(sh)), f[4], m[4], det;

	/* forward: rotation (counter-clockwise, y down) x shear along x x scale */
	f[0] = sc * ca;
	f[1] = sc * (ca * k + sa);
	f[2] = -sc * sa;
	f[3] = sc * (-sa * k + ca);
	det = f[0] * f[3] - f[1] * f[2];
	m[0] = f[3] / det;
	m[1] = -f[1] / det;
	m[2] = -f[2] / det;
	m[3] = f[0] / det;
	aug_say(r, "%s=%+.10g,%+.10g,%+.10g,%.10g,%+.10g", s->k->name, a, tx, ty, sc, sh);
	/* the output centre shifted by (tx, ty) of the size shows the source centre */
	aug_warp_later(im, m, im->w, im->h, im->w / 2.0 - (m[0] * tx * im->w + m[1] * ty * im->h),
	               im->h / 2.0 - (m[2] * tx * im->w + m[3] * ty * im->h), (unsigned char)s->lo[4]);
	return 0;
}

#define FILL { "fill", AUG_RANGE, 0, 0, 0, 255, 0, 0, NULL, NULL }

const struct aug_kind aug_hflip = { "hflip", AUG_GEOM | AUG_FROMSRC, "mirror left to right", { { NULL } }, hflip };
const struct aug_kind aug_vflip = { "vflip", AUG_GEOM | AUG_FROMSRC, "mirror top to bottom", { { NULL } }, vflip };
const struct aug_kind aug_rot90 = {
	"rot90", AUG_GEOM | AUG_POSITIONAL, "turn counter-clockwise by a multiple of 90 degrees",
	{ { "angle", AUG_RANGE, 90, 270, -270, 270, 0, 90, NULL, NULL } }, rot90,
};
const struct aug_kind aug_rotate = {
	"rotate", AUG_GEOM | AUG_POSITIONAL | AUG_FROMSRC, "rotate counter-clockwise by degrees (crop=1: zoom in, no fill)",
	{ { "angle", AUG_RANGE, -15, 15, -360, 360, 2, 0, NULL, NULL }, FILL,
	  { "crop", AUG_RANGE, 0, 0, 0, 1, 0, 0, NULL, NULL } }, rotate,
};
const struct aug_kind aug_crop = {
	"crop", AUG_GEOM | AUG_POSITIONAL | AUG_REQUIRED | AUG_WINDOW, "a window of the size at a random place",
	{ { "size", AUG_SIZE, 0, 0, 1, 65535, 0, 0, NULL, NULL } }, crop,
};
const struct aug_kind aug_resized_crop = {
	"resized-crop", AUG_GEOM | AUG_POSITIONAL | AUG_REQUIRED | AUG_FROMSRC,
	"a window of random area (scale) and aspect ratio, resized to the size",
	{ { "size", AUG_SIZE, 0, 0, 1, 65535, 0, 0, NULL, NULL },
	  { "scale", AUG_RANGE, 0.08, 1, 1e-6, 1, 4, 0, NULL, NULL },
	  { "ratio", AUG_RANGE, 0.75, 4 / 3.0, 0.01, 100, 4, 0, NULL, NULL } }, resized_crop,
};
const struct aug_kind aug_affine = {
	"affine", AUG_GEOM | AUG_FROMSRC, "rotation, shift (fraction of the size), scale and shear (degrees) at once",
	{ { "angle", AUG_RANGE, 0, 0, -360, 360, 2, 0, NULL, NULL },
	  { "shift", AUG_RANGE, -0.1, 0.1, -1, 1, 3, 0, NULL, NULL },
	  { "scale", AUG_RANGE, 0.9, 1.1, 0.05, 20, 3, 0, NULL, NULL },
	  { "shear", AUG_RANGE, -10, 10, -60, 60, 2, 0, NULL, NULL }, FILL }, affine,
};
