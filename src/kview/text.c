/* Line by line rewrites of the host's /proc texts; every other line is
 * copied as the host has it.  The formats are the kernel's:
 * proc_cgroup_show() and proc_cgroupstats_show() in kernel/cgroup/,
 * show_mountinfo() and show_vfsmnt() in fs/proc_namespace.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kview/text.h"

#define MAX_FIELDS 32

/* Each hierarchy of the view: where it is, what the host mounted there,
 * and its controllers as the kernel lists them. */
static const struct {
	const char *dir;
	const char *host_fstype;
	const char *controllers;
} hier[KVIEW_NR_HIER] = {
	[KVIEW_MEMORY] = { KVIEW_MEMORY_DIR, "fuse.memcgfs", "memory" },
	[KVIEW_CPU] = { KVIEW_CPU_DIR, "tmpfs", "cpu,cpuacct" },
	[KVIEW_CPUSET] = { KVIEW_CPUSET_DIR, "tmpfs", "cpuset" },
	[KVIEW_BLKIO] = { KVIEW_BLKIO_DIR, "tmpfs", "blkio" },
	[KVIEW_PIDS] = { KVIEW_PIDS_DIR, "tmpfs", "pids" },
};

/* The next line of *p (without its newline) in line/len; false at the end. */
static bool next_line(const char **p, const char **line, size_t *len)
{
	if (!**p)
		return false;
	const char *nl = strchr(*p, '\n');
	*line = *p;
	*len = nl ? (size_t)(nl - *p) : strlen(*p);
	*p += *len + (nl != NULL);
	return true;
}

static void add_line(struct strbuf *out, const char *line, size_t len)
{
	strbuf_add(out, line, len);
	strbuf_add(out, "\n", 1);
}

/* Split a copy of line at blanks into at most MAX_FIELDS fields. */
static int split(char *copy, char **field)
{
	int n = 0;
	char *save = NULL;
	for (char *t = strtok_r(copy, " \t", &save); t && n < MAX_FIELDS;
	     t = strtok_r(NULL, " \t", &save))
		field[n++] = t;
	return n;
}

/* Whether the comma-separated list [s, s+len) holds word. */
static bool has_word(const char *s, size_t len, const char *word)
{
	size_t w = strlen(word);
	while (len > 0) {
		const char *comma = memchr(s, ',', len);
		size_t n = comma ? (size_t)(comma - s) : len;
		if (n == w && !memcmp(s, word, w))
			return true;
		if (!comma)
			break;
		len -= n + 1;
		s = comma + 1;
	}
	return false;
}

/* A /proc/PID/cgroup line "ID:CONTROLLERS:PATH": its id, and whether
 * memory is among its controllers. */
static long cgroup_line(const char *line, size_t len, bool *memory)
{
	const char *c1 = memchr(line, ':', len);
	*memory = false;
	if (!c1)
		return -1;
	const char *c2 = memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - line));
	if (c2)
		*memory = has_word(c1 + 1, (size_t)(c2 - c1 - 1), "memory");
	return strtol(line, NULL, 10);
}

void text_layout(const char *host, unsigned made, struct kview_layout *l)
{
	const char *p = host, *line;
	size_t len;
	long max = 0;
	memset(l, 0, sizeof(*l));
	if (made) {
		int id = 0;
		l->no_v1 = true;
		for (int h = 0; h < KVIEW_NR_HIER; h++)
			if (made & KVIEW_HIER_BIT(h))
				l->id[h] = ++id;
		return;
	}
	while (next_line(&p, &line, &len)) {
		bool memory;
		long id = cgroup_line(line, len, &memory);
		if (memory && id > 0) {
			l->id[KVIEW_MEMORY] = (int)id;
			return;
		}
		if (id > max)
			max = id;
	}
	l->id[KVIEW_MEMORY] = (int)max + 1;
}

/* A line for each of the view's hierarchies with an id between upto and
 * above (both excluded), highest first. */
static void add_hier_lines(const struct kview_layout *l, const char *group,
			   long above, long upto, struct strbuf *out)
{
	for (long id = above - 1; id > upto && id > 0; id--)
		for (int h = 0; h < KVIEW_NR_HIER; h++)
			if (l->id[h] == id)
				strbuf_addf(out, "%d:%s:%s\n", l->id[h], hier[h].controllers,
					    h == KVIEW_MEMORY ? group : "/");
}

/* The kernel prints hierarchies by descending id, the v2 one (0) last. */
void text_cgroup(const char *host, const char *group,
		 const struct kview_layout *l, struct strbuf *out)
{
	const char *p = host, *line;
	size_t len;
	long top = 0;
	for (int h = 0; h < KVIEW_NR_HIER; h++)
		if (l->id[h] >= top)
			top = l->id[h] + 1;
	long next = top;	/* ours below this are still to print */
	while (next_line(&p, &line, &len)) {
		bool memory;
		long id = cgroup_line(line, len, &memory);
		if (memory || (l->no_v1 && id != 0))
			continue;
		if (id < next) {
			add_hier_lines(l, group, next, id, out);
			next = id < 0 ? 0 : id;
		}
		add_line(out, line, len);
	}
	add_hier_lines(l, group, next, 0, out);
}

