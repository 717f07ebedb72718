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
	if (t->cuda)
		t->dev->api->close(t->cuda);
	t->cuda = NULL;
	free(t->order);
	free(t->label);
	free(t->mask);
	free(t->dz);
	t->order = NULL;
	t->label = NULL;
	t->mask = NULL;
	t->dz = NULL;
}

int
nn_trainer_device(nn_trainer *t, nn_device *dev, char *err, size_t errlen)
{
	if (!dev || dev->kind != NN_DEV_CUDA)
		return 0;
	if (t->dist)
		return errorf(err, errlen, "the GPU does not train under mpirun yet");
	t->cuda = dev->api->open(t->net, dev->index, dev->precision, err, errlen);
	if (!t->cuda)
		return nn_device_fallback(dev, err);
	t->dev = dev;
	return 0;
}

size_t
nn_trainer_device_peak(const nn_trainer *t)
{
	return t->cuda ? t->dev->api->peak(t->cuda) : 0;
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

/* Rank r's share of a batch of m: samples [*lo, *lo + return value); the first ranks get the
 * larger shares (rank 0 has one as long as m > 0). */
static int
share(int m, int *lo)
{
	long long r = nn_dist_rank(), n = nn_dist_size();

	*lo = (int)((m * r + n - 1) / n);
	return (int)((m * (r + 1) + n - 1) / n) - *lo;
}

/* A rank without a share of a batch (m < ranks) still takes part in every synchronised batch
 * norm's sums, forward in layer order and backward in reverse, with zeros. */
static void
sync_bn_idle(nn_net *net)
{
	for (int pass = 0; pass < 2; pass++)
		for (int j = 0; j < net->nlayer; j++) {
			int i = pass ? net->nlayer - 1 - j : j;
			const nn_layer *l = &net->layer[i];
			if (strcmp(l->ops->type, "batchnorm") != 0 || (pass && i > net->nlayer - 2))
				continue;
			double *zero = xcalloc(2 * (size_t)l->in.c, sizeof *zero);
			nn_dist_sum_bn(zero, 2 * l->in.c);
			free(zero);
		}
}

static void
sum_pixels(nn_pixels *p)
{
	double v[4] = { p->tp, p->fp, p->fn, p->tn };

	nn_dist_sum(v, 4);
	p->tp = v[0];
	p->fp = v[1];
	p->fn = v[2];
	p->tn = v[3];
}

/* One step on this rank's share mine[0..k) of a global batch of m, samples lo.. of it.  With
 * several ranks the loss and the gradient are summed over them (the gradient scaled by each
 * share, so that the sum is the whole batch's mean); the step is taken only when the whole
 * batch's loss is finite. */
/* A step on the GPU: the batch assembled on the host, forward there, the loss on the host,
 * backward and the update there.  -1: the loss is not finite; -2: the device failed. */
static int
train_step_cuda(nn_trainer *t, const size_t *mine, int k, uint64_t step, float lr, double *lsum, double *correct)
{
	nn_net *net = t->net;
	const struct nn_cuda_api *api = t->dev->api;
	nn_run run = { .n = k, .train = 1, .seed = t->seed, .step = step };

	nn_fill_batch(net, t->norm, t->data, mine, k);
	if (api->forward(t->cuda, &run, t->err, sizeof t->err) != 0)
		return -2;
	double l = batch_loss(t, mine, k, t->dz, correct);
	*lsum = l * k;
	if (!isfinite(l))
		return -1;
	if (api->backward(t->cuda, &run, net->nlayer - 2, t->dz, t->err, sizeof t->err) != 0 ||
	    api->step(t->cuda, &t->opt, lr, t->err, sizeof t->err) != 0)
		return -2;
	return 0;
}

static int
train_step(nn_trainer *t, const size_t *mine, int k, int lo, int m, uint64_t step, float lr, double *lsum,
           double *correct)
{
	nn_net *net = t->net;
	nn_run run = { .n = k, .train = 1, .seed = t->seed, .step = step, .sample0 = (uint64_t)lo };
	nn_dist_sums s = { .n = 2 };
	double l = 0;

	if (t->dist && t->sync_bn) {
		run.sync = nn_dist_sum_bn;
		run.ntotal = m;
		if (k == 0)
			sync_bn_idle(net);
	}

	*correct = 0;
	if (k > 0) {
		nn_fill_batch(net, t->norm, t->data, mine, k);
		nn_forward(net, &run);
		l = batch_loss(t, mine, k, t->dz, correct);
	}
	s.v[0] = l * k;
	s.v[1] = *correct;
	if (!t->dist) {
		if (!isfinite(l))
			return -1;
	} else {
		nn_dist_sum_start(&s);  /* waited for after backward */
	}
	nn_zero_grad(net);
	if (t->dist)
		nn_dist_grad_begin(t->dist, (float)k / (float)m);
	if (k > 0)      /* with several ranks also after a bad loss: the sums need every rank */
		nn_backward(net, &run, net->nlayer - 2, t->dz);
	if (t->dist) {
		nn_dist_grad_end(t->dist);
		nn_dist_sum_wait(&s);
	}
	*lsum = s.v[0];
	*correct = s.v[1];
	if (!isfinite(*lsum))
		return -1;
	nn_optim_step(&t->opt, net, lr);
	return 0;
}

int
nn_train_epoch(nn_trainer *t, const size_t *idx, size_t n, int epoch, float lr, double *loss,
               double *acc)
{
	int B = t->net->batch, lo, k = share(B, &lo);
	size_t nbatch = (n + (size_t)B - 1) / (size_t)B, seen;
	double sum = 0, right = 0;
	rng r;

	if (t->sharded) {
		/* every rank its own shard, its share of each batch from it, as many full batches
		 * as the smallest shard holds (the rest waits for another epoch's order) */
		double most = -(double)(n / (size_t)(k ? k : 1));
		nn_dist_max(&most, 1);
		nbatch = (size_t)-most;
	}
	memset(&t->pixels, 0, sizeof t->pixels);
	if (t->cuda && t->dev->api->load(t->cuda, &t->opt, t->err, sizeof t->err) != 0)
		return -2;
	memcpy(t->order, idx, n * sizeof *idx);
	rng_seed(&r, epoch_seed(t->seed + (t->sharded ? (uint64_t)nn_dist_rank() * 0x632be59bd9b4e019ull : 0), epoch));
	for (size_t i = n; i > 1; i--) {
		size_t j = rng_below(&r, i);
		size_t tmp = t->order[i - 1];
		t->order[i - 1] = t->order[j];
		t->order[j] = tmp;
	}
	for (size_t b = 0; b < nbatch; b++) {
		int m = (int)(b + 1 < nbatch || t->sharded ? (size_t)B : n - b * (size_t)B), mk = k, mlo = lo;
		const size_t *mine = t->order + b * (size_t)k;
		double l, correct;

		if (!t->sharded) {
			mk = share(m, &mlo);
			mine = t->order + b * (size_t)B + mlo;
		}
		int rc = t->cuda ? train_step_cuda(t, mine, mk, (uint64_t)epoch * nbatch + b, lr, &l, &correct)
		                 : train_step(t, mine, mk, mlo, m, (uint64_t)epoch * nbatch + b, lr, &l, &correct);
		if (rc != 0) {
			t->bad_batch = b + 1;
			return rc;
		}
		sum += l;
		right += correct;
		if (t->progress)
			t->progress(t->ctx, b + 1, nbatch, sum / ((double)b * B + m), right / ((double)b * B + m));
	}
	if (t->dist)
		sum_pixels(&t->pixels);
	if (t->cuda && t->dev->api->store(t->cuda, &t->opt, t->err, sizeof t->err) != 0)
		return -2;
	seen = t->sharded ? nbatch * (size_t)B : n;
	*loss = seen ? sum / (double)seen : 0;
	*acc = seen ? right / (double)seen : 0;
	return 0;
}

/* With several ranks, each evaluates its share of idx with rank 0's batch statistics, and the
 * sums are reduced: every rank gets the same numbers. */
void
nn_evaluate(nn_trainer *t, const size_t *idx, size_t n, double *loss, double *acc)
{
	nn_net *net = t->net;
	int B = net->batch;
	double v[3] = { 0, 0, (double)n };
	size_t lo = 0, hi = n;

	memset(&t->pixels, 0, sizeof t->pixels);
	if (t->cuda && t->dev->api->load(t->cuda, NULL, t->err, sizeof t->err) != 0) {
		*loss = *acc = NAN;
		return;
	}
	if (t->dist && t->sharded_eval) {
		nn_dist_bcast_net(net);
	} else if (t->dist) {
		nn_dist_bcast_net(net);
		lo = n * (size_t)nn_dist_rank() / (size_t)nn_dist_size();
		hi = n * (size_t)(nn_dist_rank() + 1) / (size_t)nn_dist_size();
	}
	for (size_t b = lo; b < hi; b += (size_t)B) {
		int m = (int)(hi - b < (size_t)B ? hi - b : (size_t)B);
		nn_run run = { .n = m, .train = 0 };
		double correct;
		nn_fill_batch(net, t->norm, t->data, idx + b, m);
		if (!t->cuda) {
			nn_forward(net, &run);
		} else if (t->dev->api->forward(t->cuda, &run, t->err, sizeof t->err) != 0) {
			*loss = *acc = NAN;
			return;
		}
		v[0] += batch_loss(t, idx + b, m, NULL, &correct) * m;
		v[1] += correct;
	}
	if (t->dist) {
		nn_dist_sum(v, 2);
		sum_pixels(&t->pixels);
		if (t->sharded_eval)    /* each rank its own set: n of them all */
			nn_dist_sum(v + 2, 1);
	}
	*loss = v[2] ? v[0] / v[2] : 0;
	*acc = v[2] ? v[1] / v[2] : 0;
}
