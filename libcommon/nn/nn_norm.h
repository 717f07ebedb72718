/*
 * Input normalisation: how u8 pixels (height x width x channels) become the network's
 * float input (channels x height x width).  Every method first scales to [0, 1]:
 *
 *   scale        x / 255
 *   standardize  (x / 255 - mean[c]) / std[c], per channel, statistics of the training set
 *   mean-std     the same with mean and std given by the user (torchvision's Normalize)
 *   per-image    (x / 255 - m) / max(s, 1 / sqrt(N)), m and s of the image itself over its N
 *                values (TensorFlow's per_image_standardization)
 */
#ifndef NN_NORM_H
#define NN_NORM_H

#include <stddef.h>

enum nn_norm_method { NN_NORM_SCALE = 1, NN_NORM_STANDARDIZE, NN_NORM_MEAN_STD, NN_NORM_PER_IMAGE };

typedef struct {
	int method;
	int c;
	float mean[4], std[4];
} nn_norm;

int nn_norm_parse(const char *name);            /* -1 if unknown */
const char *nn_norm_name(int method);
/* Accumulates per-channel sums for standardize over one image. */
void nn_norm_accumulate(const unsigned char *px, size_t npix, int c, double *sum, double *sum2);
/* Sets mean and std from the sums over npix pixels in all. */
void nn_norm_finish(nn_norm *n, const double *sum, const double *sum2, double npix);
void nn_norm_apply(const nn_norm *n, const unsigned char *px, int h, int w, int c, float *out);
/* "0.5,0.25,0.1" into v (1 value or c values); 0 or -1. */
int nn_norm_parse_list(const char *s, float *v, int c);

#endif
