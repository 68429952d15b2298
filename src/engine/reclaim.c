/* Reclaim and the charge retry loop; see reclaim.h. */
#include "reclaim.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>

#include "lib/vec.h"
#include "charge.h"
#include "event.h"
#include "memcg_impl.h"
#include "oom.h"
#include "page.h"

#define ISOLATE_BATCH 32
#define CHARGE_RETRIES 16
#define RESIZE_RETRIES 16

/* Serialises limit changes so the memsw >= memory rule is checked and set
 * as one step. */
static pthread_mutex_t limit_lock = PTHREAD_MUTEX_INITIALIZER;

static struct reclaim_ops kind_ops[PAGE_NR_KINDS];

void reclaim_register(enum page_kind kind, const struct reclaim_ops *ops)
{
	kind_ops[kind] = *ops;
}

/* The registered shrinkers (kinds off the LRU, such as slab), in kind
 * order. */
static long shrink_kinds(struct memcg *scope)
{
	long freed = 0;

	for (int k = 0; k < PAGE_NR_KINDS; k++)
		if (kind_ops[k].shrink)
			freed += kind_ops[k].shrink(scope);
	return freed;
}

/* Whether reclaim may take this page now. */
static bool reclaimable(uint32_t word)
{
	/* Mapped page cache is in use by a task: leave it.  A host's anon
	 * or shmem page cannot be sent to swap from here. */
	if (pg_kind(word) == PAGE_ANON || (word & PG_SHMEM))
		return !(word & PG_REAL);
	return !(pg_kind(word) == PAGE_FILE && (word & PG_MAPPED));
}

/* Take up to nr reclaimable pages from the head (oldest end) of m's list,
 * marking them isolated; scans at most the list's length once. */
static int isolate(struct memcg *m, enum lru_list list, long nr,
		   uint32_t *out)
{
	uint32_t idx, next;
	int n = 0;

	pthread_mutex_lock(&m->lruvec.lock);
	for (idx = m->lruvec.lists[list].head; idx && n < nr; idx = next) {
		uint32_t word = page_word(idx);

		next = page_frame(idx)->next;
		if (!reclaimable(word))
			continue;
		page_change_locked(m, idx, PG_ISOLATED, 0);
		out[n++] = idx;
	}
	pthread_mutex_unlock(&m->lruvec.lock);
	return n;
}

/* Free up to nr pages of one list of m; returns pages freed. */
static long shrink_list(struct memcg *m, enum lru_list list, long nr)
{
	uint32_t batch[ISOLATE_BATCH];
	long (*reclaim_page)(uint32_t) =
		kind_ops[list >= LRU_INACTIVE_FILE ? PAGE_FILE : PAGE_ANON].reclaim_page;
	long freed = 0;

	while (freed < nr) {
		int n = isolate(m, list, nr - freed < ISOLATE_BATCH ?
				nr - freed : ISOLATE_BATCH, batch);
		long got = 0;

		for (int i = 0; i < n; i++)
			got += reclaim_page(batch[i]);
		freed += got;
		if (got < n || n == 0)
			break;	/* swap full, or nothing left to take */
	}
	return freed;
}

struct group_set {
	struct memcg **groups;
	size_t nr, cap;
};

static int collect(struct memcg *m, void *arg)
{
	struct group_set *set = arg;

	if (!VEC_GROW(set->groups, set->nr, set->cap))
		return 1;
	memcg_get(m);
	set->groups[set->nr++] = m;
	return 0;
}

static long soft_excess(struct memcg *m)
{
	return page_counter_read(&m->res[MEMCG_RES_MEMORY]) -
	       atomic_load(&m->soft_limit);
}

/* A group and its sort key, read once: the counters move while qsort
 * runs, and a comparator that reads them live is inconsistent (qsort may
 * then misorder, or read out of bounds in some libcs). */
struct excess_key {
	long excess;
	struct memcg *m;
};

