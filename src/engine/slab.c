/* Slab caches, per-group copies, shrinking and the dead-cache reaper; see
 * slab.h.
 *
 * Locking (kmalloc_lock, slab_lock, what they guard and their order):
 * src/engine/LOCKING. */
#include "slab.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/vec.h"
#include "charge.h"
#include "ckpt_impl.h"
#include "memcg_impl.h"
#include "page.h"
#include "rcu.h"
#include "reclaim.h"
#include "task.h"

#define NAME_LEN 64

struct kmem_cache {
	struct kmem_cache *next;
	unsigned objsize, per_slab;
	uint32_t ckpt_no;		/* its C number in the last save */
	char name[NAME_LEN];
};

struct slab {
	uint32_t idx;		/* its page frame; 0: a free record */
	uint32_t inuse;		/* objects allocated from it */
	bool partial;		/* on its copy's partial heap */
};

/* A min-heap of slab record numbers.  Its room is reserved as records are
 * made (a record is on each heap at most once), so a push never fails. */
struct slab_heap {
	uint32_t *v;
	uint32_t nr;
	size_t cap;
};

struct kmem_copy {
	struct kmem_copy *next;		/* all copies, live and dead */
	struct kmem_cache *cache;
	struct memcg *memcg;		/* its group while alive, else NULL */
	uint64_t group_id;
	bool dead;
	bool charging;			/* a kmalloc charges for it: keep it */
	char name[2 * NAME_LEN];	/* NAME(ID:GROUP) */
	struct slab *slabs;
	uint32_t nr_slabs;
	size_t cap_slabs;
	/* Lowest-numbered first, so that allocation costs O(log slabs), not
	 * a scan: records with free objects (some stale: freed since, or
	 * full, dropped when met), and free records. */
	struct slab_heap partial, free_recs;
	uint32_t *blocks;		/* frames come from these blocks */
	uint32_t nr_blocks, next_slot;
	size_t cap_blocks;
	uint32_t *free_frames;		/* frames of shrunk slabs, for reuse */
	uint32_t nr_free_frames;
	size_t cap_free_frames;
	long nr_pages, active_objs;
	long nr_empty;			/* slab pages with no object */
	uint32_t ckpt_no;		/* its S number in the last save */
};

struct tag_entry {
	struct kmem_copy *copy;
	uint32_t slab;
	uint32_t count;
};

struct tag {
	struct tag *next;
	struct tag_entry *e;
	uint32_t nr;
	size_t cap;
	char name[];
};

static pthread_mutex_t kmalloc_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t slab_lock = PTHREAD_MUTEX_INITIALIZER;
static struct kmem_cache *caches;
static struct kmem_copy *copies;
static struct tag *tags;
static bool restoring;		/* slab_restoring(): before any request */

static const struct { const char *name; unsigned size; } predefined[] = {
	{ "kmalloc-8", 8 }, { "kmalloc-16", 16 }, { "kmalloc-32", 32 },
	{ "kmalloc-64", 64 }, { "kmalloc-128", 128 }, { "kmalloc-256", 256 },
	{ "kmalloc-512", 512 }, { "kmalloc-1024", 1024 },
	{ "kmalloc-2048", 2048 }, { "kmalloc-4096", 4096 },
	{ "dentry", 192 }, { "inode_cache", 608 }, { "task_struct", 4096 },
};

static struct kmem_cache *cache_new(const char *name, unsigned size)
{
	struct kmem_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->objsize = size;
	c->per_slab = (unsigned)(memcg_config()->page_size / size);
	c->next = caches;
	caches = c;
	return c;
}

int slab_init(void)
{
	for (size_t i = 0; i < sizeof(predefined) / sizeof(predefined[0]); i++)
		if (predefined[i].size <= memcg_config()->page_size &&
		    !cache_new(predefined[i].name, predefined[i].size)) {
			slab_exit();
			return -ENOMEM;
		}
	return 0;
}

/* Under slab_lock: the cache called spec, "NAME" or "NAME:SIZE" (which
 * defines it on first use).  NULL for an unknown or malformed one. */
static struct kmem_cache *cache_lookup(const char *spec)
{
	char name[NAME_LEN];
	const char *colon = strchr(spec, ':');
	size_t len = colon ? (size_t)(colon - spec) : strlen(spec);
	struct kmem_cache *c;
	char *end;
	unsigned long size = 0;

