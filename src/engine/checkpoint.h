/* The engine's charges as records, and back (memcgfs(8) RESTART): what a
 * restarted daemon needs to find every synthetic charge where it was.
 *
 * Saved: each task's anonymous pages in fault order (owner, state, swap)
 * and socket-buffer runs; each page-cache file's pages, mappers and
 * refault shadows; every slab cache, per-group copy (live and dead), slab
 * page and tagged object; groups that are dying (kmem=pin); the order of
 * every LRU list; and the counters that pages do not imply (watermarks,
 * failcnt, oom_kill, the event statistics).  Not saved: host pages
 * (realpage.c), which a restarted sampler finds again.
 *
 * Usage is not saved: restore charges each page it makes, so every counter
 * equals what its pages add up to, whatever a save running beside other
 * changes saw.  The engine does no I/O: records go to and come from the
 * caller, which keeps them (fs/charges.c). */
#ifndef MEMCG_CHECKPOINT_H
#define MEMCG_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CKPT_NUMS 7

/* One record: a type letter, numbers, and at most one string, last.
 * In the order a save writes them:
 *
 *   D id parent flags :name        a dying group (kmem=pin), restored
 *                                  online and removed again at the end
 *   C objsize :name                a slab cache, in list order
 *   T tid tgid stamp               a task; the a and k records after it
 *                                  are its own
 *   a owner flags count            anon pages, next positions
 *   k owner pages                  a socket-buffer run
 *   F blocks :name                 a page-cache file; m, h, p follow
 *   m tid pages                    a mapper of its first pages
 *   h block bits                   refault shadow word of a block
 *   p index owner flags count      cached pages from index on
 *   S cache group owner dead :name a slab copy (cache: C's number)
 *   s count live inuse             slab records, next numbers
 *   t :name                        a tag; its o records follow
 *   o copy slab count              objects of the tag (copy: S's number)
 *   l group list kind ref pos count  LRU order: pages pos.. of task tid
 *                                  (kind 0) or file ref (1) next on list
 *   c group res watermark failcnt  a counter
 *   v group item value             an event statistic
 *   V group item value             its subtree total
 *   K group oom_kill               OOM kills in the group
 *   O group need res               the group is under OOM (oom_kill_disable)
 *                                  for a charge of need pages at res
 *   g id parent                    a group an owner names, for a restore
 *                                  where it is gone: its pages go up
 *
 * owner and group are group ids, flags page.h's state bits. */
struct ckpt_record {
	char type;
	int nr;				/* numbers used */
	uint64_t num[CKPT_NUMS];
	const char *str;		/* NULL: no string */
	size_t len;
};

struct ckpt_hooks {
	/* Save: the start time that tells this thread from a later one
	 * with its id; 0 if it is gone. */
	uint64_t (*task_stamp)(pid_t tid, pid_t tgid);
	/* Restore: whether the thread that had the stamp still runs (the
	 * caller then watches it for its exit as for any task). */
	int (*task_alive)(pid_t tid, pid_t tgid, uint64_t stamp);
};

typedef void (*ckpt_emit_fn)(const struct ckpt_record *r, void *arg);

/* Every record, in the order restore wants them.  Beside other changes:
 * each object is read under its own lock. */
void engine_checkpoint_save(const struct ckpt_hooks *h, ckpt_emit_fn emit,
			    void *arg);

/* Restore into an engine with the groups and members back but no charge
 * (before any request is served): begin, each record in saved order,
 * end.  A record that names what is gone (a task that exited, a group
 * removed since) is skipped or charged to the root; a malformed one is
 * -EINVAL.  end applies the counters and removes the dying groups. */
struct ckpt_restore;
struct ckpt_restore *engine_restore_begin(const struct ckpt_hooks *h);
int engine_restore_record(struct ckpt_restore *c, const struct ckpt_record *r);
void engine_restore_end(struct ckpt_restore *c);

#endif