static int by_soft_excess(const void *a, const void *b)
{
	long x = ((const struct excess_key *)a)->excess;
	long y = ((const struct excess_key *)b)->excess;

	return (x < y) - (x > y);
}

/* Groups furthest above their soft limit first, as they were when
 * collected; left as they are if out of memory. */
static void sort_by_soft_excess(struct memcg **groups, size_t nr)
{
	struct excess_key *keys = nr ? malloc(nr * sizeof(*keys)) : NULL;

	if (!keys)
		return;
	for (size_t i = 0; i < nr; i++)
		keys[i] = (struct excess_key){ soft_excess(groups[i]), groups[i] };
	qsort(keys, nr, sizeof(*keys), by_soft_excess);
	for (size_t i = 0; i < nr; i++)
		groups[i] = keys[i].m;
	free(keys);
}

long memcg_reclaim(struct memcg *target, struct reclaim_control *rc)
{
	static const enum lru_list order[] = {
		LRU_INACTIVE_FILE, LRU_ACTIVE_FILE,
		LRU_INACTIVE_ANON, LRU_ACTIVE_ANON,
	};
	struct memcg *scope = target ? target : memcg_root();
	struct group_set set = { 0 };
	bool may_swap = rc->may_swap &&
			atomic_load(&scope->swappiness) > 0;

	memcg_walk_subtree(scope, collect, &set);
	/* Global reclaim: groups furthest above their soft limit first. */
	if (!target)
		sort_by_soft_excess(set.groups, set.nr);
	for (size_t o = 0; o < 4 && rc->nr_reclaimed < rc->nr_to_reclaim; o++) {
		if (o == 2) {
			/* Between page cache and anon: empty slab pages. */
			rc->nr_reclaimed += shrink_kinds(target);
			if (!may_swap || rc->nr_reclaimed >= rc->nr_to_reclaim)
				break;	/* anon stays: no swap, or it cannot help */
		}
		for (size_t i = 0; i < set.nr &&
		     rc->nr_reclaimed < rc->nr_to_reclaim; i++)
			rc->nr_reclaimed += shrink_list(set.groups[i], order[o],
					rc->nr_to_reclaim - rc->nr_reclaimed);
	}
	for (size_t i = 0; i < set.nr; i++)
		memcg_put(set.groups[i]);
	free(set.groups);
	return rc->nr_reclaimed;
}

static long reclaim_for_limit(struct memcg *m, long nr, bool may_swap)
{
	struct reclaim_control rc = { .nr_to_reclaim = nr, .may_swap = may_swap };

	return memcg_reclaim(m, &rc);
}

/* Shrink a counter's limit, reclaiming while that makes progress. */
static int resize_limit(struct memcg *m, enum memcg_res res, long pages)
{
	int retries = RESIZE_RETRIES;

	for (;;) {
		int err = page_counter_set_limit(&m->res[res], pages);
		long excess;

		if (err != -EBUSY)
			return err;
		excess = page_counter_read(&m->res[res]) - pages;
		/* As the kernel: swapping cannot bring memsw down. */
		if (reclaim_for_limit(m, excess, res != MEMCG_RES_MEMSW) == 0 &&
		    --retries == 0)
			return -EBUSY;
	}
}

int memcg_set_limit(struct memcg *m, enum memcg_res res, long pages)
{
	int err = 0;

	if (memcg_is_root(m))
		return -EINVAL;
	pthread_mutex_lock(&limit_lock);
	/* memory.memsw.limit_in_bytes must stay >= memory.limit_in_bytes. */
	if (res == MEMCG_RES_MEMORY &&
	    pages > page_counter_limit(&m->res[MEMCG_RES_MEMSW]))
		err = -EINVAL;
	if (res == MEMCG_RES_MEMSW &&
	    pages < page_counter_limit(&m->res[MEMCG_RES_MEMORY]))
		err = -EINVAL;
	/* Reclaim frees no socket buffer: below its usage, the tcp limit is
	 * refused at once (EBUSY), as the kernel's memcg_update_tcp_max(). */
	if (!err)
		err = res == MEMCG_RES_TCP ?
		      page_counter_set_limit(&m->res[res], pages) :
		      resize_limit(m, res, pages);
	if (!err && res == MEMCG_RES_KMEM)
		memcg_kmem_activate(m);
	pthread_mutex_unlock(&limit_lock);
	return err;
}

