/*
 * Resizing (libcommon/resize/resize.h) and JPEG shrink-on-load (img_decode_scaled).
 *
 * The resampler is checked against a direct double-precision computation of
 * the same definition (every output pixel the mean of its footprint, each
 * source pixel weighted by the part of it inside), written here without
 * separability or precomputed weights.  Shrink-on-load is checked on a real
 * photo (visp-images-data's Klimt), re-encoded in memory, with and without an
 * EXIF orientation that swaps width and height.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "image/image.h"
#include "resize/resize.h"

#define KLIMT "/usr/share/visp-images-data/ViSP-images/Klimt/Klimt.jpeg"

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static unsigned
rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (unsigned)(rng_state >> 11);
}

static image
random_image(int w, int h, int c)
{
	image im = { w, h, c, malloc((size_t)w * h * c) };

	for (size_t i = 0; i < (size_t)w * h * c; i++)
		im.px[i] = (unsigned char)(rnd() % 256);
	return im;
}

static image
new_image(int w, int h, int c)
{
	image im = { w, h, c, calloc((size_t)w * h * c, 1) };

	return im;
}

/* The length of [a, b] inside [j, j + 1]. */
static double
overlap(double a, double b, int j)
{
	double lo = a > j ? a : j, hi = b < j + 1 ? b : j + 1;

	return hi > lo ? hi - lo : 0;
}

/* Pixel (x, y) of src resized to dw x dh by area averaging, channel ch, in double. */
static double
area_pixel(const image *src, int dw, int dh, int x, int y, int ch)
{
	double sx = (double)src->w / dw, sy = (double)src->h / dh, sum = 0, wsum = 0;

	for (int j = 0; j < src->h; j++) {
		double wy = overlap(y * sy, (y + 1) * sy, j);
		if (wy == 0)
			continue;
		for (int i = 0; i < src->w; i++) {
			double wx = overlap(x * sx, (x + 1) * sx, i);
			sum += wx * wy * src->px[((size_t)j * src->w + i) * src->c + ch];
			wsum += wx * wy;
		}
	}
	return sum / wsum;
}

static resize_spec
spec_of(const image *src, int dw, int dh, int ox, int oy, int filter)
{
	resize_spec s;

	memset(&s, 0, sizeof s);
	s.x.src_len = src->w;
	s.x.len = dw;
	s.x.off = ox;
	s.y.src_len = src->h;
	s.y.len = dh;
	s.y.off = oy;
	s.filter = filter;
	return s;
}

static void
test_area(void)
{
	static const struct { int sw, sh, c, dw, dh; } cases[] = {
		{ 53, 41, 3, 17, 11 }, { 40, 40, 1, 10, 10 }, { 97, 13, 3, 31, 5 }, { 30, 20, 1, 29, 19 },
		{ 64, 48, 3, 64, 48 },
	};

	for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
		image src = random_image(cases[k].sw, cases[k].sh, cases[k].c);
		image out = new_image(cases[k].dw, cases[k].dh, cases[k].c);
		resize_spec s = spec_of(&src, out.w, out.h, 0, 0, RESIZE_AREA);
		char err[128];
		double worst = 0;
		int rc = resize_run(&src, &s, &out, err, sizeof err);

		for (int y = 0; rc == 0 && y < out.h; y++)
			for (int x = 0; x < out.w; x++)
				for (int ch = 0; ch < out.c; ch++) {
					double d = fabs(area_pixel(&src, out.w, out.h, x, y, ch) -
					                out.px[((size_t)y * out.w + x) * out.c + ch]);
					if (d > worst)
						worst = d;
				}
		CHECK(rc == 0 && worst <= 0.5 + 1e-3,
		      "area %dx%dx%d -> %dx%d is the rounded exact footprint mean (worst %.3f)",
		      src.w, src.h, src.c, out.w, out.h, worst);
		if (cases[k].sw == cases[k].dw)
			CHECK(memcmp(src.px, out.px, (size_t)src.w * src.h * src.c) == 0,
			      "same size: pixels unchanged");
		img_free(&src);
		img_free(&out);
	}
}

/* A window of the resized image equals the same pixels of the whole resized image;
 * outside the resized image, the background. */
