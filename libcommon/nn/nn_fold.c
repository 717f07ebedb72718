/*
 * Folding for inference (nn_fold.h).  A batchnorm in inference computes, per channel f,
 *     y = gamma_f (z - mean_f) / sqrt(var_f + eps) + beta_f
 * of the previous layer's output z = W_f x + b_f, so with a_f = gamma_f / sqrt(var_f + eps)
 *     y = (a_f W_f) x + (a_f (b_f - mean_f) + beta_f):
 * the layer's weights of output channel f scaled by a_f and a new bias (one is added where the
 * layer had none).  The batchnorm's output then is the layer's own: every activation that was
 * the batchnorm's buffer becomes the layer's, so an activation run in place after it (relu)
 * follows, and that activation is fused into the layer's bias pass when the layer computes it
 * (fuse_relu, fused_slope and fused_max).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/nn_fold.h"

static int
is_type(const nn_layer *l, const char *type)
{
	return strcmp(l->ops->type, type) == 0;
}

/* Layers whose weights hold output channel f's values in one run, param[0].w[f * n / C ..]. */
static int
foldable_producer(const nn_layer *l)
{
	return is_type(l, "conv2d") || is_type(l, "depthwise2d") || is_type(l, "dense");
}

/* Layer i (a batchnorm) reads only layer i - 1's output, which nothing else reads. */
static int
bn_follows(const nn_net *net, int i)
{
	const nn_layer *l = &net->layer[i];

	if (i < 1 || !is_type(l, "batchnorm") || l->nin != 1 || l->src[0] != i)
		return 0;
	const nn_layer *p = &net->layer[i - 1];
	return foldable_producer(p) && !p->fuse_relu && !p->absorbed && net->ncons[i] == 1 &&
	       p->out.c == l->in.c && net->view[i + 1] != net->view[i];
}

/* The batchnorm's running statistics into the previous layer's weights and bias. */
static void
fold_weights(nn_net *net, nn_layer *p, const nn_layer *bn)
{
	int C = bn->in.c;
	size_t per = p->param[0].n / (size_t)C;
	const float *gamma = bn->param[0].w, *beta = bn->param[1].w, *mean = bn->state, *var = bn->state + C;

	if (!p->bias) {
		/* a bias of its own, outside the parameter list (nothing saves or trains it) */
		p->param[1].w = nn_alloc(net, (size_t)C * sizeof(float));
		p->param[1].n = (size_t)C;
		p->bias = 1;
	}
	for (int f = 0; f < C; f++) {
		double a = (double)gamma[f] / sqrt((double)var[f] + bn->eps);
		float *w = p->param[0].w + (size_t)f * per;
		for (size_t k = 0; k < per; k++)
			w[k] = (float)(a * w[k]);
		p->param[1].w[f] = (float)(a * ((double)p->param[1].w[f] - mean[f]) + beta[f]);
	}
}

/* Activation `from` (and every view of it) becomes a view of activation `to`: by the buffer
 * plan (net->view), not by pointer, since the training plan gives activations that are never
 * live together the same memory. */
static void
alias(nn_net *net, int from, int to)
{
	int root = net->view[to];

	for (int a = 0; a <= net->nlayer; a++)
		if (net->view[a] == from) {
			net->view[a] = root;
			net->act[a] = net->act[root];
		}
}

/* Layer j, a relu, leakyrelu or relu6 run in place on the output of layer p (directly, or
 * through a batchnorm p absorbed), goes into p's bias pass. */
static int
fuse_activation(nn_net *net, nn_layer *p, int j)
{
	nn_layer *a = &net->layer[j];

	if (j >= net->nlayer || a->absorbed || p->fuse_relu || a->nin != 1 || a->src[0] != j ||
	    net->view[j + 1] != net->view[j] || net->ncons[j] != 1 ||
	    !(is_type(a, "relu") || is_type(a, "leakyrelu") || is_type(a, "relu6")))
		return 0;
	p->fuse_relu = 1;
	p->fused_slope = is_type(a, "relu6") ? 0 : a->slope;
	p->fused_max = is_type(a, "relu6") ? a->slope : 0;
	a->absorbed = 1;
	return 1;
}

int
nn_fold_for_inference(nn_net *net)
{
	const char *env = getenv("NN_FOLD");
	int n = 0;

	if (env && strcmp(env, "0") == 0)
		return 0;
	for (int i = 1; i < net->nlayer; i++) {
		nn_layer *p = &net->layer[i - 1];
		if (bn_follows(net, i)) {
			fold_weights(net, p, &net->layer[i]);
			alias(net, i + 1, i);
			net->layer[i].absorbed = 1;
			n += 1 + fuse_activation(net, p, i + 1);
			i++;
		} else if (foldable_producer(p) && !p->absorbed) {
			n += fuse_activation(net, p, i);
		}
	}
	return n;
}
