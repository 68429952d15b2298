/* Unit tests of the hierarchical page counter. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "engine/counter.h"

#define BIG 1000000

struct tree {
	struct page_counter root, mid, leaf;
};

static void tree_init(struct tree *t)
{
	page_counter_init(&t->root, NULL, BIG);
	page_counter_init(&t->mid, &t->root, BIG);
	page_counter_init(&t->leaf, &t->mid, BIG);
}

static void test_max_pages(void **state)
{
	(void)state;
	assert_int_equal(page_counter_max_pages(4096) * 4096L, 9223372036854771712L);
	assert_int_equal(page_counter_max_pages(8192) * 8192L, 9223372036854767616L);
	assert_int_equal(page_counter_max_pages(65536) * 65536L,
			 9223372036854710272L);
}

static void test_charge_walks_up(void **state)
{
	struct tree t;
	struct page_counter *fail = NULL;

	(void)state;
	tree_init(&t);
	assert_true(page_counter_try_charge(&t.leaf, 5, &fail));
	assert_int_equal(page_counter_read(&t.leaf), 5);
	assert_int_equal(page_counter_read(&t.mid), 5);
	assert_int_equal(page_counter_read(&t.root), 5);
	assert_int_equal(atomic_load(&t.root.watermark), 5);
	page_counter_uncharge(&t.leaf, 3);
	assert_int_equal(page_counter_read(&t.root), 2);
	assert_int_equal(atomic_load(&t.leaf.watermark), 5);
	assert_null(fail);
}

static void test_failure_unwinds_and_counts(void **state)
{
	struct tree t;
	struct page_counter *fail = NULL;

	(void)state;
	tree_init(&t);
	atomic_store(&t.mid.limit, 4);
	assert_true(page_counter_try_charge(&t.leaf, 3, &fail));
	assert_false(page_counter_try_charge(&t.leaf, 2, &fail));
	assert_ptr_equal(fail, &t.mid);
	/* Nothing of the failed charge stays anywhere. */
	assert_int_equal(page_counter_read(&t.leaf), 3);
	assert_int_equal(page_counter_read(&t.mid), 3);
	assert_int_equal(page_counter_read(&t.root), 3);
	assert_int_equal(atomic_load(&t.mid.failcnt), 1);
	assert_int_equal(atomic_load(&t.leaf.failcnt), 0);
	assert_int_equal(atomic_load(&t.root.failcnt), 0);
	/* Exactly at the limit is allowed. */
	assert_true(page_counter_try_charge(&t.leaf, 1, &fail));
	assert_int_equal(page_counter_read(&t.mid), 4);
}

static void test_limit_at_leaf(void **state)
{
	struct tree t;
	struct page_counter *fail = NULL;

	(void)state;
	tree_init(&t);
	atomic_store(&t.leaf.limit, 0);
	assert_false(page_counter_try_charge(&t.leaf, 1, &fail));
	assert_ptr_equal(fail, &t.leaf);
	assert_int_equal(page_counter_read(&t.root), 0);
	assert_int_equal(atomic_load(&t.root.watermark), 0);
}

static void test_set_limit(void **state)
{
	struct tree t;

	(void)state;
	tree_init(&t);
	page_counter_charge(&t.leaf, 10);
	assert_int_equal(page_counter_set_limit(&t.leaf, 9), -EBUSY);
	assert_int_equal(page_counter_limit(&t.leaf), BIG);
	assert_int_equal(page_counter_set_limit(&t.leaf, 10), 0);
	assert_int_equal(page_counter_limit(&t.leaf), 10);
	assert_int_equal(page_counter_set_limit(&t.leaf, 20), 0);
	assert_int_equal(page_counter_limit(&t.leaf), 20);
}

static void test_forced_charge_passes_limit(void **state)
{
	struct tree t;

	(void)state;
	tree_init(&t);
	atomic_store(&t.mid.limit, 1);
	page_counter_charge(&t.leaf, 3);
	assert_int_equal(page_counter_read(&t.mid), 3);
	assert_int_equal(atomic_load(&t.mid.watermark), 3);
	assert_int_equal(atomic_load(&t.mid.failcnt), 0);
}

/* A tentative charge leaves the watermark until it is committed, so a
 * charge undone because its partner counter failed is no peak. */
