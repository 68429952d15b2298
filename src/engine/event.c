/* Usage thresholds and OOM notifications; see event.h. */
#include "event.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "memcg_impl.h"

struct threshold {
	long pages;
	struct memcg_listener *l;
};

/* One usage counter's thresholds, sorted by pages, and which of them
 * usage has reached: entries[0..current] are <= usage (current is -1 if
 * none is). */
struct thresholds {
	struct threshold *entries;
	long nr, current;
};

/* What is registered on one group: an array of each kind.  OOM listeners
 * sit in oom.entries with pages unused, pressure listeners in
 * pressure.entries with pages their level + 3 * mode. */
struct memcg_events {
	struct thresholds usage[2];	/* MEMCG_EVENT_USAGE, MEMCG_EVENT_MEMSW */
	struct thresholds oom;
	struct thresholds pressure;
};

/* One lock for every group's registrations (LOCKING: a leaf).  The charge
 * paths take it only while some registration exists anywhere. */
static pthread_mutex_t events_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_long nr_listeners;

static const enum memcg_res event_res[2] = { MEMCG_RES_MEMORY, MEMCG_RES_MEMSW };

long memcg_nr_listeners(void)
{
	return atomic_load(&nr_listeners);
}

/* The kernel's __mem_cgroup_threshold: signal what usage crossed since
 * the last check, down then up, and remember where it is now. */
static void crossings(struct thresholds *t, long usage)
{
	long i = t->current;

	for (; i >= 0 && t->entries[i].pages > usage; i--)
		t->entries[i].l->signal(t->entries[i].l);
	for (i++; i < t->nr && t->entries[i].pages <= usage; i++)
		t->entries[i].l->signal(t->entries[i].l);
	t->current = i - 1;
}

static void check_group(struct memcg *m)
{
	for (int k = 0; k < 2; k++)
		if (m->events->usage[k].nr)
			crossings(&m->events->usage[k],
				  page_counter_read(&m->res[event_res[k]]));
}

void memcg_events_check(struct memcg *m)
{
	if (!atomic_load(&nr_listeners))
		return;
	pthread_mutex_lock(&events_lock);
	for (; m; m = m->parent)
		if (m->events)
			check_group(m);
	pthread_mutex_unlock(&events_lock);
}

static int add(struct thresholds *t, long pages, struct memcg_listener *l)
{
	struct threshold *bigger = realloc(t->entries,
					   (size_t)(t->nr + 1) * sizeof(*bigger));
	long i;

	if (!bigger)
		return -ENOMEM;
	t->entries = bigger;
	/* After those of the same pages: each is signalled in turn. */
	for (i = t->nr; i > 0 && bigger[i - 1].pages > pages; i--)
		bigger[i] = bigger[i - 1];
	bigger[i] = (struct threshold){ pages, l };
	t->nr++;
	return 0;
}

int memcg_listen(struct memcg *m, enum memcg_event ev, long threshold,
		 struct memcg_listener *l)
{
	int err = 0;

	pthread_mutex_lock(&events_lock);
	if (!memcg_online(m)) {
		err = -ENODEV;
	} else if (!m->events && !(m->events = calloc(1, sizeof(*m->events)))) {
		err = -ENOMEM;
	} else if (ev == MEMCG_EVENT_OOM) {
		err = add(&m->events->oom, 0, l);
		if (!err && atomic_load(&m->under_oom))
			l->signal(l);
	} else if (ev == MEMCG_EVENT_PRESSURE) {
		err = add(&m->events->pressure, threshold, l);
	} else {
		struct thresholds *t = &m->events->usage[ev];
		long usage;

		/* Crossings so far go to those who were there; then where
		 * usage is now, not a crossing, for the new one too. */
		check_group(m);
		err = add(t, threshold, l);
		usage = page_counter_read(&m->res[event_res[ev]]);
		for (t->current = -1; t->current + 1 < t->nr &&
		     t->entries[t->current + 1].pages <= usage;)
			t->current++;
	}
	if (!err)
		atomic_fetch_add(&nr_listeners, 1);
	pthread_mutex_unlock(&events_lock);
	return err;
}

/* Take l out of t; true if it was there. */
static bool drop(struct thresholds *t, struct memcg_listener *l)
{
	for (long i = 0; i < t->nr; i++) {
		if (t->entries[i].l != l)
			continue;
		for (long j = i; j + 1 < t->nr; j++)
			t->entries[j] = t->entries[j + 1];
		t->nr--;
		if (i <= t->current)
			t->current--;
		return true;
	}
	return false;
}

