/* The step parser, drawing, per-record seeds and the warp of aug.h. */
#include <math.h>
#include <string.h>

#include "aug/aug.h"
#include "check.h"

static int
parses(const char *text, struct aug_step *s, char *err, size_t n)
{
	return aug_parse(text, s, err, n) == 0;
}

static void
test_parse(void)
{
	struct aug_step s;
	char err[256];

	CHECK(parses("brightness -0.2..0.2 p=0.5", &s, err, sizeof err) && s.lo[0] == -0.2 && s.hi[0] == 0.2 &&
	      s.p == 0.5, "brightness -0.2..0.2 p=0.5");
	CHECK(parses("rotate  7", &s, err, sizeof err) && s.lo[0] == 7 && s.hi[0] == 7 && s.p == 1,
	      "a single value is fixed; p defaults to 1");
	CHECK(parses("rotate", &s, err, sizeof err) && s.lo[0] == -15 && s.hi[0] == 15, "defaults");
	CHECK(parses("jpeg 1..3", &s, err, sizeof err) && s.lo[0] == 1 && s.hi[0] == 3,
	      "integer ranges: 1..3 is not read as 1. and .3");
	CHECK(parses("crop 30x20", &s, err, sizeof err) && s.lo[0] == 30 && s.hi[0] == 20, "sizes WxH");
	CHECK(parses("crop size=16", &s, err, sizeof err) && s.lo[0] == 16 && s.hi[0] == 16, "size N, by key");
	CHECK(parses("deadpixels color=white label=px clean=ok", &s, err, sizeof err) &&
	      strcmp(s.word[2], "white") == 0 && strcmp(s.word[4], "px") == 0 && strcmp(s.word[5], "ok") == 0,
	      "words");
	CHECK(!parses("deadpixels color=pink", &s, err, sizeof err) && strstr(err, "any|white|black|color"),
	      "a word not allowed: %s", err);
	CHECK(!parses("brightness 0.3..0.1", &s, err, sizeof err) && strstr(err, "min > max"), "min > max: %s", err);
	CHECK(!parses("hflip p=2", &s, err, sizeof err), "p > 1: %s", err);
	CHECK(!parses("hflip p=nan", &s, err, sizeof err), "p nan: %s", err);
	CHECK(!parses("hflip 3", &s, err, sizeof err), "a plain value to a step without one: %s", err);
	CHECK(!parses("rotate 1 2", &s, err, sizeof err), "two plain values: %s", err);
	CHECK(!parses("rotate angle=1 angle=2", &s, err, sizeof err), "a parameter twice: %s", err);
	CHECK(!parses("jpeg 2.5", &s, err, sizeof err), "an integer parameter given 2.5: %s", err);
	CHECK(!parses("rot90 45", &s, err, sizeof err), "rot90 45: %s", err);
	CHECK(!parses("crop 0x5", &s, err, sizeof err), "crop 0x5: %s", err);
	CHECK(!parses("crop", &s, err, sizeof err), "crop without a size: %s", err);
	CHECK(!parses("", &s, err, sizeof err), "empty: %s", err);
	CHECK(!parses("blur 1e999", &s, err, sizeof err), "infinite: %s", err);
	CHECK(!parses("noise -1", &s, err, sizeof err), "out of bounds: %s", err);
}

static void
test_draw(void)
{
	struct aug_step s;
	struct aug_run r;
	char err[256];
	int seen[4] = { 0 }, ok = 1;

	aug_parse("rotate -1..1", &s, err, sizeof err);
	rng_seed(&r.g, 1);
	for (int i = 0; i < 1000; i++) {
		double v = aug_draw(&r, &s, 0);
		ok &= v >= -1 && v <= 1 && fabs(v * 100 - round(v * 100)) < 1e-6;
	}
	CHECK(ok, "rotate draws stay in the range, rounded to 2 decimals");
	aug_parse("rot90 90..270", &s, err, sizeof err);
	for (int i = 0; i < 300; i++) {
		int v = (int)aug_draw(&r, &s, 0);
		if (v % 90 == 0 && v >= 90 && v <= 270)
			seen[v / 90]++;
		else
			seen[0]++;
	}
	CHECK(seen[0] == 0 && seen[1] > 70 && seen[2] > 70 && seen[3] > 70, "rot90: 90, 180, 270 alike (%d %d %d)",
	      seen[1], seen[2], seen[3]);
	CHECK(aug_record_seed(7, "a", 1) == aug_record_seed(7, "a", 1), "record seeds: the same for the same inputs");
	CHECK(aug_record_seed(7, "a", 1) != aug_record_seed(7, "a", 2) &&
	      aug_record_seed(7, "a", 1) != aug_record_seed(8, "a", 1) &&
	      aug_record_seed(7, "a", 1) != aug_record_seed(7, "b", 1), "record seeds: copy, seed and id matter");
}

