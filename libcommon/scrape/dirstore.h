/* dirstore: downloaded files in a folder, with safe names, and DIR/index.tsv
 * (header "file sha256 url post_id subreddit title"; tab, newline, CR and
 * backslash in fields written as \t \n \r \\).  Each file is written to a
 * temporary and renamed; then its row is appended with one write(2), so an
 * interrupted run leaves an index of whole rows naming files that exist. */
#ifndef DIRSTORE_H
#define DIRSTORE_H

#include <stddef.h>

typedef struct dirstore dirstore;

enum { DS_SHA256, DS_URL, DS_POST_ID, DS_SUBREDDIT, DS_TITLE, DS_NFIELDS };

/* Creates dir if needed; opens index.tsv for appending (header when new or empty). */
dirstore *dirstore_open(const char *dir, char *err, size_t errlen);
/* Writes name (from safe_name: no directories) and appends its row. */
int dirstore_put(dirstore *d, const char *name, const void *buf, size_t n,
                 const char *const field[DS_NFIELDS], char *err, size_t errlen);
void dirstore_close(dirstore *d);               /* NULL-safe */

/* A file name from an id: letters, digits, '-' and '_' kept, anything else
 * '_', at most 80 bytes; an id that had to change gets 8 hex digits of its
 * SHA-256 appended (so different ids stay different); then "." ext. */
void safe_name(const char *id, const char *ext, char *buf, size_t n);

/* Appends s to buf (grown) with \t \n \r \\ escaped. */
void tsv_escape(char **buf, size_t *len, size_t *cap, const char *s);

#endif
