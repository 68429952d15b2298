/* memcg-kview: run a command in the kernel view of a memcgfs mount.
 *
 *   memcg-kview [--v2-host] [--memory-only] -M DIR [--] CMD [ARG...]
 *
 * memcg-run --kernel-view executes it inside the group it made.  It enters
 * a private mount namespace with memcgfs at /sys/fs/cgroup/memory, starts
 * CMD under a seccomp filter whose notifications it answers (notify.c),
 * and stays as the subreaper of everything CMD starts: the filter's
 * listener must outlive the last of them, or their opens would fail with
 * ENOSYS.  It exits with CMD's status once no descendant is left.
 *
 * Why seccomp user notification and not LD_PRELOAD: a filter is inherited
 * across fork and exec by every process whatever it is linked with (static
 * binaries, Go's raw system calls), and it cannot be undone from inside. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kview/mounts.h"
#include "kview/notify.h"
#include "kview/text.h"

#define PROG "memcg-kview"
#define EX_FAIL 125

static const int forwarded[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2 };

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: " PROG " [--v2-host] [--memory-only] -M DIR [--] CMD [ARG...]\n"
		"\n"
		"Run CMD, and all it starts, where the memcgfs mount holding DIR is\n"
		"the kernel's v1 memory hierarchy at " KVIEW_MEMORY_DIR ": its own\n"
		"/proc/*/cgroup, mountinfo, mounts, /proc/cgroups and statfs say so.\n"
		"memcg-run --kernel-view runs it; see memcg-run(1).\n"
		"\n"
		"  -M, --mount DIR    the memcgfs mount (or a directory in it)\n"
		"      --v2-host      show the host as v2-only: no v1 hierarchy of\n"
		"                     its own, " KVIEW_CGROUP_DIR " a cgroup2 mount\n"
		"                     underneath\n"
		"      --memory-only  where the view makes " KVIEW_CGROUP_DIR " (a\n"
		"                     v2-only host): memory alone there, no stand-ins\n"
		"                     and no v2 hierarchy at unified (as crun wants)\n"
		"  -h, --help         show this help\n");
}

static void die(const char *what, int err)
{
	fprintf(stderr, PROG ": %s: %s\n", what, strerror(err));
	exit(EX_FAIL);
}

/* Pass the descriptor fd over the socket sock. */
static int send_fd(int sock, int fd)
{
	char data = 0;
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct iovec iov = { &data, 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char data;
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct iovec iov = { &data, 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -1;
	int fd;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/* In the child: install the filter, hand its listener over, exec CMD. */
static void run_child(int sock, const sigset_t *old, char **argv)
{
	sigprocmask(SIG_SETMASK, old, NULL);
	int fd = kview_filter_install();
	if (fd < 0) {
		fprintf(stderr, PROG ": cannot install the seccomp filter: %s\n",
			strerror(-fd));
		_exit(EX_FAIL);
	}
	if (send_fd(sock, fd)) {
		fprintf(stderr, PROG ": cannot pass the listener on: %s\n",
			strerror(errno));
		_exit(EX_FAIL);
	}
	close(fd);
	close(sock);
	execvp(argv[0], argv);
	int err = errno;
	fprintf(stderr, PROG ": %s: %s\n", argv[0], strerror(err));
	_exit(err == ENOENT ? 127 : 126);
}

/* Reap every child that has ended; CMD's status into *status.  False once
 * there is no child left. */
static bool reap(pid_t cmd, int *status)
{
	int ws;
	pid_t p;
	while ((p = waitpid(-1, &ws, WNOHANG)) > 0) {
		if (p != cmd)
			continue;
		*status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
	}
	return !(p < 0 && errno == ECHILD);
}

/* Answer notifications and pass signals on to CMD until nothing is left. */
static int supervise(const struct kview *kv, pid_t cmd, int sigfd)
{
	int status = EX_FAIL;
	bool listening = true;
	struct pollfd pfd[2] = {
		{ .fd = sigfd, .events = POLLIN },
		{ .fd = kv->listener, .events = POLLIN },
	};
	for (;;) {
		if (poll(pfd, listening ? 2 : 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll", errno);
		}
		if (listening && (pfd[1].revents & (POLLERR | POLLHUP | POLLNVAL)))
			listening = false;	/* no process holds the filter */
		else if (listening && (pfd[1].revents & POLLIN))
			listening = kview_handle(kv);
		if (!(pfd[0].revents & POLLIN))
			continue;
		struct signalfd_siginfo si;
		if (read(sigfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo != SIGCHLD)
			kill(cmd, (int)si.ssi_signo);
		else if (!reap(cmd, &status))
			return status;
	}
}

int main(int argc, char **argv)
{
	const char *dir = NULL;
	unsigned flags = 0;
	int i;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--")) {
			i++;
			break;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--v2-host")) {
			flags |= KVIEW_V2_HOST;
		} else if (!strcmp(a, "--memory-only")) {
			flags |= KVIEW_MEMORY_ONLY;
		} else if ((!strcmp(a, "-M") || !strcmp(a, "--mount")) && i + 1 < argc) {
			dir = argv[++i];
		} else if (!strncmp(a, "--mount=", 8)) {
			dir = a + 8;
		} else if (a[0] == '-') {
			fprintf(stderr, PROG ": unknown option '%s'\n", a);
			usage(stderr);
			return EX_FAIL;
		} else {
			break;
		}
	}
	if (!dir || i >= argc) {
		usage(stderr);
		return EX_FAIL;
	}

	char root[PATH_MAX];
	const char *what;
	dev_t dev;
	struct kview_mounts m;
	struct kview kv = { .supervisor = getpid() };
	int rc = kview_mount_root(dir, root, &dev);
	if (rc == -EMEDIUMTYPE) {
		fprintf(stderr, PROG ": %s: not a memcgfs mount\n", dir);
		return EX_FAIL;
	}
	if (rc)
		die(dir, -rc);
	if ((rc = kview_mount_view(root, dev, flags, &m, &what)))
		die(what, -rc);
	memcpy(kv.dev, m.dev, sizeof(kv.dev));
	kv.rootfd = open(KVIEW_MEMORY_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (kv.rootfd < 0)
		die(KVIEW_MEMORY_DIR, errno);

	struct strbuf own;
	strbuf_init(&own);
	FILE *f = fopen("/proc/self/cgroup", "re");
	char line[4096];
	while (f && fgets(line, sizeof(line), f))
		strbuf_addf(&own, "%s", line);
	if (f)
		fclose(f);
	text_layout(own.buf ? own.buf : "", m.made, &kv.layout);
	strbuf_release(&own);

	sigset_t mask, old;
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	for (size_t s = 0; s < sizeof(forwarded) / sizeof(forwarded[0]); s++)
		sigaddset(&mask, forwarded[s]);
	sigprocmask(SIG_BLOCK, &mask, &old);
	int sigfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sigfd < 0)
		die("signalfd", errno);
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0))
		die("become a subreaper", errno);

	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		die("socketpair", errno);
	pid_t cmd = fork();
	if (cmd < 0)
		die("fork", errno);
	if (cmd == 0) {
		close(sv[0]);
		close(sigfd);
		close(kv.rootfd);
		run_child(sv[1], &old, argv + i);
	}
	close(sv[1]);
	kv.listener = recv_fd(sv[0]);
	close(sv[0]);
	if (kv.listener < 0) {
		/* The child said why; its status says the rest. */
		int ws;
		waitpid(cmd, &ws, 0);
		return WIFEXITED(ws) ? WEXITSTATUS(ws) : EX_FAIL;
	}
	return supervise(&kv, cmd, sigfd);
}
