/* The charges checkpoint; see charges.h and RESTART.
 *
 * The file: a line "memcgfs-charges 1", the engine's records one a line
 * ("TYPE N N ... [:string]", strings escaped as the state file's), the
 * applied writes ("W unique error size"), and a last line "end LINES
 * CHECKSUM" over everything between.  It is only ever replaced whole, so
 * a file that fails the check was not written by a server: the whole
 * state is refused (state.c).
 *
 * A request holds apply_lock shared from before it applies until its
 * effect and its result are in memory; a checkpoint holds it exclusive
 * while the engine's records are taken, so it has each request whole or
 * not at all.  A resent request that the checkpoint holds is answered
 * with its result; one it does not hold was not applied as far as the
 * restored state knows, and is applied now: once either way. */
#include "charges.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "engine/checkpoint.h"
#include "engine/version.h"
#include "host/pidwatch.h"
#include "host/proc.h"
#include "host/ticker.h"
#include "engine/task.h"
#include "lib/strbuf.h"
#include "lib/vec.h"
#include "statefile.h"
#include "supervise.h"

#define MAGIC "memcgfs-charges 1\n"
#define MAGIC_LEN (sizeof(MAGIC) - 1)
#define SYNC_MS 1000
#define APPLIED_MAX 64		/* far more than requests in flight */

struct applied {
	uint64_t unique;
	int result;
};

struct charges_file {
	char *text;
	VEC(struct ckpt_record) recs;
	VEC(struct applied) applied;
};

static pthread_rwlock_t apply_lock;
static pthread_mutex_t ckpt_lock = PTHREAD_MUTEX_INITIALIZER;
static char *charges_path;		/* NULL: not checkpointing */
static uint64_t saved_version;		/* memcg_version() the last save saw */
/* A request changed what memcg_version() does not count since the last
 * save: a kfree that frees no page moves no counter. */
static atomic_bool dirty;
static struct ticker syncer;

/* The last writes applied, under applied_lock: a ring. */
static pthread_mutex_t applied_lock = PTHREAD_MUTEX_INITIALIZER;
static struct applied applied[APPLIED_MAX];
static unsigned applied_next;

/* ---- the engine's hooks ------------------------------------------------- */

static uint64_t task_stamp(pid_t tid, pid_t tgid)
{
	unsigned long long start;

	return proc_start_time(tgid, tid, &start) ? 0 : start;
}

static int task_alive(pid_t tid, pid_t tgid, uint64_t stamp)
{
	struct task *t;
	int err;

	if (task_stamp(tid, tgid) != stamp)
		return 0;
	t = pidwatch_track(tid, tgid, &err);
	if (!t)
		return 0;
	task_put(t);
	return 1;
}

static const struct ckpt_hooks hooks = { task_stamp, task_alive };

/* ---- writing ---------------------------------------------------------------- */

/* " N": a save writes millions of these, printf is the slow part. */
static void add_num(struct strbuf *sb, uint64_t v)
{
	char buf[24];
	int i = sizeof(buf);

	do
		buf[--i] = (char)('0' + v % 10);
	while ((v /= 10));
	buf[--i] = ' ';
	strbuf_add(sb, buf + i, sizeof(buf) - (size_t)i);
}

static void emit(const struct ckpt_record *r, void *arg)
{
	struct strbuf *sb = arg;

	strbuf_add(sb, &r->type, 1);
	for (int i = 0; i < r->nr; i++)
		add_num(sb, r->num[i]);
	if (r->str) {
		strbuf_add(sb, " ", 1);
		statefile_add_escaped(sb, r->str, r->len);
	}
	strbuf_add(sb, "\n", 1);
}

static void add_applied(struct strbuf *sb)
{
	pthread_mutex_lock(&applied_lock);
	for (unsigned i = 0; i < APPLIED_MAX; i++) {
		const struct applied *a = &applied[(applied_next + i) % APPLIED_MAX];

		if (a->unique)
			strbuf_addf(sb, "W %" PRIu64 " %d\n", a->unique,
				    a->result < 0 ? -a->result : 0);
	}
	pthread_mutex_unlock(&applied_lock);
}

static size_t count_lines(const char *s, size_t n)
{
	size_t lines = 0;

	for (size_t i = 0; i < n; i++)
		lines += s[i] == '\n';
	return lines;
}

