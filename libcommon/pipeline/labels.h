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
	/* What labels_match saw, for labels_report: the rows it matched (NULL until the
	 * first match), the images it was asked about, those it found no row for. */
	unsigned char *used;
	size_t nimages, nunlabelled;
};

/* Reads path ("-" is stdin) into out (which need not be initialised).
 * 0 ok; -1 with "PATH: line N: what" in err.  labels_free releases it. */
int labels_read(const char *path, struct labels *out, char *err, size_t errlen);
void labels_free(struct labels *l);     /* and zeroes it; { 0 } or NULL is fine */
/* The label of key (compared exactly), or NULL.  Constant time on average. */
const char *labels_lookup(const struct labels *l, const char *key);
/* The label of one image, tried under each of its keys in turn (its path, the path
 * without "./", its file name; NULL ends the list): the first found, or NULL.  The
 * image and the row that labels it are counted for labels_report. */
const char *labels_match(struct labels *l, const char *const *keys);
/* When some images had no label or some rows labelled no image: 1, and in msg
 * "PATH: N of M images have no label, K of R rows match no image" (the parts that
 * apply).  0 when every image had a label and every row was used. */
/* The label of row i, for arrays labelled by order; counted for labels_report. */
const char *labels_row(struct labels *l, size_t i);
int labels_report(const struct labels *l, const char *path, char *msg, size_t len);

#endif
