/* The state journal and its snapshots; see state.h and RESTART.  The
 * file's format is statefile.h's.  Every record states a fact as it was
 * read, so replaying one that a snapshot already holds changes nothing. */
#include "state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "engine/rcu.h"
#include "engine/task.h"
#include "host/listener.h"
#include "host/pagetrack.h"
#include "host/proc.h"
#include "host/ticker.h"
#include "lib/parse.h"
#include "lib/strbuf.h"
#include "lib/vec.h"
#include "charges.h"
#include "files.h"
#include "node.h"
#include "ops.h"
#include "statefile.h"

/* The journal is compacted into a snapshot once it is this big and
 * twice the last snapshot: each record is rewritten O(1) times. */
#define COMPACT_MIN (1L << 20)

static char private_dir[64];		/* ours to remove, or "" */
static char state_path[2 * PATH_MAX + 2];
static bool refuse_bad;

static pthread_mutex_t journal_lock = PTHREAD_MUTEX_INITIALIZER;
static int journal_fd = -1;
static size_t journal_size, snapshot_size;

/* The root's values before any restore: what a new group starts with,
 * unless it takes its parent's. */
static struct strbuf pristine[1u << CTL_SLOT_BITS];

/* ---- records ------------------------------------------------------------ */

static void add_group(struct strbuf *out, struct memcg *m)
{
	struct memcg *parent = memcg_parent(m);
	struct strbuf b;
	struct node_attr a;
	const char *name;

	strbuf_init(&b);
	group_node_get(memcg_priv(m), -1, &a);
	strbuf_addf(&b, "G %llu %llu %o %u %u ", (unsigned long long)memcg_id(m),
		    (unsigned long long)(parent ? memcg_id(parent) : 0),
		    (unsigned)a.mode, (unsigned)a.uid, (unsigned)a.gid);
	memcg_rcu_read_lock();
	name = memcg_name(m);
	statefile_add_escaped(&b, name, strlen(name));
	memcg_rcu_read_unlock();
	statefile_seal(out, &b);
	strbuf_release(&b);
}

/* A file's mode and owner; with all false only where they differ from
 * what a new group's file gets (the table's mode, the directory's owner). */
static void add_file(struct strbuf *out, struct memcg *m, int idx, bool all)
{
	struct group_node *n = memcg_priv(m);
	struct node_attr d, a;
	struct strbuf b;

	group_node_get(n, -1, &d);
	group_node_get(n, idx, &a);
	if (!all && a.mode == ctl_files[idx].mode && a.uid == d.uid &&
	    a.gid == d.gid)
		return;
	strbuf_init(&b);
	strbuf_addf(&b, "A %llu %s %o %u %u", (unsigned long long)memcg_id(m),
		    ctl_files[idx].name, (unsigned)a.mode, (unsigned)a.uid,
		    (unsigned)a.gid);
	statefile_seal(out, &b);
	strbuf_release(&b);
}

/* Row idx's value in m as its save handler gives it, without the
 * newline; false if the row keeps none there. */
static bool value_of(struct memcg *m, int idx, struct strbuf *sb)
{
	const struct ctl_file *f = &ctl_files[idx];

	sb->len = 0;
	if (!f->save || !ctl_present(f, memcg_is_root(m)) || f->save(m, f, sb))
		return false;
	while (sb->len && sb->buf[sb->len - 1] == '\n')
		sb->len--;
	return !sb->oom;
}

static bool same(const struct strbuf *a, const struct strbuf *b)
{
	return a->len == b->len && !memcmp(a->buf, b->buf, a->len);
}

/* With all false, only where a new group would not get it anyway: a new
 * group starts with the pristine value or takes its parent's. */
static void add_value(struct strbuf *out, struct memcg *m, int idx, bool all)
{
	struct memcg *parent = memcg_parent(m);
	struct strbuf v, pv, b;

	strbuf_init(&v);
	strbuf_init(&pv);
	strbuf_init(&b);
	if (!value_of(m, idx, &v))
		goto out;
	if (!all && same(&v, &pristine[idx]) &&
	    (!parent || (value_of(parent, idx, &pv) && same(&v, &pv))))
		goto out;
	strbuf_addf(&b, "V %llu %s ", (unsigned long long)memcg_id(m),
		    ctl_files[idx].name);
	statefile_add_escaped(&b, v.buf, v.len);
	statefile_seal(out, &b);
out:
	strbuf_release(&v);
	strbuf_release(&pv);
	strbuf_release(&b);
}

