/* The SIMD kernels of aug_kern.h against the plain C ones, byte for byte, on random inputs;
 * and whole pipelines (aug_apply) with each version. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "aug/aug.h"
#include "aug/aug_kern.h"
#include "check.h"
#include "resize/resize.h"
#include "util/rng.h"

#define GUARD 64

/*
 * n bytes between two inaccessible pages, against the one after (end) or the one before: a
 * read past the buffer, by a gather or a masked load too (which the sanitizers do not see),
 * faults.  Freed by unguard.
 */
static unsigned char *
guarded(size_t n, int end)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), span = (n + pg - 1) / pg * pg;
	unsigned char *m = mmap(NULL, span + 2 * pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (m == MAP_FAILED || mprotect(m + pg, span, PROT_READ | PROT_WRITE) == -1) {
		fprintf(stderr, "test_aug_kern: cannot map guard pages\n");
		exit(1);
	}
	return end ? m + pg + span - n : m + pg;
}

static void
unguard(unsigned char *p, size_t n)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), span = (n + pg - 1) / pg * pg;
	unsigned char *m = (unsigned char *)((uintptr_t)p / pg * pg) - pg;

	munmap(m, span + 2 * pg);
}

static int
below(rng *g, int n)
{
	return (int)rng_below(g, (uint64_t)n);
}

/* lut on n bytes from src + a (guarded) into dst + b, and in place; bytes around dst's run
 * untouched. */
static int
lut_case(const struct aug_kernels *k, rng *g, size_t n, size_t a, size_t b)
{
	unsigned char lut[256], *src = guarded(n + a, (n & 1) == 0), *want = malloc(n + b + 2 * GUARD),
	                        *got = malloc(n + b + 2 * GUARD), *inplace = malloc(n + 1);
	int ok;

	for (int i = 0; i < 256; i++)
		lut[i] = (unsigned char)rng_next(g);
	for (size_t i = 0; i < n + a; i++)
		src[i] = (unsigned char)rng_next(g);
	memset(want, 0xa5, n + b + 2 * GUARD);
	memset(got, 0xa5, n + b + 2 * GUARD);
	aug_kern_get(0)->lut(lut, src + a, want + GUARD + b, n);
	k->lut(lut, src + a, got + GUARD + b, n);
	ok = memcmp(want, got, n + b + 2 * GUARD) == 0;
	memcpy(inplace, src + a, n);
	k->lut(lut, inplace, inplace, n);
	ok &= memcmp(inplace, want + GUARD + b, n) == 0;
	unguard(src, n + a);
	free(want);
	free(got);
	free(inplace);
	return ok;
}

static void
test_lut(const struct aug_kernels *k, rng *g)
{
	int ok = 1, nc = 0;

	for (size_t n = 0; n <= 300; n++, nc++)
		ok &= lut_case(k, g, n, n % 7, n % 5);
	for (int t = 0; t < 50; t++, nc++)
		ok &= lut_case(k, g, (size_t)below(g, 200000), (size_t)below(g, 64), (size_t)below(g, 64));
	ok &= lut_case(k, g, 224 * 224 * 3, 0, 0);
	CHECK(ok, "%s lut: the plain bytes in %d cases (0..300 bytes, misaligned, in place, nothing past the end)",
	      k->name, nc + 1);
}

/* flip3 of n pixels from a guarded row; bytes around dst's row untouched. */
static int
flip_case(const struct aug_kernels *k, rng *g, size_t n)
{
	unsigned char *src = guarded(3 * n, (n & 1) == 0), *want = malloc(3 * n + 2 * GUARD), *got = malloc(3 * n + 2 * GUARD);
	int ok;

	for (size_t i = 0; i < 3 * n; i++)
		src[i] = (unsigned char)rng_next(g);
	memset(want, 0x3c, 3 * n + 2 * GUARD);
	memset(got, 0x3c, 3 * n + 2 * GUARD);
	aug_kern_get(0)->flip3(src, want + GUARD, n);
	k->flip3(src, got + GUARD, n);
	ok = memcmp(want, got, 3 * n + 2 * GUARD) == 0;
	unguard(src, 3 * n);
	free(want);
	free(got);
	return ok;
}

