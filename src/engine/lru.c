/* LRU lists and reclaim; see lru.h. */
#include "lru.h"

#include <stdlib.h>

#include "anon.h"
#include "charge.h"
#include "memcg.h"
#include "page.h"
#include "pagecache.h"
#include "rcu.h"
#include "realpage.h"
#include "slab.h"

#define ISOLATE_BATCH 32

void lruvec_init(struct lruvec *lv)
{
	pthread_mutex_init(&lv->lock, NULL);
	for (int i = 0; i < NR_LRU_LISTS; i++)
		lv->lists[i].head = lv->lists[i].tail = PAGE_NIL;
}

void lruvec_destroy(struct lruvec *lv)
{
	pthread_mutex_destroy(&lv->lock);
}

_Static_assert(PG_ACTIVE == 0x04u && PG_KIND_MASK == 0x03u && PAGE_ANON == 1 &&
	       PG_SHMEM == 0x20u,
	       "lru_list_of() in lru.h knows these bits");

void lru_add(struct memcg *m, enum lru_list list, uint32_t idx)
{
	struct lru_head *h = &m->lruvec.lists[list];
	struct page_frame *f = page_frame(idx);

	f->next = PAGE_NIL;
	f->prev = h->tail;
	if (h->tail)
		page_frame(h->tail)->next = idx;
	else
		h->head = idx;
	h->tail = idx;
}

void lru_add_many(struct memcg *m, enum lru_list list, const uint32_t *idx,
		  long nr)
{
	struct lru_head *h = &m->lruvec.lists[list];
	struct page_frame *prev = h->tail ? page_frame(h->tail) : NULL;

	if (nr <= 0)
		return;
	/* Chain the batch, then hang it on the tail: one neighbour write. */
	for (long i = 0; i < nr; i++) {
		struct page_frame *f = page_frame(idx[i]);

		f->prev = i ? idx[i - 1] : h->tail;
		f->next = i + 1 < nr ? idx[i + 1] : PAGE_NIL;
	}
	if (prev)
		prev->next = idx[0];
	else
		h->head = idx[0];
	h->tail = idx[nr - 1];
}

void lru_del(struct memcg *m, enum lru_list list, uint32_t idx)
{
	struct lru_head *h = &m->lruvec.lists[list];
	struct page_frame *f = page_frame(idx);

	if (f->prev)
		page_frame(f->prev)->next = f->next;
	else
		h->head = f->next;
	if (f->next)
		page_frame(f->next)->prev = f->prev;
	else
		h->tail = f->prev;
	f->prev = f->next = PAGE_NIL;
}

void lru_splice(struct memcg *child, struct memcg *parent)
{
	for (int i = 0; i < NR_LRU_LISTS; i++) {
		struct lru_head *c = &child->lruvec.lists[i];
		struct lru_head *p = &parent->lruvec.lists[i];

		if (!c->head)
			continue;
		if (p->tail) {
			page_frame(p->tail)->next = c->head;
			page_frame(c->head)->prev = p->tail;
		} else {
			p->head = c->head;
		}
		p->tail = c->tail;
		c->head = c->tail = PAGE_NIL;
	}
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

static long reclaim_page(enum lru_list list, uint32_t idx)
{
	if (page_word(idx) & PG_REAL)
		return realpage_reclaim(idx);
	return list >= LRU_INACTIVE_FILE ? pagecache_reclaim_page(idx) :
					   anon_swap_out(idx);
}

/* Free up to nr pages of one list of m; returns pages freed. */
static long shrink_list(struct memcg *m, enum lru_list list, long nr)
{
	uint32_t batch[ISOLATE_BATCH];
	long freed = 0;

	while (freed < nr) {
		int n = isolate(m, list, nr - freed < ISOLATE_BATCH ?
				nr - freed : ISOLATE_BATCH, batch);
		long got = 0;

		for (int i = 0; i < n; i++)
			got += reclaim_page(list, batch[i]);
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

	if (set->nr == set->cap) {
		size_t cap = set->cap ? 2 * set->cap : 16;
		struct memcg **g = realloc(set->groups, cap * sizeof(*g));

		if (!g)
			return 1;
		set->groups = g;
		set->cap = cap;
	}
	memcg_get(m);
	set->groups[set->nr++] = m;
	return 0;
}

static long soft_excess(struct memcg *m)
{
	return page_counter_read(&m->res[MEMCG_RES_MEMORY]) -
	       atomic_load(&m->soft_limit);
}

static int by_soft_excess(const void *a, const void *b)
{
	long x = soft_excess(*(struct memcg *const *)a);
	long y = soft_excess(*(struct memcg *const *)b);

	return (x < y) - (x > y);
}

long lru_reclaim(struct memcg *target, struct reclaim_control *rc)
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
		qsort(set.groups, set.nr, sizeof(*set.groups), by_soft_excess);
	for (size_t o = 0; o < 4 && rc->nr_reclaimed < rc->nr_to_reclaim; o++) {
		if (o == 2) {
			/* Between page cache and anon: empty slab pages. */
			rc->nr_reclaimed += slab_shrink(NULL, target);
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

	return lru_reclaim(m, &rc);
}

void lru_install_reclaimer(void)
{
	memcg_set_reclaimer(reclaim_for_limit);
}
