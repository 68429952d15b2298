/* Charge moving; see move.h.
 *
 * The task's lock is held throughout, so its anonymous pages can be
 * neither faulted nor freed meanwhile; reclaim may still send some to
 * swap, and page cache it maps may be evicted or added: the move takes at
 * most what it reserved and gives back what it did not use. */
#include "move.h"

#include <errno.h>

#include "anon.h"
#include "charge.h"
#include "event.h"
#include "memcg_impl.h"
#include "page.h"
#include "pagecache.h"
#include "rcu.h"
#include "realpage.h"
#include "reclaim.h"
#include "task.h"

#define MOVE_BATCH 1024
#define PRECHARGE_RETRIES 5

enum { MOVE_ANON = 1, MOVE_FILE = 2 };

struct move {
	struct memcg *from, *to, *common;
	enum page_kind kind;	/* the pages counted or moved now */
	/* reserved in to, and used so far */
	long mem, memsw, moved_mem, moved_memsw;
	uint32_t batch[MOVE_BATCH];
	int nr;
};

static int depth(struct memcg *m)
{
	int d = 0;

	for (; m->parent; m = m->parent)
		d++;
	return d;
}

static struct memcg *common_ancestor(struct memcg *a, struct memcg *b)
{
	int da = depth(a), db = depth(b);

	for (; da > db; da--)
		a = a->parent;
	for (; db > da; db--)
		b = b->parent;
	while (a != b) {
		a = a->parent;
		b = b->parent;
	}
	return a;
}

/* Whether a page in state word is one of kind to move and belongs to
 * from: through from's own pointer (the common case, no lookup), or a
 * removed child's.
 *
 * The kind matters because a frame queued for a move is not always still
 * the page it was: page cache is queued under its file's lock and swung
 * after that lock is dropped, and an eviction meanwhile frees the frame,
 * which a slab page of from may reuse at once (a freed block is handed out
 * again).  Such a page is from's (under kmem=reparent through from's own
 * pointer, under kmem=pin through its kmem pointer, which also names from),
 * but kernel memory is never moved: its kmem charge would stay with from
 * while its owner became to, and its uncharge would later hit to. */
static bool owned_by(struct memcg *from, enum page_kind kind, uint32_t word)
{
	bool owned;

	if (pg_kind(word) != kind)
		return false;
	if (pg_ptr_id(word) == from->ptr->id)
		return true;
	memcg_rcu_read_lock();
	owned = rcu_dereference(memcg_ptr_from_id(pg_ptr_id(word))->memcg) == from;
	memcg_rcu_read_unlock();
	return owned;
}

static void count_page(uint32_t idx, void *arg)
{
	struct move *mv = arg;
	uint32_t word = page_word(idx);

	if (!owned_by(mv->from, mv->kind, word) || (word & PG_ISOLATED))
		return;
	mv->mem += pg_resident(word);
	mv->memsw++;
}

/* Swing the owner of each page in the batch from mv->from to mv->to, under
 * both LRU locks, taken in src/engine/LOCKING's order. */
