/* Unit tests of the socket-buffer (tcp) counter: a counter of its own,
 * hierarchical, limited apart from memory and kmem. */
#include "engine_fixture.h"

#include <errno.h>

#include "engine/sock.h"

static struct memcg_counter tcp(struct memcg *m)
{
	struct memcg_counter c;

	memcg_read_counter(m, MEMCG_RES_TCP, &c);
	return c;
}

static void test_charge_goes_up_and_nowhere_else(void **state)
{
	struct memcg *p = group(memcg_root(), "p"), *c = group(p, "c");
	struct task *t = task_in(100, c);

	(void)state;
	assert_int_equal(sock_charge(t, 10), 0);
	assert_int_equal(tcp(c).usage, 10);
	assert_int_equal(tcp(p).usage, 10);
	assert_int_equal(tcp(memcg_root()).usage, 10);
	for (int r = 0; r < MEMCG_NR_RES; r++)
		if (r != MEMCG_RES_TCP)
			assert_int_equal(usage(c, r), 0);
	assert_int_equal(sock_free(t, 4), 4);
	assert_int_equal(tcp(p).usage, 6);
	assert_int_equal(tcp(c).max_usage, 10);
	assert_int_equal(sock_free(t, 100), 6);	/* what it holds, no more */
	assert_int_equal(tcp(memcg_root()).usage, 0);
	assert_int_equal(page_counter_underflows(), 0);
	assert_invariants();
}

static void test_limit_fails_its_own_charges(void **state)
{
	struct memcg *p = group(memcg_root(), "p"), *c = group(p, "c");
	struct task *t = task_in(100, c);

	(void)state;
	assert_int_equal(memcg_set_limit(p, MEMCG_RES_TCP, 8), 0);
	assert_int_equal(sock_charge(t, 6), 0);
	assert_int_equal(sock_charge(t, 3), -ENOMEM);
	assert_int_equal(tcp(c).usage, 6);	/* nothing of it stayed */
	assert_int_equal(tcp(p).failcnt, 1);
	assert_int_equal(tcp(c).failcnt, 0);
	/* A tcp limit never limits memory, nor a memory limit tcp. */
	assert_int_equal(memcg_set_limit(c, MEMCG_RES_MEMORY, 0), 0);
	assert_int_equal(sock_charge(t, 2), 0);
	assert_int_equal(tcp(p).usage, 8);
	/* Below usage: EBUSY at once, the limit unchanged. */
	assert_int_equal(memcg_set_limit(p, MEMCG_RES_TCP, 4), -EBUSY);
	assert_int_equal(tcp(p).limit, 8);
	assert_int_equal(memcg_set_limit(memcg_root(), MEMCG_RES_TCP, 4), -EINVAL);
	/* The resets: failcnt to 0, max_usage to the usage. */
	sock_free(t, 5);
	assert_int_equal(tcp(p).max_usage, 8);
	memcg_reset_max_usage(p, MEMCG_RES_TCP);
	memcg_reset_failcnt(p, MEMCG_RES_TCP);
	assert_int_equal(tcp(p).max_usage, 3);
	assert_int_equal(tcp(p).failcnt, 0);
	assert_int_equal(memcg_set_limit(p, MEMCG_RES_TCP, 3), 0);
	sock_free(t, -1);
	assert_int_equal(tcp(memcg_root()).usage, 0);
}

/* As the kernel's sockets: charges stay where they were made when the
 * task moves, follow a removed group to its parent, and go at exit. */
static void test_move_remove_exit(void **state)
{
	struct memcg *p = group(memcg_root(), "p"), *a = group(p, "a");
	struct memcg *b = group(memcg_root(), "b");
	struct task *t = task_in(100, a);

	(void)state;
	assert_int_equal(sock_charge(t, 5), 0);
	assert_int_equal(task_move(100, 100, b), 0);
	assert_int_equal(sock_charge(t, 3), 0);
	assert_int_equal(tcp(a).usage, 5);
	assert_int_equal(tcp(b).usage, 3);
	assert_int_equal(memcg_remove(a), 0);
	assert_int_equal(tcp(p).usage, 5);	/* removal changes no live counter */
	assert_int_equal(sock_free(t, 4), 4);	/* newest first: b's 3, then one */
	assert_int_equal(tcp(b).usage, 0);
	assert_int_equal(tcp(p).usage, 4);
	task_exit(100);
	assert_int_equal(tcp(p).usage, 0);
	assert_int_equal(tcp(memcg_root()).usage, 0);
	assert_int_equal(page_counter_underflows(), 0);
	assert_invariants();
}

static void test_exited_task_charges_nothing(void **state)
{
	struct task *t = task_in(100, group(memcg_root(), "g"));

	(void)state;
	task_get(t);
	task_exit(100);
	assert_int_equal(sock_charge(t, 1), -ESRCH);
	assert_int_equal(tcp(memcg_root()).usage, 0);
	task_put(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_charge_goes_up_and_nowhere_else, engine_setup, engine_teardown),
		cmocka_unit_test_setup_teardown(test_limit_fails_its_own_charges, engine_setup, engine_teardown),
		cmocka_unit_test_setup_teardown(test_move_remove_exit, engine_setup, engine_teardown),
		cmocka_unit_test_setup_teardown(test_exited_task_charges_nothing, engine_setup, engine_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
