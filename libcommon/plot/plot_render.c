/* Drawing a recorded figure with cairo, in matplotlib's default style (see plot.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot_int.h"
#include "util/util.h"

#define TICK_LEN (3.5 * PLOT_PT)        /* xtick.major.size */
#define TICK_W (0.8 * PLOT_PT)          /* xtick.major.width, axes.linewidth */
#define TICK_PAD (3.5 * PLOT_PT)        /* xtick.major.pad */
#define LABEL_PAD (4.0 * PLOT_PT)       /* axes.labelpad */
#define TITLE_PAD (6.0 * PLOT_PT)       /* axes.titlepad */
#define MAXTICKS 64

enum { VA_TOP, VA_CENTER, VA_BASELINE, VA_BOTTOM };

/* An axes' box in pixels (py0 the top) and the data limits it shows; y0 at the bottom. */
struct frame {
	double px0, px1, py0, py1;
	double x0, x1, y0, y1;
};

static double
fx(const struct frame *f, double x)
{
	return f->px0 + (x - f->x0) / (f->x1 - f->x0) * (f->px1 - f->px0);
}

static double
fy(const struct frame *f, double y)
{
	return f->py1 - (y - f->y0) / (f->y1 - f->y0) * (f->py1 - f->py0);
}

static void
set_rgb(cairo_t *cr, plot_rgb c)
{
	cairo_set_source_rgb(cr, c.r, c.g, c.b);
}

/* the ascent and descent of "lp": matplotlib's line box for text */
static void
line_box(cairo_t *cr, double size, double *asc, double *desc)
{
	cairo_text_extents_t te;

	cairo_set_font_size(cr, size);
	cairo_text_extents(cr, "lp", &te);
	*asc = -te.y_bearing;
	*desc = te.height + te.y_bearing;
}

static double
text_width(cairo_t *cr, const char *s, double size)
{
	cairo_text_extents_t te;

	cairo_set_font_size(cr, size);
	cairo_text_extents(cr, s, &te);
	return te.x_advance;
}

/* Text anchored at (x, y): ha 0 left, 0.5 centre, 1 right; rotated a quarter
 * turn anticlockwise when vertical. */
static void
text(cairo_t *cr, const char *s, double x, double y, double size, double ha, int va, int vertical)
{
	double asc, desc, dy = 0, w = text_width(cr, s, size);

	line_box(cr, size, &asc, &desc);
	if (va == VA_TOP)
		dy = asc;
	else if (va == VA_CENTER)
		dy = (asc - desc) / 2;
	else if (va == VA_BOTTOM)
		dy = -desc;
	cairo_save(cr);
	cairo_translate(cr, x, y);
	if (vertical)
		cairo_rotate(cr, -M_PI / 2);
	cairo_move_to(cr, -w * ha, dy);
	cairo_show_text(cr, s);
	cairo_restore(cr);
}

/* ---- limits ---- */

/* mtransforms.nonsingular(expander=0.05) */
static void
nonsingular(double *lo, double *hi)
{
	if (!isfinite(*lo) || !isfinite(*hi)) {
		*lo = 0;
		*hi = 1;
	} else if (*hi - *lo <= 1e-14 * fmax(fabs(*lo), fabs(*hi)) || *hi == *lo) {
		if (*hi == 0) {
			*lo = -0.05;
			*hi = 0.05;
		} else {
			*lo -= 0.05 * fabs(*lo);
			*hi += 0.05 * fabs(*hi);
		}
	}
}

static void
data_limits(const plot_axes *ax, struct frame *f)
{
	double xl = INFINITY, xh = -INFINITY, yl = INFINITY, yh = -INFINITY;

	for (size_t k = 0; k < ax->ns; k++)
		for (size_t i = 0; i < ax->s[k].n; i++) {
			double x = ax->s[k].x[i], y = ax->s[k].y[i];
			if (!isfinite(x) || !isfinite(y))
				continue;
			xl = fmin(xl, x);
			xh = fmax(xh, x);
			yl = fmin(yl, y);
			yh = fmax(yh, y);
		}
	nonsingular(&xl, &xh);
	nonsingular(&yl, &yh);
	/* axes.xmargin, axes.ymargin: 5 % */
	f->x0 = ax->xset ? ax->x0 : xl - 0.05 * (xh - xl);
	f->x1 = ax->xset ? ax->x1 : xh + 0.05 * (xh - xl);
	f->y0 = ax->yset ? ax->y0 : yl - 0.05 * (yh - yl);
	f->y1 = ax->yset ? ax->y1 : yh + 0.05 * (yh - yl);
}

