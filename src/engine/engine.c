/* Engine start and stop; see engine.h. */
#include "engine.h"

#include "anon.h"
#include "memcg_impl.h"
#include "page.h"
#include "pagecache.h"
#include "reclaim.h"
#include "slab.h"
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
};
#define NR_PARTS (sizeof(parts) / sizeof(parts[0]))

static long shrink_slab(struct memcg *scope)
{
	return slab_shrink(NULL, scope);
}

static void free_anon(struct task *t)
{
	anon_free(t, -1);
}

static void wire_page_kinds(void)
{
	static const struct reclaim_ops anon_reclaim = {
		.reclaim_page = anon_swap_out,
	};
	static const struct reclaim_ops file_reclaim = {
		.reclaim_page = pagecache_reclaim_page,
	};
	static const struct reclaim_ops slab_reclaim = {
		.shrink = shrink_slab,
	};
	/* Anon goes first at exit: a task's own pages, then its mappings. */
	static const struct task_pages_ops anon_task = {
		.exit = free_anon,
		.oom_pages = anon_task_pages,
		.oom_free = free_anon,
	};
	static const struct task_pages_ops file_task = {
		.exit = pagecache_unmap_task,
	};

	reclaim_register(PAGE_ANON, &anon_reclaim);
	reclaim_register(PAGE_FILE, &file_reclaim);
	reclaim_register(PAGE_SLAB, &slab_reclaim);
	task_register_pages(PAGE_ANON, &anon_task);
	task_register_pages(PAGE_FILE, &file_task);
	memcg_set_offline_notifier(slab_group_offline);
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
	for (size_t i = NR_PARTS; i-- > 0;)
		parts[i].exit();
	memcg_set_offline_notifier(NULL);
}