static void
test_flip3(const struct aug_kernels *k, rng *g)
{
	int ok = 1;

	for (size_t n = 1; n <= 200; n++)
		ok &= flip_case(k, g, n);
	for (int t = 0; t < 20; t++)
		ok &= flip_case(k, g, (size_t)below(g, 5000) + 1);
	CHECK(ok, "%s flip3: the plain bytes on rows of 1..200 and up to 5000 pixels", k->name);
}

/*
 * One run of inside3 on a random sw x sh image between guard pages: a random start inside and a random step (negative
 * too), as many pixels as stay inside (at most maxn).
 */
static int
inside_case(const struct aug_kernels *k, rng *g, int sw, int sh, int maxn, int corner)
{
	size_t sz = (size_t)sw * (size_t)sh * 3;
	unsigned char *src = guarded(sz, corner || (rng_next(g) & 1)), *want, *got;
	int64_t limx = (int64_t)(sw - 1) << 16, limy = (int64_t)(sh - 1) << 16, fx, fy, dx, dy;
	int n = 0, ok;

	for (size_t i = 0; i < sz; i++)
		src[i] = (unsigned char)rng_next(g);
	if (corner) {   /* the last neighbours: right and bottom edge, moving away */
		fx = limx - 1 - below(g, 256);
		fy = limy - 1 - below(g, 256);
		dx = -below(g, 3 << 16);
		dy = -below(g, 3 << 16);
	} else {
		fx = (int64_t)rng_below(g, (uint64_t)limx);
		fy = (int64_t)rng_below(g, (uint64_t)limy);
		dx = below(g, 5) == 0 ? 0 : (int64_t)below(g, 4 << 16) - (2 << 16);
		dy = below(g, 5) == 0 ? 0 : (int64_t)below(g, 1 << 16) - (1 << 15);
	}
	while (n < maxn && fx + n * dx >= 0 && fx + n * dx < limx && fy + n * dy >= 0 && fy + n * dy < limy)
		n++;
	want = malloc((size_t)n * 3 + 2 * GUARD);
	got = malloc((size_t)n * 3 + 2 * GUARD);
	memset(want, 0x5a, (size_t)n * 3 + 2 * GUARD);
	memset(got, 0x5a, (size_t)n * 3 + 2 * GUARD);
	aug_kern_get(0)->inside3(src, sw, sh, fx, dx, fy, dy, n, want + GUARD);
	k->inside3(src, sw, sh, fx, dx, fy, dy, n, got + GUARD);
	ok = memcmp(want, got, (size_t)n * 3 + 2 * GUARD) == 0;
	unguard(src, sz);
	free(want);
	free(got);
	return ok;
}

static void
test_inside3(const struct aug_kernels *k, rng *g)
{
	int ok = 1, nc = 0;

	for (int t = 0; t < 3000; t++, nc++)
		ok &= inside_case(k, g, 2 + below(g, 70), 2 + below(g, 40), 1 + below(g, 100), t % 4 == 0);
	CHECK(ok, "%s inside3: the plain bytes in %d small runs (1..100 pixels, any step, edges)", k->name, nc);
	ok = 1;
	for (int n = 1; n <= 40; n++)
		ok &= inside_case(k, g, 2, 2, n, 0) & inside_case(k, g, 3, 2, n, 1) & inside_case(k, g, 2, 3, n, 0);
	CHECK(ok, "%s inside3: the plain bytes on 2x2, 3x2, 2x3 images", k->name);
	ok = 1;
	for (int t = 0; t < 40; t++)
		ok &= inside_case(k, g, 200 + below(g, 801), 200 + below(g, 301), 1 << 20, t % 3 == 0);
	CHECK(ok, "%s inside3: the plain bytes on long runs across large images", k->name);
	ok = inside_case(k, g, 32768, 2, 5000, 0) && inside_case(k, g, 3, 32768, 5000, 0);
	CHECK(ok, "%s inside3: the plain bytes on images over 32767 pixels a side", k->name);
}

/* The three-channel pixel kernels (gray3, lumasum3, hue3) on n guarded pixels, into another
 * buffer and in place; bytes around dst's run untouched. */
