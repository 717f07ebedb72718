/*
 * nn_pool: a fixed set of threads for the engine's parallel loops.
 *
 * nn_pool_for(p, n, fn, ctx) splits [0, n) into one contiguous range per
 * thread (the caller's thread takes the first) and returns when all are done.
 * The ranges depend only on n and the thread count, so results are the same
 * from run to run.
 */
#ifndef NN_POOL_H
#define NN_POOL_H

#include <stddef.h>

typedef struct nn_pool nn_pool;
typedef void (*nn_pool_fn)(void *ctx, size_t begin, size_t end, int thread);

nn_pool *nn_pool_new(int nthreads);     /* NULL when a thread cannot start */
void nn_pool_free(nn_pool *p);          /* NULL-safe */
int nn_pool_threads(const nn_pool *p);  /* 1 for a NULL pool */
/* Runs fn over [0, n) on the pool's threads; a NULL pool runs it on the caller's thread. */
void nn_pool_for(nn_pool *p, size_t n, nn_pool_fn fn, void *ctx);

/* Whether thread t of nthreads got a non-empty part of [0, n) (so wrote its scratch). */
static inline int nn_pool_ran(size_t n, int nthreads, int t)
{
	return n == 1 || nthreads == 1 ? t == 0
	       : n * (size_t)t / (size_t)nthreads < n * (size_t)(t + 1) / (size_t)nthreads;
}

#endif
