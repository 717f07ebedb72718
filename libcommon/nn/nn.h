/*
 * nn: the convolutional network engine.
 *
 * A network is an array of layers built from an architecture text
 * (man/cnnmodel.5); each layer's output feeds the next.  Activations are
 * float32, one sample after the other, each sample channels x height x width
 * (NCHW).  Shapes are inferred and checked once, when the network is built;
 * every buffer is allocated then, for at most `batch` samples, so forward and
 * backward passes allocate nothing.
 *
 * A layer type is one file (libcommon/nn/layers/layer_*.c) that fills a struct
 * nn_layer_ops and is listed in nn_layer_types (nn_layers.c).
 */
#ifndef NN_H
#define NN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "nn_pool.h"
#include "util/rng.h"

#define NN_MAX_LAYERS 512
#define NN_MAX_PARAMS 4
#define NN_MAX_ARGS 16
#define NN_NAME_MAX 48
#define NN_MAX_INPUTS 8

typedef struct { int c, h, w; } nn_shape;           /* one sample */
static inline size_t nn_shape_size(nn_shape s) { return (size_t)s.c * s.h * s.w; }

/* A trainable tensor: values, gradient (accumulated by backward), shape. */
typedef struct {
	char name[NN_NAME_MAX + 16];    /* "LAYER.weight" */
	float *w, *g;
	size_t n;
	int ndim;
	int dims[4];
	int decay;              /* L2 applies (weights, not biases or norm scales) */
	float l2;               /* the layer's own l2= factor; < 0: the training default */
	int frozen;             /* fine-tuning: no gradient, no optimiser state, not updated */
	float lr_scale;         /* the optimiser's rate times this (1; --lr-backbone once thawed) */
} nn_param;

/* One `key=value` (or positional) argument on an architecture line. */
typedef struct {
	int n;
	const char *key[NN_MAX_ARGS];   /* NULL for a positional argument */
	const char *val[NN_MAX_ARGS];
	unsigned used;                  /* bit i: argument i was consumed */
} nn_args;

/* The state of one pass, shared by every layer. */
typedef struct {
	int n;                  /* samples in this batch (<= the network's batch) */
	int train;              /* dropout and batch statistics on */
	nn_pool *pool;
	uint64_t seed;          /* with step and the layer index: dropout masks */
	uint64_t step;
	uint64_t sample0;       /* the first sample's place in the global batch (data parallelism) */
	/* Synchronised batch norm (data parallelism): sums batch statistics over the ranks in
	 * place; ntotal samples in the global batch, of which this pass holds the share n / ntotal.
	 * NULL: statistics of this pass's n samples. */
	void (*sync)(double *v, int n);
	int ntotal;
} nn_run;

typedef struct nn_layer nn_layer;
typedef struct nn_net nn_net;

struct nn_layer_ops {
	const char *type;
	/* Reads the layer's arguments (nn_arg_* below). */
	int (*parse)(nn_layer *l, nn_args *a, char *err, size_t errlen);
	/* Shape inference and checks; declares parameters and allocates scratch (nn_alloc). */
	int (*setup)(nn_layer *l, nn_net *net, char *err, size_t errlen);
	/* Fills fresh parameters (called after setup, unless weights are loaded). */
	void (*init)(nn_layer *l, rng *r);
	void (*forward)(nn_layer *l, const nn_run *run, const float *x, float *y);
	/* Adds parameter gradients; writes dx (of the input) unless dx is NULL. */
	void (*backward)(nn_layer *l, const nn_run *run, const float *x, const float *y,
	                 const float *dy, float *dx);
	/* Element-wise with y == x allowed, and a backward that needs only the sign of x
	 * (which y keeps) or nothing of it: the network may run the layer in place. */
	int inplace;
	/* backward reads y: the next layer must not overwrite it in place. */
	int needs_output;
	/* Layers that join branches (concat, add): their positional arguments name their inputs,
	 * and these replace forward and backward.  dx[k] may be NULL (no gradient wanted). */
	int multi;
	/* Reads no activation (features: record metadata); its input is nominally the network's. */
	int source;
	void (*forward_multi)(nn_layer *l, const nn_run *run, const float *const *x, float *y);
	void (*backward_multi)(nn_layer *l, const nn_run *run, const float *const *x, const float *y,
	                       const float *dy, float *const *dx);
};

