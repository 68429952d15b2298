/* Real pages; see realpage.h.
 *
 * A pfn -> frame map (an RCU hash table, read without locks) holds every
 * charged real page: its frame in the engine's frame table, and how many
 * member processes map it.  Frames come from blocks this file owns; a
 * block's base is the index of its slot table here, so reclaim can get
 * from a frame back to its page.
 *
 * Pages members map that are not charged (there before they joined, or
 * the non-members' too) are in the map as well, without a frame, so that
 * a forked child's copy of such a page is recognised as the old page
 * after its parent has written its own copy; they stay while the host
 * still maps them anywhere (realpage_unmapped, realpage_dropped).
 *
 * Each tracked process has a set: the pages it mapped at its last update,
 * sorted by pfn, each with the page it stands for.  An update
 * merges the new scan into the set: pages only in the scan are mapped
 * now, pages only in the set were unmapped.
 *
 * Locks: see LOCKING (update_lock, set locks, real_lock). */
#include "realpage.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "charge.h"
#include "memcg.h"
#include "page.h"
#include "rcu.h"
#include "reclaim.h"
#include "task.h"


struct real_page {
	struct cds_lfht_node node;
	uint64_t pfn;
	uint32_t idx;		/* its frame; 0 if it is not charged */
	uint32_t mappers;	/* member processes mapping it, real_lock */
	bool anon;
	struct cds_list_head unmapped;	/* on unmapped_pages while !mappers */
	struct memcg_rcu_head rcu;
};

struct real_ref {
	uint64_t pfn;
	struct real_page *page;
	uint32_t flags;		/* REAL_* as last seen */
};

struct real_set {
	pthread_mutex_t lock;
	struct real_ref *refs;
	long nr;
	bool updated;		/* not the process's first update */
};

struct real_block {
	struct real_page *slot[BLOCK_PAGES];
};

static pthread_mutex_t update_lock = PTHREAD_MUTEX_INITIALIZER;
/* The task this thread is updating (its set lock held). */
static __thread struct task *updating;
static pthread_mutex_t real_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cds_lfht *pages;
static atomic_long nr_pages;
/* The pages no member maps, for the host's checks: real_lock. */
static CDS_LIST_HEAD(unmapped_pages);

/* The frame pool, under real_lock. */
static char pool_owner;		/* the blocks' owner: this file */
static struct real_block **blocks;
static uint32_t nr_blocks, cap_blocks;
static uint32_t *free_frames;
static uint32_t nr_free, cap_free;

static unsigned long hash_pfn(uint64_t pfn)
{
	return (unsigned long)(pfn * 0x9e3779b97f4a7c15ULL);
}

static int match_pfn(struct cds_lfht_node *node, const void *key)
{
	return caa_container_of(memcg_lfht_found(node), struct real_page,
				node)->pfn == *(const uint64_t *)key;
}

int realpage_init(void)
{
	pages = cds_lfht_new_flavor(1024, 1024, 0, CDS_LFHT_AUTO_RESIZE |
				    CDS_LFHT_ACCOUNTING, &urcu_memb_flavor, NULL);
	return pages ? 0 : -ENOMEM;
}

static void real_page_free_node(struct cds_lfht_node *node)
{
	free(caa_container_of(node, struct real_page, node));
}

void realpage_exit(void)
{
	if (!pages)
		return;
	memcg_lfht_destroy_all(&pages, real_page_free_node);
	CDS_INIT_LIST_HEAD(&unmapped_pages);
	for (uint32_t i = 0; i < nr_blocks; i++)
		free(blocks[i]);
	free(blocks);
	free(free_frames);
	blocks = NULL;
	free_frames = NULL;
	nr_blocks = cap_blocks = nr_free = cap_free = 0;
	atomic_store(&nr_pages, 0);
}

static struct real_page *lookup(uint64_t pfn)
{
	struct cds_lfht_iter iter;
	struct cds_lfht_node *node;

	cds_lfht_lookup(pages, hash_pfn(pfn), match_pfn, &pfn, &iter);
	node = memcg_lfht_node(&iter);
	return node ? caa_container_of(node, struct real_page, node) : NULL;
}

static struct real_page **slot_of(uint32_t idx)
{
	return &blocks[page_block_of(idx)->base]->slot[idx % BLOCK_PAGES];
}