/* set_aspect("equal") with adjustable "box": the box shrinks, anchored at (ax, ay) */
static void
equal_aspect(struct frame *f, double anchor_x)
{
	double w = f->px1 - f->px0, h = f->py1 - f->py0;
	double sx = w / fabs(f->x1 - f->x0), sy = h / fabs(f->y1 - f->y0), s = fmin(sx, sy);
	double nw = s * fabs(f->x1 - f->x0), nh = s * fabs(f->y1 - f->y0);

	f->px0 += (w - nw) * anchor_x;
	f->px1 = f->px0 + nw;
	f->py0 += (h - nh) / 2;
	f->py1 = f->py0 + nh;
}

/* ---- lines ---- */

static void
line_style(cairo_t *cr, const plot_style *st)
{
	double lw = st->width * PLOT_PT;

	set_rgb(cr, st->color);
	cairo_set_line_width(cr, lw);
	cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
	if (st->dash == PLOT_DASHED) {
		double d[2] = { 3.7 * lw, 1.6 * lw };   /* lines.dashed_pattern */
		cairo_set_dash(cr, d, 2, 0);
		cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
	} else if (st->dash == PLOT_DOTTED) {
		double d[2] = { 1 * lw, 1.65 * lw };    /* lines.dotted_pattern */
		cairo_set_dash(cr, d, 2, 0);
		cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
	} else {
		cairo_set_dash(cr, NULL, 0, 0);
		cairo_set_line_cap(cr, CAIRO_LINE_CAP_SQUARE);
	}
}

static void
marker(cairo_t *cr, const plot_style *st, double x, double y)
{
	double r = 6 * PLOT_PT / 2;     /* lines.markersize 6 */

	if (st->marker == PLOT_SQUARE)
		cairo_rectangle(cr, x - r, y - r, 2 * r, 2 * r);
	else
		cairo_arc(cr, x, y, r, 0, 2 * M_PI);
	set_rgb(cr, st->color);
	cairo_fill_preserve(cr);
	cairo_set_dash(cr, NULL, 0, 0);
	cairo_set_line_width(cr, 1.0 * PLOT_PT);
	cairo_stroke(cr);
}

/* The series as a path in pixels: NaN breaks the line; points closer than
 * half a pixel to the last one drawn are skipped (curves of millions of points). */
static void
series(cairo_t *cr, const struct frame *f, const struct plot_series *s)
{
	double lx = NAN, ly = NAN;
	int down = 0;

	line_style(cr, &s->st);
	for (size_t i = 0; i < s->n; i++) {
		double x, y;
		if (!isfinite(s->x[i]) || !isfinite(s->y[i])) {
			down = 0;
			continue;
		}
		x = fx(f, s->x[i]);
		y = fy(f, s->y[i]);
		if (down && i + 1 < s->n && fabs(x - lx) < 0.5 && fabs(y - ly) < 0.5)
			continue;
		if (!down)
			cairo_move_to(cr, x, y);
		else if (s->st.steps_post) {
			cairo_line_to(cr, x, ly);
			cairo_line_to(cr, x, y);
		} else {
			cairo_line_to(cr, x, y);
		}
		down = 1;
		lx = x;
		ly = y;
	}
	cairo_stroke(cr);
	if (s->st.marker != PLOT_NO_MARKER)
		for (size_t i = 0; i < s->n; i++)
			if (isfinite(s->x[i]) && isfinite(s->y[i]))
				marker(cr, &s->st, fx(f, s->x[i]), fy(f, s->y[i]));
}

/* ---- ticks ---- */

static int
nbins_for(double len_px, int vertical)
{
	/* Axis.get_tick_space: length in points over 3 (x) or 2 (y) font sizes */
	int n = (int)floor(len_px / PLOT_PT / (10 * (vertical ? 2 : 3)));

	return n < 1 ? 1 : n > 9 ? 9 : n;
}

