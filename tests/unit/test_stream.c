/*
 * The tensor stream (man/tensorstream.5): records, reader, writer.
 *
 *   test_stream                 runs the checks
 *   test_stream --write FILE    writes the known stream that tests/cli/stream_python.sh
 *                               reads back with the independent reader tests/tsread.py
 */
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>
#include <zstd.h>

#include "check.h"
#include "stream/tstream.h"
#include "stream/bytes.h"

#define NELEM(a) (sizeof(a) / sizeof *(a))

typedef struct {
	unsigned char *p;
	size_t n;
} blob;

/* ---- building records ---- */

static void
put(ts_record *r, const char *name, int dtype, int ndim, const uint64_t *dims,
    const void *data, uint64_t nbytes)
{
	if (ts_tensor_put(r, name, dtype, ndim, dims, data, nbytes) == NULL) {
		printf("FAIL cannot put tensor %s\n", name);
		exit(1);
	}
}

/* Record i with every dtype, special values included (bit patterns, not numbers). */
static void
make_full(ts_record *r, int i)
{
	static const uint32_t f32[6] = {
		0x3f000000, 0x80000000, 0x7f800000, 0x7fc00001, 0x00000001, 0x7f7fffff,
	};  /* 0.5, -0, inf, NaN with payload, smallest denormal, FLT_MAX */
	static const int32_t i32[4] = { INT32_MIN, -1, 0, INT32_MAX };
	static const uint16_t u16[3] = { 0, 1, 65535 };
	static const int64_t i64[4] = { INT64_MIN, -1, 1, INT64_MAX };
	static const uint64_t f64[3] = { 0x3fb999999999999aull, 0xc004000000000000ull,
	                                 0x7ff8000000000123ull };  /* 0.1, -2.5, NaN payload */
	static const unsigned char enc[5] = { 0x89, 'P', 'N', 'G', 0 };
	static const unsigned char fut[7] = { 1, 2, 3, 4, 5, 6, 7 };
	const float scalar = 42.0f;
	unsigned char img[18], mask[6];
	uint64_t d[4];

	ts_setf(r, "id", "rec-%d", i);
	ts_set(r, "label", i % 2 ? "cat" : "dog");
	ts_setf(r, "source", "test://%d", i);
	ts_set(r, "x-unknown-key", "kept \xe2\x9c\x93");   /* UTF-8 check mark */
	ts_set(r, "empty", "");
	for (int k = 0; k < 18; k++)
		img[k] = (unsigned char)(i * 7 + k);
	for (int k = 0; k < 6; k++)
		mask[k] = (unsigned char)((i + k) % 2);
	d[0] = 2, d[1] = 3, d[2] = 3;
	put(r, "image", TS_U8, 3, d, img, sizeof img);
	d[0] = 2, d[1] = 3;
	put(r, "mask", TS_U8, 2, d, mask, sizeof mask);
	d[0] = 4;
	put(r, "i32", TS_I32, 1, d, i32, sizeof i32);
	d[0] = 2, d[1] = 3;
	put(r, "f32", TS_F32, 2, d, f32, sizeof f32);
	d[0] = 3;
	put(r, "u16", TS_U16, 1, d, u16, sizeof u16);
	d[0] = 2, d[1] = 2;
	put(r, "i64", TS_I64, 2, d, i64, sizeof i64);
	d[0] = 3;
	put(r, "f64", TS_F64, 1, d, f64, sizeof f64);
	d[0] = 5;
	put(r, "encoded", TS_BYTES, 1, d, enc, sizeof enc);
	put(r, "scalar", TS_F32, 0, d, &scalar, sizeof scalar);
	d[0] = 0, d[1] = 3;
	put(r, "empty", TS_U8, 2, d, "", 0);
	d[0] = 3, d[1] = 5, d[2] = 1, d[3] = 9;
	put(r, "future", 200, 4, d, fut, sizeof fut);   /* unknown code: shape is not checked */
}

static void
make_small(ts_record *r, int i)
{
	uint64_t d[1] = { 3 };
	unsigned char px[3] = { (unsigned char)i, 1, 2 };

	ts_setf(r, "id", "%d", i);
	put(r, "image", TS_U8, 1, d, px, 3);
}

static int
rec_equal(const ts_record *a, const ts_record *b)
{
	if (a->nmeta != b->nmeta || a->ntensor != b->ntensor)
		return 0;
	for (size_t i = 0; i < a->nmeta; i++)
		if (strcmp(a->meta[i].key, b->meta[i].key) || strcmp(a->meta[i].val, b->meta[i].val))
			return 0;
	for (size_t i = 0; i < a->ntensor; i++) {
		const ts_tensor *s = &a->tensor[i], *t = &b->tensor[i];
		if (strcmp(s->name, t->name) || s->dtype != t->dtype || s->ndim != t->ndim ||
		    s->nbytes != t->nbytes || memcmp(s->dims, t->dims, (size_t)s->ndim * 8) ||
		    (s->nbytes && memcmp(s->data, t->data, s->nbytes)))
			return 0;
	}
	return 1;
}

/* ---- streams in memory ---- */

static blob
write_stream(ts_record *recs, size_t n, size_t flush_every)
{
	blob b = { NULL, 0 };
	char *p = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&p, &len);
	/* level 3, not the default: the damage tests place their cuts and flips for frames of
	 * compressed blocks, which make_big's 6-bit bytes give at 3 (at -1 they are raw blocks) */
	ts_writer *w = ts_writer_open(f, "mem", 3);
	int ok = 1;

	for (size_t i = 0; i < n; i++) {
		ok &= ts_write(w, &recs[i]) == 0;
		if (flush_every && (i + 1) % flush_every == 0)
			ok &= ts_writer_flush(w) == 0;
	}
	ok &= ts_writer_close(w) == 0;
	if (!ok)
		printf("FAIL writing: %s\n", ts_writer_error(w));
	ts_writer_free(w);
	fclose(f);
	b.p = (unsigned char *)p;
	b.n = len;
	return b;
}

static blob
cat(blob a, blob b)
{
	blob c = { malloc(a.n + b.n + 1), a.n + b.n };

	memcpy(c.p, a.p, a.n);
	memcpy(c.p + a.n, b.p, b.n);
	return c;
}

typedef struct {
	int rc;                 /* last ts_read: 0 clean end, -1 error */
	size_t n;               /* records read */
	int mismatch;           /* a record read differs from the one expected */
	char err[512];
} outcome;

/* Reads a stream from memory, comparing each record with want[] (when given). */
static outcome
read_cmp(const void *p, size_t n, const char *name, const ts_record *want, size_t nwant)
{
	outcome o = { 0, 0, 0, "" };
	FILE *f = fmemopen((void *)p, n, "r");
	ts_reader *r = ts_reader_open(f, name);
	ts_record rec;

	ts_record_init(&rec);
	while ((o.rc = ts_read(r, &rec)) == 1) {
		if (want && (o.n >= nwant || !rec_equal(&rec, &want[o.n])))
			o.mismatch = 1;
		o.n++;
	}
	snprintf(o.err, sizeof o.err, "%s", ts_reader_error(r));
	if (o.rc == -1 && ts_read(r, &rec) != -1)
		o.mismatch = 1;  /* errors must be final */
	ts_record_free(&rec);
	ts_reader_free(r);
	fclose(f);
	return o;
}

static blob
encode(ts_record *r)
{
	blob b = { NULL, 0 };
	size_t cap = 0;

	if (ts_record_encode(r, &b.p, &cap, &b.n) == -1)
		printf("FAIL encode\n");
	return b;
}

static void
rehash(unsigned char *raw, size_t len)
{
	put_le64(raw + len - 8, XXH3_64bits(raw, len - 8));
}

/* The 24 bytes of a stream header, as tensorstream(5) gives them. */
static void
put_head(unsigned char *p)
{
	put_le32(p, 0x184D2A5D);
	put_le32(p + 4, 16);
	memcpy(p + 8, "TSTREAM", 8);
	put_le32(p + 16, 1);
	put_le32(p + 20, 0);
}

/* A stream made by hand: a header, the payload in one zstd frame (checksum on), then an end frame. */
static blob
craft(const void *payload, size_t n, uint64_t count)
{
	size_t bound = ZSTD_compressBound(n);
	blob b = { malloc(bound + 48), 0 };
	ZSTD_CCtx *z = ZSTD_createCCtx();
	size_t c;

	ZSTD_CCtx_setParameter(z, ZSTD_c_checksumFlag, 1);
	put_head(b.p);
	c = ZSTD_compress2(z, b.p + 24, bound, payload, n);
	ZSTD_freeCCtx(z);
	if (ZSTD_isError(c)) {
		printf("FAIL compress: %s\n", ZSTD_getErrorName(c));
		exit(1);
	}
	c += 24;
	put_le32(b.p + c, 0x184D2A5E);
	put_le32(b.p + c + 4, 16);
	memcpy(b.p + c + 8, "TSTREAM", 8);
	put_le64(b.p + c + 16, count);
	b.n = c + 24;
	return b;
}

static size_t
count_zstd_frames(blob b, size_t *nskip)
{
	size_t pos = 0, n = 0;

	*nskip = 0;
	while (pos < b.n) {
		size_t fs = ZSTD_findFrameCompressedSize(b.p + pos, b.n - pos);
		if (ZSTD_isError(fs))
			return 0;
		if (get_le32(b.p + pos) == ZSTD_MAGICNUMBER)
			n++;
		else if (get_le32(b.p + pos) != 0x184D2A5D)     /* stream headers are not counted */
			(*nskip)++;
		pos += fs;
	}
	return n;
}

