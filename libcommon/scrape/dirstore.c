/* dirstore: files with safe names plus an appended index (see dirstore.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dirstore.h"
#include "util/hash.h"
#include "util/util.h"

#define INDEX_HEADER "file\tsha256\turl\tpost_id\tsubreddit\ttitle\n"

struct dirstore {
	char *dir;
	int fd;
};

dirstore *
dirstore_open(const char *dir, char *err, size_t errlen)
{
	dirstore *d;
	struct stat st;
	char *path;

	if (mkdir(dir, 0777) == -1 && errno != EEXIST) {
		errorf(err, errlen, "%s: %s", dir, strerror(errno));
		return NULL;
	}
	if (stat(dir, &st) == -1 || !S_ISDIR(st.st_mode)) {
		errorf(err, errlen, "%s: not a directory", dir);
		return NULL;
	}
	d = xcalloc(1, sizeof *d);
	d->dir = xstrdup(dir);
	path = xmalloc(strlen(dir) + 16);
	sprintf(path, "%s/index.tsv", dir);
	d->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (d->fd == -1 || fstat(d->fd, &st) == -1 ||
	    (st.st_size == 0 && write(d->fd, INDEX_HEADER, strlen(INDEX_HEADER)) != (ssize_t)strlen(INDEX_HEADER))) {
		errorf(err, errlen, "%s: %s", path, strerror(errno));
		free(path);
		dirstore_close(d);
		return NULL;
	}
	free(path);
	return d;
}

void
tsv_escape(char **buf, size_t *len, size_t *cap, const char *s)
{
	size_t need = *len + 2 * strlen(s) + 2;

	if (need > *cap) {
		*cap = need * 2;
		*buf = xrealloc(*buf, *cap);
	}
	for (; *s; s++) {
		const char *e = NULL;
		switch (*s) {
		case '\t': e = "\\t"; break;
		case '\n': e = "\\n"; break;
		case '\r': e = "\\r"; break;
		case '\\': e = "\\\\"; break;
		}
		if (e) {
			(*buf)[(*len)++] = e[0];
			(*buf)[(*len)++] = e[1];
		} else {
			(*buf)[(*len)++] = *s;
		}
	}
	(*buf)[*len] = '\0';
}

int
dirstore_put(dirstore *d, const char *name, const void *buf, size_t n,
             const char *const field[DS_NFIELDS], char *err, size_t errlen)
{
	char *path = xmalloc(strlen(d->dir) + strlen(name) + 2), *row = NULL;
	size_t len = 0, cap = 0;
	outfile o = { 0 };
	ssize_t w;

	sprintf(path, "%s/%s", d->dir, name);
	if (outfile_open(&o, path) == -1 ||
	    fwrite(buf, 1, n, o.f) != n || outfile_commit(&o) == -1) {
		errorf(err, errlen, "%s: %s", path, strerror(errno));
		if (o.f)
			outfile_abort(&o);
		free(path);
		return -1;
	}
	tsv_escape(&row, &len, &cap, name);
	for (int i = 0; i < DS_NFIELDS; i++) {
		tsv_escape(&row, &len, &cap, "\t");
		len -= 2;               /* the separator itself, not escaped */
		row[len++] = '\t';
		tsv_escape(&row, &len, &cap, field[i] ? field[i] : "");
	}
	tsv_escape(&row, &len, &cap, "");
	row[len++] = '\n';
	w = write(d->fd, row, len);
	free(row);
	if (w != (ssize_t)len) {
		errorf(err, errlen, "%s/index.tsv: %s", d->dir, w < 0 ? strerror(errno) : "short write");
		free(path);
		return -1;
	}
	free(path);
	return 0;
}

void
dirstore_close(dirstore *d)
{
	if (d == NULL)
		return;
	if (d->fd > 0)
		close(d->fd);
	free(d->dir);
	free(d);
}

void
safe_name(const char *id, const char *ext, char *buf, size_t n)
{
	size_t i, len = 0, max = n > 100 ? 80 : n / 2;
	int changed = 0;
	char sha[65];

	for (i = 0; id[i] && len < max; i++) {
		unsigned char c = (unsigned char)id[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_')
			buf[len++] = (char)c;
		else {
			buf[len++] = '_';
			changed = 1;
		}
	}
	if (id[i] || len == 0)
		changed = 1;
	if (len == 0)
		buf[len++] = 'x';
	buf[len] = '\0';
	if (changed) {
		sha256_hex(id, strlen(id), sha);
		snprintf(buf + len, n - len, "_%.8s", sha);
		len = strlen(buf);
	}
	if (ext && *ext)
		snprintf(buf + len, n - len, ".%s", ext);
}
