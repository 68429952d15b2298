/* enginebench: the accounting engine's costs, measured directly (no FUSE).
 *
 *   charge+uncharge  ns per page through a three-level hierarchy
 *                    (/a/b/c), one thread, then two threads in sibling
 *                    groups (anon fault then free, in batches)
 *   reclaim          pages per second evicting page cache at a limit
 *   metadata         bytes of RSS per charged page at 4 Mi pages
 *                    (16 GiB of 4 KiB pages), and the frame tables' size
 *   tree             mkdir, lookup by name and rmdir per group among 10^5
 *                    siblings (flat: O(1) each), and a render of the
 *                    root's memory.stat over them (reads totals kept as
 *                    charges change: no walk)
 *   move             moving a task with 10^4, 10^5, 10^6 anon pages to a
 *                    sibling group with move_charge_at_immigrate 1
 *   kmem             kmalloc+kfree ns per object; kmalloc of 10^4, 8*10^4,
 *                    1.6*10^5 live one-page objects one call each (the
 *                    cost must stay flat: linear in the objects); rmdir
 *                    of a group with
 *                    10^3, 10^5, 10^6 live objects under kmem=reparent and
 *                    kmem=pin, against the baseline the 2019 design
 *                    replaced: reparenting by walking every object
 *
 * Prints one line per figure; targets: charge+uncharge <= 50 ns/page on one
 * thread, metadata <= 16 B/page, a move of 10^6 pages <= 50 ms, the walk
 * at least 1000 times the O(1) removal at 10^6 objects.  ENGINEBENCH_PAGES scales the runs. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine/anon.h"
#include "engine/engine.h"
#include "engine/reclaim.h"
#include "engine/memcg_impl.h"
#include "engine/move.h"
#include "engine/page.h"
#include "engine/pagecache.h"
#include "engine/slab.h"
#include "engine/stat.h"
#include "engine/task.h"
#include "fs/render.h"

#define BATCH 512

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static long rss_bytes(void)
{
	long pages = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
			resident = 0;
		fclose(f);
	}
	return resident * sysconf(_SC_PAGESIZE);
}

static void engine_up_model(long mem_pages, enum memcg_kmem_model model)
{
	struct memcg_config cfg = {
		.page_size = 4096, .mem_pages = mem_pages,
		.oom_mode = MEMCG_OOM_SIMULATE, .kmem_model = model,
	};

	if (engine_init(&cfg)) {
		fprintf(stderr, "enginebench: engine init failed\n");
		exit(1);
	}
}

static void engine_up(long mem_pages)
{
	engine_up_model(mem_pages, MEMCG_KMEM_REPARENT);
}

static void engine_down(void)
{
	engine_exit();
}

static struct memcg *mkgroup(struct memcg *parent, const char *name)
{
	int err;
	struct memcg *m = memcg_create(parent, name, NULL, NULL, &err);

	if (!m) {
		fprintf(stderr, "enginebench: mkdir %s failed\n", name);
		exit(1);
	}
	memcg_put(m);
	return m;
}

/* n sibling groups under the root: the name table and the kept totals. */
static void bench_tree(long n)
{
	struct memcg **g = malloc(sizeof(*g) * (size_t)n), *c;
	struct strbuf sb;
	char name[32];
	double t0, mk, look, stat, rm;

	engine_up(1L << 20);
	t0 = now();
	for (long i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "g%ld", i);
		g[i] = mkgroup(memcg_root(), name);
	}
	mk = now() - t0;
	t0 = now();
	for (long i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "g%ld", i);
		c = memcg_tryget_child(memcg_root(), name);
		memcg_put(c);
	}
	look = now() - t0;
	strbuf_init(&sb);
	t0 = now();
	for (int i = 0; i < 100; i++) {
		sb.len = 0;
		render_memory_stat(memcg_root(), &sb);
	}
	stat = (now() - t0) / 100;
	strbuf_release(&sb);
	t0 = now();
	for (long i = 0; i < n; i++)
		memcg_remove(g[i]);
	rm = now() - t0;
	printf("enginebench: %ld siblings: mkdir %.2f us, lookup %.2f us, "
	       "rmdir %.2f us each (flat: O(1)); root memory.stat %.1f us\n",
	       n, mk * 1e6 / (double)n, look * 1e6 / (double)n,
	       rm * 1e6 / (double)n, stat * 1e6);
	free(g);
	engine_down();
}

struct churn {
	struct task *task;
	long pages;
	double seconds;
};