static int
px3_case(const struct aug_kernels *k, rng *g, size_t n, float s6)
{
	size_t nb = 3 * n;
	unsigned char *src = guarded(nb, (n & 1) == 0), *want = malloc(nb + 2 * GUARD), *got = malloc(nb + 2 * GUARD);
	unsigned char *inplace = malloc(nb + 1);
	const struct aug_kernels *c = aug_kern_get(0);
	int ok = 1, gray = below(g, 4) == 0;

	for (size_t i = 0; i < nb; i++)
		src[i] = gray && i % 3 ? src[i - 1] : (unsigned char)rng_next(g);
	for (int f = 0; f < 2; f++) {
		memset(want, 0x5a, nb + 2 * GUARD);
		memset(got, 0x5a, nb + 2 * GUARD);
		memcpy(inplace, src, nb);
		if (f == 0) {
			c->gray3(src, want + GUARD, n);
			k->gray3(src, got + GUARD, n);
			k->gray3(inplace, inplace, n);
		} else {
			c->hue3(src, want + GUARD, n, s6);
			k->hue3(src, got + GUARD, n, s6);
			k->hue3(inplace, inplace, n, s6);
		}
		ok &= memcmp(want, got, nb + 2 * GUARD) == 0 && memcmp(inplace, want + GUARD, nb) == 0;
	}
	ok &= c->lumasum3(src, n) == k->lumasum3(src, n);
	unguard(src, nb);
	free(want);
	free(got);
	free(inplace);
	return ok;
}

static void
test_px3(const struct aug_kernels *k, rng *g)
{
	int ok = 1, nc = 0;

	for (size_t n = 0; n <= 100; n++, nc++)
		ok &= px3_case(k, g, n, (float)(below(g, 6001) * 0.001));
	for (int t = 0; t < 30; t++, nc++)
		ok &= px3_case(k, g, (size_t)below(g, 70000), (float)(below(g, 6001) * 0.001));
	CHECK(ok, "%s gray3, lumasum3, hue3: the plain bytes in %d cases (0..100 pixels, in place, nothing past the end)",
	      k->name, nc);
}

/*
 * One row of resized-crop's horizontal pass (hpair) on random tables: rows of rb bytes ending
 * at a guard page (a read past the row faults), npair pairs of len values; offsets near each
 * other (step: the source pixels per output pixel, as an enlargement or a mild shrink makes
 * them, so that most groups take the 16-byte load) or anywhere in the row (gathers); some
 * right at the row's end.  Also the vertical pass (vsum16) over n rows of random 16-bit values.
 */
static int
hpair_case(const struct aug_kernels *k, rng *g, size_t rb, int npair, size_t len, double step, int *one)
{
	unsigned char *row = guarded(rb, 1);
	size_t tab = (size_t)npair * len;
	int32_t *off = malloc(tab * sizeof *off), *wp = malloc(tab * sizeof *wp), *gbase = malloc(tab / 4 * sizeof *gbase);
	unsigned char *gmask = malloc(4 * tab);
	uint16_t *want = malloc((len + 16) * sizeof *want), *got = malloc((len + 16) * sizeof *got);
	struct aug_hpair t = { off, wp, gbase, gmask, npair, len, 0 };
	int ok, ends = below(g, 2);

	for (size_t i = 0; i < rb; i++)
		row[i] = (unsigned char)rng_next(g);
	for (size_t j = 0; j < tab; j++) {
		size_t px = (rb - 3) / 3, c = j % 3;    /* pixels whose right neighbour is in the row */
		size_t at = step > 0 ? (size_t)((double)(j % len / 3) * step) + (size_t)(2 * (j / len)) : rng_below(g, px);
		at = at >= px ? px - 1 - (size_t)below(g, 2 < px ? 2 : (int)px) : at;
		off[j] = (int32_t)(3 * at + c);
		/* the weights of a value sum to at most 1 << 14, as resized-crop's (its sums fit 16 bits) */
		wp[j] = (int32_t)((uint32_t)below(g, 8193 / npair) | (uint32_t)below(g, 8193 / npair) << 16);
		if (ends && below(g, 50) == 0)
			off[j] = (int32_t)rb - 4;       /* the row's last two bytes' pair */
	}
	aug_hpair_groups(&t, rb);
	*one += t.one;
	memset(want, 0x5a, (len + 16) * sizeof *want);
	memset(got, 0x5a, (len + 16) * sizeof *got);
	aug_kern_c.hpair(row, &t, want);
	k->hpair(row, &t, got);
	ok = memcmp(want, got, (len + 16) * sizeof *want) == 0;
	unguard(row, rb);
	free(off);
	free(wp);
	free(gbase);
	free(gmask);
	free(want);
	free(got);
	return ok;
}

