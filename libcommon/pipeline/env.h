/* The environment variables every program honours (TS_LEVEL, TS_THREADS,
 * TS_MAX_RECORD, IMG_MAX_PIXELS), checked as strictly as options. */
#ifndef ENV_H
#define ENV_H

#include <stddef.h>

/* 0, or -1 with "VAR='value': what is wrong". */
int env_check(char *err, size_t errlen);
/* env_check, or its message on stderr and exit 2, as for a bad option (for a program's start). */
void env_require(void);

#endif
