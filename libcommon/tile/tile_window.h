/* Windows of image-like tensors for imgtile: cutting one out, counting mask pixels. */
#ifndef TILE_WINDOW_H
#define TILE_WINDOW_H

#include <stdint.h>
#include "stream/tstream.h"

/*
 * The height, width and channels of a tensor laid out H x W or H x W x C
 * (any fixed-size dtype, every dimension >= 1).  Returns 0, or -1 with a
 * reason in err naming the tensor.
 */
int tile_tensor_hwc(const ts_tensor *t, int *h, int *w, int *c, char *err, size_t errlen);

/*
 * Copies the window of w x h pixels whose top-left corner is (x, y) out of
 * src (H x W or H x W x C, any fixed-size dtype) into a tensor named name in
 * dst, of the same dtype and number of dimensions.  Pixels of the window that
 * fall outside src are zero.  Returns the new tensor, or NULL when out of memory.
 */
ts_tensor *tile_cut(ts_record *dst, const char *name, const ts_tensor *src, int x, int y, int w, int h);

/* The number of non-zero pixels of a u8 H x W (or H x W x 1) tensor. */
uint64_t tile_count_nonzero(const ts_tensor *mask);

#endif
