/* Label files: CSV or TSV tables of (key, label), as pandas and spreadsheets write
 * them.  The rules are in the comment at the top of labels.c. */
#ifndef LABELS_H
#define LABELS_H

#include <stddef.h>

struct labels {
	size_t n;
	char **key;             /* key[i] of row i; key is NULL when the file has no key column */
	char **label;           /* label[i], never empty */
	/* private: an index on key for labels_lookup (open addressing: row + 1, 0 = empty) */
	size_t *slot, nslot;
};

/* Reads path ("-" is stdin) into out (which need not be initialised).
 * 0 ok; -1 with "PATH: line N: what" in err.  labels_free releases it. */
int labels_read(const char *path, struct labels *out, char *err, size_t errlen);
void labels_free(struct labels *l);     /* and zeroes it; { 0 } or NULL is fine */
/* The label of key (compared exactly), or NULL.  Constant time on average. */
const char *labels_lookup(const struct labels *l, const char *key);

#endif