/* Fault in and free BATCH pages at a time, pages in all. */
static void *churn(void *arg)
{
	struct churn *c = arg;
	double t0 = now();

	for (long done = 0; done < c->pages; done += BATCH) {
		if (anon_fault(c->task, BATCH)) {
			fprintf(stderr, "enginebench: charge failed\n");
			exit(1);
		}
		anon_free(c->task, BATCH);
	}
	c->seconds = now() - t0;
	return NULL;
}

static void bench_charge(long pages, int threads)
{
	struct memcg *a, *b, *leaf[2];
	struct churn c[2];
	pthread_t th[2];
	double worst = 0;

	engine_up(1L << 24);
	a = mkgroup(memcg_root(), "a");
	b = mkgroup(a, "b");
	leaf[0] = mkgroup(b, "c");
	leaf[1] = mkgroup(b, "d");
	for (int i = 0; i < threads; i++) {
		c[i].task = task_get_or_create(1000 + i, 1000 + i);
		task_move(1000 + i, 1000 + i, leaf[i]);
		c[i].pages = pages;
		churn(&(struct churn){ c[i].task, BATCH * 4, 0 });	/* warm */
	}
	for (int i = 0; i < threads; i++)
		pthread_create(&th[i], NULL, churn, &c[i]);
	for (int i = 0; i < threads; i++) {
		pthread_join(th[i], NULL);
		if (c[i].seconds > worst)
			worst = c[i].seconds;
		task_put(c[i].task);
	}
	printf("enginebench: charge+uncharge, 3-level hierarchy, %d thread%s: "
	       "%.1f ns/page (%ld pages per thread; target <= 50 on 1 thread)\n",
	       threads, threads > 1 ? "s" : "", worst * 1e9 / (double)pages,
	       pages);
	engine_down();
}

static void bench_reclaim(long pages)
{
	struct memcg *g;
	struct task *t;
	double t0, secs;
	long before;

	engine_up(pages * 2);
	g = mkgroup(memcg_root(), "g");
	t = task_get_or_create(2000, 2000);
	task_move(2000, 2000, g);
	pagecache_read(t, "data", pages, false);
	before = page_counter_read(&g->res[MEMCG_RES_MEMORY]);
	t0 = now();
	memcg_set_limit(g, MEMCG_RES_MEMORY, 0);	/* reclaims it all */
	secs = now() - t0;
	printf("enginebench: reclaim of page cache: %.0f pages/s "
	       "(%ld pages in %.3f s)\n",
	       (double)(before - page_counter_read(&g->res[MEMCG_RES_MEMORY])) /
	       secs, before, secs);
	task_put(t);
	engine_down();
}

static void bench_metadata(long pages)
{
	struct task *t;
	long before, after;

	engine_up(pages + 1024);
	t = task_get_or_create(3000, 3000);
	before = rss_bytes();
	if (anon_fault(t, pages)) {
		fprintf(stderr, "enginebench: charge of %ld pages failed\n", pages);
		exit(1);
	}
	after = rss_bytes();
	printf("enginebench: metadata at %ld pages: %.2f B/page of RSS "
	       "(frame tables %.2f B/page; target <= 16)\n", pages,
	       (double)(after - before) / (double)pages,
	       (double)frames_footprint() / (double)pages);
	task_put(t);
	engine_down();
}

static void bench_move(long pages)
{
	struct memcg *a, *b;
	struct task *t;
	double t0, secs;

	engine_up(pages * 2 + 1024);
	a = mkgroup(memcg_root(), "a");
	b = mkgroup(memcg_root(), "b");
	t = task_get_or_create(4000, 4000);
	task_move(4000, 4000, a);
	memcg_set_setting(b, MEMCG_MOVE_CHARGE, 1);
	if (anon_fault(t, pages)) {
		fprintf(stderr, "enginebench: charge of %ld pages failed\n", pages);
		exit(1);
	}
	t0 = now();
	if (memcg_move_task(4000, 4000, b)) {
		fprintf(stderr, "enginebench: move failed\n");
		exit(1);
	}
	secs = now() - t0;
	printf("enginebench: move of a task with %ld pages: %.2f ms, %.1f ns/page%s\n",
	       pages, secs * 1e3, secs * 1e9 / (double)pages,
	       pages == 1000000 ? " (target <= 50 ms)" : "");
	task_put(t);
	engine_down();
}

static void bench_kmalloc(long objs)
{
	struct task *t;
	const long total = 2000000;
	double t0, secs;

	engine_up(1L << 20);
	t = task_get_or_create(5000, 5000);
	t0 = now();
	for (long done = 0; done < total; done += objs) {
		slab_kmalloc(t, "kmalloc-64", objs, "b");
		slab_kfree("b", -1);
	}
	secs = now() - t0;
	printf("enginebench: kmalloc+kfree: %.1f ns/object (%ld object%s a call)\n",
	       secs * 1e9 / (double)total, objs, objs > 1 ? "s" : "");
	task_put(t);
	engine_down();
}

