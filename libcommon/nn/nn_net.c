/* Building a network from its architecture text; the forward and backward passes. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"
#include "util/util.h"

struct nn_chunk { struct nn_chunk *next; max_align_t align[]; };

void *
nn_alloc(nn_net *net, size_t bytes)
{
	struct nn_chunk *c;

	if (bytes > SIZE_MAX - sizeof *c - 64)
		die("network too large");
	c = calloc(1, sizeof *c + bytes + 64);
	if (!c)
		die("out of memory building the network (%zu bytes)", bytes);
	c->next = net->arena;
	net->arena = c;
	/* 64-byte alignment for the kernels */
	uintptr_t p = ((uintptr_t)c->align + 63) & ~(uintptr_t)63;
	return (void *)p;
}

struct nn_scratch_req { void **dst; size_t bytes; int layer; };

void
nn_scratch(nn_net *net, void *dst, size_t bytes)
{
	if (net->nsreq == net->capsreq) {
		net->capsreq = net->capsreq ? 2 * net->capsreq : 64;
		net->sreq = xrealloc(net->sreq, (size_t)net->capsreq * sizeof *net->sreq);
	}
	net->sreq[net->nsreq++] = (struct nn_scratch_req){ dst, (bytes + 63) & ~(size_t)63, net->setup_layer };
}

/* Each layer's requests side by side from the start of one region (layers run one at a time). */
static void
place_scratch(nn_net *net)
{
	const char *no = getenv("NN_NO_SHARE");
	int share = !(no && *no == '1');
	size_t *used = xcalloc((size_t)net->nlayer + 1, sizeof *used), end = 0;

	size_t *off = xcalloc((size_t)net->nsreq + 1, sizeof *off);
	for (int i = 0; i < net->nsreq; i++) {
		size_t *u = share ? &used[net->sreq[i].layer] : &used[0];
		off[i] = *u;
		*u += net->sreq[i].bytes;
		end = *u > end ? *u : end;
	}
	char *base = nn_alloc(net, end ? end : 64);
	for (int i = 0; i < net->nsreq; i++)
		*net->sreq[i].dst = base + off[i];
	free(off);
	net->scratch_bytes = end;
	free(used);
	free(net->sreq);
	net->sreq = NULL;
	net->nsreq = net->capsreq = 0;
}

nn_param *
nn_add_param(nn_layer *l, nn_net *net, const char *what, int ndim, const int *dims, int decay)
{
	nn_param *p = &l->param[l->nparam++];
	size_t n = 1;

	for (int i = 0; i < ndim; i++) {
		p->dims[i] = dims[i];
		n *= (size_t)dims[i];
	}
	snprintf(p->name, sizeof p->name, "%s.%s", l->name, what);
	p->ndim = ndim;
	p->n = n;
	p->w = nn_alloc(net, n * sizeof(float));
	p->g = nn_alloc(net, n * sizeof(float));
	p->decay = decay;
	p->l2 = l->l2;
	p->lr_scale = 1;
	return p;
}

void
nn_glorot(nn_param *p, int fan_in, int fan_out, rng *r)
{
	double a = sqrt(6.0 / (fan_in + fan_out));

	for (size_t i = 0; i < p->n; i++)
		p->w[i] = (float)((2 * rng_uniform(r) - 1) * a);
}

/* Arguments */

static int
arg_find(nn_args *a, const char *key, int pos)
{
	int npos = 0;

	for (int i = 0; i < a->n; i++) {
		if (a->key[i] && strcmp(a->key[i], key) == 0) {
			a->used |= 1u << i;
			return i;
		}
	}
	for (int i = 0; i < a->n; i++) {
		if (!a->key[i] && npos++ == pos && pos >= 0) {
			a->used |= 1u << i;
			return i;
		}
	}
	return -1;
}

const char *
nn_arg_str(nn_args *a, const char *key, int pos)
{
	int i = arg_find(a, key, pos);
	return i < 0 ? NULL : a->val[i];
}

static int
int_of(const char *s, const char *key, int min, int max, int *out, char *err, size_t errlen)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return errorf(err, errlen, "%s wants an integer from %d to %d, not '%s'", key, min, max, s);
	*out = (int)v;
	return 0;
}

int
nn_arg_int(nn_args *a, const char *key, int pos, int def, int min, int max, int *out,
           char *err, size_t errlen)
{
	const char *s = nn_arg_str(a, key, pos);

	if (!s) {
		*out = def;
		return 0;
	}
	return int_of(s, key, min, max, out, err, errlen);
}

int
nn_arg_float(nn_args *a, const char *key, int pos, float def, float min, float max, float *out,
             char *err, size_t errlen)
{
	const char *s = nn_arg_str(a, key, pos);
	char *end;
	double v;

	if (!s) {
		*out = def;
		return 0;
	}
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= min && v <= max))
		return errorf(err, errlen, "%s wants a number from %g to %g, not '%s'", key, min, max, s);
	*out = (float)v;
	return 0;
}

