/* Where memcgfs has a task: the group path /proc/PID/cgroup names, found in
 * the groups' tasks files, and how many groups there are (/proc/cgroups). */
#ifndef MEMCG_KVIEW_GROUPS_H
#define MEMCG_KVIEW_GROUPS_H

#include <sys/types.h>

#include "lib/strbuf.h"

/* Append to out the path of tid's group under the memcgfs mount whose
 * root directory is rootfd ("/" when no child group lists it: the root
 * group holds every task not elsewhere). */
void groups_find(int rootfd, pid_t tid, struct strbuf *out);

/* The number of groups, the root included. */
unsigned long groups_count(int rootfd);

#endif
