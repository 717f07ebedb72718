/*
 * Reading a tensor stream: zstd frames in, verified records out, never seeking.
 *
 * The first zstd frame is decompressed here, as a stream.  When a second one
 * follows, the reader goes on with a pool of threads (tstream_frames.c): it
 * reads ahead, finds where each frame ends, queues the frames to decompress
 * in parallel and takes their content back in order, while end frames,
 * errors and the end of the input keep their place in the queue.  Frames
 * that are odd, damaged or too large for a buffer are streamed here as
 * before, so every error is reported exactly where the streaming decoder
 * finds it.
 */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "tstream.h"
#include "tstream_int.h"
#include "tstream_frames.h"
#include "bytes.h"

#define READ_MIN ((size_t)128 << 10)    /* the least a read asks for */
#define FRAME_TARGET ((size_t)4 << 20)  /* a writer's frames hold about this much (tstream_write.c) */
#define MAX_THREADS 4

/* what a slot of the pool holds (tf_job.kind) */
enum { J_FRAME, J_STREAM, J_END, J_ERROR, J_EOF, J_HEAD };
/* where the scanner that reads ahead is */
enum { S_START, S_SKIP, S_ZSTD, S_WAIT, S_DONE };

struct ts_reader {
	FILE *f;
	int fd;                 /* fileno(f), or -1 */
	int direct;             /* read(2) from fd: f holds no buffered bytes; else fread */
	int fdpoll;             /* reads from fd may wait (not a regular file) */
	char *name;
	ZSTD_DStream *z;
	unsigned char *in;
	size_t incap, inpos, inlen;
	int eof;
	int rerr;               /* errno of a read error; it stays */
	int at_frame_start;     /* the next input byte starts a frame */
	int substream_open;     /* records or frames seen since the last end frame */
	int started;            /* some frame was consumed */
	int need_header;        /* at the start, or after an end frame: the next part's header is due */
	size_t parts;           /* stream headers read */
	size_t nrec;            /* records read, in all */
	size_t subrec;          /* records read since the last end frame */
	uint64_t bytes;
	/* decompressing in parallel, from the second zstd frame on */
	int nthreads;           /* 1: never */
	unsigned long zframes;  /* zstd frames decompressed here */
	tf_pool *pool;
	tf_job *cur;            /* the slot being consumed, or NULL */
	size_t cpos;            /* in it: the next byte of content, or of the frame when streamed */
	int sstate;             /* the scanner: S_... */
	uint64_t sleft;         /* bytes of a skippable frame still to skip */
	tf_scanner zs;
	char err[512];
};


/* zstd's reason for refusing a frame, in the stream's terms: a frame header that asks
 * for a window larger than the decoder allows is damage here (the writer never makes
 * one), not the machine's lack of memory that zstd's own words suggest. */
static const char *
zstd_reason(size_t ret)
{
	switch (ZSTD_getErrorCode(ret)) {
	case ZSTD_error_frameParameter_windowTooLarge:
		return "a zstd frame header with an impossible window size";
	default:
		return ZSTD_getErrorName(ret);
	}
}

static uint64_t max_record;

void
ts_set_max_record(uint64_t bytes)
{
	max_record = bytes;
}

/* The record limit: ts_set_max_record's, else TS_MAX_RECORD's, else the default; 0 if
 * TS_MAX_RECORD does not parse (msg says why). */
static uint64_t
record_limit_msg(char *msg, size_t msglen)
{
	uint64_t v = TS_DEFAULT_MAX_RECORD;

	if (max_record)
		return max_record;
	if (ts_env_max_record(&v, msg, msglen) == -1)
		return 0;
	return v;
}

static uint64_t
record_limit(void)
{
	char msg[128];
	uint64_t v = record_limit_msg(msg, sizeof msg);

	return v ? v : TS_DEFAULT_MAX_RECORD;
}

