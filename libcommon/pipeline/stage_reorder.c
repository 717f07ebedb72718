/* Stages that need to see every record before passing any on: sample, shuffle, balance. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stage.h"
#include "util/rng.h"
#include "util/strmap.h"
#include "util/util.h"

#define SHUFFLE_BUCKETS 64

/* A growable list of records held in memory. */
struct held {
	ts_record *rec;
	uint64_t *idx;
	size_t n, cap;
	uint64_t bytes;
};

static void
held_add(struct held *h, const ts_record *rec, uint64_t idx)
{
	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 256;
		h->rec = xreallocarray(h->rec, h->cap, sizeof *h->rec);
		h->idx = xreallocarray(h->idx, h->cap, sizeof *h->idx);
	}
	ts_record_init(&h->rec[h->n]);
	if (ts_record_copy(&h->rec[h->n], rec) == -1)
		die("out of memory holding records");
	h->idx[h->n] = idx;
	h->bytes += h->rec[h->n].rawlen;
	h->n++;
}

static void
held_clear(struct held *h)
{
	for (size_t i = 0; i < h->n; i++)
		ts_record_free(&h->rec[i]);
	h->n = 0;
	h->bytes = 0;
}

static void
held_free(struct held *h)
{
	held_clear(h);
	free(h->rec);
	free(h->idx);
}

static void
held_shuffle(struct held *h, rng *r)
{
	for (size_t i = h->n; i > 1; i--) {
		size_t j = (size_t)rng_below(r, i);
		ts_record t = h->rec[i - 1];
		uint64_t ti = h->idx[i - 1];
		h->rec[i - 1] = h->rec[j];
		h->idx[i - 1] = h->idx[j];
		h->rec[j] = t;
		h->idx[j] = ti;
	}
}

/* Passes held records on; stops early when the next stage wants no more. */
static int
held_emit(stage *s, struct held *h)
{
	for (size_t i = 0; i < h->n; i++) {
		int rc = stage_push(s->next, &h->rec[i]);
		if (rc == -1)
			return -1;
		if (rc == 1)
			break;
	}
	return 0;
}

/* --sample: reservoir sampling (algorithm R), then back to input order. */
struct sample {
	stage st;
	struct held h;
	uint64_t want, seen;
	rng r;
};

static int
sample_push(stage *s, ts_record *rec)
{
	struct sample *p = (struct sample *)s;
	uint64_t j;

	if (p->h.n < p->want) {
		held_add(&p->h, rec, p->seen++);
		return 0;
	}
	j = rng_below(&p->r, ++p->seen);
	if (j < p->want) {
		ts_record_free(&p->h.rec[j]);
		ts_record_init(&p->h.rec[j]);
		if (ts_record_copy(&p->h.rec[j], rec) == -1)
			die("out of memory holding records");
		p->h.idx[j] = p->seen - 1;
	}
	return 0;
}

static int
cmp_idx(const void *a, const void *b, void *ctx)
{
	const uint64_t *idx = ctx;
	uint64_t x = idx[*(const size_t *)a], y = idx[*(const size_t *)b];

	return x < y ? -1 : x > y;
}

static int
sample_finish(stage *s)
{
	struct sample *p = (struct sample *)s;
	size_t *order = xcalloc(p->h.n, sizeof *order);
	int rc = 0;

	for (size_t i = 0; i < p->h.n; i++)
		order[i] = i;
	qsort_r(order, p->h.n, sizeof *order, cmp_idx, p->h.idx);
	for (size_t i = 0; i < p->h.n; i++) {
		int r = stage_push(s->next, &p->h.rec[order[i]]);
		if (r != 0) {
			rc = r == -1 ? -1 : 0;
			break;
		}
	}
	free(order);
	held_clear(&p->h);
	return rc;
}

static void
sample_free(stage *s)
{
	held_free(&((struct sample *)s)->h);
	free(s);
}