int
nn_arg_pair(nn_args *a, const char *key, int pos, int def, int min, int max, int *h, int *w,
            char *err, size_t errlen)
{
	const char *s = nn_arg_str(a, key, pos);
	char buf[64], *x;

	if (!s) {
		*h = *w = def;
		return 0;
	}
	snprintf(buf, sizeof buf, "%s", s);
	if ((x = strchr(buf, 'x'))) {
		*x = 0;
		if (int_of(buf, key, min, max, h, err, errlen) || int_of(x + 1, key, min, max, w, err, errlen))
			return -1;
		return 0;
	}
	if (int_of(buf, key, min, max, h, err, errlen))
		return -1;
	*w = *h;
	return 0;
}

/* Parsing */

static int
tokenize(char *line, char **tok, int max)
{
	int n = 0;
	char *p = line;

	for (;;) {
		while (*p && isspace((unsigned char)*p))
			p++;
		if (!*p || *p == '#')
			return n;
		if (n == max)
			return -1;
		tok[n++] = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		if (*p)
			*p++ = 0;
	}
}

static int
parse_shape(const char *s, nn_shape *sh)
{
	int c, h, w, len;

	if (sscanf(s, "%dx%dx%d%n", &c, &h, &w, &len) != 3 || s[len] || c < 1 || c > 65536 ||
	    h < 1 || w < 1 || h > 8192 || w > 8192)
		return -1;
	sh->c = c;
	sh->h = h;
	sh->w = w;
	return 0;
}

static int
parse_input(nn_net *net, char **tok, int ntok, char *err, size_t errlen)
{
	if (ntok < 2 || parse_shape(tok[1], &net->input) != 0)
		return errorf(err, errlen, "input wants CxHxW (each 1 to 8192, C to 65536)");
	for (int i = 2; i < ntok; i++) {
		if (strncmp(tok[i], "normalize=", 10) != 0)
			return errorf(err, errlen, "input: unknown argument '%s'", tok[i]);
		snprintf(net->normalize, sizeof net->normalize, "%s", tok[i] + 10);
	}
	return 0;
}

/* The activation a name refers to: 0 for "input", j + 1 for layer j's output. */
static int
find_source(const nn_net *net, const nn_layer *l, const char *name, char *err, size_t errlen)
{
	if (strcmp(name, "input") == 0)
		return 0;
	for (int j = 0; j < l->index; j++)
		if (strcmp(net->layer[j].name, name) == 0)
			return j + 1;
	return errorf(err, errlen, "no earlier layer is named '%s'", name) - 1;
}

/* Inputs: the previous layer's output, or from=NAME; a multi layer's positional names. */
static int
parse_inputs(nn_net *net, nn_layer *l, nn_args *a, char *err, size_t errlen)
{
	const char *from = nn_arg_str(a, "from", -1);

	l->nin = 1;
	l->src[0] = l->index;
	if (l->ops->source) {
		l->src[0] = 0;
		if (from)
			return errorf(err, errlen, "%s reads record metadata, not from=", l->ops->type);
		return 0;
	}
	if (!l->ops->multi) {
		if (from && (l->src[0] = find_source(net, l, from, err, errlen)) < 0)
			return -1;
		return 0;
	}
	if (from)
		return errorf(err, errlen, "%s names its inputs as arguments, not with from=", l->ops->type);
	l->nin = 0;
	for (int i = 0; i < a->n; i++) {
		if (a->key[i])
			continue;
		if (l->nin == NN_MAX_INPUTS)
			return errorf(err, errlen, "%s: at most %d inputs", l->ops->type, NN_MAX_INPUTS);
		int k = find_source(net, l, a->val[i], err, errlen);
		if (k < 0)
			return -1;
		for (int j = 0; j < l->nin; j++)
			if (l->src[j] == k)
				return errorf(err, errlen, "%s: '%s' is named twice", l->ops->type, a->val[i]);
		l->src[l->nin++] = k;
		a->used |= 1u << i;
	}
	if (l->nin < 2)
		return errorf(err, errlen, "%s wants the names of at least two earlier layers", l->ops->type);
	return 0;
}

static nn_shape
act_shape(const nn_net *net, int a)
{
	return a == 0 ? net->input : net->layer[a - 1].out;
}

