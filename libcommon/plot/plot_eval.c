/* The figures of an evaluation, drawn as scikit-learn's RocCurveDisplay,
 * PrecisionRecallDisplay, ConfusionMatrixDisplay and CalibrationDisplay draw
 * them (see plot_eval.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot_eval.h"
#include "util/util.h"

/* plt.subplots()'s axes: left 0.125, bottom 0.11, right 0.9, top 0.88 */
#define AX_LEFT 0.125
#define AX_BOTTOM 0.11
#define AX_WIDTH 0.775
#define AX_HEIGHT 0.77

static const plot_style black_dashed = { { 0, 0, 0 }, 1.5, PLOT_DASHED, PLOT_NO_MARKER, 0 };

void
plot_eval_label(const char *path, char *buf, size_t len)
{
	const char *base = strrchr(path, '/'), *dot;

	base = base ? base + 1 : path;
	dot = strrchr(base, '.');
	if (dot == NULL || dot == base)
		dot = base + strlen(base);
	snprintf(buf, len, "%.*s", (int)(dot - base), base);
}

static plot_axes *
single_axes(plot_fig **fig)
{
	*fig = plot_fig_new(6.4, 4.8);
	return plot_axes_add(*fig, AX_LEFT, AX_BOTTOM, AX_WIDTH, AX_HEIGHT);
}

/* "(Positive label: 1)" when every binary input has the same positive label */
static void
positive_note(struct eval *const *e, size_t n, const char *word, char *buf, size_t len)
{
	const char *pos = NULL;

	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (e[i]->multiclass)
			continue;
		if (pos && strcmp(pos, e[i]->positive) != 0)
			return;
		pos = e[i]->positive;
	}
	if (pos)
		snprintf(buf, len, " (Positive %s: %s)", word, pos);
}

static void
label_with(char *buf, size_t len, const char *path, const char *what, double v)
{
	char name[256];

	plot_eval_label(path, name, sizeof name);
	if (isfinite(v))
		snprintf(buf, len, "%s (%s = %.2f)", name, what, v);
	else
		snprintf(buf, len, "%s (%s undefined)", name, what);
}

static plot_fig *
roc_one_vs_rest(const struct eval *e)
{
	plot_fig *fig;
	plot_axes *ax = single_axes(&fig);
	const struct multiclass *m = &e->mc.m;
	char label[512], title[300], name[256];
	double diag[2] = { 0, 1 };

	for (size_t c = 0; c < m->k; c++) {
		plot_style st = { plot_cycle((int)c), 1.5, PLOT_SOLID, PLOT_NO_MARKER, 0 };
		snprintf(label, sizeof label, isfinite(m->roc_auc[c]) ? "%s vs rest (AUC = %.2f)" :
		         "%s vs rest (AUC undefined)", e->mc.classes[c], m->roc_auc[c]);
		plot_line(ax, m->roc[c].x, m->roc[c].y, m->roc[c].n, &st, label);
	}
	plot_line(ax, diag, diag, 2, &black_dashed, "Chance level (AUC = 0.5)");
	plot_eval_label(e->name, name, sizeof name);
	snprintf(title, sizeof title, "ROC curves, one-vs-rest: %s", name);
	plot_labels(ax, "False Positive Rate", "True Positive Rate", title);
	plot_legend(ax, PLOT_LOWER_RIGHT);
	return fig;
}

