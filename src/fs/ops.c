/* FUSE low-level operations: the file-system face of the engine.
 *
 * Inode numbers are stable and need no table: a group id and a slot (0 for
 * the directory, 1 + row for a control file) packed as
 * ((id << 6) | slot) + 1, so the root directory is inode 1 as FUSE wants.
 * Group ids are never reused, so a stale inode simply finds no group.
 * The files whose writes are judged by the opener's credentials (tasks,
 * cgroup.procs, release_agent, memcgfs.workload) have one inode per user
 * who looked them up: the opener index in the top bits says whose.
 * Every file op goes through the one table in files.c; how reads are
 * served and kept fresh is in READPATH. */
#include "ops.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>		/* RENAME_EXCHANGE */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"
#include "charges.h"
#include "engine/memcg.h"
#include "files.h"
#include "host/pidwatch.h"
#include "lib/linestream.h"
#include "lib/vec.h"
#include "node.h"
#include "state.h"
#include "supervise.h"

#define SLOT_BITS CTL_SLOT_BITS
#define OPENER_SHIFT 44
#define OPENER_MAX 4096
#define NAME_MAX_BYTES 255
/* Directories and entries: every change to them goes through this mount,
 * and the kernel drops what it changes itself. */
#define TIMEOUT 3600.0
/* readdir offsets: 1 ".", 2 "..", 3 + row for files, CHILD_OFF + id for
 * child groups, so an offset stays valid across concurrent mkdir/rmdir. */
#define CHILD_OFF 64

/* Opener index i (1-based) stands for uid opener_uid[i - 1]. */
static uid_t opener_uid[OPENER_MAX];
static atomic_uint nr_openers;
static pthread_mutex_t opener_lock = PTHREAD_MUTEX_INITIALIZER;

/* The opener index of uid, or 0 when the table is full. */
static unsigned int opener_index(uid_t uid)
{
	unsigned int n = atomic_load(&nr_openers), i;

	for (i = 0; i < n; i++)
		if (opener_uid[i] == uid)
			return i + 1;
	pthread_mutex_lock(&opener_lock);
	n = atomic_load(&nr_openers);
	for (i = 0; i < n && opener_uid[i] != uid; i++)
		;
	if (i == n && n < OPENER_MAX) {
		opener_uid[n] = uid;
		atomic_store(&nr_openers, n + 1);
		state_note_opener(uid);	/* the inodes it names outlive us */
	}
	pthread_mutex_unlock(&opener_lock);
	return i < OPENER_MAX ? i + 1 : 0;
}

unsigned int ops_nr_openers(void)
{
	return atomic_load(&nr_openers);
}

uid_t ops_opener_uid(unsigned int i)
{
	return opener_uid[i];
}

void ops_opener_restore(uid_t uid)
{
	opener_index(uid);
}

static fuse_ino_t ino_of(uint64_t id, int idx, unsigned int opener)
{
	return (((uint64_t)opener << OPENER_SHIFT) | (id << SLOT_BITS) |
		(uint64_t)(idx + 1)) + 1;
}

/* The inode that req's caller gets for row idx of group id. */
static fuse_ino_t ino_for(fuse_req_t req, uint64_t id, int idx)
{
	if (idx < 0 || !ctl_files[idx].opener)
		return ino_of(id, idx, 0);
	return ino_of(id, idx, opener_index(fuse_req_ctx(req)->uid));
}

/* The group an inode belongs to (a reference, or NULL), its row (-1 for
 * the directory) and, for the opener's files, the opener's uid. */
static struct memcg *group_of_opener(fuse_ino_t ino, int *idx, uid_t *opener)
{
	uint64_t v = ino - 1, low = v & ((1ull << OPENER_SHIFT) - 1);
	unsigned int oi = (unsigned int)(v >> OPENER_SHIFT);
	int slot = (int)(low & ((1u << SLOT_BITS) - 1));
	struct memcg *m;

