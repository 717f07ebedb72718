/* A strict, fast reader of tab-separated tables with a header line.
 *
 * Line 1 is the header: column names, unique and not empty.  Every further line
 * is a row with exactly as many fields as the header.  A field is the bytes
 * between tabs; there is no quoting.  Lines end in "\n" (a "\r" before it is
 * dropped); the last line may lack it.  An empty line is an error.
 *
 * Errors read "NAME: line N: what is wrong", ready for die("%s", ...).
 *
 *	tsv *t = tsv_open(path, err, sizeof err);
 *	long col = tsv_column(t, "score");
 *	while ((rc = tsv_next(t)) == 1)
 *		if (tsv_number(t, col, &v) == -1)
 *			die("%s", tsv_error(t));
 */
#ifndef TSV_H
#define TSV_H

#include <stddef.h>

typedef struct tsv tsv;

/* Opens a file ("-" is stdin) and reads its header; NULL with a message in err. */
tsv *tsv_open(const char *path, char *err, size_t errlen);
/* The same over a buffer in memory (copied), named name in messages. */
tsv *tsv_open_mem(const char *name, const void *buf, size_t len, char *err, size_t errlen);
void tsv_close(tsv *t);                 /* NULL does nothing */

size_t tsv_ncols(const tsv *t);
const char *tsv_colname(const tsv *t, size_t col);
long tsv_column(const tsv *t, const char *name);        /* index, or -1 if absent */

/* Reads the next row: 1 a row, 0 the end, -1 an error (see tsv_error). */
int tsv_next(tsv *t);
/* Field col of the current row, NUL-terminated, valid until the next tsv_next. */
const char *tsv_field(const tsv *t, size_t col);
size_t tsv_field_len(const tsv *t, size_t col);
size_t tsv_line(const tsv *t);          /* line number of the current row (header: 1) */
size_t tsv_rows(const tsv *t);          /* rows read so far */

/* Field col as a finite number; -1 with "column 'NAME': 'TEXT' is not a number". */
int tsv_number(tsv *t, size_t col, double *v);

/* Formats "NAME: line N: what" (N the current line) as the error; returns -1. */
int tsv_fail(tsv *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *tsv_error(const tsv *t);
const char *tsv_name(const tsv *t);

/* Parses a whole NUL-terminated string as a finite decimal number: an optional
 * sign, digits with an optional point (at least one digit), an optional
 * exponent.  No spaces, hex, inf or nan.  Correctly rounded (as Python's
 * float() and strtod).  0 on success, -1 otherwise. */
int tsv_parse_double(const char *s, double *v);

#endif