	if (len == 0 || len >= sizeof(name))
		return NULL;
	memcpy(name, spec, len);
	name[len] = '\0';
	if (colon) {
		size = strtoul(colon + 1, &end, 10);
		if (*end || colon[1] < '1' || colon[1] > '9' ||
		    size > memcg_config()->page_size)
			return NULL;
	}
	for (c = caches; c; c = c->next)
		if (!strcmp(c->name, name))
			return (!colon || c->objsize == size) ? c : NULL;
	return colon ? cache_new(name, (unsigned)size) : NULL;
}

/* Under slab_lock: a new copy of cache c, first on the list; m its
 * group while it is alive (else NULL). */
static struct kmem_copy *copy_new(struct kmem_cache *c, struct memcg *m,
				  uint64_t group_id, const char *name)
{
	struct kmem_copy *cp = calloc(1, sizeof(*cp));

	if (!cp)
		return NULL;
	cp->cache = c;
	cp->memcg = m;
	cp->group_id = group_id;
	cp->dead = !m;
	snprintf(cp->name, sizeof(cp->name), "%s", name);
	cp->next = copies;
	copies = cp;
	if (m)
		atomic_fetch_add(&m->nr_caches, 1);
	return cp;
}

/* Under slab_lock. */
static struct kmem_copy *copy_of(struct memcg *m, struct kmem_cache *c)
{
	char name[2 * NAME_LEN];
	struct kmem_copy *cp;

	for (cp = copies; cp; cp = cp->next)
		if (cp->memcg == m && cp->cache == c)
			return cp;
	memcg_rcu_read_lock();
	snprintf(name, sizeof(name), "%s(%llu:%s)", c->name,
		 (unsigned long long)m->id,
		 memcg_is_root(m) ? "/" : memcg_name(m));
	memcg_rcu_read_unlock();
	return copy_new(c, m, m->id, name);
}

static long free_objects(struct kmem_copy *cp)
{
	return cp->nr_pages * (long)cp->cache->per_slab - cp->active_objs;
}

/* Under slab_lock: a frame for a new slab page of cp, or 0. */
static uint32_t copy_frame(struct kmem_copy *cp)
{
	uint32_t b;

	if (cp->nr_free_frames)
		return cp->free_frames[--cp->nr_free_frames];
	if (!cp->nr_blocks || cp->next_slot == BLOCK_PAGES) {
		if (!VEC_GROW(cp->blocks, cp->nr_blocks, cp->cap_blocks))
			return 0;
		b = block_alloc(cp, BLOCK_SLAB, cp->nr_blocks * BLOCK_PAGES);
		if (!b)
			return 0;
		cp->blocks[cp->nr_blocks++] = b;
		cp->next_slot = 0;
	}
	return block_first_page(cp->blocks[cp->nr_blocks - 1]) + cp->next_slot++;
}

static void heap_push(struct slab_heap *h, uint32_t x)
{
	uint32_t i = h->nr++;

	for (; i && h->v[(i - 1) / 2] > x; i = (i - 1) / 2)
		h->v[i] = h->v[(i - 1) / 2];
	h->v[i] = x;
}

static uint32_t heap_pop(struct slab_heap *h)
{
	uint32_t top = h->v[0], x = h->v[--h->nr], i = 0;

	for (;;) {
		uint32_t c = 2 * i + 1;

		if (c >= h->nr)
			break;
		if (c + 1 < h->nr && h->v[c + 1] < h->v[c])
			c++;
		if (h->v[c] >= x)
			break;
		h->v[i] = h->v[c];
		i = c;
	}
	if (h->nr)
		h->v[i] = x;
	return top;
}

/* Under slab_lock: slab s has room; make sure fill() finds it. */
static void slab_has_room(struct kmem_copy *cp, uint32_t s)
{
	if (!cp->slabs[s].partial) {
		cp->slabs[s].partial = true;
		heap_push(&cp->partial, s);
	}
}

