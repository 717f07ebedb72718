/* Geometric steps: flips, quarter turns, rotations, crops, resized crops, affine.
 * The mask (when there is one) goes through the same geometry, by nearest neighbour. */
#include <math.h>
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
	flip_cols(im->px, im->w, im->h, im->c);
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

/* Resamples the window (x, y, cw, ch) of im to w x h: image antialiased bilinear, mask nearest. */
static int
resample(struct aug_img *im, int x, int y, int cw, int ch, int w, int h, struct aug_run *r)
{
	resize_spec spec = { { x, cw, w, 0 }, { y, ch, h, 0 }, RESIZE_TRIANGLE, { 0 } };
	image src = { im->w, im->h, im->c, im->px }, out = { w, h, im->c, NULL };

	if (aug_img_reserve(im, w, h, im->c) == -1)
		return -1;
	out.px = im->tmp;
	if (resize_run(&src, &spec, &out, r->err, sizeof r->err) == -1)
		return -1;
	if (im->mask) {
		image msrc = { im->w, im->h, 1, im->mask }, mout = { w, h, 1, im->mtmp };
		spec.filter = RESIZE_NEAREST;
		if (resize_run(&msrc, &spec, &mout, r->err, sizeof r->err) == -1)
			return -1;
	}
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
const struct aug_kind aug_vflip = { "vflip", AUG_GEOM, "mirror top to bottom", { { NULL } }, vflip };
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
	"resized-crop", AUG_GEOM | AUG_POSITIONAL | AUG_REQUIRED,
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
