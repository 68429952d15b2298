/* Real pages (memcgfs(8) REAL PROCESSES, track=pages): the resident pages of real
 * processes, each an engine page identified by its host frame number
 * (pfn) and owned by exactly one group, read without locks like every
 * engine page.
 *
 * The host scans each member process and tells the engine the whole set
 * of pages it maps now; the engine compares it with the set it had and
 * charges, uncharges and relabels as the kernel's v1 controller does:
 *   - a page no member mapped before is charged to the group of the
 *     member that brings it in, except a file page that non-members map
 *     too (it was there before) and a page seen while its process is in
 *     the root group (pages a process had when it joined stay where they
 *     were: nowhere, here);
 *   - a page several members map is charged once;
 *   - anon pages are rss, file pages cache (+ mapped_file while mapped),
 *     shmem pages cache + shmem, mlocked pages unevictable;
 *   - anon that no member maps any more is uncharged at once; file pages
 *     stay charged as cache until reclaim takes them (they are uncharged,
 *     the host keeps them) or the host drops them (realpage_dropped);
 *   - an anon page the host swaps out is named by its swap entry from
 *     then on, the same page: it stays charged to memsw as swap (memory
 *     uncharged), and when a member maps a new frame at the same address
 *     again (swap-in) it is that page back, charged to memory again as a
 *     fault is.  A swap entry first seen swapped is not charged (it was
 *     swapped before it was seen: its charge is where it was);
 *   - a charge past a limit that reclaim cannot make room for, where
 *     swapping would (memory's limit failed, not memsw's; swap= room
 *     left; swappiness > 0), first has the host swap out real anon
 *     pages of the group's members (the pageout hook: inactive first,
 *     pages mapped once and not mlocked); those that went are swapped
 *     out as above, the rest stay, and only if none went is it OOM.
 * The engine does no I/O: the host reads /proc and calls these. */
#ifndef MEMCG_REALPAGE_H
#define MEMCG_REALPAGE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct memcg;
struct task;

/* What the host saw of one page. */
#define REAL_ANON	0x01u	/* anonymous (else file) */
#define REAL_SHMEM	0x02u	/* file: shmem/tmpfs/SysV shm */
#define REAL_MLOCKED	0x04u	/* mlocked or otherwise unevictable */
#define REAL_ACTIVE	0x08u	/* on the host's active list */
#define REAL_SHARED	0x10u	/* mapped more than once on the host */
#define REAL_FOREIGN	0x20u	/* realpage_unmapped: a page not charged */
#define REAL_KNOWN	0x40u	/* realpage_fill_known: in the set already */
#define REAL_SWAP	0x80u	/* anon in swap: pfn is REAL_SWAP_KEY | entry */

/* A swapped page's name: its pagemap swap entry (type in bits 0-4,
 * offset in 5-54) with this bit, above every frame number, so that sets
 * sorted by pfn hold present pages first and swapped ones after. */
#define REAL_SWAP_KEY	(1ULL << 63)

struct real_seen {
	uint64_t pfn;		/* frame number, or swap key */
	uint32_t flags;
	uint64_t addr;		/* virtual page number where it is mapped */
};

int realpage_init(void);
void realpage_exit(void);

/* Process t (a leader) maps exactly seen[0..nr), sorted by pfn without
 * repeats.  New pages are charged one at a time, as faults would be, with
 * reclaim and OOM; a page whose charge is refused stays out of t's set
 * and is tried again at the next update (a swap-in refused stays in
 * swap until then).  An anon page t mapped at addr that is now a swap
 * entry at addr, or the reverse, is a swap-out (swap-in) of that page.
 * 0, or -ENOMEM if a charge was refused, -ESRCH if t has exited, -EAGAIN
 * if the pageout hook swapped pages out to make room for a charge: the
 * pages not charged yet wait, and seen (which names those pages by frame)
 * is stale: scan again and update.  Called with no engine lock held. */
int realpage_update(struct task *t, const struct real_seen *seen, long nr);

/* The host's part of swapping real pages out (realpage_update): process
 * tgid's pages at pages[i].addr (page numbers) go to swap if the host
 * will, and each pages[i] is then what a scan sees there now (pfn and
 * flags; REAL_ANON | REAL_SWAP for a swap entry).  0 or -errno.  Called
 * with no engine lock held; it must not call into the engine. */
typedef int (*realpage_pageout_fn)(pid_t tgid, struct real_seen *pages, long nr);
void realpage_set_pageout_hook(realpage_pageout_fn fn);

/* For each page of seen[0..nr) (sorted by pfn) that t mapped at its last
 * update, the flags it had then, with REAL_KNOWN: a page a process keeps
 * mapping stays the same page, so the host need not read its flags again.
 * Returns how many were known. */
long realpage_fill_known(struct task *t, struct real_seen *seen, long nr);

/* t maps nothing any more (exit, OOM kill, no longer tracked). */
void realpage_forget(struct task *t);

/* The OOM victim t's pages go (as realpage_forget, but safe to call from
 * inside t's own update), and its OOM score's share: charged anon pages
 * it maps. */
void realpage_oom_free(struct task *t);
long realpage_task_anon(struct task *t);

/* Free t's set at the task's end (its pages were forgotten before). */
void realpage_task_free(struct task *t);

/* The pages no member maps (charged file pages, and uncharged pages kept
 * to recognise them), for the host to check that they still exist: a
 * malloc'ed array in *out, flagged REAL_ANON and REAL_FOREIGN as they
 * are; the count or -ENOMEM. */
long realpage_unmapped(struct real_seen **out);

/* The host no longer has page pfn (freed, reused as something else, or,
 * for an uncharged one, mapped nowhere): if no member maps it, uncharge
 * and forget it. */
void realpage_dropped(uint64_t pfn);

/* The group charged for host page pfn, or NULL.  Under RCU, lockless. */
struct memcg *realpage_memcg(uint64_t pfn);

/* Reclaim: uncharge isolated real page idx (an unmapped file page; the
 * host keeps it).  1 if it went, else 0. */
long realpage_reclaim(uint32_t idx);

/* A charge move holds these around its task lock: no update runs while
 * it moves (an update may OOM-kill the task being moved, and that takes
 * the task lock under the set lock). */
void realpage_updates_lock(void);
void realpage_updates_unlock(void);

/* For charge moving: fn on the frame of each charged page t maps, with
 * whether t alone maps it (no other member maps it, and the host saw it
 * mapped once at t's last update: a forked child not scanned yet maps it
 * too, as the kernel's page_mapcount() tells), under t's set lock (no
 * page of the set is unmapped or freed meanwhile). */
void realpage_for_each(struct task *t,
		       void (*fn)(uint32_t idx, bool only_mapper, void *arg),
		       void *arg);

/* Real pages known to the engine (charged ones). */
long realpage_count(void);

#endif