static int
starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* ---- the checks ---- */

static void
test_dtypes(void)
{
	ts_record in, out;
	blob s;
	FILE *f;
	ts_reader *r;
	int rc;
	ts_tensor *t;

	ts_record_init(&in);
	ts_record_init(&out);
	make_full(&in, 5);
	s = write_stream(&in, 1, 0);
	f = fmemopen(s.p, s.n, "r");
	r = ts_reader_open(f, "dtypes");
	rc = ts_read(r, &out);
	CHECK(rc == 1, "dtypes: one record read (%s)", ts_reader_error(r));
	CHECK(rec_equal(&in, &out), "dtypes: every dtype round-trips: names, shapes, bytes, metadata order");
	CHECK(out.nmeta == 5 && strcmp(out.meta[0].key, "id") == 0 && strcmp(out.meta[3].key, "x-unknown-key") == 0 &&
	      strcmp(out.meta[4].val, "") == 0, "dtypes: metadata order and empty value kept");
	CHECK(strcmp(ts_get(&out, "x-unknown-key"), "kept \xe2\x9c\x93") == 0, "dtypes: UTF-8 value kept");
	t = ts_tensor_get(&out, "f32");
	CHECK(t && t->dtype == TS_F32 && t->ndim == 2 && t->dims[0] == 2 && t->dims[1] == 3 &&
	      get_le32((unsigned char *)t->data + 12) == 0x7fc00001 && isnan(((float *)t->data)[3]) &&
	      signbit(((float *)t->data)[1]), "dtypes: f32 NaN payload and -0 bit-exact");
	t = ts_tensor_get(&out, "i64");
	CHECK(t && ((int64_t *)t->data)[0] == INT64_MIN && ((int64_t *)t->data)[3] == INT64_MAX, "dtypes: i64 extremes");
	t = ts_tensor_get(&out, "scalar");
	CHECK(t && t->ndim == 0 && t->nbytes == 4 && ((float *)t->data)[0] == 42.0f, "dtypes: scalar (ndim 0)");
	t = ts_tensor_get(&out, "empty");
	CHECK(t && t->nbytes == 0 && t->dims[0] == 0 && t->dims[1] == 3, "dtypes: empty tensor");
	t = ts_tensor_get(&out, "future");
	CHECK(t && t->dtype == 200 && t->ndim == 4 && t->dims[3] == 9 && t->nbytes == 7 &&
	      memcmp(t->data, "\1\2\3\4\5\6\7", 7) == 0, "dtypes: unknown dtype 200 carried as opaque bytes");
	rc = 1;
	for (size_t i = 0; i < out.ntensor; i++)
		if ((uintptr_t)out.tensor[i].data % 8 != 0)
			rc = 0;
	CHECK(rc, "dtypes: tensor data 8-byte aligned in memory");
	CHECK(ts_read(r, &out) == 0, "dtypes: clean end (%s)", ts_reader_error(r));
	{
		blob e = encode(&in);
		CHECK(ts_reader_nrec(r) == 1 && ts_reader_bytes(r) == e.n && e.n % 8 == 0,
		      "dtypes: reader counts records and payload bytes");
		free(e.p);
	}
	ts_reader_free(r);
	fclose(f);
	free(s.p);

	CHECK(ts_dtype_size(TS_U8) == 1 && ts_dtype_size(TS_U16) == 2 && ts_dtype_size(TS_I32) == 4 &&
	      ts_dtype_size(TS_F32) == 4 && ts_dtype_size(TS_I64) == 8 && ts_dtype_size(TS_F64) == 8 &&
	      ts_dtype_size(TS_BYTES) == 0 && ts_dtype_size(200) == 0, "dtype sizes");
	rc = 1;
	for (int d = 1; d <= 7; d++)
		if (ts_dtype_parse(ts_dtype_name(d)) != d)
			rc = 0;
	CHECK(rc && strcmp(ts_dtype_name(200), "dtype200") == 0 && ts_dtype_parse("f16") == -1,
	      "dtype names round-trip");
	ts_record_free(&in);
	ts_record_free(&out);
}

static void
test_empty(void)
{
	ts_record e, got;
	blob s, raw;
	outcome o;

	ts_record_init(&e);
	ts_record_init(&got);
	raw = encode(&e);
	CHECK(raw.n == 32 && memcmp(raw.p, "TSR1\1\0\0\0", 8) == 0 && get_le64(raw.p + 16) == 0 &&
	      get_le64(raw.p + 24) == XXH3_64bits(raw.p, 24), "empty record: 24-byte header + 8-byte trailer");
	s = write_stream(&e, 1, 0);
	o = read_cmp(s.p, s.n, "e", &e, 1);
	CHECK(o.rc == 0 && o.n == 1 && !o.mismatch, "empty record round-trips (%s)", o.err);
	free(s.p);
	free(raw.p);

	s = write_stream(NULL, 0, 0);
	{
		unsigned char head[24];
		put_head(head);
		CHECK(s.n == 48 && memcmp(s.p, head, 24) == 0 && get_le32(s.p + 24) == 0x184D2A5E &&
		      get_le64(s.p + 40) == 0, "stream of no records: a header and an end frame (%zu bytes)", s.n);
	}
	o = read_cmp(s.p, s.n, "e", NULL, 0);
	CHECK(o.rc == 0 && o.n == 0, "stream of no records reads cleanly (%s)", o.err);
	CHECK(ts_is_stream(s.p, s.n), "ts_is_stream: a stream header");
	o = read_cmp(s.p, 24, "h", NULL, 0);
	CHECK(o.rc == -1 && strcmp(o.err, "h: record 1: stream ends without its end frame "
	      "(truncated; did the program writing it fail?)") == 0, "a header alone is truncated: %s", o.err);
	o = read_cmp(s.p + 24, 24, "x", NULL, 0);
	CHECK(o.rc == -1 && strstr(o.err, "x: record 1: corrupt stream: an end frame without a stream header"),
	      "an end frame alone is not a stream: %s", o.err);
	free(s.p);
	o = read_cmp("", 0, "e", NULL, 0);
	CHECK(o.rc == -1 && strcmp(o.err, "e: empty input: no stream header; did the program writing it fail?") == 0,
	      "empty input is not a stream: %s", o.err);
	ts_record_free(&e);
	ts_record_free(&got);
}

/* Pseudo-random but compressible-ish content so the frames really fill. */
static void
make_big(ts_record *r, int i)
{
	static unsigned char px[20000];
	uint32_t x = 2463534242u + (uint32_t)i;
	uint64_t d[3] = { 100, 100, 2 };
	int32_t lab[2] = { i, -i };

	for (size_t k = 0; k < sizeof px; k++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		px[k] = (unsigned char)(x & 0x3f);
	}
	ts_setf(r, "id", "big-%d", i);
	put(r, "image", TS_U8, 3, d, px, sizeof px);
	d[0] = 2;
	put(r, "lab", TS_I32, 1, d, lab, sizeof lab);
}

static void
test_many(void)
{
	enum { N = 300 };
	ts_record *recs = calloc(N, sizeof *recs);
	blob s;
	size_t frames, skips;
	outcome o;
	uint64_t payload = 0;

	for (int i = 0; i < N; i++) {
		make_big(&recs[i], i);
		blob e = encode(&recs[i]);
		payload += e.n;
		free(e.p);
	}
	s = write_stream(recs, N, 0);
	frames = count_zstd_frames(s, &skips);
	CHECK(payload > ((uint64_t)4 << 20) && frames >= 2 && skips == 1,
	      "many: %llu payload bytes in %zu zstd frames and 1 end frame",
	      (unsigned long long)payload, frames);
	o = read_cmp(s.p, s.n, "many", recs, N);
	CHECK(o.rc == 0 && o.n == N && !o.mismatch, "many: all %d records back across frames (%s)", N, o.err);
	free(s.p);
	for (int i = 0; i < N; i++)
		ts_record_free(&recs[i]);
	free(recs);
}

static void
test_concat(void)
{
	ts_record recs[8];
	blob a, b, none, ab, abn, c;
	outcome o;
	unsigned char skip[8 + 5] = { 0x50, 0x2A, 0x4D, 0x18, 5, 0, 0, 0, 'h', 'e', 'l', 'l', 'o' };

	for (int i = 0; i < 8; i++) {
		ts_record_init(&recs[i]);
		make_small(&recs[i], i);
	}
	a = write_stream(recs, 3, 0);
	b = write_stream(recs + 3, 5, 2);
	none = write_stream(NULL, 0, 0);
	ab = cat(a, b);
	o = read_cmp(ab.p, ab.n, "ab", recs, 8);
	CHECK(o.rc == 0 && o.n == 8 && !o.mismatch, "cat a b reads as one stream of 8 records (%s)", o.err);
	abn = cat(ab, none);
	c = cat(none, abn);
	o = read_cmp(c.p, c.n, "nabn", recs, 8);
	CHECK(o.rc == 0 && o.n == 8 && !o.mismatch, "cat none a b none reads 8 records (%s)", o.err);
	free(c.p);
	/* a foreign skippable frame between frames and between streams is skipped */
	{
		blob sk = { skip, sizeof skip }, t1 = cat(a, sk), t2 = cat(sk, t1), t3 = cat(t2, b);
		o = read_cmp(t3.p, t3.n, "skip", recs, 8);
		CHECK(o.rc == 0 && o.n == 8 && !o.mismatch, "foreign skippable frames are ignored (%s)", o.err);
		free(t1.p), free(t2.p), free(t3.p);
	}
	/* truncating a concatenation: a clean end is allowed only at the boundary */
	{
		int bad = 0, boundary = 0;
		for (size_t cut = 1; cut < ab.n; cut++) {
			o = read_cmp(ab.p, cut, "ab", recs, 8);
			if (o.mismatch || (o.rc == 0 && !(cut == a.n && o.n == 3)))
				bad++;
			if (o.rc == 0)
				boundary++;
		}
		CHECK(bad == 0 && boundary == 1, "cat a b cut anywhere: clean only at the boundary (%d bad)", bad);
	}
	free(a.p), free(b.p), free(none.p), free(ab.p), free(abn.p);
	for (int i = 0; i < 8; i++)
		ts_record_free(&recs[i]);
}

