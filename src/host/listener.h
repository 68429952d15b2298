/* The host side of cgroup.event_control: copies of the writer's
 * descriptors (pidfd_getfd(2)), eventfd signals, and the end of a
 * registration when its registrant no longer holds the eventfd. */
#ifndef MEMCGFS_LISTENER_H
#define MEMCGFS_LISTENER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "engine/event.h"

/* A copy of descriptor fd of thread tid of process tgid, or -EBADF if it
 * has none there (or -errno).  Close it when done. */
int fd_take(pid_t tid, pid_t tgid, int fd);

/* Whether our descriptor fd is an eventfd. */
bool fd_is_eventfd(int fd);

/* The mount id and inode number our descriptor fd refers to. */
int fd_identity(int fd, int *mnt_id, uint64_t *ino);

/* Register on m, for event ev (arg as memcg_listen()'s), the eventfd efd
 * (ours, taken from descriptor their_efd of process tgid): signalled as
 * the engine says, ended when that process no longer has that eventfd at
 * their_efd or exits, or when m goes.  Takes efd in every case.  0 or
 * -errno. */
int listener_add(struct memcg *m, enum memcg_event ev, long arg,
		 int efd, pid_t tgid, int their_efd);

/* The id the kernel gives eventfd contexts (fdinfo's eventfd-id) of the
 * eventfd at descriptor fd of process tgid: it tells one eventfd from
 * another that took its number.  0 or -errno (-EBADF: none there). */
int eventfd_id(pid_t tgid, int fd, unsigned long *id);

/* A registration, as a restart (fs/state.c) records it. */
struct listener_info {
	uint64_t group;			/* memcg_id */
	enum memcg_event ev;
	long arg;
	pid_t tgid;
	int their_efd;
	unsigned long efd_id;		/* eventfd_id() at registration */
};

/* The live registrations, in a malloc'ed array (*out, NULL if none): the
 * count or -ENOMEM. */
long listeners_list(struct listener_info **out);

/* Counts up at every registration and every end: whether the list
 * changed since a reading. */
unsigned long listeners_generation(void);

/* Start and stop the watcher of registrants; stop ends every
 * registration (before the engine goes). */
int listeners_start(void);
void listeners_stop(void);

#endif