static int
vsum_case(const struct aug_kernels *k, rng *g, int n, size_t len)
{
	size_t stride = len + (size_t)below(g, 20), sz = stride * (size_t)(n - 1) + len;
	uint16_t *r0 = (uint16_t *)(void *)guarded(sz * sizeof *r0, 1);
	int32_t w[16];
	unsigned char *want = malloc(len + GUARD), *got = malloc(len + GUARD);
	int ok;

	for (size_t i = 0; i < sz; i++)
		r0[i] = (uint16_t)below(g, 32641);
	for (int t = 0; t < n; t++)
		w[t] = below(g, 16385) / (n > 2 ? n / 2 : 1);
	memset(want, 0x5a, len + GUARD);
	memset(got, 0x5a, len + GUARD);
	aug_kern_c.vsum16(r0, stride, w, n, len, want);
	k->vsum16(r0, stride, w, n, len, got);
	ok = memcmp(want, got, len + GUARD) == 0;
	unguard((unsigned char *)r0, sz * sizeof *r0);
	free(want);
	free(got);
	return ok;
}

static void
test_resample(const struct aug_kernels *k, rng *g)
{
	int ok = 1, nc = 0, one = 0;

	for (int t = 0; t < 300; t++, nc++) {
		size_t rb = 3 * (size_t)(2 + below(g, 400)), len = 8 * (size_t)(1 + below(g, 90));
		double step = below(g, 4) == 0 ? 0 : below(g, 2000) * 0.001;
		ok &= hpair_case(k, g, rb, 1 + below(g, 4), len, step, &one);
	}
	CHECK(ok && one > 10 && one < nc - 10,
	      "%s hpair: the plain values in %d cases (enlarging, mild shrinks, spread taps, the row's end; "
	      "%d with one window a group)",
	      k->name, nc, one);
	ok = 1;
	for (int n = 1; n <= 16; n++)
		for (int t = 0; t < 20; t++)
			ok &= vsum_case(k, g, n, (size_t)below(g, 800) + 1);
	CHECK(ok, "%s vsum16: the plain bytes over 1..16 rows of 1..800 values", k->name);
}

/* imgaug's hue before it was vectorised (double HSV, as torchvision's adjust_hue): the
 * reference that the new formula must stay within 1 of. */
static void
hue_ref(unsigned char *p, double h)
{
	double rr = p[0] / 255.0, g = p[1] / 255.0, b = p[2] / 255.0;
	double mx = fmax(rr, fmax(g, b)), mn = fmin(rr, fmin(g, b)), d = mx - mn, hh, sat, f, q, t, u;
	int i;

	if (d <= 0)
		return;
	if (mx == rr)
		hh = fmod((g - b) / d + 6, 6);
	else if (mx == g)
		hh = (b - rr) / d + 2;
	else
		hh = (rr - g) / d + 4;
	hh = hh / 6 + h;
	hh -= floor(hh);
	sat = d / mx;
	hh *= 6;
	i = (int)hh % 6;
	f = hh - floor(hh);
	q = mx * (1 - sat);
	t = mx * (1 - sat * f);
	u = mx * (1 - sat * (1 - f));
	double out[6][3] = { { mx, u, q }, { t, mx, q }, { q, mx, u }, { q, t, mx }, { u, q, mx }, { mx, q, t } };
	for (int k = 0; k < 3; k++)
		p[k] = aug_clamp(out[i][k] * 255);
}

