/* Unit tests of the group tree, settings, lifecycle and task membership. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "engine/charge.h"
#include "engine/engine.h"
#include "engine/memcg_impl.h"
#include "engine/pagecache.h"
#include "engine/rcu.h"
#include "engine/reclaim.h"
#include "engine/stat.h"
#include "engine/task.h"
#include "fs/render.h"

#define MAXP (9223372036854771712L / 4096)

static char released[8][64];
static int nr_released;

static void record_release(const char *path)
{
	if (nr_released < 8)
		strncpy(released[nr_released], path, 63);
	nr_released++;
}

/* Allocation failure on demand: the test links with --wrap=calloc, so
 * every calloc of the engine comes here.  -1: never fail; n >= 0: the
 * n-th call from now fails. */
static int calloc_fails_in = -1;

void *__real_calloc(size_t nmemb, size_t size);
void *__wrap_calloc(size_t nmemb, size_t size);

void *__wrap_calloc(size_t nmemb, size_t size)
{
	if (calloc_fails_in >= 0 && calloc_fails_in-- == 0)
		return NULL;
	return __real_calloc(nmemb, size);
}

static int setup_model(enum memcg_kmem_model model)
{
	struct memcg_config cfg = {
		.page_size = 4096, .mem_pages = 1 << 20, .swap_pages = 0,
		.kmem_model = model,
	};


	nr_released = 0;
	memset(released, 0, sizeof(released));
	if (engine_init(&cfg))
		return -1;
	memcg_set_release_hook(record_release);
	return 0;
}

static int setup(void **state)
{
	(void)state;
	return setup_model(MEMCG_KMEM_REPARENT);
}

static int setup_pin(void **state)
{
	(void)state;
	return setup_model(MEMCG_KMEM_PIN);
}

static int teardown(void **state)
{
	(void)state;
	memcg_set_release_hook(NULL);
	engine_exit();
	return 0;
}

static struct memcg *mk(struct memcg *parent, const char *name)
{
	int err = 1;
	struct memcg *m = memcg_create(parent, name, NULL, NULL, &err);

	assert_non_null(m);
	assert_int_equal(err, 0);
	memcg_put(m);	/* the tree keeps it */
	return m;
}

static void test_create_lookup_remove(void **state)
{
	struct memcg *root = memcg_root(), *a, *found;
	uint64_t id;
	int err;

	(void)state;
	a = mk(root, "a");
	id = a->id;
	assert_true(id != root->id);
	assert_null(memcg_create(root, "a", NULL, NULL, &err));
	assert_int_equal(err, -EEXIST);
	found = memcg_tryget_by_id(id);
	assert_ptr_equal(found, a);
	memcg_put(found);
	found = memcg_tryget_child(root, "a");
	assert_ptr_equal(found, a);
	memcg_put(found);
	assert_int_equal(memcg_nr_children(root), 1);
	assert_int_equal(memcg_remove(a), 0);
	assert_null(memcg_tryget_by_id(id));
	assert_null(memcg_tryget_child(root, "a"));
	assert_int_equal(memcg_nr_children(root), 0);
	/* The name is free again, for an independent group with a new id. */
	a = mk(root, "a");
	assert_true(a->id > id);
}

static void test_remove_busy(void **state)
{
	struct memcg *root = memcg_root(), *a, *b;

	(void)state;
	a = mk(root, "a");
	b = mk(a, "b");
	assert_int_equal(memcg_remove(a), -EBUSY);
	assert_int_equal(memcg_remove(root), -EBUSY);
	assert_int_equal(task_move(4242, 4242, b), 0);
	assert_int_equal(memcg_remove(b), -EBUSY);
	task_exit(4242);
	assert_int_equal(memcg_remove(b), 0);
	assert_int_equal(memcg_remove(a), 0);
	assert_int_equal(memcg_remove(a), -ENOENT);
}

