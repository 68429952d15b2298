/* readprobe: read a file one way and write exactly what came to stdout,
 * so that a test can compare every way of reading with read(2).
 *
 *   readprobe read PATH BUFSZ     read() with BUFSZ-byte calls until EOF
 *   readprobe pread PATH OFF      pread() from OFF until EOF
 *   readprobe reread PATH N       read once, then pread at 0 N more times
 *                                 on the same descriptor; prints the last
 *   readprobe sendfile PATH       sendfile() into a pipe
 *   readprobe splice PATH         splice() into a pipe
 *   readprobe copy PATH           copy_file_range() into a temporary file
 *   readprobe mmap PATH           mmap() MAP_PRIVATE, print the mapping
 *
 * A failing call prints "ERR NAME" (the errno's name) and nothing else;
 * exit status 0 either way, 2 on bad usage. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK 65536

static const char *errname(int e)
{
	switch (e) {
#define E(x) case x: return #x
	E(EPERM); E(ENOENT); E(EIO); E(EBADF); E(EACCES); E(EINVAL);
	E(ENODEV); E(EXDEV); E(ENOSYS); E(EOPNOTSUPP); E(ENOMEM);
#undef E
	default: return "EUNKNOWN";
	}
}

static int fail(void)
{
	printf("ERR %s\n", errname(errno));
	return 0;
}

static void out(const char *buf, size_t n)
{
	if (n && fwrite(buf, 1, n, stdout) != n)
		exit(1);
}

static int by_read(int fd, size_t bufsz)
{
	char *buf = malloc(bufsz);
	ssize_t n;

	if (!buf)
		return 2;
	while ((n = read(fd, buf, bufsz)) > 0)
		out(buf, (size_t)n);
	free(buf);
	return n < 0 ? fail() : 0;
}

static int by_pread(int fd, off_t off)
{
	char buf[CHUNK];
	ssize_t n;

	while ((n = pread(fd, buf, sizeof(buf), off)) > 0) {
		out(buf, (size_t)n);
		off += n;
	}
	return n < 0 ? fail() : 0;
}

static int by_reread(int fd, long times)
{
	char buf[CHUNK];
	ssize_t n = read(fd, buf, sizeof(buf));

	for (long i = 0; n >= 0 && i < times; i++)
		n = pread(fd, buf, sizeof(buf), 0);
	if (n < 0)
		return fail();
	out(buf, (size_t)n);
	return 0;
}

/* Drain what a sendfile or splice put into the pipe. */
static void drain(int rfd, ssize_t n)
{
	char buf[CHUNK];

	while (n > 0) {
		ssize_t got = read(rfd, buf, sizeof(buf) < (size_t)n ?
				   sizeof(buf) : (size_t)n);
		if (got <= 0)
			exit(1);
		out(buf, (size_t)got);
		n -= got;
	}
}

static int by_pipe(int fd, int use_splice)
{
	int p[2];
	ssize_t n;

	if (pipe(p) < 0)
		return 2;
	for (;;) {
		n = use_splice ? splice(fd, NULL, p[1], NULL, CHUNK, 0)
			       : sendfile(p[1], fd, NULL, CHUNK);
		if (n <= 0)
			break;
		drain(p[0], n);
	}
	return n < 0 ? fail() : 0;
}

static int by_copy(int fd)
{
	int t = open("/tmp", O_TMPFILE | O_RDWR, 0600);
	ssize_t n;

	if (t < 0)
		return 2;
	while ((n = copy_file_range(fd, NULL, t, NULL, CHUNK, 0)) > 0)
		;
	if (n < 0)
		return fail();
	lseek(t, 0, SEEK_SET);
	return by_read(t, CHUNK);
}

static int by_mmap(int fd)
{
	struct stat st;
	void *p;

	if (fstat(fd, &st) < 0)
		return fail();
	p = mmap(NULL, st.st_size ? (size_t)st.st_size : 4096, PROT_READ,
		 MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		return fail();
	out(p, (size_t)st.st_size);
	munmap(p, st.st_size ? (size_t)st.st_size : 4096);
	return 0;
}

int main(int argc, char *argv[])
{
	const char *how;
	int fd;

	if (argc < 3)
		return fprintf(stderr, "usage: readprobe HOW PATH [ARG]\n"), 2;
	how = argv[1];
	fd = open(argv[2], O_RDONLY);
	if (fd < 0)
		return fail();
	if (!strcmp(how, "read") && argc == 4)
		return by_read(fd, (size_t)atol(argv[3]));
	if (!strcmp(how, "pread") && argc == 4)
		return by_pread(fd, (off_t)atol(argv[3]));
	if (!strcmp(how, "reread") && argc == 4)
		return by_reread(fd, atol(argv[3]));
	if (!strcmp(how, "sendfile"))
		return by_pipe(fd, 0);
	if (!strcmp(how, "splice"))
		return by_pipe(fd, 1);
	if (!strcmp(how, "copy"))
		return by_copy(fd);
	if (!strcmp(how, "mmap"))
		return by_mmap(fd);
	return fprintf(stderr, "readprobe: bad usage\n"), 2;
}