struct nn_layer {
	const struct nn_layer_ops *ops;
	nn_net *net;            /* the network it belongs to */
	char name[NN_NAME_MAX];
	int index, line;
	nn_shape in, out;       /* in: the first input's shape */
	int nin;                /* inputs: 1, or several for a multi layer */
	int src[NN_MAX_INPUTS]; /* the activations read: 0 the network input, j + 1 layer j's output */
	nn_shape ins[NN_MAX_INPUTS];
	int batch;              /* largest batch */
	nn_param param[NN_MAX_PARAMS];
	int nparam;
	float *state;           /* saved but not trained (batch norm running statistics) */
	size_t nstate;
	/* Arguments, as each type reads them. */
	int filters, kh, kw, sh, sw, ph, pw, units, bias;
	float rate, slope, l2, momentum, eps;
	void *priv;             /* scratch of the layer's own, from nn_alloc */
	/* A relu or leakyrelu in place right after a conv2d or dense is computed by that layer's
	 * bias pass (fuse_relu, with fused_slope), and its own forward does nothing (absorbed).
	 * nn_fold_for_inference (nn_fold.h) also absorbs batchnorms and relu6 (fused_max: the clamp
	 * above, 0 for none); nn_forward skips absorbed layers. */
	int fuse_relu, absorbed;
	float fused_slope, fused_max;
	/* Fine-tuning (nn_freeze): frozen, no gradient reaches the layer's parameters; infer,
	 * batch normalisation uses its running statistics and leaves them alone even in training. */
	int frozen, infer;
};

struct nn_net {
	nn_layer layer[NN_MAX_LAYERS];
	int nlayer;
	nn_shape input;
	int batch, nthreads;
	int nfrozen;            /* layers [0, nfrozen) are frozen; backward stops there */
	char *arch;             /* the architecture text, kept for the model file */
	char normalize[32];     /* the input line's normalize= default, or "" */
	float **act;            /* act[0] the input, act[i + 1] layer i's output */
	float **gbuf;           /* gbuf[a]: where the gradient of act[a] gathers */
	int *ncons;             /* ncons[a]: inputs of layers that read act[a] */
	int *view;              /* view[a]: the first activation whose buffer act[a] is by plan
	                         * (a layer run in place, flatten), a itself if none */
	unsigned char *fresh;   /* during backward: act[a] has no gradient yet */
	/* sbuf[i * NN_MAX_INPUTS + k]: layer i's gradient of input k when it is to be added to
	 * one gathered already (inputs read more than once), else NULL */
	float **sbuf;
	size_t train_bytes;     /* what the planned activation and gradient buffers take */
	char *train_base;       /* where they are: one allocation of train_bytes */
	/* Scratch that layers use only within one forward or backward call (nn_scratch): one
	 * region for the network, as large as the largest layer's, placed once setup is done. */
	struct nn_scratch_req *sreq;
	int nsreq, capsreq, setup_layer;
	size_t scratch_bytes;
	size_t maxact;
	nn_param **params;
	int nparams;
	size_t nweights;
	struct nn_chunk *arena;
	nn_pool *pool;
	/* Extra inputs: the metadata keys a features layer reads, and the batch's raw values. */
	int nfeat;
	const char **feat_key;
	float *feat;            /* batch x nfeat */
	/* Called by nn_backward after each layer's backward, when that layer's parameter gradients
	 * are final (data parallelism starts their allreduce then, nn_dist.h); NULL: none. */
	void (*grad_hook)(void *ctx, int layer);
	void *grad_ctx;
};

