/* /proc readers; see proc.h. */
#include "proc.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/pids.h"
#include "lib/vec.h"

static int read_small_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

/* The whole of a /proc file of any length, NUL-terminated, in a malloc'ed
 * buffer: a seq_file hands out what one read asks for, so a fixed buffer
 * would silently cut the list (and the number at the cut). */
static char *read_whole_file(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0, cap = 0;
	char *buf = NULL;

	if (fd < 0)
		return NULL;
	for (;;) {
		ssize_t n;

		/* Room for a page more and the NUL. */
		if (!vec_reserve(&buf, &cap, len + 4096 + 1, 1))
			break;
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			if (n < 0) {
				free(buf);
				return NULL;
			}
			buf[len] = '\0';
			return buf;
		}
		len += (size_t)n;
	}
	close(fd);
	free(buf);
	return NULL;
}

/* "Name:\tvalue..." lines of /proc/X/status. */
static const char *status_field(const char *status, const char *key)
{
	size_t klen = strlen(key);

	for (const char *line = status; line && *line;) {
		if (!strncmp(line, key, klen) && line[klen] == ':')
			return line + klen + 1;
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return NULL;
}

int proc_task_info(pid_t tid, struct proc_task *out)
{
	char path[64], status[4096];
	const char *state, *tgid, *uid;
	unsigned long r, e, s;

	if (tid <= 0)
		return -ESRCH;
	snprintf(path, sizeof(path), "/proc/%d/status", tid);
	if (read_small_file(path, status, sizeof(status)))
		return -ESRCH;
	state = status_field(status, "State");
	tgid = status_field(status, "Tgid");
	uid = status_field(status, "Uid");
	if (!state || !tgid || !uid)
		return -ESRCH;
	while (isspace((unsigned char)*state))
		state++;
	if (*state == 'Z' || *state == 'X')
		return -ESRCH;
	if (sscanf(uid, "%lu %lu %lu", &r, &e, &s) != 3)
		return -ESRCH;
	out->tgid = (pid_t)strtol(tgid, NULL, 10);
	out->ruid = (uid_t)r;
	out->suid = (uid_t)s;
	return 0;
}

/* The fields of a /proc stat file after the command name, from the
 * state on (the name, in parentheses, may hold anything, so the last ')'
 * ends it); NULL if the file is gone or malformed. */
static const char *stat_fields(const char *stat_path, char *buf, size_t size)
{
	const char *paren;

	if (read_small_file(stat_path, buf, size))
		return NULL;
	paren = strrchr(buf, ')');
	return paren && paren[1] == ' ' && paren[2] ? paren + 2 : NULL;
}

static bool is_zombie(const char *stat_path)
{
	char buf[512];
	const char *f = stat_fields(stat_path, buf, sizeof(buf));

	return !f || *f == 'Z' || *f == 'X';	/* gone counts too */
}

/* Per-CPU kernel threads have PF_NO_SETAFFINITY; kthreadd, which
 * cgroup_init_kthreadd() marks no_cgroup_migration, is the kernel thread
 * with no parent.  Flags from include/linux/sched.h. */
#define PF_KTHREAD 0x00200000u
#define PF_NO_SETAFFINITY 0x04000000u

bool proc_task_pinned(pid_t tid)
{
	char path[64], buf[1024];
	unsigned int flags;
	const char *f;
	int ppid;

	snprintf(path, sizeof(path), "/proc/%d/stat", tid);
	f = stat_fields(path, buf, sizeof(buf));
	/* ppid is field 4, flags field 9; f starts at field 3, the state. */
	if (!f || sscanf(f, "%*c %d %*d %*d %*d %*d %u", &ppid, &flags) != 2)
		return false;
	return (flags & PF_NO_SETAFFINITY) ||
	       ((flags & PF_KTHREAD) && ppid == 0);
}

int proc_start_time(pid_t tgid, pid_t tid, unsigned long long *ticks)
{
	char path[96], buf[1024];
	const char *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", tgid, tid);
	f = stat_fields(path, buf, sizeof(buf));
	/* starttime is field 22; f starts at field 3, the state. */
	if (!f || sscanf(f, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
			 "%*u %*u %*d %*d %*d %*d %*d %*d %llu", ticks) != 1)
		return -ESRCH;
	return 0;
}


static pid_t numeric_name(const struct dirent *d)
{
	char *end;
	long v;

	if (!isdigit((unsigned char)d->d_name[0]))
		return 0;
	v = strtol(d->d_name, &end, 10);
	return *end ? 0 : (pid_t)v;
}

struct growable {
	void *items;
	size_t size, nr, cap;
};

static bool grow_push(struct growable *g, const void *item)
{
	if (!vec_reserve(&g->items, &g->cap, g->nr + 1, g->size))
		return false;
	memcpy((char *)g->items + g->nr++ * g->size, item, g->size);
	return true;
}

long proc_children(pid_t tgid, pid_t tid, pid_t **out)
{
	char path[96], *buf, *p, *end;
	struct growable g = { .size = sizeof(pid_t) };

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", tgid, tid);
	buf = read_whole_file(path);
	if (!buf)
		return -ESRCH;
	for (p = buf;; p = end) {
		pid_t child = (pid_t)strtol(p, &end, 10);

		if (end == p)
			break;
		if (!grow_push(&g, &child)) {
			free(g.items);
			free(buf);
			return -ENOMEM;
		}
	}
	free(buf);
	*out = g.items;
	return (long)g.nr;
}

/* Append the live threads of tgid to g; false on allocation failure. */
static bool collect_threads(pid_t tgid, struct growable *g, bool with_tgid)
{
	char path[64];
	struct dirent *d;
	DIR *dir;
	bool ok = true;

	snprintf(path, sizeof(path), "/proc/%d/task", tgid);
	dir = opendir(path);
	if (!dir)
		return true;	/* exited meanwhile */
	while (ok && (d = readdir(dir))) {
		struct proc_thread t = { numeric_name(d), tgid };
		char stat_path[96];

		if (!t.tid)
			continue;
		snprintf(stat_path, sizeof(stat_path), "/proc/%d/task/%d/stat",
			 tgid, t.tid);
		if (is_zombie(stat_path))
			continue;
		ok = with_tgid ? grow_push(g, &t) : grow_push(g, &t.tid);
	}
	closedir(dir);
	return ok;
}

long proc_threads(pid_t tgid, pid_t **out)
{
	struct growable g = { .size = sizeof(pid_t) };

	if (!collect_threads(tgid, &g, false)) {
		free(g.items);
		return -ENOMEM;
	}
	/* No thread left (the process exited after its status was read):
	 * an empty, NULL list, which pids_sort() takes. */
	pids_sort(g.items, (long)g.nr);
	*out = g.items;
	return (long)g.nr;
}

long proc_all(struct proc_thread **out)
{
	struct growable g = { .size = sizeof(struct proc_thread) };
	struct dirent *d;
	DIR *dir = opendir("/proc");
	bool ok = true;

	if (!dir)
		return -errno;
	while (ok && (d = readdir(dir))) {
		pid_t tgid = numeric_name(d);

		if (tgid)
			ok = collect_threads(tgid, &g, true);
	}
	closedir(dir);
	if (!ok) {
		free(g.items);
		return -ENOMEM;
	}
	*out = g.items;
	return (long)g.nr;
}

unsigned long long proc_mem_total(void)
{
	char buf[4096];
	const char *v;

	if (read_small_file("/proc/meminfo", buf, sizeof(buf)))
		return 0;
	v = status_field(buf, "MemTotal");
	return v ? strtoull(v, NULL, 10) * 1024ULL : 0;
}
