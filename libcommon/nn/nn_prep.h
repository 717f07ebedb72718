/* Preparing an image for a model, as cnnpredict does: channels to the model's (alpha over
 * white, RGB to gray as ITU-R 601 luma), then, unless the size already matches, the shorter
 * side scaled (area averaging) so the image covers the input, or to short_side when that is
 * given (at least the input's larger side), and the centre cut out. */
#ifndef NN_PREP_H
#define NN_PREP_H

#include <stddef.h>

#include "image/image.h"
#include "nn.h"

/* out receives a malloc'd in.w x in.h x in.c image (img_free it).  resize 0: a size other
 * than the model's is an error.  short_side 0: the input covered exactly.  0, or -1 with a
 * reason in err. */
int nn_prepare_image(const image *src, nn_shape in, int resize, int short_side, image *out, char *err,
                     size_t errlen);

/* The variance of the 3x3 Laplacian (0 1 0, 1 -4 1, 0 1 0) of the image's gray version,
 * borders reflected without repeating the edge (OpenCV's Laplacian(..., CV_64F).var()). */
double laplacian_variance(const image *im);

#endif
