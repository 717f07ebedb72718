/* Building ONNX graphs with protobuf-c (onnx_build.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onnx_build.h"
#include "util/util.h"

void
ob_init(ob *b, Onnx__GraphProto *g)
{
	memset(b, 0, sizeof *b);
	b->g = g;
}

void
ob_free(ob *b)
{
	for (size_t i = 0; i < b->nmem; i++)
		free(b->mem[i]);
	free(b->mem);
	b->mem = NULL;
	b->nmem = b->capmem = 0;
}

void *
ob_alloc(ob *b, size_t n)
{
	void *p = xcalloc(1, n ? n : 1);

	if (b->nmem == b->capmem) {
		b->capmem = b->capmem ? 2 * b->capmem : 256;
		b->mem = xreallocarray(b->mem, b->capmem, sizeof *b->mem);
	}
	b->mem[b->nmem++] = p;
	return p;
}

char *
ob_str(ob *b, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	s = ob_alloc(b, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

/* Arrays grow by doubling at powers of two, so the count alone says when. */
void
ob_push(ob *b, void ***arr, size_t *n, void *p)
{
	if ((*n & (*n - 1)) == 0) {
		size_t cap = *n ? 2 * *n : 1;
		void **a = ob_alloc(b, cap * sizeof *a);
		if (*n)
			memcpy(a, *arr, *n * sizeof *a);
		*arr = a;
	}
	(*arr)[(*n)++] = p;
}

Onnx__NodeProto *
ob_node(ob *b, const char *op, const char *name, int nin, const char *const *in, const char *out)
{
	Onnx__NodeProto *n = ob_alloc(b, sizeof *n);

	onnx__node_proto__init(n);
	n->op_type = ob_str(b, "%s", op);
	n->name = ob_str(b, "%s", name);
	n->input = ob_alloc(b, (size_t)(nin ? nin : 1) * sizeof *n->input);
	for (int i = 0; i < nin; i++)
		if (in[i])
			n->input[n->n_input++] = ob_str(b, "%s", in[i]);
	n->output = ob_alloc(b, sizeof *n->output);
	n->output[0] = ob_str(b, "%s", out);
	n->n_output = 1;
	ob_push(b, (void ***)&b->g->node, &b->g->n_node, n);
	return n;
}

static Onnx__AttributeProto *
attr(ob *b, Onnx__NodeProto *n, const char *name, Onnx__AttributeProto__AttributeType type)
{
	Onnx__AttributeProto *a = ob_alloc(b, sizeof *a);

	onnx__attribute_proto__init(a);
	a->name = ob_str(b, "%s", name);
	a->has_type = 1;
	a->type = type;
	ob_push(b, (void ***)&n->attribute, &n->n_attribute, a);
	return a;
}

void
ob_attr_int(ob *b, Onnx__NodeProto *n, const char *name, int64_t v)
{
	Onnx__AttributeProto *a = attr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);
	a->has_i = 1;
	a->i = v;
}

void
ob_attr_float(ob *b, Onnx__NodeProto *n, const char *name, float v)
{
	Onnx__AttributeProto *a = attr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT);
	a->has_f = 1;
	a->f = v;
}

void
ob_attr_str(ob *b, Onnx__NodeProto *n, const char *name, const char *v)
{
	Onnx__AttributeProto *a = attr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING);
	a->has_s = 1;
	a->s.data = (uint8_t *)ob_str(b, "%s", v);
	a->s.len = strlen(v);
}

void
ob_attr_ints(ob *b, Onnx__NodeProto *n, const char *name, int k, const int64_t *v)
{
	Onnx__AttributeProto *a = attr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS);
	a->ints = ob_alloc(b, (size_t)k * sizeof *a->ints);
	memcpy(a->ints, v, (size_t)k * sizeof *v);
	a->n_ints = (size_t)k;
}

static Onnx__TensorProto *
tensor(ob *b, const char *name, int ndim, const int64_t *dims, int type)
{
	Onnx__TensorProto *t = ob_alloc(b, sizeof *t);

	onnx__tensor_proto__init(t);
	t->name = ob_str(b, "%s", name);
	t->dims = ob_alloc(b, (size_t)(ndim ? ndim : 1) * sizeof *t->dims);
	for (int i = 0; i < ndim; i++)
		t->dims[i] = dims[i];
	t->n_dims = (size_t)ndim;
	t->has_data_type = 1;
	t->data_type = type;
	ob_push(b, (void ***)&b->g->initializer, &b->g->n_initializer, t);
	return t;
}

static size_t
count(int ndim, const int64_t *dims)
{
	size_t n = 1;
	for (int i = 0; i < ndim; i++)
		n *= (size_t)dims[i];
	return n;
}

/* raw_data is little-endian, as the machines this builds on are. */
const char *
ob_init_f32(ob *b, const char *name, int ndim, const int64_t *dims, const float *v)
{
	Onnx__TensorProto *t = tensor(b, name, ndim, dims, ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT);
	t->has_raw_data = 1;
	t->raw_data.data = (uint8_t *)v;
	t->raw_data.len = count(ndim, dims) * sizeof(float);
	return t->name;
}

const char *
ob_init_f32_copy(ob *b, const char *name, int ndim, const int64_t *dims, const float *v)
{
	size_t n = count(ndim, dims) * sizeof(float);
	float *c = ob_alloc(b, n);
	memcpy(c, v, n);
	return ob_init_f32(b, name, ndim, dims, c);
}

const char *
ob_init_i64(ob *b, const char *name, int n, const int64_t *v)
{
	int64_t d = n;
	Onnx__TensorProto *t = tensor(b, name, 1, &d, ONNX__TENSOR_PROTO__DATA_TYPE__INT64);
	t->int64_data = ob_alloc(b, (size_t)n * sizeof *v);
	memcpy(t->int64_data, v, (size_t)n * sizeof *v);
	t->n_int64_data = (size_t)n;
	return t->name;
}

Onnx__ValueInfoProto *
ob_value(ob *b, const char *name, int ndim, const int64_t *dims)
{
	Onnx__ValueInfoProto *v = ob_alloc(b, sizeof *v);
	Onnx__TypeProto *tp = ob_alloc(b, sizeof *tp);
	Onnx__TypeProto__Tensor *tt = ob_alloc(b, sizeof *tt);
	Onnx__TensorShapeProto *sh = ob_alloc(b, sizeof *sh);

	onnx__value_info_proto__init(v);
	onnx__type_proto__init(tp);
	onnx__type_proto__tensor__init(tt);
	onnx__tensor_shape_proto__init(sh);
	for (int i = 0; i < ndim; i++) {
		Onnx__TensorShapeProto__Dimension *d = ob_alloc(b, sizeof *d);
		onnx__tensor_shape_proto__dimension__init(d);
		if (dims[i] < 0) {
			d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
			d->dim_param = ob_str(b, "N");
		} else {
			d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
			d->dim_value = dims[i];
		}
		ob_push(b, (void ***)&sh->dim, &sh->n_dim, d);
	}
	tt->has_elem_type = 1;
	tt->elem_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
	tt->shape = sh;
	tp->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
	tp->tensor_type = tt;
	v->name = ob_str(b, "%s", name);
	v->type = tp;
	return v;
}
