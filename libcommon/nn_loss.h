/* Losses at the network's output, fused with its final softmax or sigmoid: the gradient is
 * taken at the logits (the last layer's input), where it is exact and stable. */
#ifndef NN_LOSS_H
#define NN_LOSS_H

#include "nn.h"

enum nn_loss_kind { NN_LOSS_CE = 1, NN_LOSS_BCE };

typedef struct {
	int kind;
	int nclass;
	const float *weight;    /* per class, or NULL: every sample weighs 1 */
} nn_loss;

/* Picks the loss from the last layer: softmax over nclass units (cross-entropy) or sigmoid
 * over 1 unit with 2 classes (binary cross-entropy, class 1 positive). */
int nn_loss_setup(nn_loss *loss, const nn_net *net, int nclass, char *err, size_t errlen);
/*
 * For n samples with logits z (n x units), probabilities p (the network's output) and
 * labels: returns the weighted mean loss sum_i w_i l_i / sum_i w_i, and writes its gradient
 * with respect to z into dz (when not NULL).  *correct (when not NULL) counts samples whose
 * most probable class is their label.
 */
double nn_loss_eval(const nn_loss *loss, const float *z, const float *p, const int *label, int n,
                    float *dz, int *correct);
/* The predicted class of one output row (argmax; for a sigmoid, p >= 0.5). */
int nn_loss_predict(const nn_loss *loss, const float *p);

#endif
