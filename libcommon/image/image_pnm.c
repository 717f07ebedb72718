/* Netpbm decoding: PBM, PGM, PPM (plain P1-P3 and raw P4-P6) and PAM (P7), the first image. */
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "image_int.h"

struct pnm {
	const unsigned char *p;
	size_t n, pos;
	int kind;               /* 1..7, the digit after P */
	unsigned w, h, depth, maxval;
};

static const char *
kind_name(int kind)
{
	switch (kind) {
	case 1: case 4: return "PBM";
	case 2: case 5: return "PGM";
	case 3: case 6: return "PPM";
	default:        return "PAM";
	}
}

static int
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Skips white space and # comments (to the end of their line). */
static void
skip_space(struct pnm *s)
{
	while (s->pos < s->n) {
		if (s->p[s->pos] == '#') {
			while (s->pos < s->n && s->p[s->pos] != '\n' && s->p[s->pos] != '\r')
				s->pos++;
		} else if (is_space(s->p[s->pos])) {
			s->pos++;
		} else {
			break;
		}
	}
}

/* A decimal header number up to max: 0, or -1 (1 at the end of the data). */
static int
header_number(struct pnm *s, unsigned max, unsigned *v)
{
	unsigned long long x = 0;
	size_t start;

	skip_space(s);
	start = s->pos;
	while (s->pos < s->n && s->p[s->pos] >= '0' && s->p[s->pos] <= '9') {
		x = x * 10 + (unsigned)(s->p[s->pos++] - '0');
		if (x > max)
			return -1;
	}
	if (s->pos == start)
		return s->pos >= s->n ? 1 : -1;
	*v = (unsigned)x;
	return 0;
}

/* The PAM header, from after "P7" to after ENDHDR and its newline. */
static int
pam_header(struct pnm *s, char *err, size_t errlen)
{
	int have = 0;
	char tupl[32] = "";

	for (;;) {
		char key[16];
		size_t k = 0;
		unsigned *v = NULL, max = 0;
		skip_space(s);
		while (s->pos < s->n && !is_space(s->p[s->pos]) && k + 1 < sizeof key)
			key[k++] = (char)s->p[s->pos++];
		key[k] = '\0';
		if (s->pos >= s->n) {
			img_err(err, errlen, "truncated PAM");
			return -1;
		}
		if (strcmp(key, "ENDHDR") == 0)
			break;
		if (strcmp(key, "WIDTH") == 0)
			v = &s->w, max = 1u << 30, have |= 1;
		else if (strcmp(key, "HEIGHT") == 0)
			v = &s->h, max = 1u << 30, have |= 2;
		else if (strcmp(key, "DEPTH") == 0)
			v = &s->depth, max = 4, have |= 4;
		else if (strcmp(key, "MAXVAL") == 0)
			v = &s->maxval, max = 65535, have |= 8;
		if (v != NULL) {
			int rc = header_number(s, max, v);
			if (rc != 0) {
				img_err(err, errlen, rc > 0 ? "truncated PAM" : "corrupt PAM: bad %s", key);
				return -1;
			}
			continue;
		}
		if (strcmp(key, "TUPLTYPE") == 0) {
			size_t t = 0;
			while (s->pos < s->n && (s->p[s->pos] == ' ' || s->p[s->pos] == '\t'))
				s->pos++;
			while (s->pos < s->n && !is_space(s->p[s->pos]) && t + 1 < sizeof tupl)
				tupl[t++] = (char)s->p[s->pos++];
			tupl[t] = '\0';
		}
		/* other lines (and the rest of a TUPLTYPE line) are skipped */
		while (s->pos < s->n && s->p[s->pos] != '\n')
			s->pos++;
	}
	if (s->pos >= s->n || s->p[s->pos] != '\n') {
		img_err(err, errlen, s->pos >= s->n ? "truncated PAM" : "corrupt PAM: no newline after ENDHDR");
		return -1;
	}
	s->pos++;
	if (have != 15 || s->depth == 0 || s->maxval == 0) {
		img_err(err, errlen, "corrupt PAM: WIDTH, HEIGHT, DEPTH (1 to 4) and MAXVAL needed");
		return -1;
	}
	if (strncmp(tupl, "CMYK", 4) == 0) {
		img_err(err, errlen, "unsupported PAM tuple type %s", tupl);
		return -1;
	}
	return 0;
}

