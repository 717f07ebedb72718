/*
 * Training and evaluation passes over an nn_data set: batches assembled from
 * u8 images (normalised on the way), forward, loss, backward, optimiser step.
 *
 * Epoch e visits the training indices in the order of a Fisher-Yates shuffle
 * seeded with (seed, e), and dropout masks derive from (seed, step), so an
 * epoch's result depends only on the weights and optimiser state at its start:
 * a run resumed from a checkpoint continues exactly.
 */
#ifndef NN_TRAIN_H
#define NN_TRAIN_H

#include "nn.h"
#include "nn_data.h"
#include "nn_device.h"
#include "nn_dist.h"
#include "nn_loss.h"
#include "nn_norm.h"
#include "nn_optim.h"

typedef struct {
	nn_net *net;
	nn_loss loss;
	nn_optim opt;
	const nn_norm *norm;
	const nn_data *data;
	uint64_t seed;
	size_t *order;          /* scratch: the shuffled indices */
	int *label;             /* scratch: the batch's labels */
	size_t mask_off;        /* segmentation: where each sample's mask starts after its image */
	const unsigned char **mask;     /* scratch: the batch's masks */
	nn_pixels pixels;       /* segmentation: counts of the last epoch or evaluation */
	float *dz;              /* scratch: the loss gradient at the logits */
	/* Called after every training batch (for progress); may be NULL. */
	void (*progress)(void *ctx, size_t batch, size_t nbatch, double loss, double acc);
	void *ctx;
	/* Data parallelism (nn_dist.h): each rank trains on its share of every global batch and
	 * evaluates its share of the set; NULL: one process. */
	nn_dist_grad *dist;
	int sync_bn;            /* batch norm statistics of the global batch (--sync-bn) */
	/* Every rank trains on (and evaluates) a data set of its own (its shard), not the same one:
	 * its share of each batch from its own order. */
	int sharded, sharded_eval;
	/* Where a non-finite loss was met (epoch from 1, batch from 1). */
	size_t bad_batch;
	/* The GPU (nn_trainer_device): NULL, the CPU.  The device copy of the weights and the
	 * optimiser state is loaded from the host at the start of every epoch and evaluation and
	 * stored back at the end of every epoch, so the host's copy is current between them. */
	const nn_device *dev;
	nn_cuda_net *cuda;
	char err[320];          /* a device failure (nn_train_epoch -2) */
} nn_trainer;

void nn_trainer_init(nn_trainer *t, nn_net *net, const nn_data *data, const nn_norm *norm, size_t nmax);
void nn_trainer_free(nn_trainer *t);
/* Runs the trainer's passes on dev when it is a GPU (nothing to do for the CPU): 0, or -1 with
 * why in err (a layer without a CUDA implementation, no device memory) when dev was asked for
 * by --device cuda; chosen by auto, dev falls back to the CPU instead (nn_device_fallback). */
int nn_trainer_device(nn_trainer *t, nn_device *dev, char *err, size_t errlen);
/* The most device memory the passes used so far, bytes (0 on the CPU). */
size_t nn_trainer_device_peak(const nn_trainer *t);
/* Fills the network's input with images idx[0..n) of the data set. */
void nn_fill_batch(nn_net *net, const nn_norm *norm, const nn_data *data, const size_t *idx, int n);
/* One epoch over idx[0..n) (shuffled for epoch `epoch`): mean loss and accuracy (of pixels,
 * for segmentation, whose counts t->pixels holds).
 * Returns 0, -1 when the loss stopped being finite (t->bad_batch says where), or -2 when the
 * device failed (t->err says why). */
int nn_train_epoch(nn_trainer *t, const size_t *idx, size_t n, int epoch, float lr, double *loss,
                   double *acc);
/* Loss and accuracy over idx[0..n) without training (dropout off, running statistics).
 * On a device that fails, the loss is NaN and t->err says why. */
void nn_evaluate(nn_trainer *t, const size_t *idx, size_t n, double *loss, double *acc);

#endif
