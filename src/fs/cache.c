/* Renderings of control files and the invalidations that keep the kernel's
 * page cache of them fresh; see READPATH. */
#include "cache.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/strbuf.h"
#include "engine/version.h"
#include "files.h"
#include "host/pidwatch.h"
#include "ops.h"

/* Attributes of files whose changes are all passed to the kernel live this
 * long; tasks and cgroup.procs, which follow forks and exits on the host,
 * are asked for again at every open and read. */
#define PUSHED_TIMEOUT 3600.0
#define HASH_SIZE 4096
/* How long a read goes on with the task list of its open: the kernel's
 * CGROUP_PIDLIST_DESTROY_DELAY. */
#define LIST_LINGER 1.0
/* A pass compares the newest COMPARE_MAX renderings of the last
 * COMPARE_AGE seconds with the engine before it invalidates them (see
 * still_current()); the rest it invalidates at once. */
#define COMPARE_MAX 64
#define COMPARE_AGE 1.0
/* Writes longer than this are not kept to compare (see refresh()). */
#define WROTE_MAX 4096

struct record {
	fuse_ino_t ino;
	struct record *hnext;		/* hash chain, under table_lock */
	struct record *anext, **aprev;	/* armed list, under table_lock */
	int users;			/* under table_lock */
	uint64_t lookups;		/* under table_lock: the kernel's count */
	bool forgotten;			/* under table_lock */
	pthread_mutex_t lock;		/* serializes renderings */
	struct ctl_text *text;		/* under lock */
	struct timespec mtime;		/* under lock */
	uint64_t rendered;		/* arrival number a rendering started at */
	bool written;			/* under lock: see fcache_written() */
	char *wrote;			/* under lock: the bytes the last write put */
	size_t wrote_len;		/* at 0 in the kernel's copy, or NULL */
	double rendered_at;		/* under lock: monotonic seconds */
	double changed_at;		/* under lock: when text last changed */
};

static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static struct record *table[HASH_SIZE];
static struct record *armed;
static atomic_uint_fast64_t arrivals;
/* memcg_version() when the last pass began: the notifier passes only
 * what came after it.  A pass that invalidates an inode while a reader's
 * GETATTR is in flight makes the kernel drop that reply and read on with
 * the old size, so a pass for nothing is not harmless. */
static atomic_uint_fast64_t passed_version;

static struct fuse_session *session;
static pthread_t notifier;
static bool notifier_running;
static atomic_bool stopping;
static sem_t wake_sem;
static bool sem_ready;

void ctl_text_put(struct ctl_text *t)
{
	if (t && atomic_fetch_sub((atomic_int *)&t->refs, 1) == 1)
		free(t);
}

static struct ctl_text *text_get(struct ctl_text *t)
{
	atomic_fetch_add((atomic_int *)&t->refs, 1);
	return t;
}

static size_t slot_of(fuse_ino_t ino)
{
	return (size_t)((ino * 0x9E3779B97F4A7C15ull) >> 52) % HASH_SIZE;
}

/* The record of ino, created if missing, with a user held. */
static struct record *record_get(fuse_ino_t ino)
{
	struct record **pp, *r;

	pthread_mutex_lock(&table_lock);
	pp = &table[slot_of(ino)];
	for (r = *pp; r && r->ino != ino; r = r->hnext)
		;
	if (!r && (r = calloc(1, sizeof(*r)))) {
		r->ino = ino;
		pthread_mutex_init(&r->lock, NULL);
		r->hnext = *pp;
		*pp = r;
	}
	if (r)
		r->users++;
	pthread_mutex_unlock(&table_lock);
	return r;
}

