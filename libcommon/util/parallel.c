/* pmap: ordered parallel map (see parallel.h).
 *
 * The items form a ring.  Three counters only grow: head (the oldest item not
 * yet passed to done), next (the oldest item no worker has taken) and tail (the
 * item being filled); item i lives in slot i % depth.  head <= next <= tail and
 * tail - head < depth, so the slot at tail is always free. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parallel.h"

enum { QUEUED, WORKING, FINISHED };

struct worker {
	pmap *p;
	int id;
	pthread_t th;
};

struct pmap {
	struct pmap_ops ops;
	void *ctx;
	unsigned char *items;
	size_t item_size, depth;
	unsigned char *state;
	uint64_t head, next, tail;
	int nthreads, started, stop, result;
	struct worker *w;
	pthread_mutex_t mu;
	pthread_cond_t work_cv;         /* an item was queued, or stop */
	pthread_cond_t done_cv;         /* an item finished */
};

static void *
item(pmap *p, uint64_t i)
{
	return p->items + (size_t)(i % p->depth) * p->item_size;
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	pmap *p = w->p;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->stop && p->next == p->tail)
			pthread_cond_wait(&p->work_cv, &p->mu);
		if (p->stop)
			break;
		uint64_t i = p->next++;
		p->state[i % p->depth] = WORKING;
		pthread_mutex_unlock(&p->mu);
		p->ops.work(item(p, i), w->id, p->ctx);
		pthread_mutex_lock(&p->mu);
		p->state[i % p->depth] = FINISHED;
		pthread_cond_broadcast(&p->done_cv);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

pmap *
pmap_new(const struct pmap_ops *ops, void *ctx, int nthreads, size_t depth, size_t item_size)
{
	pmap *p = calloc(1, sizeof *p);

	if (p == NULL)
		return NULL;
	if (nthreads < 1)
		nthreads = 1;
	if (depth == 0)
		depth = nthreads > 1 ? 4 * (size_t)nthreads : 1;
	if (item_size == 0)
		item_size = 1;
	item_size = (item_size + 15) & ~(size_t)15;
	p->ops = *ops;
	p->ctx = ctx;
	p->depth = depth;
	p->item_size = item_size;
	p->nthreads = nthreads;
	p->items = depth <= SIZE_MAX / item_size ? calloc(depth, item_size) : NULL;
	p->state = calloc(depth, 1);
	if (p->items == NULL || p->state == NULL) {
		pmap_free(p);
		return NULL;
	}
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work_cv, NULL);
	pthread_cond_init(&p->done_cv, NULL);
	p->started = -1;        /* the mutex and conditions exist */
	if (nthreads == 1)
		return p;
	if ((p->w = calloc((size_t)nthreads, sizeof *p->w)) == NULL) {
		pmap_free(p);
		return NULL;
	}
	for (int i = 0; i < nthreads; i++) {
		p->w[i].p = p;
		p->w[i].id = i;
		if (pthread_create(&p->w[i].th, NULL, worker_main, &p->w[i]) != 0) {
			pmap_free(p);
			return NULL;
		}
		p->started = i + 1;
	}
	return p;
}

void *
pmap_slot(pmap *p)
{
	return item(p, p->tail);
}

/* Passes the finished items at the head to done(), in order.  Called with the
 * mutex held; done() runs without it (only this thread moves head). */
static int
drain(pmap *p)
{
	while (p->result == 0 && p->head < p->tail && p->state[p->head % p->depth] == FINISHED) {
		pthread_mutex_unlock(&p->mu);
		int rc = p->ops.done(item(p, p->head), p->ctx);
		pthread_mutex_lock(&p->mu);
		p->head++;
		p->result = rc;
	}
	return p->result;
}

/* Waits until the head item is finished, then drains. */
static int
wait_head(pmap *p)
{
	while (p->state[p->head % p->depth] != FINISHED)
		pthread_cond_wait(&p->done_cv, &p->mu);
	return drain(p);
}

int
pmap_submit(pmap *p)
{
	int rc;

	if (p->result)
		return p->result;
	if (p->nthreads == 1) {
		void *it = item(p, p->tail);
		p->ops.work(it, 0, p->ctx);
		p->head = ++p->tail;
		return p->result = p->ops.done(it, p->ctx);
	}
	pthread_mutex_lock(&p->mu);
	p->state[p->tail % p->depth] = QUEUED;
	p->tail++;
	pthread_cond_signal(&p->work_cv);
	rc = drain(p);
	while (rc == 0 && p->tail - p->head >= p->depth)
		rc = wait_head(p);
	pthread_mutex_unlock(&p->mu);
	return rc;
}

int
pmap_finish(pmap *p)
{
	int rc;

	if (p->nthreads == 1)
		return p->result;
	pthread_mutex_lock(&p->mu);
	rc = drain(p);
	while (rc == 0 && p->head < p->tail)
		rc = wait_head(p);
	pthread_mutex_unlock(&p->mu);
	return rc;
}

void
pmap_free(pmap *p)
{
	if (p == NULL)
		return;
	if (p->started != 0) {
		pthread_mutex_lock(&p->mu);
		p->stop = 1;
		pthread_cond_broadcast(&p->work_cv);
		pthread_mutex_unlock(&p->mu);
		for (int i = 0; i < p->started; i++)
			pthread_join(p->w[i].th, NULL);
		pthread_mutex_destroy(&p->mu);
		pthread_cond_destroy(&p->work_cv);
		pthread_cond_destroy(&p->done_cv);
	}
	if (p->ops.clear && p->items)
		for (size_t i = 0; i < p->depth; i++)
			p->ops.clear(p->items + i * p->item_size, p->ctx);
	free(p->w);
	free(p->items);
	free(p->state);
	free(p);
}

int
pmap_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 1024 ? 1024 : (int)n;
}