static void
test_window(void)
{
	int filters[] = { RESIZE_AREA, RESIZE_TRIANGLE, RESIZE_LANCZOS3 };

	for (int f = 0; f < 3; f++) {
		image src = random_image(71, 45, 3);
		image full = new_image(30, 19, 3), win = new_image(12, 9, 3);
		resize_spec s = spec_of(&src, 30, 19, 0, 0, filters[f]);
		char err[128];
		int ok = 1, bg = 1;

		resize_run(&src, &s, &full, err, sizeof err);
		s.x.off = 23;           /* columns 23..34: 7 inside, 5 outside */
		s.y.off = -4;           /* rows -4..4: 4 outside */
		memcpy(s.bg, "\x11\x22\x33", 3);
		CHECK(resize_run(&src, &s, &win, err, sizeof err) == 0, "window resize runs (filter %d)", f);
		for (int y = 0; y < win.h; y++)
			for (int x = 0; x < win.w; x++) {
				int fx = x + 23, fy = y - 4;
				const unsigned char *p = win.px + ((size_t)y * win.w + x) * 3;
				if (fx < 30 && fy >= 0)
					ok &= memcmp(p, full.px + ((size_t)fy * full.w + fx) * 3, 3) == 0;
				else
					bg &= memcmp(p, "\x11\x22\x33", 3) == 0;
			}
		CHECK(ok, "filter %d: the window inside the image equals the whole resize there", f);
		CHECK(bg, "filter %d: the window outside the image is the background", f);
		img_free(&src);
		img_free(&full);
		img_free(&win);
	}
}

static void
test_constant_and_enlarge(void)
{
	int filters[] = { RESIZE_AREA, RESIZE_TRIANGLE, RESIZE_LANCZOS3 };
	int sizes[][2] = { { 7, 5 }, { 40, 31 }, { 101, 3 } };
	char err[128];

	for (int f = 0; f < 3; f++)
		for (int k = 0; k < 3; k++) {
			image src = new_image(23, 17, 3), out = new_image(sizes[k][0], sizes[k][1], 3);
			resize_spec s = spec_of(&src, out.w, out.h, 0, 0, filters[f]);
			int same = 1;
			for (size_t i = 0; i < (size_t)23 * 17 * 3; i++)
				src.px[i] = (unsigned char)(i % 3 == 0 ? 200 : i % 3 == 1 ? 7 : 255);
			resize_run(&src, &s, &out, err, sizeof err);
			for (size_t i = 0; i < (size_t)out.w * out.h * 3; i++)
				same &= out.px[i] == (i % 3 == 0 ? 200 : i % 3 == 1 ? 7 : 255);
			CHECK(same, "filter %d: a constant image stays constant at %dx%d (weights sum to 1 at the edges)",
			      f, out.w, out.h);
			img_free(&src);
			img_free(&out);
		}
	{
		/* enlarging with the area filter interpolates linearly */
		image src = new_image(2, 1, 1), out = new_image(4, 1, 1);
		resize_spec s = spec_of(&src, 4, 1, 0, 0, RESIZE_AREA);
		src.px[0] = 0;
		src.px[1] = 100;
		resize_run(&src, &s, &out, err, sizeof err);
		CHECK(out.px[0] == 0 && out.px[1] == 25 && out.px[2] == 75 && out.px[3] == 100,
		      "2 -> 4 pixels: 0 100 -> %d %d %d %d (want 0 25 75 100)", out.px[0], out.px[1],
		      out.px[2], out.px[3]);
		img_free(&src);
		img_free(&out);
	}
	{
		/* a fractional source extent (a shrunk-on-load JPEG's partial last pixel) */
		image src = new_image(3, 1, 1), out = new_image(1, 1, 1);
		resize_spec s = spec_of(&src, 1, 1, 0, 0, RESIZE_AREA);
		s.x.src_len = 2.5;
		src.px[0] = 10, src.px[1] = 20, src.px[2] = 100;
		resize_run(&src, &s, &out, err, sizeof err);
		CHECK(out.px[0] == 32, "source extent 2.5 of 10 20 100: (10 + 20 + 50) / 2.5 = 32 (got %d)",
		      out.px[0]);
		img_free(&src);
		img_free(&out);
	}
}

