/* Real pages; see realpage.h.
 *
 * A pfn -> frame map (an RCU hash table, read without locks) holds every
 * charged real page: its frame in the engine's frame table, and how many
 * member processes map it.  A page the host swapped out is in the map by
 * its swap key instead (realpage.h): a page is renamed, not remade, so
 * the sets that point at it still do.  A page's first name is a node in
 * it; a rename adds a node of its own (a node deleted from the table is
 * reused only after a grace period).  Frames come from blocks this file owns; a
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
 * sorted by pfn, each with the page it stands for and its address.  An
 * update merges the new scan into the set: pages only in the scan are
 * mapped now, pages only in the set were unmapped, except an anon page
 * only in the set at an address where only the scan has a swap entry, or
 * the reverse: that page went to swap or came back (links).
 *
 * Locks: see LOCKING (update_lock, set locks, real_lock). */
#include "realpage.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/vec.h"
#include "charge.h"
#include "memcg.h"
#include "memcg_impl.h"
#include "oom.h"
#include "page.h"
#include "rcu.h"
#include "reclaim.h"
#include "task.h"


/* A page's name in the map: its frame, or its swap key. */
struct real_key {
	struct cds_lfht_node node;
	uint64_t key;
	struct real_page *page;
};

/* A name given by a rename. */
struct real_rename {
	struct real_key k;
	struct memcg_rcu_head rcu;
};

struct real_page {
	struct real_key first;	/* the name it was found by */
	struct real_key *key;	/* its name now, real_lock */
	uint32_t idx;		/* its frame; 0 if it is not charged */
	uint32_t mappers;	/* member processes mapping it, real_lock */
	bool anon;
	struct cds_list_head unmapped;	/* on unmapped_pages while !mappers */
	struct memcg_rcu_head rcu;
};

struct real_ref {
	uint64_t pfn;		/* frame or swap key, as last seen */
	struct real_page *page;
	uint32_t flags;		/* REAL_* as last seen */
	uint64_t addr;		/* where */
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
/* Where its charges leave the group that needs real anon swapped out
 * (oom.h), or NULL: they go OOM. */
static __thread struct memcg **pageout_to;
static _Atomic(realpage_pageout_fn) pageout_hook;
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
	return caa_container_of(memcg_lfht_found(node), struct real_key,
				node)->key == *(const uint64_t *)key;
}

int realpage_init(void)
{
	pages = cds_lfht_new_flavor(1024, 1024, 0, CDS_LFHT_AUTO_RESIZE |
				    CDS_LFHT_ACCOUNTING, &urcu_memb_flavor, NULL);
	return pages ? 0 : -ENOMEM;
}

static void real_page_free_node(struct cds_lfht_node *node)
{
	struct real_key *k = caa_container_of(node, struct real_key, node);
	struct real_page *p = k->page;

	if (k != &p->first)
		free(caa_container_of(k, struct real_rename, k));
	free(p);
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
	return node ? caa_container_of(node, struct real_key, node)->page : NULL;
}

static bool is_swap(uint64_t key)
{
	return key & REAL_SWAP_KEY;
}

static uint64_t key_of(const struct real_page *p)
{
	return p->key->key;
}

static void rename_free_rcu(struct memcg_rcu_head *head)
{
	free(caa_container_of(head, struct real_rename, rcu));
}

/* Under RCU and real_lock: p's current name leaves the map. */
static void page_unname(struct real_page *p)
{
	cds_lfht_del(pages, &p->key->node);
	if (p->key != &p->first)
		memcg_call_rcu(&caa_container_of(p->key, struct real_rename, k)->rcu,
			       rename_free_rcu);
}

/* Under real_lock: p is named k from now on (k->page is p), in place of
 * its name before if it had one. */
static void page_name(struct real_page *p, struct real_key *k)
{
	memcg_rcu_read_lock();
	memcg_lfht_add(pages, hash_pfn(k->key), &k->node);
	if (p->key)
		page_unname(p);
	memcg_rcu_read_unlock();
	p->key = k;
}

static struct real_rename *rename_new(uint64_t key, struct real_page *p)
{
	struct real_rename *r = calloc(1, sizeof(*r));