static int fail(ts_reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

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

/* No record number: nothing of a stream was found. */
static int
fail_nostream(ts_reader *r, const char *what)
{
	snprintf(r->err, sizeof r->err, "%s: %s", r->name, what);
	return -1;
}

/* The input ends between records, at a frame boundary: the clean end, or why not. */
static int
at_end(ts_reader *r)
{
	if (!r->need_header)
		return fail(r, "stream ends without its end frame (truncated; did the program writing it fail?)");
	if (r->parts == 0)
		return fail_nostream(r, r->started ? "no stream header: not a tensor stream" :
		                     "empty input: no stream header; did the program writing it fail?");
	return 0;
}

/* A zstd frame where a stream header is due. */
static int
fail_no_header(ts_reader *r)
{
	if (r->parts == 0)
		return fail_nostream(r, "no stream header: a zstd file that is not a tensor stream, or a stream "
		                     "from before stream headers (tensorstream(5))");
	return fail(r, "corrupt stream: data after an end frame without a stream header");
}

/* A stream header read whole (the 16 bytes after magic and size), or its problem in msg. */
static int
on_header(ts_reader *r, const unsigned char *p, const char *msg, int at_record_start)
{
	char why[160];

	if (!at_record_start)
		return fail(r, "a stream header inside a record (the record is truncated)");
	if (msg && msg[0])
		return fail(r, "%s", msg);
	if (p && ts_head_check(p, why, sizeof why) == -1)
		return fail(r, "%s", why);
	if (!r->need_header)
		return fail(r, "a stream header before the end frame of the stream before it (truncated)");
	r->need_header = 0;
	r->parts++;
	return 1;
}

/* Threads to decompress with, the caller's included: TS_THREADS, else the CPUs it may use, at most 4. */
static int
thread_count(void)
{
	cpu_set_t set;
	long n;
	int t = 0;
	char msg[128];

	if (ts_env_threads(&t, msg, sizeof msg) == 0 && t > 0)
		return t;
	n = sysconf(_SC_NPROCESSORS_ONLN);
	if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) < n)
		n = CPU_COUNT(&set);
	return n < 1 ? 1 : n > MAX_THREADS ? MAX_THREADS : (int)n;
}

ts_reader *
ts_reader_open_prefix(FILE *f, const char *name, const void *prefix, size_t n)
{
	ts_reader *r = calloc(1, sizeof *r);
	struct stat st;
	int fd;

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
	r->need_header = 1;
	/*
	 * fread on a pipe waits until it has all it asked for; read(2) returns what
	 * has arrived.  It can be used when f buffers nothing: f was never read, or
	 * is unbuffered (setvbuf _IONBF; no ungetc), which leaves no bytes in it.
	 */
	r->fd = fd = fileno(f);
	if (fd >= 0 && fstat(fd, &st) == 0) {
		r->direct = __fbufsize(f) <= 1;
		r->fdpoll = !S_ISREG(st.st_mode);
	}
	r->nthreads = thread_count();
	{
		char msg[128];
		if (record_limit_msg(msg, sizeof msg) == 0)
			fail_nostream(r, msg);
	}
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
	tf_pool_free(r->pool);
	ZSTD_freeDStream(r->z);
	free(r->in);
	free(r->name);
	free(r);
}

const char *ts_reader_error(const ts_reader *r) { return r->err; }
size_t ts_reader_nrec(const ts_reader *r) { return r->nrec; }
uint64_t ts_reader_bytes(const ts_reader *r) { return r->bytes; }

/*
 * Reads up to n bytes into p: how many, 0 at the end of the input, -1 on an
 * error (r->rerr), -2 when block is 0 and that would mean waiting.
 */
static long
readsome(ts_reader *r, unsigned char *p, size_t n, int block)
{
	struct pollfd pfd = { r->fd, POLLIN, 0 };
	ssize_t got;
	int avail;

	if (!block && r->fdpoll) {
		/* only what has arrived; fread would wait for all it asks for */
		if (poll(&pfd, 1, 0) == 0)
			return -2;
		if (!r->direct) {
			if (ioctl(r->fd, FIONREAD, &avail) == -1)
				return -2;
			if (avail > 0 && (size_t)avail < n)
				n = (size_t)avail;
		}
	}
	if (!r->direct) {
		size_t k = fread(p, 1, n, r->f);
		if (k == 0 && ferror(r->f)) {
			r->rerr = errno ? errno : EIO;
			return -1;
		}
		return (long)k;
	}
	for (;;) {
		if ((got = read(r->fd, p, n)) >= 0)
			return (long)got;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			if (!block)
				return -2;
			poll(&pfd, 1, -1);
		} else if (errno != EINTR) {
			r->rerr = errno;
			return -1;
		}
	}
}

/*
 * Makes want bytes available from inpos, unless the input ends first.
 * 0: done, or the input ended; 1: that would mean waiting, and block is 0;
 * -1: a read error (r->rerr).
 */