	if (slot > (int)ctl_nr_files || oi > atomic_load(&nr_openers))
		return NULL;
	/* Each row has one kind of inode: with an opener or without. */
	if ((slot > 0 && ctl_files[slot - 1].opener) != (oi != 0))
		return NULL;
	if (opener && oi)
		*opener = opener_uid[oi - 1];
	m = memcg_tryget_by_id(low >> SLOT_BITS);
	if (!m)
		return NULL;
	*idx = slot - 1;
	if (*idx >= 0 && !ctl_present(&ctl_files[*idx], memcg_is_root(m))) {
		memcg_put(m);
		return NULL;
	}
	return m;
}

struct memcg *inode_group(fuse_ino_t ino, int *idx)
{
	return group_of_opener(ino, idx, NULL);
}

/* The attributes of inode ino (row idx of m) and how long they hold. */
static int fill_stat(struct memcg *m, fuse_ino_t ino, int idx, bool reading,
		     struct stat *st, double *timeout)
{
	struct file_attr fa = { 0 };
	struct node_attr a;
	int err = 0;

	group_node_get(memcg_priv(m), idx, &a);
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_uid = a.uid;
	st->st_gid = a.gid;
	st->st_atim = a.mtime;
	st->st_mtim = a.mtime;
	st->st_ctim = a.ctime;
	st->st_blksize = (blksize_t)memcg_config()->page_size;
	*timeout = TIMEOUT;
	if (idx < 0) {
		st->st_mode = S_IFDIR | a.mode;
		st->st_nlink = 2 + (nlink_t)memcg_nr_children(m);
		return 0;
	}
	st->st_mode = S_IFREG | a.mode;
	st->st_nlink = 1;
	/* The page cache serves reads up to st_size: the text's length. */
	err = fcache_attr(ino, m, idx, reading, &fa);
	st->st_size = (off_t)fa.size;
	st->st_mtim = fa.mtime;
	st->st_atim = fa.mtime;
	*timeout = fa.timeout;
	return err;
}

static void reply_entry(fuse_req_t req, struct memcg *m, int idx)
{
	struct fuse_entry_param e;
	int err;

	memset(&e, 0, sizeof(e));
	e.ino = ino_for(req, memcg_id(m), idx);
	if (idx >= 0)
		fcache_lookup(e.ino);
	err = fill_stat(m, e.ino, idx, false, &e.attr, &e.attr_timeout);
	/* A file's attributes come again at its first use, by GETATTR: an
	 * invalidation that reaches the kernel before it has made the inode
	 * of this reply finds no inode (ENOENT) and is lost, and the text
	 * this reply sized would then stand for the whole timeout. */
	if (idx >= 0)
		e.attr_timeout = 0;
	/* The opener's files are looked up at each open, by the opener. */
	e.entry_timeout = idx >= 0 && ctl_files[idx].opener ? 0 : TIMEOUT;
	if (err) {
		if (idx >= 0)
			fcache_forget(e.ino, 1);	/* not looked up after all */
		fuse_reply_err(req, -err);
	} else {
		fuse_reply_entry(req, &e);
	}
}

/* The directory group of inode dir, or NULL after replying an error. */
static struct memcg *dir_group(fuse_req_t req, fuse_ino_t dir)
{
	int idx;
	struct memcg *m = inode_group(dir, &idx);

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

static void reply_attr(fuse_req_t req, struct memcg *m, fuse_ino_t ino,
		       int idx, bool reading)
{
	struct stat st;
	double timeout;
	int err = fill_stat(m, ino, idx, reading, &st, &timeout);

	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_attr(req, &st, timeout);
}

static void memcgfs_getattr(fuse_req_t req, fuse_ino_t ino,
			    struct fuse_file_info *fi)
{
	int idx;
	struct memcg *m = inode_group(ino, &idx);