	if (r) {
		r->k.key = key;
		r->k.page = p;
	}
	return r;
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
	page_unname(p);
	memcg_rcu_read_unlock();
	atomic_fetch_sub(&nr_pages, 1);
	memcg_call_rcu(&p->rcu, page_free_rcu);
}

/* Under real_lock: a new name key for p, taken from the page that had it
 * if no member maps that one (the host reused the name); NULL if a page
 * members map has it (*taken) or out of memory. */
static struct real_rename *name_take(struct real_page *p, uint64_t key,
				     bool *taken)
{
	struct real_page *q;

	memcg_rcu_read_lock();
	q = lookup(key);
	memcg_rcu_read_unlock();
	*taken = q && q->mappers;
	if (*taken)
		return NULL;
	if (q)
		page_drop(q);
	return rename_new(key, p);
}

/* The state bits of a page seen with flags, mapped by a member or not. */
static uint32_t page_state(uint32_t flags, bool mapped)
{
	uint32_t word = PG_REAL;

	word |= flags & REAL_ANON ? PAGE_ANON : PAGE_FILE;
	if ((flags & REAL_ANON) && (flags & REAL_SWAP))
		word |= PG_SWAPPED;
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
		/* Anon freed, swapped or not: uncharged at once.  A swap entry
		 * no member maps is not kept (the host's checks read frames). */
		if ((p->idx && p->anon) || is_swap(key_of(p)))
			page_drop(p);
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
	p->first.key = s->pfn;
	p->first.page = p;
	p->anon = s->flags & REAL_ANON;
	p->mappers = 1;
	if (idx) {
		p->idx = idx;
		*slot_of(idx) = p;
	}
	page_name(p, &p->first);
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
	 * forked from before it joined), or it was in swap before it was
	 * seen. */
	if (in_root || (s->flags & (REAL_SHARED | REAL_SWAP))) {
		p = page_new(s, 0);
		pthread_mutex_unlock(&real_lock);
		*err = p ? 0 : -ENOMEM;
		return p;
	}
	pthread_mutex_unlock(&real_lock);
	*err = memcg_charge_part(m, 1, &(struct oom_charge){ t, 1, 0, pageout_to });
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

/* Under real_lock: the host swapped out charged page idx. */
static void swap_out(uint32_t idx)
{
	struct memcg *m = page_lock_memcg(idx);

	if (!m)
		return;
	memcg_swap_get(1);
	page_swap_out_locked(m, idx, 0);
	pthread_mutex_unlock(&m->lruvec.lock);
}

/* The group charged for page idx, referenced. */
static struct memcg *page_memcg_get(uint32_t idx)
{
	struct memcg *m = page_lock_memcg(idx);

	if (m) {
		memcg_get(m);	/* the page's pointer holds it meanwhile */
		pthread_mutex_unlock(&m->lruvec.lock);
	}
	return m;
}

/* t's anon page of ref r is now s, at the same address: it went to swap
 * (s a swap entry) or came back (r was one).  The page, or NULL: with
 * *err 0 it is not that page after all (the caller unmaps r and maps s);
 * else the swap-in's charge was refused and r stays as it was.  A
 * swap-in is charged to the page's group, as the kernel charges the
 * swap entry's, and takes its swap's memsw charge over. */
