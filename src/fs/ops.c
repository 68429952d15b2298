/* FUSE low-level operations: the file-system face of the engine.
 *
 * Inode numbers are stable and need no table: a group id and a slot (0 for
 * the directory, 1 + row for a control file) packed as
 * ((id << 6) | slot) + 1, so the root directory is inode 1 as FUSE wants.
 * Group ids are never reused, so a stale inode simply finds no group.
 * Every file op goes through the one table in files.c. */
#include "ops.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>		/* RENAME_EXCHANGE */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "engine/memcg.h"
#include "files.h"
#include "host/pidwatch.h"
#include "lib/linestream.h"
#include "node.h"

#define SLOT_BITS CTL_SLOT_BITS
#define NAME_MAX_BYTES 255
#define TIMEOUT 1.0
/* readdir offsets: 1 ".", 2 "..", 3 + row for files, CHILD_OFF + id for
 * child groups, so an offset stays valid across concurrent mkdir/rmdir. */
#define CHILD_OFF 64

static fuse_ino_t ino_of(uint64_t id, int idx)
{
	return ((id << SLOT_BITS) | (uint64_t)(idx + 1)) + 1;
}

/* The group an inode belongs to (a reference, or NULL) and its row (-1 for
 * the directory). */
static struct memcg *group_of(fuse_ino_t ino, int *idx)
{
	uint64_t v = ino - 1;
	int slot = (int)(v & ((1u << SLOT_BITS) - 1));
	struct memcg *m;

	if (slot > (int)ctl_nr_files)
		return NULL;
	m = memcg_tryget_by_id(v >> SLOT_BITS);
	if (!m)
		return NULL;
	*idx = slot - 1;
	if (*idx >= 0 && !ctl_present(&ctl_files[*idx], memcg_is_root(m))) {
		memcg_put(m);
		return NULL;
	}
	return m;
}

static void fill_stat(struct memcg *m, int idx, struct stat *st)
{
	struct node_attr a;

	group_node_get(memcg_priv(m), idx, &a);
	memset(st, 0, sizeof(*st));
	st->st_ino = ino_of(memcg_id(m), idx);
	st->st_uid = a.uid;
	st->st_gid = a.gid;
	st->st_atim = a.mtime;
	st->st_mtim = a.mtime;
	st->st_ctim = a.ctime;
	st->st_blksize = (blksize_t)memcg_config()->page_size;
	if (idx < 0) {
		st->st_mode = S_IFDIR | a.mode;
		st->st_nlink = 2 + (nlink_t)memcg_nr_children(m);
	} else {
		st->st_mode = S_IFREG | a.mode;
		st->st_nlink = 1;
	}
}

static void reply_entry(fuse_req_t req, struct memcg *m, int idx)
{
	struct fuse_entry_param e;

	memset(&e, 0, sizeof(e));
	fill_stat(m, idx, &e.attr);
	e.ino = e.attr.st_ino;
	e.attr_timeout = TIMEOUT;
	e.entry_timeout = TIMEOUT;
	fuse_reply_entry(req, &e);
}

/* The directory group of inode dir, or NULL after replying an error. */
static struct memcg *dir_group(fuse_req_t req, fuse_ino_t dir)
{
	int idx;
	struct memcg *m = group_of(dir, &idx);

	if (!m) {
		fuse_reply_err(req, ENOENT);
		return NULL;
	}
	if (idx >= 0) {
		memcg_put(m);
		fuse_reply_err(req, ENOTDIR);
		return NULL;
	}
	return m;
}

static void memcgfs_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct memcg *m, *child;
	int idx;

	if (strlen(name) > NAME_MAX_BYTES) {
		fuse_reply_err(req, ENAMETOOLONG);
		return;
	}
	m = dir_group(req, parent);
	if (!m)
		return;
	idx = ctl_find(name, memcg_is_root(m));
	if (idx >= 0) {
		reply_entry(req, m, idx);
	} else if ((child = memcg_tryget_child(m, name))) {
		reply_entry(req, child, -1);
		memcg_put(child);
	} else {
		fuse_reply_err(req, ENOENT);
	}
	memcg_put(m);
}

