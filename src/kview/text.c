/* Line by line rewrites of the host's /proc texts; every other line is
 * copied as the host has it.  The formats are the kernel's:
 * proc_cgroup_show() and proc_cgroupstats_show() in kernel/cgroup/,
 * show_mountinfo() and show_vfsmnt() in fs/proc_namespace.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kview/text.h"

#define MEMCGFS_FSTYPE "fuse.memcgfs"
#define MAX_FIELDS 32

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

/* Split a copy of line at spaces into at most MAX_FIELDS fields. */
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

int text_memory_id(const char *host, bool no_v1)
{
	const char *p = host, *line;
	size_t len;
	long max = 0;
	if (no_v1)
		return 1;
	while (next_line(&p, &line, &len)) {
		bool memory;
		long id = cgroup_line(line, len, &memory);
		if (memory && id > 0)
			return (int)id;
		if (id > max)
			max = id;
	}
	return (int)max + 1;
}

/* The kernel prints hierarchies by descending id, the v2 one (0) last. */
void text_cgroup(const char *host, const char *group, int memory_id,
		 bool no_v1, struct strbuf *out)
{
	const char *p = host, *line;
	size_t len;
	bool done = false;
	while (next_line(&p, &line, &len)) {
		bool memory;
		long id = cgroup_line(line, len, &memory);
		if (memory || (no_v1 && id != 0))
			continue;
		if (!done && id < memory_id) {
			strbuf_addf(out, "%d:memory:%s\n", memory_id, group);
			done = true;
		}
		strbuf_add(out, line, len);
		strbuf_add(out, "\n", 1);
	}
	if (!done)
		strbuf_addf(out, "%d:memory:%s\n", memory_id, group);
}

/* "rw" or "ro": the first of a super-block's options. */
static const char *rw_of(const char *opts)
{
	return strncmp(opts, "ro", 2) || (opts[2] && opts[2] != ',') ? "rw" : "ro";
}

void text_mountinfo(const char *host, struct strbuf *out)
{
	const char *p = host, *line;
	size_t len;
	while (next_line(&p, &line, &len)) {
		char *copy = strndup(line, len);
		char *field[MAX_FIELDS];
		int n = copy ? split(copy, field) : 0;
		int sep = 6;
		while (sep < n && strcmp(field[sep], "-"))
			sep++;
		if (sep + 3 < n &&
		    !strcmp(field[4], KVIEW_MEMORY_DIR) &&
		    !strcmp(field[sep + 1], MEMCGFS_FSTYPE)) {
			/* The mount's own part up to " - " stays as it is. */
			const char *dash = strstr(line, " - ");
			strbuf_add(out, line, (size_t)(dash - line));
			strbuf_addf(out, " - cgroup cgroup %s,memory\n",
				    rw_of(field[sep + 3]));
		} else {
			strbuf_add(out, line, len);
			strbuf_add(out, "\n", 1);
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

void text_mounts(const char *host, struct strbuf *out)
{
	const char *p = host, *line;
	size_t len;
	while (next_line(&p, &line, &len)) {
		char *copy = strndup(line, len);
		char *field[MAX_FIELDS];
		int n = copy ? split(copy, field) : 0;
		if (n >= 4 && !strcmp(field[1], KVIEW_MEMORY_DIR) &&
		    !strcmp(field[2], MEMCGFS_FSTYPE)) {
			strbuf_addf(out, "cgroup %s cgroup ", field[1]);
			char *save = NULL;
			for (char *o = strtok_r(field[3], ",", &save); o;
			     o = strtok_r(NULL, ",", &save))
				if (mount_flag(o))
					strbuf_addf(out, "%s,", o);
			strbuf_addf(out, "memory 0 0\n");
		} else {
			strbuf_add(out, line, len);
			strbuf_add(out, "\n", 1);
		}
		free(copy);
	}
}

void text_cgroups(const char *host, int memory_id, unsigned long ngroups,
		  bool no_v1, struct strbuf *out)
{
	const char *p = host, *line;
	size_t len;
	bool done = false;
	while (next_line(&p, &line, &len)) {
		char *copy = strndup(line, len);
		char *field[MAX_FIELDS];
		int n = copy ? split(copy, field) : 0;
		if (n == 4 && field[0][0] != '#' && !strcmp(field[0], "memory")) {
			strbuf_addf(out, "memory\t%d\t%lu\t1\n", memory_id, ngroups);
			done = true;
		} else if (n == 4 && field[0][0] != '#' && no_v1) {
			strbuf_addf(out, "%s\t0\t%s\t%s\n", field[0], field[2], field[3]);
		} else {
			strbuf_add(out, line, len);
			strbuf_add(out, "\n", 1);
		}
		free(copy);
	}
	if (!done)
		strbuf_addf(out, "memory\t%d\t%lu\t1\n", memory_id, ngroups);
}
