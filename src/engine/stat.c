/* Statistics over a subtree; see stat.h.  Values are read with relaxed
 * atomics: a read is a snapshot that may straddle concurrent charges,
 * exactly as a read of the kernel's memory.stat. */
#include "stat.h"

#include "memcg_impl.h"

long memcg_stat_total(struct memcg *m, enum memcg_stat_item item)
{
	long v = atomic_load_explicit(&m->stat_total[item], memory_order_relaxed);

	return v < 0 ? 0 : v;
}

void memcg_read_stats(struct memcg *m, struct memcg_stats *out)
{
	for (int i = 0; i < MEMCG_NR_STAT; i++) {
		out->local[i] = memcg_stat_local(m, i);
		out->total[i] = memcg_stat_total(m, i);
	}
}