static struct real_page *relink(struct task *t, const struct real_ref *r,
				const struct real_seen *s, int *err)
{
	struct real_page *p = r->page;
	bool in = !is_swap(s->pfn), taken;
	struct memcg *m = NULL;
	struct real_rename *k;

	*err = 0;
	pthread_mutex_lock(&real_lock);
	/* Another member saw it go (or come) first: renamed already.  What
	 * t maps now is that page still, in swap or back. */
	if (key_of(p) != r->pfn) {
		pthread_mutex_unlock(&real_lock);
		return p;
	}
	k = name_take(p, s->pfn, &taken);
	if (taken) {	/* a page of its own */
		pthread_mutex_unlock(&real_lock);
		return NULL;
	}
	if (k && in && p->idx) {
		pthread_mutex_unlock(&real_lock);
		m = page_memcg_get(p->idx);
		*err = m ? memcg_charge(m, 1, t) : 0;
		pthread_mutex_lock(&real_lock);
	}
	if (!k || *err) {
		pthread_mutex_unlock(&real_lock);
		free(k);
		if (m)
			memcg_put(m);
		*err = *err ? *err : -ENOMEM;
		return NULL;
	}
	page_name(p, &k->k);
	if (p->idx && in) {
		page_swap_in(p->idx);
		page_relabel(p, page_state(s->flags, true));
		/* A fault that read the page from swap: a major one. */
		memcg_count_event(m, MEMCG_PGFAULT, 1);
		memcg_count_event(m, MEMCG_PGMAJFAULT, 1);
	} else if (p->idx) {
		swap_out(p->idx);
	}
	pthread_mutex_unlock(&real_lock);
	if (m)
		memcg_put(m);
	return p;
}

/* Which new pages of a merge continue which old ones (relink): only
 * where a swap entry is on one side. */
struct links {
	long *of_new;	/* for each seen page, the old ref it continues or -1 */
	bool *old;	/* for each old ref, whether a seen page continues it */
	struct real_ref *done;	/* for each linked seen page, its ref: */
	char *how;		/* LINK_DONE, LINK_KEEP or LINK_NEW */
};

enum {
	LINK_DONE,	/* done[j] continues the old page */
	LINK_KEEP,	/* its swap-in refused: the old ref stays as it was */
	LINK_NEW,	/* not the same page: the old one went, map it anew */
};

/* Which of old[i] and seen[j] a merge takes next: -1 old[i] alone (it was
 * unmapped), 1 seen[j] alone (mapped now), 0 both (the same page, mapped
 * still).  An anon page does not move: its frame at another address is a
 * freed frame the host reused, a new page. */
static int merge_step(const struct real_ref *old, long i, long nold,
		      const struct real_seen *seen, long j, long nr)
{
	if (j == nr)
		return -1;
	if (i == nold)
		return 1;
	if (old[i].pfn != seen[j].pfn)
		return old[i].pfn < seen[j].pfn ? -1 : 1;
	return old[i].page->anon && old[i].addr != seen[j].addr ? -1 : 0;
}

struct at {
	uint64_t addr;
	long i;
};

static int by_addr(const void *a, const void *b)
{
	uint64_t x = ((const struct at *)a)->addr;
	uint64_t y = ((const struct at *)b)->addr;

	return (x > y) - (x < y);
}

static void links_free(struct links *l)
{
	free(l->of_new);
	free(l->old);
	free(l->done);
	free(l->how);
	memset(l, 0, sizeof(*l));
}

/* Pair each anon ref only the set has with the anon page only the scan
 * has at the same address, when one of the two is a swap entry.  Nothing
 * to pair (l left empty) unless one side holds a swap entry: they sort
 * last.  Out of memory, nothing is paired. */
static void find_links(const struct real_ref *old, long nold,
		       const struct real_seen *seen, long nr, struct links *l)
{
	struct at *a, *b;
	long na = 0, nb = 0, i = 0, j = 0;

	memset(l, 0, sizeof(*l));
	if (!(nold && is_swap(old[nold - 1].pfn)) &&
	    !(nr && is_swap(seen[nr - 1].pfn)))
		return;
	a = malloc((size_t)(nold ? nold : 1) * sizeof(*a));
	b = malloc((size_t)(nr ? nr : 1) * sizeof(*b));
	l->of_new = malloc((size_t)(nr ? nr : 1) * sizeof(*l->of_new));
	l->old = calloc((size_t)(nold ? nold : 1), sizeof(*l->old));
	l->done = malloc((size_t)(nr ? nr : 1) * sizeof(*l->done));
	l->how = malloc((size_t)(nr ? nr : 1));
	if (!a || !b || !l->of_new || !l->old || !l->done || !l->how) {
		links_free(l);
		goto out;
	}
	for (long x = 0; x < nr; x++)
		l->of_new[x] = -1;
	while (i < nold || j < nr) {
		int step = merge_step(old, i, nold, seen, j, nr);

		if (step < 0 && old[i].page->anon)
			a[na++] = (struct at){ old[i].addr, i };
		if (step > 0 && (seen[j].flags & REAL_ANON))
			b[nb++] = (struct at){ seen[j].addr, j };
		i += step <= 0;
		j += step >= 0;
	}
	qsort(a, (size_t)na, sizeof(*a), by_addr);
	qsort(b, (size_t)nb, sizeof(*b), by_addr);
	for (i = j = 0; i < na && j < nb;) {
		if (a[i].addr < b[j].addr) {
			i++;
		} else if (b[j].addr < a[i].addr) {
			j++;
		} else {
			if (is_swap(old[a[i].i].pfn) != is_swap(seen[b[j].i].pfn)) {
				l->of_new[b[j].i] = a[i].i;
				l->old[a[i].i] = true;
			}
			i++;
			j++;
		}
	}
out:
	free(a);
	free(b);
}

