/* add: the element-wise sum of inputs of one shape (residual connections). */
#include <string.h>

#include "nn/nn.h"
#include "util/util.h"

static int
add_setup(nn_layer *l, nn_net *net, char *err, size_t errlen)
{
	(void)net;
	for (int k = 1; k < l->nin; k++)
		if (l->ins[k].c != l->ins[0].c || l->ins[k].h != l->ins[0].h || l->ins[k].w != l->ins[0].w)
			return errorf(err, errlen, "input %d is %dx%dx%d, input 1 is %dx%dx%d: shapes must agree",
			              k + 1, l->ins[k].c, l->ins[k].h, l->ins[k].w, l->ins[0].c, l->ins[0].h,
			              l->ins[0].w);
	l->out = l->ins[0];
	return 0;
}

static void
add_forward(nn_layer *l, const nn_run *run, const float *const *x, float *y)
{
	size_t n = (size_t)run->n * nn_shape_size(l->out);

	memcpy(y, x[0], n * sizeof(float));
	for (int k = 1; k < l->nin; k++) {
		const float *xk = x[k];
		for (size_t i = 0; i < n; i++)
			y[i] += xk[i];
	}
}

static void
add_backward(nn_layer *l, const nn_run *run, const float *const *x, const float *y, const float *dy,
             float *const *dx)
{
	size_t n = (size_t)run->n * nn_shape_size(l->out);

	(void)x;
	(void)y;
	for (int k = 0; k < l->nin; k++)
		if (dx[k])
			memcpy(dx[k], dy, n * sizeof(float));
}

const struct nn_layer_ops nn_layer_add = {
	.type = "add",
	.multi = 1,
	.setup = add_setup,
	.forward_multi = add_forward,
	.backward_multi = add_backward,
};
