/* Stopping and resuming members under OOM; see oomstop.h. */
#include "oomstop.h"

#include <signal.h>
#include <stdlib.h>
#include <syslog.h>

#include "engine/memcg.h"
#include "engine/oom.h"
#include "engine/task.h"
#include "lib/vec.h"

struct stopped {
	struct task *t;		/* referenced */
	struct memcg *oom_group;	/* referenced */
};

static struct stopped *stops;
static long nr_stops;
static size_t cap_stops;

/* Whether group m is g or below it. */
static bool within(struct memcg *m, struct memcg *g)
{
	for (; m; m = memcg_parent(m))
		if (m == g)
			return true;
	return false;
}

/* Whether t is (still) a member of g's subtree. */
static bool member_of(struct task *t, struct memcg *g)
{
	struct memcg *m = task_memcg_get(t);
	bool in = within(m, g);

	memcg_put(m);
	return in;
}

bool oomstop_is_stopped(struct task *t)
{
	for (long i = 0; i < nr_stops; i++)
		if (stops[i].t == t)
			return true;
	return false;
}

/* The group whose refused charge put t's group (or an ancestor) under
 * OOM, referenced, or NULL. */
static struct memcg *oom_group_of(struct task *t)
{
	struct memcg *m = task_memcg_get(t), *g;

	for (g = m; g; g = memcg_parent(g))
		if (memcg_under_oom(g))
			break;
	if (g)
		memcg_get(g);
	memcg_put(m);
	return g;
}

static void stop_one(struct task *t, struct memcg *g)
{
	if (!VEC_GROW(stops, nr_stops, cap_stops))
		return;	/* unstopped, it is retried next period */
	if (kill(t->tgid, SIGSTOP) < 0)
		return;
	task_get(t);
	memcg_get(g);
	stops[nr_stops++] = (struct stopped){ t, g };
	syslog(LOG_INFO, "under OOM with oom_kill_disable: stopped %d",
	       (int)t->tgid);
}

void oomstop_refused(struct task *t, const void *records, long nr,
		     size_t stride)
{
	const char *rec = records;
	struct memcg *g;

	if (atomic_load(&t->oom_victim))
		return;
	g = oom_group_of(t);
	if (!g)
		return;
	for (long i = 0; i < nr; i++, rec += stride) {
		struct task *m = *(struct task *const *)rec;

		if (!oomstop_is_stopped(m) && member_of(m, g))
			stop_one(m, g);
	}
	memcg_put(g);
}

void oomstop_resume(void)
{
	long j = 0;

	for (long i = 0; i < nr_stops; i++) {
		struct stopped *s = &stops[i];

		if (!atomic_load(&s->t->exited) && memcg_under_oom(s->oom_group) &&
		    member_of(s->t, s->oom_group)) {
			stops[j++] = *s;
			continue;
		}
		if (!atomic_load(&s->t->exited) && kill(s->t->tgid, SIGCONT) == 0)
			syslog(LOG_INFO, "resumed %d", (int)s->t->tgid);
		task_put(s->t);
		memcg_put(s->oom_group);
	}
	nr_stops = j;
}

void oomstop_release_all(void)
{
	/* Anything stopped goes on: the daemon no longer stands in its way. */
	for (long i = 0; i < nr_stops; i++) {
		kill(stops[i].t->tgid, SIGCONT);
		task_put(stops[i].t);
		memcg_put(stops[i].oom_group);
	}
	free(stops);
	stops = NULL;
	nr_stops = cap_stops = 0;
}