/* Nearest neighbour (for masks): the source pixel under each output centre. */
static void
test_nearest(void)
{
	image src = new_image(6, 1, 1), out = new_image(4, 1, 1), up = new_image(9, 1, 1);
	resize_spec s = spec_of(&src, 4, 1, 0, 0, RESIZE_NEAREST);
	char err[128];

	memcpy(src.px, "\x0a\x14\x1e\x28\x32\x3c", 6);     /* 10 20 30 40 50 60 */
	resize_run(&src, &s, &out, err, sizeof err);
	/* centres at 0.75, 2.25, 3.75, 5.25 */
	CHECK(out.px[0] == 10 && out.px[1] == 30 && out.px[2] == 40 && out.px[3] == 60,
	      "nearest 6 -> 4: %d %d %d %d (want 10 30 40 60)", out.px[0], out.px[1], out.px[2], out.px[3]);
	s = spec_of(&src, 9, 1, -1, 0, RESIZE_NEAREST);
	s.x.len = 8;
	resize_run(&src, &s, &up, err, sizeof err);
	/* window from -1: background, then centres 0.375, 1.125, ... 5.625 */
	CHECK(up.px[0] == 0 && up.px[1] == 10 && up.px[2] == 20 && up.px[3] == 20 && up.px[8] == 60,
	      "nearest 6 -> 8 from -1: background 0, then 10 20 20 ... 60");
	img_free(&src);
	img_free(&out);
	img_free(&up);
}

static void
test_alpha(void)
{
	image src = new_image(2, 1, 4), out = new_image(1, 1, 4);
	resize_spec s = spec_of(&src, 1, 1, 0, 0, RESIZE_AREA);
	char err[128];

	memcpy(src.px, "\xff\x00\x00\x00\x00\x00\xff\xff", 8);      /* transparent red, opaque blue */
	resize_run(&src, &s, &out, err, sizeof err);
	CHECK(out.px[0] == 0 && out.px[1] == 0 && out.px[2] == 255 && out.px[3] == 128,
	      "alpha: transparent red + opaque blue -> %d,%d,%d,%d (want 0,0,255,128: premultiplied)",
	      out.px[0], out.px[1], out.px[2], out.px[3]);
	img_free(&src);
	img_free(&out);
}

static void
test_convert(void)
{
	static const unsigned char black[3] = { 0, 0, 0 }, white[3] = { 255, 255, 255 };
	image im = new_image(3, 1, 3);

	memcpy(im.px, "\xff\x00\x00\x00\xff\x00\x00\x00\xff", 9);
	CHECK(img_to_gray(&im, black) == 0 && im.c == 1 && im.px[0] == 76 && im.px[1] == 150 &&
	      im.px[2] == 29, "RGB -> gray: red 76, green 150, blue 29 (PIL's luma)");
	CHECK(img_to_rgb(&im, black) == 0 && im.c == 3 && im.px[0] == 76 && im.px[1] == 76 &&
	      im.px[2] == 76 && im.px[8] == 29, "gray -> RGB copies the value");
	img_free(&im);

	im = new_image(2, 1, 4);
	memcpy(im.px, "\xc8\x64\x32\x80\x10\x20\x30\x00", 8);
	CHECK(img_to_rgb(&im, white) == 0 && im.c == 3 && im.px[0] == 227 && im.px[1] == 177 &&
	      im.px[2] == 152 && im.px[3] == 255 && im.px[5] == 255,
	      "RGBA -> RGB over white: (200,100,50,128) -> (%d,%d,%d), transparent -> white",
	      im.px[0], im.px[1], im.px[2]);
	img_free(&im);

	im = new_image(1, 1, 2);
	memcpy(im.px, "\x64\x00", 2);
	CHECK(img_to_rgb(&im, white) == 0 && im.c == 3 && im.px[0] == 255 && im.px[2] == 255,
	      "gray+alpha -> RGB: transparent becomes the background");
	img_free(&im);
}

