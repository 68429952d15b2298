/* Socket-buffer memory; see sock.h.
 *
 * A task's charges are a list of runs, oldest first, each the pages
 * charged through one memcg_ptr (which holds a reference per run): a task
 * that moved has a run per group it charged in, and a removed group's
 * runs follow its pointer to the parent (O(1) reparenting via memcg_ptr),
 * so an uncharge always reaches the counters that hold the charge. */
#include "sock.h"

#include <errno.h>
#include <stdlib.h>

#include "lib/vec.h"
#include "ckpt_impl.h"
#include "memcg_impl.h"
#include "task.h"

struct sock_charge {
	struct memcg_ptr *ptr;
	long pages;
};

/* The tcp counter of the group p points at: a charge or an uncharge of
 * nr pages (nr < 0), under RCU since removal may swing p meanwhile. */
static bool ptr_charge(struct memcg_ptr *p, long nr)
{
	struct page_counter *fail;
	struct memcg *m;
	bool ok = true;

	memcg_rcu_read_lock();
	m = rcu_dereference(p->memcg);
	if (nr > 0)
		ok = page_counter_try_charge(&m->res[MEMCG_RES_TCP], nr, &fail);
	else
		page_counter_uncharge(&m->res[MEMCG_RES_TCP], -nr);
	memcg_rcu_read_unlock();
	return ok;
}

/* Under t->lock: nr pages charged through p join the newest run (which
 * then keeps its one reference: p's is put) or start a new one. */
static int record(struct task *t, struct memcg_ptr *p, long nr)
{
	struct sock_charge *last = t->nr_sock ? &t->sock[t->nr_sock - 1] : NULL;

	if (last && last->ptr == p) {
		last->pages += nr;
		memcg_ptr_put(p, 1);
		return 0;
	}
	if (!VEC_GROW(t->sock, t->nr_sock, t->cap_sock))
		return -ENOMEM;
	t->sock[t->nr_sock++] = (struct sock_charge){ p, nr };
	return 0;
}

int sock_charge(struct task *t, long nr)
{
	struct memcg *m;
	struct memcg_ptr *p;
	int err = 0;

	if (nr <= 0)
		return 0;
	m = task_memcg_get(t);
	p = memcg_ptr_get(m, false, 1);
	memcg_put(m);
	pthread_mutex_lock(&t->lock);
	if (atomic_load(&t->exited))
		err = -ESRCH;
	else if (!ptr_charge(p, nr))
		err = -ENOMEM;	/* a tcp limit: no reclaim, no OOM */
	else if ((err = record(t, p, nr)))
		ptr_charge(p, -nr);
	if (err)
		memcg_ptr_put(p, 1);
	pthread_mutex_unlock(&t->lock);
	return err;
}

long sock_free(struct task *t, long nr)
{
	long freed = 0;

	pthread_mutex_lock(&t->lock);
	while (t->nr_sock && (nr < 0 || freed < nr)) {
		struct sock_charge *c = &t->sock[t->nr_sock - 1];
		long k = nr < 0 || c->pages <= nr - freed ? c->pages : nr - freed;

		ptr_charge(c->ptr, -k);
		c->pages -= k;
		freed += k;
		if (!c->pages)
			memcg_ptr_put(t->sock[--t->nr_sock].ptr, 1);
	}
	pthread_mutex_unlock(&t->lock);
	return freed;
}

void sock_task_exit(struct task *t)
{
	sock_free(t, -1);
}

void sock_task_release(struct task *t)
{
	free(t->sock);
}

/* ---- checkpoint (checkpoint.h) ------------------------------------------ */

void sock_save(struct ckpt_save *s, struct task *t)
{
	pthread_mutex_lock(&t->lock);
	for (size_t i = 0; i < t->nr_sock; i++) {
		uint64_t owner;

		memcg_rcu_read_lock();
		owner = ckpt_group_id(s, rcu_dereference(t->sock[i].ptr->memcg));
		memcg_rcu_read_unlock();
		ckpt_emit(s, 'k', NULL, 2, owner, (uint64_t)t->sock[i].pages);
	}
	pthread_mutex_unlock(&t->lock);
}

int sock_restore(struct ckpt_restore *c, const struct ckpt_record *r)
{
	struct memcg_ptr *p;
	struct memcg *m;
	long nr = (long)r->num[1];
	int err;

	if (r->nr != 2 || r->num[1] == 0 || r->num[1] > (uint64_t)memcg_max_pages())
		return -EINVAL;
	if (!c->task)
		return 0;
	m = ckpt_group(c, r->num[0]);
	p = memcg_ptr_get(m, false, 1);
	memcg_put(m);
	pthread_mutex_lock(&c->task->lock);
	memcg_rcu_read_lock();
	page_counter_charge(&rcu_dereference(p->memcg)->res[MEMCG_RES_TCP], nr);
	memcg_rcu_read_unlock();
	err = record(c->task, p, nr);
	if (err)
		ptr_charge(p, -nr);
	pthread_mutex_unlock(&c->task->lock);
	if (err)
		memcg_ptr_put(p, 1);
	return err;
}
