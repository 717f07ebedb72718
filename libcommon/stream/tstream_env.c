/* The environment variables of the stream reader and writer, checked strictly:
 * a value that does not parse is an error, never a silent default. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tstream.h"
#include "tstream_int.h"

#define SMALLEST_RECORD (TS_HEADER_SIZE + TS_TRAILER_SIZE)

static int
fail(char *err, size_t errlen, const char *var, const char *val, const char *what)
{
	snprintf(err, errlen, "%s='%.40s': %s", var, val, what);
	return -1;
}

/* A decimal integer from min to max and nothing else; 0, or -1. */
static int
parse_long(const char *s, long min, long max, long *v)
{
	char *end;

	if (!((*s >= '0' && *s <= '9') || (*s == '-' && s[1] >= '0' && s[1] <= '9')))
		return -1;
	errno = 0;
	*v = strtol(s, &end, 10);
	return errno || *end != '\0' || *v < min || *v > max ? -1 : 0;
}

int
ts_parse_max_record(const char *s, uint64_t *bytes, char *err, size_t errlen)
{
	const char *what = "not a size (bytes, or with a K, M or G suffix for KiB, MiB, GiB)";
	unsigned long long v;
	char *end;
	int shift = 0;

	if (*s < '0' || *s > '9')
		return fail(err, errlen, "TS_MAX_RECORD", s, what);
	errno = 0;
	v = strtoull(s, &end, 10);
	switch (*end) {
	case 'k': case 'K': shift = 10, end++; break;
	case 'm': case 'M': shift = 20, end++; break;
	case 'g': case 'G': shift = 30, end++; break;
	}
	if (errno || *end != '\0')
		return fail(err, errlen, "TS_MAX_RECORD", s, errno ? "too large" : what);
	if (v > (UINT64_MAX >> 1) >> shift)
		return fail(err, errlen, "TS_MAX_RECORD", s, "too large");
	v <<= shift;
	if (v < SMALLEST_RECORD)
		return fail(err, errlen, "TS_MAX_RECORD", s, "below 32 bytes, the smallest record");
	*bytes = v;
	return 0;
}

int
ts_env_level(int *level, char *err, size_t errlen)
{
	const char *e = getenv("TS_LEVEL");
	long v;

	if (e == NULL)
		return 0;
	/* the range of the programs' --level; 0 would be zstd's own default, which is not ours */
	if (parse_long(e, TS_MIN_LEVEL, TS_MAX_LEVEL, &v) == -1 || v == 0)
		return fail(err, errlen, "TS_LEVEL", e, "not a compression level from -7 to 19 other than 0");
	*level = (int)v;
	return 0;
}

int
ts_env_threads(int *n, char *err, size_t errlen)
{
	const char *e = getenv("TS_THREADS");
	long v;

	if (e == NULL)
		return 0;
	if (parse_long(e, 1, 64, &v) == -1)
		return fail(err, errlen, "TS_THREADS", e, "not a number of threads from 1 to 64");
	*n = (int)v;
	return 0;
}

int
ts_env_max_record(uint64_t *bytes, char *err, size_t errlen)
{
	const char *e = getenv("TS_MAX_RECORD");

	return e == NULL ? 0 : ts_parse_max_record(e, bytes, err, errlen);
}

int
ts_env_check(char *err, size_t errlen)
{
	uint64_t b;
	int n;

	if (ts_env_level(&n, err, errlen) == -1 || ts_env_threads(&n, err, errlen) == -1 ||
	    ts_env_max_record(&b, err, errlen) == -1)
		return -1;
	return 0;
}
