/* The seccomp user-notification side of the kernel view: the filter every
 * process of the view inherits, and the supervisor's answer to each system
 * call it stops (opens of the rewritten /proc files, statfs on memcgfs). */
#ifndef MEMCG_KVIEW_NOTIFY_H
#define MEMCG_KVIEW_NOTIFY_H

#include <stdbool.h>
#include <sys/types.h>

#include "kview/text.h"

struct kview {
	int listener;		/* the filter's notification descriptor */
	int rootfd;		/* the memcgfs root directory */
	dev_t dev[KVIEW_NR_HIER]; /* st_dev of the view's hierarchies; 0: none */
	pid_t supervisor;	/* the subreaper every process of the view is under */
	struct kview_layout layout;
};

/* In the process that will exec the command: install the filter; the
 * listener descriptor, or a negative errno. */
int kview_filter_install(void);

/* Receive and answer one notification; false when the listener is broken. */
bool kview_handle(const struct kview *kv);

#endif