/* n live task_struct objects (one slab page each), one kmalloc call
 * each, then one kfree: a scan of the slabs per call was quadratic. */
static void bench_kmalloc_live(long n)
{
	struct task *t;
	double t0, secs;

	engine_up(1L << 20);
	t = task_get_or_create(5000, 5000);
	t0 = now();
	for (long i = 0; i < n; i++)
		if (slab_kmalloc(t, "task_struct", 1, "live")) {
			fprintf(stderr, "enginebench: kmalloc %ld failed\n", i);
			exit(1);
		}
	secs = now() - t0;
	slab_kfree("live", -1);
	printf("enginebench: kmalloc of %ld live objects, one a call: %.3f s, "
	       "%.0f ns/object (flat: linear)\n", n, secs, secs * 1e9 / (double)n);
	task_put(t);
	engine_down();
}

/* What removal cost before memcg_ptr: each object pointing at its group
 * is re-pointed at the parent, and the two groups' references follow it,
 * one object at a time. */
struct obj_owner {
	_Atomic(struct memcg *) memcg;
};

static double walk_reparent(long objects, struct memcg *from, struct memcg *to)
{
	struct obj_owner *objs = malloc(sizeof(*objs) * (size_t)objects);
	double t0, secs;

	for (long i = 0; i < objects; i++)
		atomic_init(&objs[i].memcg, from);
	t0 = now();
	for (long i = 0; i < objects; i++) {
		atomic_store(&objs[i].memcg, to);
		atomic_fetch_add(&to->refcnt, 1);
		atomic_fetch_sub(&from->refcnt, 1);
	}
	secs = now() - t0;
	atomic_fetch_add(&from->refcnt, objects);	/* undo: only timed */
	atomic_fetch_sub(&to->refcnt, objects);
	free(objs);
	return secs;
}

static void bench_rmdir(long objects, enum memcg_kmem_model model)
{
	struct memcg *p, *g;
	struct task *t;
	double t0, secs, walk;

	engine_up_model(1L << 22, model);
	/* Warm up: the first removal starts liburcu's call_rcu thread. */
	memcg_remove(mkgroup(memcg_root(), "warm"));
	p = mkgroup(memcg_root(), "p");
	g = mkgroup(p, "g");
	memcg_set_limit(g, MEMCG_RES_KMEM, memcg_max_pages());	/* pin: start */
	t = task_get_or_create(6000, 6000);
	task_move(6000, 6000, g);
	if (slab_kmalloc(t, "kmalloc-8", objects, "o")) {
		fprintf(stderr, "enginebench: kmalloc of %ld objects failed\n", objects);
		exit(1);
	}
	task_move(6000, 6000, p);
	memcg_get(g);	/* kept for the walk's counters */
	t0 = now();
	memcg_remove(g);
	secs = now() - t0;
	walk = walk_reparent(objects, g, p);
	memcg_put(g);
	printf("enginebench: rmdir with %ld live objects, kmem=%s: %.1f us; "
	       "walking every object: %.1f us (%.1fx)%s\n", objects,
	       model == MEMCG_KMEM_PIN ? "pin" : "reparent", secs * 1e6,
	       walk * 1e6, walk / secs,
	       objects == 1000000 ? " (target >= 1000x at 10^6)" : "");
	slab_kfree("o", -1);
	slab_reap();
	task_put(t);
	engine_down();
}

int main(void)
{
	const char *env = getenv("ENGINEBENCH_PAGES");
	long pages = env ? atol(env) : 4L << 20;

	if (pages < BATCH * 8)
		pages = BATCH * 8;
	bench_charge(pages, 1);
	bench_charge(pages, 2);
	bench_reclaim(pages / 4);
	bench_metadata(pages);
	for (long n = 10000; n <= 100000; n *= 10)
		bench_tree(n);
	for (long n = 10000; n <= 1000000; n *= 10)
		bench_move(n);
	bench_kmalloc(1);
	bench_kmalloc(1000);
	for (long n = 10000; n <= 160000; n *= (n == 10000 ? 8 : 2))
		bench_kmalloc_live(n);
	for (int m = 0; m < 2; m++)
		for (long n = 1000; n <= 1000000; n *= (n == 1000 ? 100 : 10))
			bench_rmdir(n, m ? MEMCG_KMEM_PIN : MEMCG_KMEM_REPARENT);
	return 0;
}
