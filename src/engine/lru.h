/* Per-group LRU lists: the mechanism reclaim.c's policy works on.
 *
 * Each group has four lists of its resident pages, oldest at the head,
 * linked through the frames' 32-bit links under the group's LRU lock. */
#ifndef MEMCG_LRU_H
#define MEMCG_LRU_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct memcg;

/* In the order of the matching memory.stat items. */
enum lru_list {
	LRU_INACTIVE_ANON,
	LRU_ACTIVE_ANON,
	LRU_INACTIVE_FILE,
	LRU_ACTIVE_FILE,
	NR_LRU_LISTS,
};

struct lru_head {
	uint32_t head, tail;
};

struct lruvec {
	pthread_mutex_t lock;
	struct lru_head lists[NR_LRU_LISTS];
};

void lruvec_init(struct lruvec *lv);
void lruvec_destroy(struct lruvec *lv);

/* Under m's LRU lock: put page idx at the tail (newest) of list, or take
 * it off its list.  Links only: the LRU size statistics follow the page's
 * state word (charge.c). */
void lru_add(struct memcg *m, enum lru_list list, uint32_t idx);
void lru_del(struct memcg *m, enum lru_list list, uint32_t idx);
/* lru_add of idx[0..nr), in that order. */
void lru_add_many(struct memcg *m, enum lru_list list, const uint32_t *idx,
		  long nr);
/* The list a resident page is on, from its flags (page.h's bits). */
static inline enum lru_list lru_list_of(uint32_t word)
{
	bool active = word & 0x04u;		/* PG_ACTIVE */
	/* PAGE_ANON, or PG_SHMEM: swap-backed pages live on the anon lists */
	bool anon = (word & 0x03u) == 1u || (word & 0x20u);

	return (enum lru_list)((anon ? LRU_INACTIVE_ANON : LRU_INACTIVE_FILE) +
			       active);
}

/* Under both LRU locks: move every page of child's lists to the tail of
 * parent's (O(1) per list). */
void lru_splice(struct memcg *child, struct memcg *parent);

#endif
