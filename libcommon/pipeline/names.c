/* Safe, readable, distinct file names from record text (names.h). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "names.h"

/* The length of the valid UTF-8 sequence at p (Unicode's table 3-7: no overlong forms, no
 * surrogates, nothing above U+10FFFF), or 0. */
static size_t
utf8_len(const unsigned char *p)
{
	unsigned char c = p[0];
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

void
name_safe(const char *s, const char *fallback, char *out, size_t outlen)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t j = 0, max = outlen - 1 < NAME_MAX_BYTES ? outlen - 1 : NAME_MAX_BYTES;

	if (*p == '.')
		out[j++] = '_';
	while (*p) {
		size_t n = utf8_len(p);
		int bad = n == 0 || *p < 0x20 || *p == 0x7f || *p == '/' ||
		          (n == 2 && p[0] == 0xc2 && p[1] < 0xa0);     /* C1 controls */
		if (n == 0)
			n = 1;          /* one '_' a byte that is not UTF-8, one a control character */
		if (j + (bad ? 1 : n) > max)
			break;
		if (bad) {
			out[j++] = '_';
		} else {
			memcpy(out + j, p, n);
			j += n;
		}
		p += n;
	}
	out[j] = '\0';
	if (j == 0)
		snprintf(out, outlen, "%s", fallback);
}

void
name_strip_image_ext(char *name)
{
	static const char *const ext[] = { ".png", ".jpg", ".jpeg", ".jpe", ".webp", ".gif", ".tif", ".tiff",
	                                   ".bmp", ".pbm", ".pgm", ".ppm", ".pnm", ".pam", NULL };
	char *dot = strrchr(name, '.');

	for (int i = 0; dot && dot != name && ext[i]; i++)
		if (strcasecmp(dot, ext[i]) == 0)
			*dot = '\0';
}

void
name_set_init(name_set *s)
{
	strmap_init(&s->used);
}

void
name_set_free(name_set *s)
{
	strmap_free(&s->used);
}

void
name_set_take(name_set *s, const char *name)
{
	strmap_add(&s->used, name);
}

int
name_claim(name_set *s, const char *prefix, const char *base, const char *const *suffixes,
           char *out, size_t outlen)
{
	char full[1024];
	int k;

	for (k = 1;; k++) {
		int unused = 1;
		if (k == 1)
			snprintf(out, outlen, "%s", base);
		else
			snprintf(out, outlen, "%s-%d", base, k);
		for (int i = 0; suffixes[i] && unused; i++) {
			snprintf(full, sizeof full, "%s%s%s", prefix, out, suffixes[i]);
			unused = strmap_find(&s->used, full) < 0;
		}
		if (unused)
			break;
	}
	for (int i = 0; suffixes[i]; i++) {
		snprintf(full, sizeof full, "%s%s%s", prefix, out, suffixes[i]);
		strmap_add(&s->used, full);
	}
	return k;
}
