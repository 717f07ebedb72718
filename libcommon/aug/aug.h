/*
 * aug: the augmentation steps of imgaug, their parser and the pipeline that
 * applies them to one record.
 *
 * A step is written "NAME [VALUE] [KEY=VALUE]...": the optional VALUE sets the
 * step's first (positional) parameter, p=P its probability (default 1).  A
 * range parameter takes "A..B" (sampled uniformly, integers inclusively) or a
 * single "A" (fixed); a size takes "WxH" or "N"; a word one of its values.
 *
 * Every kind of step lives in the file of its family (aug_geom.c, aug_color.c,
 * aug_defect.c); aug_parse.c holds the table of kinds and the parser,
 * aug_run.c the pipeline.  An apply function draws what it needs from the
 * record's generator (aug_draw), changes the image (and, for geometric steps,
 * the mask the same way), and says what it did (aug_say) for the "aug"
 * metadata, e.g. "hflip;brightness=+0.13;rotate=-7.2".  Drawn values are
 * rounded to the parameter's precision before use, so a step written with
 * the printed values does exactly the same again.
 */
#ifndef AUG_H
#define AUG_H

#include <stddef.h>
#include <stdint.h>

#include "util/rng.h"
#include "stream/tstream.h"

#define AUG_MAXPAR 12
#define AUG_MAXSTEPS 64

enum aug_ptype { AUG_RANGE, AUG_SIZE, AUG_WORD };

struct aug_param {
	const char *name;
	int type;               /* enum aug_ptype */
	double lo, hi;          /* the default (a size: lo = w, hi = h) */
	double min, max;        /* what is allowed */
	int prec;               /* decimals kept when drawn; 0: an integer */
	int step;               /* integers: values are multiples of step (0: any) */
	const char *defword;    /* AUG_WORD: the default */
	const char *words;      /* AUG_WORD: the allowed values, "a|b|c"; NULL: any text */
};

enum {
	AUG_GEOM = 1,           /* moves pixels: the mask moves with them */
	AUG_DEFECT = 2,         /* sets the label (parameters label=, clean=) */
	AUG_COLOR = 4,          /* needs 3 or 4 channels */
	AUG_POSITIONAL = 8,     /* par[0] may be given without KEY= */
	AUG_REQUIRED = 16,      /* par[0] must be given */
	AUG_NOALPHA = 32,       /* needs 1 or 3 channels */
	AUG_FROMSRC = 64,       /* reads im->src when set (aug_img_borrow): writes px, clears src */
	AUG_WINDOW = 128,       /* cuts a window out of a pending warp (aug_warp_later) */
};
/* Defect steps have label= and clean= as their last two parameters. */

struct aug_step;
struct aug_img;
struct aug_run;

struct aug_kind {
	const char *name;
	int flags;
	const char *help;       /* one line for --list */
	struct aug_param par[AUG_MAXPAR];       /* ends at a NULL name */
	/* 0, or -1 with a reason set by aug_fail */
	int (*apply)(const struct aug_step *s, struct aug_img *im, struct aug_run *r);
};

struct aug_step {
	const struct aug_kind *k;
	double p;
	double lo[AUG_MAXPAR], hi[AUG_MAXPAR];
	char word[AUG_MAXPAR][32];
	int npar;
};

/* The image being augmented; buffers grow and are reused from record to record. */
struct aug_img {
	int w, h, c;
	unsigned char *px;              /* h*w*c */
	const unsigned char *src;       /* non-NULL: px is not filled yet, the pixels are here */
	unsigned char *mask;            /* h*w, or NULL when the record has none */
	unsigned char *tmp, *mtmp;      /* scratch of the same kinds */
	size_t cap, mcap, tcap, mtcap;
	void *work;                     /* a step's own scratch (aug_img_work), kept between images */
	size_t wcap;
	struct {                        /* a warp not done yet (aug_warp_later); w, h: the window's size */
		int on, sw, sh, ow, oh, wx, wy;         /* source size, output size, window place */
		double m[4], cs_x, cs_y;
		unsigned char fill;
	} warp;
};

/* One application of a pipeline to one image. */
struct aug_run {
	rng g;
	char desc[1024];
	size_t dlen;
	const char *label;              /* the label a defect step set; NULL: none */
	int labelled;                   /* a defect step was applied */
	char err[256];
};