static int
parse_layer(nn_net *net, nn_layer *l, char **tok, int ntok, char *err, size_t errlen)
{
	nn_args a = { 0 };
	int count = 1;

	l->ops = nn_layer_type(tok[0]);
	if (!l->ops)
		return errorf(err, errlen, "unknown layer type '%s'", tok[0]);
	if (ntok - 1 > NN_MAX_ARGS)
		return errorf(err, errlen, "%s: too many arguments", tok[0]);
	for (int i = 1; i < ntok; i++) {
		char *eq = strchr(tok[i], '=');
		if (eq) {
			*eq = 0;
			a.key[a.n] = tok[i];
			a.val[a.n++] = eq + 1;
		} else {
			a.key[a.n] = NULL;
			a.val[a.n++] = tok[i];
		}
	}
	for (int i = 0; i < l->index; i++)
		if (net->layer[i].ops == l->ops)
			count++;
	const char *name = nn_arg_str(&a, "name", -1);
	if (name) {
		if (!*name || strlen(name) >= NN_NAME_MAX || strchr(name, '.'))
			return errorf(err, errlen, "name wants 1 to %d characters, no '.'", NN_NAME_MAX - 1);
		for (int i = 0; i < l->index; i++)
			if (strcmp(net->layer[i].name, name) == 0)
				return errorf(err, errlen, "name '%s' is already taken (line %d)", name,
				              net->layer[i].line);
		snprintf(l->name, sizeof l->name, "%s", name);
	} else {
		snprintf(l->name, sizeof l->name, "%s_%d", l->ops->type, count);
	}
	if (nn_arg_float(&a, "l2", -1, -1, 0, 1, &l->l2, err, errlen) != 0)
		return -1;
	if (parse_inputs(net, l, &a, err, errlen) != 0)
		return -1;
	if (l->ops->parse && l->ops->parse(l, &a, err, errlen) != 0)
		return -1;
	for (int i = 0; i < a.n; i++) {
		if (!(a.used & (1u << i))) {
			if (a.key[i])
				return errorf(err, errlen, "%s: unknown argument '%s'", tok[0], a.key[i]);
			return errorf(err, errlen, "%s: unexpected argument '%s'", tok[0], a.val[i]);
		}
	}
	return 0;
}

static void
collect_params(nn_net *net)
{
	int n = 0;

	for (int i = 0; i < net->nlayer; i++)
		n += net->layer[i].nparam;
	net->params = nn_alloc(net, (size_t)(n ? n : 1) * sizeof *net->params);
	net->nparams = 0;
	net->nweights = 0;
	for (int i = 0; i < net->nlayer; i++) {
		for (int j = 0; j < net->layer[i].nparam; j++) {
			net->params[net->nparams++] = &net->layer[i].param[j];
			net->nweights += net->layer[i].param[j].n;
		}
	}
}

static int
add_layer(nn_net *net, char **tok, int ntok, int lineno, char *err, size_t errlen)
{
	if (net->nlayer == NN_MAX_LAYERS)
		return errorf(err, errlen, "more than %d layers", NN_MAX_LAYERS);
	nn_layer *l = &net->layer[net->nlayer];
	l->index = net->nlayer;
	l->line = lineno;
	l->net = net;
	if (parse_layer(net, l, tok, ntok, err, errlen) != 0)
		return -1;
	net->nlayer++;
	return 0;
}

/*
 * separable2d F [kernel] [stride= pad= multiplier= bias= l2= name= from=]: a depthwise2d
 * (NAME_depthwise, no bias) followed by a 1x1 conv2d of F filters (NAME), as Keras'
 * SeparableConv2D computes it.
 */
static int
add_separable(nn_net *net, char **tok, int ntok, int lineno, int count, char *err, size_t errlen)
{
	char dw[NN_MAX_ARGS + 2][160], pw[NN_MAX_ARGS + 2][160], base[NN_NAME_MAX] = "";
	char *dt[NN_MAX_ARGS + 2], *pt[NN_MAX_ARGS + 2];
	int nd = 0, np = 0, npos = 0;

	snprintf(dw[nd++], sizeof dw[0], "depthwise2d");
	snprintf(pw[np++], sizeof pw[0], "conv2d");
	snprintf(dw[nd++], sizeof dw[0], "bias=0");
	snprintf(pw[np++], sizeof pw[0], "kernel=1");
	for (int i = 1; i < ntok; i++) {
		const char *t = tok[i];
		if (nd >= NN_MAX_ARGS || np >= NN_MAX_ARGS)
			return errorf(err, errlen, "separable2d: too many arguments");
		if (!strchr(t, '=')) {
			if (npos == 0)
				snprintf(pw[np++], sizeof pw[0], "%s", t);
			else if (npos == 1)
				snprintf(dw[nd++], sizeof dw[0], "kernel=%s", t);
			else
				return errorf(err, errlen, "separable2d: unexpected argument '%s'", t);
			npos++;
		} else if (strncmp(t, "name=", 5) == 0) {
			snprintf(base, sizeof base, "%s", t + 5);
		} else if (strncmp(t, "filters=", 8) == 0 || strncmp(t, "bias=", 5) == 0) {
			snprintf(pw[np++], sizeof pw[0], "%s", t);
		} else if (strncmp(t, "l2=", 3) == 0) {
			snprintf(pw[np++], sizeof pw[0], "%s", t);
			snprintf(dw[nd++], sizeof dw[0], "%s", t);
		} else {
			snprintf(dw[nd++], sizeof dw[0], "%s", t);      /* kernel, stride, pad, multiplier, from */
		}
	}
	if (!*base)
		snprintf(base, sizeof base, "separable2d_%d", count);
	if (strlen(base) + 11 >= NN_NAME_MAX)
		return errorf(err, errlen, "name wants at most %d characters", NN_NAME_MAX - 12);
	snprintf(dw[nd++], sizeof dw[0], "name=%s_depthwise", base);
	snprintf(pw[np++], sizeof pw[0], "name=%s", base);
	for (int i = 0; i < nd; i++)
		dt[i] = dw[i];
	for (int i = 0; i < np; i++)
		pt[i] = pw[i];
	if (add_layer(net, dt, nd, lineno, err, errlen) != 0)
		return -1;
	return add_layer(net, pt, np, lineno, err, errlen);
}

