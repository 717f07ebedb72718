/* Photometric steps: they change pixel values, never where pixels are, so the mask stays.
 * Alpha (the last of 2 or 4 channels) is left alone. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "aug.h"
#include "aug_kern.h"
#include "image/image.h"

static int
colour_channels(int c)
{
	return c == 2 || c == 4 ? c - 1 : c;
}

/* Into px, from im->src when set (AUG_FROMSRC: alpha copied), else in place. */
static void
apply_lut(struct aug_img *im, const unsigned char *restrict lut)
{
	size_t n = (size_t)im->w * (size_t)im->h, c = (size_t)im->c, cc = (size_t)colour_channels(im->c);
	unsigned char *restrict p = im->px;

	if (im->src) {
		const unsigned char *restrict q = im->src;
		if (cc == c)
			aug_kern()->lut(lut, q, p, n * c);
		else
			for (size_t i = 0; i < n; i++, p += c, q += c) {
				for (size_t k = 0; k < cc; k++)
					p[k] = lut[q[k]];
				p[cc] = q[cc];
			}
		im->src = NULL;
		return;
	}
	if (cc == c) {
		aug_kern()->lut(lut, p, p, n * c);
		return;
	}
	for (size_t i = 0; i < n; i++, p += c)
		for (size_t k = 0; k < cc; k++)
			p[k] = lut[p[k]];
}

/* The mean gray level: luma of RGB, or the gray channel. */
static double
mean_gray(const struct aug_img *im)
{
	size_t n = (size_t)im->w * (size_t)im->h, c = (size_t)im->c;
	const unsigned char *px = aug_pixels(im);
	uint64_t sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += c >= 3 ? aug_luma(px + i * c) : px[i * c];
	return (double)sum / (double)n;
}

static int
brightness(const struct aug_step *s, struct aug_img *im, struct aug_run *r)
{
	double d = aug_draw(r, s, 0), f = 1 + d;
	unsigned char lut[256];

	for (int v = 0; v < 256; v++)
		lut[v] = aug_clamp(v * f);
	apply_lut(im, lut);
	aug_say(r, "%s=%+.10g", s->k->name, d);
	return 0;
}

static int
contrast(const struct aug_step *s, struct aug_img *im, struct aug_run *r)
{
	double d = aug_draw(r, s, 0), f = 1 + d, mean = mean_gray(im);
	unsigned char lut[256];

	for (int v = 0; v < 256; v++)
		lut[v] = aug_clamp(f * v + (1 - f) * mean);
	apply_lut(im, lut);
	aug_say(r, "%s=%+.10g", s->k->name, d);
	return 0;
}

static int
gamma_(const struct aug_step *s, struct aug_img *im, struct aug_run *r)
{
	double g = aug_draw(r, s, 0);
	unsigned char lut[256];

	for (int v = 0; v < 256; v++)
		lut[v] = aug_clamp(255 * pow(v / 255.0, g));
	apply_lut(im, lut);
	aug_say(r, "%s=%.10g", s->k->name, g);
	return 0;
}

static int
saturation(const struct aug_step *s, struct aug_img *im, struct aug_run *r)
{
	double d = aug_draw(r, s, 0), f = 1 + d;
	size_t n = (size_t)im->w * (size_t)im->h, c = (size_t)im->c;
	unsigned char *p = im->px;

	for (size_t i = 0; i < n; i++, p += c) {
		double y = (1 - f) * aug_luma(p);
		for (int k = 0; k < 3; k++)
			p[k] = aug_clamp(f * p[k] + y);
	}
	aug_say(r, "%s=%+.10g", s->k->name, d);
	return 0;
}

/* Turns the hue by h turns (HSV, as torchvision's adjust_hue). */
static void
hue_pixel(unsigned char *p, double h)
{
	double rr = p[0] / 255.0, g = p[1] / 255.0, b = p[2] / 255.0;
	double mx = fmax(rr, fmax(g, b)), mn = fmin(rr, fmin(g, b)), d = mx - mn, hh, sat, f, q, t, u;
	int i;

	if (d <= 0)
		return;         /* gray has no hue */
	if (mx == rr)
		hh = fmod((g - b) / d + 6, 6);
	else if (mx == g)
		hh = (b - rr) / d + 2;
	else
		hh = (rr - g) / d + 4;
	hh = hh / 6 + h;
	hh -= floor(hh);
	sat = d / mx;
	hh *= 6;
	i = (int)hh % 6;
	f = hh - floor(hh);
	q = mx * (1 - sat);
	t = mx * (1 - sat * f);
	u = mx * (1 - sat * (1 - f));
	double out[6][3] = { { mx, u, q }, { t, mx, q }, { q, mx, u }, { q, t, mx }, { u, q, mx }, { mx, q, t } };
	for (int k = 0; k < 3; k++)
		p[k] = aug_clamp(out[i][k] * 255);
}

