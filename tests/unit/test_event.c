/* Unit tests of notifications (event.c): thresholds signal each crossing
 * up and down, on the group and its ancestors; an OOM signals the
 * subtree's OOM listeners; removal and unlisten release; pressure comes
 * in windows, by level and mode; and under concurrent charges a
 * threshold's signals stay in step with usage. */
#include "engine_fixture.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>

#include "engine/anon.h"
#include "engine/event.h"

struct counting {
	struct memcg_listener base;
	atomic_long signals;
	atomic_int released;	/* 1: unlistened, 2: its group removed */
};

static void count_signal(struct memcg_listener *l)
{
	atomic_fetch_add(&((struct counting *)l)->signals, 1);
}

static void count_release(struct memcg_listener *l, bool removed)
{
	atomic_store(&((struct counting *)l)->released, removed ? 2 : 1);
}

static void counting_init(struct counting *c)
{
	c->base.signal = count_signal;
	c->base.release = count_release;
	atomic_init(&c->signals, 0);
	atomic_init(&c->released, 0);
}

static long signals(struct counting *c)
{
	return atomic_load(&c->signals);
}

static void test_threshold_up_and_down(void **state)
{
	struct memcg *g = group(memcg_root(), "g");
	struct task *t = task_in(1, g);
	struct counting at10, at20, parent;

	(void)state;
	counting_init(&at10);
	counting_init(&at20);
	counting_init(&parent);
	assert_int_equal(memcg_listen(g, MEMCG_EVENT_USAGE, 10, &at10.base), 0);
	assert_int_equal(memcg_listen(g, MEMCG_EVENT_USAGE, 20, &at20.base), 0);
	assert_int_equal(memcg_listen(memcg_root(), MEMCG_EVENT_USAGE, 15,
				      &parent.base), 0);
	assert_int_equal(anon_fault(t, 9), 0);
	assert_int_equal(signals(&at10), 0);
	assert_int_equal(anon_fault(t, 1), 0);	/* 10: reached */
	assert_int_equal(signals(&at10), 1);
	assert_int_equal(anon_fault(t, 15), 0);	/* 25: past both */
	assert_int_equal(signals(&at10), 1);
	assert_int_equal(signals(&at20), 1);
	assert_int_equal(signals(&parent), 1);
	anon_free(t, 16);			/* 9: below both */
	assert_int_equal(signals(&at10), 2);
	assert_int_equal(signals(&at20), 2);
	assert_int_equal(signals(&parent), 2);
	memcg_unlisten(g, &at20.base);
	assert_int_equal(atomic_load(&at20.released), 1);
	assert_int_equal(anon_fault(t, 20), 0);
	assert_int_equal(signals(&at20), 2);	/* gone: no more */
	assert_int_equal(signals(&at10), 3);
	memcg_unlisten(memcg_root(), &parent.base);
	task_exit(1);
	assert_int_equal(signals(&at10), 4);
	assert_int_equal(memcg_remove(g), 0);
	assert_int_equal(atomic_load(&at10.released), 2);
	assert_int_equal(signals(&at10), 4);	/* the owner signals that */
	assert_int_equal(memcg_nr_listeners(), 0);
}

static void test_registered_above_usage_is_no_crossing(void **state)
{
	struct memcg *g = group(memcg_root(), "g");
	struct task *t = task_in(2, g);
	struct counting c;

	(void)state;
	counting_init(&c);
	assert_int_equal(anon_fault(t, 30), 0);
	assert_int_equal(memcg_listen(g, MEMCG_EVENT_USAGE, 10, &c.base), 0);
	assert_int_equal(anon_fault(t, 1), 0);
	assert_int_equal(signals(&c), 0);
	anon_free(t, 25);
	assert_int_equal(signals(&c), 1);
	memcg_unlisten(g, &c.base);
	task_exit(2);
}

static void test_oom_signals_the_subtree(void **state)
{
	struct memcg *g = group(memcg_root(), "g"), *c = group(g, "c");
	struct task *t = task_in(3, c);
	struct counting on_g, on_c, late;

	(void)state;
	counting_init(&on_g);
	counting_init(&on_c);
	counting_init(&late);
	assert_int_equal(memcg_listen(g, MEMCG_EVENT_OOM, 0, &on_g.base), 0);
	assert_int_equal(memcg_listen(c, MEMCG_EVENT_OOM, 0, &on_c.base), 0);
	assert_int_equal(page_counter_set_limit(&g->res[MEMCG_RES_MEMORY], 8), 0);
	assert_int_equal(memcg_set_setting(g, MEMCG_OOM_KILL_DISABLE, 1), 0);
	assert_int_equal(anon_fault(t, 16), -ENOMEM);
	assert_int_equal(signals(&on_g), 1);
	assert_int_equal(signals(&on_c), 1);
	assert_int_equal(anon_fault(t, 16), -ENOMEM);	/* still in OOM */
	assert_int_equal(signals(&on_g), 1);
	/* One registered under OOM hears at once. */
	assert_int_equal(memcg_listen(g, MEMCG_EVENT_OOM, 0, &late.base), 0);
	assert_int_equal(signals(&late), 1);
	memcg_unlisten(g, &on_g.base);
	memcg_unlisten(g, &late.base);
	memcg_unlisten(c, &on_c.base);
	task_exit(3);
}