/* Every cut of the stream must end in an error, and name the record; only the whole reads cleanly. */
static void
truncations(const char *what, blob s, const ts_record *recs, size_t n)
{
	int bad = 0, badmsg = 0;
	outcome o;

	o = read_cmp(s.p, 0, "cut", recs, n);
	CHECK(o.rc == -1 && o.n == 0 && strstr(o.err, "empty input"), "%s: cut at 0 is no stream: %s", what, o.err);
	o = read_cmp(s.p, s.n, "cut", recs, n);
	CHECK(o.rc == 0 && o.n == n && !o.mismatch, "%s: uncut reads %zu records", what, n);
	for (size_t cut = 1; cut < s.n; cut++) {
		char want[64];
		o = read_cmp(s.p, cut, "cut", recs, n);
		if (o.rc != -1 || o.mismatch) {
			if (bad++ < 3)
				printf("  cut %zu: rc %d, %zu records\n", cut, o.rc, o.n);
		}
		snprintf(want, sizeof want, "cut: record %zu: ", o.n + 1);
		if (!starts_with(o.err, want) && badmsg++ < 3)
			printf("  cut %zu: message '%s'\n", cut, o.err);
	}
	CHECK(bad == 0, "%s: truncation at each of %zu offsets detected", what, s.n - 1);
	CHECK(badmsg == 0, "%s: truncation messages name the record", what);
}

/* Every single-bit flip must be an error, or decode to the very same records. */
static void
bitflips(const char *what, blob s, const ts_record *recs, size_t n)
{
	int bad = 0, benign = 0, errors = 0;
	unsigned char *p = malloc(s.n);

	for (size_t off = 0; off < s.n; off++)
		for (int bit = 0; bit < 8; bit++) {
			outcome o;
			memcpy(p, s.p, s.n);
			p[off] ^= (unsigned char)(1 << bit);
			o = read_cmp(p, s.n, "flip", recs, n);
			if (o.rc == -1 && !o.mismatch)
				errors++;
			else if (o.rc == 0 && o.n == n && !o.mismatch)
				benign++;   /* e.g. an unused zstd frame-header bit: the data is intact */
			else if (bad++ < 3)
				printf("  flip %zu.%d: rc %d, %zu records, mismatch %d\n", off, bit, o.rc, o.n, o.mismatch);
		}
	CHECK(bad == 0, "%s: %zu bit flips: %d errors, %d harmless (identical records), %d bad",
	      what, s.n * 8, errors, benign, bad);
	free(p);
}

static void
test_damage(void)
{
	ts_record recs[3];
	blob one, multi, raw, st;
	int bad = 0;

	for (int i = 0; i < 3; i++) {
		ts_record_init(&recs[i]);
		make_small(&recs[i], i);
	}
	ts_set(&recs[1], "label", "a longer value to vary the sizes");
	one = write_stream(recs, 3, 0);
	multi = write_stream(recs, 3, 1);
	{
		size_t sk, f1 = count_zstd_frames(one, &sk), f3 = count_zstd_frames(multi, &sk);
		CHECK(f1 == 1 && f3 == 3, "damage: single-frame and 3-frame streams (%zu, %zu)", f1, f3);
	}
	truncations("single-frame", one, recs, 3);
	truncations("multi-frame", multi, recs, 3);
	bitflips("single-frame", one, recs, 3);
	bitflips("multi-frame", multi, recs, 3);

	/* below zstd: flip every bit of a record and let the record checksum catch it */
	raw = encode(&recs[1]);
	for (size_t off = 0; off < raw.n; off++)
		for (int bit = 0; bit < 8; bit++) {
			outcome o;
			raw.p[off] ^= (unsigned char)(1 << bit);
			st = craft(raw.p, raw.n, 1);
			o = read_cmp(st.p, st.n, "raw", NULL, 0);
			if (o.rc != -1 || o.n != 0 || !starts_with(o.err, "raw: record 1: "))
				bad++;
			raw.p[off] ^= (unsigned char)(1 << bit);
			free(st.p);
		}
	CHECK(bad == 0, "record checksum: all %zu bit flips inside a record detected (%d missed)", raw.n * 8, bad);
	free(raw.p);
	free(one.p);
	free(multi.p);
	for (int i = 0; i < 3; i++)
		ts_record_free(&recs[i]);
}

static void
test_limits(void)
{
	unsigned char h[32] = "TSR1\1\0\0\0";
	blob st;
	outcome o;
	ts_record big;

	put_le64(h + 16, (uint64_t)1 << 40);    /* a 1 TB body */
	st = craft(h, 24, 1);
	o = read_cmp(st.p, st.n, "huge", NULL, 0);
	CHECK(o.rc == -1 && strcmp(o.err, "huge: record 1: record body of 1099511627776 bytes exceeds "
	      "the record limit of 2147483648 bytes (TS_MAX_RECORD)") == 0, "1 TB body refused: %s", o.err);
	/* with the limit lifted the reader still allocates only what arrives (ASan aborts on a 1 TB malloc) */
	ts_set_max_record(((uint64_t)1 << 41));
	o = read_cmp(st.p, st.n, "huge", NULL, 0);
	CHECK(o.rc == -1 && strstr(o.err, "huge: record 1: ") && !strstr(o.err, "memory") &&
	      strstr(o.err, "truncated"), "1 TB body under a 2 TB limit: truncated, no huge allocation: %s", o.err);
	ts_set_max_record(40);
	o = read_cmp(st.p, st.n, "huge", NULL, 0);
	CHECK(o.rc == -1 && strstr(o.err, "limit of 40 bytes"), "limit of 40 bytes: %s", o.err);
	ts_set_max_record(8);   /* smaller than a header: still a limit, not a wrap-around */
	o = read_cmp(st.p, st.n, "huge", NULL, 0);
	CHECK(o.rc == -1 && strstr(o.err, "limit of 8 bytes"), "limit below the header size: %s", o.err);
	free(st.p);

	/* TS_MAX_RECORD from the environment, read when no limit was set */
	ts_record_init(&big);
	make_full(&big, 1);
	st = write_stream(&big, 1, 0);
	setenv("TS_MAX_RECORD", "100", 1);
	ts_set_max_record(0);
	o = read_cmp(st.p, st.n, "env", NULL, 0);
	CHECK(o.rc == -1 && strstr(o.err, "env: record 1: ") && strstr(o.err, "limit of 100 bytes (TS_MAX_RECORD)"),
	      "TS_MAX_RECORD=100 refuses a larger record: %s", o.err);
	setenv("TS_MAX_RECORD", "1k", 1);
	ts_set_max_record(0);
	o = read_cmp(st.p, st.n, "env", &big, 1);
	CHECK(o.rc == 0 && o.n == 1, "TS_MAX_RECORD=1k allows a 728-byte record (%s)", o.err);
	{
		/* a value that is not a size is an error, never a silent default */
		static const char *const badv[][2] = {
			{ "0k", "below 32 bytes" }, { "0", "below 32 bytes" }, { "31", "below 32 bytes" },
			{ "5GB", "not a size" }, { "", "not a size" }, { "abc", "not a size" }, { "-1", "not a size" },
			{ " 1k", "not a size" }, { "99999999999999999999", "too large" }, { "9999999999G", "too large" },
		};
		for (size_t i = 0; i < sizeof badv / sizeof *badv; i++) {
			char want[128];
			setenv("TS_MAX_RECORD", badv[i][0], 1);
			ts_set_max_record(0);
			o = read_cmp(st.p, st.n, "env", &big, 1);
			snprintf(want, sizeof want, "env: TS_MAX_RECORD='%s': %s", badv[i][0], badv[i][1]);
			CHECK(o.rc == -1 && o.n == 0 && starts_with(o.err, want), "TS_MAX_RECORD='%s' refused: %s",
			      badv[i][0], o.err);
		}
		setenv("TS_MAX_RECORD", "32", 1);
		ts_set_max_record(0);
		o = read_cmp(st.p, st.n, "env", &big, 1);
		CHECK(o.rc == -1 && strstr(o.err, "limit of 32 bytes"), "TS_MAX_RECORD=32: the whole record counts: %s",
		      o.err);
	}
	unsetenv("TS_MAX_RECORD");
	ts_set_max_record(0);
	o = read_cmp(st.p, st.n, "env", &big, 1);
	CHECK(o.rc == 0 && o.n == 1, "default limit again (%s)", o.err);
	free(st.p);
	ts_record_free(&big);

	memset(h + 16, 0, 8);
	put_le32(h + 8, TS_MAX_META + 1);
	st = craft(h, 24, 1);
	o = read_cmp(st.p, st.n, "meta", NULL, 0);
	CHECK(o.rc == -1 && strstr(o.err, "65537 metadata entries exceed the limit of 65536"), "metadata count limit: %s", o.err);
	free(st.p);
	put_le32(h + 8, 0);
	put_le32(h + 12, TS_MAX_TENSORS + 1);
	st = craft(h, 24, 1);
	o = read_cmp(st.p, st.n, "ten", NULL, 0);
	CHECK(o.rc == -1 && strstr(o.err, "4097 tensors exceed the limit of 4096"), "tensor count limit: %s", o.err);
	free(st.p);
	put_le32(h + 12, 0);
	put_le64(h + 16, 12);
	st = craft(h, 24, 1);
	o = read_cmp(st.p, st.n, "odd", NULL, 0);
	CHECK(o.rc == -1 && strstr(o.err, "not a multiple of 8"), "body length multiple of 8: %s", o.err);
	free(st.p);
}

