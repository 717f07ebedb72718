/* File and folder names made from record text (ids, labels), for imgcat --export and
 * cnnpredict --masks: readable, never hidden, never outside their directory, never shared. */
#ifndef NAMES_H
#define NAMES_H

#include <stddef.h>

#include "util/strmap.h"

/* The longest name name_safe makes, in bytes: room is left for "-N" and "-overlay.png". */
#define NAME_MAX_BYTES 160

/*
 * Writes into out (outlen bytes, at least 8) a name for the text s: valid UTF-8 is kept as
 * it is (labels such as 猫 stay readable); '/', control characters (U+0000 to U+001F,
 * U+007F to U+009F) and each byte that is not part of valid UTF-8 become '_'; a name
 * that starts with '.' gets a '_' before it, so that no name is hidden, "." or "..".
 * Cut at a character boundary to NAME_MAX_BYTES (and outlen - 1) bytes.  An empty
 * result becomes fallback.
 */
void name_safe(const char *s, const char *fallback, char *out, size_t outlen);

/* Drops a ".png", ".jpg", ".jpeg" or ".jpe" extension (any case) from name. */
void name_strip_image_ext(char *name);

/* The names already taken in one directory tree. */
typedef struct {
	strmap used;
} name_set;

void name_set_init(name_set *s);
void name_set_free(name_set *s);
/* Takes name as it is (a reserved name, such as index.tsv): later claims avoid it. */
void name_set_take(name_set *s, const char *name);

/*
 * Claims the first of base, base-2, base-3, ... for which every prefix + stem + suffix
 * (suffixes: a NULL-terminated list, e.g. ".png", "-mask.png") is still free, takes
 * them all, and writes that stem into out.  Returns the number used (1: base itself),
 * so that the same bases in the same order always give the same names.
 */
int name_claim(name_set *s, const char *prefix, const char *base, const char *const *suffixes,
               char *out, size_t outlen);

#endif
