/* A depth-first walk of the memcgfs tree read through its own files: the
 * daemon is the one place that knows a task's group, and it follows moves
 * and forks, so nothing is cached here. */
#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kview/groups.h"

/* Called for each group below the root with its directory and its path
 * relative to the root; true stops the walk. */
typedef bool (*group_fn)(int dirfd, const char *path, void *arg);

static bool walk(int dirfd, struct strbuf *path, group_fn fn, void *arg)
{
	int fd = dup(dirfd);
	if (fd < 0)
		return false;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return false;
	}
	rewinddir(d);	/* the duplicate shares the offset of the last walk */
	bool stop = false;
	struct dirent *e;
	while (!stop && (e = readdir(d))) {
		bool dir = e->d_type == DT_DIR || e->d_type == DT_UNKNOWN;
		if (!dir || !strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		int sub = openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (sub < 0)
			continue;	/* removed meanwhile */
		size_t len = path->len;
		strbuf_addf(path, "/%s", e->d_name);
		stop = fn(sub, path->buf, arg) || walk(sub, path, fn, arg);
		path->len = len;
		path->buf[len] = '\0';
		close(sub);
	}
	closedir(d);
	return stop;
}

static void walk_groups(int rootfd, group_fn fn, void *arg)
{
	struct strbuf path;
	strbuf_init(&path);
	strbuf_add(&path, "", 0);
	if (!path.oom)
		walk(rootfd, &path, fn, arg);
	strbuf_release(&path);
}

struct find {
	pid_t tid;
	struct strbuf *out;
};

/* Whether the tasks file of the group at dirfd lists tid. */
static bool lists(int dirfd, pid_t tid)
{
	int fd = openat(dirfd, "tasks", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	FILE *f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return false;
	}
	long id;
	bool found = false;
	while (!found && fscanf(f, "%ld", &id) == 1)
		found = id == tid;
	fclose(f);
	return found;
}

static bool find_one(int dirfd, const char *path, void *arg)
{
	struct find *fi = arg;
	if (!lists(dirfd, fi->tid))
		return false;
	strbuf_addf(fi->out, "%s", path);
	return true;
}

void groups_find(int rootfd, pid_t tid, struct strbuf *out)
{
	struct find fi = { .tid = tid, .out = out };
	size_t len = out->len;
	walk_groups(rootfd, find_one, &fi);
	if (out->len == len)
		strbuf_addf(out, "/");
}

static bool count_one(int dirfd, const char *path, void *arg)
{
	(void)dirfd;
	(void)path;
	++*(unsigned long *)arg;
	return false;
}

unsigned long groups_count(int rootfd)
{
	unsigned long n = 1;
	walk_groups(rootfd, count_one, &n);
	return n;
}
