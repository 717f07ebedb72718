/* Argument and shape helpers shared by layer files. */
#include <string.h>

#include "nn.h"
#include "nn_layer_util.h"
#include "util/util.h"

int
nn_pool_parse(nn_layer *l, nn_args *a, char *err, size_t errlen)
{
	if (nn_arg_pair(a, "size", 0, 2, 1, 256, &l->kh, &l->kw, err, errlen) != 0)
		return -1;
	return nn_arg_pair(a, "stride", 1, 0, 1, 256, &l->sh, &l->sw, err, errlen);
}

int
nn_pool_shape(nn_layer *l, char *err, size_t errlen)
{
	if (l->sh == 0)
		l->sh = l->kh;
	if (l->sw == 0)
		l->sw = l->kw;
	if (l->in.h + 2 * l->ph < l->kh || l->in.w + 2 * l->pw < l->kw)
		return errorf(err, errlen, "window %dx%d is larger than the input", l->kh, l->kw);
	l->out = (nn_shape){ l->in.c, (l->in.h + 2 * l->ph - l->kh) / l->sh + 1,
	                     (l->in.w + 2 * l->pw - l->kw) / l->sw + 1 };
	return 0;
}

int
nn_same_shape(nn_layer *l, nn_net *net, char *err, size_t errlen)
{
	(void)net;
	(void)err;
	(void)errlen;
	l->out = l->in;
	return 0;
}

int
nn_parse_pad(nn_layer *l, nn_args *a, char *err, size_t errlen)
{
	const char *pad = nn_arg_str(a, "pad", -1);

	if (pad && strcmp(pad, "same") == 0) {
		if (l->kh % 2 == 0 || l->kw % 2 == 0)
			return errorf(err, errlen, "pad=same wants an odd kernel");
		l->ph = (l->kh - 1) / 2;
		l->pw = (l->kw - 1) / 2;
	} else if (pad) {
		nn_args one = { .n = 1, .key = { "pad" }, .val = { pad } };
		if (nn_arg_pair(&one, "pad", -1, 0, 0, 64, &l->ph, &l->pw, err, errlen) != 0)
			return -1;
	}
	return 0;
}

void
nn_add_partials(nn_layer *l, const nn_run *run, float *const *dw, float *const *db)
{
	int nt = nn_pool_threads(run->pool);

	for (int t = 0; t < nt; t++) {
		if (!nn_pool_ran((size_t)run->n, nt, t))
			continue;
		for (size_t i = 0; i < l->param[0].n; i++)
			l->param[0].g[i] += dw[t][i];
		if (l->bias)
			for (size_t i = 0; i < l->param[1].n; i++)
				l->param[1].g[i] += db[t][i];
	}
}
