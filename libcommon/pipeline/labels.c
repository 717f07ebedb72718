/*
 * Label files: a table of (key, label) rows in CSV or TSV.
 *
 * The rules, written for the files pandas, spreadsheets and shell scripts make:
 *
 *  1. The file is UTF-8 text; a leading byte order mark is skipped.  Lines end
 *     in LF, CR LF or CR.  A NUL byte is an error (not a text file).
 *  2. The delimiter is a tab if the first non-blank line contains a tab,
 *     otherwise a comma.
 *  3. Fields are as in RFC 4180: a field in double quotes may hold the
 *     delimiter, line breaks and double quotes (written twice: "").  Spaces
 *     around a field (and tabs, in CSV) are removed, but not inside quotes.
 *  4. Blank lines (empty, or only spaces) are skipped.  Every other row must
 *     have as many fields as the first.
 *  5. Header with a label column: if the first row has a field named "label"
 *     (in any case), it is a header.  That column holds the labels.  The key
 *     column is the one named "file", "filename", "path", "image" or "id" (in
 *     any case; the first of these names found, in that order), else the
 *     first other column, else there are no keys.
 *  6. Otherwise, with one column the file is labels only (no keys); with two
 *     or more, the first column is the key and the last the label.  The first
 *     row is still a header, and skipped, when
 *       a. its last field is not a number while the second row's is
 *          ("name,class" above "a.png,3"), or
 *       b. it has two or more fields and the first is empty or starts with
 *          "Unnamed:" (the index column of pandas: df.to_csv() writes ",0" or
 *          ",label" above "0,1", and "Unnamed: 0" comes from re-saving).
 *     A number is a decimal such as 3, -1, 0.5 or 1e-3.
 *  7. So pandas' df.to_csv() with its default index gives keys 0, 1, 2, ...:
 *     the row numbers, which is how arrays (.npy, .npz) are labelled anyway.
 *  8. A key beginning with "./" is stored without it.  An empty label or key
 *     is an error.  The same key twice with different labels is an error; with
 *     the same label it is allowed.
 *  9. Rows keep their order: arrays take the i-th label for the i-th image.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "labels.h"
#include "util/hash.h"
#include "util/util.h"

#define LABELS_MAX_BYTES ((size_t)1 << 30)

struct table {
	char **f;               /* every field, row after row, pointing into the buffer */
	size_t nf, capf;
	size_t *row, *line;     /* first field and line number of each row */
	size_t nrow, caprow;
};

static int
grow(void *pp, size_t *cap, size_t need, size_t elsize)
{
	void **p = pp, *q;
	size_t n;

	if (need <= *cap)
		return 0;
	n = *cap ? *cap : 64;
	while (n < need)
		n *= 2;
	if ((q = reallocarray(*p, n, elsize)) == NULL)
		return -1;
	*p = q;
	*cap = n;
	return 0;
}

static int
add_field(struct table *t, char *s)
{
	if (grow(&t->f, &t->capf, t->nf + 1, sizeof *t->f) == -1)
		return -1;
	t->f[t->nf++] = s;
	return 0;
}

static int
add_row(struct table *t, size_t line)
{
	size_t cap = t->caprow;

	if (grow(&t->row, &cap, t->nrow + 2, sizeof *t->row) == -1)
		return -1;
	cap = t->caprow;
	if (grow(&t->line, &cap, t->nrow + 2, sizeof *t->line) == -1)
		return -1;
	t->caprow = cap;
	t->row[t->nrow] = t->nf;
	t->line[t->nrow] = line;
	t->nrow++;
	return 0;
}

static int
is_eol(char c)
{
	return c == '\n' || c == '\r';
}

/* Space around fields: blanks, and tabs too when they do not delimit. */
static int
is_space(char c, char delim)
{
	return c == ' ' || (c == '\t' && delim != '\t');
}