static void test_rename(void **state)
{
	struct memcg *root = memcg_root(), *a, *d;
	struct strbuf sb;

	(void)state;
	a = mk(root, "a");
	mk(root, "b");
	assert_int_equal(memcg_rename(a, "b"), -EEXIST);
	assert_int_equal(memcg_rename(a, "a"), 0);
	assert_int_equal(memcg_rename(a, "c"), 0);
	d = mk(a, "d");
	strbuf_init(&sb);
	memcg_path(d, &sb);
	assert_string_equal(sb.buf, "/c/d");
	strbuf_release(&sb);
	assert_null(memcg_tryget_child(root, "a"));
	assert_int_equal(memcg_rename(root, "x"), -ENOENT);
}

static void test_defaults_and_inheritance(void **state)
{
	struct memcg *root = memcg_root(), *a, *b;

	(void)state;
	assert_int_equal(atomic_load(&root->swappiness), 60);
	a = mk(root, "a");
	assert_int_equal(memcg_set_setting(a, MEMCG_SWAPPINESS, 10), 0);
	assert_int_equal(memcg_set_setting(a, MEMCG_MOVE_CHARGE, 3), 0);
	memcg_set_setting(a, MEMCG_NOTIFY_ON_RELEASE, 5);
	memcg_set_setting(a, MEMCG_CLONE_CHILDREN, 1);
	assert_int_equal(memcg_set_setting(a, MEMCG_OOM_KILL_DISABLE, 1), 0);
	b = mk(a, "b");
	assert_int_equal(atomic_load(&b->swappiness), 10);
	assert_int_equal(atomic_load(&b->move_charge), 3);
	assert_int_equal(atomic_load(&b->notify_on_release), 1);
	assert_int_equal(atomic_load(&b->clone_children), 0);
	assert_int_equal(atomic_load(&b->oom_kill_disable), 0);
	assert_int_equal(page_counter_limit(&b->res[MEMCG_RES_MEMORY]), MAXP);
	assert_int_equal(atomic_load(&b->soft_limit), MAXP);
}

static void test_setting_ranges(void **state)
{
	struct memcg *root = memcg_root(), *a;

	(void)state;
	a = mk(root, "a");
	assert_int_equal(memcg_set_setting(a, MEMCG_SWAPPINESS, 200), 0);
	assert_int_equal(memcg_set_setting(a, MEMCG_SWAPPINESS, 201), -EINVAL);
	assert_int_equal(atomic_load(&a->swappiness), 200);
	assert_int_equal(memcg_set_setting(a, MEMCG_MOVE_CHARGE, 4), -EINVAL);
	assert_int_equal(memcg_set_setting(a, MEMCG_OOM_KILL_DISABLE, 2), -EINVAL);
	assert_int_equal(memcg_set_setting(root, MEMCG_OOM_KILL_DISABLE, 1), -EINVAL);
	assert_int_equal(memcg_set_setting(a, MEMCG_USE_HIERARCHY, 1), 0);
	assert_int_equal(memcg_set_setting(a, MEMCG_USE_HIERARCHY, 0), -EINVAL);
	assert_int_equal(memcg_force_empty(root), -EINVAL);
	assert_int_equal(memcg_force_empty(a), 0);
}

