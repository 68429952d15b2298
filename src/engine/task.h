/* Tasks: which group each host thread belongs to.
 *
 * Every live host thread belongs to exactly one group; the engine only
 * records threads that were moved (or, later, charged): a thread it has no
 * record of is in the root group.  Moves and exits take the tree lock;
 * lookups run under RCU. */
#ifndef MEMCG_TASK_H
#define MEMCG_TASK_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "rcu.h"

#include "page.h"

struct memcg;
struct real_set;
struct sock_charge;

struct task {
	pid_t tid;
	pid_t tgid;
	struct memcg *memcg;		/* RCU; holds a reference */
	struct cds_list_head memcg_node; /* in memcg->tasks, tree lock */
	struct cds_lfht_node node;
	atomic_long refcnt;		/* the table's, and users' */
	struct memcg_rcu_head rcu;

	/* Anonymous memory (anon.c), under lock. */
	pthread_mutex_t lock;
	uint32_t *anon_blocks;		/* block of positions 64k..64k+63 */
	uint32_t nr_anon_blocks;
	size_t cap_anon_blocks;
	uint32_t nr_anon;		/* positions in use */
	atomic_long nr_resident, nr_swap;
	atomic_bool exited;		/* no new pages or mappings after this */
	atomic_bool has_mappings;	/* it mapped page cache (pagecache.c) */
	atomic_bool oom_victim;		/* chosen by an OOM kill (oom.c) */
	long rss_file_pages;		/* the RSS sampler's alone (rss.c) */
	_Atomic(struct real_set *) real; /* host pages it maps (realpage.c) */
	atomic_long nr_real_anon;	/* charged anon among them */
	/* Socket-buffer charges (sock.c), under lock, oldest first. */
	struct sock_charge *sock;
	size_t nr_sock, cap_sock;
	/* The checkpoint's (checkpoint.c): the start time that names this
	 * thread across a restart (0 until a save asks), and the last save
	 * that wrote its records. */
	uint64_t stamp;
	uint32_t ckpt_gen;
};

/* A live process leader that no OOM kill chose: what a sampler of real
 * processes scans (the threads of a process share its memory). */
static inline bool task_is_live_leader(struct task *t)
{
	return t->tid == t->tgid && !atomic_load(&t->exited) &&
	       !atomic_load(&t->oom_victim);
}

/* What a page kind does with a task's pages: exit frees or drops them as
 * the task goes; oom_pages counts what killing the task would free (its
 * OOM score) and oom_free frees that at once, for the victim; release
 * frees what the kind keeps in the task record, when the record itself is
 * freed (a grace period after its last reference). */
struct task_pages_ops {
	void (*exit)(struct task *t);
	long (*oom_pages)(struct task *t);
	void (*oom_free)(struct task *t);
	void (*release)(struct task *t);
};

/* engine_init registers each kind's operations; exit runs in kind order. */
void task_register_pages(enum page_kind kind, const struct task_pages_ops *ops);
long task_oom_score(struct task *t);
void task_oom_free(struct task *t);

int task_table_init(void);
/* Forget every task and free the table (quiescent engine only). */
void task_table_exit(void);

/* Move thread tid (of process tgid) into group to.  -ENOENT if to has been
 * removed.  Runs the release check on the group it leaves. */
int task_move(pid_t tid, pid_t tgid, struct memcg *to);

/* Thread tid exited: it leaves its group, its anon and swap are
 * uncharged and its mappings dropped (its page cache stays charged). */
void task_exit(pid_t tid);

/* The task record of tid, creating one in the root group if the engine
 * has none: a reference, or NULL when out of memory. */
struct task *task_get_or_create(pid_t tid, pid_t tgid);
void task_get(struct task *t);
void task_put(struct task *t);

/* The task's current group, referenced. */
struct memcg *task_memcg_get(struct task *t);

/* The group of recorded thread tid, referenced, unless it is the root
 * (or tid is unknown): then NULL. */
struct memcg *task_group_get(pid_t tid);

/* True if tid is recorded in a group other than the root. */
bool task_in_child_group(pid_t tid);

/* The thread ids (procs=false) or distinct process ids (procs=true) of m's
 * members, ascending, in a malloc'ed array; m must not be the root (whose
 * members are everything unrecorded).  Returns the count or -ENOMEM. */
long memcg_task_ids(struct memcg *m, bool procs, pid_t **out);

/* Every recorded task in a group other than the root, referenced, in a
 * malloc'ed array (*out, NULL if none): the count or -ENOMEM. */
long task_collect_members(struct task ***out);
/* Whether the engine has a record of tid (in any group). */
bool task_known(pid_t tid);
/* The record of tid, referenced, or NULL if the engine has none. */
struct task *task_find_get(pid_t tid);
/* Call fn on every recorded task, referenced for the call, under no
 * engine lock. */
void task_for_each(void (*fn)(struct task *t, void *arg), void *arg);

#endif
