/* Lazy liburcu thread registration; see rcu.h. */
#include "rcu.h"

#include <pthread.h>

__thread int memcg_rcu_registered;

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