/* The delimiter: a tab if the first non-blank line has one. */
static char
delimiter(const char *p, const char *end)
{
	while (p < end) {
		const char *e = p, *q = p;
		while (e < end && !is_eol(*e))
			e++;
		while (q < e && *q == ' ')
			q++;
		if (q < e)
			return memchr(p, '\t', (size_t)(e - p)) ? '\t' : ',';
		p = e + 1;
	}
	return ',';
}

/*
 * Splits buf (NUL-terminated at len) into fields in place: quotes are removed
 * and each field is NUL-terminated where it ends.  Writing never overtakes
 * reading (w <= r), so the buffer is enough.
 */
static int
split(char *buf, size_t len, struct table *t, const char *path, char *err, size_t errlen)
{
	char *r = buf, *w = buf, *end = buf + len;
	size_t line = 1;
	char delim;

	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		r = w = buf + 3;
	delim = delimiter(r, end);
	while (r < end) {
		char *q = r;
		size_t rowline = line;
		while (q < end && is_space(*q, delim))
			q++;
		if (q == end || is_eol(*q)) {       /* blank line */
			r = q;
			if (r < end && *r == '\r')
				r++;
			if (r < end && *r == '\n')
				r++;
			line++;
			continue;
		}
		if (add_row(t, rowline) == -1)
			goto nomem;
		for (;;) {
			char *start, c;
			while (r < end && is_space(*r, delim))
				r++;
			start = w;
			if (r < end && *r == '"') {
				size_t qline = line;
				r++;
				for (;;) {
					if (r == end)
						return errorf(err, errlen, "%s: line %zu: quoted field not closed", path, qline);
					c = *r++;
					if (c == '"') {
						if (r < end && *r == '"') {
							*w++ = '"';
							r++;
							continue;
						}
						break;
					}
					if (c == '\n' || (c == '\r' && (r == end || *r != '\n')))
						line++;
					*w++ = c;
				}
				while (r < end && is_space(*r, delim))
					r++;
				if (r < end && *r != delim && !is_eol(*r))
					return errorf(err, errlen, "%s: line %zu: '%c' after a closing quote (quotes inside a quoted field are written \"\")",
					            path, line, *r);
			} else {
				while (r < end && *r != delim && !is_eol(*r))
					*w++ = *r++;
				while (w > start && is_space(w[-1], delim))
					w--;
			}
			if (add_field(t, start) == -1)
				goto nomem;
			c = r < end ? *r : '\n';
			if (r < end)
				r++;
			*w++ = '\0';                /* at or before the character just read */
			if (c == delim)
				continue;
			if (c == '\r' && r < end && *r == '\n')
				r++;
			line++;
			break;
		}
	}
	if (t->nrow)
		t->row[t->nrow] = t->nf;    /* add_row keeps room for this end mark */
	return 0;
nomem:
	return errorf(err, errlen, "%s: out of memory", path);
}

/* A decimal number: [+-] digits [. digits] [e [+-] digits], some digit before the exponent. */
static int
numeric(const char *s)
{
	int digits = 0;

	if (*s == '+' || *s == '-')
		s++;
	for (; *s >= '0' && *s <= '9'; s++)
		digits++;
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++)
			digits++;
	if (!digits)
		return 0;
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (*s < '0' || *s > '9')
			return 0;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return *s == '\0';
}

static size_t
probe(const struct labels *l, const char *key)
{
	size_t mask = l->nslot - 1, i = (size_t)hash_string(key, 0) & mask;

	while (l->slot[i] && strcmp(l->key[l->slot[i] - 1], key) != 0)
		i = (i + 1) & mask;
	return i;
}

static int
build_index(struct labels *l, const size_t *line, const char *path, char *err, size_t errlen)
{
	size_t ns = 16;

	while (ns < 2 * l->n)
		ns *= 2;
	if ((l->slot = calloc(ns, sizeof *l->slot)) == NULL)
		return errorf(err, errlen, "%s: out of memory", path);
	l->nslot = ns;
	for (size_t i = 0; i < l->n; i++) {
		size_t s = probe(l, l->key[i]);
		if (l->slot[s] == 0) {
			l->slot[s] = i + 1;
		} else {
			size_t j = l->slot[s] - 1;
			if (strcmp(l->label[i], l->label[j]) != 0)
				return errorf(err, errlen, "%s: line %zu: '%s' labelled '%s', but line %zu labels it '%s'",
				            path, line[i], l->key[i], l->label[i], line[j], l->label[j]);
		}
	}
	return 0;
}

