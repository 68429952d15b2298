/* The RSS sampler; see rsstrack.h.
 *
 * Only the sampler thread touches its tables, so they need no lock.  Each
 * sampled process keeps its /proc/PID/statm open: a sample is then one
 * pread(2), and a pid reused by another process reads as an error rather
 * than as the wrong process. */
#include "rsstrack.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "engine/memcg.h"
#include "engine/oom.h"
#include "engine/rcu.h"
#include "engine/rss.h"
#include "engine/task.h"
#include "oomstop.h"
#include "pidwatch.h"
#include "ticker.h"

struct sample {
	struct task *t;		/* a process leader, referenced; first (oomstop) */
	int fd;			/* its /proc/PID/statm */
};

static struct ticker ticker;
static struct sample *samples;
static long nr_samples;
static long host_page_size;

static int by_task(const void *a, const void *b)
{
	const struct task *x = *(struct task *const *)a;
	const struct task *y = *(struct task *const *)b;

	return (x > y) - (x < y);
}

/* Bytes of host pages, in the engine's pages, rounded up. */
static long to_pages(long host_pages)
{
	long unit = (long)memcg_config()->page_size;

	return (long)(((unsigned long long)host_pages * host_page_size +
		       unit - 1) / unit);
}

/* statm: size resident shared ...; shared is the file-backed (and shmem)
 * part of resident, the rest is anonymous. */
static int read_statm(int fd, long *anon, long *file)
{
	char buf[256];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	long resident, shared;

	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if (sscanf(buf, "%*s %ld %ld", &resident, &shared) != 2 ||
	    shared > resident)
		return -1;
	*anon = to_pages(resident - shared);
	*file = to_pages(shared);
	return 0;
}

static void drop_sample(struct sample *s)
{
	rss_forget(s->t);
	if (s->fd >= 0)
		close(s->fd);
	task_put(s->t);
}

/* Make samples the sorted set of sampled member processes, keeping the
 * open files of those already there. */
static void refresh_samples(void)
{
	struct task **now = NULL;
	struct sample *next;
	long n = task_collect_members(&now), k = 0, i = 0, j = 0;

	if (n < 0)
		return;
	for (long x = 0; x < n; x++) {
		if (task_is_live_leader(now[x]))
			now[k++] = now[x];
		else
			task_put(now[x]);
	}
	if (k)
		qsort(now, (size_t)k, sizeof(*now), by_task);
	next = malloc((size_t)(k ? k : 1) * sizeof(*next));
	if (!next) {
		while (k)
			task_put(now[--k]);
		free(now);
		return;
	}
	n = 0;
	while (i < nr_samples || j < k) {
		if (j == k || (i < nr_samples && samples[i].t < now[j])) {
			drop_sample(&samples[i++]);	/* gone */
		} else if (i == nr_samples || now[j] < samples[i].t) {
			char path[64];

			snprintf(path, sizeof(path), "/proc/%d/statm",
				 (int)now[j]->tgid);
			next[n].t = now[j++];
			next[n++].fd = open(path, O_RDONLY | O_CLOEXEC);
		} else {
			next[n++] = samples[i++];
			task_put(now[j++]);	/* the sample holds one */
		}
	}
	free(now);
	free(samples);
	samples = next;
	nr_samples = n;
}

/* A charge for t was refused: under oom_kill_disable, its group's
 * sampled processes wait. */
static void refuse(struct task *t)
{
	oomstop_refused(t, samples, nr_samples, sizeof(*samples));
}

static void sample_all(void *arg)
{
	(void)arg;
	pidwatch_sync();	/* exits first: a gone pid is not sampled */
	oomstop_resume();
	refresh_samples();
	for (long i = 0; i < nr_samples; i++) {
		struct task *t = samples[i].t;
		long anon, file;

		if (samples[i].fd < 0 || oomstop_is_stopped(t) ||
		    read_statm(samples[i].fd, &anon, &file) < 0)
			continue;
		if (rss_set(t, anon, file) == -ENOMEM)
			refuse(t);
	}
}

int rsstrack_start(long period_ms)
{
	host_page_size = sysconf(_SC_PAGESIZE);
	return ticker_start(&ticker, period_ms, sample_all, NULL);
}

void rsstrack_stop(void)
{
	ticker_stop(&ticker);
	oomstop_release_all();
	for (long i = 0; i < nr_samples; i++)
		drop_sample(&samples[i]);
	free(samples);
	samples = NULL;
	nr_samples = 0;
}