static void swing_batch(struct move *mv)
{
	struct memcg *first = mv->from->id > mv->to->id ? mv->from : mv->to;
	struct memcg *second = first == mv->from ? mv->to : mv->from;
	struct memcg_ptr *to_ptr = mv->to->ptr;
	struct memcg_ptr *old[MOVE_BATCH];
	long from_delta[MEMCG_NR_STAT] = { 0 }, to_delta[MEMCG_NR_STAT] = { 0 };
	long swung = 0;

	if (!mv->nr)
		return;
	if (!memcg_ptr_tryget(to_ptr, mv->nr)) {	/* to was removed */
		mv->nr = 0;
		return;
	}
	pthread_mutex_lock(&first->lruvec.lock);
	pthread_mutex_lock(&second->lruvec.lock);
	memcg_rcu_read_lock();
	for (int i = 0; i < mv->nr; i++) {
		uint32_t idx = mv->batch[i], word = page_word(idx);

		if (!owned_by(mv->from, mv->kind, word) || (word & PG_ISOLATED) ||
		    mv->moved_memsw == mv->memsw ||
		    (pg_resident(word) && mv->moved_mem == mv->mem))
			continue;
		old[swung++] = memcg_ptr_from_id(pg_ptr_id(word));
		page_move_locked(mv->from, mv->to, idx,
				 pg_word(to_ptr->id, pg_flags(word)),
				 from_delta, to_delta);
		mv->moved_mem += pg_resident(word);
		mv->moved_memsw++;
	}
	memcg_rcu_read_unlock();
	memcg_apply_stat_delta(mv->from, from_delta);
	memcg_apply_stat_delta(mv->to, to_delta);
	pthread_mutex_unlock(&second->lruvec.lock);
	pthread_mutex_unlock(&first->lruvec.lock);
	/* References: after the LRU locks, as memcg_ptr_put requires. */
	if (mv->nr > swung)
		memcg_ptr_put(to_ptr, mv->nr - swung);
	for (long i = 0, run = 1; i < swung; i++, run++) {
		if (i + 1 < swung && old[i + 1] == old[i])
			continue;
		memcg_ptr_put(old[i], run);
		run = 0;
	}
	mv->nr = 0;
}

static void queue_page(uint32_t idx, void *arg)
{
	struct move *mv = arg;

	mv->batch[mv->nr++] = idx;
	if (mv->nr == MOVE_BATCH)
		swing_batch(mv);
}

/* Reserve mv->mem and mv->memsw pages in to, below the common ancestor,
 * reclaiming in the group whose limit refuses; no OOM for a move. */
static int precharge(struct move *mv)
{
	struct memcg *to = mv->to, *c = mv->common;

	for (int tries = 0; tries < PRECHARGE_RETRIES; tries++) {
		struct reclaim_control rc = { 0 };
		struct page_counter *fail = NULL;
		enum memcg_res res = MEMCG_RES_MEMSW;
		struct memcg *over;

		if (page_counter_try_charge_upto(&to->res[MEMCG_RES_MEMSW],
						 &c->res[MEMCG_RES_MEMSW],
						 mv->memsw, &fail, true)) {
			res = MEMCG_RES_MEMORY;
			if (page_counter_try_charge_upto(&to->res[MEMCG_RES_MEMORY],
							 &c->res[MEMCG_RES_MEMORY],
							 mv->mem, &fail, false)) {
				page_counter_commit_watermark(&to->res[MEMCG_RES_MEMSW],
							      &c->res[MEMCG_RES_MEMSW]);
				return 0;
			}
			page_counter_uncharge_upto(&to->res[MEMCG_RES_MEMSW],
						   &c->res[MEMCG_RES_MEMSW],
						   mv->memsw);
		}
		over = memcg_of_counter(fail, res);
		rc.nr_to_reclaim = page_counter_read(fail) +
				   (res == MEMCG_RES_MEMSW ? mv->memsw : mv->mem) -
				   page_counter_limit(fail);
		rc.may_swap = res == MEMCG_RES_MEMORY;
		if (!over || memcg_reclaim(over, &rc) == 0)
			break;
	}
	return -ENOMEM;
}

/* A real page of the task's (realpage.c) for fn, if it is of the kind
 * being handled: anon only if the task alone maps it, file whatever its
 * map count. */
struct real_visit {
	struct move *mv;
	void (*fn)(uint32_t idx, void *arg);
};

static void visit_real(uint32_t idx, bool only_mapper, void *arg)
{
	struct real_visit *rv = arg;

	if (pg_kind(page_word(idx)) == rv->mv->kind &&
	    (only_mapper || rv->mv->kind == PAGE_FILE))
		rv->fn(idx, rv->mv);
}