static void
columns(const struct table *t, int *hdr, long *keycol, size_t *labcol)
{
	static const char *const keynames[] = { "file", "filename", "path", "image", "id" };
	char **r0 = t->f + t->row[0];
	size_t nc = t->row[1] - t->row[0];

	*hdr = 0;
	*keycol = -1;
	for (size_t j = 0; j < nc; j++) {
		if (strcasecmp(r0[j], "label") == 0) {
			*hdr = 1;
			*labcol = j;
			for (size_t k = 0; k < sizeof keynames / sizeof *keynames && *keycol < 0; k++)
				for (size_t i = 0; i < nc; i++)
					if (i != j && strcasecmp(r0[i], keynames[k]) == 0) {
						*keycol = (long)i;
						break;
					}
			if (*keycol < 0 && nc > 1)
				*keycol = j == 0 ? 1 : 0;
			return;
		}
	}
	*labcol = nc - 1;
	if (nc > 1) {
		*keycol = 0;
		if (r0[0][0] == '\0' || strncasecmp(r0[0], "Unnamed:", 8) == 0)
			*hdr = 1;
	}
	if (t->nrow >= 2 && !numeric(r0[nc - 1]) && numeric(t->f[t->row[1] + nc - 1]))
		*hdr = 1;
}

int
labels_read(const char *path, struct labels *out, char *err, size_t errlen)
{
	struct table t = { 0 };
	struct labels l = { 0 };
	size_t len, *lines = NULL;
	char *buf, *nul;
	int hdr, rc = -1;
	long keycol;
	size_t labcol, nc;

	memset(out, 0, sizeof *out);
	errno = 0;
	if ((buf = (char *)read_file(path, &len, LABELS_MAX_BYTES)) == NULL)
		return errorf(err, errlen, "%s: %s", path,
		            errno == EFBIG ? "larger than 1 GiB" : strerror(errno ? errno : EIO));
	if ((nul = memchr(buf, '\0', len)) != NULL) {
		size_t line = 1;
		for (char *p = buf; p < nul; p++)
			line += *p == '\n';
		errorf(err, errlen, "%s: line %zu: NUL byte: not a text file", path, line);
		goto out;
	}
	if (split(buf, len, &t, path, err, errlen) == -1)
		goto out;
	if (t.nrow == 0) {
		rc = 0;
		goto out;
	}
	nc = t.row[1] - t.row[0];
	for (size_t i = 1; i < t.nrow; i++)
		if (t.row[i + 1] - t.row[i] != nc) {
			errorf(err, errlen, "%s: line %zu: %zu field%s, but the first row has %zu",
			     path, t.line[i], t.row[i + 1] - t.row[i], t.row[i + 1] - t.row[i] == 1 ? "" : "s", nc);
			goto out;
		}
	columns(&t, &hdr, &keycol, &labcol);
	l.n = t.nrow - (size_t)hdr;
	if ((l.label = calloc(l.n + 1, sizeof *l.label)) == NULL ||
	    (keycol >= 0 && (l.key = calloc(l.n + 1, sizeof *l.key)) == NULL) ||
	    (lines = calloc(l.n + 1, sizeof *lines)) == NULL)
		goto nomem;
	for (size_t i = 0; i < l.n; i++) {
		size_t r = i + (size_t)hdr;
		char **f = t.f + t.row[r];
		const char *k = keycol >= 0 ? f[keycol] : NULL;
		lines[i] = t.line[r];
		if (f[labcol][0] == '\0') {
			errorf(err, errlen, "%s: line %zu: empty label", path, t.line[r]);
			goto out;
		}
		if (k) {
			while (k[0] == '.' && k[1] == '/')
				k += 2;
			if (k[0] == '\0') {
				errorf(err, errlen, "%s: line %zu: empty key", path, t.line[r]);
				goto out;
			}
			if ((l.key[i] = strdup(k)) == NULL)
				goto nomem;
		}
		if ((l.label[i] = strdup(f[labcol])) == NULL)
			goto nomem;
	}
	if (l.key && build_index(&l, lines, path, err, errlen) == -1)
		goto out;
	*out = l;
	memset(&l, 0, sizeof l);
	rc = 0;
	goto out;
nomem:
	errorf(err, errlen, "%s: out of memory", path);
out:
	labels_free(&l);
	free(lines);
	free(t.f);
	free(t.row);
	free(t.line);
	free(buf);
	return rc;
}

