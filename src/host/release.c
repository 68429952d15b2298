/* Release agent; see release.h.  The engine calls release_notify() under
 * its tree lock, so that only queues.  A notification for a group that
 * already waits is merged into the waiting one, as the kernel queues one
 * release_agent_work per cgroup; RELEASE_WORKERS threads start the agents,
 * each waiting for its agent to exit, and never two for one group: a
 * flood of notifications runs a bounded number of agents, one at a time
 * per group.  An agent starts from a clean slate (run_agent()). */
#include "release.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "pidfd.h"

#define RELEASE_WORKERS 4

struct release_item {
	struct release_item *next;
	char path[];
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static struct release_item *head, **tail = &head;
static const char *running[RELEASE_WORKERS];	/* each worker's group */
static char agent[RELEASE_AGENT_MAX + 1];
static bool stopping;
static pthread_t workers[RELEASE_WORKERS];
static int nr_workers;
static int stop_pipe[2] = { -1, -1 };	/* readable once stopping */

int release_agent_set(const char *buf, size_t len)
{
	if (len > RELEASE_AGENT_MAX || memchr(buf, '\0', len))
		return -EINVAL;
	pthread_mutex_lock(&lock);
	memcpy(agent, buf, len);
	agent[len] = '\0';
	pthread_mutex_unlock(&lock);
	return 0;
}

void release_agent_get(char buf[RELEASE_AGENT_MAX + 1])
{
	pthread_mutex_lock(&lock);
	memcpy(buf, agent, sizeof(agent));
	pthread_mutex_unlock(&lock);
}

/* Under lock: whether a notification for path waits to be run. */
static bool waiting(const char *path)
{
	for (struct release_item *it = head; it; it = it->next)
		if (!strcmp(it->path, path))
			return true;
	return false;
}

/* Under lock: whether an agent runs for path now. */
static bool running_for(const char *path)
{
	for (int i = 0; i < RELEASE_WORKERS; i++)
		if (running[i] && !strcmp(running[i], path))
			return true;
	return false;
}

/* Under lock: the first waiting notification whose group has no agent
 * running, unlinked; NULL if none. */
static struct release_item *take(void)
{
	for (struct release_item **p = &head; *p; p = &(*p)->next) {
		struct release_item *it = *p;

		if (running_for(it->path))
			continue;
		*p = it->next;
		if (tail == &it->next)
			tail = p;
		return it;
	}
	return NULL;
}

void release_notify(const char *path)
{
	size_t n = strlen(path) + 1;
	struct release_item *it = malloc(sizeof(*it) + n);

	if (!it) {
		syslog(LOG_ERR, "release: out of memory, %s not notified", path);
		return;
	}
	memcpy(it->path, path, n);
	it->next = NULL;
	pthread_mutex_lock(&lock);
	if (waiting(path)) {
		free(it);	/* merged into the notification that waits */
	} else {
		*tail = it;
		tail = &it->next;
		pthread_cond_signal(&cond);
	}
	pthread_mutex_unlock(&lock);
}

/* In the agent, before exec (async-signal-safe calls only): nothing of
 * the daemon's state goes with it.  Every signal at its default (the
 * daemon may have been started with SIGINT and SIGQUIT ignored, which exec
 * keeps) and none blocked; 0-2 on /dev/null and every other descriptor
 * closed, CLOEXEC or not; its own session, cwd / and umask 022, as the
 * kernel's usermode helpers. */
static void agent_clean_slate(void)
{
	/* The kernel's struct sigaction: glibc's sigaction() refuses the
	 * signals it keeps for itself (32, 33), and those can come ignored
	 * too. */
	struct { void *handler; unsigned long flags; void *restorer;
		 uint64_t mask; } dfl = { SIG_DFL, 0, NULL, 0 };
	sigset_t none;
	int fd;

	for (int sig = 1; sig <= 64; sig++)	/* EINVAL for KILL, STOP */
		syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof(dfl.mask));
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	fd = open("/dev/null", O_RDWR);
	for (int i = 0; fd >= 0 && i < 3; i++)
		if (fd != i)
			dup2(fd, i);
	syscall(SYS_close_range, 3u, ~0u, 0u);
	setsid();
	if (chdir("/") < 0)
		_exit(127);
	umask(022);
}

/* Run prog path and wait for it to exit, or for release_stop(): an agent
 * that hangs then stays behind, it is not killed (nor does the kernel kill
 * its agents). */
static void run_agent(const char *prog, const char *path)
{
	static char *const envp[] = {
		"HOME=/", "PATH=/sbin:/bin:/usr/sbin:/usr/bin", NULL
	};
	char *const argv[] = { (char *)prog, (char *)path, NULL };
	pid_t child = fork();
	struct pollfd pfd[2];
	int pidfd;

	if (child < 0) {
		syslog(LOG_ERR, "release: fork: %m");
		return;
	}
	if (child == 0) {
		agent_clean_slate();
		execve(prog, argv, envp);
		_exit(127);
	}
	pidfd = pidfd_of(child);
	if (pidfd >= 0) {
		pfd[0] = (struct pollfd){ .fd = pidfd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = stop_pipe[0], .events = POLLIN };
		while (poll(pfd, 2, -1) < 0 && errno == EINTR)
			;
		close(pidfd);
		if (!(pfd[0].revents & POLLIN))
			return;		/* stopping: left to init */
	}
	while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
		;
}

static void *release_loop(void *arg)
{
	int slot = (int)(intptr_t)arg;
	char prog[RELEASE_AGENT_MAX + 1];

	pthread_mutex_lock(&lock);
	for (;;) {
		struct release_item *it = NULL;

		while (!stopping && !(it = take()))
			pthread_cond_wait(&cond, &lock);
		if (stopping) {
			free(it);
			break;
		}
		running[slot] = it->path;
		memcpy(prog, agent, sizeof(prog));
		pthread_mutex_unlock(&lock);
		if (prog[0])
			run_agent(prog, it->path);
		pthread_mutex_lock(&lock);
		running[slot] = NULL;
		free(it);
		/* The group's next notification may run now. */
		pthread_cond_broadcast(&cond);
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

int release_start(void)
{
	int err;

	if (pipe2(stop_pipe, O_CLOEXEC) < 0)
		return -errno;
	for (nr_workers = 0; nr_workers < RELEASE_WORKERS; nr_workers++) {
		err = pthread_create(&workers[nr_workers], NULL, release_loop,
				     (void *)(intptr_t)nr_workers);
		if (err) {
			release_stop();
			return -err;
		}
	}
	return 0;
}

void release_stop(void)
{
	pthread_mutex_lock(&lock);
	stopping = true;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	if (stop_pipe[1] >= 0 && write(stop_pipe[1], "", 1) < 0)
		syslog(LOG_ERR, "release: cannot stop the agents' wait: %m");
	while (nr_workers > 0)
		pthread_join(workers[--nr_workers], NULL);
	while (head) {
		struct release_item *it = head;

		head = it->next;
		free(it);
	}
	tail = &head;
	for (int i = 0; i < 2; i++) {
		if (stop_pipe[i] >= 0)
			close(stop_pipe[i]);
		stop_pipe[i] = -1;
	}
}
