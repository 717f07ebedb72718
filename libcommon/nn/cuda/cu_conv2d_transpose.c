/* conv2d_transpose on the GPU: the adjoint of the convolution from the layer's output back to
 * its input (weights in.c x filters x kh x kw, as the host's): forward is that convolution's
 * backward-data, backward its forward (dx) and backward-filter (x and dy swapped). */
#include <stdlib.h>

#include "nn/cuda/cu_util.h"

static int
tconv_setup(cu_layer *cl, cu_ctx *c, size_t *work_bytes)
{
	nn_layer *l = cl->l;
	struct cu_conv *v;

	if (cu_check_precision(cl, c) != 0)
		return -1;
	if (!(v = calloc(1, sizeof *v)))
		return CU_ERR(c, "%s: out of memory", l->name);
	cl->priv = v;
	/* the convolution's input is the layer's output (filters channels), its output the input */
	return cu_conv_setup(v, c, l, l->out, l->in, l->in.c, l->filters, 1, work_bytes);
}

static int
tconv_forward(cu_layer *cl, cu_ctx *c, const nn_run *run, const float *x, float *y)
{
	nn_layer *l = cl->l;
	struct cu_conv *v = cl->priv;

	if (cu_conv_batch(v, c, run->n) != 0 || cu_conv_bwd_data(v, c, x, cl->w[0], y) != 0)
		return -1;
	if (l->bias)
		CU_K(c, l, cuk_bias_act(c->stream, y, cl->w[1], cu_count(run, l->out), l->out.c,
		                        (size_t)l->out.h * l->out.w, 0, 0));
	return 0;
}

static int
tconv_backward(cu_layer *cl, cu_ctx *c, const nn_run *run, const float *x, const float *y, const float *dy,
               float *dx)
{
	nn_layer *l = cl->l;
	struct cu_conv *v = cl->priv;
	float one = 1;

	(void)y;
	/* the convolution's "input" is dy (layer output shape), its "output gradient" x */
	if (cu_conv_batch(v, c, run->n) != 0 || cu_conv_bwd_filter(v, c, dy, x, cl->g[0]) != 0)
		return -1;
	if (l->bias)
		CU_DNN(c, cudnnConvolutionBackwardBias(c->dnn, &one, v->x, dy, &one, v->bias, cl->g[1]));
	if (dx && cu_conv_fwd(v, c, dy, cl->w[0], dx) != 0)
		return -1;
	return 0;
}

const struct cu_layer_ops cu_layer_conv2d_transpose = {
	.type = "conv2d_transpose",
	.setup = tconv_setup,
	.release = cu_conv_layer_release,
	.forward = tconv_forward,
	.backward = tconv_backward,
};
