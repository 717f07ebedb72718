/*
 * ONNX models in (onnx.h): the graph's nodes, in their order, become architecture lines
 * (man/cnnmodel.5), each with an explicit name= and from=, and their initializers the layers'
 * tensors.  Values keep the engine's shape (C x H x W per sample; a flat value is K x 1 x 1),
 * so each node's output shape is known when the next node is read.  A model this toolkit
 * exported is recognised by its "pixels" metadata: its normalisation nodes (norm/...) are the
 * model's normalize and are skipped.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onnx/onnx.h"
#include "onnx_build.h"
#include "nn/nn_norm.h"
#include "util/util.h"

struct value {
	const char *onnx;       /* the ONNX name */
	char layer[NN_NAME_MAX];        /* the architecture name: "input" or a layer's */
	nn_shape s;
	int rank;               /* the ONNX tensor's rank, batch included (2 to 4) */
};

struct im {
	Onnx__ModelProto *m;
	char *arch;
	size_t alen, acap;
	struct value *v;
	int nv, nlayer;         /* v: values so far, never moved (pointers to them are kept) */
	ts_record *rec;
	const Onnx__NodeProto *node;    /* the node being read, for messages */
	unsigned char *done;            /* nodes already taken by an earlier one (MatMul's Add) */
	int rank;                       /* the rank of the value add_value makes next */
	char *err;
	size_t errlen;
};