/* Stream of records a, b with b's header changed at offset off to the 16-bit value v. */
static outcome
read_patched(const char *name, size_t off, uint16_t v, int fixhash)
{
	ts_record a, b;
	blob ra, rb, both, st;
	outcome o;

	ts_record_init(&a), ts_record_init(&b);
	make_small(&a, 1), make_small(&b, 2);
	ra = encode(&a), rb = encode(&b);
	put_le16(rb.p + off, v);
	if (fixhash)
		rehash(rb.p, rb.n);
	both = cat(ra, rb);
	st = craft(both.p, both.n, 2);
	o = read_cmp(st.p, st.n, name, &a, 1);
	free(ra.p), free(rb.p), free(both.p), free(st.p);
	ts_record_free(&a), ts_record_free(&b);
	return o;
}

static void
test_messages(void)
{
	outcome o;
	ts_record recs[3];
	blob raw[3], all, st;
	size_t n = 0;

	o = read_patched("v2", 4, 2, 1);
	CHECK(o.rc == -1 && o.n == 1 && !o.mismatch &&
	      strcmp(o.err, "v2: record 2: unsupported record version 2 (this reader knows 1)") == 0,
	      "version 2 rejected: %s", o.err);
	o = read_patched("fl", 6, 1, 1);
	CHECK(o.rc == -1 && o.n == 1 && strcmp(o.err, "fl: record 2: unsupported record flags 0x0001") == 0,
	      "flags rejected: %s", o.err);
	o = read_patched("mg", 0, 0x5858, 1);
	CHECK(o.rc == -1 && strcmp(o.err, "mg: record 2: not a tensor stream record (bad magic)") == 0,
	      "bad record magic: %s", o.err);

	/* the third record's checksum is wrong */
	for (int i = 0; i < 3; i++) {
		ts_record_init(&recs[i]);
		make_small(&recs[i], i);
		raw[i] = encode(&recs[i]);
		n += raw[i].n;
	}
	raw[2].p[raw[2].n - 1] ^= 1;
	all.p = malloc(n), all.n = 0;
	for (int i = 0; i < 3; i++)
		memcpy(all.p + all.n, raw[i].p, raw[i].n), all.n += raw[i].n;
	st = craft(all.p, all.n, 3);
	o = read_cmp(st.p, st.n, "sum", recs, 3);
	CHECK(o.rc == -1 && o.n == 2 && strcmp(o.err, "sum: record 3: record checksum mismatch (corrupt data)") == 0,
	      "checksum error names record 3: %s", o.err);
	free(st.p);
	raw[2].p[raw[2].n - 1] ^= 1;
	memcpy(all.p + all.n - raw[2].n, raw[2].p, raw[2].n);
	st = craft(all.p, all.n, 4);
	o = read_cmp(st.p, st.n, "cnt", recs, 3);
	CHECK(o.rc == -1 && o.n == 3 && strstr(o.err, "cnt: record 4: end frame counts 4 records but 3 were read"),
	      "end frame count checked: %s", o.err);
	free(st.p);
	/* the end frame must not fall inside a record */
	{
		blob r1 = craft(all.p, raw[0].n + 10, 1), r2 = craft(all.p + raw[0].n + 10, all.n - raw[0].n - 10, 2);
		blob r12 = cat(r1, r2);
		o = read_cmp(r12.p, r12.n, "mid", recs, 3);
		CHECK(o.rc == -1 && o.n == 1 && strcmp(o.err, "mid: record 2: end frame inside a record (record truncated)") == 0,
		      "end frame inside a record: %s", o.err);
		/* without it, a record split across zstd frames is fine */
		memcpy(r12.p + r1.n - 24, r2.p + 24, r2.n - 24);       /* without r1's end frame and r2's header */
		r12.n -= 48;
		put_le64(r12.p + r12.n - 8, 3);
		o = read_cmp(r12.p, r12.n, "split", recs, 3);
		CHECK(o.rc == 0 && o.n == 3 && !o.mismatch, "record split across zstd frames is read (%s)", o.err);
		free(r1.p), free(r2.p), free(r12.p);
	}
	free(all.p);
	for (int i = 0; i < 3; i++) {
		free(raw[i].p);
		ts_record_free(&recs[i]);
	}

	o = read_cmp("\x89PNG\r\n\x1a\n", 8, "x.png", NULL, 0);
	CHECK(o.rc == -1 && strcmp(o.err, "x.png: not a tensor stream (no stream header at the start)") == 0,
	      "not a stream: %s", o.err);
	CHECK(!ts_is_stream("\x89PNG", 4), "ts_is_stream: PNG is not a stream");
	{
		ts_record e;
		blob s, g;
		ts_record_init(&e);
		s = write_stream(&e, 1, 0);
		g = cat(s, (blob){ (unsigned char *)"garbage!", 8 });
		o = read_cmp(g.p, g.n, "g", &e, 1);
		CHECK(o.rc == -1 && o.n == 1 && strcmp(o.err, "g: record 2: corrupt stream: data that is not a zstd frame") == 0,
		      "garbage after a stream: %s", o.err);
		free(s.p), free(g.p);
	}

	/*
	 * A strict decoder: reserved fields and padding must be zero, so a record
	 * that decodes re-encodes to the very same bytes.
	 */
	{
		ts_record r, got;
		blob e;
		char err[256];
		int ok = 1, refused = 0;
		uint64_t d = 3;
		ts_record_init(&r), ts_record_init(&got);
		ts_set(&r, "k", "v");               /* 8 + 2 + 2 bytes, 4 bytes of padding */
		put(&r, "t", TS_U8, 1, &d, "abc", 3); /* header 16+8+2 -> pad 6; data 3 -> pad 5 */
		e = encode(&r);
		for (size_t off = 24; off < e.n - 8; off++) {
			unsigned char *c = malloc(e.n);
			memcpy(c, e.p, e.n);
			c[off] ^= 0x40;
			rehash(c, e.n);
			if (ts_record_decode(&got, c, e.n, e.n, err, sizeof err) == 0) {
				blob again;
				got.dirty = 1;
				again = encode(&got);
				if (again.n != e.n || memcmp(again.p, got.raw, e.n) != 0) {
					ok = 0;
					printf("  byte %zu changed: decodes but is not canonical\n", off);
				}
				free(again.p);
			} else {
				refused++;
				if (got.nmeta || got.ntensor)
					ok = 0;     /* never half a record */
			}
		}
		CHECK(ok && refused == 49, "decoder: changed bytes are refused (%d: padding, reserved, lengths) "
		      "or decode to a record that re-encodes to the same bytes", refused);
		free(e.p);
		ts_record_free(&r), ts_record_free(&got);
	}
}

static void
test_unknown_preserved(void)
{
	ts_record r, got, again;
	blob s1, s2, s3, raw;
	FILE *f;
	ts_reader *rd;

	ts_record_init(&r), ts_record_init(&got), ts_record_init(&again);
	make_full(&r, 3);
	raw = encode(&r);
	s1 = write_stream(&r, 1, 0);
	f = fmemopen(s1.p, s1.n, "r");
	rd = ts_reader_open(f, "u");
	CHECK(ts_read(rd, &got) == 1 && !got.dirty && got.rawlen == raw.n && memcmp(got.raw, raw.p, raw.n) == 0,
	      "unknown: the record as read is the bytes written");
	ts_reader_free(rd);
	fclose(f);
	s2 = write_stream(&got, 1, 0);                          /* passed through untouched */
	CHECK(s2.n == s1.n && memcmp(s1.p, s2.p, s1.n) == 0, "unknown: read -> write reproduces the stream");
	ts_set(&got, "x-tmp", "1");
	ts_unset(&got, "x-tmp");
	CHECK(got.dirty, "unknown: ts_set/ts_unset mark the record changed");
	s3 = write_stream(&got, 1, 0);                          /* re-encoded from the fields */
	f = fmemopen(s3.p, s3.n, "r");
	rd = ts_reader_open(f, "u");
	CHECK(ts_read(rd, &again) == 1 && again.rawlen == raw.n && memcmp(again.raw, raw.p, raw.n) == 0 &&
	      ts_tensor_get(&again, "future")->dtype == 200 && ts_get(&again, "x-unknown-key"),
	      "unknown: re-encoding keeps unknown keys and dtype 200 byte-exact");
	ts_reader_free(rd);
	fclose(f);
	free(s1.p), free(s2.p), free(s3.p), free(raw.p);
	ts_record_free(&r), ts_record_free(&got), ts_record_free(&again);
}

