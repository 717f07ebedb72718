/* Resize geometry: from a mode and an image size to the resized size and output window. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "resize.h"

/* n * num / den rounded to the nearest integer, at least 1. */
static int
scaled(int n, int num, int den)
{
	long long v = ((long long)n * num * 2 + den) / (2LL * den);

	return v < 1 ? 1 : v > IMG_MAXDIM ? IMG_MAXDIM : (int)v;
}

static int
floor_half(int d)
{
	return d >= 0 ? d / 2 : -((-d + 1) / 2);
}

/* Aspect kept: the side chosen by by_width becomes `side`, the other follows. */
static void
keep_aspect(int iw, int ih, int by_width, int side, int *rw, int *rh)
{
	if (by_width) {
		*rw = side;
		*rh = scaled(ih, side, iw);
	} else {
		*rh = side;
		*rw = scaled(iw, side, ih);
	}
}

void
resize_geometry(const resize_opts *o, int iw, int ih, resize_geom *g)
{
	/* by_width: the width sets the scale (w / iw <= h / ih compared without division) */
	int fit_by_width = (long long)o->w * ih <= (long long)o->h * iw;
	int rw = iw, rh = ih, ow, oh;

	switch (o->mode) {
	case RESIZE_SHORT:
		keep_aspect(iw, ih, iw <= ih, o->w, &rw, &rh);
		break;
	case RESIZE_LONG:
		keep_aspect(iw, ih, iw >= ih, o->w, &rw, &rh);
		break;
	case RESIZE_FIT:
	case RESIZE_PAD:
		keep_aspect(iw, ih, fit_by_width, fit_by_width ? o->w : o->h, &rw, &rh);
		break;
	case RESIZE_FILL:
		keep_aspect(iw, ih, !fit_by_width, fit_by_width ? o->h : o->w, &rw, &rh);
		break;
	case RESIZE_STRETCH:
		rw = o->w;
		rh = o->h;
		break;
	}
	if (o->shrink_only && (rw > iw || rh > ih)) {
		rw = iw;
		rh = ih;
	}
	ow = rw;
	oh = rh;
	if (o->mode == RESIZE_FILL || o->mode == RESIZE_PAD) {
		ow = o->w;
		oh = o->h;
	}
	g->rw = rw;
	g->rh = rh;
	g->ox = floor_half(rw - ow);
	g->oy = floor_half(rh - oh);
	g->ow = ow;
	g->oh = oh;
	if (o->crop_w > 0 && o->crop_h > 0) {
		g->ox += floor_half(ow - o->crop_w);
		g->oy += floor_half(oh - o->crop_h);
		g->ow = o->crop_w;
		g->oh = o->crop_h;
	}
}

void
resize_spec_for(const resize_geom *g, double src_w, double src_h, int filter, resize_spec *s)
{
	memset(s, 0, sizeof *s);
	s->x.src0 = 0;
	s->x.src_len = src_w;
	s->x.len = g->rw;
	s->x.off = g->ox;
	s->y.src0 = 0;
	s->y.src_len = src_h;
	s->y.len = g->rh;
	s->y.off = g->oy;
	s->filter = filter;
}

static int
hexval(int ch)
{
	return isdigit(ch) ? ch - '0' : isxdigit(ch) ? tolower(ch) - 'a' + 10 : -1;
}

int
resize_parse_color(const char *s, unsigned char rgb[3])
{
	static const struct { const char *name; unsigned char v[3]; } names[] = {
		{ "black", { 0, 0, 0 } }, { "blue", { 0, 0, 255 } }, { "gray", { 128, 128, 128 } },
		{ "green", { 0, 128, 0 } }, { "grey", { 128, 128, 128 } }, { "red", { 255, 0, 0 } },
		{ "white", { 255, 255, 255 } }, { "yellow", { 255, 255, 0 } },
	};
	size_t n = strlen(s);

	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (strcasecmp(s, names[i].name) == 0) {
			memcpy(rgb, names[i].v, 3);
			return 0;
		}
	if (s[0] == '#' && (n == 4 || n == 7)) {
		int d = n == 4 ? 1 : 2;
		for (int k = 0; k < 3; k++) {
			int hi = hexval((unsigned char)s[1 + k * d]), lo = hexval((unsigned char)s[d * k + d]);
			if (hi < 0 || lo < 0)
				return -1;
			rgb[k] = (unsigned char)(d == 1 ? hi * 17 : hi * 16 + lo);
		}
		return 0;
	}
	for (int k = 0; k < 3; k++) {
		char *end;
		long v;
		if (!isdigit((unsigned char)*s))
			return -1;
		errno = 0;
		v = strtol(s, &end, 10);
		if (errno || v > 255 || *end != (k < 2 ? ',' : '\0'))
			return -1;
		rgb[k] = (unsigned char)v;
		s = end + 1;
	}
	return 0;
}
