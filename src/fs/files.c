/* The control-file table and its handlers (memcgfs(8) FILES IN EACH GROUP).  Handlers parse with
 * parse.c and call the engine; they never touch FUSE. */
#include "files.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "engine/oom.h"
#include "engine/reclaim.h"
#include "engine/stat.h"
#include "engine/task.h"
#include "workload/workload.h"
#include "lib/parse.h"
#include "lib/pids.h"
#include "host/pagetrack.h"
#include "host/pidwatch.h"
#include "host/proc.h"
#include "host/release.h"
#include "event_control.h"
#include "render.h"

static long page_bytes(void)
{
	return (long)memcg_config()->page_size;
}

/* ---- counters: usage, limit, max_usage, failcnt ---------------------- */

static int read_counter(struct memcg *m, const struct ctl_file *f,
			struct strbuf *sb)
{
	struct memcg_counter c;
	long v = 0;

	memcg_read_counter(m, f->res, &c);
	switch (f->field) {
	case CTL_USAGE:
		v = c.usage * page_bytes();
		break;
	case CTL_LIMIT:
		v = c.limit * page_bytes();
		break;
	case CTL_MAX_USAGE:
		v = c.max_usage * page_bytes();
		break;
	case CTL_FAILCNT:
		v = c.failcnt;
		break;
	}
	strbuf_addf(sb, "%ld\n", v);
	return 0;
}

static int write_limit(struct memcg *m, const struct ctl_file *f,
		       const char *buf, size_t len, const struct ctl_ctx *ctx)
{
	long pages;
	int rc = parse_limit(buf, len, memcg_config()->page_size,
			     memcg_max_pages(), &pages);

	if (rc)
		return rc == PARSE_EMPTY ? 0 : rc;
	return memcg_set_limit(m, f->res, pages);
}

/* failcnt and max_usage: any content resets, as on the kernel. */
static int write_reset(struct memcg *m, const struct ctl_file *f,
		       const char *buf, size_t len, const struct ctl_ctx *ctx)
{
	if (f->field == CTL_FAILCNT)
		memcg_reset_failcnt(m, f->res);
	else
		memcg_reset_max_usage(m, f->res);
	return 0;
}

static int read_soft_limit(struct memcg *m, const struct ctl_file *f,
			   struct strbuf *sb)
{
	strbuf_addf(sb, "%ld\n", memcg_soft_limit(m) * page_bytes());
	return 0;
}

static int write_soft_limit(struct memcg *m, const struct ctl_file *f,
			    const char *buf, size_t len,
			    const struct ctl_ctx *ctx)
{
	long pages;
	int rc = parse_limit(buf, len, memcg_config()->page_size,
			     memcg_max_pages(), &pages);

	if (rc)
		return rc == PARSE_EMPTY ? 0 : rc;
	return memcg_set_soft_limit(m, pages);
}

/* ---- integer settings ------------------------------------------------- */

static int read_setting(struct memcg *m, const struct ctl_file *f,
			struct strbuf *sb)
{
	strbuf_addf(sb, "%d\n", memcg_setting(m, f->setting));
	return 0;
}

static int write_setting(struct memcg *m, const struct ctl_file *f,
			 const char *buf, size_t len, const struct ctl_ctx *ctx)
{
	uint64_t v;

	if (parse_u64(buf, len, &v))
		return -EINVAL;
	return memcg_set_setting(m, f->setting, v);
}

static int read_zero(struct memcg *m, const struct ctl_file *f,
		     struct strbuf *sb)
{
	strbuf_add(sb, "0\n", 2);
	return 0;
}

static int read_oom_control(struct memcg *m, const struct ctl_file *f,
			    struct strbuf *sb)
{
	strbuf_addf(sb, "oom_kill_disable %d\nunder_oom %d\noom_kill %ld\n",
		    memcg_setting(m, MEMCG_OOM_KILL_DISABLE),
		    memcg_under_oom(m), memcg_oom_kills(m));
	return 0;
}