stage *
stage_sample(uint64_t n, uint64_t seed, stage *next)
{
	struct sample *p = xcalloc(1, sizeof *p);

	p->st.push = sample_push;
	p->st.finish = sample_finish;
	p->st.free = sample_free;
	p->st.next = next;
	p->want = n;
	rng_seed(&p->r, seed);
	return &p->st;
}

/* --shuffle: in memory up to a bound, then records go to random temporary buckets,
 * each shuffled in memory at the end (a uniform permutation either way). */
struct shuffle {
	stage st;
	struct held h;
	uint64_t mem;
	rng r;
	FILE *file[SHUFFLE_BUCKETS];
	ts_writer *w[SHUFFLE_BUCKETS];
	int spilling;
};

static int
bucket_put(struct shuffle *p, ts_record *rec)
{
	size_t b = (size_t)rng_below(&p->r, SHUFFLE_BUCKETS);

	if (p->w[b] == NULL) {
		if ((p->file[b] = tmpfile()) == NULL ||
		    (p->w[b] = ts_writer_open(p->file[b], "shuffle bucket", 1)) == NULL) {
			snprintf(p->st.err, sizeof p->st.err, "cannot create a temporary file for --shuffle");
			return -1;
		}
	}
	if (ts_write(p->w[b], rec) == -1) {
		snprintf(p->st.err, sizeof p->st.err, "temporary file: %s", ts_writer_error(p->w[b]));
		return -1;
	}
	return 0;
}

static int
shuffle_push(stage *s, ts_record *rec)
{
	struct shuffle *p = (struct shuffle *)s;

	if (!p->spilling) {
		held_add(&p->h, rec, 0);
		if (p->h.bytes <= p->mem)
			return 0;
		p->spilling = 1;
		for (size_t i = 0; i < p->h.n; i++)
			if (bucket_put(p, &p->h.rec[i]) == -1)
				return -1;
		held_clear(&p->h);
		return 0;
	}
	return bucket_put(p, rec);
}

static int
shuffle_finish(stage *s)
{
	struct shuffle *p = (struct shuffle *)s;
	ts_record rec;
	int rc = 0;

	held_shuffle(&p->h, &p->r);
	if (held_emit(s, &p->h) == -1)
		return -1;
	held_clear(&p->h);
	ts_record_init(&rec);
	for (int b = 0; b < SHUFFLE_BUCKETS && rc == 0; b++) {
		ts_reader *r;
		if (p->w[b] == NULL)
			continue;
		if (ts_writer_close(p->w[b]) == -1) {
			snprintf(s->err, sizeof s->err, "temporary file: %s", ts_writer_error(p->w[b]));
			rc = -1;
			break;
		}
		rewind(p->file[b]);
		r = ts_reader_open(p->file[b], "shuffle bucket");
		while ((rc = ts_read(r, &rec)) == 1)
			held_add(&p->h, &rec, 0);
		if (rc == -1)
			snprintf(s->err, sizeof s->err, "%s", ts_reader_error(r));
		ts_reader_free(r);
		held_shuffle(&p->h, &p->r);
		if (rc == 0 && held_emit(s, &p->h) == -1)
			rc = -1;
		held_clear(&p->h);
	}
	ts_record_free(&rec);
	return rc;
}

static void
shuffle_free(stage *s)
{
	struct shuffle *p = (struct shuffle *)s;

	for (int b = 0; b < SHUFFLE_BUCKETS; b++) {
		ts_writer_free(p->w[b]);
		if (p->file[b])
			fclose(p->file[b]);
	}
	held_free(&p->h);
	free(p);
}

stage *
stage_shuffle(uint64_t seed, uint64_t mem, stage *next)
{
	struct shuffle *p = xcalloc(1, sizeof *p);

	p->st.push = shuffle_push;
	p->st.finish = shuffle_finish;
	p->st.free = shuffle_free;
	p->st.next = next;
	p->mem = mem;
	rng_seed(&p->r, seed);
	return &p->st;
}

/* --balance: spool to a temporary stream while counting each value of key, pick
 * the same number of records of every value at random, replay in input order. */
