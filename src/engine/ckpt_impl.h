/* Inside checkpoint.h: what the page kinds' save and restore share.
 * checkpoint.c runs them; each kind (anon.c, sock.c, pagecache.c, slab.c)
 * writes and reads its own records. */
#ifndef MEMCG_CKPT_IMPL_H
#define MEMCG_CKPT_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/vec.h"
#include "checkpoint.h"

struct memcg;
struct task;

struct ckpt_save {
	const struct ckpt_hooks *h;
	ckpt_emit_fn emit;
	void *arg;
	uint32_t gen;		/* this save's: objects saved carry it */
	/* The last memcg_ptr id ckpt_owner_of() looked up, and its group's
	 * id: pages in a row mostly share one.  Kept for one object's walk
	 * (ckpt_run's start clears it), so an id freed and given to another
	 * pointer meanwhile is not taken for the old one. */
	uint32_t last_ptr;
	uint64_t last_owner;
};

/* Emit a record of nr numbers (then str, if not NULL). */
void ckpt_emit(struct ckpt_save *s, char type, const char *str, int nr, ...);

/* A run of pages with one owner and state, emitted when it ends. */
struct ckpt_run {
	uint64_t owner, flags, start, count;
};
/* Add a page to the run (emitting the run before it if it differs). */
void ckpt_run_add(struct ckpt_save *s, struct ckpt_run *r, char type,
		  uint64_t owner, uint64_t flags, uint64_t pos);
void ckpt_run_end(struct ckpt_save *s, struct ckpt_run *r, char type);

/* The group id a page's word names now, 0 for a free frame.  Each group
 * an owner id names is described first, once a save, by a g record: a
 * group removed after the save still has its pages go to its parent. */
uint64_t ckpt_owner_of(struct ckpt_save *s, uint32_t idx);
/* The same description for a group named otherwise (m referenced or
 * under RCU). */
uint64_t ckpt_group_id(struct ckpt_save *s, struct memcg *m);
/* The state bits of a page worth keeping (not isolation, not REAL). */
uint32_t ckpt_flags(uint32_t word);

struct ckpt_restore {
	const struct ckpt_hooks *h;
	struct task *task;		/* the last T's, NULL if it is gone */
	VEC(void *) files;		/* F's, by number (pagecache.c's) */
	uint32_t file_map;		/* the last F's mapped pages */
	VEC(void *) caches;		/* C's (slab.c's) */
	VEC(void *) copies;		/* S's */
	struct memcg *slab_owner;	/* the last S's pages', referenced */
	void *tag;			/* the last t's */
	VEC(struct memcg *) dying;	/* D's, referenced */
	VEC(struct ckpt_record) late;	/* c, v, K: once all is charged */
	VEC(struct ckpt_parent) parents;	/* g's */
};

struct ckpt_parent {
	uint64_t id, parent;
};

/* The group with this id, referenced (a live or restored dying one), or
 * if it is gone its nearest ancestor the g records know that is not; the
 * root at last. */
struct memcg *ckpt_group(struct ckpt_restore *c, uint64_t id);
/* The group with this id that restore brings back dying, or NULL (not
 * referenced: c holds it until the end). */
struct memcg *ckpt_restored_dying(struct ckpt_restore *c, uint64_t id);
/* The frames idx[0..nr) become pages of m in state flags (pages_add),
 * charged as restore makes them, whatever the limits: memsw always,
 * memory if resident (else swap space), kmem for slab pages. */
void ckpt_add_pages(struct memcg *m, const uint32_t *idx, long nr,
		    uint32_t flags);
/* Each kind: save its records; restore one of its types. */
void anon_save(struct ckpt_save *s, struct task *t);
int anon_restore(struct ckpt_restore *c, const struct ckpt_record *r);
void sock_save(struct ckpt_save *s, struct task *t);
int sock_restore(struct ckpt_restore *c, const struct ckpt_record *r);
void pagecache_save(struct ckpt_save *s);
int pagecache_restore(struct ckpt_restore *c, const struct ckpt_record *r);
/* A file block's owner: its F number in save s, or false if not saved. */
bool pagecache_saved_ref(struct ckpt_save *s, void *file, uint64_t *ref);
/* Page pos of F number ref, or 0. */
uint32_t pagecache_restored_page(struct ckpt_restore *c, uint64_t ref,
				 uint32_t pos);
void slab_save(struct ckpt_save *s);
int slab_restore(struct ckpt_restore *c, const struct ckpt_record *r);
/* While restore brings back dying groups, their removal leaves their
 * copies' empty slab pages for the reaper, as they were. */
void slab_restoring(bool on);

#endif