static int write_force_empty(struct memcg *m, const struct ctl_file *f,
			     const char *buf, size_t len,
			     const struct ctl_ctx *ctx)
{
	return memcg_force_empty(m);
}

/* ---- statistics --------------------------------------------------------- */

static int read_stat(struct memcg *m, const struct ctl_file *f,
		     struct strbuf *sb)
{
	render_memory_stat(m, sb);
	return 0;
}

static int read_numa_stat(struct memcg *m, const struct ctl_file *f,
			  struct strbuf *sb)
{
	render_numa_stat(m, sb);
	return 0;
}

static int read_slabinfo(struct memcg *m, const struct ctl_file *f,
			 struct strbuf *sb)
{
	render_slabinfo(m, sb);
	return 0;
}

static int read_dying(struct memcg *m, const struct ctl_file *f,
		      struct strbuf *sb)
{
	render_dying(sb);
	return 0;
}

/* ---- tasks and cgroup.procs ------------------------------------------- */

static bool is_procs(const struct ctl_file *f)
{
	return !strcmp(f->name, "cgroup.procs");
}

/* The root holds every live thread that no other group holds; a process
 * is listed in its cgroup.procs if any of its threads is. */
static long root_task_ids(bool procs, pid_t **out)
{
	struct proc_thread *all = NULL;
	long n = proc_all(&all), k = 0;
	pid_t *ids;

	if (n < 0)
		return n;
	ids = malloc(sizeof(*ids) * (size_t)(n ? n : 1));
	if (!ids) {
		free(all);
		return -ENOMEM;
	}
	for (long i = 0; i < n; i++)
		if (!task_in_child_group(all[i].tid))
			ids[k++] = procs ? all[i].tgid : all[i].tid;
	free(all);
	*out = ids;
	return pids_sort_unique(ids, k);
}

static int read_tasks(struct memcg *m, const struct ctl_file *f,
		      struct strbuf *sb)
{
	bool procs = is_procs(f);
	pid_t *ids = NULL;
	long n;

	if (memcg_is_root(m))
		n = root_task_ids(procs, &ids);
	else
		n = memcg_task_ids(m, procs, &ids);
	for (long i = 0; i < n; i++)
		strbuf_addf(sb, "%d\n", ids[i]);
	free(ids);
	return n < 0 ? (int)n : 0;
}

/* memcgfs(8) PERMISSIONS: the opener must be root or own the target (real or saved uid),
 * as the kernel's cgroup v1 attach check. */
static bool may_move(const struct ctl_ctx *ctx, const struct proc_task *t)
{
	return ctx->uid == 0 || ctx->uid == t->ruid || ctx->uid == t->suid;
}

/* Every thread of process tgid, its leader first: the leader carries the
 * process's charges (move_charge_at_immigrate), and if they cannot move,
 * no thread moves. */
static int move_process(struct memcg *m, pid_t tgid)
{
	pid_t *tids = NULL;
	long n = proc_threads(tgid, &tids);
	int moved = 0, err = -ESRCH, rc;

	if (n < 0)
		return (int)n;
	rc = pidwatch_move(tgid, tgid, m);
	if (rc && rc != -ESRCH) {
		free(tids);
		return rc;
	}
	moved += rc == 0;
	for (long i = 0; i < n; i++) {
		if (tids[i] == tgid)
			continue;
		rc = pidwatch_move(tids[i], tgid, m);
		if (rc == 0)
			moved++;
		else if (rc != -ESRCH)
			err = rc;	/* threads that died meanwhile don't count */
	}
	free(tids);
	return moved ? 0 : err;
}

static int write_tasks(struct memcg *m, const struct ctl_file *f,
		       const char *buf, size_t len, const struct ctl_ctx *ctx)
{
	struct proc_task t;
	pid_t pid;
	int rc;

	if (parse_task_id(buf, len, &pid))
		return -EINVAL;
	if (pid == 0)
		pid = ctx->pid;
	rc = proc_task_info(pid, &t);
	if (rc)
		return rc;
	if (proc_task_pinned(pid))
		return -EINVAL;	/* as the kernel, before the permission check */
	if (!may_move(ctx, &t))
		return -EACCES;
	if (is_procs(f) || pid == t.tgid)
		pagetrack_before_move(t.tgid);	/* its pages so far stay */
	if (is_procs(f))
		return move_process(m, t.tgid);
	return pidwatch_move(pid, t.tgid, m);
}

