/* cnneval: evaluate predictions (a TSV with a header) as scikit-learn would, with curves and plots. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/metrics_eval.h"
#include "metrics/metrics_seg.h"
#include "plot/plot_eval.h"
#include "stream/tstream.h"
#include "util/tsv.h"
#include "pipeline/env.h"
#include "util/util.h"

#define USAGE \
"usage: cnneval [-qv] [--progress] [-f text|json|tsv] [--score COL] [--label COL] [--positive LABEL]\n" \
"               [--threshold T | --best f1|youden] [--at-fpr F] [--at-recall R] [--bootstrap N]\n" \
"               [--seed S] [--multiclass] [--curves PREFIX] [--plot PREFIX] [--learning-curve LOG]\n" \
"               [FILE | -]...\n" \
"       cnneval --masks [-qv] [--progress] [-f text|json|tsv] [--threshold T] [--per-image FILE]\n" \
"               [--max-pixels N] [--max-errors N] [--seed S] [--curves PREFIX] [--plot PREFIX]\n" \
"               [STREAM | -]\n"

enum { FMT_TEXT, FMT_JSON, FMT_TSV };

struct opts {
	int format, verbose, multiclass, masks;
	const char *score, *label, *positive, *curves, *plot, *learning, *per_image;
	size_t max_pixels;
	struct eval_opts eo;
};

struct pcol {            /* a p_CLASS column */
	const char *cls;
	size_t col;
};

/* What is allocated while a table is read, in a global: when die() ends the
 * program midway, it all stays reachable (exit reclaims it) rather than leaked.
 * Not static, so that the compiler keeps the stores (die could read them). */
struct {
	tsv *table;
	double *score, *p;
	unsigned char *y;
	size_t *cls;
	struct pcol *pc;
	struct eval **ev;
} live;

static void
usage(const char *why)
{
	usage_exit(USAGE, why);
}

static tsv *
open_table(const char *path)
{
	char err[1024];
	tsv *t = live.table = tsv_open(path, err, sizeof err);

	if (t == NULL)
		die("%s", err);
	return t;
}

static void
no_rows(tsv *t)
{
	tsv_fail(t, "a header but no rows");
	die("%s", tsv_error(t));
}

static size_t
column(tsv *t, const char *name)
{
	long c = tsv_column(t, name);

	if (c < 0) {
		tsv_fail(t, "no column '%s' in the header", name);
		die("%s", tsv_error(t));
	}
	return (size_t)c;
}

/* ---- binary ---- */

static void
read_binary(tsv *t, const struct opts *o, struct eval *e, size_t *rows)
{
	size_t sc = column(t, o->score ? o->score : "score"), lc = column(t, o->label);
	size_t n = 0, npos = 0, cap = 1 << 16, plen = strlen(o->positive), nlen = 0;
	double *score = live.score = xmalloc(cap * sizeof *score);
	unsigned char *y = live.y = xmalloc(cap);
	const char *neg = NULL;
	int rc;

	while ((rc = tsv_next(t)) == 1) {
		const char *lab = tsv_field(t, lc);
		size_t len = tsv_field_len(t, lc);
		if (n == cap) {
			cap *= 2;
			score = live.score = xreallocarray(score, cap, sizeof *score);
			y = live.y = xrealloc(y, cap);
		}
		if (!(n & 0xfff))
			progress_tick(*rows + n);
		if (tsv_number(t, sc, &score[n]) == -1)
			die("%s", tsv_error(t));
		if (len == plen && (len == 0 || lab[0] == o->positive[0]) &&
		    memcmp(lab, o->positive, len) == 0) {
			y[n++] = 1;
			npos++;
			continue;
		}
		if (neg == NULL) {
			neg = e->negative = xstrdup(lab);
			nlen = len;
		} else if (len != nlen || memcmp(lab, neg, len) != 0) {
			if (npos == 0)
				tsv_fail(t, "labels '%s' and '%s': neither is the positive label '%s' "
				         "(see --positive)", neg, lab, o->positive);
			else
				tsv_fail(t, "third label '%s' (binary mode allows two: '%s' and '%s')", lab,
				         o->positive, neg);
			die("%s", tsv_error(t));
		}
		y[n++] = 0;
	}
	if (rc == -1)
		die("%s", tsv_error(t));
	if (n == 0)
		no_rows(t);
	if (o->eo.bootstrap && n > UINT32_MAX / 2)
		die("%s: --bootstrap takes at most %u rows", tsv_name(t), UINT32_MAX / 2);
	*rows += n;
	e->positive = o->positive;
	binary_eval_compute(&e->b, score, y, n, &o->eo);
	free(score);
	free(y);
	live.score = NULL;
	live.y = NULL;
}

