#include <stdlib.h>
#include <string.h>

#include "strmap.h"
#include "hash.h"
#include "util.h"

void
strmap_init(strmap *m)
{
	memset(m, 0, sizeof *m);
}

void
strmap_free(strmap *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->key[i]);
	free(m->key);
	free(m->slot);
	strmap_init(m);
}

static size_t
probe(const strmap *m, const char *key)
{
	size_t i = (size_t)hash_string(key, 0) & (m->nslot - 1);

	while (m->slot[i] && strcmp(m->key[m->slot[i] - 1], key) != 0)
		i = (i + 1) & (m->nslot - 1);
	return i;
}

long
strmap_find(const strmap *m, const char *key)
{
	size_t i;

	if (m->nslot == 0)
		return -1;
	i = probe(m, key);
	return m->slot[i] ? (long)m->slot[i] - 1 : -1;
}

size_t
strmap_add(strmap *m, const char *key)
{
	size_t i;

	if (2 * (m->n + 1) > m->nslot) {
		size_t old = m->nslot;
		size_t *olds = m->slot;
		m->nslot = old ? old * 2 : 64;
		m->slot = xcalloc(m->nslot, sizeof *m->slot);
		for (size_t j = 0; j < old; j++)
			if (olds[j])
				m->slot[probe(m, m->key[olds[j] - 1])] = olds[j];
		free(olds);
		m->key = xreallocarray(m->key, m->nslot, sizeof *m->key);
	}
	i = probe(m, key);
	if (m->slot[i] == 0) {
		m->key[m->n] = xstrdup(key);
		m->slot[i] = ++m->n;
	}
	return m->slot[i] - 1;
}