/* The kernel's reclaim batch, SWAP_CLUSTER_MAX. */
#define PAGEOUT_BATCH 32

static int by_ref_pfn(const void *a, const void *b)
{
	uint64_t x = ((const struct real_ref *)a)->pfn;
	uint64_t y = ((const struct real_ref *)b)->pfn;

	return (x > y) - (x < y);
}

/* Each link's relink, before anything else of the merge: a page renamed
 * leaves its old name to a new page of that name in the same scan (a
 * freed frame the host gave out again).  After a refused charge the
 * links left wait for the next update (*err). */
static void relink_all(struct task *t, const struct real_ref *old,
		       const struct real_seen *seen, long nr,
		       struct links *l, int *err)
{
	for (long j = 0; j < nr; j++) {
		const struct real_ref *r;
		struct real_page *p;
		int e = 0;

		if (l->of_new[j] < 0)
			continue;
		r = &old[l->of_new[j]];
		p = *err ? NULL : relink(t, r, &seen[j], &e);
		if (p) {
			l->done[j] = (struct real_ref){ seen[j].pfn, p,
							seen[j].flags, seen[j].addr };
			l->how[j] = LINK_DONE;
		} else if (*err || e) {
			l->how[j] = LINK_KEEP;
			*err = *err ? *err : e;
		} else {
			unmap_ref(t, r);
			l->how[j] = LINK_NEW;
		}
	}
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

/* Merge seen into set: the new set, or -ENOMEM with nothing changed.
 * After a charge refused with -EAGAIN (pageout_to), *pending counts the
 * new pages left waiting, the refused one included. */
static int merge(struct task *t, struct real_set *set,
		 const struct real_seen *seen, long nr, long *pending)
{
	struct real_ref *old = set->refs, *next;
	struct memcg *m = task_memcg_get(t);
	bool in_root = m == memcg_root();
	bool unsorted = false;
	struct links l;
	long i = 0, j = 0, n = 0;
	int err = 0;

	next = malloc((size_t)(nr ? nr : 1) * sizeof(*next));
	if (!next) {
		memcg_put(m);
		return -ENOMEM;
	}
	find_links(old, set->nr, seen, nr, &l);
	if (l.of_new)
		relink_all(t, old, seen, nr, &l, &err);
	while (i < set->nr || j < nr) {
		int step = merge_step(old, i, set->nr, seen, j, nr);

		if (step < 0) {
			if (!(l.old && l.old[i]))
				unmap_ref(t, &old[i]);
			i++;
		} else if (step > 0) {
			long from = l.of_new ? l.of_new[j] : -1;
			int how = from >= 0 ? l.how[j] : LINK_NEW;
			struct real_page *p = NULL;
			int e = 0;

			if (how == LINK_DONE) {
				next[n++] = l.done[j];
			} else if (how == LINK_KEEP) {
				next[n++] = old[from];
				unsorted = true;
			} else if (!err) {
				/* After a refused charge, new pages wait for
				 * the next update: no fault past the first. */
				p = map_new(t, m, in_root, !set->updated,
					    &seen[j], &e);
			}
			if (e == -EAGAIN || (!e && err == -EAGAIN &&
					     how == LINK_NEW))
				(*pending)++;
			if (p)
				next[n++] = (struct real_ref){ seen[j].pfn, p,
					seen[j].flags, seen[j].addr };
			err = err ? err : e;
			j++;
		} else {
			map_again(&old[i], &seen[j]);
			next[n] = old[i++];
			next[n].addr = seen[j].addr;
			next[n++].flags = seen[j++].flags & ~REAL_KNOWN;
		}
	}
	links_free(&l);
	if (unsorted)
		qsort(next, (size_t)n, sizeof(*next), by_ref_pfn);
	free(old);
	set->refs = next;
	set->nr = n;
	set->updated = true;
	memcg_put(m);
	return err;
}

/* realpage_update under the update and set locks; with pageout, a charge
 * that needs real anon swapped out stops the merge (merge, oom.h). */
static int update_once(struct task *t, const struct real_seen *seen, long nr,
		       struct memcg **pageout, long *pending)
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
		pageout_to = pageout;
		err = merge(t, set, seen, nr, pending);
		pageout_to = NULL;
		updating = NULL;
		/* Its own charge chose it as the OOM victim. */
		if (atomic_load(&t->oom_victim))
			forget_locked(t, set);
	}
	pthread_mutex_unlock(&set->lock);
	pthread_mutex_unlock(&update_lock);
	return err;
}

