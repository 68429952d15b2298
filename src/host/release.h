/* notify_on_release: run the root's release_agent when a group becomes
 * empty.  Agents run asynchronously from worker threads: a bounded number
 * at once, one at a time per group, notifications for a group that already
 * waits merged into one. */
#ifndef MEMCGFS_RELEASE_H
#define MEMCGFS_RELEASE_H

#include <stddef.h>

#define RELEASE_AGENT_MAX 4095

int release_start(void);
void release_stop(void);

/* The engine's release hook: queue path for the agent. */
void release_notify(const char *path);

/* Set the agent (already trimmed); -EINVAL if longer than
 * RELEASE_AGENT_MAX or holding a NUL byte. */
int release_agent_set(const char *buf, size_t len);
/* The agent now set ("" for none). */
void release_agent_get(char buf[RELEASE_AGENT_MAX + 1]);

#endif