/* A dropout right after a relu or leakyrelu may share its buffer too: that backward reads
 * only the sign of its input, which dropout's scaling keeps, and where dropout zeroes a value
 * the gradient coming back is zero anyway.  Inference then copies nothing. */
static int
dropout_after_relu(const nn_layer *l, const nn_layer *prev)
{
	return strcmp(l->ops->type, "dropout") == 0 &&
	       (strcmp(prev->ops->type, "relu") == 0 || strcmp(prev->ops->type, "leakyrelu") == 0);
}

/*
 * Activations and gradients.  A layer may run in place (act[i + 1] = act[i]) when its type
 * allows it, it reads only the previous layer's output, nothing else reads that, and the
 * previous layer's backward does not need it.  Every other activation, every activation
 * gradient and every scratch gradient (of an input read more than once, added to the gradient
 * gathered already) is an interval on the time line of one training step: layer i's forward
 * at t = i, the loss at t = L, layer i's backward at t = 2L - i.  An activation lives from its
 * producer's forward to the last pass that reads it: a later forward, or a backward that reads
 * its input or output (backward_reads); the network's last two outputs (the loss reads them,
 * and callers after the step) to the end.  The gradient of act[a] lives from the backward of
 * its last reader (which writes it first) to that of its producer (which reads it); a scratch
 * gradient only during its layer's backward.  Intervals that do not overlap may share memory,
 * so activations read by no backward pass (a pooling's input, what add and concat join) and
 * those whose last reader's backward has run serve as gradient buffers, and the other way
 * round.  NN_NO_SHARE=1 (for tests): every interval its own buffer.
 */

/* Whether layer l's backward reads its input x (k = 0) or output y (k = 1).  By type: those
 * not listed read both. */
static int
backward_reads(const nn_layer *l, int k)
{
	static const char *none[] = { "add", "concat", "avgpool", "globalavgpool", "maxpool", "flatten",
	                              "dropout", "upsample", "features" };
	static const char *only_y[] = { "softmax", "sigmoid", "relu6" };
	const char *t = l->ops->type;

	for (size_t i = 0; i < sizeof none / sizeof *none; i++)
		if (strcmp(t, none[i]) == 0)
			return 0;
	for (size_t i = 0; i < sizeof only_y / sizeof *only_y; i++)
		if (strcmp(t, only_y[i]) == 0)
			return k == 1;
	return 1;
}

struct interval { float **dst; size_t bytes; int from, to; size_t off; };

static int
by_size(const void *a, const void *b)
{
	const struct interval *x = a, *y = b;

	if (x->bytes != y->bytes)
		return (x->bytes < y->bytes) - (x->bytes > y->bytes);
	return (x->from > y->from) - (x->from < y->from);
}

static int
by_off(const void *a, const void *b)
{
	const struct interval *x = *(const struct interval *const *)a, *y = *(const struct interval *const *)b;

	return (x->off > y->off) - (x->off < y->off);
}

/* Places the intervals in one allocation: largest first, each at the lowest offset where it
 * overlaps no interval placed already that is live at the same time.  Offsets are multiples
 * of 64 bytes, as nn_alloc's alignment. */
static void
place_intervals(nn_net *net, struct interval *iv, int n)
{
	const struct interval **near = xcalloc((size_t)n + 1, sizeof *near);
	const char *no = getenv("NN_NO_SHARE");
	int share = !(no && *no == '1');
	size_t end = 0;

	qsort(iv, (size_t)n, sizeof *iv, by_size);
	for (int i = 0; i < n; i++) {
		size_t bytes = (iv[i].bytes + 63) & ~(size_t)63, off = 0;
		int m = 0;
		for (int j = 0; j < i; j++)
			if (!share || (iv[j].from <= iv[i].to && iv[i].from <= iv[j].to))
				near[m++] = &iv[j];
		qsort(near, (size_t)m, sizeof *near, by_off);
		for (int j = 0; j < m; j++) {
			if (near[j]->off >= off + bytes)
				break;          /* fits in the gap before it */
			size_t e = near[j]->off + ((near[j]->bytes + 63) & ~(size_t)63);
			if (e > off)
				off = e;
		}
		iv[i].off = off;
		if (off + bytes > end)
			end = off + bytes;
	}
	free(near);
	char *base = nn_alloc(net, end ? end : 64);
	for (int i = 0; i < n; i++)
		*iv[i].dst = (float *)(base + iv[i].off);
	net->train_bytes = end;
	net->train_base = base;
}

