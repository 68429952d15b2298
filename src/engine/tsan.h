/* ThreadSanitizer annotations for RCU.  Compiled to nothing unless the
 * build is under TSan (-fsanitize=thread); included by rcu.h before any
 * other liburcu header, and nowhere else.
 *
 * liburcu 0.13 orders memory with volatile accesses, its own fences and
 * membarrier(2), none of which TSan models, so it sees neither RCU
 * publication (an object initialised, then linked with rcu_assign_pointer,
 * read through rcu_dereference) nor reclamation (an object freed by a
 * call_rcu callback a grace period after its last reader) and reports
 * both as races.  Under TSan:
 *  - liburcu's inline shared accesses (CMM_LOAD_SHARED, CMM_STORE_SHARED,
 *    so also rcu_assign_pointer and cds_list_*_rcu) become C11 acquire
 *    loads and release stores, which is what its fences give on the
 *    hardware; rcu_dereference already is an acquire (consume) load;
 *  - what liburcu does inside the library (the lock-free hash table's
 *    links, call_rcu's queue, the grace period) is stated with
 *    memcg_tsan_release() / memcg_tsan_acquire() at the points rcu.h
 *    names: publication and lookup of a hash node, call_rcu and its
 *    callback, the end of every read section and the grace period.
 * The library itself is not instrumented; tests/stress/tsan.supp keeps
 * only suppressions inside it. */
#ifndef MEMCG_TSAN_H
#define MEMCG_TSAN_H

#if defined(__SANITIZE_THREAD__)
#define MEMCG_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define MEMCG_TSAN 1
#endif
#endif

#ifdef MEMCG_TSAN
#include <urcu/compiler.h>
#include <urcu/system.h>

#undef _CMM_LOAD_SHARED
#undef _CMM_STORE_SHARED
#define _CMM_LOAD_SHARED(p) __atomic_load_n(&(p), __ATOMIC_ACQUIRE)
#define _CMM_STORE_SHARED(x, v)						\
	__extension__ ({						\
		__typeof__(x) _memcg_v = (v);				\
		__atomic_store_n(&(x), _memcg_v, __ATOMIC_RELEASE);	\
		_memcg_v;						\
	})

void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
#define memcg_tsan_acquire(addr) __tsan_acquire((void *)(addr))
#define memcg_tsan_release(addr) __tsan_release((void *)(addr))
#else
#define memcg_tsan_acquire(addr) ((void)0)
#define memcg_tsan_release(addr) ((void)0)
#endif

#endif
