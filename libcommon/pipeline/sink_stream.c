/* Sinks that write streams: one output, split parts, shards. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stage.h"
#include "util/hash.h"
#include "util/util.h"

struct out {
	outfile file;
	ts_writer *w;
	size_t nrec;
};

static int
out_open(stage *s, struct out *o, const char *path, int level)
{
	if (outfile_open(&o->file, path) == -1) {
		snprintf(s->err, sizeof s->err, "%.400s: %s", path, strerror(errno));
		return -1;
	}
	if ((o->w = ts_writer_open(o->file.f, path, level)) == NULL) {
		snprintf(s->err, sizeof s->err, "out of memory");
		return -1;
	}
	return 0;
}

static int
out_write(stage *s, struct out *o, ts_record *rec)
{
	if (o->w == NULL)
		return -1;      /* out_open failed and said why */
	if (ts_write(o->w, rec) == -1) {
		s->epipe = ts_writer_errno(o->w) == EPIPE;
		snprintf(s->err, sizeof s->err, "%s", ts_writer_error(o->w));
		return -1;
	}
	o->nrec++;
	return 0;
}

static int
out_close(stage *s, struct out *o)
{
	if (o->w == NULL)
		return 0;
	if (ts_writer_close(o->w) == -1) {
		s->epipe = ts_writer_errno(o->w) == EPIPE;
		snprintf(s->err, sizeof s->err, "%s", ts_writer_error(o->w));
		return -1;
	}
	ts_writer_free(o->w);
	o->w = NULL;
	if (outfile_commit(&o->file) == -1) {
		s->epipe = errno == EPIPE;
		snprintf(s->err, sizeof s->err, "%s: write error: %s",
		         o->file.path ? o->file.path : "stdout", strerror(errno));
		return -1;
	}
	return 0;
}

static void
out_free(struct out *o)
{
	ts_writer_free(o->w);
	outfile_abort(&o->file);
}

struct multi {
	stage st;
	struct out *out;
	int n;
	char *key;
	uint64_t seed;
	double *cum;            /* split: cumulative fractions */
	uint64_t next;          /* shard: round robin position */
};

static int
multi_finish(stage *s)
{
	struct multi *m = (struct multi *)s;

	for (int i = 0; i < m->n; i++)
		if (out_close(s, &m->out[i]) == -1)
			return -1;
	return 0;
}

static void
multi_free(stage *s)
{
	struct multi *m = (struct multi *)s;

	for (int i = 0; i < m->n; i++)
		out_free(&m->out[i]);
	free(m->out);
	free(m->key);
	free(m->cum);
	free(m);
}

static int
single_push(stage *s, ts_record *rec)
{
	return out_write(s, &((struct multi *)s)->out[0], rec);
}

static struct multi *
multi_new(int n, int (*push)(stage *, ts_record *))
{
	struct multi *m = xcalloc(1, sizeof *m);

	m->st.push = push;
	m->st.finish = multi_finish;
	m->st.free = multi_free;
	m->out = xcalloc((size_t)n, sizeof *m->out);
	m->n = n;
	return m;
}

stage *
sink_stream(const char *path, int level)
{
	struct multi *m = multi_new(1, single_push);

	if (out_open(&m->st, &m->out[0], path, level) == -1) {
		m->n = 1;
		return &m->st;  /* the error is reported on the first push or finish */
	}
	return &m->st;
}

/* The group a record belongs to: its key's hash as a number in [0, 1). */
static int
key_position(stage *s, ts_record *rec, const char *key, uint64_t seed, double *u)
{
	const char *v = ts_get(rec, key);

	if (v == NULL) {
		const char *id = ts_get(rec, "id");
		snprintf(s->err, sizeof s->err, "record %s has no '%s' metadata to split by",
		         id ? id : "without id", key);
		return -1;
	}
	*u = (double)(hash_string(v, seed) >> 11) * 0x1.0p-53;
	return 0;
}

static int
split_push(stage *s, ts_record *rec)
{
	struct multi *m = (struct multi *)s;
	double u;

	if (key_position(s, rec, m->key, m->seed, &u) == -1)
		return -1;
	for (int i = 0; i < m->n; i++)
		if (u < m->cum[i])
			return out_write(s, &m->out[i], rec);
	return 0;   /* fractions summing to less than 1 drop the rest */
}

stage *
sink_split(const char *prefix, char **names, const double *fractions, int nparts,
           const char *key, uint64_t seed, int level)
{
	struct multi *m = multi_new(nparts, split_push);
	double c = 0;

	m->key = xstrdup(key);
	m->seed = seed;
	m->cum = xcalloc((size_t)nparts, sizeof *m->cum);
	for (int i = 0; i < nparts; i++) {
		char *path;
		m->cum[i] = c += fractions[i];
		if (asprintf(&path, "%s%s.tsr", prefix, names[i]) < 0)
			die("out of memory");
		if (m->st.err[0] == '\0')
			out_open(&m->st, &m->out[i], path, level);
		free(path);
	}
	if (c > 0.999999999)
		m->cum[nparts - 1] = 2.0;   /* rounding never drops a record */
	return &m->st;
}

static int
shard_push(stage *s, ts_record *rec)
{
	struct multi *m = (struct multi *)s;
	uint64_t i;
	double u;

	if (m->key) {
		if (key_position(s, rec, m->key, m->seed, &u) == -1)
			return -1;
		i = (uint64_t)(u * m->n);
	} else {
		i = m->next++ % (uint64_t)m->n;
	}
	return out_write(s, &m->out[i], rec);
}

stage *
sink_shard(const char *pattern, int n, const char *key, uint64_t seed, int level)
{
	struct multi *m = multi_new(n, shard_push);

	m->key = key ? xstrdup(key) : NULL;
	m->seed = seed;
	for (int i = 0; i < n && m->st.err[0] == '\0'; i++) {
		char path[4096];
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		snprintf(path, sizeof path, pattern, i);
#pragma GCC diagnostic pop
		out_open(&m->st, &m->out[i], path, level);
	}
	return &m->st;
}