static int
plan_buffers(nn_net *net, const char *name, char *err, size_t errlen)
{
	int L = net->nlayer, n = 0;
	const char *no = getenv("NN_NO_INPLACE");     /* for tests: every layer its own buffer */
	size_t bs = (size_t)net->batch * sizeof(float);

	net->ncons = nn_alloc(net, (size_t)(L + 1) * sizeof *net->ncons);
	net->view = nn_alloc(net, (size_t)(L + 1) * sizeof *net->view);
	net->fresh = nn_alloc(net, (size_t)(L + 1));
	for (int i = 0; i < L; i++)
		for (int k = 0; k < net->layer[i].nin; k++)
			net->ncons[net->layer[i].src[k]]++;
	for (int i = 0; i + 1 < L; i++)
		if (net->ncons[i + 1] == 0)
			return errorf(err, errlen, "%s: line %d: the output of %s goes nowhere (the network ends "
			              "in its last layer)", name, net->layer[i].line, net->layer[i].name);
	net->act = nn_alloc(net, (size_t)(L + 1) * sizeof *net->act);
	net->gbuf = nn_alloc(net, (size_t)(L + 1) * sizeof *net->gbuf);
	net->sbuf = nn_alloc(net, (size_t)L * NN_MAX_INPUTS * sizeof *net->sbuf);
	net->act[0] = nn_alloc(net, bs * nn_shape_size(net->input));
	for (int i = 0; i < L; i++) {
		nn_layer *l = &net->layer[i];
		int a = l->src[0];
		const nn_layer *prev = a > 0 ? &net->layer[a - 1] : NULL;
		net->view[i + 1] = i + 1;
		if (l->ops->inplace && l->nin == 1 && a == i && prev &&
		    (!prev->ops->inplace || dropout_after_relu(l, prev)) &&
		    !prev->ops->needs_output && net->ncons[a] == 1 && !(no && *no == '1')) {
			net->view[i + 1] = net->view[i];
			if ((strcmp(l->ops->type, "relu") == 0 || strcmp(l->ops->type, "leakyrelu") == 0) &&
			    (strcmp(prev->ops->type, "conv2d") == 0 || strcmp(prev->ops->type, "dense") == 0)) {
				net->layer[i - 1].fuse_relu = 1;
				net->layer[i - 1].fused_slope = l->slope;
				l->absorbed = 1;
			}
		} else if (strcmp(l->ops->type, "flatten") == 0 && a == i && !(no && *no == '1')) {
			net->view[i + 1] = net->view[i];        /* changes nothing: always a view */
		}
	}
	/* when each activation is last read: by a forward (t = i) or a backward (t = 2L - i) */
	int *until = xcalloc((size_t)L + 1, sizeof *until);
	struct interval *iv = xcalloc((size_t)(L + 1) * (2 + NN_MAX_INPUTS), sizeof *iv);
	for (int a = 1; a <= L; a++)
		until[net->view[a]] = a - 1;
	for (int i = 0; i < L; i++) {
		const nn_layer *l = &net->layer[i];
		int r = net->view[i + 1], t = backward_reads(l, 1) ? 2 * L - i : i;
		until[r] = until[r] > t ? until[r] : t;
		for (int k = 0; k < l->nin; k++) {
			r = net->view[l->src[k]];
			t = backward_reads(l, 0) ? 2 * L - i : i;
			until[r] = until[r] > t ? until[r] : t;
		}
	}
	until[net->view[L]] = until[net->view[L - 1]] = 2 * L + 1;
	for (int a = 1; a <= L; a++)
		if (net->view[a] == a)
			iv[n++] = (struct interval){ &net->act[a], bs * nn_shape_size(act_shape(net, a)), a - 1, until[a], 0 };
	/* gradients: written first by the last reader's backward, read by the producer's */
	for (int a = 1; a < L; a++) {
		int last = 0;
		for (int i = 0; i < L; i++)
			for (int k = 0; k < net->layer[i].nin; k++)
				if (net->layer[i].src[k] == a)
					last = i;
		iv[n++] = (struct interval){ &net->gbuf[a], bs * nn_shape_size(act_shape(net, a)), 2 * L - last,
		                             2 * L - (a - 1), 0 };
	}
	net->gbuf[L] = NULL;                    /* nn_backward's dy */
	for (int i = 0; i < L; i++)
		for (int k = 0; k < net->layer[i].nin; k++)
			if (net->layer[i].src[k] > 0 && net->ncons[net->layer[i].src[k]] > 1)
				iv[n++] = (struct interval){ &net->sbuf[i * NN_MAX_INPUTS + k],
				                             bs * nn_shape_size(net->layer[i].ins[k]), 2 * L - i, 2 * L - i, 0 };
	place_intervals(net, iv, n);
	for (int a = 1; a <= L; a++)
		net->act[a] = net->act[net->view[a]];
	free(until);
	free(iv);
	return 0;
}

