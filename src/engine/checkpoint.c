/* The engine's charges as records, and back; see checkpoint.h.  This file
 * runs a save or a restore and keeps what no page kind owns: tasks,
 * dying groups, LRU order and counters.  Each kind's records are its own
 * (ckpt_impl.h). */
#include "checkpoint.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>

#include "anon.h"
#include "charge.h"
#include "ckpt_impl.h"
#include "lru.h"
#include "memcg_impl.h"
#include "page.h"
#include "rcu.h"
#include "task.h"

/* The event statistics: what pages do not imply. */
static const int event_items[] = {
	MEMCG_WORKINGSET_REFAULT_ANON, MEMCG_WORKINGSET_REFAULT_FILE,
	MEMCG_PGPGIN, MEMCG_PGPGOUT, MEMCG_PGFAULT, MEMCG_PGMAJFAULT,
};
#define NR_EVENT_ITEMS (sizeof(event_items) / sizeof(event_items[0]))

/* ---- the kinds' shared helpers ------------------------------------------ */

void ckpt_emit(struct ckpt_save *s, char type, const char *str, int nr, ...)
{
	struct ckpt_record r = { .type = type, .nr = nr, .str = str };
	va_list ap;

	va_start(ap, nr);
	for (int i = 0; i < nr && i < CKPT_NUMS; i++)
		r.num[i] = va_arg(ap, uint64_t);
	va_end(ap);
	if (str)
		for (r.len = 0; str[r.len]; r.len++)
			;
	s->emit(&r, s->arg);
}

void ckpt_run_end(struct ckpt_save *s, struct ckpt_run *r, char type)
{
	s->last_ptr = 0;	/* the next run may be another object's */
	if (!r->count)
		return;
	if (type == 'p')	/* a file's runs say where they start */
		ckpt_emit(s, type, NULL, 4, r->start, r->owner, r->flags,
			  r->count);
	else			/* the others go on from the last */
		ckpt_emit(s, type, NULL, 3, r->owner, r->flags, r->count);
	r->count = 0;
}

void ckpt_run_add(struct ckpt_save *s, struct ckpt_run *r, char type,
		  uint64_t owner, uint64_t flags, uint64_t pos)
{
	if (r->count && (r->owner != owner || r->flags != flags ||
			 r->start + r->count != pos))
		ckpt_run_end(s, r, type);
	if (!r->count)
		*r = (struct ckpt_run){ owner, flags, pos, 0 };
	r->count++;
}

uint64_t ckpt_owner_of(struct ckpt_save *s, uint32_t idx)
{
	uint32_t word = page_word(idx);
	struct memcg *m;

	if (pg_kind(word) == PAGE_FREE)
		return 0;
	if (s->last_ptr && pg_ptr_id(word) == s->last_ptr)
		return s->last_owner;
	memcg_rcu_read_lock();
	m = page_memcg(idx);
	s->last_ptr = m ? pg_ptr_id(word) : 0;
	s->last_owner = m ? ckpt_group_id(s, m) : 0;
	memcg_rcu_read_unlock();
	return s->last_owner;
}

uint64_t ckpt_group_id(struct ckpt_save *s, struct memcg *m)
{
	/* Its ancestors first: restore walks up what it knows. */
	for (struct memcg *g = m; g->parent && g->ckpt_gen != s->gen;
	     g = g->parent) {
		g->ckpt_gen = s->gen;
		ckpt_emit(s, 'g', NULL, 2, memcg_id(g), memcg_id(g->parent));
	}
	return memcg_id(m);
}

uint32_t ckpt_flags(uint32_t word)
{
	return pg_flags(word) & ~(PG_ISOLATED | PG_REAL);
}

struct memcg *ckpt_group(struct ckpt_restore *c, uint64_t id)
{
	struct memcg *m;
	size_t hops = 0;

	while (!(m = memcg_tryget_by_id(id)) && hops++ < c->parents.nr) {
		size_t i = c->parents.nr;

		while (i && c->parents.v[i - 1].id != id)
			i--;
		if (!i)
			break;
		id = c->parents.v[i - 1].parent;
	}
	if (!m) {
		m = memcg_root();
		memcg_get(m);
	}
	return m;
}