static int
hue(const struct aug_step *s, struct aug_img *im, struct aug_run *r)
{
	double h = aug_draw(r, s, 0);
	size_t n = (size_t)im->w * (size_t)im->h, c = (size_t)im->c;

	for (size_t i = 0; i < n; i++)
		hue_pixel(im->px + i * c, h);
	aug_say(r, "%s=%+.10g", s->k->name, h);
	return 0;
}

static int
grayscale(const struct aug_step *s, struct aug_img *im, struct aug_run *r)
{
	size_t n = (size_t)im->w * (size_t)im->h, c = (size_t)im->c;

	if (c >= 3)
		for (unsigned char *p = im->px; n-- > 0; p += c)
			p[0] = p[1] = p[2] = aug_luma(p);
	aug_say(r, "%s", s->k->name);
	return 0;
}

/* A standard normal deviate (Box-Muller; the second of each pair is dropped for simplicity). */
static double
gauss(rng *g)
{
	double u = rng_uniform(g), v = rng_uniform(g);

	return sqrt(-2 * log(1 - u)) * cos(6.283185307179586 * v);
}

static int
noise(const struct aug_step *s, struct aug_img *im, struct aug_run *r)
{
	double sigma = aug_draw(r, s, 0);
	size_t n = (size_t)im->w * (size_t)im->h, c = (size_t)im->c, cc = (size_t)colour_channels(im->c);

	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < cc; k++) {
			unsigned char *p = im->px + i * c + k;
			*p = aug_clamp(*p + sigma * gauss(&r->g));
		}
	aug_say(r, "%s=%.10g", s->k->name, sigma);
	return 0;
}

static int
saltpepper(const struct aug_step *s, struct aug_img *im, struct aug_run *r)
{
	double amount = aug_draw(r, s, 0);
	size_t n = (size_t)im->w * (size_t)im->h, c = (size_t)im->c, cc = (size_t)colour_channels(im->c);
	double lq = log1p(-amount);

	aug_say(r, "%s=%.10g", s->k->name, amount);
	if (amount <= 0)
		return 0;
	/* geometric gaps between the hit pixels: each pixel is hit with probability amount */
	for (size_t i = 0;;) {
		double gap = amount >= 1 ? 0 : floor(log1p(-rng_uniform(&r->g)) / lq);
		if (gap >= (double)(n - i))
			break;
		i += (size_t)gap;
		memset(im->px + i * c, rng_next(&r->g) >> 63 ? 255 : 0, cc);
		if (++i >= n)
			break;
	}
	return 0;
}

/* Gaussian blur, separable, the edge pixel repeated. */
static int
blur(const struct aug_step *s, struct aug_img *im, struct aug_run *r)
{
	double sigma = aug_draw(r, s, 0);
	int rad = (int)ceil(3 * sigma), w = im->w, h = im->h, c = im->c;
	size_t row = (size_t)w * (size_t)c;
	float *k = malloc((size_t)(2 * rad + 1) * sizeof *k), *t = malloc(row * (size_t)h * sizeof *t);
	double sum = 0;

	if (k == NULL || t == NULL) {
		free(k);
		free(t);
		return -1;
	}
	for (int i = -rad; i <= rad; i++)
		sum += k[i + rad] = (float)exp(-0.5 * i * i / (sigma * sigma));
	for (int i = 0; i <= 2 * rad; i++)
		k[i] /= (float)sum;
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			for (int ch = 0; ch < c; ch++) {
				float v = 0;
				for (int i = -rad; i <= rad; i++) {
					int xx = x + i < 0 ? 0 : x + i >= w ? w - 1 : x + i;
					v += k[i + rad] * im->px[(size_t)y * row + (size_t)xx * (size_t)c + (size_t)ch];
				}
				t[(size_t)y * row + (size_t)x * (size_t)c + (size_t)ch] = v;
			}
	int cc = colour_channels(c);
	for (int y = 0; y < h; y++)
		for (size_t i = 0; i < row; i++) {
			float v = 0;
			if ((int)(i % (size_t)c) >= cc)
				continue;
			for (int j = -rad; j <= rad; j++) {
				int yy = y + j < 0 ? 0 : y + j >= h ? h - 1 : y + j;
				v += k[j + rad] * t[(size_t)yy * row + i];
			}
			im->px[(size_t)y * row + i] = aug_clamp(v);
		}
	free(k);
	free(t);
	aug_say(r, "%s=%.10g", s->k->name, sigma);
	return 0;
}

static int
jpeg(const struct aug_step *s, struct aug_img *im, struct aug_run *r)
{
	int q = (int)aug_draw(r, s, 0);
	image in = { im->w, im->h, im->c, im->px }, out = { 0 };
	unsigned char *buf;
	size_t n;

	if (img_encode_jpeg(&in, q, &buf, &n, r->err, sizeof r->err) == -1)
		return -1;
	if (img_decode(buf, n, &out, r->err, sizeof r->err) == -1) {
		free(buf);
		return -1;
	}
	free(buf);
	if (out.w != im->w || out.h != im->h || out.c != im->c) {
		img_free(&out);
		return aug_fail(r, "jpeg: the decoded image is %dx%dx%d", out.w, out.h, out.c);
	}
	memcpy(im->px, out.px, (size_t)im->w * (size_t)im->h * (size_t)im->c);
	img_free(&out);
	aug_say(r, "%s=%d", s->k->name, q);
	return 0;
}

