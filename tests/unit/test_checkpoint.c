/* Unit tests of the charges checkpoint: what a save writes, a fresh engine
 * given the same groups and tasks restores to the same charges, counters
 * and records; a dying group comes back dying; bad records are refused. */
#define SWAP_PAGES 1024
#include "engine_fixture.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/anon.h"
#include "engine/checkpoint.h"
#include "engine/slab.h"
#include "engine/sock.h"
#include "lib/strbuf.h"

static uint64_t stamp(pid_t tid, pid_t tgid)
{
	(void)tgid;
	return (uint64_t)tid + 1000;	/* every task lives */
}

static int alive(pid_t tid, pid_t tgid, uint64_t s)
{
	return stamp(tid, tgid) == s;
}

static const struct ckpt_hooks hooks = { stamp, alive };

/* The records of a save, as text, and as records (strings copied). */
struct saved {
	struct strbuf text;
	struct ckpt_record r[4096];
	char *str[4096];
	int nr;
};

static void keep(const struct ckpt_record *r, void *arg)
{
	struct saved *s = arg;

	strbuf_addf(&s->text, "%c", r->type);
	for (int i = 0; i < r->nr; i++)
		strbuf_addf(&s->text, " %" PRIu64, r->num[i]);
	if (r->str)
		strbuf_addf(&s->text, " :%.*s", (int)r->len, r->str);
	strbuf_add(&s->text, "\n", 1);
	assert_true(s->nr < 4096);
	s->r[s->nr] = *r;
	s->str[s->nr] = r->str ? strndup(r->str, r->len) : NULL;
	s->r[s->nr].str = s->str[s->nr];
	s->nr++;
}

static struct saved *save(void)
{
	struct saved *s = calloc(1, sizeof(*s));

	strbuf_init(&s->text);
	engine_checkpoint_save(&hooks, keep, s);
	return s;
}

static void saved_free(struct saved *s)
{
	for (int i = 0; i < s->nr; i++)
		free(s->str[i]);
	strbuf_release(&s->text);
	free(s);
}

static void restore(struct saved *s)
{
	struct ckpt_restore *c = engine_restore_begin(&hooks);

	for (int i = 0; i < s->nr; i++)
		assert_int_equal(engine_restore_record(c, &s->r[i]), 0);
	engine_restore_end(c);
}

/* Everything a group's files show that charges make. */
static void counters(struct memcg *m, struct strbuf *sb)
{
	for (int r = 0; r < MEMCG_NR_RES; r++) {
		struct memcg_counter c;

		memcg_read_counter(m, r, &c);
		strbuf_addf(sb, "%d: %ld %ld %ld\n", r, c.usage, c.max_usage,
			    c.failcnt);
	}
	for (int i = 0; i < MEMCG_NR_STAT; i++)
		strbuf_addf(sb, "%ld %ld ", atomic_load(&m->stat[i]),
			    atomic_load(&m->stat_total[i]));
	strbuf_addf(sb, "oom %ld\n", atomic_load(&m->oom_kill));
}

static struct memcg *group_id(struct memcg *parent, const char *name,
			      uint64_t id)
{
	int err;
	struct memcg *m = memcg_create_id(parent, name, id, NULL, NULL, &err);

	assert_non_null(m);
	memcg_put(m);
	return m;
}

/* The tree of the tests: a (1), a/b (2), c (3), and tasks 100 in b,
 * 101 in c, 102 in the root. */
static void tree(struct memcg **a, struct memcg **b, struct memcg **c)
{
	*a = group_id(memcg_root(), "a", 1);
	*b = group_id(*a, "b", 2);
	*c = group_id(memcg_root(), "c", 3);
	task_in(100, *b);
	task_in(101, *c);
	task_in(102, NULL);
}

static struct task *task(pid_t tid)
{
	struct task *t = task_find_get(tid);

	assert_non_null(t);
	task_put(t);	/* the table holds it */
	return t;
}

