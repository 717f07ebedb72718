/* Printing an evaluation as text, JSON or TSV (see metrics_eval.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics_eval.h"
#include "util/util.h"

/* ---- JSON ---- */

struct jw {
	FILE *f;
	int depth, comma;
};

void
eval_json_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', f);
	while (*p) {
		int len = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3 :
		          (*p & 0xf8) == 0xf0 ? 4 : 0;
		int ok = len > 0 && !(len == 2 && *p < 0xc2) && !(len == 4 && *p > 0xf4);
		for (int i = 1; ok && i < len; i++)
			ok = (p[i] & 0xc0) == 0x80;
		if (ok && len == 3)     /* no overlong forms, no surrogates */
			ok = !(p[0] == 0xe0 && p[1] < 0xa0) && !(p[0] == 0xed && p[1] >= 0xa0);
		if (ok && len == 4)
			ok = !(p[0] == 0xf0 && p[1] < 0x90) && !(p[0] == 0xf4 && p[1] >= 0x90);
		if (!ok) {
			fputs("\\ufffd", f);
			p++;
		} else if (*p == '"' || *p == '\\') {
			fprintf(f, "\\%c", *p++);
		} else if (*p < 0x20) {
			fprintf(f, "\\u%04x", *p++);
		} else {
			fwrite(p, 1, (size_t)len, f);
			p += len;
		}
	}
	fputc('"', f);
}

void
eval_json_number(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, "%.17g", v);
	else
		fputs("null", f);
}

static void
jw_item(struct jw *w, const char *key)
{
	fputs(w->comma ? ",\n" : "\n", w->f);
	for (int i = 0; i < w->depth; i++)
		fputs("  ", w->f);
	if (key) {
		eval_json_string(w->f, key);
		fputs(": ", w->f);
	}
	w->comma = 1;
}

static void
jw_open(struct jw *w, const char *key, char brace)
{
	jw_item(w, key);
	fputc(brace, w->f);
	w->depth++;
	w->comma = 0;
}

static void
jw_close(struct jw *w, char brace)
{
	w->depth--;
	fputc('\n', w->f);
	for (int i = 0; i < w->depth; i++)
		fputs("  ", w->f);
	fputc(brace, w->f);
	w->comma = 1;
}

static void
jw_num(struct jw *w, const char *key, double v)
{
	jw_item(w, key);
	eval_json_number(w->f, v);
}

static void
jw_count(struct jw *w, const char *key, size_t v)
{
	jw_item(w, key);
	fprintf(w->f, "%zu", v);
}

static void
jw_str(struct jw *w, const char *key, const char *s)
{
	jw_item(w, key);
	if (s)
		eval_json_string(w->f, s);
	else
		fputs("null", w->f);
}

static void
jw_points(struct jw *w, const char *key, const struct points *p)
{
	jw_open(w, key, '[');
	for (size_t i = 0; i < p->n; i++) {
		jw_item(w, NULL);
		fputc('[', w->f);
		eval_json_number(w->f, p->x[i]);
		fputs(", ", w->f);
		eval_json_number(w->f, p->y[i]);
		fputs(", ", w->f);
		eval_json_number(w->f, p->t[i]);
		fputc(']', w->f);
	}
	jw_close(w, ']');
}

static void
jw_calibration(struct jw *w, const struct calibration *cal)
{
	if (cal->n == 0) {
		jw_item(w, "calibration");
		fputs("null", w->f);
		return;
	}
	jw_open(w, "calibration", '{');
	jw_open(w, "bins", '[');
	for (int b = 0; b < CALIB_BINS; b++) {    /* one line per bin */
		jw_item(w, NULL);
		fputs("{\"lo\": ", w->f);
		eval_json_number(w->f, b * (1.0 / CALIB_BINS));
		fputs(", \"hi\": ", w->f);
		eval_json_number(w->f, (b + 1) * (1.0 / CALIB_BINS));
		fprintf(w->f, ", \"count\": %zu, \"mean_predicted\": ", cal->count[b]);
		eval_json_number(w->f, cal->mean_predicted[b]);
		fputs(", \"fraction_positive\": ", w->f);
		eval_json_number(w->f, cal->fraction_positive[b]);
		fputc('}', w->f);
	}
	jw_close(w, ']');
	jw_num(w, "ece", cal->ece);
	jw_close(w, '}');
}

