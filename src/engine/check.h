/* The engine's invariants, checked on a quiescent engine (tests, stress):
 *
 *  - every live group's memory usage equals the resident pages owned by it
 *    and its subtree, its memsw usage that plus their swapped pages, and
 *    its kmem usage their slab pages;
 *  - each group's cache/rss/swap/mapped_file and LRU statistics equal the
 *    pages it owns in those states, and its LRU lists hold exactly its
 *    resident pages;
 *  - no counter or statistic is negative.
 */
#ifndef MEMCG_CHECK_H
#define MEMCG_CHECK_H

#include "lib/strbuf.h"

/* 0 if every invariant holds; otherwise -1 with what failed in why. */
int memcg_check_invariants(struct strbuf *why);

#endif
