/* Every metric of one input, from arrays (see metrics_eval.h). */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>

#include "metrics_eval.h"
#include "util/util.h"

const double eval_fpr_levels[EVAL_NFPR] = { 0.01, 0.05, 0.1 };
const char *const eval_fpr_names[EVAL_NFPR] = { "0.01", "0.05", "0.1" };

/* the counts and rates at index i of the curve (-1: nothing predicted positive) */
static void
operating_point_at(struct operating_point *op, const struct curve *c, long i)
{
	op->defined = i >= -1;
	if (!op->defined)
		return;
	op->threshold = curve_threshold(c, i);
	op->tp = i < 0 ? 0 : (size_t)c->tps[i];
	op->fp = i < 0 ? 0 : (size_t)c->fps[i];
	op->tpr = c->npos ? (double)op->tp / (double)c->npos : NAN;
	op->fpr = c->nneg ? (double)op->fp / (double)c->nneg : NAN;
	op->precision = op->tp + op->fp ? (double)op->tp / (double)(op->tp + op->fp) : 0;
}

static void
operating_points(struct binary_eval *b, const struct eval_opts *o)
{
	const struct curve *c = &b->curve;

	if (!isnan(o->at_fpr)) {
		b->at_fpr.asked = 1;
		b->at_fpr.target = o->at_fpr;
		operating_point_at(&b->at_fpr, c, curve_at_fpr(c, o->at_fpr));
	}
	if (!isnan(o->at_recall)) {
		b->at_recall.asked = 1;
		b->at_recall.target = o->at_recall;
		operating_point_at(&b->at_recall, c, curve_at_recall(c, o->at_recall));
	}
	b->best_criterion = o->best;
	if (o->best >= 0) {
		b->best.asked = 1;
		operating_point_at(&b->best, c, curve_best(c, o->best));
		if (b->best.defined && o->best == BEST_YOUDEN)
			b->best.value = b->best.tpr - b->best.fpr;
	}
}

/* The metrics of the scores in input order, computed while the curve is built. */
struct by_row {
	struct binary_eval *b;
	const double *score;
	const unsigned char *y;
	size_t n;
};

static void *
by_row(void *arg)
{
	struct by_row *r = arg;
	struct binary_eval *b = r->b;

	b->log_loss = binary_log_loss(r->score, r->y, r->n);
	b->probabilities = 1;
	for (size_t i = 0; i < r->n && b->probabilities; i++)
		b->probabilities = r->score[i] >= 0 && r->score[i] <= 1;
	if (b->probabilities) {
		b->brier = binary_brier(r->score, r->y, r->n);
		calibration_compute(&b->cal, r->score, r->y, r->n);
	}
	return NULL;
}

void
binary_eval_compute(struct binary_eval *b, const double *score, const unsigned char *y,
                    size_t n, const struct eval_opts *o)
{
	struct curve *c = &b->curve;
	struct by_row rows = { b, score, y, n };
	pthread_t th;
	int threaded = n >= 65536 && pthread_create(&th, NULL, by_row, &rows) == 0;

	b->n = n;
	curve_build(c, score, y, n);
	b->npos = c->npos;
	b->nneg = c->nneg;
	if (o->keep_points) {
		curve_roc(c, &b->roc);
		curve_pr(c, &b->pr);
	}
	b->roc_auc = b->npos && b->nneg ? curve_roc_auc(c) : NAN;
	curve_pr_areas(c, &b->average_precision, &b->pr_auc);
	if (b->npos == 0)
		b->average_precision = b->pr_auc = NAN;
	for (int i = 0; i < EVAL_NFPR; i++)
		b->tpr_at_fpr[i] = curve_tpr_at_fpr(c, eval_fpr_levels[i]);
	operating_points(b, o);
	b->threshold = b->best.asked && b->best.defined ? b->best.threshold : o->threshold;
	b->cm = confusion_at(c, b->threshold);
	threshold_metrics(&b->cm, &b->tm);
	if (b->best.asked && b->best.defined && o->best == BEST_F1)
		b->best.value = b->tm.f1;
	if (threaded)
		pthread_join(th, NULL);
	else
		by_row(&rows);
	if (o->bootstrap) {
		b->has_bootstrap = 1;
		bootstrap_binary(&b->boot, c, score, y, n, b->threshold, o->bootstrap, o->seed);
	}
	curve_free(c);
}

void
multiclass_eval_compute(struct multiclass_eval *e, const double *p, const size_t *y, size_t n,
                        size_t k, const struct eval_opts *o)
{
	double *conf = xmalloc(n * sizeof *conf);
	unsigned char *right = xmalloc(n);
	int probabilities = 1;

	multiclass_compute(&e->m, p, y, n, k, o->keep_points);
	/* top-label calibration: the largest p (first of ties) against being right */
	for (size_t i = 0; i < n; i++) {
		const double *row = p + i * k;
		size_t best = multiclass_argmax(row, k);
		conf[i] = row[best];
		right[i] = best == y[i];
		probabilities &= conf[i] >= 0 && conf[i] <= 1;
	}
	e->cal.n = 0;
	if (probabilities)
		calibration_compute(&e->cal, conf, right, n);
	free(conf);
	free(right);
}

void
eval_free(struct eval *e)
{
	curve_free(&e->b.curve);
	points_free(&e->b.roc);
	points_free(&e->b.pr);
	if (e->multiclass)
		multiclass_free(&e->mc.m);
}