void ckpt_add_pages(struct memcg *m, const uint32_t *idx, long nr,
		    uint32_t flags)
{
	if (nr <= 0)
		return;
	page_counter_charge(&m->res[MEMCG_RES_MEMSW], nr);
	if (pg_resident(flags))
		page_counter_charge(&m->res[MEMCG_RES_MEMORY], nr);
	else
		memcg_swap_get(nr);	/* anon in swap holds swap space */
	if (pg_kind(flags) == PAGE_SLAB)
		page_counter_charge(&m->res[MEMCG_RES_KMEM], nr);
	pages_add(m, idx, nr, flags);
}

/* ---- save ------------------------------------------------------------------- */

/* m's own event statistics (a dying group's too: its ancestors' totals
 * hold them). */
static void save_events(struct ckpt_save *s, struct memcg *m)
{
	long v;

	for (size_t i = 0; i < NR_EVENT_ITEMS; i++)
		if ((v = memcg_stat_local(m, event_items[i])))
			ckpt_emit(s, 'v', NULL, 3, memcg_id(m),
				  (uint64_t)event_items[i], (uint64_t)v);
}

/* m's subtree totals of the events: they keep what groups freed since
 * had, which no local count holds any more. */
static void save_event_totals(struct ckpt_save *s, struct memcg *m)
{
	long v;

	for (size_t i = 0; i < NR_EVENT_ITEMS; i++)
		if ((v = atomic_load(&m->stat_total[event_items[i]])) > 0)
			ckpt_emit(s, 'V', NULL, 3, memcg_id(m),
				  (uint64_t)event_items[i], (uint64_t)v);
}

static void save_dying(struct memcg *m, long rank, void *arg)
{
	struct ckpt_save *s = arg;
	uint64_t parent = memcg_id(m->parent);

	memcg_rcu_read_lock();
	ckpt_emit(s, 'D', memcg_name(m), 4, memcg_id(m), parent,
		  (uint64_t)atomic_load(&m->flags), (uint64_t)rank);
	m->ckpt_gen = s->gen;	/* described */
	memcg_rcu_read_unlock();
	save_events(s, m);
}

static void save_task(struct task *t, void *arg)
{
	struct ckpt_save *s = arg;
	bool any;

	pthread_mutex_lock(&t->lock);
	any = !atomic_load(&t->exited) &&
	      (t->nr_anon || t->nr_sock || atomic_load(&t->has_mappings));
	pthread_mutex_unlock(&t->lock);
	if (!any)
		return;
	if (!t->stamp)
		t->stamp = s->h->task_stamp(t->tid, t->tgid);
	if (!t->stamp)
		return;		/* it exited: its exit uncharges it */
	t->ckpt_gen = s->gen;
	ckpt_emit(s, 'T', NULL, 3, (uint64_t)t->tid, (uint64_t)t->tgid,
		  t->stamp);
	anon_save(s, t);
	sock_save(s, t);
}

/* An LRU run: pages pos.. of one task or file, in list order. */
struct lru_run {
	uint64_t group, list, kind, ref, pos, count;
};

static void lru_run_end(struct ckpt_save *s, struct lru_run *r)
{
	if (r->count)
		ckpt_emit(s, 'l', NULL, 6, r->group, r->list, r->kind, r->ref,
			  r->pos, r->count);
	r->count = 0;
}

/* Under m's LRU lock: which saved object page idx is, and where. */
static bool lru_ref(struct ckpt_save *s, uint32_t idx, uint64_t *kind,
		    uint64_t *ref, uint64_t *pos)
{
	struct page_block *blk = page_block_of(idx);
	void *owner = atomic_load(&blk->owner);

	*pos = blk->base + idx % BLOCK_PAGES;
	switch (atomic_load(&blk->kind)) {
	case BLOCK_ANON:	/* the task holds its pages while they are */
		*kind = 0;
		*ref = (uint64_t)((struct task *)owner)->tid;
		return ((struct task *)owner)->ckpt_gen == s->gen;
	case BLOCK_FILE:
		*kind = 1;
		return pagecache_saved_ref(s, owner, ref);
	default:
		return false;	/* host pages: found again by their sampler */
	}
}