	if (!m) {
		/* A read (fi set) through a file of a removed group gets
		 * the kernel's ENODEV; stat the usual ENOENT. */
		fuse_reply_err(req, fi ? ENODEV : ENOENT);
		return;
	}
	reply_attr(req, m, ino, idx, fi != NULL);
	memcg_put(m);
}

static void memcgfs_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
			    int to_set, struct fuse_file_info *fi)
{
	struct group_node *n;
	struct node_attr *a;
	struct timespec now;
	struct stat st;
	double timeout;
	int idx, err;
	struct memcg *m = inode_group(ino, &idx);

	if (!m) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	if (idx < 0 && (to_set & FUSE_SET_ATTR_SIZE)) {
		memcg_put(m);
		fuse_reply_err(req, EISDIR);
		return;
	}
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
	/* The other openers' inodes of this file show the owner and mode
	 * too.  A truncation alone changes nothing another inode shows. */
	if (to_set & (FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)) {
		fcache_attrs_changed();
		if (idx < 0)
			state_note_group(m);
		else
			state_note_file(m, idx);
	}
	err = fill_stat(m, ino, idx, false, &st, &timeout);
	memcg_put(m);
	if (err) {
		fuse_reply_err(req, -err);
		return;
	}
	/* Truncation of a control file is accepted and does nothing: one
	 * write() is one command, there is no content to cut.  The reply
	 * says size 0 so that the kernel drops its cached text before the
	 * write that follows lands in it, and stale attributes so that the
	 * next reader asks again (and waits for that write). */
	if (to_set & FUSE_SET_ATTR_SIZE) {
		st.st_size = 0;
		timeout = 0;
	}
	fuse_reply_attr(req, &st, timeout);
}

/* Whether the calling worker's request is one the kernel resent after a
 * server's death. */
static bool resent(void)
{
	return supervise_request_unique() & SUPERVISE_RESENT;
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
	child = group_create(m, name, 0, ctx->uid, ctx->gid, mode & 07777, &err);
	/* Resent after a death: the dead server made it, most likely. */
	if (!child && err == -EEXIST && resent())
		child = memcg_tryget_child(m, name);
	if (child) {
		state_note_group(child);
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
		/* Resent after a death: the dead server removed it, most
		 * likely. */
		fuse_reply_err(req, ctl_find(name, true) >= 0 ? ENOTDIR :
				    resent() ? 0 : ENOENT);
		return;
	}
	pidwatch_sync();	/* exited tasks must not hold the group */
	err = memcg_remove(child);
	/* Its charges went to its parent: the next checkpoint, within a
	 * second, says so (one per rmdir would make removing a tree
	 * quadratic), and until then a restore sends them there too.  One
	 * that its kernel memory keeps dying is news memcgfs.dying shows. */
	if (!err) {
		state_note_gone(memcg_id(child));
		if (memcg_kmem_dead(child))
			charges_sync();
	}
	memcg_put(child);
	fcache_changed();	/* memcgfs.dying, the parent's totals */
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
	if (!err)
		state_note_group(child);
	memcg_put(child);
	fcache_changed();	/* paths in memcgfs.dying */
	fuse_reply_err(req, -err);
}

/* No open reaches the daemon: the first is declined with ENOSYS under
 * FUSE_CAP_NO_OPEN_SUPPORT, and from then on the kernel opens, flushes and
 * releases by itself and serves reads from its page cache (READPATH).  A
 * kernel without it gets a plain open whose cache is dropped at each open. */
static atomic_bool no_open;

static int push_child(struct memcg *child, void *arg)
{
	VEC(uint64_t) *ids = arg;
	uint64_t *slot = VEC_PUSH(ids);

	if (slot)
		*slot = memcg_id(child);
	return !slot;
}

static void forget_group_inodes(struct memcg *m, unsigned int openers)
{
	bool root = memcg_is_root(m);

	for (int i = 0; i < (int)ctl_nr_files; i++) {
		if (!ctl_present(&ctl_files[i], root))
			continue;
		if (!ctl_files[i].opener)
			fcache_forget_kernel(ino_of(memcg_id(m), i, 0));
		for (unsigned int o = 1; ctl_files[i].opener && o <= openers; o++)
			fcache_forget_kernel(ino_of(memcg_id(m), i, o));
	}
}

/* Every file inode the kernel may hold from a server before this one
 * (the mount outlives its servers, memcgfs(8) RESTART) is made stale:
 * its attributes and text were that server's, and no rendering here
 * knows them.  Attributes only, as every invalidation (READPATH). */
