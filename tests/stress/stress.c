/* Engine stress: several threads charge, free, read, map, evict, move
 * tasks (with their charges or not), create, remove and rename groups,
 * change limits and empty groups at random for a bounded time, while a sampler sets real-process
 * RSS as track=rss does (and forgets it at exit) and a reader renders
 * statistics and a checkpointer saves the charges; then the invariants of
 * check.h must hold, and after everything is freed every counter must be
 * zero.  Prints TAP.  STRESS_SECONDS sets the duration (default 3). */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/anon.h"
#include "engine/check.h"
#include "engine/checkpoint.h"
#include "engine/engine.h"
#include "engine/reclaim.h"
#include "engine/memcg_impl.h"
#include "engine/move.h"
#include "engine/pagecache.h"
#include "engine/rss.h"
#include "engine/slab.h"
#include "engine/stat.h"
#include "engine/task.h"
#include "fs/render.h"

#define WORKERS 4
#define TASKS 16
#define GROUPS 6
#define FILES 8
#define TID_BASE 100000
#define RSS_TASKS 4
#define RSS_TID_BASE 200000

static atomic_bool stop;
static atomic_long ops;

/* A random group (referenced): the root or one of /gN, /gN/sub. */
static struct memcg *pick_group(unsigned *seed)
{
	char name[16];
	struct memcg *g, *sub;
	int n = rand_r(seed) % (GROUPS + 1);

	if (n == GROUPS) {
		memcg_get(memcg_root());
		return memcg_root();
	}
	snprintf(name, sizeof(name), "g%d", n);
	g = memcg_tryget_child(memcg_root(), name);
	if (!g || rand_r(seed) % 2) {
		if (!g)
			memcg_get(g = memcg_root());
		return g;
	}
	sub = memcg_tryget_child(g, "sub");
	if (!sub)
		return g;
	memcg_put(g);
	return sub;
}

static void tree_op(unsigned *seed)
{
	struct memcg *g = pick_group(seed), *c;
	char name[16];
	int err, op = rand_r(seed) % 5;

	if (op < 2) {
		snprintf(name, sizeof(name), memcg_is_root(g) ? "g%d" : "sub",
			 rand_r(seed) % GROUPS);
		c = memcg_create(g, name, NULL, NULL, &err);
		if (c)
			memcg_put(c);
	} else if (memcg_is_root(g)) {
		/* nothing to remove or rename */
	} else if (op < 4) {
		memcg_remove(g);
	} else {
		/* Under readers that look names up and print paths. */
		snprintf(name, sizeof(name), memcg_is_root(g->parent) ? "g%d" : "sub",
			 rand_r(seed) % GROUPS);
		memcg_rename(g, name);
	}
	memcg_put(g);
}

static const char *const kcaches[] = {
	"kmalloc-64", "dentry", "task_struct", "mine:300",
};

/* Kernel memory: allocate, free (tags may be anywhere, even in removed
 * groups), shrink, reap. */
static void kmem_op(unsigned *seed)
{
	pid_t tid = TID_BASE + rand_r(seed) % TASKS;
	char tag[16];
	struct task *t;

	snprintf(tag, sizeof(tag), "t%d", rand_r(seed) % 32);
	switch (rand_r(seed) % 6) {
	case 0: case 1: case 2:
		t = task_get_or_create(tid, tid);
		if (t) {
			slab_kmalloc(t, kcaches[rand_r(seed) % 4],
				     1 + rand_r(seed) % 100, tag);
			task_put(t);
		}
		break;
	case 3:
		slab_kfree(tag, rand_r(seed) % 2 ? -1 : 1 + rand_r(seed) % 50);
		break;
	case 4:
		slab_shrink(rand_r(seed) % 2 ? NULL : "dentry", NULL);
		break;
	default:
		slab_reap();
	}
}

static void limit_op(unsigned *seed)
{
	struct memcg *g = pick_group(seed);
	long pages = rand_r(seed) % 4 ? 64 + rand_r(seed) % 1024 : memcg_max_pages();

	if (rand_r(seed) % 2)
		memcg_set_limit(g, MEMCG_RES_MEMSW, memcg_max_pages());
	memcg_set_limit(g, MEMCG_RES_MEMORY, pages);
	if (rand_r(seed) % 4 == 0)	/* kmem=pin: starts kmem accounting */
		memcg_set_limit(g, MEMCG_RES_KMEM, memcg_max_pages());
	if (rand_r(seed) % 8 == 0)
		memcg_force_empty(g);
	memcg_put(g);
}