static void memcgfs_getattr(fuse_req_t req, fuse_ino_t ino,
			    struct fuse_file_info *fi)
{
	struct stat st;
	int idx;
	struct memcg *m = group_of(ino, &idx);

	if (!m) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	fill_stat(m, idx, &st);
	memcg_put(m);
	fuse_reply_attr(req, &st, TIMEOUT);
}

static void memcgfs_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
			    int to_set, struct fuse_file_info *fi)
{
	struct group_node *n;
	struct node_attr *a;
	struct timespec now;
	struct stat st;
	int idx;
	struct memcg *m = group_of(ino, &idx);

	if (!m) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	if (idx < 0 && (to_set & FUSE_SET_ATTR_SIZE)) {
		memcg_put(m);
		fuse_reply_err(req, EISDIR);
		return;
	}
	/* Truncation of a control file is accepted and does nothing: one
	 * write() is one command, there is no content to cut. */
	n = memcg_priv(m);
	clock_gettime(CLOCK_REALTIME, &now);
	pthread_mutex_lock(&n->lock);
	a = group_node_attr(n, idx);
	if (to_set & FUSE_SET_ATTR_MODE)
		a->mode = attr->st_mode & 07777;
	if (to_set & FUSE_SET_ATTR_UID)
		a->uid = attr->st_uid;
	if (to_set & FUSE_SET_ATTR_GID)
		a->gid = attr->st_gid;
	if (to_set & FUSE_SET_ATTR_MTIME)
		a->mtime = attr->st_mtim;
	if (to_set & FUSE_SET_ATTR_MTIME_NOW)
		a->mtime = now;
	a->ctime = now;
	pthread_mutex_unlock(&n->lock);
	fill_stat(m, idx, &st);
	memcg_put(m);
	fuse_reply_attr(req, &st, TIMEOUT);
}

/* memcgfs(8) DIRECTORIES: no group may be called like a control file or hold a newline. */
static int check_group_name(const char *name)
{
	if (strlen(name) > NAME_MAX_BYTES)
		return -ENAMETOOLONG;
	if (strchr(name, '\n') || ctl_name_reserved(name))
		return -EINVAL;
	return 0;
}

static void memcgfs_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name,
			  mode_t mode)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	struct group_node *node;
	struct memcg *m, *child;
	int err = check_group_name(name);

	if (err) {
		fuse_reply_err(req, -err);
		return;
	}
	m = dir_group(req, parent);
	if (!m)
		return;
	/* As the kernel's cgroup_kn_set_ugid(): a new group and its files
	 * belong to the creator's fsuid and fsgid (FUSE sends those). */
	node = group_node_new(ctx->uid, ctx->gid, mode & 07777);
	child = node ? memcg_create(m, name, node, group_node_free, &err) : NULL;
	if (!node)
		err = -ENOMEM;
	else if (!child)
		group_node_free(node);
	if (child) {
		reply_entry(req, child, -1);
		memcg_put(child);
	} else {
		fuse_reply_err(req, -err);
	}
	memcg_put(m);
}

static void memcgfs_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct memcg *m, *child;
	int err;

	m = dir_group(req, parent);
	if (!m)
		return;
	child = memcg_tryget_child(m, name);
	memcg_put(m);
	if (!child) {
		fuse_reply_err(req, ctl_find(name, true) >= 0 ? ENOTDIR : ENOENT);
		return;
	}
	pidwatch_sync();	/* exited tasks must not hold the group */
	err = memcg_remove(child);
	memcg_put(child);
	fuse_reply_err(req, -err);
}

static void memcgfs_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
			   fuse_ino_t newparent, const char *newname,
			   unsigned int flags)
{
	struct memcg *m, *child;
	int err;

	if (flags & RENAME_EXCHANGE) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	m = dir_group(req, parent);
	if (!m)
		return;
	if (ctl_find(name, memcg_is_root(m)) >= 0) {
		memcg_put(m);
		fuse_reply_err(req, EPERM);
		return;
	}
	child = memcg_tryget_child(m, name);
	memcg_put(m);
	if (!child) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	/* As cgroupfs: groups move only within their parent. */
	err = newparent != parent ? -EIO : check_group_name(newname);
	if (!err)
		err = memcg_rename(child, newname);
	memcg_put(child);
	fuse_reply_err(req, -err);
}

