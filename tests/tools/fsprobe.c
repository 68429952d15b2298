/* fsprobe: one file-system call per invocation, reporting the result as a
 * word a shell test can compare: "OK" (plus data for reads) or the errno's
 * symbolic name.  The same probe runs against memcgfs and the kernel's
 * cgroupfs, so differential tests compare like with like.
 *
 *   fsprobe write PATH DATA      one write() of DATA (C escapes: \n \t \\ \xHH)
 *   fsprobe put PATH SRC HOW     all of file SRC in one call, HOW: write
 *                                (write(2)), sendfile, or writev (one-byte
 *                                iovecs, at most IOV_MAX of them)
 *   fsprobe read PATH [BUFSZ]    open, read all with BUFSZ-byte reads, print
 *   fsprobe mkdir|rmdir|unlink|create PATH
 *   fsprobe rename OLD NEW | link OLD NEW | symlink TARGET PATH
 *   fsprobe truncate PATH SIZE | otrunc PATH
 *   fsprobe setxattr PATH | getxattr PATH | listxattr PATH
 *   fsprobe mode PATH            print octal mode, size, uid, gid
 *   fsprobe mknod PATH
 *   fsprobe procstate FILE CMD [ARG...]
 *                                write its signal mask, ignored signals and
 *                                open descriptors to FILE, then exec CMD
 *                                (what a parent handed to a child)
 *   fsprobe statfs PATH
 *   fsprobe fstype PATH HOW      print f_type (hex), f_bsize and f_namelen
 *                                from HOW: statfs, fstatfs (of an O_RDONLY
 *                                open) or fstatfs-path (of an O_PATH one)
 *
 * Exit status is 0 whenever the call was made (its outcome is printed), 2 on
 * bad usage. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <limits.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

static const char *errname(int e)
{
	switch (e) {
#define E(x) case x: return #x
	E(EPERM); E(ENOENT); E(ESRCH); E(EINTR); E(EIO); E(EBADF);
	E(EAGAIN); E(ENOMEM); E(EACCES); E(EBUSY); E(EEXIST); E(EXDEV);
	E(ENOTDIR); E(EISDIR); E(EINVAL); E(ENOSPC); E(EROFS); E(ERANGE);
	E(ENAMETOOLONG); E(ENOSYS); E(ENOTEMPTY); E(ENODATA); E(ENOTSUP);
	E(ENODEV); E(EFBIG); E(EOVERFLOW); E(E2BIG);
#undef E
	default: return "EUNKNOWN";
	}
}

static int report(int rc)
{
	if (rc < 0)
		printf("%s\n", errname(errno));
	else
		printf("OK\n");
	return 0;
}

static size_t unescape(const char *s, char *out)
{
	size_t n = 0;

	while (*s) {
		if (*s != '\\' || !s[1]) {
			out[n++] = *s++;
			continue;
		}
		s++;
		switch (*s) {
		case 'n': out[n++] = '\n'; s++; break;
		case 't': out[n++] = '\t'; s++; break;
		case '0': out[n++] = '\0'; s++; break;
		case 'x': {
			char hex[3] = { s[1], s[1] ? s[2] : 0, 0 };
			out[n++] = (char)strtol(hex, NULL, 16);
			s += 1 + strlen(hex);
			break;
		}
		default: out[n++] = *s++; break;
		}
	}
	return n;
}

/* Report a write-like call of len bytes that returned rc, then close fd:
 * SHORT N for a short count, else the errno of the call or of close(2)
 * (where a line kept by memcgfs.workload is applied), else OK. */
static int finish_write(int fd, ssize_t rc, size_t len)
{
	int err = rc < 0 ? errno : 0;

	if (rc >= 0 && (size_t)rc != len) {
		printf("SHORT %zd\n", rc);
		close(fd);
		return 0;
	}
	if (close(fd) < 0 && !err)
		err = errno;
	errno = err;
	return report(err ? -1 : 0);
}

static int do_write(const char *path, const char *data)
{
	char *buf = malloc(strlen(data) + 1);
	size_t len = unescape(data, buf);
	int fd = open(path, O_WRONLY);
	ssize_t rc;

	if (fd < 0) {
		free(buf);
		return report(-1);
	}
	rc = write(fd, buf, len);
	free(buf);
	return finish_write(fd, rc, len);
}

static int do_procstate(const char *file, char **cmd)
{
	char line[256], link[64], target[4096];
	FILE *in = fopen("/proc/self/status", "re"), *out = fopen(file, "we");
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *d;
	ssize_t n;

	if (!in || !out || !dir)
		return report(-1);
	while (fgets(line, sizeof(line), in))
		if (!strncmp(line, "SigBlk:", 7) || !strncmp(line, "SigIgn:", 7))
			fputs(line, out);
	fclose(in);
	while ((d = readdir(dir))) {
		int fd = atoi(d->d_name);

		if (d->d_name[0] == '.' || fd == dirfd(dir) || fd == fileno(out))
			continue;
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		n = readlink(link, target, sizeof(target) - 1);
		target[n > 0 ? n : 0] = '\0';
		fprintf(out, "fd %d %s\n", fd, target);
	}
	closedir(dir);
	fclose(out);
	execvp(cmd[0], cmd);
	return report(-1);
}

static int usage(void);

