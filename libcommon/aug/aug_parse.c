/* The table of augmentation steps and the parser of "NAME [VALUE] [KEY=VALUE]..." steps. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aug.h"
#include "util/util.h"

extern const struct aug_kind aug_hflip, aug_vflip, aug_rot90, aug_rotate, aug_crop, aug_resized_crop,
	aug_affine;
extern const struct aug_kind aug_brightness, aug_contrast, aug_gamma, aug_saturation, aug_hue,
	aug_grayscale, aug_noise, aug_saltpepper, aug_blur, aug_jpeg, aug_cutout;
extern const struct aug_kind aug_deadpixels, aug_scratch, aug_motionblur, aug_defocus;

/* In the order --list shows them: geometric, photometric, defects. */
const struct aug_kind *const aug_kinds[] = {
	&aug_hflip, &aug_vflip, &aug_rot90, &aug_rotate, &aug_crop, &aug_resized_crop, &aug_affine,
	&aug_brightness, &aug_contrast, &aug_gamma, &aug_saturation, &aug_hue, &aug_grayscale,
	&aug_noise, &aug_saltpepper, &aug_blur, &aug_jpeg, &aug_cutout,
	&aug_deadpixels, &aug_scratch, &aug_motionblur, &aug_defocus,
};
const size_t aug_nkinds = sizeof aug_kinds / sizeof *aug_kinds;

const struct aug_kind *
aug_kind_find(const char *name)
{
	for (size_t i = 0; i < aug_nkinds; i++)
		if (strcmp(aug_kinds[i]->name, name) == 0)
			return aug_kinds[i];
	return NULL;
}

static int
number(const char *s, size_t n, double *v)
{
	char buf[64], *end;

	if (n == 0 || n >= sizeof buf)
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	errno = 0;
	*v = strtod(buf, &end);
	return errno || end == buf || *end != '\0' || !isfinite(*v) ? -1 : 0;
}

/* Checks v against a parameter; 0 or -1 with a reason. */
static int
in_bounds(const char *step, const struct aug_param *p, double v, char *err, size_t errlen)
{
	if (v < p->min || v > p->max)
		return errorf(err, errlen, "%s: %s %g is outside [%g, %g]", step, p->name, v, p->min, p->max);
	if (p->prec == 0 && v != floor(v))
		return errorf(err, errlen, "%s: %s %g is not an integer", step, p->name, v);
	if (p->step && fmod(v, p->step) != 0)
		return errorf(err, errlen, "%s: %s %g is not a multiple of %d", step, p->name, v, p->step);
	return 0;
}

static int
set_value(struct aug_step *s, int i, const char *v, char *err, size_t errlen)
{
	const struct aug_param *p = &s->k->par[i];
	const char *name = s->k->name;
	double lo, hi;

	if (p->type == AUG_WORD) {
		size_t n = strlen(v);
		const char *w = p->words;
		if (n == 0 || n >= sizeof s->word[i])
			return errorf(err, errlen, "%s: %s '%s' is empty or too long", name, p->name, v);
		while (w) {
			const char *bar = strchr(w, '|');
			size_t len = bar ? (size_t)(bar - w) : strlen(w);
			if (len == n && strncmp(w, v, n) == 0)
				break;
			w = bar ? bar + 1 : NULL;
		}
		if (p->words && w == NULL)
			return errorf(err, errlen, "%s: %s '%s' is not one of %s", name, p->name, v, p->words);
		memcpy(s->word[i], v, n + 1);
		return 0;
	}
	if (p->type == AUG_SIZE) {
		char *end;
		long a, b;
		errno = 0;
		a = strtol(v, &end, 10);
		b = a;
		if (*end == 'x' && end > v)
			b = strtol(end + 1, &end, 10);
		if (errno || end == v || *end != '\0' || *v == '-' || *v == '+' || a < p->min || b < p->min ||
		    a > p->max || b > p->max)
			return errorf(err, errlen, "%s: %s '%s' is not WxH (or N) with sides from %g to %g",
			              name, p->name, v, p->min, p->max);
		s->lo[i] = (double)a;
		s->hi[i] = (double)b;
		return 0;
	}
	const char *dots = strstr(v, "..");
	if (dots ? number(v, (size_t)(dots - v), &lo) == -1 || number(dots + 2, strlen(dots + 2), &hi) == -1
	         : number(v, strlen(v), &lo) == -1)
		return errorf(err, errlen, "%s: %s '%s' is not a number or a range A..B", name, p->name, v);
	if (!dots)
		hi = lo;
	if (lo > hi)
		return errorf(err, errlen, "%s: %s range %g..%g has min > max", name, p->name, lo, hi);
	if (in_bounds(name, p, lo, err, errlen) == -1 || in_bounds(name, p, hi, err, errlen) == -1)
		return -1;
	s->lo[i] = lo;
	s->hi[i] = hi;
	return 0;
}

