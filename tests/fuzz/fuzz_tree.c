/* Tree fuzzer: random writes into a mounted memcgfs, then its invariants.
 *
 *   fuzz_tree MOUNTPOINT ITERATIONS [SEED]
 *
 * Replays ITERATIONS random operations, deterministic from SEED, into the
 * tree mounted at MOUNTPOINT: one write(2) each to a random control file
 * of a random group (near-valid values, workload lines naming its own
 * sleeping children, noise, writes over 4096 bytes, NUL bytes), and mkdir
 * and rmdir.  Every CHECK_EVERY operations, and at the end, every group
 * must hold usage = total_cache + total_rss + kmem and memsw = usage +
 * total_swap with nothing negative, and the daemon must answer.  Then it
 * cleans up (every task back to the root, sleepers killed, every tag
 * freed, caches dropped, dead caches reaped, groups removed) and the
 * root's usage, memsw and kmem must be back to 0 and memcgfs.dying empty.
 * TAP on stdout; exit status 0 if everything held. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK_EVERY 250
#define NR_SLEEPERS 4
#define MAX_WRITE 9000

static const char *mnt;
static uint64_t rng;
static pid_t sleepers[NR_SLEEPERS];
static int failures;
static long nr_writes, nr_accepted;
static long long peak_usage;

/* The groups it plays with, parents before children. */
static const char *const groups[] = { "a", "b", "a/c", "a/d", "b/e", "a/c/f" };
#define NR_GROUPS (sizeof(groups) / sizeof(groups[0]))

/* Every control file a write may change (release_agent is left out: it
 * would run what the noise names). */
static const char *const files[] = {
	"cgroup.clone_children", "cgroup.procs", "memory.failcnt",
	"memory.force_empty", "memory.kmem.failcnt",
	"memory.kmem.limit_in_bytes", "memory.kmem.max_usage_in_bytes",
	"memory.kmem.tcp.failcnt", "memory.kmem.tcp.limit_in_bytes",
	"memory.kmem.tcp.max_usage_in_bytes", "memory.limit_in_bytes", "memory.max_usage_in_bytes",
	"memory.memsw.failcnt", "memory.memsw.limit_in_bytes",
	"memory.memsw.max_usage_in_bytes", "memory.move_charge_at_immigrate",
	"memory.oom_control", "memory.soft_limit_in_bytes",
	"memory.swappiness", "memory.use_hierarchy", "notify_on_release",
	"tasks", "memory.stat",
};
#define NR_FILES (sizeof(files) / sizeof(files[0]))

static uint64_t next(void)
{
	/* xorshift64* */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ULL;
}

static unsigned pick(unsigned n)
{
	return (unsigned)(next() % n);
}

static const char *one_of(const char *const *v, unsigned n)
{
	return v[pick(n)];
}
#define ONE_OF(...) one_of((const char *const[]){ __VA_ARGS__ }, \
	(unsigned)(sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(char *)))

__attribute__((format(printf, 1, 2)))
static void fail(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	failures++;
}

/* ---- generated content ---------------------------------------------- */

struct text {
	char buf[MAX_WRITE + 64];
	size_t len;
};

__attribute__((format(printf, 2, 3)))
static void add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->len >= sizeof(t->buf) - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->len, sizeof(t->buf) - t->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		t->len += (size_t)n < sizeof(t->buf) - t->len ?
			  (size_t)n : sizeof(t->buf) - t->len - 1;
}

static const char *size_word(void)
{
	static char own[32];

	switch (pick(4)) {
	case 0:
		snprintf(own, sizeof(own), "%u", pick(1u << 26));
		return own;
	case 1:
		snprintf(own, sizeof(own), "%uK", 4 * (1 + pick(4096)));
		return own;
	default:
		return ONE_OF("0", "-1", "4096", "4K", "64K", "1M", "8M", "16M",
			      "3G", "0x1000", "010", "1.5M", "abc", "", " 2M \n",
			      "18446744073709551616", "-2", "1M2", "16E");
	}
}