/* Under slab_lock: room for one record more, on the heaps too. */
static bool reserve_record(struct kmem_copy *cp)
{
	size_t n = (size_t)cp->nr_slabs + 1;

	return vec_reserve(&cp->slabs, &cp->cap_slabs, n, sizeof(*cp->slabs)) &&
	       vec_reserve(&cp->partial.v, &cp->partial.cap, n, sizeof(uint32_t)) &&
	       vec_reserve(&cp->free_recs.v, &cp->free_recs.cap, n,
			   sizeof(uint32_t));
}

/* Under slab_lock: a record for slab page idx; returns its number. */
static long slab_record(struct kmem_copy *cp, uint32_t idx)
{
	uint32_t s;

	if (cp->free_recs.nr) {
		s = heap_pop(&cp->free_recs);
	} else {
		if (!reserve_record(cp))
			return -1;
		s = cp->nr_slabs++;
		cp->slabs[s].partial = false;
	}
	cp->slabs[s].idx = idx;
	cp->slabs[s].inuse = 0;
	slab_has_room(cp, s);
	return s;
}

/* Under slab_lock. */
static struct tag *tag_find(const char *name, bool create)
{
	struct tag *t;
	size_t n = strlen(name) + 1;

	for (t = tags; t; t = t->next)
		if (!strcmp(t->name, name))
			return t;
	if (!create || !(t = calloc(1, sizeof(*t) + n)))
		return NULL;
	memcpy(t->name, name, n);
	t->next = tags;
	tags = t;
	return t;
}

/* Under slab_lock: give count objects of cp's free room to tag, from the
 * lowest-numbered slabs with room. */
static int fill(struct kmem_copy *cp, struct tag *tg, long count)
{
	while (count && cp->partial.nr) {
		uint32_t s = cp->partial.v[0];
		struct slab *sl = &cp->slabs[s];
		long take = (long)cp->cache->per_slab - sl->inuse;

		if (!sl->idx || take <= 0) {
			heap_pop(&cp->partial);
			sl->partial = false;
			continue;
		}
		if (take > count)
			take = count;
		if (!VEC_GROW(tg->e, tg->nr, tg->cap))
			return -ENOMEM;
		tg->e[tg->nr++] = (struct tag_entry){ cp, s, (uint32_t)take };
		cp->nr_empty -= sl->inuse == 0;
		sl->inuse += (uint32_t)take;
		cp->active_objs += take;
		count -= take;
	}
	return count ? -ENOMEM : 0;
}

/* Under slab_lock: add n new (charged) slab pages to cp for group m. */
static long add_slabs(struct kmem_copy *cp, struct memcg *m, long n)
{
	uint32_t batch[64];
	long added = 0;

	while (added < n) {
		int k = 0;

		while (k < 64 && added + k < n) {
			uint32_t idx = copy_frame(cp);

			if (!idx || slab_record(cp, idx) < 0)
				break;
			batch[k++] = idx;
		}
		if (!k)
			break;
		pages_add(m, batch, k, PAGE_SLAB);
		cp->nr_pages += k;
		cp->nr_empty += k;
		added += k;
	}
	return added;
}

static void uncharge_slab_pages(struct memcg *m, long n)
{
	page_counter_uncharge(&m->res[MEMCG_RES_KMEM], n);
	memcg_uncharge(m, n, true, true);
}

/* The group a task's kernel memory is charged to, referenced: its own,
 * or under kmem=pin the nearest one (itself, an ancestor, the root) whose
 * kmem accounting was started by a kmem limit write. */
static struct memcg *kmem_target(struct task *t)
{
	struct memcg *m = task_memcg_get(t), *target = m;

	if (memcg_config()->kmem_model != MEMCG_KMEM_PIN)
		return m;
	while (!memcg_is_root(target) &&
	       !(atomic_load(&target->flags) & MEMCG_KMEM_ACTIVE))
		target = target->parent;
	memcg_get(target);
	memcg_put(m);
	return target;
}

