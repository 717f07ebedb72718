/*
 * Perceptual hashes (libcommon/dedup/phash.h) and the Hamming join (libcommon/dedup/hjoin.h):
 * hashes of mirrored images match the mirrored variants, small changes move few
 * bits, and the join and the grouping find exactly what a quadratic scan finds.
 *
 * "test_dedup bench N RADIUS THREADS [scan]" instead times the greedy grouping
 * of N synthetic hashes (a tenth of them near copies of earlier ones) for
 * bench/bench_dedup.sh, by the join or by a quadratic scan; "test_dedup stream N
 * RADIUS" writes the same hashes as a stream of records holding only a phash.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dedup/hjoin.h"
#include "dedup/phash.h"
#include "util/rng.h"
#include "stream/tstream.h"
#include "util/util.h"

/* A smooth, asymmetric test picture with some texture, w x h x c. */
static image
picture(int w, int h, int c, uint64_t seed)
{
	image im = { w, h, c, xmalloc((size_t)w * h * c) };
	rng r;

	rng_seed(&r, seed);
	double a = rng_uniform(&r) * 6, b = rng_uniform(&r) * 6, p = rng_uniform(&r) * 3;
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			double u = (double)x / w, v = (double)y / h;
			double s = 128 + 60 * __builtin_sin(a * u * u + b * v + p) + 50 * u * v - 40 * (1 - u) * v * v;
			for (int k = 0; k < c; k++) {
				double t = s + 20 * k * (u - 0.5);
				im.px[((size_t)y * w + x) * c + k] = (unsigned char)(t < 0 ? 0 : t > 255 ? 255 : t);
			}
		}
	return im;
}

/* Orientation o of im as phash.h numbers them: transpose (bit 2) first, then mirror x (bit 0), y (bit 1). */
static image
orient(const image *im, int o)
{
	int w = o & 4 ? im->h : im->w, h = o & 4 ? im->w : im->h;
	image out = { w, h, im->c, xmalloc((size_t)w * h * im->c) };

	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			int tx = o & 1 ? w - 1 - x : x, ty = o & 2 ? h - 1 - y : y;
			int sx = o & 4 ? ty : tx, sy = o & 4 ? tx : ty;
			memcpy(out.px + ((size_t)y * w + x) * im->c, im->px + ((size_t)sy * im->w + sx) * im->c,
			       (size_t)im->c);
		}
	return out;
}

/* Nearest-neighbour downscale by an integer factor (a crude resize). */
static image
shrink(const image *im, int f)
{
	int w = im->w / f, h = im->h / f;
	image out = { w, h, im->c, xmalloc((size_t)w * h * im->c) };

	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			memcpy(out.px + ((size_t)y * w + x) * im->c,
			       im->px + ((size_t)(y * f + f / 2) * im->w + x * f + f / 2) * im->c, (size_t)im->c);
	return out;
}

static void
test_hashes(int kind, const char *name)
{
	image a = picture(120, 90, 3, 1), b = picture(120, 90, 3, 2);
	image small = shrink(&a, 3);
	uint64_t ha[8], hb[8], hs[8];
	int worst = 0, ones = 0;

	phash_image(&a, kind, ha, 8);
	phash_image(&b, kind, hb, 8);
	phash_image(&small, kind, hs, 1);
	for (int o = 0; o < 8; o++) {
		image t = orient(&a, o);
		uint64_t h;
		int d;
		phash_image(&t, kind, &h, 1);
		d = phash_distance(h, ha[o]);
		worst = d > worst ? d : worst;
		img_free(&t);
	}
	CHECK(worst <= 2, "%s: the hash of each of the 8 orientations is that variant (worst %d bits)", name, worst);
	CHECK(phash_distance(ha[0], ha[1]) >= 12, "%s: a mirror image is far (%d bits)", name,
	      phash_distance(ha[0], ha[1]));
	CHECK(phash_distance(ha[0], hs[0]) <= 8, "%s: a third-size copy is near (%d bits)", name,
	      phash_distance(ha[0], hs[0]));
	CHECK(phash_distance(ha[0], hb[0]) >= 12, "%s: another picture is far (%d bits)", name,
	      phash_distance(ha[0], hb[0]));
	if (kind == PHASH_DCT) {
		ones = __builtin_popcountll(ha[0]);
		CHECK(ones == 32, "%s: half the bits are set, as the median splits them (%d)", name, ones);
	}
	/* gray and RGB of the same luma hash alike */
	{
		image g = { a.w, a.h, 1, xmalloc((size_t)a.w * a.h) };
		uint64_t hg;
		for (size_t i = 0; i < (size_t)a.w * a.h; i++) {
			const unsigned char *p = a.px + 3 * i;
			g.px[i] = (unsigned char)((19595u * p[0] + 38470u * p[1] + 7471u * p[2] + 32768) >> 16);
		}
		phash_image(&g, kind, &hg, 1);
		CHECK(phash_distance(hg, ha[0]) <= 6, "%s: the gray version is near (%d bits)", name,
		      phash_distance(hg, ha[0]));
		img_free(&g);
	}
	img_free(&a);
	img_free(&b);
	img_free(&small);
}

