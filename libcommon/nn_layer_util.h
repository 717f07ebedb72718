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
	size_t n;               /* elements, for element-wise layers */
};

/* Pooling: "maxpool 2" or "maxpool size=3 stride=2" (stride defaults to the size). */
int nn_pool_parse(nn_layer *l, nn_args *a, char *err, size_t errlen);
/* The output of a pooling window over l->in (no padding; a partial last window is dropped). */
int nn_pool_shape(nn_layer *l, char *err, size_t errlen);

/* Element-wise layers: out = l->out = l->in, fn applied over [0, n * size) in parallel. */
int nn_same_shape(nn_layer *l, nn_net *net, char *err, size_t errlen);

#endif
