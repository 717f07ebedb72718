/* A plain main for the fuzz targets: runs LLVMFuzzerTestOneInput on every file
 * of the corpus directories or files given, so make check replays the corpus. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
replay(const char *path, int *n)
{
	struct stat st;
	size_t len;
	unsigned char *buf;

	if (stat(path, &st) == -1) {
		printf("FAIL %s: %s\n", path, "cannot stat");
		return 1;
	}
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		struct dirent *e;
		int bad = 0;
		if (d == NULL)
			return 1;
		while ((e = readdir(d)) != NULL) {
			char sub[4096];
			if (e->d_name[0] == '.')
				continue;
			snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
			bad |= replay(sub, n);
		}
		closedir(d);
		return bad;
	}
	if ((buf = read_file(path, &len, (size_t)1 << 26)) == NULL) {
		printf("FAIL %s: cannot read\n", path);
		return 1;
	}
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	(*n)++;
	return 0;
}

int
main(int argc, char **argv)
{
	int n = 0, bad = 0;

	for (int i = 1; i < argc; i++)
		bad |= replay(argv[i], &n);
	if (!bad)
		printf("PASS %s: %d corpus inputs replayed without a crash\n", argv[0], n);
	return bad;
}