/* Under ckpt_lock. */
static void checkpoint(void)
{
	struct strbuf sb;
	uint64_t version;
	int err;

	strbuf_init(&sb);
	strbuf_add(&sb, MAGIC, MAGIC_LEN);
	pthread_rwlock_wrlock(&apply_lock);
	version = memcg_version();
	atomic_store(&dirty, false);	/* no request is half applied */
	engine_checkpoint_save(&hooks, emit, &sb);
	add_applied(&sb);
	pthread_rwlock_unlock(&apply_lock);
	strbuf_addf(&sb, "end %zu %08x\n",
		    count_lines(sb.buf + MAGIC_LEN, sb.len - MAGIC_LEN),
		    statefile_hash(sb.buf + MAGIC_LEN, sb.len - MAGIC_LEN));
	err = sb.oom ? -ENOMEM : statefile_replace(charges_path, sb.buf, sb.len);
	if (err) {
		syslog(LOG_ERR, "state %s: cannot write: %s", charges_path,
		       strerror(-err));
		atomic_store(&dirty, true);
	} else {
		saved_version = version;
	}
	strbuf_release(&sb);
}

void charges_sync(void)
{
	pthread_mutex_lock(&ckpt_lock);
	if (charges_path && (atomic_load(&dirty) ||
			     memcg_version() != saved_version))
		checkpoint();
	pthread_mutex_unlock(&ckpt_lock);
}

static void sync_tick(void *arg)
{
	(void)arg;
	charges_sync();
}

void charges_begin(void)
{
	pthread_rwlock_rdlock(&apply_lock);
}

void charges_end(int result, bool changes_uncounted)
{
	uint64_t unique = supervise_request_unique() & ~SUPERVISE_RESENT;

	pthread_mutex_lock(&applied_lock);
	if (unique) {
		applied[applied_next] = (struct applied){ unique, result };
		applied_next = (applied_next + 1) % APPLIED_MAX;
	}
	pthread_mutex_unlock(&applied_lock);
	if (!result && changes_uncounted)
		atomic_store(&dirty, true);
	pthread_rwlock_unlock(&apply_lock);
	charges_sync();
}

bool charges_resent(int *result)
{
	uint64_t unique = supervise_request_unique();
	bool found = false;

	if (!(unique & SUPERVISE_RESENT))
		return false;
	unique &= ~SUPERVISE_RESENT;
	pthread_mutex_lock(&applied_lock);
	for (unsigned i = 0; i < APPLIED_MAX && !found; i++)
		if (applied[i].unique == unique) {
			*result = applied[i].result;
			found = true;
		}
	pthread_mutex_unlock(&applied_lock);
	return found;
}

void charges_start(const char *path)
{
	pthread_rwlockattr_t attr;

	/* Writer first: checkpoints must not wait behind a stream of
	 * requests that each wants one. */
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr,
				      PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&apply_lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	pthread_mutex_lock(&ckpt_lock);
	if (asprintf(&charges_path, "%s.charges", path) < 0)
		charges_path = NULL;
	if (charges_path)
		checkpoint();	/* what was restored, before any request */
	pthread_mutex_unlock(&ckpt_lock);
	if (charges_path && ticker_start(&syncer, SYNC_MS, sync_tick, NULL))
		syslog(LOG_WARNING, "state: charges no request made are not "
		       "checkpointed");
}

void charges_stop(void)
{
	ticker_stop(&syncer);
	pthread_mutex_lock(&ckpt_lock);
	if (charges_path)
		checkpoint();
	free(charges_path);
	charges_path = NULL;
	pthread_mutex_unlock(&ckpt_lock);
	pthread_rwlock_destroy(&apply_lock);
}

/* ---- reading ---------------------------------------------------------------- */

/* One line "TYPE N ... [:string]", in place. */
static bool parse_record(char *line, struct ckpt_record *r)
{
	char *save = NULL, *tok = strtok_r(line, " ", &save);

	if (!tok || tok[1])
		return false;
	*r = (struct ckpt_record){ .type = tok[0] };
	while ((tok = strtok_r(NULL, " ", &save))) {
		if (r->str)
			return false;	/* the string is last */
		if (tok[0] == ':') {
			if (!statefile_unescape(tok, &r->len))
				return false;
			r->str = tok;
		} else if (r->nr < CKPT_NUMS && statefile_is_number(tok)) {
			errno = 0;
			r->num[r->nr++] = strtoull(tok, NULL, 10);
			if (errno)
				return false;
		} else {
			return false;
		}
	}
	return true;
}