static void record_free(struct record *r)
{
	ctl_text_put(r->text);
	free(r->wrote);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

static void unlink_armed(struct record *r)
{
	if (!r->aprev)
		return;
	*r->aprev = r->anext;
	if (r->anext)
		r->anext->aprev = r->aprev;
	r->anext = NULL;
	r->aprev = NULL;
}

static void record_put(struct record *r)
{
	bool dead;

	pthread_mutex_lock(&table_lock);
	dead = --r->users == 0 && r->forgotten;
	pthread_mutex_unlock(&table_lock);
	if (dead)
		record_free(r);
}

/* Armed before rendering: a change that completes after the rendering
 * read the engine then finds the record on the list, and its invalidation
 * reaches the kernel after (and so voids) the reply. */
static void record_arm(struct record *r)
{
	pthread_mutex_lock(&table_lock);
	/* A forgotten record is freed by its last user: never listed. */
	if (r->forgotten) {
		pthread_mutex_unlock(&table_lock);
		return;
	}
	/* To the head, even if armed already: the list is newest first. */
	unlink_armed(r);
	r->anext = armed;
	if (armed)
		armed->aprev = &r->anext;
	armed = r;
	r->aprev = &armed;
	pthread_mutex_unlock(&table_lock);
}

static struct ctl_text *render(struct memcg *m, int idx)
{
	const struct ctl_file *f = &ctl_files[idx];
	struct ctl_text *t;
	struct strbuf sb;
	int err = -EINVAL;

	strbuf_init(&sb);
	if (f->read) {
		/* An exit that already happened is accounted before anything
		 * is shown (memcgfs(8): exits are seen at once). */
		pidwatch_sync();
		err = f->read(m, f, &sb);
		if (!err && sb.oom)
			err = -ENOMEM;
	}
	if (err)
		sb.len = 0;
	t = malloc(sizeof(*t) + sb.len);
	if (t) {
		atomic_init((atomic_int *)&t->refs, 1);
		t->err = err;
		t->len = sb.len;
		if (sb.len)
			memcpy(t->data, sb.buf, sb.len);
	}
	strbuf_release(&sb);
	return t;
}

static double monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static bool same_text(const struct ctl_text *a, const struct ctl_text *b)
{
	return a->err == b->err && a->len == b->len &&
	       !memcmp(a->data, b->data, a->len);
}

/* A new mtime, after the old one even within one clock tick, so that the
 * kernel (which compares mtimes) sees every change of text. */
static void advance_mtime(struct timespec *mt)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	if (now.tv_sec < mt->tv_sec ||
	    (now.tv_sec == mt->tv_sec && now.tv_nsec <= mt->tv_nsec)) {
		now = *mt;
		if (++now.tv_nsec == 1000000000) {
			now.tv_sec++;
			now.tv_nsec = 0;
		}
	}
	*mt = now;
}

/* Under r->lock: make r's text one rendered after `since` arrived. */
static int refresh(struct record *r, struct memcg *m, int idx, uint64_t since)
{
	struct ctl_text *t;

	if (r->text && r->rendered > since)
		return 0;	/* rendered meanwhile by a later arrival */
	r->rendered = atomic_fetch_add(&arrivals, 1) + 1;
	r->rendered_at = monotonic();
	t = render(m, idx);
	if (!t)
		return -ENOMEM;
	if (r->text && same_text(r->text, t) && !r->written) {
		ctl_text_put(t);
		return 0;
	}
	/* The kernel's copy already shows the new text if the last write
	 * put exactly it at 0 (writes to one inode are serialized by the
	 * kernel, and a failed one leaves the copy not up to date): keep
	 * the mtime, and that copy is read without a READ.  Else a new
	 * mtime makes the kernel drop its copy. */
	if (!(r->written && r->wrote && !t->err && t->len == r->wrote_len &&
	      !memcmp(t->data, r->wrote, t->len)))
		advance_mtime(&r->mtime);
	r->written = false;
	free(r->wrote);
	r->wrote = NULL;
	ctl_text_put(r->text);
	r->text = t;
	r->changed_at = r->rendered_at;
	return 0;
}


int fcache_attr(fuse_ino_t ino, struct memcg *m, int idx, bool reading,
		struct file_attr *out)
{
	bool host = ctl_files[idx].follows_host;
	uint64_t since = atomic_fetch_add(&arrivals, 1) + 1;
	struct record *r = record_get(ino);
	int err;

