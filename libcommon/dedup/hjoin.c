#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "hjoin.h"

#define MAX_CHUNKS 16
#define MAX_BITS 22             /* 2^22 bucket offsets: 16 MiB a table */
/* Relative costs, measured on 10^6 hashes: one bucket visited (its offsets read
 * in order) against one pair of hashes compared. */
#define BUCKET_COST 2.0
#define PAIR_COST 1.0

struct table {
	int bits, shift;
	uint32_t *off;          /* bucket k holds entries off[k] .. off[k + 1] - 1 */
	uint64_t *h;
	uint32_t *node;
};

struct task { int chunk; uint32_t pattern; };

struct join;
struct pairs { struct hpair *p; size_t n, cap; int failed; struct join *j; };   /* one per thread */

struct join {
	struct table t[MAX_CHUNKS];
	struct task *task;
	size_t ntask;
	atomic_size_t next;
	int radius;
	struct pairs *out;
};

static double
ball(int b, int r)
{
	double s = 0, c = 1;

	for (int i = 0; i <= r && i <= b; i++) {
		s += c;
		c = c * (b - i) / (i + 1);
	}
	return s;
}

/* m = 1 is no index: one bucket of 0 bits, every pair compared. */
static int
chunk_bits(int m, int i)
{
	return m == 1 ? 0 : 64 / m + (i < 64 % m);
}

/* The radius searched in chunk i of m for a query radius r; -1: none. */
static int
chunk_radius(int m, int r, int i)
{
	if (m == 1)
		return 0;
	return r / m - (i > r % m);
}

int
hjoin_chunks(size_t n, int radius)
{
	double best = 0, nn = (double)n;
	int bm = 0;

	for (int m = 1; m <= MAX_CHUNKS; m++) {
		double c = 0;
		if (m > 1 && chunk_bits(m, 0) > MAX_BITS)
			continue;
		for (int i = 0; i < m; i++) {
			int b = chunk_bits(m, i), r = chunk_radius(m, radius, i);
			double k = (double)(1ull << b);
			if (r >= 0)
				c += ball(b, r) * (k * BUCKET_COST + nn * nn / (2 * k) * PAIR_COST);
		}
		if (bm == 0 || c < best) {
			best = c;
			bm = m;
		}
	}
	return bm;
}

static int
push(struct pairs *v, uint32_t a, uint32_t b, int d)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 1024;
		struct hpair *p = realloc(v->p, cap * sizeof *p);
		if (p == NULL)
			return v->failed = -1;
		v->p = p;
		v->cap = cap;
	}
	v->p[v->n].a = a > b ? a : b;
	v->p[v->n].b = a > b ? b : a;
	v->p[v->n].d = (uint32_t)d;
	v->n++;
	return 0;
}

/* Bucket k against bucket k ^ p (each unordered pair of buckets once, and
 * within a bucket each pair once), with POPCNT where the CPU has it. */
#if defined(__x86_64__) && defined(__has_attribute)
#if __has_attribute(target_clones)
__attribute__((target_clones("popcnt", "default")))
#endif
#endif
static void
run_task(const struct join *j, const struct task *t, struct pairs *v)
{
	const struct table *tb = &j->t[t->chunk];
	uint32_t nk = 1u << tb->bits, p = t->pattern;
	int r = j->radius;

	for (uint32_t k = 0; k < nk && !v->failed; k++) {
		uint32_t k2 = k ^ p, a0 = tb->off[k], a1 = tb->off[k + 1], b0, b1;
		if (k2 < k || a0 == a1)
			continue;
		b0 = tb->off[k2];
		b1 = tb->off[k2 + 1];
		for (uint32_t a = a0; a < a1; a++) {
			uint64_t ha = tb->h[a];
			uint32_t na = tb->node[a];
			for (uint32_t b = p ? b0 : a + 1; b < b1; b++) {
				int d = __builtin_popcountll(ha ^ tb->h[b]);
				if (d <= r && tb->node[b] != na)
					push(v, na, tb->node[b], d);
			}
		}
	}
}

static void *
worker(void *arg)
{
	struct pairs *v = arg;
	struct join *j = v->j;

	for (;;) {
		size_t i = atomic_fetch_add(&j->next, 1);
		if (i >= j->ntask || v->failed)
			break;
		run_task(j, &j->task[i], v);
	}
	return NULL;
}

/* Every pattern of at most r bits among the low b: appended to *t for chunk c. */
static void
patterns(struct task *t, size_t *nt, int c, uint32_t p, int r, int below)
{
	t[(*nt)++] = (struct task){ c, p };
	if (r == 0)
		return;
	for (int b = below - 1; b >= 0; b--)
		patterns(t, nt, c, p | 1u << b, r - 1, b);
}