static void
jw_operating_point(struct jw *w, const char *key, const char *target,
                   const struct operating_point *op, const char *value)
{
	jw_open(w, key, '{');
	if (target)
		jw_num(w, target, op->target);
	if (!op->defined) {
		jw_item(w, "threshold");
		fputs("null", w->f);
	} else {
		jw_num(w, "threshold", op->threshold);
		jw_num(w, "tpr", op->tpr);
		jw_num(w, "fpr", op->fpr);
		jw_num(w, "precision", op->precision);
		jw_count(w, "tp", op->tp);
		jw_count(w, "fp", op->fp);
		if (value)
			jw_num(w, value, op->value);
	}
	jw_close(w, '}');
}

static void
jw_interval(struct jw *w, const char *key, const struct interval *iv)
{
	jw_open(w, key, '[');
	jw_num(w, NULL, iv->lo);
	jw_num(w, NULL, iv->hi);
	jw_close(w, ']');
}

static void
json_binary(struct jw *w, const struct eval *e)
{
	const struct binary_eval *b = &e->b;

	jw_str(w, "mode", "binary");
	jw_count(w, "n", b->n);
	jw_count(w, "positives", b->npos);
	jw_count(w, "negatives", b->nneg);
	jw_str(w, "positive_label", e->positive);
	jw_str(w, "negative_label", e->negative);
	jw_num(w, "threshold", b->threshold);
	jw_num(w, "roc_auc", b->roc_auc);
	jw_num(w, "average_precision", b->average_precision);
	jw_num(w, "pr_auc", b->pr_auc);
	jw_num(w, "accuracy", b->tm.accuracy);
	jw_num(w, "precision", b->tm.precision);
	jw_num(w, "recall", b->tm.recall);
	jw_num(w, "f1", b->tm.f1);
	jw_num(w, "mcc", b->tm.mcc);
	jw_num(w, "balanced_accuracy", b->tm.balanced_accuracy);
	jw_num(w, "log_loss", b->log_loss);
	jw_num(w, "brier", b->probabilities ? b->brier : NAN);
	jw_open(w, "confusion", '{');
	jw_count(w, "tp", b->cm.tp);
	jw_count(w, "fp", b->cm.fp);
	jw_count(w, "tn", b->cm.tn);
	jw_count(w, "fn", b->cm.fn);
	jw_close(w, '}');
	jw_open(w, "tpr_at_fpr", '{');
	for (int i = 0; i < EVAL_NFPR; i++)
		jw_num(w, eval_fpr_names[i], b->tpr_at_fpr[i]);
	jw_close(w, '}');
	jw_calibration(w, &b->cal);
	if (b->at_fpr.asked)
		jw_operating_point(w, "at_fpr", "max_fpr", &b->at_fpr, NULL);
	if (b->at_recall.asked)
		jw_operating_point(w, "at_recall", "min_recall", &b->at_recall, NULL);
	if (b->best.asked) {
		const char *crit = b->best_criterion == BEST_F1 ? "f1" : "youden";
		jw_operating_point(w, "best", NULL, &b->best, crit);
	}
	if (b->has_bootstrap) {
		jw_open(w, "bootstrap", '{');
		jw_count(w, "replicates", b->boot.replicates);
		jw_count(w, "seed", (size_t)b->boot.seed);
		jw_num(w, "level", b->boot.level);
		jw_interval(w, "roc_auc", &b->boot.roc_auc);
		jw_interval(w, "average_precision", &b->boot.average_precision);
		jw_interval(w, "accuracy", &b->boot.accuracy);
		jw_close(w, '}');
	}
	jw_points(w, "roc_curve", &b->roc);
	jw_points(w, "pr_curve", &b->pr);
}