/* The group's registrations, or what is left of them, go. */
static void events_free(struct memcg_events *ev)
{
	free(ev->usage[0].entries);
	free(ev->usage[1].entries);
	free(ev->oom.entries);
	free(ev->pressure.entries);
	free(ev);
}

void memcg_unlisten(struct memcg *m, struct memcg_listener *l)
{
	struct memcg_events *ev;
	bool found = false;

	pthread_mutex_lock(&events_lock);
	ev = m->events;
	if (ev) {
		found = drop(&ev->oom, l) || drop(&ev->pressure, l);
		for (int k = 0; k < 2 && !found; k++)
			found = drop(&ev->usage[k], l);
		if (!ev->oom.nr && !ev->pressure.nr && !ev->usage[0].nr &&
		    !ev->usage[1].nr) {
			events_free(ev);
			m->events = NULL;
		}
	}
	if (found)
		atomic_fetch_sub(&nr_listeners, 1);
	pthread_mutex_unlock(&events_lock);
	if (found)
		l->release(l, false);
}

static int oom_signal(struct memcg *m, void *arg)
{
	(void)arg;
	if (m->events)
		for (long i = 0; i < m->events->oom.nr; i++)
			m->events->oom.entries[i].l->signal(m->events->oom.entries[i].l);
	return 0;
}

void memcg_events_oom(struct memcg *m)
{
	if (!atomic_load(&nr_listeners))
		return;
	pthread_mutex_lock(&events_lock);
	memcg_walk_subtree(m, oom_signal, NULL);
	pthread_mutex_unlock(&events_lock);
}

/* The kernel's vmpressure_calc_level. */
static enum memcg_pressure_level pressure_level(long tried, long freed)
{
	long pressure = freed >= tried ? 0 : 100 - freed * 100 / tried;

	if (pressure >= 95)
		return MEMCG_PRESSURE_CRITICAL;
	return pressure >= 60 ? MEMCG_PRESSURE_MEDIUM : MEMCG_PRESSURE_LOW;
}

/* Signal m's pressure listeners that hear level; ancestor: m is above
 * the group reclaimed; heard: a group below had listeners.  Whether any
 * listener of m's heard (the kernel's vmpressure_event()). */
static bool pressure_signal(struct memcg *m, enum memcg_pressure_level level,
			    bool ancestor, bool heard)
{
	struct thresholds *t = &m->events->pressure;
	bool any = false;

	for (long i = 0; i < t->nr; i++) {
		long lvl = t->entries[i].pages % 3, mode = t->entries[i].pages / 3;

		if ((ancestor && mode == MEMCG_PRESSURE_LOCAL) ||
		    (heard && mode == MEMCG_PRESSURE_DEFAULT) || level < lvl)
			continue;
		t->entries[i].l->signal(t->entries[i].l);
		any = true;
	}
	return any;
}

void memcg_events_reclaim(struct memcg *m, long tried, long freed)
{
	enum memcg_pressure_level level;
	bool heard = false;

	if (!atomic_load(&nr_listeners) || tried <= 0)
		return;
	pthread_mutex_lock(&events_lock);
	m->pressure_tried += tried;
	m->pressure_freed += freed < tried ? freed : tried;
	if (m->pressure_tried < MEMCG_PRESSURE_WINDOW) {
		pthread_mutex_unlock(&events_lock);
		return;
	}
	level = pressure_level(m->pressure_tried, m->pressure_freed);
	m->pressure_tried = m->pressure_freed = 0;
	for (struct memcg *g = m; g; g = g->parent)
		if (g->events && pressure_signal(g, level, g != m, heard))
			heard = true;
	pthread_mutex_unlock(&events_lock);
}

void memcg_events_offline(struct memcg *m)
{
	struct memcg_events *ev;
	struct thresholds *all[4];

	pthread_mutex_lock(&events_lock);
	ev = m->events;
	m->events = NULL;
	if (ev) {
		all[0] = &ev->usage[0];
		all[1] = &ev->usage[1];
		all[2] = &ev->oom;
		all[3] = &ev->pressure;
		for (int k = 0; k < 4; k++)
			atomic_fetch_sub(&nr_listeners, all[k]->nr);
	}
	pthread_mutex_unlock(&events_lock);
	if (!ev)
		return;
	/* Released unlocked: a release may take other locks. */
	for (int k = 0; k < 4; k++)
		for (long i = 0; i < all[k]->nr; i++)
			all[k]->entries[i].l->release(all[k]->entries[i].l, true);
	events_free(ev);
}
