/* Unit tests of memory.stat and memory.numa_stat rendering (memcgfs(8) FILES IN EACH GROUP). */
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
#include "engine/reclaim.h"
#include "engine/stat.h"
#include "fs/render.h"

static const char *const names[] = {
	"cache", "rss", "rss_huge", "shmem", "mapped_file", "dirty",
	"writeback", "workingset_refault_anon", "workingset_refault_file",
	"swap", "swapcached", "pgpgin", "pgpgout", "pgfault", "pgmajfault",
	"inactive_anon", "active_anon", "inactive_file", "active_file",
	"unevictable",
};

static int setup(void **state)
{
	struct memcg_config cfg = { .page_size = 4096, .mem_pages = 1 << 20 };

	(void)state;
	return engine_init(&cfg);
}

static int teardown(void **state)
{
	(void)state;
	engine_exit();
	return 0;
}

static struct memcg *mk(struct memcg *parent, const char *name)
{
	int err;
	struct memcg *m = memcg_create(parent, name, NULL, NULL, &err);

	assert_non_null(m);
	memcg_put(m);
	return m;
}

/* The value printed for key in a rendered "key value" list. */
static long value_of(const char *text, const char *key)
{
	char pat[64];
	const char *p;
	size_t n = (size_t)snprintf(pat, sizeof(pat), "%s ", key);

	for (p = text; p; p = strchr(p, '\n')) {
		if (*p == '\n')
			p++;
		if (!strncmp(p, pat, n))
			return strtol(p + n, NULL, 10);
	}
	fail_msg("no %s in memory.stat", key);
	return -1;
}

static void test_field_order_fresh_group(void **state)
{
	struct memcg *a = mk(memcg_root(), "a");
	struct strbuf sb, expect;

	(void)state;
	strbuf_init(&sb);
	strbuf_init(&expect);
	render_memory_stat(a, &sb);
	for (size_t i = 0; i < 20; i++)
		strbuf_addf(&expect, "%s 0\n", names[i]);
	strbuf_addf(&expect, "hierarchical_memory_limit 9223372036854771712\n"
		    "hierarchical_memsw_limit 9223372036854771712\n");
	for (size_t i = 0; i < 20; i++)
		strbuf_addf(&expect, "total_%s 0\n", names[i]);
	assert_string_equal(sb.buf, expect.buf);
	strbuf_release(&sb);
	strbuf_release(&expect);
}

static void test_totals_and_units(void **state)
{
	struct memcg *a = mk(memcg_root(), "a");
	struct memcg *b = mk(a, "b"), *c = mk(a, "c");
	struct strbuf sb;

	(void)state;
	memcg_count_event(a, MEMCG_RSS, 1);
	memcg_count_event(b, MEMCG_RSS, 2);
	memcg_count_event(c, MEMCG_RSS, 4);
	memcg_count_event(b, MEMCG_PGFAULT, 5);
	memcg_count_event(c, MEMCG_CACHE, -3);	/* racing view: shown as 0 */
	assert_int_equal(memcg_set_limit(a, MEMCG_RES_MEMORY, 10), 0);
	assert_int_equal(memcg_set_limit(a, MEMCG_RES_MEMSW, 20), 0);
	strbuf_init(&sb);
	render_memory_stat(a, &sb);
	assert_int_equal(value_of(sb.buf, "rss"), 4096);
	assert_int_equal(value_of(sb.buf, "total_rss"), 7 * 4096);
	assert_int_equal(value_of(sb.buf, "total_pgfault"), 5);	/* a count */
	assert_int_equal(value_of(sb.buf, "total_cache"), 0);
	assert_int_equal(value_of(sb.buf, "hierarchical_memory_limit"), 10 * 4096);
	assert_int_equal(value_of(sb.buf, "hierarchical_memsw_limit"), 20 * 4096);
	strbuf_release(&sb);
	strbuf_init(&sb);
	render_memory_stat(b, &sb);
	assert_int_equal(value_of(sb.buf, "hierarchical_memory_limit"), 10 * 4096);
	strbuf_release(&sb);
}

static void test_numa_stat(void **state)
{
	struct memcg *a = mk(memcg_root(), "a"), *b = mk(a, "b");
	struct strbuf sb;

	(void)state;
	memcg_count_event(a, MEMCG_ACTIVE_ANON, 2);
	memcg_count_event(a, MEMCG_INACTIVE_FILE, 3);
	memcg_count_event(b, MEMCG_UNEVICTABLE, 1);
	memcg_count_event(b, MEMCG_INACTIVE_ANON, 4);
	strbuf_init(&sb);
	render_numa_stat(a, &sb);
	assert_string_equal(sb.buf,
			    "total=5 N0=5\nfile=3 N0=3\nanon=2 N0=2\n"
			    "unevictable=0 N0=0\nhierarchical_total=10 N0=10\n"
			    "hierarchical_file=3 N0=3\nhierarchical_anon=6 N0=6\n"
			    "hierarchical_unevictable=1 N0=1\n");
	strbuf_release(&sb);
}

static void test_slabinfo_header(void **state)
{
	struct strbuf sb;
	static const char head[] = "slabinfo - version: 2.1\n# name ";

	(void)state;
	strbuf_init(&sb);
	render_slabinfo(memcg_root(), &sb);
	assert_true(!strncmp(sb.buf, head, strlen(head)));
	strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_field_order_fresh_group, setup, teardown),
		cmocka_unit_test_setup_teardown(test_totals_and_units, setup, teardown),
		cmocka_unit_test_setup_teardown(test_numa_stat, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slabinfo_header, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
