#include <dirent.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "walk.h"

static int
cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
walk_dir(const char *dir, walk_fn fn, walk_warn warn, void *ctx, int depth)
{
	DIR *d;
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int problems = 0, rc;

	if (depth > 64) {
		warn(dir, "directory tree too deep", ctx);
		return 1;
	}
	if ((d = opendir(dir)) == NULL) {
		warn(dir, strerror(errno), ctx);
		return 1;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof *names);
			if (nn == NULL)
				break;
			names = nn;
		}
		if ((names[n] = strdup(e->d_name)) == NULL)
			break;
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof *names, cmp);
	rc = 0;
	for (size_t i = 0; i < n; i++) {
		struct stat st, lst;
		size_t len = strlen(dir) + strlen(names[i]) + 2;
		char *path = malloc(len);
		if (path == NULL || rc == -1) {
			free(path);
			continue;
		}
		snprintf(path, len, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", names[i]);
		if (lstat(path, &lst) == -1 || stat(path, &st) == -1) {
			warn(path, strerror(errno), ctx);
			problems++;
		} else if (S_ISDIR(st.st_mode)) {
			if (!S_ISLNK(lst.st_mode)) {
				int r = walk_dir(path, fn, warn, ctx, depth + 1);
				if (r == -1)
					rc = -1;
				else
					problems += r;
			}
		} else if (S_ISREG(st.st_mode)) {
			if (fn(path, ctx) == -1)
				rc = -1;
		}
		free(path);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc == -1 ? -1 : problems;
}

int
walk(const char *dir, walk_fn fn, walk_warn warn, void *ctx)
{
	struct stat st;

	if (stat(dir, &st) == -1) {
		warn(dir, strerror(errno), ctx);
		return 1;
	}
	if (!S_ISDIR(st.st_mode))
		return fn(dir, ctx) == -1 ? -1 : 0;
	return walk_dir(dir, fn, warn, ctx, 0);
}
