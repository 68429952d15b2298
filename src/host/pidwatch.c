/* Exits through pidfds, forks through the process-events connector; see
 * pidwatch.h.
 *
 * Invariant, under watch_lock: a thread is recorded by the engine exactly
 * when its pidfd is in the epoll set.  Events are only consumed under the
 * lock (the watcher thread merely polls the epoll fd for readiness), so an
 * exit is handled once, by whoever takes the lock first.  Forks are
 * handled before exits, so a child that is already gone is still seen to
 * join and then leave. */
#include "pidwatch.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <syslog.h>
#include <unistd.h>

#include "engine/memcg.h"
#include "engine/move.h"
#include "engine/task.h"
#include "pidfd.h"
#include "proc_connector.h"

static pthread_mutex_t watch_lock = PTHREAD_MUTEX_INITIALIZER;
/* Set under watch_lock while events taken from the epoll set are being
 * handled: they no longer show as signalled, yet are not accounted. */
static atomic_bool handling;
static int epfd = -1;
static int stopfd = -1;
static int forkfd = -1;		/* the connector; -1 where unavailable */
static pthread_t watcher;

static uint64_t pack(int fd, pid_t tid)
{
	return (uint64_t)(uint32_t)fd << 32 | (uint32_t)tid;
}

static int watch_begin(pid_t tid, pid_t tgid, int *fd);
static int watch_commit(pid_t tid, int fd, int err);

/* Under watch_lock: a new process or thread joins the group of the thread
 * that created it, when that is not the root. */
static void follow_fork(pid_t parent_tid, pid_t child_tid, pid_t child_tgid,
			void *arg)
{
	struct memcg *m = task_group_get(parent_tid);
	int fd, err;

	(void)arg;
	if (!m)
		return;
	err = watch_begin(child_tid, child_tgid, &fd);
	if (!err)
		watch_commit(child_tid, fd, task_move(child_tid, child_tgid, m));
	memcg_put(m);
}

/* Under watch_lock. */
static void handle_forks(void)
{
	if (forkfd >= 0 &&
	    proc_connector_drain(forkfd, follow_fork, NULL) == -ENOBUFS)
		syslog(LOG_WARNING, "fork events were lost: some children of "
		       "group members may have stayed in the root group");
}

/* Under watch_lock.  Bounded, so that a storm of forks on the host cannot
 * keep the watcher from seeing its stop request. */
static void handle_events(void)
{
	struct epoll_event ev[64];
	int n, rounds = 16;

	atomic_store(&handling, true);
	handle_forks();		/* a fork is older than any exit we see */
	while (rounds-- && (n = epoll_wait(epfd, ev, 64, 0)) > 0) {
		for (int i = 0; i < n; i++) {
			int fd = (int)(ev[i].data.u64 >> 32);
			pid_t tid = (pid_t)(uint32_t)ev[i].data.u64;

			if (fd == forkfd) {
				handle_forks();
				continue;
			}
			epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
			close(fd);
			task_exit(tid);
		}
	}
	atomic_store(&handling, false);
}

void pidwatch_sync(void)
{
	struct pollfd pfd = { .fd = epfd, .events = POLLIN };

	/* Nothing signalled and nothing being handled (the usual case): no
	 * lock, one cheap syscall.  Events the watcher has taken but not yet
	 * accounted are waited for: the caller may have reaped that exit. */
	if (poll(&pfd, 1, 0) <= 0 && !atomic_load(&handling))
		return;
	pthread_mutex_lock(&watch_lock);
	handle_events();
	pthread_mutex_unlock(&watch_lock);
}

/* Under watch_lock: a pidfd for tid if the engine does not know it yet
 * (*fd = -1 if it does).  -ESRCH if tid is gone. */
static int watch_begin(pid_t tid, pid_t tgid, int *fd)
{
	*fd = -1;
	if (task_known(tid))
		return 0;
	/* Before 6.9 a non-leader thread is watched through its process,
	 * so its exit shows when the process ends (pidfd.h). */
	*fd = pidfd_of_thread(tid, tgid);
	if (*fd >= 0)
		return 0;
	return *fd == -ENOENT ? -ESRCH : *fd;
}

/* Under watch_lock: the engine now records tid (unless err): watch fd. */
static int watch_commit(pid_t tid, int fd, int err)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = pack(fd, tid) };

	if (fd < 0)
		return err;
	if (!err && epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		err = -errno;
		task_exit(tid);
	}
	if (err)
		close(fd);
	return err;
}

bool pidwatch_has_connector(void)
{
	return forkfd >= 0;
}

void pidwatch_follow(pid_t parent_tid, pid_t child_tid, pid_t child_tgid)
{
	pthread_mutex_lock(&watch_lock);
	follow_fork(parent_tid, child_tid, child_tgid, NULL);
	pthread_mutex_unlock(&watch_lock);
}

int pidwatch_move(pid_t tid, pid_t tgid, struct memcg *to)
{
	int fd, err;

	pthread_mutex_lock(&watch_lock);
	err = watch_begin(tid, tgid, &fd);
	if (!err)
		err = watch_commit(tid, fd, memcg_move_task(tid, tgid, to));
	pthread_mutex_unlock(&watch_lock);
	return err;
}

struct task *pidwatch_track(pid_t tid, pid_t tgid, int *err)
{
	struct task *t = NULL;
	int fd;

	pthread_mutex_lock(&watch_lock);
	*err = watch_begin(tid, tgid, &fd);
	if (!*err) {
		t = task_get_or_create(tid, tgid);
		*err = watch_commit(tid, fd, t ? 0 : -ENOMEM);
		if (*err && t) {
			task_put(t);
			t = NULL;
		}
	}
	pthread_mutex_unlock(&watch_lock);
	return t;
}

static void *watch_loop(void *arg)
{
	struct pollfd pfd[2] = {
		{ .fd = epfd, .events = POLLIN },
		{ .fd = stopfd, .events = POLLIN },
	};

	(void)arg;
	for (;;) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			syslog(LOG_ERR, "pidwatch: poll: %m");
			return NULL;
		}
		if (pfd[1].revents)
			return NULL;
		pidwatch_sync();
	}
}

int pidwatch_start(void)
{
	struct epoll_event ev = { .events = EPOLLIN };
	const char *no_connector;

	epfd = epoll_create1(EPOLL_CLOEXEC);
	stopfd = eventfd(0, EFD_CLOEXEC);
	if (epfd < 0 || stopfd < 0)
		return -errno;
	no_connector = getenv("MEMCGFS_NO_CONNECTOR");
	forkfd = no_connector && strcmp(no_connector, "1") == 0 ? -ENOTSUP :
		 proc_connector_open();
	if (forkfd < 0) {
		syslog(LOG_WARNING, "no process-events connector (%s): forks of "
		       "group members are found by scanning /proc instead",
		       strerror(-forkfd));
	} else {
		ev.data.u64 = pack(forkfd, 0);
		epoll_ctl(epfd, EPOLL_CTL_ADD, forkfd, &ev);
	}
	return -pthread_create(&watcher, NULL, watch_loop, NULL);
}

void pidwatch_stop(void)
{
	uint64_t one = 1;

	if (write(stopfd, &one, sizeof(one)) == sizeof(one))
		pthread_join(watcher, NULL);
	/* The engine's task table goes with the engine; the fds go here. */
	pthread_mutex_lock(&watch_lock);
	if (forkfd >= 0)
		close(forkfd);
	close(epfd);
	close(stopfd);
	epfd = stopfd = forkfd = -1;
	pthread_mutex_unlock(&watch_lock);
}
