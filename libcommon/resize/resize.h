/*
 * Resizing u8 images (image.h): where the output comes from (resize_geometry),
 * the separable resampling itself (resize_run) and channel conversions.
 *
 * Resampling is separable: the weights of every output column and row are
 * computed once per image; a vertical pass combines whole source rows into a
 * float row, a horizontal pass combines that row's pixels into output pixels.
 * Weights are normalised to sum 1 over the source pixels that exist (the edge
 * is not extended with zeros).  Images with alpha (2 or 4 channels) are
 * resampled premultiplied, so transparent pixels lend no colour.
 */
#ifndef RESIZE_H
#define RESIZE_H

#include "image/image.h"

enum resize_filter {
	/* Shrinking: the exact mean over the output pixel's footprint (each source
	 * pixel weighted by the part of it inside); enlarging: linear interpolation. */
	RESIZE_AREA,
	/* Triangle (tent) filter stretched by the shrink factor: antialiased bilinear. */
	RESIZE_TRIANGLE,
	/* Lanczos with 3 lobes stretched by the shrink factor (sharper, may ring). */
	RESIZE_LANCZOS3,
	/* The source pixel under the output pixel's centre: for masks and labels,
	 * whose values must not mix; aliases, so not for images. */
	RESIZE_NEAREST,
};

/* One axis: output pixel i (0 <= i < len) of the resized line covers the source
 * stretch [src0 + i * step, src0 + (i + 1) * step], step = src_len / len, in
 * source pixel units where pixel j spans [j, j + 1]. */
typedef struct {
	double src0, src_len;
	int len;
	int off;        /* the first resized pixel written; <0 or beyond len: background */
} resize_axis;

typedef struct {
	resize_axis x, y;
	int filter;                     /* enum resize_filter */
	unsigned char bg[4];            /* the pixel written outside the resized image */
} resize_spec;

/*
 * Resamples src as spec says and writes the out->w x out->h window starting at
 * (spec->x.off, spec->y.off) of the resized image into out->px, which the caller
 * allocated (out->c must equal src->c).  0, or -1 with a reason in err.
 */
int resize_run(const image *src, const resize_spec *spec, image *out, char *err, size_t errlen);

/* What a program asks for. */
enum resize_mode {
	RESIZE_KEEP,            /* no resampling (a crop may still apply) */
	RESIZE_SHORT,           /* shorter side to n, aspect kept */
	RESIZE_LONG,            /* longer side to n, aspect kept */
	RESIZE_FIT,             /* largest size inside w x h, aspect kept */
	RESIZE_FILL,            /* smallest size covering w x h, aspect kept, centre w x h kept */
	RESIZE_PAD,             /* RESIZE_FIT, then centred on a w x h background */
	RESIZE_STRETCH,         /* exactly w x h */
};

typedef struct {
	int mode;                       /* enum resize_mode */
	int w, h;                       /* the box (RESIZE_SHORT and RESIZE_LONG: n in w) */
	int crop_w, crop_h;             /* then a centred crop of this size; 0: none */
	int shrink_only;                /* never enlarge: an image already small enough keeps its size */
} resize_opts;

/* Where the output of an iw x ih image comes from. */
typedef struct {
	int rw, rh;                     /* the resized image */
	int ox, oy, ow, oh;             /* the window of it that is output (may stick out: background) */
} resize_geom;

/*
 * Sizes are rounded to the nearest pixel (at least 1) as ImageMagick does;
 * centring puts the extra pixel of an odd difference right and below:
 * offset = floor((size - window) / 2), also when the window is larger.
 */
void resize_geometry(const resize_opts *o, int iw, int ih, resize_geom *g);
/* The spec that produces g from a source whose full extent is src_w x src_h
 * pixels (fractional for a shrunk-on-load JPEG: w * M / 8). */
void resize_spec_for(const resize_geom *g, double src_w, double src_h, int filter, resize_spec *s);

/*
 * Channel conversions, in place (px is reallocated).  Alpha is composited over
 * bg (R, G, B); RGB to gray is ITU-R 601 luma with PIL's integer weights,
 * (19595 R + 38470 G + 7471 B + 32768) >> 16.  0, or -1 when out of memory.
 */
int img_to_gray(image *im, const unsigned char bg[3]);
int img_to_rgb(image *im, const unsigned char bg[3]);

/* Parses a colour: a name (black, white, gray, red, ...), "#RGB", "#RRGGBB" or "R,G,B"; 0 or -1. */
int resize_parse_color(const char *s, unsigned char rgb[3]);

#endif