static int
fill(ts_reader *r, size_t want, int block)
{
	while (r->inlen - r->inpos < want && !r->eof) {
		size_t have = r->inlen - r->inpos, ask;
		long got;

		if (r->rerr)
			return -1;
		if (r->inpos + want > r->incap) {
			memmove(r->in, r->in + r->inpos, have);
			r->inlen = have;
			r->inpos = 0;
			if (want > r->incap) {
				/* a frame read whole, before it is decompressed: at most TF_MAX_CFRAME */
				size_t ncap = r->incap * 2 > want ? r->incap * 2 : want + READ_MIN;
				unsigned char *nb = realloc(r->in, ncap);
				if (nb == NULL) {
					r->rerr = ENOMEM;
					return -1;
				}
				r->in = nb;
				r->incap = ncap;
			}
		}
		/* what is wanted, or more, but not much more: the rest moves with the next frame */
		ask = want - have > READ_MIN ? want - have : READ_MIN;
		if (ask > r->incap - r->inlen)
			ask = r->incap - r->inlen;
		if ((got = readsome(r, r->in + r->inlen, ask, block)) == -2)
			return 1;
		if (got < 0)
			return -1;
		if (got == 0)
			r->eof = 1;
		r->inlen += (size_t)got;
	}
	return 0;
}

