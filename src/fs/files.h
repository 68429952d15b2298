/* The one table of control files: name -> mode, read handler, write
 * handler.  Adding a control file is one row in files.c plus, where no
 * existing handler fits, its handler. */
#ifndef MEMCGFS_FILES_H
#define MEMCGFS_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "engine/memcg.h"
#include "lib/strbuf.h"

/* Who is writing: uid and gid are the opener's for the rows marked
 * opener, else the writer's; pid is the writing thread. */
struct ctl_ctx {
	uid_t uid;
	gid_t gid;
	pid_t pid;
};

struct ctl_file;

typedef int (*ctl_read_fn)(struct memcg *m, const struct ctl_file *f,
			   struct strbuf *sb);
typedef int (*ctl_write_fn)(struct memcg *m, const struct ctl_file *f,
			    const char *buf, size_t len,
			    const struct ctl_ctx *ctx);

enum ctl_where {
	CTL_ALL,	/* in every group */
	CTL_ROOT,	/* only in the root group */
};

/* Which page_counter field a counter file shows. */
enum ctl_counter_field {
	CTL_USAGE,
	CTL_LIMIT,
	CTL_MAX_USAGE,
	CTL_FAILCNT,
};

struct ctl_file {
	const char *name;
	mode_t mode;
	enum ctl_where where;
	ctl_read_fn read;	/* NULL: reads give EINVAL */
	ctl_write_fn write;	/* NULL: writes give EINVAL */
	/* The value a restart writes back (state.c), as the write handler
	 * takes it; NULL: the row keeps no value of its own. */
	ctl_read_fn save;
	bool lines;		/* writes are a stream of lines (linestream.h),
				 * without the CTL_WRITE_MAX bound */
	/* Row arguments for the shared handlers. */
	enum memcg_res res;
	enum ctl_counter_field field;
	enum memcg_setting setting;
	/* Writes are judged by the opener's credentials (the kernel's
	 * of->file->f_cred): the inode a lookup gives names who looked. */
	bool opener;
	/* Lists host tasks, which follow forks and exits on the host. */
	bool follows_host;
};

/* The most one write(2) to a control file may hold, as the kernel's
 * cgroup files (kernfs atomic_write_len, one page): larger writes get
 * E2BIG and change nothing. */
#define CTL_WRITE_MAX 4096

/* Inode numbers keep a file's row in this many bits (see ops.c). */
#define CTL_SLOT_BITS 6

extern const struct ctl_file ctl_files[];
extern const size_t ctl_nr_files;

/* The index of the control file called name in m's directory, or -1. */
int ctl_find(const char *name, bool root);
/* Whether name is a control file's name in any directory (so no group may
 * take it). */
bool ctl_name_reserved(const char *name);
static inline bool ctl_present(const struct ctl_file *f, bool root)
{
	return f->where == CTL_ALL || root;
}

#endif
