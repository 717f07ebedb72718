/*
 * features KEY...: scalar inputs read from each record's metadata, standardised with the
 * training set's mean and standard deviation (kept as the layer's state, saved in the model).
 * It reads no activation: its output, Kx1x1, joins the image branch through concat.
 */
#include <string.h>

#include "nn/nn.h"

static int
features_parse(nn_layer *l, nn_args *a, char *err, size_t errlen)
{
	nn_net *net = l->net;
	int k = 0;

	if (net->feat_key) {
		snprintf(err, errlen, "features: a network has one features layer");
		return -1;
	}
	for (int i = 0; i < a->n; i++)
		if (!a->key[i])
			k++;
	if (k == 0) {
		snprintf(err, errlen, "features wants the metadata keys it reads");
		return -1;
	}
	net->feat_key = nn_alloc(net, (size_t)k * sizeof *net->feat_key);
	for (int i = 0; i < a->n; i++) {
		if (a->key[i])
			continue;
		size_t n = strlen(a->val[i]) + 1;
		for (int j = 0; j < net->nfeat; j++)
			if (strcmp(net->feat_key[j], a->val[i]) == 0) {
				snprintf(err, errlen, "features: '%s' is named twice", a->val[i]);
				return -1;
			}
		net->feat_key[net->nfeat] = memcpy(nn_alloc(net, n), a->val[i], n);
		net->nfeat++;
		a->used |= 1u << i;
	}
	return 0;
}

static int
features_setup(nn_layer *l, nn_net *net, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	l->out = (nn_shape){ net->nfeat, 1, 1 };
	l->nstate = 2 * (size_t)net->nfeat;     /* mean, then standard deviation */
	l->state = nn_alloc(net, l->nstate * sizeof(float));
	net->feat = nn_alloc(net, (size_t)net->batch * net->nfeat * sizeof(float));
	return 0;
}

static void
features_init(nn_layer *l, rng *r)
{
	int k = l->out.c;

	(void)r;
	for (int i = 0; i < k; i++) {
		l->state[i] = 0;
		l->state[k + i] = 1;
	}
}

static void
features_forward(nn_layer *l, const nn_run *run, const float *x, float *y)
{
	const float *raw = l->net->feat;
	int k = l->out.c;

	(void)x;
	for (int n = 0; n < run->n; n++)
		for (int i = 0; i < k; i++) {
			float sd = l->state[k + i] > 0 ? l->state[k + i] : 1;
			y[n * k + i] = (raw[n * k + i] - l->state[i]) / sd;
		}
}

static void
features_backward(nn_layer *l, const nn_run *run, const float *x, const float *y, const float *dy, float *dx)
{
	(void)l, (void)run, (void)x, (void)y, (void)dy, (void)dx;    /* no parameters, no input */
}

const struct nn_layer_ops nn_layer_features = {
	.type = "features",
	.source = 1,
	.parse = features_parse,
	.setup = features_setup,
	.init = features_init,
	.forward = features_forward,
	.backward = features_backward,
};
