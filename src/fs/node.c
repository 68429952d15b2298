/* Per-group file-system metadata; see node.h. */
#include "node.h"

#include <errno.h>
#include <stdlib.h>

#include "engine/memcg.h"
#include "files.h"

static void attr_init(struct node_attr *a, mode_t mode, uid_t uid, gid_t gid,
		      const struct timespec *now)
{
	a->mode = mode & 07777;
	a->uid = uid;
	a->gid = gid;
	a->mtime = *now;
	a->ctime = *now;
}

struct group_node *group_node_new(uid_t uid, gid_t gid, mode_t dir_mode)
{
	struct group_node *n;
	struct timespec now;

	n = malloc(sizeof(*n) + ctl_nr_files * sizeof(n->files[0]));
	if (!n)
		return NULL;
	clock_gettime(CLOCK_REALTIME, &now);
	pthread_mutex_init(&n->lock, NULL);
	attr_init(&n->dir, dir_mode, uid, gid, &now);
	for (size_t i = 0; i < ctl_nr_files; i++)
		attr_init(&n->files[i], ctl_files[i].mode, uid, gid, &now);
	return n;
}

void group_node_free(void *node)
{
	struct group_node *n = node;

	if (!n)
		return;
	pthread_mutex_destroy(&n->lock);
	free(n);
}

struct node_attr *group_node_attr(struct group_node *n, int idx)
{
	return idx < 0 ? &n->dir : &n->files[idx];
}

void group_node_get(struct group_node *n, int idx, struct node_attr *out)
{
	pthread_mutex_lock(&n->lock);
	*out = *group_node_attr(n, idx);
	pthread_mutex_unlock(&n->lock);
}

struct memcg *group_create(struct memcg *parent, const char *name,
			   uint64_t id, uid_t uid, gid_t gid, mode_t dir_mode,
			   int *err)
{
	struct group_node *node = group_node_new(uid, gid, dir_mode);
	struct memcg *m;

	if (!node) {
		*err = -ENOMEM;
		return NULL;
	}
	m = id ? memcg_create_id(parent, name, id, node, group_node_free, err)
	       : memcg_create(parent, name, node, group_node_free, err);
	if (!m)
		group_node_free(node);
	return m;
}