static int
read_failed(ts_reader *r)
{
	return fail(r, "read error: %s", strerror(r->rerr));
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

	if (fill(r, 8, 1) == -1)
		return read_failed(r);
	if (r->inlen - r->inpos < 4)
		return 0;
	magic = get_le32(r->in + r->inpos);
	if ((magic & 0xFFFFFFF0u) != ZSTD_MAGIC_SKIPPABLE_START) {
		if (magic != ZSTD_MAGICNUMBER)
			return !r->started ? fail_nostream(r, "not a tensor stream (no stream header at the start)") :
			       fail(r, "corrupt stream: data that is not a zstd frame");
		if (r->need_header)
			return fail_no_header(r);
		return 0;
	}
	if (r->inlen - r->inpos < 8)
		return fail(r, "truncated skippable frame header");
	size = get_le32(r->in + r->inpos + 4);
	if (magic == TS_HEAD_MAGIC) {
		int e;
		if (size != TS_HEAD_SIZE)
			return fail(r, "malformed stream header");
		if (fill(r, 8 + TS_HEAD_SIZE, 1) == -1)
			return read_failed(r);
		if (r->inlen - r->inpos < 8 + TS_HEAD_SIZE)
			return fail(r, "truncated stream header");
		if ((e = on_header(r, r->in + r->inpos + 8, NULL, at_record_start)) != 1)
			return e;
		r->inpos += 8 + TS_HEAD_SIZE;
		r->started = 1;
		return 1;
	}
	if (magic != TS_END_MAGIC) {
		/* someone else's skippable frame: skip it, it carries no records */
		uint64_t left = 8 + (uint64_t)size;
		while (left > 0) {
			size_t n = r->inlen - r->inpos;
			if (n == 0) {
				if (fill(r, 1, 1) == -1)
					return read_failed(r);
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
	if (r->need_header)
		return fail(r, "corrupt stream: an end frame without a stream header before it");
	if (size != TS_END_SIZE)
		return fail(r, "malformed end frame");
	if (fill(r, 8 + TS_END_SIZE, 1) == -1)
		return read_failed(r);
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
	r->need_header = 1;
	return 1;
}

/* Goes on with the pool of threads; 0 if it cannot be had. */
static int
start_pool(ts_reader *r)
{
	uint64_t lim = record_limit();
	size_t dmax = TF_MAX_DFRAME;

	/* no buffer for more content than a record and a writer's frame */
	if (lim < dmax - FRAME_TARGET)
		dmax = (size_t)lim + FRAME_TARGET;
	/* the caller decompresses too, while it waits */
	if ((r->pool = tf_pool_new(r->nthreads - 1, 2 * r->nthreads, dmax)) == NULL) {
		r->nthreads = 1;
		return 0;
	}
	r->sstate = S_START;
	return 1;
}

/*
 * One step of decompressing the input with the reader's own zstd stream (the
 * first frame, and every frame without threads): 1 to go on, 0 at a clean
 * end of input, -1 on error.
 */
static int
stream_step(ts_reader *r, ZSTD_outBuffer *out, int at_record_start)
{
	ZSTD_inBuffer in;
	size_t ret;

	if (r->at_frame_start) {
		int e = skippable_frame(r, at_record_start && out->pos == 0);
		if (e != 0)
			return e;
		/* a zstd frame follows another: decompress the rest in parallel */
		if (r->zframes > 0 && r->nthreads > 1 && r->inlen - r->inpos >= 4 && start_pool(r))
			return 1;
	}
	if (fill(r, 1, 1) == -1)
		return read_failed(r);
	if (r->inpos == r->inlen) {
		if (r->at_frame_start && at_record_start && out->pos == 0)
			return at_end(r);
		return fail(r, "unexpected end of input (truncated stream)");
	}
	in = (ZSTD_inBuffer){ r->in, r->inlen, r->inpos };
	ret = ZSTD_decompressStream(r->z, out, &in);
	if (ZSTD_isError(ret)) {
		fail(r, "corrupt stream: %s", zstd_reason(ret));
		ZSTD_DCtx_reset(r->z, ZSTD_reset_session_only);
		return -1;
	}
	if (in.pos > r->inpos)
		r->substream_open = r->started = 1;
	r->inpos = in.pos;
	r->at_frame_start = (ret == 0);
	if (ret == 0)
		r->zframes++;
	return 1;
}

/* ---- reading ahead: the scanner fills the pool's slots in stream order ---- */

/* Queues an end frame (kind J_END) that failed, an error or the end of the input; the scanner stops. */
static int
push_final(ts_reader *r, int kind, const char *fmt, ...)
{
	tf_job *j = tf_head(r->pool);
	va_list ap;

	j->kind = kind;
	va_start(ap, fmt);
	vsnprintf(j->msg, sizeof j->msg, fmt, ap);
	va_end(ap);
	tf_push(r->pool, 0);
	r->sstate = S_DONE;
	return 1;
}

/* Queues the zstd frame at inpos to be streamed by ts_read, from the input; the scanner waits for it. */
static int
push_stream(ts_reader *r)
{
	tf_head(r->pool)->kind = J_STREAM;
	tf_push(r->pool, 0);
	r->started = 1;
	r->sstate = S_WAIT;
	return 1;
}

/*
 * Queues the zstd frame at inpos, r->zs.pos bytes, to be decompressed: the
 * slot takes the input buffer that holds it, and the bytes after it move to
 * the slot's old buffer, which becomes the input buffer.
 */
static int
push_frame(ts_reader *r)
{
	tf_job *j = tf_head(r->pool);
	size_t size = r->zs.pos, rest = r->inlen - r->inpos - size;
	unsigned char *b = j->cbuf;
	size_t cap = j->ccap;

	if (cap < rest || cap < READ_MIN) {
		cap = rest > READ_MIN ? rest : READ_MIN;
		free(b);
		j->cbuf = NULL;
		j->ccap = 0;
		if ((b = malloc(cap)) == NULL)
			return push_stream(r);
	}
	memcpy(b, r->in + r->inpos + size, rest);
	j->kind = J_FRAME;
	j->cbuf = r->in;
	j->ccap = r->incap;
	j->coff = r->inpos;
	j->clen = size;
	j->size = r->zs.size;
	r->in = b;
	r->incap = cap;
	r->inpos = 0;
	r->inlen = rest;
	tf_push(r->pool, 1);
	r->started = 1;
	r->sstate = S_START;
	return 1;
}

/*
 * Reads ahead and queues what comes next: a zstd frame to decompress, or, to
 * keep its place, an end frame, an error, the end of the input or a frame to
 * stream.  The checks and messages are skippable_frame's.  1 when it queued
 * something; 0 when the slots are all in use, when it waits for a frame to be
 * streamed, or (block 0) when more input has not arrived yet.
 */
static int
scan(ts_reader *r, int block)
{
	const unsigned char *p;
	uint32_t magic, size;
	size_t need, n;
	int e;

	while (r->sstate < S_WAIT && tf_head(r->pool) != NULL) {
		switch (r->sstate) {
		case S_START:
			if ((e = fill(r, 8, block)) == 1)
				return 0;
			if (e == -1)
				return push_final(r, J_ERROR, "read error: %s", strerror(r->rerr));
			p = r->in + r->inpos;
			n = r->inlen - r->inpos;
			if (n == 0)
				return push_final(r, J_EOF, "%s", "");
			if (n < 4)
				return push_stream(r);
			magic = get_le32(p);
			if (magic == ZSTD_MAGICNUMBER) {
				memset(&r->zs, 0, sizeof r->zs);
				r->sstate = S_ZSTD;
				break;
			}
			if ((magic & 0xFFFFFFF0u) != ZSTD_MAGIC_SKIPPABLE_START)
				return push_final(r, J_ERROR, "%s", "corrupt stream: data that is not a zstd frame");
			if (n < 8)
				return push_final(r, J_ERROR, "truncated skippable frame header");
			size = get_le32(p + 4);
			if (magic == TS_HEAD_MAGIC) {
				if (size != TS_HEAD_SIZE)
					return push_final(r, J_HEAD, "malformed stream header");
				if ((e = fill(r, 8 + TS_HEAD_SIZE, block)) == 1)
					return 0;
				if (e == -1)
					return push_final(r, J_HEAD, "read error: %s", strerror(r->rerr));
				p = r->in + r->inpos;
				if (r->inlen - r->inpos < 8 + TS_HEAD_SIZE)
					return push_final(r, J_HEAD, "truncated stream header");
				{
					tf_job *j = tf_head(r->pool);
					char why[96];
					j->kind = J_HEAD;
					j->msg[0] = '\0';
					if (ts_head_check(p + 8, why, sizeof why) == -1)
						snprintf(j->msg, sizeof j->msg, "%s", why);
					tf_push(r->pool, 0);
				}
				r->inpos += 8 + TS_HEAD_SIZE;
				r->started = 1;
				return 1;
			}
			if (magic != TS_END_MAGIC) {
				r->sleft = 8 + (uint64_t)size;
				r->sstate = S_SKIP;
				break;
			}
			if (size != TS_END_SIZE)
				return push_final(r, J_END, "malformed end frame");
			if ((e = fill(r, 8 + TS_END_SIZE, block)) == 1)
				return 0;
			if (e == -1)
				return push_final(r, J_END, "read error: %s", strerror(r->rerr));
			p = r->in + r->inpos;
			if (r->inlen - r->inpos < 8 + TS_END_SIZE)
				return push_final(r, J_END, "truncated end frame");
			if (memcmp(p + 8, TS_END_TAG, 8) != 0)
				return push_final(r, J_END, "malformed end frame");
			tf_head(r->pool)->kind = J_END;
			tf_head(r->pool)->msg[0] = '\0';
			tf_head(r->pool)->count = get_le64(p + 16);
			tf_push(r->pool, 0);
			r->inpos += 8 + TS_END_SIZE;
			r->started = 1;
			return 1;
		case S_SKIP:
			n = r->inlen - r->inpos;
			if (n > r->sleft)
				n = (size_t)r->sleft;
			r->inpos += n;
			r->sleft -= n;
			if (r->sleft == 0) {
				r->started = 1;
				r->sstate = S_START;
				break;
			}
			if ((e = fill(r, 1, block)) == 1)
				return 0;
			if (e == -1)
				return push_final(r, J_ERROR, "read error: %s", strerror(r->rerr));
			if (r->inlen == r->inpos)
				return push_final(r, J_ERROR, "truncated skippable frame");
			break;
		case S_ZSTD:
			e = tf_scan(&r->zs, r->in + r->inpos, r->inlen - r->inpos, &need);
			if (e == TF_DONE)
				return push_frame(r);
			/* odd or huge: stream it, and so does a frame cut short by the end or an error */
			if (e == TF_ODD || need > TF_MAX_CFRAME)
				return push_stream(r);
			if ((e = fill(r, need, block)) == 1)
				return 0;
			if (e == -1 || r->inlen - r->inpos < need)
				return push_stream(r);
			break;
		}
	}
	return 0;
}

/* The next slot in stream order, once ready; reads ahead to keep the workers busy. */
static tf_job *
next_job(ts_reader *r)
{
	for (;;) {
		while (scan(r, 0) == 1)
			;
		if (tf_used(r->pool) == 0) {
			scan(r, 1);
			continue;
		}
		/* input that may take its time (a pipe): read what arrives while the workers work */
		if (r->fdpoll && r->sstate < S_WAIT && tf_head(r->pool) && !r->eof && !r->rerr &&
		    !tf_tail_ready(r->pool)) {
			struct pollfd pfd[2] = { { r->fd, POLLIN, 0 }, { tf_wake_fd(r->pool), POLLIN, 0 } };
			poll(pfd, 2, -1);
			tf_wake_clear(r->pool);
			continue;
		}
		return tf_tail(r->pool);
	}
}

/* Done with the current slot. */
static void
pop(ts_reader *r)
{
	if (r->cur->kind == J_STREAM)
		r->sstate = S_START;    /* the scanner goes on after the streamed frame */
	r->cur = NULL;
	tf_pop(r->pool);
}

/* One step of decompressing the frame in the current slot with the reader's own zstd stream. */
static int
frame_stream(ts_reader *r, tf_job *j, ZSTD_outBuffer *out)
{
	ZSTD_inBuffer in;
	size_t ret, opos = out->pos;

	if (j->kind == J_STREAM) {
		if (fill(r, 1, 1) == -1)
			return read_failed(r);
		if (r->inpos == r->inlen)
			return fail(r, "unexpected end of input (truncated stream)");
		in = (ZSTD_inBuffer){ r->in, r->inlen, r->inpos };
	} else {
		in = (ZSTD_inBuffer){ j->cbuf, j->coff + j->clen, r->cpos };
	}
	ret = ZSTD_decompressStream(r->z, out, &in);
	if (ZSTD_isError(ret)) {
		fail(r, "corrupt stream: %s", zstd_reason(ret));
		ZSTD_DCtx_reset(r->z, ZSTD_reset_session_only);
		return -1;
	}
	if (j->kind == J_STREAM) {
		r->inpos = in.pos;
	} else {
		/* no progress: tf_scan and zstd disagree on where the frame ends (not seen) */
		if (ret != 0 && in.pos == r->cpos && out->pos == opos)
			return fail(r, "corrupt stream: %s", "frame ends early");
		r->cpos = in.pos;
	}
	if (ret == 0)
		pop(r);
	return 1;
}

/* One step of taking content from the pool: like stream_step, 1, 0 or -1. */
static int
frames_step(ts_reader *r, ZSTD_outBuffer *out, int at_record_start)
{
	tf_job *j = r->cur;
	size_t n;

	if (j == NULL) {
		j = next_job(r);
		switch (j->kind) {
		case J_HEAD:
			if (on_header(r, NULL, j->msg, at_record_start && out->pos == 0) == -1)
				return -1;
			tf_pop(r->pool);
			return 1;
		case J_END:
			if (!at_record_start || out->pos != 0)
				return fail(r, "end frame inside a record (record truncated)");
			if (j->msg[0])
				return fail(r, "%s", j->msg);
			if (r->need_header)
				return fail(r, "corrupt stream: an end frame without a stream header before it");
			if (j->count != r->subrec)
				return fail(r, "end frame counts %llu records but %zu were read (records lost)",
				            (unsigned long long)j->count, r->subrec);
			r->subrec = 0;
			r->substream_open = 0;
			r->need_header = 1;
			tf_pop(r->pool);
			return 1;
		case J_ERROR:
			return fail(r, "%s", j->msg);
		case J_EOF:             /* stays in its slot: the end, again and again */
			if (at_record_start && out->pos == 0)
				return at_end(r);
			return fail(r, "unexpected end of input (truncated stream)");
		}
		if (r->need_header)
			return fail_no_header(r);
		r->cur = j;
		r->cpos = j->kind == J_FRAME && !j->ok ? j->coff : 0;
		r->substream_open = 1;
	}
	if (j->kind == J_STREAM || !j->ok)
		return frame_stream(r, j, out);
	if (r->fdpoll && at_record_start && out->pos == 0)
		while (scan(r, 0) == 1)         /* keep a pipe flowing: take what arrived */
			;
	n = j->dlen - r->cpos;
	if (n > out->size - out->pos)
		n = out->size - out->pos;
	memcpy((unsigned char *)out->dst + out->pos, j->dbuf + r->cpos, n);
	out->pos += n;
	r->cpos += n;
	if (r->cpos == j->dlen)
		pop(r);
	return 1;
}

/*
 * Decompresses exactly n bytes into dst.  Returns 1, or 0 for a clean end of
 * input when at_record_start and nothing was produced, or -1.
 */
static int
pull(ts_reader *r, unsigned char *dst, size_t n, int at_record_start)
{
	ZSTD_outBuffer out = { dst, n, 0 };

	while (out.pos < out.size) {
		int e = r->pool ? frames_step(r, &out, at_record_start) : stream_step(r, &out, at_record_start);
		if (e <= 0)
			return e;
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

	return n >= 4 && (get_le32(p) == ZSTD_MAGICNUMBER ||
	                  (get_le32(p) & 0xFFFFFFF0u) == ZSTD_MAGIC_SKIPPABLE_START);
}
