/* Unit tests of slab caches and the two kernel-memory lifecycles. */
#define MEM_PAGES 4096
#include "engine_fixture.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "engine/reclaim.h"
#include "engine/slab.h"
#include "fs/render.h"

static enum memcg_kmem_model model;

static int setup_model(void **state, enum memcg_kmem_model m)
{
	struct memcg_config cfg = {
		.page_size = 4096, .mem_pages = MEM_PAGES,
		.kmem_model = m, .oom_mode = MEMCG_OOM_SIMULATE,
	};

	(void)state;
	model = m;
	return engine_init(&cfg) ? -1 : 0;
}

static int setup_reparent(void **state)
{
	return setup_model(state, MEMCG_KMEM_REPARENT);
}

static int setup_pin(void **state)
{
	return setup_model(state, MEMCG_KMEM_PIN);
}

static long kmem(struct memcg *m)
{
	return usage(m, MEMCG_RES_KMEM);
}

/* A group whose kmem is accounted in either model. */
static struct memcg *kgroup(struct memcg *parent, const char *name)
{
	struct memcg *m = group(parent, name);

	assert_int_equal(memcg_set_limit(m, MEMCG_RES_KMEM, memcg_max_pages()), 0);
	return m;
}

static void test_pages_objects_shrink(void **state)
{
	struct memcg *g = kgroup(memcg_root(), "g");
	struct task *t = task_in(10, g);

	(void)state;
	/* kmalloc-64: 64 objects a page. */
	assert_int_equal(slab_kmalloc(t, "kmalloc-64", 100, "a"), 0);
	assert_int_equal(kmem(g), 2);
	assert_int_equal(usage(g, MEMCG_RES_MEMORY), 2);
	assert_int_equal(usage(memcg_root(), MEMCG_RES_MEMSW), 2);
	assert_int_equal(slab_kmalloc(t, "kmalloc-64", 28, "b"), 0);
	assert_int_equal(kmem(g), 2);		/* fits the free room */
	assert_int_equal(slab_kmalloc(t, "dentry", 22, "c"), 0);	/* 21 a page */
	assert_int_equal(kmem(g), 4);
	assert_invariants();
	assert_int_equal(slab_kfree("a", -1), 0);
	assert_int_equal(kmem(g), 4);		/* empty pages stay */
	assert_int_equal(slab_shrink("kmalloc-64", NULL), 1);
	assert_int_equal(kmem(g), 3);
	assert_int_equal(slab_kfree("nope", -1), -EINVAL);
	assert_int_equal(slab_kfree("b", 10), 0);
	assert_int_equal(slab_kfree("b", -1), 0);
	assert_int_equal(slab_kfree("c", -1), 0);
	assert_int_equal(slab_shrink(NULL, NULL), 3);
	assert_int_equal(kmem(g), 0);
	assert_int_equal(usage(memcg_root(), MEMCG_RES_MEMORY), 0);
	assert_invariants();
}

static void test_caches_and_limit(void **state)
{
	struct memcg *g = kgroup(memcg_root(), "g");
	struct task *t = task_in(11, g);
	struct strbuf sb;

	(void)state;
	assert_int_equal(slab_kmalloc(t, "nosuch", 1, "x"), -EINVAL);
	assert_int_equal(slab_kmalloc(t, "mine:100", 41, "x"), 0);	/* 40 a page */
	assert_int_equal(kmem(g), 2);
	assert_int_equal(slab_kmalloc(t, "mine:200", 1, "y"), -EINVAL);
	assert_int_equal(slab_kmalloc(t, "big:5000", 1, "y"), -EINVAL);
	assert_int_equal(memcg_set_limit(g, MEMCG_RES_KMEM, 3), 0);
	assert_int_equal(slab_kmalloc(t, "task_struct", 2, "z"), -ENOMEM);
	assert_int_equal(kmem(g), 2);
	assert_int_equal(atomic_load(&g->res[MEMCG_RES_KMEM].failcnt), 1);
	assert_int_equal(atomic_load(&g->oom_kill), 0);
	strbuf_init(&sb);
	render_slabinfo(g, &sb);
	assert_non_null(strstr(sb.buf, "mine("));
	assert_non_null(strstr(sb.buf, ":g) "));
	strbuf_release(&sb);
	assert_invariants();
}

