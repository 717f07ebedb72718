/*
 * Winograd F(2x2, 3x3): the forward pass of a 3x3, stride-1 convolution with 16 GEMMs of
 * C inner dimension instead of one of 9 C, so 2.25 times fewer multiplications (Lavin and
 * Gray, "Fast Algorithms for Convolutional Neural Networks", 2015).  Each 2x2 block of
 * output comes from a 4x4 tile of input: V = B^T d B per tile and channel, U = G g G^T per
 * filter and channel, M = U V summed over channels (16 GEMMs, one per tile position, over
 * the tiles of several samples at once), y = A^T M A plus bias and activation.
 */
#ifndef NN_WINOGRAD_H
#define NN_WINOGRAD_H

#include "nn.h"

typedef struct nn_wino nn_wino;

/* -1: from the environment (NN_WINOGRAD=0 turns it off), 0 off, 1 where it wins by shape
 * (the default), 2 on every layer it can run (tests). */
extern int nn_winograd_mode;

/* The state for conv2d layer l (after its shapes are set), or NULL where Winograd does not
 * apply (kernel not 3x3, stride not 1) or does not win for the shape. */
nn_wino *nn_wino_setup(const nn_layer *l, nn_net *net);
/* y = the activation of (x convolved with the layer's weights + bias), run->n samples, on
 * the run's pool; the weights are transformed first when they changed since the last call. */
void nn_wino_forward(nn_wino *wn, nn_layer *l, const nn_run *run, const float *x, float *y);

#endif
