/* cnneval: evaluate predictions (a TSV with a header) as scikit-learn would, with curves and plots. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/metrics_eval.h"
#include "metrics/metrics_seg.h"
#include "plot/plot_eval.h"
#include "report/report.h"
#include "stream/tstream.h"
#include "util/tsv.h"
#include "net/net.h"
#include "pipeline/env.h"
#include "util/util.h"

#define USAGE \
"usage: cnneval [-qv] [--progress] [-f text|json|tsv] [--score COL] [--label COL] [--positive LABEL]\n" \
"               [--threshold T | --best f1|youden] [--at-fpr F] [--at-recall R]\n" \
"               [--bootstrap N] [--seed S] [--multiclass] [--curves PREFIX] [--plot PREFIX]\n" \
"               [--learning-curve LOG] [--html FILE [--images STREAM]] [FILE | -]...\n" \
"       cnneval --masks [-qv] [--progress] [-f text|json|tsv] [--threshold T] [--per-image FILE]\n" \
"               [--max-pixels N] [--max-errors N] [--seed S] [--curves PREFIX] [--plot PREFIX]\n" \
"               [--html FILE] [STREAM | -]\n" \
"       cnneval -h | --help | --version\n"

#define HELP \
"Options:\n" \
"  -f, --format text|json|tsv  the output format (default text)\n" \
"      --masks                 segmentation mode: evaluate the masks of a stream\n" \
"      --per-image FILE        segmentation: write one line of metrics per record to FILE\n" \
"      --max-errors N          stop at the error after the N-th skipped record (default: no limit)\n" \
"      --max-pixels N          segmentation: the most pixels behind the curves (default 10000000)\n" \
"      --score COL             the column of the score (default score)\n" \
"      --label COL             the column of the truth (default label)\n" \
"      --positive LABEL        the positive label (default 1)\n" \
"      --threshold T           predict positive when the score is at least T (default 0.5)\n" \
"      --best f1|youden        use the threshold that maximises F1 or Youden's J instead\n" \
"      --at-fpr F              report the operating point of largest TPR with FPR at most F\n" \
"      --at-recall R           report the operating point of largest precision with recall at least R\n" \
"      --bootstrap N           95% intervals from N resamples (default: none)\n" \
"      --seed S                the seed of the resampling (default 0)\n" \
"      --multiclass            multiclass mode even when there is a score column\n" \
"      --curves PREFIX         write the ROC and PR curves as PREFIX.roc.tsv and PREFIX.pr.tsv\n" \
"      --plot PREFIX           draw the curves as PREFIX.WHAT.png and .svg\n" \
"      --learning-curve LOG    summarise (and with --plot, draw) a cnntrain log\n" \
"      --html FILE             write a self-contained HTML report: metrics, figures, worst errors\n" \
"      --images STREAM         with --html: the thumbnails of the gallery, joined by id\n" \
"  -v, --verbose               end with a summary line on stderr\n" \
"  -q, --quiet                 no progress line\n" \
"      --progress              progress as plain lines, also when stderr is not a terminal\n" \
"  -h, --help                  print this help and exit\n" \
"      --version               print the version and exit\n"

enum { FMT_TEXT, FMT_JSON, FMT_TSV };

struct opts {
	int format, verbose, multiclass, masks;
	const char *score, *label, *positive, *curves, *plot, *learning, *per_image, *html, *images;
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
	struct report_gallery *gal;     /* --html: per input, false positives then negatives */
	char **titles;
} live;

#define GALLERY 12                      /* thumbnails per gallery */

static void
usage(const char *why)
{
	usage_exit(USAGE, why);
}

/* An input: "-" (stdin), an http(s) URL read as it arrives (net.h: the limits,
 * retries and errors of imgscrape and of the other programs' URL operands), or a file. */
