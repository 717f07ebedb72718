/* A network as an ONNX graph (onnx.h): the normalisation, then one node or a few per layer. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "onnx/onnx.h"
#include "onnx_build.h"
#include "util/util.h"

/* An activation as a graph value: its name and rank (4: N x C x H x W, 2: N x K). */
struct val {
	const char *name;
	int rank;
};

struct ex {
	ob b;
	const nn_net *net;
	struct val *v;          /* v[0] the normalised input, v[i + 1] layer i's output */
	char *err;
	size_t errlen;
};

static const char *
node1(struct ex *e, const char *op, const char *name, const char *in, const char *out)
{
	ob_node(&e->b, op, name, 1, &in, out);
	return out;
}

static const char *
node2(struct ex *e, const char *op, const char *name, const char *a, const char *b, const char *out)
{
	const char *in[2] = { a, b };
	ob_node(&e->b, op, name, 2, in, out);
	return out;
}

static const char *
scalar(struct ex *e, const char *name, float v)
{
	int64_t one = 1;
	return ob_init_f32_copy(&e->b, name, 1, &one, &v);
}

/* A scalar of rank 0 (Clip's min and max). */
static const char *
scalar0(struct ex *e, const char *name, float v)
{
	return ob_init_f32_copy(&e->b, name, 0, NULL, &v);
}

/* The value of activation a as rank 4 (a dense output: N x K x 1 x 1) or rank 2. */
static const char *
as4(struct ex *e, int a, nn_shape s)
{
	if (e->v[a].rank == 4)
		return e->v[a].name;
	int k = ++e->b.tmp;
	const char *v = e->v[a].name;
	int64_t d[4] = { 0, s.c, s.h, s.w };
	const char *shape = ob_init_i64(&e->b, ob_str(&e->b, "%s/shape4_%d", v, k), 4, d);
	return node2(e, "Reshape", ob_str(&e->b, "%s/to4_%d", v, k), v, shape, ob_str(&e->b, "%s/4d_%d", v, k));
}

static const char *
as2(struct ex *e, int a)
{
	if (e->v[a].rank == 2)
		return e->v[a].name;
	int k = ++e->b.tmp;
	const char *v = e->v[a].name;
	Onnx__NodeProto *n = ob_node(&e->b, "Flatten", ob_str(&e->b, "%s/to2_%d", v, k), 1, &v,
	                             ob_str(&e->b, "%s/2d_%d", v, k));
	ob_attr_int(&e->b, n, "axis", 1);
	return n->output[0];
}

/* x * a + b per channel, with a and b computed as nn_norm_apply computes them. */
static const char *
norm_affine(struct ex *e, const char *x, const nn_norm *nm, int c)
{
	float a[4], b[4];
	int64_t d[4] = { 1, c, 1, 1 };

	for (int k = 0; k < c; k++) {
		if (nm->method == NN_NORM_SCALE) {
			a[k] = 1.0f / 255;
			b[k] = 0;
		} else {
			a[k] = 1.0f / (255 * nm->std[k]);
			b[k] = -nm->mean[k] / nm->std[k];
		}
	}
	const char *A = ob_init_f32_copy(&e->b, "norm/a", 4, d, a);
	const char *B = ob_init_f32_copy(&e->b, "norm/b", 4, d, b);
	const char *y = node2(e, "Mul", "norm/mul", x, A, "norm/scaled");
	return node2(e, "Add", "norm/add", y, B, "input");
}

/* TensorFlow's per_image_standardization: (x / 255 - m) / max(s, 1 / sqrt(N)). */
static const char *
norm_per_image(struct ex *e, const char *x, nn_shape in)
{
	int64_t axes[3] = { 1, 2, 3 };
	Onnx__NodeProto *n;

	n = ob_node(&e->b, "ReduceMean", "norm/mean", 1, &x, "norm/m255");
	ob_attr_ints(&e->b, n, "axes", 3, axes);
	const char *x2 = node2(e, "Mul", "norm/square", x, x, "norm/x2");
	n = ob_node(&e->b, "ReduceMean", "norm/mean2", 1, &x2, "norm/m2");
	ob_attr_ints(&e->b, n, "axes", 3, axes);
	const char *m = node2(e, "Div", "norm/m", "norm/m255", scalar(e, "norm/255", 255), "norm/mu");
	const char *ex2 = node2(e, "Div", "norm/ex2", "norm/m2", scalar(e, "norm/65025", 65025), "norm/ex2v");
	const char *mm = node2(e, "Mul", "norm/musq", m, m, "norm/mu2");
	const char *v = node2(e, "Sub", "norm/var", ex2, mm, "norm/v");
	v = node2(e, "Max", "norm/var0", v, scalar(e, "norm/zero", 0), "norm/v0");
	const char *sd = node1(e, "Sqrt", "norm/sd", v, "norm/s");
	float lo = (float)(1 / sqrt((double)nn_shape_size(in)));
	sd = node2(e, "Max", "norm/sdlo", sd, scalar(e, "norm/lo", lo), "norm/slo");
	const char *d = node2(e, "Sub", "norm/sub", x, "norm/m255", "norm/centred");
	const char *s255 = node2(e, "Mul", "norm/sd255", sd, "norm/255", "norm/s255");
	return node2(e, "Div", "norm/div", d, s255, "input");
}

