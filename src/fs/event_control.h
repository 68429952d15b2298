/* cgroup.event_control (memcgfs(8) NOTIFICATIONS). */
#ifndef MEMCGFS_EVENT_CONTROL_H
#define MEMCGFS_EVENT_CONTROL_H

#include "files.h"

/* Our mount's id: a target descriptor must be of this mount. */
void event_control_set_mount(int mnt_id);

/* "EVENTFD_FD TARGET_FD ARGS", both descriptors the writer's. */
int write_event_control(struct memcg *m, const struct ctl_file *f,
			const char *buf, size_t len, const struct ctl_ctx *ctx);

#endif
