/* The /proc fallback for fork following; see forkscan.h. */
#include "forkscan.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "engine/memcg.h"
#include "engine/task.h"
#include "pidwatch.h"
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

static ssize_t read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

/* Field 22 of a /proc stat file, the start time in clock ticks after
 * boot; counted after the last ')' since the command name may hold
 * anything. */
static bool started_since(const char *stat_path, unsigned long long since)
{
	char buf[1024], *p;
	unsigned long long start;

	if (read_file(stat_path, buf, sizeof(buf)) <= 0 ||
	    !(p = strrchr(buf, ')')))
		return false;
	if (sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
		   "%*u %*u %*d %*d %*d %*d %*d %*d %llu", &start) != 1)
		return false;
	/* A tick of slack: the previous scan read its clock first. */
	return start + 1 >= since;
}

/* New child processes of member thread t. */
static void scan_children(struct task *t, unsigned long long since)
{
	char path[96], buf[4096], *p, *end;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children",
		 (int)t->tgid, (int)t->tid);
	if (read_file(path, buf, sizeof(buf)) <= 0)
		return;
	for (p = buf;; p = end) {
		long child = strtol(p, &end, 10);

		if (end == p)
			break;
		if (child <= 0 || task_known((pid_t)child))
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/stat", child);
		if (started_since(path, since))
			pidwatch_follow(t->tid, (pid_t)child, (pid_t)child);
	}
}

/* New threads of member process t (t is its leader). */
static void scan_threads(struct task *t, unsigned long long since)
{
	char path[96];
	struct dirent *de;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)t->tgid);
	dir = opendir(path);
	if (!dir)
		return;
	while ((de = readdir(dir))) {
		long tid = strtol(de->d_name, NULL, 10);

		if (tid <= 0 || task_known((pid_t)tid))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%ld/stat",
			 (int)t->tgid, tid);
		if (started_since(path, since))
			pidwatch_follow(t->tgid, (pid_t)tid, t->tgid);
	}
	closedir(dir);
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