static void task_op(unsigned *seed)
{
	pid_t tid = TID_BASE + rand_r(seed) % TASKS;
	struct task *t = task_get_or_create(tid, tid);
	char file[16];
	int op = rand_r(seed) % 10;

	if (!t)
		return;
	snprintf(file, sizeof(file), "f%d", rand_r(seed) % FILES);
	switch (op) {
	case 0: case 1: case 2:
		anon_fault(t, 1 + rand_r(seed) % 64);
		break;
	case 3: case 4:
		anon_free(t, 1 + rand_r(seed) % 64);
		break;
	case 5: case 6:
		pagecache_read(t, file, 1 + rand_r(seed) % 128, op == 6);
		break;
	case 7:
		pagecache_evict(file);
		break;
	case 8: {
		/* Moves with and without their charges. */
		struct memcg *g = pick_group(seed);

		memcg_set_setting(g, MEMCG_MOVE_CHARGE, (uint64_t)(rand_r(seed) % 4));
		memcg_move_task(tid, tid, g);
		memcg_put(g);
		break;
	}
	default:
		if (rand_r(seed) % 8 == 0)
			task_exit(tid);		/* it "exits"; a new one comes */
		else
			pagecache_drop_unmapped();
	}
	task_put(t);
}

static void *worker(void *arg)
{
	unsigned seed = (unsigned)(uintptr_t)arg * 2654435761u;

	while (!atomic_load(&stop)) {
		int r = rand_r(&seed) % 100;

		if (r < 3)
			tree_op(&seed);
		else if (r < 6)
			limit_op(&seed);
		else if (r < 20)
			kmem_op(&seed);
		else
			task_op(&seed);
		atomic_fetch_add(&ops, 1);
	}
	return NULL;
}

/* As the host's RSS sampler: the only thread setting these tasks' RSS. */
static void *sampler(void *arg)
{
	unsigned seed = 11;

	(void)arg;
	while (!atomic_load(&stop)) {
		pid_t tid = RSS_TID_BASE + rand_r(&seed) % RSS_TASKS;
		struct task *t = task_get_or_create(tid, tid);
		int op = rand_r(&seed) % 16;

		if (!t)
			continue;
		if (op < 12) {
			rss_set(t, rand_r(&seed) % 256, rand_r(&seed) % 128);
		} else if (op < 15) {
			struct memcg *g = pick_group(&seed);

			memcg_set_setting(g, MEMCG_MOVE_CHARGE, (uint64_t)(rand_r(&seed) % 4));
			memcg_move_task(tid, tid, g);
			memcg_put(g);
		} else {
			task_exit(tid);		/* the process ends */
			rss_forget(t);
		}
		task_put(t);
		atomic_fetch_add(&ops, 1);
	}
	return NULL;
}

static void *reader(void *arg)
{
	unsigned seed = 7;

	(void)arg;
	while (!atomic_load(&stop)) {
		struct memcg *g = pick_group(&seed);
		struct strbuf sb;

		strbuf_init(&sb);
		memcg_path(g, &sb);
		render_memory_stat(g, &sb);
		render_numa_stat(g, &sb);
		render_dying(&sb);
		strbuf_release(&sb);
		memcg_put(g);
	}
	return NULL;
}

static uint64_t any_stamp(pid_t tid, pid_t tgid)
{
	(void)tgid;
	return (uint64_t)tid;
}

static void count_record(const struct ckpt_record *r, void *arg)
{
	(void)r;
	(*(long *)arg)++;
}

/* As the daemon's checkpoints (fs/charges.c), beside every change. */
static void *checkpointer(void *arg)
{
	static const struct ckpt_hooks hooks = { any_stamp, NULL };
	long records = 0;

	(void)arg;
	while (!atomic_load(&stop))
		engine_checkpoint_save(&hooks, count_record, &records);
	return NULL;
}

static int remove_leaves(struct memcg *m, void *arg)
{
	(void)arg;
	if (!memcg_is_root(m) && memcg_nr_children(m) == 0)
		memcg_remove(m);
	return 0;
}

static int report(int n, const char *what, struct strbuf *why, int rc)
{
	printf("%s %d - %s\n", rc ? "not ok" : "ok", n, what);
	if (rc)
		printf("# %s", why->buf ? why->buf : "\n");
	return rc ? 1 : 0;
}