	if (!r)
		return -ENOMEM;
	record_arm(r);
	pthread_mutex_lock(&r->lock);
	/* Task lists are taken at open and stat, and a read goes on with
	 * the list taken last for up to LIST_LINGER, as with the kernel's v1
	 * pidlist: a new list per read would also change the text between
	 * two reads of one cat. */
	if (host && reading && r->text &&
	    monotonic() - r->rendered_at < LIST_LINGER)
		since = 0;
	err = refresh(r, m, idx, since);
	if (!err) {
		/* A file that fails to read must reach READ to say so: an
		 * empty one would be served as end of file by the kernel. */
		out->size = r->text->err ? 1 : r->text->len;
		out->mtime = r->mtime;
		out->timeout = host ? 0.0 : PUSHED_TIMEOUT;
	}
	pthread_mutex_unlock(&r->lock);
	record_put(r);
	return err;
}

struct ctl_text *fcache_text(fuse_ino_t ino, struct memcg *m, int idx)
{
	struct record *r = record_get(ino);
	struct ctl_text *t = NULL;

	if (!r)
		return render(m, idx);
	pthread_mutex_lock(&r->lock);
	if (r->text || refresh(r, m, idx, 0) == 0)
		t = text_get(r->text);
	pthread_mutex_unlock(&r->lock);
	record_put(r);
	return t;
}

void fcache_written(fuse_ino_t ino, const char *buf, size_t size, off_t off)
{
	struct record *r = record_get(ino);

	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	r->written = true;
	r->rendered = 0;
	free(r->wrote);
	r->wrote = off == 0 && size <= WROTE_MAX ? malloc(size ? size : 1) : NULL;
	if (r->wrote)
		memcpy(r->wrote, buf, size);
	r->wrote_len = size;
	pthread_mutex_unlock(&r->lock);
	record_put(r);
}

void fcache_lookup(fuse_ino_t ino)
{
	struct record *r = record_get(ino);

	if (!r)
		return;
	pthread_mutex_lock(&table_lock);
	r->lookups++;
	pthread_mutex_unlock(&table_lock);
	record_put(r);
}

void fcache_forget(fuse_ino_t ino, uint64_t nlookup)
{
	struct record **pp, *r;
	bool dead = false;

	pthread_mutex_lock(&table_lock);
	for (pp = &table[slot_of(ino)]; (r = *pp); pp = &r->hnext) {
		if (r->ino != ino)
			continue;
		/* A lookup that raced the kernel's forgetting of the inode
		 * it had before counts for the inode its reply makes. */
		r->lookups -= nlookup < r->lookups ? nlookup : r->lookups;
		if (!r->lookups) {
			*pp = r->hnext;
			unlink_armed(r);
			r->forgotten = true;
			dead = r->users == 0;
		}
		break;
	}
	pthread_mutex_unlock(&table_lock);
	if (dead)
		record_free(r);
}

/* Whether r's text is what a rendering now gives.  Only for a rendering
 * of the last COMPARE_AGE seconds, whose GETATTR the kernel may not have
 * taken in yet: an invalidation of such an inode makes the kernel drop
 * the reply and read on in its old pages, so one for nothing would serve
 * a text from before a change that completed before the read began.
 * And only if the text did not change in that time: two GETATTRs with
 * different texts may be in flight, and the kernel may take the older
 * one's reply and drop the newer's (each reply it takes moves its
 * attr_version), keeping a text older than ours for the whole timeout. */
static bool still_current(struct record *r)
{
	struct memcg *m;
	struct ctl_text *t;
	bool same = false;
	double now;
	int idx;

	pthread_mutex_lock(&r->lock);
	now = monotonic();
	if (r->text && !r->written && now - r->rendered_at < COMPARE_AGE &&
	    now - r->changed_at >= COMPARE_AGE &&
	    (m = inode_group(r->ino, &idx))) {
		/* Task lists follow the host: not worth a /proc scan here. */
		if (idx >= 0 && !ctl_files[idx].follows_host &&
		    (t = render(m, idx))) {
			same = same_text(r->text, t);
			ctl_text_put(t);
		}
		memcg_put(m);
	}
	pthread_mutex_unlock(&r->lock);
	return same;
}

/* Take the armed records off the list, *n of them in a malloc'd array,
 * except the newest COMPARE_MAX (the list is newest first), which stay
 * armed and go, with a user held, to *newest (*nn of them) if there is
 * one. */
