/* The page cache; see pagecache.h. */
#include "pagecache.h"

#include <errno.h>
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

#define ADD_BATCH 256
#define MAX_FILE_PAGES (UINT32_MAX / 2)

struct pc_mapper {
	struct task *task;	/* not referenced: removed before it is freed */
	pid_t tid;		/* its thread, for a checkpoint */
	uint32_t nr;
};

struct pc_file {
	struct cds_lfht_node node;
	pthread_mutex_t lock;
	uint32_t *blocks;	/* block of pages 64k..64k+63, 0 if none */
	uint32_t nr_blocks;
	uint64_t *shadow;	/* pages evicted by reclaim: a re-read refaults */
	uint32_t map_pages;	/* pages [0, map_pages) are mapped */
	struct pc_mapper *mappers;
	uint32_t nr_mappers;
	size_t cap_mappers;
	uint32_t ckpt_gen, ckpt_no;	/* the last save's, and its F number */
	struct memcg_rcu_head rcu;
	char name[];
};

static struct cds_lfht *files;

static unsigned long hash_name(const char *s)
{
	unsigned long h = 1469598103934665603UL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211UL;
	return h;
}

static int match_name(struct cds_lfht_node *node, const void *key)
{
	return !strcmp(caa_container_of(memcg_lfht_found(node), struct pc_file,
					node)->name, key);
}

int pagecache_init(void)
{
	files = cds_lfht_new_flavor(64, 64, 0, CDS_LFHT_AUTO_RESIZE |
				    CDS_LFHT_ACCOUNTING, &urcu_memb_flavor, NULL);
	return files ? 0 : -ENOMEM;
}

static void file_free(struct pc_file *f)
{
	pthread_mutex_destroy(&f->lock);
	free(f->blocks);
	free(f->shadow);
	free(f->mappers);
	free(f);
}

static void file_free_node(struct cds_lfht_node *node)
{
	file_free(caa_container_of(node, struct pc_file, node));
}

void pagecache_exit(void)
{
	memcg_lfht_destroy_all(&files, file_free_node);
}

/* Files live as long as the engine, so the pointer stays valid, except
 * those pagecache_forget() drops, whose only user is the caller. */
static struct pc_file *file_lookup(const char *name, bool create)
{
	unsigned long hash = hash_name(name);
	struct cds_lfht_iter iter;
	struct cds_lfht_node *node;
	struct pc_file *f;
	size_t len = strlen(name) + 1;

	memcg_rcu_read_lock();
	cds_lfht_lookup(files, hash, match_name, name, &iter);
	node = memcg_lfht_node(&iter);
	memcg_rcu_read_unlock();
	if (node || !create)
		return node ? caa_container_of(node, struct pc_file, node) : NULL;
	f = calloc(1, sizeof(*f) + len);
	if (!f)
		return NULL;
	memcpy(f->name, name, len);
	pthread_mutex_init(&f->lock, NULL);
	memcg_rcu_read_lock();
	node = memcg_lfht_add_unique(files, hash, match_name, name, &f->node);
	memcg_rcu_read_unlock();
	if (node != &f->node) {		/* another reader created it first */
		file_free(f);
		f = caa_container_of(node, struct pc_file, node);
	}
	return f;
}

/* Under f->lock: the frame of page i if it is cached, else 0. */
static uint32_t file_page(struct pc_file *f, uint32_t i)
{
	uint32_t b = i / BLOCK_PAGES < f->nr_blocks ? f->blocks[i / BLOCK_PAGES] : 0;
	uint32_t idx;

	if (!b)
		return 0;
	idx = block_first_page(b) + i % BLOCK_PAGES;
	return pg_kind(page_word(idx)) == PAGE_FREE ? 0 : idx;
}

static uint32_t count_missing(struct pc_file *f, uint32_t nr)
{
	uint32_t missing = 0;

	for (uint32_t i = 0; i < nr; i++)
		missing += !file_page(f, i);
	return missing;
}