static FILE *
open_input(const char *path, net_stream **ns)
{
	char err[1024];
	FILE *f;

	*ns = NULL;
	if (strcmp(path, "-") == 0)
		return stdin;
	if (net_is_url(path)) {
		if ((*ns = net_open(path, err, sizeof err)) == NULL)
			die("%s", err);
		return net_file(*ns);
	}
	if ((f = fopen(path, "rb")) == NULL)
		die("%s: %s", path, strerror(errno));
	return f;
}

/* Closes what open_input opened; a URL whose body did not arrive whole is an error. */
static void
close_input(FILE *f, net_stream *ns)
{
	char err[1024];

	if (ns) {
		if (net_close(ns, err, sizeof err) == -1)
			die("%s", err);
	} else if (f != stdin) {
		fclose(f);
	}
}

/* A table at a URL, read whole (tables are small next to streams). */
static tsv *
open_remote_table(const char *path, char *err, size_t errlen)
{
	net_stream *ns;
	FILE *f = open_input(path, &ns);
	size_t len = 0, cap = 65536, n;
	char *buf = xmalloc(cap);
	tsv *t;

	while ((n = fread(buf + len, 1, cap - len, f)) > 0)
		if ((len += n) == cap)
			buf = xrealloc(buf, cap *= 2);
	close_input(f, ns);
	t = tsv_open_mem(path, buf, len, err, errlen);
	free(buf);
	return t;
}

