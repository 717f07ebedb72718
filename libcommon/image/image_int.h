/* Internals shared by the image_*.c files; not for programs. */
#ifndef IMAGE_INT_H
#define IMAGE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "image.h"

/* The decoders: info_only fills w, h, c and leaves px NULL.  *frames (when not NULL)
 * receives the frames of an animation or the pages of a TIFF. */
int img_png_decode(const unsigned char *buf, size_t n, image *out, int info_only,
                   char *err, size_t errlen);
int img_jpeg_decode(const unsigned char *buf, size_t n, image *out, int info_only,
                    char *err, size_t errlen);
int img_webp_decode(const unsigned char *buf, size_t n, image *out, int info_only, int *frames,
                    char *err, size_t errlen);
int img_gif_decode(const unsigned char *buf, size_t n, image *out, int info_only, int *frames,
                   char *err, size_t errlen);
int img_tiff_decode(const unsigned char *buf, size_t n, image *out, int info_only, int *frames,
                    char *err, size_t errlen);
int img_bmp_decode(const unsigned char *buf, size_t n, image *out, int info_only,
                   char *err, size_t errlen);
int img_pnm_decode(const unsigned char *buf, size_t n, image *out, int info_only,
                   char *err, size_t errlen);

/* Applies EXIF orientation o (1..8) to im, which must hold pixels: 0, or -1 with a
 * reason in err (out of memory) leaving im as it was. */
int img_orient(image *im, int o, char *err, size_t errlen);

/* EXIF orientation 1..8 from the TIFF data of an APP1 "Exif\0\0" segment
 * (the bytes after those six); 1 when absent or malformed. */
int img_exif_orientation(const unsigned char *tiff, size_t n);

/* 0 if w x h is a size we decode (1..IMG_MAXDIM each, within the pixel budget
 * when budget is set), else -1 with the reason in err. */
int img_check_size(uint64_t w, uint64_t h, int budget, char *err, size_t errlen);
/* Allocates h*w*c bytes with overflow checks; NULL with a reason in err. */
unsigned char *img_alloc_px(int w, int h, int c, char *err, size_t errlen);
/* 0 if im is a valid image to encode (1..IMG_MAXDIM, c 1..4, px set). */
int img_check_image(const image *im, char *err, size_t errlen);

void img_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