static const char *
normalise(struct ex *e, const char *x, const nn_model_info *mi)
{
	switch (mi->norm.method) {
	case NN_NORM_PER_IMAGE:
		return norm_per_image(e, x, e->net->input);
	case NN_NORM_STANDARDIZE:
	case NN_NORM_MEAN_STD:
		if (mi->norm.c != e->net->input.c) {
			errorf(e->err, e->errlen, "the normalisation has %d channels, the input %d", mi->norm.c,
			       e->net->input.c);
			return NULL;
		}
		return norm_affine(e, x, &mi->norm, e->net->input.c);
	default:
		return norm_affine(e, x, &(nn_norm){ .method = NN_NORM_SCALE }, e->net->input.c);
	}
}

static void
ints2(struct ex *e, Onnx__NodeProto *n, const char *name, int a, int b)
{
	int64_t v[2] = { a, b };
	ob_attr_ints(&e->b, n, name, 2, v);
}

static void
pads(struct ex *e, Onnx__NodeProto *n, int ph, int pw)
{
	int64_t v[4] = { ph, pw, ph, pw };
	ob_attr_ints(&e->b, n, "pads", 4, v);
}

static const char *
param(struct ex *e, const nn_layer *l, int i)
{
	const nn_param *p = &l->param[i];
	int64_t d[4];
	for (int k = 0; k < p->ndim; k++)
		d[k] = p->dims[k];
	return ob_init_f32(&e->b, p->name, p->ndim, d, p->w);
}

static void
conv(struct ex *e, const nn_layer *l, const char *x, int transposed, int group)
{
	const char *in[3] = { x, param(e, l, 0), l->bias ? param(e, l, 1) : NULL };
	Onnx__NodeProto *n = ob_node(&e->b, transposed ? "ConvTranspose" : "Conv", l->name, 3, in, l->name);

	ints2(e, n, "kernel_shape", l->kh, l->kw);
	ints2(e, n, "strides", l->sh, l->sw);
	pads(e, n, l->ph, l->pw);
	if (group > 1)
		ob_attr_int(&e->b, n, "group", group);
}

static void
dense(struct ex *e, const nn_layer *l, const char *x)
{
	const char *in[3] = { x, param(e, l, 0), l->bias ? param(e, l, 1) : NULL };
	Onnx__NodeProto *n = ob_node(&e->b, "Gemm", l->name, 3, in, l->name);
	ob_attr_int(&e->b, n, "transB", 1);
}

static void
pool(struct ex *e, const nn_layer *l, const char *x, const char *op)
{
	Onnx__NodeProto *n = ob_node(&e->b, op, l->name, 1, &x, l->name);
	ints2(e, n, "kernel_shape", l->kh, l->kw);
	ints2(e, n, "strides", l->sh, l->sw);
	if (l->ph || l->pw)
		pads(e, n, l->ph, l->pw);
}

static void
upsample(struct ex *e, const nn_layer *l, const char *x)
{
	float sc[4] = { 1, 1, (float)l->sh, (float)l->sw };
	int64_t four = 4;
	const char *in[3] = { x, "", ob_init_f32_copy(&e->b, ob_str(&e->b, "%s/scales", l->name), 1, &four, sc) };
	Onnx__NodeProto *n = ob_node(&e->b, "Resize", l->name, 3, in, l->name);
	if (l->bias) {          /* bilinear: pixel centres, as the layer samples */
		ob_attr_str(&e->b, n, "mode", "linear");
		ob_attr_str(&e->b, n, "coordinate_transformation_mode", "half_pixel");
	} else {
		ob_attr_str(&e->b, n, "mode", "nearest");
		ob_attr_str(&e->b, n, "coordinate_transformation_mode", "asymmetric");
		ob_attr_str(&e->b, n, "nearest_mode", "floor");
	}
}

