/* Building figures and writing them as PNG or SVG (see plot.h). */
#include <cairo-svg.h>
#include <dlfcn.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plot_int.h"
#include "util/util.h"

plot_rgb
plot_cycle(int i)
{
	static const unsigned tab10[10] = {
		0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd,
		0x8c564b, 0xe377c2, 0x7f7f7f, 0xbcbd22, 0x17becf,
	};
	unsigned c = tab10[(i % 10 + 10) % 10];

	return (plot_rgb){ (c >> 16) / 255.0, ((c >> 8) & 0xff) / 255.0, (c & 0xff) / 255.0 };
}

plot_rgb
plot_viridis(double t)
{
	/* every eighth entry of matplotlib's 256 (mpl-colormaps, CC0), and the last */
	static const float v[33][3] = {
		{ .267004, .004874, .329415 }, { .277018, .050344, .375715 },
		{ .282327, .094955, .417331 }, { .282884, .135920, .453427 },
		{ .278826, .175490, .483397 }, { .270595, .214069, .507052 },
		{ .258965, .251537, .524736 }, { .244972, .287675, .537260 },
		{ .229739, .322361, .545706 }, { .214298, .355619, .551184 },
		{ .199430, .387607, .554642 }, { .185556, .418570, .556753 },
		{ .172719, .448791, .557885 }, { .160665, .478540, .558115 },
		{ .149039, .508051, .557250 }, { .137770, .537492, .554906 },
		{ .127568, .566949, .550556 }, { .120565, .596422, .543611 },
		{ .120638, .625828, .533488 }, { .132268, .655014, .519661 },
		{ .157851, .683765, .501686 }, { .196571, .711827, .479221 },
		{ .246070, .738910, .452024 }, { .304148, .764704, .419943 },
		{ .369214, .788888, .382914 }, { .440137, .811138, .340967 },
		{ .515992, .831158, .294279 }, { .595839, .848717, .243329 },
		{ .678489, .863742, .189503 }, { .762373, .876424, .137064 },
		{ .845561, .887322, .099702 }, { .926106, .897330, .104071 },
		{ .993248, .906157, .143936 },
	};
	double pos, f;
	int i;

	if (!(t > 0))
		t = 0;
	if (t > 1)
		t = 1;
	pos = t * 255 / 8;      /* entry 8 i is v[i]; 255 is v[32] */
	i = (int)pos;
	if (i >= 31) {
		i = 31;
		f = (t * 255 - 248) / 7;
	} else {
		f = pos - i;
	}
	return (plot_rgb){ v[i][0] + (v[i + 1][0] - v[i][0]) * f, v[i][1] + (v[i + 1][1] - v[i][1]) * f,
	                   v[i][2] + (v[i + 1][2] - v[i][2]) * f };
}

plot_fig *
plot_fig_new(double width_in, double height_in)
{
	plot_fig *f = xcalloc(1, sizeof *f);

	f->w = width_in * PLOT_DPI;
	f->h = height_in * PLOT_DPI;
	return f;
}

static void
axes_free(plot_axes *ax)
{
	for (size_t i = 0; i < ax->ns; i++) {
		free(ax->s[i].x);
		free(ax->s[i].y);
		free(ax->s[i].label);
	}
	free(ax->s);
	free(ax->xlabel);
	free(ax->ylabel);
	free(ax->title);
	free(ax->mat);
	for (size_t i = 0; ax->rnames && i < ax->rows; i++)
		free(ax->rnames[i]);
	for (size_t i = 0; ax->cnames && i < ax->cols; i++)
		free(ax->cnames[i]);
	free(ax->rnames);
	free(ax->cnames);
	free(ax);
}

void
plot_fig_free(plot_fig *f)
{
	if (f == NULL)
		return;
	for (size_t i = 0; i < f->nax; i++)
		axes_free(f->ax[i]);
	free(f->ax);
	free(f->suptitle);
	free(f);
}

void
plot_fig_size(const plot_fig *f, double *w, double *h)
{
	*w = f->w;
	*h = f->h;
}

static char *
dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void
plot_suptitle(plot_fig *f, const char *title)
{
	free(f->suptitle);
	f->suptitle = dup_or_null(title);
}

plot_axes *
plot_axes_add(plot_fig *f, double left, double bottom, double width, double height)
{
	plot_axes *ax = xcalloc(1, sizeof *ax);

	ax->left = left;
	ax->bottom = bottom;
	ax->width = width;
	ax->height = height;
	f->ax = xreallocarray(f->ax, f->nax + 1, sizeof *f->ax);
	f->ax[f->nax++] = ax;
	return ax;
}

