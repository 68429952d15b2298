/* A group's statistics, its own and its subtree's, for memory.stat and
 * memory.numa_stat (fs/render.c prints them). */
#ifndef MEMCG_STAT_H
#define MEMCG_STAT_H

#include "memcg.h"

/* m's statistics at one moment, in pages or counts: its own and the sum
 * over its subtree. */
struct memcg_stats {
	long local[MEMCG_NR_STAT];
	long total[MEMCG_NR_STAT];
};
void memcg_read_stats(struct memcg *m, struct memcg_stats *out);

/* The sum of item over m's subtree (memcg_stat_local() is in memcg.h). */
long memcg_stat_total(struct memcg *m, enum memcg_stat_item item);

#endif
