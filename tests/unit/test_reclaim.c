/* Unit tests of LRU order, reclaim and swap. */
#define MEM_PAGES 4096
#define SWAP_PAGES 16
#include "engine_fixture.h"

#include <errno.h>
#include <string.h>

#include "engine/anon.h"

/* A charge of n pages is n faults: with swap (16 pages here), limit 8 and
 * memsw 24, a 16-page charge swaps 8 of its own first pages out and
 * succeeds, as 16 faults would. */
static void test_big_charge_swaps_page_by_page(void **state)
{
	struct memcg *g = group(memcg_root(), "g");
	struct task *t = task_in(60, g);

	(void)state;
	assert_int_equal(memcg_set_limit(g, MEMCG_RES_MEMORY, 8), 0);
	assert_int_equal(memcg_set_limit(g, MEMCG_RES_MEMSW, 24), 0);
	assert_int_equal(anon_fault(t, 16), 0);
	assert_int_equal(usage(g, MEMCG_RES_MEMORY), 8);
	assert_int_equal(usage(g, MEMCG_RES_MEMSW), 16);
	assert_int_equal(stat_of(g, MEMCG_RSS), 8);
	assert_int_equal(stat_of(g, MEMCG_SWAP), 8);
	assert_int_equal(anon_task_pages(t), 16);
	assert_invariants();
	/* 32 pages can never fit under memsw 24: no kill, nothing left of
	 * the attempt.  16 more could (with the task gone): past memsw, the
	 * task faulting is the biggest and goes, as in the kernel. */
	assert_int_equal(anon_fault(t, 32), -ENOMEM);
	assert_int_equal(usage(g, MEMCG_RES_MEMSW), 16);
	assert_int_equal(anon_task_pages(t), 16);
	assert_int_equal(atomic_load(&g->oom_kill), 0);
	assert_int_equal(anon_fault(t, 16), -ENOMEM);
	assert_int_equal(atomic_load(&g->oom_kill), 1);
	assert_int_equal(usage(g, MEMCG_RES_MEMSW), 0);
	assert_invariants();
}

static void test_cache_reclaimed_inactive_first(void **state)
{
	struct memcg *g = group(memcg_root(), "g");
	struct task *t = task_in(10, g);

	(void)state;
	assert_int_equal(memcg_set_limit(g, MEMCG_RES_MEMORY, 12), 0);
	assert_int_equal(pagecache_read(t, "hot", 4, false), 0);
	assert_int_equal(pagecache_read(t, "hot", 4, false), 0);	/* active */
	assert_int_equal(pagecache_read(t, "cold", 4, false), 0);
	assert_int_equal(stat_of(g, MEMCG_ACTIVE_FILE), 4);
	assert_int_equal(stat_of(g, MEMCG_INACTIVE_FILE), 4);
	/* 8 + 6 > 12: two pages must go, from the inactive (cold) file. */
	assert_int_equal(anon_fault(t, 6), 0);
	assert_int_equal(usage(g, MEMCG_RES_MEMORY), 12);
	assert_int_equal(stat_of(g, MEMCG_ACTIVE_FILE), 4);
	assert_int_equal(stat_of(g, MEMCG_INACTIVE_FILE), 2);
	assert_int_equal(atomic_load(&g->res[MEMCG_RES_MEMORY].failcnt), 1);
	assert_invariants();
	/* Re-reading an evicted page counts a refault. */
	assert_int_equal(anon_free(t, 6), 6);
	assert_int_equal(pagecache_read(t, "cold", 4, false), 0);
	assert_int_equal(stat_of(g, MEMCG_WORKINGSET_REFAULT_FILE), 2);
	assert_invariants();
}

static void test_mapped_cache_not_reclaimed(void **state)
{
	struct memcg *g = group(memcg_root(), "g");
	struct task *t = task_in(11, g);

	(void)state;
	assert_int_equal(memcg_set_limit(g, MEMCG_RES_MEMORY, 8), 0);
	assert_int_equal(pagecache_read(t, "lib", 6, true), 0);
	assert_int_equal(stat_of(g, MEMCG_MAPPED_FILE), 6);
	assert_int_equal(stat_of(g, MEMCG_PGMAJFAULT), 6);
	/* Nothing reclaimable, no swapping (swappiness 0), no anon to take:
	 * the charge fails. */
	assert_int_equal(memcg_set_setting(g, MEMCG_SWAPPINESS, 0), 0);
	assert_int_equal(anon_fault(t, 4), -ENOMEM);
	assert_int_equal(stat_of(g, MEMCG_CACHE), 6);
	pagecache_drop_unmapped();
	assert_int_equal(stat_of(g, MEMCG_CACHE), 6);
	pagecache_evict("lib");
	assert_int_equal(stat_of(g, MEMCG_CACHE), 0);
	assert_int_equal(usage(g, MEMCG_RES_MEMORY), 0);
	assert_invariants();
}

static void test_anon_goes_to_swap(void **state)
{
	struct memcg *g = group(memcg_root(), "g");
	struct task *t = task_in(12, g);

	(void)state;
	assert_int_equal(memcg_set_limit(g, MEMCG_RES_MEMORY, 10), 0);
	assert_int_equal(anon_fault(t, 10), 0);
	assert_int_equal(anon_fault(t, 4), 0);
	assert_int_equal(usage(g, MEMCG_RES_MEMORY), 10);
	assert_int_equal(usage(g, MEMCG_RES_MEMSW), 14);
	assert_int_equal(stat_of(g, MEMCG_SWAP), 4);
	assert_int_equal(memcg_swap_used(), 4);
	assert_invariants();
	/* Freeing the newest pages frees resident ones; all frees swap too. */
	assert_int_equal(anon_free(t, -1), 14);
	assert_int_equal(usage(g, MEMCG_RES_MEMSW), 0);
	assert_int_equal(memcg_swap_used(), 0);
	assert_invariants();
}