static struct record **take_armed(size_t *n, struct record **newest, size_t *nn)
{
	struct record **taken = NULL, *r;
	size_t cap = 0;

	*n = *nn = 0;
	pthread_mutex_lock(&table_lock);
	for (r = armed; r && newest && *nn < COMPARE_MAX; r = r->anext) {
		r->users++;
		newest[(*nn)++] = r;
	}
	while (r) {
		struct record *next = r->anext;

		if (*n == cap) {
			struct record **bigger;

			cap = cap ? 2 * cap : 16;
			bigger = realloc(taken, cap * sizeof(*taken));
			if (!bigger)
				break;	/* the rest stay armed for the next pass */
			taken = bigger;
		}
		r->users++;
		taken[(*n)++] = r;
		unlink_armed(r);
		r = next;
	}
	pthread_mutex_unlock(&table_lock);
	return taken;
}

static void disarm(struct record *r)
{
	pthread_mutex_lock(&table_lock);
	unlink_armed(r);
	pthread_mutex_unlock(&table_lock);
}

/* Attributes only (offset < 0): no page lock is taken, so this cannot
 * wait on a READ in flight; the reader's own revalidation drops the pages
 * when size or mtime moved. */
static void invalidate(struct record *r)
{
	fuse_lowlevel_notify_inval_inode(session, r->ino, -1, 0);
}

/* compare: what changed shows only in texts, so the newest renderings
 * may be compared with them. */
static void pass(bool compare)
{
	struct record **taken, *newest[COMPARE_MAX];
	size_t n, nn;

	if (!session)
		return;
	atomic_store(&passed_version, memcg_version());
	taken = take_armed(&n, compare ? newest : NULL, &nn);
	for (size_t i = 0; i < n; i++) {
		invalidate(taken[i]);
		record_put(taken[i]);
	}
	free(taken);
	/* These stayed armed while compared, so a change that lands after
	 * a comparison finds them on the list; one that differs is taken
	 * off before the kernel is told, as above. */
	for (size_t i = 0; i < nn; i++) {
		if (!still_current(newest[i])) {
			disarm(newest[i]);
			invalidate(newest[i]);
		}
		record_put(newest[i]);
	}
}

void fcache_changed(void)
{
	pass(true);
}

void fcache_attrs_changed(void)
{
	pass(false);
}

static void wake_notifier(void)
{
	sem_post(&wake_sem);
}

/* The engine changed on its own (an exit, a sampled process, the reaper):
 * pass it on.  Armed before each pass, so a change during it wakes us
 * again. */
static void *notifier_main(void *arg)
{
	(void)arg;
	for (;;) {
		while (sem_wait(&wake_sem) != 0 && errno == EINTR)
			;
		if (atomic_load(&stopping))
			break;
		memcg_version_arm();
		/* A request's own pass may have covered it already. */
		if (memcg_version() != atomic_load(&passed_version))
			pass(true);
	}
	return NULL;
}

int fcache_start(struct fuse_session *se)
{
	int err;

	session = se;
	/* Never destroyed: an engine thread may still post it while we
	 * stop (it loaded the waker just before we cleared it). */
	if (!sem_ready && sem_init(&wake_sem, 0, 0) != 0)
		return -errno;
	sem_ready = true;
	memcg_version_set_waker(wake_notifier);
	memcg_version_arm();
	err = -pthread_create(&notifier, NULL, notifier_main, NULL);
	notifier_running = !err;
	return err;
}

void fcache_stop(void)
{
	memcg_version_set_waker(NULL);
	if (notifier_running) {
		atomic_store(&stopping, true);
		sem_post(&wake_sem);
		pthread_join(notifier, NULL);
		notifier_running = false;
	}
	session = NULL;
	pthread_mutex_lock(&table_lock);
	for (size_t i = 0; i < HASH_SIZE; i++) {
		while (table[i]) {
			struct record *r = table[i];

			table[i] = r->hnext;
			record_free(r);
		}
	}
	armed = NULL;
	pthread_mutex_unlock(&table_lock);
}

void fcache_forget_kernel(fuse_ino_t ino)
{
	fuse_lowlevel_notify_inval_inode(session, ino, -1, 0);
}