/* Under f->lock: room for nr pages' blocks and shadow bits. */
static int file_reserve(struct pc_file *f, uint32_t nr)
{
	uint32_t nb = (nr + BLOCK_PAGES - 1) / BLOCK_PAGES;
	uint32_t *blocks;
	uint64_t *shadow;

	if (nb <= f->nr_blocks)
		return 0;
	blocks = realloc(f->blocks, nb * sizeof(*blocks));
	if (!blocks)
		return -ENOMEM;
	f->blocks = blocks;
	/* One shadow word per block: BLOCK_PAGES is 64. */
	shadow = realloc(f->shadow, nb * sizeof(*shadow));
	if (!shadow)
		return -ENOMEM;
	f->shadow = shadow;
	memset(blocks + f->nr_blocks, 0, (nb - f->nr_blocks) * sizeof(*blocks));
	memset(shadow + f->nr_blocks, 0, (nb - f->nr_blocks) * sizeof(*shadow));
	f->nr_blocks = nb;
	return 0;
}

/* Under f->lock: a frame for uncached page i. */
static uint32_t file_new_page(struct pc_file *f, uint32_t i)
{
	uint32_t *b = &f->blocks[i / BLOCK_PAGES];
	uint32_t idx;

	if (!*b)
		*b = block_alloc(f, BLOCK_FILE, i / BLOCK_PAGES * BLOCK_PAGES);
	if (!*b)
		return 0;
	idx = block_first_page(*b) + i % BLOCK_PAGES;
	page_block_of(idx)->nr_used++;
	return idx;
}

/* Under f->lock: evict cached page i (frame idx). */
static void file_remove_page(struct pc_file *f, uint32_t i, uint32_t idx)
{
	struct page_block *blk = page_block_of(idx);

	page_remove(idx);
	if (--blk->nr_used == 0) {
		block_free(f->blocks[i / BLOCK_PAGES]);
		f->blocks[i / BLOCK_PAGES] = 0;
	}
}

static bool test_and_clear_shadow(struct pc_file *f, uint32_t i)
{
	uint64_t bit = 1ULL << (i % BLOCK_PAGES);
	bool was = f->shadow[i / BLOCK_PAGES] & bit;

	f->shadow[i / BLOCK_PAGES] &= ~bit;
	return was;
}

/* Under f->lock: mark pages [from, to) mapped or not. */
static void file_set_mapped(struct pc_file *f, uint32_t from, uint32_t to,
			    bool mapped)
{
	for (uint32_t i = from; i < to; i++) {
		uint32_t idx = file_page(f, i);

		if (idx)
			page_change(idx, mapped ? PG_MAPPED : 0,
				    mapped ? 0 : PG_MAPPED, 0);
	}
}

/* Under f->lock: t maps the first nr pages. */
static int file_add_mapper(struct pc_file *f, struct task *t, uint32_t nr)
{
	uint32_t i;

	for (i = 0; i < f->nr_mappers && f->mappers[i].task != t; i++)
		;
	if (i == f->nr_mappers) {
		if (!VEC_GROW(f->mappers, f->nr_mappers, f->cap_mappers))
			return -ENOMEM;
		f->mappers[f->nr_mappers++] = (struct pc_mapper){ t, t->tid, 0 };
	}
	if (nr > f->mappers[i].nr)
		f->mappers[i].nr = nr;
	if (nr > f->map_pages) {
		file_set_mapped(f, f->map_pages, nr, true);
		f->map_pages = nr;
	}
	atomic_store(&t->has_mappings, true);
	return 0;
}

/* Under f->lock: add the frames in batch[0..k) as pages charged to m. */
static void flush(struct memcg *m, uint32_t *batch, int *k, uint32_t flags)
{
	pages_add(m, batch, *k, flags);
	*k = 0;
}