plot_fig *
plot_eval_roc(struct eval *const *e, size_t n)
{
	plot_fig *fig;
	plot_axes *ax;
	char label[512], xl[300], yl[300], note[256];
	double diag[2] = { 0, 1 };
	int nb = 0;

	for (size_t i = 0; i < n; i++)
		nb += !e[i]->multiclass;
	if (nb == 0)
		return n == 1 ? roc_one_vs_rest(e[0]) : NULL;
	ax = single_axes(&fig);
	for (size_t i = 0, k = 0; i < n; i++) {
		plot_style st = { plot_cycle((int)k++), 1.5, PLOT_SOLID, PLOT_NO_MARKER, 0 };
		if (e[i]->multiclass)
			continue;
		label_with(label, sizeof label, e[i]->name, "AUC", e[i]->b.roc_auc);
		plot_line(ax, e[i]->b.roc.x, e[i]->b.roc.y, e[i]->b.roc.n, &st, label);
	}
	plot_line(ax, diag, diag, 2, &black_dashed, "Chance level (AUC = 0.5)");
	positive_note(e, n, "label", note, sizeof note);
	snprintf(xl, sizeof xl, "False Positive Rate%s", note);
	snprintf(yl, sizeof yl, "True Positive Rate%s", note);
	plot_labels(ax, xl, yl, "ROC curve");
	plot_legend(ax, PLOT_LOWER_RIGHT);
	return fig;
}

plot_fig *
plot_eval_pr(struct eval *const *e, size_t n)
{
	plot_fig *fig = NULL;
	plot_axes *ax = NULL;
	char label[512], xl[300], yl[300], note[256];
	double prevalence = NAN, x[2] = { 0, 1 }, y[2];
	int same = 1;
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		plot_style st = { plot_cycle((int)k++), 1.5, PLOT_SOLID, PLOT_NO_MARKER, 1 };
		double p;
		if (e[i]->multiclass)
			continue;
		if (ax == NULL)
			ax = single_axes(&fig);
		p = (double)e[i]->b.npos / (double)e[i]->b.n;
		if (!isnan(prevalence) && p != prevalence)
			same = 0;
		prevalence = p;
		label_with(label, sizeof label, e[i]->name, "AP", e[i]->b.average_precision);
		plot_line(ax, e[i]->b.pr.x, e[i]->b.pr.y, e[i]->b.pr.n, &st, label);
	}
	if (ax == NULL)
		return NULL;
	/* the chance level: precision = the share of positives */
	k = 0;
	for (size_t i = 0; i < n; i++) {
		plot_style st = black_dashed;
		char name[256];
		st.color = plot_cycle((int)k++);
		if (e[i]->multiclass)
			continue;
		y[0] = y[1] = (double)e[i]->b.npos / (double)e[i]->b.n;
		if (same) {
			snprintf(label, sizeof label, "Chance level (AP = %.2f)", y[0]);
			plot_line(ax, x, y, 2, &black_dashed, label);
			break;
		}
		plot_eval_label(e[i]->name, name, sizeof name);
		snprintf(label, sizeof label, "Chance level, %s (AP = %.2f)", name, y[0]);
		plot_line(ax, x, y, 2, &st, label);
	}
	positive_note(e, n, "label", note, sizeof note);
	snprintf(xl, sizeof xl, "Recall%s", note);
	snprintf(yl, sizeof yl, "Precision%s", note);
	plot_labels(ax, xl, yl, "Precision-recall curve");
	plot_legend(ax, PLOT_LOWER_LEFT);
	return fig;
}

