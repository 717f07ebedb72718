/* Image decoding and encoding: PNG, JPEG, WebP, GIF, TIFF, BMP and Netpbm to u8 height x
 * width x channels; PNG, JPEG (and WebP) from it. */
#ifndef IMAGE_H
#define IMAGE_H

#include <stddef.h>
#include <stdint.h>

#define IMG_DEFAULT_MAX_PIXELS 100000000ull   /* IMG_MAX_PIXELS env or img_set_max_pixels */
#define IMG_MAXDIM 65535

enum img_format { IMG_UNKNOWN = 0, IMG_PNG, IMG_JPEG, IMG_GIF, IMG_WEBP, IMG_BMP, IMG_TIFF, IMG_PNM };

typedef struct {
	int w, h, c;            /* c: 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA */
	unsigned char *px;      /* h*w*c bytes, row-major, malloc'd */
} image;

/* The format of an encoded image, from its magic bytes alone. */
enum img_format img_sniff(const void *buf, size_t n);
const char *img_format_name(enum img_format f);     /* "png", "jpeg", ... */

/*
 * Decodes a PNG, JPEG, WebP, GIF, TIFF, BMP or Netpbm image held in memory.  Returns 0, or -1 with a one-line
 * reason in err (no program name, no file name: the caller adds those).
 * Refuses images above the pixel budget before allocating their pixels.
 * JPEG EXIF orientation is applied.  Truncated or corrupt data is an error
 * (never gray padding); nothing is printed.
 *
 * Pixels are raw samples: no gamma, ICC or sBIT handling, no compositing.
 * PNG: palette -> RGB; tRNS -> alpha (gray -> gray+alpha, RGB and palette
 * -> RGBA); 1/2/4-bit gray -> v*255/(2^n-1); 16-bit -> round(v/257).
 * JPEG: libjpeg defaults (JDCT_ISLOW, fancy upsampling); gray -> 1 channel;
 * CMYK/YCCK -> RGB as R = C*K/255 rounded to nearest, on Adobe's inverted
 * values (files without an Adobe marker are inverted first).
 * WebP (libwebp): RGB, or RGBA when the file has alpha; EXIF orientation applied;
 * an animation gives its first frame as composited on the canvas.
 * GIF (giflib): the first frame on the logical screen, RGB, or RGBA when it has a
 * transparent colour or does not cover the screen (uncovered pixels transparent).
 * TIFF (libtiff): the first page; 1/2/4-bit gray -> v*255/(2^n-1); 8/16-bit gray,
 * gray+alpha, RGB, RGBA in strips or tiles, 16-bit -> round(v/257); other layouts
 * (palette, YCbCr, CMYK, planar) through libtiff's RGBA reader; Orientation applied.
 * BMP: uncompressed 1/4/8-bit palette, 16/24/32-bit (BI_RGB and BI_BITFIELDS),
 * bottom-up or top-down; RGBA only when a 32-bit file has an alpha mask.
 * Netpbm: PBM (1 black -> 0, 0 -> 255), PGM, PPM, PAM (depth 1..4), plain and raw;
 * maxval m != 255 -> round(v*255/m).
 */
int img_decode(const void *buf, size_t n, image *out, char *err, size_t errlen);
/*
 * Like img_decode, but a JPEG may be shrunk on load: libjpeg's DCT scaling by
 * the smallest M/8 (M = 1..8) that still gives at least min_w x min_h pixels
 * (sizes after EXIF orientation; one factor for both axes; 0 or less: no
 * constraint on that axis, both: no scaling).  Then out->w = ceil(w * M / 8),
 * out->h = ceil(h * M / 8) for the w x h image img_info reports, and pixel
 * (x, y) covers [x * 8/M, (x + 1) * 8/M) of it (the last column or row may be
 * partial).  *eighths (when not NULL) receives M; it is 8 for PNG and for
 * JPEGs decoded whole.  The pixel budget applies to the pixels decoded
 * (ceil(w * M / 8) x ceil(h * M / 8)), except for progressive JPEGs, whose
 * coefficients libjpeg keeps for the whole image: their full size counts.
 */
int img_decode_scaled(const void *buf, size_t n, int min_w, int min_h, image *out, int *eighths,
                      char *err, size_t errlen);
/* Reads only the dimensions (after EXIF orientation) and channel count; no pixel budget. */
int img_info(const void *buf, size_t n, int *w, int *h, int *c, char *err, size_t errlen);
/* Frames of an animated GIF or WebP, pages of a TIFF: at least 1 (1 when unreadable). */
int img_frames(const void *buf, size_t n);

/* Encoders: *out is malloc'd.  0 or -1 with a reason in err.  PNG: 8-bit, c = 1..4.
 * JPEG: quality 1..100; c = 1 or 2 gives gray, 3 or 4 RGB (alpha dropped); chroma is
 * subsampled 4:2:0 below quality 90 and kept whole (4:4:4) from 90 up. */
int img_encode_png(const image *im, unsigned char **out, size_t *outlen, char *err, size_t errlen);
int img_encode_jpeg(const image *im, int quality, unsigned char **out, size_t *outlen,
                    char *err, size_t errlen);
/* JPEG compression of the pixels in place: encoded at quality 1..100 (chroma as
 * img_encode_jpeg) and decoded again by libjpeg-turbo, both with the fast integer
 * DCT, with handles and a buffer kept per thread.  c = 1 or 3.  0 or -1 with err. */
int img_jpeg_trip(unsigned char *px, int w, int h, int c, int quality, char *err, size_t errlen);
/* WebP (libwebp, lossy): quality 1..100; gray is stored as RGB, alpha kept. */
int img_encode_webp(const image *im, int quality, unsigned char **out, size_t *outlen,
                    char *err, size_t errlen);

void img_free(image *im);                       /* frees px; NULL-safe */
void img_set_max_pixels(uint64_t n);           /* 0: back to IMG_MAX_PIXELS or the default */
/* Checks IMG_MAX_PIXELS (decimal, 1 to 2^62); 0, or -1 with "IMG_MAX_PIXELS='value': what". */
int img_env_check(char *err, size_t errlen);
uint64_t img_max_pixels(void);

/* Parses "WxH" (or "WXH"; with square_ok also "N" for NxN), each side a plain decimal
 * from 1 to IMG_MAXDIM; 0, or -1 leaving w and h untouched. */
int img_parse_size(const char *s, int *w, int *h, int square_ok);

/* Length of the first complete PNG or JPEG file in buf, 0 if buf holds no complete one
 * yet, -1 if the bytes cannot be an image (for image concatenations on a pipe). */
long long img_extent(const void *buf, size_t n);

#endif
