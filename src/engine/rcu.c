/* Lazy liburcu thread registration, and the TSan view of callbacks; see
 * rcu.h and tsan.h. */
#include "rcu.h"

#include <pthread.h>

__thread int memcg_rcu_registered;
char memcg_rcu_grace;

static pthread_key_t unregister_key;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;

static void unregister_thread(void *unused)
{
	(void)unused;
	urcu_memb_unregister_thread();
	memcg_rcu_registered = 0;
}

static void make_key(void)
{
	pthread_key_create(&unregister_key, unregister_thread);
}

void memcg_rcu_register_thread(void)
{
	pthread_once(&key_once, make_key);
	urcu_memb_register_thread();
	memcg_rcu_registered = 1;
	/* Any non-NULL value makes the destructor run at thread exit. */
	pthread_setspecific(unregister_key, &memcg_rcu_registered);
}

#ifdef MEMCG_TSAN
/* Released by every callback when it is done, acquired by the barrier. */
static char reclaimed;

void memcg_rcu_trampoline(struct rcu_head *head)
{
	struct memcg_rcu_head *h = caa_container_of(head, struct memcg_rcu_head,
						    head);

	memcg_tsan_acquire(h);			/* what the caller did first */
	memcg_tsan_acquire(&memcg_rcu_grace);	/* every reader that saw it */
	h->fn(h);
	memcg_tsan_release(&reclaimed);
}
#endif

void memcg_rcu_barrier(void)
{
	if (!memcg_rcu_registered)
		memcg_rcu_register_thread();
	urcu_memb_barrier();
	memcg_tsan_acquire(&reclaimed);
}

void memcg_lfht_destroy_all(struct cds_lfht **ht,
			    void (*free_node)(struct cds_lfht_node *node))
{
	struct cds_lfht_iter iter;
	struct cds_lfht_node *node;

	if (!*ht)
		return;
	memcg_rcu_read_lock();
	memcg_lfht_for_each(*ht, &iter, node) {
		cds_lfht_del(*ht, node);
		free_node(node);
	}
	memcg_rcu_read_unlock();
	cds_lfht_destroy(*ht, NULL);
	*ht = NULL;
}
