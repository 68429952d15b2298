/* The supervisor and the resumed session; see supervise.h and RESTART.
 *
 * The kernel sends INIT once per connection, and libfuse answers every
 * request before INIT with EIO.  So the supervisor takes the INIT request
 * off the descriptor itself before the first server runs and keeps it;
 * every server's session reads that copy first through libfuse's custom
 * io, which makes it negotiate exactly what the first one did.  The first
 * server's INIT reply goes to the kernel; a restarted server's is
 * swallowed, the kernel having had its one reply. */
#include "supervise.h"

#include <errno.h>
#include <linux/fuse.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "mount.h"

/* Linux 6.9: the kernel puts every request a server read but did not
 * answer back on its queue (linux/fuse.h of newer kernels). */
#define NOTIFY_RESEND 7

/* libfuse's largest request: FUSE_MAX_MAX_PAGES pages and a header. */
#define REQUEST_MAX (256 * 4096 + 4096)

/* A server that dies before it serves (its start failed: the engine, a
 * state it cannot take), this many times in a row, is not restarted
 * again: it would only die again. */
#define MAX_FAILED_STARTS 5

/* The kernel's INIT request, as read by the supervisor. */
static void *init_req;
static size_t init_len;
static uint64_t init_unique;

/* Shared between the supervisor and its servers (MAP_SHARED). */
struct shared {
	atomic_bool init_answered;	/* the kernel has had its INIT reply */
	atomic_bool serving;		/* this server reached its loop */
	atomic_ulong resent;		/* resent requests servers read */
};
static struct shared *shared;

static pid_t supervisor_pid;

/* ---- the server's side: the session resumes from the copy ------------ */

static atomic_bool init_taken, init_done;
/* The request this worker read last: libfuse's workers each read a
 * request and handle it in the same thread. */
static _Thread_local uint64_t request_unique;

uint64_t supervise_request_unique(void)
{
	return request_unique;
}

/* The INIT copy first; every other read waits until libfuse has taken
 * it in (it sets got_init before it replies), else a request read
 * meanwhile by another worker would get EIO. */
static ssize_t resume_read(int fd, void *buf, size_t len, void *userdata)
{
	ssize_t n;

	if (!atomic_exchange(&init_taken, true)) {
		atomic_store(&shared->serving, true);
		if (len < init_len) {
			errno = EINVAL;
			return -1;
		}
		memcpy(buf, init_req, init_len);
		return (ssize_t)init_len;
	}
	while (!atomic_load(&init_done))
		usleep(1000);	/* a cancellation point, as read(2) is */
	n = read(fd, buf, len);
	request_unique = n >= (ssize_t)sizeof(struct fuse_in_header) ?
			 ((const struct fuse_in_header *)buf)->unique : 0;
	if (request_unique & SUPERVISE_RESENT)
		atomic_fetch_add(&shared->resent, 1);
	return n;
}

static ssize_t iov_total(const struct iovec *iov, int count)
{
	ssize_t n = 0;

	for (int i = 0; i < count; i++)
		n += (ssize_t)iov[i].iov_len;
	return n;
}

static bool is_init_reply(const struct iovec *iov, int count)
{
	const struct fuse_out_header *oh = iov[0].iov_base;

	return count > 0 && iov[0].iov_len >= sizeof(*oh) &&
	       oh->unique == init_unique;
}

static ssize_t resume_writev(int fd, struct iovec *iov, int count,
			     void *userdata)
{
	ssize_t n;

	if (atomic_load(&init_done) || !is_init_reply(iov, count))
		return writev(fd, iov, count);
	if (atomic_load(&shared->init_answered)) {
		n = iov_total(iov, count);	/* the kernel had it */
	} else {
		n = writev(fd, iov, count);
		if (n >= 0)
			atomic_store(&shared->init_answered, true);
	}
	atomic_store(&init_done, true);
	return n;
}

bool supervisor_gone(void)
{
	return supervisor_pid && getppid() != supervisor_pid;
}

static void stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
}

static int run_server(struct fuse_session *se, server_fn serve, void *arg,
		      bool restarted)
{
	static const struct fuse_custom_io io = {
		.read = resume_read,
		.writev = resume_writev,
	};
	sigset_t stop;

	/* The supervisor's handlers are not the server's; a stop signal
	 * that came meanwhile ends it now. */
	stop_signals(&stop);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	sigprocmask(SIG_UNBLOCK, &stop, NULL);
	if (fuse_session_custom_io(se, &io, fuse_session_fd(se)) != 0)
		return 1;
	return serve(se, restarted, arg);
}

