/* Charging and the life of a charged page; see charge.h. */
#include "charge.h"

#include <errno.h>
#include <string.h>

#include "event.h"
#include "memcg_impl.h"
#include "page.h"
#include "rcu.h"
#include "version.h"

/* The local statistic, and the subtree totals of m and its ancestors:
 * a walk up as a charge's, so that memory.stat's total_ lines are read,
 * not summed over the subtree (as the kernel's rstat keeps them). */
static void stat_add(struct memcg *m, int item, long nr)
{
	atomic_fetch_add_explicit(&m->stat[item], nr, memory_order_relaxed);
	for (; m; m = m->parent)
		atomic_fetch_add_explicit(&m->stat_total[item], nr,
					  memory_order_relaxed);
	memcg_version_bump();
}

bool page_on_lru(uint32_t word)
{
	enum page_kind k = pg_kind(word);

	if (word & (PG_ISOLATED | PG_UNEVICTABLE))
		return false;
	return k == PAGE_FILE || (k == PAGE_ANON && !(word & PG_SWAPPED));
}

/* The statistics a page in state word contributes to its group, added
 * into delta (batched paths apply a whole batch's at once). */
static void page_account_into(long *delta, uint32_t word, long sign)
{
	switch (pg_kind(word)) {
	case PAGE_ANON:
		delta[word & PG_SWAPPED ? MEMCG_SWAP : MEMCG_RSS] += sign;
		break;
	case PAGE_FILE:
		delta[MEMCG_CACHE] += sign;
		if (word & PG_MAPPED)
			delta[MEMCG_MAPPED_FILE] += sign;
		if (word & PG_SHMEM)
			delta[MEMCG_SHMEM] += sign;
		break;
	default:
		return;
	}
	if (word & PG_UNEVICTABLE)
		delta[MEMCG_UNEVICTABLE] += sign;
	if (page_on_lru(word))
		delta[MEMCG_INACTIVE_ANON + (int)lru_list_of(word)] += sign;
}

static void apply_delta(struct memcg *m, long *delta)
{
	for (int i = 0; i < MEMCG_NR_STAT; i++) {
		if (delta[i])
			stat_add(m, i, delta[i]);
		delta[i] = 0;
	}
}

void memcg_uncharge(struct memcg *m, long nr, bool memory, bool memsw)
{
	if (memory)
		page_counter_uncharge(&m->res[MEMCG_RES_MEMORY], nr);
	if (memsw)
		page_counter_uncharge(&m->res[MEMCG_RES_MEMSW], nr);
	memcg_events_check(m);
}

/* Lock the LRU of the group p points at, rechecking after locking. */
static struct memcg *lock_ptr_memcg(struct memcg_ptr *p)
{
	for (;;) {
		struct memcg *m;

		memcg_rcu_read_lock();
		m = rcu_dereference(p->memcg);
		pthread_mutex_lock(&m->lruvec.lock);
		if (rcu_dereference(p->memcg) == m) {
			memcg_rcu_read_unlock();
			return m;
		}
		pthread_mutex_unlock(&m->lruvec.lock);
		memcg_rcu_read_unlock();
	}
}

void pages_add(struct memcg *m, const uint32_t *idx, long nr, uint32_t flags)
{
	struct memcg_ptr *p;
	struct memcg *owner;

	if (nr <= 0)
		return;
	/* Slab pages go through the kmem pointer (kmem=pin keeps it). */
	p = memcg_ptr_get(m, pg_kind(flags) == PAGE_SLAB, nr);
	owner = lock_ptr_memcg(p);
	{
		uint32_t word = pg_word(p->id, flags);
		long delta[MEMCG_NR_STAT] = { 0 };

		for (long i = 0; i < nr; i++)
			atomic_store_explicit(&page_frame(idx[i])->owner, word,
					      memory_order_release);
		if (page_on_lru(word))
			lru_add_many(owner, lru_list_of(word), idx, nr);
		page_account_into(delta, word, nr);
		delta[MEMCG_PGPGIN] += nr;
		apply_delta(owner, delta);
	}
	pthread_mutex_unlock(&owner->lruvec.lock);
}

/* A run of removals from one group through one memcg_ptr: counters,
 * statistics and references are settled once per run, not per page. */
struct remove_run {
	struct memcg *m;	/* LRU lock held */
	struct memcg_ptr *p;
	long refs, resident, charged, swapped, kmem;
	long delta[MEMCG_NR_STAT];
};

static void run_end(struct remove_run *r)
{
	if (r->m) {
		r->delta[MEMCG_PGPGOUT] += r->resident;
		apply_delta(r->m, r->delta);
		memcg_uncharge(r->m, r->resident, true, false);
		memcg_uncharge(r->m, r->charged, false, true);
		if (r->kmem)
			page_counter_uncharge(&r->m->res[MEMCG_RES_KMEM], r->kmem);
		if (r->swapped)
			memcg_swap_put(r->swapped);
		pthread_mutex_unlock(&r->m->lruvec.lock);
		/* The pointer's reference still holds r->m here. */
		if (r->kmem)
			memcg_kmem_uncharged(r->m);
	}
	if (r->p)
		memcg_ptr_put(r->p, r->refs);	/* after the LRU lock */
	memset(r, 0, sizeof(*r));
}

