/* Anonymous memory; see anon.h.
 *
 * A task's anon pages fill its blocks in fault order: position p is slot
 * p % 64 of block anon_blocks[p / 64].  Freeing takes the newest first, so
 * the positions in use stay a prefix and only the last block is partly
 * used.  Swapped pages keep their frame (it records the swap entry's
 * owner) and leave the LRU. */
#include "anon.h"

#include <errno.h>
#include <stdlib.h>

#include "lib/vec.h"
#include "charge.h"
#include "ckpt_impl.h"
#include "memcg_impl.h"
#include "oom.h"
#include "page.h"
#include "reclaim.h"
#include "task.h"

#define ADD_BATCH 256

uint32_t anon_position_page(struct task *t, uint32_t pos)
{
	return block_first_page(t->anon_blocks[pos / BLOCK_PAGES]) +
	       pos % BLOCK_PAGES;
}

/* Under t->lock: a block for positions from pos on. */
static int grow_blocks(struct task *t, uint32_t pos)
{
	uint32_t b;

	if (pos / BLOCK_PAGES < t->nr_anon_blocks)
		return 0;
	if (!VEC_GROW(t->anon_blocks, t->nr_anon_blocks, t->cap_anon_blocks))
		return -ENOMEM;
	b = block_alloc(t, BLOCK_ANON, pos);
	if (!b)
		return -ENOMEM;
	t->anon_blocks[t->nr_anon_blocks++] = b;
	return 0;
}

/* Under t->lock: make the k pages charged for t its newest anon pages in
 * m; returns how many it could (frames may run out). */
static int add_pages(struct task *t, struct memcg *m, int k, int *err)
{
	uint32_t batch[ADD_BATCH];
	int n = 0;

	if (t->exited || (uint64_t)t->nr_anon + (uint64_t)k > UINT32_MAX / 2)
		*err = t->exited ? -ESRCH : -ENOMEM;
	while (!*err && n < k) {
		uint32_t pos = t->nr_anon + (uint32_t)n;

		*err = grow_blocks(t, pos);
		if (!*err)
			batch[n++] = anon_position_page(t, pos);
	}
	pages_add(m, batch, n, PAGE_ANON | PG_ACTIVE);
	t->nr_anon += (uint32_t)n;
	atomic_fetch_add(&t->nr_resident, n);
	return n;
}

/* The next batch of a charge of which done pages are in and want are
 * left: what fits at once, or when nothing fits, as many as reclaim could
 * make room for by swapping out the pages just added (at least one, as a
 * single fault), so that a charge past the limit swaps as faults do. */
static int batch_size(struct memcg *m, long want, long done)
{
	long k = want < ADD_BATCH ? want : ADD_BATCH;
	long room = memcg_charge_room(m);

	if (k > room) {
		long fit = room > done ? room : done;

		k = fit < 1 ? 1 : fit < k ? fit : k;
	}
	return (int)k;
}

/* A batch at a time, as that many faults: the batches before are on the
 * LRU, where reclaim can swap them out to make room for the next.  All or
 * nothing: when a batch finds no room, the pages this call added go again
 * (newest first), as a fault that fails takes its process's pages. */
int anon_fault(struct task *t, long nr)
{
	struct memcg *m;
	long done = 0;
	int err = 0;

	if (nr <= 0)
		return 0;
	m = task_memcg_get(t);
	while (!err && done < nr) {
		struct oom_charge c = { t, nr, done, NULL };
		int k = batch_size(m, nr - done, done), n;

		err = memcg_charge_part(m, k, &c);
		if (err)
			break;
		pthread_mutex_lock(&t->lock);
		n = add_pages(t, m, k, &err);
		pthread_mutex_unlock(&t->lock);
		if (n < k)
			memcg_uncharge(m, k - n, true, true);
		done += n;
	}
	memcg_count_event(m, MEMCG_PGFAULT, done);
	if (err && done)
		anon_free(t, done);
	memcg_put(m);
	return err;
}