void realpage_set_pageout_hook(realpage_pageout_fn fn)
{
	atomic_store(&pageout_hook, fn);
}

/* One member process's pages to page out, and their names before (their
 * places in its set once they are back). */
struct pageout_job {
	struct task *t;
	struct real_seen *v;
	uint64_t *was;
	long nr;
};

struct pageout_tasks {
	struct task **t;
	size_t nr, cap;
};

static int collect_tasks(struct memcg *m, void *arg)
{
	struct pageout_tasks *ts = arg;
	struct task *t;

	cds_list_for_each_entry(t, &m->tasks, memcg_node) {
		if (!task_is_live_leader(t) || !atomic_load(&t->real))
			continue;
		if (!VEC_GROW(ts->t, ts->nr, ts->cap))
			return 1;
		task_get(t);
		ts->t[ts->nr++] = t;
	}
	return 0;
}

/* Whether page idx is charged in over's subtree. */
static bool charged_under(uint32_t idx, struct memcg *over)
{
	struct memcg *m;

	memcg_rcu_read_lock();
	for (m = page_memcg(idx); m && m != over; m = memcg_parent(m))
		;
	memcg_rcu_read_unlock();
	return m != NULL;
}

/* Whether the host may swap out the page of ref r: charged anon, present,
 * mapped by this one member and once on the host, evictable, charged in
 * over's subtree; in a first pass (!active) only the inactive ones, as
 * the kernel's reclaim takes them first.  Under t's set lock. */
static bool pageout_candidate(const struct real_ref *r, struct memcg *over,
			      bool active)
{
	struct real_page *p = r->page;
	bool ok;

	if (!p->idx || !p->anon || is_swap(r->pfn) ||
	    (r->flags & (REAL_SHARED | REAL_MLOCKED)) ||
	    !(r->flags & REAL_ACTIVE) != !active)
		return false;
	pthread_mutex_lock(&real_lock);
	ok = p->mappers == 1 && key_of(p) == r->pfn;
	pthread_mutex_unlock(&real_lock);
	return ok && charged_under(p->idx, over);
}

/* Up to want candidates of job j's task into j (refs, and their names). */
static int pageout_pick(struct pageout_job *j, struct memcg *over, long want)
{
	struct real_set *set = atomic_load(&j->t->real);
	size_t cap;

	pthread_mutex_lock(&set->lock);
	cap = (size_t)(want < set->nr ? want : set->nr);
	j->v = malloc((cap ? cap : 1) * sizeof(*j->v));
	j->was = malloc((cap ? cap : 1) * sizeof(*j->was));
	for (int pass = 0; j->v && j->was && pass < 2; pass++)
		for (long i = 0; i < set->nr && j->nr < want; i++) {
			const struct real_ref *r = &set->refs[i];

			if (!pageout_candidate(r, over, pass))
				continue;
			j->was[j->nr] = r->pfn;
			j->v[j->nr++] = (struct real_seen){ r->pfn, r->flags, r->addr };
		}
	pthread_mutex_unlock(&set->lock);
	return j->v && j->was ? 0 : -ENOMEM;
}

