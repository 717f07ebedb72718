/* Reading a tensor stream: zstd frames in, verified records out, never seeking. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "tstream.h"
#include "tstream_int.h"
#include "bytes.h"

struct ts_reader {
	FILE *f;
	char *name;
	ZSTD_DStream *z;
	unsigned char *in;
	size_t incap, inpos, inlen;
	int eof;
	int at_frame_start;     /* the next input byte starts a frame */
	int substream_open;     /* records or frames seen since the last end frame */
	int started;            /* some frame was consumed */
	size_t nrec;            /* records read, in all */
	size_t subrec;          /* records read since the last end frame */
	uint64_t bytes;
	char err[512];
};

static uint64_t max_record;

void
ts_set_max_record(uint64_t bytes)
{
	max_record = bytes;
}

static uint64_t
record_limit(void)
{
	const char *e;
	char *end;
	unsigned long long v;
	int shift = 0;

	if (max_record == 0) {
		max_record = TS_DEFAULT_MAX_RECORD;
		/* bytes, or with a K, M or G suffix; anything else keeps the default */
		if ((e = getenv("TS_MAX_RECORD")) == NULL || *e < '0' || *e > '9')
			return max_record;
		errno = 0;
		v = strtoull(e, &end, 10);
		switch (*end) {
		case 'k': case 'K': shift = 10, end++; break;
		case 'm': case 'M': shift = 20, end++; break;
		case 'g': case 'G': shift = 30, end++; break;
		}
		if (errno == 0 && *end == '\0' && v > 0 && v <= UINT64_MAX >> shift)
			max_record = (uint64_t)v << shift;
	}
	return max_record;
}