/* One run under one kmem model; TAP numbers from first.  Returns the
 * failures. */
static int run(enum memcg_kmem_model model, double seconds, int first)
{
	struct memcg_config cfg = {
		.page_size = 4096, .mem_pages = 4096, .swap_pages = 1024,
		.kmem_model = model, .oom_mode = MEMCG_OOM_SIMULATE,
	};
	const char *name = model == MEMCG_KMEM_PIN ? "kmem=pin" : "kmem=reparent";
	pthread_t th[WORKERS + 3];
	struct timespec ts = { (time_t)seconds,
			       (long)((seconds - (time_t)seconds) * 1e9) };
	struct strbuf why;
	char what[128];
	int failed = 0;

	if (engine_init(&cfg)) {
		printf("Bail out! engine init failed\n");
		exit(1);
	}
	atomic_store(&stop, false);
	atomic_store(&ops, 0);
	for (long i = 0; i < WORKERS; i++)
		pthread_create(&th[i], NULL, worker, (void *)(i + 1));
	pthread_create(&th[WORKERS], NULL, reader, NULL);
	pthread_create(&th[WORKERS + 1], NULL, sampler, NULL);
	pthread_create(&th[WORKERS + 2], NULL, checkpointer, NULL);
	nanosleep(&ts, NULL);
	atomic_store(&stop, true);
	for (int i = 0; i < WORKERS + 3; i++)
		pthread_join(th[i], NULL);
	printf("# %s: %ld operations in %.1f s\n", name, atomic_load(&ops), seconds);

	strbuf_init(&why);
	snprintf(what, sizeof(what), "%s: invariants hold after the concurrent run", name);
	failed += report(first, what, &why, memcg_check_invariants(&why));
	strbuf_release(&why);

	/* Everything goes: tasks exit, caches and objects are dropped,
	 * groups removed, dead caches reaped. */
	for (pid_t tid = TID_BASE; tid < TID_BASE + TASKS; tid++)
		task_exit(tid);
	for (pid_t tid = RSS_TID_BASE; tid < RSS_TID_BASE + RSS_TASKS; tid++) {
		struct task *t = task_get_or_create(tid, tid);

		task_exit(tid);
		if (t) {
			rss_forget(t);
			task_put(t);
		}
	}
	for (int f = 0; f < FILES; f++) {
		char file[16];

		snprintf(file, sizeof(file), "f%d", f);
		pagecache_evict(file);
	}
	for (int tag = 0; tag < 32; tag++) {
		char name_[16];

		snprintf(name_, sizeof(name_), "t%d", tag);
		slab_kfree(name_, -1);
	}
	for (int pass = 0; pass < 3; pass++)
		memcg_walk_subtree(memcg_root(), remove_leaves, NULL);
	slab_reap();
	slab_shrink(NULL, NULL);
	strbuf_init(&why);
	snprintf(what, sizeof(what), "%s: invariants hold after freeing everything", name);
	failed += report(first + 1, what, &why, memcg_check_invariants(&why));
	strbuf_release(&why);
	strbuf_init(&why);
	{
		struct memcg *root = memcg_root();
		long mem = page_counter_read(&root->res[MEMCG_RES_MEMORY]);
		long memsw = page_counter_read(&root->res[MEMCG_RES_MEMSW]);
		long kmem = page_counter_read(&root->res[MEMCG_RES_KMEM]);

		if (mem || memsw || kmem || memcg_swap_used() ||
		    memcg_nr_children(root) || page_counter_underflows())
			strbuf_addf(&why, "memory %ld memsw %ld kmem %ld swap %ld groups %ld underflows %ld\n",
				    mem, memsw, kmem, memcg_swap_used(),
				    memcg_nr_children(root), page_counter_underflows());
		render_dying(&why);
		snprintf(what, sizeof(what), "%s: all counters are zero, none went below, nothing dying", name);
		failed += report(first + 2, what, &why, why.len != 0);
	}
	strbuf_release(&why);
	engine_exit();
	return failed;
}

int main(void)
{
	const char *env = getenv("STRESS_SECONDS");
	double seconds = env ? atof(env) : 3.0;
	int failed;

	printf("1..6\n");
	failed = run(MEMCG_KMEM_REPARENT, seconds / 2, 1);
	failed += run(MEMCG_KMEM_PIN, seconds / 2, 4);
	return failed ? 1 : 0;
}