static void test_limits(void **state)
{
	struct memcg *root = memcg_root(), *a, *b;

	(void)state;
	a = mk(root, "a");
	b = mk(a, "b");
	for (int r = 0; r < MEMCG_NR_RES; r++)
		assert_int_equal(memcg_set_limit(root, r, 10), -EINVAL);
	/* memsw may not go below the memory limit, which starts unlimited. */
	assert_int_equal(memcg_set_limit(a, MEMCG_RES_MEMSW, 100), -EINVAL);
	assert_int_equal(memcg_set_limit(a, MEMCG_RES_MEMORY, 100), 0);
	assert_int_equal(memcg_set_limit(a, MEMCG_RES_MEMSW, 100), 0);
	assert_int_equal(memcg_set_limit(a, MEMCG_RES_MEMORY, 101), -EINVAL);
	assert_int_equal(memcg_set_limit(a, MEMCG_RES_MEMSW, 99), -EINVAL);
	assert_int_equal(page_counter_limit(&a->res[MEMCG_RES_MEMORY]), 100);
	assert_int_equal(page_counter_limit(&a->res[MEMCG_RES_MEMSW]), 100);
	assert_int_equal(memcg_set_limit(b, MEMCG_RES_MEMORY, 50), 0);
	assert_int_equal(memcg_hierarchical_limit(b, MEMCG_RES_MEMORY), 50);
	assert_int_equal(memcg_hierarchical_limit(b, MEMCG_RES_MEMSW), 100);
	assert_int_equal(memcg_hierarchical_limit(root, MEMCG_RES_MEMORY), MAXP);
	/* Without anything reclaimable a limit below usage is refused. */
	page_counter_charge(&b->res[MEMCG_RES_MEMORY], 20);
	assert_int_equal(memcg_set_limit(b, MEMCG_RES_MEMORY, 10), -EBUSY);
	assert_int_equal(page_counter_limit(&b->res[MEMCG_RES_MEMORY]), 50);
	page_counter_uncharge(&b->res[MEMCG_RES_MEMORY], 20);
}

/* Shrinking a limit reclaims real pages: five clean page-cache pages of a
 * task in a, of which three must go. */
static void test_limit_shrink_reclaims(void **state)
{
	struct memcg *a = mk(memcg_root(), "a");
	struct task *t;

	(void)state;
	assert_int_equal(task_move(400, 400, a), 0);
	t = task_get_or_create(400, 400);
	assert_non_null(t);
	assert_int_equal(pagecache_read(t, "f", 5, false), 0);
	task_put(t);
	assert_int_equal(page_counter_read(&a->res[MEMCG_RES_MEMORY]), 5);
	assert_int_equal(memcg_set_limit(a, MEMCG_RES_MEMORY, 2), 0);
	assert_int_equal(page_counter_read(&a->res[MEMCG_RES_MEMORY]), 2);
	assert_true(memcg_stat_local(a, MEMCG_PGPGOUT) >= 3);
	assert_int_equal(memcg_force_empty(a), 0);
	assert_int_equal(page_counter_read(&a->res[MEMCG_RES_MEMORY]), 0);
}

static void test_tasks(void **state)
{
	struct memcg *root = memcg_root(), *a, *b;
	pid_t *ids;
	long n;

	(void)state;
	a = mk(root, "a");
	b = mk(root, "b");
	assert_int_equal(task_move(300, 100, a), 0);
	assert_int_equal(task_move(100, 100, a), 0);
	assert_int_equal(task_move(200, 200, a), 0);
	assert_true(task_in_child_group(100));
	assert_false(task_in_child_group(999));
	n = memcg_task_ids(a, false, &ids);
	assert_int_equal(n, 3);
	assert_int_equal(ids[0], 100);
	assert_int_equal(ids[1], 200);
	assert_int_equal(ids[2], 300);
	free(ids);
	n = memcg_task_ids(a, true, &ids);
	assert_int_equal(n, 2);
	assert_int_equal(ids[0], 100);
	assert_int_equal(ids[1], 200);
	free(ids);
	/* A task is in one group only. */
	assert_int_equal(task_move(200, 200, b), 0);
	assert_int_equal(a->nr_tasks, 2);
	assert_int_equal(b->nr_tasks, 1);
	assert_int_equal(task_move(200, 200, root), 0);
	assert_false(task_in_child_group(200));
	assert_int_equal(b->nr_tasks, 0);
	assert_int_equal(memcg_remove(b), 0);
	assert_int_equal(task_move(1, 1, b), -ENOENT);
}