long anon_free(struct task *t, long nr)
{
	uint32_t batch[ADD_BATCH], words[ADD_BATCH];
	long freed = 0;

	pthread_mutex_lock(&t->lock);
	while (t->nr_anon && (nr < 0 || freed < nr)) {
		long swapped = 0, resident = 0;
		int k = 0;

		/* The newest pages first, a batch at a time. */
		while (k < ADD_BATCH && k < (long)t->nr_anon &&
		       (nr < 0 || freed + k < nr)) {
			uint32_t pos = t->nr_anon - 1 - (uint32_t)k;
			uint32_t first = block_first_page(t->anon_blocks[pos / BLOCK_PAGES]);

			/* down to the start of this block in one go */
			for (uint32_t s = pos % BLOCK_PAGES + 1; s-- &&
			     k < ADD_BATCH && (nr < 0 || freed + k < nr);)
				batch[k++] = first + s;
		}
		pages_remove(batch, k, words);
		for (int i = 0; i < k; i++) {
			if (words[i] & PG_SWAPPED)
				swapped++;
			else if (words[i])
				resident++;
		}
		atomic_fetch_sub(&t->nr_swap, swapped);
		atomic_fetch_sub(&t->nr_resident, resident);
		t->nr_anon -= (uint32_t)k;
		freed += k;
		while (t->nr_anon_blocks >
		       (t->nr_anon + BLOCK_PAGES - 1) / BLOCK_PAGES)
			block_free(t->anon_blocks[--t->nr_anon_blocks]);
	}
	pthread_mutex_unlock(&t->lock);
	return freed;
}

long anon_swap_out(uint32_t idx)
{
	struct memcg *m = page_lock_memcg(idx);
	struct task *t;
	uint32_t word;

	if (!m)
		return 0;
	word = page_word(idx);
	if (pg_kind(word) != PAGE_ANON || !(word & PG_ISOLATED)) {
		pthread_mutex_unlock(&m->lruvec.lock);
		return 0;
	}
	if (!memcg_swap_try_get(1)) {
		page_change_locked(m, idx, 0, PG_ISOLATED);	/* back on the LRU */
		pthread_mutex_unlock(&m->lruvec.lock);
		return 0;
	}
	page_swap_out_locked(m, idx, PG_ISOLATED);
	/* The page is still the task's while its LRU lock is held: freeing
	 * it would take the same lock. */
	t = page_block_of(idx)->owner;
	atomic_fetch_sub(&t->nr_resident, 1);
	atomic_fetch_add(&t->nr_swap, 1);
	pthread_mutex_unlock(&m->lruvec.lock);
	return 1;
}

long anon_task_pages(struct task *t)
{
	return atomic_load(&t->nr_resident) + atomic_load(&t->nr_swap);
}

/* ---- checkpoint (checkpoint.h) ------------------------------------------ */

void anon_save(struct ckpt_save *s, struct task *t)
{
	struct ckpt_run run = { 0 };

	pthread_mutex_lock(&t->lock);
	for (uint32_t pos = 0; pos < t->nr_anon; pos++) {
		uint32_t idx = anon_position_page(t, pos);

		ckpt_run_add(s, &run, 'a', ckpt_owner_of(s, idx),
			     ckpt_flags(page_word(idx)), pos);
	}
	ckpt_run_end(s, &run, 'a');
	pthread_mutex_unlock(&t->lock);
}

/* Under t->lock: the next nr positions, pages of m in state flags (none
 * for a free frame), charged as restore charges. */
static int restore_pages(struct task *t, struct memcg *m, uint32_t flags,
			 long nr)
{
	uint32_t batch[ADD_BATCH];
	bool free_frame = pg_kind(flags) == PAGE_FREE;
	bool swapped = flags & PG_SWAPPED;
	int err = 0;

	while (!err && nr > 0) {
		int k = 0;

		while (k < ADD_BATCH && k < nr &&
		       !(err = grow_blocks(t, t->nr_anon)))
			batch[k++] = anon_position_page(t, t->nr_anon++);
		nr -= k;
		if (free_frame)
			continue;
		ckpt_add_pages(m, batch, k, flags);
		atomic_fetch_add(swapped ? &t->nr_swap : &t->nr_resident, k);
	}
	return err;
}

int anon_restore(struct ckpt_restore *c, const struct ckpt_record *r)
{
	uint32_t flags = (uint32_t)r->num[1] &
			 (PG_KIND_MASK | PG_ACTIVE | PG_SWAPPED | PG_UNEVICTABLE);
	struct memcg *m;
	int err;

	if (r->nr != 3 || (pg_kind(flags) != PAGE_ANON &&
			   pg_kind(flags) != PAGE_FREE) ||
	    r->num[2] > UINT32_MAX / 2)
		return -EINVAL;
	if (!c->task)
		return 0;	/* its task is gone: as if it exited */
	m = ckpt_group(c, r->num[0]);
	pthread_mutex_lock(&c->task->lock);
	err = c->task->nr_anon + r->num[2] > UINT32_MAX / 2 ? -EINVAL :
	      restore_pages(c->task, m, flags, (long)r->num[2]);
	pthread_mutex_unlock(&c->task->lock);
	memcg_put(m);
	return err;
}
