/* Unmounting what we mounted; see mount.h.
 *
 * The mount is found by its mount id in /proc/self/mountinfo, opened
 * O_PATH where it is now, checked through that descriptor (mount id,
 * device, a mount root), and detached through /proc/self/fd/N: umount2
 * follows that link to the very mount the descriptor holds, so no rename
 * or mount between the check and the umount can redirect it.  Only the
 * superblock's device is read, with AT_STATX_DONT_SYNC: no FUSE request,
 * which nobody would answer now that the loop has ended.  All of it only
 * while our FUSE connection lives: it holds the superblock, so its device
 * number is ours alone; mount ids and devices are reused after. */
#include "mount.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

struct mountinfo_line {
	int mnt_id;
	unsigned int major, minor;
	char path[PATH_MAX];
	char fstype[64];
};

/* Decode the octal escapes (\040 for a space ...) of mountinfo. */
static void unescape_mount_path(char *s)
{
	char *out = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] && s[3]) {
			*out++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 |
					(s[3] - '0'));
			s += 3;
		} else {
			*out++ = *s;
		}
	}
	*out = '\0';
}

static bool parse_line(const char *line, struct mountinfo_line *m)
{
	const char *sep = strstr(line, " - ");

	if (sscanf(line, "%d %*d %u:%u %*s %4095s", &m->mnt_id, &m->major,
		   &m->minor, m->path) != 4 ||
	    !sep || sscanf(sep + 3, "%63s", m->fstype) != 1)
		return false;
	unescape_mount_path(m->path);
	return true;
}

/* Call fn on each line of /proc/self/mountinfo until it returns true;
 * whether one did. */
static bool mountinfo_find(bool (*fn)(const struct mountinfo_line *m, void *arg),
			   void *arg)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	struct mountinfo_line m;
	char line[8192];
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = parse_line(line, &m) && fn(&m, arg);
	fclose(f);
	return found;
}

static bool at_path(const struct mountinfo_line *m, void *arg)
{
	return !strcmp(m->path, arg);
}

bool mountinfo_lists(const char *path)
{
	return mountinfo_find(at_path, (void *)path);
}

struct identify {
	const char *path;
	struct mount_ident *id;
	bool found;
};

/* Never stops: the newest mount on the path is the last listed. */
static bool newest_fuse(const struct mountinfo_line *m, void *arg)
{
	struct identify *x = arg;

	if (!strcmp(m->path, x->path) && !strncmp(m->fstype, "fuse", 4)) {
		*x->id = (struct mount_ident){ m->mnt_id, m->major, m->minor };
		x->found = true;
	}
	return false;
}

bool mount_identify(const char *path, struct mount_ident *id)
{
	struct identify x = { path, id, false };

	mountinfo_find(newest_fuse, &x);
	return x.found;
}

struct locate {
	const struct mount_ident *id;
	char *path;
};

static bool with_id(const struct mountinfo_line *m, void *arg)
{
	struct locate *l = arg;

	if (m->mnt_id != l->id->mnt_id || m->major != l->id->major ||
	    m->minor != l->id->minor)
		return false;
	memcpy(l->path, m->path, sizeof(m->path));
	return true;
}

/* Whether fd is the root of the mount id names. */
static bool is_ours(int fd, const struct mount_ident *id)
{
	struct statx st;

	return statx(fd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, STATX_MNT_ID,
		     &st) == 0 && (st.stx_mask & STATX_MNT_ID) &&
	       st.stx_mnt_id == (unsigned long long)id->mnt_id &&
	       st.stx_dev_major == id->major && st.stx_dev_minor == id->minor &&
	       (st.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

static void detach(const struct mount_ident *id)
{
	char path[PATH_MAX], link[64];
	struct locate l = { id, path };
	int fd;

	if (!mountinfo_find(with_id, &l))
		return;		/* unmounted already */
	fd = open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	if (is_ours(fd, id)) {
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		/* MNT_FORCE aborts the connection even while descriptors keep
		 * the superblock (no fusectl needed): it is gone, as we are. */
		umount2(link, MNT_DETACH | MNT_FORCE);
	}
	close(fd);
}

/* /sys/fs/fuse/connections/N/abort, N the device of an anonymous
 * superblock: nothing more reaches the daemon, and its fd polls POLLERR. */
static void abort_connection(const struct mount_ident *id)
{
	char path[96];
	int fd;

	if (id->major != 0)
		return;
	snprintf(path, sizeof(path), "/sys/fs/fuse/connections/%u/abort",
		 id->minor);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (write(fd, "1", 1) < 0)
		perror("memcgfs: cannot abort the FUSE connection");
	close(fd);
}

bool mount_connection_gone(int fuse_fd)
{
	struct pollfd pfd = { .fd = fuse_fd };

	return poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLERR);
}

bool mount_detach(const struct mount_ident *id, int fuse_fd)
{
	/* Once the connection is gone our superblock is too, and its mount
	 * id and device may already be another mount's. */
	if (mount_connection_gone(fuse_fd))
		return true;
	detach(id);
	abort_connection(id);
	return mount_connection_gone(fuse_fd);
}