static int
inside(double t, double a, double b)
{
	double lo = fmin(a, b), hi = fmax(a, b), eps = (hi - lo) * 1e-10;

	return t >= lo - eps && t <= hi + eps;
}

/* Ticks and their labels below the box (x) or left of it (y); returns the
 * room the labels take, for placing the axis label. */
static double
axis_ticks(cairo_t *cr, const struct frame *f, int vertical, const double *pos, char (*lab)[32],
           size_t n, int right_side)
{
	double room = 0, asc, desc;

	line_box(cr, PLOT_FONT_PX, &asc, &desc);
	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_set_line_width(cr, TICK_W);
	cairo_set_dash(cr, NULL, 0, 0);
	cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
	for (size_t i = 0; i < n; i++) {
		if (!vertical) {
			double x = fx(f, pos[i]);
			cairo_move_to(cr, x, f->py1);
			cairo_line_to(cr, x, f->py1 + TICK_LEN);
			cairo_stroke(cr);
			text(cr, lab[i], x, f->py1 + TICK_LEN + TICK_PAD, PLOT_FONT_PX, 0.5, VA_TOP, 0);
			room = asc + desc;
		} else {
			double y = fy(f, pos[i]), x = right_side ? f->px1 : f->px0;
			double dir = right_side ? 1 : -1;
			cairo_move_to(cr, x, y);
			cairo_line_to(cr, x + dir * TICK_LEN, y);
			cairo_stroke(cr);
			text(cr, lab[i], x + dir * (TICK_LEN + TICK_PAD), y, PLOT_FONT_PX, right_side ? 0 : 1,
			     VA_CENTER, 0);
			room = fmax(room, text_width(cr, lab[i], PLOT_FONT_PX));
		}
	}
	return TICK_LEN + TICK_PAD + room;
}

/* automatic ticks within the view: positions and labels */
static size_t
auto_ticks(double a, double b, int nbins, int integer, double *pos, char (*lab)[32])
{
	double all[MAXTICKS];
	char alllab[MAXTICKS][32];
	size_t n = (integer ? plot_ticks_integer : plot_ticks)(a, b, nbins, all, MAXTICKS), k = 0;

	plot_tick_labels(all, n, alllab);
	for (size_t i = 0; i < n; i++)
		if (inside(all[i], a, b)) {
			pos[k] = all[i];
			memcpy(lab[k++], alllab[i], 32);
		}
	return k;
}

/* ---- legend ---- */

struct legend_box {
	double x, y, w, h;
};

static int
segment_hits(double x0, double y0, double x1, double y1, const struct legend_box *b)
{
	double t0 = 0, t1 = 1, dx = x1 - x0, dy = y1 - y0;
	double p[4] = { -dx, dx, -dy, dy }, q[4] = { x0 - b->x, b->x + b->w - x0, y0 - b->y,
	                                             b->y + b->h - y0 };

	for (int i = 0; i < 4; i++) {   /* Liang-Barsky clipping */
		if (p[i] == 0) {
			if (q[i] < 0)
				return 0;
			continue;
		}
		double r = q[i] / p[i];
		if (p[i] < 0)
			t0 = fmax(t0, r);
		else
			t1 = fmin(t1, r);
		if (t0 > t1)
			return 0;
	}
	return 1;
}

/* how much of the data a legend box would hide: points and segments under it */
static size_t
badness(const plot_axes *ax, const struct frame *f, const struct legend_box *b)
{
	size_t bad = 0;

	for (size_t k = 0; k < ax->ns; k++) {
		const struct plot_series *s = &ax->s[k];
		size_t step = s->n > 2000 ? s->n / 2000 : 1;
		for (size_t i = 0; i < s->n; i += step) {
			size_t j = i + step < s->n ? i + step : s->n - 1;
			double x = fx(f, s->x[i]), y = fy(f, s->y[i]);
			if (!isfinite(x) || !isfinite(y))
				continue;
			bad += x >= b->x && x <= b->x + b->w && y >= b->y && y <= b->y + b->h;
			if (j > i && isfinite(s->x[j]) && isfinite(s->y[j]))
				bad += segment_hits(x, y, fx(f, s->x[j]), fy(f, s->y[j]), b);
		}
	}
	return bad;
}