/* Under f->lock: cache the uncached pages among the first nr, at most
 * charged of them; returns how many were added. */
static long file_fill(struct pc_file *f, struct memcg *m, uint32_t nr,
		      long charged, long *refaults)
{
	uint32_t batch[ADD_BATCH];
	uint32_t flags = 0;
	long added = 0;
	int k = 0;

	for (uint32_t i = 0; i < nr; i++) {
		uint32_t idx = file_page(f, i);
		uint32_t want = PAGE_FILE | (i < f->map_pages ? PG_MAPPED : 0);

		if (idx) {
			/* A cached page read again becomes active. */
			if (!(page_word(idx) & PG_ACTIVE))
				page_change(idx, PG_ACTIVE, 0, 0);
			continue;
		}
		if (added == charged)
			break;
		if (k && (k == ADD_BATCH || want != flags))
			flush(m, batch, &k, flags);
		idx = file_new_page(f, i);
		if (!idx)
			break;
		flags = want;
		batch[k++] = idx;
		added++;
		*refaults += test_and_clear_shadow(f, i);
	}
	flush(m, batch, &k, flags);
	return added;
}

int pagecache_read(struct task *t, const char *name, long nr, bool map)
{
	struct pc_file *f;
	struct memcg *m;
	long charged = 0, added = 0, refaults = 0;
	int err = 0;

	if (nr < 0 || nr > MAX_FILE_PAGES)
		return -EINVAL;
	f = file_lookup(name, true);
	if (!f)
		return -ENOMEM;
	m = task_memcg_get(t);
	/* Charge outside the file lock (reclaim may evict from this very
	 * file), then recount: a racing evict may have uncached more. */
	for (;;) {
		long missing;

		pthread_mutex_lock(&f->lock);
		missing = count_missing(f, (uint32_t)nr);
		if (missing <= charged)
			break;
		pthread_mutex_unlock(&f->lock);
		err = memcg_charge(m, missing - charged, t);
		if (err)
			goto out_uncharge;
		charged = missing;
	}
	/* Checked under the file lock: an exit sets it before unmapping.
	 * A mapper says so first, and the exit reads that after setting
	 * exited (both seq_cst): either this sees the exit, or the exit
	 * sees the mapping and unmaps it under this file's lock. */
	if (map)
		atomic_store(&t->has_mappings, true);
	err = atomic_load(&t->exited) ? -ESRCH : file_reserve(f, (uint32_t)nr);
	if (!err && map)
		err = file_add_mapper(f, t, (uint32_t)nr);
	if (!err)
		added = file_fill(f, m, (uint32_t)nr, charged, &refaults);
	pthread_mutex_unlock(&f->lock);
	if (!err && added < charged)
		err = -ENOMEM;	/* out of frames */
	memcg_count_event(m, MEMCG_WORKINGSET_REFAULT_FILE, refaults);
	if (map && !err) {
		memcg_count_event(m, MEMCG_PGFAULT, nr);
		memcg_count_event(m, MEMCG_PGMAJFAULT, added);
	}
out_uncharge:
	if (charged > added)
		memcg_uncharge(m, charged - added, true, true);
	memcg_put(m);
	return err;
}

/* Under f->lock: evict every cached page (not mapped ones if keep_mapped)
 * that reclaim is not already taking. */
static void file_evict(struct pc_file *f, bool keep_mapped)
{
	for (uint32_t i = 0; i < f->nr_blocks * BLOCK_PAGES; i++) {
		uint32_t idx = file_page(f, i);
		uint32_t word;

		if (!idx)
			continue;
		word = page_word(idx);
		if ((word & PG_ISOLATED) || (keep_mapped && (word & PG_MAPPED)))
			continue;
		file_remove_page(f, i, idx);
	}
}

void pagecache_evict(const char *name)
{
	struct pc_file *f = file_lookup(name, false);

	if (!f)
		return;
	pthread_mutex_lock(&f->lock);
	file_evict(f, false);
	pthread_mutex_unlock(&f->lock);
}

