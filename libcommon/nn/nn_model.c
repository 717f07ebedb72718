/* Model records: the network, its classes and normalisation, in the tensor stream. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn_model.h"
#include "util/util.h"

void
nn_model_info_free(nn_model_info *m)
{
	if (!m)
		return;
	for (int i = 0; i < m->nclass; i++)
		free(m->classes[i]);
	free(m->classes);
	m->classes = NULL;
	m->nclass = 0;
}

static void
put_list(ts_record *rec, const char *key, const float *v, int n)
{
	char buf[256];
	size_t len = 0;

	buf[0] = 0;
	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%.9g", i ? "," : "", v[i]);
	ts_set(rec, key, buf);
}

int
nn_model_put_params(ts_record *rec, const nn_net *net, const char *prefix)
{
	char name[160];

	for (int i = 0; i < net->nparams; i++) {
		const nn_param *p = net->params[i];
		uint64_t dims[4];
		for (int d = 0; d < p->ndim; d++)
			dims[d] = (uint64_t)p->dims[d];
		snprintf(name, sizeof name, "%s%s", prefix, p->name);
		if (!ts_tensor_put(rec, name, TS_F32, p->ndim, dims, p->w, p->n * sizeof(float)))
			return -1;
	}
	for (int i = 0; i < net->nlayer; i++) {
		const nn_layer *l = &net->layer[i];
		if (!l->nstate)
			continue;
		uint64_t dims[1] = { l->nstate };
		snprintf(name, sizeof name, "%s%s.state", prefix, l->name);
		if (!ts_tensor_put(rec, name, TS_F32, 1, dims, l->state, l->nstate * sizeof(float)))
			return -1;
	}
	return 0;
}

int
nn_model_put(ts_record *rec, const nn_net *net, const nn_model_info *m)
{
	char key[32];

	ts_set(rec, "kind", "cnnmodel");
	ts_setf(rec, "model_version", "%d", NN_MODEL_VERSION);
	ts_setf(rec, "input", "%dx%dx%d", net->input.c, net->input.h, net->input.w);
	ts_setf(rec, "nclasses", "%d", m->nclass);
	for (int i = 0; i < m->nclass; i++) {
		snprintf(key, sizeof key, "class.%d", i);
		ts_set(rec, key, m->classes[i]);
	}
	ts_set(rec, "normalize", nn_norm_name(m->norm.method));
	if (m->norm.method == NN_NORM_STANDARDIZE || m->norm.method == NN_NORM_MEAN_STD) {
		put_list(rec, "norm_mean", m->norm.mean, m->norm.c);
		put_list(rec, "norm_std", m->norm.std, m->norm.c);
	}
	ts_set(rec, "arch", net->arch);
	return nn_model_put_params(rec, net, "");
}

static int
load_tensor(const ts_record *rec, const char *name, float *dst, size_t n, const int *dims, int ndim,
            char *err, size_t errlen)
{
	const ts_tensor *t = ts_tensor_get(rec, name);

	if (!t)
		return errorf(err, errlen, "no tensor '%s'", name);
	if (t->dtype != TS_F32 || t->nbytes != n * sizeof(float) || (dims && t->ndim != ndim))
		return errorf(err, errlen, "tensor '%s' is not f32 of %zu values as the architecture says",
		              name, n);
	for (int d = 0; dims && d < ndim; d++)
		if (t->dims[d] != (uint64_t)dims[d])
			return errorf(err, errlen, "tensor '%s' has dimension %d of %llu, the architecture says %d",
			              name, d, (unsigned long long)t->dims[d], dims[d]);
	memcpy(dst, t->data, n * sizeof(float));
	return 0;
}

int
nn_model_load_params(nn_net *net, const ts_record *rec, const char *prefix, char *err, size_t errlen)
{
	char name[160];

	for (int i = 0; i < net->nparams; i++) {
		nn_param *p = net->params[i];
		snprintf(name, sizeof name, "%s%s", prefix, p->name);
		if (load_tensor(rec, name, p->w, p->n, p->dims, p->ndim, err, errlen) != 0)
			return -1;
	}
	for (int i = 0; i < net->nlayer; i++) {
		nn_layer *l = &net->layer[i];
		if (!l->nstate)
			continue;
		snprintf(name, sizeof name, "%s%s.state", prefix, l->name);
		if (load_tensor(rec, name, l->state, l->nstate, NULL, 1, err, errlen) != 0)
			return -1;
	}
	return 0;
}

static int
get_list(const ts_record *rec, const char *key, float *v, int c, char *err, size_t errlen)
{
	const char *s = ts_get(rec, key);

	if (!s || nn_norm_parse_list(s, v, c) != 0)
		return errorf(err, errlen, "%s is missing or not %d numbers", key, c);
	return 0;
}

nn_net *
nn_model_get(const ts_record *rec, const char *name, int batch, int nthreads, nn_model_info *m,
             char *err, size_t errlen)
{
	const char *kind = ts_get(rec, "kind"), *ver = ts_get(rec, "model_version");
	const char *arch = ts_get(rec, "arch"), *nc = ts_get(rec, "nclasses"), *norm = ts_get(rec, "normalize");
	char reason[512], key[32];
	nn_net *net;
	long v;

	memset(m, 0, sizeof *m);
	if (!kind || strcmp(kind, "cnnmodel") != 0 || !ver) {
		errorf(err, errlen, "%s: not a model file (no kind=cnnmodel)", name);
		return NULL;
	}
	v = strtol(ver, NULL, 10);
	if (v < 1 || v > NN_MODEL_VERSION) {
		errorf(err, errlen, "%s: model version %s is not one this program reads (1 to %d); a newer "
		       "cnntrain wrote it", name, ver, NN_MODEL_VERSION);
		return NULL;
	}
	if (!arch || !nc || !norm) {
		errorf(err, errlen, "%s: model without arch, nclasses or normalize", name);
		return NULL;
	}
	net = nn_build(arch, name, batch, nthreads, err, errlen);
	if (!net)
		return NULL;
	v = strtol(nc, NULL, 10);
	if (v < 1 || v > NN_MAX_CLASSES) {
		errorf(err, errlen, "%s: bad nclasses '%s'", name, nc);
		goto fail;
	}
	m->classes = xcalloc((size_t)v, sizeof *m->classes);
	for (int i = 0; i < v; i++) {
		snprintf(key, sizeof key, "class.%d", i);
		const char *c = ts_get(rec, key);
		if (!c) {
			errorf(err, errlen, "%s: no %s", name, key);
			goto fail;
		}
		m->classes[m->nclass++] = xstrdup(c);
	}
	m->norm.c = net->input.c;
	m->norm.method = nn_norm_parse(norm);
	if (m->norm.method < 0) {
		errorf(err, errlen, "%s: unknown normalize '%s'", name, norm);
		goto fail;
	}
	if ((m->norm.method == NN_NORM_STANDARDIZE || m->norm.method == NN_NORM_MEAN_STD) &&
	    (net->input.c > 4 || get_list(rec, "norm_mean", m->norm.mean, net->input.c, reason, sizeof reason) ||
	     get_list(rec, "norm_std", m->norm.std, net->input.c, reason, sizeof reason))) {
		errorf(err, errlen, "%s: %s", name, reason);
		goto fail;
	}
	if (nn_model_load_params(net, rec, "", reason, sizeof reason) != 0) {
		errorf(err, errlen, "%s: %s", name, reason);
		goto fail;
	}
	return net;
fail:
	nn_model_info_free(m);
	nn_free(net);
	return NULL;
}

int
nn_model_read(const char *path, ts_record *rec, char *err, size_t errlen)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	ts_reader *r;
	int rc;

	if (!f)
		return errorf(err, errlen, "%s: %s", path, strerror(errno));
	r = ts_reader_open(f, path);
	rc = ts_read(r, rec);
	if (rc == 1) {
		/* a model is one record and a whole stream: read on to its end frame and the input's end */
		ts_record more;
		int rc2;
		ts_record_init(&more);
		rc2 = ts_read(r, &more);
		ts_record_free(&more);
		if (rc2 == 1) {
			errorf(err, errlen, "%s: record 2: a model file holds one record", path);
			rc = -2;
		} else if (rc2 == -1) {
			rc = -1;
		}
	}
	if (rc == -1)
		errorf(err, errlen, "%s", ts_reader_error(r));
	else if (rc == 0)
		errorf(err, errlen, "%s: empty stream, not a model", path);
	ts_reader_free(r);
	if (f != stdin)
		fclose(f);
	return rc == 1 ? 0 : -1;
}
