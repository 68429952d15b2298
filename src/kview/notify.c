/* Every open, openat, openat2, statfs and fstatfs of the view stops here.
 * Most are let through (SECCOMP_USER_NOTIF_FLAG_CONTINUE: the kernel then
 * performs the call itself, so a path that changes meanwhile cannot fool
 * anything but the view).  The rewritten /proc files are answered with a
 * read-only descriptor of a memfd holding the text, installed in the caller
 * and returned at once (SECCOMP_ADDFD_FLAG_SEND); statfs on memcgfs is
 * performed here and its result patched.  Before answering for a caller
 * whose memory was read, SECCOMP_IOCTL_NOTIF_ID_VALID checks that the
 * caller is still the one stopped in that call (the pid may be reused).
 * Models: the kernel's samples/seccomp/user-trap.c and
 * tools/testing/selftests/seccomp/seccomp_bpf.c. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "kview/groups.h"
#include "kview/notify.h"
#include "kview/text.h"

/* What a stopped call is, whichever entry point it came in by. */
enum call { CALL_OPEN, CALL_OPENAT, CALL_OPENAT2, CALL_STATFS, CALL_FSTATFS };

struct trap {
	__u32 nr;
	enum call call;
};

static const struct trap native[] = {
#ifdef __NR_open
	{ __NR_open, CALL_OPEN },
#endif
	{ __NR_openat, CALL_OPENAT },
	{ __NR_openat2, CALL_OPENAT2 },
	{ __NR_statfs, CALL_STATFS },
	{ __NR_fstatfs, CALL_FSTATFS },
};

#if defined(__x86_64__)
/* A 32-bit program's int 0x80 entry point: its opens (numbers from the
 * i386 table, arch/x86/entry/syscalls/syscall_32.tbl).  Its statfs calls
 * take the compat structs, which the view does not patch. */
static const struct trap compat[] = {
	{ 5, CALL_OPEN },
	{ 295, CALL_OPENAT },
	{ 437, CALL_OPENAT2 },
};
#endif

static const struct {
	__u32 arch;
	const struct trap *traps;
	size_t n;
} arches[] = {
#if defined(__x86_64__)
	{ AUDIT_ARCH_X86_64, native, sizeof(native) / sizeof(native[0]) },
	{ AUDIT_ARCH_I386, compat, sizeof(compat) / sizeof(compat[0]) },
#elif defined(__aarch64__)
	{ AUDIT_ARCH_AARCH64, native, sizeof(native) / sizeof(native[0]) },
#else
#error "the kernel view knows no audit arch for this machine"
#endif
};
#define NR_ARCHES (sizeof(arches) / sizeof(arches[0]))
#define MAX_FILTER 64

/* The call a notification is for; false if none of ours. */
static bool call_of(const struct seccomp_data *d, enum call *call)
{
	for (size_t a = 0; a < NR_ARCHES; a++)
		for (size_t i = 0; arches[a].arch == d->arch && i < arches[a].n; i++)
			if (arches[a].traps[i].nr == (__u32)d->nr) {
				*call = arches[a].traps[i].call;
				return true;
			}
	return false;
}

int kview_filter_install(void)
{
	/* Per arch: load arch, JEQ (else on to the next arch), load nr, one
	 * JEQ per trapped call (to USER_NOTIF), else jump to ALLOW.  Then
	 * ALLOW and USER_NOTIF.  BPF jumps only forward: the ends are last.
	 * Calls of other entry points (x86's x32) are let through: see the
	 * manual's limits. */
	struct sock_filter f[MAX_FILTER];
	size_t total = 0, n = 0;
	for (size_t a = 0; a < NR_ARCHES; a++)
		total += 4 + arches[a].n;
	if (total + 2 > MAX_FILTER)
		return -E2BIG;
	const size_t allow = total, notify = total + 1;
	for (size_t a = 0; a < NR_ARCHES; a++) {
		size_t size = 4 + arches[a].n;
		f[n] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
						    offsetof(struct seccomp_data, arch));
		n++;
		f[n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
						    arches[a].arch, 0, (__u8)(size - 2));
		n++;
		f[n] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
						    offsetof(struct seccomp_data, nr));
		n++;
		for (size_t i = 0; i < arches[a].n; i++, n++)
			f[n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
							    arches[a].traps[i].nr,
							    (__u8)(notify - n - 1), 0);
		f[n] = (struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA, (__u32)(allow - n - 1));
		n++;
	}
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF);
	struct sock_fprog prog = { .len = (unsigned short)n, .filter = f };

	long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
			  SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
	if (fd < 0 && errno == EACCES) {
		/* Without CAP_SYS_ADMIN a filter needs no_new_privs. */
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
			return -errno;
		fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
			     SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
	}
	return fd < 0 ? -errno : (int)fd;
}