/* Where thread tid is now, with its start time; nothing if it is gone. */
static void add_task(struct strbuf *out, pid_t tid)
{
	unsigned long long start;
	struct proc_task t;
	struct memcg *m;
	struct strbuf b;

	if (proc_task_info(tid, &t) || proc_start_time(t.tgid, tid, &start))
		return;
	m = task_group_get(tid);
	strbuf_init(&b);
	strbuf_addf(&b, "T %d %llu %llu", (int)tid, start,
		    (unsigned long long)(m ? memcg_id(m) : 0));
	if (m)
		memcg_put(m);
	statefile_seal(out, &b);
	strbuf_release(&b);
}

static void add_members(struct strbuf *out, struct memcg *m)
{
	pid_t *ids = NULL;
	long n = memcg_task_ids(m, false, &ids);

	for (long i = 0; i < n; i++)
		add_task(out, ids[i]);
	free(ids);
}

/* Every registration, after an R that says they are all of them. */
static void add_listeners(struct strbuf *out)
{
	struct listener_info *v = NULL;
	long n = listeners_list(&v);
	unsigned long long start;
	struct strbuf b;

	if (n < 0)
		return;
	strbuf_init(&b);
	strbuf_add(&b, "R", 1);
	statefile_seal(out, &b);
	for (long i = 0; i < n; i++) {
		if (proc_start_time(v[i].tgid, v[i].tgid, &start))
			continue;	/* gone: its end follows */
		strbuf_addf(&b, "E %llu %d %ld %d %llu %d %lu",
			    (unsigned long long)v[i].group, (int)v[i].ev,
			    v[i].arg, (int)v[i].tgid, start, v[i].their_efd,
			    v[i].efd_id);
		statefile_seal(out, &b);
	}
	strbuf_release(&b);
	free(v);
}

/* ---- the snapshot --------------------------------------------------------- */

typedef VEC(uint64_t) id_vec;

static int collect_child(struct memcg *child, void *arg)
{
	uint64_t *slot = VEC_PUSH((id_vec *)arg);

	if (slot)
		*slot = memcg_id(child);
	return slot == NULL;
}

static void add_whole_group(struct strbuf *out, struct memcg *m)
{
	add_group(out, m);
	for (int i = 0; i < (int)ctl_nr_files; i++) {
		if (!ctl_present(&ctl_files[i], memcg_is_root(m)))
			continue;
		add_file(out, m, i, false);
		add_value(out, m, i, false);
	}
	if (!memcg_is_root(m))
		add_members(out, m);
}

/* Every group in pre-order (parents first), iteratively: trees are deep. */
static int snapshot(struct strbuf *out)
{
	id_vec stack = VEC_INIT, kids = VEC_INIT;
	struct strbuf b;
	uint64_t *top;
	int err = 0;

	strbuf_init(&b);
	statefile_begin(out);
	strbuf_addf(&b, "N %llu", (unsigned long long)memcg_next_id());
	statefile_seal(out, &b);
	for (unsigned int i = 0; i < ops_nr_openers(); i++) {
		strbuf_addf(&b, "O %u", (unsigned)ops_opener_uid(i));
		statefile_seal(out, &b);
	}
	strbuf_release(&b);
	if (!(top = VEC_PUSH(&stack)))
		return -ENOMEM;
	*top = memcg_id(memcg_root());
	while (stack.nr && !err) {
		struct memcg *m = memcg_tryget_by_id(stack.v[--stack.nr]);

		if (!m)
			continue;	/* removed meanwhile: its X follows */
		add_whole_group(out, m);
		kids.nr = 0;
		memcg_for_each_child(m, 0, collect_child, &kids);
		memcg_put(m);
		/* Pushed last first, so that children come in their order. */
		for (size_t i = kids.nr; i-- > 0 && !err;) {
			uint64_t *slot = VEC_PUSH(&stack);

			if (slot)
				*slot = kids.v[i];
			else
				err = -ENOMEM;
		}
	}
	free(stack.v);
	free(kids.v);
	add_listeners(out);
	return err ? err : out->oom ? -ENOMEM : 0;
}

