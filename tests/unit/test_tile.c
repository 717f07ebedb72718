/*
 * imgtile's pieces: grid geometry, windows, mask sums, random patches, merging.
 *
 *   test_tile --write-fixtures DIR   writes the crafted streams that
 *                                    tests/cli/imgtile.sh feeds to imgtile
 *                                    (records no other program makes)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "util/rng.h"
#include "tile/tile_grid.h"
#include "tile/tile_merge.h"
#include "tile/tile_patch.h"
#include "tile/tile_window.h"
#include "stream/tstream.h"

/* Checks the positions of every edge rule against what the rule says, for many sizes. */
static void
test_axis_properties(void)
{
	int bad = 0, pos[4096], cases = 0;

	for (int len = 1; len <= 40; len++)
		for (int tile = 1; tile <= 45; tile++)
			for (int stride = 1; stride <= 45; stride++) {
				int nd = tile_axis(len, tile, stride, TILE_EDGE_DROP, pos, 4096);
				int want = tile > len ? 0 : (len - tile) / stride + 1;
				char covered[64] = { 0 };
				cases++;
				if (nd != want)
					bad++;
				for (int i = 0; i < nd; i++)
					bad += pos[i] != i * stride || pos[i] + tile > len;
				int np = tile_axis(len, tile, stride, TILE_EDGE_PAD, pos, 4096);
				for (int i = 0; i < np; i++) {
					bad += pos[i] != i * stride || pos[i] >= len;
					for (int x = pos[i]; x < pos[i] + tile && x < len; x++)
						covered[x] = 1;
				}
				/* pad: with no gaps every pixel is covered, and no tile is superfluous */
				for (int x = 0; x < len && stride <= tile; x++)
					bad += !covered[x];
				bad += np > 1 && (np - 2) * stride + tile >= len;
				int ns = tile_axis(len, tile, stride, TILE_EDGE_SHIFT, pos, 4096);
				if (tile > len) {
					bad += ns != -1;
					continue;
				}
				bad += ns != np;
				for (int i = 0; i < ns; i++)
					bad += pos[i] + tile > len || (i > 0 && pos[i] <= pos[i - 1]);
				bad += stride <= tile && pos[ns - 1] + tile != len;
			}
	CHECK(bad == 0, "tile_axis: drop, pad and shift keep their rules over %d sizes (%d broken)", cases, bad);
}

static void
test_axis_examples(void)
{
	int p[16], n;

	n = tile_axis(200, 63, 63, TILE_EDGE_DROP, p, 16);
	CHECK(n == 3 && p[0] == 0 && p[1] == 63 && p[2] == 126, "drop: 200 px in 63 px tiles is 0, 63, 126");
	n = tile_axis(200, 63, 63, TILE_EDGE_PAD, p, 16);
	CHECK(n == 4 && p[3] == 189, "pad: a fourth tile at 189 sticks out");
	n = tile_axis(200, 63, 63, TILE_EDGE_SHIFT, p, 16);
	CHECK(n == 4 && p[2] == 126 && p[3] == 137, "shift: the fourth tile moves back to 137");
	n = tile_axis(100, 64, 32, TILE_EDGE_PAD, p, 16);
	CHECK(n == 3 && p[2] == 64, "pad with overlap: 0, 32, 64 reach pixel 99, no fourth");
	n = tile_axis(35, 10, 20, TILE_EDGE_PAD, p, 16);
	CHECK(n == 2 && p[1] == 20, "pad with gaps: 0, 20");
	CHECK(tile_axis(40, 63, 63, TILE_EDGE_DROP, p, 16) == 0, "drop: a tile larger than the axis gives none");
	CHECK(tile_axis(40, 63, 63, TILE_EDGE_PAD, p, 16) == 1 && p[0] == 0, "pad: one padded tile");
	CHECK(tile_axis(40, 63, 63, TILE_EDGE_SHIFT, p, 16) == -1, "shift: a tile larger than the axis is refused");
	CHECK(tile_axis(40, 0, 1, TILE_EDGE_DROP, p, 16) == -1 && tile_axis(40, 4, 0, TILE_EDGE_PAD, p, 16) == -1,
	      "size or stride 0 refused");
	CHECK(tile_axis(200, 63, 63, TILE_EDGE_PAD, NULL, 0) == 4, "counting without storing");
	CHECK(tile_edge_parse("shift") == TILE_EDGE_SHIFT && tile_edge_parse("crop") == -1, "edge names");
}

