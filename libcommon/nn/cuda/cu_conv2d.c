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

static void
conv_release(cu_layer *cl, cu_ctx *c)
{
	(void)c;
	if (cl->priv)
		cu_conv_release(cl->priv);
	free(cl->priv);
	cl->priv = NULL;
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

static int
conv_backward(cu_layer *cl, cu_ctx *c, const nn_run *run, const float *x, const float *y, const float *dy,
              float *dx)
{
	nn_layer *l = cl->l;
	struct cu_conv *v = cl->priv;
	float one = 1;

	(void)y;
	if (cu_conv_batch(v, c, run->n) != 0 || cu_conv_bwd_filter(v, c, x, dy, cl->g[0]) != 0)
		return -1;
	if (l->bias)
		CU_DNN(c, cudnnConvolutionBackwardBias(c->dnn, &one, v->y, dy, &one, v->bias, cl->g[1]));
	if (dx && cu_conv_bwd_data(v, c, dy, cl->w[0], dx) != 0)
		return -1;
	return 0;
}

const struct cu_layer_ops cu_layer_conv2d = {
	.type = "conv2d",
	.setup = conv_setup,
	.release = conv_release,
	.forward = conv_forward,
	.backward = conv_backward,
};
