/* Printing a segmentation evaluation as text, JSON or TSV (see metrics_seg.h). */
#include <math.h>

#include "metrics_eval.h"
#include "metrics_seg.h"

/* The numbers, in the order every format prints them. */
enum { SEG_NSCALARS = 20 };
struct seg_scalar {
	const char *name;
	double v;
	int count;              /* printed as an integer */
};

static size_t
seg_scalars(const seg_eval *s, const struct binary_eval *b, struct seg_scalar *out)
{
	const struct seg_counts *c = &s->total;
	struct seg_metrics m;
	size_t n = 0;

	seg_metrics(c, &m);
#define ADD(k, x, isc) (out[n].name = (k), out[n].v = (double)(x), out[n++].count = (isc))
	ADD("images", s->images, 1);
	ADD("pixels", c->tp + c->fp + c->tn + c->fn, 1);
	ADD("positives", c->tp + c->fn, 1);
	ADD("predicted", c->tp + c->fp, 1);
	ADD("threshold", s->threshold, 0);
	ADD("accuracy", m.accuracy, 0);
	ADD("precision", m.precision, 0);
	ADD("recall", m.recall, 0);
	ADD("iou", m.iou, 0);
	ADD("dice", m.dice, 0);
	ADD("mean_iou", s->images ? s->sum_iou / (double)s->images : NAN, 0);
	ADD("mean_dice", s->images ? s->sum_dice / (double)s->images : NAN, 0);
	ADD("roc_auc", b->roc_auc, 0);
	ADD("average_precision", b->average_precision, 0);
	ADD("pr_auc", b->pr_auc, 0);
	ADD("curve_pixels", s->n, 1);
	ADD("tp", c->tp, 1);
	ADD("fp", c->fp, 1);
	ADD("tn", c->tn, 1);
	ADD("fn", c->fn, 1);
#undef ADD
	return n;
}

/* a count as an integer, anything else through num (JSON's or TSV's undefined) */
static void
put(FILE *f, const struct seg_scalar *v, void (*num)(FILE *, double))
{
	if (v->count)
		fprintf(f, "%.0f", v->v);
	else
		num(f, v->v);
}

static void
print_json(FILE *f, const char *name, const seg_eval *s, const struct seg_scalar *v, size_t n)
{
	fputs("{\n  \"input\": ", f);
	eval_json_string(f, name);
	fputs(",\n  \"mode\": \"segmentation\"", f);
	for (size_t i = 0; i < n - 4; i++) {     /* the last four: the confusion counts */
		fprintf(f, ",\n  \"%s\": ", v[i].name);
		put(f, &v[i], eval_json_number);
	}
	fprintf(f, ",\n  \"curve_subsampled\": %s,\n  \"confusion\": {",
	        s->seen > s->n ? "true" : "false");
	for (size_t i = n - 4; i < n; i++)
		fprintf(f, "%s\n    \"%s\": %.0f", i > n - 4 ? "," : "", v[i].name, v[i].v);
	fputs("\n  }\n}\n", f);
}

static void
print_tsv(FILE *f, const char *name, const struct seg_scalar *v, size_t n)
{
	fputs("metric\t", f);
	eval_tsv_name(f, name);
	fputc('\n', f);
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%s\t", v[i].name);
		put(f, &v[i], eval_tsv_value);
		fputc('\n', f);
	}
}

static void
print_text(FILE *f, const char *name, const seg_eval *s, const struct seg_scalar *v, size_t n)
{
	fprintf(f, "%s: segmentation, %zu images, %llu pixels (%llu true, %llu predicted at "
	        "threshold %g)\n", name, s->images, (unsigned long long)v[1].v,
	        (unsigned long long)v[2].v, (unsigned long long)v[3].v, s->threshold);
	for (size_t i = 5; i < n && !v[i].count; i++) {
		if (isfinite(v[i].v))
			fprintf(f, "  %-24s %.6g\n", v[i].name, v[i].v);
		else
			fprintf(f, "  %-24s undefined\n", v[i].name);
	}
	fprintf(f, "  curves from %zu of %llu pixels%s\n", s->n, (unsigned long long)s->seen,
	        s->seen > s->n ? " (a seeded uniform sample)" : "");
	fprintf(f, "  confusion (pixels)       tp %llu  fp %llu  tn %llu  fn %llu\n",
	        (unsigned long long)s->total.tp, (unsigned long long)s->total.fp,
	        (unsigned long long)s->total.tn, (unsigned long long)s->total.fn);
}

void
seg_print(FILE *f, int format, const char *name, const seg_eval *s, const struct binary_eval *b)
{
	struct seg_scalar v[SEG_NSCALARS];
	size_t n = seg_scalars(s, b, v);

	if (format == SEG_JSON)
		print_json(f, name, s, v, n);
	else if (format == SEG_TSV)
		print_tsv(f, name, v, n);
	else
		print_text(f, name, s, v, n);
}