/*
 * Inference: an activation's buffer serves a later one once its last reader has run, so memory
 * is that of the widest cut of the graph rather than of every layer's output.  Activations that
 * share a buffer by plan (a layer run in place, flatten) move together.  Greedy in layer order,
 * best fit among the free buffers, a new one when none fits; the buffers planned by nn_build
 * stay allocated but are never touched again, so they cost address space, not memory.
 */
struct shared_buf { float *p; size_t cap; int until; };

void
nn_share_activations(nn_net *net)
{
	int L = net->nlayer, nbuf = 0;
	int *root = nn_alloc(net, (size_t)(L + 1) * sizeof *root);
	int *last = nn_alloc(net, (size_t)(L + 1) * sizeof *last);
	struct shared_buf *buf = nn_alloc(net, (size_t)(L + 1) * sizeof *buf);
	float **to = nn_alloc(net, (size_t)(L + 1) * sizeof *to);

	for (int a = 0; a <= L; a++) {
		root[a] = net->view[a];
		last[a] = a;                    /* its producer, layer a - 1, runs before a */
	}
	for (int i = 0; i < L; i++)
		for (int k = 0; k < net->layer[i].nin; k++)
			if (last[root[net->layer[i].src[k]]] < i)
				last[root[net->layer[i].src[k]]] = i;
	last[root[L]] = L;                      /* the output is read after the pass */
	for (int a = 1; a <= L; a++) {
		if (root[a] != a) {             /* an alias: the input's, or an earlier output's */
			if (root[a] > 0)
				net->act[a] = to[root[a]];
			continue;
		}
		size_t need = (size_t)net->batch * nn_shape_size(act_shape(net, a)) * sizeof(float);
		int best = -1;
		for (int j = 0; j < nbuf; j++)
			if (buf[j].until < a - 1 && buf[j].cap >= need && (best < 0 || buf[j].cap < buf[best].cap))
				best = j;
		if (best < 0) {
			best = nbuf++;
			buf[best].p = nn_alloc(net, need);
			buf[best].cap = need;
		}
		buf[best].until = last[a];
		to[a] = net->act[a] = buf[best].p;
	}
}

nn_net *
nn_build(const char *arch, const char *name, int batch, int nthreads, char *err, size_t errlen)
{
	nn_net *net = xcalloc(1, sizeof *net);
	char *text = xstrdup(arch), *line, *next;
	char reason[512];
	int lineno = 0, have_input = 0, nsep = 0;

	net->arch = xstrdup(arch);
	net->batch = batch < 1 ? 1 : batch;
	net->nthreads = nthreads < 1 ? 1 : nthreads;
	for (line = text; line; line = next) {
		char *tok[NN_MAX_ARGS + 2];
		int ntok;

		lineno++;
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		ntok = tokenize(line, tok, NN_MAX_ARGS + 2);
		if (ntok == 0)
			continue;
		if (ntok < 0) {
			errorf(err, errlen, "%s: line %d: too many arguments", name, lineno);
			goto fail;
		}
		if (!have_input) {
			if (strcmp(tok[0], "input") != 0) {
				errorf(err, errlen, "%s: line %d: the first line must be 'input CxHxW'", name, lineno);
				goto fail;
			}
			if (parse_input(net, tok, ntok, reason, sizeof reason) != 0) {
				errorf(err, errlen, "%s: line %d: %s", name, lineno, reason);
				goto fail;
			}
			have_input = 1;
			continue;
		}
		if (strcmp(tok[0], "separable2d") == 0) {
			if (add_separable(net, tok, ntok, lineno, ++nsep, reason, sizeof reason) != 0) {
				errorf(err, errlen, "%s: line %d: %s", name, lineno, reason);
				goto fail;
			}
			continue;
		}
		if (add_layer(net, tok, ntok, lineno, reason, sizeof reason) != 0) {
			errorf(err, errlen, "%s: line %d: %s", name, lineno, reason);
			goto fail;
		}
	}
	if (!have_input) {
		errorf(err, errlen, "%s: no 'input CxHxW' line", name);
		goto fail;
	}
	if (net->nlayer == 0) {
		errorf(err, errlen, "%s: no layers", name);
		goto fail;
	}
	net->pool = nn_pool_new(net->nthreads);
	if (!net->pool) {
		errorf(err, errlen, "cannot start %d threads", net->nthreads);
		goto fail;
	}
	nn_shape s = net->input;
	net->maxact = nn_shape_size(s);
	for (int i = 0; i < net->nlayer; i++) {
		nn_layer *l = &net->layer[i];
		for (int k = 0; k < l->nin; k++)
			l->ins[k] = act_shape(net, l->src[k]);
		l->in = s = l->ins[0];
		l->batch = net->batch;
		net->setup_layer = i;
		if (l->ops->setup(l, net, reason, sizeof reason) != 0) {
			errorf(err, errlen, "%s: line %d: %s: %s (input %dx%dx%d)", name, l->line, l->ops->type,
			       reason, s.c, s.h, s.w);
			goto fail;
		}
		if (l->out.c < 1 || l->out.h < 1 || l->out.w < 1) {
			errorf(err, errlen, "%s: line %d: %s: input %dx%dx%d gives an empty output %dx%dx%d",
			       name, l->line, l->ops->type, s.c, s.h, s.w, l->out.c, l->out.h, l->out.w);
			goto fail;
		}
		if (nn_shape_size(l->out) > ((size_t)1 << 31) / (size_t)net->batch) {
			errorf(err, errlen, "%s: line %d: %s: output %dx%dx%d is too large for batch %d", name,
			       l->line, l->ops->type, l->out.c, l->out.h, l->out.w, net->batch);
			goto fail;
		}
		if (nn_shape_size(l->out) > net->maxact)
			net->maxact = nn_shape_size(l->out);
	}
	place_scratch(net);
	if (plan_buffers(net, name, err, errlen) != 0)
		goto fail;
	collect_params(net);
	free(text);
	return net;
fail:
	free(text);
	nn_free(net);
	return NULL;
}