/* torchvision's RandomErasing: ten tries at a box of random area and aspect ratio. */
static int
cutout(const struct aug_step *s, struct aug_img *im, struct aug_run *r)
{
	double area = (double)im->w * im->h, lr0 = log(s->lo[1]), lr1 = log(s->hi[1]);
	size_t c = (size_t)im->c, cc = (size_t)colour_channels(im->c);

	for (int t = 0; t < 10; t++) {
		double a = area * (s->lo[0] + (s->hi[0] - s->lo[0]) * rng_uniform(&r->g));
		double ratio = exp(lr0 + (lr1 - lr0) * rng_uniform(&r->g));
		int bh = (int)lround(sqrt(a * ratio)), bw = (int)lround(sqrt(a / ratio)), x, y;
		if (bh < 1 || bw < 1 || bh >= im->h || bw >= im->w)
			continue;
		y = (int)rng_below(&r->g, (uint64_t)(im->h - bh) + 1);
		x = (int)rng_below(&r->g, (uint64_t)(im->w - bw) + 1);
		for (int j = y; j < y + bh; j++)
			for (int i = x; i < x + bw; i++)
				memset(im->px + ((size_t)j * (size_t)im->w + (size_t)i) * c, (int)s->lo[2], cc);
		aug_say(r, "%s=%d,%d,%d,%d", s->k->name, x, y, bw, bh);
		return 0;
	}
	aug_say(r, "%s=none", s->k->name);
	return 0;
}

#define SIGNED(name, lo, hi, min, max) \
	{ { name, AUG_RANGE, lo, hi, min, max, 3, 0, NULL, NULL } }

const struct aug_kind aug_brightness = {
	"brightness", AUG_POSITIONAL | AUG_FROMSRC, "multiply by 1 + factor", SIGNED("factor", -0.2, 0.2, -1, 10), brightness,
};
const struct aug_kind aug_contrast = {
	"contrast", AUG_POSITIONAL | AUG_FROMSRC, "away from (or towards) the mean gray by 1 + factor",
	SIGNED("factor", -0.2, 0.2, -1, 10), contrast,
};
const struct aug_kind aug_gamma = {
	"gamma", AUG_POSITIONAL | AUG_FROMSRC, "255 (v / 255) ^ gamma",
	{ { "gamma", AUG_RANGE, 0.8, 1.25, 0.01, 100, 3, 0, NULL, NULL } }, gamma_,
};
const struct aug_kind aug_saturation = {
	"saturation", AUG_POSITIONAL | AUG_COLOR, "away from (or towards) the pixel's gray by 1 + factor",
	SIGNED("factor", -0.3, 0.3, -1, 10), saturation,
};
const struct aug_kind aug_hue = {
	"hue", AUG_POSITIONAL | AUG_COLOR, "turn the hue by a fraction of the colour circle",
	SIGNED("shift", -0.05, 0.05, -0.5, 0.5), hue,
};
const struct aug_kind aug_grayscale = {
	"grayscale", 0, "RGB to its luma, channels kept", { { NULL } }, grayscale,
};
const struct aug_kind aug_noise = {
	"noise", AUG_POSITIONAL, "add gaussian noise of this standard deviation",
	{ { "sigma", AUG_RANGE, 2, 10, 0, 255, 2, 0, NULL, NULL } }, noise,
};
const struct aug_kind aug_saltpepper = {
	"saltpepper", AUG_POSITIONAL, "this fraction of the pixels white or black",
	{ { "amount", AUG_RANGE, 0.001, 0.01, 0, 1, 4, 0, NULL, NULL } }, saltpepper,
};
const struct aug_kind aug_blur = {
	"blur", AUG_POSITIONAL, "gaussian blur of this standard deviation in pixels",
	{ { "sigma", AUG_RANGE, 0.1, 2, 0.01, 50, 2, 0, NULL, NULL } }, blur,
};
const struct aug_kind aug_jpeg = {
	"jpeg", AUG_POSITIONAL | AUG_NOALPHA, "JPEG compression at this quality, decoded again",
	{ { "quality", AUG_RANGE, 30, 90, 1, 100, 0, 0, NULL, NULL } }, jpeg,
};
const struct aug_kind aug_cutout = {
	"cutout", AUG_POSITIONAL, "fill a box of random area (scale) and aspect ratio",
	{ { "scale", AUG_RANGE, 0.02, 0.33, 1e-6, 1, 4, 0, NULL, NULL },
	  { "ratio", AUG_RANGE, 0.3, 3.3, 0.01, 100, 4, 0, NULL, NULL },
	  { "fill", AUG_RANGE, 0, 0, 0, 255, 0, 0, NULL, NULL } }, cutout,
};
