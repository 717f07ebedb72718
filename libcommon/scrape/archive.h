/* archive: the ids and digests already downloaded, kept in a file across runs
 * (gallery-dl's --download-archive idea).  One line per item, "KEY\tSHA256\n",
 * appended with one write(2) each, so an interrupted run leaves whole lines;
 * a torn last line (no newline) is ignored when read back. */
#ifndef ARCHIVE_H
#define ARCHIVE_H

#include <stddef.h>

typedef struct archive archive;

/* Reads what is there (a missing file is empty) and opens it for appending. */
archive *archive_open(const char *path, char *err, size_t errlen);
int archive_has_key(const archive *a, const char *key);
int archive_has_sha(const archive *a, const char *sha256);
/* Appends (and remembers) one line; -1 with errno on a write error. */
int archive_add(archive *a, const char *key, const char *sha256);
size_t archive_size(const archive *a);          /* lines read and added */
void archive_close(archive *a);                 /* NULL-safe */

#endif