/* hue against the double HSV formula: every channel within 1 on random pixels and shifts
 * (RGB and RGBA: alpha kept), and exact for the six primaries and secondaries turned by
 * sixths; the share of channels off by 1 is below 0.5%. */
static void
test_hue_reference(rng *g)
{
	enum { N = 4096 };
	long off = 0, total = 0;
	int ok = 1, worst = 0;

	for (int t = 0; t < 200; t++) {
		int c = 3 + (t & 1);
		double h = (below(g, 1001) - 500) / 1000.0;
		unsigned char px[N * 4], want[N * 4];
		struct aug_step s;
		struct aug_img im = { 0 };
		struct aug_run r;
		char text[64], err[256];

		for (int i = 0; i < N * c; i++)
			px[i] = (unsigned char)rng_next(g);
		memcpy(want, px, sizeof want);
		for (int i = 0; i < N; i++)
			hue_ref(want + i * c, h);
		snprintf(text, sizeof text, "hue %.3f", h);
		ok &= aug_parse(text, &s, err, sizeof err) == 0;
		aug_img_borrow(&im, px, N, 1, c, NULL);
		ok &= aug_apply(&s, 1, &im, 0, &r) == 0;
		for (int i = 0; i < N * c; i++) {
			int e = abs(im.px[i] - want[i]);
			worst = e > worst ? e : worst;
			off += e != 0;
			total++;
		}
		aug_img_free(&im);
	}
	CHECK(ok && worst <= 1 && off * 200 < total, "hue: within %d (1) of the double HSV formula, %ld of %ld channels off",
	      worst, off, total);
	/* red, yellow, green, cyan, blue, magenta: a turn by k sixths moves each to the k-th next */
	static const unsigned char prim[6][3] = { { 255, 0, 0 }, { 255, 255, 0 }, { 0, 255, 0 },
	                                          { 0, 255, 255 }, { 0, 0, 255 }, { 255, 0, 255 } };
	ok = 1;
	for (int k = -3; k <= 3; k++)
		for (int i = 0; i < 6; i++) {
			struct aug_step s;
			struct aug_img im = { 0 };
			struct aug_run r;
			char text[64], err[256];
			snprintf(text, sizeof text, "hue %.10g", k / 6.0);
			ok &= aug_parse(text, &s, err, sizeof err) == 0;
			aug_img_borrow(&im, prim[i], 1, 1, 3, NULL);
			ok &= aug_apply(&s, 1, &im, 0, &r) == 0 && memcmp(im.px, prim[((i + k) % 6 + 6) % 6], 3) == 0;
			aug_img_free(&im);
		}
	CHECK(ok, "hue: primaries and secondaries turned by sixths land exactly on each other");
}

/* resized-crop on RGB (fixed point, aug_geom.c) against resize_run's float triangle filter on
 * the window its description names: within 1 everywhere, enlarging and shrinking. */
static void
test_resized_crop_reference(rng *g)
{
	int ok = 1, worst = 0, runs = 0;
	long off = 0, total = 0;

	for (int t = 0; t < 150; t++) {
		int sw = 1 + below(g, 300), sh = 1 + below(g, 200), w = 1 + below(g, 260), h = 1 + below(g, 260);
		size_t n = (size_t)sw * (size_t)sh * 3;
		unsigned char *px = malloc(n), *want = malloc((size_t)w * (size_t)h * 3);
		struct aug_step s;
		struct aug_img im = { 0 };
		struct aug_run r;
		char text[96], err[256];
		int x, y, cw, ch;

		for (size_t i = 0; i < n; i++)
			px[i] = t % 3 == 0 ? (unsigned char)(rng_next(g) >> 63 ? 255 : 0) : (unsigned char)(i / 3 % 251 + rng_next(g) % 5);
		snprintf(text, sizeof text, "resized-crop %dx%d scale=0.01..1 ratio=0.3..3", w, h);
		ok &= aug_parse(text, &s, err, sizeof err) == 0;
		aug_img_borrow(&im, px, sw, sh, 3, NULL);
		if (aug_apply(&s, 1, &im, (uint64_t)t, &r) == -1 ||
		    sscanf(r.desc, "resized-crop=%d,%d,%d,%d", &x, &y, &cw, &ch) != 4) {
			ok = 0;
		} else {
			resize_spec spec = { { x, cw, w, 0 }, { y, ch, h, 0 }, RESIZE_TRIANGLE, { 0 } };
			image src = { sw, sh, 3, px }, out = { w, h, 3, want };
			ok &= resize_run(&src, &spec, &out, err, sizeof err) == 0 && im.w == w && im.h == h;
			for (size_t i = 0; ok && i < (size_t)w * (size_t)h * 3; i++) {
				int e = abs(im.px[i] - want[i]);
				worst = e > worst ? e : worst;
				off += e != 0;
				total++;
			}
			runs++;
		}
		aug_img_free(&im);
		free(px);
		free(want);
	}
	CHECK(ok && worst <= 1, "resized-crop RGB: within %d (1) of resize_run's float result, %ld of %ld values off (%d runs)",
	      worst, off, total, runs);
}

