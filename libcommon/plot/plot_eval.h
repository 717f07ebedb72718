/* The figures of an evaluation: ROC and precision-recall curves (several inputs
 * overlaid), confusion matrix, reliability diagram, learning curves.  They look
 * like matplotlib's defaults, as scikit-learn's Display classes draw them. */
#ifndef PLOT_EVAL_H
#define PLOT_EVAL_H

#include "metrics/metrics_eval.h"
#include "plot.h"

/* cnntrain's log, one row per epoch; a column it lacks is NULL. */
struct learning_log {
	const char *name;
	size_t n;
	double *epoch, *train_loss, *train_accuracy, *val_loss, *val_accuracy, *lr, *seconds;
};

/* Each returns NULL when there is nothing to draw (e.g. no binary input). */
plot_fig *plot_eval_roc(struct eval *const *e, size_t n);
plot_fig *plot_eval_pr(struct eval *const *e, size_t n);
plot_fig *plot_eval_calibration(struct eval *const *e, size_t n);
plot_fig *plot_eval_confusion(const struct eval *e);
plot_fig *plot_learning_curves(const struct learning_log *log);

/* A short name for legends: the file name without directories and extension. */
void plot_eval_label(const char *path, char *buf, size_t len);

#endif
