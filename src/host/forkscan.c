/* The /proc fallback for fork following; see forkscan.h. */
#include "forkscan.h"

#include <stdlib.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "engine/memcg.h"
#include "engine/task.h"
#include "pidwatch.h"
#include "proc.h"
#include "ticker.h"

static struct ticker ticker;
static unsigned long long last_scan;	/* clock ticks since boot */

static unsigned long long now_ticks(void)
{
	struct timespec ts;
	long hz = sysconf(_SC_CLK_TCK);

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (unsigned long long)ts.tv_sec * (unsigned long long)hz +
	       (unsigned long long)ts.tv_nsec * (unsigned long long)hz / 1000000000ULL;
}

/* Whether thread tid of process tgid started since the previous scan,
 * with a tick of slack: that scan read its clock first. */
static bool started_since(pid_t tgid, pid_t tid, unsigned long long since)
{
	unsigned long long start;

	return proc_start_time(tgid, tid, &start) == 0 && start + 1 >= since;
}

/* New child processes of member thread t. */
static void scan_children(struct task *t, unsigned long long since)
{
	pid_t *kids = NULL;
	long n = proc_children(t->tgid, t->tid, &kids);

	for (long i = 0; i < n; i++)
		if (kids[i] > 0 && !task_known(kids[i]) &&
		    started_since(kids[i], kids[i], since))
			pidwatch_follow(t->tid, kids[i], kids[i]);
	free(kids);
}

/* New threads of member process t (t is its leader). */
static void scan_threads(struct task *t, unsigned long long since)
{
	pid_t *tids = NULL;
	long n = proc_threads(t->tgid, &tids);

	for (long i = 0; i < n; i++)
		if (!task_known(tids[i]) && started_since(t->tgid, tids[i], since))
			pidwatch_follow(t->tgid, tids[i], t->tgid);
	free(tids);
}

static void scan(void *arg)
{
	unsigned long long since = last_scan;
	struct task **members = NULL;
	long n;

	(void)arg;
	last_scan = now_ticks();
	pidwatch_sync();
	n = task_collect_members(&members);
	for (long i = 0; i < n; i++) {
		if (!atomic_load(&members[i]->exited)) {
			scan_children(members[i], since);
			if (members[i]->tid == members[i]->tgid)
				scan_threads(members[i], since);
		}
		task_put(members[i]);
	}
	free(members);
}

int forkscan_start(long period_ms)
{
	if (pidwatch_has_connector())
		return 0;
	last_scan = now_ticks();
	return ticker_start(&ticker, period_ms, scan, NULL);
}

void forkscan_stop(void)
{
	ticker_stop(&ticker);
}
