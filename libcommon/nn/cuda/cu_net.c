/*
 * The CUDA backend's driver (libnncuda.so): the device mirror of a host network (nn.h) and
 * the table the programs load (nn_device.h).
 *
 * Every distinct host activation or gradient buffer has one device buffer (a map from host
 * pointer to device pointer), so in-place layers, flatten views and shared inference buffers
 * alias on the device exactly as on the host.  Parameter values, gradients and the optimiser
 * state live in one flat device arena each, in the host's parameter order, so the update is one
 * kernel over all of them.  The batch goes through a pinned host buffer and a copy stream; the
 * loss stays on the host (the last two activations come back, the gradient goes down).
 */
#include <dlfcn.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cu_net_kernels.h"
#include "cu_layer.h"
#include "nn/nn_device.h"

#define EXPORT __attribute__((visibility("default")))

struct bufmap { const float *host; float *dev; size_t bytes; };

struct nn_cuda_net {
	nn_net *net;
	int dev;
	cu_ctx c;
	cu_layer *cl;
	const struct cu_layer_ops **ops;
	struct bufmap *map;
	int nmap, grads_ready;
	float **act, **gbuf, **sbuf, *dy;
	/* the host's planned buffers (net->train_base) mirrored at the same offsets */
	char *dbase;
	/* the arena: values, gradients, optimiser state (m, v), parameter table */
	size_t total;
	float *w, *g, *m, *v;
	cu_param_seg *seg, *hseg;
	float *state;           /* every layer's state, one after the other */
	size_t nstate;
	/* the batch: pinned staging, a copy stream, the event that says the copy is done */
	float *pinned;
	size_t in_bytes;
	cudaStream_t copy;
	cudaEvent_t copied, consumed;
	size_t base_used, peak, alloc_bytes;
	/* dropout without a device layer (cu_layer_type("dropout") NULL): the host layer's masks */
	unsigned char **dmask;  /* per layer: the device mask, or NULL */
	unsigned char **pmask;  /* per layer: its pinned staging */
	float *ones, *junk;     /* host: the input the host layer is run on to make its mask */
	int *masked;            /* per layer: this step has a mask */
	/* the loss on the host: the outputs and their gradient through pinned buffers */
	float *pout, *pdy;
	size_t out_off;         /* where act[L] starts in pout (act[L - 1] first) */
	/* CUDA graphs of a full training batch's forward and backward, captured at the second
	 * such batch of every epoch (NN_CUDA_GRAPH=0: none) */
	int graphs, fseen, bseen;
	cudaGraphExec_t fexec, bexec;
	void *blas_work;
};

static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

