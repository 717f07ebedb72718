/* The whole evaluation of one table of predictions: every metric cnneval reports,
 * computed from arrays, and printed as text, JSON or TSV. */
#ifndef METRICS_EVAL_H
#define METRICS_EVAL_H

#include <stdio.h>

#include "metrics_binary.h"
#include "metrics_bootstrap.h"
#include "metrics_calibration.h"
#include "metrics_curve.h"
#include "metrics_multiclass.h"

#define EVAL_NFPR 3
extern const double eval_fpr_levels[EVAL_NFPR];        /* 0.01, 0.05, 0.1 */
extern const char *const eval_fpr_names[EVAL_NFPR];    /* "0.01", "0.05", "0.1" */

struct eval_opts {
	double threshold;               /* score >= threshold is positive */
	int best;                       /* -1, BEST_F1 or BEST_YOUDEN: replaces threshold */
	double at_fpr, at_recall;       /* NaN: not asked */
	size_t bootstrap;               /* resamples; 0: none */
	uint64_t seed;
	int keep_points;                /* keep the ROC and PR points (per class ROC in multiclass) */
};

/* A threshold picked on the curve, and the counts and rates there. */
struct operating_point {
	int asked, defined;
	double target;                  /* the FPR bound, the recall bound */
	double threshold, tpr, fpr, precision, value;   /* value: the F1 or Youden J for --best */
	size_t tp, fp;
};

struct binary_eval {
	size_t n, npos, nneg;
	double threshold;
	struct curve curve;
	struct points roc, pr;
	double roc_auc, average_precision, pr_auc;      /* NaN when undefined */
	double tpr_at_fpr[EVAL_NFPR];
	struct confusion cm;
	struct threshold_metrics tm;
	int probabilities;              /* every score in [0, 1]: the next three are set */
	double log_loss, brier;
	struct calibration cal;
	struct operating_point at_fpr, at_recall, best;
	int best_criterion;
	int has_bootstrap;
	struct bootstrap boot;
};

struct multiclass_eval {
	char **classes;                 /* sorted bytewise; not owned */
	struct multiclass m;
	struct calibration cal;         /* of the top class's p against being right */
};

/* One input's evaluation. */
struct eval {
	const char *name;
	int multiclass;
	const char *positive, *negative;        /* binary labels; negative NULL if absent */
	struct binary_eval b;
	struct multiclass_eval mc;
};

void binary_eval_compute(struct binary_eval *b, const double *score, const unsigned char *y,
                         size_t n, const struct eval_opts *o);
void multiclass_eval_compute(struct multiclass_eval *e, const double *p, const size_t *y,
                             size_t n, size_t k, const struct eval_opts *o);
void eval_free(struct eval *e);

/* Output.  JSON: one object per input, numbers as %.17g, undefined values null. */
void eval_print_text(FILE *f, const struct eval *e);
void eval_print_json(FILE *f, const struct eval *e, int indent);
/* s as a JSON string: escaped, U+FFFD for bytes that are not UTF-8. */
void eval_json_string(FILE *f, const char *s);
void eval_json_number(FILE *f, double v);      /* %.17g; null if not finite */
void eval_tsv_number(FILE *f, double v);       /* %.17g; NA if not finite */
void eval_tsv_value(FILE *f, double v);        /* whole numbers exactly, else %.6g; NA if not finite */
void eval_tsv_name(FILE *f, const char *s);    /* tabs and newlines as spaces */
/* A "metric" column then one column per input, one scalar per row; NA where undefined. */
void eval_print_tsv(FILE *f, struct eval *const *e, size_t n);
/* The curves as TSV; with several inputs (n > 1) a first column names the input. */
void eval_print_roc_tsv(FILE *f, struct eval *const *e, size_t n);
void eval_print_pr_tsv(FILE *f, struct eval *const *e, size_t n);

#endif
