/* The texts of the kernel view: the host's /proc files rewritten so that
 * the memcgfs mount at KVIEW_MEMORY_DIR reads as the kernel's v1 memory
 * hierarchy.  Pure functions of the host text, for the supervisor and the
 * unit tests. */
#ifndef MEMCG_KVIEW_TEXT_H
#define MEMCG_KVIEW_TEXT_H

#include <stdbool.h>

#include "lib/strbuf.h"

#define KVIEW_CGROUP_DIR "/sys/fs/cgroup"
#define KVIEW_MEMORY_DIR KVIEW_CGROUP_DIR "/memory"

/* The hierarchy id the view gives memory: the host's own if it has a v1
 * memory hierarchy, else one above its highest v1 id (1 on a v2-only host,
 * or when no_v1 hides the host's v1 hierarchies).  host is a
 * /proc/PID/cgroup text. */
int text_memory_id(const char *host, bool no_v1);

/* /proc/PID/cgroup: the memory line names group (a path from the memcgfs
 * root, "/..."); with no_v1 only it and the v2 line "0::..." remain. */
void text_cgroup(const char *host, const char *group, int memory_id,
		 bool no_v1, struct strbuf *out);

/* /proc/PID/mountinfo: the memcgfs mount at KVIEW_MEMORY_DIR as a cgroup
 * mount with the memory option. */
void text_mountinfo(const char *host, struct strbuf *out);

/* /proc/PID/mounts (and /proc/mounts): the same in that format. */
void text_mounts(const char *host, struct strbuf *out);

/* /proc/cgroups: memory on hierarchy memory_id, enabled, with ngroups
 * groups; with no_v1 every other controller on hierarchy 0 (v2). */
void text_cgroups(const char *host, int memory_id, unsigned long ngroups,
		  bool no_v1, struct strbuf *out);

#endif
