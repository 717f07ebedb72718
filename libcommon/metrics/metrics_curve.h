/* The ranking curves of a binary scorer (ROC, precision-recall), their areas and
 * operating points, computed as scikit-learn 1.2 computes them: same points,
 * same ties (one point per distinct score), same floating-point operations in
 * the same order, so that results agree to the last bit. */
#ifndef METRICS_CURVE_H
#define METRICS_CURVE_H

#include <stddef.h>
#include <stdint.h>

/* sklearn's _binary_clf_curve: one entry per distinct score. */
struct curve {
	size_t npos, nneg;
	size_t m;               /* distinct scores */
	double *thr;            /* the distinct scores, decreasing */
	double *tps, *fps;      /* positives and negatives scoring >= thr[i] */
	size_t cap;
};

/* Points (x, y) with the threshold t of each; t is NaN where there is none. */
struct points {
	size_t n, cap;
	double *x, *y, *t;
};

/* From scores and labels (1 positive, 0 negative).  -0.0 counts as 0.0; no NaN. */
void curve_build(struct curve *c, const double *score, const unsigned char *y, size_t n);
/* From row counts per distinct score (thr decreasing); scores with no row are
 * left out.  Reuses c's arrays.  For the bootstrap. */
void curve_from_counts(struct curve *c, const double *thr, const uint32_t *pos,
                       const uint32_t *neg, size_t m);
void curve_free(struct curve *c);

/* roc_curve(drop_intermediate=True): x FPR, y TPR; the first point is
 * (0, 0, max score + 1).  FPR (TPR) is NaN throughout without negatives (positives). */
void curve_roc(const struct curve *c, struct points *roc);
/* precision_recall_curve: x recall, y precision, thresholds increasing, then
 * (0, 1, NaN).  Recall is 1 throughout without positives, as in sklearn. */
void curve_pr(const struct curve *c, struct points *pr);
void points_free(struct points *p);

/* sklearn's auc(x, y) (trapezoids, either direction); NaN if x is not monotonic
 * or has a NaN. */
double points_auc(const struct points *p);
/* average_precision_score from the points of curve_pr. */
double pr_average_precision(const struct points *pr);

/* The same areas straight from the curve, without building the points:
 * points_auc of curve_roc; pr_average_precision and points_auc of curve_pr. */
double curve_roc_auc(const struct curve *c);
void curve_pr_areas(const struct curve *c, double *ap, double *pr_auc);

/* The largest TPR over every distinct threshold (and none) with
 * FPR = fp / negatives <= max_fpr; NaN without positives or negatives. */
double curve_tpr_at_fpr(const struct curve *c, double max_fpr);

/* Operating points, as an index i into thr (predicted positive: score >= thr[i]),
 * or -1 for "nothing predicted positive" (threshold thr[0] + 1, as roc_curve's
 * first point).  -2 when undefined (no positives; for Youden also no negatives). */
long curve_at_fpr(const struct curve *c, double max_fpr);     /* max TPR, then min FPR */
long curve_at_recall(const struct curve *c, double min_recall); /* max precision, then max recall */
enum { BEST_F1, BEST_YOUDEN };
long curve_best(const struct curve *c, int criterion);        /* max F1 or TPR - FPR; first of ties */
double curve_threshold(const struct curve *c, long i);         /* thr[i], thr[0] + 1 for -1 */

#endif
