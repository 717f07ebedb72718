/* A strict, fast reader of tab-separated tables with a header line (see tsv.h). */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tsv.h"
#include "util.h"

#define TSV_BLOCK ((size_t)1 << 20)
#define TSV_MAX_LINE ((size_t)1 << 26)

struct tsv {
	char *name;
	int fd, close_fd, eof;
	char *buf;              /* bytes [pos, len) not yet consumed; buf[len] is writable */
	size_t cap, len, pos;
	size_t line, rows;
	size_t ncols;
	char **colname;
	char **field;           /* the current row: pointers into buf */
	size_t *flen;
	char err[512];
};

int
tsv_fail(tsv *t, const char *fmt, ...)
{
	char what[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	snprintf(t->err, sizeof t->err, "%s: line %zu: %s", t->name, t->line, what);
	return -1;
}

const char *tsv_error(const tsv *t) { return t->err; }
const char *tsv_name(const tsv *t) { return t->name; }
size_t tsv_ncols(const tsv *t) { return t->ncols; }
const char *tsv_colname(const tsv *t, size_t col) { return t->colname[col]; }
const char *tsv_field(const tsv *t, size_t col) { return t->field[col]; }
size_t tsv_field_len(const tsv *t, size_t col) { return t->flen[col]; }
size_t tsv_line(const tsv *t) { return t->line; }
size_t tsv_rows(const tsv *t) { return t->rows; }

long
tsv_column(const tsv *t, const char *name)
{
	for (size_t i = 0; i < t->ncols; i++)
		if (strcmp(t->colname[i], name) == 0)
			return (long)i;
	return -1;
}

/* Makes room for more input: moves the unconsumed bytes to the front, grows
 * the buffer when they fill it, and reads.  -1 on a read error. */
static int
fill(tsv *t)
{
	ssize_t got;

	if (t->pos > 0) {
		memmove(t->buf, t->buf + t->pos, t->len - t->pos);
		t->len -= t->pos;
		t->pos = 0;
	}
	if (t->cap - t->len < TSV_BLOCK / 2) {
		if (t->len > TSV_MAX_LINE)
			return tsv_fail(t, "line longer than %zu bytes", TSV_MAX_LINE);
		t->cap = t->cap * 2;
		t->buf = xrealloc(t->buf, t->cap + 1);
	}
	do
		got = read(t->fd, t->buf + t->len, t->cap - t->len);
	while (got == -1 && errno == EINTR);
	if (got == -1) {
		snprintf(t->err, sizeof t->err, "%s: %s", t->name, strerror(errno));
		return -1;
	}
	if (got == 0)
		t->eof = 1;
	t->len += (size_t)got;
	return 0;
}

/* The next line as [*s, *e), its "\n" or "\r\n" cut; 1, 0 at the end, -1 on error. */
static int
next_line(tsv *t, char **s, char **e)
{
	char *nl;

	for (;;) {
		nl = memchr(t->buf + t->pos, '\n', t->len - t->pos);
		if (nl || t->eof)
			break;
		if (fill(t) == -1)
			return -1;
	}
	if (nl == NULL && t->pos == t->len)
		return 0;
	if (nl == NULL)
		nl = t->buf + t->len;   /* the last line, without "\n" */
	t->line++;
	*s = t->buf + t->pos;
	t->pos = (size_t)(nl - t->buf) + (nl < t->buf + t->len);
	*nl = '\0';
	if (nl > *s && nl[-1] == '\r')
		*--nl = '\0';
	*e = nl;
	return 1;
}

static int
read_header(tsv *t)
{
	char *s, *e, *p;
	size_t n = 1;
	int rc = next_line(t, &s, &e);

	if (rc == -1)
		return -1;
	if (rc == 0) {
		t->line = 1;
		return tsv_fail(t, "empty input, no header");
	}
	if (s == e)
		return tsv_fail(t, "empty header line");
	if (memchr(s, '\0', (size_t)(e - s)))
		return tsv_fail(t, "NUL byte in the line");
	for (p = s; (p = memchr(p, '\t', (size_t)(e - p))) != NULL; p++)
		n++;
	t->colname = xcalloc(n, sizeof *t->colname);
	t->field = xcalloc(n, sizeof *t->field);
	t->flen = xcalloc(n, sizeof *t->flen);
	for (p = s; t->ncols < n;) {
		char *tab = memchr(p, '\t', (size_t)(e - p));
		if (tab != NULL)
			*tab = '\0';
		t->colname[t->ncols++] = xstrdup(p);
		if (*p == '\0')
			return tsv_fail(t, "column %zu of the header has no name", t->ncols);
		for (size_t j = 0; j + 1 < t->ncols; j++)
			if (strcmp(t->colname[j], p) == 0)
				return tsv_fail(t, "column '%s' appears twice in the header", p);
		if (tab == NULL)
			break;
		p = tab + 1;
	}
	return 0;
}

int
tsv_next(tsv *t)
{
	char *s, *e, *p;
	size_t i = 0;
	int rc = next_line(t, &s, &e);

	if (rc != 1)
		return rc;
	if (s == e)
		return tsv_fail(t, "empty line");
	/* one pass over the (typically short) line: split at tabs, refuse NUL */
	t->field[0] = s;
	for (p = s; p < e; p++) {
		if ((unsigned char)*p > (unsigned char)'\t')
			continue;
		if (*p == '\0')
			return tsv_fail(t, "NUL byte in the line");
		if (*p != '\t')
			continue;
		if (i + 1 == t->ncols)
			return tsv_fail(t, "more fields than the %zu of the header", t->ncols);
		*p = '\0';
		t->flen[i] = (size_t)(p - t->field[i]);
		t->field[++i] = p + 1;
	}
	t->flen[i] = (size_t)(e - t->field[i]);
	if (i + 1 < t->ncols)
		return tsv_fail(t, "%zu field%s, the header has %zu", i + 1, i ? "s" : "", t->ncols);
	t->rows++;
	return 1;
}

static tsv *
tsv_new(const char *name)
{
	tsv *t = xcalloc(1, sizeof *t);

	t->name = xstrdup(name);
	t->fd = -1;
	return t;
}

static tsv *
opened(tsv *t, char *err, size_t errlen)
{
	if (read_header(t) == -1) {
		errorf(err, errlen, "%s", t->err);
		tsv_close(t);
		return NULL;
	}
	return t;
}

tsv *
tsv_open(const char *path, char *err, size_t errlen)
{
	tsv *t;
	int fd = 0;

	if (strcmp(path, "-") != 0 && (fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		errorf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	t = tsv_new(strcmp(path, "-") == 0 ? "stdin" : path);
	t->fd = fd;
	t->close_fd = fd != 0;
	t->cap = TSV_BLOCK;
	t->buf = xmalloc(t->cap + 1);
	return opened(t, err, errlen);
}

tsv *
tsv_open_mem(const char *name, const void *buf, size_t len, char *err, size_t errlen)
{
	tsv *t = tsv_new(name);

	t->cap = len;
	t->len = len;
	t->buf = xmalloc(len + 1);
	if (len)
		memcpy(t->buf, buf, len);
	t->eof = 1;
	return opened(t, err, errlen);
}

void
tsv_close(tsv *t)
{
	if (t == NULL)
		return;
	if (t->close_fd)
		close(t->fd);
	for (size_t i = 0; i < t->ncols; i++)
		free(t->colname[i]);
	free(t->colname);
	free(t->field);
	free(t->flen);
	free(t->buf);
	free(t->name);
	free(t);
}

int
tsv_number(tsv *t, size_t col, double *v)
{
	const char *s = t->field[col];

	if (tsv_parse_double(s, v) == 0)
		return 0;
	if (*s == '\0')
		return tsv_fail(t, "column '%s' is empty", t->colname[col]);
	return tsv_fail(t, "column '%s': '%.40s%s' is not a finite number", t->colname[col], s,
	                t->flen[col] > 40 ? "..." : "");
}

/* 10^0 .. 10^22: every one is exact in a double. */
static const double pow10_exact[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

int
tsv_parse_double(const char *s, double *v)
{
	const char *p = s, *digits;
	uint64_t m = 0;
	long e10 = 0, ndig;

	if (*p == '+' || *p == '-')
		p++;
	for (digits = p; (unsigned)(*p - '0') < 10; p++)
		m = m * 10 + (uint64_t)(*p - '0');
	ndig = p - digits;
	if (*p == '.') {
		const char *frac = ++p;
		for (; (unsigned)(*p - '0') < 10; p++)
			m = m * 10 + (uint64_t)(*p - '0');
		e10 = -(p - frac);
		ndig += p - frac;
	}
	if (ndig == 0)
		return -1;
	if (*p == 'e' || *p == 'E') {
		long x = 0;
		int eneg = 0;
		p++;
		if (*p == '+' || *p == '-')
			eneg = *p++ == '-';
		if ((unsigned)(*p - '0') >= 10)
			return -1;
		for (; (unsigned)(*p - '0') < 10; p++)
			if (x < 100000)
				x = x * 10 + (*p - '0');
		e10 += eneg ? -x : x;
	}
	if (*p != '\0')
		return -1;
	if (ndig <= 19 && m <= (UINT64_C(1) << 53) && e10 >= -22 && e10 <= 22) {
		/* Clinger's fast path: m and 10^|e10| are exact, so one rounding */
		double d = (double)m;
		d = e10 < 0 ? d / pow10_exact[-e10] : d * pow10_exact[e10];
		*v = *s == '-' ? -d : d;
		return 0;
	}
	*v = strtod(s, NULL);   /* the syntax is checked: strtod reads all of s */
	return isfinite(*v) ? 0 : -1;
}