/* ---- the caller's memory and descriptors ----------------------------------- */

/* Read the NUL-terminated string at addr in pid, a page at most at a time
 * so that a string ending just before an unmapped page is read whole. */
static bool read_string(pid_t pid, unsigned long addr, char *buf, size_t size)
{
	size_t got = 0;
	long page = sysconf(_SC_PAGESIZE);
	while (got < size) {
		size_t want = (size_t)page - ((addr + got) & ((size_t)page - 1));
		if (want > size - got)
			want = size - got;
		struct iovec local = { buf + got, want };
		struct iovec remote = { (void *)(addr + got), want };
		ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
		if (n <= 0)
			return false;
		if (memchr(buf + got, '\0', (size_t)n))
			return true;
		got += (size_t)n;
	}
	return false;
}

/* The target of the magic link /proc/PID/NAME into buf. */
static bool read_link(pid_t pid, const char *name, char *buf, size_t size)
{
	char link[64];
	snprintf(link, sizeof(link), "/proc/%d/%s", (int)pid, name);
	ssize_t n = readlink(link, buf, size - 1);
	if (n < 0)
		return false;
	buf[n] = '\0';
	return true;
}

/* Collapse "//", "." and ".." in the absolute path p, in place. */
static void normalize(char *p)
{
	char *out = p, *in = p;
	while (*in) {
		while (*in == '/')
			in++;
		char *end = strchrnul(in, '/');
		size_t len = (size_t)(end - in);
		if (len == 0 || (len == 1 && in[0] == '.')) {
		} else if (len == 2 && in[0] == '.' && in[1] == '.') {
			while (out > p && *--out != '/')
				;
		} else {
			*out++ = '/';
			memmove(out, in, len);
			out += len;
		}
		in = end;
	}
	if (out == p)
		*out++ = '/';
	*out = '\0';
}

/* Whether the last component of path, as given, is the name of a file the
 * view rewrites: the cheap test most opens fail.  A trailing slash fails
 * too, as the kernel's open of a file named so does (ENOTDIR). */
static bool view_name(const char *path)
{
	static const char *const names[] = { "cgroup", "mountinfo", "mounts", "cgroups" };
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(base, names[i]))
			return true;
	return false;
}

/* The path the caller named (string at addr, relative to dirfd), made
 * absolute and normalized as the caller sees it, into buf (PATH_MAX * 2);
 * with names_only, false unless it may name a rewritten file. */
static bool caller_path(pid_t tid, int dirfd, unsigned long addr, bool names_only,
			char *buf)
{
	char path[PATH_MAX];
	if (!read_string(tid, addr, path, sizeof(path)))
		return false;
	if (names_only && !view_name(path))
		return false;
	if (path[0] == '/') {
		strcpy(buf, path);
	} else {
		char fdname[32];
		if (dirfd == AT_FDCWD)
			strcpy(fdname, "cwd");
		else if (dirfd >= 0)
			snprintf(fdname, sizeof(fdname), "fd/%d", dirfd);
		else
			return false;
		if (!read_link(tid, fdname, buf, PATH_MAX) || buf[0] != '/')
			return false;
		strcat(buf, "/");
		strcat(buf, path);
	}
	normalize(buf);
	return true;
}

/* Fields "Tgid:" and "PPid:" of /proc/PID/status. */
static bool task_ids(pid_t pid, pid_t *tgid, pid_t *ppid)
{
	char name[64], line[256];
	snprintf(name, sizeof(name), "/proc/%d/status", (int)pid);
	FILE *f = fopen(name, "re");
	if (!f)
		return false;
	int found = 0;
	while (found < 2 && fgets(line, sizeof(line), f)) {
		int v;
		if (sscanf(line, "Tgid: %d", &v) == 1) {
			*tgid = v;
			found++;
		} else if (sscanf(line, "PPid: %d", &v) == 1) {
			*ppid = v;
			found++;
		}
	}
	fclose(f);
	return found == 2;
}

static pid_t tgid_of(pid_t tid)
{
	pid_t tgid = tid, ppid;
	task_ids(tid, &tgid, &ppid);
	return tgid;
}

