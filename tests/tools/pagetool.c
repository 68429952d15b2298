/* A real program for the track=pages tests: it reads one command a line
 * on stdin and answers "ok" (or "ok PID" for fork, "err WHAT" on failure)
 * on stdout once the command's memory is in place, so a test can read
 * the group's statistics at a known state, the same way against the
 * kernel's controller and against memcgfs.
 *
 *   anon N         map N private anonymous pages and write each one
 *   file PATH N    map the first N pages of PATH shared, read each one
 *   shm N          attach an N-page SysV shared memory segment, write it
 *   mlock N        map N anonymous pages and mlock them
 *   read PATH      read(2) PATH through a small buffer (cache, no mapping)
 *   evict PATH     write PATH back and drop its cached pages
 *   fork           fork a child that shares every mapping and waits
 *   child anon N   the child maps and writes N anonymous pages of its own
 *   child write    the child writes every page of the first mapping (COW)
 *   unfork         the child exits
 *   pageout        ask the host to swap out the newest mapping
 *                  (madvise MADV_PAGEOUT, best effort); answers
 *                  "ok K", K the pages of it now in swap (pagemap)
 *   swapped        "ok K": the pages of the newest mapping in swap
 *   swapin         write every page of the newest mapping again
 *   free           unmap (detach) the newest mapping
 *   exit           exit
 *
 * Pages are written with a non-zero byte so none is the shared zero page.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_MAPS 64

struct mapping {
	char *addr;
	size_t len;
	bool shm;
};

static struct mapping maps[MAX_MAPS];
static int nr_maps;
static long page;
static pid_t child;
static int to_child = -1, from_child = -1;

static void touch(char *p, size_t len, bool write)
{
	volatile char sink;

	for (size_t off = 0; off < len; off += (size_t)page) {
		if (write)
			p[off] = 1;
		else
			sink = p[off];
	}
	(void)sink;
}

static int push(char *addr, size_t len, bool shm)
{
	if (nr_maps == MAX_MAPS)
		return -1;
	maps[nr_maps++] = (struct mapping){ addr, len, shm };
	return 0;
}

static int do_anon(long n, bool lock)
{
	size_t len = (size_t)n * (size_t)page;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -1;
	touch(p, len, true);
	if (lock && mlock(p, len) < 0)
		return -1;
	return push(p, len, false);
}

static int do_file(const char *path, long n)
{
	size_t len = (size_t)n * (size_t)page;
	int fd = open(path, O_RDONLY);
	char *p;

	if (fd < 0)
		return -1;
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return -1;
	touch(p, len, false);
	return push(p, len, false);
}

static int do_shm(long n)
{
	size_t len = (size_t)n * (size_t)page;
	int id = shmget(IPC_PRIVATE, len, IPC_CREAT | 0600);
	char *p;

	if (id < 0)
		return -1;
	p = shmat(id, NULL, 0);
	shmctl(id, IPC_RMID, NULL);	/* gone with its last detach */
	if (p == (void *)-1)
		return -1;
	touch(p, len, true);
	return push(p, len, true);
}

static int do_read(const char *path)
{
	char buf[4096];
	int fd = open(path, O_RDONLY);
	ssize_t r;

	if (fd < 0)
		return -1;
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		;
	close(fd);
	return r < 0 ? -1 : 0;
}

static int do_evict(const char *path)
{
	int fd = open(path, O_RDONLY);
	int r;

	if (fd < 0)
		return -1;
	r = fdatasync(fd) < 0 ? -1 :
	    posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) ? -1 : 0;
	close(fd);
	return r;
}

/* The pages of the newest mapping whose pagemap entry is a swap entry
 * (bit 62), or -1. */
static long swapped(void)
{
	struct mapping *m = nr_maps ? &maps[nr_maps - 1] : NULL;
	long n = 0, pages = m ? (long)(m->len / (size_t)page) : 0;
	int fd = m ? open("/proc/self/pagemap", O_RDONLY) : -1;

	if (fd < 0)
		return -1;
	for (long i = 0; i < pages && n >= 0; i++) {
		uint64_t e;
		off_t off = (off_t)(((uintptr_t)m->addr / (uintptr_t)page + (uintptr_t)i) *
				    sizeof(e));

		if (pread(fd, &e, sizeof(e), off) != sizeof(e))
			n = -1;
		else if (e >> 62 & 1)
			n++;
	}
	close(fd);
	return n;
}