static void test_tentative_charge(void **state)
{
	struct tree t;

	(void)state;
	tree_init(&t);
	assert_true(page_counter_try_charge_tentative(&t.leaf, 4, NULL));
	assert_int_equal(atomic_load(&t.root.watermark), 0);
	page_counter_uncharge(&t.leaf, 4);
	assert_true(page_counter_try_charge_tentative(&t.leaf, 2, NULL));
	page_counter_commit_watermark(&t.leaf, NULL);
	assert_int_equal(atomic_load(&t.leaf.watermark), 2);
	assert_int_equal(atomic_load(&t.root.watermark), 2);
}

static void test_reset_watermark(void **state)
{
	struct tree t;

	(void)state;
	tree_init(&t);
	page_counter_charge(&t.leaf, 7);
	page_counter_uncharge(&t.leaf, 5);
	assert_int_equal(atomic_load(&t.leaf.watermark), 7);
	page_counter_reset_watermark(&t.leaf);
	assert_int_equal(atomic_load(&t.leaf.watermark), 2);
	assert_int_equal(atomic_load(&t.mid.watermark), 7);
}

#define THREADS 4
#define ROUNDS 100000

static void *hammer(void *arg)
{
	struct page_counter *leaf = arg;
	struct page_counter *fail;

	for (int i = 0; i < ROUNDS; i++) {
		if (page_counter_try_charge(leaf, 3, &fail))
			page_counter_uncharge(leaf, 3);
	}
	return NULL;
}

/* Racing charges against a tight parent limit: some fail, none leak, and
 * the limited counter's watermark (raised only by charges that passed the
 * limit check) never exceeds it. */
static void test_concurrent_charges_balance(void **state)
{
	struct tree t;
	pthread_t th[THREADS];

	(void)state;
	tree_init(&t);
	atomic_store(&t.mid.limit, 7);
	for (int i = 0; i < THREADS; i++)
		pthread_create(&th[i], NULL, hammer, &t.leaf);
	for (int i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(page_counter_read(&t.leaf), 0);
	assert_int_equal(page_counter_read(&t.mid), 0);
	assert_int_equal(page_counter_read(&t.root), 0);
	assert_true(atomic_load(&t.mid.watermark) <= 7);
}

static int warnings;
static long warned_usage, warned_nr;

static void record_warning(long usage, long nr)
{
	warnings++;
	warned_usage = usage;
	warned_nr = nr;
}

/* As the kernel's page_counter_cancel(): more uncharges than charges
 * leave every level at zero, not negative, and warn once. */
static void test_uncharge_below_zero_clamps_and_warns(void **state)
{
	struct tree t;
	struct page_counter *fail;
	long before = page_counter_underflows();

	(void)state;
	assert_int_equal(before, 0);	/* the first underflow of this process */
	tree_init(&t);
	page_counter_set_warn_hook(record_warning);
	assert_true(page_counter_try_charge(&t.leaf, 2, &fail));
	page_counter_uncharge(&t.leaf, 5);
	assert_int_equal(page_counter_read(&t.leaf), 0);
	assert_int_equal(page_counter_read(&t.mid), 0);
	assert_int_equal(page_counter_read(&t.root), 0);
	assert_int_equal(page_counter_underflows(), 3);
	assert_int_equal(warnings, 1);
	assert_int_equal(warned_usage, -3);
	assert_int_equal(warned_nr, 5);

	/* Counted again, warned no more; and the counter works on. */
	page_counter_uncharge_upto(&t.leaf, &t.root, 1);
	assert_int_equal(page_counter_underflows(), 5);
	assert_int_equal(warnings, 1);
	assert_true(page_counter_try_charge(&t.leaf, 4, &fail));
	assert_int_equal(page_counter_read(&t.root), 4);
	page_counter_set_warn_hook(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_max_pages),
		cmocka_unit_test(test_charge_walks_up),
		cmocka_unit_test(test_failure_unwinds_and_counts),
		cmocka_unit_test(test_limit_at_leaf),
		cmocka_unit_test(test_set_limit),
		cmocka_unit_test(test_forced_charge_passes_limit),
		cmocka_unit_test(test_tentative_charge),
		cmocka_unit_test(test_reset_watermark),
		cmocka_unit_test(test_concurrent_charges_balance),
		cmocka_unit_test(test_uncharge_below_zero_clamps_and_warns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