static void
test_api(void)
{
	ts_record r, c;
	uint64_t d[3] = { 2, 2, 1 };
	unsigned char px[4] = { 1, 2, 3, 4 }, px2[4] = { 9, 8, 7, 6 };
	char longv[600];
	ts_tensor *t;

	ts_record_init(&r), ts_record_init(&c);
	ts_set(&r, "id", "1");
	ts_set(&r, "label", "cat");
	ts_set(&r, "source", "s");
	CHECK(ts_set(&r, "label", "dog") == 0 && r.nmeta == 3 && strcmp(r.meta[1].key, "label") == 0 &&
	      strcmp(ts_get(&r, "label"), "dog") == 0, "ts_set replaces in place");
	CHECK(ts_set(&r, "", "x") == -1 && ts_get(&r, "") == NULL, "ts_set refuses an empty key");
	memset(longv, 'v', sizeof longv - 1);
	longv[sizeof longv - 1] = '\0';
	CHECK(ts_setf(&r, "long", "%s!", longv) == 0 && strlen(ts_get(&r, "long")) == sizeof longv &&
	      r.nmeta == 4, "ts_setf beyond its stack buffer appends");
	CHECK(ts_unset(&r, "label") == 0 && r.nmeta == 3 && strcmp(r.meta[1].key, "source") == 0 &&
	      ts_get(&r, "label") == NULL, "ts_unset removes and keeps the order");
	CHECK(ts_unset(&r, "label") == -1, "ts_unset of a missing key is -1");
	CHECK(ts_get(&r, "nothing") == NULL, "ts_get of a missing key is NULL");

	put(&r, "a", TS_U8, 3, d, px, 4);
	put(&r, "b", TS_U8, 3, d, px, 4);
	put(&r, "c", TS_U8, 3, d, px, 4);
	t = ts_tensor_get(&r, "b");
	/* replacing a tensor with its own name and shape pointers */
	t = ts_tensor_put(&r, t->name, t->dtype, t->ndim, t->dims, px2, t->nbytes);
	CHECK(t == &r.tensor[1] && t->ndim == 3 && t->dims[0] == 2 && t->dims[1] == 2 && t->dims[2] == 1 &&
	      memcmp(t->data, px2, 4) == 0 && strcmp(t->name, "b") == 0,
	      "ts_tensor_put replaces in place, even given the old tensor's own name and dims");
	CHECK(ts_tensor_remove(&r, "b") == 0 && r.ntensor == 2 && strcmp(r.tensor[1].name, "c") == 0,
	      "ts_tensor_remove keeps the order");
	CHECK(ts_tensor_remove(&r, "b") == -1 && ts_tensor_get(&r, "b") == NULL, "removing a missing tensor is -1");
	d[0] = 3;
	CHECK(ts_tensor_put(&r, "bad", TS_U8, 3, d, px, 4) == NULL, "shape must match nbytes");
	CHECK(ts_tensor_put(&r, "bad", TS_I32, 1, (uint64_t[]){ 1 }, px, 3) == NULL, "i32 nbytes must be 4 per element");
	CHECK(ts_tensor_put(&r, "bad", TS_BYTES, 2, (uint64_t[]){ 1, 4 }, px, 4) == NULL, "bytes must be 1-D");
	CHECK(ts_tensor_put(&r, "bad", 0, 1, (uint64_t[]){ 4 }, px, 4) == NULL, "dtype 0 refused");
	CHECK(ts_tensor_put(&r, "bad", 256, 1, (uint64_t[]){ 4 }, px, 4) == NULL, "dtype 256 refused");
	CHECK(ts_tensor_put(&r, "bad", TS_U8, 5, (uint64_t[]){ 1, 1, 1, 1, 4 }, px, 4) == NULL, "5 dims refused");
	CHECK(ts_tensor_put(&r, "", TS_U8, 1, (uint64_t[]){ 4 }, px, 4) == NULL, "empty name refused");
	CHECK(ts_tensor_get(&r, "bad") == NULL && r.ntensor == 2, "refused tensors leave the record alone");
	CHECK(ts_tensor_put(&r, "bad", TS_U8, 3, (uint64_t[]){ 1ull << 40, 1ull << 40, 0 }, px, 0) != NULL &&
	      ts_tensor_remove(&r, "bad") == 0, "a 0 dimension makes a tensor empty, however large the others");
	CHECK(ts_tensor_put(&r, "bad", TS_F64, 2, (uint64_t[]){ 1ull << 61, 1 }, px, 0) == NULL &&
	      ts_tensor_put(&r, "bad", TS_U8, 2, (uint64_t[]){ 1ull << 32, 1ull << 32 }, px, 0) == NULL,
	      "element counts beyond 64 bits match no nbytes");

	/* a deep copy, independent of its source */
	CHECK(ts_record_copy(&c, &r) == 0 && rec_equal(&c, &r) && !c.dirty, "ts_record_copy copies");
	ts_set(&r, "id", "2");
	r.tensor[0].data = memset(r.tensor[0].data, 0, 4);
	ts_record_free(&r);
	CHECK(strcmp(ts_get(&c, "id"), "1") == 0 && memcmp(ts_tensor_get(&c, "a")->data, px, 4) == 0 &&
	      ts_get(&c, "long") != NULL, "the copy survives changes to and freeing of the source");
	ts_record_init(&r);
	CHECK(ts_record_copy(&r, &c) == 0 && rec_equal(&r, &c), "copying a copy");
	ts_record_clear(&r);
	CHECK(r.nmeta == 0 && r.ntensor == 0 && r.capmeta > 0, "ts_record_clear empties, keeps buffers");
	ts_record_free(&r);
	ts_record_free(NULL);
	ts_record_free(&c);
}

static void
test_modify_after_read(void)
{
	ts_record in[2], got, back;
	blob s, s2;
	FILE *f;
	ts_reader *rd;
	ts_tensor *t;
	uint64_t d[2] = { 2, 2 };
	float w[4] = { 1, 2, 3, 4 };
	int n = 0;
	char *p = NULL;
	size_t len = 0;
	FILE *o = open_memstream(&p, &len);
	ts_writer *wr = ts_writer_open(o, "mod", 1);

	ts_record_init(&in[0]), ts_record_init(&in[1]), ts_record_init(&got), ts_record_init(&back);
	make_full(&in[0], 1);
	make_full(&in[1], 2);
	s = write_stream(in, 2, 0);
	f = fmemopen(s.p, s.n, "r");
	rd = ts_reader_open(f, "mod");
	while (ts_read(rd, &got) == 1) {
		ts_set(&got, "label", "changed");               /* replace */
		ts_unset(&got, "source");                       /* remove */
		ts_setf(&got, "n", "%d", n++);                  /* append */
		ts_tensor_remove(&got, "mask");
		put(&got, "weights", TS_F32, 2, d, w, sizeof w);
		t = ts_tensor_get(&got, "image");
		((unsigned char *)t->data)[0] ^= 0xff;          /* in place, into the read buffer */
		ts_write(wr, &got);
	}
	ts_reader_free(rd);
	fclose(f);
	ts_writer_close(wr);
	ts_writer_free(wr);
	fclose(o);
	s2.p = (unsigned char *)p, s2.n = len;
	for (int i = 0; i < 2; i++) {
		ts_set(&in[i], "label", "changed");
		ts_unset(&in[i], "source");
		ts_setf(&in[i], "n", "%d", i);
		ts_tensor_remove(&in[i], "mask");
		put(&in[i], "weights", TS_F32, 2, d, w, sizeof w);
		((unsigned char *)ts_tensor_get(&in[i], "image")->data)[0] ^= 0xff;
	}
	{
		outcome oc = read_cmp(s2.p, s2.n, "mod", in, 2);
		CHECK(oc.rc == 0 && oc.n == 2 && !oc.mismatch, "records changed after reading are re-encoded (%s)", oc.err);
	}
	/* a change made only in place must be announced with dirty */
	f = fmemopen(s.p, s.n, "r");
	rd = ts_reader_open(f, "mod");
	ts_read(rd, &got);
	((unsigned char *)ts_tensor_get(&got, "image")->data)[1] ^= 0xff;
	got.dirty = 1;
	free(s2.p);
	s2 = write_stream(&got, 1, 0);
	{
		outcome oc = read_cmp(s2.p, s2.n, "mod", &got, 1);
		CHECK(oc.rc == 0 && oc.n == 1 && !oc.mismatch, "in-place change with dirty set is re-encoded (%s)", oc.err);
	}
	ts_reader_free(rd);
	fclose(f);
	free(s.p), free(s2.p);
	ts_record_free(&in[0]), ts_record_free(&in[1]), ts_record_free(&got), ts_record_free(&back);
}

static void
test_writer_errors(void)
{
	FILE *f = fopen("/dev/null", "r");
	ts_writer *w = ts_writer_open(f, "ro", 1);
	ts_record r;
	int rc;

	ts_record_init(&r);
	make_small(&r, 1);
	rc = ts_write(w, &r);
	if (rc == 0)
		rc = ts_writer_close(w);
	CHECK(rc == -1 && starts_with(ts_writer_error(w), "ro: record ") &&
	      strstr(ts_writer_error(w), ": write error") && ts_writer_errno(w) != 0,
	      "write error reported: %s", ts_writer_error(w));
	CHECK(ts_write(w, &r) == -1, "writer errors are final");
	ts_writer_free(w);
	ts_writer_free(NULL);
	fclose(f);
	ts_record_free(&r);
}

