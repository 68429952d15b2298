/* RCU for the engine: liburcu's memb flavour.
 *
 * Threads the engine runs on are created by others (libfuse's workers, the
 * tests), so each registers itself lazily on first use: memcg_rcu_enter()
 * is cheap after the first call, and a pthread key unregisters the thread
 * when it exits. */
#ifndef MEMCG_RCU_H
#define MEMCG_RCU_H

/* Inline read-side primitives: a read lock is a few instructions, not a
 * library call, on the per-page paths. */
#ifndef _LGPL_SOURCE
#define _LGPL_SOURCE
#endif
#include <urcu/urcu-memb.h>
#include <urcu/rculist.h>

void memcg_rcu_register_thread(void);

extern __thread int memcg_rcu_registered;

static inline void memcg_rcu_read_lock(void)
{
	if (!memcg_rcu_registered)
		memcg_rcu_register_thread();
	urcu_memb_read_lock();
}

static inline void memcg_rcu_read_unlock(void)
{
	urcu_memb_read_unlock();
}

/* Free p->member's container after a grace period. */
static inline void memcg_call_rcu(struct rcu_head *head,
				  void (*fn)(struct rcu_head *))
{
	if (!memcg_rcu_registered)
		memcg_rcu_register_thread();
	urcu_memb_call_rcu(head, fn);
}

static inline void memcg_synchronize_rcu(void)
{
	if (!memcg_rcu_registered)
		memcg_rcu_register_thread();
	urcu_memb_synchronize_rcu();
}

#endif
