/* RCU for the engine: liburcu's memb flavour.  The engine's one door to
 * liburcu: include this, never <urcu/...> (tsan.h must come first).
 *
 * Threads the engine runs on are created by others (libfuse's workers, the
 * tests), so each registers itself lazily on first use:
 * memcg_rcu_read_lock() is cheap after the first call, and a pthread key
 * unregisters the thread when it exits.  Which locks a read section may
 * take: src/engine/LOCKING. */
#ifndef MEMCG_RCU_H
#define MEMCG_RCU_H

/* Inline read-side primitives: a read lock is a few instructions, not a
 * library call, on the per-page paths. */
#ifndef _LGPL_SOURCE
#define _LGPL_SOURCE
#endif
#include "tsan.h"
#include <urcu/urcu-memb.h>
#include <urcu/rculist.h>
#include <urcu/rculfhash.h>

void memcg_rcu_register_thread(void);

extern __thread int memcg_rcu_registered;

/* Under TSan: every read section ends with a release here, and every
 * callback starts with an acquire of it, which is the grace period (a
 * callback runs after every read section that could see its object). */
extern char memcg_rcu_grace;

static inline void memcg_rcu_read_lock(void)
{
	if (!memcg_rcu_registered)
		memcg_rcu_register_thread();
	urcu_memb_read_lock();
}

static inline void memcg_rcu_read_unlock(void)
{
	memcg_tsan_release(&memcg_rcu_grace);
	urcu_memb_read_unlock();
}

/* What objects freed after a grace period embed, and what their callbacks
 * get (a struct rcu_head outside TSan).  Under TSan it also carries the
 * callback, so that the trampoline can say what the library
 * does out of sight: the caller's writes come before the callback, and so
 * does the grace period. */
#ifdef MEMCG_TSAN
struct memcg_rcu_head {
	struct rcu_head head;	/* first: callbacks get &head, at offset 0 */
	void (*fn)(struct memcg_rcu_head *);
};
void memcg_rcu_trampoline(struct rcu_head *head);
#else
#define memcg_rcu_head rcu_head
#endif

/* Run fn(head) after a grace period. */
static inline void memcg_call_rcu(struct memcg_rcu_head *head,
				  void (*fn)(struct memcg_rcu_head *))
{
	if (!memcg_rcu_registered)
		memcg_rcu_register_thread();
#ifdef MEMCG_TSAN
	head->fn = fn;
	memcg_tsan_release(head);
	urcu_memb_call_rcu(&head->head, memcg_rcu_trampoline);
#else
	urcu_memb_call_rcu(head, fn);
#endif
}

/* Wait for every callback queued so far to have run (a quiescent engine
 * at exit). */
void memcg_rcu_barrier(void);

/* The lock-free hash table links and finds nodes inside the library: a
 * node is released when added and acquired when found (by a lookup, an
 * iteration, or the match function a lookup calls). */
static inline struct cds_lfht_node *memcg_lfht_found(struct cds_lfht_node *node)
{
	if (node)
		memcg_tsan_acquire(node);
	return node;
}

static inline void memcg_lfht_add(struct cds_lfht *ht, unsigned long hash,
				  struct cds_lfht_node *node)
{
	memcg_tsan_release(node);
	cds_lfht_add(ht, hash, node);
}

static inline struct cds_lfht_node *
memcg_lfht_add_unique(struct cds_lfht *ht, unsigned long hash,
		      cds_lfht_match_fct match, const void *key,
		      struct cds_lfht_node *node)
{
	memcg_tsan_release(node);
	return memcg_lfht_found(cds_lfht_add_unique(ht, hash, match, key, node));
}

static inline struct cds_lfht_node *memcg_lfht_node(struct cds_lfht_iter *iter)
{
	return memcg_lfht_found(cds_lfht_iter_get_node(iter));
}

#define memcg_lfht_for_each(ht, iter, node)				\
	for (cds_lfht_first(ht, iter), node = memcg_lfht_node(iter);	\
	     node; cds_lfht_next(ht, iter), node = memcg_lfht_node(iter))

/* Remove every node of *ht, hand each to free_node, destroy the table and
 * clear *ht.  For a quiescent engine only (exit): no reader is left. */
void memcg_lfht_destroy_all(struct cds_lfht **ht,
			    void (*free_node)(struct cds_lfht_node *node));

#endif
