/* Fuzz target: the strict TSV reader and its number parser (libcommon/util/tsv.h).
 * Differential on numbers: whatever tsv_parse_double accepts, strtod must read
 * whole and to the same bits; and the reader's rows must have the header's width. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/tsv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_number(const char *s)
{
	double v, w;
	char *end;

	if (tsv_parse_double(s, &v) != 0)
		return;
	w = strtod(s, &end);
	if (*end != '\0' || !isfinite(v) || memcmp(&v, &w, sizeof v) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	tsv *t = tsv_open_mem("fuzz", data, size, err, sizeof err);
	int rc;

	if (t == NULL)
		return 0;
	for (size_t c = 0; c < tsv_ncols(t); c++)
		if (tsv_column(t, tsv_colname(t, c)) != (long)c)
			abort();
	while ((rc = tsv_next(t)) == 1) {
		for (size_t c = 0; c < tsv_ncols(t); c++) {
			double v;
			if (strlen(tsv_field(t, c)) != tsv_field_len(t, c))
				abort();
			check_number(tsv_field(t, c));
			if (tsv_number(t, c, &v) == -1 && strstr(tsv_error(t), "line ") == NULL)
				abort();
		}
	}
	if (rc == -1 && strncmp(tsv_error(t), "fuzz: line ", 11) != 0)
		abort();
	tsv_close(t);
	return 0;
}
