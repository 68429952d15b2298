/* evlisten: register for one cgroup v1 memory notification and report
 * what arrives, as a listener such as runc or lmkd would.
 *
 *   evlisten GROUP_DIR TARGET_FILE [ARGS]
 *
 * Opens an eventfd and GROUP_DIR/TARGET_FILE, writes "EFD TFD ARGS" to
 * GROUP_DIR/cgroup.event_control and prints "registered" (or the errno's
 * name and exits 1).  Then, for each signal, prints "event N" (N the
 * eventfd's count) on a line of its own, flushed; "gone" when the group's
 * directory is gone after a signal (its removal), then exits 0.  SIGUSR1
 * makes it close the eventfd (which ends the registration), print
 * "closed" and wait to be killed. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

static const char *errno_name(int e)
{
	switch (e) {
	case EBADF: return "EBADF";
	case EINVAL: return "EINVAL";
	case EACCES: return "EACCES";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case ENODEV: return "ENODEV";
	case ENOMEM: return "ENOMEM";
	default: return strerror(e);
	}
}

static volatile sig_atomic_t hangup;

static void on_usr1(int sig)
{
	(void)sig;
	hangup = 1;
}

int main(int argc, char *argv[])
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	sigset_t usr1, waiting;
	char path[4096], line[128];
	int efd, tfd, cfd, n;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: evlisten GROUP_DIR TARGET_FILE [ARGS]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigaction(SIGUSR1, &sa, NULL);
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, &waiting);
	sigdelset(&waiting, SIGUSR1);
	efd = eventfd(0, EFD_CLOEXEC);
	snprintf(path, sizeof(path), "%s/%s", argv[1], argv[2]);
	tfd = open(path, O_RDONLY | O_CLOEXEC);
	snprintf(path, sizeof(path), "%s/cgroup.event_control", argv[1]);
	cfd = open(path, O_WRONLY | O_CLOEXEC);
	if (efd < 0 || tfd < 0 || cfd < 0) {
		printf("%s\n", errno_name(errno));
		return 1;
	}
	n = snprintf(line, sizeof(line), "%d %d%s%s", efd, tfd,
		     argc > 3 ? " " : "", argc > 3 ? argv[3] : "");
	if (write(cfd, line, (size_t)n) != n) {
		printf("%s\n", errno_name(errno));
		return 1;
	}
	close(cfd);
	printf("registered\n");
	for (;;) {
		struct pollfd p = { .fd = efd, .events = POLLIN };
		uint64_t count;

		/* SIGUSR1 is let in only while waiting: none is missed. */
		if (ppoll(&p, 1, NULL, &waiting) < 0 && errno != EINTR)
			return 1;
		if (hangup) {
			close(efd);
			printf("closed\n");
			for (;;)
				sigsuspend(&waiting);
		}
		if (!(p.revents & POLLIN))
			continue;
		if (read(efd, &count, sizeof(count)) != sizeof(count))
			return 1;
		printf("event %llu\n", (unsigned long long)count);
		if (access(argv[1], F_OK) != 0) {
			printf("gone\n");
			return 0;
		}
	}
}