void
labels_free(struct labels *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->n; i++) {
		if (l->key)
			free(l->key[i]);
		if (l->label)
			free(l->label[i]);
	}
	free(l->key);
	free(l->label);
	free(l->slot);
	free(l->used);
	memset(l, 0, sizeof *l);
}

const char *
labels_lookup(const struct labels *l, const char *key)
{
	size_t s;

	if (l == NULL || l->key == NULL || l->n == 0)
		return NULL;
	if (l->slot == NULL) {                  /* a table made by hand */
		for (size_t i = 0; i < l->n; i++)
			if (l->key[i] && strcmp(l->key[i], key) == 0)
				return l->label[i];
		return NULL;
	}
	s = probe(l, key);
	return l->slot[s] ? l->label[l->slot[s] - 1] : NULL;
}

/* The row that labels key, or -1. */
static long
find_row(const struct labels *l, const char *key)
{
	size_t s;

	if (l->key == NULL || l->n == 0)
		return -1;
	if (l->slot == NULL) {
		for (size_t i = 0; i < l->n; i++)
			if (l->key[i] && strcmp(l->key[i], key) == 0)
				return (long)i;
		return -1;
	}
	s = probe(l, key);
	return l->slot[s] ? (long)(l->slot[s] - 1) : -1;
}

/* Row i labelled an image (labels_report counts the rows none did); its label. */
static const char *
mark_used(struct labels *l, size_t i)
{
	if (l->used == NULL)
		l->used = calloc(l->n, 1);
	if (l->used)
		l->used[i] = 1;
	return l->label[i];
}

const char *
labels_match(struct labels *l, const char *const *keys)
{
	if (l == NULL)
		return NULL;
	l->nimages++;
	for (int k = 0; keys[k]; k++) {
		long i = find_row(l, keys[k]);
		if (i >= 0)
			return mark_used(l, (size_t)i);
	}
	l->nunlabelled++;
	return NULL;
}

const char *
labels_row(struct labels *l, size_t i)
{
	if (l == NULL || i >= l->n)
		return NULL;
	l->nimages++;
	return mark_used(l, i);
}

int
labels_report(const struct labels *l, const char *path, char *msg, size_t len)
{
	size_t unused = 0;
	int n;

	for (size_t i = 0; i < l->n; i++) {
		long j = l->key ? find_row(l, l->key[i]) : (long)i;   /* a repeated key: its first row */
		unused += j < 0 || l->used == NULL || !l->used[j];
	}
	if (l->nunlabelled == 0 && unused == 0)
		return 0;
	n = snprintf(msg, len, "%s:", path);
	if (l->nunlabelled && n >= 0 && (size_t)n < len)
		n += snprintf(msg + n, len - (size_t)n, " %zu of %zu image%s ha%s no label%s", l->nunlabelled,
		              l->nimages, l->nimages == 1 ? "" : "s", l->nunlabelled == 1 ? "s" : "ve",
		              unused ? "," : "");
	if (unused && n >= 0 && (size_t)n < len)
		snprintf(msg + n, len - (size_t)n, " %zu of %zu row%s match%s no image", unused, l->n,
		         l->n == 1 ? "" : "s", unused == 1 ? "es" : "");
	return 1;
}