#define CK(call) do { cudaError_t e_ = (call); \
	if (e_ != cudaSuccess) return fail(err, errlen, "%s: %s", #call, cudaGetErrorString(e_)); } while (0)

static void
note_peak(nn_cuda_net *d)
{
	size_t fr = 0, tot = 0;

	if (cudaMemGetInfo(&fr, &tot) == cudaSuccess && tot - fr > d->base_used && tot - fr - d->base_used > d->peak)
		d->peak = tot - fr - d->base_used;
	if (d->alloc_bytes > d->peak)
		d->peak = d->alloc_bytes;
}

static int
dalloc(nn_cuda_net *d, void *pp, size_t bytes, char *err, size_t errlen)
{
	void **p = pp;

	*p = NULL;
	if (bytes == 0)
		return 0;
	cudaError_t e = cudaMalloc(p, bytes);
	if (e != cudaSuccess)
		return fail(err, errlen, "out of device memory (%zu bytes more, %zu so far): %s", bytes,
		            d->alloc_bytes, cudaGetErrorString(e));
	d->alloc_bytes += bytes;
	return 0;
}

static nn_shape
act_shape(const nn_net *net, int a)
{
	return a == 0 ? net->input : net->layer[a - 1].out;
}

/* Whether host lies in the host's planned buffers, which the device mirrors offset for offset:
 * the host's plan shares memory between buffers not live at the same time in a step, and the
 * device runs the same passes in the same order on one stream. */
static int
in_plan(const nn_cuda_net *d, const float *host)
{
	const char *h = (const char *)host, *b = d->net->train_base;

	return b && h >= b && h < b + d->net->train_bytes;
}

static void
map_note(nn_cuda_net *d, const float *host, size_t bytes)
{
	if (!host || in_plan(d, host))
		return;
	for (int i = 0; i < d->nmap; i++)
		if (d->map[i].host == host) {
			if (bytes > d->map[i].bytes)
				d->map[i].bytes = bytes;
			return;
		}
	d->map[d->nmap++] = (struct bufmap){ host, NULL, bytes };
}

static float *
map_dev(const nn_cuda_net *d, const float *host)
{
	if (!host)
		return NULL;
	if (in_plan(d, host))
		return (float *)(d->dbase + ((const char *)host - d->net->train_base));
	for (int i = 0; i < d->nmap; i++)
		if (d->map[i].host == host)
			return d->map[i].dev;
	return NULL;
}

/* Device buffers of the activations (and, with grads, of their gradients). */
static int
plan(nn_cuda_net *d, int grads, char *err, size_t errlen)
{
	nn_net *net = d->net;
	int L = net->nlayer, used = 0;
	size_t B = (size_t)net->batch * sizeof(float), big = B * net->maxact;

	for (int a = 0; a <= L; a++) {
		map_note(d, net->act[a], B * nn_shape_size(act_shape(net, a)));
		used |= in_plan(d, net->act[a]);
	}
	if (grads) {
		for (int i = 0; i < L; i++)
			for (int k = 0; k < net->layer[i].nin; k++)
				map_note(d, net->sbuf[i * NN_MAX_INPUTS + k], B * nn_shape_size(net->layer[i].ins[k]));
		for (int a = 1; a <= L; a++)
			map_note(d, net->gbuf[a], B * nn_shape_size(act_shape(net, a)));
		used = 1;
	}
	if (used && !d->dbase && dalloc(d, &d->dbase, net->train_bytes, err, errlen) != 0)
		return -1;
	for (int i = 0; i < d->nmap; i++)
		if (!d->map[i].dev && dalloc(d, &d->map[i].dev, d->map[i].bytes, err, errlen) != 0)
			return -1;
	for (int a = 0; a <= L; a++)
		d->act[a] = map_dev(d, net->act[a]);
	if (grads) {
		d->sbuf = calloc((size_t)L * NN_MAX_INPUTS, sizeof *d->sbuf);
		if (!d->sbuf)
			return fail(err, errlen, "out of memory");
		for (int i = 0; i < L * NN_MAX_INPUTS; i++)
			d->sbuf[i] = map_dev(d, net->sbuf[i]);
		for (int a = 1; a <= L; a++)
			d->gbuf[a] = map_dev(d, net->gbuf[a]);
		if (dalloc(d, &d->dy, big, err, errlen) != 0)
			return -1;
		d->grads_ready = 1;
	}
	return 0;
}

/* The flat arena and each layer's pointers into it. */
static int
arena(nn_cuda_net *d, char *err, size_t errlen)
{
	nn_net *net = d->net;
	size_t off = 0, soff = 0;

	for (int i = 0; i < net->nparams; i++)
		d->total += net->params[i]->n;
	for (int i = 0; i < net->nlayer; i++)
		d->nstate += net->layer[i].nstate;
	if (dalloc(d, &d->w, d->total * sizeof(float), err, errlen) != 0 ||
	    dalloc(d, &d->g, d->total * sizeof(float), err, errlen) != 0 ||
	    dalloc(d, &d->state, d->nstate * sizeof(float), err, errlen) != 0 ||
	    dalloc(d, &d->seg, (size_t)(net->nparams + 1) * sizeof *d->seg, err, errlen) != 0)
		return -1;
	d->hseg = calloc((size_t)net->nparams + 1, sizeof *d->hseg);
	if (!d->hseg)
		return fail(err, errlen, "out of memory");
	for (int i = 0; i < net->nlayer; i++) {
		nn_layer *l = &net->layer[i];
		cu_layer *cl = &d->cl[i];
		cl->l = l;
		for (int k = 0; k < l->nparam; k++) {
			cl->w[k] = d->w ? d->w + off : NULL;
			cl->g[k] = d->g ? d->g + off : NULL;
			off += l->param[k].n;
		}
		cl->state = l->nstate ? d->state + soff : NULL;
		soff += l->nstate;
	}
	return 0;
}

/* A dropout the driver runs itself, with the host layer's masks (the CPU run's, bit for bit). */
static int
own_dropout(nn_cuda_net *d, int i, char *err, size_t errlen)
{
	nn_net *net = d->net;
	size_t n = (size_t)net->batch * nn_shape_size(net->layer[i].in);

	CK(cudaMallocHost((void **)&d->pmask[i], n));
	if (!d->ones) {         /* one host input for all of them */
		size_t most = (size_t)net->batch * net->maxact;
		d->ones = malloc(most * sizeof(float));
		d->junk = malloc(most * sizeof(float));
		if (!d->ones || !d->junk)
			return fail(err, errlen, "out of memory");
		for (size_t k = 0; k < most; k++)
			d->ones[k] = 1;
	}
	return dalloc(d, &d->dmask[i], n, err, errlen);
}

/* The host's masks of this step for the driver's dropouts, into their pinned buffers (free:
 * the last forward pass has been waited for). */
static void
dropout_masks(nn_cuda_net *d, const nn_run *run)
{
	nn_run r = *run;

	r.pool = d->net->pool;
	for (int i = 0; i < d->net->nlayer; i++) {
		nn_layer *l = &d->net->layer[i];
		d->masked[i] = 0;
		if (d->ops[i] || !run->train || l->rate == 0)
			continue;
		l->ops->forward(l, &r, d->ones, d->junk);       /* the mask, in the host layer's priv */
		memcpy(d->pmask[i], l->priv, (size_t)run->n * nn_shape_size(l->in));
		d->masked[i] = 1;
	}
}

static int
dropout_forward(nn_cuda_net *d, int i, const nn_run *run, const float *x, float *y, char *err, size_t errlen)
{
	nn_layer *l = &d->net->layer[i];
	size_t n = (size_t)run->n * nn_shape_size(l->in);

	if (!d->masked[i]) {
		if (y != x)
			CK(cudaMemcpyAsync(y, x, n * sizeof(float), cudaMemcpyDeviceToDevice, d->c.stream));
		return 0;
	}
	CK(cudaMemcpyAsync(d->dmask[i], d->pmask[i], n, cudaMemcpyHostToDevice, d->c.stream));
	if (cu_dropout(x, y, d->dmask[i], n, 1 / (1 - l->rate), d->c.stream) != 0)
		return fail(err, errlen, "%s: dropout: %s", l->name, cudaGetErrorString(cudaGetLastError()));
	return 0;
}

static int
dropout_backward(nn_cuda_net *d, int i, const nn_run *run, const float *dy, float *dx, char *err, size_t errlen)
{
	nn_layer *l = &d->net->layer[i];
	size_t n = (size_t)run->n * nn_shape_size(l->in);

	if (!dx)
		return 0;
	if (!d->masked[i]) {
		if (dx != dy)
			CK(cudaMemcpyAsync(dx, dy, n * sizeof(float), cudaMemcpyDeviceToDevice, d->c.stream));
		return 0;
	}
	if (cu_dropout(dy, dx, d->dmask[i], n, 1 / (1 - l->rate), d->c.stream) != 0)
		return fail(err, errlen, "%s: dropout: %s", l->name, cudaGetErrorString(cudaGetLastError()));
	return 0;
}

static int
setup_layers(nn_cuda_net *d, char *err, size_t errlen)
{
	nn_net *net = d->net;
	size_t most = 0;

	for (int i = 0; i < net->nlayer; i++) {
		nn_layer *l = &net->layer[i];
		size_t wb = 0;
		d->ops[i] = cu_layer_type(l->ops->type);
		if (!d->ops[i] && strcmp(l->ops->type, "dropout") == 0) {
			if (own_dropout(d, i, err, errlen) != 0)
				return -1;
			continue;
		}
		if (!d->ops[i])
			return fail(err, errlen, "%s: %s has no CUDA implementation", l->name, l->ops->type);
		d->c.err[0] = 0;
		if (d->ops[i]->setup(&d->cl[i], &d->c, &wb) != 0) {
			d->ops[i] = NULL;       /* nothing to release */
			return fail(err, errlen, "%s: %s", l->name, d->c.err);
		}
		if (wb > most)
			most = wb;
		if (strcmp(l->ops->type, "dropout") == 0)
			d->graphs = 0;  /* a device dropout's masks change with run->step */
	}
	d->c.work_bytes = most;
	return dalloc(d, &d->c.work, most, err, errlen);
}

static void
drop_graphs(nn_cuda_net *d)
{
	if (d->fexec)
		cudaGraphExecDestroy(d->fexec);
	if (d->bexec)
		cudaGraphExecDestroy(d->bexec);
	d->fexec = d->bexec = NULL;
}

static void
cu_close(nn_cuda_net *d)
{
	if (!d)
		return;
	if (d->c.stream)
		cudaStreamSynchronize(d->c.stream);
	for (int i = 0; d->ops && i < d->net->nlayer; i++)
		if (d->ops[i] && d->ops[i]->release)
			d->ops[i]->release(&d->cl[i], &d->c);
	for (int i = 0; i < d->nmap; i++)
		cudaFree(d->map[i].dev);
	for (int i = 0; d->dmask && i < d->net->nlayer; i++) {
		cudaFree(d->dmask[i]);
		if (d->pmask[i])
			cudaFreeHost(d->pmask[i]);
	}
	free(d->pmask);
	drop_graphs(d);
	if (d->pout)
		cudaFreeHost(d->pout);
	if (d->pdy)
		cudaFreeHost(d->pdy);
	cudaFree(d->blas_work);
	free(d->ones);
	free(d->junk);
	free(d->dmask);
	free(d->masked);
	cudaFree(d->dy);
	cudaFree(d->dbase);
	free(d->sbuf);
	cudaFree(d->w);
	cudaFree(d->g);
	cudaFree(d->m);
	cudaFree(d->v);
	cudaFree(d->seg);
	cudaFree(d->state);
	cudaFree(d->c.work);
	if (d->pinned)
		cudaFreeHost(d->pinned);
	if (d->copied)
		cudaEventDestroy(d->copied);
	if (d->consumed)
		cudaEventDestroy(d->consumed);
	if (d->copy)
		cudaStreamDestroy(d->copy);
	if (d->c.blas)
		cublasDestroy(d->c.blas);
	if (d->c.dnn)
		cudnnDestroy(d->c.dnn);
	if (d->c.stream)
		cudaStreamDestroy(d->c.stream);
	free(d->hseg);
	free(d->map);
	free(d->act);
	free(d->gbuf);
	free(d->cl);
	free(d->ops);
	free(d);
}

static int
handles(nn_cuda_net *d, int precision, char *err, size_t errlen)
{
	size_t fr = 0, tot = 0;

	CK(cudaSetDevice(d->dev));
	CK(cudaMemGetInfo(&fr, &tot));
	d->base_used = tot - fr;
	CK(cudaStreamCreateWithFlags(&d->c.stream, cudaStreamNonBlocking));
	CK(cudaStreamCreateWithFlags(&d->copy, cudaStreamNonBlocking));
	CK(cudaEventCreateWithFlags(&d->copied, cudaEventDisableTiming));
	CK(cudaEventCreateWithFlags(&d->consumed, cudaEventDisableTiming));
	if (cudnnCreate(&d->c.dnn) != CUDNN_STATUS_SUCCESS)
		return fail(err, errlen, "cudnnCreate failed (is libcudnn 9 there?)");
	if (cudnnSetStream(d->c.dnn, d->c.stream) != CUDNN_STATUS_SUCCESS)
		return fail(err, errlen, "cudnnSetStream failed");
	if (cublasCreate(&d->c.blas) != CUBLAS_STATUS_SUCCESS)
		return fail(err, errlen, "cublasCreate failed");
	if (cublasSetStream(d->c.blas, d->c.stream) != CUBLAS_STATUS_SUCCESS ||
	    cublasSetMathMode(d->c.blas, precision == NN_PREC_FP32 ? CUBLAS_DEFAULT_MATH : CUBLAS_TF32_TENSOR_OP_MATH)
	    != CUBLAS_STATUS_SUCCESS)
		return fail(err, errlen, "cuBLAS set-up failed");
	d->c.precision = precision;
	/* a layer's algorithm may ask for an eighth of the free memory, at most 1 GiB */
	d->c.work_limit = fr / 8 < ((size_t)1 << 30) ? fr / 8 : (size_t)1 << 30;
	d->in_bytes = (size_t)d->net->batch * nn_shape_size(d->net->input) * sizeof(float);
	CK(cudaMallocHost((void **)&d->pinned, d->in_bytes));
	/* outputs and their gradient: act[L - 1] and act[L] are at most maxact floats a sample */
	size_t big = (size_t)d->net->batch * d->net->maxact;
	d->out_off = big;
	CK(cudaMallocHost((void **)&d->pout, 2 * big * sizeof(float)));
	CK(cudaMallocHost((void **)&d->pdy, big * sizeof(float)));
	/* cuBLAS's workspace given, so that it allocates nothing while a graph is captured */
	if (dalloc(d, &d->blas_work, (size_t)32 << 20, err, errlen) != 0)
		return -1;
	if (cublasSetWorkspace(d->c.blas, d->blas_work, (size_t)32 << 20) != CUBLAS_STATUS_SUCCESS)
		return fail(err, errlen, "cublasSetWorkspace failed");
	const char *g = getenv("NN_CUDA_GRAPH");
	d->graphs = !(g && strcmp(g, "0") == 0);
	return 0;
}

static nn_cuda_net *
cu_open(nn_net *net, int dev, int precision, char *err, size_t errlen)
{
	nn_cuda_net *d = calloc(1, sizeof *d);
	int L = net->nlayer, nmax = 2 * (L + 1) + 2 + NN_MAX_INPUTS;

	if (!d) {
		fail(err, errlen, "out of memory");
		return NULL;
	}
	d->net = net;
	d->dev = dev;
	d->cl = calloc((size_t)L, sizeof *d->cl);
	d->ops = calloc((size_t)L, sizeof *d->ops);
	d->map = calloc((size_t)nmax, sizeof *d->map);
	d->act = calloc((size_t)L + 1, sizeof *d->act);
	d->gbuf = calloc((size_t)L + 1, sizeof *d->gbuf);
	d->dmask = calloc((size_t)L, sizeof *d->dmask);
	d->masked = calloc((size_t)L, sizeof *d->masked);
	d->pmask = calloc((size_t)L, sizeof *d->pmask);
	if (!d->cl || !d->ops || !d->map || !d->act || !d->gbuf || !d->dmask || !d->masked || !d->pmask) {
		fail(err, errlen, "out of memory");
		goto bad;
	}
	if (net->nfeat) {
		fail(err, errlen, "a features layer has no CUDA implementation yet");
		goto bad;
	}
	if (handles(d, precision, err, errlen) != 0 || arena(d, err, errlen) != 0 ||
	    plan(d, 0, err, errlen) != 0 || setup_layers(d, err, errlen) != 0)
		goto bad;
	note_peak(d);
	return d;
bad:
	cu_close(d);
	return NULL;
}

/* The parameter table of the fused update, from the host's flags (frozen, lr_scale, l2). */
static int
put_segments(nn_cuda_net *d, const nn_optim *o, char *err, size_t errlen)
{
	nn_net *net = d->net;
	size_t off = 0;

	for (int i = 0; i < net->nparams; i++) {
		nn_param *p = net->params[i];
		float l2 = p->l2 >= 0 ? p->l2 : o->l2;
		d->hseg[i] = (cu_param_seg){ off, p->n, p->lr_scale, p->decay ? 2 * l2 : 0,
		                             !p->frozen && o->m && o->m[i] };
		off += p->n;
	}
	CK(cudaMemcpyAsync(d->seg, d->hseg, (size_t)net->nparams * sizeof *d->hseg, cudaMemcpyHostToDevice,
	                   d->c.stream));
	return 0;
}

static int
cu_load(nn_cuda_net *d, const nn_optim *o, char *err, size_t errlen)
{
	nn_net *net = d->net;
	size_t off = 0;

	CK(cudaSetDevice(d->dev));
	drop_graphs(d);         /* frozen layers and rates may have changed: captured again */
	for (int i = 0; i < net->nparams; i++) {
		nn_param *p = net->params[i];
		CK(cudaMemcpyAsync(d->w + off, p->w, p->n * sizeof(float), cudaMemcpyHostToDevice, d->c.stream));
		off += p->n;
	}
	for (int i = 0; i < net->nlayer; i++)
		if (net->layer[i].nstate)
			CK(cudaMemcpyAsync(d->cl[i].state, net->layer[i].state, net->layer[i].nstate * sizeof(float),
			                   cudaMemcpyHostToDevice, d->c.stream));
	if (o) {
		if (!d->m && dalloc(d, &d->m, d->total * sizeof(float), err, errlen) != 0)
			return -1;
		if (o->kind == NN_ADAM && !d->v && dalloc(d, &d->v, d->total * sizeof(float), err, errlen) != 0)
			return -1;
		off = 0;
		for (int i = 0; i < net->nparams; i++) {
			size_t n = net->params[i]->n;
			if (o->m[i])
				CK(cudaMemcpyAsync(d->m + off, o->m[i], n * sizeof(float), cudaMemcpyHostToDevice, d->c.stream));
			if (o->v[i] && d->v)
				CK(cudaMemcpyAsync(d->v + off, o->v[i], n * sizeof(float), cudaMemcpyHostToDevice, d->c.stream));
			off += n;
		}
		if (put_segments(d, o, err, errlen) != 0)
			return -1;
	}
	CK(cudaStreamSynchronize(d->c.stream));  /* the host buffers are pageable and may change */
	return 0;
}

static int
cu_store(nn_cuda_net *d, nn_optim *o, char *err, size_t errlen)
{
	nn_net *net = d->net;
	size_t off = 0;

	CK(cudaSetDevice(d->dev));
	CK(cudaStreamSynchronize(d->c.stream));
	for (int i = 0; i < net->nparams; i++) {
		nn_param *p = net->params[i];
		CK(cudaMemcpy(p->w, d->w + off, p->n * sizeof(float), cudaMemcpyDeviceToHost));
		off += p->n;
	}
	for (int i = 0; i < net->nlayer; i++)
		if (net->layer[i].nstate)
			CK(cudaMemcpy(net->layer[i].state, d->cl[i].state, net->layer[i].nstate * sizeof(float),
			              cudaMemcpyDeviceToHost));
	if (o && d->m) {
		off = 0;
		for (int i = 0; i < net->nparams; i++) {
			size_t n = net->params[i]->n;
			if (o->m[i])
				CK(cudaMemcpy(o->m[i], d->m + off, n * sizeof(float), cudaMemcpyDeviceToHost));
			if (o->v[i] && d->v)
				CK(cudaMemcpy(o->v[i], d->v + off, n * sizeof(float), cudaMemcpyDeviceToHost));
			off += n;
		}
	}
	note_peak(d);
	return 0;
}

/* The batch: host act[0] -> pinned -> device, on the copy stream once the previous step has
 * stopped reading the device input; the compute stream waits for the copy. */
static int
put_batch(nn_cuda_net *d, int n, char *err, size_t errlen)
{
	size_t bytes = (size_t)n * nn_shape_size(d->net->input) * sizeof(float);

	CK(cudaEventSynchronize(d->consumed));  /* the pinned buffer's last copy is done */
	memcpy(d->pinned, d->net->act[0], bytes);
	CK(cudaStreamWaitEvent(d->copy, d->consumed, 0));
	CK(cudaMemcpyAsync(d->act[0], d->pinned, bytes, cudaMemcpyHostToDevice, d->copy));
	CK(cudaEventRecord(d->copied, d->copy));
	CK(cudaStreamWaitEvent(d->c.stream, d->copied, 0));
	return 0;
}

static int
forward_body(nn_cuda_net *d, const nn_run *run, char *err, size_t errlen)
{
	nn_net *net = d->net;
	int L = net->nlayer;

	for (int i = 0; i < L; i++) {
		nn_layer *l = &net->layer[i];
		int rc;
		d->c.err[0] = 0;
		if (!d->ops[i]) {       /* the driver's own dropout */
			if (dropout_forward(d, i, run, d->act[l->src[0]], d->act[i + 1], err, errlen) != 0)
				return -1;
			continue;
		}
		if (l->ops->multi) {
			const float *x[NN_MAX_INPUTS];
			for (int k = 0; k < l->nin; k++)
				x[k] = d->act[l->src[k]];
			rc = d->ops[i]->forward_multi(&d->cl[i], &d->c, run, x, d->act[i + 1]);
		} else {
			rc = d->ops[i]->forward(&d->cl[i], &d->c, run, d->act[l->src[0]], d->act[i + 1]);
		}
		if (rc != 0)
			return fail(err, errlen, "%s: forward: %s", l->name, d->c.err);
	}
	/* the loss wants the last two activations on the host */
	for (int a = L - 1; a <= L; a++) {
		if (a < 0 || (a == L - 1 && net->act[a] == net->act[L]))
			continue;
		size_t bytes = (size_t)run->n * nn_shape_size(act_shape(net, a)) * sizeof(float);
		CK(cudaMemcpyAsync(d->pout + (a == L ? d->out_off : 0), d->act[a], bytes, cudaMemcpyDeviceToHost,
		                   d->c.stream));
	}
	return 0;
}

static int
backward_body(nn_cuda_net *d, const nn_run *run, int from, char *err, size_t errlen)
{
	nn_net *net = d->net;
	float *g[NN_MAX_LAYERS + 1];
	unsigned char fresh[NN_MAX_LAYERS + 1];

	CK(cudaMemsetAsync(d->g, 0, d->total * sizeof(float), d->c.stream));
	CK(cudaMemcpyAsync(d->dy, d->pdy, (size_t)run->n * nn_shape_size(net->layer[from].out) * sizeof(float),
	                   cudaMemcpyHostToDevice, d->c.stream));
	memcpy(g, d->gbuf, (size_t)(net->nlayer + 1) * sizeof *g);
	memset(fresh, 1, (size_t)net->nlayer + 1);
	g[from + 1] = d->dy;
	for (int i = from; i >= net->nfrozen; i--) {
		nn_layer *l = &net->layer[i];
		float *dx[NN_MAX_INPUTS];
		int add[NN_MAX_INPUTS], rc;
		for (int k = 0; k < l->nin; k++) {
			int a = l->src[k];
			add[k] = 0;
			if (a <= net->nfrozen) {
				dx[k] = NULL;
			} else if (fresh[a]) {
				dx[k] = g[a];
				fresh[a] = 0;
			} else {
				dx[k] = d->sbuf[i * NN_MAX_INPUTS + k];
				add[k] = 1;
			}
		}
		d->c.err[0] = 0;
		if (!d->ops[i]) {
			if (dropout_backward(d, i, run, g[i + 1], dx[0], err, errlen) != 0)
				return -1;
		} else {
			if (l->ops->multi) {
				const float *x[NN_MAX_INPUTS];
				for (int k = 0; k < l->nin; k++)
					x[k] = d->act[l->src[k]];
				rc = d->ops[i]->backward_multi(&d->cl[i], &d->c, run, x, d->act[i + 1], g[i + 1], dx);
			} else {
				rc = d->ops[i]->backward(&d->cl[i], &d->c, run, d->act[l->src[0]], d->act[i + 1], g[i + 1],
				                         dx[0]);
			}
			if (rc != 0)
				return fail(err, errlen, "%s: backward: %s", l->name, d->c.err);
		}
		for (int k = 0; k < l->nin; k++)
			if (add[k] && cu_add(g[l->src[k]], dx[k], (size_t)run->n * nn_shape_size(l->ins[k]), d->c.stream) != 0)
				return fail(err, errlen, "%s: gathering gradients: %s", l->name,
				            cudaGetErrorString(cudaGetLastError()));
	}
	return 0;
}

static int
body(nn_cuda_net *d, int bwd, const nn_run *run, int from, char *err, size_t errlen)
{
	return bwd ? backward_body(d, run, from, err, errlen) : forward_body(d, run, err, errlen);
}

/* A pass (forward: bwd 0, backward: 1) of a full training batch through its CUDA graph: the
 * first such batch runs plainly (layers may choose their algorithms then), the next is
 * captured, later ones replay it.  A capture that fails turns graphs off for the run. */
static int
launch(nn_cuda_net *d, int bwd, const nn_run *run, int from, char *err, size_t errlen)
{
	cudaGraphExec_t *exec = bwd ? &d->bexec : &d->fexec;
	int *seen = bwd ? &d->bseen : &d->fseen;
	cudaGraph_t g = NULL;

	if (!d->graphs || !run->train || run->n != d->net->batch)
		return body(d, bwd, run, from, err, errlen);
	if (*exec) {
		CK(cudaGraphLaunch(*exec, d->c.stream));
		return 0;
	}
	if (!*seen) {
		*seen = 1;
		return body(d, bwd, run, from, err, errlen);
	}
	CK(cudaStreamBeginCapture(d->c.stream, cudaStreamCaptureModeThreadLocal));
	int rc = body(d, bwd, run, from, err, errlen);
	cudaError_t e = cudaStreamEndCapture(d->c.stream, &g);
	if (rc == 0 && e == cudaSuccess && g && cudaGraphInstantiate(exec, g, 0) == cudaSuccess) {
		cudaGraphDestroy(g);
		CK(cudaGraphLaunch(*exec, d->c.stream));
		return 0;
	}
	if (g)
		cudaGraphDestroy(g);
	*exec = NULL;
	(void)cudaGetLastError();
	drop_graphs(d);
	d->graphs = 0;          /* a layer that cannot be captured: plain launches from now on */
	return body(d, bwd, run, from, err, errlen);
}

static int
cu_forward(nn_cuda_net *d, const nn_run *run, char *err, size_t errlen)
{
	nn_net *net = d->net;
	int L = net->nlayer;

	CK(cudaSetDevice(d->dev));
	if (put_batch(d, run->n, err, errlen) != 0)
		return -1;
	dropout_masks(d, run);
	if (launch(d, 0, run, 0, err, errlen) != 0)
		return -1;
	if (!run->train)        /* inference: the input is free again once the pass is through */
		CK(cudaEventRecord(d->consumed, d->c.stream));
	CK(cudaStreamSynchronize(d->c.stream));
	for (int a = L - 1; a <= L; a++) {
		if (a < 0 || (a == L - 1 && net->act[a] == net->act[L]))
			continue;
		size_t bytes = (size_t)run->n * nn_shape_size(act_shape(net, a)) * sizeof(float);
		memcpy(net->act[a], d->pout + (a == L ? d->out_off : 0), bytes);
	}
	note_peak(d);
	return 0;
}

static int
cu_backward(nn_cuda_net *d, const nn_run *run, int from, const float *dy, char *err, size_t errlen)
{
	CK(cudaSetDevice(d->dev));
	if (!d->grads_ready && plan(d, 1, err, errlen) != 0)
		return -1;
	if (from < 0) {         /* a network of one layer: nothing before the loss */
		CK(cudaMemsetAsync(d->g, 0, d->total * sizeof(float), d->c.stream));
		return 0;
	}
	memcpy(d->pdy, dy, (size_t)run->n * nn_shape_size(d->net->layer[from].out) * sizeof(float));
	if (launch(d, 1, run, from, err, errlen) != 0)
		return -1;
	CK(cudaEventRecord(d->consumed, d->c.stream));  /* the input may be overwritten now */
	return 0;
}

static int
cu_step(nn_cuda_net *d, nn_optim *o, float lr, char *err, size_t errlen)
{
	cu_optim_args a;

	if (!d->m)
		return fail(err, errlen, "the optimiser state was not loaded");
	o->t++;
	a = (cu_optim_args){ .kind = o->kind, .lr = lr, .momentum = o->momentum, .beta1 = o->beta1,
	                     .beta2 = o->beta2, .eps = o->eps,
	                     .c1 = (float)(1 - pow(o->beta1, (double)o->t)),
	                     .c2 = (float)(1 - pow(o->beta2, (double)o->t)) };
	if (cu_optim_step(&a, d->seg, d->net->nparams, d->total, d->w, d->g, d->m, d->v ? d->v : d->m,
	                  d->c.stream) != 0)
		return fail(err, errlen, "optimiser step: %s", cudaGetErrorString(cudaGetLastError()));
	return 0;
}

static int
cu_devices(int *count, char *err, size_t errlen)
{
	void *drv = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_LOCAL);

	*count = 0;
	if (!drv)
		return fail(err, errlen, "no NVIDIA driver: libcuda.so.1 not found");
	dlclose(drv);
	cudaError_t e = cudaGetDeviceCount(count);

	if (e == cudaErrorNoDevice || e == cudaErrorInsufficientDriver) {
		*count = 0;
		return fail(err, errlen, "%s", cudaGetErrorString(e));
	}
	if (e != cudaSuccess)
		return fail(err, errlen, "%s", cudaGetErrorString(e));
	return 0;
}

