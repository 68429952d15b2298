/* Invariant checking; see check.h.  Walks every frame, so it is for tests
 * and never runs while the engine is in use. */
#include "check.h"

#include <inttypes.h>

#include "lru.h"
#include "memcg_impl.h"
#include "page.h"
#include "rcu.h"
#include "stat.h"

/* What the frames say a group owns, by the statistic it should show. */
enum tally {
	T_RESIDENT,
	T_SWAPPED,
	T_CACHE,
	T_RSS,
	T_MAPPED,
	T_SLAB,
	T_LRU,			/* + lru_list: the four LRU sizes */
	NR_TALLY = T_LRU + NR_LRU_LISTS,
};

_Static_assert(sizeof(((struct memcg *)0)->check_tally) / sizeof(long) ==
	       NR_TALLY, "memcg.check_tally must hold every tally");

static void tally_page(uint32_t idx, uint32_t word, void *arg)
{
	struct memcg *m = page_memcg(idx);
	long *t;
	enum page_kind kind = pg_kind(word);

	(void)arg;
	/* A removed group still owning pages (kmem=pin keeps its slab pages)
	 * is counted by its parents' counters: tally it at the nearest live
	 * one. */
	while (!memcg_online(m))
		m = m->parent;
	t = m->check_tally;
	if (kind == PAGE_ANON && (word & PG_SWAPPED)) {
		t[T_SWAPPED]++;
		return;
	}
	t[T_RESIDENT]++;
	t[T_SLAB] += kind == PAGE_SLAB;
	if (kind == PAGE_FILE) {
		t[T_CACHE]++;
		t[T_MAPPED] += !!(word & PG_MAPPED);
	} else if (kind == PAGE_ANON) {
		t[T_RSS]++;
	}
	if ((kind == PAGE_FILE || kind == PAGE_ANON) &&
	    !(word & (PG_ISOLATED | PG_UNEVICTABLE)))
		t[T_LRU + lru_list_of(word)]++;
}

static int clear_tally(struct memcg *m, void *arg)
{
	(void)arg;
	for (int i = 0; i < NR_TALLY; i++)
		m->check_tally[i] = 0;
	return 0;
}

struct check_state {
	struct strbuf *why;
	int failures;
};

static void fail(struct check_state *cs, struct memcg *m, const char *what,
		 long have, long want)
{
	if (cs->failures++ < 20)
		strbuf_addf(cs->why, "group %" PRIu64 ": %s is %ld, expected %ld\n",
			    m->id, what, have, want);
}

static long list_length(struct memcg *m, enum lru_list l)
{
	long n = 0;

	for (uint32_t idx = m->lruvec.lists[l].head; idx;
	     idx = page_frame(idx)->next)
		n++;
	return n;
}

static const int stat_of[NR_TALLY] = {
	[T_CACHE] = MEMCG_CACHE, [T_RSS] = MEMCG_RSS,
	[T_MAPPED] = MEMCG_MAPPED_FILE, [T_SWAPPED] = MEMCG_SWAP,
	[T_LRU + LRU_INACTIVE_ANON] = MEMCG_INACTIVE_ANON,
	[T_LRU + LRU_ACTIVE_ANON] = MEMCG_ACTIVE_ANON,
	[T_LRU + LRU_INACTIVE_FILE] = MEMCG_INACTIVE_FILE,
	[T_LRU + LRU_ACTIVE_FILE] = MEMCG_ACTIVE_FILE,
};
static const char *const names[NR_TALLY] = {
	[T_CACHE] = "cache", [T_RSS] = "rss",
	[T_MAPPED] = "mapped_file", [T_SWAPPED] = "swap",
	[T_LRU] = "an LRU size statistic", [T_LRU + 1] = "an LRU size statistic",
	[T_LRU + 2] = "an LRU size statistic", [T_LRU + 3] = "an LRU size statistic",
};

/* What m's frames say of its own statistics and lists. */
static void check_local(struct check_state *cs, struct memcg *m)
{
	for (int t = T_SWAPPED; t < NR_TALLY; t++) {
		if (!names[t])
			continue;
		if (atomic_load(&m->stat[stat_of[t]]) != m->check_tally[t])
			fail(cs, m, names[t], atomic_load(&m->stat[stat_of[t]]),
			     m->check_tally[t]);
	}
	for (int l = 0; l < NR_LRU_LISTS; l++) {
		long stat = atomic_load(&m->stat[MEMCG_INACTIVE_ANON + l]);

		if (list_length(m, (enum lru_list)l) != stat)
			fail(cs, m, "an LRU list's length",
			     list_length(m, (enum lru_list)l), stat);
	}
	for (int i = 0; i < MEMCG_NR_STAT; i++)
		if (atomic_load(&m->stat[i]) < 0)
			fail(cs, m, "a statistic", atomic_load(&m->stat[i]), 0);
}

/* After its children, m's tallies are its subtree's: its counters and
 * statistic totals must show them; then they join its parent's. */
static void check_subtree(struct check_state *cs, struct memcg *m)
{
	long *t = m->check_tally;

	for (int i = T_SWAPPED; i < NR_TALLY; i++) {
		if (!names[i])
			continue;
		if (atomic_load(&m->stat_total[stat_of[i]]) != t[i])
			fail(cs, m, "a statistic's subtree total",
			     atomic_load(&m->stat_total[stat_of[i]]), t[i]);
	}
	if (page_counter_read(&m->res[MEMCG_RES_KMEM]) != t[T_SLAB])
		fail(cs, m, "kmem usage",
		     page_counter_read(&m->res[MEMCG_RES_KMEM]), t[T_SLAB]);
	if (page_counter_read(&m->res[MEMCG_RES_MEMORY]) != t[T_RESIDENT])
		fail(cs, m, "memory usage",
		     page_counter_read(&m->res[MEMCG_RES_MEMORY]), t[T_RESIDENT]);
	if (page_counter_read(&m->res[MEMCG_RES_MEMSW]) !=
	    t[T_RESIDENT] + t[T_SWAPPED])
		fail(cs, m, "memsw usage",
		     page_counter_read(&m->res[MEMCG_RES_MEMSW]),
		     t[T_RESIDENT] + t[T_SWAPPED]);
	if (!memcg_is_root(m))
		for (int i = 0; i < NR_TALLY; i++)
			m->parent->check_tally[i] += t[i];
}

int memcg_check_invariants(struct strbuf *why)
{
	struct check_state cs = { why, 0 };
	struct memcg *root = memcg_root(), *m;
	long swapped;

	memcg_rcu_read_lock();
	memcg_walk_subtree(root, clear_tally, NULL);
	frames_for_each(tally_page, NULL);
	for (m = memcg_next_pre(NULL, root); m; m = memcg_next_pre(m, root))
		check_local(&cs, m);
	for (m = memcg_next_post(NULL, root); m; m = memcg_next_post(m, root))
		check_subtree(&cs, m);
	swapped = root->check_tally[T_SWAPPED];
	memcg_rcu_read_unlock();
	if (memcg_swap_used() != swapped) {
		cs.failures++;
		strbuf_addf(why, "swap in use is %ld, pages in swap %ld\n",
			    memcg_swap_used(), swapped);
	}
	return cs.failures ? -1 : 0;
}
