/* Optimisers over a network's parameters: SGD with momentum and Adam, as PyTorch defines them,
 * plus L2 regularisation as Keras defines it (l2 * sum w^2 added to the loss, so 2 * l2 * w
 * to the gradient) on weights, not on biases or normalisation parameters. */
#ifndef NN_OPTIM_H
#define NN_OPTIM_H

#include "nn.h"

enum nn_optim_kind { NN_SGD = 1, NN_ADAM };

typedef struct {
	int kind;
	float momentum;         /* SGD */
	float beta1, beta2, eps;        /* Adam */
	float l2;               /* for parameters whose layer sets no l2= of its own */
	long long t;            /* steps taken */
	float **m, **v;         /* per parameter: SGD velocity in m; Adam moments; NULL: frozen */
	int nparams;
} nn_optim;

/* Frozen parameters (nn_freeze) get no state and no step; each step is lr * p->lr_scale. */
void nn_optim_init(nn_optim *o, const nn_net *net, int kind, float momentum, float l2);
void nn_optim_free(nn_optim *o);
void nn_optim_step(nn_optim *o, nn_net *net, float lr);

#endif
