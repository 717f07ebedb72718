/*
 * prep: the preparation imgresize applies to a record (decode, shrink on load,
 * resize, crop, channels, optional re-encoding), and its provenance.
 *
 * imgresize writes what it did into the record's "resize" metadata as the
 * canonical option string of prep_format ("--short 96 --crop 96x96 --rgb
 * --filter area"); a record resized twice keeps both steps, " | " between them.
 * cnntrain copies the value its training records agree on into the model, and
 * cnnpredict applies exactly those steps (prep_parse, prep_record) to images
 * that arrive undecoded, so serving sees the pixels training saw, bit for bit.
 */
#ifndef PREP_H
#define PREP_H

#include <stddef.h>

#include "resize/resize.h"
#include "stream/tstream.h"

#define PREP_MAX_STEPS 8
#define PREP_TEXT_MAX 256       /* one step's canonical text, NUL included */

/* A JPEG is shrunk on load to no less than this many times the resized size,
 * so that the area filter, not the DCT's reduced IDCT, does most of the
 * reduction (measured against an exact box resize: imgresize(1), PSNR). */
#define PREP_SHRINK_HEADROOM 4

typedef struct {
	resize_opts r;
	int filter;                     /* enum resize_filter */
	int gray, rgb, full_decode;
	unsigned char bg[3];            /* composited under alpha, and padding */
	char encode[8];                 /* "", "png", "jpeg" or "webp" */
	int quality;                    /* --encode jpeg: 1..100 */
} prep_opts;

/* The defaults: no resize, area filter, black background, quality 90. */
void prep_init(prep_opts *p);
/* The canonical option string of one step into buf (at least PREP_TEXT_MAX bytes). */
void prep_format(const prep_opts *p, char *buf, size_t n);
/* Parses the steps of a "resize" value ("STEP | STEP ..."), each in imgresize's option
 * syntax; returns the number of steps (1..PREP_MAX_STEPS), or -1 with a reason in err. */
int prep_parse(const char *s, prep_opts *steps, int max, char *err, size_t errlen);
/*
 * Resizes the record's image as imgresize does: an "encoded" tensor is decoded
 * (a large JPEG shrunk on load unless full_decode), an "image" tensor used as it
 * is; a "mask" follows by nearest neighbour; the result replaces them as "image"
 * (or "encoded" with p->encode), with width, height, channels, orig_width and
 * orig_height, and the step appended to "resize".  0, or -1 with a reason in err.
 */
int prep_record(ts_record *rec, const prep_opts *p, char *err, size_t errlen);

#endif
