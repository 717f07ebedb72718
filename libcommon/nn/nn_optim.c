/* One optimiser step, over the parameters in parallel. */
#include <math.h>
#include <stdlib.h>

#include "nn_optim.h"
#include "util/util.h"

void
nn_optim_init(nn_optim *o, const nn_net *net, int kind, float momentum, float l2)
{
	*o = (nn_optim){ .kind = kind, .momentum = momentum, .beta1 = 0.9f, .beta2 = 0.999f,
	                 .eps = 1e-8f, .l2 = l2, .nparams = net->nparams };
	o->m = xcalloc((size_t)net->nparams + 1, sizeof *o->m);
	o->v = xcalloc((size_t)net->nparams + 1, sizeof *o->v);
	for (int i = 0; i < net->nparams; i++) {
		if (net->params[i]->frozen)
			continue;       /* no state: m[i] NULL */
		o->m[i] = xcalloc(net->params[i]->n, sizeof(float));
		if (kind == NN_ADAM)
			o->v[i] = xcalloc(net->params[i]->n, sizeof(float));
	}
}

void
nn_optim_free(nn_optim *o)
{
	if (!o || !o->m)
		return;
	for (int i = 0; i < o->nparams; i++) {
		free(o->m[i]);
		free(o->v[i]);
	}
	free(o->m);
	free(o->v);
	o->m = o->v = NULL;
}

struct step {
	nn_optim *o;
	nn_param *p;
	float *m, *v;
	float lr, decay;        /* 2 * l2, or 0 */
	float c1, c2;           /* Adam bias corrections */
};

static void
step_part(void *ctx, size_t b, size_t e, int t)
{
	struct step *s = ctx;
	float *restrict w = s->p->w, *restrict m = s->m, *restrict v = s->v;
	const float *restrict g = s->p->g;

	(void)t;
	if (s->o->kind == NN_SGD) {
		float mu = s->o->momentum;
		for (size_t i = b; i < e; i++) {
			float gi = g[i] + s->decay * w[i];
			m[i] = mu * m[i] + gi;
			w[i] -= s->lr * m[i];
		}
		return;
	}
	float b1 = s->o->beta1, b2 = s->o->beta2, eps = s->o->eps;
	float step = s->lr / s->c1, root = 1 / sqrtf(s->c2), decay = s->decay;
	for (size_t i = b; i < e; i++) {
		float gi = g[i] + decay * w[i];
		float mi = b1 * m[i] + (1 - b1) * gi, vi = b2 * v[i] + (1 - b2) * gi * gi;
		m[i] = mi;
		v[i] = vi;
		w[i] -= step * mi / (sqrtf(vi) * root + eps);
	}
}

void
nn_optim_step(nn_optim *o, nn_net *net, float lr)
{
	o->t++;
	for (int i = 0; i < net->nparams; i++) {
		nn_param *p = net->params[i];
		float l2 = p->l2 >= 0 ? p->l2 : o->l2;
		if (p->frozen || !o->m[i])
			continue;
		struct step s = { .o = o, .p = p, .m = o->m[i], .v = o->v[i], .lr = lr * p->lr_scale,
		                  .decay = p->decay ? 2 * l2 : 0,
		                  .c1 = (float)(1 - pow(o->beta1, (double)o->t)),
		                  .c2 = (float)(1 - pow(o->beta2, (double)o->t)) };
		nn_pool_for(p->n >= 65536 ? net->pool : NULL, p->n, step_part, &s);
	}
}