/* Whole pipelines with each kernel: the same images, masks and descriptions. */
static void
test_pipelines(rng *g)
{
	static const char *const lists[][5] = {
		{ "hflip p=0.5", "brightness -0.2..0.2", "rotate -15..15", "crop 200x200", NULL },
		{ "contrast -0.5..0.5", "affine angle=-40..40 shear=-20..20 fill=7", "crop 51x37", NULL },
		{ "gamma 0.5..2", "rotate -180..180 crop=1", NULL },
		{ "brightness 0.1", "rotate 3", NULL },
		{ "noise 0..40", "blur 0.2..3", "noise 5", NULL },
		{ "hue -0.5..0.5", "contrast -0.5..0.5", "grayscale p=0.5", "hue", NULL },
		{ "grayscale", "contrast 0.3", NULL },
		{ "resized-crop 200x150 scale=0.05..1", "hue", NULL },
		{ "resized-crop 31x17 scale=0.5..1", "grayscale", NULL },
	};
	enum { W = 224, H = 213 };
	unsigned char *px = malloc(W * H * 4), *mask = malloc(W * H);

	for (int i = 0; i < W * H * 4; i++)
		px[i] = (unsigned char)rng_next(g);
	for (int i = 0; i < W * H; i++)
		mask[i] = (unsigned char)(i % 7);
	for (size_t l = 0; l < sizeof lists / sizeof lists[0]; l++) {
		struct aug_step steps[5];
		char err[256];
		int ns = 0, ok = 1, runs = 0;
		for (; lists[l][ns]; ns++)
			if (aug_parse(lists[l][ns], &steps[ns], err, sizeof err) == -1)
				ok = 0;
		for (int c = 1; c <= 4; c++)
			for (uint64_t seed = 0; seed < 8; seed++) {
				struct aug_img want = { 0 };
				struct aug_run rw;
				aug_kern_force(0);
				aug_img_borrow(&want, px, W - (int)seed, H, c, seed & 1 ? mask : NULL);
				if (aug_apply(steps, ns, &want, seed, &rw) == -1) {
					aug_img_free(&want);
					continue;       /* e.g. an RGB step on gray */
				}
				for (int i = 1; i < AUG_NKERN; i++) {
					struct aug_img got = { 0 };
					struct aug_run rg;
					size_t npx = (size_t)want.w * (size_t)want.h;
					if (aug_kern_force(i) == -1)
						continue;
					aug_img_borrow(&got, px, W - (int)seed, H, c, seed & 1 ? mask : NULL);
					ok &= aug_apply(steps, ns, &got, seed, &rg) == 0 && got.w == want.w && got.h == want.h &&
					      memcmp(got.px, want.px, npx * (size_t)c) == 0 && strcmp(rg.desc, rw.desc) == 0 &&
					      (want.mask == NULL || memcmp(got.mask, want.mask, npx) == 0);
					aug_img_free(&got);
					runs++;
				}
				aug_img_free(&want);
			}
		aug_kern_force(-1);
		CHECK(ok, "pipeline %s, %s...: every kernel gives the plain bytes (%d runs)", lists[l][0], lists[l][1], runs);
	}
	free(px);
	free(mask);
}