void
nn_free(nn_net *net)
{
	if (!net)
		return;
	nn_pool_free(net->pool);
	free(net->sreq);
	while (net->arena) {
		struct nn_chunk *c = net->arena;
		net->arena = c->next;
		free(c);
	}
	free(net->arch);
	free(net);
}

void
nn_init_params(nn_net *net, uint64_t seed)
{
	rng r;

	rng_seed(&r, seed);
	for (int i = 0; i < net->nlayer; i++)
		if (net->layer[i].ops->init)
			net->layer[i].ops->init(&net->layer[i], &r);
}

float *
nn_input(nn_net *net)
{
	return net->act[0];
}

nn_shape
nn_output_shape(const nn_net *net)
{
	return net->layer[net->nlayer - 1].out;
}

const nn_layer *
nn_last(const nn_net *net)
{
	return &net->layer[net->nlayer - 1];
}

nn_param *
nn_find_param(nn_net *net, const char *name)
{
	for (int i = 0; i < net->nparams; i++)
		if (strcmp(net->params[i]->name, name) == 0)
			return net->params[i];
	return NULL;
}

float *
nn_forward(nn_net *net, const nn_run *run)
{
	nn_run r = *run;

	r.pool = net->pool;
	for (int i = 0; i < net->nlayer; i++) {
		nn_layer *l = &net->layer[i];
		if (l->absorbed)
			continue;       /* computed by the layer before (fused relu, folded batchnorm) */
		if (l->ops->multi) {
			const float *x[NN_MAX_INPUTS];
			for (int k = 0; k < l->nin; k++)
				x[k] = net->act[l->src[k]];
			l->ops->forward_multi(l, &r, x, net->act[i + 1]);
		} else {
			l->ops->forward(l, &r, net->act[l->src[0]], net->act[i + 1]);
		}
	}
	return net->act[net->nlayer];
}

struct add_pass { float *dst; const float *src; };

static void
add_part(void *ctx, size_t b, size_t e, int t)
{
	struct add_pass *p = ctx;

	(void)t;
	for (size_t i = b; i < e; i++)
		p->dst[i] += p->src[i];
}

void
nn_backward(nn_net *net, const nn_run *run, int from, const float *dy)
{
	nn_run r = *run;
	float *g[NN_MAX_LAYERS + 1];

	r.pool = net->pool;
	memcpy(g, net->gbuf, (size_t)(net->nlayer + 1) * sizeof *g);
	memset(net->fresh, 1, (size_t)net->nlayer + 1);
	g[from + 1] = (float *)dy;
	for (int i = from; i >= net->nfrozen; i--) {
		nn_layer *l = &net->layer[i];
		float *dx[NN_MAX_INPUTS];
		int add[NN_MAX_INPUTS];
		for (int k = 0; k < l->nin; k++) {
			int a = l->src[k];
			add[k] = 0;
			if (a <= net->nfrozen) {
				dx[k] = NULL;           /* no gradient for the input, nor into frozen layers */
			} else if (net->fresh[a]) {
				dx[k] = g[a];
				net->fresh[a] = 0;
			} else {
				dx[k] = net->sbuf[i * NN_MAX_INPUTS + k];
				add[k] = 1;
			}
		}
		if (l->ops->multi) {
			const float *x[NN_MAX_INPUTS];
			for (int k = 0; k < l->nin; k++)
				x[k] = net->act[l->src[k]];
			l->ops->backward_multi(l, &r, x, net->act[i + 1], g[i + 1], dx);
		} else {
			l->ops->backward(l, &r, net->act[l->src[0]], net->act[i + 1], g[i + 1], dx[0]);
		}
		for (int k = 0; k < l->nin; k++) {
			if (!add[k])
				continue;
			struct add_pass ap = { g[l->src[k]], dx[k] };
			nn_pool_for(net->pool, (size_t)r.n * nn_shape_size(l->ins[k]), add_part, &ap);
		}
		if (net->grad_hook)
			net->grad_hook(net->grad_ctx, i);
	}
}