static void
test_format(void)
{
	char s[17];
	uint64_t h = 0;

	phash_format(0x0123456789abcdefull, s);
	CHECK(strcmp(s, "0123456789abcdef") == 0, "format: 16 hex digits (%s)", s);
	CHECK(phash_parse("0123456789ABCDEF", &h) == 0 && h == 0x0123456789abcdefull, "parse: upper case");
	CHECK(phash_parse("0123456789abcde", &h) == -1 && phash_parse("0123456789abcdefa", &h) == -1 &&
	      phash_parse("0123456789abcdeg", &h) == -1, "parse: refuses 15, 17 digits and non-hex");
}

/* Random hashes, every tenth one a copy of an earlier one with up to `flip` bits changed. */
static uint64_t *
synthetic(size_t n, int flip, uint64_t seed)
{
	uint64_t *h = xmalloc(n * sizeof *h);
	rng r;

	rng_seed(&r, seed);
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && rng_below(&r, 10) == 0) {
			uint64_t v = h[rng_below(&r, i)];
			int k = (int)rng_below(&r, (uint64_t)flip + 1);
			for (int j = 0; j < k; j++)
				v ^= 1ull << rng_below(&r, 64);
			h[i] = v;
		} else {
			h[i] = rng_next(&r);
		}
	}
	return h;
}

/* The reference: greedy grouping by a quadratic scan of the earlier leaders. */
static void
scan_group(const uint64_t *h, size_t n, int radius, uint32_t *leader, uint32_t *dist)
{
	for (size_t i = 0; i < n; i++) {
		int bd = radius + 1;
		leader[i] = (uint32_t)i;
		dist[i] = 0;
		for (size_t j = 0; j < i; j++) {
			int d = phash_distance(h[i], h[j]);
			if (leader[j] == j && d < bd) {
				bd = d;
				leader[i] = (uint32_t)j;
				dist[i] = (uint32_t)d;
			}
		}
	}
}