/* imgaug's blur as it was before it was vectorised (the scalar loops, float sums in tap order):
 * the vectorised one must give exactly its bytes. */
static void
blur_ref(unsigned char *px, int w, int h, int c, double sigma)
{
	int rad = (int)ceil(3 * sigma), cc = c == 2 || c == 4 ? c - 1 : c;
	size_t row = (size_t)w * (size_t)c;
	float *k = malloc((size_t)(2 * rad + 1) * sizeof *k), *t = malloc(row * (size_t)h * sizeof *t);
	double sum = 0;

	for (int i = -rad; i <= rad; i++)
		sum += k[i + rad] = (float)exp(-0.5 * i * i / (sigma * sigma));
	for (int i = 0; i <= 2 * rad; i++)
		k[i] /= (float)sum;
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			for (int ch = 0; ch < c; ch++) {
				float v = 0;
				for (int i = -rad; i <= rad; i++) {
					int xx = x + i < 0 ? 0 : x + i >= w ? w - 1 : x + i;
					v += k[i + rad] * px[(size_t)y * row + (size_t)xx * (size_t)c + (size_t)ch];
				}
				t[(size_t)y * row + (size_t)x * (size_t)c + (size_t)ch] = v;
			}
	for (int y = 0; y < h; y++)
		for (size_t i = 0; i < row; i++) {
			float v = 0;
			if ((int)(i % (size_t)c) >= cc)
				continue;
			for (int j = -rad; j <= rad; j++) {
				int yy = y + j < 0 ? 0 : y + j >= h ? h - 1 : y + j;
				v += k[j + rad] * t[(size_t)yy * row + i];
			}
			px[(size_t)y * row + i] = aug_clamp(v);
		}
	free(k);
	free(t);
}

/* blur on random images (sizes down to 1 x 1, 1 to 4 channels, sigma 0.01 to 20, noisy and
 * two-level pixels) with every kernel version: the bytes of the scalar blur it replaced. */
static void
test_blur_reference(rng *g)
{
	int ok = 1, runs = 0, bad = -1;

	for (int t = 0; t < 600; t++) {
		int w = 1 + below(g, t % 10 == 0 ? 4 : 90), h = 1 + below(g, t % 7 == 0 ? 3 : 70), c = 1 + below(g, 4);
		double sigma = (1 + below(g, t % 5 == 0 ? 2000 : 400)) / 100.0;
		size_t n = (size_t)w * (size_t)h * (size_t)c;
		unsigned char *px = malloc(n), *want = malloc(n);
		struct aug_step s;
		char err[256], text[64];

		for (size_t i = 0; i < n; i++)
			px[i] = t % 3 == 0 ? (unsigned char)(rng_next(g) >> 63 ? 255 : 0) : (unsigned char)rng_next(g);
		memcpy(want, px, n);
		blur_ref(want, w, h, c, sigma);
		snprintf(text, sizeof text, "blur %.2f", sigma);
		ok &= aug_parse(text, &s, err, sizeof err) == 0;
		for (int i = 0; i < AUG_NKERN; i++) {
			struct aug_img im = { 0 };
			struct aug_run r;
			if (aug_kern_force(i) == -1)
				continue;
			aug_img_load(&im, px, w, h, c, NULL);
			if (aug_apply(&s, 1, &im, (uint64_t)t, &r) == -1 || memcmp(im.px, want, n) != 0) {
				ok = 0;
				bad = bad == -1 ? t : bad;
			}
			aug_img_free(&im);
			runs++;
		}
		free(px);
		free(want);
	}
	aug_kern_force(-1);
	CHECK(ok, "blur: every kernel gives the bytes of the scalar blur (%d runs; first bad case %d)", runs, bad);
}

/* The noise added to a flat image of 128 over 8 seeds (RGB 224 x 224): its mean, standard
 * deviation and the share beyond 2 sigma, against the normal distribution's (rounding adds
 * 1/12 to the variance). */