void
plot_line(plot_axes *ax, const double *x, const double *y, size_t n, const plot_style *st,
          const char *label)
{
	struct plot_series *s;

	ax->s = xreallocarray(ax->s, ax->ns + 1, sizeof *ax->s);
	s = &ax->s[ax->ns++];
	s->n = n;
	s->x = xmalloc((n ? n : 1) * sizeof *s->x);
	s->y = xmalloc((n ? n : 1) * sizeof *s->y);
	if (n) {
		memcpy(s->x, x, n * sizeof *x);
		memcpy(s->y, y, n * sizeof *y);
	}
	s->st = *st;
	if (s->st.width <= 0)
		s->st.width = 1.5;
	s->label = dup_or_null(label);
}

void
plot_labels(plot_axes *ax, const char *xlabel, const char *ylabel, const char *title)
{
	free(ax->xlabel);
	free(ax->ylabel);
	free(ax->title);
	ax->xlabel = dup_or_null(xlabel);
	ax->ylabel = dup_or_null(ylabel);
	ax->title = dup_or_null(title);
}

void
plot_xlim(plot_axes *ax, double lo, double hi)
{
	ax->xset = 1;
	ax->x0 = lo;
	ax->x1 = hi;
}

void
plot_ylim(plot_axes *ax, double lo, double hi)
{
	ax->yset = 1;
	ax->y0 = lo;
	ax->y1 = hi;
}

void
plot_legend(plot_axes *ax, enum plot_loc loc)
{
	ax->legend = 1;
	ax->loc = loc;
}

void
plot_xinteger(plot_axes *ax)
{
	ax->xinteger = 1;
}

void
plot_equal_aspect(plot_axes *ax)
{
	ax->equal = 1;
}

void
plot_matrix(plot_axes *ax, const size_t *v, size_t rows, size_t cols,
            const char *const *row_names, const char *const *col_names)
{
	ax->mat = xmalloc(rows * cols * sizeof *ax->mat);
	memcpy(ax->mat, v, rows * cols * sizeof *v);
	ax->rows = rows;
	ax->cols = cols;
	ax->rnames = xcalloc(rows, sizeof *ax->rnames);
	ax->cnames = xcalloc(cols, sizeof *ax->cnames);
	for (size_t i = 0; i < rows; i++)
		ax->rnames[i] = xstrdup(row_names[i]);
	for (size_t i = 0; i < cols; i++)
		ax->cnames[i] = xstrdup(col_names[i]);
	plot_xlim(ax, -0.5, (double)cols - 0.5);
	plot_ylim(ax, (double)rows - 0.5, -0.5);        /* row 0 at the top */
	ax->equal = 1;
}

static cairo_status_t
write_stream(void *closure, const unsigned char *data, unsigned int len)
{
	return fwrite(data, 1, len, closure) == len ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

static int
finish(cairo_surface_t *s, cairo_t *cr, char *err, size_t errlen)
{
	cairo_status_t st = cairo_status(cr);

	cairo_destroy(cr);
	if (st == CAIRO_STATUS_SUCCESS)
		st = cairo_surface_status(s);
	if (st != CAIRO_STATUS_SUCCESS) {
		cairo_surface_destroy(s);
		return errorf(err, errlen, "drawing: %s", cairo_status_to_string(st));
	}
	return 0;
}

int
plot_write_png(plot_fig *f, FILE *out, char *err, size_t errlen)
{
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, (int)lround(f->w),
	                                                (int)lround(f->h));
	cairo_t *cr = cairo_create(s);
	cairo_status_t st;

	plot_render(f, cr);
	if (finish(s, cr, err, errlen) == -1)
		return -1;
	st = cairo_surface_write_to_png_stream(s, write_stream, out);
	cairo_surface_destroy(s);
	if (st != CAIRO_STATUS_SUCCESS)
		return errorf(err, errlen, "writing PNG: %s", cairo_status_to_string(st));
	return 0;
}

int
plot_write_svg(plot_fig *f, FILE *out, char *err, size_t errlen)
{
	cairo_surface_t *s = cairo_svg_surface_create_for_stream(write_stream, out, f->w, f->h);
	cairo_t *cr;
	cairo_status_t st;

	cairo_svg_surface_set_document_unit(s, CAIRO_SVG_UNIT_PX);
	cr = cairo_create(s);
	plot_render(f, cr);
	if (finish(s, cr, err, errlen) == -1)
		return -1;
	cairo_surface_finish(s);        /* writes the document */
	st = cairo_surface_status(s);
	cairo_surface_destroy(s);
	if (st != CAIRO_STATUS_SUCCESS)
		return errorf(err, errlen, "writing SVG: %s", cairo_status_to_string(st));
	return 0;
}

void
plot_release(void)
{
	void (*fc_fini)(void);

	cairo_debug_reset_static_data();
	/* fontconfig comes with cairo but is not linked directly: look it up */
	*(void **)&fc_fini = dlsym(RTLD_DEFAULT, "FcFini");
	if (fc_fini)
		fc_fini();
}