static int
fail(ts_reader *r, const char *fmt, ...)
{
	char msg[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(r->err, sizeof r->err, "%s: record %zu: %s", r->name, r->nrec + 1, msg);
	return -1;
}

ts_reader *
ts_reader_open_prefix(FILE *f, const char *name, const void *prefix, size_t n)
{
	ts_reader *r = calloc(1, sizeof *r);

	if (r == NULL)
		return NULL;
	r->f = f;
	r->incap = ZSTD_DStreamInSize();
	if (r->incap < 4096 + n)
		r->incap = 4096 + n;
	r->in = malloc(r->incap);
	r->name = strdup(name ? name : "-");
	r->z = ZSTD_createDStream();
	if (r->in == NULL || r->name == NULL || r->z == NULL) {
		ts_reader_free(r);
		return NULL;
	}
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
	/* a fuzzer cannot forge checksums: skip them so it reaches the parsing behind */
	ZSTD_DCtx_setParameter(r->z, ZSTD_d_experimentalParam3, 1);    /* forceIgnoreChecksum */
#endif
	if (n)
		memcpy(r->in, prefix, n);
	r->inlen = n;
	r->at_frame_start = 1;
	return r;
}

ts_reader *
ts_reader_open(FILE *f, const char *name)
{
	return ts_reader_open_prefix(f, name, NULL, 0);
}

void
ts_reader_free(ts_reader *r)
{
	if (r == NULL)
		return;
	ZSTD_freeDStream(r->z);
	free(r->in);
	free(r->name);
	free(r);
}

const char *ts_reader_error(const ts_reader *r) { return r->err; }
size_t ts_reader_nrec(const ts_reader *r) { return r->nrec; }
uint64_t ts_reader_bytes(const ts_reader *r) { return r->bytes; }

/* Makes at least want bytes of input available if the file has them; -1 on a read error. */
static int
fill(ts_reader *r, size_t want)
{
	size_t got;

	if (r->inlen - r->inpos >= want || r->eof)
		return 0;
	memmove(r->in, r->in + r->inpos, r->inlen - r->inpos);
	r->inlen -= r->inpos;
	r->inpos = 0;
	while (r->inlen < want && !r->eof) {
		got = fread(r->in + r->inlen, 1, r->incap - r->inlen, r->f);
		r->inlen += got;
		if (got == 0) {
			if (ferror(r->f))
				return fail(r, "read error: %s", strerror(errno));
			r->eof = 1;
		}
	}
	return 0;
}

/*
 * At a frame boundary: consumes a skippable frame, checking it when it is an
 * end frame (which must fall between records).  1 if there was one, 0 if the
 * next frame is something else (or the input ends), -1 on error.
 */
static int
skippable_frame(ts_reader *r, int at_record_start)
{
	const unsigned char *p;
	uint32_t magic, size;

	if (fill(r, 8) == -1)
		return -1;
	if (r->inlen - r->inpos < 4)
		return 0;
	magic = get_le32(r->in + r->inpos);
	if ((magic & 0xFFFFFFF0u) != ZSTD_MAGIC_SKIPPABLE_START) {
		if (magic != ZSTD_MAGICNUMBER)
			return fail(r, "%s", !r->started ?
			            "not a tensor stream (no zstd frame at the start)" :
			            "corrupt stream: data that is not a zstd frame");
		return 0;
	}
	if (r->inlen - r->inpos < 8)
		return fail(r, "truncated skippable frame header");
	size = get_le32(r->in + r->inpos + 4);
	if (magic != TS_END_MAGIC) {
		/* someone else's skippable frame: skip it, it carries no records */
		uint64_t left = 8 + (uint64_t)size;
		while (left > 0) {
			size_t n = r->inlen - r->inpos;
			if (n == 0) {
				if (fill(r, 1) == -1)
					return -1;
				if (r->inlen == r->inpos)
					return fail(r, "truncated skippable frame");
				continue;
			}
			if (n > left)
				n = (size_t)left;
			r->inpos += n;
			left -= n;
		}
		r->started = 1;
		return 1;
	}
	if (!at_record_start)
		return fail(r, "end frame inside a record (record truncated)");
	if (size != TS_END_SIZE)
		return fail(r, "malformed end frame");
	if (fill(r, 8 + TS_END_SIZE) == -1)
		return -1;
	if (r->inlen - r->inpos < 8 + TS_END_SIZE)
		return fail(r, "truncated end frame");
	p = r->in + r->inpos + 8;
	if (memcmp(p, TS_END_TAG, 8) != 0)
		return fail(r, "malformed end frame");
	if (get_le64(p + 8) != r->subrec)
		return fail(r, "end frame counts %llu records but %zu were read (records lost)",
		            (unsigned long long)get_le64(p + 8), r->subrec);
	r->inpos += 8 + TS_END_SIZE;
	r->started = 1;
	r->subrec = 0;
	r->substream_open = 0;
	return 1;
}

/*
 * Decompresses exactly n bytes into dst.  Returns n, or 0 for a clean end of
 * input when at_record_start and nothing was produced, or -1.
 */
static int
pull(ts_reader *r, unsigned char *dst, size_t n, int at_record_start)
{
	ZSTD_outBuffer out = { dst, n, 0 };

	while (out.pos < out.size) {
		if (r->at_frame_start) {
			int e = skippable_frame(r, at_record_start && out.pos == 0);
			if (e == -1)
				return -1;
			if (e == 1)
				continue;
		}
		if (fill(r, 1) == -1)
			return -1;
		if (r->inpos == r->inlen) {
			if (r->at_frame_start && at_record_start && out.pos == 0) {
				if (r->substream_open)
					return fail(r, "stream ends without its end frame (truncated)");
				return 0;
			}
			return fail(r, "unexpected end of input (truncated stream)");
		}
		ZSTD_inBuffer in = { r->in, r->inlen, r->inpos };
		size_t ret = ZSTD_decompressStream(r->z, &out, &in);
		if (ZSTD_isError(ret)) {
			fail(r, "corrupt stream: %s", ZSTD_getErrorName(ret));
			ZSTD_DCtx_reset(r->z, ZSTD_reset_session_only);
			return -1;
		}
		if (in.pos > r->inpos)
			r->substream_open = r->started = 1;
		r->inpos = in.pos;
		r->at_frame_start = (ret == 0);
	}
	r->bytes += n;
	return 1;
}

int
ts_read(ts_reader *r, ts_record *rec)
{
	unsigned char *buf;
	size_t cap, have;
	uint64_t total;
	char msg[256];
	int rc;

	ts_record_clear(rec);
	if (r->err[0])
		return -1;      /* errors are final: the position in the stream is lost */
	buf = rec->raw;
	cap = rec->rawcap;
	rec->raw = NULL;
	rec->rawcap = 0;
	if (cap < TS_HEADER_SIZE) {
		free(buf);
		cap = 4096;
		if ((buf = malloc(cap)) == NULL)
			return fail(r, "out of memory");
	}
	rc = pull(r, buf, TS_HEADER_SIZE, 1);
	if (rc <= 0)
		goto out;
	if (ts_header_check(buf, record_limit(), &total, msg, sizeof msg) == -1) {
		rc = fail(r, "%s", msg);
		goto out;
	}
	have = TS_HEADER_SIZE;
	while (have < total) {
		/* grow with the data actually received, not with the declared length */
		size_t want = total - have, room;
		if (cap < total) {
			size_t ncap = cap * 2 > total ? total : cap * 2;
			unsigned char *nb;
			if (ncap < (1u << 20))
				ncap = total < (1u << 20) ? total : (1u << 20);
			if ((nb = realloc(buf, ncap)) == NULL) {
				rc = fail(r, "out of memory for a record of %llu bytes", (unsigned long long)total);
				goto out;
			}
			buf = nb;
			cap = ncap;
		}
		room = cap - have;
		if (want > room)
			want = room;
		if ((rc = pull(r, buf + have, want, 0)) <= 0)
			goto out;
		have += want;
	}
	if (ts_record_decode(rec, buf, total, cap, msg, sizeof msg) == -1)
		return fail(r, "%s", msg);
	r->nrec++;
	r->subrec++;
	return 1;
out:
	rec->raw = buf;
	rec->rawcap = cap;
	return rc;
}

int
ts_is_stream(const void *buf, size_t n)
{
	const unsigned char *p = buf;

	return n >= 4 && (get_le32(p) == ZSTD_MAGICNUMBER || get_le32(p) == TS_END_MAGIC);
}