static void
test_join(void)
{
	for (int radius = 0; radius <= 30; radius += radius < 14 ? 2 : 16) {
		size_t n = radius > 14 ? 400 : 3000, bad = 0, grouped = 0;      /* 30: every pair compared */
		uint64_t *h = synthetic(n, radius + 2, (uint64_t)radius + 7);
		uint32_t *l1 = xmalloc(n * 4), *d1 = xmalloc(n * 4), *l2 = xmalloc(n * 4), *d2 = xmalloc(n * 4);
		struct hpair *p;
		long np = hjoin(h, NULL, n, radius, radius % 4 ? 2 : 1, &p), want = 0, sorted = 1;
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < i; j++)
				want += phash_distance(h[i], h[j]) <= radius;
		for (long k = 1; k < np; k++)
			sorted &= p[k - 1].a < p[k].a || (p[k - 1].a == p[k].a && (p[k - 1].d < p[k].d ||
			          (p[k - 1].d == p[k].d && p[k - 1].b < p[k].b)));
		CHECK(np == want && sorted, "join, radius %d, %d chunks: every pair once, sorted (%ld of %ld)",
		      radius, hjoin_chunks(n, radius), np, want);
		hjoin_group(p, (size_t)np, n, 0, l1, d1);
		scan_group(h, n, radius, l2, d2);
		for (size_t i = 0; i < n; i++) {
			bad += l1[i] != l2[i] || d1[i] != d2[i];
			grouped += l1[i] != i;
		}
		CHECK(bad == 0 && grouped > 0, "group, radius %d: the greedy grouping of a scan (%zu joined, %zu differ)",
		      radius, grouped, bad);
		free(p);
		free(h);
		free(l1);
		free(d1);
		free(l2);
		free(d2);
	}
	{
		/* nodes: 0 and 1 are a reference; entries 2, 3 are one node (2) */
		uint64_t h[5] = { 0, 0xff00, 0x0f, 0xff01, 0x07 };
		uint32_t node[5] = { 0, 1, 2, 2, 3 }, leader[4], dist[4];
		struct hpair *p;
		long np = hjoin(h, node, 5, 4, 1, &p);
		CHECK(np == 4, "join: entries of one node make one pair with each other node (%ld)", np);
		hjoin_group(p, (size_t)np, 4, 2, leader, dist);
		CHECK(leader[0] == 0 && leader[1] == 1 && leader[2] == 1 && dist[2] == 1 && leader[3] == 0 &&
		      dist[3] == 3, "group against a reference: each joins its nearest reference node");
		free(p);
		np = hjoin(h, NULL, 0, 8, 2, &p);
		CHECK(np == 0, "join: no hashes, no pairs");
		free(p);
	}
}

/* Greedy grouping as imgdedup does it, by the join or (with "scan") quadratically. */
static int
bench(size_t n, int radius, int threads, int scan)
{
	uint64_t *h = synthetic(n, radius, 99);
	uint32_t *leader = xmalloc(n * 4), *dist = xmalloc(n * 4);
	struct hpair *p = NULL;
	size_t joined = 0;
	long np = 0;
	double t0 = now_seconds(), t;

	if (scan) {
		scan_group(h, n, radius, leader, dist);
	} else {
		np = hjoin(h, NULL, n, radius, threads, &p);
		hjoin_group(p, (size_t)np, n, 0, leader, dist);
	}
	t = now_seconds() - t0;
	for (size_t i = 0; i < n; i++)
		joined += leader[i] != i;
	printf("%zu\t%d\t%s\t%d\t%.3f\t%zu\t%d\n", n, radius, scan ? "scan" : "join", threads, t, joined,
	       hjoin_chunks(n, radius));
	free(p);
	free(h);
	free(leader);
	free(dist);
	return 0;
}

/* N records holding only an id and a synthetic phash, as a stream on stdout. */
static int
write_stream(size_t n, int radius)
{
	uint64_t *h = synthetic(n, radius, 99);
	ts_writer *w = ts_writer_open(stdout, "-", 1);
	ts_record rec;
	char hex[17];

	ts_record_init(&rec);
	for (size_t i = 0; i < n && w; i++) {
		ts_record_clear(&rec);
		ts_setf(&rec, "id", "h%zu", i);
		phash_format(h[i], hex);
		ts_set(&rec, "phash", hex);
		if (ts_write(w, &rec) == -1)
			break;
	}
	ts_record_free(&rec);
	free(h);
	return w == NULL || ts_writer_close(w) == -1;
}

int
main(int argc, char **argv)
{
	if (argc >= 4 && strcmp(argv[1], "stream") == 0)
		return write_stream((size_t)atoll(argv[2]), atoi(argv[3]));
	if (argc >= 5 && strcmp(argv[1], "bench") == 0)
		return bench((size_t)atoll(argv[2]), atoi(argv[3]), atoi(argv[4]), argc > 5 && strcmp(argv[5], "scan") == 0);
	test_hashes(PHASH_DCT, "phash");
	test_hashes(PHASH_DIFF, "dhash");
	test_format();
	test_join();
	return CHECK_DONE();
}
