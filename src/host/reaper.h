/* The dead-cache reaper: a timer thread that runs slab_reap() every
 * reap_interval seconds (memcgfs(8) KERNEL MEMORY). */
#ifndef MEMCGFS_REAPER_H
#define MEMCGFS_REAPER_H

int reaper_start(unsigned interval_seconds);
void reaper_stop(void);

#endif
