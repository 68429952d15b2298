/* Unit tests of OOM: victim choice, oom_kill counting, oom_kill_disable
 * and under_oom, global OOM above mem=. */
#define MEM_PAGES 64
#include "engine_fixture.h"

#include <errno.h>

#include "engine/anon.h"
#include "engine/oom.h"

static pid_t killed[8];
static int nr_killed;

static void record_kill(pid_t tgid)
{
	if (nr_killed < 8)
		killed[nr_killed] = tgid;
	nr_killed++;
}

static int setup(void **state)
{
	nr_killed = 0;
	fixture_oom_mode = MEMCG_OOM_SIMULATE;
	memcg_set_oom_kill_hook(record_kill);
	return engine_setup(state);
}

static int setup_kill(void **state)
{
	int rc = setup(state);

	fixture_oom_mode = MEMCG_OOM_KILL;
	engine_teardown(state);
	return rc ? rc : engine_setup(state);
}

static int teardown(void **state)
{
	memcg_set_oom_kill_hook(NULL);
	return engine_teardown(state);
}

static void test_biggest_task_in_subtree_is_the_victim(void **state)
{
	struct memcg *g = group(memcg_root(), "g");
	struct memcg *a = group(g, "a"), *b = group(g, "b");
	struct memcg *other = group(memcg_root(), "other");
	struct task *small = task_in(21, a), *big = task_in(22, b);
	struct task *outside = task_in(23, other), *me = task_in(24, a);

	(void)state;
	assert_int_equal(anon_fault(outside, 30), 0);	/* biggest, not in g */
	assert_int_equal(memcg_set_limit(g, MEMCG_RES_MEMORY, 20), 0);
	assert_int_equal(anon_fault(small, 5), 0);
	assert_int_equal(anon_fault(big, 12), 0);
	/* 17 + 8 > 20: no cache, no swap, so OOM in g takes "big". */
	assert_int_equal(anon_fault(me, 8), 0);
	assert_int_equal(anon_task_pages(big), 0);
	assert_int_equal(anon_task_pages(small), 5);
	assert_int_equal(anon_task_pages(outside), 30);
	assert_int_equal(anon_task_pages(me), 8);
	/* oom=simulate: nobody is signalled. */
	assert_int_equal(nr_killed, 0);
	/* Counted in the victim's own group only, as cgroup v1 does. */
	assert_int_equal(atomic_load(&b->oom_kill), 1);
	assert_int_equal(atomic_load(&g->oom_kill), 0);
	assert_int_equal(atomic_load(&a->oom_kill), 0);
	assert_int_equal(atomic_load(&other->oom_kill), 0);
	assert_int_equal(usage(g, MEMCG_RES_MEMORY), 13);
	assert_invariants();
}

/* As the kernel: no task is killed for a charge that killing cannot make
 * room for.  Above mem= (64 pages) a 128-page charge takes nobody's
 * memory, and fails. */
static void test_no_kill_for_a_charge_larger_than_memory(void **state)
{
	struct memcg *a = group(memcg_root(), "a"), *b = group(memcg_root(), "b");
	struct task *t1 = task_in(41, a), *t2 = task_in(42, a), *t3 = task_in(43, b);
	struct task *me = task_in(44, memcg_root());

	(void)state;
	assert_int_equal(anon_fault(t1, 4), 0);
	assert_int_equal(anon_fault(t2, 4), 0);
	assert_int_equal(anon_fault(t3, 4), 0);
	assert_int_equal(anon_fault(me, 2 * MEM_PAGES), -ENOMEM);
	assert_int_equal(anon_task_pages(t1), 4);
	assert_int_equal(anon_task_pages(t2), 4);
	assert_int_equal(anon_task_pages(t3), 4);
	assert_int_equal(anon_task_pages(me), 0);	/* all or nothing */
	assert_int_equal(atomic_load(&a->oom_kill) + atomic_load(&b->oom_kill), 0);
	assert_int_equal(nr_killed, 0);
	assert_int_equal(usage(memcg_root(), MEMCG_RES_MEMORY), 12);
	assert_invariants();
}

/* ... nor in a group: 32 pages in a group limited to 16 spare the
 * sibling, and a charge that fits still kills it. */
