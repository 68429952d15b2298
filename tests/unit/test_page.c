/* Unit tests of page frames, blocks, ownership and reparenting. */
#define MEM_PAGES 4096
#include "engine_fixture.h"

#include "engine/anon.h"
#include "engine/charge.h"
#include "engine/page.h"
#include "engine/rcu.h"
#include "engine/reclaim.h"

static struct memcg *owner_of(uint32_t idx)
{
	struct memcg *m;

	memcg_rcu_read_lock();
	m = page_memcg(idx);
	memcg_rcu_read_unlock();
	return m;
}

static void test_blocks(void **state)
{
	int owner;
	uint32_t a, b;

	(void)state;
	a = block_alloc(&owner, BLOCK_FILE, 0);
	b = block_alloc(&owner, BLOCK_FILE, 64);
	assert_true(a && b && a != b);
	assert_ptr_equal(page_block_of(block_first_page(b) + 5)->owner, &owner);
	assert_int_equal(page_block_of(block_first_page(b))->base, 64);
	assert_null(owner_of(block_first_page(a)));
	block_free(a);
	assert_int_equal(block_alloc(&owner, BLOCK_ANON, 0), a);	/* reused */
	block_free(a);
	block_free(b);
	assert_true(frames_footprint() > 0);
}

static void test_pages_owned_and_freed(void **state)
{
	struct memcg *g = group(memcg_root(), "g");
	uint32_t b = block_alloc(g, BLOCK_FILE, 0), idx[3];

	(void)state;
	for (int i = 0; i < 3; i++)
		idx[i] = block_first_page(b) + (uint32_t)i;
	assert_int_equal(memcg_charge(g, 3, NULL), 0);
	pages_add(g, idx, 3, PAGE_FILE);
	assert_ptr_equal(owner_of(idx[1]), g);
	assert_int_equal(stat_of(g, MEMCG_CACHE), 3);
	assert_int_equal(stat_of(g, MEMCG_INACTIVE_FILE), 3);
	assert_int_equal(usage(memcg_root(), MEMCG_RES_MEMORY), 3);
	assert_invariants();
	assert_true(page_change(idx[0], PG_ACTIVE, 0, 0) != 0);
	assert_int_equal(stat_of(g, MEMCG_ACTIVE_FILE), 1);
	assert_int_equal(pg_kind(page_remove(idx[2])), PAGE_FILE);
	assert_int_equal(page_remove(idx[2]), 0);	/* already free */
	assert_int_equal(usage(g, MEMCG_RES_MEMORY), 2);
	assert_int_equal(usage(g, MEMCG_RES_MEMSW), 2);
	assert_int_equal(stat_of(g, MEMCG_PGPGOUT), 1);
	assert_invariants();
	page_remove(idx[0]);
	page_remove(idx[1]);
	block_free(b);
	assert_int_equal(usage(memcg_root(), MEMCG_RES_MEMORY), 0);
}

/* Removal swings the group's memcg_ptr to the parent: pages, statistics
 * and LRU lists follow, and no live counter changes. */
static void test_reparent_on_remove(void **state)
{
	struct memcg *p = group(memcg_root(), "p");
	struct memcg *c = group(p, "c");
	struct task *t = task_in(500, c);

	(void)state;
	assert_int_equal(anon_fault(t, 10), 0);
	assert_int_equal(pagecache_read(t, "f", 6, false), 0);
	assert_int_equal(task_move(500, 500, p), 0);
	assert_int_equal(usage(p, MEMCG_RES_MEMORY), 16);
	memcg_get(c);
	assert_int_equal(memcg_remove(c), 0);
	assert_int_equal(usage(p, MEMCG_RES_MEMORY), 16);
	assert_int_equal(stat_of(p, MEMCG_RSS), 10);
	assert_int_equal(stat_of(p, MEMCG_CACHE), 6);
	assert_int_equal(stat_of(c, MEMCG_RSS), 0);
	assert_invariants();
	/* Uncharging now goes to the parent. */
	assert_int_equal(anon_free(t, 4), 4);
	assert_int_equal(usage(p, MEMCG_RES_MEMORY), 12);
	assert_int_equal(stat_of(p, MEMCG_RSS), 6);
	memcg_put(c);
	pagecache_evict("f");
	assert_invariants();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_blocks, engine_setup, engine_teardown),
		cmocka_unit_test_setup_teardown(test_pages_owned_and_freed, engine_setup, engine_teardown),
		cmocka_unit_test_setup_teardown(test_reparent_on_remove, engine_setup, engine_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