int slab_kmalloc(struct task *t, const char *cache, long count,
		 const char *tag)
{
	struct kmem_cache *c;
	struct kmem_copy *cp;
	struct page_counter *fail;
	struct memcg *m;
	struct tag *tg;
	long need, added;
	int err;

	if (count <= 0)
		return count ? -EINVAL : 0;
retry:
	m = kmem_target(t);
	need = 0;
	err = 0;
	pthread_mutex_lock(&kmalloc_lock);
	pthread_mutex_lock(&slab_lock);
	/* The task may have moved away and m been removed since it was
	 * looked up: a removed group gets no new cache copy (none would
	 * ever be marked dead) and no new slab page. */
	if (!memcg_online(m)) {
		pthread_mutex_unlock(&slab_lock);
		goto again;
	}
	c = cache_lookup(cache);
	cp = c ? copy_of(m, c) : NULL;
	if (!c)
		err = -EINVAL;
	else if (!cp)
		err = -ENOMEM;
	else if (count > free_objects(cp))
		need = (count - free_objects(cp) + c->per_slab - 1) / c->per_slab;
	if (cp)
		cp->charging = true;	/* one kmalloc at a time */
	pthread_mutex_unlock(&slab_lock);
	/* A kmem limit refuses without reclaim or OOM; memory may reclaim. */
	if (!err && need) {
		if (!page_counter_try_charge(&m->res[MEMCG_RES_KMEM], need, &fail))
			err = -ENOMEM;
		else if ((err = memcg_charge(m, need, t)))
			page_counter_uncharge(&m->res[MEMCG_RES_KMEM], need);
	}
	pthread_mutex_lock(&slab_lock);
	if (cp)
		cp->charging = false;
	if (err) {
		pthread_mutex_unlock(&slab_lock);
		goto out;
	}
	/* Removed while charging: its copy died (slab_group_offline runs
	 * under slab_lock), and under kmem=pin its kmem pointer may be gone
	 * with it.  Give the charge back, settling a dying group whose last
	 * kmem charge this was, and start again from the task's group. */
	if (cp->dead) {
		pthread_mutex_unlock(&slab_lock);
		uncharge_slab_pages(m, need);
		memcg_kmem_uncharged(m);
		goto again;
	}
	added = add_slabs(cp, m, need);
	if (added < need)
		uncharge_slab_pages(m, need - added);
	tg = tag_find(tag, true);
	err = tg ? fill(cp, tg, count) : -ENOMEM;
	pthread_mutex_unlock(&slab_lock);
out:
	pthread_mutex_unlock(&kmalloc_lock);
	memcg_put(m);
	return err;
again:
	pthread_mutex_unlock(&kmalloc_lock);
	memcg_put(m);
	goto retry;
}

int slab_kfree(const char *tag, long count)
{
	struct tag *tg, **pp;

	pthread_mutex_lock(&slab_lock);
	tg = tag_find(tag, false);
	if (!tg) {
		pthread_mutex_unlock(&slab_lock);
		return -EINVAL;
	}
	/* The newest objects first. */
	while (tg->nr && count) {
		struct tag_entry *e = &tg->e[tg->nr - 1];
		long k = count < 0 || count > e->count ? e->count : count;

		e->copy->slabs[e->slab].inuse -= (uint32_t)k;
		e->copy->nr_empty += e->copy->slabs[e->slab].inuse == 0;
		slab_has_room(e->copy, e->slab);
		e->copy->active_objs -= k;
		e->count -= (uint32_t)k;
		if (count > 0)
			count -= k;
		if (!e->count)
			tg->nr--;
	}
	if (!tg->nr) {
		for (pp = &tags; *pp != tg; pp = &(*pp)->next)
			;
		*pp = tg->next;
		free(tg->e);
		free(tg);
	}
	pthread_mutex_unlock(&slab_lock);
	return 0;
}

/* Under slab_lock: free cp's empty slab pages; returns how many. */
static long shrink_copy(struct kmem_copy *cp)
{
	uint32_t batch[64], words[64];
	long freed = 0;
	int k = 0;

	/* Removal shrinks every copy of the group: with nothing empty that
	 * costs nothing, whatever the number of objects. */
	if (!cp->nr_empty)
		return 0;
	for (uint32_t s = 0; s <= cp->nr_slabs; s++) {
		if (k == 64 || (s == cp->nr_slabs && k)) {
			pages_remove(batch, k, words);
			freed += k;
			k = 0;
		}
		if (s == cp->nr_slabs)
			break;
		if (!cp->slabs[s].idx || cp->slabs[s].inuse)
			continue;
		if (!VEC_GROW(cp->free_frames, cp->nr_free_frames,
			      cp->cap_free_frames))
			continue;	/* keep it: no room to remember it */
		cp->free_frames[cp->nr_free_frames++] = cp->slabs[s].idx;
		batch[k++] = cp->slabs[s].idx;
		cp->slabs[s].idx = 0;
		heap_push(&cp->free_recs, s);
	}
	cp->nr_pages -= freed;
	cp->nr_empty -= freed;
	return freed;
}

