/* archive: seen ids and digests, persisted (see archive.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "archive.h"
#include "util/strmap.h"
#include "util/util.h"

struct archive {
	int fd;
	char *path;
	strmap keys, shas;
	size_t n;
};

archive *
archive_open(const char *path, char *err, size_t errlen)
{
	archive *a = xcalloc(1, sizeof *a);
	size_t len = 0, whole = 0;
	unsigned char *buf;

	strmap_init(&a->keys);
	strmap_init(&a->shas);
	a->path = xstrdup(path);
	buf = read_file(path, &len, (size_t)1 << 31);
	if (buf == NULL && errno != ENOENT) {
		errorf(err, errlen, "%s: %s", path, strerror(errno));
		archive_close(a);
		return NULL;
	}
	for (size_t i = 0; buf && i < len;) {
		char *line = (char *)buf + i, *nl = memchr(line, '\n', len - i), *tab;
		if (nl == NULL)
			break;                  /* torn last line */
		*nl = '\0';
		i = whole = (size_t)(nl - (char *)buf) + 1;
		if (nl > line && nl[-1] == '\r')
			nl[-1] = '\0';
		if (line[0] == '\0' || line[0] == '#')
			continue;
		if ((tab = strchr(line, '\t')) != NULL) {
			*tab = '\0';
			if (tab[1])
				strmap_add(&a->shas, tab + 1);
		}
		strmap_add(&a->keys, line);
		a->n++;
	}
	free(buf);
	a->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	/* a torn last line (an interrupted write) goes, so the next line starts clean */
	if (a->fd == -1 || (whole < len && ftruncate(a->fd, (off_t)whole) == -1)) {
		errorf(err, errlen, "%s: %s", path, strerror(errno));
		archive_close(a);
		return NULL;
	}
	return a;
}

int
archive_has_key(const archive *a, const char *key)
{
	return strmap_find(&a->keys, key) >= 0;
}

int
archive_has_sha(const archive *a, const char *sha256)
{
	return strmap_find(&a->shas, sha256) >= 0;
}

int
archive_add(archive *a, const char *key, const char *sha256)
{
	size_t kl = strcspn(key, "\t\r\n"), sl = strlen(sha256), len = kl + sl + 2;
	char *line = xmalloc(len);
	ssize_t w;

	memcpy(line, key, kl);
	line[kl] = '\t';
	memcpy(line + kl + 1, sha256, sl);
	line[len - 1] = '\n';
	w = write(a->fd, line, len);
	free(line);
	if (w != (ssize_t)len) {
		if (w >= 0)
			errno = ENOSPC;
		return -1;
	}
	strmap_add(&a->keys, key);
	strmap_add(&a->shas, sha256);
	a->n++;
	return 0;
}

size_t
archive_size(const archive *a)
{
	return a->n;
}

void
archive_close(archive *a)
{
	if (a == NULL)
		return;
	if (a->fd > 0)
		close(a->fd);
	strmap_free(&a->keys);
	strmap_free(&a->shas);
	free(a->path);
	free(a);
}
