/* cgroup.event_control, read as the kernel's memcg_write_event_control()
 * reads it: "EVENTFD_FD TARGET_FD ARGS" after stripping surrounding
 * blanks, each number decimal digits only; then EBADF for a descriptor
 * the writer does not have, EINVAL for an eventfd that is none, a target
 * that is not memory.usage_in_bytes, memory.memsw.usage_in_bytes,
 * memory.oom_control or memory.pressure_level of this very group, or bad
 * ARGS. */
#include "event_control.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "host/listener.h"
#include "host/proc.h"
#include "lib/parse.h"
#include "ops.h"

static int own_mnt_id = -1;

void event_control_set_mount(int mnt_id)
{
	own_mnt_id = mnt_id;
}

/* The kernel's simple_strtoul(s, end, 10): leading digits, else 0 and
 * *end == s.  Too large a number is no descriptor anyone has. */
static long leading_fd(const char *s, const char **end)
{
	long v = 0;

	for (*end = s; isdigit((unsigned char)**end); (*end)++)
		v = v > 1 << 20 ? v : v * 10 + (**end - '0');
	return v > 1 << 20 ? 1 << 30 : v;
}

/* Which event a target file of m names; -EINVAL for any other file. */
static int target_event(struct memcg *m, int fd, enum memcg_event *ev)
{
	struct memcg *t;
	uint64_t ino;
	int mnt_id, idx, err;

	err = fd_identity(fd, &mnt_id, &ino);
	if (err || mnt_id != own_mnt_id)
		return -EINVAL;
	t = inode_group((fuse_ino_t)ino, &idx);
	if (!t)
		return -EINVAL;
	memcg_put(t);
	if (t != m || idx < 0)
		return -EINVAL;
	if (!strcmp(ctl_files[idx].name, "memory.usage_in_bytes"))
		*ev = MEMCG_EVENT_USAGE;
	else if (!strcmp(ctl_files[idx].name, "memory.memsw.usage_in_bytes"))
		*ev = MEMCG_EVENT_MEMSW;
	else if (!strcmp(ctl_files[idx].name, "memory.oom_control"))
		*ev = MEMCG_EVENT_OOM;
	else if (!strcmp(ctl_files[idx].name, "memory.pressure_level"))
		*ev = MEMCG_EVENT_PRESSURE;
	else
		return -EINVAL;
	return 0;
}

/* A threshold as the kernel's page_counter_memparse(args, "-1"): a size
 * rounded down to pages, "-1" the most, nothing 0. */
static int parse_threshold(const char *args, long *pages)
{
	int err = parse_limit(args, strlen(args), memcg_config()->page_size,
			      memcg_max_pages(), pages);

	if (err == PARSE_EMPTY) {
		*pages = 0;
		err = 0;
	} else if (err && *args && !args[strspn(args, "0123456789")]) {
		/* Digits past 64 bits: the kernel's memparse wraps, and the
		 * write succeeds; the most is as good a reading. */
		*pages = memcg_max_pages();
		err = 0;
	}
	return err;
}

/* The word of words[] that [s, s + len) is, or -1. */
static int word_index(const char *const *words, int n, const char *s, size_t len)
{
	for (int i = 0; i < n; i++)
		if (strlen(words[i]) == len && !strncmp(words[i], s, len))
			return i;
	return -1;
}

/* Pressure ARGS as the kernel's vmpressure_register_event(): a level,
 * then optionally ",mode"; what follows a second comma is ignored, and
 * only the first 19 bytes count. */
static int parse_pressure(const char *args, long *arg)
{
	static const char *const levels[] = { "low", "medium", "critical" };
	static const char *const modes[] = { "default", "hierarchy", "local" };
	size_t len = strnlen(args, 19), cut = strcspn(args, ",");
	int level, mode = MEMCG_PRESSURE_DEFAULT;

	if (cut > len)
		cut = len;
	level = word_index(levels, 3, args, cut);
	if (level < 0)
		return -EINVAL;
	if (cut < len) {
		const char *m = args + cut + 1;
		size_t mlen = strcspn(m, ",");

		if (mlen > len - cut - 1)
			mlen = len - cut - 1;
		mode = word_index(modes, 3, m, mlen);
		if (mode < 0)
			return -EINVAL;
	}
	*arg = level + 3L * mode;
	return 0;
}

int write_event_control(struct memcg *m, const struct ctl_file *f,
			const char *buf, size_t len, const struct ctl_ctx *ctx)
{
	char line[CTL_WRITE_MAX + 1];
	const char *s, *end, *args;
	enum memcg_event ev;
	struct proc_task pt;
	long efd, cfd, arg = 0;
	int ours, target, err;

	(void)f;
	/* The text ends at its first NUL; blanks around it go. */
	len = strnlen(buf, len);
	while (len && isspace((unsigned char)buf[len - 1]))
		len--;
	memcpy(line, buf, len);
	line[len] = '\0';
	for (s = line; isspace((unsigned char)*s); s++)
		;
	efd = leading_fd(s, &end);
	if (*end != ' ')
		return -EINVAL;
	cfd = leading_fd(end + 1, &end);
	if (*end == '\0')
		args = end;
	else if (*end == ' ')
		args = end + 1;
	else
		return -EINVAL;

	if (proc_task_info(ctx->pid, &pt) < 0)
		return -EINVAL;		/* the writer is gone */
	ours = fd_take(ctx->pid, pt.tgid, (int)efd);
	if (ours < 0)
		return ours == -EBADF ? -EBADF : -EINVAL;
	if (!fd_is_eventfd(ours)) {
		close(ours);
		return -EINVAL;
	}
	target = fd_take(ctx->pid, pt.tgid, (int)cfd);
	if (target < 0) {
		close(ours);
		return target == -EBADF ? -EBADF : -EINVAL;
	}
	err = target_event(m, target, &ev);
	close(target);
	if (!err && ev == MEMCG_EVENT_PRESSURE)
		err = parse_pressure(args, &arg);
	else if (!err && ev != MEMCG_EVENT_OOM)
		err = parse_threshold(args, &arg);
	if (err) {
		close(ours);
		return err;
	}
	return listener_add(m, ev, arg, ours, pt.tgid, (int)efd);
}