static int parse(struct charges_file *cf, char *body, char *why, size_t whylen)
{
	size_t lineno = 1;

	for (char *p = body, *nl; *p; p = nl + 1) {
		struct ckpt_record r;

		lineno++;
		nl = strchr(p, '\n');
		*nl = '\0';
		if (!parse_record(p, &r))
			goto bad;
		if (r.type == 'W') {
			struct applied *a = VEC_PUSH(&cf->applied);

			if (!a)
				return -ENOMEM;
			if (r.nr != 2 || r.str || !r.num[0] || r.num[1] > 4095)
				goto bad;
			*a = (struct applied){ r.num[0], -(int)r.num[1] };
		} else {
			struct ckpt_record *slot = VEC_PUSH(&cf->recs);

			if (!slot)
				return -ENOMEM;
			*slot = r;
		}
	}
	return 0;
bad:
	snprintf(why, whylen, "charges line %zu is not a record", lineno);
	return -EINVAL;
}

int charges_load(const char *path, struct charges_file **out, char *why,
		 size_t whylen)
{
	struct charges_file *cf = calloc(1, sizeof(*cf));
	char *name = NULL, *end, *body;
	unsigned long long lines;
	unsigned sum;
	size_t len;
	int err;

	*out = NULL;
	if (!cf || asprintf(&name, "%s.charges", path) < 0) {
		free(cf);
		return -ENOMEM;
	}
	err = statefile_read(name, &cf->text, &len);
	free(name);
	if (err == -ENOENT) {
		charges_free(cf);
		return 0;
	}
	if (err) {
		snprintf(why, whylen, "charges: %s", strerror(-err));
		goto fail;
	}
	err = -EINVAL;
	body = cf->text + MAGIC_LEN;
	/* the last line: "end LINES CHECKSUM\n" */
	end = len > MAGIC_LEN + 1 ? cf->text + len - 1 : NULL;
	while (end && end > body && end[-1] != '\n')
		end--;
	if (len < MAGIC_LEN || memcmp(cf->text, MAGIC, MAGIC_LEN) || !end ||
	    cf->text[len - 1] != '\n' ||
	    sscanf(end, "end %llu %8x", &lines, &sum) != 2 ||
	    statefile_hash(body, (size_t)(end - body)) != sum ||
	    count_lines(body, (size_t)(end - body)) != lines) {
		snprintf(why, whylen, "the charges file fails its checksum");
		goto fail;
	}
	*end = '\0';
	err = parse(cf, body, why, whylen);
	if (err)
		goto fail;
	*out = cf;
	return 0;
fail:
	charges_free(cf);
	return err;
}

void charges_apply(struct charges_file *cf)
{
	struct ckpt_restore *c;
	size_t failed = 0;

	if (!cf)
		return;
	c = engine_restore_begin(&hooks);
	for (size_t i = 0; c && i < cf->recs.nr; i++) {
		int err = engine_restore_record(c, &cf->recs.v[i]);

		if (err && failed++ < 10)
			syslog(LOG_WARNING, "state: charge record %zu (%c) not "
			       "restored: %s", i + 1, cf->recs.v[i].type,
			       strerror(-err));
	}
	if (c)
		engine_restore_end(c);
	pthread_mutex_lock(&applied_lock);
	for (size_t i = 0; i < cf->applied.nr && i < APPLIED_MAX; i++)
		applied[i] = cf->applied.v[i];
	applied_next = (unsigned)(cf->applied.nr % APPLIED_MAX);
	pthread_mutex_unlock(&applied_lock);
	syslog(LOG_NOTICE, "state: %zu charge records restored, %zu refused",
	       cf->recs.nr - failed, failed);
	charges_free(cf);
}

void charges_free(struct charges_file *cf)
{
	if (!cf)
		return;
	free(cf->text);
	free(cf->recs.v);
	free(cf->applied.v);
	free(cf);
}
