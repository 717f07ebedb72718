/* The preparation imgresize applies to a record, and its provenance (prep.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prep.h"
#include "source.h"
#include "image/image.h"
#include "util/util.h"

void
prep_init(prep_opts *p)
{
	memset(p, 0, sizeof *p);
	p->filter = RESIZE_AREA;
	p->quality = 90;
}

static const char *const mode_name[] = {
	[RESIZE_SHORT] = "--short", [RESIZE_LONG] = "--long", [RESIZE_FIT] = "--fit",
	[RESIZE_FILL] = "--fill", [RESIZE_PAD] = "--pad", [RESIZE_STRETCH] = "--stretch",
};
static const char *const filter_name[] = {
	[RESIZE_AREA] = "area", [RESIZE_TRIANGLE] = "triangle", [RESIZE_LANCZOS3] = "lanczos3",
};

void
prep_format(const prep_opts *p, char *buf, size_t n)
{
	size_t len = 0;

#define ADD(...) (len += (size_t)snprintf(buf + len, len < n ? n - len : 0, __VA_ARGS__))
	buf[0] = 0;
	if (p->r.mode == RESIZE_SHORT || p->r.mode == RESIZE_LONG)
		ADD("%s %d", mode_name[p->r.mode], p->r.w);
	else if (p->r.mode != RESIZE_KEEP)
		ADD("%s %dx%d", mode_name[p->r.mode], p->r.w, p->r.h);
	if (p->r.crop_w)
		ADD("%s--crop %dx%d", len ? " " : "", p->r.crop_w, p->r.crop_h);
	if (p->r.shrink_only)
		ADD("%s--shrink-only", len ? " " : "");
	ADD("%s--filter %s", len ? " " : "", filter_name[p->filter]);
	if (p->gray || p->rgb)
		ADD(" %s", p->gray ? "--gray" : "--rgb");
	if (p->bg[0] || p->bg[1] || p->bg[2])
		ADD(" --background %d,%d,%d", p->bg[0], p->bg[1], p->bg[2]);
	if (p->full_decode)
		ADD(" --full-decode");
	if (p->encode[0] == 'j')
		ADD(" --encode jpeg --quality %d", p->quality);
	else if (p->encode[0])
		ADD(" --encode png");
#undef ADD
}

static int
takes_no_argument(const char *opt)
{
	return strcmp(opt, "--shrink-only") == 0 || strcmp(opt, "--gray") == 0 || strcmp(opt, "--rgb") == 0 ||
	       strcmp(opt, "--full-decode") == 0;
}

/* One option of a step: 0, or -1 with a reason. */
static int
parse_option(prep_opts *p, const char *opt, const char *arg, char *err, size_t errlen)
{
	char *end;
	long v;

	if (strcmp(opt, "--shrink-only") == 0)
		return p->r.shrink_only = 1, 0;
	if (strcmp(opt, "--gray") == 0)
		return p->gray = 1, 0;
	if (strcmp(opt, "--rgb") == 0)
		return p->rgb = 1, 0;
	if (strcmp(opt, "--full-decode") == 0)
		return p->full_decode = 1, 0;
	if (arg == NULL)
		return errorf(err, errlen, "'%s' is no imgresize option with its value", opt);
	for (int m = RESIZE_SHORT; m <= RESIZE_STRETCH; m++) {
		if (strcmp(opt, mode_name[m]) != 0)
			continue;
		if (p->r.mode != RESIZE_KEEP)
			return errorf(err, errlen, "two sizes");
		p->r.mode = m;
		if (m == RESIZE_SHORT || m == RESIZE_LONG) {
			v = strtol(arg, &end, 10);
			if (*end || v < 1 || v > IMG_MAXDIM)
				return errorf(err, errlen, "%s '%s'", opt, arg);
			p->r.w = p->r.h = (int)v;
		} else if (img_parse_size(arg, &p->r.w, &p->r.h, 0) == -1) {
			return errorf(err, errlen, "%s '%s'", opt, arg);
		}
		return 0;
	}
	if (strcmp(opt, "--crop") == 0) {
		if (img_parse_size(arg, &p->r.crop_w, &p->r.crop_h, 0) == -1)
			return errorf(err, errlen, "--crop '%s'", arg);
	} else if (strcmp(opt, "--filter") == 0) {
		for (p->filter = RESIZE_AREA; p->filter <= RESIZE_LANCZOS3; p->filter++)
			if (strcmp(arg, filter_name[p->filter]) == 0)
				return 0;
		return errorf(err, errlen, "--filter '%s'", arg);
	} else if (strcmp(opt, "--background") == 0) {
		if (resize_parse_color(arg, p->bg) == -1)
			return errorf(err, errlen, "--background '%s'", arg);
	} else if (strcmp(opt, "--encode") == 0) {
		if (strcmp(arg, "png") != 0 && strcmp(arg, "jpeg") != 0)
			return errorf(err, errlen, "--encode '%s'", arg);
		snprintf(p->encode, sizeof p->encode, "%s", arg);
	} else if (strcmp(opt, "--quality") == 0) {
		v = strtol(arg, &end, 10);
		if (*end || v < 1 || v > 100)
			return errorf(err, errlen, "--quality '%s'", arg);
		p->quality = (int)v;
	} else {
		return errorf(err, errlen, "'%s' is no imgresize option", opt);
	}
	return 0;
}

