/* Charging pages to groups, and the life of a charged page.
 *
 * A page's state is its owner word (page.h): which memcg_ptr, what kind,
 * active or not, swapped or mapped, isolated by reclaim.  Statistics and
 * LRU membership follow from that word alone, so every change of state is
 * "unaccount the old word, change it, account the new one" under the
 * owning group's LRU lock. */
#ifndef MEMCG_CHARGE_H
#define MEMCG_CHARGE_H

#include <stdbool.h>
#include <stdint.h>

struct memcg;
struct task;

/* Charging itself, with its reclaim and OOM retries, is memcg_charge()
 * in reclaim.h. */

/* Whether a page in state word is on its group's LRU lists: resident
 * anon or file, neither isolated nor unevictable. */
bool page_on_lru(uint32_t word);

/* Undo charges: memory and/or memsw, from m up. */
void memcg_uncharge(struct memcg *m, long nr, bool memory, bool memsw);

/* Make the frames in idx[0..nr) pages of m in state flags (kind and
 * flags, no owner), charged already: linked on m's LRU and counted.  If m
 * has been removed meanwhile, its nearest live ancestor takes them. */
void pages_add(struct memcg *m, const uint32_t *idx, long nr, uint32_t flags);

/* Free page idx: off its LRU, uncounted, uncharged (memory if resident,
 * memsw always), its frame free.  Returns the old owner word, 0 if the
 * frame was already free. */
uint32_t page_remove(uint32_t idx);

/* page_remove for many pages at once (a run of pages of one group is
 * settled under one lock); words[i] gets each old word. */
long pages_remove(const uint32_t *idx, long nr, uint32_t *words);

/* Change page idx's flags (relinking it on the LRU as needed).  Returns
 * the old word, or 0 for a free frame.  If expect is non-zero, changes
 * only when all the expect bits are set, else returns 0. */
uint32_t page_change(uint32_t idx, uint32_t set, uint32_t clear,
		     uint32_t expect);

/* The same with m's LRU lock already held and m the owner. */
void page_change_locked(struct memcg *m, uint32_t idx, uint32_t set,
			uint32_t clear);

/* Give page idx of group from to group to as word (same state, to's
 * memcg_ptr), with both LRU locks held: the LRU follows, the statistics
 * changes are added to the deltas (indexed by memory.stat item) for
 * memcg_apply_stat_delta() under the same locks.  The caller moves the
 * counters and the memcg_ptr references. */
void page_move_locked(struct memcg *from, struct memcg *to, uint32_t idx,
		      uint32_t word, long *from_delta, long *to_delta);
void memcg_apply_stat_delta(struct memcg *m, long *delta);

/* Page idx of m (m's LRU lock held), anon, goes to swap: off its LRU,
 * counted as swap, memory uncharged and memsw kept (the page lives in
 * swap now), clear cleared too.  The caller has taken the swap space. */
void page_swap_out_locked(struct memcg *m, uint32_t idx, uint32_t clear);

/* Swapped anon page idx comes back in (active, as the kernel's swap-in):
 * the caller has charged memory and memsw to its group for the new page,
 * as a fault; the swap entry's memsw charge and swap space go. */
void page_swap_in(uint32_t idx);

/* Count an event (pgfault, refault, ...) on the group that owns a charge:
 * m's nearest live group. */
void memcg_count_event(struct memcg *m, int item, long nr);

/* Restore: set m's local statistic to value, its ancestors' totals
 * following (an event count a restart must not lose). */
void memcg_stat_restore(struct memcg *m, int item, long value);

#endif
