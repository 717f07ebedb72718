/* Segmentation metrics: a true mask against a predicted probability map, per
 * image and over every pixel, with a seeded uniform sample of the pixels for
 * the ROC and precision-recall curves (see cnneval(1), --masks). */
#ifndef METRICS_SEG_H
#define METRICS_SEG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "util/rng.h"
#include "stream/tstream.h"

#define SEG_MAX_PIXELS 10000000         /* default size of the pixel sample */

struct seg_counts {
	uint64_t tp, fp, tn, fn;
};

/* Every ratio whose denominator is 0 is 1: precision when nothing is predicted,
 * recall when nothing is true, IoU and Dice when both masks are empty
 * (scikit-learn's zero_division=1). */
struct seg_metrics {
	double accuracy, precision, recall, iou, dice;
};

typedef struct {
	double threshold;               /* probability >= threshold is predicted positive */
	size_t images;
	struct seg_counts total;
	double sum_iou, sum_dice;       /* of the per-image values */
	uint64_t seen;                  /* pixels offered to the sample */
	size_t max, n, cap;             /* the sample's most pixels, size, allocation */
	double *score;                  /* the sampled pixels' probabilities */
	unsigned char *y;               /* and truths */
	rng r;
} seg_eval;

void seg_eval_init(seg_eval *s, double threshold, size_t max_pixels, uint64_t seed);
void seg_eval_free(seg_eval *s);
/* Adds the record's "mask" (true where >= 0.5, u8 scaled by 1/255) and
 * "pred_mask" (probabilities; u8 scaled by 1/255, or f32 in [0, 1]), each
 * H x W, H x W x 1 or 1 x H x W.  Sets *c to the image's counts.  0 ok; -1 with
 * a message in err (the record is then not counted). */
int seg_eval_add(seg_eval *s, const ts_record *rec, struct seg_counts *c, char *err,
                 size_t errlen);
void seg_metrics(const struct seg_counts *c, struct seg_metrics *m);

/* The overall numbers (micro over all pixels, means of the per-image IoU and
 * Dice, the curve areas from b) as text, one JSON object, or metric/value TSV
 * (format SEG_TEXT, SEG_JSON, SEG_TSV). */
enum { SEG_TEXT, SEG_JSON, SEG_TSV };
struct binary_eval;
void seg_print(FILE *f, int format, const char *name, const seg_eval *s,
               const struct binary_eval *b);

#endif