static void
legend_at(const struct frame *f, int code, double w, double h, struct legend_box *b)
{
	double pad = 0.5 * PLOT_FONT_PX;        /* legend.borderaxespad */
	double l = f->px0 + pad, r = f->px1 - pad - w, cx = (f->px0 + f->px1 - w) / 2;
	double t = f->py0 + pad, bo = f->py1 - pad - h, cy = (f->py0 + f->py1 - h) / 2;

	b->w = w;
	b->h = h;
	switch (code) {     /* matplotlib's location codes */
	case 1: b->x = r; b->y = t; break;
	case 2: b->x = l; b->y = t; break;
	case 3: b->x = l; b->y = bo; break;
	case 4: b->x = r; b->y = bo; break;
	case 5: case 7: b->x = r; b->y = cy; break;
	case 6: b->x = l; b->y = cy; break;
	case 8: b->x = cx; b->y = bo; break;
	case 9: b->x = cx; b->y = t; break;
	default: b->x = cx; b->y = cy; break;
	}
}

static void
rounded_rect(cairo_t *cr, double x, double y, double w, double h, double r)
{
	cairo_new_sub_path(cr);
	cairo_arc(cr, x + w - r, y + r, r, -M_PI / 2, 0);
	cairo_arc(cr, x + w - r, y + h - r, r, 0, M_PI / 2);
	cairo_arc(cr, x + r, y + h - r, r, M_PI / 2, M_PI);
	cairo_arc(cr, x + r, y + r, r, M_PI, 3 * M_PI / 2);
	cairo_close_path(cr);
}

static void
legend(cairo_t *cr, const plot_axes *ax, const struct frame *f)
{
	const double fs = PLOT_FONT_PX, pad = 0.4 * fs, spacing = 0.5 * fs;
	const double handle = 2.0 * fs, gap = 0.8 * fs;
	double asc, desc, rowh, w = 0, h;
	size_t n = 0;
	struct legend_box b;
	static const int loc_code[] = { 0, 4, 3, 1, 2 };

	line_box(cr, fs, &asc, &desc);
	rowh = asc + desc;
	for (size_t k = 0; k < ax->ns; k++)
		if (ax->s[k].label) {
			w = fmax(w, text_width(cr, ax->s[k].label, fs));
			n++;
		}
	if (n == 0)
		return;
	w += 2 * pad + handle + gap;
	h = 2 * pad + n * rowh + (n - 1) * spacing;
	if (ax->loc == PLOT_BEST) {
		size_t best = (size_t)-1;
		for (int code = 1; code <= 10; code++) {
			struct legend_box c;
			size_t bad;
			legend_at(f, code, w, h, &c);
			if ((bad = badness(ax, f, &c)) < best) {
				best = bad;
				b = c;
			}
		}
	} else {
		legend_at(f, loc_code[ax->loc], w, h, &b);
	}
	rounded_rect(cr, b.x, b.y, b.w, b.h, 0.2 * fs);
	cairo_set_source_rgba(cr, 1, 1, 1, 0.8);        /* legend.framealpha */
	cairo_fill_preserve(cr);
	cairo_set_source_rgb(cr, 0.8, 0.8, 0.8);        /* legend.edgecolor */
	cairo_set_dash(cr, NULL, 0, 0);
	cairo_set_line_width(cr, 1.0 * PLOT_PT);
	cairo_stroke(cr);
	double y = b.y + pad;
	for (size_t k = 0; k < ax->ns; k++) {
		const struct plot_series *s = &ax->s[k];
		double cy = y + rowh / 2, x = b.x + pad;
		if (!s->label)
			continue;
		line_style(cr, &s->st);
		cairo_move_to(cr, x, cy);
		cairo_line_to(cr, x + handle, cy);
		cairo_stroke(cr);
		if (s->st.marker != PLOT_NO_MARKER)
			marker(cr, &s->st, x + handle / 2, cy);
		cairo_set_source_rgb(cr, 0, 0, 0);
		text(cr, s->label, x + handle + gap, y, fs, 0, VA_TOP, 0);
		y += rowh + spacing;
	}
}

/* ---- axes ---- */

static void
spines(cairo_t *cr, const struct frame *f)
{
	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_set_line_width(cr, TICK_W);
	cairo_set_dash(cr, NULL, 0, 0);
	cairo_set_line_join(cr, CAIRO_LINE_JOIN_MITER);
	cairo_rectangle(cr, f->px0, f->py0, f->px1 - f->px0, f->py1 - f->py0);
	cairo_stroke(cr);
}