/* Under journal_lock: the state now, written whole beside the file and
 * renamed over it (a crash leaves the old file or the new one), then
 * journaled from. */
static int compact(void)
{
	struct strbuf out;
	int fd = -1, err;

	strbuf_init(&out);
	err = snapshot(&out);
	if (!err)
		err = statefile_replace(state_path, out.buf, out.len);
	if (!err && (fd = open(state_path, O_WRONLY | O_APPEND | O_CLOEXEC)) < 0)
		err = -errno;
	if (err) {
		syslog(LOG_ERR, "state %s: cannot write: %s", state_path,
		       strerror(-err));
	} else {
		if (journal_fd >= 0)
			close(journal_fd);
		journal_fd = fd;
		journal_size = snapshot_size = out.len;
	}
	strbuf_release(&out);
	return err;
}

/* ---- the journal ---------------------------------------------------------- */

/* Lock the journal; false (unlocked) when there is none. */
static bool journal_begin(struct strbuf *out)
{
	pthread_mutex_lock(&journal_lock);
	if (journal_fd < 0) {
		pthread_mutex_unlock(&journal_lock);
		return false;
	}
	strbuf_init(out);
	return true;
}

static void journal_end(struct strbuf *out)
{
	int err = out->oom ? -ENOMEM : statefile_write_all(journal_fd, out->buf, out->len);

	if (err)
		syslog(LOG_ERR, "state %s: cannot append: %s", state_path,
		       strerror(-err));
	else
		journal_size += out->len;
	strbuf_release(out);
	/* A failed append is made good by a snapshot of everything. */
	if (err || (journal_size > COMPACT_MIN &&
		    journal_size > 2 * snapshot_size))
		compact();
	pthread_mutex_unlock(&journal_lock);
}

void state_note_group(struct memcg *m)
{
	struct strbuf out;

	if (!journal_begin(&out))
		return;
	if (memcg_online(m))
		add_group(&out, m);
	journal_end(&out);
}

void state_note_gone(uint64_t id)
{
	struct strbuf out, b;
	struct memcg *m;

	if (!journal_begin(&out))
		return;
	m = memcg_tryget_by_id(id);
	if (m) {
		memcg_put(m);	/* not gone after all */
	} else {
		strbuf_init(&b);
		strbuf_addf(&b, "X %llu", (unsigned long long)id);
		statefile_seal(&out, &b);
		strbuf_release(&b);
	}
	journal_end(&out);
}

void state_note_file(struct memcg *m, int idx)
{
	struct strbuf out;

	if (!journal_begin(&out))
		return;
	if (memcg_online(m))
		add_file(&out, m, idx, true);
	journal_end(&out);
}

static bool is_event_file(const struct ctl_file *f)
{
	return !strcmp(f->name, "cgroup.event_control");
}

static bool is_task_file(const struct ctl_file *f)
{
	return !strcmp(f->name, "tasks") || !strcmp(f->name, "cgroup.procs");
}

/* The threads a write to tasks (one) or cgroup.procs (all) named. */
static void add_moved(struct strbuf *out, const struct ctl_file *f,
		      const char *buf, size_t len, pid_t writer)
{
	struct proc_task t;
	pid_t pid, *tids = NULL;
	long n;

	if (parse_task_id(buf, len, &pid))
		return;
	if (!pid)
		pid = writer;
	if (strcmp(f->name, "cgroup.procs")) {
		add_task(out, pid);
		return;
	}
	if (proc_task_info(pid, &t))
		return;
	n = proc_threads(t.tgid, &tids);
	for (long i = 0; i < n; i++)
		add_task(out, tids[i]);
	free(tids);
}

