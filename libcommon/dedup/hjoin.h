/*
 * hjoin: every pair of 64-bit hashes within a Hamming radius, by a join on
 * hash chunks (multi-index hashing, Norouzi, Punjani and Fleet, CVPR 2012,
 * done as a batch so that memory is read in order).
 *
 * The hashes are cut into m chunks of about 64/m bits and sorted into buckets
 * by each chunk.  Two hashes within r = m r' + a (a < m) differ in at most r'
 * bits of one of the first a + 1 chunks or in at most r' - 1 bits of one of the
 * others (else they would differ in m r' + a + 1 bits).  So for each chunk and
 * each bit pattern p that small, bucket k is compared with bucket k ^ p; in
 * key order, those are a few streams through memory, not random reads (which
 * cost ~0.5 us each on a virtual machine).  m minimises buckets visited plus
 * hashes compared; m = 1 compares every pair (few hashes, or a radius so large
 * that the balls cover most buckets).  Work is split over threads by chunk and pattern.
 */
#ifndef HJOIN_H
#define HJOIN_H

#include <stddef.h>
#include <stdint.h>

struct hpair {
	uint32_t a, b;          /* node a > node b */
	uint32_t d;             /* distance */
};

/*
 * h[0..n-1] are hashes of nodes node[0..n-1] (node NULL: entry i is node i;
 * several entries may share a node, e.g. a picture's eight orientations).
 * Finds every pair of entries of different nodes within radius (0..32) and
 * returns, in *out (malloc'd), one pair per pair of nodes, with their least
 * distance, sorted by a, then d, then b.  The count, or -1 when out of memory.
 */
long hjoin(const uint64_t *h, const uint32_t *node, size_t n, int radius, int nthreads,
           struct hpair **out);
/* The number of chunks hjoin uses for n hashes and this radius (1: none, every pair compared). */
int hjoin_chunks(size_t n, int radius);



/*
 * Greedy grouping of nodes 0..n-1 in order, from hjoin's pairs: a node joins
 * the nearest earlier group leader it is paired with (the earliest among
 * equals) and otherwise leads a group of its own: leader[a] = a, dist[a] = 0.
 * Every member is thus within the radius of its leader (not of each other).
 * With nref > 0, nodes 0..nref-1 (a reference set) all lead and the others only
 * join them: a node paired with no reference node keeps leader[a] = a.
 */
void hjoin_group(const struct hpair *p, size_t np, size_t n, size_t nref, uint32_t *leader, uint32_t *dist);

#endif