static int
header(struct pnm *s, char *err, size_t errlen)
{
	const char *name = kind_name(s->kind);
	int rc;

	s->pos = 2;
	if (s->kind == 7)
		return pam_header(s, err, errlen);
	s->depth = s->kind == 3 || s->kind == 6 ? 3 : 1;
	s->maxval = 1;
	if ((rc = header_number(s, 1u << 30, &s->w)) != 0 ||
	    (rc = header_number(s, 1u << 30, &s->h)) != 0 ||
	    (s->kind != 1 && s->kind != 4 && (rc = header_number(s, 65535, &s->maxval)) != 0)) {
		img_err(err, errlen, rc > 0 ? "truncated %s" : "corrupt %s: bad header", name);
		return -1;
	}
	if (s->maxval == 0) {
		img_err(err, errlen, "corrupt %s: maxval 0", name);
		return -1;
	}
	if (s->kind >= 4) {     /* raw: exactly one white space character before the samples */
		if (s->pos >= s->n) {
			img_err(err, errlen, "truncated %s", name);
			return -1;
		}
		if (!is_space(s->p[s->pos])) {
			img_err(err, errlen, "corrupt %s: bad header", name);
			return -1;
		}
		s->pos++;
	}
	return 0;
}

/* A sample scaled to 0..255: round(v * 255 / maxval). */
static unsigned char
scale(unsigned v, unsigned maxval)
{
	return maxval == 255 ? (unsigned char)v : (unsigned char)((v * 255ull * 2 + maxval) / (2ull * maxval));
}

static int
read_plain(struct pnm *s, unsigned char *px, size_t count, char *err, size_t errlen)
{
	const char *name = kind_name(s->kind);

	for (size_t i = 0; i < count; i++) {
		unsigned v;
		int rc;
		if (s->kind == 1) {     /* plain PBM: digits need no space between them */
			skip_space(s);
			if (s->pos >= s->n) {
				img_err(err, errlen, "truncated PBM");
				return -1;
			}
			if (s->p[s->pos] != '0' && s->p[s->pos] != '1') {
				img_err(err, errlen, "corrupt PBM: bad sample");
				return -1;
			}
			px[i] = s->p[s->pos++] == '1' ? 0 : 255;
			continue;
		}
		if ((rc = header_number(s, 65535, &v)) != 0 || v > s->maxval) {
			img_err(err, errlen, rc > 0 ? "truncated %s" : "corrupt %s: bad sample", name);
			return -1;
		}
		px[i] = scale(v, s->maxval);
	}
	return 0;
}

static int
read_raw(struct pnm *s, unsigned char *px, size_t count, char *err, size_t errlen)
{
	const char *name = kind_name(s->kind);
	const unsigned char *p = s->p + s->pos;
	size_t avail = s->n - s->pos, need;

	if (s->kind == 4) {     /* raw PBM: rows of bits, padded to a byte */
		size_t row = ((size_t)s->w + 7) / 8;
		need = row * s->h;
		if (avail < need) {
			img_err(err, errlen, "truncated PBM");
			return -1;
		}
		for (size_t y = 0; y < s->h; y++)
			for (size_t x = 0; x < s->w; x++)
				px[y * s->w + x] = p[y * row + x / 8] >> (7 - x % 8) & 1 ? 0 : 255;
		return 0;
	}
	need = s->maxval > 255 ? count * 2 : count;
	if (avail < need) {
		img_err(err, errlen, "truncated %s", name);
		return -1;
	}
	for (size_t i = 0; i < count; i++) {
		unsigned v = s->maxval > 255 ? (unsigned)p[2 * i] << 8 | p[2 * i + 1] : p[i];
		if (v > s->maxval) {
			img_err(err, errlen, "corrupt %s: sample %u above maxval %u", name, v, s->maxval);
			return -1;
		}
		px[i] = scale(v, s->maxval);
	}
	return 0;
}

int
img_pnm_decode(const unsigned char *buf, size_t n, image *out, int info_only,
               char *err, size_t errlen)
{
	struct pnm s = { .p = buf, .n = n };
	size_t count;

	if (n < 3 || buf[0] != 'P' || buf[1] < '1' || buf[1] > '7') {
		img_err(err, errlen, "not a Netpbm image");
		return -1;
	}
	s.kind = buf[1] - '0';
	if (header(&s, err, errlen) == -1 || img_check_size(s.w, s.h, !info_only, err, errlen) == -1)
		return -1;
	out->w = (int)s.w;
	out->h = (int)s.h;
	out->c = (int)s.depth;
	if (info_only)
		return 0;
	count = (size_t)s.w * s.h * s.depth;
	if ((out->px = img_alloc_px(out->w, out->h, out->c, err, errlen)) == NULL)
		return -1;
	if ((s.kind <= 3 ? read_plain(&s, out->px, count, err, errlen)
	                 : read_raw(&s, out->px, count, err, errlen)) == -1) {
		img_free(out);
		return -1;
	}
	return 0;
}