void state_note_write(struct memcg *m, int idx, const char *buf, size_t len,
		      pid_t writer)
{
	const struct ctl_file *f = &ctl_files[idx];
	struct strbuf out;

	if (!f->save && !is_task_file(f) && !is_event_file(f))
		return;
	if (!journal_begin(&out))
		return;
	if (is_event_file(f))
		add_listeners(&out);
	else if (is_task_file(f))
		add_moved(&out, f, buf, len, writer);
	else if (memcg_online(m))
		add_value(&out, m, idx, true);
	journal_end(&out);
}

void state_note_opener(uid_t uid)
{
	struct strbuf out, b;

	if (!journal_begin(&out))
		return;
	strbuf_init(&b);
	strbuf_addf(&b, "O %u", (unsigned)uid);
	statefile_seal(&out, &b);
	strbuf_release(&b);
	journal_end(&out);
}

/* ---- members that joined by fork ------------------------------------------ */

/* A fork puts the child in its parent's group (pidwatch, forkscan) with
 * no request: every second the members are compared with those seen last,
 * and the threads that came or went are recorded. */
#define WATCH_MS 1000

struct member {
	pid_t tid;
	uint64_t group;
};

static struct member *seen;
static size_t nr_seen;
static unsigned long listeners_seen;	/* listeners_generation() */
static struct ticker watcher;

static int by_tid(const void *a, const void *b)
{
	const struct member *x = a, *y = b;

	return (x->tid > y->tid) - (x->tid < y->tid);
}

/* Every member with its group, by tid; NULL (and 0) if none or no memory. */
static struct member *members_now(size_t *nr)
{
	struct task **ts = NULL;
	long n = task_collect_members(&ts);
	struct member *ms = n > 0 ? calloc((size_t)n, sizeof(*ms)) : NULL;
	size_t k = 0;

	for (long i = 0; i < n; i++) {
		struct memcg *m = task_memcg_get(ts[i]);

		if (ms && m)
			ms[k++] = (struct member){ ts[i]->tid, memcg_id(m) };
		if (m)
			memcg_put(m);
		task_put(ts[i]);
	}
	free(ts);
	if (ms)
		qsort(ms, k, sizeof(*ms), by_tid);
	*nr = k;
	return ms;
}

/* Under journal_lock: a record for each thread in one list and not in
 * the other, or in another group. */
static void add_changed(struct strbuf *out, const struct member *a, size_t na,
			const struct member *b, size_t nb)
{
	size_t i = 0, j = 0;

	while (i < na || j < nb) {
		if (j == nb || (i < na && a[i].tid < b[j].tid)) {
			add_task(out, a[i++].tid);
		} else if (i == na || b[j].tid < a[i].tid) {
			add_task(out, b[j++].tid);
		} else {
			if (a[i].group != b[j].group)
				add_task(out, a[i].tid);
			i++;
			j++;
		}
	}
}

static void watch_members(void *arg)
{
	size_t nr;
	struct member *now = members_now(&nr);
	struct strbuf out;

	if (!journal_begin(&out)) {
		free(now);
		return;
	}
	add_changed(&out, now, nr, seen, nr_seen);
	/* Registrations end with no request too (their eventfd closed). */
	if (listeners_generation() != listeners_seen) {
		listeners_seen = listeners_generation();
		add_listeners(&out);
	}
	journal_end(&out);
	free(seen);
	seen = now;
	nr_seen = nr;
}

/* ---- replaying ------------------------------------------------------------ */

/* Restored writes are root's, as the writes that made them were allowed. */
static struct ctl_ctx root_ctx(void)
{
	return (struct ctl_ctx){ 0, 0, getpid() };
}

static void set_attr(struct memcg *m, int idx, mode_t mode, uid_t uid, gid_t gid)
{
	struct group_node *n = memcg_priv(m);
	struct node_attr *a;

	pthread_mutex_lock(&n->lock);
	a = group_node_attr(n, idx);
	a->mode = mode & 07777;
	a->uid = uid;
	a->gid = gid;
	pthread_mutex_unlock(&n->lock);
}