static void
test_cut(void)
{
	unsigned char px[5 * 7 * 2];
	float fx[3 * 4];
	uint64_t dims[3] = { 5, 7, 2 }, fdims[2] = { 3, 4 };
	ts_record rec;
	ts_tensor *src, *t;
	int bad = 0, h, w, c;
	char err[256];

	for (int i = 0; i < 70; i++)
		px[i] = (unsigned char)(i + 1);
	for (int i = 0; i < 12; i++)
		fx[i] = (float)i * 0.5f - 1;
	ts_record_init(&rec);
	src = ts_tensor_put(&rec, "image", TS_U8, 3, dims, px, sizeof px);
	CHECK(tile_tensor_hwc(src, &h, &w, &c, err, sizeof err) == 0 && h == 5 && w == 7 && c == 2, "hwc of 5x7x2");
	t = tile_cut(&rec, "cut", ts_tensor_get(&rec, "image"), 5, 3, 4, 3);
	src = ts_tensor_get(&rec, "image");
	CHECK(t && t->ndim == 3 && t->dims[0] == 3 && t->dims[1] == 4 && t->dims[2] == 2 && t->nbytes == 24,
	      "a window sticking out keeps its full size");
	for (int y = 0; y < 3 && t; y++)
		for (int x = 0; x < 4; x++)
			for (int k = 0; k < 2; k++) {
				int sy = 3 + y, sx = 5 + x;
				unsigned char want = sy < 5 && sx < 7 ? px[(sy * 7 + sx) * 2 + k] : 0;
				bad += ((unsigned char *)t->data)[(y * 4 + x) * 2 + k] != want;
			}
	CHECK(t && bad == 0, "window pixels copied, the part outside zero");
	t = tile_cut(&rec, "whole", src, 0, 0, 7, 5);
	CHECK(t && memcmp(t->data, px, sizeof px) == 0, "the whole image as a window is the image");
	src = ts_tensor_put(&rec, "f", TS_F32, 2, fdims, fx, sizeof fx);
	t = tile_cut(&rec, "fcut", src, 1, 1, 2, 2);
	CHECK(t && t->dtype == TS_F32 && t->ndim == 2 && ((float *)t->data)[0] == fx[5] &&
	      ((float *)t->data)[3] == fx[10], "f32 H x W window");
	uint64_t zd[3] = { 0, 4, 3 };
	src = ts_tensor_put(&rec, "empty", TS_U8, 3, zd, NULL, 0);
	CHECK(src && tile_tensor_hwc(src, &h, &w, &c, err, sizeof err) == -1 && strstr(err, "size 0"),
	      "a zero-size tensor refused: %s", err);
	uint64_t bd[1] = { 3 };
	src = ts_tensor_put(&rec, "enc", TS_BYTES, 1, bd, "abc", 3);
	CHECK(tile_tensor_hwc(src, &h, &w, &c, err, sizeof err) == -1, "bytes refused: %s", err);
	ts_record_free(&rec);
}

static void
test_sums(void)
{
	enum { W = 37, H = 23 };
	unsigned char m[W * H];
	tile_mask_sums s;
	rng g;
	int bad = 0;
	uint64_t dims[2] = { H, W };
	ts_tensor t = { .name = "mask", .dtype = TS_U8, .ndim = 2, .nbytes = W * H, .data = m };
	uint64_t total = 0;

	t.dims[0] = dims[0];
	t.dims[1] = dims[1];
	rng_seed(&g, 3);
	for (int i = 0; i < W * H; i++) {
		m[i] = rng_below(&g, 5) == 0 ? (unsigned char)(1 + rng_below(&g, 255)) : 0;
		total += m[i] != 0;
	}
	CHECK(tile_mask_sums_init(&s, m, W, H) == 0, "sums built");
	for (int k = 0; k < 2000; k++) {
		int w = 1 + (int)rng_below(&g, W), h = 1 + (int)rng_below(&g, H);
		int x = (int)rng_below(&g, (uint64_t)(W - w + 1)), y = (int)rng_below(&g, (uint64_t)(H - h + 1));
		uint32_t n = 0;
		for (int yy = y; yy < y + h; yy++)
			for (int xx = x; xx < x + w; xx++)
				n += m[yy * W + xx] != 0;
		bad += tile_mask_count(&s, x, y, w, h) != n;
	}
	CHECK(bad == 0, "2000 random windows counted as by brute force");
	CHECK(tile_count_nonzero(&t) == total && tile_mask_count(&s, 0, 0, W, H) == total,
	      "whole-mask counts agree (%llu)", (unsigned long long)total);
	tile_mask_sums_free(&s);
	tile_mask_sums_free(&s);
}