static void save_lru(struct ckpt_save *s, struct memcg *m)
{
	struct lru_run r = { .group = memcg_id(m) };

	pthread_mutex_lock(&m->lruvec.lock);
	for (int list = 0; list < NR_LRU_LISTS; list++) {
		r.list = (uint64_t)list;
		for (uint32_t idx = m->lruvec.lists[list].head; idx != PAGE_NIL;
		     idx = page_frame(idx)->next) {
			uint64_t kind, ref, pos;

			if (!lru_ref(s, idx, &kind, &ref, &pos))
				continue;
			if (r.count && (r.kind != kind || r.ref != ref ||
					r.pos + r.count != pos))
				lru_run_end(s, &r);
			if (!r.count) {
				r.kind = kind;
				r.ref = ref;
				r.pos = pos;
			}
			r.count++;
		}
		lru_run_end(s, &r);
	}
	pthread_mutex_unlock(&m->lruvec.lock);
}

static void save_counters(struct ckpt_save *s, struct memcg *m)
{
	uint64_t id = memcg_id(m);
	long v;

	for (int res = 0; res < MEMCG_NR_RES; res++) {
		struct page_counter *c = &m->res[res];
		long wm = atomic_load(&c->watermark);
		long fail = atomic_load(&c->failcnt);

		/* Even one at the usage: a task that exits before the
		 * restore takes its pages, not the peak they made. */
		if (wm || fail)
			ckpt_emit(s, 'c', NULL, 4, id, (uint64_t)res,
				  (uint64_t)wm, (uint64_t)fail);
	}
	save_events(s, m);
	save_event_totals(s, m);
	if ((v = atomic_load(&m->oom_kill)))
		ckpt_emit(s, 'K', NULL, 2, id, (uint64_t)v);
	if (atomic_load(&m->under_oom))
		ckpt_emit(s, 'O', NULL, 3, id, (uint64_t)atomic_load(&m->oom_need),
			  (uint64_t)atomic_load(&m->oom_res));
}


/* Groups whose pages can be on LRU lists or counted: the online ones,
 * referenced, parents first. */
static long online_groups(struct memcg ***out)
{
	VEC(struct memcg *) all = VEC_INIT;
	struct memcg *m = NULL;

	memcg_tree_lock();
	while ((m = memcg_next_pre(m, memcg_root()))) {
		struct memcg **slot;

		if (!memcg_online(m) || !(slot = VEC_PUSH(&all)))
			continue;
		memcg_get(m);
		*slot = m;
	}
	memcg_tree_unlock();
	*out = all.v;
	return (long)all.nr;
}

void engine_checkpoint_save(const struct ckpt_hooks *h, ckpt_emit_fn emit,
			    void *arg)
{
	static uint32_t gen;	/* saves do not overlap (checkpoint.h) */
	struct ckpt_save s = { .h = h, .emit = emit, .arg = arg,
			       .gen = ++gen ? gen : ++gen };
	struct memcg **groups;
	long n;

	memcg_dying_save(save_dying, &s);
	task_for_each(save_task, &s);
	pagecache_save(&s);
	slab_save(&s);
	n = online_groups(&groups);
	for (long i = 0; i < n; i++)
		save_lru(&s, groups[i]);
	for (long i = 0; i < n; i++) {
		save_counters(&s, groups[i]);
		memcg_put(groups[i]);
	}
	free(groups);
}

/* ---- restore ---------------------------------------------------------------- */

struct ckpt_restore *engine_restore_begin(const struct ckpt_hooks *h)
{
	struct ckpt_restore *c = calloc(1, sizeof(*c));

	if (c)
		c->h = h;
	return c;
}

static void task_done(struct ckpt_restore *c)
{
	if (c->task)
		task_put(c->task);
	c->task = NULL;
}

