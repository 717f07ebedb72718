/* Losses at the network's output, fused with its final softmax or sigmoid: the gradient is
 * taken at the logits (the last layer's input), where it is exact and stable. */
#ifndef NN_LOSS_H
#define NN_LOSS_H

#include "nn.h"

enum nn_loss_kind { NN_LOSS_CE = 1, NN_LOSS_BCE, NN_LOSS_PIXEL };

typedef struct {
	int kind;
	int nclass;
	const float *weight;    /* per class, or NULL: every sample weighs 1 */
	float pos_weight;       /* NN_LOSS_PIXEL: the weight of positive pixels (PyTorch's pos_weight) */
	int dice;               /* NN_LOSS_PIXEL: add 1 - soft Dice over the batch */
	size_t pixels;          /* NN_LOSS_PIXEL: H * W of the output map */
} nn_loss;

/* Pixel counts at probability 0.5, for pixel accuracy, IoU and Dice. */
typedef struct { double tp, fp, fn, tn; } nn_pixels;

/* Picks the loss from the last layer: softmax over nclass units (cross-entropy), sigmoid
 * over 1 unit with 2 classes (binary cross-entropy, class 1 positive), or sigmoid over a
 * 1 x H x W map (per-pixel binary cross-entropy against masks: segmentation; nclass ignored). */
int nn_loss_setup(nn_loss *loss, const nn_net *net, int nclass, char *err, size_t errlen);
/*
 * For n samples with logits z (n x units), probabilities p (the network's output) and
 * labels: returns the weighted mean loss sum_i w_i l_i / sum_i w_i, and writes its gradient
 * with respect to z into dz (when not NULL).  *correct (when not NULL) counts samples whose
 * most probable class is their label.
 */
double nn_loss_eval(const nn_loss *loss, const float *z, const float *p, const int *label, int n,
                    float *dz, int *correct);
/*
 * Segmentation: per-pixel binary cross-entropy of logits z against masks (u8, one H x W
 * mask per sample; 128 or more is positive), positives weighted by pos_weight, averaged over
 * every pixel, plus 1 - the soft Dice coefficient of the batch with dice on; gradient into dz
 * when not NULL; pixel counts added to *px when not NULL.
 */
double nn_loss_eval_masks(const nn_loss *loss, const float *z, const float *p,
                          const unsigned char *const *mask, int n, float *dz, nn_pixels *px);
/* The predicted class of one output row (argmax; for a sigmoid, p >= 0.5). */
int nn_loss_predict(const nn_loss *loss, const float *p);

#endif