static void
test_patches(void)
{
	enum { W = 200, H = 120 };
	static unsigned char m[W * H];
	struct tile_patch a[100], b[100];
	struct tile_patch_rule rule = { 100, 16, 16, 100, 1 };
	tile_mask_sums s;
	rng g;
	int n, empty = 0, bad = 0;

	for (int y = 0; y < H; y++)     /* a vertical scratch 3 px wide at x = 50 */
		for (int x = 50; x < 53; x++)
			m[y * W + x] = 255;
	tile_mask_sums_init(&s, m, W, H);

	rng_seed(&g, 9);
	n = tile_patch_draw(&rule, W, H, NULL, &g, 1000000, a);
	for (int i = 0; i < n; i++)
		bad += a[i].x < 0 || a[i].y < 0 || a[i].x + 16 > W || a[i].y + 16 > H;
	CHECK(n == 100 && bad == 0, "100 patches, all inside the image");
	rng_seed(&g, 9);
	tile_patch_draw(&rule, W, H, NULL, &g, 1000000, b);
	CHECK(memcmp(a, b, sizeof a) == 0, "the same seed draws the same patches");
	rng_seed(&g, 10);
	tile_patch_draw(&rule, W, H, NULL, &g, 1000000, b);
	CHECK(memcmp(a, b, sizeof a) != 0, "another seed draws others");

	rule.max_empty = 50;
	rng_seed(&g, 9);
	n = tile_patch_draw(&rule, W, H, &s, &g, 1000000, a);
	bad = 0;
	for (int i = 0; i < n; i++) {
		empty += a[i].count == 0;
		bad += a[i].count != tile_mask_count(&s, a[i].x, a[i].y, 16, 16);
	}
	CHECK(n == 100 && empty == 50 && bad == 0, "max_empty 50: 100 patches, %d empty, counts right", empty);

	rule.max_empty = 100;
	rule.min_positive = 20;
	rng_seed(&g, 9);
	n = tile_patch_draw(&rule, W, H, &s, &g, 1000000, a);
	bad = 0;
	for (int i = 0; i < n; i++)
		bad += a[i].count > 0 && a[i].count < 20;
	CHECK(n == 100 && bad == 0, "min_positive 20: no patch holds 1 to 19 mask pixels");

	memset(m, 0, sizeof m);
	tile_mask_sums_free(&s);
	tile_mask_sums_init(&s, m, W, H);
	rule.max_empty = 7;
	rng_seed(&g, 9);
	n = tile_patch_draw(&rule, W, H, &s, &g, 1000000, a);
	CHECK(n == 7, "an empty mask with max_empty 7 gives 7 patches (%d)", n);
	tile_mask_sums_free(&s);

	rule = (struct tile_patch_rule){ 5, W, H, 5, 1 };
	rng_seed(&g, 1);
	n = tile_patch_draw(&rule, W, H, NULL, &g, 100, a);
	CHECK(n == 5 && a[0].x == 0 && a[4].y == 0, "a patch the size of the image has one place");
}

static void
test_merge(void)
{
	tile_acc a;
	char err[256];
	unsigned char t1[2 * 3] = { 10, 20, 30, 40, 50, 60 }, t2[2 * 3] = { 11, 21, 31, 41, 51, 61 };
	float f[4] = { 1, 2, 3, 4 };
	uint64_t nb;
	unsigned char *u;
	float *r;

	/* a 4x2 u8 canvas; t1 at x 0, t2 at x 1 (3 wide): columns 1 and 2 overlap */
	CHECK(tile_acc_init(&a, 4, 2, 1, TS_U8, err, sizeof err) == 0, "u8 canvas");
	tile_acc_add(&a, t1, 0, 0, 3, 2);
	tile_acc_add(&a, t2, 1, 0, 3, 2);
	u = tile_acc_result(&a, &nb);
	CHECK(nb == 8 && u[0] == 10 && u[1] == 16 && u[2] == 26 && u[3] == 31 && u[4] == 40 && u[7] == 61,
	      "overlaps averaged, halves rounded up: %d %d %d %d", u[0], u[1], u[2], u[3]);
	free(u);
	tile_acc_free(&a);

	CHECK(tile_acc_init(&a, 3, 3, 1, TS_F32, err, sizeof err) == 0, "f32 canvas");
	tile_acc_add(&a, f, 2, 2, 2, 2);        /* only f[0] lands inside */
	tile_acc_fill(&a, 0.5, 0, 0, 2, 2);
	tile_acc_fill(&a, 1.0, 1, 1, 2, 2);
	r = tile_acc_result(&a, &nb);
	CHECK(nb == 36 && r[0] == 0.5f && r[4] == 0.75f && r[5] == 1.0f && r[8] == 1.0f && r[2] == 0,
	      "fills averaged, outside clipped, uncovered 0: %g %g %g %g", r[0], r[4], r[8], r[2]);
	free(r);
	tile_acc_free(&a);
	tile_acc_free(NULL);
	CHECK(tile_acc_init(&a, 3, 3, 1, TS_I32, err, sizeof err) == -1 && strstr(err, "i32"), "i32 refused: %s", err);
}

/* ---- fixtures for tests/cli/imgtile.sh ---- */

