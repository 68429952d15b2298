/* Notifications (cgroup.event_control): a group's usage crossing a
 * threshold, up or down, the group entering OOM, and reclaim's pressure.
 * The engine keeps the registrations and decides when to signal; a
 * listener, owned by the file-system face, does the signalling, so the
 * engine does no I/O.
 *
 * As the kernel's v1 (mm/memcontrol-v1.c): a threshold is reached when
 * usage >= threshold and left when usage < threshold, each crossing
 * signals once, checked after every charge and uncharge of the group or
 * of its subtree; an OOM in a group signals the OOM listeners of its whole
 * subtree, and one registered while the group is under OOM at once; a
 * group's removal ends its listeners, and each is then signalled once by
 * its owner, after the group's directory is gone (the kernel signals
 * from a work item after the removal). */
#ifndef MEMCGFS_EVENT_H
#define MEMCGFS_EVENT_H

#include <stdbool.h>

#include "memcg.h"

struct memcg_listener {
	/* Called with the event lock held (LOCKING): must not call into
	 * the engine. */
	void (*signal)(struct memcg_listener *l);
	/* The engine is done with it: memcg_unlisten(), or (removed) its
	 * group went, which the owner is to signal once. */
	void (*release)(struct memcg_listener *l, bool removed);
};

enum memcg_event {
	MEMCG_EVENT_USAGE,	/* memory.usage_in_bytes crossing threshold */
	MEMCG_EVENT_MEMSW,	/* memory.memsw.usage_in_bytes crossing it */
	MEMCG_EVENT_OOM,	/* memory.oom_control: an OOM */
	MEMCG_EVENT_PRESSURE,	/* memory.pressure_level: reclaim's pressure */
	MEMCG_NR_EVENTS
};

/* memory.pressure_level, as the kernel's vmpressure: over each window of
 * MEMCG_PRESSURE_WINDOW pages that reclaim of a group (for its limit)
 * tried to free, pressure = 100 * (1 - freed / tried): low below 60,
 * medium from 60, critical from 95, and critical at once when reclaim
 * gave up and the group goes OOM.  A listener hears its level and those
 * above.  Where it is heard: the group reclaimed, then each ancestor in
 * turn, by mode: "default" stops after the first group that had a
 * listener, "hierarchy" never stops, "local" hears its own group only. */
#define MEMCG_PRESSURE_WINDOW 512
enum memcg_pressure_level {
	MEMCG_PRESSURE_LOW, MEMCG_PRESSURE_MEDIUM, MEMCG_PRESSURE_CRITICAL,
};
enum memcg_pressure_mode {
	MEMCG_PRESSURE_DEFAULT, MEMCG_PRESSURE_HIERARCHY, MEMCG_PRESSURE_LOCAL,
};

/* Register l on m: arg is the threshold in pages for the two usage
 * kinds, a memcg_pressure_level + 3 * memcg_pressure_mode for pressure,
 * unused for OOM.  -ENODEV if m was removed, -ENOMEM. */
int memcg_listen(struct memcg *m, enum memcg_event ev, long arg,
		 struct memcg_listener *l);

/* End l's registration on m without signalling it; it is released.
 * Nothing if the removal of m ended it already. */
void memcg_unlisten(struct memcg *m, struct memcg_listener *l);

/* After a charge or uncharge of m: the crossings of m and its ancestors. */
void memcg_events_check(struct memcg *m);

/* m enters OOM. */
void memcg_events_oom(struct memcg *m);

/* Reclaim for m's limit tried to free tried pages and freed freed. */
void memcg_events_reclaim(struct memcg *m, long tried, long freed);

/* m was removed: release its listeners, removed. */
void memcg_events_offline(struct memcg *m);

/* How many registrations there are (for tests). */
long memcg_nr_listeners(void);

#endif
