/* The memcgfs mount is cloned (open_tree) before anything is unmounted, so
 * that it can be attached at /sys/fs/cgroup/memory even when it was itself
 * mounted there or under /sys/fs/cgroup.  Whatever covered that point (the
 * kernel's own v1 memory hierarchy) is detached first: a covered mount
 * would still be listed in mountinfo, and clients take the first. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "kview/mounts.h"
#include "kview/text.h"

int kview_mount_root(const char *dir, char *root, dev_t *dev)
{
	struct statfs sf;
	struct stat st, up;
	if (!realpath(dir, root))
		return -errno;
	if (statfs(root, &sf) || stat(root, &st))
		return -errno;
	if (sf.f_type != FUSE_SUPER_MAGIC)
		return -EMEDIUMTYPE;
	/* Up while the parent is on the same file system. */
	char parent[PATH_MAX];
	while (strcmp(root, "/")) {
		strcpy(parent, root);
		char *slash = strrchr(parent, '/');
		slash[slash == parent] = '\0';
		if (stat(parent, &up) || up.st_dev != st.st_dev)
			break;
		strcpy(root, parent);
	}
	*dev = st.st_dev;
	return 0;
}

/* Detach every mount stacked at path. */
static void detach_all(const char *path)
{
	while (umount2(path, MNT_DETACH) == 0)
		;
}

static bool on_dev(const char *path, dev_t dev)
{
	struct stat st;
	return stat(path, &st) == 0 && st.st_dev == dev;
}

/* Attach the detached tree fd at path. */
static int attach(int fd, const char *path)
{
	return move_mount(fd, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH) ? -errno : 0;
}

/* A file of a stand-in hierarchy. */
struct standin_file {
	const char *name;
	const char *text;	/* or, if NULL, the first line of source */
	const char *source;
};

/* The root group of each stand-in, as a host with no limits has it. */
static const struct standin_file cpu_files[] = {
	{ "cpu.cfs_period_us", "100000\n", NULL },
	{ "cpu.cfs_quota_us", "-1\n", NULL },
	{ "cpu.shares", "1024\n", NULL },
	{ NULL, NULL, NULL },
};

static const struct standin_file cpuset_files[] = {
	{ "cpuset.cpus", NULL, "/sys/devices/system/cpu/online" },
	{ "cpuset.effective_cpus", NULL, "/sys/devices/system/cpu/online" },
	{ "cpuset.mems", NULL, "/sys/devices/system/node/online" },
	{ "cpuset.effective_mems", NULL, "/sys/devices/system/node/online" },
	{ NULL, NULL, NULL },
};

static const struct standin_file pids_files[] = {
	{ "pids.max", "max\n", NULL },
	{ NULL, NULL, NULL },
};

static const struct standin_file no_files[] = {
	{ NULL, NULL, NULL },
};

static const struct {
	enum kview_hier hier;
	const char *dir;
	const struct standin_file *files;
} standins[] = {
	{ KVIEW_CPU, KVIEW_CPU_DIR, cpu_files },
	{ KVIEW_CPUSET, KVIEW_CPUSET_DIR, cpuset_files },
	{ KVIEW_BLKIO, KVIEW_BLKIO_DIR, no_files },
	{ KVIEW_PIDS, KVIEW_PIDS_DIR, pids_files },
};

static int write_standin_file(const char *dir, const struct standin_file *f)
{
	char path[PATH_MAX], line[4096] = "0\n";
	const char *text = f->text;
	if (!text) {
		FILE *src = fopen(f->source, "re");
		if (src) {
			if (!fgets(line, sizeof(line), src))
				strcpy(line, "0\n");
			fclose(src);
		}
		text = line;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, f->name);
	FILE *out = fopen(path, "we");
	if (!out)
		return -errno;
	fputs(text, out);
	return fclose(out) ? -errno : 0;
}

/* A read-only tmpfs at dir holding files: the root group of a hierarchy
 * with no limits, for v1 clients that want one beside memory. */