static void
json_multiclass(struct jw *w, const struct eval *e)
{
	const struct multiclass *m = &e->mc.m;

	jw_str(w, "mode", "multiclass");
	jw_count(w, "n", m->n);
	jw_open(w, "classes", '[');
	for (size_t c = 0; c < m->k; c++)
		jw_str(w, NULL, e->mc.classes[c]);
	jw_close(w, ']');
	jw_num(w, "accuracy", m->accuracy);
	jw_num(w, "macro_f1", m->macro_f1);
	jw_num(w, "weighted_f1", m->weighted_f1);
	jw_num(w, "roc_auc_ovr_macro", m->roc_auc_ovr_macro);
	jw_num(w, "roc_auc_ovr_weighted", m->roc_auc_ovr_weighted);
	jw_num(w, "log_loss", m->log_loss);
	jw_open(w, "confusion_matrix", '[');
	for (size_t r = 0; r < m->k; r++) {
		jw_item(w, NULL);
		fputc('[', w->f);
		for (size_t c = 0; c < m->k; c++)
			fprintf(w->f, c ? ", %zu" : "%zu", m->confusion[r * m->k + c]);
		fputc(']', w->f);
	}
	jw_close(w, ']');
	jw_open(w, "per_class", '[');
	for (size_t c = 0; c < m->k; c++) {
		jw_open(w, NULL, '{');
		jw_str(w, "class", e->mc.classes[c]);
		jw_count(w, "support", m->support[c]);
		jw_num(w, "precision", m->precision[c]);
		jw_num(w, "recall", m->recall[c]);
		jw_num(w, "f1", m->f1[c]);
		jw_num(w, "roc_auc", m->roc_auc[c]);
		jw_close(w, '}');
	}
	jw_close(w, ']');
	jw_calibration(w, &e->mc.cal);
}

void
eval_print_json(FILE *f, const struct eval *e, int indent)
{
	struct jw w = { f, indent, 0 };

	for (int i = 0; i < indent; i++)
		fputs("  ", f);
	fputc('{', f);
	w.depth++;
	jw_str(&w, "input", e->name);
	if (e->multiclass)
		json_multiclass(&w, e);
	else
		json_binary(&w, e);
	jw_close(&w, '}');
}

/* ---- text ---- */

static void
text_value(FILE *f, const char *what, double v)
{
	if (isfinite(v))
		fprintf(f, "  %-24s %.6g\n", what, v);
	else
		fprintf(f, "  %-24s undefined\n", what);
}

static void
text_calibration(FILE *f, const struct calibration *cal, const char *what, const char *frac)
{
	if (cal->n == 0) {
		fprintf(f, "%s: not shown, values outside [0, 1]\n", what);
		return;
	}
	fprintf(f, "%s (10 bins), expected calibration error %.6g:\n", what, cal->ece);
	fprintf(f, "  %-9s %10s %15s %18s\n", "bin", "rows", "mean predicted", frac);
	for (int b = 0; b < CALIB_BINS; b++) {
		fprintf(f, "  %.1f-%.1f   %10zu", b / 10.0, (b + 1) / 10.0, cal->count[b]);
		if (cal->count[b])
			fprintf(f, " %15.6g %18.6g\n", cal->mean_predicted[b], cal->fraction_positive[b]);
		else
			fprintf(f, " %15s %18s\n", "-", "-");
	}
}

static void
text_point(FILE *f, const char *what, const struct operating_point *op)
{
	if (!op->defined) {
		fprintf(f, "%s: undefined\n", what);
		return;
	}
	fprintf(f, "%s: threshold %.6g  TPR (recall) %.6g  FPR %.6g  precision %.6g"
	        "  (tp %zu, fp %zu)\n", what, op->threshold, op->tpr, op->fpr, op->precision,
	        op->tp, op->fp);
}