static pid_t some_pid(void)
{
	return pick(8) ? sleepers[pick(NR_SLEEPERS)] : 999999999;
}

static void workload_line(struct text *t)
{
	static const char *const caches[] = {
		"kmalloc-64", "kmalloc-4096", "dentry", "task_struct",
		"inode_cache", "fz:100", "fz:3000",
	};
	char cache[32], file[8], tag[8];

	snprintf(cache, sizeof(cache), "%s", one_of(caches, 7));
	snprintf(file, sizeof(file), "f%u", pick(4));
	snprintf(tag, sizeof(tag), "t%u", pick(8));
	switch (pick(11)) {
	case 0: case 1: case 2:
		add(t, "anon %d %s", some_pid(), size_word());
		break;
	case 3:
		add(t, pick(3) ? "free %d %s" : pick(2) ? "tcp %d %s" : "tcpfree %d %s",
		    some_pid(), size_word());
		break;
	case 4:
		add(t, "read %d %s %s", some_pid(), file, size_word());
		break;
	case 5:
		add(t, "map %d %s %s", some_pid(), file, size_word());
		break;
	case 6:
		add(t, "evict %s", file);
		break;
	case 7:
		add(t, "kmalloc %d %s %u %s", some_pid(), cache, 1 + pick(3000), tag);
		break;
	case 8:
		add(t, pick(2) ? "kfree %s" : "kfree %s %u", tag, pick(2000));
		break;
	case 9:
		add(t, "%s", ONE_OF("shrink", "shrink dentry", "reap", "drop_caches"));
		break;
	default:
		add(t, "%s", ONE_OF("bogus", "anon", "anon 1", "kfree", ""));
		break;
	}
}

/* Random bytes, some of them NUL, newlines and digits. */
static void noise(struct text *t, size_t n)
{
	static const char alphabet[] = "0123456789 \n\t-+xXkKmMgG.abc\0";

	while (n-- && t->len < MAX_WRITE)
		t->buf[t->len++] = pick(3) ? alphabet[pick(sizeof(alphabet))]
					   : (char)next();
}

/* What one write of file (a row of files[], or NULL for the workload)
 * holds. */
static void content(struct text *t, const char *file)
{
	unsigned kind = pick(10);

	t->len = 0;
	if (kind == 0) {
		noise(t, pick(300));
	} else if (kind == 1) {
		noise(t, 4000 + pick(MAX_WRITE - 4000));	/* over the bound */
	} else if (!file) {
		unsigned lines = 1 + pick(4);

		while (lines--) {
			workload_line(t);
			if (lines || pick(2))
				add(t, "\n");
		}
	} else if (!strcmp(file, "tasks") || !strcmp(file, "cgroup.procs")) {
		if (pick(4))
			add(t, "%d\n", some_pid());
		else
			add(t, "%s", ONE_OF("0", "08", "-1", "abc", "1 2", ""));
	} else if (strstr(file, "in_bytes")) {
		add(t, "%s", size_word());
	} else {
		add(t, "%u%s", pick(4) ? pick(4) : pick(300), pick(2) ? "\n" : "");
	}
	/* Cut it short now and then, or append a NUL and junk. */
	if (t->len && !pick(8))
		t->len = pick((unsigned)t->len);
	else if (!pick(12))
		add(t, "%c%s", '\0', "junk");
}

/* ---- the mount ---------------------------------------------------- */

static void path_of(char *out, size_t n, const char *group, const char *file)
{
	snprintf(out, n, "%s%s%s%s%s", mnt, group ? "/" : "", group ? group : "",
		 file ? "/" : "", file ? file : "");
}

/* Errors that mean the daemon is gone. */
static bool daemon_gone(int err)
{
	return err == ENOTCONN || err == ECONNABORTED || err == EIO;
}

static void note_errno(const char *what, const char *path, int err)
{
	if (daemon_gone(err))
		fail("%s %s: %s: the daemon is gone", what, path, strerror(err));
}

