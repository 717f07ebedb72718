/* Writing a tensor stream: a header, records whole within zstd frames, an end frame at close. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
	int timed;              /* a frame also ends a second after its first record */
	int closed;
	int closing;            /* in ts_writer_close: errors come after the last record */
	int err_no;
	char err[512];
	pthread_mutex_t busy;   /* held while writing, so that die() does not interleave */
	ts_writer *prev, *next; /* the writers alive, for die() */
};

static pthread_mutex_t alive_lock = PTHREAD_MUTEX_INITIALIZER;
static ts_writer *alive;

static void ts_writer_abandon(ts_writer *w);

/* From die(): every writer still open ends its frame, without an end frame. */
static void
abandon_alive(void)
{
	if (pthread_mutex_trylock(&alive_lock) != 0)
		return;
	for (ts_writer *w = alive; w; w = w->next)
		if (pthread_mutex_trylock(&w->busy) == 0) {
			ts_writer_abandon(w);
			pthread_mutex_unlock(&w->busy);
		}
	pthread_mutex_unlock(&alive_lock);
}

static void
link_alive(ts_writer *w)
{
	pthread_mutex_lock(&alive_lock);
	w->next = alive;
	if (alive)
		alive->prev = w;
	alive = w;
	pthread_mutex_unlock(&alive_lock);
	atdie(abandon_alive);
}

static void
unlink_alive(ts_writer *w)
{
	pthread_mutex_lock(&alive_lock);
	if (w->prev)
		w->prev->next = w->next;
	else if (alive == w)
		alive = w->next;
	if (w->next)
		w->next->prev = w->prev;
	w->prev = w->next = NULL;
	pthread_mutex_unlock(&alive_lock);
}


static int
fail(ts_writer *w, const char *what)
{
	w->err_no = errno;
	if (w->closed || w->closing)
		snprintf(w->err, sizeof w->err, "%s: after record %zu: %s%s%s", w->name, w->nrec, what,
		         errno ? ": " : "", errno ? strerror(errno) : "");
	else
		snprintf(w->err, sizeof w->err, "%s: record %zu: %s%s%s", w->name, w->nrec + 1, what,
		         errno ? ": " : "", errno ? strerror(errno) : "");
	return -1;
}

static int
put(ts_writer *w, const void *src, size_t n)
{
	if (n && fwrite(src, 1, n, w->f) != n)
		return fail(w, "write error");
	return 0;
}

ts_writer *
ts_writer_open(FILE *f, const char *name, int level)
{
	ts_writer *w = calloc(1, sizeof *w);
	unsigned char head[8 + TS_HEAD_SIZE];
	struct stat st;
	char msg[256];
	int explicit = 0;

	if (w == NULL)
		return NULL;
	pthread_mutex_init(&w->busy, NULL);
	w->f = f;
	w->name = strdup(name ? name : "-");
	w->outcap = ZSTD_CStreamOutSize();
	w->out = malloc(w->outcap);
	w->z = ZSTD_createCCtx();
	if (w->name == NULL || w->out == NULL || w->z == NULL) {
		ts_writer_free(w);
		return NULL;
	}
	w->timed = !(fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode));
	if (level == TS_LEVEL_AUTO)
		level = TS_DEFAULT_LEVEL;
	else
		explicit = 1;
	if (!explicit && ts_env_level(&level, msg, sizeof msg) == -1) {
		errno = 0;
		snprintf(w->err, sizeof w->err, "%s: %s", w->name, msg);
		return w;
	}
	ts_head_bytes(head);
	if (put(w, head, sizeof head) == -1)
		return w;
	link_alive(w);
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
	unlink_alive(w);
	ts_writer_abandon(w);
	pthread_mutex_destroy(&w->busy);
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

static int write_locked(ts_writer *w, ts_record *rec);
static int flush_locked(ts_writer *w);

int
ts_write(ts_writer *w, ts_record *rec)
{
	int rc;

	pthread_mutex_lock(&w->busy);
	rc = write_locked(w, rec);
	pthread_mutex_unlock(&w->busy);
	return rc;
}

static int
write_locked(ts_writer *w, ts_record *rec)
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
	if (w->inframe >= FRAME_TARGET || (w->timed && now_seconds() - w->frame_start >= FRAME_SECONDS))
		return flush_locked(w);
	return 0;
}

int
ts_writer_flush(ts_writer *w)
{
	int rc;

	pthread_mutex_lock(&w->busy);
	rc = w->err[0] ? -1 : flush_locked(w);
	pthread_mutex_unlock(&w->busy);
	return rc;
}

static int
flush_locked(ts_writer *w)
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

/* Ends the open frame, so its records reach the output, and leaves the stream without its end frame. */
static void
ts_writer_abandon(ts_writer *w)
{
	if (w->closed || w->err[0])
		return;
	w->closed = 1;
	if (w->inframe) {
		w->inframe = 0;
		if (compress(w, NULL, 0, ZSTD_e_end) == -1)
			return;
	}
	fflush(w->f);
}

int
ts_writer_close(ts_writer *w)
{
	unsigned char end[8 + TS_END_SIZE];

	if (w->err[0])
		return -1;
	if (w->closed)
		return 0;
	unlink_alive(w);
	w->closing = 1;
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