/* ---- the parallel reader: frames decompressed on threads (TS_THREADS) ---- */

static ts_reader *
open_threads(const char *threads, FILE *f, const char *name)
{
	ts_reader *r;

	setenv("TS_THREADS", threads, 1);
	r = ts_reader_open(f, name);
	unsetenv("TS_THREADS");
	return r;
}

static outcome
read_threads(const char *threads, const void *p, size_t n, const char *name, const ts_record *want, size_t nwant)
{
	outcome o;

	setenv("TS_THREADS", threads, 1);
	o = read_cmp(p, n, name, want, nwant);
	unsetenv("TS_THREADS");
	return o;
}

static int
same_outcome(const outcome *a, const outcome *b)
{
	return a->rc == b->rc && a->n == b->n && a->mismatch == b->mismatch && strcmp(a->err, b->err) == 0;
}

/* Threads in this process, from /proc; -1 when unknown. */
static int
count_threads(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	int n = -1;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "Threads: %d", &n) == 1)
			break;
	fclose(f);
	return n;
}

/*
 * pthread_join returns once the kernel clears the thread's id, a moment before
 * the thread leaves /proc's count; on a loaded machine that moment can be long.
 */
static int
threads_settled(int want)
{
	int n = count_threads();

	for (int i = 0; i < 200 && n != want; i++) {
		nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
		n = count_threads();
	}
	return n;
}

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* Record i: one u8 tensor of `bytes` compressible pseudo-random bytes. */
static void
make_sized(ts_record *r, int i, size_t bytes)
{
	unsigned char *px = malloc(bytes);
	uint32_t x = 2463534242u ^ (uint32_t)i * 2654435761u, v;
	uint64_t d[1] = { bytes };

	for (size_t k = 0; k < bytes; k += 4) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		v = x & 0x1f3f0f3fu;
		memcpy(px + k, &v, bytes - k < 4 ? bytes - k : 4);
	}
	ts_record_clear(r);
	ts_setf(r, "id", "sized-%d", i);
	if (ts_tensor_take(r, "data", TS_U8, 1, d, px, bytes) == NULL) {
		printf("FAIL cannot take tensor\n");
		exit(1);
	}
}

/* The big stream: 30 MiB of records from 4 KiB to 9 MiB, the first alone in its frame. */
enum { BIG_N = 400 };

static size_t
big_size(int i)
{
	if (i == 300)
		return (size_t)9 << 20;
	if (i % 97 == 50)
		return (size_t)3 << 19;
	return 4096 + (size_t)(i * 7919 % 61) * 1024;
}

static blob
write_big(void)
{
	blob b = { NULL, 0 };
	char *p = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&p, &len);
	ts_writer *w = ts_writer_open(f, "big", 1);
	ts_record rec;
	int ok = 1;

	ts_record_init(&rec);
	for (int i = 0; i < BIG_N; i++) {
		make_sized(&rec, i, big_size(i));
		ok &= ts_write(w, &rec) == 0;
		if (i == 0)
			ok &= ts_writer_flush(w) == 0;
	}
	ok &= ts_writer_close(w) == 0;
	if (!ok)
		printf("FAIL writing: %s\n", ts_writer_error(w));
	ts_writer_free(w);
	fclose(f);
	ts_record_free(&rec);
	b.p = (unsigned char *)p;
	b.n = len;
	return b;
}

static void
test_parallel_big(void)
{
	blob s = write_big();
	size_t frames, skips, n = 0;
	FILE *f1 = fmemopen(s.p, s.n, "r"), *f2 = fmemopen(s.p, s.n, "r");
	ts_reader *r1, *r2;
	ts_record a, b, want;
	int rc1, rc2, same = 1, base = count_threads(), during = -1, serial = -1, after = -1;

	frames = count_zstd_frames(s, &skips);
	CHECK(frames >= 6 && skips == 1, "parallel: a stream of %zu bytes in %zu zstd frames", s.n, frames);
	ts_record_init(&a), ts_record_init(&b), ts_record_init(&want);
	/* past the first frame, the one without threads */
	r1 = open_threads("1", f1, "big");
	for (int i = 0; i < 5; i++)
		ts_read(r1, &a);
	serial = count_threads();
	ts_reader_free(r1);
	rewind(f1);
	r1 = open_threads("1", f1, "big");
	r2 = open_threads("3", f2, "big");
	for (;;) {
		rc1 = ts_read(r1, &a);
		rc2 = ts_read(r2, &b);
		if (n == 5)
			during = count_threads();
		if (rc1 != 1 || rc2 != 1)
			break;
		make_sized(&want, (int)n, big_size((int)n));
		if (a.rawlen != b.rawlen || memcmp(a.raw, b.raw, a.rawlen) != 0 || !rec_equal(&b, &want))
			same = 0;
		n++;
	}
	CHECK(rc1 == 0 && rc2 == 0 && n == BIG_N && same, "parallel: %zu records with TS_THREADS=3, the same "
	      "record for record as with TS_THREADS=1 (%s%s)", n, ts_reader_error(r1), ts_reader_error(r2));
	CHECK(ts_reader_nrec(r2) == BIG_N && ts_reader_bytes(r2) == ts_reader_bytes(r1) &&
	      ts_reader_bytes(r2) > ((uint64_t)20 << 20), "parallel: %llu payload bytes counted",
	      (unsigned long long)ts_reader_bytes(r2));
	ts_reader_free(r1);
	ts_reader_free(r2);
	after = threads_settled(base);
	if (base > 0)
		CHECK(serial == base && during == base + 2 && after == base,
		      "parallel: TS_THREADS=1 starts no thread, TS_THREADS=3 two more, joined at ts_reader_free "
		      "(%d, %d, %d, %d)", base, serial, during, after);
	else
		SKIP("parallel: no /proc/self/status to count threads");
	fclose(f1);
	fclose(f2);

	/* freed early: after the first record (the first frame is read without threads) and mid-stream */
	for (int k = 1; k <= 3; k += 2) {
		double t = now();
		int ok = 1;
		f1 = fmemopen(s.p, s.n, "r");
		r1 = open_threads("2", f1, "big");
		for (int i = 0; i < k; i++)
			ok &= ts_read(r1, &a) == 1;
		ts_reader_free(r1);
		fclose(f1);
		t = now() - t;
		CHECK(ok && t < 2 && (base <= 0 || threads_settled(base) == base),
		      "parallel: reader freed after %d record%s: %.3f s, no thread left", k, k > 1 ? "s" : "", t);
	}
	ts_record_free(&a), ts_record_free(&b), ts_record_free(&want);
	free(s.p);
}

/*
 * The payload cut into zstd frames of chunk bytes, records split across them:
 * the content size in every other frame header, an empty frame and someone
 * else's skippable frame after the second, then the end frame.
 */
static blob
craft_frames(const unsigned char *payload, size_t n, size_t chunk, uint64_t count)
{
	static const unsigned char skip[12] = { 0x53, 0x2A, 0x4D, 0x18, 4, 0, 0, 0, 'a', 'b', 'c', 'd' };
	ZSTD_CCtx *z = ZSTD_createCCtx();
	size_t cap = ZSTD_compressBound(n) + (n / chunk + 4) * 64 + 256;
	blob b = { malloc(cap), 0 };
	int k = 0, ok = 1;

	ZSTD_CCtx_setParameter(z, ZSTD_c_checksumFlag, 1);
	ZSTD_CCtx_setParameter(z, ZSTD_c_compressionLevel, 1);
	put_head(b.p);
	b.n = 24;
	for (size_t off = 0; off < n; off += chunk, k++) {
		size_t len = n - off < chunk ? n - off : chunk, left;
		ZSTD_inBuffer in = { payload + off, len, 0 };
		ZSTD_outBuffer out = { b.p + b.n, cap - b.n, 0 };
		if (k % 2 == 0)
			ZSTD_CCtx_setPledgedSrcSize(z, len);
		else
			ok &= !ZSTD_isError(ZSTD_compressStream2(z, &out, &in, ZSTD_e_continue));
		do {
			left = ZSTD_compressStream2(z, &out, &in, ZSTD_e_end);
			ok &= !ZSTD_isError(left);
		} while (left != 0 && !ZSTD_isError(left));
		b.n += out.pos;
		if (k == 1) {
			ZSTD_outBuffer o2 = { b.p + b.n, cap - b.n, 0 };
			ZSTD_inBuffer none = { "", 0, 0 };
			ok &= ZSTD_compressStream2(z, &o2, &none, ZSTD_e_end) == 0;
			b.n += o2.pos;
			memcpy(b.p + b.n, skip, sizeof skip);
			b.n += sizeof skip;
		}
	}
	ZSTD_freeCCtx(z);
	if (!ok)
		printf("FAIL craft_frames: compression failed\n");
	put_le32(b.p + b.n, 0x184D2A5E);
	put_le32(b.p + b.n + 4, 16);
	memcpy(b.p + b.n + 8, "TSTREAM", 8);
	put_le64(b.p + b.n + 16, count);
	b.n += 24;
	return b;
}

/* n records, sizes from size(i), encoded one after the other. */
static blob
payload_of(ts_record *recs, int n, size_t (*size)(int))
{
	blob b = { NULL, 0 };
	size_t cap = 0;

	for (int i = 0; i < n; i++) {
		blob e;
		ts_record_init(&recs[i]);
		make_sized(&recs[i], i, size(i));
		e = encode(&recs[i]);
		if (b.n + e.n > cap) {
			cap = (b.n + e.n) * 2;
			b.p = realloc(b.p, cap);
		}
		memcpy(b.p + b.n, e.p, e.n);
		b.n += e.n;
		free(e.p);
	}
	return b;
}

