/* Eventfd listeners of cgroup.event_control; see listener.h. */
#include "listener.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/kcmp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "pidfd.h"

/* How often the watcher asks whether registrants still hold their
 * eventfd: the kernel ends a registration when the eventfd is closed;
 * we see it within this. */
#define WATCH_PERIOD_NS 200000000L
/* Each registration holds a descriptor of the daemon's: a bound, so that
 * registrations cannot take the descriptors the daemon's own work needs
 * (memcgfs(8) NOTIFICATIONS). */
#define MAX_LISTENERS 1024

struct listener {
	struct memcg_listener base;
	struct memcg *m;		/* a reference */
	int efd;			/* our copy */
	pid_t tgid;			/* the registrant's process */
	int their_efd;			/* its descriptor of it */
	enum memcg_event ev;
	long arg;
	unsigned long efd_id;		/* eventfd_id(), 0 if unknown */
	atomic_int refs;		/* the engine's, the list's, a watcher's */
	struct listener *next;		/* under list_lock; */
	bool listed;			/* under list_lock */
	bool removed;			/* under list_lock: its group went */
};

static pthread_mutex_t list_lock = PTHREAD_MUTEX_INITIALIZER;
static struct listener *listeners;
static long nr_listed;			/* under list_lock */
static pthread_mutex_t watch_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t watch_cond = PTHREAD_COND_INITIALIZER;
static bool watching, stopping;
static pthread_t watcher;
static atomic_ulong generation;

unsigned long listeners_generation(void)
{
	return atomic_load(&generation);
}

int eventfd_id(pid_t tgid, int fd, unsigned long *id)
{
	char path[64], line[128];
	FILE *f;
	int err = -ENOENT;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", (int)tgid, fd);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? -EBADF : -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "eventfd-id: %lu", id) == 1) {
			err = 0;
			break;
		}
	fclose(f);
	return err;
}

long listeners_list(struct listener_info **out)
{
	struct listener_info *v;
	struct listener *l;
	long n = 0, total;

	pthread_mutex_lock(&list_lock);
	total = nr_listed;
	v = total ? calloc((size_t)total, sizeof(*v)) : NULL;
	for (l = listeners; v && l; l = l->next)
		if (!l->removed)
			v[n++] = (struct listener_info){
				memcg_id(l->m), l->ev, l->arg, l->tgid,
				l->their_efd, l->efd_id };
	pthread_mutex_unlock(&list_lock);
	*out = v;
	return total && !v ? -ENOMEM : n;
}

int fd_take(pid_t tid, pid_t tgid, int fd)
{
	int pidfd = pidfd_of_thread(tid, tgid);
	int copy;

	if (pidfd < 0)
		return pidfd;
	copy = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	if (copy < 0)
		copy = -errno;
	close(pidfd);
	return copy;
}

bool fd_is_eventfd(int fd)
{
	char path[64], target[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return false;
	target[n] = '\0';
	return !strcmp(target, "anon_inode:[eventfd]");
}

int fd_identity(int fd, int *mnt_id, uint64_t *ino)
{
	char path[64], line[256];
	bool have_mnt = false, have_ino = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "mnt_id: %d", mnt_id) == 1)
			have_mnt = true;
		else if (sscanf(line, "ino: %" SCNu64, ino) == 1)
			have_ino = true;
	}
	fclose(f);
	return have_mnt && have_ino ? 0 : -EINVAL;
}

static void listener_put(struct listener *l)
{
	if (atomic_fetch_sub(&l->refs, 1) != 1)
		return;
	close(l->efd);
	memcg_put(l->m);
	free(l);
}

/* Called under the engine's event lock: a write to an eventfd never
 * blocks for long (EAGAIN only if its counter is about to overflow). */
static void listener_signal(struct memcg_listener *base)
{
	struct listener *l = (struct listener *)base;
	uint64_t one = 1;

	if (write(l->efd, &one, sizeof(one)) < 0) {
		/* Full: the listener has not read for 2^64 - 2 events. */
	}
}

static void unlist(struct listener *l)
{
	bool was;

	pthread_mutex_lock(&list_lock);
	was = l->listed;
	if (was) {
		struct listener **pp = &listeners;

		while (*pp != l)
			pp = &(*pp)->next;
		*pp = l->next;
		l->listed = false;
		nr_listed--;
		atomic_fetch_add(&generation, 1);
	}
	pthread_mutex_unlock(&list_lock);
	if (was)
		listener_put(l);
}