/* Whether task is one of the view's processes: the supervisor is their
 * subreaper, so each of them has it as an ancestor while it lives. */
static bool in_view(const struct kview *kv, pid_t task)
{
	pid_t tgid, ppid;
	if (!task_ids(task, &tgid, &ppid))
		return false;
	for (int depth = 0; depth < 4096; depth++) {
		if (ppid == kv->supervisor)
			return true;
		if (ppid <= 1 || !task_ids(ppid, &tgid, &ppid))
			return false;
	}
	return false;
}

/* ---- which file ---------------------------------------------------------------- */

enum view_file { VIEW_NONE, VIEW_CGROUP, VIEW_MOUNTINFO, VIEW_MOUNTS, VIEW_CGROUPS };

/* Parse a decimal pid at *p, advancing it; 0 if there is none. */
static pid_t parse_id(const char **p)
{
	char *end;
	if (**p < '0' || **p > '9')
		return 0;
	long v = strtol(*p, &end, 10);
	*p = end;
	return v > 0 && v <= INT_MAX ? (pid_t)v : 0;
}

/* The file an absolute normalized path names, and whose (task). */
static enum view_file classify(const struct kview *kv, const char *path,
			       pid_t tid, pid_t *task)
{
	static const struct {
		const char *name;
		enum view_file file;
	} per_task[] = {
		{ "/cgroup", VIEW_CGROUP },
		{ "/mountinfo", VIEW_MOUNTINFO },
		{ "/mounts", VIEW_MOUNTS },
	};
	if (strncmp(path, "/proc/", 6))
		return VIEW_NONE;
	const char *p = path + 6;
	if (!strcmp(p, "cgroups"))
		return VIEW_CGROUPS;
	if (!strcmp(p, "mounts")) {
		*task = tgid_of(tid);
		return VIEW_MOUNTS;
	}
	bool own = true;
	if (!strncmp(p, "self", 4) && (p[4] == '/' || !p[4])) {
		*task = tgid_of(tid);
		p += 4;
	} else if (!strncmp(p, "thread-self/", 12)) {
		*task = tid;
		p += 11;
	} else if ((*task = parse_id(&p)) != 0) {
		own = false;
	} else {
		return VIEW_NONE;
	}
	if (!strncmp(p, "/task/", 6)) {
		p += 6;
		if (!(*task = parse_id(&p)))
			return VIEW_NONE;
		own = false;
	}
	for (size_t i = 0; i < sizeof(per_task) / sizeof(per_task[0]); i++)
		if (!strcmp(p, per_task[i].name))
			return own || in_view(kv, *task) ? per_task[i].file : VIEW_NONE;
	return VIEW_NONE;
}

/* ---- the texts ---------------------------------------------------------------------- */