static void test_reclaim_shrinks_slabs(void **state)
{
	struct memcg *g = kgroup(memcg_root(), "g");
	struct task *t = task_in(12, g);

	(void)state;
	assert_int_equal(slab_kmalloc(t, "task_struct", 6, "x"), 0);
	assert_int_equal(slab_kfree("x", 4), 0);
	assert_int_equal(memcg_set_limit(g, MEMCG_RES_MEMORY, 4), 0);
	assert_int_equal(kmem(g), 2);		/* the empty pages went */
	assert_invariants();
}

static void test_reparent_removal(void **state)
{
	struct memcg *p = kgroup(memcg_root(), "p");
	struct memcg *g = kgroup(p, "g");
	struct task *t = task_in(13, g);

	(void)state;
	assert_int_equal(slab_kmalloc(t, "kmalloc-64", 130, "x"), 0);	/* 64+64+2 */
	assert_int_equal(slab_kfree("x", 66), 0);	/* the two newest pages empty */
	assert_int_equal(task_move(13, 13, p), 0);
	assert_int_equal(memcg_remove(g), 0);
	assert_int_equal(slab_dead_copies_of(g->id), 1);
	/* The dead copy was shrunk at once: the empty pages went.  The
	 * last page stays charged within p: to p itself under reparent (the
	 * O(1) pointer swing), to the pinned dying group under pin. */
	assert_int_equal(kmem(p), 1);
	if (model == MEMCG_KMEM_REPARENT)
		assert_null(memcg_tryget_by_id(g->id));
	assert_invariants();
	assert_int_equal(slab_reap(), 0);		/* objects alive */
	assert_int_equal(slab_kfree("x", -1), 0);
	assert_int_equal(slab_reap(), 1);
	assert_int_equal(kmem(p), 0);
	assert_int_equal(usage(p, MEMCG_RES_MEMORY), 0);
	assert_int_equal(slab_dead_copies_of(g->id), 0);
	assert_invariants();
}

static void test_pin_lifecycle(void **state)
{
	struct memcg *p = group(memcg_root(), "p");
	struct memcg *g = group(p, "g");
	struct task *t = task_in(14, g);
	struct strbuf sb;
	uint64_t id = g->id;

	(void)state;
	/* Not activated: charged to the root. */
	assert_int_equal(slab_kmalloc(t, "task_struct", 1, "r"), 0);
	assert_int_equal(kmem(g), 0);
	assert_int_equal(kmem(memcg_root()), 1);
	assert_int_equal(memcg_set_limit(p, MEMCG_RES_KMEM, 100), 0);
	assert_int_equal(slab_kmalloc(t, "task_struct", 1, "p"), 0);
	assert_int_equal(kmem(p), 1);		/* nearest active ancestor */
	assert_int_equal(memcg_set_limit(g, MEMCG_RES_KMEM, 100), 0);
	assert_int_equal(slab_kmalloc(t, "task_struct", 2, "g"), 0);
	assert_int_equal(kmem(g), 2);
	assert_int_equal(task_move(14, 14, p), 0);
	assert_int_equal(memcg_remove(g), 0);
	strbuf_init(&sb);
	render_dying(&sb);
	assert_non_null(strstr(sb.buf, "/p/g "));
	assert_non_null(strstr(sb.buf, "kmem=8192"));
	assert_non_null(strstr(sb.buf, "KMEM_DEAD"));
	strbuf_release(&sb);
	assert_null(memcg_tryget_by_id(id));
	assert_invariants();
	assert_int_equal(slab_kfree("g", 1), 0);
	assert_int_equal(slab_reap(), 0);
	assert_int_equal(kmem(p), 2);
	assert_int_equal(slab_kfree("g", -1), 0);
	assert_int_equal(slab_reap(), 1);
	assert_int_equal(kmem(p), 1);
	strbuf_init(&sb);
	render_dying(&sb);
	assert_null(sb.buf ? strstr(sb.buf, "/p/g ") : NULL);
	strbuf_release(&sb);
	slab_kfree("p", -1);
	slab_kfree("r", -1);
	slab_shrink(NULL, NULL);
	assert_invariants();
}