static int restore_dying(struct ckpt_restore *c, const struct ckpt_record *r)
{
	struct memcg *parent, *m, **slot;
	int err;

	if (r->nr != 4 || !r->str || !r->len || !(r->num[2] & MEMCG_KMEM_DEAD))
		return -EINVAL;
	parent = ckpt_group(c, r->num[1]);
	m = memcg_restore_dying(parent, r->str, r->num[0],
				(unsigned)r->num[2], &err);
	memcg_put(parent);
	if (!m)
		return err;
	slot = VEC_PUSH(&c->dying);
	if (!slot) {
		memcg_remove(m);
		memcg_put(m);
		return -ENOMEM;
	}
	m->ckpt_rank = (long)r->num[3];
	*slot = m;
	return 0;
}

static int restore_task(struct ckpt_restore *c, const struct ckpt_record *r)
{
	pid_t tid = (pid_t)r->num[0], tgid = (pid_t)r->num[1];

	task_done(c);
	if (r->nr != 3 || tid <= 0 || tgid <= 0 || !r->num[2])
		return -EINVAL;
	if (!c->h->task_alive(tid, tgid, r->num[2]))
		return 0;	/* gone meanwhile: its exit took its pages */
	c->task = task_get_or_create(tid, tgid);
	if (!c->task)
		return -ENOMEM;
	c->task->stamp = r->num[2];
	return 0;
}

/* Under m's LRU lock: page idx, which m owns, goes last on list. */
static void lru_requeue(struct memcg *m, int list, uint32_t idx)
{
	uint32_t word = page_word(idx);

	if (!page_on_lru(word) || (int)lru_list_of(word) != list)
		return;
	lru_del(m, (enum lru_list)list, idx);
	lru_add(m, (enum lru_list)list, idx);
}

static uint32_t task_page(struct task *t, uint32_t pos)
{
	uint32_t idx = 0;

	pthread_mutex_lock(&t->lock);
	if (pos < t->nr_anon)
		idx = anon_position_page(t, pos);
	pthread_mutex_unlock(&t->lock);
	return idx;
}

static int restore_lru(struct ckpt_restore *c, const struct ckpt_record *r)
{
	struct task *t = NULL;

	if (r->nr != 6 || r->num[1] >= NR_LRU_LISTS || r->num[2] > 1 ||
	    r->num[4] + r->num[5] > UINT32_MAX)
		return -EINVAL;
	if (r->num[2] == 0 && !(t = task_find_get((pid_t)r->num[3])))
		return 0;
	for (uint64_t i = 0; i < r->num[5]; i++) {
		uint32_t pos = (uint32_t)(r->num[4] + i);
		uint32_t idx = t ? task_page(t, pos) :
			       pagecache_restored_page(c, r->num[3], pos);
		struct memcg *m;

		if (!idx || !(m = page_lock_memcg(idx)))
			continue;
		if (memcg_id(m) == r->num[0])
			lru_requeue(m, (int)r->num[1], idx);
		pthread_mutex_unlock(&m->lruvec.lock);
	}
	if (t)
		task_put(t);
	return 0;
}

static int restore_parent(struct ckpt_restore *c, const struct ckpt_record *r)
{
	struct ckpt_parent *p;

	if (r->nr != 2 || !r->num[0] || r->num[0] == r->num[1])
		return -EINVAL;
	p = VEC_PUSH(&c->parents);
	if (!p)
		return -ENOMEM;
	*p = (struct ckpt_parent){ r->num[0], r->num[1] };
	return 0;
}

static int keep_late(struct ckpt_restore *c, const struct ckpt_record *r)
{
	struct ckpt_record *slot;
	int want = r->type == 'c' ? 4 : r->type == 'K' ? 2 : 3;

	if (r->nr != want || (r->type == 'c' && r->num[1] >= MEMCG_NR_RES) ||
	    (r->type == 'O' && r->num[2] >= MEMCG_NR_RES))
		return -EINVAL;
	if (r->type == 'v' || r->type == 'V') {
		size_t i = 0;

		while (i < NR_EVENT_ITEMS && (uint64_t)event_items[i] != r->num[1])
			i++;
		if (i == NR_EVENT_ITEMS)
			return -EINVAL;
	}
	slot = VEC_PUSH(&c->late);
	if (!slot)
		return -ENOMEM;
	*slot = *r;
	slot->str = NULL;
	return 0;
}