static void charge_everything(struct memcg *a, struct memcg *b,
			      struct memcg *c)
{
	assert_int_equal(anon_fault(task(100), 300), 0);
	assert_int_equal(pagecache_read(task(100), "f1", 200, false), 0);
	assert_int_equal(pagecache_read(task(101), "f2", 100, true), 0);
	assert_int_equal(pagecache_read(task(101), "f1", 50, false), 0);
	assert_int_equal(slab_kmalloc(task(100), "dentry", 100, "d1"), 0);
	assert_int_equal(slab_kmalloc(task(101), "mine:100", 70, "m1"), 0);
	assert_int_equal(slab_kfree("d1", 30), 0);
	assert_int_equal(sock_charge(task(100), 12), 0);
	/* a limit that swaps b's anon and fails a charge */
	assert_int_equal(memcg_set_limit(b, MEMCG_RES_MEMORY, 400), 0);
	assert_int_equal(anon_fault(task(100), 250), 0);
	assert_int_equal(task_move(100, 100, c), 0);	/* pages stay */
	assert_int_equal(anon_fault(task(100), 20), 0);
	assert_int_equal(anon_fault(task(102), 10), 0);
	(void)a;
}

static void test_round_trip(void **state)
{
	struct memcg *a, *b, *c;
	struct strbuf before, after;
	struct saved *s1, *s2;

	(void)state;
	tree(&a, &b, &c);
	charge_everything(a, b, c);
	assert_true(stat_of(b, MEMCG_SWAP) > 0);
	assert_invariants();
	strbuf_init(&before);
	counters(memcg_root(), &before);
	counters(a, &before);
	counters(b, &before);
	counters(c, &before);
	s1 = save();

	engine_teardown(state);
	assert_int_equal(engine_setup(state), 0);
	tree(&a, &b, &c);
	assert_int_equal(task_move(100, 100, c), 0);
	assert_int_equal(memcg_set_limit(b, MEMCG_RES_MEMORY, 400), 0);
	restore(s1);
	assert_invariants();
	strbuf_init(&after);
	counters(memcg_root(), &after);
	counters(a, &after);
	counters(b, &after);
	counters(c, &after);
	assert_string_equal(after.buf, before.buf);
	s2 = save();
	assert_string_equal(s2->text.buf, s1->text.buf);

	/* and what it restored works: frees uncharge what they did */
	assert_int_equal(anon_free(task(100), -1), 570);
	assert_int_equal(slab_kfree("d1", -1), 0);
	assert_int_equal(sock_free(task(100), -1), 12);
	slab_shrink(NULL, NULL);
	assert_int_equal(usage(b, MEMCG_RES_KMEM), 0);	/* d1's pages went */
	assert_true(usage(c, MEMCG_RES_KMEM) > 0);		/* m1's stay */
	assert_invariants();
	strbuf_release(&before);
	strbuf_release(&after);
	saved_free(s1);
	saved_free(s2);
}

static void test_gone_task_is_skipped(void **state)
{
	struct memcg *a, *b, *c;
	struct saved *s;

	(void)state;
	tree(&a, &b, &c);
	assert_int_equal(anon_fault(task(100), 40), 0);
	assert_int_equal(pagecache_read(task(100), "f", 10, true), 0);
	s = save();
	for (int i = 0; i < s->nr; i++)
		if (s->r[i].type == 'T')
			s->r[i].num[2]++;	/* another thread has its id now */
	engine_teardown(state);
	assert_int_equal(engine_setup(state), 0);
	tree(&a, &b, &c);
	restore(s);
	assert_int_equal(stat_of(b, MEMCG_RSS), 0);	/* as at its exit */
	assert_int_equal(stat_of(b, MEMCG_CACHE), 10);	/* cache stays */
	assert_int_equal(stat_of(b, MEMCG_MAPPED_FILE), 0);
	assert_invariants();
	saved_free(s);
}