int
aug_parse(const char *text, struct aug_step *s, char *err, size_t errlen)
{
	char buf[512], *save = NULL, *tok;
	int positional = 0, seen[AUG_MAXPAR] = { 0 }, seen_p = 0;

	memset(s, 0, sizeof *s);
	if (strlen(text) >= sizeof buf)
		return errorf(err, errlen, "step '%.40s...' is too long", text);
	strcpy(buf, text);
	if ((tok = strtok_r(buf, " \t", &save)) == NULL)
		return errorf(err, errlen, "empty step");
	if ((s->k = aug_kind_find(tok)) == NULL)
		return errorf(err, errlen, "unknown step '%s' (imgaug --list shows the steps)", tok);
	s->p = 1;
	for (int i = 0; i < AUG_MAXPAR && s->k->par[i].name; i++) {
		const struct aug_param *p = &s->k->par[i];
		s->npar = i + 1;
		s->lo[i] = p->lo;
		s->hi[i] = p->hi;
		if (p->defword)
			snprintf(s->word[i], sizeof s->word[i], "%s", p->defword);
	}
	while ((tok = strtok_r(NULL, " \t", &save)) != NULL) {
		char *eq = strchr(tok, '=');
		int i;
		if (eq == NULL) {
			if (!(s->k->flags & AUG_POSITIONAL))
				return errorf(err, errlen, "%s: '%s' is not KEY=VALUE (the step takes no plain value)",
				              s->k->name, tok);
			if (positional++)
				return errorf(err, errlen, "%s: a second plain value '%s'", s->k->name, tok);
			if (seen[0]++)
				return errorf(err, errlen, "%s: %s given twice", s->k->name, s->k->par[0].name);
			if (set_value(s, 0, tok, err, errlen) == -1)
				return -1;
			continue;
		}
		*eq = '\0';
		if (strcmp(tok, "p") == 0) {
			double p;
			if (seen_p++)
				return errorf(err, errlen, "%s: p given twice", s->k->name);
			if (number(eq + 1, strlen(eq + 1), &p) == -1 || p < 0 || p > 1)
				return errorf(err, errlen, "%s: p '%s' is not a probability in [0, 1]", s->k->name, eq + 1);
			s->p = p;
			continue;
		}
		for (i = 0; i < s->npar && strcmp(s->k->par[i].name, tok) != 0; i++)
			;
		if (i == s->npar) {
			char names[256] = "p";
			for (int j = 0; j < s->npar; j++)
				snprintf(names + strlen(names), sizeof names - strlen(names), ", %s", s->k->par[j].name);
			return errorf(err, errlen, "%s: unknown parameter '%s' (it takes %s)", s->k->name, tok, names);
		}
		if (seen[i]++)
			return errorf(err, errlen, "%s: %s given twice", s->k->name, tok);
		if (set_value(s, i, eq + 1, err, errlen) == -1)
			return -1;
	}
	if ((s->k->flags & AUG_REQUIRED) && !seen[0])
		return errorf(err, errlen, "%s needs its %s", s->k->name, s->k->par[0].name);
	return 0;
}

int
aug_parse_file(const char *path, struct aug_step *s, int max, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char line[1024], why[512];
	int n = 0, lineno = 0;

	if (f == NULL) {
		errorf(err, errlen, "%s: %s", path, strerror(errno));
		return -2;
	}
	while (fgets(line, sizeof line, f)) {
		char *hash = strchr(line, '#'), *p = line;
		size_t len;
		lineno++;
		if (hash)
			*hash = '\0';
		len = strlen(line);
		while (len > 0 && strchr(" \t\r\n", line[len - 1]))
			line[--len] = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			continue;
		if (n == max) {
			fclose(f);
			return errorf(err, errlen, "%s:%d: more than %d steps", path, lineno, max);
		}
		if (aug_parse(p, &s[n], why, sizeof why) == -1) {
			fclose(f);
			return errorf(err, errlen, "%s:%d: %s", path, lineno, why);
		}
		n++;
	}
	if (ferror(f)) {
		fclose(f);
		errorf(err, errlen, "%s: read error", path);
		return -2;
	}
	fclose(f);
	return n;
}

double
aug_draw(struct aug_run *r, const struct aug_step *s, int i)
{
	const struct aug_param *p = &s->k->par[i];
	double lo = s->lo[i], hi = s->hi[i], v, scale;

	if (p->prec == 0) {
		int st = p->step ? p->step : 1;
		return lo + st * (double)rng_below(&r->g, (uint64_t)((hi - lo) / st) + 1);
	}
	v = lo + (hi - lo) * rng_uniform(&r->g);
	scale = pow(10, p->prec);
	v = round(v * scale) / scale;
	return v < lo ? lo : v > hi ? hi : v;
}

void
aug_size(const struct aug_step *s, int i, int *w, int *h)
{
	*w = (int)s->lo[i];
	*h = (int)s->hi[i];
}

const char *
aug_word(const struct aug_step *s, int i)
{
	return s->word[i];
}

void
aug_say(struct aug_run *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (r->dlen >= sizeof r->desc - 1)
		return;
	if (r->dlen > 0)
		r->desc[r->dlen++] = ';';
	va_start(ap, fmt);
	n = vsnprintf(r->desc + r->dlen, sizeof r->desc - r->dlen, fmt, ap);
	va_end(ap);
	if (n > 0)
		r->dlen += (size_t)n;
	if (r->dlen >= sizeof r->desc)
		r->dlen = sizeof r->desc - 1;
}

int
aug_fail(struct aug_run *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, sizeof r->err, fmt, ap);
	va_end(ap);
	return -1;
}