static void test_no_kill_for_a_charge_larger_than_the_limit(void **state)
{
	struct memcg *g = group(memcg_root(), "g");
	struct memcg *a = group(g, "a"), *b = group(g, "b");
	struct task *sib = task_in(51, a), *me = task_in(52, b);

	(void)state;
	assert_int_equal(memcg_set_limit(g, MEMCG_RES_MEMORY, 16), 0);
	assert_int_equal(anon_fault(sib, 10), 0);
	assert_int_equal(anon_fault(me, 32), -ENOMEM);
	assert_int_equal(anon_task_pages(sib), 10);
	assert_int_equal(atomic_load(&a->oom_kill), 0);
	assert_int_equal(usage(g, MEMCG_RES_MEMORY), 10);
	/* 10 + 8 > 16, and killing the sibling makes room: it goes. */
	assert_int_equal(anon_fault(me, 8), 0);
	assert_int_equal(anon_task_pages(sib), 0);
	assert_int_equal(atomic_load(&a->oom_kill), 1);
	assert_int_equal(anon_task_pages(me), 8);
	assert_invariants();
}

static void test_oom_kill_disable(void **state)
{
	struct memcg *g = group(memcg_root(), "g");
	struct task *t = task_in(31, g);

	(void)state;
	assert_int_equal(memcg_set_limit(g, MEMCG_RES_MEMORY, 10), 0);
	assert_int_equal(memcg_set_setting(g, MEMCG_OOM_KILL_DISABLE, 1), 0);
	assert_int_equal(anon_fault(t, 8), 0);
	assert_false(memcg_under_oom(g));
	assert_int_equal(anon_fault(t, 4), -ENOMEM);
	assert_true(memcg_under_oom(g));
	assert_int_equal(anon_task_pages(t), 8);	/* nothing taken */
	assert_int_equal(atomic_load(&g->oom_kill), 0);
	assert_true(atomic_load(&g->res[MEMCG_RES_MEMORY].failcnt) >= 1);
	/* Back under the limit for the refused charge: 6 + 4 <= 10. */
	assert_int_equal(anon_free(t, 1), 1);
	assert_true(memcg_under_oom(g));
	assert_int_equal(anon_free(t, 1), 1);
	assert_false(memcg_under_oom(g));
	assert_invariants();
}

/* oom=kill: the victim's process is signalled; when the victim is the
 * task the charge was for, the charge fails. */
static void test_self_victim_fails_and_is_killed(void **state)
{
	struct memcg *g = group(memcg_root(), "g");
	struct task *t = task_get_or_create(41, 40);

	(void)state;
	assert_non_null(t);
	assert_int_equal(task_move(41, 40, g), 0);
	assert_int_equal(memcg_set_limit(g, MEMCG_RES_MEMORY, 10), 0);
	assert_int_equal(anon_fault(t, 10), 0);
	assert_int_equal(anon_fault(t, 1), -ENOMEM);
	assert_int_equal(anon_task_pages(t), 0);
	assert_int_equal(atomic_load(&g->oom_kill), 1);
	assert_int_equal(nr_killed, 1);
	assert_int_equal(killed[0], 40);	/* the process, not the thread */
	task_put(t);
	assert_invariants();
}

/* Above mem= the machine is out of memory: global reclaim takes page
 * cache from the group furthest above its soft limit first, then global
 * OOM takes the biggest task anywhere. */
static void test_global_pressure(void **state)
{
	struct memcg *a = group(memcg_root(), "a"), *b = group(memcg_root(), "b");
	struct task *ta = task_in(51, a), *tb = task_in(52, b);
	struct task *tc = task_in(53, NULL);

	(void)state;
	assert_int_equal(memcg_set_soft_limit(a, 30), 0);
	assert_int_equal(memcg_set_soft_limit(b, 0), 0);
	assert_int_equal(pagecache_read(ta, "fa", 20, false), 0);
	assert_int_equal(pagecache_read(tb, "fb", 20, false), 0);
	assert_int_equal(anon_fault(tc, 20), 0);	/* 60 of 64 */
	assert_int_equal(anon_fault(tc, 8), 0);		/* b's cache goes */
	assert_int_equal(stat_of(b, MEMCG_CACHE), 16);
	assert_int_equal(stat_of(a, MEMCG_CACHE), 20);
	assert_invariants();
	/* Now fill with anon until cache is gone and OOM must act. */
	assert_int_equal(anon_fault(ta, 30), 0);
	assert_int_equal(stat_of(a, MEMCG_CACHE) + stat_of(b, MEMCG_CACHE), 6);
	assert_int_equal(anon_fault(tb, 20), 0);
	assert_int_equal(anon_task_pages(ta), 0);	/* the biggest went */
	assert_int_equal(atomic_load(&memcg_root()->oom_kill), 0);	/* the victim's group only */
	assert_true(usage(memcg_root(), MEMCG_RES_MEMORY) <= MEM_PAGES);
	assert_invariants();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_biggest_task_in_subtree_is_the_victim, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_kill_for_a_charge_larger_than_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_kill_for_a_charge_larger_than_the_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oom_kill_disable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_self_victim_fails_and_is_killed, setup_kill, teardown),
		cmocka_unit_test_setup_teardown(test_global_pressure, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
