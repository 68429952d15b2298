/* hellofs: the FUSE floor that fsbench measures memcgfs against.
 *
 * One file, memory.usage_in_bytes, reading "0\n", served the way memcgfs
 * serves a control file (src/fs/ops.c and main.c): entry and attribute
 * timeouts of 1 s, the value rendered at open into a buffer kept in fi->fh
 * and served with direct_io, read copying from that buffer, release freeing
 * it, the multithreaded loop with the same configuration, and the same
 * mount options (default_permissions, allow_other as root).  Whatever
 * memcgfs is slower by is then its own work, not FUSE's.  After libfuse's
 * example/hello_ll.c.
 *
 *   hellofs [-f] [-d] [-s] [-o OPT[,OPT...]] MOUNTPOINT
 *
 * Exits 0 after fusermount3 -u, SIGTERM or SIGINT. */
#include "fs/serve.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FILE_INO 2
#define TIMEOUT 1.0

static const char file_name[] = "memory.usage_in_bytes";
static uid_t owner_uid;
static gid_t owner_gid;

/* What an open file reads: the value rendered at open. */
struct open_buf {
	atomic_int refs;	/* as memcgfs: a read holds it while replying */
	size_t len;
	char data[];
};

static void open_buf_put(struct open_buf *h)
{
	if (atomic_fetch_sub(&h->refs, 1) == 1)
		free(h);
}

static bool fill_stat(fuse_ino_t ino, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_uid = owner_uid;
	st->st_gid = owner_gid;
	st->st_blksize = 4096;
	if (ino == FUSE_ROOT_ID) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
	} else if (ino == FILE_INO) {
		st->st_mode = S_IFREG | 0444;	/* size 0, as memcgfs */
		st->st_nlink = 1;
	} else {
		return false;
	}
	return true;
}

static void hello_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e;

	if (parent != FUSE_ROOT_ID || strcmp(name, file_name)) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	memset(&e, 0, sizeof(e));
	fill_stat(FILE_INO, &e.attr);
	e.ino = FILE_INO;
	e.attr_timeout = TIMEOUT;
	e.entry_timeout = TIMEOUT;
	fuse_reply_entry(req, &e);
}

static void hello_getattr(fuse_req_t req, fuse_ino_t ino,
			  struct fuse_file_info *fi)
{
	struct stat st;

	if (!fill_stat(ino, &st))
		fuse_reply_err(req, ENOENT);
	else
		fuse_reply_attr(req, &st, TIMEOUT);
}

/* Add one entry at *pos; false when the reply buffer is full. */
static bool dir_add(fuse_req_t req, char *buf, size_t size, size_t *pos,
		    const char *name, fuse_ino_t ino, off_t next)
{
	struct stat st = { .st_ino = ino };
	size_t need;

	fill_stat(ino, &st);
	need = fuse_add_direntry(req, buf + *pos, size - *pos, name, &st, next);
	if (need > size - *pos)
		return false;
	*pos += need;
	return true;
}

static void hello_readdir(fuse_req_t req, fuse_ino_t ino, size_t size,
			  off_t off, struct fuse_file_info *fi)
{
	static const struct {
		const char *name;
		fuse_ino_t ino;
	} entries[] = {
		{ ".", FUSE_ROOT_ID }, { "..", FUSE_ROOT_ID },
		{ file_name, FILE_INO },
	};
	char *buf;
	size_t pos = 0;

	if (ino != FUSE_ROOT_ID) {
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	buf = malloc(size);
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	for (off_t i = off; i >= 0 && i < 3; i++)
		if (!dir_add(req, buf, size, &pos, entries[i].name,
			     entries[i].ino, i + 1))
			break;
	fuse_reply_buf(req, buf, pos);
	free(buf);
}

static void hello_open(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	char value[32];
	struct open_buf *h;
	int len;

	if (ino != FILE_INO) {
		fuse_reply_err(req, ino == FUSE_ROOT_ID ? EISDIR : ENOENT);
		return;
	}
	if ((fi->flags & O_ACCMODE) != O_RDONLY) {
		fuse_reply_err(req, EACCES);
		return;
	}
	/* Rendered per open, like a control file's value. */
	len = snprintf(value, sizeof(value), "%lu\n", 0UL);
	h = malloc(sizeof(*h) + (size_t)len);
	if (!h) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	atomic_init(&h->refs, 1);
	h->len = (size_t)len;
	memcpy(h->data, value, (size_t)len);
	fi->fh = (uintptr_t)h;
	fi->direct_io = 1;
	if (fuse_reply_open(req, fi) != 0)
		free(h);
}

static void hello_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	struct open_buf *h = (struct open_buf *)(uintptr_t)fi->fh;

	if (off < 0 || (size_t)off >= h->len) {
		fuse_reply_buf(req, NULL, 0);
		return;
	}
	if (size > h->len - (size_t)off)
		size = h->len - (size_t)off;
	atomic_fetch_add(&h->refs, 1);
	fuse_reply_buf(req, h->data + off, size);
	open_buf_put(h);
}

static void hello_release(fuse_req_t req, fuse_ino_t ino,
			  struct fuse_file_info *fi)
{
	open_buf_put((struct open_buf *)(uintptr_t)fi->fh);
	fuse_reply_err(req, 0);
}

static const struct fuse_lowlevel_ops hello_ops = {
	.lookup = hello_lookup,
	.getattr = hello_getattr,
	.readdir = hello_readdir,
	.open = hello_open,
	.read = hello_read,
	.release = hello_release,
};

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts co = { 0 };
	struct fuse_session *se;
	int status = 2, ret;

	if (fuse_parse_cmdline(&args, &co) != 0)
		goto out_args;
	if (co.show_help || co.show_version) {
		printf("usage: %s [-f] [-d] [-s] [-o OPT[,OPT...]] MOUNTPOINT\n",
		       argv[0]);
		if (co.show_help) {
			fuse_cmdline_help();
			fuse_lowlevel_help();
		} else {
			fuse_lowlevel_version();
		}
		status = 0;
		goto out_args;
	}
	if (!co.mountpoint) {
		fprintf(stderr, "hellofs: no mountpoint given (see --help)\n");
		goto out_args;
	}
	owner_uid = getuid();
	owner_gid = getgid();
	fuse_opt_add_arg(&args, "-odefault_permissions,fsname=hellofs,subtype=hellofs");
	if (geteuid() == 0)
		fuse_opt_add_arg(&args, "-oallow_other");

	status = 1;
	se = fuse_session_new(&args, &hello_ops, sizeof(hello_ops), NULL);
	if (!se)
		goto out_args;
	if (fuse_set_signal_handlers(se) != 0)
		goto out_session;
	if (fuse_session_mount(se, co.mountpoint) != 0)
		goto out_signals;
	if (fuse_daemonize(co.foreground) != 0)
		goto out_unmount;
	ret = fuse_serve(se, &co);
	/* 0 after an unmount, the signal number after SIGTERM/SIGINT/SIGHUP. */
	if (ret == 0 || ret == SIGTERM || ret == SIGINT || ret == SIGHUP)
		status = 0;
out_unmount:
	fuse_session_unmount(se);
out_signals:
	fuse_remove_signal_handlers(se);
out_session:
	fuse_session_destroy(se);
out_args:
	free(co.mountpoint);
	fuse_opt_free_args(&args);
	return status;
}