int engine_restore_record(struct ckpt_restore *c, const struct ckpt_record *r)
{
	switch (r->type) {
	case 'D':
		return restore_dying(c, r);
	case 'T':
		return restore_task(c, r);
	case 'a':
		return anon_restore(c, r);
	case 'k':
		return sock_restore(c, r);
	case 'F': case 'm': case 'h': case 'p':
		task_done(c);
		return pagecache_restore(c, r);
	case 'C': case 'S': case 's': case 't': case 'o':
		return slab_restore(c, r);
	case 'l':
		return restore_lru(c, r);
	case 'c': case 'v': case 'V': case 'K': case 'O':
		return keep_late(c, r);
	case 'g':
		return restore_parent(c, r);
	default:
		return -EINVAL;
	}
}

/* A group a late record names: a live one, or one restore brought back
 * dying (removed by now, still referenced by c). */
struct memcg *ckpt_restored_dying(struct ckpt_restore *c, uint64_t id)
{
	for (size_t i = 0; i < c->dying.nr; i++)
		if (memcg_id(c->dying.v[i]) == id)
			return c->dying.v[i];
	return NULL;
}

static struct memcg *late_group(struct ckpt_restore *c, uint64_t id)
{
	struct memcg *m = memcg_tryget_by_id(id);

	if (!m && (m = ckpt_restored_dying(c, id)))
		memcg_get(m);
	return m;
}

static void apply_late(struct ckpt_restore *c, const struct ckpt_record *r)
{
	struct memcg *m = late_group(c, r->num[0]);

	if (!m)
		return;
	switch (r->type) {
	case 'c':
		page_counter_restore(&m->res[r->num[1]], (long)r->num[2],
				     (long)r->num[3]);
		break;
	case 'v':
		memcg_stat_restore(m, (int)r->num[1], (long)r->num[2]);
		break;
	case 'V':	/* after every v: those move the totals above them */
		atomic_store(&m->stat_total[r->num[1]], (long)r->num[2]);
		break;
	case 'O':
		atomic_store(&m->oom_need, (long)r->num[1]);
		atomic_store(&m->oom_res, (int)r->num[2]);
		atomic_store(&m->under_oom, 1);
		break;
	default:
		atomic_store(&m->oom_kill, (long)r->num[1]);
	}
	memcg_put(m);
}

static int by_rank(const void *a, const void *b)
{
	long x = (*(struct memcg *const *)a)->ckpt_rank;
	long y = (*(struct memcg *const *)b)->ckpt_rank;

	return x < y ? -1 : x > y;
}

void engine_restore_end(struct ckpt_restore *c)
{
	task_done(c);
	if (c->slab_owner)
		memcg_put(c->slab_owner);
	/* In the order they were removed: children before their parents. */
	if (c->dying.nr)
		qsort(c->dying.v, c->dying.nr, sizeof(*c->dying.v), by_rank);
	slab_restoring(true);
	for (size_t i = 0; i < c->dying.nr; i++)
		memcg_remove(c->dying.v[i]);
	slab_restoring(false);
	/* After the removals, which fold a group's own statistics into its
	 * parent's: the events each had are set as they were. */
	for (size_t i = 0; i < c->late.nr; i++)
		if (c->late.v[i].type != 'V')
			apply_late(c, &c->late.v[i]);
	for (size_t i = 0; i < c->late.nr; i++)
		if (c->late.v[i].type == 'V')
			apply_late(c, &c->late.v[i]);
	for (size_t i = 0; i < c->dying.nr; i++)
		memcg_put(c->dying.v[i]);
	free(c->files.v);
	free(c->caches.v);
	free(c->copies.v);
	free(c->dying.v);
	free(c->late.v);
	free(c->parents.v);
	free(c);
}
