/* The Linux process-events connector (netlink): fork notifications, so a
 * process forked by a group member can join its parent's group at once. */
#ifndef MEMCGFS_PROC_CONNECTOR_H
#define MEMCGFS_PROC_CONNECTOR_H

#include <sys/types.h>

/* A non-blocking socket subscribed to process events, or a negative errno
 * (it needs CAP_NET_ADMIN). */
int proc_connector_open(void);

/* Handle the events queued on fd (a bounded number a call): on_fork for
 * each fork or new thread.  Returns the number of events seen, or
 * -ENOBUFS if some were lost. */
int proc_connector_drain(int fd,
			 void (*on_fork)(pid_t parent_tid, pid_t child_tid,
					 pid_t child_tgid, void *arg),
			 void *arg);

#endif
