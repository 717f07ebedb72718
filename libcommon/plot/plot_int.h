/* The plotting library's inside: the recorded figure, shared by plot.c (building
 * and output) and plot_render.c (drawing with cairo). */
#ifndef PLOT_INT_H
#define PLOT_INT_H

#include <cairo.h>

#include "plot.h"

#define PLOT_DPI 100.0
#define PLOT_PT (PLOT_DPI / 72.0)               /* pixels per point */
#define PLOT_FONT "DejaVu Sans"
#define PLOT_FONT_PX (10 * PLOT_PT)             /* font.size 10 */
#define PLOT_TITLE_PX (12 * PLOT_PT)            /* axes.titlesize "large" */

struct plot_series {
	double *x, *y;
	size_t n;
	plot_style st;
	char *label;
};

struct plot_axes {
	double left, bottom, width, height;     /* figure fractions */
	struct plot_series *s;
	size_t ns;
	char *xlabel, *ylabel, *title;
	int xset, yset;
	double x0, x1, y0, y1;
	int legend, equal, xinteger;
	enum plot_loc loc;
	/* plot_matrix */
	size_t *mat, rows, cols;
	char **rnames, **cnames;
};

struct plot_fig {
	double w, h;            /* pixels */
	struct plot_axes **ax;
	size_t nax;
	char *suptitle;
};

void plot_render(const plot_fig *f, cairo_t *cr);

#endif