static void
test_geometry(void)
{
	static const struct {
		resize_opts o;
		int iw, ih;
		resize_geom want;
	} cases[] = {
		{ { RESIZE_SHORT, 256, 256, 0, 0, 0 }, 640, 480, { 341, 256, 0, 0, 341, 256 } },
		{ { RESIZE_SHORT, 256, 256, 224, 224, 0 }, 640, 480, { 341, 256, 58, 16, 224, 224 } },
		{ { RESIZE_SHORT, 256, 256, 224, 224, 0 }, 480, 640, { 256, 341, 16, 58, 224, 224 } },
		{ { RESIZE_SHORT, 256, 256, 0, 0, 0 }, 558, 560, { 256, 257, 0, 0, 256, 257 } },
		{ { RESIZE_LONG, 100, 100, 0, 0, 0 }, 640, 480, { 100, 75, 0, 0, 100, 75 } },
		{ { RESIZE_FIT, 100, 100, 0, 0, 0 }, 2126, 1463, { 100, 69, 0, 0, 100, 69 } },
		{ { RESIZE_FIT, 100, 30, 0, 0, 0 }, 640, 480, { 40, 30, 0, 0, 40, 30 } },
		{ { RESIZE_FILL, 100, 30, 0, 0, 0 }, 640, 480, { 100, 75, 0, 22, 100, 30 } },
		{ { RESIZE_PAD, 100, 100, 0, 0, 0 }, 640, 480, { 100, 75, 0, -13, 100, 100 } },
		{ { RESIZE_PAD, 100, 100, 0, 0, 0 }, 480, 641, { 75, 100, -13, 0, 100, 100 } },
		{ { RESIZE_STRETCH, 50, 30, 0, 0, 0 }, 640, 480, { 50, 30, 0, 0, 50, 30 } },
		{ { RESIZE_KEEP, 0, 0, 100, 80, 0 }, 640, 480, { 640, 480, 270, 200, 100, 80 } },
		{ { RESIZE_KEEP, 0, 0, 101, 81, 0 }, 64, 48, { 64, 48, -19, -17, 101, 81 } },
		{ { RESIZE_SHORT, 1000, 1000, 0, 0, 1 }, 640, 480, { 640, 480, 0, 0, 640, 480 } },
		{ { RESIZE_SHORT, 100, 100, 0, 0, 1 }, 640, 480, { 133, 100, 0, 0, 133, 100 } },
		{ { RESIZE_SHORT, 10, 10, 0, 0, 0 }, 1000, 1, { 10000, 10, 0, 0, 10000, 10 } },
		{ { RESIZE_LONG, 10, 10, 0, 0, 0 }, 1000, 1, { 10, 1, 0, 0, 10, 1 } },
	};

	for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
		resize_geom g;
		const resize_geom *w = &cases[k].want;
		resize_geometry(&cases[k].o, cases[k].iw, cases[k].ih, &g);
		CHECK(memcmp(&g, w, sizeof g) == 0,
		      "geometry %zu: %dx%d -> resized %dx%d window %d,%d %dx%d (want %dx%d %d,%d %dx%d)", k,
		      cases[k].iw, cases[k].ih, g.rw, g.rh, g.ox, g.oy, g.ow, g.oh, w->rw, w->rh, w->ox,
		      w->oy, w->ow, w->oh);
	}
}

static void
test_parse(void)
{
	static const char *bad[] = { "", "x", "10", "10x", "x10", "0x5", "5x0", "-3x4", "3x-4", "10x10x",
	                             "65536x1", "1.5x2", " 3x4", "3 x4", "99999999999999999999x1" };
	unsigned char c[3];
	int w, h;

	CHECK(img_parse_size("224x224", &w, &h, 0) == 0 && w == 224 && h == 224, "224x224");
	CHECK(img_parse_size("63X7", &w, &h, 0) == 0 && w == 63 && h == 7, "63X7");
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		CHECK(img_parse_size(bad[i], &w, &h, 0) == -1, "size '%s' refused", bad[i]);
	CHECK(img_parse_size("63", &w, &h, 1) == 0 && w == 63 && h == 63, "63 is 63x63 where N is allowed");
	CHECK(img_parse_size("4x9", &w, &h, 1) == 0 && w == 4 && h == 9, "4x9 where N is allowed");
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		if (strcmp(bad[i], "10") != 0)
			CHECK(img_parse_size(bad[i], &w, &h, 1) == -1, "size '%s' refused where N is allowed", bad[i]);
	CHECK(resize_parse_color("White", c) == 0 && c[0] == 255 && c[2] == 255, "colour white");
	CHECK(resize_parse_color("#f80", c) == 0 && c[0] == 255 && c[1] == 136 && c[2] == 0, "colour #f80");
	CHECK(resize_parse_color("#12ab9F", c) == 0 && c[0] == 0x12 && c[1] == 0xab && c[2] == 0x9f,
	      "colour #12ab9F");
	CHECK(resize_parse_color("1,2,255", c) == 0 && c[0] == 1 && c[1] == 2 && c[2] == 255, "colour 1,2,255");
	CHECK(resize_parse_color("1,2,256", c) == -1 && resize_parse_color("1,2", c) == -1 &&
	      resize_parse_color("#12345", c) == -1 && resize_parse_color("#gg0000", c) == -1 &&
	      resize_parse_color("mauve", c) == -1 && resize_parse_color("1,2,3,", c) == -1,
	      "bad colours refused");
}

