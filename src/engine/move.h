/* Charge moving at task move (memory.move_charge_at_immigrate), as the
 * kernel adopted from the 2008 "Move Usage at Task Move" discussion:
 * reserve first, then move, all or nothing. */
#ifndef MEMCG_MOVE_H
#define MEMCG_MOVE_H

#include <sys/types.h>

struct memcg;

/* Move thread tid of process tgid into group to.  When tid is its
 * process's leader and to's move_charge_at_immigrate asks for them, the
 * charges of its anonymous pages and swap (bit 0) and of the page cache it
 * maps (bit 1) that its old group owns move too: every movable page is
 * precharged in to (up to the common ancestor, reclaiming in to if need
 * be, never OOM-killing), then each page's owner is swung and the old
 * group uncharged.  -ENOMEM if the precharge cannot be had: then nothing
 * changed and the task stays where it was.  Otherwise task_move()'s
 * result. */
int memcg_move_task(pid_t tid, pid_t tgid, struct memcg *to);

#endif
