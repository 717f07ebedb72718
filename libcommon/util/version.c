/* --help and --version, the same in every program. */
#include <stdio.h>
#include <stdlib.h>

#include "util.h"

#ifndef VERSION
#define VERSION "unknown"
#endif

void
help_exit(const char *usage, const char *help)
{
	fputs(usage, stdout);
	fputc('\n', stdout);
	fputs(help, stdout);
	finish_stdout();
	exit(0);
}

void
version_exit(void)
{
	printf("%s (imgtools) %s\n", progname, VERSION);
	finish_stdout();
	exit(0);
}