static void
batchnorm(struct ex *e, const nn_layer *l, const char *x)
{
	int64_t c = l->in.c;
	const char *in[5] = { x, param(e, l, 0), param(e, l, 1),
		ob_init_f32(&e->b, ob_str(&e->b, "%s.mean", l->name), 1, &c, l->state),
		ob_init_f32(&e->b, ob_str(&e->b, "%s.var", l->name), 1, &c, l->state + l->in.c) };
	Onnx__NodeProto *n = ob_node(&e->b, "BatchNormalization", l->name, 5, in, l->name);
	ob_attr_float(&e->b, n, "epsilon", l->eps);
}

/* The features layer: a second graph input, standardised with the layer's state. */
static void
features(struct ex *e, const nn_layer *l)
{
	int k = l->out.c;
	int64_t d[2] = { 1, k };
	float *sd = ob_alloc(&e->b, (size_t)k * sizeof *sd);

	for (int i = 0; i < k; i++)
		sd[i] = l->state[k + i] > 0 ? l->state[k + i] : 1;
	const char *m = ob_init_f32(&e->b, ob_str(&e->b, "%s.mean", l->name), 2, d, l->state);
	const char *s = ob_init_f32(&e->b, ob_str(&e->b, "%s.std", l->name), 2, d, sd);
	const char *c = node2(e, "Sub", ob_str(&e->b, "%s/sub", l->name), "features", m,
	                      ob_str(&e->b, "%s/centred", l->name));
	node2(e, "Div", l->name, c, s, l->name);
}

/* concat and add: every input at one rank (2 when all are K x 1 x 1). */
static int
join(struct ex *e, const nn_layer *l)
{
	int flat = 1;
	const char *in[NN_MAX_INPUTS];

	for (int k = 0; k < l->nin; k++) {
		flat &= l->ins[k].h == 1 && l->ins[k].w == 1;
	}
	int rank = flat ? 2 : 4;
	for (int k = 0; k < l->nin; k++)
		in[k] = rank == 2 ? as2(e, l->src[k]) : as4(e, l->src[k], l->ins[k]);
	if (strcmp(l->ops->type, "concat") == 0) {
		Onnx__NodeProto *n = ob_node(&e->b, "Concat", l->name, l->nin, in, l->name);
		ob_attr_int(&e->b, n, "axis", 1);
	} else {
		ob_node(&e->b, l->nin == 2 ? "Add" : "Sum", l->name, l->nin, in, l->name);
	}
	return rank;
}

/* One layer; returns the rank of its output, 0 for dropout (its input passes on), -1 on error. */
static int
layer(struct ex *e, const nn_layer *l)
{
	const char *t = l->ops->type;
	int a = l->src[0];
	const char *x = e->v[a].name;

	if (strcmp(t, "conv2d") == 0)
		conv(e, l, as4(e, a, l->in), 0, 1);
	else if (strcmp(t, "depthwise2d") == 0)
		conv(e, l, as4(e, a, l->in), 0, l->in.c);
	else if (strcmp(t, "conv2d_transpose") == 0)
		conv(e, l, as4(e, a, l->in), 1, 1);
	else if (strcmp(t, "maxpool") == 0)
		pool(e, l, as4(e, a, l->in), "MaxPool");
	else if (strcmp(t, "avgpool") == 0)
		pool(e, l, as4(e, a, l->in), "AveragePool");
	else if (strcmp(t, "globalavgpool") == 0)
		node1(e, "GlobalAveragePool", l->name, as4(e, a, l->in), l->name);
	else if (strcmp(t, "upsample") == 0)
		upsample(e, l, as4(e, a, l->in));
	else if (strcmp(t, "batchnorm") == 0) {
		batchnorm(e, l, x);
		return e->v[a].rank;
	} else if (strcmp(t, "dense") == 0) {
		dense(e, l, as2(e, a));
		return 2;
	} else if (strcmp(t, "flatten") == 0) {
		Onnx__NodeProto *n = ob_node(&e->b, "Flatten", l->name, 1, &x, l->name);
		ob_attr_int(&e->b, n, "axis", 1);
		return 2;
	} else if (strcmp(t, "features") == 0) {
		features(e, l);
		return 2;
	} else if (strcmp(t, "concat") == 0 || strcmp(t, "add") == 0)
		return join(e, l);
	else if (strcmp(t, "dropout") == 0)
		return 0;
	else if (strcmp(t, "relu") == 0 || strcmp(t, "sigmoid") == 0) {
		node1(e, t[0] == 'r' ? "Relu" : "Sigmoid", l->name, x, l->name);
		return e->v[a].rank;
	} else if (strcmp(t, "relu6") == 0) {
		const char *in[3] = { x, scalar0(e, ob_str(&e->b, "%s/min", l->name), 0),
			scalar0(e, ob_str(&e->b, "%s/max", l->name), l->slope) };
		ob_node(&e->b, "Clip", l->name, 3, in, l->name);
		return e->v[a].rank;
	} else if (strcmp(t, "leakyrelu") == 0) {
		Onnx__NodeProto *n = ob_node(&e->b, "LeakyRelu", l->name, 1, &x, l->name);
		ob_attr_float(&e->b, n, "alpha", l->slope);
		return e->v[a].rank;
	} else if (strcmp(t, "softmax") == 0) {
		Onnx__NodeProto *n = ob_node(&e->b, "Softmax", l->name, 1, &x, l->name);
		ob_attr_int(&e->b, n, "axis", 1);
		return e->v[a].rank;
	} else
		return errorf(e->err, e->errlen, "layer %s: ONNX export does not know layer type %s", l->name, t);
	return 4;
}