/* A removed group's listener stays listed until the watcher's next
 * sweep signals it: by then the rmdir that removed it has returned. */
static void listener_release(struct memcg_listener *base, bool removed)
{
	struct listener *l = (struct listener *)base;

	if (removed) {
		pthread_mutex_lock(&list_lock);
		l->removed = true;
		pthread_mutex_unlock(&list_lock);
	} else {
		unlist(l);
	}
	listener_put(l);	/* the engine's */
}

int listener_add(struct memcg *m, enum memcg_event ev, long arg,
		 int efd, pid_t tgid, int their_efd)
{
	struct listener *l;
	bool listed;
	int err;

	l = calloc(1, sizeof(*l));
	if (!l) {
		close(efd);
		return -ENOMEM;
	}
	l->base.signal = listener_signal;
	l->base.release = listener_release;
	memcg_get(m);
	l->m = m;
	l->efd = efd;
	l->tgid = tgid;
	l->their_efd = their_efd;
	l->ev = ev;
	l->arg = arg;
	if (eventfd_id(tgid, their_efd, &l->efd_id))
		l->efd_id = 0;
	atomic_init(&l->refs, 2);
	pthread_mutex_lock(&list_lock);
	listed = nr_listed < MAX_LISTENERS;
	if (listed) {
		l->next = listeners;
		listeners = l;
		l->listed = true;
		nr_listed++;
	}
	pthread_mutex_unlock(&list_lock);
	if (!listed) {
		atomic_store(&l->refs, 1);
		listener_put(l);
		return -ENOMEM;
	}
	err = memcg_listen(m, ev, arg, &l->base);
	if (err) {
		unlist(l);
		listener_put(l);	/* the engine never had it */
	} else {
		atomic_fetch_add(&generation, 1);
	}
	return err;
}

/* Whether l's registrant still has our eventfd where it had it. */
static bool still_held(const struct listener *l)
{
	return syscall(SYS_kcmp, getpid(), l->tgid, KCMP_FILE, l->efd,
		       l->their_efd) == 0;
}

/* End the registrations whose registrant let go (or all of them), and
 * signal those whose group went. */
static void sweep(bool all)
{
	struct listener *l, **gone = NULL;
	size_t n = 0, cap = 0;

	pthread_mutex_lock(&list_lock);
	for (l = listeners; l; l = l->next) {
		if (!all && !l->removed && still_held(l))
			continue;
		if (n == cap) {
			struct listener **bigger;

			cap = cap ? 2 * cap : 8;
			bigger = realloc(gone, cap * sizeof(*gone));
			if (!bigger)
				break;	/* the next sweep */
			gone = bigger;
		}
		atomic_fetch_add(&l->refs, 1);
		gone[n++] = l;
	}
	pthread_mutex_unlock(&list_lock);
	for (size_t i = 0; i < n; i++) {
		bool removed;

		memcg_unlisten(gone[i]->m, &gone[i]->base);
		pthread_mutex_lock(&list_lock);
		removed = gone[i]->removed;
		pthread_mutex_unlock(&list_lock);
		if (removed)
			listener_signal(&gone[i]->base);
		unlist(gone[i]);
		listener_put(gone[i]);
	}
	free(gone);
}

static void *watch_main(void *arg)
{
	struct timespec t;

	(void)arg;
	pthread_mutex_lock(&watch_lock);
	while (!stopping) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		t.tv_nsec += WATCH_PERIOD_NS;
		if (t.tv_nsec >= 1000000000L) {
			t.tv_sec++;
			t.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&watch_cond, &watch_lock, &t);
		if (stopping)
			break;
		pthread_mutex_unlock(&watch_lock);
		sweep(false);
		pthread_mutex_lock(&watch_lock);
	}
	pthread_mutex_unlock(&watch_lock);
	return NULL;
}

int listeners_start(void)
{
	pthread_condattr_t ca;
	int err;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&watch_cond, &ca);
	pthread_condattr_destroy(&ca);
	stopping = false;
	err = pthread_create(&watcher, NULL, watch_main, NULL);
	watching = !err;
	return -err;
}

void listeners_stop(void)
{
	if (watching) {
		pthread_mutex_lock(&watch_lock);
		stopping = true;
		pthread_cond_signal(&watch_cond);
		pthread_mutex_unlock(&watch_lock);
		pthread_join(watcher, NULL);
		watching = false;
	}
	sweep(true);
}