static int make_standin(const char *dir, const struct standin_file *files, dev_t *dev)
{
	struct stat st;
	int rc = 0;
	if (mkdir(dir, 0555) ||
	    mount("cgroup", dir, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755"))
		return -errno;
	for (; !rc && files->name; files++)
		rc = write_standin_file(dir, files);
	if (!rc && mount(NULL, dir, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY |
			 MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL))
		rc = -errno;
	if (!rc && stat(dir, &st))
		rc = -errno;
	if (!rc)
		*dev = st.st_dev;
	return rc;
}

/* Where /sys/fs/cgroup has no memory directory: a tmpfs there with one, and
 * the host's v2 hierarchy, if that was the mount, at unified (the layout
 * of a host with both, which v1 clients know).  A host like that has no v1
 * hierarchy in the view at all, and OpenJDK takes v1 only if cpu, cpuacct,
 * cpuset, blkio and pids are v1 too: read-only stand-ins for them, their
 * root groups with no limits. */
static int make_cgroup_dir(struct kview_mounts *m, bool memory_only, const char **what)
{
	struct statfs sf;
	int v2 = -1, rc = 0;
	if (statfs(KVIEW_CGROUP_DIR, &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC) {
		if (!memory_only)
			v2 = open_tree(AT_FDCWD, KVIEW_CGROUP_DIR,
				       OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
		/* Moved (or left out) rather than covered: mountinfo lists
		 * covered mounts. */
		detach_all(KVIEW_CGROUP_DIR);
	}
	*what = "mount a tmpfs on " KVIEW_CGROUP_DIR;
	if (mount("tmpfs", KVIEW_CGROUP_DIR, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "mode=755"))
		rc = -errno;
	if (!rc && mkdir(KVIEW_MEMORY_DIR, 0555))
		rc = -errno;
	if (!rc && v2 >= 0) {
		*what = "place the v2 hierarchy at " KVIEW_CGROUP_DIR "/unified";
		if (mkdir(KVIEW_CGROUP_DIR "/unified", 0555))
			rc = -errno;
		else
			rc = attach(v2, KVIEW_CGROUP_DIR "/unified");
	}
	if (v2 >= 0)
		close(v2);
	m->made = KVIEW_HIER_BIT(KVIEW_MEMORY);
	if (rc || memory_only)
		return rc;
	*what = "make the stand-in hierarchies";
	for (size_t i = 0; !rc && i < sizeof(standins) / sizeof(standins[0]); i++) {
		rc = make_standin(standins[i].dir, standins[i].files,
				  &m->dev[standins[i].hier]);
		m->made |= KVIEW_HIER_BIT(standins[i].hier);
	}
	/* The links a systemd host has beside a joint mount. */
	if (!rc && (symlink("cpu,cpuacct", KVIEW_CGROUP_DIR "/cpu") ||
		    symlink("cpu,cpuacct", KVIEW_CGROUP_DIR "/cpuacct")))
		rc = -errno;
	return rc;
}

int kview_mount_view(const char *root, dev_t dev, unsigned flags,
		     struct kview_mounts *m, const char **what)
{
	struct stat st;
	int rc = 0;
	memset(m, 0, sizeof(*m));
	m->dev[KVIEW_MEMORY] = dev;
	*what = "enter a new mount namespace";
	if (unshare(CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return -errno;
	*what = "clone the memcgfs mount";
	int tree = open_tree(AT_FDCWD, root, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (tree < 0)
		return -errno;
	if (flags & KVIEW_V2_HOST) {
		*what = "mount a cgroup2 hierarchy on " KVIEW_CGROUP_DIR;
		detach_all(KVIEW_CGROUP_DIR);
		if (mount("cgroup2", KVIEW_CGROUP_DIR, "cgroup2",
			  MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL))
			rc = -errno;
	}
	if (!rc && (stat(KVIEW_MEMORY_DIR, &st) || !S_ISDIR(st.st_mode)))
		rc = make_cgroup_dir(m, flags & KVIEW_MEMORY_ONLY, what);
	if (!rc && !on_dev(KVIEW_MEMORY_DIR, dev)) {
		*what = "mount memcgfs on " KVIEW_MEMORY_DIR;
		detach_all(KVIEW_MEMORY_DIR);
		rc = attach(tree, KVIEW_MEMORY_DIR);
	}
	close(tree);
	return rc;
}