/* ---- multiclass ---- */

static int
cmp_pcol(const void *a, const void *b)
{
	return strcmp(((const struct pcol *)a)->cls, ((const struct pcol *)b)->cls);
}

static int
cmp_class(const void *key, const void *b)
{
	return strcmp(key, ((const struct pcol *)b)->cls);
}

static void
read_multiclass(tsv *t, const struct opts *o, struct eval *e, size_t *rows)
{
	size_t lc = column(t, o->label), k = 0, n = 0, cap = 1 << 12;
	struct pcol *pc = live.pc = xcalloc(tsv_ncols(t), sizeof *pc);
	double *p;
	size_t *y;
	int rc;

	for (size_t c = 0; c < tsv_ncols(t); c++)
		if (strncmp(tsv_colname(t, c), "p_", 2) == 0) {
			pc[k].cls = tsv_colname(t, c) + 2;
			pc[k++].col = c;
		}
	if (k == 0) {
		tsv_fail(t, "no p_CLASS columns for multiclass mode");
		die("%s", tsv_error(t));
	}
	qsort(pc, k, sizeof *pc, cmp_pcol);
	p = live.p = xmalloc(cap * k * sizeof *p);
	y = live.cls = xmalloc(cap * sizeof *y);
	while ((rc = tsv_next(t)) == 1) {
		const struct pcol *hit = bsearch(tsv_field(t, lc), pc, k, sizeof *pc, cmp_class);
		if (hit == NULL) {
			tsv_fail(t, "label '%s' has no p_%s column", tsv_field(t, lc), tsv_field(t, lc));
			die("%s", tsv_error(t));
		}
		if (n == cap) {
			cap *= 2;
			p = live.p = xreallocarray(p, cap * k, sizeof *p);
			y = live.cls = xreallocarray(y, cap, sizeof *y);
		}
		for (size_t c = 0; c < k; c++)
			if (tsv_number(t, pc[c].col, &p[n * k + c]) == -1)
				die("%s", tsv_error(t));
		y[n++] = (size_t)(hit - pc);
		if (!(n & 0xfff))
			progress_tick(*rows + n);
	}
	if (rc == -1)
		die("%s", tsv_error(t));
	if (n == 0)
		no_rows(t);
	*rows += n;
	e->multiclass = 1;
	e->mc.classes = xcalloc(k, sizeof *e->mc.classes);
	for (size_t c = 0; c < k; c++)
		e->mc.classes[c] = xstrdup(pc[c].cls);
	multiclass_eval_compute(&e->mc, p, y, n, k, &o->eo);
	free(pc);
	free(p);
	free(y);
	live.pc = NULL;
	live.p = NULL;
	live.cls = NULL;
}

static int
has_p_columns(const tsv *t)
{
	for (size_t c = 0; c < tsv_ncols(t); c++)
		if (strncmp(tsv_colname(t, c), "p_", 2) == 0)
			return 1;
	return 0;
}

