/* Digests used for ids and deterministic choices. */
#ifndef HASH_H
#define HASH_H

#include <stddef.h>
#include <stdint.h>

/* SHA-256 of buf as 64 lowercase hex digits plus NUL. */
void sha256_hex(const void *buf, size_t n, char out[65]);
/* A 64-bit hash of a string with a seed, stable across machines and versions. */
uint64_t hash_string(const char *s, uint64_t seed);

#endif
