/*
 * The CUDA backend's layer interface (issue 23).  Built only into BUILD/lib/libnncuda.so
 * (CUDA=1), which the programs load at run time (nn_device.h); nothing in libcommon.a
 * includes this header.
 *
 * The device network mirrors the host one (nn.h): the same layers, shapes, arguments and
 * buffer plan.  Every host activation or gradient buffer has one device buffer of the same
 * size, so a layer the host runs in place (y == x, absorbed relus) runs in place on the
 * device too.  Activations are float32 NCHW, as on the host.
 *
 * Semantics are the host layer's (struct nn_layer_ops): forward writes y for run->n samples;
 * backward ADDS parameter gradients into g[] and WRITES dx (not adds) unless dx is NULL; the
 * network's driver gathers gradients of activations read more than once.  Every call is
 * asynchronous on c->stream and returns 0, or -1 with a message in c->err.
 */
#ifndef CU_LAYER_H
#define CU_LAYER_H

#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cudnn.h>

#include "nn/nn.h"

typedef struct {
	cudaStream_t stream;            /* compute */
	cudnnHandle_t dnn;
	cublasHandle_t blas;
	void *work;                     /* cuDNN workspace shared by every layer, work_bytes long */
	size_t work_bytes, work_limit;  /* work_limit: the most a layer's algorithm may ask for */
	int precision;                  /* NN_PREC_FP32, NN_PREC_TF32, NN_PREC_BF16 (nn_device.h) */
	char err[256];
} cu_ctx;

typedef struct {
	nn_layer *l;                    /* the host layer: type, arguments, shapes, fuse_relu... */
	float *w[NN_MAX_PARAMS];        /* device values of l->param[k] (same layout as the host) */
	float *g[NN_MAX_PARAMS];        /* device gradients of l->param[k] */
	float *state;                   /* device copy of l->state (l->nstate floats), or NULL */
	void *priv;                     /* the layer's own: descriptors, chosen algorithms, scratch */
} cu_layer;

struct cu_layer_ops {
	const char *type;               /* as nn_layer_ops.type */
	/* Descriptors, algorithm choice (once per shape, within c->work_limit; say how much
	 * workspace is needed in *work_bytes), device scratch; after the driver filled w, g, state. */
	int (*setup)(cu_layer *cl, cu_ctx *c, size_t *work_bytes);
	void (*release)(cu_layer *cl, cu_ctx *c);   /* frees priv; NULL-safe on a failed setup */
	int (*forward)(cu_layer *cl, cu_ctx *c, const nn_run *run, const float *x, float *y);
	int (*backward)(cu_layer *cl, cu_ctx *c, const nn_run *run, const float *x, const float *y,
	                const float *dy, float *dx);
	/* Layers with l->ops->multi (concat, add) fill these instead; dx[k] may be NULL. */
	int (*forward_multi)(cu_layer *cl, cu_ctx *c, const nn_run *run, const float *const *x, float *y);
	int (*backward_multi)(cu_layer *cl, cu_ctx *c, const nn_run *run, const float *const *x,
	                      const float *y, const float *dy, float *const *dx);
};

/* The device implementation of a host layer type, or NULL (the driver then refuses the
 * network on the device with "LAYER: TYPE has no CUDA implementation"). */
const struct cu_layer_ops *cu_layer_type(const char *type);

#endif