/* A group removed after the save (its rmdir's checkpoint never made):
 * its pages go to its parent, as the removal sent them. */
static void test_removed_group_charges_its_parent(void **state)
{
	struct memcg *a, *b, *c;
	struct saved *s;

	tree(&a, &b, &c);
	assert_int_equal(pagecache_read(task(100), "f", 30, false), 0);
	assert_int_equal(slab_kmalloc(task(100), "dentry", 40, "t"), 0);
	s = save();
	engine_teardown(state);
	assert_int_equal(engine_setup(state), 0);
	a = group_id(memcg_root(), "a", 1);
	restore(s);
	assert_int_equal(stat_of(a, MEMCG_CACHE), 30);
	assert_int_equal(usage(a, MEMCG_RES_KMEM), 2);
	assert_int_equal(usage(a, MEMCG_RES_MEMORY), 32);
	assert_int_equal(stat_of(memcg_root(), MEMCG_CACHE), 0);
	assert_invariants();
	saved_free(s);
}

static int pin_setup(void **state)
{
	struct memcg_config cfg = {
		.page_size = 4096, .mem_pages = MEM_PAGES,
		.swap_pages = SWAP_PAGES, .oom_mode = MEMCG_OOM_SIMULATE,
		.kmem_model = MEMCG_KMEM_PIN, .reap_interval = 60,
	};

	(void)state;
	return engine_init(&cfg) ? -1 : 0;
}

static void dying_rows(struct strbuf *sb)
{
	struct memcg_dying *rows;
	long n = memcg_dying_snapshot(&rows);

	for (long i = 0; i < n; i++)
		strbuf_addf(sb, "%" PRIu64 " %s %ld %ld %u\n", rows[i].id,
			    rows[i].path, rows[i].kmem_pages, rows[i].pages,
			    rows[i].flags);
	memcg_dying_release(rows, n);
}

/* kmem=pin: groups removed with kmem charged come back dying, in the
 * order they were removed, and go when their last object does. */
static void test_dying_groups_come_back_dying(void **state)
{
	struct memcg *a, *b, *c, *q;
	struct strbuf before, after;
	struct saved *s;

	tree(&a, &b, &c);
	q = group_id(b, "q", 4);
	assert_int_equal(memcg_set_limit(a, MEMCG_RES_KMEM, 1000), 0);
	assert_int_equal(memcg_set_limit(b, MEMCG_RES_KMEM, 1000), 0);
	assert_int_equal(memcg_set_limit(q, MEMCG_RES_KMEM, 1000), 0);
	task_in(103, q);
	assert_int_equal(slab_kmalloc(task(103), "dentry", 50, "q1"), 0);
	assert_int_equal(slab_kmalloc(task(100), "dentry", 30, "b1"), 0);
	assert_int_equal(task_move(103, 103, a), 0);
	assert_int_equal(task_move(100, 100, a), 0);
	assert_int_equal(memcg_remove(q), 0);
	assert_int_equal(memcg_remove(b), 0);
	assert_int_equal(slab_kfree("q1", 20), 0);	/* a page empties */
	slab_reap();	/* and goes: a pgpgout of the dying group */
	assert_int_equal(slab_kfree("q1", 1), 0);	/* an empty page waits */
	strbuf_init(&before);
	dying_rows(&before);
	counters(a, &before);
	assert_non_null(strstr(before.buf, "/a/b/q"));
	s = save();

	engine_teardown(state);
	assert_int_equal(pin_setup(state), 0);
	a = group_id(memcg_root(), "a", 1);
	c = group_id(memcg_root(), "c", 3);
	group_id(a, "b", 5);		/* a new b since */
	task_in(100, a);
	task_in(103, a);
	assert_int_equal(memcg_set_limit(a, MEMCG_RES_KMEM, 1000), 0);
	restore(s);
	strbuf_init(&after);
	dying_rows(&after);
	counters(a, &after);
	assert_string_equal(after.buf, before.buf);
	assert_invariants();
	/* the last objects go, the reaper takes the pages: so do they */
	assert_int_equal(slab_kfree("q1", -1), 0);
	assert_int_equal(slab_kfree("b1", -1), 0);
	slab_reap();
	memcg_rcu_barrier();
	strbuf_release(&after);
	strbuf_init(&after);
	dying_rows(&after);
	assert_int_equal(after.len, 0);	/* none dying */
	assert_int_equal(usage(a, MEMCG_RES_KMEM), 0);
	strbuf_release(&before);
	strbuf_release(&after);
	saved_free(s);
	(void)c;
}