/* ---- shrink-on-load ---- */

static unsigned char *
slurp(const char *p, size_t *n)
{
	FILE *f = fopen(p, "rb");
	unsigned char *b = malloc(4 << 20);

	*n = f ? fread(b, 1, 4 << 20, f) : 0;
	if (f)
		fclose(f);
	return b;
}

/* A copy of a JPEG with an APP1 Exif segment (orientation o, big-endian TIFF) after SOI. */
static unsigned char *
with_exif(const unsigned char *jpg, size_t n, int o, size_t *outn)
{
	static const unsigned char seg[] = {
		0xff, 0xe1, 0, 34, 'E', 'x', 'i', 'f', 0, 0,
		'M', 'M', 0, 42, 0, 0, 0, 8,            /* TIFF header, IFD0 at 8 */
		0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0,
	};
	unsigned char *out = malloc(n + sizeof seg);

	memcpy(out, jpg, 2);
	memcpy(out + 2, seg, sizeof seg);
	out[2 + 29] = (unsigned char)o;         /* the SHORT value of the one entry */
	memcpy(out + 2 + sizeof seg, jpg + 2, n - 2);
	*outn = n + sizeof seg;
	return out;
}

static void
test_scaled(void)
{
	image photo, small, full, sc, rot;
	unsigned char *buf, *jpg, *ex, *png;
	size_t n, jn, exn, pn;
	char err[256];
	int m, w, h;

	buf = slurp(KLIMT, &n);
	if (img_decode(buf, n, &photo, err, sizeof err) == -1) {
		CHECK(0, "decode %s: %s", KLIMT, err);
		return;
	}
	/* 640x480, 4:2:0 (quality 85) */
	small = new_image(640, 480, 3);
	{
		resize_spec s = spec_of(&photo, 640, 480, 0, 0, RESIZE_AREA);
		resize_run(&photo, &s, &small, err, sizeof err);
	}
	CHECK(img_encode_jpeg(&small, 85, &jpg, &jn, err, sizeof err) == 0, "encode a 640x480 JPEG");
	CHECK(img_decode_scaled(jpg, jn, 80, 60, &sc, &m, err, sizeof err) == 0 && m == 1 && sc.w == 80 &&
	      sc.h == 60, "min 80x60 of 640x480: scale 1/8, 80x60 (got %d/8, %dx%d)", m, sc.w, sc.h);
	img_decode(jpg, jn, &full, err, sizeof err);
	{
		/* 1/8: the DC coefficients, i.e. the means of the 8x8 blocks */
		double worst = 0, mean = 0;
		for (int y = 0; y < 60; y++)
			for (int x = 0; x < 80; x++)
				for (int c = 0; c < 3; c++) {
					double s = 0, d;
					for (int j = 0; j < 8; j++)
						for (int i = 0; i < 8; i++)
							s += full.px[((size_t)(y * 8 + j) * 640 + x * 8 + i) * 3 + c];
					d = fabs(s / 64 - sc.px[((size_t)y * 80 + x) * 3 + c]);
					mean += d;
					worst = d > worst ? d : worst;
				}
		mean /= 80 * 60 * 3;
		CHECK(mean < 1 && worst < 10, "1/8 scale is the 8x8 block means (mean error %.2f, worst %.1f)",
		      mean, worst);
	}
	img_free(&sc);
	CHECK(img_decode_scaled(jpg, jn, 100, 60, &sc, &m, err, sizeof err) == 0 && m == 2 && sc.w == 160 &&
	      sc.h == 120, "min 100x60: scale 2/8 (the width needs it), 160x120 (got %d/8)", m);
	img_free(&sc);
	CHECK(img_decode_scaled(jpg, jn, 0, 181, &sc, &m, err, sizeof err) == 0 && m == 4 && sc.w == 320 &&
	      sc.h == 240, "min height 181: scale 4/8 (3/8 gives 180)");
	img_free(&sc);
	CHECK(img_decode_scaled(jpg, jn, 641, 1, &sc, &m, err, sizeof err) == 0 && m == 8 && sc.w == 640 &&
	      memcmp(sc.px, full.px, (size_t)640 * 480 * 3) == 0, "larger than the image: decoded whole, same pixels");
	img_free(&sc);
	CHECK(img_decode_scaled(jpg, jn, 0, 0, &sc, &m, err, sizeof err) == 0 && m == 8 && sc.w == 640,
	      "no minimum: whole");
	img_free(&sc);
	{
		image odd = new_image(100, 37, 3);
		unsigned char *oj;
		size_t on;
		memcpy(odd.px, small.px, (size_t)100 * 37 * 3);
		img_encode_jpeg(&odd, 90, &oj, &on, err, sizeof err);
		CHECK(img_decode_scaled(oj, on, 10, 1, &sc, &m, err, sizeof err) == 0 && m == 1 && sc.w == 13 &&
		      sc.h == 5, "100x37 at 1/8: ceil -> 13x5 (got %dx%d)", sc.w, sc.h);
		img_free(&sc);
		img_free(&odd);
		free(oj);
	}

	/* EXIF orientation 6: 480x640 as seen; the minimum applies to the oriented size */
	ex = with_exif(jpg, jn, 6, &exn);
	CHECK(img_info(ex, exn, &w, &h, NULL, err, sizeof err) == 0 && w == 480 && h == 640,
	      "orientation 6: img_info says 480x640");
	CHECK(img_decode_scaled(ex, exn, 0, 130, &sc, &m, err, sizeof err) == 0 && m == 2 && sc.w == 120 &&
	      sc.h == 160, "orientation 6, min height 130: the file's width decides: 2/8, 120x160 (got %d/8 %dx%d)",
	      m, sc.w, sc.h);
	img_free(&sc);
	CHECK(img_decode_scaled(ex, exn, 70, 0, &sc, &m, err, sizeof err) == 0 && m == 2 && sc.w == 120 &&
	      sc.h == 160, "orientation 6, min width 70: the file's height decides: 2/8 (got %d/8 %dx%d)",
	      m, sc.w, sc.h);
	img_decode_scaled(jpg, jn, 160, 120, &rot, &m, err, sizeof err);
	{
		/* orientation 6: displayed pixel (x, y) is stored pixel (y, H - 1 - x) */
		int same = sc.w == 120 && sc.h == 160;
		for (int y = 0; same && y < 160; y++)
			for (int x = 0; x < 120; x++)
				same &= memcmp(sc.px + ((size_t)y * 120 + x) * 3,
				               rot.px + ((size_t)(119 - x) * 160 + y) * 3, 3) == 0;
		CHECK(same, "orientation 6 at 2/8: the 2/8 decode turned a quarter clockwise");
	}
	img_free(&sc);
	img_free(&rot);

	/* PNG: decoded whole */
	CHECK(img_encode_png(&small, &png, &pn, err, sizeof err) == 0, "encode PNG");
	CHECK(img_decode_scaled(png, pn, 80, 60, &sc, &m, err, sizeof err) == 0 && m == 8 && sc.w == 640 &&
	      memcmp(sc.px, small.px, (size_t)640 * 480 * 3) == 0, "PNG: whole, eighths 8");
	img_free(&sc);

	/* damaged */
	CHECK(img_decode_scaled(jpg, jn / 2, 80, 60, &sc, &m, err, sizeof err) == -1 && sc.px == NULL &&
	      strstr(err, "JPEG") != NULL, "truncated JPEG at 1/8: error '%s'", err);
	CHECK(img_decode_scaled("nope", 4, 80, 60, &sc, &m, err, sizeof err) == -1, "not an image: error");

	img_free(&photo);
	img_free(&small);
	img_free(&full);
	free(buf);
	free(jpg);
	free(ex);
	free(png);
}

int
main(void)
{
	test_area();
	test_window();
	test_constant_and_enlarge();
	test_nearest();
	test_alpha();
	test_convert();
	test_geometry();
	test_parse();
	if (access(KLIMT, R_OK) != 0)
		SKIP("shrink-on-load tests need visp-images-data");
	else
		test_scaled();
	return CHECK_DONE();
}