static struct memcg_ptr *ptr_of(uint32_t word)
{
	struct memcg_ptr *p;

	memcg_rcu_read_lock();
	p = memcg_ptr_from_id(pg_ptr_id(word));
	memcg_rcu_read_unlock();
	return p;
}

/* Settle n pages that were all in state word. */
static void run_count(struct remove_run *r, uint32_t word, long n)
{
	if (!n)
		return;
	page_account_into(r->delta, word, -n);
	if (pg_kind(word) == PAGE_SLAB)
		r->kmem += n;
	if (pg_kind(word) != PAGE_FREE) {
		r->charged += n;
		if (pg_resident(word))
			r->resident += n;
		else
			r->swapped += n;
	}
}

long pages_remove(const uint32_t *idx, long nr, uint32_t *words)
{
	struct remove_run r = { 0 };
	uint32_t same = 0;	/* pages in one state are counted together */
	long nr_same = 0;

	for (long i = 0; i < nr; i++) {
		uint32_t word = page_word(idx[i]);

		/* While r.m's lock is held its pointers cannot move away, so a
		 * page with r.p's id is r.m's: no lookup needed. */
		if (r.m && pg_ptr_id(word) != r.p->id) {
			run_count(&r, same, nr_same);
			nr_same = 0;
			run_end(&r);
		}
		if (!r.m) {
			r.m = page_lock_memcg(idx[i]);
			if (!r.m) {
				words[i] = 0;	/* already free */
				continue;
			}
			word = page_word(idx[i]);
			r.p = ptr_of(word);
		}
		if (word != same) {
			run_count(&r, same, nr_same);
			same = word;
			nr_same = 0;
		}
		nr_same++;
		r.refs++;
		if (page_on_lru(word))
			lru_del(r.m, lru_list_of(word), idx[i]);
		atomic_store_explicit(&page_frame(idx[i])->owner, 0,
				      memory_order_release);
		words[i] = word;
	}
	run_count(&r, same, nr_same);
	run_end(&r);
	return nr;
}

uint32_t page_remove(uint32_t idx)
{
	uint32_t word;

	pages_remove(&idx, 1, &word);
	return word;
}

/* A change of state is a move within one group. */
void page_change_locked(struct memcg *m, uint32_t idx, uint32_t set,
			uint32_t clear)
{
	long delta[MEMCG_NR_STAT] = { 0 };

	page_move_locked(m, m, idx, (page_word(idx) | set) & ~clear, delta,
			 delta);
	apply_delta(m, delta);
}

void page_move_locked(struct memcg *from, struct memcg *to, uint32_t idx,
		      uint32_t word, long *from_delta, long *to_delta)
{
	uint32_t old = page_word(idx);

	if (page_on_lru(old))
		lru_del(from, lru_list_of(old), idx);
	page_account_into(from_delta, old, -1);
	atomic_store_explicit(&page_frame(idx)->owner, word,
			      memory_order_release);
	page_account_into(to_delta, word, 1);
	if (page_on_lru(word))
		lru_add(to, lru_list_of(word), idx);
}

void memcg_apply_stat_delta(struct memcg *m, long *delta)
{
	apply_delta(m, delta);
}

uint32_t page_change(uint32_t idx, uint32_t set, uint32_t clear,
		     uint32_t expect)
{
	struct memcg *m = page_lock_memcg(idx);
	uint32_t old;

	if (!m)
		return 0;
	old = page_word(idx);
	if ((old & expect) != expect)
		old = 0;
	else
		page_change_locked(m, idx, set, clear);
	pthread_mutex_unlock(&m->lruvec.lock);
	return old;
}

void page_swap_out_locked(struct memcg *m, uint32_t idx, uint32_t clear)
{
	page_change_locked(m, idx, PG_SWAPPED, clear | PG_ACTIVE);
	memcg_uncharge(m, 1, true, false);
	memcg_count_event(m, MEMCG_PGPGOUT, 1);
}

void page_swap_in(uint32_t idx)
{
	struct memcg *m = page_lock_memcg(idx);

	if (!m)
		return;
	page_change_locked(m, idx, PG_ACTIVE, PG_SWAPPED);
	memcg_uncharge(m, 1, false, true);
	memcg_swap_put(1);
	memcg_count_event(m, MEMCG_PGPGIN, 1);
	pthread_mutex_unlock(&m->lruvec.lock);
}

void memcg_count_event(struct memcg *m, int item, long nr)
{
	stat_add(m, item, nr);
}

void memcg_stat_restore(struct memcg *m, int item, long value)
{
	stat_add(m, item, value - atomic_load(&m->stat[item]));
}
