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

/* Start and stop the watcher of registrants; stop ends every
 * registration (before the engine goes). */
int listeners_start(void);
void listeners_stop(void);

#endif