/* Whether cp's pages are charged within scope's subtree: they all have
 * one owner, so the first page tells. */
static bool copy_in(struct kmem_copy *cp, struct memcg *scope)
{
	struct memcg *owner;

	if (!scope)
		return true;
	for (uint32_t s = 0; s < cp->nr_slabs; s++)
		if (cp->slabs[s].idx) {
			memcg_rcu_read_lock();
			owner = page_memcg(cp->slabs[s].idx);
			for (; owner && owner != scope; owner = owner->parent)
				;
			memcg_rcu_read_unlock();
			return owner == scope;
		}
	return false;
}

long slab_shrink(const char *cache, struct memcg *scope)
{
	long freed = 0;

	pthread_mutex_lock(&slab_lock);
	for (struct kmem_copy *cp = copies; cp; cp = cp->next)
		if ((!cache || !strcmp(cp->cache->name, cache)) &&
		    copy_in(cp, scope))
			freed += shrink_copy(cp);
	pthread_mutex_unlock(&slab_lock);
	return freed;
}

static void copy_free(struct kmem_copy *cp)
{
	free(cp->blocks);
	free(cp->slabs);
	free(cp->partial.v);
	free(cp->free_recs.v);
	free(cp->free_frames);
	free(cp);
}

static void copy_destroy(struct kmem_copy *cp)
{
	for (uint32_t b = 0; b < cp->nr_blocks; b++)
		block_free(cp->blocks[b]);
	copy_free(cp);
}

long slab_reap(void)
{
	struct kmem_copy **pp = &copies;
	long destroyed = 0;

	pthread_mutex_lock(&slab_lock);
	while (*pp) {
		struct kmem_copy *cp = *pp;

		if (cp->dead)
			shrink_copy(cp);
		if (cp->dead && !cp->nr_pages && !cp->charging) {
			*pp = cp->next;
			copy_destroy(cp);
			destroyed++;
		} else {
			pp = &cp->next;
		}
	}
	pthread_mutex_unlock(&slab_lock);
	return destroyed;
}

void slab_group_offline(struct memcg *m)
{
	pthread_mutex_lock(&slab_lock);
	for (struct kmem_copy *cp = copies; cp; cp = cp->next) {
		if (cp->memcg != m)
			continue;
		cp->memcg = NULL;
		cp->dead = true;	/* on the reaper's list once: never again */
		if (!restoring)
			shrink_copy(cp);
		atomic_fetch_sub(&m->nr_caches, 1);
	}
	pthread_mutex_unlock(&slab_lock);
}

void slab_for_each_copy(struct memcg *m,
			void (*fn)(const struct slab_copy_info *c, void *arg),
			void *arg)
{
	pthread_mutex_lock(&slab_lock);
	for (struct kmem_copy *cp = copies; cp; cp = cp->next) {
		struct slab_copy_info c = {
			.name = cp->name, .active_objs = cp->active_objs,
			.num_objs = cp->nr_pages * (long)cp->cache->per_slab,
			.objsize = cp->cache->objsize,
			.per_slab = cp->cache->per_slab, .num_slabs = cp->nr_pages,
		};

		if (cp->memcg != m)
			continue;
		for (uint32_t s = 0; s < cp->nr_slabs; s++)
			c.active_slabs += cp->slabs[s].idx && cp->slabs[s].inuse;
		fn(&c, arg);
	}
	pthread_mutex_unlock(&slab_lock);
}

long slab_dead_copies_of(uint64_t group_id)
{
	long n = 0;

	pthread_mutex_lock(&slab_lock);
	for (struct kmem_copy *cp = copies; cp; cp = cp->next)
		n += cp->dead && cp->group_id == group_id;
	pthread_mutex_unlock(&slab_lock);
	return n;
}

