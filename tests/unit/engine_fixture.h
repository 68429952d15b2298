/* A fresh engine per test for the engine's unit tests: a machine of
 * MEM_PAGES pages with SWAP_PAGES of swap (set before including), started
 * with engine_init(), and helpers to make groups and fake tasks (the
 * engine does not check that a pid is alive: the host does). */
#ifndef ENGINE_FIXTURE_H
#define ENGINE_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "engine/check.h"
#include "engine/engine.h"
#include "engine/reclaim.h"
#include "engine/memcg_impl.h"
#include "engine/pagecache.h"
#include "engine/stat.h"
#include "engine/task.h"

#ifndef MEM_PAGES
#define MEM_PAGES 4096
#endif
#ifndef SWAP_PAGES
#define SWAP_PAGES 0
#endif

/* oom=kill or oom=simulate for the next engine_setup(). */
static enum memcg_oom_mode fixture_oom_mode = MEMCG_OOM_SIMULATE;

static inline int engine_setup(void **state)
{
	struct memcg_config cfg = {
		.page_size = 4096, .mem_pages = MEM_PAGES,
		.swap_pages = SWAP_PAGES, .oom_mode = fixture_oom_mode,
	};

	(void)state;
	return engine_init(&cfg) ? -1 : 0;
}

static inline int engine_teardown(void **state)
{
	(void)state;
	engine_exit();
	return 0;
}

/* A child group of parent (the tree holds it). */
static inline struct memcg *group(struct memcg *parent, const char *name)
{
	int err;
	struct memcg *m = memcg_create(parent, name, NULL, NULL, &err);

	assert_non_null(m);
	memcg_put(m);
	return m;
}

/* A task in group m (NULL: the root); the table holds it. */
static inline struct task *task_in(pid_t tid, struct memcg *m)
{
	struct task *t = task_get_or_create(tid, tid);

	assert_non_null(t);
	if (m)
		assert_int_equal(task_move(tid, tid, m), 0);
	task_put(t);
	return t;
}

static inline long usage(struct memcg *m, enum memcg_res r)
{
	return page_counter_read(&m->res[r]);
}

static inline long stat_of(struct memcg *m, enum memcg_stat_item i)
{
	return atomic_load(&m->stat[i]);
}

static inline void assert_invariants(void)
{
	struct strbuf why;
	int rc;

	strbuf_init(&why);
	rc = memcg_check_invariants(&why);
	if (rc)
		print_error("%s", why.buf);
	strbuf_release(&why);
	assert_int_equal(rc, 0);
}

#endif
