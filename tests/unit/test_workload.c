/* Unit tests of the workload interpreter: syntax, errors, multi-line
 * semantics (memcgfs(8) THE WORKLOAD FILE). */
#define MEM_PAGES 1024
#include "engine_fixture.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "engine/anon.h"
#include "workload/workload.h"

#define DEAD_PID 999999

static char last_refusal[256];

/* Any pid is a live process but DEAD_PID; 0 is the writer, pid 7. */
static struct task *fake_task_of(pid_t pid, void *ctx, int *err)
{
	struct task *t;

	(void)ctx;
	if (pid == DEAD_PID) {
		*err = -ESRCH;
		return NULL;
	}
	if (pid == 0)
		pid = 7;
	t = task_get_or_create(pid, pid);
	*err = t ? 0 : -ENOMEM;
	return t;
}

static void note_refusal(const char *line, const char *why, void *ctx)
{
	(void)ctx;
	snprintf(last_refusal, sizeof(last_refusal), "%s: %s", line, why);
}

static int run(const char *text)
{
	struct workload_env env = { fake_task_of, NULL, note_refusal };

	last_refusal[0] = '\0';
	return workload_apply(text, strlen(text), &env);
}

static void test_commands(void **state)
{
	struct memcg *root = memcg_root();

	(void)state;
	assert_int_equal(run("anon 10 8k\n"), 0);
	assert_int_equal(stat_of(root, MEMCG_RSS), 2);
	assert_int_equal(run("anon 10 1"), 0);		/* rounds up */
	assert_int_equal(stat_of(root, MEMCG_RSS), 3);
	assert_int_equal(run("free 10 4096\n"), 0);
	assert_int_equal(stat_of(root, MEMCG_RSS), 2);
	assert_int_equal(run("read 10 data 16k\nmap 11 lib 8k\n"), 0);
	assert_int_equal(stat_of(root, MEMCG_CACHE), 6);
	assert_int_equal(stat_of(root, MEMCG_MAPPED_FILE), 2);
	assert_int_equal(run("drop_caches"), 0);
	assert_int_equal(stat_of(root, MEMCG_CACHE), 2);	/* mapped stay */
	assert_int_equal(run("  evict   lib  \n\n"), 0);
	assert_int_equal(stat_of(root, MEMCG_CACHE), 0);
	assert_int_equal(run("kmalloc 10 dentry 22 t\nkfree t 21\n"), 0);
	assert_int_equal(usage(root, MEMCG_RES_KMEM), 2);	/* 21 a page */
	assert_int_equal(run("shrink dentry\nkfree t\nreap\ndrop_caches"), 0);
	assert_int_equal(usage(root, MEMCG_RES_KMEM), 0);
	assert_int_equal(run("anon 0 4k"), 0);		/* the writer */
	{
		struct task *writer = task_get_or_create(7, 7);

		assert_int_equal(anon_task_pages(writer), 1);
		task_put(writer);
	}
	assert_invariants();
}

static void test_errors(void **state)
{
	static const char *const einval[] = {
		"frobnicate 1 2", "anon 10", "anon 10 1M 2", "anon 10 1.5M",
		"anon 10 -1", "anon x 1M", "anon -3 1M", "read 10 f",
		"evict", "drop_caches now", "kmalloc 10 nosuch 5 t",
		"kmalloc 10 dentry 0 t", "kmalloc 10 dentry x t",
		"kmalloc 10 dentry 5", "kmalloc 10 odd:0 1 t", "kfree t",
		"kfree t 0", "shrink a b", "reap now",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(einval) / sizeof(einval[0]); i++) {
		assert_int_equal(run(einval[i]), -EINVAL);
		assert_true(last_refusal[0] != '\0');
	}
	assert_int_equal(run("anon 999999 4k"), -ESRCH);
	assert_int_equal(workload_apply("anon 1\0 4k", 10,
			 &(struct workload_env){ fake_task_of, NULL, NULL }),
			 -EINVAL);
	assert_int_equal(usage(memcg_root(), MEMCG_RES_MEMORY), 0);
}

static void test_first_failure_stops(void **state)
{
	(void)state;
	assert_int_equal(run("anon 10 4k\nanon 10 8k\nbogus\nanon 10 4k\n"),
			 -EINVAL);
	assert_int_equal(stat_of(memcg_root(), MEMCG_RSS), 3);
	assert_non_null(strstr(last_refusal, "unknown command"));
	/* ENOMEM stops too (here in a group that may not OOM-kill). */
	{
		struct memcg *g = group(memcg_root(), "g");

		task_in(11, g);
		assert_int_equal(memcg_set_limit(g, MEMCG_RES_MEMORY, 4), 0);
		assert_int_equal(memcg_set_setting(g, MEMCG_OOM_KILL_DISABLE, 1), 0);
		assert_int_equal(run("anon 11 4k\nanon 11 40k\nanon 11 4k"),
				 -ENOMEM);
		assert_int_equal(stat_of(g, MEMCG_RSS), 1);
	}
	assert_invariants();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_commands, engine_setup, engine_teardown),
		cmocka_unit_test_setup_teardown(test_errors, engine_setup, engine_teardown),
		cmocka_unit_test_setup_teardown(test_first_failure_stops, engine_setup, engine_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