/* kmem=pin, nested: a parent removed while its dying child still holds
 * kmem is itself dying (its count is hierarchical); the child's last
 * free settles both. */
static void test_pin_nested_dying(void **state)
{
	struct memcg *p = kgroup(memcg_root(), "p");
	struct memcg *c = kgroup(p, "c");
	struct task *t = task_in(15, c);
	struct strbuf sb;

	(void)state;
	assert_int_equal(slab_kmalloc(t, "task_struct", 1, "c"), 0);
	assert_int_equal(kmem(p), 1);
	assert_int_equal(task_move(15, 15, memcg_root()), 0);
	assert_int_equal(memcg_remove(c), 0);
	assert_int_equal(memcg_remove(p), 0);
	strbuf_init(&sb);
	render_dying(&sb);
	assert_non_null(strstr(sb.buf, "/p "));
	assert_non_null(strstr(sb.buf, "/p/c "));
	strbuf_release(&sb);
	assert_int_equal(slab_kfree("c", -1), 0);
	assert_int_equal(slab_reap(), 1);
	strbuf_init(&sb);
	render_dying(&sb);
	assert_true(sb.len == 0);
	strbuf_release(&sb);
	assert_int_equal(kmem(memcg_root()), 0);
	assert_invariants();
}

/* kmem=pin: a kmem limit written to a group already removed (its writer
 * still holds it, as an open limit file does) starts no kmem accounting:
 * removal has settled the group's kmem already, so a reference taken for
 * it now would never be dropped and the group would stay dying. */
static void test_pin_limit_after_remove(void **state)
{
	struct memcg *g = group(memcg_root(), "g");
	struct strbuf sb;

	(void)state;
	memcg_get(g);			/* the limit writer's */
	assert_int_equal(memcg_remove(g), 0);
	memcg_set_limit(g, MEMCG_RES_KMEM, memcg_max_pages());
	assert_false(atomic_load(&g->flags) & MEMCG_KMEM_ACTIVE);
	memcg_put(g);			/* the last reference */
	strbuf_init(&sb);
	render_dying(&sb);
	assert_true(sb.len == 0);
	strbuf_release(&sb);
	assert_invariants();
}

struct removing_walk {
	struct memcg *victim;
	int err;			/* its removal's */
	long refs;			/* its count once removed */
};

/* Removes the group it visits, as an rmdir may between a walker reaching
 * a group and running fn on it, and looks at what is left to take.  No
 * assertion here: inside the walk's read-side section. */
static int remove_visited(struct memcg *m, void *arg)
{
	struct removing_walk *w = arg;

	if (m != w->victim)
		return 0;
	w->err = memcg_remove(m);
	w->refs = atomic_load(&m->refcnt);
	return 1;
}

/* Reclaim (which shrinks slabs) collects the groups of a subtree with a
 * reference each: a group removed under the walk must still be held while
 * fn runs, never taken again from zero (and freed twice). */
static void test_walk_holds_removed_group(void **state)
{
	struct removing_walk w = { group(memcg_root(), "g"), 1, -1 };

	(void)state;
	memcg_walk_subtree(memcg_root(), remove_visited, &w);
	assert_int_equal(w.err, 0);
	assert_true(w.refs > 0);
	assert_invariants();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pages_objects_shrink, setup_reparent, engine_teardown),
		cmocka_unit_test_setup_teardown(test_pages_objects_shrink, setup_pin, engine_teardown),
		cmocka_unit_test_setup_teardown(test_caches_and_limit, setup_reparent, engine_teardown),
		cmocka_unit_test_setup_teardown(test_reclaim_shrinks_slabs, setup_reparent, engine_teardown),
		cmocka_unit_test_setup_teardown(test_reparent_removal, setup_reparent, engine_teardown),
		cmocka_unit_test_setup_teardown(test_reparent_removal, setup_pin, engine_teardown),
		cmocka_unit_test_setup_teardown(test_pin_lifecycle, setup_pin, engine_teardown),
		cmocka_unit_test_setup_teardown(test_pin_nested_dying, setup_pin, engine_teardown),
		cmocka_unit_test_setup_teardown(test_pin_limit_after_remove, setup_pin, engine_teardown),
		cmocka_unit_test_setup_teardown(test_walk_holds_removed_group, setup_reparent, engine_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
