/* Normalising u8 images into the network's float CHW input. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nn_norm.h"

static const char *const names[] = { NULL, "scale", "standardize", "mean-std", "per-image" };

int
nn_norm_parse(const char *name)
{
	for (int i = 1; i < 5; i++)
		if (strcmp(name, names[i]) == 0)
			return i;
	return -1;
}

const char *
nn_norm_name(int method)
{
	return method >= 1 && method <= 4 ? names[method] : "none";
}

void
nn_norm_accumulate(const unsigned char *px, size_t npix, int c, double *sum, double *sum2)
{
	for (int k = 0; k < c; k++) {
		uint64_t s = 0, s2 = 0;
		for (size_t i = 0; i < npix; i++) {
			unsigned v = px[i * c + k];
			s += v;
			s2 += v * v;
		}
		sum[k] += (double)s / 255;
		sum2[k] += (double)s2 / (255.0 * 255);
	}
}

void
nn_norm_finish(nn_norm *n, const double *sum, const double *sum2, double npix)
{
	for (int k = 0; k < n->c; k++) {
		double m = npix > 0 ? sum[k] / npix : 0, v = npix > 0 ? sum2[k] / npix - m * m : 1;
		n->mean[k] = (float)m;
		n->std[k] = (float)(v > 1e-12 ? sqrt(v) : 1);
	}
}

void
nn_norm_apply(const nn_norm *n, const unsigned char *px, int h, int w, int c, float *out)
{
	size_t hw = (size_t)h * w;
	float a[4], b[4];               /* out = px * a + b */

	if (n->method == NN_NORM_PER_IMAGE) {
		uint64_t s = 0, s2 = 0;
		size_t N = hw * c;
		for (size_t i = 0; i < N; i++) {
			s += px[i];
			s2 += (uint64_t)px[i] * px[i];
		}
		double m = (double)s / N / 255, v = (double)s2 / N / (255.0 * 255) - m * m;
		double sd = sqrt(v > 0 ? v : 0), lo = 1 / sqrt((double)N);
		if (sd < lo)
			sd = lo;
		for (int k = 0; k < c; k++) {
			a[k] = (float)(1 / (255 * sd));
			b[k] = (float)(-m / sd);
		}
	} else {
		for (int k = 0; k < c; k++) {
			if (n->method == NN_NORM_SCALE) {
				a[k] = 1.0f / 255;
				b[k] = 0;
			} else {
				a[k] = 1.0f / (255 * n->std[k]);
				b[k] = -n->mean[k] / n->std[k];
			}
		}
	}
	for (int k = 0; k < c; k++) {
		float *o = out + k * hw;
		const unsigned char *p = px + k;
		for (size_t i = 0; i < hw; i++)
			o[i] = p[i * c] * a[k] + b[k];
	}
}

int
nn_norm_parse_list(const char *s, float *v, int c)
{
	int n = 0;
	char *end;

	while (n < 4) {
		double x = strtod(s, &end);
		if (end == s || !isfinite(x))
			return -1;
		v[n++] = (float)x;
		if (*end == 0)
			break;
		if (*end != ',')
			return -1;
		s = end + 1;
	}
	if (*end)
		return -1;
	if (n == 1)
		for (int k = 1; k < c; k++)
			v[k] = v[0];
	else if (n != c)
		return -1;
	return 0;
}
