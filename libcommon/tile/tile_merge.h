/* Merging tiles back into a whole image for imgtile --merge: every pixel is
 * the average of the tiles that cover it. */
#ifndef TILE_MERGE_H
#define TILE_MERGE_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
	int w, h, c;            /* the canvas: width, height, channels */
	int dtype;              /* TS_U8 or TS_F32: the tiles' dtype and the result's */
	double *sum;            /* h x w x c sums */
	uint32_t *n;            /* h x w: how many tiles covered each pixel */
} tile_acc;

/* An empty canvas.  0, or -1 with a reason in err (out of memory, bad dtype). */
int tile_acc_init(tile_acc *a, int w, int h, int c, int dtype, char *err, size_t errlen);
void tile_acc_free(tile_acc *a);        /* NULL-safe; a zeroed tile_acc is empty */

/* Adds a tile of tw x th pixels with a->c channels of a->dtype, its top-left
 * corner at (x, y); the part outside the canvas is ignored. */
void tile_acc_add(tile_acc *a, const void *data, int x, int y, int tw, int th);
/* Adds the value v (every channel) over the window (x, y, tw, th). */
void tile_acc_fill(tile_acc *a, double v, int x, int y, int tw, int th);

/*
 * The averages, h x w x c values of a->dtype in a malloc'd buffer of *nbytes
 * bytes (NULL when out of memory).  u8 averages are rounded to the nearest
 * integer (halves up), so tiles that agree give their pixels back exactly;
 * pixels no tile covered are 0.
 */
void *tile_acc_result(const tile_acc *a, uint64_t *nbytes);

#endif