struct balance {
	stage st;
	char *key;
	rng r;
	strmap values;
	size_t *which;          /* value index of every record */
	size_t n, cap;
	FILE *spool;
	ts_writer *w;
};

static int
balance_push(stage *s, ts_record *rec)
{
	struct balance *p = (struct balance *)s;
	const char *v = ts_get(rec, p->key);

	if (v == NULL) {
		snprintf(s->err, sizeof s->err, "record %zu (id %s) has no '%s' to balance on", p->n + 1,
		         ts_get(rec, "id") ? ts_get(rec, "id") : "?", p->key);
		return -1;
	}
	if (p->w == NULL) {
		if ((p->spool = tmpfile()) == NULL || (p->w = ts_writer_open(p->spool, "balance spool", 1)) == NULL) {
			snprintf(s->err, sizeof s->err, "cannot create a temporary file for --balance");
			return -1;
		}
	}
	if (p->n == p->cap)
		p->which = xreallocarray(p->which, p->cap = p->cap ? 2 * p->cap : 1024, sizeof *p->which);
	p->which[p->n++] = strmap_add(&p->values, v);
	if (ts_write(p->w, rec) == -1) {
		snprintf(s->err, sizeof s->err, "temporary file: %s", ts_writer_error(p->w));
		return -1;
	}
	return 0;
}

static int
balance_finish(stage *s)
{
	struct balance *p = (struct balance *)s;
	size_t nv = p->values.n, least = SIZE_MAX, *count, **members;
	unsigned char *keep;
	ts_reader *r;
	ts_record rec;
	int rc;

	if (p->n == 0)
		return 0;
	count = xcalloc(nv, sizeof *count);
	members = xcalloc(nv, sizeof *members);
	keep = xcalloc(p->n, 1);
	for (size_t i = 0; i < p->n; i++)
		count[p->which[i]]++;
	for (size_t v = 0; v < nv; v++) {
		members[v] = xcalloc(count[v], sizeof **members);
		if (count[v] < least)
			least = count[v];
		count[v] = 0;
	}
	for (size_t i = 0; i < p->n; i++)
		members[p->which[i]][count[p->which[i]]++] = i;
	for (size_t v = 0; v < nv; v++) {
		for (size_t k = 0; k < least; k++) {     /* partial Fisher-Yates */
			size_t j = k + (size_t)rng_below(&p->r, count[v] - k), t = members[v][k];
			members[v][k] = members[v][j];
			members[v][j] = t;
			keep[members[v][k]] = 1;
		}
		free(members[v]);
	}
	free(members);
	free(count);
	if (ts_writer_close(p->w) == -1) {
		snprintf(s->err, sizeof s->err, "temporary file: %s", ts_writer_error(p->w));
		free(keep);
		return -1;
	}
	rewind(p->spool);
	r = ts_reader_open(p->spool, "balance spool");
	ts_record_init(&rec);
	for (size_t i = 0; (rc = ts_read(r, &rec)) == 1; i++) {
		if (!keep[i])
			continue;
		if ((rc = stage_push(s->next, &rec)) != 0)
			break;
	}
	if (rc == -1 && ts_reader_error(r)[0])
		snprintf(s->err, sizeof s->err, "%s", ts_reader_error(r));
	ts_record_free(&rec);
	ts_reader_free(r);
	free(keep);
	return rc == -1 ? -1 : 0;
}

static void
balance_free(stage *s)
{
	struct balance *p = (struct balance *)s;

	ts_writer_free(p->w);
	if (p->spool)
		fclose(p->spool);
	strmap_free(&p->values);
	free(p->which);
	free(p->key);
	free(p);
}

stage *
stage_balance(const char *key, uint64_t seed, stage *next)
{
	struct balance *p = xcalloc(1, sizeof *p);

	p->st.push = balance_push;
	p->st.finish = balance_finish;
	p->st.free = balance_free;
	p->st.next = next;
	p->key = xstrdup(key);
	strmap_init(&p->values);
	rng_seed(&p->r, seed);
	return &p->st;
}