/* MADV_PAGEOUT skips pages not on an LRU list yet (still in a per-CPU
 * batch of another CPU): a few more tries take those. */
static long do_pageout(void)
{
	struct mapping *m = nr_maps ? &maps[nr_maps - 1] : NULL;
	long n = -1, before;

	if (!m || m->shm)
		return -1;
	for (int try = 0; try < 8; try++) {
		before = n;
		if (madvise(m->addr, m->len, MADV_PAGEOUT) < 0)
			return -1;
		n = swapped();
		if (n < 0 || n == (long)(m->len / (size_t)page) || n == before)
			break;
	}
	return n;
}

static int do_swapin(void)
{
	if (!nr_maps || maps[nr_maps - 1].shm)
		return -1;
	touch(maps[nr_maps - 1].addr, maps[nr_maps - 1].len, true);
	return 0;
}

static int do_free(void)
{
	struct mapping *m;

	if (!nr_maps)
		return -1;
	m = &maps[--nr_maps];
	return m->shm ? shmdt(m->addr) : munmap(m->addr, m->len);
}

/* The child: runs "anon N" and "write" for its parent, answering on a
 * pipe, until its command pipe closes. */
static void child_loop(int in, int out)
{
	char line[256];
	FILE *f = fdopen(in, "r");

	while (f && fgets(line, sizeof(line), f)) {
		long n;
		int r = -1;

		if (sscanf(line, "anon %ld", &n) == 1)
			r = do_anon(n, false);
		else if (!strcmp(line, "write\n") && nr_maps)
			r = (touch(maps[0].addr, maps[0].len, true), 0);
		if (write(out, r ? "e" : "k", 1) != 1)
			break;
	}
	_exit(0);
}

static int do_fork(void)
{
	int down[2], up[2];

	if (child || pipe(down) < 0 || pipe(up) < 0)
		return -1;
	child = fork();
	if (child < 0)
		return -1;
	if (!child) {
		close(down[1]);
		close(up[0]);
		child_loop(down[0], up[1]);
	}
	close(down[0]);
	close(up[1]);
	to_child = down[1];
	from_child = up[0];
	return 0;
}

static int to_the_child(const char *cmd)
{
	char c;

	if (!child || write(to_child, cmd, strlen(cmd)) < 0 ||
	    read(from_child, &c, 1) != 1)
		return -1;
	return c == 'k' ? 0 : -1;
}

static int do_unfork(void)
{
	if (!child)
		return -1;
	close(to_child);
	close(from_child);
	waitpid(child, NULL, 0);
	child = 0;
	return 0;
}

/* The count a command answers with ("ok N"), or -1 for a plain "ok". */
static long counted = -1;

static int run(char *line)
{
	char path[4096];
	long n;

	if (sscanf(line, "anon %ld", &n) == 1)
		return do_anon(n, false);
	if (sscanf(line, "mlock %ld", &n) == 1)
		return do_anon(n, true);
	if (sscanf(line, "shm %ld", &n) == 1)
		return do_shm(n);
	if (sscanf(line, "file %4095s %ld", path, &n) == 2)
		return do_file(path, n);
	if (sscanf(line, "read %4095s", path) == 1)
		return do_read(path);
	if (sscanf(line, "evict %4095s", path) == 1)
		return do_evict(path);
	if (!strncmp(line, "child ", 6))
		return to_the_child(line + 6);
	if (!strcmp(line, "fork\n"))
		return do_fork();
	if (!strcmp(line, "unfork\n"))
		return do_unfork();
	if (!strcmp(line, "free\n"))
		return do_free();
	if (!strcmp(line, "pageout\n"))
		return (counted = do_pageout()) < 0 ? -1 : 0;
	if (!strcmp(line, "swapped\n"))
		return (counted = swapped()) < 0 ? -1 : 0;
	if (!strcmp(line, "swapin\n"))
		return do_swapin();
	return -1;
}

int main(void)
{
	char line[4200];

	page = sysconf(_SC_PAGESIZE);
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	while (fgets(line, sizeof(line), stdin)) {
		if (!strcmp(line, "exit\n"))
			break;
		counted = -1;
		if (run(line) < 0)
			printf("err %s", line);
		else if (!strcmp(line, "fork\n"))
			printf("ok %d\n", (int)child);
		else if (counted >= 0)
			printf("ok %ld\n", counted);
		else
			printf("ok\n");
	}
	if (child)
		do_unfork();
	return 0;
}
