/* hellofs: the FUSE floor that fsbench measures memcgfs against.
 *
 * Three files served the plain FUSE way, as memcgfs served its control
 * files before its read path used the kernel's page cache: entry and
 * attribute timeouts of 1 s, the value rendered at open into a buffer kept
 * in fi->fh and served with direct_io, read copying from that buffer,
 * release freeing it, the multithreaded loop with memcgfs's configuration
 * and its mount options (default_permissions, allow_other as root).
 * memory.usage_in_bytes reads "0\n", memory.limit_in_bytes reads what was
 * last written to it, memory.stat a table of memcgfs's size.  After
 * libfuse's example/hello_ll.c.
 *
 *   hellofs [-f] [-d] [-s] [-o OPT[,OPT...]] MOUNTPOINT
 *
 * Exits 0 after fusermount3 -u, SIGTERM or SIGINT. */
#include "fs/serve.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TIMEOUT 1.0
#define NR_FILES 3

struct hello_file {
	const char *name;
	mode_t mode;
};

/* Inode 2 + i is files[i]. */
static const struct hello_file files[NR_FILES] = {
	{ "memory.limit_in_bytes", 0644 },
	{ "memory.stat", 0444 },
	{ "memory.usage_in_bytes", 0444 },
};
enum { LIMIT, STAT, USAGE };

static uid_t owner_uid;
static gid_t owner_gid;
static pthread_mutex_t limit_lock = PTHREAD_MUTEX_INITIALIZER;
static char limit_value[64] = "9223372036854771712\n";
static char stat_text[1024];

/* What an open file reads: the value rendered at open. */
struct open_buf {
	atomic_int refs;	/* as memcgfs: a read holds it while replying */
	size_t len;
	char data[];
};

static void open_buf_put(struct open_buf *h)
{
	if (h && atomic_fetch_sub(&h->refs, 1) == 1)
		free(h);
}

static int file_of(fuse_ino_t ino)
{
	return ino >= 2 && ino < 2 + NR_FILES ? (int)(ino - 2) : -1;
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
	} else if (file_of(ino) >= 0) {
		st->st_mode = S_IFREG | files[file_of(ino)].mode; /* size 0 */
		st->st_nlink = 1;
	} else {
		return false;
	}
	return true;
}

static void hello_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e;
	int i;

	for (i = 0; i < NR_FILES && strcmp(name, files[i].name); i++)
		;
	if (parent != FUSE_ROOT_ID || i == NR_FILES) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	memset(&e, 0, sizeof(e));
	e.ino = 2 + (fuse_ino_t)i;
	fill_stat(e.ino, &e.attr);
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

/* Truncation (O_TRUNC) is accepted and does nothing, as on memcgfs. */
static void hello_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
			  int to_set, struct fuse_file_info *fi)
{
	hello_getattr(req, ino, fi);
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
	for (off_t i = off; i >= 0 && i < 2 + NR_FILES; i++) {
		const char *name = i == 0 ? "." : i == 1 ? ".." : files[i - 2].name;
		fuse_ino_t e = i < 2 ? FUSE_ROOT_ID : (fuse_ino_t)i;

		if (!dir_add(req, buf, size, &pos, name, e, i + 1))
			break;
	}
	fuse_reply_buf(req, buf, pos);
	free(buf);
}

static void hello_open(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	char value[sizeof(stat_text)];
	struct open_buf *h = NULL;
	int f = file_of(ino), len;

	if (f < 0) {
		fuse_reply_err(req, ino == FUSE_ROOT_ID ? EISDIR : ENOENT);
		return;
	}
	if ((fi->flags & O_ACCMODE) == O_RDONLY) {
		/* Rendered per open, like a control file's value. */
		pthread_mutex_lock(&limit_lock);
		len = snprintf(value, sizeof(value), "%s", f == LIMIT ?
			       limit_value : f == STAT ? stat_text : "0\n");
		pthread_mutex_unlock(&limit_lock);
		h = malloc(sizeof(*h) + (size_t)len);
		if (!h) {
			fuse_reply_err(req, ENOMEM);
			return;
		}
		atomic_init(&h->refs, 1);
		h->len = (size_t)len;
		memcpy(h->data, value, (size_t)len);
	}
	fi->fh = (uintptr_t)h;
	fi->direct_io = 1;
	if (fuse_reply_open(req, fi) != 0)
		free(h);
}

static void hello_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	struct open_buf *h = (struct open_buf *)(uintptr_t)fi->fh;

	if (!h) {
		fuse_reply_err(req, EBADF);
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
	open_buf_put(h);
}

static void hello_write(fuse_req_t req, fuse_ino_t ino, const char *buf,
			size_t size, off_t off, struct fuse_file_info *fi)
{
	if (file_of(ino) != LIMIT || size >= sizeof(limit_value)) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	pthread_mutex_lock(&limit_lock);
	memcpy(limit_value, buf, size);
	limit_value[size] = '\0';
	pthread_mutex_unlock(&limit_lock);
	fuse_reply_write(req, size);
}

static void hello_release(fuse_req_t req, fuse_ino_t ino,
			  struct fuse_file_info *fi)
{
	open_buf_put((struct open_buf *)(uintptr_t)fi->fh);
	fuse_reply_err(req, 0);
}

/* A memory.stat of memcgfs's shape: 22 + 20 "name 0" lines. */
static void stat_init(void)
{
	static const char *const names[] = {
		"cache", "rss", "rss_huge", "shmem", "mapped_file", "dirty",
		"writeback", "workingset_refault_anon",
		"workingset_refault_file", "swap", "swapcached", "pgpgin",
		"pgpgout", "pgfault", "pgmajfault", "inactive_anon",
		"active_anon", "inactive_file", "active_file", "unevictable",
	};
	size_t pos = 0, n = sizeof(names) / sizeof(names[0]);

	for (size_t i = 0; i < n; i++)
		pos += (size_t)snprintf(stat_text + pos, sizeof(stat_text) - pos,
					"%s 0\n", names[i]);
	pos += (size_t)snprintf(stat_text + pos, sizeof(stat_text) - pos,
				"hierarchical_memory_limit 9223372036854771712\n"
				"hierarchical_memsw_limit 9223372036854771712\n");
	for (size_t i = 0; i < n && pos < sizeof(stat_text); i++)
		pos += (size_t)snprintf(stat_text + pos, sizeof(stat_text) - pos,
					"total_%s 0\n", names[i]);
}

static const struct fuse_lowlevel_ops hello_ops = {
	.lookup = hello_lookup,
	.getattr = hello_getattr,
	.setattr = hello_setattr,
	.write = hello_write,
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
	stat_init();
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