static void forget_kernel_inodes(void)
{
	VEC(uint64_t) ids = VEC_INIT;
	unsigned int openers = atomic_load(&nr_openers);
	struct memcg *m = memcg_root();

	memcg_get(m);
	while (m) {
		forget_group_inodes(m, openers);
		memcg_for_each_child(m, 0, push_child, &ids);
		memcg_put(m);
		m = NULL;
		while (!m && ids.nr)
			m = memcg_tryget_by_id(ids.v[--ids.nr]);
	}
	free(ids.v);
}

static void memcgfs_init(void *userdata, struct fuse_conn_info *conn)
{
	forget_kernel_inodes();
	atomic_store(&no_open, (conn->capable & FUSE_CAP_NO_OPEN_SUPPORT) != 0);
	/* Revalidation on every read compares size and mtime. */
	if (conn->capable & FUSE_CAP_AUTO_INVAL_DATA)
		conn->want |= FUSE_CAP_AUTO_INVAL_DATA;
	/* O_TRUNC comes as a truncation (setattr) that we answer, never as
	 * the kernel emptying its cache on its own. */
	conn->want &= ~(unsigned)FUSE_CAP_ATOMIC_O_TRUNC;
	conn->want &= ~(unsigned)FUSE_CAP_WRITEBACK_CACHE;
}

static void memcgfs_open(fuse_req_t req, fuse_ino_t ino,
			 struct fuse_file_info *fi)
{
	int idx;
	struct memcg *m = inode_group(ino, &idx);

	if (!m) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	memcg_put(m);
	if (idx < 0) {
		fuse_reply_err(req, EISDIR);
	} else if (atomic_load(&no_open)) {
		fuse_reply_err(req, ENOSYS);
	} else {
		fi->keep_cache = 0;
		fi->noflush = 1;
		fuse_reply_open(req, fi);
	}
}

/* Fills the kernel's page cache: the text whose length the attributes
 * gave, so that no reader sees one value cut to another's length. */