static void test_release_on_empty(void **state)
{
	struct memcg *root = memcg_root(), *a, *b, *c;

	(void)state;
	a = mk(root, "a");
	memcg_set_setting(a, MEMCG_NOTIFY_ON_RELEASE, 1);
	b = mk(a, "b");		/* inherits notify_on_release */
	c = mk(root, "quiet");
	assert_int_equal(task_move(7, 7, b), 0);
	assert_int_equal(task_move(8, 8, c), 0);
	task_exit(7);
	assert_int_equal(nr_released, 1);
	assert_string_equal(released[0], "/a/b");
	assert_int_equal(memcg_remove(b), 0);
	assert_int_equal(nr_released, 2);
	assert_string_equal(released[1], "/a");
	task_exit(8);		/* notify_on_release 0: nothing */
	assert_int_equal(nr_released, 2);
	assert_int_equal(task_move(9, 9, a), 0);
	assert_int_equal(task_move(9, 9, root), 0);	/* moved out */
	assert_int_equal(nr_released, 3);
	assert_string_equal(released[2], "/a");
}

static void test_dying_while_referenced(void **state)
{
	struct memcg *a = mk(memcg_root(), "a");
	struct strbuf sb;
	char expect[128];

	(void)state;
	memcg_get(a);		/* an operation still holds it */
	assert_int_equal(memcg_remove(a), 0);
	assert_false(memcg_online(a));
	strbuf_init(&sb);
	render_dying(&sb);
	snprintf(expect, sizeof(expect),
		 "%llu /a refs=1 kmem=0 pages=0 caches=0 state=-\n",
		 (unsigned long long)a->id);
	assert_string_equal(sb.buf, expect);
	strbuf_release(&sb);
	memcg_put(a);
	strbuf_init(&sb);
	render_dying(&sb);
	assert_int_equal(sb.len, 0);
	strbuf_release(&sb);
}


#define DEEP 200000
#define WIDE 100000

static int count_group(struct memcg *m, void *arg)
{
	(void)m;
	(*(long *)arg)++;
	return 0;
}

/* A chain as deep as a delegated user can make one: every walk, the path,
 * the totals, removal and the last puts of a dying chain, and the
 * teardown (at engine exit) take constant stack. */
static void test_deep_chain(void **state)
{
	struct memcg *m = memcg_root(), *bottom;
	struct strbuf sb;
	long n = 0;

	(void)state;
	for (int i = 0; i < DEEP; i++)
		m = mk(m, "d");
	bottom = m;
	memcg_walk_subtree(memcg_root(), count_group, &n);
	assert_int_equal(n, DEEP + 1);
	strbuf_init(&sb);
	memcg_path(bottom, &sb);
	assert_false(sb.oom);
	assert_int_equal(sb.len, 2 * DEEP);
	assert_string_equal(sb.buf + sb.len - 4, "/d/d");
	strbuf_release(&sb);
	memcg_count_event(bottom, MEMCG_PGFAULT, 3);
	assert_int_equal(memcg_stat_total(memcg_root(), MEMCG_PGFAULT), 3);
	assert_int_equal(memcg_stat_local(memcg_root(), MEMCG_PGFAULT), 0);
	/* Held while the whole chain is removed, deepest first: each removed
	 * group holds its parent, so the last put frees them all. */
	memcg_get(bottom);
	for (m = bottom; !memcg_is_root(m);) {
		struct memcg *up = m->parent;

		assert_int_equal(memcg_remove(m), 0);
		m = up;
	}
	assert_int_equal(memcg_nr_children(memcg_root()), 0);
	assert_false(memcg_online(bottom));
	memcg_put(bottom);
	strbuf_init(&sb);
	render_dying(&sb);
	assert_int_equal(sb.len, 0);
	strbuf_release(&sb);
	/* And a chain left in place goes at engine exit (teardown). */
	m = memcg_root();
	for (int i = 0; i < DEEP; i++)
		m = mk(m, "e");
}

static int note_first(struct memcg *m, void *arg)
{
	*(uint64_t *)arg = m->id;
	return 1;
}

/* Siblings by the hundred thousand: lookups by name, listings resumed
 * after any of them, renames and removals. */