static void
axis_labels(cairo_t *cr, const plot_axes *ax, const struct frame *f, double below, double left)
{
	cairo_set_source_rgb(cr, 0, 0, 0);
	if (ax->xlabel)
		text(cr, ax->xlabel, (f->px0 + f->px1) / 2, f->py1 + below + LABEL_PAD, PLOT_FONT_PX,
		     0.5, VA_TOP, 0);
	if (ax->ylabel)
		text(cr, ax->ylabel, f->px0 - left - LABEL_PAD, (f->py0 + f->py1) / 2, PLOT_FONT_PX,
		     0.5, VA_BOTTOM, 1);
	if (ax->title)
		text(cr, ax->title, (f->px0 + f->px1) / 2, f->py0 - TITLE_PAD, PLOT_TITLE_PX, 0.5,
		     VA_BOTTOM, 0);
}

/* a vertical colour bar from lo (bottom) to hi (top), ticks on the right */
static void
colorbar(cairo_t *cr, double x, double y0, double y1, double w, double lo, double hi)
{
	struct frame f = { x, x + w, y0, y1, 0, 1, lo, hi };
	cairo_pattern_t *g = cairo_pattern_create_linear(0, y1, 0, y0);
	double pos[MAXTICKS];
	char lab[MAXTICKS][32];
	size_t n;

	for (int i = 0; i <= 32; i++) {
		plot_rgb c = plot_viridis(i / 32.0);
		cairo_pattern_add_color_stop_rgb(g, i / 32.0, c.r, c.g, c.b);
	}
	cairo_rectangle(cr, x, y0, w, y1 - y0);
	cairo_set_source(cr, g);
	cairo_fill(cr);
	cairo_pattern_destroy(g);
	spines(cr, &f);
	n = auto_ticks(lo, hi, nbins_for(y1 - y0, 1), 0, pos, lab);
	axis_ticks(cr, &f, 1, pos, lab, n, 1);
}

static void
matrix(cairo_t *cr, const plot_axes *ax, struct frame *f, double fig_h)
{
	size_t lo = (size_t)-1, hi = 0, n = ax->rows * ax->cols;
	double box_w = f->px1 - f->px0, thresh, asc, desc, *pos;
	char (*lab)[32];
	size_t k;
	int rotate = 0;

	/* fig.colorbar(im, ax=ax): the bar takes 15 % of the width after a 5 % gap;
	 * the image keeps the rest, anchored right */
	double bar_x = f->px0 + 0.85 * box_w, cell_w = 0.80 * box_w / (double)ax->cols;
	f->px1 = f->px0 + 0.80 * box_w;
	/* column names turn vertical when they would overlap; room is made below */
	double longest = 0;
	for (k = 0; k < ax->cols; k++)
		longest = fmax(longest, text_width(cr, ax->cnames[k], PLOT_FONT_PX));
	line_box(cr, PLOT_FONT_PX, &asc, &desc);
	if (longest > 0.9 * fmin(cell_w, (f->py1 - f->py0) / (double)ax->rows)) {
		double need = TICK_LEN + TICK_PAD + longest + LABEL_PAD + asc + desc + 4;
		rotate = 1;
		if (f->py1 + need > fig_h)
			f->py1 = fig_h - need;
	}
	equal_aspect(f, 1.0);
	for (size_t i = 0; i < n; i++) {
		lo = ax->mat[i] < lo ? ax->mat[i] : lo;
		hi = ax->mat[i] > hi ? ax->mat[i] : hi;
	}
	thresh = ((double)hi + (double)lo) / 2;
	for (size_t r = 0; r < ax->rows; r++)
		for (size_t c = 0; c < ax->cols; c++) {
			size_t v = ax->mat[r * ax->cols + c];
			double t = hi > lo ? ((double)v - (double)lo) / ((double)hi - (double)lo) : 0;
			double x0 = fx(f, c - 0.5), x1 = fx(f, c + 0.5), y0 = fy(f, r - 0.5), y1 = fy(f, r + 0.5);
			char buf[32];
			set_rgb(cr, plot_viridis(t));
			cairo_rectangle(cr, x0, fmin(y0, y1), x1 - x0 + 0.5, fabs(y1 - y0) + 0.5);
			cairo_fill(cr);
			snprintf(buf, sizeof buf, "%zu", v);
			set_rgb(cr, plot_viridis((double)v < thresh ? 1 : 0));
			text(cr, buf, (x0 + x1) / 2, (y0 + y1) / 2, PLOT_FONT_PX, 0.5, VA_CENTER, 0);
		}
	spines(cr, f);
	/* category ticks */
	lab = xcalloc(ax->rows + ax->cols + 1, sizeof *lab);
	pos = xcalloc(ax->rows + ax->cols + 1, sizeof *pos);
	for (k = 0; k < ax->cols; k++) {
		pos[k] = (double)k;
		snprintf(lab[k], sizeof lab[k], "%s", ax->cnames[k]);
	}
	double below = TICK_LEN + TICK_PAD + asc + desc;
	if (!rotate) {
		axis_ticks(cr, f, 0, pos, lab, ax->cols, 0);
	} else {
		double room = 0;
		for (k = 0; k < ax->cols; k++) {
			double x = fx(f, pos[k]);
			cairo_move_to(cr, x, f->py1);
			cairo_line_to(cr, x, f->py1 + TICK_LEN);
			cairo_stroke(cr);
			text(cr, lab[k], x, f->py1 + TICK_LEN + TICK_PAD, PLOT_FONT_PX, 1, VA_CENTER, 1);
			room = fmax(room, text_width(cr, lab[k], PLOT_FONT_PX));
		}
		below = TICK_LEN + TICK_PAD + room;
	}
	for (k = 0; k < ax->rows; k++) {
		pos[k] = (double)k;
		snprintf(lab[k], sizeof lab[k], "%s", ax->rnames[k]);
	}
	double left = axis_ticks(cr, f, 1, pos, lab, ax->rows, 0);
	free(lab);
	free(pos);
	axis_labels(cr, ax, f, below, left);
	colorbar(cr, bar_x, f->py0, f->py1, (f->py1 - f->py0) / 20, (double)lo, (double)hi);
}

