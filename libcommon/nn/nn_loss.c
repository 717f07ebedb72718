/* Softmax cross-entropy and binary cross-entropy, computed from the logits. */
#include <math.h>
#include <string.h>

#include "nn_loss.h"
#include "util/util.h"

int
nn_loss_setup(nn_loss *loss, const nn_net *net, int nclass, char *err, size_t errlen)
{
	const nn_layer *last = nn_last(net);
	nn_shape s = last->out;

	memset(loss, 0, sizeof *loss);
	loss->nclass = nclass;
	if (strcmp(last->ops->type, "softmax") == 0 && s.h == 1 && s.w == 1) {
		if (s.c != nclass)
			return errorf(err, errlen, "the model ends in softmax over %d units, the data has %d "
			              "classes", s.c, nclass);
		loss->kind = NN_LOSS_CE;
		return 0;
	}
	if (strcmp(last->ops->type, "sigmoid") == 0 && s.c == 1 && (s.h > 1 || s.w > 1)) {
		loss->kind = NN_LOSS_PIXEL;
		loss->pos_weight = 1;
		loss->pixels = (size_t)s.h * s.w;
		return 0;
	}
	if (strcmp(last->ops->type, "sigmoid") == 0) {
		if (s.c != 1 || nclass != 2)
			return errorf(err, errlen, "the model ends in sigmoid over %d units: it wants 1 unit "
			              "and 2 classes, the data has %d", s.c, nclass);
		loss->kind = NN_LOSS_BCE;
		return 0;
	}
	if (s.h != 1 || s.w != 1)
		return errorf(err, errlen, "the last layer's output %dx%dx%d is neither a vector of class "
		              "scores nor a 1xHxW sigmoid map", s.c, s.h, s.w);
	return errorf(err, errlen, "the last layer is %s: a classifier ends in softmax or sigmoid",
	              last->ops->type);
}

int
nn_loss_predict(const nn_loss *loss, const float *p)
{
	if (loss->kind == NN_LOSS_BCE)
		return p[0] >= 0.5f;
	int best = 0;
	for (int c = 1; c < loss->nclass; c++)
		if (p[c] > p[best])
			best = c;
	return best;
}

double
nn_loss_eval(const nn_loss *loss, const float *z, const float *p, const int *label, int n,
             float *dz, int *correct)
{
	int k = loss->kind == NN_LOSS_BCE ? 1 : loss->nclass;
	double sum = 0, wsum = 0;

	for (int i = 0; i < n; i++)
		wsum += loss->weight ? loss->weight[label[i]] : 1;
	if (wsum <= 0)
		wsum = 1;
	if (correct)
		*correct = 0;
	for (int i = 0; i < n; i++) {
		const float *zi = z + (size_t)i * k, *pi = p + (size_t)i * k;
		double w = loss->weight ? loss->weight[label[i]] : 1, l;
		if (loss->kind == NN_LOSS_BCE) {
			double y = label[i] == 1, x = zi[0];
			l = (x > 0 ? x : 0) - x * y + log1p(exp(-fabs(x)));
			if (dz)
				dz[i] = (float)(w * (pi[0] - y) / wsum);
		} else {
			double m = zi[0], s = 0;
			for (int c = 1; c < k; c++)
				if (zi[c] > m)
					m = zi[c];
			for (int c = 0; c < k; c++)
				s += exp(zi[c] - m);
			l = m + log(s) - zi[label[i]];
			if (dz)
				for (int c = 0; c < k; c++)
					dz[(size_t)i * k + c] = (float)(w * (pi[c] - (c == label[i])) / wsum);
		}
		sum += w * l;
		if (correct && nn_loss_predict(loss, pi) == label[i])
			(*correct)++;
	}
	return sum / wsum;
}

static double
softplus(double x)
{
	return (x > 0 ? x : 0) + log1p(exp(-fabs(x)));
}

double
nn_loss_eval_masks(const nn_loss *loss, const float *z, const float *p,
                   const unsigned char *const *mask, int n, float *dz, nn_pixels *px)
{
	size_t hw = loss->pixels;
	double total = (double)n * hw, sum = 0, inter = 0, psum = 0, ysum = 0, w = loss->pos_weight;

	for (int i = 0; i < n; i++) {
		const float *zi = z + i * hw, *pi = p + i * hw;
		for (size_t k = 0; k < hw; k++) {
			int y = mask[i][k] >= 128;
			double x = zi[k];
			sum += y ? w * softplus(-x) : softplus(x);
			if (dz)
				dz[i * hw + k] = (float)((y ? w * (pi[k] - 1) : pi[k]) / total);
			inter += y * pi[k];
			psum += pi[k];
			ysum += y;
			if (px) {
				int pred = pi[k] >= 0.5f;
				px->tp += pred && y;
				px->fp += pred && !y;
				px->fn += !pred && y;
				px->tn += !pred && !y;
			}
		}
	}
	double l = sum / total;
	if (loss->dice) {
		const double eps = 1;
		double S = psum + ysum + eps, D = (2 * inter + eps) / S;
		l += 1 - D;
		if (dz)
			for (int i = 0; i < n; i++)
				for (size_t k = 0; k < hw; k++) {
					double q = p[i * hw + k], y = mask[i][k] >= 128;
					double dD = (2 * y * S - (2 * inter + eps)) / (S * S);
					dz[i * hw + k] += (float)(-dD * q * (1 - q));
				}
	}
	return l;
}