static size_t
split_size(int i)
{
	return i % 5 == 2 ? (size_t)3 << 20 : 1000 + (size_t)i * 3000;
}

static size_t
small_size(int i)
{
	return 8192 + (size_t)(i % 7) * 1024;
}

static void
test_parallel_split(void)
{
	enum { NS = 12, NF = 1400 };
	ts_record *recs = calloc(NF, sizeof *recs);
	blob pl = payload_of(recs, NS, split_size), st;
	outcome o1, o2;
	size_t frames, skips;

	/* records larger than a frame, split across 1 MiB frames */
	st = craft_frames(pl.p, pl.n, (size_t)1 << 20, NS);
	frames = count_zstd_frames(st, &skips);
	o1 = read_threads("1", st.p, st.n, "split", recs, NS);
	o2 = read_threads("2", st.p, st.n, "split", recs, NS);
	CHECK(frames >= 7 && o1.rc == 0 && o1.n == NS && !o1.mismatch && same_outcome(&o1, &o2),
	      "parallel: records of 3 MiB split across %zu frames of 1 MiB (%s)", frames, o2.err);
	free(st.p);
	free(pl.p);
	for (int i = 0; i < NS; i++)
		ts_record_free(&recs[i]);

	/* frames with more content than a buffer may hold (the record limit + 4 MiB): streamed */
	pl = payload_of(recs, NF, small_size);
	st = craft_frames(pl.p, pl.n, (size_t)5 << 20, NF);
	ts_set_max_record((uint64_t)64 << 10);
	o1 = read_threads("1", st.p, st.n, "limit", recs, NF);
	o2 = read_threads("2", st.p, st.n, "limit", recs, NF);
	CHECK(o1.rc == 0 && o1.n == NF && !o1.mismatch && same_outcome(&o1, &o2),
	      "parallel: frames of 5 MiB under TS_MAX_RECORD=64k are streamed (%s)", o2.err);
	ts_set_max_record(0);
	free(st.p);
	free(pl.p);
	for (int i = 0; i < NF; i++)
		ts_record_free(&recs[i]);
	free(recs);
}

/* A zstd frame of 1 GiB of zeros in 32 KiB: RLE blocks, no checksum, optionally a content size. */
static blob
zero_bomb(int with_size)
{
	size_t nblk = 8192;
	blob b = { malloc(16 + nblk * 4), 0 };

	put_le32(b.p, 0xFD2FB528);
	b.p[4] = with_size ? 0xC0 : 0x00;       /* 8-byte content size, or none */
	b.p[5] = 7 << 3;                        /* window 128 KiB */
	b.n = 6;
	if (with_size) {
		put_le64(b.p + 6, nblk << 17);
		b.n += 8;
	}
	for (size_t i = 0; i < nblk; i++) {
		uint32_t bh = (uint32_t)1 << 20 | 1 << 1 | (i == nblk - 1);  /* 128 KiB, RLE, last */
		b.p[b.n++] = (unsigned char)bh;
		b.p[b.n++] = (unsigned char)(bh >> 8);
		b.p[b.n++] = (unsigned char)(bh >> 16);
		b.p[b.n++] = 0;
	}
	return b;
}

static long
peak_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static void
test_parallel_bomb(void)
{
	ts_record rec;
	blob one, first, bomb, st;
	outcome o1, o2;

	ts_record_init(&rec);
	make_small(&rec, 1);
	one = write_stream(&rec, 1, 0);
	first = (blob){ one.p, one.n - 24 };    /* its zstd frame, without the end frame */
	for (int with_size = 0; with_size < 2; with_size++) {
		long before = peak_kb();
		blob t;
		bomb = zero_bomb(with_size);
		t = cat(first, bomb);
		st = cat(t, (blob){ one.p + one.n - 24, 24 });
		o2 = read_threads("2", st.p, st.n, "bomb", &rec, 1);
		o1 = read_threads("1", st.p, st.n, "bomb", &rec, 1);
		CHECK(o2.n == 1 && strcmp(o2.err, "bomb: record 2: not a tensor stream record (bad magic)") == 0 &&
		      same_outcome(&o1, &o2) && peak_kb() - before < (256 << 10),
		      "parallel: a frame of 1 GiB of zeros in 32 KiB%s: %s, memory +%ld KiB at most",
		      with_size ? " (content size in the header)" : "", o2.err, peak_kb() - before);
		free(bomb.p), free(t.p), free(st.p);
	}
	free(one.p);
	ts_record_free(&rec);
}

/* Damage in the middle of a multi-frame stream: reported as without threads, record for record. */
/*
 * A zstd frame whose content checksum fails: its records, each verified by its own
 * checksum, are delivered first, and the error names the record after them
 * (tensorstream(5), Reading), with threads or without.
 */
static void
test_frame_checksum(void)
{
	enum { N = 9 };
	ts_record recs[N];
	blob s;
	size_t off, fs[4], nf = 0;

	for (int i = 0; i < N; i++) {
		ts_record_init(&recs[i]);
		make_big(&recs[i], i);
	}
	s = write_stream(recs, N, 3);   /* three frames of three records */
	for (off = 24; off < s.n - 24 && nf < 4; off += fs[nf++])
		fs[nf] = ZSTD_findFrameCompressedSize(s.p + off, s.n - off);
	CHECK(nf == 3, "frame checksum: three zstd frames (%zu)", nf);
	for (size_t k = 0, at = 24; k < nf && nf == 3; at += fs[k++]) {
		char want[64];
		s.p[at + fs[k] - 1] ^= 0x10;       /* the last byte of the frame's checksum */
		outcome o1 = read_threads("1", s.p, s.n, "cs", recs, N);
		outcome o2 = read_threads("2", s.p, s.n, "cs", recs, N);
		/* the last record's bytes come out with the checksum: it is the one reported */
		snprintf(want, sizeof want, "cs: record %zu: corrupt stream: ", 3 * k + 3);
		CHECK(o1.rc == -1 && o1.n == 3 * k + 2 && !o1.mismatch && starts_with(o1.err, want) &&
		      same_outcome(&o1, &o2), "frame %zu's checksum fails: the %zu records before its last "
		      "come first, then, with threads or without: %s", k + 1, 3 * k + 2, o2.err);
		s.p[at + fs[k] - 1] ^= 0x10;
	}
	free(s.p);
	for (int i = 0; i < N; i++)
		ts_record_free(&recs[i]);
}

static void
test_parallel_damage(void)
{
	enum { N = 40 };
	ts_record recs[N];
	blob s, small;
	size_t pos[64], npos = 0, off = 0;
	unsigned char *p;
	int bad = 0, errors = 0;

	for (int i = 0; i < N; i++) {
		ts_record_init(&recs[i]);
		make_big(&recs[i], i);
	}
	s = write_stream(recs, N, 8);   /* 5 frames of 8 records, 2 blocks each */
	/* each frame: its start, header, first block header, a middle byte, checksum; then the end frame */
	off = 24 + ZSTD_findFrameCompressedSize(s.p + 24, s.n - 24);   /* after the header and the first
	                                                                  * frame, read without threads */
	while (off < s.n && npos + 8 <= NELEM(pos)) {
		size_t fs = ZSTD_findFrameCompressedSize(s.p + off, s.n - off);
		if (ZSTD_isError(fs))
			break;
		pos[npos++] = off;
		pos[npos++] = off + 4;
		pos[npos++] = off + 6;
		pos[npos++] = off + 9;
		pos[npos++] = off + fs / 2;
		pos[npos++] = off + fs - 2;
		pos[npos++] = off + fs - 1;
		off += fs;
	}
	p = malloc(s.n);
	for (size_t i = 0; i < npos; i++) {
		outcome o1, o2;
		/* cut there */
		o1 = read_threads("1", s.p, pos[i], "mid", recs, N);
		o2 = read_threads("2", s.p, pos[i], "mid", recs, N);
		if (!same_outcome(&o1, &o2) || o2.rc != -1 || o2.mismatch) {
			if (bad++ < 3)
				printf("  cut at %zu: %s | %s\n", pos[i], o1.err, o2.err);
		}
		/* flip a bit there */
		memcpy(p, s.p, s.n);
		p[pos[i]] ^= (unsigned char)(1 << (i % 8));
		o1 = read_threads("1", p, s.n, "mid", recs, N);
		o2 = read_threads("2", p, s.n, "mid", recs, N);
		errors += o2.rc == -1;
		if (!same_outcome(&o1, &o2) || o2.mismatch) {
			if (bad++ < 3)
				printf("  flip at %zu: %s | %s\n", pos[i], o1.err, o2.err);
		}
	}
	CHECK(bad == 0 && npos >= 28, "parallel: %zu cuts and %zu bit flips (%d errors) in a stream of 5 "
	      "frames: the same records and messages as without threads", npos, npos, errors);
	free(p);
	free(s.p);

	/* every cut and every bit of a small stream of 5 frames */
	{
		ts_record few[10];
		for (int i = 0; i < 10; i++) {
			ts_record_init(&few[i]);
			make_small(&few[i], i);
		}
		small = write_stream(few, 10, 2);
		bad = 0;
		p = malloc(small.n);
		for (size_t cut = 1; cut < small.n; cut++) {
			outcome o1 = read_threads("1", small.p, cut, "cut", few, 10);
			outcome o2 = read_threads("2", small.p, cut, "cut", few, 10);
			if (!same_outcome(&o1, &o2) && bad++ < 3)
				printf("  cut at %zu: %s | %s\n", cut, o1.err, o2.err);
		}
		for (size_t at = 0; at < small.n; at++)
			for (int bit = 0; bit < 8; bit++) {
				outcome o1, o2;
				memcpy(p, small.p, small.n);
				p[at] ^= (unsigned char)(1 << bit);
				o1 = read_threads("1", p, small.n, "flip", few, 10);
				o2 = read_threads("2", p, small.n, "flip", few, 10);
				if (!same_outcome(&o1, &o2) && bad++ < 3)
					printf("  flip %zu.%d: %s | %s\n", at, bit, o1.err, o2.err);
			}
		CHECK(bad == 0, "parallel: every cut and bit flip of a %zu-byte stream of 5 frames: "
		      "the same as without threads", small.n);
		free(p);
		free(small.p);
		for (int i = 0; i < 10; i++)
			ts_record_free(&few[i]);
	}
	for (int i = 0; i < N; i++)
		ts_record_free(&recs[i]);
}