/* A pending warp narrowed to a window (a crop after a rotation) gives the window of the whole
 * warp, pixels and mask, from borrowed pixels too. */
static void
test_warp_window(void)
{
	enum { W = 37, H = 29, C = 3 };
	static unsigned char px[W * H * C], mask[W * H];
	struct aug_img a = { 0 }, b = { 0 };
	double m[4] = { 0.96, -0.27, 0.27, 0.96 };
	int ok = 1;

	for (int i = 0; i < W * H * C; i++)
		px[i] = (unsigned char)(i * 7 + i / 11);
	for (int i = 0; i < W * H; i++)
		mask[i] = (unsigned char)(i % 5);
	aug_img_load(&a, px, W, H, C, mask);
	aug_warp(&a, m, W, H, W / 2.0, H / 2.0, 9);
	aug_img_borrow(&b, px, W, H, C, mask);
	aug_warp_later(&b, m, W, H, W / 2.0, H / 2.0, 9);
	CHECK(aug_warp_window(&b, 3, 2, 20, 25) == 1 && aug_warp_window(&b, 1, 1, 15, 11) == 1 &&
	      aug_warp_flush(&b) == 0 && b.w == 15 && b.h == 11 && b.src == NULL, "warp window: pending, then done");
	for (int y = 0; y < 11; y++)
		for (int x = 0; x < 15; x++) {
			ok &= memcmp(b.px + (y * 15 + x) * C, a.px + ((y + 3) * W + x + 4) * C, C) == 0;
			ok &= b.mask[y * 15 + x] == a.mask[(y + 3) * W + x + 4];
		}
	CHECK(ok, "warp window: the same pixels and mask as the whole warp's");
	CHECK(aug_warp_window(&b, 0, 0, 1, 1) == 0, "warp window: none pending");
	aug_img_free(&a);
	aug_img_free(&b);
}

static void
test_warp(void)
{
	struct aug_img im = { 0 };
	unsigned char px[4 * 3], mask[4 * 3];
	double id[4] = { 1, 0, 0, 1 }, half[4] = { 0.5, 0, 0, 0.5 };
	int ok = 1;

	for (int i = 0; i < 12; i++) {
		px[i] = (unsigned char)(i * 20);
		mask[i] = (unsigned char)i;
	}
	aug_img_load(&im, px, 4, 3, 1, mask);
	CHECK(aug_warp(&im, id, 4, 3, 2, 1.5, 0) == 0 && memcmp(im.px, px, 12) == 0 && memcmp(im.mask, mask, 12) == 0,
	      "warp: the identity changes nothing");
	/* 2x enlargement about the centre: output pixel centres fall between source pixels */
	aug_img_load(&im, px, 4, 3, 1, mask);
	aug_warp(&im, half, 4, 3, 2, 1.5, 0);
	/* output (1, 1) maps to source index (1.25, 1) -> 0.75 * px[5] + 0.25 * px[6] */
	CHECK(im.px[1 * 4 + 1] == (unsigned char)(0.75 * 100 + 0.25 * 120 + 0.5), "warp: bilinear (%d)", im.px[5]);
	for (int i = 0; i < 12; i++)
		ok &= im.mask[i] < 12;
	CHECK(ok && im.mask[5] == 5, "warp: mask nearest (%d)", im.mask[5]);
	aug_img_free(&im);
	test_warp_window();
}

int
main(void)
{
	test_parse();
	test_draw();
	test_warp();
	return CHECK_DONE();
}
