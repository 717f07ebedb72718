/* Sinks that describe records as text: -l, -c, --stats. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stage.h"
#include "util/strmap.h"
#include "image/image.h"
#include "util/util.h"

#define SIDE_BUCKETS 9
static const int side_limit[SIDE_BUCKETS - 1] = { 32, 64, 128, 256, 512, 1024, 2048, 4096 };

struct text {
	stage st;
	FILE *out;
	uint64_t n;
	strmap labels, shapes;
	uint64_t *nlabel, *nshape;
	size_t caplabel, capshape;
	uint64_t unlabelled, bytes;
	uint64_t side[2][SIDE_BUCKETS];        /* histograms of image height and width */
	uint64_t nsized;
};

static int
text_error(stage *s)
{
	s->epipe = errno == EPIPE;
	snprintf(s->err, sizeof s->err, "stdout: write error: %s", strerror(errno));
	return -1;
}

/* Writes a field with tab, newline, CR and backslash escaped, so a line stays one record. */
static void
put_field(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '\t': fputs("\\t", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\\': fputs("\\\\", f); break;
		default: putc(*s, f);
		}
	}
}

static void
put_shape(FILE *f, const ts_tensor *t)
{
	fprintf(f, "%s:%s[", t->name, ts_dtype_name(t->dtype));
	for (int d = 0; d < t->ndim; d++)
		fprintf(f, "%s%llu", d ? "," : "", (unsigned long long)t->dims[d]);
	putc(']', f);
}

static int
list_push(stage *s, ts_record *rec)
{
	struct text *x = (struct text *)s;
	const char *id = ts_get(rec, "id"), *label = ts_get(rec, "label");

	put_field(x->out, id ? id : "");
	putc('\t', x->out);
	put_field(x->out, label ? label : "");
	putc('\t', x->out);
	for (size_t i = 0; i < rec->ntensor; i++) {
		if (i)
			putc(' ', x->out);
		put_shape(x->out, &rec->tensor[i]);
	}
	for (size_t i = 0; i < rec->nmeta; i++) {
		const ts_meta *m = &rec->meta[i];
		if (strcmp(m->key, "id") == 0 || strcmp(m->key, "label") == 0)
			continue;
		putc('\t', x->out);
		put_field(x->out, m->key);
		putc('=', x->out);
		put_field(x->out, m->val);
	}
	if (putc('\n', x->out) == EOF)
		return text_error(s);
	x->n++;
	return 0;
}

static int
text_flush(stage *s)
{
	struct text *x = (struct text *)s;

	if (fflush(x->out) == EOF || ferror(x->out))
		return text_error(s);
	return 0;
}

static void
text_free(stage *s)
{
	struct text *x = (struct text *)s;

	strmap_free(&x->labels);
	strmap_free(&x->shapes);
	free(x->nlabel);
	free(x->nshape);
	free(x);
}

static struct text *
text_new(FILE *out, int (*push)(stage *, ts_record *), int (*finish)(stage *))
{
	struct text *x = xcalloc(1, sizeof *x);

	x->st.push = push;
	x->st.finish = finish;
	x->st.free = text_free;
	x->out = out;
	strmap_init(&x->labels);
	strmap_init(&x->shapes);
	return x;
}

stage *
sink_list(FILE *out)
{
	return &text_new(out, list_push, text_flush)->st;
}

static int
count_push(stage *s, ts_record *rec)
{
	(void)rec;
	((struct text *)s)->n++;
	return 0;
}

static int
count_finish(stage *s)
{
	struct text *x = (struct text *)s;

	fprintf(x->out, "%llu\n", (unsigned long long)x->n);
	return text_flush(s);
}

stage *
sink_count(FILE *out)
{
	return &text_new(out, count_push, count_finish)->st;
}

static void
tally(strmap *m, uint64_t **count, size_t *cap, const char *key)
{
	size_t i = strmap_add(m, key);

	if (i >= *cap) {
		size_t old = *cap;
		*cap = *cap ? *cap * 2 : 64;
		*count = xreallocarray(*count, *cap, sizeof **count);
		memset(*count + old, 0, (*cap - old) * sizeof **count);
	}
	(*count)[i]++;
}

static void
count_sides(struct text *x, uint64_t h, uint64_t w)
{
	uint64_t v[2] = { h, w };

	x->nsized++;
	for (int k = 0; k < 2; k++) {
		int b = 0;
		while (b < SIDE_BUCKETS - 1 && v[k] >= (uint64_t)side_limit[b])
			b++;
		x->side[k][b]++;
	}
}

