/* Unit tests of charge moving at task move: what moves for each
 * move_charge_at_immigrate bit, all or nothing, common ancestors. */
#define MEM_PAGES 4096
#define SWAP_PAGES 64
#include "engine_fixture.h"

#include <errno.h>
#include <string.h>

#include "engine/anon.h"
#include "engine/move.h"

struct snapshot {
	long res[MEMCG_NR_RES][3];	/* usage, failcnt, watermark */
	long stat[MEMCG_NR_STAT];
};

static void snap(struct memcg *m, struct snapshot *s)
{
	memset(s, 0, sizeof(*s));
	for (int r = 0; r < MEMCG_NR_RES; r++) {
		s->res[r][0] = usage(m, (enum memcg_res)r);
		s->res[r][1] = atomic_load(&m->res[r].failcnt);
		s->res[r][2] = atomic_load(&m->res[r].watermark);
	}
	for (int i = 0; i < MEMCG_NR_STAT; i++)
		s->stat[i] = stat_of(m, (enum memcg_stat_item)i);
}

static void test_bits(void **state)
{
	struct memcg *a = group(memcg_root(), "a");
	struct memcg *b = group(memcg_root(), "b");
	struct memcg *c = group(memcg_root(), "c");
	struct task *t = task_in(100, a);

	(void)state;
	assert_int_equal(anon_fault(t, 10), 0);
	assert_int_equal(pagecache_read(t, "lib", 4, true), 0);
	assert_int_equal(pagecache_read(t, "data", 3, false), 0);
	/* bit 0: anon only */
	assert_int_equal(memcg_set_setting(b, MEMCG_MOVE_CHARGE, 1), 0);
	assert_int_equal(memcg_move_task(100, 100, b), 0);
	assert_int_equal(usage(b, MEMCG_RES_MEMORY), 10);
	assert_int_equal(stat_of(b, MEMCG_RSS), 10);
	assert_int_equal(usage(a, MEMCG_RES_MEMORY), 7);
	assert_invariants();
	/* bit 1 from b: nothing mapped is b's, so nothing moves */
	assert_int_equal(memcg_set_setting(c, MEMCG_MOVE_CHARGE, 2), 0);
	assert_int_equal(memcg_move_task(100, 100, c), 0);
	assert_int_equal(usage(c, MEMCG_RES_MEMORY), 0);
	/* back to a, then bit 1 from a: the mapped pages only */
	assert_int_equal(memcg_move_task(100, 100, a), 0);
	assert_int_equal(memcg_move_task(100, 100, c), 0);
	assert_int_equal(usage(c, MEMCG_RES_MEMORY), 4);
	assert_int_equal(stat_of(c, MEMCG_MAPPED_FILE), 4);
	assert_int_equal(stat_of(a, MEMCG_CACHE), 3);	/* unmapped data stays */
	assert_invariants();
	/* a thread that is not its process's leader moves no charges */
	assert_int_equal(memcg_set_setting(a, MEMCG_MOVE_CHARGE, 3), 0);
	assert_int_equal(task_move(101, 100, c), 0);
	assert_int_equal(memcg_move_task(101, 100, a), 0);
	assert_int_equal(usage(c, MEMCG_RES_MEMORY), 4);
}

static void test_all_or_nothing(void **state)
{
	struct memcg *a = group(memcg_root(), "a");
	struct memcg *b = group(memcg_root(), "b");
	struct task *t = task_in(200, a);
	struct snapshot before_a, before_b, after_a, after_b;

	(void)state;
	assert_int_equal(anon_fault(t, 10), 0);
	assert_int_equal(memcg_set_limit(b, MEMCG_RES_MEMORY, 6), 0);
	assert_int_equal(memcg_set_setting(b, MEMCG_MOVE_CHARGE, 1), 0);
	snap(a, &before_a);
	snap(b, &before_b);
	assert_int_equal(memcg_move_task(200, 200, b), -ENOMEM);
	snap(a, &after_a);
	snap(b, &after_b);
	assert_memory_equal(&before_a, &after_a, sizeof(before_a));
	/* Only b's failcnt shows the refused precharge. */
	assert_true(after_b.res[MEMCG_RES_MEMORY][1] > before_b.res[MEMCG_RES_MEMORY][1]);
	after_b.res[MEMCG_RES_MEMORY][1] = before_b.res[MEMCG_RES_MEMORY][1];
	assert_memory_equal(&before_b, &after_b, sizeof(before_b));
	assert_false(task_in_child_group(200) && rcu_dereference(t->memcg) == b);
	assert_ptr_equal(t->memcg, a);
	assert_invariants();
}

