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
	if ((kind == PAGE_FILE || kind == PAGE_ANON) && !(word & PG_ISOLATED))
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

/* Check m and return its subtree's resident and swapped totals. */
static void check_group(struct check_state *cs, struct memcg *m,
			long *resident, long *swapped, long *slab)
{
	static const int stat_of[] = {
		[T_CACHE] = MEMCG_CACHE, [T_RSS] = MEMCG_RSS,
		[T_MAPPED] = MEMCG_MAPPED_FILE, [T_SWAPPED] = MEMCG_SWAP,
	};
	static const char *const names[] = {
		[T_CACHE] = "cache", [T_RSS] = "rss",
		[T_MAPPED] = "mapped_file", [T_SWAPPED] = "swap",
	};
	struct memcg *c;
	long r = m->check_tally[T_RESIDENT], s = m->check_tally[T_SWAPPED];
	long k = m->check_tally[T_SLAB];

	for (int t = T_SWAPPED; t <= T_MAPPED; t++) {
		if (atomic_load(&m->stat[stat_of[t]]) != m->check_tally[t])
			fail(cs, m, names[t], atomic_load(&m->stat[stat_of[t]]),
			     m->check_tally[t]);
	}
	for (int l = 0; l < NR_LRU_LISTS; l++) {
		long stat = atomic_load(&m->stat[MEMCG_INACTIVE_ANON + l]);

		if (stat != m->check_tally[T_LRU + l])
			fail(cs, m, "an LRU size statistic", stat,
			     m->check_tally[T_LRU + l]);
		if (list_length(m, (enum lru_list)l) != stat)
			fail(cs, m, "an LRU list's length",
			     list_length(m, (enum lru_list)l), stat);
	}
	for (int i = 0; i < MEMCG_NR_STAT; i++)
		if (atomic_load(&m->stat[i]) < 0)
			fail(cs, m, "a statistic", atomic_load(&m->stat[i]), 0);
	cds_list_for_each_entry(c, &m->children, sibling) {
		long cr, csw, ck;

		check_group(cs, c, &cr, &csw, &ck);
		r += cr;
		s += csw;
		k += ck;
	}
	if (page_counter_read(&m->res[MEMCG_RES_KMEM]) != k)
		fail(cs, m, "kmem usage",
		     page_counter_read(&m->res[MEMCG_RES_KMEM]), k);
	if (page_counter_read(&m->res[MEMCG_RES_MEMORY]) != r)
		fail(cs, m, "memory usage",
		     page_counter_read(&m->res[MEMCG_RES_MEMORY]), r);
	if (page_counter_read(&m->res[MEMCG_RES_MEMSW]) != r + s)
		fail(cs, m, "memsw usage",
		     page_counter_read(&m->res[MEMCG_RES_MEMSW]), r + s);
	*resident = r;
	*swapped = s;
	*slab = k;
}

int memcg_check_invariants(struct strbuf *why)
{
	struct check_state cs = { why, 0 };
	long resident, swapped, slab;

	memcg_rcu_read_lock();
	memcg_walk_subtree(memcg_root(), clear_tally, NULL);
	frames_for_each(tally_page, NULL);
	check_group(&cs, memcg_root(), &resident, &swapped, &slab);
	memcg_rcu_read_unlock();
	if (memcg_swap_used() != swapped) {
		cs.failures++;
		strbuf_addf(why, "swap in use is %ld, pages in swap %ld\n",
			    memcg_swap_used(), swapped);
	}
	return cs.failures ? -1 : 0;
}