static void
text_binary(FILE *f, const struct eval *e)
{
	const struct binary_eval *b = &e->b;
	char what[64];

	fprintf(f, "%s: %zu rows, %zu positive ('%s'), %zu negative", e->name, b->n, b->npos,
	        e->positive, b->nneg);
	if (e->negative)
		fprintf(f, " ('%s')", e->negative);
	fputs("\n", f);
	text_value(f, "ROC AUC", b->roc_auc);
	text_value(f, "average precision", b->average_precision);
	text_value(f, "PR AUC", b->pr_auc);
	for (int i = 0; i < EVAL_NFPR; i++) {
		snprintf(what, sizeof what, "TPR at FPR <= %s", eval_fpr_names[i]);
		text_value(f, what, b->tpr_at_fpr[i]);
	}
	text_value(f, "log loss", b->log_loss);
	text_value(f, "Brier score", b->probabilities ? b->brier : NAN);
	fprintf(f, "at threshold %.6g (score >= threshold is positive):\n", b->threshold);
	text_value(f, "accuracy", b->tm.accuracy);
	text_value(f, "precision", b->tm.precision);
	text_value(f, "recall", b->tm.recall);
	text_value(f, "F1", b->tm.f1);
	text_value(f, "MCC", b->tm.mcc);
	text_value(f, "balanced accuracy", b->tm.balanced_accuracy);
	fprintf(f, "  %-24s tp %zu  fp %zu  tn %zu  fn %zu\n", "confusion", b->cm.tp, b->cm.fp,
	        b->cm.tn, b->cm.fn);
	if (b->at_fpr.asked) {
		snprintf(what, sizeof what, "at FPR <= %.6g", b->at_fpr.target);
		text_point(f, what, &b->at_fpr);
	}
	if (b->at_recall.asked) {
		snprintf(what, sizeof what, "at recall >= %.6g", b->at_recall.target);
		text_point(f, what, &b->at_recall);
	}
	if (b->best.asked) {
		snprintf(what, sizeof what, "best %s (%.6g)", b->best_criterion == BEST_F1 ? "F1" :
		         "Youden J", b->best.value);
		text_point(f, what, &b->best);
	}
	if (b->has_bootstrap) {
		const struct bootstrap *bs = &b->boot;
		fprintf(f, "bootstrap, %zu resamples (seed %llu), %.0f %% intervals:\n", bs->replicates,
		        (unsigned long long)bs->seed, bs->level * 100);
		fprintf(f, "  %-24s [%.6g, %.6g]\n", "ROC AUC", bs->roc_auc.lo, bs->roc_auc.hi);
		fprintf(f, "  %-24s [%.6g, %.6g]\n", "average precision", bs->average_precision.lo,
		        bs->average_precision.hi);
		fprintf(f, "  %-24s [%.6g, %.6g]\n", "accuracy", bs->accuracy.lo, bs->accuracy.hi);
	}
	text_calibration(f, &b->cal, "calibration", "fraction positive");
}

static void
text_multiclass(FILE *f, const struct eval *e)
{
	const struct multiclass *m = &e->mc.m;
	int w = 5;

	fprintf(f, "%s: %zu rows, %zu classes\n", e->name, m->n, m->k);
	text_value(f, "accuracy", m->accuracy);
	text_value(f, "macro F1", m->macro_f1);
	text_value(f, "weighted F1", m->weighted_f1);
	text_value(f, "ROC AUC (OvR, macro)", m->roc_auc_ovr_macro);
	text_value(f, "ROC AUC (OvR, weighted)", m->roc_auc_ovr_weighted);
	text_value(f, "log loss", m->log_loss);
	for (size_t c = 0; c < m->k; c++)
		if ((int)strlen(e->mc.classes[c]) > w)
			w = (int)strlen(e->mc.classes[c]);
	fprintf(f, "  %-*s %9s %9s %9s %9s %9s\n", w, "class", "rows", "precision", "recall", "F1",
	        "ROC AUC");
	for (size_t c = 0; c < m->k; c++) {
		fprintf(f, "  %-*s %9zu %9.4f %9.4f %9.4f", w, e->mc.classes[c], m->support[c],
		        m->precision[c], m->recall[c], m->f1[c]);
		if (isfinite(m->roc_auc[c]))
			fprintf(f, " %9.4f\n", m->roc_auc[c]);
		else
			fprintf(f, " %9s\n", "-");
	}
	fputs("confusion matrix (rows: true class, columns: predicted):\n", f);
	fprintf(f, "  %-*s", w, "");
	for (size_t c = 0; c < m->k; c++)
		fprintf(f, " %8.8s", e->mc.classes[c]);
	fputc('\n', f);
	for (size_t r = 0; r < m->k; r++) {
		fprintf(f, "  %-*s", w, e->mc.classes[r]);
		for (size_t c = 0; c < m->k; c++)
			fprintf(f, " %8zu", m->confusion[r * m->k + c]);
		fputc('\n', f);
	}
	text_calibration(f, &e->mc.cal, "top-label calibration", "fraction right");
}

