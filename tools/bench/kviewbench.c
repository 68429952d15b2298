/* kviewbench: the cost of a few system calls, to compare inside and outside
 * memcg-run --kernel-view (run-kviewbench.sh).  Prints one line per call,
 * "NAME NS" with the mean nanoseconds per call over N calls (1/10 of them
 * for the rewritten /proc/self/cgroup).
 *
 *   kviewbench [N]     (default 20000) */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static const char *path = "/etc/hostname";

static void do_open(void)
{
	int fd = open(path, O_RDONLY);
	if (fd >= 0)
		close(fd);
}

static void do_stat(void)
{
	struct stat st;
	stat(path, &st);
}

static void do_statfs(void)
{
	struct statfs sf;
	statfs(path, &sf);
}

static void do_getpid(void)
{
	syscall(SYS_getpid);
}

static void do_cgroup(void)
{
	char buf[4096];
	int fd = open("/proc/self/cgroup", O_RDONLY);
	if (fd < 0)
		return;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		void (*fn)(void);
		int div;
	} calls[] = {
		{ "open+close", do_open, 1 },
		{ "stat", do_stat, 1 },
		{ "statfs", do_statfs, 1 },
		{ "getpid", do_getpid, 1 },
		{ "cgroup-read", do_cgroup, 10 },
	};
	long n = argc > 1 ? atol(argv[1]) : 20000;
	if (n < 10) {
		fprintf(stderr, "usage: kviewbench [N >= 10]\n");
		return 2;
	}
	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		long k = n / calls[i].div;
		double t = now_ns();
		for (long j = 0; j < k; j++)
			calls[i].fn();
		printf("%s %.0f\n", calls[i].name, (now_ns() - t) / k);
	}
	return 0;
}