static void test_reclaims_in_target_and_swap_moves(void **state)
{
	struct memcg *a = group(memcg_root(), "a");
	struct memcg *b = group(memcg_root(), "b");
	struct task *t = task_in(300, a), *u = task_in(301, b);

	(void)state;
	/* t: 8 pages, 4 of them in swap */
	assert_int_equal(memcg_set_limit(a, MEMCG_RES_MEMORY, 4), 0);
	assert_int_equal(anon_fault(t, 4), 0);
	assert_int_equal(anon_fault(t, 4), 0);	/* the first four to swap */
	assert_int_equal(stat_of(a, MEMCG_SWAP), 4);
	/* b holds page cache that must make room */
	assert_int_equal(pagecache_read(u, "f", 6, false), 0);
	assert_int_equal(memcg_set_limit(b, MEMCG_RES_MEMORY, 8), 0);
	assert_int_equal(memcg_set_setting(b, MEMCG_MOVE_CHARGE, 1), 0);
	assert_int_equal(memcg_move_task(300, 300, b), 0);
	assert_int_equal(stat_of(b, MEMCG_RSS), 4);
	assert_int_equal(stat_of(b, MEMCG_SWAP), 4);
	assert_int_equal(usage(b, MEMCG_RES_MEMSW), usage(b, MEMCG_RES_MEMORY) + 4);
	assert_true(stat_of(b, MEMCG_CACHE) <= 4);
	assert_int_equal(usage(a, MEMCG_RES_MEMSW), 0);
	assert_invariants();
}

static void test_common_ancestor_untouched(void **state)
{
	struct memcg *p = group(memcg_root(), "p");
	struct memcg *a = group(p, "a"), *b = group(p, "b");
	struct task *t = task_in(400, a);
	long wm;

	(void)state;
	assert_int_equal(anon_fault(t, 5), 0);
	assert_int_equal(memcg_set_limit(p, MEMCG_RES_MEMORY, 5), 0);
	assert_int_equal(memcg_set_setting(b, MEMCG_MOVE_CHARGE, 1), 0);
	assert_int_equal(memcg_set_setting(p, MEMCG_MOVE_CHARGE, 1), 0);
	wm = atomic_load(&p->res[MEMCG_RES_MEMORY].watermark);
	/* p is full, but the move stays below it: it fits. */
	assert_int_equal(memcg_move_task(400, 400, b), 0);
	assert_int_equal(usage(p, MEMCG_RES_MEMORY), 5);
	assert_int_equal(atomic_load(&p->res[MEMCG_RES_MEMORY].watermark), wm);
	assert_int_equal(usage(b, MEMCG_RES_MEMORY), 5);
	/* into the parent itself */
	assert_int_equal(memcg_move_task(400, 400, p), 0);
	assert_int_equal(usage(b, MEMCG_RES_MEMORY), 0);
	assert_int_equal(stat_of(p, MEMCG_RSS), 5);
	assert_int_equal(usage(p, MEMCG_RES_MEMORY), 5);
	assert_invariants();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bits, engine_setup, engine_teardown),
		cmocka_unit_test_setup_teardown(test_all_or_nothing, engine_setup, engine_teardown),
		cmocka_unit_test_setup_teardown(test_reclaims_in_target_and_swap_moves, engine_setup, engine_teardown),
		cmocka_unit_test_setup_teardown(test_common_ancestor_untouched, engine_setup, engine_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