/* Parses and builds the network for batches of up to `batch` samples, run on
 * `nthreads` threads.  NULL with "NAME: line N: what" in err. */
nn_net *nn_build(const char *arch, const char *name, int batch, int nthreads, char *err, size_t errlen);
void nn_free(nn_net *net);                  /* NULL-safe */
/* For inference only (nn_backward must not follow): layer outputs share buffers once nothing
 * reads them any more, which bounds memory by the widest point of the network. */
void nn_share_activations(nn_net *net);
void nn_init_params(nn_net *net, uint64_t seed);
/* Allocation that lives as long as the network (zeroed; aborts when out of memory). */
void *nn_alloc(nn_net *net, size_t bytes);
/* For a layer's setup: *dst gets `bytes` (64-byte aligned) of scratch that the layer may use only
 * during one call of its own forward or backward, and must write before it reads: every layer's
 * scratch is one region (the layer's requests side by side), so the next layer overwrites it.
 * *dst is set when nn_build has set up every layer; NN_NO_SHARE=1: a region of its own each. */
void nn_scratch(nn_net *net, void *dst, size_t bytes);

/* Input in act[0] (n samples); returns the last layer's output.  Buffers are shared by when
 * they are live in a training step (nn_net.c): after the pass, act[nlayer - 1] and act[nlayer]
 * hold their values, and each other act[a] only if a backward pass reads it. */
float *nn_forward(nn_net *net, const nn_run *run);
/* From the gradient of the loss at layer `from`'s output (layers from+1.. skipped), back to
 * the first layer; parameter gradients accumulate (nn_zero_grad clears them). */
void nn_backward(nn_net *net, const nn_run *run, int from, const float *dy);
void nn_zero_grad(nn_net *net);
/* Fine-tuning, as Keras' trainable=False: layers [0, n) get no gradient and no update, and their
 * batch normalisations run in inference mode.  nn_unfreeze makes every layer trainable again, the
 * formerly frozen parameters with their rate scaled by lr_scale; their batch normalisations stay
 * in inference mode (as Keras' transfer-learning guide keeps them). */
void nn_freeze(nn_net *net, int n);
void nn_unfreeze(nn_net *net, float lr_scale);
float *nn_input(nn_net *net);               /* where the batch goes: batch x input samples */
/* Where sample i's nfeat raw feature values go (NULL when the network reads none). */
static inline float *nn_feature_input(nn_net *net, int i) { return net->feat ? net->feat + (size_t)i * net->nfeat : NULL; }
nn_shape nn_output_shape(const nn_net *net);
const nn_layer *nn_last(const nn_net *net);
nn_param *nn_find_param(nn_net *net, const char *name);

/* Reading a layer's arguments in parse(). */
int nn_arg_int(nn_args *a, const char *key, int pos, int def, int min, int max, int *out,
               char *err, size_t errlen);
int nn_arg_float(nn_args *a, const char *key, int pos, float def, float min, float max, float *out,
                 char *err, size_t errlen);
/* "K" or "KxL" */
int nn_arg_pair(nn_args *a, const char *key, int pos, int def, int min, int max, int *h, int *w,
                char *err, size_t errlen);
const char *nn_arg_str(nn_args *a, const char *key, int pos);

const struct nn_layer_ops *nn_layer_type(const char *type);

/* Declares a parameter of the layer (values and gradient from the arena). */
nn_param *nn_add_param(nn_layer *l, nn_net *net, const char *what, int ndim, const int *dims, int decay);
/* Glorot (Xavier) uniform, as Keras initialises kernels. */
void nn_glorot(nn_param *p, int fan_in, int fan_out, rng *r);

/* The layer table (Keras' model.summary): output shapes and parameter counts. */
void nn_summary(const nn_net *net, FILE *f);
/* Floating-point operations of one image's forward pass in convolutions (plain, transposed,
 * depthwise) and dense layers (2 per multiply-add); training costs about three times as much. */
double nn_forward_flops(const nn_net *net);

#endif