static int
build(struct table *tb, const uint64_t *h, const uint32_t *node, size_t n)
{
	size_t nk = (size_t)1 << tb->bits;
	uint32_t *fill;

	tb->off = calloc(nk + 1, sizeof *tb->off);
	tb->h = malloc((n ? n : 1) * sizeof *tb->h);
	tb->node = malloc((n ? n : 1) * sizeof *tb->node);
	fill = malloc((nk + 1) * sizeof *fill);
	if (tb->off == NULL || tb->h == NULL || tb->node == NULL || fill == NULL) {
		free(fill);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		tb->off[((h[i] >> tb->shift) & (nk - 1)) + 1]++;
	for (size_t k = 0; k < nk; k++)
		tb->off[k + 1] += tb->off[k];
	memcpy(fill, tb->off, (nk + 1) * sizeof *fill);
	for (size_t i = 0; i < n; i++) {
		uint32_t at = fill[(h[i] >> tb->shift) & (nk - 1)]++;
		tb->h[at] = h[i];
		tb->node[at] = node ? node[i] : (uint32_t)i;
	}
	free(fill);
	return 0;
}

static int
cmp_ab(const void *x, const void *y)
{
	const struct hpair *p = x, *q = y;
	if (p->a != q->a)
		return p->a < q->a ? -1 : 1;
	if (p->b != q->b)
		return p->b < q->b ? -1 : 1;
	return (p->d > q->d) - (p->d < q->d);
}

static int
cmp_adb(const void *x, const void *y)
{
	const struct hpair *p = x, *q = y;
	if (p->a != q->a)
		return p->a < q->a ? -1 : 1;
	if (p->d != q->d)
		return p->d < q->d ? -1 : 1;
	return (p->b > q->b) - (p->b < q->b);
}

long
hjoin(const uint64_t *h, const uint32_t *node, size_t n, int radius, int nthreads, struct hpair **out)
{
	struct join j = { .radius = radius };
	int m = hjoin_chunks(n, radius), failed = 0, started = 1;
	size_t ntask = 0, total = 0, k = 0;
	pthread_t *th = NULL;
	struct hpair *all = NULL;

	*out = NULL;
	if (n > UINT32_MAX)
		return -1;
	if (nthreads < 1)
		nthreads = 1;
	for (int i = 0, s = 64; i < m; i++) {
		int r = chunk_radius(m, radius, i);
		j.t[i].bits = chunk_bits(m, i);
		s -= j.t[i].bits;
		j.t[i].shift = j.t[i].bits ? s : 0;
		if (r >= 0)
			ntask += (size_t)ball(j.t[i].bits, r);
	}
	j.task = malloc((ntask ? ntask : 1) * sizeof *j.task);
	j.out = calloc((size_t)nthreads, sizeof *j.out);
	th = calloc((size_t)nthreads, sizeof *th);
	if (j.task == NULL || j.out == NULL || th == NULL)
		goto fail;
	ntask = 0;
	for (int i = 0; i < m; i++) {
		int r = chunk_radius(m, radius, i);
		if (r < 0)
			continue;
		if (build(&j.t[i], h, node, n) == -1)
			goto fail;
		patterns(j.task, &ntask, i, 0, r, j.t[i].bits);
	}
	j.ntask = ntask;
	atomic_init(&j.next, 0);
	for (int t = 0; t < nthreads; t++)
		j.out[t].j = &j;
	for (started = 1; started < nthreads; started++)
		if (pthread_create(&th[started], NULL, worker, &j.out[started]) != 0)
			break;
	worker(&j.out[0]);
	for (int t = 1; t < started; t++)
		pthread_join(th[t], NULL);
	for (int t = 0; t < nthreads; t++) {
		failed |= j.out[t].failed;
		total += j.out[t].n;
	}
	if (!failed && (all = malloc((total ? total : 1) * sizeof *all)) == NULL)
		failed = 1;
	total = 0;
	for (int t = 0; t < nthreads; t++) {
		if (!failed && j.out[t].n)
			memcpy(all + total, j.out[t].p, j.out[t].n * sizeof *all);
		total += j.out[t].n;
		free(j.out[t].p);
		j.out[t].p = NULL;
	}
	if (failed)
		goto fail;
	/* one pair per pair of nodes, with its least distance */
	qsort(all, total, sizeof *all, cmp_ab);
	k = 0;
	for (size_t i = 0; i < total; i++)
		if (k == 0 || all[k - 1].a != all[i].a || all[k - 1].b != all[i].b)
			all[k++] = all[i];
	qsort(all, k, sizeof *all, cmp_adb);
	*out = all;
	all = NULL;
fail:
	for (int i = 0; i < m; i++) {
		free(j.t[i].off);
		free(j.t[i].h);
		free(j.t[i].node);
	}
	if (j.out)
		for (int t = 0; t < nthreads; t++)
			free(j.out[t].p);
	free(j.task);
	free(j.out);
	free(th);
	free(all);
	return *out ? (long)k : -1;
}

void
hjoin_group(const struct hpair *p, size_t np, size_t n, size_t nref, uint32_t *leader, uint32_t *dist)
{
	size_t k = 0;

	for (size_t a = 0; a < n; a++) {
		leader[a] = (uint32_t)a;
		dist[a] = 0;
		for (; k < np && p[k].a < a; k++)
			;
		if (a < nref)
			continue;
		for (; k < np && p[k].a == a; k++) {
			uint32_t b = p[k].b;
			if (nref ? b < nref : leader[b] == b) {
				leader[a] = b;
				dist[a] = p[k].d;
				break;
			}
		}
	}
}