static void
side_table(FILE *f, const struct text *x)
{
	fprintf(f, "side\theight\twidth\n");
	for (int b = 0; b < SIDE_BUCKETS; b++) {
		if (b == 0)
			fprintf(f, "<%d", side_limit[0]);
		else if (b == SIDE_BUCKETS - 1)
			fprintf(f, ">=%d", side_limit[b - 1]);
		else
			fprintf(f, "%d-%d", side_limit[b - 1], side_limit[b] - 1);
		fprintf(f, "\t%llu\t%llu\n", (unsigned long long)x->side[0][b], (unsigned long long)x->side[1][b]);
	}
}

static int
stats_push(stage *s, ts_record *rec)
{
	struct text *x = (struct text *)s;
	const char *label = ts_get(rec, "label");
	char shape[512];
	size_t len = 0;

	x->n++;
	if (label)
		tally(&x->labels, &x->nlabel, &x->caplabel, label);
	else
		x->unlabelled++;
	shape[0] = '\0';
	for (size_t i = 0; i < rec->ntensor && len < sizeof shape - 64; i++) {
		const ts_tensor *t = &rec->tensor[i];
		int w, h, c;
		char why[128];
		x->bytes += t->nbytes;
		if (t->dtype == TS_BYTES) {
			const char *fmt = ts_get(rec, "format");
			if (strcmp(t->name, "encoded") == 0 && img_info(t->data, t->nbytes, &w, &h, &c, why, sizeof why) == 0) {
				len += (size_t)snprintf(shape + len, sizeof shape - len, "%s%s:%s[%d,%d,%d]",
				                        len ? " " : "", t->name, fmt ? fmt : "bytes", h, w, c);
				count_sides(x, h, w);
			} else {
				len += (size_t)snprintf(shape + len, sizeof shape - len, "%s%s:%s", len ? " " : "",
				                        t->name, fmt ? fmt : "bytes");
			}
			continue;
		}
		len += (size_t)snprintf(shape + len, sizeof shape - len, "%s%s:%s[", len ? " " : "",
		                        t->name, ts_dtype_name(t->dtype));
		for (int d = 0; d < t->ndim && len < sizeof shape - 32; d++)
			len += (size_t)snprintf(shape + len, sizeof shape - len, "%s%llu", d ? "," : "",
			                        (unsigned long long)t->dims[d]);
		len += (size_t)snprintf(shape + len, sizeof shape - len, "]");
		if (strcmp(t->name, "image") == 0 && t->ndim >= 2)
			count_sides(x, t->dims[0], t->dims[1]);
	}
	tally(&x->shapes, &x->nshape, &x->capshape, shape[0] ? shape : "(no tensors)");
	return 0;
}

static int
cmp_count_desc(const void *a, const void *b, void *ctx)
{
	const uint64_t *c = ctx;
	uint64_t x = c[*(const size_t *)a], y = c[*(const size_t *)b];

	return x > y ? -1 : x < y ? 1 : (*(const size_t *)a > *(const size_t *)b) - (*(const size_t *)a < *(const size_t *)b);
}

static int
cmp_key(const void *a, const void *b, void *ctx)
{
	const strmap *m = ctx;

	return strcmp(m->key[*(const size_t *)a], m->key[*(const size_t *)b]);
}

static void
table(FILE *f, const char *title, strmap *m, uint64_t *count, int by_name, uint64_t total)
{
	size_t *order = xcalloc(m->n, sizeof *order);

	for (size_t i = 0; i < m->n; i++)
		order[i] = i;
	if (by_name)
		qsort_r(order, m->n, sizeof *order, cmp_key, m);
	else
		qsort_r(order, m->n, sizeof *order, cmp_count_desc, count);
	fprintf(f, "%s\tcount\tfraction\n", title);
	for (size_t i = 0; i < m->n; i++) {
		put_field(f, m->key[order[i]]);
		fprintf(f, "\t%llu\t%.4f\n", (unsigned long long)count[order[i]],
		        total ? (double)count[order[i]] / (double)total : 0.0);
	}
	free(order);
}

static int
stats_finish(stage *s)
{
	struct text *x = (struct text *)s;

	fprintf(x->out, "records\t%llu\n", (unsigned long long)x->n);
	fprintf(x->out, "labels\t%zu\n", x->labels.n);
	fprintf(x->out, "unlabelled\t%llu\n", (unsigned long long)x->unlabelled);
	fprintf(x->out, "tensor_bytes\t%llu\n\n", (unsigned long long)x->bytes);
	table(x->out, "label", &x->labels, x->nlabel, 1, x->n);
	putc('\n', x->out);
	table(x->out, "tensors", &x->shapes, x->nshape, 0, x->n);
	if (x->nsized) {
		putc('\n', x->out);
		side_table(x->out, x);
	}
	return text_flush(s);
}

stage *
sink_stats(FILE *out)
{
	return &text_new(out, stats_push, stats_finish)->st;
}
