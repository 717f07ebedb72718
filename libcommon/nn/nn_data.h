/*
 * A training set held decoded: fixed-size u8 images with a class index each.
 * Images stay in memory up to a byte budget; beyond it they go to an unlinked
 * temporary file (in TMPDIR) that is mapped into memory once reading is done.
 */
#ifndef NN_DATA_H
#define NN_DATA_H

#include <stddef.h>
#include <stdio.h>

typedef struct {
	size_t n, cap;
	size_t sample;          /* bytes per sample: the image, then its mask or features if any */
	size_t feat_off;        /* where a sample's float features start (0: none) */
	size_t budget;          /* bytes of images held in memory before spilling */
	unsigned char *px;      /* n * sample bytes: malloc'd, or mapped once spilled */
	int *label;
	FILE *spill;            /* the temporary file while reading, NULL otherwise */
	size_t mapped;          /* bytes mapped, 0 when px is malloc'd */
} nn_data;

void nn_data_init(nn_data *d, size_t sample, size_t budget);
int nn_data_add(nn_data *d, const unsigned char *px, int label, char *err, size_t errlen);
/* Ends reading: maps the spilled file.  0 or -1. */
int nn_data_finish(nn_data *d, char *err, size_t errlen);
static inline const unsigned char *nn_data_image(const nn_data *d, size_t i) { return d->px + i * d->sample; }
void nn_data_free(nn_data *d);
/* The default budget: a quarter of physical memory. */
size_t nn_data_default_budget(void);

#endif