static int
write_records(const char *dir, const char *name, ts_record *recs, int n)
{
	char path[4096];
	FILE *f;
	ts_writer *w;
	int ok = 1;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if ((f = fopen(path, "wb")) == NULL || (w = ts_writer_open(f, path, 3)) == NULL) {
		perror(path);
		return -1;
	}
	for (int i = 0; i < n; i++)
		ok &= ts_write(w, &recs[i]) == 0;
	ok &= ts_writer_close(w) == 0;
	ts_writer_free(w);
	ok &= fclose(f) == 0;
	for (int i = 0; i < n; i++)
		ts_record_clear(&recs[i]);
	return ok ? 0 : -1;
}

/* A score-only tile of parent pid (pw x ph), as cnnpredict would leave it. */
static void
score_tile(ts_record *r, const char *pid, int pw, int ph, int x, int y, int w, int h, const char *score)
{
	ts_setf(r, "id", "%s@%d,%d", pid, y, x);
	ts_set(r, "label", "cat");
	ts_set(r, "parent_id", pid);
	ts_setf(r, "parent_width", "%d", pw);
	ts_setf(r, "parent_height", "%d", ph);
	ts_setf(r, "tile_x", "%d", x);
	ts_setf(r, "tile_y", "%d", y);
	ts_setf(r, "tile_width", "%d", w);
	ts_setf(r, "tile_height", "%d", h);
	ts_set(r, "score", score);
}

static int
write_fixtures(const char *dir)
{
	ts_record r[4];
	static unsigned char px[30 * 40 * 3], mk[40 * 30];
	uint64_t idims[3] = { 30, 40, 3 }, mdims[2] = { 40, 30 }, zdims[3] = { 0, 10, 3 };
	int rc = 0;

	for (int i = 0; i < 4; i++)
		ts_record_init(&r[i]);
	ts_set(&r[0], "id", "frame7");
	ts_tensor_put(&r[0], "image", TS_U8, 3, idims, px, sizeof px);
	ts_tensor_put(&r[0], "mask", TS_U8, 2, mdims, mk, sizeof mk);
	rc |= write_records(dir, "mismatch.tsr", r, 1);

	ts_set(&r[0], "id", "void");
	ts_tensor_put(&r[0], "image", TS_U8, 3, zdims, NULL, 0);
	rc |= write_records(dir, "empty.tsr", r, 1);

	/* parent p, 6x4: tiles 4x4 at x 0 (score 1) and x 2 (score 0.5); parent q 3x3: one tile */
	score_tile(&r[0], "p", 6, 4, 0, 0, 4, 4, "1");
	score_tile(&r[1], "p", 6, 4, 2, 0, 4, 4, "0.5");
	score_tile(&r[2], "q", 3, 3, 0, 0, 3, 3, "0.25");
	rc |= write_records(dir, "scores.tsr", r, 3);

	score_tile(&r[0], "p", 6, 4, 0, 0, 4, 4, "1");
	score_tile(&r[1], "q", 3, 3, 0, 0, 3, 3, "0.25");
	score_tile(&r[2], "p", 6, 4, 2, 0, 4, 4, "0.5");
	rc |= write_records(dir, "interleaved.tsr", r, 3);

	score_tile(&r[0], "p", 6, 4, 6, 0, 4, 4, "1");
	rc |= write_records(dir, "outside.tsr", r, 1);

	score_tile(&r[0], "p", 6, 4, 0, 0, 4, 4, "high");
	rc |= write_records(dir, "badscore.tsr", r, 1);

	score_tile(&r[0], "p", 6, 4, 0, 0, 4, 4, "1");
	score_tile(&r[1], "p", 8, 4, 2, 0, 4, 4, "1");
	rc |= write_records(dir, "twosizes.tsr", r, 2);

	score_tile(&r[0], "p", 6, 4, 0, 0, 5, 5, "1");
	ts_tensor_put(&r[0], "image", TS_U8, 3, (uint64_t[3]){ 4, 4, 3 }, px, 4 * 4 * 3);
	rc |= write_records(dir, "resized.tsr", r, 1);

	ts_tensor_put(&r[0], "image", TS_U8, 3, (uint64_t[3]){ 4, 4, 1 }, px, 16);
	ts_tensor_put(&r[1], "image", TS_U8, 3, (uint64_t[3]){ 2, 2, 1 }, px, 4);
	rc |= write_records(dir, "noid.tsr", r, 2);

	ts_set(&r[0], "id", "plain");
	ts_set(&r[0], "score", "1");
	rc |= write_records(dir, "noparent.tsr", r, 1);
	for (int i = 0; i < 4; i++)
		ts_record_free(&r[i]);
	return rc ? 1 : 0;
}

int
main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--write-fixtures") == 0)
		return write_fixtures(argv[2]);
	test_axis_examples();
	test_axis_properties();
	test_cut();
	test_sums();
	test_patches();
	test_merge();
	return CHECK_DONE();
}