static void test_no_swap_for_memsw_or_swappiness_0(void **state)
{
	struct memcg *g = group(memcg_root(), "g");
	struct memcg *h = group(memcg_root(), "h");
	struct task *t = task_in(13, g), *u = task_in(14, h);

	(void)state;
	assert_int_equal(memcg_set_limit(g, MEMCG_RES_MEMORY, 10), 0);
	assert_int_equal(memcg_set_limit(g, MEMCG_RES_MEMSW, 10), 0);
	assert_int_equal(anon_fault(t, 10), 0);
	/* memsw is full: swapping cannot help, so OOM takes the only task,
	 * which is the charging one: the charge fails. */
	assert_int_equal(anon_fault(t, 1), -ENOMEM);
	assert_int_equal(memcg_swap_used(), 0);
	assert_int_equal(atomic_load(&g->res[MEMCG_RES_MEMSW].failcnt), 1);
	assert_int_equal(atomic_load(&g->res[MEMCG_RES_MEMORY].failcnt), 0);
	assert_int_equal(atomic_load(&g->oom_kill), 1);
	assert_int_equal(usage(g, MEMCG_RES_MEMSW), 0);
	assert_int_equal(memcg_set_limit(h, MEMCG_RES_MEMORY, 10), 0);
	assert_int_equal(memcg_set_setting(h, MEMCG_SWAPPINESS, 0), 0);
	assert_int_equal(anon_fault(u, 10), 0);
	assert_int_equal(anon_fault(u, 1), -ENOMEM);
	assert_int_equal(memcg_swap_used(), 0);
	assert_int_equal(atomic_load(&h->oom_kill), 1);
	assert_invariants();
}

static void test_limit_shrink_and_force_empty(void **state)
{
	struct memcg *g = group(memcg_root(), "g");
	struct task *t = task_in(15, g);

	(void)state;
	assert_int_equal(pagecache_read(t, "f", 8, false), 0);
	assert_int_equal(memcg_set_limit(g, MEMCG_RES_MEMORY, 5), 0);
	assert_int_equal(usage(g, MEMCG_RES_MEMORY), 5);
	assert_int_equal(memcg_set_setting(g, MEMCG_SWAPPINESS, 0), 0);
	assert_int_equal(anon_fault(t, 3), 0);
	assert_int_equal(stat_of(g, MEMCG_CACHE), 2);
	/* Cache can go, anon cannot: the limit stays. */
	assert_int_equal(memcg_set_limit(g, MEMCG_RES_MEMORY, 2), -EBUSY);
	assert_int_equal(page_counter_limit(&g->res[MEMCG_RES_MEMORY]), 5);
	assert_int_equal(pagecache_read(t, "f", 2, false), 0);
	assert_int_equal(memcg_force_empty(g), 0);
	assert_int_equal(stat_of(g, MEMCG_CACHE), 0);
	assert_int_equal(stat_of(g, MEMCG_RSS), 3);
	assert_invariants();
}

/* Global reclaim takes from the group furthest above its soft limit
 * first, whatever the tree order (the smaller excess was created first). */
static void test_global_reclaim_soft_excess_first(void **state)
{
	struct memcg *small = group(memcg_root(), "small");
	struct memcg *big = group(memcg_root(), "big");
	struct reclaim_control rc = { .nr_to_reclaim = 3 };

	(void)state;
	assert_int_equal(memcg_set_soft_limit(small, 0), 0);
	assert_int_equal(memcg_set_soft_limit(big, 2), 0);
	assert_int_equal(pagecache_read(task_in(13, small), "s", 4, false), 0);
	assert_int_equal(pagecache_read(task_in(14, big), "b", 8, false), 0);
	assert_int_equal(memcg_reclaim(NULL, &rc), 3);
	assert_int_equal(stat_of(big, MEMCG_CACHE), 5);
	assert_int_equal(stat_of(small, MEMCG_CACHE), 4);
	assert_invariants();
}

static void test_checker_catches_a_wrong_statistic(void **state)
{
	struct memcg *g = group(memcg_root(), "g");
	struct strbuf why;

	(void)state;
	atomic_store(&g->stat[MEMCG_RSS], 1);
	strbuf_init(&why);
	assert_int_equal(memcg_check_invariants(&why), -1);
	assert_non_null(strstr(why.buf, "rss"));
	strbuf_release(&why);
	atomic_store(&g->stat[MEMCG_RSS], 0);
	page_counter_charge(&g->res[MEMCG_RES_MEMORY], 1);
	strbuf_init(&why);
	assert_int_equal(memcg_check_invariants(&why), -1);
	strbuf_release(&why);
	page_counter_uncharge(&g->res[MEMCG_RES_MEMORY], 1);
	assert_invariants();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cache_reclaimed_inactive_first, engine_setup, engine_teardown),
		cmocka_unit_test_setup_teardown(test_mapped_cache_not_reclaimed, engine_setup, engine_teardown),
		cmocka_unit_test_setup_teardown(test_anon_goes_to_swap, engine_setup, engine_teardown),
		cmocka_unit_test_setup_teardown(test_global_reclaim_soft_excess_first, engine_setup, engine_teardown),
		cmocka_unit_test_setup_teardown(test_no_swap_for_memsw_or_swappiness_0, engine_setup, engine_teardown),
		cmocka_unit_test_setup_teardown(test_limit_shrink_and_force_empty, engine_setup, engine_teardown),
		cmocka_unit_test_setup_teardown(test_checker_catches_a_wrong_statistic, engine_setup, engine_teardown),
		cmocka_unit_test_setup_teardown(test_big_charge_swaps_page_by_page, engine_setup, engine_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