static void test_removed_group_refuses(void **state)
{
	struct memcg *g = group(memcg_root(), "g");
	struct counting c;

	(void)state;
	counting_init(&c);
	memcg_get(g);
	assert_int_equal(memcg_remove(g), 0);
	assert_int_equal(memcg_listen(g, MEMCG_EVENT_USAGE, 1, &c.base), -ENODEV);
	memcg_put(g);
	assert_int_equal(memcg_nr_listeners(), 0);
}

static void test_pressure_windows_levels_and_modes(void **state)
{
	struct memcg *a = group(memcg_root(), "a"), *b = group(a, "b");
	struct counting low_b, crit_b, dflt_a, hier_a, local_a;
	long W = MEMCG_PRESSURE_WINDOW;

	(void)state;
	counting_init(&low_b);
	counting_init(&crit_b);
	counting_init(&dflt_a);
	counting_init(&hier_a);
	counting_init(&local_a);
	assert_int_equal(memcg_listen(b, MEMCG_EVENT_PRESSURE, MEMCG_PRESSURE_LOW, &low_b.base), 0);
	assert_int_equal(memcg_listen(b, MEMCG_EVENT_PRESSURE, MEMCG_PRESSURE_CRITICAL, &crit_b.base), 0);
	assert_int_equal(memcg_listen(a, MEMCG_EVENT_PRESSURE, MEMCG_PRESSURE_LOW, &dflt_a.base), 0);
	assert_int_equal(memcg_listen(a, MEMCG_EVENT_PRESSURE,
				      MEMCG_PRESSURE_LOW + 3 * MEMCG_PRESSURE_HIERARCHY, &hier_a.base), 0);
	assert_int_equal(memcg_listen(a, MEMCG_EVENT_PRESSURE,
				      MEMCG_PRESSURE_LOW + 3 * MEMCG_PRESSURE_LOCAL, &local_a.base), 0);
	memcg_events_reclaim(b, W - 1, W - 1);	/* not a window yet */
	assert_int_equal(signals(&low_b), 0);
	memcg_events_reclaim(b, 1, 1);		/* a window, all freed: low */
	assert_int_equal(signals(&low_b), 1);
	assert_int_equal(signals(&crit_b), 0);
	assert_int_equal(signals(&dflt_a), 0);	/* b had listeners */
	assert_int_equal(signals(&hier_a), 1);
	assert_int_equal(signals(&local_a), 0);
	memcg_events_reclaim(b, W, W / 50);	/* 98 %: critical */
	assert_int_equal(signals(&crit_b), 1);
	assert_int_equal(signals(&low_b), 2);
	memcg_unlisten(b, &low_b.base);
	memcg_unlisten(b, &crit_b.base);
	memcg_events_reclaim(b, W, W / 2);	/* 50 %: low, none below now */
	assert_int_equal(signals(&dflt_a), 1);
	assert_int_equal(signals(&hier_a), 3);
	assert_int_equal(signals(&local_a), 0);
	memcg_events_reclaim(a, W, 0);		/* a's own */
	assert_int_equal(signals(&local_a), 1);
	memcg_unlisten(a, &dflt_a.base);
	memcg_unlisten(a, &hier_a.base);
	memcg_unlisten(a, &local_a.base);
}

/* Threads charge and free around a threshold while others check: each
 * crossing flips the listener's side, so after a last check the number
 * of signals is odd exactly when usage is at or above it. */
#define THREADS 4
#define ROUNDS 2000
#define THRESHOLD 64

static void *churn(void *arg)
{
	struct task *t = arg;

	for (int i = 0; i < ROUNDS; i++) {
		if (anon_fault(t, 1 + i % 40) == 0 && i % 3)
			anon_free(t, 1 + i % 40);
	}
	return NULL;
}

static void test_concurrent_crossings_stay_in_step(void **state)
{
	struct memcg *g = group(memcg_root(), "g");
	struct task *t[THREADS];
	pthread_t th[THREADS];
	struct counting c;

	(void)state;
	counting_init(&c);
	assert_int_equal(memcg_listen(g, MEMCG_EVENT_USAGE, THRESHOLD, &c.base), 0);
	for (int i = 0; i < THREADS; i++) {
		t[i] = task_in(100 + i, g);
		assert_int_equal(pthread_create(&th[i], NULL, churn, t[i]), 0);
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	memcg_events_check(g);
	assert_int_equal(signals(&c) % 2, usage(g, MEMCG_RES_MEMORY) >= THRESHOLD);
	assert_true(signals(&c) > 0);
	for (int i = 0; i < THREADS; i++)
		task_exit(100 + i);
	assert_int_equal(signals(&c) % 2, 0);	/* all freed: below */
	memcg_unlisten(g, &c.base);
	assert_invariants();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_threshold_up_and_down, engine_setup, engine_teardown),
		cmocka_unit_test_setup_teardown(test_registered_above_usage_is_no_crossing, engine_setup, engine_teardown),
		cmocka_unit_test_setup_teardown(test_oom_signals_the_subtree, engine_setup, engine_teardown),
		cmocka_unit_test_setup_teardown(test_removed_group_refuses, engine_setup, engine_teardown),
		cmocka_unit_test_setup_teardown(test_pressure_windows_levels_and_modes, engine_setup, engine_teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_crossings_stay_in_step, engine_setup, engine_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