static int apply_group(const struct record *r)
{
	uint64_t id = record_num(r, 0);
	mode_t mode = (mode_t)strtoul(r->f[2], NULL, 8);
	uid_t uid = (uid_t)record_num(r, 3);
	gid_t gid = (gid_t)record_num(r, 4);
	struct memcg *m = memcg_tryget_by_id(id), *parent;
	int err = 0;

	if (m) {
		if (!memcg_is_root(m) && strcmp(memcg_name(m), r->f[5]))
			err = memcg_rename(m, r->f[5]);
		set_attr(m, -1, mode, uid, gid);
		memcg_put(m);
		return err;
	}
	parent = memcg_tryget_by_id(record_num(r, 1));
	if (!parent)
		return -ENOENT;
	m = group_create(parent, r->f[5], id, uid, gid, mode, &err);
	if (m)
		memcg_put(m);
	memcg_put(parent);
	return err;
}

static int apply_gone(const struct record *r)
{
	struct memcg *m = memcg_tryget_by_id(record_num(r, 0));
	int err;

	if (!m)
		return 0;
	err = memcg_remove(m);
	memcg_put(m);
	return err;
}

static int apply_file(const struct record *r)
{
	struct memcg *m = memcg_tryget_by_id(record_num(r, 0));
	int idx;

	if (!m)
		return -ENOENT;
	idx = ctl_find(r->f[1], memcg_is_root(m));
	if (idx >= 0)
		set_attr(m, idx, (mode_t)strtoul(r->f[2], NULL, 8),
			 (uid_t)record_num(r, 3), (gid_t)record_num(r, 4));
	memcg_put(m);
	return idx >= 0 ? 0 : -ENOENT;
}

/* Written back through the file's own handler, only if it differs. */
static int apply_value(const struct record *r)
{
	struct memcg *m = memcg_tryget_by_id(record_num(r, 0));
	struct ctl_ctx ctx = root_ctx();
	struct strbuf now;
	int idx, err = 0;

	if (!m)
		return -ENOENT;
	strbuf_init(&now);
	idx = ctl_find(r->f[1], memcg_is_root(m));
	if (idx < 0 || !ctl_files[idx].save || !ctl_files[idx].write)
		err = -EINVAL;
	else if (!value_of(m, idx, &now) || now.len != r->len[2] ||
		 memcmp(now.buf, r->f[2], now.len))
		err = ctl_files[idx].write(m, &ctl_files[idx], r->f[2],
					   r->len[2], &ctx);
	strbuf_release(&now);
	memcg_put(m);
	return err;
}

/* A member comes back only if the thread is the same one: a pid that
 * died meanwhile is gone, and one reused started at another time. */
static int apply_task(const struct record *r)
{
	pid_t tid = (pid_t)record_num(r, 0);
	unsigned long long start;
	struct ctl_ctx ctx = root_ctx();
	struct proc_task t;
	struct memcg *m, *now;
	char buf[24];
	int idx, err, len;

	if (proc_task_info(tid, &t) || proc_start_time(t.tgid, tid, &start) ||
	    start != record_num(r, 1))
		return 0;
	m = memcg_tryget_by_id(record_num(r, 2));
	if (!m)
		return -ENOENT;
	now = task_group_get(tid);
	if (now == m || (!now && memcg_is_root(m))) {
		err = 0;	/* there already */
	} else {
		idx = ctl_find("tasks", memcg_is_root(m));
		len = snprintf(buf, sizeof(buf), "%d", (int)tid);
		err = ctl_files[idx].write(m, &ctl_files[idx], buf, (size_t)len,
					   &ctx);
	}
	if (now)
		memcg_put(now);
	memcg_put(m);
	return err == -ESRCH ? 0 : err;
}

static int apply(const struct record *r)
{
	switch (r->type) {
	case 'N':
		memcg_reserve_ids(record_num(r, 0));
		return 0;
	case 'O':
		ops_opener_restore((uid_t)record_num(r, 0));
		return 0;
	case 'G':
		return apply_group(r);
	case 'X':
		return apply_gone(r);
	case 'A':
		return apply_file(r);
	case 'V':
		return apply_value(r);
	case 'T':
		return apply_task(r);
	default:
		return 0;	/* R and E: the last set, once the tree is back */
	}
}

/* A registration comes back only if its process still runs and still has
 * the very eventfd (by its eventfd-id) where it had it. */