/* One step: words separated by blanks, up to a "|" or the end; *s moves to it. */
static int
parse_step(const char **s, prep_opts *p, char *err, size_t errlen)
{
	char words[16][64];
	int nw = 0;

	prep_init(p);
	for (;;) {
		const char *w = *s + strspn(*s, " \t");
		size_t len = strcspn(w, " \t|");
		*s = w;
		if (len == 0)
			break;
		if (nw == 16 || len >= sizeof words[0])
			return errorf(err, errlen, "too long");
		memcpy(words[nw], w, len);
		words[nw++][len] = 0;
		*s = w + len;
	}
	for (int i = 0; i < nw; i++) {
		const char *opt = words[i], *arg = NULL;
		if (!takes_no_argument(opt) && i + 1 < nw)
			arg = words[++i];
		if (parse_option(p, opt, arg, err, errlen) == -1)
			return -1;
	}
	if (nw == 0)
		return errorf(err, errlen, "an empty step");
	if (p->gray && p->rgb)
		return errorf(err, errlen, "--gray and --rgb");
	return 0;
}

int
prep_parse(const char *s, prep_opts *steps, int max, char *err, size_t errlen)
{
	int n = 0;
	char why[256];

	for (;;) {
		if (n == max)
			return errorf(err, errlen, "resize '%s': more than %d steps", s, max);
		const char *at = s;
		if (parse_step(&s, &steps[n], why, sizeof why) == -1)
			return errorf(err, errlen, "resize '%s': %s", at, why);
		n++;
		if (*s != '|')
			return n;
		s++;
	}
}

/* The background pixel for c channels: gray is the colour's luma; alpha is opaque. */
static void
background(const unsigned char rgb[3], int c, unsigned char *px)
{
	unsigned char y = (unsigned char)((rgb[0] * 19595u + rgb[1] * 38470u + rgb[2] * 7471u + 32768) >> 16);

	if (c <= 2) {
		px[0] = y;
		px[1] = 255;
	} else {
		memcpy(px, rgb, 3);
		px[3] = 255;
	}
}

/* The record's image: decoded (shrunk on load when it is a JPEG much larger than
 * needed) into *im, owned; or a view of its u8 image tensor.  *ew x *eh is its
 * extent in its own pixels. */
static int
load(ts_record *rec, const prep_opts *o, image *im, int *owned, int *iw, int *ih, resize_geom *g,
     double *ew, double *eh, char *err, size_t errlen)
{
	ts_tensor *t = ts_tensor_get(rec, "encoded");
	int eighths = 8, minw = 0, minh = 0;

	if (t != NULL) {
		if (t->dtype != TS_BYTES)
			return errorf(err, errlen, "tensor 'encoded' is %s, not bytes", ts_dtype_name(t->dtype));
		if (img_info(t->data, t->nbytes, iw, ih, NULL, err, errlen) == -1)
			return -1;
		resize_geometry(&o->r, *iw, *ih, g);
		if (!o->full_decode && (g->rw < *iw || g->rh < *ih)) {
			minw = g->rw * PREP_SHRINK_HEADROOM;
			minh = g->rh * PREP_SHRINK_HEADROOM;
		}
		if (img_decode_scaled(t->data, t->nbytes, minw, minh, im, &eighths, err, errlen) == -1)
			return -1;
		*owned = 1;
	} else if ((t = ts_tensor_get(rec, "image")) != NULL) {
		if (tensor_as_image(t, im, err, errlen) == -1)
			return -1;
		*iw = im->w;
		*ih = im->h;
		resize_geometry(&o->r, *iw, *ih, g);
		*owned = 0;
	} else {
		return errorf(err, errlen, "record has no 'encoded' or 'image' tensor");
	}
	*ew = *iw * eighths / 8.0;
	*eh = *ih * eighths / 8.0;
	return 0;
}

/* Converts im (a view is copied first) to c channels before resampling. */
static int
reduce_channels(image *im, int *owned, int c, const unsigned char bg[3])
{
	if (im->c == c)
		return 0;
	if (!*owned) {
		size_t n = (size_t)im->w * (size_t)im->h * (size_t)im->c;
		unsigned char *p = malloc(n);
		if (p == NULL)
			return -1;
		im->px = memcpy(p, im->px, n);
		*owned = 1;
	}
	return c == 1 ? img_to_gray(im, bg) : img_to_rgb(im, bg);
}

/* A u8 "mask" (height x width, the image's size) gets the image's geometry, by
 * nearest neighbour so that its values do not mix; 0 outside. */
