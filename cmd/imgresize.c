/* imgresize: decode and resize images for training, in parallel, in input order. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "stream/tstream.h"
#include "pipeline/source.h"
#include "image/image.h"
#include "pipeline/filter.h"
#include "util/parallel.h"
#include "resize/resize.h"
#include "pipeline/stage.h"
#include "pipeline/env.h"
#include "util/util.h"

#define USAGE \
"usage: imgresize [-qv] [--progress] [-o OUT]\n" \
"                 [--short N | --long N | --fit WxH | --fill WxH | --pad WxH | --stretch WxH]\n" \
"                 [--crop WxH] [--shrink-only] [--filter area|triangle|lanczos3] [--gray | --rgb]\n" \
"                 [--background COLOR] [--full-decode] [--threads N] [--encode png|jpeg]\n" \
"                 [--quality Q] [--level N] [--max-pixels N] [--max-errors N] [FILE | DIR | -]...\n"

/* A JPEG is shrunk on load to no less than this many times the resized size:
 * the DCT's reduced IDCT is no box filter, and with a factor of 2 left to the
 * area filter the result stays within about 45 dB of an exact box resize of the
 * full image (a factor of 1 gives 31-43 dB on the test photos, below ImageMagick). */
#define SHRINK_HEADROOM 2

struct opts {
	resize_opts r;
	int filter, gray, rgb, full_decode, threads, quality, level, verbose;
	unsigned char bg[3];
	const char *out, *encode;
};

