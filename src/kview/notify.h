/* The seccomp user-notification side of the kernel view: the filter every
 * process of the view inherits, and the supervisor's answer to each system
 * call it stops (opens of the rewritten /proc files, statfs on memcgfs). */
#ifndef MEMCG_KVIEW_NOTIFY_H
#define MEMCG_KVIEW_NOTIFY_H

#include <stdbool.h>
#include <sys/types.h>

struct kview {
	int listener;		/* the filter's notification descriptor */
	int rootfd;		/* the memcgfs root directory */
	dev_t memcg_dev;	/* its st_dev: which files are memcgfs's */
	pid_t supervisor;	/* the subreaper every process of the view is under */
	int memory_id;		/* memory's hierarchy id in the view */
	bool no_v1;		/* show no host v1 hierarchy but memory */
};

/* In the process that will exec the command: install the filter; the
 * listener descriptor, or a negative errno. */
int kview_filter_install(void);

/* Receive and answer one notification; false when the listener is broken. */
bool kview_handle(const struct kview *kv);

#endif