static void
axes(cairo_t *cr, const plot_fig *fig, const plot_axes *ax)
{
	struct frame f;
	double xpos[MAXTICKS], ypos[MAXTICKS], below, left;
	char xlab[MAXTICKS][32], ylab[MAXTICKS][32];
	size_t nx, ny;

	f.px0 = ax->left * fig->w;
	f.px1 = (ax->left + ax->width) * fig->w;
	f.py0 = (1 - ax->bottom - ax->height) * fig->h;
	f.py1 = (1 - ax->bottom) * fig->h;
	data_limits(ax, &f);
	if (ax->mat) {
		matrix(cr, ax, &f, fig->h);
		return;
	}
	if (ax->equal)
		equal_aspect(&f, 0.5);
	cairo_save(cr);
	cairo_rectangle(cr, f.px0, f.py0, f.px1 - f.px0, f.py1 - f.py0);
	cairo_clip(cr);
	for (size_t k = 0; k < ax->ns; k++)
		series(cr, &f, &ax->s[k]);
	cairo_restore(cr);
	spines(cr, &f);
	nx = auto_ticks(f.x0, f.x1, nbins_for(f.px1 - f.px0, 0), ax->xinteger, xpos, xlab);
	ny = auto_ticks(f.y0, f.y1, nbins_for(f.py1 - f.py0, 1), 0, ypos, ylab);
	below = axis_ticks(cr, &f, 0, xpos, xlab, nx, 0);
	left = axis_ticks(cr, &f, 1, ypos, ylab, ny, 0);
	axis_labels(cr, ax, &f, below, left);
	if (ax->legend)
		legend(cr, ax, &f);
}

void
plot_render(const plot_fig *f, cairo_t *cr)
{
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	cairo_select_font_face(cr, PLOT_FONT, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
	for (size_t i = 0; i < f->nax; i++)
		axes(cr, f, f->ax[i]);
	if (f->suptitle) {
		cairo_set_source_rgb(cr, 0, 0, 0);
		text(cr, f->suptitle, f->w / 2, 0.02 * f->h, PLOT_TITLE_PX, 0.5, VA_TOP, 0);
	}
}