static void
test_noise_distribution(void)
{
	enum { W = 224, H = 224, C = 3, SEEDS = 8 };
	static const double sig[] = { 10, 30 };

	for (size_t q = 0; q < sizeof sig / sizeof sig[0]; q++) {
		unsigned char *px = malloc(W * H * C);
		double s1 = 0, s2 = 0, far = 0, n = 0, sigma = sig[q];
		int lim = (int)lround(2 * sigma);       /* |d| > lim: |d + u| > lim + 0.5 */
		struct aug_step s;
		char err[256], text[64];

		memset(px, 128, W * H * C);
		snprintf(text, sizeof text, "noise %g", sigma);
		aug_parse(text, &s, err, sizeof err);
		for (uint64_t seed = 0; seed < SEEDS; seed++) {
			struct aug_img im = { 0 };
			struct aug_run r;
			aug_img_load(&im, px, W, H, C, NULL);
			aug_apply(&s, 1, &im, seed, &r);
			for (int i = 0; i < W * H * C; i++) {
				double d = im.px[i] - 128.0;
				s1 += d;
				s2 += d * d;
				far += fabs(d) > lim;
				n++;
			}
			aug_img_free(&im);
		}
		double mean = s1 / n, sd = sqrt(s2 / n - mean * mean), want = sqrt(sigma * sigma + 1 / 12.0);
		double pfar = far / n, wantfar = erfc((lim + 0.5) / sigma / sqrt(2));
		CHECK(fabs(mean) < 0.05 && fabs(sd - want) < 0.004 * sigma && fabs(pfar - wantfar) < 0.002,
		      "noise %g on flat 128: mean %.4f (0), sd %.4f (%.4f), beyond %d: %.5f (%.5f)", sigma, mean, sd, want,
		      lim, pfar, wantfar);
		free(px);
	}
}

/* noise's generator: deterministic for a seed, different for another, and these bytes (a change
 * of the generator changes every seeded noise: it must be on purpose, and in imgaug(1)). */
static void
test_noise_seeded(void)
{
	enum { W = 37, H = 29, C = 4 };
	unsigned char px[W * H * C], a[W * H * C], b[W * H * C];
	struct aug_step s;
	char err[256];
	uint64_t h = 1469598103934665603ull;

	for (int i = 0; i < W * H * C; i++)
		px[i] = (unsigned char)(i * 7);
	aug_parse("noise 12", &s, err, sizeof err);
	for (int k = 0; k < 3; k++) {
		struct aug_img im = { 0 };
		struct aug_run r;
		aug_img_load(&im, px, W, H, C, NULL);
		aug_apply(&s, 1, &im, k == 2 ? 6 : 5, &r);
		memcpy(k == 0 ? a : b, im.px, sizeof a);
		aug_img_free(&im);
		if (k == 1)
			CHECK(memcmp(a, b, sizeof a) == 0, "noise: the same seed gives the same bytes");
	}
	CHECK(memcmp(a, b, sizeof a) != 0, "noise: another seed gives other bytes");
	for (size_t i = 0; i < sizeof a; i++)
		h = (h ^ a[i]) * 1099511628211ull;
	CHECK(h == 0x378b8a6f321dcc99ull, "noise 12, seed 5, 37x29 RGBA: FNV-1a of the bytes %016llx", (unsigned long long)h);
}

int
main(void)
{
	rng g;
	int n = 0;

	rng_seed(&g, 20240611);
	CHECK(aug_kern_get(0) != NULL && aug_kern() != NULL && aug_kern_force(AUG_NKERN) == -1 &&
	      aug_kern_get(AUG_NKERN) == NULL, "kernels: the plain one is there; no version past the last");
	printf("kernels: using %s\n", aug_kern()->name);
	for (int i = 1; i < AUG_NKERN; i++) {
		const struct aug_kernels *k = aug_kern_get(i);
		if (k == NULL)
			continue;
		n++;
		test_lut(k, &g);
		test_inside3(k, &g);
		test_flip3(k, &g);
		test_px3(k, &g);
		test_resample(k, &g);
	}
	test_blur_reference(&g);
	test_hue_reference(&g);
	test_resized_crop_reference(&g);
	test_noise_distribution();
	test_noise_seeded();
	if (n == 0)
		SKIP("no SIMD kernels on this CPU or build: nothing to compare");
	test_pipelines(&g);
	return CHECK_DONE();
}