void
nn_zero_grad(nn_net *net)
{
	for (int i = 0; i < net->nparams; i++)
		if (!net->params[i]->frozen)
			memset(net->params[i]->g, 0, net->params[i]->n * sizeof(float));
}

void
nn_freeze(nn_net *net, int n)
{
	net->nfrozen = n < 0 ? 0 : n > net->nlayer ? net->nlayer : n;
	for (int i = 0; i < net->nlayer; i++) {
		nn_layer *l = &net->layer[i];
		l->frozen = i < net->nfrozen;
		l->infer = l->frozen;
		for (int j = 0; j < l->nparam; j++) {
			l->param[j].frozen = l->frozen;
			memset(l->param[j].g, 0, l->param[j].n * sizeof(float));
		}
	}
}

void
nn_unfreeze(nn_net *net, float lr_scale)
{
	for (int i = 0; i < net->nfrozen; i++) {
		nn_layer *l = &net->layer[i];
		l->frozen = 0;
		for (int j = 0; j < l->nparam; j++) {
			l->param[j].frozen = 0;
			l->param[j].lr_scale = lr_scale;
		}
	}
	net->nfrozen = 0;
}

double
nn_forward_flops(const nn_net *net)
{
	double flops = 0;

	for (int i = 0; i < net->nlayer; i++) {
		const nn_layer *l = &net->layer[i];
		if (strcmp(l->ops->type, "conv2d") == 0)
			flops += 2.0 * l->filters * l->in.c * l->kh * l->kw * l->out.h * l->out.w;
		else if (strcmp(l->ops->type, "conv2d_transpose") == 0)
			flops += 2.0 * l->filters * l->in.c * l->kh * l->kw * l->in.h * l->in.w;
		else if (strcmp(l->ops->type, "depthwise2d") == 0)
			flops += 2.0 * l->out.c * l->kh * l->kw * l->out.h * l->out.w;
		else if (strcmp(l->ops->type, "dense") == 0)
			flops += 2.0 * nn_shape_size(l->in) * l->units;
	}
	return flops;
}

void
nn_summary(const nn_net *net, FILE *f)
{
	size_t total = 0;

	fprintf(f, "%-24s %-16s %-14s %10s\n", "layer", "type", "output", "params");
	fprintf(f, "%-24s %-16s %-14s %10s\n", "input", "input", "", "0");
	for (int i = 0; i < net->nlayer; i++) {
		const nn_layer *l = &net->layer[i];
		char shape[48];
		size_t n = 0;
		for (int j = 0; j < l->nparam; j++)
			n += l->param[j].n;
		total += n;
		snprintf(shape, sizeof shape, "%dx%dx%d", l->out.c, l->out.h, l->out.w);
		fprintf(f, "%-24s %-16s %-14s %10zu", l->name, l->ops->type, shape, n);
		if (l->frozen)
			fputs("  frozen", f);
		if (l->ops->source)
			for (int k = 0; k < net->nfeat; k++)
				fprintf(f, "%s%s", k ? ", " : "  <- metadata ", net->feat_key[k]);
		else if (l->nin > 1 || l->src[0] != i)
			for (int k = 0; k < l->nin; k++)
				fprintf(f, "%s%s", k ? ", " : "  <- ", l->src[k] ? net->layer[l->src[k] - 1].name : "input");
		fputc('\n', f);
	}
	fprintf(f, "total params: %zu\n", total);
	if (net->nfrozen) {
		size_t frozen = 0;
		for (int i = 0; i < net->nparams; i++)
			frozen += net->params[i]->frozen ? net->params[i]->n : 0;
		fprintf(f, "trainable params: %zu (frozen: %zu, layers %s to %s)\n", total - frozen, frozen,
		        net->layer[0].name, net->layer[net->nfrozen - 1].name);
	}
	fprintf(f, "forward pass: %.1f MFLOP per image in convolutions and dense layers\n",
	        nn_forward_flops(net) / 1e6);
}
