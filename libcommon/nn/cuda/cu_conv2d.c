/* conv2d on the GPU: cuDNN forward, backward data and backward filter, then the host's bias
 * pass (bias, and the absorbed relu or leakyrelu with fused_slope when fuse_relu). */
#include <stdlib.h>

#include "nn/cuda/cu_util.h"

static int
conv_setup(cu_layer *cl, cu_ctx *c, size_t *work_bytes)
{
	nn_layer *l = cl->l;
	struct cu_conv *v;

	if (cu_check_precision(cl, c) != 0)
		return -1;
	if (!(v = calloc(1, sizeof *v)))
		return CU_ERR(c, "%s: out of memory", l->name);
	cl->priv = v;
	return cu_conv_setup(v, c, l, l->in, l->out, l->filters, l->in.c, 1, work_bytes);
}

static int
conv_forward(cu_layer *cl, cu_ctx *c, const nn_run *run, const float *x, float *y)
{
	nn_layer *l = cl->l;
	struct cu_conv *v = cl->priv;

	if (cu_conv_batch(v, c, run->n) != 0 || cu_conv_fwd(v, c, x, cl->w[0], y) != 0)
		return -1;
	CU_K(c, l, cuk_bias_act(c->stream, y, l->bias ? cl->w[1] : NULL, cu_count(run, l->out), l->out.c,
	                        (size_t)l->out.h * l->out.w, l->fuse_relu, l->fused_slope));
	return 0;
}

const struct cu_layer_ops cu_layer_conv2d = {
	.type = "conv2d",
	.setup = conv_setup,
	.release = cu_conv_layer_release,
	.forward = conv_forward,
	.backward = cu_conv_layer_backward,
};
