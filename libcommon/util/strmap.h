/* A map from strings to dense indices 0..n-1, in insertion order. */
#ifndef STRMAP_H
#define STRMAP_H

#include <stddef.h>

typedef struct {
	char **key;             /* key[i] for index i */
	size_t n;
	size_t *slot, nslot;    /* open addressing: index + 1, 0 = empty */
} strmap;

void strmap_init(strmap *m);
void strmap_free(strmap *m);
size_t strmap_add(strmap *m, const char *key);          /* index of key, added if new */
long strmap_find(const strmap *m, const char *key);     /* -1 if absent */

#endif
