/* Grid geometry for imgtile: where the tiles of a regular grid go along one axis. */
#ifndef TILE_GRID_H
#define TILE_GRID_H

enum tile_edge {
	TILE_EDGE_DROP,         /* tiles that would stick out are left out */
	TILE_EDGE_PAD,          /* they are kept, the part outside the image padded */
	TILE_EDGE_SHIFT,        /* they are moved back inside, overlapping their neighbour */
};

/* "drop", "pad" or "shift"; -1 for anything else. */
int tile_edge_parse(const char *s);

/*
 * Positions (left or top coordinates) of the tiles along an axis of len
 * pixels, for tiles of size tile placed every stride pixels (all >= 1):
 *   drop:  0, stride, 2*stride, ... while the tile lies inside: none when tile > len;
 *   pad:   0, stride, ... while a tile still reaches pixels the previous one
 *          did not (k*stride < len, and the tile before ends before len);
 *          the last one may stick out;
 *   shift: the positions of pad, the last one moved back to len - tile so that
 *          it lies inside (positions stay increasing); needs tile <= len.
 * Writes at most max positions into pos (pos may be NULL) and returns how many
 * there are in all, or -1 for shift with tile > len or an argument below 1.
 */
int tile_axis(int len, int tile, int stride, enum tile_edge edge, int *pos, int max);

#endif
