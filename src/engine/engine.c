/* Engine start and stop; see engine.h. */
#include "engine.h"

#include "anon.h"
#include "event.h"
#include "memcg_impl.h"
#include "page.h"
#include "pagecache.h"
#include "realpage.h"
#include "reclaim.h"
#include "slab.h"
#include "sock.h"
#include "task.h"

/* In start order; stopped in reverse. */
static const struct part {
	int (*init)(void);
	void (*exit)(void);
} parts[] = {
	{ frames_init, frames_exit },
	{ slab_init, slab_exit },
	{ memcg_tree_init, memcg_tree_exit },
	{ pagecache_init, pagecache_exit },
	{ task_table_init, task_table_exit },
	{ realpage_init, realpage_exit },
};
#define NR_PARTS (sizeof(parts) / sizeof(parts[0]))

static long shrink_slab(struct memcg *scope)
{
	return slab_shrink(NULL, scope);
}

/* Real pages (realpage.c) are anon and file pages too, flagged PG_REAL:
 * the anon and file operations hand them on. */
static long reclaim_anon(uint32_t idx)
{
	return page_word(idx) & PG_REAL ? realpage_reclaim(idx) : anon_swap_out(idx);
}

static long reclaim_file(uint32_t idx)
{
	return page_word(idx) & PG_REAL ? realpage_reclaim(idx) :
					  pagecache_reclaim_page(idx);
}

static long anon_oom_pages(struct task *t)
{
	return anon_task_pages(t) + realpage_task_anon(t);
}

/* At exit and for an OOM victim: its anon, and its real pages' (mapped
 * anon uncharged, file pages left as cache). */
static void free_anon(struct task *t)
{
	anon_free(t, -1);
	realpage_oom_free(t);
}

/* A removed group's slab caches die, and its listeners hear of it. */
static void group_offline(struct memcg *m)
{
	slab_group_offline(m);
	memcg_events_offline(m);
}

static void wire_page_kinds(void)
{
	static const struct reclaim_ops anon_reclaim = {
		.reclaim_page = reclaim_anon,
	};
	static const struct reclaim_ops file_reclaim = {
		.reclaim_page = reclaim_file,
	};
	static const struct reclaim_ops slab_reclaim = {
		.shrink = shrink_slab,
	};
	/* Anon goes first at exit: a task's own pages, then its mappings. */
	static const struct task_pages_ops anon_task = {
		.exit = free_anon,
		.oom_pages = anon_oom_pages,
		.oom_free = free_anon,
		.release = realpage_task_free,
	};
	static const struct task_pages_ops file_task = {
		.exit = pagecache_unmap_task,
	};
	/* The kernel memory a task holds is its socket buffers (slab objects
	 * are named by tags, not tasks): freed at exit, not by an OOM kill
	 * under oom=simulate (a live process keeps its sockets). */
	static const struct task_pages_ops kmem_task = {
		.exit = sock_task_exit,
		.release = sock_task_release,
	};

	reclaim_register(PAGE_ANON, &anon_reclaim);
	reclaim_register(PAGE_FILE, &file_reclaim);
	reclaim_register(PAGE_SLAB, &slab_reclaim);
	task_register_pages(PAGE_ANON, &anon_task);
	task_register_pages(PAGE_FILE, &file_task);
	task_register_pages(PAGE_SLAB, &kmem_task);
	memcg_set_offline_notifier(group_offline);
}

int engine_init(const struct memcg_config *cfg)
{
	size_t started;
	int err = 0;

	memcg_configure(cfg);
	for (started = 0; started < NR_PARTS && !err; started++)
		err = parts[started].init();
	if (err) {
		/* The part that failed cleaned up after itself. */
		for (started--; started-- > 0;)
			parts[started].exit();
		return err;
	}
	wire_page_kinds();
	return 0;
}

void engine_exit(void)
{
	/* The root goes too: its listeners hear of it. */
	memcg_events_offline(memcg_root());
	for (size_t i = NR_PARTS; i-- > 0;)
		parts[i].exit();
	memcg_set_offline_notifier(NULL);
}
