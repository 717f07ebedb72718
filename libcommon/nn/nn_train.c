/* Epochs and evaluation. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn_train.h"
#include "util/rng.h"
#include "util/util.h"

void
nn_trainer_init(nn_trainer *t, nn_net *net, const nn_data *data, const nn_norm *norm, size_t nmax)
{
	nn_shape out = nn_output_shape(net);

	t->net = net;
	t->data = data;
	t->norm = norm;
	t->order = xcalloc(nmax ? nmax : 1, sizeof *t->order);
	t->label = xcalloc((size_t)net->batch, sizeof *t->label);
	t->mask = xcalloc((size_t)net->batch, sizeof *t->mask);
	t->dz = xcalloc((size_t)net->batch * nn_shape_size(out), sizeof *t->dz);
}

void
nn_trainer_free(nn_trainer *t)
{
	free(t->order);
	free(t->label);
	free(t->mask);
	free(t->dz);
	t->order = NULL;
	t->label = NULL;
	t->mask = NULL;
	t->dz = NULL;
}

struct fill { nn_net *net; const nn_norm *norm; const nn_data *data; const size_t *idx; };

static void
fill_part(void *ctx, size_t b, size_t e, int th)
{
	struct fill *f = ctx;
	nn_shape s = f->net->input;
	size_t size = nn_shape_size(s);

	(void)th;
	for (size_t i = b; i < e; i++) {
		const unsigned char *px = nn_data_image(f->data, f->idx[i]);
		nn_norm_apply(f->norm, px, s.h, s.w, s.c, nn_input(f->net) + i * size);
		if (f->net->nfeat)
			memcpy(nn_feature_input(f->net, (int)i), px + f->data->feat_off,
			       (size_t)f->net->nfeat * sizeof(float));
	}
}

void
nn_fill_batch(nn_net *net, const nn_norm *norm, const nn_data *data, const size_t *idx, int n)
{
	struct fill f = { net, norm, data, idx };
	nn_pool_for(net->pool, (size_t)n, fill_part, &f);
}

static uint64_t
epoch_seed(uint64_t seed, int epoch)
{
	return seed * 0x9e3779b97f4a7c15ull + (uint64_t)epoch * 0xbf58476d1ce4e5b9ull + 1;
}

/* The loss of a batch already through the network; correct counts right samples or pixels. */
static double
batch_loss(nn_trainer *t, const size_t *bi, int m, float *dz, double *correct)
{
	nn_net *net = t->net;
	int L = net->nlayer, right;

	if (t->loss.kind == NN_LOSS_PIXEL) {
		nn_pixels before = t->pixels;
		for (int i = 0; i < m; i++)
			t->mask[i] = nn_data_image(t->data, bi[i]) + t->mask_off;
		double l = nn_loss_eval_masks(&t->loss, net->act[L - 1], net->act[L], t->mask, m, dz, &t->pixels);
		*correct = (t->pixels.tp - before.tp + t->pixels.tn - before.tn) / (double)t->loss.pixels;
		return l;
	}
	for (int i = 0; i < m; i++)
		t->label[i] = t->data->label[bi[i]];
	double l = nn_loss_eval(&t->loss, net->act[L - 1], net->act[L], t->label, m, dz, &right);
	*correct = right;
	return l;
}

int
nn_train_epoch(nn_trainer *t, const size_t *idx, size_t n, int epoch, float lr, double *loss,
               double *acc)
{
	nn_net *net = t->net;
	int B = net->batch;
	size_t nbatch = (n + (size_t)B - 1) / (size_t)B;
	double sum = 0, right = 0;
	rng r;

	memset(&t->pixels, 0, sizeof t->pixels);
	memcpy(t->order, idx, n * sizeof *idx);
	rng_seed(&r, epoch_seed(t->seed, epoch));
	for (size_t i = n; i > 1; i--) {
		size_t j = rng_below(&r, i);
		size_t tmp = t->order[i - 1];
		t->order[i - 1] = t->order[j];
		t->order[j] = tmp;
	}
	for (size_t b = 0; b < nbatch; b++) {
		int m = (int)(b + 1 < nbatch ? (size_t)B : n - b * (size_t)B);
		const size_t *bi = t->order + b * (size_t)B;
		nn_run run = { .n = m, .train = 1, .seed = t->seed, .step = (uint64_t)epoch * nbatch + b };
		double correct;

		nn_fill_batch(net, t->norm, t->data, bi, m);
		nn_forward(net, &run);
		double l = batch_loss(t, bi, m, t->dz, &correct);
		if (!isfinite(l)) {
			t->bad_batch = b + 1;
			return -1;
		}
		nn_zero_grad(net);
		nn_backward(net, &run, net->nlayer - 2, t->dz);
		nn_optim_step(&t->opt, net, lr);
		sum += l * m;
		right += correct;
		if (t->progress)
			t->progress(t->ctx, b + 1, nbatch, sum / ((double)b * B + m), right / ((double)b * B + m));
	}
	*loss = n ? sum / (double)n : 0;
	*acc = n ? right / (double)n : 0;
	return 0;
}

void
nn_evaluate(nn_trainer *t, const size_t *idx, size_t n, double *loss, double *acc)
{
	nn_net *net = t->net;
	int B = net->batch;
	double sum = 0, right = 0;

	memset(&t->pixels, 0, sizeof t->pixels);
	for (size_t b = 0; b < n; b += (size_t)B) {
		int m = (int)(n - b < (size_t)B ? n - b : (size_t)B);
		nn_run run = { .n = m, .train = 0 };
		double correct;
		nn_fill_batch(net, t->norm, t->data, idx + b, m);
		nn_forward(net, &run);
		sum += batch_loss(t, idx + b, m, NULL, &correct) * m;
		right += correct;
	}
	*loss = n ? sum / (double)n : 0;
	*acc = n ? right / (double)n : 0;
}