static int
cu_info(int dev, nn_device_info *info, char *err, size_t errlen)
{
	struct cudaDeviceProp p;

	CK(cudaGetDeviceProperties(&p, dev));
	memset(info, 0, sizeof *info);
	snprintf(info->name, sizeof info->name, "%s", p.name);
	info->total = p.totalGlobalMem;
	info->major = p.major;
	info->minor = p.minor;
	info->tf32 = info->bf16 = p.major >= 8;
	CK(cudaSetDevice(dev));
	CK(cudaMemGetInfo(&info->free, &info->total));
	return 0;
}

static size_t
cu_peak(nn_cuda_net *d)
{
	note_peak(d);
	return d->peak;
}

static const struct nn_cuda_api api = {
	.abi = NN_CUDA_ABI,
	.net_size = sizeof(nn_net),
	.layer_size = sizeof(nn_layer),
	.optim_size = sizeof(nn_optim),
	.devices = cu_devices,
	.info = cu_info,
	.open = cu_open,
	.close = cu_close,
	.load = cu_load,
	.store = cu_store,
	.forward = cu_forward,
	.backward = cu_backward,
	.step = cu_step,
	.peak = cu_peak,
};

EXPORT const struct nn_cuda_api *
nn_cuda_api(void)
{
	return &api;
}