/* Under f->lock: drop the pages from page from on; isolated ones too if
 * take_isolated (reclaim then finds them gone). */
static void file_drop_from(struct pc_file *f, uint32_t from, bool take_isolated)
{
	for (uint32_t i = from; i < f->nr_blocks * BLOCK_PAGES; i++) {
		uint32_t idx = file_page(f, i);

		if (idx && (take_isolated || !(page_word(idx) & PG_ISOLATED)))
			file_remove_page(f, i, idx);
	}
}

void pagecache_truncate(const char *name, long nr)
{
	struct pc_file *f = file_lookup(name, false);

	if (!f || nr < 0)
		return;
	pthread_mutex_lock(&f->lock);
	file_drop_from(f, (uint32_t)nr, false);
	for (uint32_t m = 0; m < f->nr_mappers; m++)
		if (f->mappers[m].nr > nr)
			f->mappers[m].nr = (uint32_t)nr;
	if (f->map_pages > nr)
		f->map_pages = (uint32_t)nr;
	pthread_mutex_unlock(&f->lock);
}

static void file_free_rcu(struct memcg_rcu_head *head)
{
	file_free(caa_container_of(head, struct pc_file, rcu));
}

void pagecache_forget(const char *name)
{
	struct pc_file *f = file_lookup(name, false);

	if (!f)
		return;
	memcg_rcu_read_lock();
	cds_lfht_del(files, &f->node);
	memcg_rcu_read_unlock();
	pthread_mutex_lock(&f->lock);
	f->nr_mappers = 0;
	f->map_pages = 0;
	/* Isolated pages too: then every block is freed, its owner cleared,
	 * before the grace period starts, so a reclaimer that still finds f
	 * through a block does so under RCU and sees its page gone. */
	file_drop_from(f, 0, true);
	pthread_mutex_unlock(&f->lock);
	memcg_call_rcu(&f->rcu, file_free_rcu);
}

/* Call fn on every file, each under its lock. */
static void for_each_file(void (*fn)(struct pc_file *f, void *arg), void *arg)
{
	struct cds_lfht_iter iter;
	struct cds_lfht_node *node;

	memcg_rcu_read_lock();
	memcg_lfht_for_each(files, &iter, node) {
		struct pc_file *f = caa_container_of(node, struct pc_file, node);

		pthread_mutex_lock(&f->lock);
		fn(f, arg);
		pthread_mutex_unlock(&f->lock);
	}
	memcg_rcu_read_unlock();
}

static void drop_unmapped(struct pc_file *f, void *arg)
{
	(void)arg;
	file_evict(f, true);
}

void pagecache_drop_unmapped(void)
{
	for_each_file(drop_unmapped, NULL);
}

long pagecache_reclaim_page(uint32_t idx)
{
	struct page_block *blk = page_block_of(idx);
	struct pc_file *f;
	uint32_t word, i;
	long freed = 0;

	/* Under RCU: a forgotten file is freed only after a grace period. */
	memcg_rcu_read_lock();
	f = blk->owner;
	if (!f || blk->kind != BLOCK_FILE) {
		memcg_rcu_read_unlock();
		return 0;
	}
	pthread_mutex_lock(&f->lock);
	word = page_word(idx);
	/* Still this file's page, and still ours to evict? */
	if (blk->owner == f && pg_kind(word) == PAGE_FILE &&
	    (word & PG_ISOLATED)) {
		i = blk->base + idx % BLOCK_PAGES;
		f->shadow[i / BLOCK_PAGES] |= 1ULL << (i % BLOCK_PAGES);
		file_remove_page(f, i, idx);
		freed = 1;
	}
	pthread_mutex_unlock(&f->lock);
	memcg_rcu_read_unlock();
	return freed;
}