static void
usage(const char *why)
{
	usage_exit(USAGE, why);
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
load(ts_record *rec, const struct opts *o, image *im, int *owned, int *iw, int *ih, resize_geom *g,
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
			minw = g->rw * SHRINK_HEADROOM;
			minh = g->rh * SHRINK_HEADROOM;
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

static int
resize_record(ts_record *rec, const struct opts *o, char *err, size_t errlen)
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
	if (o->encode)
		return record_encode_image(rec, o->encode, o->quality, err, errlen);
	return 0;
nomem:
	if (owned)
		img_free(&im);
	img_free(&out);
	return errorf(err, errlen, "out of memory");
}

static void
work(void *item, int worker, void *ctx)
{
	struct filter_job *j = item;

	(void)worker;
	j->failed = resize_record(&j->rec, ctx, j->err, sizeof j->err) == -1;
}

static int
run(const struct opts *o, int argc, char **argv)
{
	static const struct filter_ops ops = { work, NULL, NULL, sizeof(struct filter_job) };

	if (o->out == NULL || strcmp(o->out, "-") == 0)
		refuse_terminal_stdout();
	return filter_run(&ops, (void *)o, sink_stream(o->out ? o->out : "-", o->level), o->threads, o->verbose,
	                  argc, argv);
}

static void
set_mode(struct opts *o, int mode, const char *arg, const char *opt)
{
	if (o->r.mode != RESIZE_KEEP)
		usage("choose one of --short, --long, --fit, --fill, --pad, --stretch");
	o->r.mode = mode;
	if (mode == RESIZE_SHORT || mode == RESIZE_LONG)
		o->r.w = o->r.h = (int)parse_int(arg, 1, IMG_MAXDIM, opt);
	else if (img_parse_size(arg, &o->r.w, &o->r.h, 0) == -1) {
		fprintf(stderr, "%s: %s wants WxH, each 1..%d: '%s'\n", progname, opt, IMG_MAXDIM, arg);
		usage(NULL);
	}
}

int
main(int argc, char **argv)
{
	enum { O_BACKGROUND = 256, O_CROP, O_ENCODE, O_FILL, O_FILTER, O_FIT, O_FULL, O_GRAY, O_HELP,
	       O_LEVEL, O_LONG, O_MAX_PIXELS, O_PAD, O_QUALITY, O_RGB, O_SHORT, O_SHRINK_ONLY,
	       O_STRETCH, O_THREADS, O_MAX_ERRORS, O_PROGRESS };
	static const struct option longopts[] = {
		{ "background", required_argument, NULL, O_BACKGROUND },
		{ "crop", required_argument, NULL, O_CROP },
		{ "encode", required_argument, NULL, O_ENCODE },
		{ "fill", required_argument, NULL, O_FILL },
		{ "filter", required_argument, NULL, O_FILTER },
		{ "fit", required_argument, NULL, O_FIT },
		{ "full-decode", no_argument, NULL, O_FULL },
		{ "gray", no_argument, NULL, O_GRAY },
		{ "help", no_argument, NULL, O_HELP },
		{ "level", required_argument, NULL, O_LEVEL },
		{ "long", required_argument, NULL, O_LONG },
		{ "max-errors", required_argument, NULL, O_MAX_ERRORS },
		{ "max-pixels", required_argument, NULL, O_MAX_PIXELS },
		{ "output", required_argument, NULL, 'o' },
		{ "pad", required_argument, NULL, O_PAD },
		{ "progress", no_argument, NULL, O_PROGRESS },
		{ "quality", required_argument, NULL, O_QUALITY },
		{ "quiet", no_argument, NULL, 'q' },
		{ "rgb", no_argument, NULL, O_RGB },
		{ "short", required_argument, NULL, O_SHORT },
		{ "shrink-only", no_argument, NULL, O_SHRINK_ONLY },
		{ "stretch", required_argument, NULL, O_STRETCH },
		{ "threads", required_argument, NULL, O_THREADS },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .filter = RESIZE_AREA, .quality = 90, .level = TS_DEFAULT_LEVEL };
	int c;

	prog_init(argv[0]);
	env_require();
	o.threads = pmap_cpus();
	while ((c = getopt_long(argc, argv, "o:qv", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': o.out = optarg; break;
		case 'v': o.verbose = 1; break;
		case 'q': progress_set_mode(PROGRESS_OFF); break;
		case O_PROGRESS: progress_set_mode(PROGRESS_LINES); break;
		case O_BACKGROUND:
			if (resize_parse_color(optarg, o.bg) == -1)
				usage("--background wants a colour name, #RRGGBB or R,G,B");
			break;
		case O_CROP:
			if (img_parse_size(optarg, &o.r.crop_w, &o.r.crop_h, 0) == -1) {
				fprintf(stderr, "%s: --crop wants WxH, each 1..%d: '%s'\n", progname, IMG_MAXDIM, optarg);
				usage(NULL);
			}
			break;
		case O_ENCODE:
			if (strcmp(optarg, "png") != 0 && strcmp(optarg, "jpeg") != 0)
				usage("--encode wants png or jpeg");
			o.encode = optarg;
			break;
		case O_FILL: set_mode(&o, RESIZE_FILL, optarg, "--fill"); break;
		case O_FILTER:
			if (strcmp(optarg, "area") == 0)
				o.filter = RESIZE_AREA;
			else if (strcmp(optarg, "triangle") == 0)
				o.filter = RESIZE_TRIANGLE;
			else if (strcmp(optarg, "lanczos3") == 0)
				o.filter = RESIZE_LANCZOS3;
			else
				usage("--filter wants area, triangle or lanczos3");
			break;
		case O_FIT: set_mode(&o, RESIZE_FIT, optarg, "--fit"); break;
		case O_FULL: o.full_decode = 1; break;
		case O_GRAY: o.gray = 1; break;
		case O_HELP:
			fputs(USAGE, stdout);
			return 0;
		case O_LEVEL: o.level = (int)parse_int(optarg, -7, 19, "--level"); break;
		case O_LONG: set_mode(&o, RESIZE_LONG, optarg, "--long"); break;
		case O_MAX_PIXELS:
			img_set_max_pixels((uint64_t)parse_int(optarg, 1, INT64_MAX, "--max-pixels"));
			break;
		case O_MAX_ERRORS: skip_set_max(parse_int(optarg, 0, INT64_MAX, "--max-errors")); break;
		case O_PAD: set_mode(&o, RESIZE_PAD, optarg, "--pad"); break;
		case O_QUALITY: o.quality = (int)parse_int(optarg, 1, 100, "--quality"); break;
		case O_RGB: o.rgb = 1; break;
		case O_SHORT: set_mode(&o, RESIZE_SHORT, optarg, "--short"); break;
		case O_SHRINK_ONLY: o.r.shrink_only = 1; break;
		case O_STRETCH: set_mode(&o, RESIZE_STRETCH, optarg, "--stretch"); break;
		case O_THREADS: o.threads = (int)parse_int(optarg, 1, 1024, "--threads"); break;
		default:
			usage(NULL);
		}
	}
	argc -= optind;
	argv += optind;
	if (o.gray && o.rgb)
		usage("--gray and --rgb exclude each other");
	if (o.r.mode == RESIZE_KEEP && o.r.crop_w == 0 && !o.gray && !o.rgb)
		usage("nothing to do: give a size (--short, --long, --fit, --fill, --pad, --stretch), --crop, --gray or --rgb");
	c = run(&o, argc, argv);
	finish_stdout();
	return c;
}