/* What an open control file reads: the value rendered at open.  A read
 * holds a reference while its reply is written: the reader may close the
 * file, and the release reach another worker, before that write returns. */
struct ctl_handle {
	atomic_int refs;
	bool readable;
	struct line_stream *lines;	/* writable memcgfs.workload */
	struct ctl_handle *prev, *next;	/* every live handle */
	size_t len;
	char data[];
};

/* The handles not released yet: a release still queued in the kernel
 * when the mount goes never comes, and the daemon frees those at exit. */
static pthread_mutex_t handles_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ctl_handle *handles;

static void handle_free(struct ctl_handle *h)
{
	line_stream_free(h->lines);
	free(h);
}

static void handle_put(struct ctl_handle *h)
{
	if (!h || atomic_fetch_sub(&h->refs, 1) != 1)
		return;
	pthread_mutex_lock(&handles_lock);
	if (h->prev)
		h->prev->next = h->next;
	else
		handles = h->next;
	if (h->next)
		h->next->prev = h->prev;
	pthread_mutex_unlock(&handles_lock);
	handle_free(h);
}

void ops_free_handles(void)
{
	pthread_mutex_lock(&handles_lock);
	while (handles) {
		struct ctl_handle *h = handles;

		handles = h->next;
		handle_free(h);
	}
	pthread_mutex_unlock(&handles_lock);
}

/* A handle holding sb's bytes (what a read sees, if readable). */
static struct ctl_handle *handle_new(const struct strbuf *sb, bool readable)
{
	struct ctl_handle *h = malloc(sizeof(*h) + sb->len);

	if (!h)
		return NULL;
	atomic_init(&h->refs, 1);
	h->readable = readable;
	h->lines = NULL;
	h->len = sb->len;
	if (sb->len)
		memcpy(h->data, sb->buf, sb->len);
	pthread_mutex_lock(&handles_lock);
	h->prev = NULL;
	h->next = handles;
	if (handles)
		handles->prev = h;
	handles = h;
	pthread_mutex_unlock(&handles_lock);
	return h;
}

static void memcgfs_open(fuse_req_t req, fuse_ino_t ino,
			 struct fuse_file_info *fi)
{
	const struct ctl_file *f;
	struct ctl_handle *h = NULL;
	struct strbuf sb;
	int idx, err = 0;
	struct memcg *m = group_of(ino, &idx);

	if (!m) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	if (idx < 0) {
		memcg_put(m);
		fuse_reply_err(req, EISDIR);
		return;
	}
	f = &ctl_files[idx];
	/* An exit that already happened is accounted before anything is
	 * read or written through this open (memcgfs(8) THE WORKLOAD FILE: "at once"). */
	pidwatch_sync();
	strbuf_init(&sb);
	if ((fi->flags & O_ACCMODE) != O_WRONLY && f->read) {
		err = f->read(m, f, &sb);
		if (!err && sb.oom)
			err = -ENOMEM;
		h = err ? NULL : handle_new(&sb, true);
		if (!err && !h)
			err = -ENOMEM;
	}
	if (!err && (fi->flags & O_ACCMODE) != O_RDONLY && f->lines) {
		if (!h)
			h = handle_new(&sb, false);
		if (h)
			h->lines = line_stream_new(CTL_WRITE_MAX);
		if (!h || !h->lines)
			err = -ENOMEM;
	}
	strbuf_release(&sb);
	memcg_put(m);
	if (err) {
		handle_put(h);
		fuse_reply_err(req, -err);
		return;
	}
	fi->fh = (uintptr_t)h;
	fi->direct_io = 1;
	/* Only a line stream has something to do at close (memcgfs_flush). */
	fi->noflush = !(h && h->lines);
	if (fuse_reply_open(req, fi) != 0)
		handle_put(h);
}

static void memcgfs_read(fuse_req_t req, fuse_ino_t ino, size_t size,
			 off_t off, struct fuse_file_info *fi)
{
	struct ctl_handle *h = (struct ctl_handle *)(uintptr_t)fi->fh;

	if (!h || !h->readable) {
		fuse_reply_err(req, EINVAL);	/* write-only file */
		return;
	}
	if (off < 0 || (size_t)off >= h->len) {
		fuse_reply_buf(req, NULL, 0);
		return;
	}
	if (size > h->len - (size_t)off)
		size = h->len - (size_t)off;
	atomic_fetch_add(&h->refs, 1);
	fuse_reply_buf(req, h->data + off, size);
	handle_put(h);
}