/* One write(2) of t to path; its errno (close's for a kept line), or 0. */
static int write_once(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY), err = 0;

	if (fd < 0) {
		note_errno("open", path, errno);
		return errno;
	}
	if (write(fd, buf, len) < 0)
		err = errno;
	if (close(fd) < 0 && !err)
		err = errno;
	note_errno("write", path, err);
	nr_writes++;
	nr_accepted += !err;
	return err;
}

static void write_str(const char *group, const char *file, const char *s)
{
	char path[4096];

	path_of(path, sizeof(path), group, file);
	write_once(path, s, strlen(s));
}

/* The whole of a file, NUL-terminated, in buf; false if unreadable. */
static bool read_file(const char *group, const char *file, char *buf,
		      size_t size)
{
	char path[4096];
	size_t len = 0;
	ssize_t n;
	int fd;

	path_of(path, sizeof(path), group, file);
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		note_errno("open", path, errno);
		return false;
	}
	while (len < size - 1 && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += (size_t)n;
	if (n < 0)
		note_errno("read", path, errno);
	close(fd);
	buf[len] = '\0';
	return n >= 0;
}

static bool group_exists(const char *group)
{
	char path[4096];
	struct stat st;

	path_of(path, sizeof(path), group, NULL);
	return stat(path, &st) == 0;
}

/* A number file, or a memory.stat line; -1 (with a failure) if missing. */
static long long number(const char *group, const char *file, const char *key)
{
	char buf[8192], *p = buf;
	size_t klen = key ? strlen(key) : 0;

	if (!read_file(group, file, buf, sizeof(buf)))
		return -1;
	if (key) {
		for (p = buf; p && strncmp(p, key, klen) | (p[klen] != ' ');) {
			p = strchr(p, '\n');
			p = p ? p + 1 : NULL;
		}
		if (!p) {
			fail("%s/%s: no %s", group ? group : "", file, key);
			return -1;
		}
		p += klen;
	}
	return strtoll(p, NULL, 10);
}

/* ---- checks -------------------------------------------------------- */

static void check_group(const char *group)
{
	const char *name = group ? group : "(root)";
	long long usage = number(group, "memory.usage_in_bytes", NULL),
		  memsw = number(group, "memory.memsw.usage_in_bytes", NULL),
		  kmem = number(group, "memory.kmem.usage_in_bytes", NULL),
		  cache = number(group, "memory.stat", "total_cache"),
		  rss = number(group, "memory.stat", "total_rss"),
		  swap = number(group, "memory.stat", "total_swap");

	if (usage < 0 || memsw < 0 || kmem < 0 || cache < 0 || rss < 0 || swap < 0)
		fail("%s: a negative value: usage %lld memsw %lld kmem %lld "
		     "cache %lld rss %lld swap %lld", name, usage, memsw, kmem,
		     cache, rss, swap);
	else if (usage != cache + rss + kmem)
		fail("%s: usage %lld != total_cache %lld + total_rss %lld + kmem %lld",
		     name, usage, cache, rss, kmem);
	else if (memsw != usage + swap)
		fail("%s: memsw %lld != usage %lld + total_swap %lld", name, memsw,
		     usage, swap);
	if (usage > peak_usage)
		peak_usage = usage;
}

static void check_all(void)
{
	check_group(NULL);
	for (size_t i = 0; i < NR_GROUPS; i++)
		if (group_exists(groups[i]))
			check_group(groups[i]);
}

/* ---- one random operation ------------------------------------------ */

static void operate(void)
{
	static struct text t;
	char path[4096];
	const char *group = pick(5) ? groups[pick(NR_GROUPS)] : NULL;
	unsigned what = pick(20);

	if (what == 0) {
		path_of(path, sizeof(path), groups[pick(NR_GROUPS)], NULL);
		if (mkdir(path, 0755) < 0)
			note_errno("mkdir", path, errno);
		return;
	}
	if (what == 1) {
		path_of(path, sizeof(path), groups[pick(NR_GROUPS)], NULL);
		if (rmdir(path) < 0)
			note_errno("rmdir", path, errno);
		return;
	}
	if (what < 9) {		/* the workload file, at the root */
		content(&t, NULL);
		path_of(path, sizeof(path), NULL, "memcgfs.workload");
	} else {
		const char *file = files[pick(NR_FILES)];

		content(&t, file);
		path_of(path, sizeof(path), group, file);
	}
	write_once(path, t.buf, t.len);
}