/* The events of a group freed since stay in its ancestors' totals. */
static void test_freed_groups_events_stay_in_totals(void **state)
{
	struct memcg *a, *b, *c, *q;
	struct saved *s;
	long total;

	tree(&a, &b, &c);
	q = group_id(a, "q", 4);
	assert_int_equal(memcg_set_limit(q, MEMCG_RES_KMEM, 1000), 0);
	task_in(103, q);
	assert_int_equal(slab_kmalloc(task(103), "dentry", 50, "q1"), 0);
	assert_int_equal(task_move(103, 103, a), 0);
	assert_int_equal(memcg_remove(q), 0);
	assert_int_equal(slab_kfree("q1", -1), 0);
	slab_reap();
	memcg_rcu_barrier();
	total = atomic_load(&a->stat_total[MEMCG_PGPGOUT]);
	assert_int_equal(total, 3);	/* its three slab pages */
	assert_int_equal(stat_of(a, MEMCG_PGPGOUT), 0);
	s = save();
	engine_teardown(state);
	assert_int_equal(pin_setup(state), 0);
	tree(&a, &b, &c);
	restore(s);
	assert_int_equal(atomic_load(&a->stat_total[MEMCG_PGPGOUT]), total);
	assert_int_equal(atomic_load(&memcg_root()->stat_total[MEMCG_PGPGOUT]),
			 total);
	saved_free(s);
}

static void test_bad_records_are_refused(void **state)
{
	static const struct ckpt_record bad[] = {
		{ .type = 'Z' },
		{ .type = 'a', .nr = 2 },
		{ .type = 'p', .nr = 4 },		/* no file before */
		{ .type = 's', .nr = 3 },		/* no copy before */
		{ .type = 'o', .nr = 3 },		/* no tag before */
		{ .type = 'c', .nr = 4, .num = { 0, 99, 1, 1 } },
		{ .type = 'v', .nr = 3, .num = { 0, 0, 5 } },	/* not an event */
		{ .type = 'l', .nr = 6, .num = { 0, 9, 0, 1, 0, 1 } },
		{ .type = 'D', .nr = 4, .num = { 9, 0, 0, 0 }, .str = "x", .len = 1 },
	};
	struct ckpt_restore *c;

	(void)state;
	c = engine_restore_begin(&hooks);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(engine_restore_record(c, &bad[i]), -EINVAL);
	engine_restore_end(c);
	assert_int_equal(usage(memcg_root(), MEMCG_RES_MEMSW), 0);
	assert_invariants();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, engine_setup,
						engine_teardown),
		cmocka_unit_test_setup_teardown(test_gone_task_is_skipped,
						engine_setup, engine_teardown),
		cmocka_unit_test_setup_teardown(test_removed_group_charges_its_parent,
						engine_setup, engine_teardown),
		cmocka_unit_test_setup_teardown(test_dying_groups_come_back_dying,
						pin_setup, engine_teardown),
		cmocka_unit_test_setup_teardown(test_freed_groups_events_stay_in_totals,
						pin_setup, engine_teardown),
		cmocka_unit_test_setup_teardown(test_bad_records_are_refused,
						engine_setup, engine_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