static int apply_listener(const struct record *r)
{
	pid_t tgid = (pid_t)record_num(r, 3);
	int their = (int)record_num(r, 5), ours;
	unsigned long long start;
	unsigned long id;
	struct memcg *m;
	int err;

	if (proc_start_time(tgid, tgid, &start) || start != record_num(r, 4) ||
	    eventfd_id(tgid, their, &id) || id != record_num(r, 6))
		return 0;	/* let go meanwhile: the registration ended */
	m = memcg_tryget_by_id(record_num(r, 0));
	if (!m)
		return -ENOENT;
	ours = fd_take(tgid, tgid, their);
	if (ours < 0) {
		err = ours == -EBADF ? 0 : ours;
	} else if (!fd_is_eventfd(ours)) {
		close(ours);
		err = -EBADF;
	} else {	/* listener_add takes ours */
		err = listener_add(m, (enum memcg_event)record_num(r, 1),
				   strtol(r->f[2], NULL, 10), ours, tgid, their);
	}
	memcg_put(m);
	return err;
}

static void replay(const struct statefile *l)
{
	size_t failed = 0;

	size_t last_r = l->recs.nr;

	for (size_t i = 0; i < l->recs.nr; i++) {
		int err = apply(&l->recs.v[i]);

		if (l->recs.v[i].type == 'R')
			last_r = i;
		if (err && failed++ < 10)
			syslog(LOG_WARNING, "state %s: record %zu (%c) not "
			       "restored: %s", state_path, i + 1,
			       l->recs.v[i].type, strerror(-err));
	}
	for (size_t i = last_r + 1; last_r < l->recs.nr && i < l->recs.nr; i++) {
		int err = l->recs.v[i].type == 'E' ?
			  apply_listener(&l->recs.v[i]) : 0;

		if (err && failed++ < 10)
			syslog(LOG_WARNING, "state %s: registration %zu not "
			       "restored: %s", state_path, i + 1, strerror(-err));
	}
	syslog(LOG_NOTICE, "state %s: %zu records restored, %zu refused%s",
	       state_path, l->recs.nr - failed, failed,
	       l->torn ? ", a last one cut short dropped" : "");
}

/* ---- setup ------------------------------------------------------------------ */

/* A bad file: refused, or kept aside as PATH.bad and started without. */
static int bad_file(const char *why, bool to_stderr)
{
	char aside[sizeof(state_path) + 16];
	char charges_aside[sizeof(state_path) + 16];

	if (refuse_bad) {
		if (to_stderr)
			fprintf(stderr, "memcgfs: state file %s: %s: refusing "
				"to start (bad_state=refuse)\n", state_path, why);
		syslog(LOG_ERR, "state file %s: %s: refusing to start",
		       state_path, why);
		return -1;
	}
	snprintf(aside, sizeof(aside), "%s.charges", state_path);
	snprintf(charges_aside, sizeof(charges_aside), "%s.charges.bad",
		 state_path);
	rename(aside, charges_aside);
	snprintf(aside, sizeof(aside), "%s.bad", state_path);
	rename(state_path, aside);
	if (to_stderr)
		fprintf(stderr, "memcgfs: state file %s: %s: starting empty "
			"(the file is kept as %s)\n", state_path, why, aside);
	syslog(LOG_ERR, "state file %s: %s: starting empty (kept as %s)",
	       state_path, why, aside);
	return 0;
}

/* Read and check the journal and the charges beside it: 0 with what
 * there is (l empty, *cf NULL where there is nothing), or a negative
 * errno with why filled in.  Either bad makes the whole state bad. */
static int load(struct statefile *l, struct charges_file **cf, char *why,
		size_t whylen)
{
	int err = statefile_load(state_path, l, why, whylen);

	*cf = NULL;
	if (err && err != -ENOENT)
		return err;
	err = charges_load(state_path, cf, why, whylen);
	if (err)
		statefile_free(l);
	return err;
}

/* Check the files at path, if there are any. */
static int check(bool to_stderr)
{
	struct statefile l = { 0 };
	struct charges_file *cf;
	char why[128] = "";
	int err = load(&l, &cf, why, sizeof(why));

	statefile_free(&l);
	charges_free(cf);
	return err ? bad_file(why, to_stderr) : 0;
}