static void test_wide_siblings(void **state)
{
	static struct memcg *g[WIDE];
	struct memcg *root = memcg_root(), *c;
	char name[32];
	uint64_t next, gone;

	(void)state;
	for (int i = 0; i < WIDE; i++) {
		snprintf(name, sizeof(name), "g%d", i);
		g[i] = mk(root, name);
	}
	assert_int_equal(memcg_nr_children(root), WIDE);
	for (int i = 0; i < WIDE; i += 997) {
		snprintf(name, sizeof(name), "g%d", i);
		c = memcg_tryget_child(root, name);
		assert_ptr_equal(c, g[i]);
		memcg_put(c);
	}
	assert_null(memcg_tryget_child(root, "g100000"));
	/* A listing resumes after a child with the next one. */
	memcg_for_each_child(root, g[5000]->id, note_first, &next);
	assert_int_equal(next, g[5001]->id);
	/* ... and after a removed one with the next that is left. */
	gone = g[5001]->id;
	assert_int_equal(memcg_remove(g[5001]), 0);
	memcg_for_each_child(root, gone, note_first, &next);
	assert_int_equal(next, g[5002]->id);
	assert_null(memcg_tryget_child(root, "g5001"));
	assert_int_equal(memcg_rename(g[7], "renamed"), 0);
	assert_null(memcg_tryget_child(root, "g7"));
	c = memcg_tryget_child(root, "renamed");
	assert_ptr_equal(c, g[7]);
	memcg_put(c);
	c = mk(root, "g7");	/* the old name is free */
	assert_int_equal(memcg_remove(c), 0);
	for (int i = 0; i < WIDE; i++)
		if (i != 5001)
			assert_int_equal(memcg_remove(g[i]), 0);
	assert_int_equal(memcg_nr_children(root), 0);
}

static int count_ptr(struct memcg *m, void *arg)
{
	(void)m;
	*(long *)arg += memcg_config()->kmem_model == MEMCG_KMEM_PIN ? 2 : 1;
	return 0;
}

/* memcg_ptr ids in use: every one published in the id table. */
static long published_ptrs(void)
{
	long n = 0;

	memcg_rcu_read_lock();
	for (uint32_t id = 1; id < 256; id++)
		n += memcg_ptr_from_id(id) != NULL;
	memcg_rcu_read_unlock();
	return n;
}

/* Creation failing for want of memory at each of its allocations in turn
 * (under kmem=pin a group has two memcg_ptrs) leaves nothing behind: no
 * group, no pointer still published in the id table (which the engine's
 * exit would free a second time), and the next creation works. */
static void test_create_out_of_memory(void **state)
{
	struct memcg *root = memcg_root(), *g = NULL;
	long ptrs = 0;
	int n, err;

	(void)state;
	memcg_walk_subtree(root, count_ptr, &ptrs);
	assert_int_equal(published_ptrs(), ptrs);
	for (n = 0; !g && n < 32; n++) {
		calloc_fails_in = n;
		g = memcg_create(root, "g", NULL, NULL, &err);
		calloc_fails_in = -1;
		if (g)
			break;
		assert_int_equal(err, -ENOMEM);
		assert_int_equal(memcg_nr_children(root), 0);
		assert_int_equal(published_ptrs(), ptrs);
	}
	assert_non_null(g);
	/* Failed at least at the group, its pointer (and its kmem one). */
	assert_true(n >= 2 + (memcg_config()->kmem_model == MEMCG_KMEM_PIN));
	memcg_put(g);
	assert_int_equal(memcg_nr_children(root), 1);
	ptrs = 0;
	memcg_walk_subtree(root, count_ptr, &ptrs);
	assert_int_equal(published_ptrs(), ptrs);
	assert_int_equal(memcg_remove(g), 0);
}

static void test_create_out_of_memory_kmem_pin(void **state)
{
	test_create_out_of_memory(state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_lookup_remove, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_busy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rename, setup, teardown),
		cmocka_unit_test_setup_teardown(test_defaults_and_inheritance, setup, teardown),
		cmocka_unit_test_setup_teardown(test_setting_ranges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limit_shrink_reclaims, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tasks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_release_on_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dying_while_referenced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deep_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wide_siblings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_out_of_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_out_of_memory_kmem_pin,
						setup_pin, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
