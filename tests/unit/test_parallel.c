/*
 * pmap (libcommon/util/parallel.h): results come back in submission order whatever
 * the thread count, queue depth and work durations; done() can stop the map;
 * every item is cleared once at the end.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "util/parallel.h"

struct item {
	uint64_t seq, in, out;
	int worker;
	char *buf;              /* survives reuse; freed by clear */
};

struct ctx {
	int nthreads;
	uint64_t next_done, bad_order, bad_value, bad_worker, ndone, stop_at, ncleared;
};

static void
work(void *vi, int worker, void *vc)
{
	struct item *it = vi;
	struct ctx *c = vc;
	struct timespec ts = { 0, (long)((it->in * 7919) % 5) * 200000 };   /* 0..0.8 ms, scrambled */

	nanosleep(&ts, NULL);
	it->out = it->in * it->in + 1;
	it->worker = worker;
	if (worker < 0 || worker >= c->nthreads)
		c->bad_worker++;
	if (it->buf == NULL)
		it->buf = malloc(16);
}

static int
done(void *vi, void *vc)
{
	struct item *it = vi;
	struct ctx *c = vc;

	if (it->seq != c->next_done)
		c->bad_order++;
	if (it->out != it->in * it->in + 1)
		c->bad_value++;
	c->next_done++;
	c->ndone++;
	return c->stop_at && c->ndone == c->stop_at ? 7 : 0;
}

static void
clear(void *vi, void *vc)
{
	struct item *it = vi;
	struct ctx *c = vc;

	free(it->buf);
	c->ncleared++;
}

static void
run(int nthreads, size_t depth, uint64_t n, uint64_t stop_at)
{
	struct pmap_ops ops = { work, done, clear };
	struct ctx c = { .nthreads = nthreads, .stop_at = stop_at };
	pmap *p = pmap_new(&ops, &c, nthreads, depth, sizeof(struct item));
	uint64_t submitted = 0;
	int rc = 0;

	if (p == NULL) {
		CHECK(0, "pmap_new(%d threads)", nthreads);
		return;
	}
	for (uint64_t i = 0; i < n; i++) {
		struct item *it = pmap_slot(p);
		it->seq = i;
		it->in = i * 31 + 5;
		it->out = 0;
		submitted++;
		if ((rc = pmap_submit(p)) != 0)
			break;
	}
	if (rc == 0)
		rc = pmap_finish(p);
	pmap_free(p);
	if (stop_at == 0) {
		CHECK(rc == 0 && c.ndone == n && c.bad_order == 0 && c.bad_value == 0 && c.bad_worker == 0,
		      "%d threads, depth %zu: %llu items done in order (done %llu, out of order %llu, wrong %llu)",
		      nthreads, depth, (unsigned long long)n, (unsigned long long)c.ndone,
		      (unsigned long long)c.bad_order, (unsigned long long)c.bad_value);
	} else {
		CHECK(rc == 7 && c.ndone == stop_at && c.bad_order == 0 && submitted < n,
		      "%d threads, depth %zu: done() returning 7 at item %llu stops the map (rc %d, done %llu, "
		      "submitted %llu)", nthreads, depth, (unsigned long long)stop_at, rc,
		      (unsigned long long)c.ndone, (unsigned long long)submitted);
	}
	CHECK(c.ncleared == (depth ? depth : nthreads > 1 ? 4 * (uint64_t)nthreads : 1),
	      "%d threads, depth %zu: every item cleared once (%llu)", nthreads, depth,
	      (unsigned long long)c.ncleared);
}

int
main(void)
{
	static const int threads[] = { 1, 2, 3, 8 };
	static const size_t depths[] = { 0, 1, 2, 5 };

	for (size_t t = 0; t < sizeof threads / sizeof *threads; t++)
		for (size_t d = 0; d < sizeof depths / sizeof *depths; d++)
			run(threads[t], depths[d], 300, 0);
	run(2, 0, 300, 50);
	run(4, 3, 300, 1);
	run(1, 0, 300, 10);
	run(3, 0, 0, 0);
	CHECK(pmap_cpus() >= 1, "pmap_cpus() = %d", pmap_cpus());
	pmap_free(NULL);
	return CHECK_DONE();
}