static int
resize_mask(ts_record *rec, const resize_geom *g, int iw, int ih, char *err, size_t errlen)
{
	ts_tensor *t = ts_tensor_get(rec, "mask");
	resize_spec spec;
	image m, out = { g->ow, g->oh, 1, NULL };
	uint64_t dims[2] = { (uint64_t)g->oh, (uint64_t)g->ow };

	if (t == NULL)
		return 0;
	if (tensor_as_image(t, &m, err, errlen) == -1)
		return -1;
	if (m.c != 1 || m.w != iw || m.h != ih)
		return errorf(err, errlen, "mask %dx%dx%d does not match its %dx%d image", m.w, m.h, m.c, iw, ih);
	if ((out.px = malloc((size_t)out.w * (size_t)out.h)) == NULL)
		return errorf(err, errlen, "out of memory");
	resize_spec_for(g, iw, ih, RESIZE_NEAREST, &spec);
	if (resize_run(&m, &spec, &out, err, errlen) == -1) {
		free(out.px);
		return -1;
	}
	if (ts_tensor_take(rec, "mask", TS_U8, 2, dims, out.px, dims[0] * dims[1]) == NULL) {
		free(out.px);
		return errorf(err, errlen, "out of memory");
	}
	return 0;
}

/* "resize" gets this step, after the steps already there. */
static int
note_step(ts_record *rec, const prep_opts *o)
{
	char step[PREP_TEXT_MAX];
	const char *old = ts_get(rec, "resize");

	prep_format(o, step, sizeof step);
	if (old == NULL || !*old)
		return ts_set(rec, "resize", step);
	return ts_setf(rec, "resize", "%s | %s", old, step);
}

int
prep_record(ts_record *rec, const prep_opts *o, char *err, size_t errlen)
{
	image im = { 0 }, out = { 0 };
	resize_geom g;
	resize_spec spec;
	double ew = 0, eh = 0;
	int iw, ih, owned = 0;
	uint64_t dims[3];

	if (load(rec, o, &im, &owned, &iw, &ih, &g, &ew, &eh, err, errlen) == -1)
		return -1;
	if ((uint64_t)g.ow * (uint64_t)g.oh > img_max_pixels()) {
		if (owned)
			img_free(&im);
		return errorf(err, errlen, "output %dx%d exceeds the pixel budget of %llu (--max-pixels)",
		              g.ow, g.oh, (unsigned long long)img_max_pixels());
	}
	if (resize_mask(rec, &g, iw, ih, err, errlen) == -1) {
		if (owned)
			img_free(&im);
		return -1;
	}
	/* fewer channels before resampling (alpha composited), more after */
	if ((o->gray && reduce_channels(&im, &owned, 1, o->bg) == -1) ||
	    (o->rgb && (im.c == 2 || im.c == 4) && reduce_channels(&im, &owned, im.c - 1, o->bg) == -1))
		goto nomem;
	out.w = g.ow;
	out.h = g.oh;
	out.c = im.c;
	if ((out.px = malloc((size_t)out.w * (size_t)out.h * (size_t)out.c)) == NULL)
		goto nomem;
	resize_spec_for(&g, ew, eh, o->filter, &spec);
	background(o->bg, im.c, spec.bg);
	if (resize_run(&im, &spec, &out, err, errlen) == -1) {
		if (owned)
			img_free(&im);
		img_free(&out);
		return -1;
	}
	if (owned)
		img_free(&im);
	if (o->rgb && img_to_rgb(&out, o->bg) == -1)
		goto nomem;
	dims[0] = (uint64_t)out.h;
	dims[1] = (uint64_t)out.w;
	dims[2] = (uint64_t)out.c;
	ts_tensor_remove(rec, "encoded");
	if (ts_tensor_take(rec, "image", TS_U8, 3, dims, out.px, dims[0] * dims[1] * dims[2]) == NULL)
		goto nomem;
	out.px = NULL;
	record_mark_decoded(rec);       /* sha256 and format named the bytes just dropped */
	if (g.ox != 0 || g.oy != 0 || g.ow != g.rw || g.oh != g.rh)
		record_mark_new_pixels(rec);    /* cut or padded: another picture for a perceptual hash */
	if (!ts_get(rec, "orig_width") || !ts_get(rec, "orig_height")) {
		ts_setf(rec, "orig_width", "%d", iw);
		ts_setf(rec, "orig_height", "%d", ih);
	}
	ts_setf(rec, "width", "%d", (int)dims[1]);
	ts_setf(rec, "height", "%d", (int)dims[0]);
	ts_setf(rec, "channels", "%d", (int)dims[2]);
	if (note_step(rec, o) != 0)
		return errorf(err, errlen, "out of memory");
	if (o->encode[0])
		return record_encode_image(rec, o->encode, o->quality, err, errlen);
	return 0;
nomem:
	if (owned)
		img_free(&im);
	img_free(&out);
	return errorf(err, errlen, "out of memory");
}
