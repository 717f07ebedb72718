/* zstd frames of a stream: found by their block headers, decompressed on worker threads. */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#define ZSTD_STATIC_LINKING_ONLY        /* ZSTD_getFrameHeader, ZSTD_d_forceIgnoreChecksum */
#include <zstd.h>

#include "tstream_frames.h"

enum { FREE, QUEUED, BUSY, DONE };

struct worker {
	tf_pool *pool;
	ZSTD_DCtx *z;
	pthread_t t;
	int running;
};

struct tf_pool {
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	int stop;
	size_t dmax;
	tf_job *slot;
	int nslots;
	unsigned long head, tail;       /* slots tail .. head-1 are in use, in stream order */
	struct worker *w;               /* nthreads workers, then the caller's context */
	int nthreads;
	int wake[2];                    /* a pipe the workers write to when armed */
	int armed;
};

int
tf_scan(tf_scanner *s, const unsigned char *p, size_t avail, size_t *need)
{
	if (!s->hdr) {
		ZSTD_frameHeader h;
		size_t e = ZSTD_getFrameHeader(&h, p, avail);
		if (ZSTD_isError(e))
			return TF_ODD;
		if (e > 0) {
			*need = e;
			return TF_MORE;
		}
		/* the streaming decoder refuses larger windows; single-shot decoding would not */
		if (h.frameType != ZSTD_frame || h.windowSize > ((uint64_t)1 << ZSTD_WINDOWLOG_LIMIT_DEFAULT))
			return TF_ODD;
		s->hdr = 1;
		s->known = h.frameContentSize != ZSTD_CONTENTSIZE_UNKNOWN;
		s->size = s->known ? h.frameContentSize : 0;
		s->pos = h.headerSize;
		s->chk = h.checksumFlag ? 4 : 0;
		s->bmax = h.blockSizeMax;
	}
	while (!s->last) {
		/* a block header: bit 0 last block, bits 1-2 type, bits 3-23 size */
		uint32_t bh;
		int type;
		if (avail < s->pos + 3) {
			*need = s->pos + 3;
			return TF_MORE;
		}
		bh = (uint32_t)p[s->pos] | (uint32_t)p[s->pos + 1] << 8 | (uint32_t)p[s->pos + 2] << 16;
		type = (bh >> 1) & 3;
		if (type == 3)
			return TF_ODD;          /* reserved */
		s->pos += 3 + (type == 1 ? 1 : bh >> 3);   /* an RLE block holds one byte */
		if (!s->known)                  /* raw and RLE: their size; compressed: up to bmax */
			s->size += type == 2 ? s->bmax : bh >> 3;
		if (bh & 1) {
			s->last = 1;
			s->pos += s->chk;
		}
	}
	if (avail < s->pos) {
		*need = s->pos;
		return TF_MORE;
	}
	return TF_DONE;
}

/*
 * Decompresses a whole frame in one call, verifying its checksum, into a
 * buffer for the most it can hold.  When that is more than dmax, or on any
 * error, ok stays 0 for the reader to stream the frame instead.
 */
static void
decode(tf_job *j, ZSTD_DCtx *z, size_t dmax)
{
	size_t want = j->size > 0 ? (size_t)j->size : 1, r;

	j->ok = 0;
	j->dlen = 0;
	if (j->size > dmax)
		return;
	if (j->dcap < want) {
		free(j->dbuf);
		j->dcap = 0;
		if ((j->dbuf = malloc(want)) == NULL)
			return;         /* streaming needs less */
		j->dcap = want;
	}
	r = ZSTD_decompressDCtx(z, j->dbuf, j->dcap, j->cbuf + j->coff, j->clen);
	if (ZSTD_isError(r))
		return;
	j->dlen = r;
	j->ok = 1;
}

static tf_job *
queued(tf_pool *p)
{
	for (unsigned long i = p->tail; i != p->head; i++)
		if (p->slot[i % p->nslots].state == QUEUED)
			return &p->slot[i % p->nslots];
	return NULL;
}

static void *
work(void *arg)
{
	struct worker *w = arg;
	tf_pool *p = w->pool;
	tf_job *j = NULL;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->stop && (j = queued(p)) == NULL)
			pthread_cond_wait(&p->work, &p->mu);
		if (p->stop)
			break;
		j->state = BUSY;
		pthread_mutex_unlock(&p->mu);
		decode(j, w->z, p->dmax);
		pthread_mutex_lock(&p->mu);
		j->state = DONE;
		pthread_cond_signal(&p->done);
		if (p->armed) {
			p->armed = 0;
			if (write(p->wake[1], "", 1) == -1) {
				/* full: the caller will read it anyway */
			}
		}
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

