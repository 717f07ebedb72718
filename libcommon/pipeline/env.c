/* The environment variables every program honours, checked when it starts. */
#include <stdio.h>
#include <stdlib.h>

#include "env.h"
#include "image/image.h"
#include "stream/tstream.h"
#include "util/util.h"

int
env_check(char *err, size_t errlen)
{
	if (ts_env_check(err, errlen) == -1 || img_env_check(err, errlen) == -1)
		return -1;
	return 0;
}

void
env_require(void)
{
	char why[192];

	if (env_check(why, sizeof why) == -1) {
		fprintf(stderr, "%s: %s\n", progname, why);
		exit(2);        /* as for a bad option value */
	}
}