plot_fig *
plot_eval_calibration(struct eval *const *e, size_t n)
{
	plot_fig *fig = NULL;
	plot_axes *ax = NULL;
	char label[512], xl[300], yl[300], note[256], name[256];
	double diag[2] = { 0, 1 };
	static const plot_style dotted = { { 0, 0, 0 }, 1.5, PLOT_DOTTED, PLOT_NO_MARKER, 0 };

	for (size_t i = 0; i < n; i++) {
		const struct calibration *cal = e[i]->multiclass ? &e[i]->mc.cal : &e[i]->b.cal;
		plot_style st = { plot_cycle((int)i), 1.5, PLOT_SOLID, PLOT_SQUARE, 0 };
		double px[CALIB_BINS], py[CALIB_BINS];
		size_t m = 0;
		if (cal->n == 0)
			continue;
		if (ax == NULL) {
			ax = single_axes(&fig);
			plot_line(ax, diag, diag, 2, &dotted, "Perfectly calibrated");
		}
		for (int b = 0; b < CALIB_BINS; b++)
			if (cal->count[b]) {
				px[m] = cal->mean_predicted[b];
				py[m++] = cal->fraction_positive[b];
			}
		plot_eval_label(e[i]->name, name, sizeof name);
		snprintf(label, sizeof label, e[i]->multiclass ? "%s, top label (ECE = %.3f)" :
		         "%s (ECE = %.3f)", name, cal->ece);
		plot_line(ax, px, py, m, &st, label);
	}
	if (ax == NULL)
		return NULL;
	positive_note(e, n, "class", note, sizeof note);
	snprintf(xl, sizeof xl, "Mean predicted probability%s", note);
	snprintf(yl, sizeof yl, "Fraction of positives%s", note);
	plot_labels(ax, xl, yl, "Calibration (reliability diagram)");
	plot_legend(ax, PLOT_LOWER_RIGHT);
	return fig;
}

plot_fig *
plot_eval_confusion(const struct eval *e)
{
	plot_fig *fig;
	plot_axes *ax = single_axes(&fig);
	char title[300], name[256];

	plot_eval_label(e->name, name, sizeof name);
	if (e->multiclass) {
		const char *const *names = (const char *const *)e->mc.classes;
		plot_matrix(ax, e->mc.m.confusion, e->mc.m.k, e->mc.m.k, names, names);
		snprintf(title, sizeof title, "Confusion matrix: %s", name);
	} else {
		const struct confusion *cm = &e->b.cm;
		size_t v[4] = { cm->tn, cm->fp, cm->fn, cm->tp };
		char other[300];
		const char *names[2];
		snprintf(other, sizeof other, "not %s", e->positive);
		names[0] = e->negative ? e->negative : other;
		names[1] = e->positive;
		plot_matrix(ax, v, 2, 2, names, names);
		snprintf(title, sizeof title, "Confusion matrix: %s, threshold %g", name,
		         e->b.threshold);
	}
	plot_labels(ax, "Predicted label", "True label", title);
	return fig;
}

static void
panel(plot_axes *ax, const struct learning_log *log, const double *train, const double *val,
      const char *what)
{
	plot_style st = { plot_cycle(0), 1.5, PLOT_SOLID, log->n <= 30 ? PLOT_CIRCLE : PLOT_NO_MARKER, 0 };

	if (train)
		plot_line(ax, log->epoch, train, log->n, &st, "train");
	st.color = plot_cycle(1);
	if (val)
		plot_line(ax, log->epoch, val, log->n, &st, "validation");
	plot_labels(ax, "Epoch", what, what);
	plot_xinteger(ax);
	plot_legend(ax, PLOT_BEST);
}

plot_fig *
plot_learning_curves(const struct learning_log *log)
{
	int acc = log->train_accuracy || log->val_accuracy;
	plot_fig *fig = plot_fig_new(acc ? 12.8 : 6.4, 4.8);
	double w = AX_WIDTH / 2.2;      /* plt.subplots(1, 2): wspace 0.2 */
	char title[300], name[256];

	plot_eval_label(log->name, name, sizeof name);
	snprintf(title, sizeof title, "Learning curves: %s", name);
	plot_suptitle(fig, title);
	if (!acc) {
		panel(plot_axes_add(fig, AX_LEFT, AX_BOTTOM, AX_WIDTH, AX_HEIGHT), log, log->train_loss,
		      log->val_loss, "Loss");
		return fig;
	}
	panel(plot_axes_add(fig, AX_LEFT, AX_BOTTOM, w, AX_HEIGHT), log, log->train_loss,
	      log->val_loss, "Loss");
	panel(plot_axes_add(fig, AX_LEFT + 1.2 * w, AX_BOTTOM, w, AX_HEIGHT), log,
	      log->train_accuracy, log->val_accuracy, "Accuracy");
	return fig;
}
