/* Resident memory of real processes; see rss.h. */
#include "rss.h"

#include <stdio.h>

#include "anon.h"
#include "memcg_impl.h"
#include "pagecache.h"
#include "task.h"

/* Growth is charged in steps of at most this many pages, as faults would
 * charge it: the OOM victim is chosen by charged pages, so a process that
 * jumped by 200 MiB in one period must have most of it charged when its
 * group's limit refuses the rest, or a smaller member would be taken. */
#define RSS_STEP 256

/* A name no workload line can hold (tokens have no blanks): the file is
 * the sampler's alone, as pagecache_forget() requires. */
static void file_name(struct task *t, char *buf, size_t len)
{
	snprintf(buf, len, "[rss %d]", (int)t->tgid);
}

int rss_set(struct task *t, long anon, long file)
{
	long have = anon_task_pages(t);
	char name[32];
	int err = 0;

	/* An OOM victim's anon was just uncharged: it is not charged again. */
	for (; anon > have && !err && !atomic_load(&t->oom_victim);
	     have = anon_task_pages(t))
		err = anon_fault(t, anon - have < RSS_STEP ? anon - have : RSS_STEP);
	if (anon < have)
		anon_free(t, have - anon);
	if (err)
		return err;
	file_name(t, name, sizeof(name));
	if (file > t->rss_file_pages) {
		err = pagecache_read(t, name, file, true);
		if (err)
			return err;
	} else if (file < t->rss_file_pages) {
		pagecache_truncate(name, file);
	}
	t->rss_file_pages = file;
	return 0;
}

void rss_forget(struct task *t)
{
	char name[32];

	if (!t->rss_file_pages)
		return;
	file_name(t, name, sizeof(name));
	pagecache_forget(name);
	t->rss_file_pages = 0;
}
