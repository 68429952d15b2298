/* Statistics rendering; see stat.h.  Values are read with relaxed atomics:
 * a render is a snapshot that may straddle concurrent charges, exactly as a
 * read of the kernel's memory.stat. */
#include "stat.h"

#include "memcg_impl.h"
#include "rcu.h"
#include "slab.h"

static const struct {
	const char *name;
	bool pages;		/* printed as bytes; otherwise a count */
} stat_items[MEMCG_NR_STAT] = {
	[MEMCG_CACHE]			= { "cache", true },
	[MEMCG_RSS]			= { "rss", true },
	[MEMCG_RSS_HUGE]		= { "rss_huge", true },
	[MEMCG_SHMEM]			= { "shmem", true },
	[MEMCG_MAPPED_FILE]		= { "mapped_file", true },
	[MEMCG_DIRTY]			= { "dirty", true },
	[MEMCG_WRITEBACK]		= { "writeback", true },
	[MEMCG_WORKINGSET_REFAULT_ANON]	= { "workingset_refault_anon", false },
	[MEMCG_WORKINGSET_REFAULT_FILE]	= { "workingset_refault_file", false },
	[MEMCG_SWAP]			= { "swap", true },
	[MEMCG_SWAPCACHED]		= { "swapcached", true },
	[MEMCG_PGPGIN]			= { "pgpgin", false },
	[MEMCG_PGPGOUT]			= { "pgpgout", false },
	[MEMCG_PGFAULT]			= { "pgfault", false },
	[MEMCG_PGMAJFAULT]		= { "pgmajfault", false },
	[MEMCG_INACTIVE_ANON]		= { "inactive_anon", true },
	[MEMCG_ACTIVE_ANON]		= { "active_anon", true },
	[MEMCG_INACTIVE_FILE]		= { "inactive_file", true },
	[MEMCG_ACTIVE_FILE]		= { "active_file", true },
	[MEMCG_UNEVICTABLE]		= { "unevictable", true },
};

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

static long render_value(enum memcg_stat_item item, long v)
{
	return stat_items[item].pages ? v * (long)memcg_config()->page_size : v;
}

void stat_render_memory_stat(struct memcg *m, struct strbuf *sb)
{
	long page = (long)memcg_config()->page_size;

	for (int i = 0; i < MEMCG_NR_STAT; i++)
		strbuf_addf(sb, "%s %ld\n", stat_items[i].name,
			    render_value(i, memcg_stat_local(m, i)));
	strbuf_addf(sb, "hierarchical_memory_limit %ld\n",
		    memcg_hierarchical_limit(m, MEMCG_RES_MEMORY) * page);
	strbuf_addf(sb, "hierarchical_memsw_limit %ld\n",
		    memcg_hierarchical_limit(m, MEMCG_RES_MEMSW) * page);
	for (int i = 0; i < MEMCG_NR_STAT; i++)
		strbuf_addf(sb, "total_%s %ld\n", stat_items[i].name,
			    render_value(i, memcg_stat_total(m, i)));
}

struct numa_row {
	const char *name;
	enum memcg_stat_item items[2];
	int nr;
};

static const struct numa_row numa_rows[] = {
	{ "total", { 0 }, 0 },	/* file + anon + unevictable */
	{ "file", { MEMCG_INACTIVE_FILE, MEMCG_ACTIVE_FILE }, 2 },
	{ "anon", { MEMCG_INACTIVE_ANON, MEMCG_ACTIVE_ANON }, 2 },
	{ "unevictable", { MEMCG_UNEVICTABLE }, 1 },
};

static long numa_value(struct memcg *m, const struct numa_row *row,
		       bool hierarchical)
{
	long (*get)(struct memcg *, enum memcg_stat_item) =
		hierarchical ? memcg_stat_total : memcg_stat_local;
	long v = 0;

	if (row->nr == 0) {
		for (size_t r = 1; r < sizeof(numa_rows) / sizeof(numa_rows[0]); r++)
			v += numa_value(m, &numa_rows[r], hierarchical);
		return v;
	}
	for (int i = 0; i < row->nr; i++)
		v += get(m, row->items[i]);
	return v;
}

/* One node, N0, as a single-node kernel prints it; values in pages. */
void stat_render_numa_stat(struct memcg *m, struct strbuf *sb)
{
	const size_t nr = sizeof(numa_rows) / sizeof(numa_rows[0]);

	for (int h = 0; h < 2; h++)
		for (size_t r = 0; r < nr; r++) {
			long v = numa_value(m, &numa_rows[r], h);

			strbuf_addf(sb, "%s%s=%ld N0=%ld\n",
				    h ? "hierarchical_" : "", numa_rows[r].name,
				    v, v);
		}
}

void stat_render_slabinfo(struct memcg *m, struct strbuf *sb)
{
	strbuf_addf(sb, "slabinfo - version: 2.1\n"
		    "# name            <active_objs> <num_objs> <objsize> "
		    "<objperslab> <pagesperslab> : tunables <limit> "
		    "<batchcount> <sharedfactor> : slabdata <active_slabs> "
		    "<num_slabs> <sharedavail>\n");
	slab_render_slabinfo(m, sb);
}
