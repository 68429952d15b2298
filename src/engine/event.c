/* Usage thresholds, OOM and pressure notifications; see event.h. */
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

/* One kind's listeners on a group, sorted by pages.  For the two usage
 * kinds pages is the threshold and current says which of them usage has
 * reached: entries[0..current] are <= usage (current is -1 if none is).
 * OOM listeners leave pages 0; pressure listeners hold their level
 * + 3 * mode there. */
struct thresholds {
	struct threshold *entries;
	long nr, current;
};

/* What is registered on one group, by enum memcg_event. */
struct memcg_events {
	struct thresholds of[MEMCG_NR_EVENTS];
};

/* One lock for every group's registrations (LOCKING: a leaf).  The charge
 * paths take it only while some registration exists anywhere. */
static pthread_mutex_t events_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_long nr_listeners;

/* The counter of each usage kind (MEMCG_EVENT_USAGE, MEMCG_EVENT_MEMSW). */
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
	for (int k = MEMCG_EVENT_USAGE; k <= MEMCG_EVENT_MEMSW; k++)
		if (m->events->of[k].nr)
			crossings(&m->events->of[k],
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

/* Free m's registrations if none is left. */
static void events_put_empty(struct memcg *m)
{
	for (int k = 0; k < MEMCG_NR_EVENTS; k++)
		if (m->events->of[k].nr)
			return;
	for (int k = 0; k < MEMCG_NR_EVENTS; k++)
		free(m->events->of[k].entries);
	free(m->events);
	m->events = NULL;
}

int memcg_listen(struct memcg *m, enum memcg_event ev, long arg,
		 struct memcg_listener *l)
{
	struct thresholds *t;
	int err;

	pthread_mutex_lock(&events_lock);
	if (!memcg_online(m)) {
		pthread_mutex_unlock(&events_lock);
		return -ENODEV;
	}
	if (!m->events && !(m->events = calloc(1, sizeof(*m->events)))) {
		pthread_mutex_unlock(&events_lock);
		return -ENOMEM;
	}
	t = &m->events->of[ev];
	/* Crossings so far go to those who were there. */
	if (ev <= MEMCG_EVENT_MEMSW)
		check_group(m);
	err = add(t, ev == MEMCG_EVENT_OOM ? 0 : arg, l);
	if (err) {
		events_put_empty(m);
	} else if (ev <= MEMCG_EVENT_MEMSW) {
		/* Where usage is now, not a crossing, for the new one too. */
		long usage = page_counter_read(&m->res[event_res[ev]]);

		for (t->current = -1; t->current + 1 < t->nr &&
		     t->entries[t->current + 1].pages <= usage;)
			t->current++;
	} else if (ev == MEMCG_EVENT_OOM && atomic_load(&m->under_oom)) {
		l->signal(l);
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

void memcg_unlisten(struct memcg *m, struct memcg_listener *l)
{
	bool found = false;

	pthread_mutex_lock(&events_lock);
	if (m->events) {
		for (int k = 0; k < MEMCG_NR_EVENTS && !found; k++)
			found = drop(&m->events->of[k], l);
		events_put_empty(m);
	}
	if (found)
		atomic_fetch_sub(&nr_listeners, 1);
	pthread_mutex_unlock(&events_lock);
	if (found)
		l->release(l, false);
}

static int oom_signal(struct memcg *m, void *arg)
{
	struct thresholds *t = m->events ? &m->events->of[MEMCG_EVENT_OOM] : NULL;

	(void)arg;
	for (long i = 0; t && i < t->nr; i++)
		t->entries[i].l->signal(t->entries[i].l);
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
	struct thresholds *t = &m->events->of[MEMCG_EVENT_PRESSURE];
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

	pthread_mutex_lock(&events_lock);
	ev = m->events;
	m->events = NULL;
	for (int k = 0; ev && k < MEMCG_NR_EVENTS; k++)
		atomic_fetch_sub(&nr_listeners, ev->of[k].nr);
	pthread_mutex_unlock(&events_lock);
	if (!ev)
		return;
	/* Released unlocked: a release may take other locks. */
	for (int k = 0; k < MEMCG_NR_EVENTS; k++) {
		for (long i = 0; i < ev->of[k].nr; i++)
			ev->of[k].entries[i].l->release(ev->of[k].entries[i].l, true);
		free(ev->of[k].entries);
	}
	free(ev);
}
