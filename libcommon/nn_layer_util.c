/* Argument and shape helpers shared by layer files. */
#include "nn.h"
#include "nn_layer_util.h"
#include "util.h"

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
	if (l->in.h < l->kh || l->in.w < l->kw)
		return errorf(err, errlen, "window %dx%d is larger than the input", l->kh, l->kw);
	l->out = (nn_shape){ l->in.c, (l->in.h - l->kh) / l->sh + 1, (l->in.w - l->kw) / l->sw + 1 };
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