static void unmap_task(struct pc_file *f, void *arg)
{
	struct task *t = arg;
	uint32_t max = 0, j = 0;

	for (uint32_t i = 0; i < f->nr_mappers; i++) {
		if (f->mappers[i].task == t)
			continue;
		if (f->mappers[i].nr > max)
			max = f->mappers[i].nr;
		f->mappers[j++] = f->mappers[i];
	}
	f->nr_mappers = j;
	if (max < f->map_pages) {
		file_set_mapped(f, max, f->map_pages, false);
		f->map_pages = max;
	}
}

void pagecache_unmap_task(struct task *t)
{
	if (atomic_load(&t->has_mappings))
		for_each_file(unmap_task, t);
}

struct mapped_walk {
	struct task *task;
	void (*fn)(uint32_t idx, void *arg);
	void *arg;
};

static void walk_mapped(struct pc_file *f, void *arg)
{
	struct mapped_walk *w = arg;

	for (uint32_t m = 0; m < f->nr_mappers; m++) {
		if (f->mappers[m].task != w->task)
			continue;
		for (uint32_t i = 0; i < f->mappers[m].nr; i++) {
			uint32_t idx = file_page(f, i);

			if (idx && !(page_word(idx) & PG_ISOLATED))
				w->fn(idx, w->arg);
		}
	}
}

void pagecache_for_each_mapped(struct task *t,
			       void (*fn)(uint32_t idx, void *arg), void *arg)
{
	struct mapped_walk w = { t, fn, arg };

	if (atomic_load(&t->has_mappings))
		for_each_file(walk_mapped, &w);
}

/* ---- checkpoint (checkpoint.h) ------------------------------------------ */

struct file_save {
	struct ckpt_save *s;
	uint32_t nr;
};

static void save_file(struct pc_file *f, void *arg)
{
	struct file_save *fs = arg;
	struct ckpt_save *s = fs->s;
	struct ckpt_run run = { 0 };
	bool any = f->nr_mappers;

	for (uint32_t b = 0; b < f->nr_blocks && !any; b++)
		any = f->blocks[b] || f->shadow[b];
	if (!any)
		return;
	f->ckpt_gen = s->gen;
	f->ckpt_no = fs->nr++;
	ckpt_emit(s, 'F', f->name, 1, (uint64_t)f->nr_blocks);
	for (uint32_t i = 0; i < f->nr_mappers; i++)
		ckpt_emit(s, 'm', NULL, 2, (uint64_t)f->mappers[i].tid,
			  (uint64_t)f->mappers[i].nr);
	for (uint32_t b = 0; b < f->nr_blocks; b++)
		if (f->shadow[b])
			ckpt_emit(s, 'h', NULL, 2, (uint64_t)b, f->shadow[b]);
	for (uint32_t i = 0; i < f->nr_blocks * BLOCK_PAGES; i++) {
		uint32_t idx = file_page(f, i);

		if (!idx)
			continue;
		/* mapped follows from the mappers, as when it was read */
		ckpt_run_add(s, &run, 'p', ckpt_owner_of(s, idx),
			     ckpt_flags(page_word(idx)) & ~PG_MAPPED, i);
	}
	ckpt_run_end(s, &run, 'p');
}

void pagecache_save(struct ckpt_save *s)
{
	struct file_save fs = { s, 0 };

	for_each_file(save_file, &fs);
}

bool pagecache_saved_ref(struct ckpt_save *s, void *file, uint64_t *ref)
{
	struct pc_file *f = file;

	if (f->ckpt_gen != s->gen)
		return false;
	*ref = f->ckpt_no;
	return true;
}

static struct pc_file *last_file(struct ckpt_restore *c)
{
	return c->files.nr ? c->files.v[c->files.nr - 1] : NULL;
}

/* Under f->lock: pages [from, from + nr) of m, each mapped if the
 * mappers map it. */