/* ---- root-only files ----------------------------------------------------- */

static int read_release_agent(struct memcg *m, const struct ctl_file *f,
			      struct strbuf *sb)
{
	char agent[RELEASE_AGENT_MAX + 1];

	release_agent_get(agent);
	strbuf_addf(sb, "%s\n", agent);
	return 0;
}

static int write_release_agent(struct memcg *m, const struct ctl_file *f,
			       const char *buf, size_t len,
			       const struct ctl_ctx *ctx)
{
	if (ctx->uid != 0)
		return -EPERM;
	/* As the kernel: surrounding whitespace is dropped. */
	if (!parse_trim(&buf, &len))
		return -EINVAL;
	return release_agent_set(buf, len);
}

/* A workload PID: a live host process, watched for exit from now on. */
static struct task *workload_task_of(pid_t pid, void *arg, int *err)
{
	const struct ctl_ctx *ctx = arg;
	struct proc_task t;

	if (pid == 0)
		pid = ctx->pid;
	*err = proc_task_info(pid, &t);
	return *err ? NULL : pidwatch_track(pid, t.tgid, err);
}

static void workload_refuse(const char *line, const char *why, void *arg)
{
	syslog(LOG_NOTICE, "memcgfs.workload: \"%s\": %s", line, why);
}

static int write_workload(struct memcg *m, const struct ctl_file *f,
			  const char *buf, size_t len,
			  const struct ctl_ctx *ctx)
{
	struct workload_env env = {
		.task_of = workload_task_of,
		.ctx = (void *)ctx,
		.refuse = workload_refuse,
	};

	if (ctx->uid != 0)
		return -EPERM;
	return workload_apply(buf, len, &env);
}

/* ---- the table ---------------------------------------------------------- */

#define COUNTER(n, md, r, fl, wr) \
	{ .name = n, .mode = md, .where = CTL_ALL, .read = read_counter, \
	  .write = wr, .res = r, .field = fl }
#define LIMIT(n, r) \
	{ .name = n, .mode = 0644, .where = CTL_ALL, .read = read_counter, \
	  .write = write_limit, .save = read_counter, .res = r, \
	  .field = CTL_LIMIT }
#define SETTING(n, s, rd) \
	{ .name = n, .mode = 0644, .where = CTL_ALL, .read = rd, \
	  .write = write_setting, .save = read_setting, .setting = s }
#define RO(n, rd, w) \
	{ .name = n, .mode = 0444, .where = w, .read = rd }

