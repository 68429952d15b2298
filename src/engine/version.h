/* A change counter for the faces: memcg_version() moves whenever any group's
 * counters or task membership may have changed, so a face that shows state
 * (the file system's page cache) can tell "nothing happened" in one atomic
 * load.  It does not say what changed: a face re-checks what it shows. */
#ifndef MEMCG_VERSION_H
#define MEMCG_VERSION_H

#include <stdint.h>

uint64_t memcg_version(void);

/* Called by the engine on every change a face may show. */
void memcg_version_bump(void);

/* wake is called (from whatever thread made the change, possibly under
 * engine locks: it must only post a semaphore or similar) on the first bump
 * after each memcg_version_arm().  NULL stops it. */
void memcg_version_set_waker(void (*wake)(void));
void memcg_version_arm(void);

#endif
