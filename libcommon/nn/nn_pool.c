/* A fork-join pool: workers wait on a generation counter, the caller waits for them all. */
#include <pthread.h>
#include <stdlib.h>

#include "nn_pool.h"

struct nn_pool {
	int n;                  /* threads, the caller included */
	pthread_t *th;
	pthread_mutex_t mu;
	pthread_cond_t go, idle;
	unsigned long gen;
	int busy, quit;
	nn_pool_fn fn;
	void *ctx;
	size_t total;
};

struct worker { nn_pool *p; int id; };

static void
range(size_t total, int n, int i, size_t *b, size_t *e)
{
	*b = total * (size_t)i / (size_t)n;
	*e = total * (size_t)(i + 1) / (size_t)n;
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	nn_pool *p = w->p;
	int id = w->id;
	unsigned long seen = 0;

	free(w);
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (p->gen == seen && !p->quit)
			pthread_cond_wait(&p->go, &p->mu);
		if (p->quit)
			break;
		seen = p->gen;
		pthread_mutex_unlock(&p->mu);
		size_t b, e;
		range(p->total, p->n, id, &b, &e);
		if (b < e)
			p->fn(p->ctx, b, e, id);
		pthread_mutex_lock(&p->mu);
		if (--p->busy == 0)
			pthread_cond_signal(&p->idle);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

nn_pool *
nn_pool_new(int nthreads)
{
	nn_pool *p = calloc(1, sizeof *p);

	if (!p)
		return NULL;
	p->n = nthreads < 1 ? 1 : nthreads;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->go, NULL);
	pthread_cond_init(&p->idle, NULL);
	p->th = calloc((size_t)p->n, sizeof *p->th);
	if (!p->th) {
		free(p);
		return NULL;
	}
	for (int i = 1; i < p->n; i++) {
		struct worker *w = malloc(sizeof *w);
		if (w) {
			w->p = p;
			w->id = i;
		}
		if (!w || pthread_create(&p->th[i], NULL, worker_main, w) != 0) {
			free(w);
			p->n = i;
			nn_pool_free(p);
			return NULL;
		}
	}
	return p;
}

void
nn_pool_free(nn_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->quit = 1;
	pthread_cond_broadcast(&p->go);
	pthread_mutex_unlock(&p->mu);
	for (int i = 1; i < p->n; i++)
		pthread_join(p->th[i], NULL);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->go);
	pthread_cond_destroy(&p->idle);
	free(p->th);
	free(p);
}

int
nn_pool_threads(const nn_pool *p)
{
	return p ? p->n : 1;
}

void
nn_pool_for(nn_pool *p, size_t n, nn_pool_fn fn, void *ctx)
{
	if (n == 0)
		return;
	if (!p || p->n == 1 || n == 1) {
		fn(ctx, 0, n, 0);
		return;
	}
	pthread_mutex_lock(&p->mu);
	p->fn = fn;
	p->ctx = ctx;
	p->total = n;
	p->busy = p->n - 1;
	p->gen++;
	pthread_cond_broadcast(&p->go);
	pthread_mutex_unlock(&p->mu);
	size_t b, e;
	range(n, p->n, 0, &b, &e);
	if (b < e)
		fn(ctx, b, e, 0);
	pthread_mutex_lock(&p->mu);
	while (p->busy > 0)
		pthread_cond_wait(&p->idle, &p->mu);
	pthread_mutex_unlock(&p->mu);
}