void slab_exit(void)
{
	while (copies) {
		struct kmem_copy *cp = copies;

		copies = cp->next;
		copy_free(cp);		/* the frames go with the engine */
	}
	while (tags) {
		struct tag *t = tags;

		tags = t->next;
		free(t->e);
		free(t);
	}
	while (caches) {
		struct kmem_cache *c = caches;

		caches = c->next;
		free(c);
	}
}

/* ---- checkpoint (checkpoint.h) ------------------------------------------ */

void slab_restoring(bool on)
{
	pthread_mutex_lock(&slab_lock);
	restoring = on;
	pthread_mutex_unlock(&slab_lock);
}

/* Under slab_lock: the group cp's pages are charged to (0 if none). */
static uint64_t copy_owner(struct ckpt_save *ck, struct kmem_copy *cp)
{
	for (uint32_t s = 0; s < cp->nr_slabs; s++)
		if (cp->slabs[s].idx)
			return ckpt_owner_of(ck, cp->slabs[s].idx);
	return 0;
}

static void save_copy(struct ckpt_save *s, struct kmem_copy *cp)
{
	struct ckpt_run run = { 0 };

	ckpt_emit(s, 'S', cp->name, 4, (uint64_t)cp->cache->ckpt_no,
		  cp->group_id, copy_owner(s, cp), (uint64_t)cp->dead);
	for (uint32_t r = 0; r < cp->nr_slabs; r++)
		ckpt_run_add(s, &run, 's', cp->slabs[r].idx != 0,
			     cp->slabs[r].inuse, r);
	ckpt_run_end(s, &run, 's');
}

void slab_save(struct ckpt_save *s)
{
	VEC(struct kmem_copy *) order = VEC_INIT;
	VEC(struct tag *) tag_order = VEC_INIT;
	size_t nr_copies;
	uint32_t n = 0;

	pthread_mutex_lock(&slab_lock);
	for (struct kmem_cache *c = caches; c; c = c->next) {
		c->ckpt_no = n++;
		ckpt_emit(s, 'C', c->name, 1, (uint64_t)c->objsize);
	}
	/* Oldest first: restore puts each new copy first, as kmalloc did. */
	for (struct kmem_copy *cp = copies; cp; cp = cp->next) {
		struct kmem_copy **slot = VEC_PUSH(&order);

		if (slot)
			*slot = cp;
	}
	nr_copies = order.nr;
	for (n = 0; n < nr_copies; n++) {
		struct kmem_copy *cp = order.v[nr_copies - 1 - n];

		cp->ckpt_no = n;
		save_copy(s, cp);
	}
	/* Tags the same way: oldest first. */
	for (struct tag *tg = tags; tg; tg = tg->next) {
		struct tag **slot = VEC_PUSH(&tag_order);

		if (slot)
			*slot = tg;
	}
	for (size_t t = tag_order.nr; t--;) {
		struct tag *tg = tag_order.v[t];

		ckpt_emit(s, 't', tg->name, 0);
		for (uint32_t i = 0; i < tg->nr; i++)
			ckpt_emit(s, 'o', NULL, 3,
				  (uint64_t)tg->e[i].copy->ckpt_no,
				  (uint64_t)tg->e[i].slab,
				  (uint64_t)tg->e[i].count);
	}
	pthread_mutex_unlock(&slab_lock);
	free(order.v);
	free(tag_order.v);
}

/* Under slab_lock: the cache called name, made with objsize if new. */
static struct kmem_cache *restore_cache(const char *name, uint64_t objsize)
{
	struct kmem_cache *c;

	if (!objsize || objsize > memcg_config()->page_size ||
	    strlen(name) >= NAME_LEN)
		return NULL;
	for (c = caches; c; c = c->next)
		if (!strcmp(c->name, name))
			return c->objsize == objsize ? c : NULL;
	return cache_new(name, (unsigned)objsize);
}

/* Under slab_lock: the copy an S record names.  A live copy joins its
 * group; a dead one of a group restore brings back dying joins it too,
 * to die with it at the end; any other dead one is dead at once. */