/* One write request to a control file; see the bounds in files.h. */
struct ctl_write {
	struct memcg *m;
	const struct ctl_file *f;
	struct ctl_ctx ctx;
};

static int ctl_write_apply(const char *buf, size_t len, void *arg)
{
	struct ctl_write *w = arg;

	return w->f->write(w->m, w->f, buf, len, &w->ctx);
}

static int ctl_write(struct ctl_write *w, struct ctl_handle *h,
		     const char *buf, size_t size)
{
	if (!w->f->write)
		return -EINVAL;
	if (w->f->lines && h && h->lines)
		return line_stream_write(h->lines, buf, size, ctl_write_apply, w);
	/* FUSE hands a write(2) over its maximum (1 MiB) in pieces, each
	 * of them over this bound: the first is refused, so nothing of
	 * such a write is applied. */
	if (size > CTL_WRITE_MAX)
		return -E2BIG;
	/* The kernel's handlers get a C string: the value ends at a NUL. */
	return ctl_write_apply(buf, strnlen(buf, size), w);
}

/* The request's file and writer, or false after replying an error. */
static bool ctl_write_begin(fuse_req_t req, fuse_ino_t ino,
			    struct ctl_write *w)
{
	const struct fuse_ctx *fc = fuse_req_ctx(req);
	int idx;

	w->m = group_of(ino, &idx);
	if (!w->m) {
		fuse_reply_err(req, ENODEV);	/* the group was removed */
		return false;
	}
	w->f = &ctl_files[idx];
	w->ctx = (struct ctl_ctx){ fc->uid, fc->gid, fc->pid };
	return true;
}

static void memcgfs_write(fuse_req_t req, fuse_ino_t ino, const char *buf,
			  size_t size, off_t off, struct fuse_file_info *fi)
{
	struct ctl_write w;
	int err;

	if (!ctl_write_begin(req, ino, &w))
		return;
	err = ctl_write(&w, (struct ctl_handle *)(uintptr_t)fi->fh, buf, size);
	memcg_put(w.m);
	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_write(req, size);
}

/* close(2): a line stream applies the line it kept, and close returns
 * its errno. */
static void memcgfs_flush(fuse_req_t req, fuse_ino_t ino,
			  struct fuse_file_info *fi)
{
	struct ctl_handle *h = (struct ctl_handle *)(uintptr_t)fi->fh;
	struct ctl_write w;
	int err;

	if (!h || !h->lines) {
		fuse_reply_err(req, 0);
		return;
	}
	if (!ctl_write_begin(req, ino, &w))
		return;
	err = line_stream_flush(h->lines, ctl_write_apply, &w);
	memcg_put(w.m);
	fuse_reply_err(req, -err);
}

static void memcgfs_release(fuse_req_t req, fuse_ino_t ino,
			    struct fuse_file_info *fi)
{
	handle_put((struct ctl_handle *)(uintptr_t)fi->fh);
	fuse_reply_err(req, 0);
}

struct readdir_ctx {
	fuse_req_t req;
	char *buf;
	size_t size, pos;
};

/* Add one entry; false when the reply buffer is full. */
static bool dir_add(struct readdir_ctx *rc, const char *name, fuse_ino_t ino,
		    mode_t type, off_t next)
{
	struct stat st = { .st_ino = ino, .st_mode = type };
	size_t need = fuse_add_direntry(rc->req, rc->buf + rc->pos,
					rc->size - rc->pos, name, &st, next);

	if (need > rc->size - rc->pos)
		return false;
	rc->pos += need;
	return true;
}

static int dir_add_child(struct memcg *child, void *arg)
{
	return !dir_add(arg, memcg_name(child), ino_of(memcg_id(child), -1), S_IFDIR,
			(off_t)(CHILD_OFF + memcg_id(child)));
}

