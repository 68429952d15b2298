/* The texts of the kernel view: the host's /proc files rewritten so that
 * the memcgfs mount at KVIEW_MEMORY_DIR reads as the kernel's v1 memory
 * hierarchy (and, where the view made /sys/fs/cgroup itself, its cpu and
 * cpuset stand-ins as theirs).  Pure functions of the host text, for the
 * supervisor and the unit tests. */
#ifndef MEMCG_KVIEW_TEXT_H
#define MEMCG_KVIEW_TEXT_H

#include <stdbool.h>

#include "lib/strbuf.h"

#define KVIEW_CGROUP_DIR "/sys/fs/cgroup"
#define KVIEW_MEMORY_DIR KVIEW_CGROUP_DIR "/memory"
#define KVIEW_CPU_DIR KVIEW_CGROUP_DIR "/cpu,cpuacct"
#define KVIEW_CPUSET_DIR KVIEW_CGROUP_DIR "/cpuset"
#define KVIEW_BLKIO_DIR KVIEW_CGROUP_DIR "/blkio"
#define KVIEW_PIDS_DIR KVIEW_CGROUP_DIR "/pids"

/* The v1 hierarchies the view shows, by hierarchy id (0: not shown):
 * memcgfs's, and the stand-ins of those a v1 client may want beside it
 * (OpenJDK takes all of these or none). */
enum kview_hier {
	KVIEW_MEMORY, KVIEW_CPU, KVIEW_CPUSET, KVIEW_BLKIO, KVIEW_PIDS,
	KVIEW_NR_HIER
};

struct kview_layout {
	int id[KVIEW_NR_HIER];
	bool no_v1;	/* hide the host's own v1 hierarchies */
};

#define KVIEW_HIER_BIT(h) (1u << (h))
#define KVIEW_ALL_HIER (KVIEW_HIER_BIT(KVIEW_NR_HIER) - 1)

/* The layout on a host whose /proc/PID/cgroup text is host.  made is the
 * set of hierarchies (KVIEW_HIER_BIT) the view mounted on a /sys/fs/cgroup
 * of its own, 0 if it kept the host's: then memory has the host's memory
 * hierarchy id if it has one, else one above its highest v1 id; else the
 * view's are the only v1 ones, numbered from 1 in enum order. */
void text_layout(const char *host, unsigned made, struct kview_layout *l);

/* /proc/PID/cgroup: the memory line names group (a path from the memcgfs
 * root, "/..."), the stand-ins' the root; with no_v1 only these and the
 * v2 line "0::..." remain. */
void text_cgroup(const char *host, const char *group,
		 const struct kview_layout *l, struct strbuf *out);

/* /proc/PID/mountinfo: the view's mounts as cgroup mounts with their
 * controllers' options. */
void text_mountinfo(const char *host, const struct kview_layout *l,
		    struct strbuf *out);

/* /proc/PID/mounts (and /proc/mounts): the same in that format. */
void text_mounts(const char *host, const struct kview_layout *l,
		 struct strbuf *out);

/* /proc/cgroups: memory (with ngroups groups) and the stand-ins' controllers
 * on their hierarchies, enabled; with no_v1 every other controller on
 * hierarchy 0 (v2). */
void text_cgroups(const char *host, const struct kview_layout *l,
		  unsigned long ngroups, struct strbuf *out);

#endif