void
eval_print_text(FILE *f, const struct eval *e)
{
	if (e->multiclass)
		text_multiclass(f, e);
	else
		text_binary(f, e);
}

/* ---- TSV ---- */

struct scalar {
	const char *name;
	double v;
};

#define MAXSCALARS 64

static size_t
scalars(const struct eval *e, struct scalar *s)
{
	size_t n = 0;
#define ADD(nm, val) (s[n].name = (nm), s[n].v = (val), n++)
	if (e->multiclass) {
		const struct multiclass *m = &e->mc.m;
		ADD("n", (double)m->n);
		ADD("classes", (double)m->k);
		ADD("accuracy", m->accuracy);
		ADD("macro_f1", m->macro_f1);
		ADD("weighted_f1", m->weighted_f1);
		ADD("roc_auc_ovr_macro", m->roc_auc_ovr_macro);
		ADD("roc_auc_ovr_weighted", m->roc_auc_ovr_weighted);
		ADD("log_loss", m->log_loss);
		ADD("ece", e->mc.cal.n ? e->mc.cal.ece : NAN);
		return n;
	}
	const struct binary_eval *b = &e->b;
	static const char *const tpr_names[EVAL_NFPR] = {
		"tpr_at_fpr_0.01", "tpr_at_fpr_0.05", "tpr_at_fpr_0.1" };
	ADD("n", (double)b->n);
	ADD("positives", (double)b->npos);
	ADD("negatives", (double)b->nneg);
	ADD("threshold", b->threshold);
	ADD("roc_auc", b->roc_auc);
	ADD("average_precision", b->average_precision);
	ADD("pr_auc", b->pr_auc);
	ADD("accuracy", b->tm.accuracy);
	ADD("precision", b->tm.precision);
	ADD("recall", b->tm.recall);
	ADD("f1", b->tm.f1);
	ADD("mcc", b->tm.mcc);
	ADD("balanced_accuracy", b->tm.balanced_accuracy);
	ADD("log_loss", b->log_loss);
	ADD("brier", b->probabilities ? b->brier : NAN);
	ADD("ece", b->probabilities ? b->cal.ece : NAN);
	ADD("tp", (double)b->cm.tp);
	ADD("fp", (double)b->cm.fp);
	ADD("tn", (double)b->cm.tn);
	ADD("fn", (double)b->cm.fn);
	for (int i = 0; i < EVAL_NFPR; i++)
		ADD(tpr_names[i], b->tpr_at_fpr[i]);
	if (b->at_fpr.asked) {
		ADD("at_fpr_threshold", b->at_fpr.defined ? b->at_fpr.threshold : NAN);
		ADD("at_fpr_tpr", b->at_fpr.defined ? b->at_fpr.tpr : NAN);
		ADD("at_fpr_precision", b->at_fpr.defined ? b->at_fpr.precision : NAN);
	}
	if (b->at_recall.asked) {
		ADD("at_recall_threshold", b->at_recall.defined ? b->at_recall.threshold : NAN);
		ADD("at_recall_recall", b->at_recall.defined ? b->at_recall.tpr : NAN);
		ADD("at_recall_precision", b->at_recall.defined ? b->at_recall.precision : NAN);
	}
	if (b->best.asked)
		ADD(b->best_criterion == BEST_F1 ? "best_f1" : "best_youden",
		    b->best.defined ? b->best.value : NAN);
	if (b->has_bootstrap) {
		ADD("bootstrap_roc_auc_lo", b->boot.roc_auc.lo);
		ADD("bootstrap_roc_auc_hi", b->boot.roc_auc.hi);
		ADD("bootstrap_average_precision_lo", b->boot.average_precision.lo);
		ADD("bootstrap_average_precision_hi", b->boot.average_precision.hi);
		ADD("bootstrap_accuracy_lo", b->boot.accuracy.lo);
		ADD("bootstrap_accuracy_hi", b->boot.accuracy.hi);
	}
#undef ADD
	return n;
}