/*
 * From a pipe whose FILE buffers nothing (setvbuf _IONBF), the reader returns
 * each record as soon as its frame has arrived: the writer sends the stream
 * in three parts, each only once the records of the one before were read.
 */
struct feed {
	int fd;
	blob part[3];
	int go;
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

static void *
feeder(void *arg)
{
	struct feed *fd = arg;

	for (int i = 0; i < 3; i++) {
		pthread_mutex_lock(&fd->mu);
		while (fd->go <= i)
			pthread_cond_wait(&fd->cv, &fd->mu);
		pthread_mutex_unlock(&fd->mu);
		for (size_t off = 0; off < fd->part[i].n; ) {
			ssize_t k = write(fd->fd, fd->part[i].p + off, fd->part[i].n - off);
			if (k <= 0)
				break;
			off += (size_t)k;
		}
	}
	close(fd->fd);
	return NULL;
}

static void
feed_go(struct feed *fd, int go)
{
	pthread_mutex_lock(&fd->mu);
	fd->go = go;
	pthread_cond_signal(&fd->cv);
	pthread_mutex_unlock(&fd->mu);
}

static void
stuck(int sig)
{
	static const char m[] = "FAIL pipe: the reader waited for input it did not need\n";

	(void)sig;
	if (write(1, m, sizeof m - 1) < 0)
		_exit(2);
	_exit(1);
}

static void
test_parallel_pipe(void)
{
	enum { N = 30 };
	ts_record recs[N], got;
	blob s;
	size_t cut[4], off = 24, nf = 0, rec_at[4] = { 0, 1, 11, N };     /* after the stream header */
	int pfd[2], ok = 1;
	struct feed fd = { .go = 0 };
	pthread_t t;
	FILE *f;
	ts_reader *r;

	/* frames: record 0, records 1-10, records 11-20, records 21-29 */
	for (int i = 0; i < N; i++) {
		ts_record_init(&recs[i]);
		make_big(&recs[i], i);
	}
	{
		char *p = NULL;
		size_t len = 0;
		FILE *o = open_memstream(&p, &len);
		ts_writer *w = ts_writer_open(o, "pipe", 1);
		for (int i = 0; i < N; i++) {
			ts_write(w, &recs[i]);
			if (i == 0 || i == 10 || i == 20)
				ts_writer_flush(w);
		}
		ts_writer_close(w);
		ts_writer_free(w);
		fclose(o);
		s.p = (unsigned char *)p, s.n = len;
	}
	while (off < s.n && nf < 4) {
		size_t fs = ZSTD_findFrameCompressedSize(s.p + off, s.n - off);
		if (ZSTD_isError(fs))
			break;
		off += fs;
		cut[nf++] = off;
	}
	if (nf != 4 || pipe(pfd) == -1) {
		CHECK(0, "pipe: cannot set up (%zu frames)", nf);
		return;
	}
	fd.fd = pfd[1];
	fd.part[0] = (blob){ s.p, cut[0] };                     /* record 0 */
	fd.part[1] = (blob){ s.p + cut[0], cut[1] - cut[0] };   /* records 1-10 */
	fd.part[2] = (blob){ s.p + cut[1], s.n - cut[1] };      /* the rest */
	pthread_mutex_init(&fd.mu, NULL);
	pthread_cond_init(&fd.cv, NULL);
	pthread_create(&t, NULL, feeder, &fd);
	f = fdopen(pfd[0], "r");
	setvbuf(f, NULL, _IONBF, 0);
	r = open_threads("2", f, "pipe");
	ts_record_init(&got);
	signal(SIGALRM, stuck);
	alarm(10);
	for (int part = 0; part < 3; part++) {
		feed_go(&fd, part + 1);
		for (size_t i = rec_at[part]; i < (part == 2 ? N : rec_at[part + 1]); i++)
			ok &= ts_read(r, &got) == 1 && rec_equal(&got, &recs[i]);
	}
	ok &= ts_read(r, &got) == 0;
	alarm(0);
	CHECK(ok && ts_reader_nrec(r) == N, "pipe: each record read as soon as its frame arrived, "
	      "with and without threads (%s)", ts_reader_error(r));
	ts_reader_free(r);
	fclose(f);
	pthread_join(t, NULL);
	pthread_cond_destroy(&fd.cv);
	pthread_mutex_destroy(&fd.mu);
	ts_record_free(&got);
	free(s.p);
	for (int i = 0; i < N; i++)
		ts_record_free(&recs[i]);
}

/* The stream that tests/cli/stream_python.sh checks with tests/tsread.py. */
static int
write_known(const char *path)
{
	FILE *f = fopen(path, "wb");
	ts_writer *w;
	ts_record r;
	uint64_t d[4];
	static const unsigned char img[12] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255 };
	static const unsigned char mask[4] = { 0, 1, 1, 0 };
	static const unsigned char png[4] = { 0x89, 'P', 'N', 'G' };
	static const float f32[4] = { 0.5f, -1.25f, 0.0f, -0.0f };
	static const uint32_t f32inf = 0x7f800000;
	static const int32_t i32[3] = { -2147483647 - 1, -1, 2147483647 };
	static const uint16_t u16[2] = { 0, 65535 };
	static const int64_t i64[2] = { -9007199254740993LL, 1 };
	static const double f64[2] = { 0.1, -2.5 };
	static const unsigned char fut[3] = { 0xde, 0xad, 0x00 };
	int ok;

	if (f == NULL || (w = ts_writer_open(f, path, 3)) == NULL)
		return 1;
	ts_record_init(&r);
	ts_set(&r, "id", "a1");
	ts_set(&r, "label", "cat");
	ts_set(&r, "source", "file:///x/a1.png");
	ts_set(&r, "width", "2");
	ts_set(&r, "height", "2");
	d[0] = 2, d[1] = 2, d[2] = 3;
	put(&r, "image", TS_U8, 3, d, img, sizeof img);
	put(&r, "mask", TS_U8, 2, d, mask, sizeof mask);
	d[0] = 4;
	put(&r, "encoded", TS_BYTES, 1, d, png, sizeof png);
	ts_set(&r, "format", "png");
	d[0] = 4;
	put(&r, "f32", TS_F32, 1, d, f32, sizeof f32);
	ok = ts_write(w, &r) == 0;
	ts_record_clear(&r);
	ts_set(&r, "id", "b2");
	ts_set(&r, "note", "Zo\xc3\xab \xe2\x9c\x93 \"quoted\"");
	ts_set(&r, "empty", "");
	d[0] = 3;
	put(&r, "i32", TS_I32, 1, d, i32, sizeof i32);
	d[0] = 1, d[1] = 2;
	put(&r, "u16", TS_U16, 2, d, u16, sizeof u16);
	d[0] = 2;
	put(&r, "i64", TS_I64, 1, d, i64, sizeof i64);
	put(&r, "f64", TS_F64, 1, d, f64, sizeof f64);
	put(&r, "inf", TS_F32, 0, d, &f32inf, 4);
	d[0] = 1, d[1] = 1, d[2] = 1, d[3] = 2;
	put(&r, "future", 200, 4, d, fut, sizeof fut);
	d[0] = 0;
	put(&r, "none", TS_F32, 1, d, "", 0);
	ok &= ts_write(w, &r) == 0;
	ok &= ts_writer_flush(w) == 0;      /* the last record in a frame of its own */
	ts_record_clear(&r);
	ok &= ts_write(w, &r) == 0;
	ok &= ts_writer_close(w) == 0;
	if (!ok)
		fprintf(stderr, "test_stream: %s\n", ts_writer_error(w));
	ts_writer_free(w);
	ts_record_free(&r);
	if (fclose(f) == EOF)
		ok = 0;
	return !ok;
}

int
main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--write") == 0)
		return write_known(argv[2]);
	unsetenv("TS_MAX_RECORD");
	test_dtypes();
	test_empty();
	test_api();
	test_unknown_preserved();
	test_modify_after_read();
	test_concat();
	test_many();
	test_damage();
	test_limits();
	test_messages();
	test_writer_errors();
	test_parallel_big();
	test_parallel_split();
	test_parallel_bomb();
	test_parallel_damage();
	test_frame_checksum();
	test_parallel_pipe();
	return CHECK_DONE();
}