static bool slurp(const char *name, struct strbuf *sb)
{
	int fd = open(name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	char buf[8192];
	ssize_t n;
	strbuf_add(sb, "", 0);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		strbuf_add(sb, buf, (size_t)n);
	close(fd);
	return n == 0 && !sb->oom;
}

/* The view's text of file for task into out; false if the host has none
 * (the task is gone): the kernel then answers the open itself. */
static bool render(const struct kview *kv, enum view_file file, pid_t task,
		   struct strbuf *out)
{
	static const char *const host_name[] = {
		[VIEW_CGROUP] = "cgroup", [VIEW_MOUNTINFO] = "mountinfo",
		[VIEW_MOUNTS] = "mounts",
	};
	char name[64];
	struct strbuf host, group;
	bool ok;
	strbuf_init(&host);
	if (file == VIEW_CGROUPS)
		snprintf(name, sizeof(name), "/proc/cgroups");
	else
		snprintf(name, sizeof(name), "/proc/%d/%s", (int)task, host_name[file]);
	ok = slurp(name, &host);
	if (ok) {
		switch (file) {
		case VIEW_CGROUP:
			strbuf_init(&group);
			groups_find(kv->rootfd, task, &group);
			text_cgroup(host.buf, group.oom ? "/" : group.buf,
				    &kv->layout, out);
			strbuf_release(&group);
			break;
		case VIEW_MOUNTINFO:
			text_mountinfo(host.buf, &kv->layout, out);
			break;
		case VIEW_MOUNTS:
			text_mounts(host.buf, &kv->layout, out);
			break;
		case VIEW_CGROUPS:
			text_cgroups(host.buf, &kv->layout,
				     groups_count(kv->rootfd), out);
			break;
		case VIEW_NONE:
			break;
		}
	}
	strbuf_release(&host);
	return ok && !out->oom;
}

/* A read-only descriptor of a memfd holding text, with the file status
 * flags of the caller's open. */
static int text_fd(const struct strbuf *text, int flags)
{
	int mfd = memfd_create("kview", MFD_CLOEXEC);
	if (mfd < 0)
		return -1;
	size_t done = 0;
	while (done < text->len) {
		ssize_t n = write(mfd, text->buf + done, text->len - done);
		if (n <= 0) {
			close(mfd);
			return -1;
		}
		done += (size_t)n;
	}
	char name[64];
	snprintf(name, sizeof(name), "/proc/self/fd/%d", mfd);
	int fd = open(name, O_RDONLY | O_CLOEXEC | (flags & (O_NONBLOCK | O_NOATIME)));
	close(mfd);
	return fd;
}

/* ---- answers ----------------------------------------------------------------------- */

/* Let the kernel perform the call; already answered; answer with resp. */
enum answer { ANSWER_CONTINUE, ANSWER_DONE, ANSWER_REPLY };

static bool still_valid(const struct kview *kv, __u64 id)
{
	return ioctl(kv->listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

static enum answer answer_open(const struct kview *kv,
			       const struct seccomp_notif *req,
			       struct seccomp_notif_resp *resp, int dirfd,
			       unsigned long addr, __u64 flags)
{
	char path[PATH_MAX * 2];
	pid_t task = 0;
	pid_t tid = (pid_t)req->pid;
	if ((flags & O_ACCMODE) != O_RDONLY ||
	    (flags & (O_PATH | O_DIRECTORY | O_CREAT | O_TRUNC)))
		return ANSWER_CONTINUE;
	if (!caller_path(tid, dirfd, addr, true, path))
		return ANSWER_CONTINUE;
	enum view_file file = classify(kv, path, tid, &task);
	if (file == VIEW_NONE)
		return ANSWER_CONTINUE;
	struct strbuf text;
	strbuf_init(&text);
	bool ok = render(kv, file, task, &text);
	int fd = ok ? text_fd(&text, (int)flags) : -1;
	strbuf_release(&text);
	if (fd < 0)
		return ANSWER_CONTINUE;
	if (!still_valid(kv, req->id)) {
		close(fd);
		return ANSWER_DONE;
	}
	struct seccomp_notif_addfd addfd = {
		.id = req->id,
		.flags = SECCOMP_ADDFD_FLAG_SEND,
		.srcfd = (__u32)fd,
		.newfd_flags = (__u32)(flags & O_CLOEXEC),
	};
	/* Installs the descriptor and makes it the call's result at once;
	 * on failure (the caller is gone, or out of descriptors) nothing is
	 * installed and the call is answered below. */
	int rc = ioctl(kv->listener, SECCOMP_IOCTL_NOTIF_ADDFD, &addfd);
	int err = errno;
	close(fd);
	if (rc >= 0 || err == ENOENT)
		return ANSWER_DONE;
	if (err != EMFILE)
		return ANSWER_CONTINUE;
	resp->error = -EMFILE;
	return ANSWER_REPLY;
}

#define TARGET_MAX (PATH_MAX * 2 + 128)

/* Which file a statfs or fstatfs names, as a path the supervisor can use. */
static bool statfs_target(const struct seccomp_notif *req, enum call call, char *buf)
{
	pid_t tid = (pid_t)req->pid;
	if (call == CALL_FSTATFS) {
		int fd = (int)req->data.args[0];
		if (fd < 0)
			return false;
		snprintf(buf, TARGET_MAX, "/proc/%d/fd/%d", (int)tid, fd);
		return true;
	}
	char path[PATH_MAX * 2];
	if (!caller_path(tid, AT_FDCWD, req->data.args[0], false, path))
		return false;
	/* /proc/self would be the supervisor's. */
	const char *rest = path;
	char self[64];
	if (!strncmp(path, "/proc/self", 10) && (path[10] == '/' || !path[10])) {
		snprintf(self, sizeof(self), "/proc/%d", (int)tgid_of(tid));
		rest = path + 10;
	} else if (!strncmp(path, "/proc/thread-self", 17) &&
		   (path[17] == '/' || !path[17])) {
		snprintf(self, sizeof(self), "/proc/%d/task/%d",
			 (int)tgid_of(tid), (int)tid);
		rest = path + 17;
	} else {
		self[0] = '\0';
	}
	return snprintf(buf, TARGET_MAX, "/proc/%d/root%s%s", (int)tid, self, rest) <
	       TARGET_MAX;
}

/* Whether dev is one of the view's hierarchies. */
static bool view_dev(const struct kview *kv, dev_t dev)
{
	for (int h = 0; h < KVIEW_NR_HIER; h++)
		if (kv->dev[h] && kv->dev[h] == dev)
			return true;
	return false;
}

/* statfs as the kernel's v1 hierarchy answers it (simple_statfs()). */
static void cgroup_statfs(struct statfs *sf)
{
	long page = sysconf(_SC_PAGESIZE);
	sf->f_type = CGROUP_SUPER_MAGIC;
	sf->f_bsize = page;
	sf->f_frsize = page;
	sf->f_blocks = sf->f_bfree = sf->f_bavail = 0;
	sf->f_files = sf->f_ffree = 0;
	sf->f_namelen = NAME_MAX;
}

static enum answer answer_statfs(const struct kview *kv,
				 const struct seccomp_notif *req, enum call call,
				 struct seccomp_notif_resp *resp)
{
	char target[TARGET_MAX];
	struct stat st;
	struct statfs sf;
	if (!statfs_target(req, call, target) || stat(target, &st) ||
	    !view_dev(kv, st.st_dev))
		return ANSWER_CONTINUE;
	if (statfs(target, &sf)) {
		resp->error = -errno;
		return ANSWER_REPLY;
	}
	cgroup_statfs(&sf);
	struct iovec local = { &sf, sizeof(sf) };
	struct iovec remote = { (void *)req->data.args[1], sizeof(sf) };
	if (!still_valid(kv, req->id))
		return ANSWER_DONE;
	if (process_vm_writev((pid_t)req->pid, &local, 1, &remote, 1, 0) !=
	    (ssize_t)sizeof(sf)) {
		resp->error = -EFAULT;
		return ANSWER_REPLY;
	}
	resp->val = 0;
	return ANSWER_REPLY;
}

/* openat2's flags, from the caller's struct open_how. */
static bool openat2_flags(const struct seccomp_notif *req, __u64 *flags)
{
	struct open_how how;
	if (req->data.args[3] < sizeof(how.flags))
		return false;
	struct iovec local = { &how.flags, sizeof(how.flags) };
	struct iovec remote = { (void *)req->data.args[2], sizeof(how.flags) };
	if (process_vm_readv((pid_t)req->pid, &local, 1, &remote, 1, 0) !=
	    (ssize_t)sizeof(how.flags))
		return false;
	*flags = how.flags;
	return true;
}

static enum answer answer(const struct kview *kv, const struct seccomp_notif *req,
			  struct seccomp_notif_resp *resp)
{
	const __u64 *a = req->data.args;
	__u64 flags = 0;
	enum call call;
	if (!call_of(&req->data, &call))
		return ANSWER_CONTINUE;
	switch (call) {
	case CALL_OPEN:
		return answer_open(kv, req, resp, AT_FDCWD, a[0], a[1]);
	case CALL_OPENAT:
		return answer_open(kv, req, resp, (int)a[0], a[1], a[2]);
	case CALL_OPENAT2:
		if (!openat2_flags(req, &flags))
			return ANSWER_CONTINUE;
		return answer_open(kv, req, resp, (int)a[0], a[1], flags);
	case CALL_STATFS:
	case CALL_FSTATFS:
		return answer_statfs(kv, req, call, resp);
	}
	return ANSWER_CONTINUE;
}

bool kview_handle(const struct kview *kv)
{
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;
	memset(&req, 0, sizeof(req));
	if (ioctl(kv->listener, SECCOMP_IOCTL_NOTIF_RECV, &req))
		/* ENOENT: the caller was killed before it was received. */
		return errno == EINTR || errno == ENOENT;
	memset(&resp, 0, sizeof(resp));
	resp.id = req.id;
	switch (answer(kv, &req, &resp)) {
	case ANSWER_DONE:
		return true;
	case ANSWER_CONTINUE:
		resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		break;
	case ANSWER_REPLY:
		break;
	}
	/* ENOENT: the caller is gone (killed, or its call interrupted). */
	if (ioctl(kv->listener, SECCOMP_IOCTL_NOTIF_SEND, &resp) && errno != ENOENT)
		return errno == EINTR;
	return true;
}
