/* Task membership; see task.h. */
#include "task.h"

#include <errno.h>
#include <stdlib.h>

#include "lib/refcount.h"
#include "lib/vec.h"
#include "lib/pids.h"
#include "memcg_impl.h"
#include "rcu.h"
#include "version.h"

static struct cds_lfht *task_table;
static struct task_pages_ops kind_ops[PAGE_NR_KINDS];

void task_register_pages(enum page_kind kind, const struct task_pages_ops *ops)
{
	kind_ops[kind] = *ops;
}

long task_oom_score(struct task *t)
{
	long score = 0;

	for (int k = 0; k < PAGE_NR_KINDS; k++)
		if (kind_ops[k].oom_pages)
			score += kind_ops[k].oom_pages(t);
	return score;
}

void task_oom_free(struct task *t)
{
	for (int k = 0; k < PAGE_NR_KINDS; k++)
		if (kind_ops[k].oom_free)
			kind_ops[k].oom_free(t);
}

static unsigned long hash_tid(pid_t tid)
{
	return (unsigned long)tid * 0x9e3779b97f4a7c15ULL;
}

static int match_tid(struct cds_lfht_node *node, const void *key)
{
	const struct task *t = caa_container_of(memcg_lfht_found(node),
						struct task, node);

	return t->tid == *(const pid_t *)key;
}

int task_table_init(void)
{
	task_table = cds_lfht_new_flavor(256, 256, 0,
				  CDS_LFHT_AUTO_RESIZE | CDS_LFHT_ACCOUNTING,
				  &urcu_memb_flavor, NULL);
	return task_table ? 0 : -ENOMEM;
}

/* Under RCU. */
static struct task *task_lookup(pid_t tid)
{
	struct cds_lfht_iter iter;
	struct cds_lfht_node *node;

	cds_lfht_lookup(task_table, hash_tid(tid), match_tid, &tid, &iter);
	node = memcg_lfht_node(&iter);
	return node ? caa_container_of(node, struct task, node) : NULL;
}

static void task_free_rcu(struct memcg_rcu_head *head)
{
	struct task *t = caa_container_of(head, struct task, rcu);

	pthread_mutex_destroy(&t->lock);
	free(t->anon_blocks);
	for (int k = 0; k < PAGE_NR_KINDS; k++)
		if (kind_ops[k].release)
			kind_ops[k].release(t);
	free(t);
}

void task_get(struct task *t)
{
	atomic_fetch_add(&t->refcnt, 1);
}

void task_put(struct task *t)
{
	if (atomic_fetch_sub(&t->refcnt, 1) == 1)
		memcg_call_rcu(&t->rcu, task_free_rcu);
}

struct memcg *task_memcg_get(struct task *t)
{
	struct memcg *m;

	/* Moves happen under the tree lock, and a group with tasks is never
	 * removed, so the group read here is online and safe to hold. */
	memcg_tree_lock();
	m = t->memcg;
	memcg_get(m);
	memcg_tree_unlock();
	return m;
}

/* Under the tree lock: take t out of its group. */
static void task_leave(struct task *t)
{
	struct memcg *from = t->memcg;

	cds_list_del(&t->memcg_node);
	from->nr_tasks--;
	memcg_check_release(from);
	memcg_put(from);
	memcg_version_bump();
}

static void task_join(struct task *t, struct memcg *to)
{
	memcg_get(to);
	rcu_assign_pointer(t->memcg, to);
	cds_list_add_tail(&t->memcg_node, &to->tasks);
	to->nr_tasks++;
	memcg_version_bump();
}

/* Under the tree lock: a new record for tid in group m, in the table. */
static struct task *task_new(pid_t tid, pid_t tgid, struct memcg *m)
{
	struct task *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->tid = tid;
	t->tgid = tgid;
	atomic_init(&t->refcnt, 1);	/* the table's */
	pthread_mutex_init(&t->lock, NULL);
	task_join(t, m);
	memcg_rcu_read_lock();
	memcg_lfht_add(task_table, hash_tid(tid), &t->node);
	memcg_rcu_read_unlock();
	return t;
}

int task_move(pid_t tid, pid_t tgid, struct memcg *to)
{
	struct task *t;
	int err = 0;

	memcg_tree_lock();
	if (!memcg_online(to)) {
		err = -ENOENT;
		goto out;
	}
	memcg_rcu_read_lock();
	t = task_lookup(tid);
	memcg_rcu_read_unlock();
	if (!t) {
		if (!task_new(tid, tgid, to))
			err = -ENOMEM;
	} else if (t->memcg != to) {
		task_leave(t);
		task_join(t, to);
	}
out:
	memcg_tree_unlock();
	return err;
}

struct task *task_get_or_create(pid_t tid, pid_t tgid)
{
	struct task *t;

	memcg_tree_lock();
	memcg_rcu_read_lock();
	t = task_lookup(tid);
	memcg_rcu_read_unlock();
	if (!t)
		t = task_new(tid, tgid, memcg_root());
	if (t)
		task_get(t);
	memcg_tree_unlock();
	return t;
}

