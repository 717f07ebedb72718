/* Tick positions and labels as matplotlib places and writes them: MaxNLocator
 * with steps [1, 2, 2.5, 5, 10] (its AutoLocator) and ScalarFormatter. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "plot.h"

/* matplotlib.ticker.scale_range */
static void
scale_range(double vmin, double vmax, int n, double *scale, double *offset)
{
	double dv = fabs(vmax - vmin), meanv = (vmax + vmin) / 2;

	*offset = 0;
	if (dv > 0 && fabs(meanv) / dv >= 100)
		*offset = copysign(pow(10, floor(log10(fabs(meanv)))), meanv);
	*scale = pow(10, floor(log10(dv / n)));
}

/* _Edge_integer: floor and ceil that forgive rounding noise */
static double
edge_tol(double step, double offset)
{
	if (offset == 0)
		return 1e-10;
	return fmin(0.4999, fmax(1e-10, pow(10, log10(fabs(offset) / step) - 12)));
}

static double
edge_le(double x, double step, double offset)
{
	double tol = edge_tol(step, offset), d = floor(x / step), m = fmod(x / step, 1);

	if (m < 0)
		m += 1;
	if (fabs(m - 1) < tol)
		return d + 1;
	return d;
}

static double
edge_ge(double x, double step, double offset)
{
	double tol = edge_tol(step, offset), d = floor(x / step), m = fmod(x / step, 1);

	if (m < 0)
		m += 1;
	if (fabs(m) < tol)
		return d;
	return d + 1;
}

static int
whole(double step)
{
	return step >= 1 && fabs(step - nearbyint(step)) <= 1e-9 * step;
}

/* integer: only whole-number steps (MaxNLocator(integer=True)), at least 1 */
static size_t
ticks(double lo, double hi, int nbins, int integer, double *ticks, size_t max)
{
	static const double steps[] = { 0.1, 0.2, 0.25, 0.5, 1, 2, 2.5, 5, 10, 20 };
	double scale, offset, vmin, vmax, raw;
	size_t n = 0, istep = 0;

	if (hi < lo) {
		double t = lo;
		lo = hi;
		hi = t;
	}
	if (nbins < 1)
		nbins = 1;
	scale_range(lo, hi, nbins, &scale, &offset);
	vmin = lo - offset;
	vmax = hi - offset;
	raw = (vmax - vmin) / nbins;
	if (integer && scale < 1)
		scale = 1;
	while (istep < 9 && (steps[istep] * scale < raw || (integer && !whole(steps[istep] * scale))))
		istep++;
	for (long k = (long)istep; k >= 0; k--) {
		double step = steps[k] * scale, best = floor(vmin / step) * step;
		if (integer && !whole(step))
			continue;
		double low = edge_le(vmin - best, step, offset), high = edge_ge(vmax - best, step, offset);
		size_t inside = 0;
		n = 0;
		for (double i = low; i <= high && n < max; i++) {
			double t = i * step + best;
			ticks[n++] = t + offset;
			inside += t <= vmax && t >= vmin;
		}
		if (inside >= 2)
			break;
	}
	return n;
}

size_t
plot_ticks(double lo, double hi, int nbins, double *t, size_t max)
{
	return ticks(lo, hi, nbins, 0, t, max);
}

size_t
plot_ticks_integer(double lo, double hi, int nbins, double *t, size_t max)
{
	return ticks(lo, hi, nbins, 1, t, max);
}

void
plot_tick_labels(const double *ticks, size_t n, char (*label)[32])
{
	double lo = INFINITY, hi = -INFINITY, range, big = 0, thresh;
	int oom, sig;

	for (size_t i = 0; i < n; i++) {
		lo = fmin(lo, ticks[i]);
		hi = fmax(hi, ticks[i]);
		big = fmax(big, fabs(ticks[i]));
	}
	range = n ? hi - lo : 1;
	if (range == 0)
		range = big;
	if (range == 0)
		range = 1;
	oom = (int)floor(log10(range));
	sig = 3 - oom > 0 ? 3 - oom : 0;
	thresh = 1e-3 * pow(10, oom);
	for (; sig >= 0; sig--) {       /* fewest decimals that still tell the ticks apart */
		double p = pow(10, sig), worst = 0;
		for (size_t i = 0; i < n; i++)
			worst = fmax(worst, fabs(ticks[i] - nearbyint(ticks[i] * p) / p));
		if (!(worst < thresh))
			break;
	}
	sig++;
	for (size_t i = 0; i < n; i++) {
		double v = ticks[i];
		char buf[24];
		if (fabs(v) < thresh * 1e-3)
			v = 0;          /* no "-0.0" from rounding noise */
		if (big >= 1e6 || (big > 0 && big < 1e-5))
			snprintf(buf, sizeof buf, "%g", v);
		else
			snprintf(buf, sizeof buf, "%.*f", sig, v);
		if (buf[0] == '-')      /* matplotlib writes a real minus sign */
			snprintf(label[i], sizeof label[i], "\xe2\x88\x92%s", buf + 1);
		else
			snprintf(label[i], sizeof label[i], "%s", buf);
	}
}
