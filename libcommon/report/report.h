/* An evaluation as one self-contained HTML page (cnneval --html): the metrics
 * with their bootstrap intervals, the figures of plot_eval.h inlined as SVG,
 * and a gallery of the worst errors as PNG thumbnails, all in data: URIs, so
 * the page loads nothing from anywhere.
 *
 *	struct report_gallery g;
 *	report_gallery_init(&g, "false positives", "score", 1, 12);
 *	for each row: report_gallery_offer(&g, id, label, score);
 *	for each record of the image stream whose id is kept:
 *		report_item_fill(item, rec, 0, 0, err, sizeof err);
 *	report_html_write(f, &(struct report){ ... }, err, sizeof err);
 */
#ifndef REPORT_H
#define REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "metrics/metrics_eval.h"
#include "metrics/metrics_seg.h"
#include "plot/plot_eval.h"
#include "stream/tstream.h"

#define REPORT_THUMB 128        /* the longer side of a thumbnail, pixels */

struct report_item {
	char *id, *label, *source;      /* malloc'd; source NULL until filled, or unknown */
	double score;                   /* the score, or the IoU */
	unsigned char *png;             /* the thumbnail; NULL until filled */
	size_t pnglen;
	char *why;                      /* why there is no thumbnail, or NULL */
};

/* The max items with the highest (keep_high) or lowest scores among those
 * offered, the worst first; ties keep the earlier row. */
struct report_gallery {
	const char *title;              /* not owned */
	const char *score_name;         /* "score", "IoU" */
	const char *note;               /* a line under the title, or NULL; not owned */
	int keep_high;
	double only_from;               /* shown only when score >= (keep_high) or < this */
	int filter;                     /* only_from applies */
	size_t max, n;
	struct report_item *it;
};

void report_gallery_init(struct report_gallery *g, const char *title, const char *score_name,
                         int keep_high, size_t max);
/* Keeps the item if it is among the worst so far; returns its slot (to fill
 * from a record at once) or NULL.  Strings are copied; NULL when out of memory
 * as well (the gallery is then only shorter). */
struct report_item *report_gallery_offer(struct report_gallery *g, const char *id,
                                         const char *label, double score);
void report_gallery_free(struct report_gallery *g);

/* Makes the item's thumbnail from the record's "image" tensor (u8 H x W x C) or
 * "encoded" file, and its provenance from the metadata: the first two distinct
 * of "url", "source", "file" and "path".  With overlay, the record's "mask" (true from 0.5) and "pred_mask"
 * (predicted from threshold; u8 as v / 255 or f32) are painted on it: green
 * where both are true, red where only the prediction is, blue where only the
 * truth is.  0, or -1 with a reason in err (also kept in item->why). */
int report_item_fill(struct report_item *item, const ts_record *rec, int overlay,
                     double threshold, char *err, size_t errlen);

struct report {
	const char *title;
	struct eval *const *ev;         /* the inputs; n may be 0 with a learning log */
	size_t nev;
	const struct learning_log *log; /* NULL: none */
	const seg_eval *seg;            /* segmentation: the pixel counts, with ev[0] */
	struct report_gallery *gal;
	size_t ngal;
	const char *images;             /* where the thumbnails came from, or NULL */
};

/* Writes the page; 0, or -1 with a reason in err. */
int report_html_write(FILE *f, const struct report *r, char *err, size_t errlen);
/* Writes s with & < > " ' as entities (bytes that are not UTF-8 as U+FFFD). */
void report_html_escape(FILE *f, const char *s);

#endif