static int restore_file_pages(struct pc_file *f, struct memcg *m,
			      uint32_t from, uint32_t nr, uint32_t flags)
{
	uint32_t batch[ADD_BATCH], batch_flags = 0;
	int k = 0;

	if ((uint64_t)from + nr > (uint64_t)f->nr_blocks * BLOCK_PAGES)
		return -EINVAL;
	for (uint32_t i = from; i < from + nr; i++) {
		uint32_t want = flags | (i < f->map_pages ? PG_MAPPED : 0);
		uint32_t idx;

		if (file_page(f, i))
			continue;	/* twice in the records: once is enough */
		if (k && (k == ADD_BATCH || want != batch_flags)) {
			ckpt_add_pages(m, batch, k, batch_flags);
			k = 0;
		}
		idx = file_new_page(f, i);
		if (!idx)
			break;
		batch_flags = want;
		batch[k++] = idx;
	}
	ckpt_add_pages(m, batch, k, batch_flags);
	return 0;
}

int pagecache_restore(struct ckpt_restore *c, const struct ckpt_record *r)
{
	struct pc_file *f = r->type == 'F' ? NULL : last_file(c);
	void **slot;
	struct task *t;
	struct memcg *m;
	int err = 0;

	if (r->type != 'F' && !f)
		return -EINVAL;
	switch (r->type) {
	case 'F':
		if (r->nr != 1 || !r->str || r->num[0] > MAX_FILE_PAGES / BLOCK_PAGES)
			return -EINVAL;
		f = file_lookup(r->str, true);
		slot = f ? VEC_PUSH(&c->files) : NULL;
		if (!slot)
			return -ENOMEM;
		*slot = f;
		pthread_mutex_lock(&f->lock);
		err = file_reserve(f, (uint32_t)r->num[0] * BLOCK_PAGES);
		pthread_mutex_unlock(&f->lock);
		return err;
	case 'm':
		if (r->nr != 2 || r->num[1] > MAX_FILE_PAGES)
			return -EINVAL;
		t = task_find_get((pid_t)r->num[0]);
		if (!t)
			return 0;	/* gone: its mapping went with it */
		pthread_mutex_lock(&f->lock);
		/* Only the thread its T record brought back (a stamp). */
		if (t->stamp && !atomic_load(&t->exited))
			err = file_add_mapper(f, t, (uint32_t)r->num[1]);
		pthread_mutex_unlock(&f->lock);
		task_put(t);
		return err;
	case 'h':
		if (r->nr != 2 || r->num[0] >= f->nr_blocks)
			return -EINVAL;
		pthread_mutex_lock(&f->lock);
		f->shadow[r->num[0]] = r->num[1];
		pthread_mutex_unlock(&f->lock);
		return 0;
	case 'p':
		if (r->nr != 4 || pg_kind((uint32_t)r->num[2]) != PAGE_FILE ||
		    r->num[0] > MAX_FILE_PAGES || r->num[3] > MAX_FILE_PAGES)
			return -EINVAL;
		m = ckpt_group(c, r->num[1]);
		pthread_mutex_lock(&f->lock);
		err = restore_file_pages(f, m, (uint32_t)r->num[0],
					 (uint32_t)r->num[3],
					 (uint32_t)r->num[2] &
					 (PG_KIND_MASK | PG_ACTIVE | PG_SHMEM));
		pthread_mutex_unlock(&f->lock);
		memcg_put(m);
		return err;
	default:
		return -EINVAL;
	}
}

uint32_t pagecache_restored_page(struct ckpt_restore *c, uint64_t ref,
				 uint32_t pos)
{
	struct pc_file *f;
	uint32_t idx;

	if (ref >= c->files.nr)
		return 0;
	f = c->files.v[ref];
	pthread_mutex_lock(&f->lock);
	idx = pos < f->nr_blocks * BLOCK_PAGES ? file_page(f, pos) : 0;
	pthread_mutex_unlock(&f->lock);
	return idx;
}