tf_pool *
tf_pool_new(int nthreads, int nslots, size_t dmax)
{
	tf_pool *p = calloc(1, sizeof *p);
	sigset_t all, old;

	if (p == NULL)
		return NULL;
	p->dmax = dmax;
	p->nslots = nslots;
	p->wake[0] = p->wake[1] = -1;
	p->slot = calloc((size_t)nslots, sizeof *p->slot);
	p->w = calloc((size_t)nthreads + 1, sizeof *p->w);
	if (p->slot == NULL || p->w == NULL) {
		free(p->slot);
		free(p->w);
		free(p);
		return NULL;
	}
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->done, NULL);
	for (int i = 0; i <= nthreads; i++) {
		p->w[i].pool = p;
		if ((p->w[i].z = ZSTD_createDCtx()) == NULL) {
			p->nthreads = i;
			tf_pool_free(p);
			return NULL;
		}
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
		ZSTD_DCtx_setParameter(p->w[i].z, ZSTD_d_forceIgnoreChecksum, ZSTD_d_ignoreChecksum);
#endif
	}
	p->nthreads = nthreads;
	/* the workers take no signals: they stay with the threads the program knows */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (int i = 0; i < nthreads; i++)
		p->w[i].running = pthread_create(&p->w[i].t, NULL, work, &p->w[i]) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return p;
}

void
tf_pool_free(tf_pool *p)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
	for (int i = 0; i < p->nthreads; i++)
		if (p->w[i].running)
			pthread_join(p->w[i].t, NULL);
	/* the caller's context sits after the workers' */
	for (int i = 0; i <= p->nthreads; i++)
		ZSTD_freeDCtx(p->w[i].z);
	for (int i = 0; i < p->nslots; i++) {
		free(p->slot[i].cbuf);
		free(p->slot[i].dbuf);
	}
	if (p->wake[0] >= 0) {
		close(p->wake[0]);
		close(p->wake[1]);
	}
	pthread_cond_destroy(&p->done);
	pthread_cond_destroy(&p->work);
	pthread_mutex_destroy(&p->mu);
	free(p->slot);
	free(p->w);
	free(p);
}

tf_job *
tf_head(tf_pool *p)
{
	if (p->head - p->tail == (unsigned long)p->nslots)
		return NULL;
	return &p->slot[p->head % p->nslots];
}

void
tf_push(tf_pool *p, int decompress)
{
	pthread_mutex_lock(&p->mu);
	p->slot[p->head % p->nslots].state = decompress ? QUEUED : DONE;
	p->head++;
	if (decompress)
		pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->mu);
}

tf_job *
tf_tail(tf_pool *p)
{
	tf_job *j;

	if (p->tail == p->head)
		return NULL;
	j = &p->slot[p->tail % p->nslots];
	pthread_mutex_lock(&p->mu);
	while (j->state != DONE) {
		/* rather than wait, decompress the oldest frame that no worker took yet */
		tf_job *q = queued(p);
		if (q == NULL) {
			pthread_cond_wait(&p->done, &p->mu);
			continue;
		}
		q->state = BUSY;
		pthread_mutex_unlock(&p->mu);
		decode(q, p->w[p->nthreads].z, p->dmax);
		pthread_mutex_lock(&p->mu);
		q->state = DONE;
	}
	pthread_mutex_unlock(&p->mu);
	return j;
}

void
tf_pop(tf_pool *p)
{
	pthread_mutex_lock(&p->mu);
	p->slot[p->tail % p->nslots].state = FREE;
	p->tail++;
	pthread_mutex_unlock(&p->mu);
}

int
tf_used(const tf_pool *p)
{
	return (int)(p->head - p->tail);
}

int
tf_tail_ready(tf_pool *p)
{
	int ready;

	pthread_mutex_lock(&p->mu);
	ready = p->tail == p->head || p->slot[p->tail % p->nslots].state != BUSY;
	if (!ready) {
		if (p->wake[0] < 0 && pipe2(p->wake, O_NONBLOCK | O_CLOEXEC) == -1)
			p->wake[0] = p->wake[1] = -1, ready = 1;        /* then just wait in tf_tail */
		else
			p->armed = 1;
	}
	pthread_mutex_unlock(&p->mu);
	return ready;
}

int
tf_wake_fd(const tf_pool *p)
{
	return p->wake[0];
}

void
tf_wake_clear(tf_pool *p)
{
	char buf[64];

	pthread_mutex_lock(&p->mu);
	p->armed = 0;
	while (read(p->wake[0], buf, sizeof buf) > 0)
		;
	pthread_mutex_unlock(&p->mu);
}