/* ---- setup and cleanup --------------------------------------------- */

static void start_sleepers(void)
{
	for (int i = 0; i < NR_SLEEPERS; i++) {
		sleepers[i] = fork();
		if (sleepers[i] < 0) {
			perror("fuzz_tree: fork");
			exit(1);
		}
		if (sleepers[i] == 0) {
			pause();
			_exit(0);
		}
	}
}

/* Move every task of group back to the root. */
static void empty_group(const char *group)
{
	static char buf[1 << 20];
	char *line, *save;

	if (!read_file(group, "tasks", buf, sizeof(buf)))
		return;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		write_str(NULL, "tasks", line);
}

static void cleanup(void)
{
	char buf[8192], line[32];
	long long usage, memsw, kmem;

	for (size_t i = NR_GROUPS; i-- > 0;)
		if (group_exists(groups[i]))
			empty_group(groups[i]);
	for (int i = 0; i < NR_SLEEPERS; i++) {
		kill(sleepers[i], SIGKILL);
		waitpid(sleepers[i], NULL, 0);
	}
	/* Every tag, "t" too: a line cut short can end in it. */
	write_str(NULL, "memcgfs.workload", "kfree t\n");
	for (int i = 0; i < 8; i++) {
		snprintf(line, sizeof(line), "kfree t%d\n", i);
		write_str(NULL, "memcgfs.workload", line);
	}
	write_str(NULL, "memcgfs.workload", "drop_caches\nreap\n");
	for (size_t i = NR_GROUPS; i-- > 0;) {
		path_of(buf, sizeof(buf), groups[i], NULL);
		if (group_exists(groups[i]) && rmdir(buf) < 0)
			fail("rmdir %s: %s", groups[i], strerror(errno));
	}
	write_str(NULL, "memcgfs.workload", "drop_caches\nreap\n");
	check_all();
	usage = number(NULL, "memory.usage_in_bytes", NULL);
	memsw = number(NULL, "memory.memsw.usage_in_bytes", NULL);
	kmem = number(NULL, "memory.kmem.usage_in_bytes", NULL);
	if (usage || memsw || kmem) {
		read_file(NULL, "memory.kmem.slabinfo", buf, sizeof(buf));
		fail("not back to 0 after cleanup: usage %lld memsw %lld kmem %lld;"
		     " root slabinfo:\n%s", usage, memsw, kmem, buf);
	}
	if (read_file(NULL, "memcgfs.dying", buf, sizeof(buf)) && buf[0])
		fail("groups still dying after cleanup:\n%s", buf);
}

int main(int argc, char **argv)
{
	uint64_t seed;
	long iterations;

	if (argc < 3) {
		fprintf(stderr, "usage: fuzz_tree MOUNTPOINT ITERATIONS [SEED]\n");
		return 2;
	}
	mnt = argv[1];
	iterations = strtol(argv[2], NULL, 10);
	seed = argc > 3 ? strtoull(argv[3], NULL, 0) : 0x6d656d636766737aULL;
	rng = seed ? seed : 1;
	start_sleepers();
	for (long i = 1; i <= iterations && !failures; i++) {
		operate();
		if (i % CHECK_EVERY == 0)
			check_all();
	}
	if (!failures)
		check_all();
	cleanup();
	printf("# %ld writes, %ld accepted; usage peaked at %lld bytes\n",
	       nr_writes, nr_accepted, peak_usage);
	printf("%s - %ld random operations (seed 0x%" PRIx64 "), invariants %s\n",
	       failures ? "not ok" : "ok", iterations, seed, failures ? "broken" : "held, all back to 0");
	return failures ? 1 : 0;
}
