/* track=pages (memcgfs(8) REAL PROCESSES): a sampler thread reads, every period, the pages
 * each member process maps (/proc/PID/maps and /proc/PID/pagemap) and
 * what the host knows of each (/proc/kpageflags, /proc/kpagecount), and
 * hands the engine the set (engine/realpage.h), which charges them as the
 * kernel's v1 controller would.  A process whose fault, resident and
 * locked counters did not change since its last scan is not scanned
 * again, unless the host swapped pages out since the last period
 * (/proc/vmstat).  Cached pages no member maps are checked each period and
 * uncharged once the host has dropped them.  Over a limit the engine's OOM
 * handling kills; with oom_kill_disable the members wait (oomstop.h). */
#ifndef MEMCGFS_PAGETRACK_H
#define MEMCGFS_PAGETRACK_H

#include <stdbool.h>
#include <sys/types.h>

int pagetrack_start(long period_ms);
void pagetrack_stop(void);

/* Process tgid is about to move to another group: what it maps now is
 * recorded first, charged to the group it leaves (nothing, for the root),
 * so that only what it faults in from now on is charged to the new one.
 * A no-op unless track=pages runs. */
void pagetrack_before_move(pid_t tgid);

/* While a restarted server puts its members back: a move records
 * nothing, so what a member maps is charged to the group it is in at its
 * first scan (the dead server's owners of host pages are not kept). */
void pagetrack_restoring(bool on);

/* One scan of every member process, now, ignoring the counters (for the
 * benchmark).  Returns the pages seen. */
long pagetrack_scan_all(void);

#endif
