/* Unit tests of the engine side of track=rss: rss_set keeps a process's
 * anon and file charges at the sampled sizes, rss_forget drops its file,
 * growth is charged in steps so the OOM victim is the grower, and the
 * member list the sampler walks. */
#define MEM_PAGES 4096
#include "engine_fixture.h"

#include <errno.h>
#include <stdlib.h>

#include "engine/anon.h"
#include "engine/oom.h"
#include "engine/rss.h"

static void test_set_grows_and_shrinks(void **state)
{
	struct memcg *g = group(memcg_root(), "g");
	struct task *t = task_in(10, g);

	(void)state;
	assert_int_equal(rss_set(t, 100, 30), 0);
	assert_int_equal(usage(g, MEMCG_RES_MEMORY), 130);
	assert_int_equal(stat_of(g, MEMCG_RSS), 100);
	assert_int_equal(stat_of(g, MEMCG_CACHE), 30);
	assert_int_equal(stat_of(g, MEMCG_MAPPED_FILE), 30);
	assert_invariants();
	assert_int_equal(rss_set(t, 40, 10), 0);
	assert_int_equal(stat_of(g, MEMCG_RSS), 40);
	assert_int_equal(stat_of(g, MEMCG_CACHE), 10);
	assert_int_equal(stat_of(g, MEMCG_MAPPED_FILE), 10);
	assert_int_equal(rss_set(t, 40, 10), 0);	/* no change: no charge */
	assert_int_equal(usage(g, MEMCG_RES_MEMORY), 50);
	assert_invariants();
	/* The process exits: anon goes with it, the file with rss_forget,
	 * called as the sampler calls it, with its own reference. */
	task_get(t);
	task_exit(10);
	assert_int_equal(usage(g, MEMCG_RES_MEMORY), 10);
	assert_int_equal(stat_of(g, MEMCG_MAPPED_FILE), 0);	/* unmapped */
	rss_forget(t);
	task_put(t);
	assert_int_equal(usage(g, MEMCG_RES_MEMORY), 0);
	assert_invariants();
}

static void test_mapped_rss_is_not_reclaimed(void **state)
{
	struct memcg *g = group(memcg_root(), "g");
	struct task *t = task_in(11, g);

	(void)state;
	assert_int_equal(rss_set(t, 0, 50), 0);
	assert_int_equal(memcg_set_limit(g, MEMCG_RES_MEMORY, 60), 0);
	/* Resident file pages are in use: limit reclaim leaves them. */
	assert_int_equal(memcg_set_limit(g, MEMCG_RES_MEMORY, 40), -EBUSY);
	pagecache_drop_unmapped();
	assert_int_equal(usage(g, MEMCG_RES_MEMORY), 50);
	rss_forget(t);
	task_put(t);
	assert_int_equal(usage(g, MEMCG_RES_MEMORY), 0);
	assert_invariants();
}

static void test_big_jump_makes_the_grower_the_victim(void **state)
{
	struct memcg *g = group(memcg_root(), "g");
	struct task *small = task_in(12, g);
	struct task *big = task_in(13, g);

	(void)state;
	assert_int_equal(memcg_set_limit(g, MEMCG_RES_MEMORY, 1000), 0);
	assert_int_equal(rss_set(small, 300, 0), 0);
	/* 2000 pages in one sample: charged step by step, big passes small
	 * before the limit refuses, so big is taken, not small. */
	assert_int_equal(rss_set(big, 2000, 0), -ENOMEM);
	assert_true(atomic_load(&big->oom_victim));
	assert_false(atomic_load(&small->oom_victim));
	assert_int_equal(anon_task_pages(big), 0);
	assert_int_equal(anon_task_pages(small), 300);
	/* A victim is not charged again. */
	assert_int_equal(rss_set(big, 2000, 0), 0);
	assert_int_equal(anon_task_pages(big), 0);
	assert_invariants();
}

static void test_oom_disabled_refuses_and_sets_under_oom(void **state)
{
	struct memcg *g = group(memcg_root(), "g");
	struct task *t = task_in(14, g);

	(void)state;
	assert_int_equal(memcg_set_limit(g, MEMCG_RES_MEMORY, 500), 0);
	atomic_store(&g->oom_kill_disable, 1);
	assert_int_equal(rss_set(t, 800, 0), -ENOMEM);
	assert_true(memcg_under_oom(g));
	assert_false(atomic_load(&t->oom_victim));
	assert_int_equal(memcg_set_limit(g, MEMCG_RES_MEMORY, 2000), 0);
	assert_false(memcg_under_oom(g));
	assert_int_equal(rss_set(t, 800, 0), 0);
	assert_int_equal(usage(g, MEMCG_RES_MEMORY), 800);
	assert_invariants();
}

static int by_tid(const void *a, const void *b)
{
	const struct task *x = *(struct task *const *)a;
	const struct task *y = *(struct task *const *)b;

	return (x->tid > y->tid) - (x->tid < y->tid);
}

static void test_collect_members(void **state)
{
	struct memcg *g = group(memcg_root(), "g");
	struct memcg *h = group(g, "h");
	struct task **tasks = NULL;
	long n;

	(void)state;
	task_in(20, NULL);	/* in the root: not a member of any group */
	task_in(21, g);
	task_in(22, h);
	n = task_collect_members(&tasks);
	assert_int_equal(n, 2);
	qsort(tasks, (size_t)n, sizeof(*tasks), by_tid);
	assert_int_equal(tasks[0]->tid, 21);
	assert_int_equal(tasks[1]->tid, 22);
	for (long i = 0; i < n; i++)
		task_put(tasks[i]);
	free(tasks);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_set_grows_and_shrinks, engine_setup, engine_teardown),
		cmocka_unit_test_setup_teardown(test_mapped_rss_is_not_reclaimed, engine_setup, engine_teardown),
		cmocka_unit_test_setup_teardown(test_big_jump_makes_the_grower_the_victim, engine_setup, engine_teardown),
		cmocka_unit_test_setup_teardown(test_oom_disabled_refuses_and_sets_under_oom, engine_setup, engine_teardown),
		cmocka_unit_test_setup_teardown(test_collect_members, engine_setup, engine_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