static int do_put(const char *path, const char *src, const char *how)
{
	int in = open(src, O_RDONLY), fd;
	struct iovec iov[IOV_MAX];
	struct stat st;
	ssize_t rc = -1;
	size_t len;
	char *buf;

	if (in < 0 || fstat(in, &st) < 0)
		return report(-1);
	len = (size_t)st.st_size;
	buf = malloc(len + 1);
	if (!buf || read(in, buf, len) != (ssize_t)len)
		return report(-1);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return report(-1);
	if (!strcmp(how, "write")) {
		rc = write(fd, buf, len);
	} else if (!strcmp(how, "sendfile")) {
		lseek(in, 0, SEEK_SET);
		rc = sendfile(fd, in, NULL, len);
	} else if (!strcmp(how, "writev") && len <= IOV_MAX) {
		for (size_t i = 0; i < len; i++)
			iov[i] = (struct iovec){ buf + i, 1 };
		rc = writev(fd, iov, (int)len);
	} else {
		return usage();
	}
	free(buf);
	close(in);
	return finish_write(fd, rc, len);
}

static int do_read(const char *path, size_t bufsz)
{
	int fd = open(path, O_RDONLY);
	size_t total = 0, cap = 4096;
	char *buf, *all;
	ssize_t n;

	if (fd < 0)
		return report(-1);
	buf = malloc(bufsz);
	all = malloc(cap);
	while ((n = read(fd, buf, bufsz)) > 0) {
		if (total + (size_t)n > cap) {
			cap = (total + (size_t)n) * 2;
			all = realloc(all, cap);
		}
		memcpy(all + total, buf, (size_t)n);
		total += (size_t)n;
	}
	if (n < 0) {
		report(-1);
	} else {
		printf("OK\n");
		fwrite(all, 1, total, stdout);
	}
	close(fd);
	free(buf);
	free(all);
	return 0;
}

static int do_fstype(const char *p, const char *how)
{
	struct statfs sfs;
	int rc, fd = -1;
	if (!strcmp(how, "statfs")) {
		rc = statfs(p, &sfs);
	} else if (!strcmp(how, "fstatfs") || !strcmp(how, "fstatfs-path")) {
		fd = open(p, how[7] ? O_PATH : O_RDONLY);
		if (fd < 0)
			return report(-1);
		rc = fstatfs(fd, &sfs);
	} else {
		fprintf(stderr, "fsprobe: fstype HOW is statfs, fstatfs or fstatfs-path\n");
		return 2;
	}
	int err = errno;
	if (fd >= 0)
		close(fd);
	errno = err;
	if (rc < 0)
		return report(-1);
	printf("OK\n%lx %ld %ld\n", (unsigned long)sfs.f_type, (long)sfs.f_bsize,
	       (long)sfs.f_namelen);
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: fsprobe OP PATH [ARG]\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *op, *p;
	struct stat st;
	struct statfs sfs;
	char xbuf[256];

	if (argc < 3)
		return usage();
	op = argv[1];
	p = argv[2];
	if (!strcmp(op, "write") && argc == 4)
		return do_write(p, argv[3]);
	if (!strcmp(op, "procstate") && argc >= 4)
		return do_procstate(p, argv + 3);
	if (!strcmp(op, "put") && argc == 5)
		return do_put(p, argv[3], argv[4]);
	if (!strcmp(op, "read"))
		return do_read(p, argc == 4 ? strtoul(argv[3], NULL, 10) : 65536);
	if (!strcmp(op, "mkdir"))
		return report(mkdir(p, 0755));
	if (!strcmp(op, "rmdir"))
		return report(rmdir(p));
	if (!strcmp(op, "unlink"))
		return report(unlink(p));
	if (!strcmp(op, "create")) {
		int fd = open(p, O_CREAT | O_EXCL | O_WRONLY, 0644);
		if (fd >= 0)
			close(fd);
		return report(fd);
	}
	if (!strcmp(op, "mknod"))
		return report(mknod(p, S_IFCHR | 0600, makedev(1, 3)));
	if (!strcmp(op, "rename") && argc == 4)
		return report(rename(p, argv[3]));
	if (!strcmp(op, "link") && argc == 4)
		return report(link(p, argv[3]));
	if (!strcmp(op, "symlink") && argc == 4)
		return report(symlink(p, argv[3]));
	if (!strcmp(op, "truncate") && argc == 4)
		return report(truncate(p, strtol(argv[3], NULL, 10)));
	if (!strcmp(op, "otrunc")) {
		int fd = open(p, O_WRONLY | O_TRUNC);
		if (fd >= 0)
			close(fd);
		return report(fd);
	}
	if (!strcmp(op, "setxattr"))
		return report(setxattr(p, "user.memcgfs", "1", 1, 0));
	if (!strcmp(op, "getxattr"))
		return report(getxattr(p, "user.memcgfs", xbuf, sizeof(xbuf)) < 0 ? -1 : 0);
	if (!strcmp(op, "listxattr"))
		return report(listxattr(p, xbuf, sizeof(xbuf)) < 0 ? -1 : 0);
	if (!strcmp(op, "mode")) {
		if (stat(p, &st) < 0)
			return report(-1);
		printf("OK\n%o %lld %u %u\n", (unsigned)(st.st_mode & 07777),
		       (long long)st.st_size, (unsigned)st.st_uid,
		       (unsigned)st.st_gid);
		return 0;
	}
	if (!strcmp(op, "statfs"))
		return report(statfs(p, &sfs));
	if (!strcmp(op, "fstype") && argc == 4)
		return do_fstype(p, argv[3]);
	return usage();
}