static void for_each_real(struct task *t, struct move *mv,
			  void (*fn)(uint32_t idx, void *arg))
{
	struct real_visit rv = { mv, fn };

	realpage_for_each(t, visit_real, &rv);
}

static void move_charges(struct task *t, struct memcg *from, struct memcg *to,
			 int bits, int *err)
{
	struct move mv = { .from = from, .to = to };

	mv.common = common_ancestor(from, to);
	realpage_updates_lock();
	pthread_mutex_lock(&t->lock);
	mv.kind = PAGE_ANON;
	if (bits & MOVE_ANON) {
		for (uint32_t pos = 0; pos < t->nr_anon; pos++)
			count_page(anon_position_page(t, pos), &mv);
		for_each_real(t, &mv, count_page);
	}
	mv.kind = PAGE_FILE;
	if (bits & MOVE_FILE) {
		pagecache_for_each_mapped(t, count_page, &mv);
		for_each_real(t, &mv, count_page);
	}
	if (!mv.memsw || (*err = precharge(&mv))) {
		pthread_mutex_unlock(&t->lock);
		realpage_updates_unlock();
		return;
	}
	mv.kind = PAGE_ANON;
	if (bits & MOVE_ANON) {
		for (uint32_t pos = 0; pos < t->nr_anon; pos++)
			queue_page(anon_position_page(t, pos), &mv);
		for_each_real(t, &mv, queue_page);
	}
	swing_batch(&mv);
	mv.kind = PAGE_FILE;
	if (bits & MOVE_FILE) {
		pagecache_for_each_mapped(t, queue_page, &mv);
		for_each_real(t, &mv, queue_page);
		swing_batch(&mv);
	}
	pthread_mutex_unlock(&t->lock);
	realpage_updates_unlock();
	/* The old group lets go of what moved; to, of what it did not use. */
	page_counter_uncharge_upto(&from->res[MEMCG_RES_MEMORY],
				   &mv.common->res[MEMCG_RES_MEMORY], mv.moved_mem);
	page_counter_uncharge_upto(&from->res[MEMCG_RES_MEMSW],
				   &mv.common->res[MEMCG_RES_MEMSW], mv.moved_memsw);
	page_counter_uncharge_upto(&to->res[MEMCG_RES_MEMORY],
				   &mv.common->res[MEMCG_RES_MEMORY],
				   mv.mem - mv.moved_mem);
	page_counter_uncharge_upto(&to->res[MEMCG_RES_MEMSW],
				   &mv.common->res[MEMCG_RES_MEMSW],
				   mv.memsw - mv.moved_memsw);
	/* Usage moved between them: thresholds may have been crossed. */
	memcg_events_check(from);
	memcg_events_check(to);
}

/* Under the tree lock: keep from and to from being removed while charges
 * move between them (rmdir returns EBUSY meanwhile); false if either is
 * already gone. */
static bool hold_pair(struct memcg *from, struct memcg *to, long delta)
{
	if (delta > 0 && (!memcg_online(from) || !memcg_online(to)))
		return false;
	from->nr_moving += delta;
	to->nr_moving += delta;
	return true;
}

int memcg_move_task(pid_t tid, pid_t tgid, struct memcg *to)
{
	int bits = atomic_load(&to->move_charge), err = 0;
	struct task *t;
	struct memcg *from;
	bool held;

	if (tid != tgid || !bits || !task_known(tid))
		return task_move(tid, tgid, to);
	t = task_get_or_create(tid, tgid);
	if (!t)
		return -ENOMEM;
	from = task_memcg_get(t);
	memcg_tree_lock();
	held = from != to && hold_pair(from, to, 1);
	memcg_tree_unlock();
	if (held) {
		move_charges(t, from, to, bits, &err);
		memcg_tree_lock();
		hold_pair(from, to, -1);
		memcg_tree_unlock();
	}
	memcg_put(from);
	task_put(t);
	return err ? err : task_move(tid, tgid, to);
}
