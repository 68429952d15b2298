/* Statistics over a subtree; see stat.h.  Values are read with relaxed
 * atomics: a read is a snapshot that may straddle concurrent charges,
 * exactly as a read of the kernel's memory.stat. */
#include "stat.h"

#include "memcg_impl.h"
#include "rcu.h"

/* Under RCU. */
static long subtree_sum(struct memcg *m, enum memcg_stat_item item)
{
	struct memcg *c;
	long sum = memcg_stat_local(m, item);

	cds_list_for_each_entry_rcu(c, &m->children, sibling)
		sum += subtree_sum(c, item);
	return sum;
}

long memcg_stat_total(struct memcg *m, enum memcg_stat_item item)
{
	long sum;

	memcg_rcu_read_lock();
	sum = subtree_sum(m, item);
	memcg_rcu_read_unlock();
	return sum;
}

void memcg_read_stats(struct memcg *m, struct memcg_stats *out)
{
	for (int i = 0; i < MEMCG_NR_STAT; i++) {
		out->local[i] = memcg_stat_local(m, i);
		out->total[i] = memcg_stat_total(m, i);
	}
}