/* Under real_lock: 64 more free frames. */
static int pool_grow(void)
{
	struct real_block *rb;
	uint32_t b;

	if (nr_blocks == cap_blocks) {
		uint32_t cap = cap_blocks ? 2 * cap_blocks : 64;
		struct real_block **n = realloc(blocks, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		blocks = n;
		cap_blocks = cap;
	}
	/* Room for every frame of the pool to be free at once. */
	if ((nr_blocks + 1) * BLOCK_PAGES > cap_free) {
		uint32_t cap = 2 * (nr_blocks + 1) * BLOCK_PAGES;
		uint32_t *n = realloc(free_frames, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		free_frames = n;
		cap_free = cap;
	}
	rb = calloc(1, sizeof(*rb));
	if (!rb)
		return -ENOMEM;
	b = block_alloc(&pool_owner, BLOCK_REAL, nr_blocks);
	if (!b) {
		free(rb);
		return -ENOMEM;
	}
	blocks[nr_blocks++] = rb;
	for (uint32_t i = BLOCK_PAGES; i--;)
		free_frames[nr_free++] = block_first_page(b) + i;
	return 0;
}

/* Under real_lock: a frame for p, or 0. */
static uint32_t frame_get(struct real_page *p)
{
	uint32_t idx;

	if (!nr_free && pool_grow())
		return 0;
	idx = free_frames[--nr_free];
	*slot_of(idx) = p;
	return idx;
}

static void frame_put(uint32_t idx)
{
	*slot_of(idx) = NULL;
	free_frames[nr_free++] = idx;	/* room: the pool grew by blocks */
}

static void page_free_rcu(struct memcg_rcu_head *head)
{
	free(caa_container_of(head, struct real_page, rcu));
}

/* Under real_lock: uncharge p and forget it. */
static void page_drop(struct real_page *p)
{
	if (p->idx) {
		page_remove(p->idx);
		frame_put(p->idx);
	}
	if (!p->mappers)
		cds_list_del(&p->unmapped);
	memcg_rcu_read_lock();
	cds_lfht_del(pages, &p->node);
	memcg_rcu_read_unlock();
	atomic_fetch_sub(&nr_pages, 1);
	memcg_call_rcu(&p->rcu, page_free_rcu);
}

/* The state bits of a page seen with flags, mapped by a member or not. */
static uint32_t page_state(uint32_t flags, bool mapped)
{
	uint32_t word = PG_REAL;

	word |= flags & REAL_ANON ? PAGE_ANON : PAGE_FILE;
	if (!(flags & REAL_ANON) && (flags & REAL_SHMEM))
		word |= PG_SHMEM;
	if (!(flags & REAL_ANON) && mapped)
		word |= PG_MAPPED;
	if (flags & REAL_MLOCKED)
		word |= PG_UNEVICTABLE;
	if (flags & REAL_ACTIVE)
		word |= PG_ACTIVE;
	return word;
}

#define STATE_BITS (PG_KIND_MASK | PG_SHMEM | PG_MAPPED | PG_UNEVICTABLE | \
		    PG_ACTIVE | PG_REAL)

/* Under real_lock: make p's frame show state word (isolated pages are
 * reclaim's: left alone). */
static void page_relabel(struct real_page *p, uint32_t word)
{
	uint32_t old = page_word(p->idx);

	if ((old & PG_ISOLATED) || (old & STATE_BITS) == word)
		return;
	page_change(p->idx, word & ~old & STATE_BITS,
		    old & ~word & STATE_BITS, 0);
}

/* t no longer maps the page of ref r. */
static void unmap_ref(struct task *t, const struct real_ref *r)
{
	struct real_page *p = r->page;

	pthread_mutex_lock(&real_lock);
	if (p->idx && p->anon)
		atomic_fetch_sub(&t->nr_real_anon, 1);
	if (--p->mappers == 0) {
		cds_list_add_tail(&p->unmapped, &unmapped_pages);
		if (p->idx && p->anon)
			page_drop(p);	/* anon freed: uncharged at once */
		else if (p->idx)
			page_relabel(p, page_state(r->flags, false));
	}
	pthread_mutex_unlock(&real_lock);
}

/* Under real_lock: a new entry for the page seen as s, charged in frame
 * idx (0: not charged), mapped once. */
static struct real_page *page_new(const struct real_seen *s, uint32_t idx)
{
	struct real_page *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->pfn = s->pfn;
	p->anon = s->flags & REAL_ANON;
	p->mappers = 1;
	if (idx) {
		p->idx = idx;
		*slot_of(idx) = p;
	}
	memcg_rcu_read_lock();
	memcg_lfht_add(pages, hash_pfn(p->pfn), &p->node);
	memcg_rcu_read_unlock();
	atomic_fetch_add(&nr_pages, 1);
	return p;
}

/* A page t maps now and did not before: the page it stands for, or NULL
 * with an error in *err. */
static struct real_page *map_new(struct task *t, struct memcg *m, bool in_root,
				 bool first, const struct real_seen *s, int *err)
{
	bool anon = s->flags & REAL_ANON;
	struct real_page *p;
	uint32_t idx;

	*err = 0;
	pthread_mutex_lock(&real_lock);
	memcg_rcu_read_lock();
	p = lookup(s->pfn);
	memcg_rcu_read_unlock();
	/* An uncharged page no member maps is the same page only for a
	 * process's first look (a child's copy of what its parent had);
	 * otherwise, as any page of another kind, the host reused the
	 * frame. */
	if (p && !p->mappers &&
	    (p->anon != anon || (!p->idx && !first))) {
		page_drop(p);
		p = NULL;
	}
	if (p) {
		if (!p->mappers++)
			cds_list_del(&p->unmapped);
		if (p->idx)
			page_relabel(p, page_state(s->flags, true));
		if (p->idx && p->anon)
			atomic_fetch_add(&t->nr_real_anon, 1);
		pthread_mutex_unlock(&real_lock);
		return p;
	}
	/* There before: the process was nowhere, or non-members map it
	 * (a file page others map, or anon shared with the process it was
	 * forked from before it joined). */
	if (in_root || (s->flags & REAL_SHARED)) {
		p = page_new(s, 0);
		pthread_mutex_unlock(&real_lock);
		*err = p ? 0 : -ENOMEM;
		return p;
	}
	pthread_mutex_unlock(&real_lock);
	*err = memcg_charge(m, 1, t);
	if (*err)
		return NULL;
	pthread_mutex_lock(&real_lock);
	idx = frame_get(NULL);
	p = idx ? page_new(s, idx) : NULL;
	if (!p) {
		if (idx)
			frame_put(idx);
		pthread_mutex_unlock(&real_lock);
		memcg_uncharge(m, 1, true, true);
		*err = -ENOMEM;
		return NULL;
	}
	pages_add(m, &idx, 1, page_state(s->flags, true));
	memcg_count_event(m, MEMCG_PGFAULT, 1);
	if (anon)
		atomic_fetch_add(&t->nr_real_anon, 1);
	pthread_mutex_unlock(&real_lock);
	return p;
}

/* A page t mapped before and maps still, seen with new flags. */
static void map_again(const struct real_ref *r, const struct real_seen *s)
{
	if (!r->page->idx || (s->flags & REAL_KNOWN) || r->flags == s->flags)
		return;
	pthread_mutex_lock(&real_lock);
	page_relabel(r->page, page_state(s->flags, true));
	pthread_mutex_unlock(&real_lock);
}

static struct real_set *set_of(struct task *t)
{
	struct real_set *set = atomic_load(&t->real);

	if (set)
		return set;
	set = calloc(1, sizeof(*set));
	if (!set)
		return NULL;
	pthread_mutex_init(&set->lock, NULL);
	atomic_store(&t->real, set);	/* only updates create it */
	return set;
}

static void forget_locked(struct task *t, struct real_set *set)
{
	for (long i = 0; i < set->nr; i++)
		unmap_ref(t, &set->refs[i]);
	free(set->refs);
	set->refs = NULL;
	set->nr = 0;
}

/* Merge seen into set: the new set, or -ENOMEM with nothing changed. */
static int merge(struct task *t, struct real_set *set,
		 const struct real_seen *seen, long nr)
{
	struct real_ref *old = set->refs, *next;
	struct memcg *m = task_memcg_get(t);
	bool in_root = m == memcg_root();
	long i = 0, j = 0, n = 0;
	int err = 0;

	next = malloc((size_t)(nr ? nr : 1) * sizeof(*next));
	if (!next) {
		memcg_put(m);
		return -ENOMEM;
	}
	while (i < set->nr || j < nr) {
		if (j == nr || (i < set->nr && old[i].pfn < seen[j].pfn)) {
			unmap_ref(t, &old[i++]);
		} else if (i == set->nr || seen[j].pfn < old[i].pfn) {
			struct real_page *p = NULL;
			int e = 0;


			/* After a refused charge, new pages wait for the
			 * next update: no fault past the first one. */
			if (!err)
				p = map_new(t, m, in_root, !set->updated,
					    &seen[j], &e);
			if (p)
				next[n++] = (struct real_ref){ seen[j].pfn, p,
							       seen[j].flags };
			err = err ? err : e;
			j++;
		} else {
			map_again(&old[i], &seen[j]);
			next[n] = old[i++];
			next[n++].flags = seen[j++].flags & ~REAL_KNOWN;
		}
	}
	free(old);
	set->refs = next;
	set->nr = n;
	set->updated = true;
	memcg_put(m);
	return err;
}

int realpage_update(struct task *t, const struct real_seen *seen, long nr)
{
	struct real_set *set;
	int err;

	pthread_mutex_lock(&update_lock);
	set = set_of(t);
	if (!set) {
		pthread_mutex_unlock(&update_lock);
		return -ENOMEM;
	}
	pthread_mutex_lock(&set->lock);
	if (atomic_load(&t->exited) || atomic_load(&t->oom_victim)) {
		forget_locked(t, set);
		err = -ESRCH;
	} else {
		updating = t;
		err = merge(t, set, seen, nr);
		updating = NULL;
		/* Its own charge chose it as the OOM victim. */
		if (atomic_load(&t->oom_victim))
			forget_locked(t, set);
	}
	pthread_mutex_unlock(&set->lock);
	pthread_mutex_unlock(&update_lock);
	return err;
}

long realpage_fill_known(struct task *t, struct real_seen *seen, long nr)
{
	struct real_set *set = atomic_load(&t->real);
	long i = 0, j = 0, known = 0;

	if (!set)
		return 0;
	pthread_mutex_lock(&set->lock);
	while (i < set->nr && j < nr) {
		if (set->refs[i].pfn < seen[j].pfn) {
			i++;
		} else if (seen[j].pfn < set->refs[i].pfn) {
			j++;
		} else {
			seen[j++].flags = set->refs[i++].flags | REAL_KNOWN;
			known++;
		}
	}
	pthread_mutex_unlock(&set->lock);
	return known;
}

void realpage_forget(struct task *t)
{
	struct real_set *set = atomic_load(&t->real);

	if (!set)
		return;
	pthread_mutex_lock(&set->lock);
	forget_locked(t, set);
	pthread_mutex_unlock(&set->lock);
}

void realpage_oom_free(struct task *t)
{
	/* Its own update is charging: it forgets them when the charge
	 * returns (it sees oom_victim). */
	if (t != updating)
		realpage_forget(t);
}

long realpage_task_anon(struct task *t)
{
	return atomic_load(&t->nr_real_anon);
}

void realpage_task_free(struct task *t)
{
	struct real_set *set = atomic_load(&t->real);

	if (!set)
		return;
	/* Forgotten before: a set left here held no charged page. */
	free(set->refs);
	pthread_mutex_destroy(&set->lock);
	free(set);
}

long realpage_unmapped(struct real_seen **out)
{
	struct real_page *p;
	long n = 0, cap = 0;
	struct real_seen *v = NULL;

	pthread_mutex_lock(&real_lock);
	cds_list_for_each_entry(p, &unmapped_pages, unmapped) {
		if (n == cap) {
			long c = cap ? 2 * cap : 256;
			struct real_seen *nv = realloc(v, (size_t)c * sizeof(*nv));

			if (!nv) {
				n = -ENOMEM;
				break;
			}
			v = nv;
			cap = c;
		}
		v[n++] = (struct real_seen){ p->pfn,
			(p->anon ? REAL_ANON : 0) | (p->idx ? 0 : REAL_FOREIGN) };
	}
	pthread_mutex_unlock(&real_lock);
	if (n < 0) {
		free(v);
		v = NULL;
	}
	*out = v;
	return n;
}

void realpage_dropped(uint64_t pfn)
{
	struct real_page *p;

	pthread_mutex_lock(&real_lock);
	memcg_rcu_read_lock();
	p = lookup(pfn);
	memcg_rcu_read_unlock();
	if (p && !p->mappers && !(p->idx && (page_word(p->idx) & PG_ISOLATED)))
		page_drop(p);
	pthread_mutex_unlock(&real_lock);
}

struct memcg *realpage_memcg(uint64_t pfn)
{
	struct real_page *p = lookup(pfn);

	return p && p->idx ? page_memcg(p->idx) : NULL;
}

long realpage_reclaim(uint32_t idx)
{
	struct real_page *p;
	long done = 0;

	pthread_mutex_lock(&real_lock);
	p = *slot_of(idx);
	if (p && (page_word(idx) & PG_ISOLATED)) {
		if (p->mappers) {
			page_change(idx, 0, PG_ISOLATED, 0);
		} else {
			page_drop(p);	/* the host keeps the page */
			done = 1;
		}
	}
	pthread_mutex_unlock(&real_lock);
	return done;
}

void realpage_updates_lock(void)
{
	pthread_mutex_lock(&update_lock);
}

void realpage_updates_unlock(void)
{
	pthread_mutex_unlock(&update_lock);
}

void realpage_for_each(struct task *t,
		       void (*fn)(uint32_t idx, bool only_mapper, void *arg),
		       void *arg)
{
	struct real_set *set = atomic_load(&t->real);

	if (!set)
		return;
	pthread_mutex_lock(&set->lock);
	for (long i = 0; i < set->nr; i++) {
		struct real_page *p = set->refs[i].page;

		if (p->idx)
			fn(p->idx, p->mappers == 1 &&
			   !(set->refs[i].flags & REAL_SHARED), arg);
	}
	pthread_mutex_unlock(&set->lock);
}

long realpage_count(void)
{
	return atomic_load(&nr_pages);
}
