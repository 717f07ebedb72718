/* Writing a tensor stream: records whole within zstd frames, an end frame at close. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "tstream.h"
#include "tstream_int.h"
#include "bytes.h"
#include "util/util.h"

#define FRAME_TARGET ((size_t)4 << 20)
#define FRAME_SECONDS 1.0       /* a slow producer's records still reach the reader soon */

struct ts_writer {
	FILE *f;
	char *name;
	ZSTD_CCtx *z;
	unsigned char *out;
	size_t outcap;
	unsigned char *scratch;
	size_t scratchcap;
	size_t inframe;         /* uncompressed bytes in the open frame */
	size_t nrec;
	double frame_start;     /* when the open frame got its first record */
	int closed;
	int err_no;
	char err[512];
};


static int
fail(ts_writer *w, const char *what)
{
	w->err_no = errno;
	if (w->closed)
		snprintf(w->err, sizeof w->err, "%s: after record %zu: %s%s%s", w->name, w->nrec, what,
		         errno ? ": " : "", errno ? strerror(errno) : "");
	else
		snprintf(w->err, sizeof w->err, "%s: record %zu: %s%s%s", w->name, w->nrec + 1, what,
		         errno ? ": " : "", errno ? strerror(errno) : "");
	return -1;
}

ts_writer *
ts_writer_open(FILE *f, const char *name, int level)
{
	ts_writer *w = calloc(1, sizeof *w);
	const char *e;

	if (w == NULL)
		return NULL;
	w->f = f;
	w->name = strdup(name ? name : "-");
	w->outcap = ZSTD_CStreamOutSize();
	w->out = malloc(w->outcap);
	w->z = ZSTD_createCCtx();
	if (w->name == NULL || w->out == NULL || w->z == NULL) {
		ts_writer_free(w);
		return NULL;
	}
	if ((e = getenv("TS_LEVEL")) != NULL && level == TS_DEFAULT_LEVEL)
		level = atoi(e);
	ZSTD_CCtx_setParameter(w->z, ZSTD_c_compressionLevel, level);
	ZSTD_CCtx_setParameter(w->z, ZSTD_c_checksumFlag, 1);
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION    /* fuzz/run.sh: a thread per writer triples a run */
	/* one worker thread compresses while the caller produces the next records */
	ZSTD_CCtx_setParameter(w->z, ZSTD_c_nbWorkers, 1);
#endif
	return w;
}

void
ts_writer_free(ts_writer *w)
{
	if (w == NULL)
		return;
	ZSTD_freeCCtx(w->z);
	free(w->out);
	free(w->scratch);
	free(w->name);
	free(w);
}

const char *ts_writer_error(const ts_writer *w) { return w->err; }
int ts_writer_errno(const ts_writer *w) { return w->err_no; }
size_t ts_writer_nrec(const ts_writer *w) { return w->nrec; }

static int
put(ts_writer *w, const void *src, size_t n)
{
	if (n && fwrite(src, 1, n, w->f) != n)
		return fail(w, "write error");
	return 0;
}

static int
compress(ts_writer *w, const void *src, size_t n, ZSTD_EndDirective mode)
{
	ZSTD_inBuffer in = { src, n, 0 };
	size_t left;

	do {
		ZSTD_outBuffer out = { w->out, w->outcap, 0 };
		left = ZSTD_compressStream2(w->z, &out, &in, mode);
		if (ZSTD_isError(left)) {
			errno = 0;
			return fail(w, ZSTD_getErrorName(left));
		}
		if (put(w, w->out, out.pos) == -1)
			return -1;
	} while (mode == ZSTD_e_continue ? in.pos < in.size : left != 0);
	return 0;
}

int
ts_write(ts_writer *w, ts_record *rec)
{
	const unsigned char *src = rec->raw;
	size_t len = rec->rawlen;

	if (w->err_no || w->err[0])
		return -1;
	if (rec->dirty || rec->rawlen == 0) {
		if (ts_record_encode(rec, &w->scratch, &w->scratchcap, &len) == -1) {
			errno = ENOMEM;
			return fail(w, "cannot encode record");
		}
		src = w->scratch;
	}
	if (w->inframe == 0)
		w->frame_start = now_seconds();
	if (compress(w, src, len, ZSTD_e_continue) == -1)
		return -1;
	w->nrec++;
	w->inframe += len;
	if (w->inframe >= FRAME_TARGET || now_seconds() - w->frame_start >= FRAME_SECONDS)
		return ts_writer_flush(w);
	return 0;
}

int
ts_writer_flush(ts_writer *w)
{
	if (w->inframe == 0)
		return 0;
	w->inframe = 0;
	if (compress(w, NULL, 0, ZSTD_e_end) == -1)
		return -1;
	if (fflush(w->f) == EOF)
		return fail(w, "write error");
	return 0;
}

int
ts_writer_close(ts_writer *w)
{
	unsigned char end[8 + TS_END_SIZE];

	if (w->err[0])
		return -1;
	if (w->closed)
		return 0;
	if (ts_writer_flush(w) == -1)
		return -1;
	w->closed = 1;
	put_le32(end, TS_END_MAGIC);
	put_le32(end + 4, TS_END_SIZE);
	memcpy(end + 8, TS_END_TAG, 8);
	put_le64(end + 16, w->nrec);
	if (put(w, end, sizeof end) == -1)
		return -1;
	if (fflush(w->f) == EOF)
		return fail(w, "write error");
	return 0;
}