/* What a task leaves behind when it goes: each page kind's exit runs
 * (anon and swap freed, mappings dropped).  Not under the tree lock
 * (freeing takes LRU and file locks). */
static void task_release(struct task *t)
{
	pthread_mutex_lock(&t->lock);
	atomic_store(&t->exited, true);
	pthread_mutex_unlock(&t->lock);
	for (int k = 0; k < PAGE_NR_KINDS; k++)
		if (kind_ops[k].exit)
			kind_ops[k].exit(t);
	task_put(t);	/* the table's */
}

void task_exit(pid_t tid)
{
	struct task *t;

	memcg_tree_lock();
	memcg_rcu_read_lock();
	t = task_lookup(tid);
	if (t)
		cds_lfht_del(task_table, &t->node);
	memcg_rcu_read_unlock();
	if (t)
		task_leave(t);
	memcg_tree_unlock();
	if (t)
		task_release(t);
}

struct memcg *task_group_get(pid_t tid)
{
	struct memcg *m = NULL;
	struct task *t;

	memcg_tree_lock();
	memcg_rcu_read_lock();
	t = task_lookup(tid);
	memcg_rcu_read_unlock();
	if (t && !memcg_is_root(t->memcg)) {
		m = t->memcg;
		memcg_get(m);
	}
	memcg_tree_unlock();
	return m;
}

bool task_in_child_group(pid_t tid)
{
	struct task *t;
	bool in_child;

	memcg_rcu_read_lock();
	t = task_lookup(tid);
	in_child = t && !memcg_is_root(rcu_dereference(t->memcg));
	memcg_rcu_read_unlock();
	return in_child;
}

bool task_known(pid_t tid)
{
	bool known;

	memcg_rcu_read_lock();
	known = task_lookup(tid) != NULL;
	memcg_rcu_read_unlock();
	return known;
}

struct task *task_find_get(pid_t tid)
{
	struct task *t;

	memcg_tree_lock();
	memcg_rcu_read_lock();
	t = task_lookup(tid);
	memcg_rcu_read_unlock();
	if (t)
		task_get(t);
	memcg_tree_unlock();
	return t;
}

void task_for_each(void (*fn)(struct task *t, void *arg), void *arg)
{
	VEC(struct task *) all = VEC_INIT;
	struct cds_lfht_iter iter;
	struct cds_lfht_node *node;

	memcg_rcu_read_lock();
	memcg_lfht_for_each(task_table, &iter, node) {
		struct task *t = caa_container_of(node, struct task, node);
		struct task **slot;

		if (!refcount_tryget(&t->refcnt, 1))	/* under RCU */
			continue;
		slot = VEC_PUSH(&all);
		if (!slot) {
			task_put(t);
			break;
		}
		*slot = t;
	}
	memcg_rcu_read_unlock();
	for (size_t i = 0; i < all.nr; i++) {
		fn(all.v[i], arg);
		task_put(all.v[i]);
	}
	free(all.v);
}

long memcg_task_ids(struct memcg *m, bool procs, pid_t **out)
{
	struct task *t;
	pid_t *ids;
	long n = 0;

	memcg_tree_lock();
	ids = malloc(sizeof(*ids) * (size_t)(m->nr_tasks ? m->nr_tasks : 1));
	if (!ids) {
		memcg_tree_unlock();
		return -ENOMEM;
	}
	cds_list_for_each_entry(t, &m->tasks, memcg_node)
		ids[n++] = procs ? t->tgid : t->tid;
	memcg_tree_unlock();
	*out = ids;
	return pids_sort_unique(ids, n);
}

struct member_set {
	struct task **tasks;
	long nr;
	size_t cap;
};

static int collect_members(struct memcg *m, void *arg)
{
	struct member_set *set = arg;
	struct task *t;

	if (memcg_is_root(m))
		return 0;
	cds_list_for_each_entry(t, &m->tasks, memcg_node) {
		if (!VEC_GROW(set->tasks, set->nr, set->cap))
			return 1;
		task_get(t);
		set->tasks[set->nr++] = t;
	}
	return 0;
}

long task_collect_members(struct task ***out)
{
	struct member_set set = { NULL, 0, 0 };
	int stopped;

	memcg_tree_lock();
	stopped = memcg_walk_subtree(memcg_root(), collect_members, &set);
	memcg_tree_unlock();
	if (stopped) {
		while (set.nr)
			task_put(set.tasks[--set.nr]);
		free(set.tasks);
		return -ENOMEM;
	}
	*out = set.tasks;
	return set.nr;
}

void task_table_exit(void)
{
	struct cds_lfht_iter iter;
	struct cds_lfht_node *node;

	/* Each task goes as if it exited, so its pages are uncharged. */
	for (;;) {
		struct task *t = NULL;

		memcg_rcu_read_lock();
		cds_lfht_first(task_table, &iter);
		node = memcg_lfht_node(&iter);
		if (node) {
			t = caa_container_of(node, struct task, node);
			task_exit(t->tid);
		}
		memcg_rcu_read_unlock();
		if (!node)
			break;
	}
	memcg_rcu_barrier();
	cds_lfht_destroy(task_table, NULL);
	task_table = NULL;
}