static void
meta(struct ex *e, Onnx__ModelProto *m, const char *key, const char *val)
{
	Onnx__StringStringEntryProto *p = ob_alloc(&e->b, sizeof *p);
	onnx__string_string_entry_proto__init(p);
	p->key = ob_str(&e->b, "%s", key);
	p->value = ob_str(&e->b, "%s", val);
	ob_push(&e->b, (void ***)&m->metadata_props, &m->n_metadata_props, p);
}

static int
graph(struct ex *e, const nn_model_info *mi)
{
	const nn_net *net = e->net;
	Onnx__GraphProto *g = e->b.g;
	int64_t d[4] = { -1, net->input.c, net->input.h, net->input.w };

	ob_push(&e->b, (void ***)&g->input, &g->n_input, ob_value(&e->b, "pixels", 4, d));
	if (net->nfeat) {
		int64_t fd[2] = { -1, net->nfeat };
		ob_push(&e->b, (void ***)&g->input, &g->n_input, ob_value(&e->b, "features", 2, fd));
	}
	e->v[0].name = normalise(e, "pixels", mi);
	e->v[0].rank = 4;
	if (!e->v[0].name)
		return -1;
	for (int i = 0; i < net->nlayer; i++) {
		int r = layer(e, &net->layer[i]);
		if (r < 0)
			return -1;
		e->v[i + 1] = r ? (struct val){ net->layer[i].name, r } : e->v[net->layer[i].src[0]];
	}
	struct val last = e->v[net->nlayer];
	nn_shape o = nn_output_shape(net);
	node1(e, "Identity", "output", last.name, "scores");
	int64_t od[4] = { -1, o.c, o.h, o.w };
	ob_push(&e->b, (void ***)&g->output, &g->n_output, ob_value(&e->b, "scores", last.rank, od));
	return 0;
}

int
onnx_export(const nn_net *net, const ts_record *rec, const nn_model_info *mi, unsigned char **buf,
            size_t *len, char *err, size_t errlen)
{
	Onnx__ModelProto m = ONNX__MODEL_PROTO__INIT;
	Onnx__GraphProto g = ONNX__GRAPH_PROTO__INIT;
	Onnx__OperatorSetIdProto op = ONNX__OPERATOR_SET_ID_PROTO__INIT;
	Onnx__OperatorSetIdProto *ops[1] = { &op };
	struct ex e = { .net = net, .err = err, .errlen = errlen };
	int rc = -1;

	ob_init(&e.b, &g);
	e.v = ob_alloc(&e.b, (size_t)(net->nlayer + 1) * sizeof *e.v);
	g.name = "cnnmodel";
	m.has_ir_version = 1;
	m.ir_version = 7;
	op.domain = "";
	op.has_version = 1;
	op.version = ONNX_OPSET;
	m.opset_import = ops;
	m.n_opset_import = 1;
	m.producer_name = "cnnconvert";
	m.producer_version = "1";
	m.graph = &g;
	if (graph(&e, mi) != 0)
		goto out;
	for (size_t i = 0; rec && i < rec->nmeta; i++)
		meta(&e, &m, rec->meta[i].key, rec->meta[i].val);
	meta(&e, &m, "pixels", "float N x C x H x W, the u8 pixel values 0..255 unscaled");
	*len = protobuf_c_message_get_packed_size(&m.base);
	*buf = malloc(*len ? *len : 1);
	if (!*buf) {
		errorf(err, errlen, "out of memory");
		goto out;
	}
	protobuf_c_message_pack(&m.base, *buf);
	rc = 0;
out:
	ob_free(&e.b);
	return rc;
}