/* Warns about what is undefined; nothing else goes to stderr. */
static void
warn_undefined(const struct eval *e, const struct opts *o)
{
	if (e->multiclass) {
		const struct multiclass *m = &e->mc.m;
		for (size_t c = 0; c < m->k; c++)
			if (m->support[c] == 0 || m->support[c] == m->n) {
				warnx("%s: %s class '%s': one-vs-rest ROC AUC is undefined (null)", e->name,
				      m->support[c] ? "every row has" : "no row has", e->mc.classes[c]);
				break;
			}
		return;
	}
	if (e->b.npos == 0)
		warnx("%s: no row has the positive label '%s': ROC AUC, average precision and "
		      "PR AUC are undefined (null)", e->name, e->positive);
	else if (e->b.nneg == 0)
		warnx("%s: every row has the positive label '%s': ROC AUC is undefined (null)",
		      e->name, e->positive);
	if (!e->b.probabilities)
		warnx("%s: scores outside [0, 1]: Brier score and calibration are undefined (null)",
		      e->name);
	if (e->b.best.asked && !e->b.best.defined)
		warnx("%s: --best youden needs both classes; threshold left at %g", e->name,
		      o->eo.threshold);
}

static void
evaluate(const char *path, const struct opts *o, struct eval *e, size_t *rows)
{
	tsv *t = open_table(path);
	int multi;

	if (o->multiclass)
		multi = 1;
	else if (o->score || tsv_column(t, "score") >= 0)
		multi = 0;
	else if (has_p_columns(t))
		multi = 1;
	else {
		tsv_fail(t, "no 'score' column and no p_CLASS columns");
		die("%s", tsv_error(t));
	}
	e->name = xstrdup(tsv_name(t));
	if (multi)
		read_multiclass(t, o, e, rows);
	else
		read_binary(t, o, e, rows);
	tsv_close(t);
	live.table = NULL;
	warn_undefined(e, o);
}

/* ---- learning curves ---- */