/* ---- the supervisor's side ------------------------------------------- */

static volatile sig_atomic_t stopping;
static volatile sig_atomic_t server_pid;

/* SIGTERM, SIGINT, SIGHUP: the whole daemon ends; the server first. */
static void on_stop(int sig)
{
	stopping = sig;
	if (server_pid > 0)
		kill((pid_t)server_pid, SIGTERM);
}

static int handle_stop_signals(void)
{
	struct sigaction sa = { .sa_handler = on_stop };	/* no SA_RESTART */

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) || sigaction(SIGINT, &sa, NULL) ||
	    sigaction(SIGHUP, &sa, NULL))
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

/* The first request on a new connection is INIT. */
static int take_init(int fd)
{
	const struct fuse_in_header *in;
	ssize_t n;

	init_req = malloc(REQUEST_MAX);
	if (!init_req)
		return -ENOMEM;
	do
		n = read(fd, init_req, REQUEST_MAX);
	while (n < 0 && (errno == EINTR || errno == ENOENT) && !stopping);
	if (n < 0)
		return -errno;
	in = init_req;
	if ((size_t)n < sizeof(*in) || in->opcode != FUSE_INIT)
		return -EPROTO;
	init_len = (size_t)n;
	init_unique = in->unique;
	return 0;
}

/* The requests the dead server had read and not answered go back on the
 * kernel's queue for the next one; a kernel without FUSE_NOTIFY_RESEND
 * keeps them waiting until the mount goes (RESTART). */
static void ask_resend(int fd)
{
	struct fuse_out_header oh = {
		.len = sizeof(oh), .error = NOTIFY_RESEND, .unique = 0,
	};

	if (write(fd, &oh, sizeof(oh)) != (ssize_t)sizeof(oh))
		syslog(LOG_WARNING, "the kernel cannot resend requests "
		       "(FUSE_NOTIFY_RESEND): %m");
}

static int wait_server(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return status;
}

static void log_death(int status)
{
	unsigned long resent = atomic_load(&shared->resent);

	if (WIFSIGNALED(status))
		syslog(LOG_ERR, "server killed by signal %d: restarting it "
		       "(%lu requests resent so far)", WTERMSIG(status), resent);
	else
		syslog(LOG_NOTICE, "server exited with status %d: restarting it "
		       "(%lu requests resent so far)", WEXITSTATUS(status), resent);
}

static int exit_status(int status)
{
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

static int supervise_loop(int fd, struct fuse_session *se, server_fn serve,
			  void *arg, int *restarts)
{
	int status, failed = 0;
	bool restarted = false;
	sigset_t stop;
	pid_t pid;

	stop_signals(&stop);

	for (;;) {
		atomic_store(&shared->serving, false);
		/* Blocked across the fork: a stop signal reaches the new
		 * server (by on_stop) or was seen before it (stopping). */
		sigprocmask(SIG_BLOCK, &stop, NULL);
		pid = fork();
		if (pid == 0)	/* exit(), so that a sanitizer checks it too */
			exit(run_server(se, serve, arg, restarted));
		server_pid = pid > 0 ? pid : 0;
		sigprocmask(SIG_UNBLOCK, &stop, NULL);
		if (pid < 0)
			return 1;
		if (stopping)
			kill(pid, SIGTERM);
		status = wait_server(pid);
		server_pid = 0;
		if (status < 0)
			return 1;
		if (stopping || mount_connection_gone(fd))
			return exit_status(status);
		/* A first server that never came up failed to start. */
		if (!atomic_load(&shared->init_answered))
			return exit_status(status);
		failed = atomic_load(&shared->serving) ? 0 : failed + 1;
		if (failed >= MAX_FAILED_STARTS) {
			syslog(LOG_ERR, "server failed to start %d times in a row: "
			       "giving up", failed);
			return 1;
		}
		log_death(status);
		ask_resend(fd);
		restarted = true;
		++*restarts;
	}
}

int supervise(struct fuse_session *se, server_fn serve, void *arg)
{
	int fd = fuse_session_fd(se), err, restarts = 0, status;

	shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED)
		return 1;
	err = handle_stop_signals();
	if (!err)
		err = take_init(fd);
	if (err) {
		syslog(LOG_ERR, "cannot take the FUSE INIT request: %s",
		       strerror(-err));
		return stopping ? 0 : 1;
	}
	supervisor_pid = getpid();
	status = supervise_loop(fd, se, serve, arg, &restarts);
	if (restarts)
		syslog(LOG_NOTICE, "%d server restarts, %lu requests resent",
		       restarts, atomic_load(&shared->resent));
	return status;
}