static void memcgfs_read(fuse_req_t req, fuse_ino_t ino, size_t size,
			 off_t off, struct fuse_file_info *fi)
{
	struct ctl_text *t;
	int idx;
	struct memcg *m = inode_group(ino, &idx);

	if (!m || idx < 0) {
		if (m)
			memcg_put(m);
		fuse_reply_err(req, m ? EISDIR : ENODEV);
		return;
	}
	t = fcache_text(ino, m, idx);
	memcg_put(m);
	if (!t || t->err) {
		fuse_reply_err(req, t ? -t->err : ENOMEM);
	} else if (off < 0 || (size_t)off >= t->len) {
		fuse_reply_buf(req, NULL, 0);
	} else {
		if (size > t->len - (size_t)off)
			size = t->len - (size_t)off;
		fuse_reply_buf(req, t->data + off, size);
	}
	ctl_text_put(t);
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

/* Without opens there is no per-descriptor state and no close: the line
 * stream of memcgfs.workload belongs to the file and the writing thread.
 * FUSE cuts a write(2) into pieces that end at page boundaries, and cat
 * writes 128 KiB at a time: a write that ends on a page boundary in the
 * middle of a line keeps that line for the write that continues it (one
 * that starts where it ended).  Any other write's last line is complete
 * when that write ends (memcgfs(8): "a write may hold many lines"). */
struct write_stream {
	struct write_stream *next;
	fuse_ino_t ino;
	pid_t pid;
	off_t end;
	struct line_stream *lines;	/* memcgfs.workload */
	size_t held;			/* a control file: the first piece */
	char buf[];
};

static pthread_mutex_t streams_lock = PTHREAD_MUTEX_INITIALIZER;
static struct write_stream *streams;

/* Under streams_lock: the stream of (ino, pid), unlinked, or NULL. */
static struct write_stream *stream_take(fuse_ino_t ino, pid_t pid)
{
	for (struct write_stream **pp = &streams; *pp; pp = &(*pp)->next) {
		struct write_stream *s = *pp;

		if (s->ino == ino && s->pid == pid) {
			*pp = s->next;
			return s;
		}
	}
	return NULL;
}

static void stream_free(struct write_stream *s)
{
	if (s) {
		line_stream_free(s->lines);
		free(s);
	}
}

/* Under streams_lock: keep s for the write that continues at end. */
static void stream_keep(struct write_stream *s, struct ctl_write *w,
			fuse_ino_t ino, off_t end)
{
	s->ino = ino;
	s->pid = w->ctx.pid;
	s->end = end;
	s->next = streams;
	streams = s;
}

static bool page_aligned(off_t off)
{
	return off % sysconf(_SC_PAGESIZE) == 0;
}

static int write_lines(struct ctl_write *w, fuse_ino_t ino, const char *buf,
		       size_t size, off_t off)
{
	struct write_stream *s;
	off_t end = off + (off_t)size;
	/* An empty apply checks the writer: one refused (not root) fails at
	 * its write, whatever the write holds. */
	int err = ctl_write_apply("", 0, w);

	if (err)
		return err;
	pthread_mutex_lock(&streams_lock);
	s = stream_take(ino, w->ctx.pid);
	if (s && s->end != off) {
		/* Not continued after all: the kept line was complete. */
		line_stream_flush(s->lines, ctl_write_apply, w);
		stream_free(s);
		s = NULL;
	}
	if (!s && (s = calloc(1, sizeof(*s))) &&
	    !(s->lines = line_stream_new(CTL_WRITE_MAX))) {
		free(s);
		s = NULL;
	}
	if (!s) {
		pthread_mutex_unlock(&streams_lock);
		return -ENOMEM;
	}
	err = line_stream_write(s->lines, buf, size, ctl_write_apply, w);
	if (!err && page_aligned(end)) {
		stream_keep(s, w, ino, end);
		s = NULL;
	} else if (!err) {
		err = line_stream_flush(s->lines, ctl_write_apply, w);
	}
	pthread_mutex_unlock(&streams_lock);
	stream_free(s);
	return err;
}

/* One command; the kernel's handlers get a C string: it ends at a NUL. */
static int apply_value(struct ctl_write *w, const char *buf, size_t len)
{
	return ctl_write_apply(buf, strnlen(buf, len), w);
}

/* A control file's write(2) is one command.  FUSE cuts one that starts
 * inside a page and crosses its end (a descriptor whose position is not
 * on a page boundary) into two pieces at that boundary: a first piece of
 * that shape that does not end its command (no newline) waits for the
 * piece that continues it. */
static int write_value(struct ctl_write *w, fuse_ino_t ino, const char *buf,
		       size_t size, off_t off)
{
	struct write_stream *s;
	off_t end = off + (off_t)size;
	char *joined;
	int err;

	pthread_mutex_lock(&streams_lock);
	s = stream_take(ino, w->ctx.pid);
	pthread_mutex_unlock(&streams_lock);
	if (s && s->end == off) {
		size_t n = s->held + size;

		joined = n <= CTL_WRITE_MAX ? malloc(n) : NULL;
		err = n > CTL_WRITE_MAX ? -E2BIG : joined ? 0 : -ENOMEM;
		if (joined) {
			memcpy(joined, s->buf, s->held);
			memcpy(joined + s->held, buf, size);
			err = apply_value(w, joined, n);
			free(joined);
		}
		stream_free(s);
		return err;
	}
	if (s)		/* not continued after all: it was whole */
		apply_value(w, s->buf, s->held);
	stream_free(s);
	/* FUSE hands a write(2) over its maximum (1 MiB) in pieces, each
	 * of them over this bound: the first is refused, so nothing of
	 * such a write is applied. */
	if (size > CTL_WRITE_MAX)
		return -E2BIG;
	if (page_aligned(off) || !page_aligned(end) || buf[size - 1] == '\n')
		return apply_value(w, buf, size);
	s = calloc(1, sizeof(*s) + size);
	if (!s)
		return -ENOMEM;
	memcpy(s->buf, buf, size);
	s->held = size;
	pthread_mutex_lock(&streams_lock);
	stream_keep(s, w, ino, end);
	pthread_mutex_unlock(&streams_lock);
	return 0;
}

static int ctl_write(struct ctl_write *w, fuse_ino_t ino, const char *buf,
		     size_t size, off_t off)
{
	if (!w->f->write)
		return -EINVAL;
	if (w->f->lines)
		return write_lines(w, ino, buf, size, off);
	return write_value(w, ino, buf, size, off);
}

/* The request's file and writer (the opener's credentials for the rows
 * that want them), or false after replying an error. */
static bool ctl_write_begin(fuse_req_t req, fuse_ino_t ino,
			    struct ctl_write *w)
{
	const struct fuse_ctx *fc = fuse_req_ctx(req);
	int idx;

	w->ctx = (struct ctl_ctx){ fc->uid, fc->gid, fc->pid };
	w->m = group_of_opener(ino, &idx, &w->ctx.uid);
	if (!w->m) {
		fuse_reply_err(req, ENODEV);	/* the group was removed */
		return false;
	}
	if (idx < 0) {
		memcg_put(w->m);
		fuse_reply_err(req, EISDIR);
		return false;
	}
	w->f = &ctl_files[idx];
	pidwatch_sync();	/* a reaped writer's exit comes first */
	return true;
}

/* Done before a write's reply: a read that starts after it returned sees
 * what it did, and not the bytes it wrote. */
static void ctl_write_end(struct ctl_write *w, fuse_ino_t ino,
			  const char *buf, size_t size, off_t off)
{
	memcg_put(w->m);
	fcache_written(ino, buf, size, off);
	fcache_changed();
}

static void memcgfs_write(fuse_req_t req, fuse_ino_t ino, const char *buf,
			  size_t size, off_t off, struct fuse_file_info *fi)
{
	struct ctl_write w;
	int err;

	if (!ctl_write_begin(req, ino, &w))
		return;
	/* One the dead server applied (memcgfs.workload's lines are not
	 * idempotent) is answered as it was, not applied again. */
	if (!charges_resent(&err)) {
		charges_begin();
		err = ctl_write(&w, ino, buf, size, off);
		if (!err)
			state_note_write(w.m, (int)(w.f - ctl_files), buf, size,
					 w.ctx.pid);
		charges_end(err, w.f->lines);
	}
	ctl_write_end(&w, ino, buf, size, off);
	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_write(req, size);
}

static void memcgfs_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	fcache_forget(ino, nlookup);
	fuse_reply_none(req);
}

