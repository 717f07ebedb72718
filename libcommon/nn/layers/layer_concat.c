/* concat: the inputs' channels one after the other (same height and width), as U-Net skips
 * and multi-tower networks join branches. */
#include <string.h>

#include "nn/nn.h"
#include "util/util.h"

static int
concat_setup(nn_layer *l, nn_net *net, char *err, size_t errlen)
{
	int c = 0;

	(void)net;
	for (int k = 0; k < l->nin; k++) {
		if (l->ins[k].h != l->ins[0].h || l->ins[k].w != l->ins[0].w)
			return errorf(err, errlen, "input %d is %dx%dx%d, input 1 is %dx%dx%d: heights and widths "
			              "must agree", k + 1, l->ins[k].c, l->ins[k].h, l->ins[k].w, l->ins[0].c,
			              l->ins[0].h, l->ins[0].w);
		c += l->ins[k].c;
	}
	l->out = (nn_shape){ c, l->ins[0].h, l->ins[0].w };
	return 0;
}

static void
concat_forward(nn_layer *l, const nn_run *run, const float *const *x, float *y)
{
	size_t out = nn_shape_size(l->out);

	for (int n = 0; n < run->n; n++) {
		float *dst = y + (size_t)n * out;
		for (int k = 0; k < l->nin; k++) {
			size_t m = nn_shape_size(l->ins[k]);
			memcpy(dst, x[k] + (size_t)n * m, m * sizeof(float));
			dst += m;
		}
	}
}

static void
concat_backward(nn_layer *l, const nn_run *run, const float *const *x, const float *y, const float *dy,
                float *const *dx)
{
	size_t out = nn_shape_size(l->out);

	(void)x;
	(void)y;
	for (int n = 0; n < run->n; n++) {
		const float *src = dy + (size_t)n * out;
		for (int k = 0; k < l->nin; k++) {
			size_t m = nn_shape_size(l->ins[k]);
			if (dx[k])
				memcpy(dx[k] + (size_t)n * m, src, m * sizeof(float));
			src += m;
		}
	}
}

const struct nn_layer_ops nn_layer_concat = {
	.type = "concat",
	.multi = 1,
	.setup = concat_setup,
	.forward_multi = concat_forward,
	.backward_multi = concat_backward,
};
