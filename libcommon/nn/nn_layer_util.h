/* What several layer files share: the pass arguments and the pooling window. */
#ifndef NN_LAYER_UTIL_H
#define NN_LAYER_UTIL_H

#include "nn.h"

/* The arguments of one pass, handed to nn_pool_for. */
struct nn_pass {
	nn_layer *l;
	const nn_run *run;
	const float *x, *y, *dy;
	float *dx;
	float *out;
};

/* Pooling: "maxpool 2" or "maxpool size=3 stride=2" (stride defaults to the size). */
int nn_pool_parse(nn_layer *l, nn_args *a, char *err, size_t errlen);
/* The output of a pooling window over l->in (no padding; a partial last window is dropped). */
int nn_pool_shape(nn_layer *l, char *err, size_t errlen);

/* pad=P, PxQ or same (an odd kernel's half, so stride 1 keeps the size), after the kernel is read. */
int nn_parse_pad(nn_layer *l, nn_args *a, char *err, size_t errlen);
/* Adds the per-thread partial gradients of a layer's weight and bias (param 0 and 1) in thread
 * order, for the threads that had samples. */
void nn_add_partials(nn_layer *l, const nn_run *run, float *const *dw, float *const *db);

/* Element-wise layers: out = l->out = l->in, fn applied over [0, n * size) in parallel. */
int nn_same_shape(nn_layer *l, nn_net *net, char *err, size_t errlen);

#endif