/* In readdir order: ASCII order, root-only files among the others. */
const struct ctl_file ctl_files[] = {
	SETTING("cgroup.clone_children", MEMCG_CLONE_CHILDREN, read_setting),
	{ .name = "cgroup.event_control", .mode = 0200, .where = CTL_ALL,
	  .write = write_event_control },
	{ .name = "cgroup.procs", .mode = 0644, .where = CTL_ALL,
	  .read = read_tasks, .write = write_tasks, .opener = true,
	  .follows_host = true },
	RO("cgroup.sane_behavior", read_zero, CTL_ROOT),
	RO("memcgfs.dying", read_dying, CTL_ROOT),
	{ .name = "memcgfs.workload", .mode = 0200, .where = CTL_ROOT,
	  .write = write_workload, .lines = true, .opener = true },
	COUNTER("memory.failcnt", 0644, MEMCG_RES_MEMORY, CTL_FAILCNT, write_reset),
	{ .name = "memory.force_empty", .mode = 0200, .where = CTL_ALL,
	  .write = write_force_empty },
	COUNTER("memory.kmem.failcnt", 0644, MEMCG_RES_KMEM, CTL_FAILCNT, write_reset),
	LIMIT("memory.kmem.limit_in_bytes", MEMCG_RES_KMEM),
	COUNTER("memory.kmem.max_usage_in_bytes", 0644, MEMCG_RES_KMEM, CTL_MAX_USAGE, write_reset),
	RO("memory.kmem.slabinfo", read_slabinfo, CTL_ALL),
	COUNTER("memory.kmem.tcp.failcnt", 0644, MEMCG_RES_TCP, CTL_FAILCNT, write_reset),
	LIMIT("memory.kmem.tcp.limit_in_bytes", MEMCG_RES_TCP),
	COUNTER("memory.kmem.tcp.max_usage_in_bytes", 0644, MEMCG_RES_TCP, CTL_MAX_USAGE, write_reset),
	COUNTER("memory.kmem.tcp.usage_in_bytes", 0444, MEMCG_RES_TCP, CTL_USAGE, NULL),
	COUNTER("memory.kmem.usage_in_bytes", 0444, MEMCG_RES_KMEM, CTL_USAGE, NULL),
	LIMIT("memory.limit_in_bytes", MEMCG_RES_MEMORY),
	COUNTER("memory.max_usage_in_bytes", 0644, MEMCG_RES_MEMORY, CTL_MAX_USAGE, write_reset),
	COUNTER("memory.memsw.failcnt", 0644, MEMCG_RES_MEMSW, CTL_FAILCNT, write_reset),
	LIMIT("memory.memsw.limit_in_bytes", MEMCG_RES_MEMSW),
	COUNTER("memory.memsw.max_usage_in_bytes", 0644, MEMCG_RES_MEMSW, CTL_MAX_USAGE, write_reset),
	COUNTER("memory.memsw.usage_in_bytes", 0444, MEMCG_RES_MEMSW, CTL_USAGE, NULL),
	SETTING("memory.move_charge_at_immigrate", MEMCG_MOVE_CHARGE, read_setting),
	RO("memory.numa_stat", read_numa_stat, CTL_ALL),
	SETTING("memory.oom_control", MEMCG_OOM_KILL_DISABLE, read_oom_control),
	/* Only a target for cgroup.event_control: reads and writes EINVAL. */
	{ .name = "memory.pressure_level", .mode = 0444, .where = CTL_ALL },
	{ .name = "memory.soft_limit_in_bytes", .mode = 0644, .where = CTL_ALL,
	  .read = read_soft_limit, .write = write_soft_limit,
	  .save = read_soft_limit },
	RO("memory.stat", read_stat, CTL_ALL),
	SETTING("memory.swappiness", MEMCG_SWAPPINESS, read_setting),
	COUNTER("memory.usage_in_bytes", 0444, MEMCG_RES_MEMORY, CTL_USAGE, NULL),
	SETTING("memory.use_hierarchy", MEMCG_USE_HIERARCHY, read_setting),
	SETTING("notify_on_release", MEMCG_NOTIFY_ON_RELEASE, read_setting),
	{ .name = "release_agent", .mode = 0644, .where = CTL_ROOT,
	  .read = read_release_agent, .write = write_release_agent,
	  .save = read_release_agent, .opener = true },
	{ .name = "tasks", .mode = 0644, .where = CTL_ALL,
	  .read = read_tasks, .write = write_tasks, .opener = true,
	  .follows_host = true },
};

const size_t ctl_nr_files = sizeof(ctl_files) / sizeof(ctl_files[0]);

_Static_assert(sizeof(ctl_files) / sizeof(ctl_files[0]) < (1u << CTL_SLOT_BITS) - 1,
	       "every control file's row must fit an inode's slot bits");

int ctl_find(const char *name, bool root)
{
	for (size_t i = 0; i < ctl_nr_files; i++)
		if (ctl_present(&ctl_files[i], root) &&
		    !strcmp(ctl_files[i].name, name))
			return (int)i;
	return -1;
}

bool ctl_name_reserved(const char *name)
{
	return ctl_find(name, true) >= 0;
}