/* The table of kinds, sorted by name, and lookups. */
extern const struct aug_kind *const aug_kinds[];
extern const size_t aug_nkinds;
const struct aug_kind *aug_kind_find(const char *name);

/* Parses one step; 0, or -1 with a one-line reason. */
int aug_parse(const char *text, struct aug_step *s, char *err, size_t errlen);
/* Parses a pipeline file: one step per line, '#' comments, blank lines. Returns the number
 * of steps (at most max), -1 with "FILE:LINE: reason", or -2 with "FILE: reason" when the
 * file cannot be opened or read. */
int aug_parse_file(const char *path, struct aug_step *s, int max, char *err, size_t errlen);

/*
 * Applies the steps to im with a generator seeded by seed (see aug_record_seed),
 * each with its probability.  The description of what was applied goes to
 * r->desc ("none" when nothing was), the label of defect steps to r->label.
 * 0, or -1 with the reason in r->err (an image lacking the channels a step needs).
 */
int aug_apply(const struct aug_step *steps, int n, struct aug_img *im, uint64_t seed, struct aug_run *r);

/* The seed of copy k of the record with this id under the pipeline seed. */
uint64_t aug_record_seed(uint64_t seed, const char *id, int k);

/* For apply functions: parameter i drawn (rounded to its precision), the
 * size of parameter i, the word, a note for the description, a failure. */
double aug_draw(struct aug_run *r, const struct aug_step *s, int i);
void aug_size(const struct aug_step *s, int i, int *w, int *h);
const char *aug_word(const struct aug_step *s, int i);
void aug_say(struct aug_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int aug_fail(struct aug_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Image buffers: make room for w x h x c in tmp (and mtmp when there is a mask),
 * then swap tmp into px.  -1 when out of memory. */
int aug_img_reserve(struct aug_img *im, int w, int h, int c);
void aug_img_swap(struct aug_img *im, int w, int h);
/* im's step scratch of at least n bytes (aligned as malloc's), or NULL when out of memory. */
void *aug_img_work(struct aug_img *im, size_t n);
/* Gives the image a zero mask when it has none. */
int aug_img_need_mask(struct aug_img *im);
void aug_img_drop_mask(struct aug_img *im);
/* Copies w x h x c pixels (and a w x h mask, or NULL: none) in as the image to augment. */
int aug_img_load(struct aug_img *im, const unsigned char *px, int w, int h, int c, const unsigned char *mask);
void aug_img_free(struct aug_img *im);
/* Like aug_img_load, but the pixels stay at px (which must outlive aug_apply) until a step
 * needs them in im->px: the first step reads them from there (AUG_FROMSRC) or they are
 * copied.  aug_apply leaves them in im->px. */
int aug_img_borrow(struct aug_img *im, const unsigned char *px, int w, int h, int c, const unsigned char *mask);
void aug_img_fill(struct aug_img *im);

/* The pixels to read: im->src when set, else im->px. */
static inline const unsigned char *
aug_pixels(const struct aug_img *im)
{
	return im->src ? im->src : im->px;
}

/*
 * Affine resampling shared by the geometric steps: output pixel centre o maps
 * to source point m * (o - co) + cs (co, cs: the centres).  Image pixels are
 * bilinear, with fill outside; mask pixels nearest, 0 outside.  Output w x h.
 */
int aug_warp(struct aug_img *im, const double m[4], int w, int h, double cs_x, double cs_y,
             unsigned char fill);
/* The same, done later by aug_warp_flush (aug_apply calls it before the next step, unless that
 * step cuts a window of the output: AUG_WINDOW, see aug_warp_window; then only the window is
 * computed, with the same pixels).  im->w and im->h are the output's at once. */
void aug_warp_later(struct aug_img *im, const double m[4], int w, int h, double cs_x, double cs_y,
                    unsigned char fill);
/* 1 when a warp is pending: the output is narrowed to the window (x, y, w, h) of it. */
int aug_warp_window(struct aug_img *im, int x, int y, int w, int h);
int aug_warp_flush(struct aug_img *im);

/* Luma of an RGB pixel with PIL's integer weights (as resize_color.c). */
static inline unsigned char
aug_luma(const unsigned char *p)
{
	return (unsigned char)((p[0] * 19595u + p[1] * 38470u + p[2] * 7471u + 32768) >> 16);
}

static inline unsigned char
aug_clamp(double v)
{
	return v <= 0 ? 0 : v >= 255 ? 255 : (unsigned char)(v + 0.5);
}

#endif