static void memcgfs_readdir(fuse_req_t req, fuse_ino_t ino, size_t size,
			    off_t off, struct fuse_file_info *fi)
{
	struct readdir_ctx rc = { req, malloc(size), size, 0 };
	struct memcg *m;
	bool root, full = false;

	if (!rc.buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	m = dir_group(req, ino);
	if (!m) {
		free(rc.buf);
		return;
	}
	root = memcg_is_root(m);
	if (off < 1)
		full = !dir_add(&rc, ".", ino, S_IFDIR, 1);
	if (!full && off < 2)
		full = !dir_add(&rc, "..", root ? ino : ino_of(memcg_id(memcg_parent(m)), -1),
				S_IFDIR, 2);
	for (size_t i = 0; !full && i < ctl_nr_files; i++) {
		if ((off_t)(3 + i) <= off || !ctl_present(&ctl_files[i], root))
			continue;
		full = !dir_add(&rc, ctl_files[i].name, ino_of(memcg_id(m), (int)i),
				S_IFREG, (off_t)(3 + i));
	}
	if (!full)
		memcg_for_each_child(m, off > CHILD_OFF ? (uint64_t)off - CHILD_OFF : 0,
				     dir_add_child, &rc);
	memcg_put(m);
	fuse_reply_buf(req, rc.buf, rc.pos);
	free(rc.buf);
}

static void memcgfs_statfs(fuse_req_t req, fuse_ino_t ino)
{
	const struct memcg_config *cfg = memcg_config();
	struct memcg_counter mem;
	struct statvfs st = {
		.f_bsize = cfg->page_size,
		.f_frsize = cfg->page_size,
		.f_blocks = (fsblkcnt_t)cfg->mem_pages,
		.f_namemax = NAME_MAX_BYTES,
	};

	memcg_read_counter(memcg_root(), MEMCG_RES_MEMORY, &mem);
	st.f_bfree = (fsblkcnt_t)(cfg->mem_pages > mem.usage ?
				  cfg->mem_pages - mem.usage : 0);
	st.f_bavail = st.f_bfree;
	fuse_reply_statfs(req, &st);
}

static void reply_eperm(fuse_req_t req)
{
	fuse_reply_err(req, EPERM);
}

static void memcgfs_create(fuse_req_t req, fuse_ino_t parent, const char *name,
			   mode_t mode, struct fuse_file_info *fi)
{
	reply_eperm(req);
}

static void memcgfs_mknod(fuse_req_t req, fuse_ino_t parent, const char *name,
			  mode_t mode, dev_t rdev)
{
	reply_eperm(req);
}

static void memcgfs_symlink(fuse_req_t req, const char *link,
			    fuse_ino_t parent, const char *name)
{
	reply_eperm(req);
}

static void memcgfs_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent,
			 const char *newname)
{
	reply_eperm(req);
}

static void memcgfs_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	reply_eperm(req);
}

static void memcgfs_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			     const char *value, size_t size, int flags)
{
	fuse_reply_err(req, ENOTSUP);
}

static void memcgfs_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			     size_t size)
{
	fuse_reply_err(req, ENOTSUP);
}

static void memcgfs_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	fuse_reply_err(req, ENOTSUP);
}

static void memcgfs_removexattr(fuse_req_t req, fuse_ino_t ino,
				const char *name)
{
	fuse_reply_err(req, ENOTSUP);
}

const struct fuse_lowlevel_ops memcgfs_ops = {
	.lookup = memcgfs_lookup,
	.getattr = memcgfs_getattr,
	.setattr = memcgfs_setattr,
	.mkdir = memcgfs_mkdir,
	.rmdir = memcgfs_rmdir,
	.rename = memcgfs_rename,
	.open = memcgfs_open,
	.read = memcgfs_read,
	.write = memcgfs_write,
	.flush = memcgfs_flush,
	.release = memcgfs_release,
	.readdir = memcgfs_readdir,
	.statfs = memcgfs_statfs,
	.create = memcgfs_create,
	.mknod = memcgfs_mknod,
	.symlink = memcgfs_symlink,
	.link = memcgfs_link,
	.unlink = memcgfs_unlink,
	.setxattr = memcgfs_setxattr,
	.getxattr = memcgfs_getxattr,
	.listxattr = memcgfs_listxattr,
	.removexattr = memcgfs_removexattr,
};