void
eval_tsv_number(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, "%.17g", v);
	else
		fputs("NA", f);
}

/* a number in a table for people (-f tsv): whole numbers exactly, others to 6
 * significant digits as the text report shows them; JSON keeps every digit */
void
eval_tsv_value(FILE *f, double v)
{
	if (!isfinite(v))
		fputs("NA", f);
	else if (v == floor(v) && fabs(v) < 9007199254740992.0)
		fprintf(f, "%.0f", v);
	else
		fprintf(f, "%.6g", v);
}

/* a name for a TSV cell: tabs and newlines would break the table */
void
eval_tsv_name(FILE *f, const char *s)
{
	for (; *s; s++)
		fputc(*s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s, f);
}

void
eval_print_tsv(FILE *f, struct eval *const *e, size_t n)
{
	struct scalar (*s)[MAXSCALARS] = xcalloc(n, sizeof *s);
	size_t *ns = xcalloc(n, sizeof *ns);
	const char **names = NULL;
	size_t nnames = 0;

	for (size_t i = 0; i < n; i++) {
		ns[i] = scalars(e[i], s[i]);
		for (size_t j = 0; j < ns[i]; j++) {
			size_t k = 0;
			while (k < nnames && strcmp(names[k], s[i][j].name) != 0)
				k++;
			if (k == nnames) {
				names = xreallocarray(names, nnames + 1, sizeof *names);
				names[nnames++] = s[i][j].name;
			}
		}
	}
	fputs("metric", f);
	for (size_t i = 0; i < n; i++) {
		fputc('\t', f);
		eval_tsv_name(f, e[i]->name);
	}
	fputc('\n', f);
	for (size_t k = 0; k < nnames; k++) {
		fputs(names[k], f);
		for (size_t i = 0; i < n; i++) {
			double v = NAN;
			for (size_t j = 0; j < ns[i]; j++)
				if (strcmp(s[i][j].name, names[k]) == 0)
					v = s[i][j].v;
			fputc('\t', f);
			eval_tsv_value(f, v);
		}
		fputc('\n', f);
	}
	free(names);
	free(ns);
	free(s);
}

static void
points_tsv(FILE *f, const char *input, const char *cls, const struct points *p)
{
	for (size_t i = 0; i < p->n; i++) {
		if (input) {
			eval_tsv_name(f, input);
			fputc('\t', f);
		}
		if (cls) {
			eval_tsv_name(f, cls);
			fputc('\t', f);
		}
		eval_tsv_number(f, p->x[i]);
		fputc('\t', f);
		eval_tsv_number(f, p->y[i]);
		fputc('\t', f);
		eval_tsv_number(f, p->t[i]);
		fputc('\n', f);
	}
}

void
eval_print_roc_tsv(FILE *f, struct eval *const *e, size_t n)
{
	int any_multi = 0;

	for (size_t i = 0; i < n; i++)
		any_multi |= e[i]->multiclass;
	fprintf(f, "%s%sfpr\ttpr\tthreshold\n", n > 1 ? "input\t" : "", any_multi ? "class\t" : "");
	for (size_t i = 0; i < n; i++) {
		const char *input = n > 1 ? e[i]->name : NULL;
		if (!e[i]->multiclass) {
			points_tsv(f, input, any_multi ? e[i]->positive : NULL, &e[i]->b.roc);
			continue;
		}
		for (size_t c = 0; c < e[i]->mc.m.k; c++)
			points_tsv(f, input, e[i]->mc.classes[c], &e[i]->mc.m.roc[c]);
	}
}

void
eval_print_pr_tsv(FILE *f, struct eval *const *e, size_t n)
{
	fprintf(f, "%srecall\tprecision\tthreshold\n", n > 1 ? "input\t" : "");
	for (size_t i = 0; i < n; i++)
		if (!e[i]->multiclass)
			points_tsv(f, n > 1 ? e[i]->name : NULL, NULL, &e[i]->b.pr);
}