static int
fail(struct im *g, const char *fmt, ...)
{
	char what[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	if (g->node)
		return errorf(g->err, g->errlen, "node '%s' (%s): %s", g->node->name ? g->node->name : "",
		              g->node->op_type, what);
	return errorf(g->err, g->errlen, "%s", what);
}

static void
emit(struct im *g, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (g->alen + (size_t)n + 2 > g->acap) {
		g->acap = 2 * (g->alen + (size_t)n + 2);
		g->arch = xrealloc(g->arch, g->acap);
	}
	va_start(ap, fmt);
	vsnprintf(g->arch + g->alen, (size_t)n + 1, fmt, ap);
	va_end(ap);
	g->alen += (size_t)n;
	g->arch[g->alen++] = '\n';
	g->arch[g->alen] = 0;
}

/* ---- initializers and constants ---- */

static const Onnx__TensorProto *
constant(const struct im *g, const char *name)
{
	const Onnx__GraphProto *gr = g->m->graph;

	if (!name || !*name)
		return NULL;
	for (size_t i = 0; i < gr->n_initializer; i++)
		if (strcmp(gr->initializer[i]->name, name) == 0)
			return gr->initializer[i];
	for (size_t i = 0; i < gr->n_node; i++) {
		const Onnx__NodeProto *n = gr->node[i];
		if (strcmp(n->op_type, "Constant") == 0 && n->n_output == 1 && strcmp(n->output[0], name) == 0)
			for (size_t k = 0; k < n->n_attribute; k++)
				if (strcmp(n->attribute[k]->name, "value") == 0 && n->attribute[k]->t)
					return n->attribute[k]->t;
	}
	return NULL;
}

static size_t
numel(const Onnx__TensorProto *t)
{
	size_t n = 1;
	for (size_t i = 0; i < t->n_dims; i++)
		n *= (size_t)t->dims[i];
	return n;
}

/* The float values of a constant (malloc'd), or NULL. */
static float *
floats(struct im *g, const char *name, size_t want, const char *what)
{
	const Onnx__TensorProto *t = constant(g, name);
	size_t n;

	if (!t) {
		fail(g, "%s '%s' is not an initializer or Constant", what, name ? name : "");
		return NULL;
	}
	n = numel(t);
	if (t->data_type != ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT || (want && n != want)) {
		fail(g, "%s '%s': %zu values of data type %d, wanted %zu floats", what, t->name, n, t->data_type,
		     want);
		return NULL;
	}
	float *v = xmalloc((n ? n : 1) * sizeof *v);
	if (t->has_raw_data && t->raw_data.len == n * sizeof(float))
		memcpy(v, t->raw_data.data, n * sizeof(float));
	else if (t->n_float_data == n)
		memcpy(v, t->float_data, n * sizeof(float));
	else {
		free(v);
		fail(g, "%s '%s': the data is not %zu floats (external data is not read)", what, t->name, n);
		return NULL;
	}
	return v;
}

/* Up to max int64 values of a constant; the count, or -1. */
static int
ints(struct im *g, const char *name, int64_t *v, int max, const char *what)
{
	const Onnx__TensorProto *t = constant(g, name);
	size_t n = t ? numel(t) : 0;

	if (!t || t->data_type != ONNX__TENSOR_PROTO__DATA_TYPE__INT64 || n > (size_t)max)
		return fail(g, "%s '%s' is not a constant of at most %d int64 values", what, name ? name : "", max);
	if (t->has_raw_data && t->raw_data.len == n * 8)
		memcpy(v, t->raw_data.data, n * 8);
	else if (t->n_int64_data == n)
		memcpy(v, t->int64_data, n * 8);
	else
		return fail(g, "%s '%s': unreadable data", what, t->name);
	return (int)n;
}

static int
put(struct im *g, const char *layer, const char *what, const float *v, int ndim, const uint64_t *dims)
{
	char name[NN_NAME_MAX + 16];
	uint64_t n = 1;

	for (int i = 0; i < ndim; i++)
		n *= dims[i];
	snprintf(name, sizeof name, "%s.%s", layer, what);
	if (!ts_tensor_put(g->rec, name, TS_F32, ndim, dims, v, n * sizeof(float)))
		return fail(g, "out of memory");
	return 0;
}

/* A layer's weight (initializer wname) and, when bname is not NULL, its nb biases; 0, or -1 with
 * neither left allocated. */
static int
weight_bias(struct im *g, const char *wname, const char *bname, size_t nb, float **w, float **b)
{
	*b = NULL;
	if ((*w = floats(g, wname, 0, "weight")) == NULL)
		return -1;
	if (bname && (*b = floats(g, bname, nb, "bias")) == NULL) {
		free(*w);
		return -1;
	}
	return 0;
}

/* Puts the layer's weight (ndim dims) and its nb biases when b is not NULL, and frees both. */
static int
put_weight_bias(struct im *g, const char *layer, float *w, int ndim, const uint64_t *dims, float *b, uint64_t nb)
{
	int rc = put(g, layer, "weight", w, ndim, dims);

	if (rc == 0 && b)
		rc = put(g, layer, "bias", b, 1, &nb);
	free(w);
	free(b);
	return rc;
}

/* ---- attributes ---- */

static const Onnx__AttributeProto *
attr(const Onnx__NodeProto *n, const char *name)
{
	for (size_t i = 0; i < n->n_attribute; i++)
		if (strcmp(n->attribute[i]->name, name) == 0)
			return n->attribute[i];
	return NULL;
}

static int64_t
attr_i(const Onnx__NodeProto *n, const char *name, int64_t def)
{
	const Onnx__AttributeProto *a = attr(n, name);
	return a && a->has_i ? a->i : def;
}

static float
attr_f(const Onnx__NodeProto *n, const char *name, float def)
{
	const Onnx__AttributeProto *a = attr(n, name);
	return a && a->has_f ? a->f : def;
}

static int
attr_s(const Onnx__NodeProto *n, const char *name, const char *def, char *out, size_t outlen)
{
	const Onnx__AttributeProto *a = attr(n, name);
	if (!a || !a->has_s) {
		snprintf(out, outlen, "%s", def);
		return 0;
	}
	snprintf(out, outlen, "%.*s", (int)a->s.len, (const char *)a->s.data);
	return 1;
}

/* Two spatial values of an ints attribute (def when absent); -1 when it has another count. */
static int
attr_pair(struct im *g, const Onnx__NodeProto *n, const char *name, int def, int *a, int *b)
{
	const Onnx__AttributeProto *at = attr(n, name);

	*a = *b = def;
	if (!at)
		return 0;
	if (at->n_ints != 2)
		return fail(g, "attribute %s: %zu values, the engine has 2-D layers only", name, at->n_ints);
	*a = (int)at->ints[0];
	*b = (int)at->ints[1];
	return 0;
}

/* Padding the same on both sides (pads = top, left, bottom, right). */
static int
attr_pads(struct im *g, const Onnx__NodeProto *n, int *ph, int *pw)
{
	const Onnx__AttributeProto *at = attr(n, "pads");
	char ap[32];

	*ph = *pw = 0;
	if (attr_s(n, "auto_pad", "NOTSET", ap, sizeof ap) && strcmp(ap, "NOTSET") != 0 && strcmp(ap, "VALID") != 0)
		return fail(g, "attribute auto_pad=%s is not supported (explicit pads are)", ap);
	if (!at)
		return 0;
	if (at->n_ints != 4 || at->ints[0] != at->ints[2] || at->ints[1] != at->ints[3])
		return fail(g, "attribute pads: only the same padding on both sides is supported");
	*ph = (int)at->ints[0];
	*pw = (int)at->ints[1];
	return 0;
}

static int
only_ones(struct im *g, const Onnx__NodeProto *n, const char *name)
{
	const Onnx__AttributeProto *at = attr(n, name);
	for (size_t i = 0; at && i < at->n_ints; i++)
		if (at->ints[i] != 1)
			return fail(g, "attribute %s other than 1 is not supported", name);
	return 0;
}

static int
only_zeros(struct im *g, const Onnx__NodeProto *n, const char *name)
{
	const Onnx__AttributeProto *at = attr(n, name);
	if (at && at->has_i && at->i != 0)
		return fail(g, "attribute %s=%lld is not supported", name, (long long)at->i);
	for (size_t i = 0; at && i < at->n_ints; i++)
		if (at->ints[i] != 0)
			return fail(g, "attribute %s other than 0 is not supported", name);
	return 0;
}

/* ---- values ---- */

static struct value *
find(struct im *g, const char *onnx)
{
	for (int i = g->nv - 1; i >= 0; i--)
		if (strcmp(g->v[i].onnx, onnx) == 0)
			return &g->v[i];
	return NULL;
}

static struct value *
in(struct im *g, int k)
{
	const Onnx__NodeProto *n = g->node;
	struct value *v = (size_t)k < n->n_input ? find(g, n->input[k]) : NULL;
	if (!v)
		fail(g, "input %d ('%s') is not computed by an earlier node", k,
		     (size_t)k < n->n_input ? n->input[k] : "");
	return v;
}

static struct value *
add_value(struct im *g, const char *onnx, const char *layer, nn_shape s)
{
	struct value *v = &g->v[g->nv++];      /* room for two per node, made once (walk) */
	v->rank = g->rank;
	v->onnx = onnx;
	snprintf(v->layer, sizeof v->layer, "%s", layer);
	v->s = s;
	return v;
}

/* A new layer's name: its ONNX output's where that is a plain word not used yet, else L1,
 * L2, ... (ONNX names may hold characters the architecture does not). */
static struct value *
out(struct im *g, nn_shape s)
{
	const char *o = g->node->output[0];
	char name[NN_NAME_MAX];
	int ok = *o && strlen(o) < sizeof name && strspn(o, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                                                  "0123456789_-") == strlen(o) && strcmp(o, "input") != 0 &&
	         !(o[0] == 'L' && strspn(o + 1, "0123456789") == strlen(o + 1));
	for (int i = 0; ok && i < g->nv; i++)
		ok = strcmp(g->v[i].layer, o) != 0;
	g->nlayer++;
	if (ok)
		snprintf(name, sizeof name, "%s", o);
	else
		snprintf(name, sizeof name, "L%d", g->nlayer);
	return add_value(g, o, name, s);
}

/* The output is the input under another name (Dropout, Identity, a reshape to the same). */
static int
alias(struct im *g, const struct value *x)
{
	nn_shape s = x->s;
	char name[NN_NAME_MAX];
	memcpy(name, x->layer, sizeof name);
	add_value(g, g->node->output[0], name, s);
	return 0;
}

static int
simple(struct im *g, const char *type, const char *args)
{
	struct value *x = in(g, 0);
	if (!x)
		return -1;
	nn_shape s = x->s;
	struct value *y = out(g, s);
	emit(g, "%s%s%s name=%s from=%s", type, *args ? " " : "", args, y->layer, x->layer);
	return 0;
}

/* ---- operators ---- */

static const char *
meta(const Onnx__ModelProto *m, const char *key)
{
	for (size_t i = 0; i < m->n_metadata_props; i++)
		if (strcmp(m->metadata_props[i]->key, key) == 0)
			return m->metadata_props[i]->value;
	return NULL;
}


static int
conv(struct im *g)
{
	const Onnx__NodeProto *n = g->node;
	struct value *x = in(g, 0);
	const Onnx__TensorProto *wt = n->n_input > 1 ? constant(g, n->input[1]) : NULL;
	int kh, kw, sh, sw, ph, pw, group = (int)attr_i(n, "group", 1);

	if (!x)
		return -1;
	if (!wt || wt->n_dims != 4)
		return fail(g, "the weight is not a 4-D initializer");
	int f = (int)wt->dims[0], c = x->s.c;
	if (attr_pair(g, n, "strides", 1, &sh, &sw) || attr_pads(g, n, &ph, &pw) || only_ones(g, n, "dilations"))
		return -1;
	kh = (int)wt->dims[2];
	kw = (int)wt->dims[3];
	int depthwise = group > 1 && group == c && wt->dims[1] == 1 && f % c == 0;
	if (group != 1 && !depthwise)
		return fail(g, "attribute group=%d is supported only as 1 or depthwise (the input's %d channels)",
		            group, c);
	if (!depthwise && wt->dims[1] != (int64_t)c)
		return fail(g, "the weight has %lld input channels, the input %d", (long long)wt->dims[1], c);
	if (ph >= kh || pw >= kw)
		return fail(g, "attribute pads: padding %dx%d is not smaller than the kernel %dx%d", ph, pw, kh, kw);
	nn_shape s = { f, (x->s.h + 2 * ph - kh) / sh + 1, (x->s.w + 2 * pw - kw) / sw + 1 };
	int bias = n->n_input > 2 && *n->input[2];
	float *w, *b;
	if (weight_bias(g, n->input[1], bias ? n->input[2] : NULL, (size_t)f, &w, &b) == -1)
		return -1;
	struct value *y = out(g, s);
	if (depthwise)
		emit(g, "depthwise2d kernel=%dx%d stride=%dx%d pad=%dx%d multiplier=%d bias=%d name=%s from=%s", kh, kw,
		     sh, sw, ph, pw, f / c, bias, y->layer, x->layer);
	else
		emit(g, "conv2d %d kernel=%dx%d stride=%dx%d pad=%dx%d bias=%d name=%s from=%s", f, kh, kw, sh, sw, ph,
		     pw, bias, y->layer, x->layer);
	uint64_t d[4] = { (uint64_t)f, depthwise ? 1 : (uint64_t)c, (uint64_t)kh, (uint64_t)kw };
	return put_weight_bias(g, y->layer, w, 4, d, b, (uint64_t)f);
}

static int
conv_transpose(struct im *g)
{
	const Onnx__NodeProto *n = g->node;
	struct value *x = in(g, 0);
	const Onnx__TensorProto *wt = n->n_input > 1 ? constant(g, n->input[1]) : NULL;
	int sh, sw, ph, pw;

	if (!x)
		return -1;
	if (!wt || wt->n_dims != 4 || wt->dims[0] != x->s.c)
		return fail(g, "the weight is not a 4-D initializer of the input's channels");
	if (attr_i(n, "group", 1) != 1)
		return fail(g, "attribute group other than 1 is not supported");
	if (attr(n, "output_shape"))
		return fail(g, "attribute output_shape is not supported");
	if (attr_pair(g, n, "strides", 1, &sh, &sw) || attr_pads(g, n, &ph, &pw) ||
	    only_ones(g, n, "dilations") || only_zeros(g, n, "output_padding"))
		return -1;
	int f = (int)wt->dims[1], kh = (int)wt->dims[2], kw = (int)wt->dims[3];
	nn_shape s = { f, (x->s.h - 1) * sh - 2 * ph + kh, (x->s.w - 1) * sw - 2 * pw + kw };
	int bias = n->n_input > 2 && *n->input[2];
	float *w, *b;
	if (weight_bias(g, n->input[1], bias ? n->input[2] : NULL, (size_t)f, &w, &b) == -1)
		return -1;
	struct value *y = out(g, s);
	emit(g, "conv2d_transpose %d kernel=%dx%d stride=%dx%d pad=%dx%d bias=%d name=%s from=%s", f, kh, kw, sh, sw,
	     ph, pw, bias, y->layer, x->layer);
	uint64_t d[4] = { (uint64_t)x->s.c, (uint64_t)f, (uint64_t)kh, (uint64_t)kw };
	return put_weight_bias(g, y->layer, w, 4, d, b, (uint64_t)f);
}

/* dense from a weight that is units x in (transposed: in x units) and an optional bias. */
static int
dense(struct im *g, struct value *x, const char *wname, int transposed, const char *bname)
{
	const Onnx__TensorProto *wt = constant(g, wname);
	int in_n = (int)nn_shape_size(x->s);

	if (!wt || wt->n_dims != 2)
		return fail(g, "the weight is not a 2-D initializer");
	int units = (int)(transposed ? wt->dims[1] : wt->dims[0]);
	if ((transposed ? wt->dims[0] : wt->dims[1]) != in_n)
		return fail(g, "the weight's shape does not fit the input's %d values", in_n);
	float *w, *b;
	if (weight_bias(g, wname, bname, (size_t)units, &w, &b) == -1)
		return -1;
	if (transposed) {
		float *t = xmalloc((size_t)units * in_n * sizeof *t);
		for (int i = 0; i < in_n; i++)
			for (int u = 0; u < units; u++)
				t[(size_t)u * in_n + i] = w[(size_t)i * units + u];
		free(w);
		w = t;
	}
	struct value *y = out(g, (nn_shape){ units, 1, 1 });
	emit(g, "dense %d bias=%d name=%s from=%s", units, bname != NULL, y->layer, x->layer);
	uint64_t d[2] = { (uint64_t)units, (uint64_t)in_n };
	return put_weight_bias(g, y->layer, w, 2, d, b, (uint64_t)units);
}

static int
gemm(struct im *g)
{
	const Onnx__NodeProto *n = g->node;
	struct value *x = in(g, 0);

	if (!x)
		return -1;
	if (attr_f(n, "alpha", 1) != 1 || attr_f(n, "beta", 1) != 1)
		return fail(g, "attribute alpha or beta other than 1 is not supported");
	if (attr_i(n, "transA", 0) != 0)
		return fail(g, "attribute transA=1 is not supported");
	return dense(g, x, n->input[1], attr_i(n, "transB", 0) == 0, n->n_input > 2 && *n->input[2] ? n->input[2] : NULL);
}

/* MatMul by a constant, and the Add of a constant after it as the bias. */
static int
matmul(struct im *g, size_t at)
{
	const Onnx__GraphProto *gr = g->m->graph;
	const Onnx__NodeProto *n = g->node;
	struct value *x = in(g, 0);
	const char *bias = NULL;

	if (!x)
		return -1;
	for (size_t i = at + 1; i < gr->n_node; i++) {
		const Onnx__NodeProto *a = gr->node[i];
		if (strcmp(a->op_type, "Add") != 0 || a->n_input != 2)
			continue;
		for (int k = 0; k < 2; k++)
			if (strcmp(a->input[k], n->output[0]) == 0 && constant(g, a->input[1 - k])) {
				bias = a->input[1 - k];
				g->done[i] = 1;
				const Onnx__NodeProto *keep = g->node;
				int rc = dense(g, x, n->input[1], 1, bias);
				g->node = keep;
				if (rc == 0) {
					char name[NN_NAME_MAX];
					memcpy(name, g->v[g->nv - 1].layer, sizeof name);
					add_value(g, a->output[0], name, g->v[g->nv - 1].s);
				}
				return rc;
			}
	}
	return dense(g, x, n->input[1], 1, NULL);
}

static int
batchnorm(struct im *g)
{
	const Onnx__NodeProto *n = g->node;
	struct value *x = in(g, 0);

	if (!x)
		return -1;
	if (n->n_input != 5 || attr_i(n, "training_mode", 0) != 0 || n->n_output > 1)
		return fail(g, "only the inference form (5 inputs, one output, training_mode=0) is supported");
	size_t c = (size_t)x->s.c;
	float *p[4] = { NULL, NULL, NULL, NULL };
	const char *what[4] = { "scale", "B", "mean", "var" };
	int rc = 0;
	for (int k = 0; k < 4 && rc == 0; k++)
		if (!(p[k] = floats(g, n->input[k + 1], c, what[k])))
			rc = -1;
	if (rc == 0) {
		float eps = attr_f(n, "epsilon", 1e-5f);
		struct value *y = out(g, x->s);
		emit(g, "batchnorm eps=%.9g name=%s from=%s", eps, y->layer, x->layer);
		float *st = xmalloc(2 * c * sizeof *st);
		memcpy(st, p[2], c * sizeof *st);
		memcpy(st + c, p[3], c * sizeof *st);
		uint64_t d = c, d2 = 2 * c;
		rc = put(g, y->layer, "gamma", p[0], 1, &d);
		if (rc == 0)
			rc = put(g, y->layer, "beta", p[1], 1, &d);
		if (rc == 0)
			rc = put(g, y->layer, "state", st, 1, &d2);
		free(st);
	}
	for (int k = 0; k < 4; k++)
		free(p[k]);
	return rc;
}

static int
pool(struct im *g, const char *type)
{
	const Onnx__NodeProto *n = g->node;
	struct value *x = in(g, 0);
	int kh, kw, sh, sw, ph, pw;

	if (!x)
		return -1;
	if (attr_pair(g, n, "kernel_shape", 0, &kh, &kw) || attr_pair(g, n, "strides", 1, &sh, &sw) ||
	    attr_pads(g, n, &ph, &pw) || only_ones(g, n, "dilations") || only_zeros(g, n, "ceil_mode") ||
	    only_zeros(g, n, "storage_order"))
		return -1;
	if ((ph || pw) && strcmp(type, "maxpool") != 0)
		return fail(g, "attribute pads: the engine's %s does not pad", type);
	if (2 * ph > kh || 2 * pw > kw)
		return fail(g, "attribute pads: at most half the kernel");
	if (kh < 1 || kh > x->s.h + 2 * ph || kw > x->s.w + 2 * pw)
		return fail(g, "attribute kernel_shape %dx%d does not fit the input %dx%d", kh, kw, x->s.h, x->s.w);
	struct value *y = out(g, (nn_shape){ x->s.c, (x->s.h + 2 * ph - kh) / sh + 1, (x->s.w + 2 * pw - kw) / sw + 1 });
	if (ph || pw)
		emit(g, "%s %dx%d stride=%dx%d pad=%dx%d name=%s from=%s", type, kh, kw, sh, sw, ph, pw, y->layer, x->layer);
	else
		emit(g, "%s %dx%d stride=%dx%d name=%s from=%s", type, kh, kw, sh, sw, y->layer, x->layer);
	return 0;
}

static int
gap(struct im *g)
{
	struct value *x = in(g, 0);
	if (!x)
		return -1;
	struct value *y = out(g, (nn_shape){ x->s.c, 1, 1 });
	emit(g, "globalavgpool name=%s from=%s", y->layer, x->layer);
	return 0;
}

static int
flatten(struct im *g)
{
	struct value *x = in(g, 0);
	if (!x)
		return -1;
	int64_t ax = attr_i(g->node, "axis", 1);
	if (ax < 0)
		ax += x->rank;
	if (ax != 1)
		return fail(g, "attribute axis other than 1 is not supported");
	struct value *y = out(g, (nn_shape){ (int)nn_shape_size(x->s), 1, 1 });
	emit(g, "flatten name=%s from=%s", y->layer, x->layer);
	return 0;
}

/* Reshape to N x K (a flatten) or, of a flat value, to N x K x 1 x 1 (nothing to do). */
static int
reshape(struct im *g)
{
	struct value *x = in(g, 0);
	int64_t sh[8];
	int k;

	if (!x || (k = ints(g, g->node->n_input > 1 ? g->node->input[1] : NULL, sh, 8, "shape")) < 0)
		return -1;
	int64_t size = (int64_t)nn_shape_size(x->s);
	if (k == 2 && (sh[1] == -1 || sh[1] == size))
		return x->s.h == 1 && x->s.w == 1 ? alias(g, x) : flatten(g);
	if (k == 4 && sh[1] == x->s.c && sh[2] == 1 && sh[3] == 1 && x->s.h == 1 && x->s.w == 1)
		return alias(g, x);
	if (k == 4 && (sh[1] == x->s.c || sh[1] == 0) && (sh[2] == x->s.h || sh[2] == 0) && (sh[3] == x->s.w || sh[3] == 0))
		return alias(g, x);
	return fail(g, "input shape: only a reshape to a vector (N x K) is supported");
}

static int
join(struct im *g, const char *type)
{
	const Onnx__NodeProto *n = g->node;
	char args[NN_MAX_INPUTS * (NN_NAME_MAX + 1) + 1] = "";
	nn_shape s = { 0, 0, 0 };

	if (n->n_input < 2 || n->n_input > NN_MAX_INPUTS)
		return fail(g, "%zu inputs; the engine joins 2 to %d", n->n_input, NN_MAX_INPUTS);
	int64_t ax = attr_i(n, "axis", 1);
	if (ax < 0 && n->n_input)
		ax += g->rank;
	if (strcmp(type, "concat") == 0 && ax != 1)
		return fail(g, "attribute axis other than 1 is not supported");
	for (size_t k = 0; k < n->n_input; k++) {
		struct value *x = in(g, (int)k);
		if (!x)
			return -1;
		if (k == 0)
			s = x->s;
		else if (strcmp(type, "concat") == 0)
			s.c += x->s.c;
		strcat(args, " ");
		strcat(args, x->layer);
	}
	struct value *y = out(g, s);
	emit(g, "%s%s name=%s", type, args, y->layer);
	return 0;
}

static int
resize(struct im *g)
{
	const Onnx__NodeProto *n = g->node;
	struct value *x = in(g, 0);
	char mode[32], ct[40], nm[32];
	float *sc = NULL;
	int fh, fw;

	if (!x)
		return -1;
	attr_s(n, "mode", "nearest", mode, sizeof mode);
	attr_s(n, "coordinate_transformation_mode", strcmp(n->op_type, "Upsample") == 0 ? "asymmetric" : "half_pixel",
	       ct, sizeof ct);
	attr_s(n, "nearest_mode", "round_prefer_floor", nm, sizeof nm);
	const char *scales = strcmp(n->op_type, "Upsample") == 0 ? (n->n_input > 1 ? n->input[1] : NULL)
	                                                          : (n->n_input > 2 ? n->input[2] : NULL);
	if (scales && *scales && constant(g, scales) && numel(constant(g, scales)) == 4) {
		if (!(sc = floats(g, scales, 4, "scales")))
			return -1;
		fh = (int)sc[2];
		fw = (int)sc[3];
		int ok = sc[0] == 1 && sc[1] == 1 && fh == sc[2] && fw == sc[3];
		free(sc);
		if (!ok)
			return fail(g, "input scales: only whole factors on height and width are supported");
	} else if (n->n_input > 3 && *n->input[3]) {
		int64_t sz[4];
		if (ints(g, n->input[3], sz, 4, "sizes") != 4)
			return -1;
		if (sz[2] % x->s.h || sz[3] % x->s.w)
			return fail(g, "input sizes: only whole factors are supported");
		fh = (int)(sz[2] / x->s.h);
		fw = (int)(sz[3] / x->s.w);
	} else
		return fail(g, "input scales or sizes: not a constant");
	if (fh < 1 || fw < 1)
		return fail(g, "input scales: only upsampling is supported");
	const char *how;
	/* By whole factors f, pixel centres ((o + 0.5) / f - 0.5) round to the nearest floor(o / f)
	 * whichever way halves go (they never fall on one), as asymmetric coordinates (o / f) floor
	 * to it. */
	int centres = (strcmp(ct, "half_pixel") == 0 || strcmp(ct, "pytorch_half_pixel") == 0) &&
	              strncmp(nm, "round_prefer_", 13) == 0;
	if (strcmp(mode, "nearest") == 0 && (centres || (strcmp(ct, "asymmetric") == 0 &&
	    (strcmp(nm, "floor") == 0 || strcmp(n->op_type, "Upsample") == 0))))
		how = "nearest";
	else if (strcmp(mode, "linear") == 0 && (strcmp(ct, "half_pixel") == 0 || strcmp(ct, "pytorch_half_pixel") == 0))
		how = "bilinear";
	else
		return fail(g, "attribute mode=%s with coordinate_transformation_mode=%s, nearest_mode=%s is not "
		            "supported (nearest asymmetric floor or half_pixel, linear half_pixel)", mode, ct, nm);
	struct value *y = out(g, (nn_shape){ x->s.c, x->s.h * fh, x->s.w * fw });
	emit(g, "upsample %dx%d mode=%s name=%s from=%s", fh, fw, how, y->layer, x->layer);
	return 0;
}

static int
clip(struct im *g)
{
	const Onnx__NodeProto *n = g->node;
	float lo = -INFINITY, hi = INFINITY, *v;

	if (attr(n, "min"))
		lo = attr_f(n, "min", lo);
	if (attr(n, "max"))
		hi = attr_f(n, "max", hi);
	if (n->n_input > 1 && *n->input[1]) {
		if (!(v = floats(g, n->input[1], 1, "min")))
			return -1;
		lo = *v;
		free(v);
	}
	if (n->n_input > 2 && *n->input[2]) {
		if (!(v = floats(g, n->input[2], 1, "max")))
			return -1;
		hi = *v;
		free(v);
	}
	if (lo == 0 && isinf(hi))
		return simple(g, "relu", "");
	if (lo == 0 && hi > 0) {
		char a[40];
		snprintf(a, sizeof a, "max=%.9g", hi);
		return simple(g, "relu6", a);
	}
	return fail(g, "attribute min/max: only Clip from 0 (ReLU, ReLU6) is supported, not [%g, %g]", lo, hi);
}

static int
softmax(struct im *g)
{
	struct value *x = in(g, 0);
	if (!x)
		return -1;
	int64_t ax = attr_i(g->node, "axis", -1);
	if (ax < 0)
		ax += x->rank;
	if (ax != 1)
		return fail(g, "attribute axis=%lld: only the channel axis is supported", (long long)ax);
	return simple(g, "softmax", "");
}

/* A features layer as this toolkit exports it: Sub(features, mean), then Div by the deviation;
 * the metadata keys come from the architecture text in the metadata. */
static int
features(struct im *g, size_t at)
{
	const Onnx__GraphProto *gr = g->m->graph;
	const Onnx__NodeProto *n = g->node;
	const char *arch = meta(g->m, "arch"), *line;
	char keys[512] = "";

	if (!arch || !(line = strstr(arch, "\nfeatures ")))
		return fail(g, "input features: the metadata has no architecture with a features line");
	line += 10;
	for (const char *e; *line && *line != '\n'; line = e) {
		line += strspn(line, " \t");
		e = line + strcspn(line, " \t\n#");
		if (e > line && !memchr(line, '=', (size_t)(e - line)) && strlen(keys) + (size_t)(e - line) + 2 < sizeof keys)
			snprintf(keys + strlen(keys), sizeof keys - strlen(keys), " %.*s", (int)(e - line), line);
		if (*e == '#')
			break;
	}
	for (size_t i = at + 1; i < gr->n_node; i++) {
		const Onnx__NodeProto *d = gr->node[i];
		if (strcmp(d->op_type, "Div") != 0 || d->n_input != 2 || strcmp(d->input[0], n->output[0]) != 0)
			continue;
		const Onnx__TensorProto *mt = constant(g, n->input[1]);
		size_t k = mt ? numel(mt) : 0;
		float *m = k ? floats(g, n->input[1], k, "mean") : NULL, *sd = m ? floats(g, d->input[1], k, "std") : NULL;
		if (!sd) {
			free(m);
			return k ? -1 : fail(g, "input mean: not an initializer");
		}
		float *st = xmalloc(2 * k * sizeof *st);
		memcpy(st, m, k * sizeof *st);
		memcpy(st + k, sd, k * sizeof *st);
		g->done[i] = 1;
		char name[32];
		snprintf(name, sizeof name, "L%d", ++g->nlayer);
		add_value(g, d->output[0], name, (nn_shape){ (int)k, 1, 1 });
		emit(g, "features%s name=%s", keys, name);
		uint64_t d2 = 2 * k;
		int rc = put(g, name, "state", st, 1, &d2);
		free(st);
		free(m);
		free(sd);
		return rc;
	}
	return fail(g, "input features: no Div by the deviation after it");
}

static int
node(struct im *g, size_t at)
{
	const Onnx__NodeProto *n = g->node;
	const char *op = n->op_type;
	const struct value *x0 = n->n_input ? find(g, n->input[0]) : NULL;

	g->rank = x0 ? x0->rank : 2;
	if (strcmp(op, "Gemm") == 0 || strcmp(op, "MatMul") == 0 || strcmp(op, "Flatten") == 0 ||
	    strcmp(op, "Reshape") == 0 || strcmp(op, "Sub") == 0)
		g->rank = 2;            /* Reshape: to a vector, or an alias (which keeps rank 2 as well) */
	if (strstr(op, "Pool") || strncmp(op, "Conv", 4) == 0 || strcmp(op, "Resize") == 0 || strcmp(op, "Upsample") == 0)
		g->rank = 4;

	if (n->domain && *n->domain && strcmp(n->domain, "ai.onnx") != 0)
		return fail(g, "operators of domain %s are not supported", n->domain);
	if (n->n_output < 1 || (n->n_output > 1 && strcmp(op, "Dropout") != 0))
		return fail(g, "%zu outputs", n->n_output);
	if (strcmp(op, "Sub") == 0 && n->n_input == 2 && strcmp(n->input[0], "features") == 0 && meta(g->m, "pixels"))
		return features(g, at);
	if (strcmp(op, "Conv") == 0)
		return conv(g);
	if (strcmp(op, "ConvTranspose") == 0)
		return conv_transpose(g);
	if (strcmp(op, "Gemm") == 0)
		return gemm(g);
	if (strcmp(op, "MatMul") == 0)
		return matmul(g, at);
	if (strcmp(op, "BatchNormalization") == 0)
		return batchnorm(g);
	if (strcmp(op, "Relu") == 0)
		return simple(g, "relu", "");
	if (strcmp(op, "LeakyRelu") == 0) {
		char a[32];
		snprintf(a, sizeof a, "%.9g", attr_f(n, "alpha", 0.01f));
		return simple(g, "leakyrelu", a);
	}
	if (strcmp(op, "Sigmoid") == 0)
		return simple(g, "sigmoid", "");
	if (strcmp(op, "Softmax") == 0)
		return softmax(g);
	if (strcmp(op, "Clip") == 0)
		return clip(g);
	if (strcmp(op, "MaxPool") == 0)
		return pool(g, "maxpool");
	if (strcmp(op, "AveragePool") == 0)
		return pool(g, "avgpool");
	if (strcmp(op, "GlobalAveragePool") == 0)
		return gap(g);
	if (strcmp(op, "Flatten") == 0)
		return flatten(g);
	if (strcmp(op, "Reshape") == 0)
		return reshape(g);
	if (strcmp(op, "Add") == 0 || strcmp(op, "Sum") == 0)
		return join(g, "add");
	if (strcmp(op, "Concat") == 0)
		return join(g, "concat");
	if (strcmp(op, "Resize") == 0 || strcmp(op, "Upsample") == 0)
		return resize(g);
	if (strcmp(op, "Dropout") == 0 || strcmp(op, "Identity") == 0) {
		struct value *x = in(g, 0);
		return x ? alias(g, x) : -1;
	}
	if (strcmp(op, "Constant") == 0)
		return 0;
	return fail(g, "operator %s is not supported", op);
}

/* ---- the model ---- */


/* The graph input that is not an initializer: N x C x H x W. */
static int
graph_input(struct im *g, nn_shape *s, const char **name)
{
	const Onnx__GraphProto *gr = g->m->graph;

	for (size_t i = 0; i < gr->n_input; i++) {
		const Onnx__ValueInfoProto *v = gr->input[i];
		if (constant(g, v->name) || (strcmp(v->name, "features") == 0 && meta(g->m, "pixels")))
			continue;
		const Onnx__TypeProto *t = v->type;
		if (!t || t->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !t->tensor_type->shape ||
		    t->tensor_type->shape->n_dim < 2 || t->tensor_type->shape->n_dim > 4)
			return fail(g, "input '%s' is not a tensor of 2 to 4 dimensions (N x C x H x W)", v->name);
		Onnx__TensorShapeProto__Dimension **d = t->tensor_type->shape->dim;
		int nd = (int)t->tensor_type->shape->n_dim;
		for (int k = 1; k < nd; k++)
			if (d[k]->value_case != ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE || d[k]->dim_value < 1 ||
			    d[k]->dim_value > 65535)
				return fail(g, "input '%s': dimension %d is not a fixed size", v->name, k);
		if (t->tensor_type->elem_type != ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT)
			return fail(g, "input '%s' is not float", v->name);
		/* N x C, N x C x H: the engine's C x 1 x 1, C x H x 1 (channels stay axis 1) */
		*s = (nn_shape){ (int)d[1]->dim_value, nd > 2 ? (int)d[2]->dim_value : 1, nd > 3 ? (int)d[3]->dim_value : 1 };
		g->rank = nd;
		*name = v->name;
		if (i + 1 < gr->n_input)
			for (size_t j = i + 1; j < gr->n_input; j++)
				if (!constant(g, gr->input[j]->name) &&
				    !(strcmp(gr->input[j]->name, "features") == 0 && meta(g->m, "pixels")))
					return fail(g, "input '%s': one image input is supported, not several",
					            gr->input[j]->name);
		return 0;
	}
	return fail(g, "the graph has no input");
}

/* Classes: the metadata's, else --classes, else class_0 ... for the output's size. */
static int
classes(struct im *g, const onnx_import_opts *o, int nout)
{
	const char *nc = meta(g->m, "nclasses");
	char key[32];

	if (nc && !o->classes) {
		ts_set(g->rec, "nclasses", nc);
		for (int i = 0; i < atoi(nc); i++) {
			snprintf(key, sizeof key, "class.%d", i);
			const char *c = meta(g->m, key);
			if (!c)
				return fail(g, "metadata nclasses=%s but no %s", nc, key);
			ts_set(g->rec, key, c);
		}
		return 0;
	}
	int n = 0;
	if (o->classes) {
		char *s = xstrdup(o->classes), *save, *t;
		for (t = strtok_r(s, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			snprintf(key, sizeof key, "class.%d", n++);
			ts_set(g->rec, key, t);
		}
		free(s);
	} else {
		n = nout == 1 ? 2 : nout;
		for (int i = 0; i < n; i++) {
			snprintf(key, sizeof key, "class.%d", i);
			ts_setf(g->rec, key, "class_%d", i);
		}
	}
	ts_setf(g->rec, "nclasses", "%d", n);
	return 0;
}

static int
normalisation(struct im *g, const onnx_import_opts *o, int c)
{
	const char *norm = o->normalize ? o->normalize : meta(g->m, "normalize");
	float v[4];

	if (!norm)
		norm = "scale";
	if (nn_norm_parse(norm) < 0)
		return fail(g, "unknown normalisation '%s'", norm);
	ts_set(g->rec, "normalize", norm);
	int ms = strcmp(norm, "mean-std") == 0 || strcmp(norm, "standardize") == 0;
	const char *mean = o->mean ? o->mean : meta(g->m, "norm_mean");
	const char *std = o->std ? o->std : meta(g->m, "norm_std");
	if (!ms)
		return 0;
	if (!mean || !std || c > 4 || nn_norm_parse_list(mean, v, c) != 0 || nn_norm_parse_list(std, v, c) != 0)
		return fail(g, "%s wants --mean and --std, one number or %d each", norm, c);
	ts_set(g->rec, "norm_mean", mean);
	ts_set(g->rec, "norm_std", std);
	return 0;
}

static int
walk(struct im *g, const onnx_import_opts *o)
{
	const Onnx__GraphProto *gr = g->m->graph;
	const char *iname = NULL;
	nn_shape s = { 0, 0, 0 };
	int ours = meta(g->m, "pixels") != NULL;

	if (!gr)
		return fail(g, "no graph");
	g->v = xcalloc(2 * gr->n_node + 2, sizeof *g->v);
	if (graph_input(g, &s, &iname) != 0)
		return -1;
	emit(g, "input %dx%dx%d", s.c, s.h, s.w);
	add_value(g, ours ? "input" : iname, "input", s);
	g->done = xcalloc(gr->n_node + 1, 1);
	for (size_t i = 0; i < gr->n_node; i++) {
		g->node = gr->node[i];
		if (g->done[i] || (ours && g->node->name && strncmp(g->node->name, "norm/", 5) == 0))
			continue;
		if (node(g, i) != 0)
			return -1;
	}
	g->node = NULL;
	if (gr->n_output != 1)
		return fail(g, "the graph has %zu outputs; one is supported", gr->n_output);
	struct value *y = find(g, gr->output[0]->name);
	if (!y || g->nlayer == 0 || strcmp(y->layer, g->v[g->nv - 1].layer) != 0)
		return fail(g, "output '%s' is not the last layer's", gr->output[0]->name);
	ts_setf(g->rec, "input", "%dx%dx%d", s.c, s.h, s.w);
	if (classes(g, o, y->s.c) != 0 || normalisation(g, o, s.c) != 0)
		return -1;
	ts_set(g->rec, "arch", g->arch);
	return 0;
}

int
onnx_sniff(const unsigned char *buf, size_t len)
{
	return len >= 2 && buf[0] == 0x08;      /* field 1 (ir_version), varint */
}

int
onnx_import(const unsigned char *buf, size_t len, const onnx_import_opts *o, ts_record *rec, char *err,
            size_t errlen)
{
	struct im g = { .rec = rec, .err = err, .errlen = errlen };
	int rc;

	g.m = onnx__model_proto__unpack(NULL, len, buf);
	if (!g.m)
		return errorf(err, errlen, "not a valid ONNX model (protobuf could not be read)");
	ts_set(rec, "kind", "cnnmodel");
	ts_setf(rec, "model_version", "%d", NN_MODEL_VERSION);
	rc = walk(&g, o);
	if (rc == 0 && g.m->producer_name)
		ts_setf(rec, "onnx_producer", "%s %s", g.m->producer_name,
		        g.m->producer_version ? g.m->producer_version : "");
	onnx__model_proto__free_unpacked(g.m, NULL);
	free(g.arch);
	free(g.v);
	free(g.done);
	return rc;
}