static void
read_learning(const char *path, struct learning_log *log)
{
	static const char *const names[] = {
		"epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "lr", "seconds" };
	static const char *const aliases[] = {   /* as cnntrain's log spells them */
		NULL, NULL, "train_acc", NULL, "val_acc", NULL, NULL };
	double **cols[] = { &log->epoch, &log->train_loss, &log->train_accuracy, &log->val_loss,
	                    &log->val_accuracy, &log->lr, &log->seconds };
	long idx[7];
	size_t cap = 256;
	tsv *t = open_table(path);
	int rc;

	log->name = xstrdup(tsv_name(t));
	column(t, "epoch");
	column(t, "train_loss");
	for (int i = 0; i < 7; i++)
		if ((idx[i] = tsv_column(t, names[i])) >= 0 ||
		    (aliases[i] && (idx[i] = tsv_column(t, aliases[i])) >= 0))
			*cols[i] = xmalloc(cap * sizeof **cols[i]);
	while ((rc = tsv_next(t)) == 1) {
		if (log->n == cap) {
			cap *= 2;
			for (int i = 0; i < 7; i++)
				if (idx[i] >= 0)
					*cols[i] = xreallocarray(*cols[i], cap, sizeof **cols[i]);
		}
		for (int i = 0; i < 7; i++)
			if (idx[i] >= 0 && tsv_number(t, (size_t)idx[i], &(*cols[i])[log->n]) == -1)
				die("%s", tsv_error(t));
		if (log->n > 0 && !(log->epoch[log->n] > log->epoch[log->n - 1])) {
			tsv_fail(t, "epoch %g does not follow %g", log->epoch[log->n],
			         log->epoch[log->n - 1]);
			die("%s", tsv_error(t));
		}
		log->n++;
	}
	if (rc == -1)
		die("%s", tsv_error(t));
	if (log->n == 0)
		no_rows(t);
	tsv_close(t);
	live.table = NULL;
}

static void
print_learning(const struct learning_log *log, int format)
{
	size_t best = 0, last = log->n - 1;
	const double *crit = log->val_loss ? log->val_loss : log->train_loss;
	const char *cname = log->val_loss ? "val_loss" : "train_loss";

	for (size_t i = 1; i < log->n; i++)
		if (crit[i] < crit[best])
			best = i;
	if (format == FMT_JSON) {
		printf("{\n  \"input\": ");
		eval_json_string(stdout, log->name);
		printf(",\n  \"mode\": \"learning_curve\",\n  \"epochs\": %zu,\n", log->n);
		printf("  \"best_epoch\": %.17g,\n  \"best_%s\": %.17g,\n", log->epoch[best], cname,
		       crit[best]);
		printf("  \"last_train_loss\": %.17g\n}\n", log->train_loss[last]);
	} else if (format == FMT_TSV) {
		printf("metric\tvalue\nepochs\t%zu\nbest_epoch\t%.17g\nbest_%s\t%.17g\n"
		       "last_train_loss\t%.17g\n", log->n, log->epoch[best], cname, crit[best],
		       log->train_loss[last]);
	} else {
		printf("%s: %zu epochs; lowest %s %.6g at epoch %g; last train_loss %.6g", log->name,
		       log->n, cname, crit[best], log->epoch[best], log->train_loss[last]);
		if (log->val_accuracy)
			printf(", val_accuracy %.6g", log->val_accuracy[last]);
		printf("\n");
	}
}

static void
free_learning(struct learning_log *log)
{
	free((char *)log->name);
	free(log->epoch);
	free(log->train_loss);
	free(log->train_accuracy);
	free(log->val_loss);
	free(log->val_accuracy);
	free(log->lr);
	free(log->seconds);
}

/* ---- output files ---- */

static char *
path_with(const char *prefix, const char *suffix)
{
	char *p;

	if (asprintf(&p, "%s.%s", prefix, suffix) < 0)
		die("out of memory");
	return p;
}

static void
write_curves(const char *prefix, struct eval *const *e, size_t n)
{
	int any_binary = 0;

	for (size_t i = 0; i < n; i++)
		any_binary |= !e[i]->multiclass;
	for (int which = 0; which < 2; which++) {
		char *path = path_with(prefix, which ? "pr.tsv" : "roc.tsv");
		outfile out;
		if (which && !any_binary) {
			free(path);
			break;
		}
		if (outfile_open(&out, path) == -1)
			die("%s: %s", path, strerror(errno));
		if (which)
			eval_print_pr_tsv(out.f, e, n);
		else
			eval_print_roc_tsv(out.f, e, n);
		if (outfile_commit(&out) == -1)
			die("%s: %s", path, strerror(errno));
		free(path);
	}
}

static void
write_figure(const char *prefix, const char *what, plot_fig *fig)
{
	char err[256];

	if (fig == NULL)
		return;
	for (int svg = 0; svg < 2; svg++) {
		char *name, *path;
		outfile out;
		if (asprintf(&name, "%s.%s", what, svg ? "svg" : "png") < 0)
			die("out of memory");
		path = path_with(prefix, name);
		if (outfile_open(&out, path) == -1)
			die("%s: %s", path, strerror(errno));
		if ((svg ? plot_write_svg : plot_write_png)(fig, out.f, err, sizeof err) == -1) {
			outfile_abort(&out);
			die("%s: %s", path, err);
		}
		if (outfile_commit(&out) == -1)
			die("%s: %s", path, strerror(errno));
		free(path);
		free(name);
	}
	plot_fig_free(fig);
}

static void
write_plots(const char *prefix, struct eval *const *e, size_t n)
{
	write_figure(prefix, "roc", plot_eval_roc(e, n));
	write_figure(prefix, "pr", plot_eval_pr(e, n));
	write_figure(prefix, "calibration", plot_eval_calibration(e, n));
	for (size_t i = 0; i < n; i++) {
		char what[64];
		if (n == 1)
			snprintf(what, sizeof what, "confusion");
		else
			snprintf(what, sizeof what, "confusion.%zu", i + 1);
		write_figure(prefix, what, plot_eval_confusion(e[i]));
	}
}

/* ---- segmentation masks ---- */

static void
per_image_row(FILE *f, const ts_record *rec, size_t nrec, const struct seg_counts *c)
{
	const char *id = ts_get(rec, "id");
	struct seg_metrics m;

	seg_metrics(c, &m);
	if (id)
		eval_tsv_name(f, id);
	else
		fprintf(f, "%zu", nrec);
	fprintf(f, "\t%llu\t%llu\t%llu\t%.17g\t%.17g\t%.17g\t%.17g\t%.17g\n",
	        (unsigned long long)(c->tp + c->fp + c->tn + c->fn),
	        (unsigned long long)(c->tp + c->fn), (unsigned long long)(c->tp + c->fp),
	        m.accuracy, m.precision, m.recall, m.iou, m.dice);
}

static void
read_masks(const char *path, const struct opts *o, seg_eval *s)
{
	const char *name = strcmp(path, "-") == 0 ? "stdin" : path;
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	static ts_record rec;           /* static: reachable when die() ends the program */
	static outfile out;
	static ts_reader *r;            /* reachable too */
	struct seg_counts c;
	char err[512];
	int rc;

	if (f == NULL)
		die("%s: %s", path, strerror(errno));
	if ((r = ts_reader_open(f, name)) == NULL)
		die("%s: out of memory", name);
	if (o->per_image) {
		if (outfile_open(&out, o->per_image) == -1)
			die("%s: %s", o->per_image, strerror(errno));
		fputs("id\tpixels\tpositives\tpredicted\taccuracy\tprecision\trecall\tiou\tdice\n",
		      out.f);
	}
	ts_record_init(&rec);
	while ((rc = ts_read(r, &rec)) == 1) {
		if (seg_eval_add(s, &rec, &c, err, sizeof err) == -1) {        /* skipped */
			if (skip_record(name, ts_reader_nrec(r), ts_get(&rec, "id"), "%s", err) == -1)
				skip_stop();
			continue;
		}
		if (o->per_image)
			per_image_row(out.f, &rec, ts_reader_nrec(r), &c);
		progress_tick(ts_reader_nrec(r));
	}
	if (rc == -1)
		die("%s", ts_reader_error(r));
	if (s->images == 0)
		die("%s: no records%s", name, skip_count() ? " left" : "");
	if (o->per_image && outfile_commit(&out) == -1)
		die("%s: %s", o->per_image, strerror(errno));
	ts_record_free(&rec);
	ts_reader_free(r);
	if (f != stdin)
		fclose(f);
}

static int
run_masks(const struct opts *o, const char *path)
{
	static seg_eval s;              /* static: reachable when die() ends the program */
	static struct eval e;
	struct eval *ev[1] = { &e };

	if (o->verbose)
		summary_start();
	seg_eval_init(&s, o->eo.threshold, o->max_pixels, o->eo.seed);
	read_masks(path, o, &s);
	progress_done();
	e.name = strcmp(path, "-") == 0 ? "stdin" : path;
	e.positive = "mask";
	binary_eval_compute(&e.b, s.score, s.y, s.n, &o->eo);
	if (e.b.npos == 0 || e.b.nneg == 0)
		warnx("%s: %s: ROC AUC%s undefined (null)", e.name,
		      e.b.npos ? "every pixel is in the true masks" : "no pixel is in a true mask",
		      e.b.npos ? " is" : ", average precision and PR AUC are");
	seg_print(stdout, o->format == FMT_JSON ? SEG_JSON : o->format == FMT_TSV ? SEG_TSV : SEG_TEXT,
	          e.name, &s, &e.b);
	if (o->curves)
		write_curves(o->curves, ev, 1);
	if (o->plot) {
		write_figure(o->plot, "roc", plot_eval_roc(ev, 1));
		write_figure(o->plot, "pr", plot_eval_pr(ev, 1));
		plot_release();
	}
	if (o->verbose)
		summary_print(s.images, s.images);
	eval_free(&e);
	seg_eval_free(&s);
	return skip_status();
}

static int
run(const struct opts *o, int argc, char **argv)
{
	static char *stdin_only[] = { "-" };
	struct eval **ev;
	static struct learning_log log;     /* static: reachable when die() ends the program */
	size_t rows = 0;

	if (o->verbose)
		summary_start();
	if (o->learning)
		read_learning(o->learning, &log);
	if (argc == 0 && !o->learning) {
		argc = 1;
		argv = stdin_only;
	}
	ev = live.ev = xcalloc((size_t)argc + 1, sizeof *ev);
	for (int i = 0; i < argc; i++) {
		ev[i] = xcalloc(1, sizeof **ev);
		evaluate(argv[i], o, ev[i], &rows);
	}
	progress_done();
	if (o->format == FMT_TSV && argc > 0)
		eval_print_tsv(stdout, ev, (size_t)argc);
	for (int i = 0; i < argc && o->format != FMT_TSV; i++) {
		if (o->format == FMT_JSON) {
			if (argc > 1)
				fputs(i ? ",\n" : "[\n", stdout);
			eval_print_json(stdout, ev[i], argc > 1);
			fputs(argc > 1 && i == argc - 1 ? "\n]\n" : argc > 1 ? "" : "\n", stdout);
		} else {
			if (i)
				putchar('\n');
			eval_print_text(stdout, ev[i]);
		}
	}
	if (o->learning && (argc == 0 || o->format == FMT_TEXT))
		print_learning(&log, o->format);
	if (o->curves && argc > 0)
		write_curves(o->curves, ev, (size_t)argc);
	if (o->plot && argc > 0)
		write_plots(o->plot, ev, (size_t)argc);
	if (o->plot && o->learning)
		write_figure(o->plot, "learning", plot_learning_curves(&log));
	if (o->plot)
		plot_release();
	for (int i = 0; i < argc; i++) {
		if (ev[i]->multiclass)
			for (size_t c = 0; c < ev[i]->mc.m.k; c++)
				free(ev[i]->mc.classes[c]);
		free(ev[i]->mc.classes);
		free((char *)ev[i]->name);
		free((char *)ev[i]->negative);
		eval_free(ev[i]);
		free(ev[i]);
	}
	free(ev);
	live.ev = NULL;
	free_learning(&log);
	if (o->verbose)
		summary_print(rows, rows);
	return 0;
}

int
main(int argc, char **argv)
{
	enum { O_SCORE = 256, O_LABEL, O_POSITIVE, O_THRESHOLD, O_BEST, O_AT_FPR, O_AT_RECALL,
	       O_BOOTSTRAP, O_SEED, O_MULTICLASS, O_CURVES, O_PLOT, O_LEARNING, O_MASKS, O_PER_IMAGE,
	       O_MAX_PIXELS, O_HELP, O_MAX_ERRORS, O_PROGRESS };
	static const struct option longopts[] = {
		{ "at-fpr", required_argument, NULL, O_AT_FPR },
		{ "at-recall", required_argument, NULL, O_AT_RECALL },
		{ "best", required_argument, NULL, O_BEST },
		{ "bootstrap", required_argument, NULL, O_BOOTSTRAP },
		{ "curves", required_argument, NULL, O_CURVES },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, O_HELP },
		{ "label", required_argument, NULL, O_LABEL },
		{ "learning-curve", required_argument, NULL, O_LEARNING },
		{ "masks", no_argument, NULL, O_MASKS },
		{ "max-errors", required_argument, NULL, O_MAX_ERRORS },
		{ "max-pixels", required_argument, NULL, O_MAX_PIXELS },
		{ "multiclass", no_argument, NULL, O_MULTICLASS },
		{ "per-image", required_argument, NULL, O_PER_IMAGE },
		{ "plot", required_argument, NULL, O_PLOT },
		{ "positive", required_argument, NULL, O_POSITIVE },
		{ "progress", no_argument, NULL, O_PROGRESS },
		{ "quiet", no_argument, NULL, 'q' },
		{ "score", required_argument, NULL, O_SCORE },
		{ "seed", required_argument, NULL, O_SEED },
		{ "threshold", required_argument, NULL, O_THRESHOLD },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .label = "label", .positive = "1", .max_pixels = SEG_MAX_PIXELS,
	                  .eo = { .threshold = 0.5, .best = -1, .at_fpr = NAN, .at_recall = NAN } };
	int c, threshold_set = 0, max_errors_set = 0;

	prog_init(argv[0]);
	env_require();
	while ((c = getopt_long(argc, argv, "f:qv", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (strcmp(optarg, "text") == 0)
				o.format = FMT_TEXT;
			else if (strcmp(optarg, "json") == 0)
				o.format = FMT_JSON;
			else if (strcmp(optarg, "tsv") == 0)
				o.format = FMT_TSV;
			else
				usage("-f wants text, json or tsv");
			break;
		case 'v': o.verbose = 1; break;
		case 'q': progress_set_mode(PROGRESS_OFF); break;
		case O_PROGRESS: progress_set_mode(PROGRESS_LINES); break;
		case O_SCORE: o.score = optarg; break;
		case O_LABEL: o.label = optarg; break;
		case O_POSITIVE: o.positive = optarg; break;
		case O_THRESHOLD:
			o.eo.threshold = parse_double(optarg, -1e308, 1e308, "--threshold");
			threshold_set = 1;
			break;
		case O_BEST:
			if (strcmp(optarg, "f1") == 0)
				o.eo.best = BEST_F1;
			else if (strcmp(optarg, "youden") == 0)
				o.eo.best = BEST_YOUDEN;
			else
				usage("--best wants f1 or youden");
			break;
		case O_AT_FPR: o.eo.at_fpr = parse_double(optarg, 0, 1, "--at-fpr"); break;
		case O_AT_RECALL: o.eo.at_recall = parse_double(optarg, 0, 1, "--at-recall"); break;
		case O_BOOTSTRAP:
			o.eo.bootstrap = (size_t)parse_int(optarg, 1, 1000000, "--bootstrap");
			break;
		case O_SEED: o.eo.seed = (uint64_t)parse_int(optarg, 0, INT64_MAX, "--seed"); break;
		case O_MULTICLASS: o.multiclass = 1; break;
		case O_CURVES: o.curves = optarg; break;
		case O_PLOT: o.plot = optarg; break;
		case O_LEARNING: o.learning = optarg; break;
		case O_MASKS: o.masks = 1; break;
		case O_PER_IMAGE: o.per_image = optarg; break;
		case O_MAX_ERRORS:
			skip_set_max(parse_int(optarg, 0, INT64_MAX, "--max-errors"));
			max_errors_set = 1;
			break;
		case O_MAX_PIXELS:
			o.max_pixels = (size_t)parse_int(optarg, 1, 1000000000, "--max-pixels");
			break;
		case O_HELP:
			fputs(USAGE, stdout);
			return 0;
		default:
			usage(NULL);
		}
	}
	argc -= optind;
	argv += optind;
	if (threshold_set && o.eo.best >= 0)
		usage("--threshold and --best exclude each other");
	if (o.multiclass && o.score)
		usage("--multiclass and --score exclude each other");
	if (o.masks && (o.eo.best >= 0 || o.eo.bootstrap || o.multiclass || o.score || o.learning ||
	                !isnan(o.eo.at_fpr) || !isnan(o.eo.at_recall)))
		usage("--masks excludes --best, --bootstrap, --multiclass, --score, --at-fpr, "
		      "--at-recall and --learning-curve");
	if (!o.masks && (o.per_image || o.max_pixels != SEG_MAX_PIXELS || max_errors_set))
		usage("--per-image, --max-pixels and --max-errors go with --masks");
	if (o.masks && argc > 1)
		usage("--masks takes one stream (cat several into one)");
	o.eo.keep_points = o.format == FMT_JSON || o.curves || o.plot;
	if (o.masks)
		o.eo.keep_points = o.curves || o.plot;
	c = o.masks ? run_masks(&o, argc ? argv[0] : "-") : run(&o, argc, argv);
	finish_stdout();
	return c;
}
