/* flatten: CxHxW becomes (C*H*W)x1x1; the values stay where they are. */
#include <string.h>

#include "nn/nn.h"

static int
flatten_setup(nn_layer *l, nn_net *net, char *err, size_t errlen)
{
	(void)net;
	(void)err;
	(void)errlen;
	l->out = (nn_shape){ (int)nn_shape_size(l->in), 1, 1 };
	return 0;
}

static void
flatten_forward(nn_layer *l, const nn_run *run, const float *x, float *y)
{
	if (y != x)
		memcpy(y, x, (size_t)run->n * nn_shape_size(l->in) * sizeof(float));
}

static void
flatten_backward(nn_layer *l, const nn_run *run, const float *x, const float *y, const float *dy, float *dx)
{
	(void)x;
	(void)y;
	if (dx)
		memcpy(dx, dy, (size_t)run->n * nn_shape_size(l->in) * sizeof(float));
}

const struct nn_layer_ops nn_layer_flatten = {
	.inplace = 1,
	.type = "flatten",
	.setup = flatten_setup,
	.forward = flatten_forward,
	.backward = flatten_backward,
};