int memcg_force_empty(struct memcg *m)
{
	int retries = RESIZE_RETRIES;

	if (memcg_is_root(m))
		return -EINVAL;
	/* As the kernel: reclaim what can be, succeed even if charges stay. */
	while (retries && page_counter_read(&m->res[MEMCG_RES_MEMORY]))
		if (reclaim_for_limit(m, page_counter_read(&m->res[MEMCG_RES_MEMORY]),
				      true) == 0)
			retries--;
	return 0;
}

long memcg_charge_room(struct memcg *m)
{
	long room = LONG_MAX;

	for (struct page_counter *c = &m->res[MEMCG_RES_MEMORY]; c; c = c->parent) {
		long left = page_counter_limit(c) - page_counter_read(c);

		if (left < room)
			room = left;
	}
	return room > 0 ? room : 0;
}

/* Whether the host's swapping out over's real anon may make room: as for
 * the engine's own anon (memcg_reclaim), swappiness above 0 and swap=
 * space left. */
static bool may_page_out(struct memcg *over)
{
	return over && atomic_load(&over->swappiness) > 0 &&
	       memcg_swap_used() < memcg_config()->swap_pages;
}

int memcg_charge(struct memcg *m, long nr, struct task *self)
{
	struct oom_charge c = { self, nr, 0, NULL };

	return memcg_charge_part(m, nr, &c);
}

int memcg_charge_part(struct memcg *m, long nr, const struct oom_charge *c)
{
	int retries = CHARGE_RETRIES;

	if (nr <= 0)
		return 0;
	for (;;) {
		struct reclaim_control rc = { 0 };
		struct page_counter *fail = NULL;
		enum memcg_res res = MEMCG_RES_MEMSW;
		struct memcg *over;
		long excess, freed;
		int err;

		/* memsw first, as the kernel: when it is what fails, reclaim
		 * knows not to swap. */
		if (page_counter_try_charge_tentative(&m->res[MEMCG_RES_MEMSW],
						      nr, &fail)) {
			res = MEMCG_RES_MEMORY;
			if (page_counter_try_charge(&m->res[MEMCG_RES_MEMORY],
						    nr, &fail)) {
				page_counter_commit_watermark(&m->res[MEMCG_RES_MEMSW], NULL);
				memcg_events_check(m);
				return 0;
			}
			page_counter_uncharge(&m->res[MEMCG_RES_MEMSW], nr);
		}
		over = memcg_of_counter(fail, res);
		excess = page_counter_read(fail) + nr - page_counter_limit(fail);
		rc.nr_to_reclaim = excess > 0 ? excess : 1;
		/* Swapping moves a charge from memory to swap: it helps a
		 * memory limit, never a memsw one. */
		rc.may_swap = res == MEMCG_RES_MEMORY;
		freed = memcg_reclaim(over, &rc);
		memcg_events_reclaim(over ? over : memcg_root(),
				     rc.nr_to_reclaim, freed);
		if (freed > 0 && --retries)
			continue;
		/* Reclaim gave up: the kernel's vmpressure_prio() says
		 * critical, a whole window that freed nothing. */
		memcg_events_reclaim(over ? over : memcg_root(),
				     MEMCG_PRESSURE_WINDOW, 0);
		if (c->pageout && res == MEMCG_RES_MEMORY && may_page_out(over)) {
			memcg_get(over);
			*c->pageout = over;
			return -EAGAIN;
		}
		err = memcg_oom(over, res, fail, c);
		if (err)
			return err;
		retries = CHARGE_RETRIES;
	}
}
