/*
 * pmap: an ordered parallel map over items that one thread (the caller) produces.
 *
 * The caller fills items one at a time and submits them; worker threads apply
 * work() to them in any order and at the same time; done() then sees every
 * item on the caller's thread, in submission order.  So a filter that reads
 * records, transforms each on its own and writes them keeps the input order,
 * and its output does not depend on the number of threads, as long as work()
 * depends only on its item (plus read-only shared data and per-worker scratch).
 *
 * The items are pmap's: `depth` of them, each item_size bytes, zeroed at
 * creation and reused in turn, so what an item holds (buffers, a record)
 * survives from one use to the next.  At most `depth` items are in flight,
 * which bounds memory; the caller blocks in pmap_submit while all are busy.
 *
 *	struct job { ts_record rec; char err[256]; int failed; };
 *	struct pmap_ops ops = { .work = resize_one, .done = write_one, .clear = clear_job };
 *	pmap *p = pmap_new(&ops, ctx, nthreads, 0, sizeof(struct job));
 *	while (read(...)) {
 *		struct job *j = pmap_slot(p);
 *		... fill j ...
 *		if (pmap_submit(p) != 0)
 *			break;          // done() asked to stop or failed
 *	}
 *	rc = pmap_finish(p);            // the rest, in order
 *	pmap_free(p);
 *
 * With nthreads <= 1 there are no threads: pmap_submit runs work() and done()
 * on the spot.  Errors found by work() travel in the item, so done() reports
 * them in input order too.
 */
#ifndef PARALLEL_H
#define PARALLEL_H

#include <stddef.h>

typedef struct pmap pmap;

struct pmap_ops {
	/* On a worker thread; worker is 0..nthreads-1 (to index per-worker scratch). */
	void (*work)(void *item, int worker, void *ctx);
	/* On the caller's thread, in submission order: 0 to go on, anything else
	 * stops the map and is returned by pmap_submit / pmap_finish. */
	int (*done)(void *item, void *ctx);
	/* Optional: frees what an item holds, from pmap_free (never the item itself). */
	void (*clear)(void *item, void *ctx);
};

/* depth 0: 4 items per thread.  NULL when out of memory or a thread cannot start. */
pmap *pmap_new(const struct pmap_ops *ops, void *ctx, int nthreads, size_t depth, size_t item_size);
/* The next item to fill; it stays the same until pmap_submit.  Never blocks. */
void *pmap_slot(pmap *p);
/* Queues the filled item, passes finished items to done() in order, and waits
 * while every item is in flight.  0, or done()'s non-zero result (then stop). */
int pmap_submit(pmap *p);
/* Waits for every submitted item and passes each to done(); 0 or done()'s result. */
int pmap_finish(pmap *p);
/* Stops the workers (items still queued are dropped unseen), clears the items; NULL-safe. */
void pmap_free(pmap *p);
/* The number of online CPUs (at least 1): the usual default thread count. */
int pmap_cpus(void);

#endif