/* The pages of job j the host swapped out (now a swap entry in j->v) go
 * to swap as a swap-out seen by a scan does; how many went. */
static long pageout_apply(struct pageout_job *j)
{
	struct real_set *set = atomic_load(&j->t->real);
	long went = 0;

	pthread_mutex_lock(&update_lock);
	pthread_mutex_lock(&set->lock);
	pthread_mutex_lock(&real_lock);
	/* Each page's ref first, while the set is sorted: a ref renamed is
	 * out of order until the set is sorted again. */
	for (long i = 0; i < j->nr; i++) {
		struct real_ref key = { .pfn = j->was[i] };
		struct real_ref *r = !is_swap(j->v[i].pfn) || !set->nr ? NULL :
			bsearch(&key, set->refs, (size_t)set->nr, sizeof(*r),
				by_ref_pfn);

		/* Not gone (shared, off the LRU, ...), or unmapped since. */
		j->was[i] = r ? (uint64_t)(r - set->refs) : UINT64_MAX;
	}
	for (long i = 0; i < j->nr; i++) {
		struct real_ref *r = j->was[i] == UINT64_MAX ? NULL :
				     &set->refs[j->was[i]];
		struct real_rename *k;
		bool taken;

		/* Moved or renamed since: the next scan tells. */
		if (!r || r->addr != j->v[i].addr || !r->page->idx ||
		    key_of(r->page) != r->pfn)
			continue;
		k = name_take(r->page, j->v[i].pfn, &taken);
		if (!k)
			continue;
		page_name(r->page, &k->k);
		swap_out(r->page->idx);
		r->pfn = j->v[i].pfn;
		r->flags = REAL_ANON | REAL_SWAP;
		went++;
	}
	pthread_mutex_unlock(&real_lock);
	if (went)	/* swap keys sort after every frame */
		qsort(set->refs, (size_t)set->nr, sizeof(*set->refs), by_ref_pfn);
	pthread_mutex_unlock(&set->lock);
	pthread_mutex_unlock(&update_lock);
	return went;
}

/* Have the host swap out up to want real anon pages of over's members,
 * outside every engine lock; how many went to swap. */
static long page_out(struct memcg *over, long want)
{
	realpage_pageout_fn fn = atomic_load(&pageout_hook);
	struct pageout_tasks ts = { 0 };
	long went = 0;

	memcg_tree_lock();
	memcg_walk_subtree(over, collect_tasks, &ts);
	memcg_tree_unlock();
	for (size_t i = 0; i < ts.nr; i++) {
		struct pageout_job j = { ts.t[i], NULL, NULL, 0 };

		if (fn && went < want && !pageout_pick(&j, over, want - went) &&
		    j.nr && !fn(j.t->tgid, j.v, j.nr))
			went += pageout_apply(&j);
		free(j.v);
		free(j.was);
		task_put(ts.t[i]);
	}
	free(ts.t);
	return went;
}

int realpage_update(struct task *t, const struct real_seen *seen, long nr)
{
	struct memcg *over = NULL;
	long pending = 0;
	int err = update_once(t, seen, nr,
			      atomic_load(&pageout_hook) ? &over : NULL, &pending);

	if (err != -EAGAIN)
		return err;
	/* The charge stopped before OOM, every lock dropped: what the host
	 * swaps out now makes the room, and the caller scans again (the
	 * scan it gave named those pages by frame); if nothing went, the
	 * same update again, going OOM as it would have. */
	if (page_out(over, pending < PAGEOUT_BATCH ? PAGEOUT_BATCH : pending) == 0)
		err = update_once(t, seen, nr, NULL, &pending);
	memcg_put(over);
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
		v[n++] = (struct real_seen){ key_of(p),
			(p->anon ? REAL_ANON : 0) | (p->idx ? 0 : REAL_FOREIGN), 0 };
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