static struct kmem_copy *restore_copy(struct ckpt_restore *c,
				      const struct ckpt_record *r)
{
	struct kmem_cache *cache;
	struct memcg *m = NULL;
	struct kmem_copy *cp;

	if (r->num[0] >= c->caches.nr || !r->str || r->len >= 2 * NAME_LEN)
		return NULL;
	cache = c->caches.v[r->num[0]];
	/* A group removed since the save: its copy died with it. */
	if (!r->num[3] || ckpt_restored_dying(c, r->num[1]))
		m = memcg_tryget_by_id(r->num[1]);
	cp = copy_new(cache, m, r->num[1], r->str);
	if (m)
		memcg_put(m);	/* a live copy's group outlives it */
	return cp;
}

/* Under slab_lock: the next nr records of cp, in use or free. */
static int restore_slabs(struct ckpt_restore *c, struct kmem_copy *cp,
			 bool live, uint32_t inuse, uint64_t nr)
{
	uint32_t batch[64];
	int k = 0;

	if (inuse > cp->cache->per_slab || (!live && inuse) ||
	    cp->nr_slabs + nr > UINT32_MAX / 2)
		return -EINVAL;
	for (uint64_t i = 0; i < nr; i++) {
		uint32_t s = cp->nr_slabs, idx = 0;

		if (!reserve_record(cp) || (live && !(idx = copy_frame(cp))))
			break;
		cp->nr_slabs++;
		cp->slabs[s] = (struct slab){ idx, inuse, false };
		if (!live) {
			heap_push(&cp->free_recs, s);
			continue;
		}
		if (inuse < cp->cache->per_slab)
			slab_has_room(cp, s);
		cp->nr_pages++;
		cp->nr_empty += !inuse;
		cp->active_objs += inuse;
		batch[k++] = idx;
		if (k == 64) {
			ckpt_add_pages(c->slab_owner, batch, k, PAGE_SLAB);
			k = 0;
		}
	}
	ckpt_add_pages(c->slab_owner, batch, k, PAGE_SLAB);
	return 0;
}

/* Under slab_lock: objects of the last tag. */
static int restore_objects(struct ckpt_restore *c, const struct ckpt_record *r)
{
	struct tag *tg = c->tag;
	struct kmem_copy *cp;
	struct slab *sl;

	if (!tg || r->nr != 3 || r->num[0] >= c->copies.nr || !r->num[2])
		return -EINVAL;
	cp = c->copies.v[r->num[0]];
	if (r->num[1] >= cp->nr_slabs)
		return -EINVAL;
	sl = &cp->slabs[r->num[1]];
	if (!sl->idx || r->num[2] > sl->inuse)
		return -EINVAL;
	if (!VEC_GROW(tg->e, tg->nr, tg->cap))
		return -ENOMEM;
	tg->e[tg->nr++] = (struct tag_entry){ cp, (uint32_t)r->num[1],
					      (uint32_t)r->num[2] };
	return 0;
}

int slab_restore(struct ckpt_restore *c, const struct ckpt_record *r)
{
	struct kmem_copy *cp;
	void **slot;
	int err = 0;

	pthread_mutex_lock(&slab_lock);
	switch (r->type) {
	case 'C':
		slot = r->nr == 1 && r->str ? VEC_PUSH(&c->caches) : NULL;
		err = slot && (*slot = restore_cache(r->str, r->num[0])) ? 0 : -EINVAL;
		break;
	case 'S':
		cp = r->nr == 4 ? restore_copy(c, r) : NULL;
		slot = cp ? VEC_PUSH(&c->copies) : NULL;
		if (!slot) {
			err = -EINVAL;
			break;
		}
		*slot = cp;
		if (c->slab_owner)
			memcg_put(c->slab_owner);
		c->slab_owner = ckpt_group(c, r->num[2]);
		break;
	case 's':
		err = r->nr == 3 && c->copies.nr ?
		      restore_slabs(c, c->copies.v[c->copies.nr - 1],
				    r->num[0] != 0, (uint32_t)r->num[1],
				    r->num[2]) : -EINVAL;
		break;
	case 't':
		c->tag = r->str ? tag_find(r->str, true) : NULL;
		err = c->tag ? 0 : -EINVAL;
		break;
	case 'o':
		err = restore_objects(c, r);
		break;
	default:
		err = -EINVAL;
	}
	pthread_mutex_unlock(&slab_lock);
	return err;
}