static void memcgfs_forget_multi(fuse_req_t req, size_t count,
				 struct fuse_forget_data *forgets)
{
	for (size_t i = 0; i < count; i++)
		fcache_forget(forgets[i].ino, forgets[i].nlookup);
	fuse_reply_none(req);
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
	return !dir_add(arg, memcg_name(child), ino_of(memcg_id(child), -1, 0),
			S_IFDIR, (off_t)(CHILD_OFF + memcg_id(child)));
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
		full = !dir_add(&rc, "..", root ? ino : ino_of(memcg_id(memcg_parent(m)), -1, 0),
				S_IFDIR, 2);
	for (size_t i = 0; !full && i < ctl_nr_files; i++) {
		if ((off_t)(3 + i) <= off || !ctl_present(&ctl_files[i], root))
			continue;
		full = !dir_add(&rc, ctl_files[i].name, ino_for(req, memcg_id(m), (int)i),
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

void memcgfs_ops_exit(void)
{
	pthread_mutex_lock(&streams_lock);
	while (streams) {
		struct write_stream *s = streams;

		streams = s->next;
		stream_free(s);
	}
	pthread_mutex_unlock(&streams_lock);
}

const struct fuse_lowlevel_ops memcgfs_ops = {
	.lookup = memcgfs_lookup,
	.getattr = memcgfs_getattr,
	.setattr = memcgfs_setattr,
	.mkdir = memcgfs_mkdir,
	.rmdir = memcgfs_rmdir,
	.rename = memcgfs_rename,
	.init = memcgfs_init,
	.forget = memcgfs_forget,
	.forget_multi = memcgfs_forget_multi,
	.open = memcgfs_open,
	.read = memcgfs_read,
	.write = memcgfs_write,
	.readdir = memcgfs_readdir,
	.statfs = memcgfs_statfs,
	.create = memcgfs_create,
	.mknod = memcgfs_mknod,
	.symlink = memcgfs_symlink,
	.link = memcgfs_link,
	.unlink = memcgfs_unlink,
	/* No extended attributes: unanswered (ENOSYS), the kernel says
	 * ENOTSUP for them from then on without asking, also for the
	 * security.capability it looks up before each write. */
};
