/* Control-file text; see render.h. */
#include "render.h"

#include <stdlib.h>

#include "engine/memcg.h"
#include "engine/slab.h"
#include "engine/stat.h"

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

static long render_value(enum memcg_stat_item item, long v)
{
	return stat_items[item].pages ? v * (long)memcg_config()->page_size : v;
}

void render_memory_stat(struct memcg *m, struct strbuf *sb)
{
	long page = (long)memcg_config()->page_size;
	struct memcg_stats st;

	memcg_read_stats(m, &st);
	for (int i = 0; i < MEMCG_NR_STAT; i++)
		strbuf_addf(sb, "%s %ld\n", stat_items[i].name,
			    render_value(i, st.local[i]));
	strbuf_addf(sb, "hierarchical_memory_limit %ld\n",
		    memcg_hierarchical_limit(m, MEMCG_RES_MEMORY) * page);
	strbuf_addf(sb, "hierarchical_memsw_limit %ld\n",
		    memcg_hierarchical_limit(m, MEMCG_RES_MEMSW) * page);
	for (int i = 0; i < MEMCG_NR_STAT; i++)
		strbuf_addf(sb, "total_%s %ld\n", stat_items[i].name,
			    render_value(i, st.total[i]));
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

static long numa_value(const long *stat, const struct numa_row *row)
{
	long v = 0;

	if (row->nr == 0) {
		for (size_t r = 1; r < sizeof(numa_rows) / sizeof(numa_rows[0]); r++)
			v += numa_value(stat, &numa_rows[r]);
		return v;
	}
	for (int i = 0; i < row->nr; i++)
		v += stat[row->items[i]];
	return v;
}

/* One node, N0, as a single-node kernel prints it; values in pages. */
void render_numa_stat(struct memcg *m, struct strbuf *sb)
{
	const size_t nr = sizeof(numa_rows) / sizeof(numa_rows[0]);
	struct memcg_stats st;

	memcg_read_stats(m, &st);
	for (int h = 0; h < 2; h++)
		for (size_t r = 0; r < nr; r++) {
			long v = numa_value(h ? st.total : st.local, &numa_rows[r]);

			strbuf_addf(sb, "%s%s=%ld N0=%ld\n",
				    h ? "hierarchical_" : "", numa_rows[r].name,
				    v, v);
		}
}

static void render_slab_copy(const struct slab_copy_info *c, void *arg)
{
	strbuf_addf(arg, "%-17s %6ld %6ld %6u %4u %4d : tunables 0 0 0 : "
		    "slabdata %6ld %6ld 0\n", c->name, c->active_objs,
		    c->num_objs, c->objsize, c->per_slab, 1, c->active_slabs,
		    c->num_slabs);
}

void render_slabinfo(struct memcg *m, struct strbuf *sb)
{
	strbuf_addf(sb, "slabinfo - version: 2.1\n"
		    "# name            <active_objs> <num_objs> <objsize> "
		    "<objperslab> <pagesperslab> : tunables <limit> "
		    "<batchcount> <sharedfactor> : slabdata <active_slabs> "
		    "<num_slabs> <sharedavail>\n");
	slab_for_each_copy(m, render_slab_copy, sb);
}

static void render_flags(struct strbuf *sb, unsigned flags)
{
	static const struct { unsigned bit; const char *name; } names[] = {
		{ MEMCG_ONLINE, "ONLINE" },
		{ MEMCG_KMEM_ACTIVE, "KMEM_ACTIVE" },
		{ MEMCG_KMEM_DEAD, "KMEM_DEAD" },
	};
	const char *sep = "";

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(flags & names[i].bit))
			continue;
		strbuf_addf(sb, "%s%s", sep, names[i].name);
		sep = ",";
	}
	if (!*sep)
		strbuf_add(sb, "-", 1);
}

/* The caches= column is read after the snapshot, outside the engine's
 * dying lock, which ranks below the slab lock (src/engine/LOCKING). */
void render_dying(struct strbuf *sb)
{
	unsigned long page = memcg_config()->page_size;
	struct memcg_dying *rows;
	long n = memcg_dying_snapshot(&rows);

	if (n < 0) {
		sb->oom = true;
		return;
	}
	for (long i = 0; i < n; i++) {
		const struct memcg_dying *r = &rows[i];

		strbuf_addf(sb, "%llu %s refs=%ld kmem=%llu pages=%ld ",
			    (unsigned long long)r->id, r->path ? r->path : "?",
			    r->refs, (unsigned long long)r->kmem_pages * page,
			    r->pages);
		strbuf_addf(sb, "caches=%ld state=", slab_dead_copies_of(r->id));
		render_flags(sb, r->flags);
		strbuf_add(sb, "\n", 1);
	}
	memcg_dying_release(rows, n);
}
