/* A small seeded random generator (splitmix64 seeding xoshiro256**): the same
 * seed gives the same sequence on every machine. */
#ifndef RNG_H
#define RNG_H

#include <stdint.h>

typedef struct { uint64_t s[4]; } rng;

void rng_seed(rng *r, uint64_t seed);
uint64_t rng_next(rng *r);
uint64_t rng_below(rng *r, uint64_t n);     /* uniform in [0, n), n > 0 */
double rng_uniform(rng *r);                 /* uniform in [0, 1) */

#endif
