/* A small 2-D plotting library on cairo, drawing PNG and SVG figures that look
 * like matplotlib's defaults: 6.4 x 4.8 inch figures at 100 dpi, DejaVu Sans,
 * the tab10 colour cycle, outward ticks placed as MaxNLocator places them,
 * 5 % data margins, a framed legend, titles and axis labels.
 *
 *	plot_fig *f = plot_fig_new(6.4, 4.8);
 *	plot_axes *ax = plot_axes_add(f, 0.125, 0.11, 0.775, 0.77);
 *	plot_line(ax, x, y, n, &(plot_style){ .color = plot_cycle(0) }, "model (AUC = 0.95)");
 *	plot_labels(ax, "False Positive Rate", "True Positive Rate", NULL);
 *	plot_legend(ax, PLOT_LOWER_RIGHT);
 *	plot_write_png(f, file, err, sizeof err);
 *	plot_fig_free(f);
 *
 * Drawing is deferred: the calls record series; plot_write_* renders them. */
#ifndef PLOT_H
#define PLOT_H

#include <stddef.h>
#include <stdio.h>

typedef struct plot_fig plot_fig;
typedef struct plot_axes plot_axes;

typedef struct {
	double r, g, b;
} plot_rgb;

enum plot_dash { PLOT_SOLID, PLOT_DASHED, PLOT_DOTTED };
enum plot_marker { PLOT_NO_MARKER, PLOT_SQUARE, PLOT_CIRCLE };
enum plot_loc { PLOT_BEST, PLOT_LOWER_RIGHT, PLOT_LOWER_LEFT, PLOT_UPPER_RIGHT, PLOT_UPPER_LEFT };

typedef struct {
	plot_rgb color;
	double width;           /* points; 0: matplotlib's 1.5 */
	enum plot_dash dash;
	enum plot_marker marker;
	int steps_post;         /* drawstyle="steps-post" */
} plot_style;

plot_rgb plot_cycle(int i);             /* tab10: #1f77b4, #ff7f0e, ... */
plot_rgb plot_viridis(double t);        /* t in [0, 1] */

plot_fig *plot_fig_new(double width_in, double height_in);
void plot_fig_free(plot_fig *f);        /* NULL does nothing */
void plot_suptitle(plot_fig *f, const char *title);
void plot_fig_size(const plot_fig *f, double *w, double *h);   /* in pixels */
/* Axes at a rectangle in figure fractions (left, bottom, width, height). */
plot_axes *plot_axes_add(plot_fig *f, double left, double bottom, double width, double height);

/* Copies the data; n points; NaN points are skipped (they break the line). */
void plot_line(plot_axes *ax, const double *x, const double *y, size_t n, const plot_style *st,
               const char *label);
void plot_labels(plot_axes *ax, const char *xlabel, const char *ylabel, const char *title);
void plot_xlim(plot_axes *ax, double lo, double hi);
void plot_ylim(plot_axes *ax, double lo, double hi);
void plot_legend(plot_axes *ax, enum plot_loc loc);
/* Ticks of the x axis at whole numbers only (epochs, counts). */
void plot_xinteger(plot_axes *ax);
/* Same scale on both axes, the box shrunk to fit (set_aspect("equal")). */
void plot_equal_aspect(plot_axes *ax);

/* An image of a rows x cols matrix (imshow, viridis) annotated with the counts,
 * category names as tick labels, and a colour bar; as ConfusionMatrixDisplay. */
void plot_matrix(plot_axes *ax, const size_t *v, size_t rows, size_t cols,
                 const char *const *row_names, const char *const *col_names);

int plot_write_png(plot_fig *f, FILE *out, char *err, size_t errlen);
int plot_write_svg(plot_fig *f, FILE *out, char *err, size_t errlen);
/* Frees the font caches of cairo and fontconfig, so that a leak checker sees
 * nothing at exit; call once, after the last figure. */
void plot_release(void);

/* The tick positions MaxNLocator(nbins, steps=[1, 2, 2.5, 5, 10]) gives for
 * [lo, hi] (some may lie outside), and their labels as ScalarFormatter writes
 * them.  Returns the count (at most max). */
size_t plot_ticks(double lo, double hi, int nbins, double *ticks, size_t max);
/* The same with whole-number steps only, as MaxNLocator(integer=True): for counts, epochs. */
size_t plot_ticks_integer(double lo, double hi, int nbins, double *ticks, size_t max);
void plot_tick_labels(const double *ticks, size_t n, char (*label)[32]);

#endif
