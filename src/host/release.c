/* Release agent; see release.h.  The engine calls release_notify() under
 * its tree lock, so that only queues; a worker thread starts the agents.
 * Each agent is started through a short-lived intermediate child that
 * exits at once, so agents are never our children and never zombies. */
#include "release.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

struct release_item {
	struct release_item *next;
	char path[];
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static struct release_item *head, **tail = &head;
static char agent[RELEASE_AGENT_MAX + 1];
static bool stopping;
static pthread_t worker;

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

void release_agent_render(struct strbuf *sb)
{
	pthread_mutex_lock(&lock);
	strbuf_addf(sb, "%s\n", agent);
	pthread_mutex_unlock(&lock);
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
	*tail = it;
	tail = &it->next;
	pthread_cond_signal(&cond);
	pthread_mutex_unlock(&lock);
}

/* Between fork and exec only async-signal-safe calls are made. */
static void run_agent(const char *prog, const char *path)
{
	static char *const envp[] = {
		"HOME=/", "PATH=/sbin:/bin:/usr/sbin:/usr/bin", NULL
	};
	char *const argv[] = { (char *)prog, (char *)path, NULL };
	sigset_t none;
	pid_t child = fork();

	if (child < 0) {
		syslog(LOG_ERR, "release: fork: %m");
		return;
	}
	if (child == 0) {
		if (fork() == 0) {
			sigemptyset(&none);
			sigprocmask(SIG_SETMASK, &none, NULL);
			setsid();
			execve(prog, argv, envp);
			_exit(127);
		}
		_exit(0);
	}
	while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
		;
}

static void *release_loop(void *arg)
{
	char prog[RELEASE_AGENT_MAX + 1];

	(void)arg;
	pthread_mutex_lock(&lock);
	for (;;) {
		struct release_item *it;

		while (!head && !stopping)
			pthread_cond_wait(&cond, &lock);
		if (stopping)
			break;
		it = head;
		head = it->next;
		if (!head)
			tail = &head;
		memcpy(prog, agent, sizeof(prog));
		pthread_mutex_unlock(&lock);
		if (prog[0])
			run_agent(prog, it->path);
		free(it);
		pthread_mutex_lock(&lock);
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

int release_start(void)
{
	return -pthread_create(&worker, NULL, release_loop, NULL);
}

void release_stop(void)
{
	pthread_mutex_lock(&lock);
	stopping = true;
	pthread_cond_signal(&cond);
	pthread_mutex_unlock(&lock);
	pthread_join(worker, NULL);
	while (head) {
		struct release_item *it = head;

		head = it->next;
		free(it);
	}
	tail = &head;
}
