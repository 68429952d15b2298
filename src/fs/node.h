/* File-system metadata of a group's directory and its control files: the
 * owner, group and mode that chmod/chown change (memcgfs(8) PERMISSIONS).  Hangs off
 * memcg->priv. */
#ifndef MEMCGFS_NODE_H
#define MEMCGFS_NODE_H

#include <pthread.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

struct node_attr {
	mode_t mode;		/* permission bits only */
	uid_t uid;
	gid_t gid;
	struct timespec mtime;
	struct timespec ctime;
};

struct group_node {
	pthread_mutex_t lock;
	struct node_attr dir;
	struct node_attr files[];	/* one per ctl_files row */
};

/* A node owned by uid:gid with the table's file modes. */
struct group_node *group_node_new(uid_t uid, gid_t gid, mode_t dir_mode);
void group_node_free(void *node);

struct memcg;

/* A new group called name under parent with its node (owned uid:gid,
 * directory mode dir_mode), with id or, for 0, the next one: a reference,
 * or NULL with *err (a negative errno). */
struct memcg *group_create(struct memcg *parent, const char *name,
			   uint64_t id, uid_t uid, gid_t gid, mode_t dir_mode,
			   int *err);

/* Index -1 is the directory, otherwise a ctl_files row. */
void group_node_get(struct group_node *n, int idx, struct node_attr *out);
struct node_attr *group_node_attr(struct group_node *n, int idx);

#endif