/* The view's hierarchy mounted at dir as host_fstype, or -1. */
static int hier_at(const struct kview_layout *l, const char *dir, const char *fstype)
{
	for (int h = 0; h < KVIEW_NR_HIER; h++)
		if (l->id[h] && !strcmp(dir, hier[h].dir) &&
		    !strcmp(fstype, hier[h].host_fstype))
			return h;
	return -1;
}

/* "rw" or "ro": the first of a super-block's options. */
static const char *rw_of(const char *opts)
{
	return strncmp(opts, "ro", 2) || (opts[2] && opts[2] != ',') ? "rw" : "ro";
}

void text_mountinfo(const char *host, const struct kview_layout *l,
		    struct strbuf *out)
{
	const char *p = host, *line;
	size_t len;
	while (next_line(&p, &line, &len)) {
		char *copy = strndup(line, len);
		char *field[MAX_FIELDS];
		int n = copy ? split(copy, field) : 0;
		int sep = 6, h = -1;
		while (sep < n && strcmp(field[sep], "-"))
			sep++;
		if (sep + 3 < n)
			h = hier_at(l, field[4], field[sep + 1]);
		const char *dash = strstr(line, " - ");
		if (h >= 0 && dash) {
			/* The mount's own part up to " - " stays as it is. */
			strbuf_add(out, line, (size_t)(dash - line));
			strbuf_addf(out, " - cgroup cgroup %s,%s\n",
				    rw_of(field[sep + 3]), hier[h].controllers);
		} else {
			add_line(out, line, len);
		}
		free(copy);
	}
}

/* The per-mount flags show_vfsmnt() prints before a filesystem's own. */
static bool mount_flag(const char *opt)
{
	static const char *const flags[] = {
		"rw", "ro", "nosuid", "nodev", "noexec", "sync", "dirsync",
		"mand", "noatime", "nodiratime", "relatime", "strictatime",
		"lazytime", "nosymfollow",
	};
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (!strcmp(opt, flags[i]))
			return true;
	return false;
}

void text_mounts(const char *host, const struct kview_layout *l,
		 struct strbuf *out)
{
	const char *p = host, *line;
	size_t len;
	while (next_line(&p, &line, &len)) {
		char *copy = strndup(line, len);
		char *field[MAX_FIELDS];
		int n = copy ? split(copy, field) : 0;
		int h = n >= 4 ? hier_at(l, field[1], field[2]) : -1;
		if (h >= 0) {
			strbuf_addf(out, "cgroup %s cgroup ", field[1]);
			char *save = NULL;
			for (char *o = strtok_r(field[3], ",", &save); o;
			     o = strtok_r(NULL, ",", &save))
				if (mount_flag(o))
					strbuf_addf(out, "%s,", o);
			strbuf_addf(out, "%s 0 0\n", hier[h].controllers);
		} else {
			add_line(out, line, len);
		}
		free(copy);
	}
}

/* The view's hierarchy holding controller name, or -1. */
static int hier_of(const struct kview_layout *l, const char *name)
{
	for (int h = 0; h < KVIEW_NR_HIER; h++)
		if (l->id[h] && has_word(hier[h].controllers,
					 strlen(hier[h].controllers), name))
			return h;
	return -1;
}

void text_cgroups(const char *host, const struct kview_layout *l,
		  unsigned long ngroups, struct strbuf *out)
{
	const char *p = host, *line;
	size_t len;
	bool memory = false;
	while (next_line(&p, &line, &len)) {
		char *copy = strndup(line, len);
		char *field[MAX_FIELDS];
		int n = copy ? split(copy, field) : 0;
		int h = n == 4 && field[0][0] != '#' ? hier_of(l, field[0]) : -1;
		if (h == KVIEW_MEMORY) {
			strbuf_addf(out, "memory\t%d\t%lu\t1\n", l->id[h], ngroups);
			memory = true;
		} else if (h >= 0) {
			strbuf_addf(out, "%s\t%d\t1\t1\n", field[0], l->id[h]);
		} else if (n == 4 && field[0][0] != '#' && l->no_v1) {
			strbuf_addf(out, "%s\t0\t%s\t%s\n", field[0], field[2], field[3]);
		} else {
			add_line(out, line, len);
		}
		free(copy);
	}
	if (!memory)
		strbuf_addf(out, "memory\t%d\t%lu\t1\n", l->id[KVIEW_MEMORY], ngroups);
}
