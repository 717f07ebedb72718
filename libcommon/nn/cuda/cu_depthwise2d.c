/* depthwise2d on the GPU: a grouped cuDNN convolution, groups = input channels, each of
 * `multiplier` filters (output channel c * m + j reads input channel c, as on the host). */
#include <stdlib.h>

#include "nn/cuda/cu_util.h"

static int
dw_setup(cu_layer *cl, cu_ctx *c, size_t *work_bytes)
{
	nn_layer *l = cl->l;
	struct cu_conv *v;

	if (cu_check_precision(cl, c) != 0)
		return -1;
	if (!(v = calloc(1, sizeof *v)))
		return CU_ERR(c, "%s: out of memory", l->name);
	cl->priv = v;
	return cu_conv_setup(v, c, l, l->in, l->out, l->out.c, 1, l->in.c, work_bytes);
}

static int
dw_forward(cu_layer *cl, cu_ctx *c, const nn_run *run, const float *x, float *y)
{
	nn_layer *l = cl->l;
	struct cu_conv *v = cl->priv;

	if (cu_conv_batch(v, c, run->n) != 0 || cu_conv_fwd(v, c, x, cl->w[0], y) != 0)
		return -1;
	if (l->bias)
		CU_K(c, l, cuk_bias_act(c->stream, y, cl->w[1], cu_count(run, l->out), l->out.c,
		                        (size_t)l->out.h * l->out.w, 0, 0));
	return 0;
}

const struct cu_layer_ops cu_layer_depthwise2d = {
	.type = "depthwise2d",
	.setup = dw_setup,
	.release = cu_conv_layer_release,
	.forward = dw_forward,
	.backward = cu_conv_layer_backward,
};