static tsv *
open_table(const char *path)
{
	char err[1024];
	tsv *t = live.table = net_is_url(path) ? open_remote_table(path, err, sizeof err)
	                                       : tsv_open(path, err, sizeof err);

	if (t == NULL)
		die("%s", err);
	/* one column whose name holds commas: a CSV file (pandas' default) */
	if (tsv_ncols(t) == 1 && strchr(tsv_colname(t, 0), ',')) {
		tsv_fail(t, "the header has commas but no tabs: cnneval reads tab-separated values, not CSV "
		         "(pandas: to_csv(path, sep='\\t'); or: tr , '\\t' < FILE.csv)");
		die("%s", tsv_error(t));
	}
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

/* ---- the gallery of --html ---- */

/* The column that names a row: cnnpredict's id, or file; -1 for none. */
static long
id_column(tsv *t)
{
	long c = tsv_column(t, "id");

	return c >= 0 ? c : tsv_column(t, "file");
}

/* The p_CLASS columns (up to 64) whose text is the score's on every row: bit i for
 * the i-th p_ column of the header.  cnnpredict writes the probability of the
 * positive class as score, so the one column left names it. */
struct pmatch {
	size_t col[64];
	int n;
	unsigned long long alive;
};

static void
pmatch_init(tsv *t, size_t sc, struct pmatch *m)
{
	m->n = 0;
	for (size_t c = 0; c < tsv_ncols(t) && m->n < 64; c++)
		if (c != sc && strncmp(tsv_colname(t, c), "p_", 2) == 0 && tsv_colname(t, c)[2])
			m->col[m->n++] = c;
	m->alive = m->n == 64 ? ~0ull : (1ull << m->n) - 1;
}

static void
pmatch_row(tsv *t, size_t sc, struct pmatch *m)
{
	for (int i = 0; i < m->n; i++)
		if ((m->alive >> i & 1) && strcmp(tsv_field(t, m->col[i]), tsv_field(t, sc)) != 0)
			m->alive &= ~(1ull << i);
}

/* The class of the one p_ column left, or NULL. */
static const char *
pmatch_class(tsv *t, const struct pmatch *m)
{
	int found = -1;

	for (int i = 0; i < m->n; i++) {
		if (m->alive >> i & 1) {
			if (found >= 0)
				return NULL;
			found = i;
		}
	}
	return found < 0 ? NULL : tsv_colname(t, m->col[found]) + 2;
}

static void
offer(struct report_gallery *g, tsv *t, long ic, size_t row, const char *label, double score)
{
	char name[32];

	if (ic < 0)
		snprintf(name, sizeof name, "row %zu", row + 1);
	report_gallery_offer(g, ic < 0 ? name : tsv_field(t, (size_t)ic), label, score);
}

static char *
title(const char *fmt, const char *a, const char *b)
{
	char *s;

	if (asprintf(&s, fmt, a, b) < 0)
		die("out of memory");
	return s;
}

static void
read_binary(tsv *t, const struct opts *o, struct eval *e, size_t *rows, struct report_gallery *gal)
{
	size_t sc = column(t, o->score ? o->score : "score"), lc = column(t, o->label);
	size_t n = 0, cap = 1 << 16;
	long ic = id_column(t);
	double *score = live.score = xmalloc(cap * sizeof *score);
	unsigned char *y = live.y = xmalloc(cap);   /* first the label's index in lab[] */
	char *lab[2] = { NULL, NULL };
	const char *pos = o->positive;
	struct pmatch pm;
	int rc, nlab = 0;
	size_t line2 = 0;       /* where the second label first appears */
	struct report_gallery cand[2][2];       /* per label: gal[0]'s and gal[1]'s candidates */

	if (gal)
		for (int k = 0; k < 2; k++)
			for (int j = 0; j < 2; j++)
				report_gallery_init(&cand[k][j], gal[j].title, gal[j].score_name, gal[j].keep_high,
				                    gal[j].max);
	pmatch_init(t, sc, &pm);
	while ((rc = tsv_next(t)) == 1) {
		const char *l = tsv_field(t, lc);
		int k;
		if (n == cap) {
			cap *= 2;
			score = live.score = xreallocarray(score, cap, sizeof *score);
			y = live.y = xrealloc(y, cap);
		}
		if (!(n & 0xfff))
			progress_tick(*rows + n);
		if (tsv_number(t, sc, &score[n]) == -1)
			die("%s", tsv_error(t));
		pmatch_row(t, sc, &pm);
		for (k = 0; k < nlab && strcmp(l, lab[k]) != 0; k++)
			;
		if (k == 2) {
			tsv_fail(t, "third label '%s' (binary mode allows two: '%s' and '%s')", l, lab[0], lab[1]);
			die("%s", tsv_error(t));
		}
		if (k == nlab) {
			lab[nlab++] = xstrdup(l);
			line2 = tsv_line(t);
		}
		if (gal) {
			/* which label is positive is known at the end: keep both candidates per label */
			offer(&cand[k][0], t, ic, n, l, score[n]);
			offer(&cand[k][1], t, ic, n, l, score[n]);
		}
		y[n++] = (unsigned char)k;
	}
	if (rc == -1)
		die("%s", tsv_error(t));
	if (n == 0)
		no_rows(t);
	if (o->eo.bootstrap && n > UINT32_MAX / 2)
		die("%s: --bootstrap takes at most %u rows", tsv_name(t), UINT32_MAX / 2);
	/* the positive class: --positive, else the p_CLASS column equal to the score, else "1" */
	if (pos == NULL && (pos = pmatch_class(t, &pm)) == NULL)
		pos = "1";
	e->positive = xstrdup(pos);
	int ipos = nlab > 0 && strcmp(lab[0], pos) == 0 ? 0 : nlab > 1 && strcmp(lab[1], pos) == 0 ? 1 : -1;
	if (ipos < 0 && nlab == 2)
		die("%s: line %zu: labels '%s' and '%s': neither is the positive label '%s' (see --positive)",
		    tsv_name(t), line2, lab[0], lab[1], pos);
	for (size_t i = 0; i < n; i++)
		y[i] = y[i] == ipos;
	for (int k = 0; k < nlab; k++) {
		if (k != ipos && e->negative == NULL)
			e->negative = lab[k];
		else
			free(lab[k]);
	}
	*rows += n;
	binary_eval_compute(&e->b, score, y, n, &o->eo);
	if (gal) {
		/* false positives among the negative label's rows, false negatives among the positive's */
		int ineg = ipos < 0 ? 0 : nlab == 2 ? 1 - ipos : -1;
		int from[2] = { ineg, ipos };
		for (int j = 0; j < 2; j++) {
			if (from[j] >= 0) {
				report_gallery_free(&gal[j]);
				gal[j] = cand[from[j]][j];
				cand[from[j]][j].it = NULL;
				cand[from[j]][j].n = 0;
			}
			gal[j].filter = 1;
			gal[j].only_from = e->b.threshold;
		}
		for (int k = 0; k < 2; k++)
			for (int j = 0; j < 2; j++)
				report_gallery_free(&cand[k][j]);
	}
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
read_multiclass(tsv *t, const struct opts *o, struct eval *e, size_t *rows,
                struct report_gallery *gal)
{
	size_t lc = column(t, o->label), k = 0, n = 0, cap = 1 << 12;
	long ic = id_column(t);
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
		y[n] = (size_t)(hit - pc);
		if (gal) {
			size_t pred = multiclass_argmax(&p[n * k], k);
			if (pred != y[n]) {
				char *lab = title("%s, predicted %s", hit->cls, pc[pred].cls);
				offer(gal, t, ic, n, lab, p[n * k + pred]);
				free(lab);
			}
		}
		n++;
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
evaluate(const char *path, const struct opts *o, struct eval *e, size_t *rows,
         struct report_gallery *gal, char **titles)
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
	if (gal && multi) {
		titles[0] = title("%s: the most confident misclassifications%s", e->name, "");
		report_gallery_init(&gal[0], titles[0], "p", 1, GALLERY);
	} else if (gal) {
		titles[0] = title("%s: the most confident false positives%s", e->name, "");
		titles[1] = title("%s: the most confident false negatives%s", e->name, "");
		report_gallery_init(&gal[0], titles[0], "score", 1, GALLERY);
		report_gallery_init(&gal[1], titles[1], "score", 0, GALLERY);
	}
	if (multi)
		read_multiclass(t, o, e, rows, gal);
	else
		read_binary(t, o, e, rows, gal);
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
		printf("metric\tvalue\nepochs\t%zu\nbest_epoch\t", log->n);
		eval_tsv_value(stdout, log->epoch[best]);
		printf("\nbest_%s\t", cname);
		eval_tsv_value(stdout, crit[best]);
		fputs("\nlast_train_loss\t", stdout);
		eval_tsv_value(stdout, log->train_loss[last]);
		fputc('\n', stdout);
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

/* ---- the HTML report ---- */

/* Fills the galleries' thumbnails from the records of the stream at path whose
 * id is an item's. */
static void
fill_from_images(const char *path, struct report_gallery *gal, size_t ngal)
{
	const char *name = strcmp(path, "-") == 0 ? "stdin" : path;
	net_stream *ns;
	FILE *f = open_input(path, &ns);
	static ts_record rec;           /* static: reachable when die() ends the program */
	static ts_reader *r;
	char err[512];
	int rc;

	if ((r = ts_reader_open(f, name)) == NULL)
		die("%s: out of memory", name);
	ts_record_init(&rec);
	while ((rc = ts_read(r, &rec)) == 1) {
		const char *id = ts_get(&rec, "id");
		for (size_t i = 0; id && i < ngal; i++)
			for (size_t j = 0; j < gal[i].n; j++) {
				struct report_item *it = &gal[i].it[j];
				if (it->png == NULL && strcmp(it->id, id) == 0)
					report_item_fill(it, &rec, 0, 0, err, sizeof err);
			}
	}
	if (rc == -1)
		die("%s", ts_reader_error(r));
	ts_record_free(&rec);
	ts_reader_free(r);
	close_input(f, ns);
	for (size_t i = 0; i < ngal; i++)
		for (size_t j = 0; j < gal[i].n; j++)
			if (gal[i].it[j].png == NULL && gal[i].it[j].why == NULL)
				gal[i].it[j].why = title("no record with this id in %s%s", name, "");
}

static void
write_html(const struct opts *o, const struct report *rep)
{
	static outfile out;             /* static: reachable when die() ends the program */
	char err[512];

	if (outfile_open(&out, o->html) == -1)
		die("%s: %s", o->html, strerror(errno));
	if (report_html_write(out.f, rep, err, sizeof err) == -1) {
		outfile_abort(&out);
		die("%s: %s", o->html, err);
	}
	if (outfile_commit(&out) == -1)
		die("%s: %s", o->html, strerror(errno));
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

/* Keeps the record among the worst IoU, with its thumbnail and overlay. */
static void
offer_mask(struct report_gallery *g, const ts_record *rec, size_t nrec,
           const struct seg_counts *c, double threshold)
{
	const char *id = ts_get(rec, "id");
	struct report_item *it;
	struct seg_metrics m;
	char name[32], err[512];

	seg_metrics(c, &m);
	if (id == NULL)
		snprintf(name, sizeof name, "record %zu", nrec);
	it = report_gallery_offer(g, id ? id : name, ts_get(rec, "label"), m.iou);
	if (it)
		report_item_fill(it, rec, 1, threshold, err, sizeof err);
}

static void
read_masks(const char *path, const struct opts *o, seg_eval *s, struct report_gallery *gal)
{
	const char *name = strcmp(path, "-") == 0 ? "stdin" : path;
	net_stream *ns;
	FILE *f = open_input(path, &ns);
	static ts_record rec;           /* static: reachable when die() ends the program */
	static outfile out;
	static ts_reader *r;            /* reachable too */
	struct seg_counts c;
	char err[512];
	int rc;

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
			skip_or_stop(name, ts_reader_nrec(r), ts_get(&rec, "id"), "%s", err);
			continue;
		}
		if (o->per_image)
			per_image_row(out.f, &rec, ts_reader_nrec(r), &c);
		if (gal)
			offer_mask(gal, &rec, ts_reader_nrec(r), &c, o->eo.threshold);
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
	static struct report_gallery gal;
	struct eval *ev[1] = { &e };

	if (o->verbose)
		summary_start();
	seg_eval_init(&s, o->eo.threshold, o->max_pixels, o->eo.seed);
	if (o->html)
		report_gallery_init(&gal, "The images of lowest IoU", "IoU", 0, GALLERY);
	read_masks(path, o, &s, o->html ? &gal : NULL);
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
	}
	if (o->html) {
		char *t = title("cnneval: %s%s", e.name, " (segmentation)");
		write_html(o, &(struct report){ .title = t, .ev = ev, .nev = 1, .seg = &s,
		                                .gal = &gal, .ngal = 1 });
		free(t);
		report_gallery_free(&gal);
	}
	if (o->plot || o->html)
		plot_release();
	if (o->verbose)
		summary_print(s.images, s.images);
	eval_free(&e);
	seg_eval_free(&s);
	return skip_status();
}

static void
html_report(const struct opts *o, struct eval *const *ev, size_t n, const struct learning_log *log)
{
	struct report_gallery *gal = live.gal;
	size_t ngal = 0;
	char *t = title("cnneval: %s%s", n ? ev[0]->name : log->name, n > 1 ? " and others" : "");

	for (size_t i = 0; i < 2 * n; i++)     /* the used ones, in order */
		if (live.titles[i])
			gal[ngal++] = gal[i];
	write_html(o, &(struct report){ .title = t, .ev = ev, .nev = n,
	                                .log = o->learning ? log : NULL, .gal = gal,
	                                .ngal = ngal, .images = o->images });
	for (size_t i = 0; i < ngal; i++)
		report_gallery_free(&gal[i]);
	for (size_t i = 0; i < 2 * n; i++)
		free(live.titles[i]);
	free(live.gal);
	free(live.titles);
	live.gal = NULL;
	live.titles = NULL;
	free(t);
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
	if (o->html) {
		live.gal = xcalloc(2 * (size_t)argc + 1, sizeof *live.gal);
		live.titles = xcalloc(2 * (size_t)argc + 1, sizeof *live.titles);
	}
	for (int i = 0; i < argc; i++) {
		ev[i] = xcalloc(1, sizeof **ev);
		evaluate(argv[i], o, ev[i], &rows, o->html ? &live.gal[2 * i] : NULL,
		         o->html ? &live.titles[2 * i] : NULL);
	}
	if (o->images)
		fill_from_images(o->images, live.gal, 2 * (size_t)argc);
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
	if (o->html)
		html_report(o, ev, (size_t)argc, &log);
	if (o->plot || o->html)
		plot_release();
	for (int i = 0; i < argc; i++) {
		if (ev[i]->multiclass)
			for (size_t c = 0; c < ev[i]->mc.m.k; c++)
				free(ev[i]->mc.classes[c]);
		free(ev[i]->mc.classes);
		free((char *)ev[i]->name);
		free((char *)ev[i]->negative);
		if (!ev[i]->multiclass)
			free((char *)ev[i]->positive);
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

static int
uses_stdin(int argc, char **argv)
{
	for (int i = 0; i < argc; i++)
		if (strcmp(argv[i], "-") == 0)
			return 1;
	return 0;
}

int
main(int argc, char **argv)
{
	enum { O_SCORE = 256, O_LABEL, O_POSITIVE, O_THRESHOLD, O_BEST, O_AT_FPR, O_AT_RECALL,
	       O_BOOTSTRAP, O_SEED, O_MULTICLASS, O_CURVES, O_PLOT, O_LEARNING, O_MASKS, O_PER_IMAGE,
	       O_MAX_PIXELS, O_HELP, O_VERSION, O_MAX_ERRORS, O_HTML, O_IMAGES, O_PROGRESS };
	static const struct option longopts[] = {
		{ "at-fpr", required_argument, NULL, O_AT_FPR },
		{ "at-recall", required_argument, NULL, O_AT_RECALL },
		{ "best", required_argument, NULL, O_BEST },
		{ "bootstrap", required_argument, NULL, O_BOOTSTRAP },
		{ "curves", required_argument, NULL, O_CURVES },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, O_HELP },
		{ "html", required_argument, NULL, O_HTML },
		{ "images", required_argument, NULL, O_IMAGES },
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
		{ "version", no_argument, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .label = "label", .max_pixels = SEG_MAX_PIXELS,
	                  .eo = { .threshold = 0.5, .best = -1, .at_fpr = NAN, .at_recall = NAN } };
	int c, threshold_set = 0, max_errors_set = 0;

	prog_init(argv[0]);
	env_require();
	while ((c = getopt_long(argc, argv, "hf:qv", longopts, NULL)) != -1) {
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
		case O_HTML: o.html = optarg; break;
		case O_IMAGES: o.images = optarg; break;
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
		case 'h':
		case O_HELP:
			help_exit(USAGE, HELP);
		case O_VERSION:
			version_exit();
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
	if (o.images && !o.html)
		usage("--images goes with --html");
	if (o.images && o.masks)
		usage("--masks takes the images from its stream, not --images");
	if (o.images && strcmp(o.images, "-") == 0 && ((argc == 0 && !o.learning) || uses_stdin(argc, argv)))
		usage("--images - and the predictions cannot both be standard input");
	o.eo.keep_points = o.format == FMT_JSON || o.curves || o.plot || o.html;
	if (o.masks)
		o.eo.keep_points = o.curves || o.plot || o.html;
	c = o.masks ? run_masks(&o, argc ? argv[0] : "-") : run(&o, argc, argv);
	finish_stdout();
	return c;
}
