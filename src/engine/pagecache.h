/* The page cache: files named by any token, read and mapped by tasks
 * (memcgfs(8) THE WORKLOAD FILE `read`, `map`, `evict`, `drop_caches`).
 *
 * A file's page i is slot i % 64 of its block i / 64.  An uncached page is
 * charged to the reader's group; later readers, from any group, only mark
 * it active.  A page stays charged until it is evicted, whoever reads it. */
#ifndef MEMCG_PAGECACHE_H
#define MEMCG_PAGECACHE_H

#include <stdbool.h>
#include <stdint.h>

struct task;

int pagecache_init(void);
void pagecache_exit(void);

/* Task t reads (or maps) the first nr pages of file name. */
int pagecache_read(struct task *t, const char *name, long nr, bool map);

/* Drop the file's cached pages (mapped ones too); unknown files are
 * empty already. */
void pagecache_evict(const char *name);

/* Drop the file's pages from page nr on, mapped ones too, and shorten its
 * mappings to nr pages. */
void pagecache_truncate(const char *name, long nr);
/* Drop all the file's pages and forget the file (freed after a grace
 * period).  Only for a file that no other thread reads or maps. */
void pagecache_forget(const char *name);
/* Drop every unmapped cached page of every file. */
void pagecache_drop_unmapped(void);

/* Reclaim: evict isolated file page idx.  1 if it went, else 0. */
long pagecache_reclaim_page(uint32_t idx);

/* Call fn on each cached page that t maps, under its file's lock. */
void pagecache_for_each_mapped(struct task *t,
			       void (*fn)(uint32_t idx, void *arg), void *arg);

/* The task is gone: drop its mappings. */
void pagecache_unmap_task(struct task *t);

#endif
