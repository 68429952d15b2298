/* Starting and stopping the engine: the one entry point every user (the
 * daemon, the unit tests, the stress test, the benchmarks) calls.
 *
 * engine_init brings the parts up in dependency order (page frames, slab
 * caches, group tree, page cache, task table) and wires the page kinds
 * into what dispatches on them (reclaim, task exit and OOM, group
 * offline), so that no lower file calls a higher one directly.  A failure
 * part way unwinds what was started. */
#ifndef MEMCG_ENGINE_H
#define MEMCG_ENGINE_H

#include "memcg.h"

/* 0, or a negative errno with nothing left allocated. */
int engine_init(const struct memcg_config *cfg);

/* Tear everything down.  Only for a quiescent engine: no other thread may
 * use it any more (the daemon at exit, unit tests between cases).  Tasks
 * go first, as if they exited, so their pages are uncharged. */
void engine_exit(void);

#endif
