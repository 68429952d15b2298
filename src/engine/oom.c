/* OOM handling; see oom.h. */
#include "oom.h"

#include <errno.h>

#include "event.h"
#include "memcg_impl.h"
#include "rcu.h"
#include "task.h"

static void (*kill_hook)(pid_t tgid);

void memcg_set_oom_kill_hook(void (*fn)(pid_t tgid))
{
	kill_hook = fn;
}

struct victim_search {
	const struct oom_charge *c;
	struct task *best;
	long best_score;
	long killable;		/* every task's score: what kills could free */
};

static int consider_group(struct memcg *m, void *arg)
{
	struct victim_search *vs = arg;
	struct task *t;

	cds_list_for_each_entry(t, &m->tasks, memcg_node) {
		long score = task_oom_score(t);

		vs->killable += score;
		if (t == vs->c->self)
			score -= vs->c->done;
		if (score > vs->best_score) {
			vs->best = t;
			vs->best_score = score;
		}
	}
	return 0;
}

/* The task with the most anon+swap in m's subtree, referenced, or NULL;
 * *killable gets what all its tasks hold. */
static struct task *choose_victim(struct memcg *m, const struct oom_charge *c,
				  long *killable)
{
	struct victim_search vs = { c, NULL, 0, 0 };

	memcg_tree_lock();
	memcg_walk_subtree(m, consider_group, &vs);
	if (vs.best)
		task_get(vs.best);
	memcg_tree_unlock();
	*killable = vs.killable;
	return vs.best;
}

/* In the victim's own group only: cgroup v1 does not propagate memory
 * events to ancestors (the kernel's memcg_memory_event stops at once off
 * the default hierarchy). */
static void count_kill(struct task *victim)
{
	memcg_rcu_read_lock();
	atomic_fetch_add(&rcu_dereference(victim->memcg)->oom_kill, 1);
	memcg_rcu_read_unlock();
}

int memcg_oom(struct memcg *over, enum memcg_res res,
	      struct page_counter *fail, const struct oom_charge *c)
{
	struct memcg *scope = over ? over : memcg_root();
	struct task *victim;
	long killable;

	if (over && atomic_load(&over->oom_kill_disable)) {
		atomic_store(&over->oom_need, c->need);
		atomic_store(&over->oom_res, (int)res);
		/* Entering OOM is news; staying in it, charge after charge,
		 * is not. */
		if (!atomic_exchange(&over->under_oom, 1))
			memcg_events_oom(over);
		return -ENOMEM;
	}
	memcg_events_oom(scope);
	victim = choose_victim(scope, c, &killable);
	if (!victim)
		return -ENOMEM;
	if (page_counter_read(fail) - killable + c->need > page_counter_limit(fail)) {
		task_put(victim);
		return -ENOMEM;
	}
	atomic_store(&victim->oom_victim, true);
	if (memcg_config()->oom_mode == MEMCG_OOM_KILL && kill_hook)
		kill_hook(victim->tgid);
	task_oom_free(victim);
	count_kill(victim);
	task_put(victim);
	return victim == c->self ? -ENOMEM : 0;
}

bool memcg_under_oom(struct memcg *m)
{
	struct page_counter *c;

	if (!atomic_load(&m->under_oom))
		return false;
	c = &m->res[atomic_load(&m->oom_res)];
	if (page_counter_read(c) + atomic_load(&m->oom_need) <=
	    page_counter_limit(c)) {
		atomic_store(&m->under_oom, 0);
		return false;
	}
	return true;
}

long memcg_oom_kills(struct memcg *m)
{
	return atomic_load(&m->oom_kill);
}