/* The state file's directory, if it is missing (a mount unit or an
 * fstab line has nobody to make it). */
static void make_parent(void)
{
	char dir[sizeof(state_path)];
	char *slash;

	memcpy(dir, state_path, sizeof(dir));
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		mkdir(dir, 0700);
	}
}

int state_setup(const char *path, bool refuse)
{
	char cwd[PATH_MAX];

	refuse_bad = refuse;
	if (!path)
		return 0;	/* state_setup_private() */
	if (path[0] == '/' || !getcwd(cwd, sizeof(cwd)))
		snprintf(state_path, sizeof(state_path), "%s", path);
	else
		snprintf(state_path, sizeof(state_path), "%s/%s", cwd, path);
	make_parent();
	return check(true);
}

/* The files a private directory can hold; then the directory. */
static void remove_private(const char *dir)
{
	static const char *const names[] = {
		"state", "state.tmp", "state.bad", "state.charges",
		"state.charges.tmp", "state.charges.bad",
	};
	char path[sizeof(private_dir) + 16];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

/* Private directories are named after their supervisor and its start
 * time: one whose supervisor is gone (all of memcgfs killed) is removed
 * by the next. */
static void remove_stale(const char *base)
{
	char dir[sizeof(private_dir)];
	unsigned long long start, now;
	struct dirent *e;
	DIR *d = opendir(base);
	int pid;

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (sscanf(e->d_name, "memcgfs.%d.%llu", &pid, &start) != 2)
			continue;
		if (proc_start_time(pid, pid, &now) == 0 && now == start)
			continue;	/* alive */
		snprintf(dir, sizeof(dir), "%s/%.40s", base, e->d_name);
		remove_private(dir);
	}
	closedir(d);
}

int state_setup_private(void)
{
	const char *base = access("/run", W_OK) == 0 ? "/run" : "/tmp";
	unsigned long long start;
	pid_t pid = getpid();

	if (state_path[0])
		return 0;
	remove_stale(base);
	if (proc_start_time(pid, pid, &start))
		start = 0;
	snprintf(private_dir, sizeof(private_dir), "%s/memcgfs.%d.%llu", base,
		 (int)pid, start);
	if (mkdir(private_dir, 0700)) {
		syslog(LOG_ERR, "cannot make %s for the state: %m", private_dir);
		private_dir[0] = '\0';
		return -1;
	}
	snprintf(state_path, sizeof(state_path), "%s/state", private_dir);
	return 0;
}

void state_teardown(void)
{
	if (!private_dir[0])
		return;
	remove_private(private_dir);
	private_dir[0] = '\0';
}

static void capture_pristine(void)
{
	for (int i = 0; i < (int)ctl_nr_files; i++) {
		strbuf_init(&pristine[i]);
		value_of(memcg_root(), i, &pristine[i]);
	}
}

int state_restore(void)
{
	struct statefile l = { 0 };
	struct charges_file *cf;
	char why[128] = "";

	capture_pristine();
	if (load(&l, &cf, why, sizeof(why))) {
		if (bad_file(why, false))
			return -1;
	} else {
		pagetrack_restoring(true);
		if (l.text)
			replay(&l);
		pagetrack_restoring(false);
		charges_apply(cf);	/* the tree and the members first */
	}
	statefile_free(&l);
	pthread_mutex_lock(&journal_lock);
	compact();	/* a clean file to journal from */
	pthread_mutex_unlock(&journal_lock);
	seen = members_now(&nr_seen);
	listeners_seen = listeners_generation();
	if (ticker_start(&watcher, WATCH_MS, watch_members, NULL))
		syslog(LOG_WARNING, "state: members that fork are not recorded");
	charges_start(state_path);
	return 0;
}

void state_close(void)
{
	charges_stop();
	ticker_stop(&watcher);
	free(seen);
	seen = NULL;
	nr_seen = 0;
	pthread_mutex_lock(&journal_lock);
	if (journal_fd >= 0)
		close(journal_fd);
	journal_fd = -1;
	pthread_mutex_unlock(&journal_lock);
	for (int i = 0; i < (int)ctl_nr_files; i++)
		strbuf_release(&pristine[i]);
}
