/* The group tree and lifecycle; see memcg.h. */
#include "memcg_impl.h"

#include <errno.h>
#include <stddef.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "page.h"
#include "lib/refcount.h"
#include "lib/vec.h"
#include "rcu.h"
#include "version.h"

static struct memcg_config config;
static long max_pages;
static struct memcg *root;
static struct cds_lfht *id_table;
/* Every group's name, keyed by (parent, name): lookup, mkdir and rmdir in
 * a directory of any width cost O(1). */
static struct cds_lfht *name_table;
static uint64_t next_id;
static memcg_release_fn release_hook;
static memcg_offline_fn offline_notifier;

static pthread_mutex_t tree_lock = PTHREAD_MUTEX_INITIALIZER;
/* Removed groups that are still referenced: memcgfs.dying. */
static pthread_mutex_t dying_lock = PTHREAD_MUTEX_INITIALIZER;
static CDS_LIST_HEAD(dying_list);

/* The machine above the root: charges beyond mem= (memory) or mem= plus
 * swap= (memsw) fail here, which is global reclaim and OOM. */
static struct page_counter machine[MEMCG_NR_RES];
static atomic_long swap_used;

/* memcg_ptr ids: an RCU-published table that grows by copying.  An id is
 * reused only a grace period after its pointer was freed, so a reader
 * holding a stale page word still finds a valid pointer. */
struct ptr_table {
	uint32_t cap;
	struct memcg_rcu_head rcu;
	_Atomic(struct memcg_ptr *) slot[];
};
static struct ptr_table *ptr_table;
static pthread_mutex_t ptr_lock = PTHREAD_MUTEX_INITIALIZER;
static uint32_t *free_ids;
static uint32_t nr_free_ids, next_ptr_id;
static size_t cap_free_ids;

const struct memcg_config *memcg_config(void) { return &config; }
struct memcg *memcg_root(void) { return root; }
long memcg_max_pages(void) { return max_pages; }
void memcg_set_release_hook(memcg_release_fn fn) { release_hook = fn; }
void memcg_set_offline_notifier(memcg_offline_fn fn) { offline_notifier = fn; }
void memcg_tree_lock(void) { pthread_mutex_lock(&tree_lock); }
void memcg_tree_unlock(void) { pthread_mutex_unlock(&tree_lock); }

bool memcg_is_root(const struct memcg *m) { return m->parent == NULL; }
uint64_t memcg_id(const struct memcg *m) { return m->id; }
struct memcg *memcg_parent(const struct memcg *m) { return m->parent; }
void *memcg_priv(const struct memcg *m) { return m->priv; }

bool memcg_kmem_dead(struct memcg *m)
{
	return atomic_load(&m->flags) & MEMCG_KMEM_DEAD;
}

bool memcg_online(struct memcg *m)
{
	return atomic_load(&m->flags) & MEMCG_ONLINE;
}

const char *memcg_name(struct memcg *m)
{
	return rcu_dereference(m->name)->str;
}

void memcg_set_priv(struct memcg *m, void *priv, void (*priv_free)(void *))
{
	m->priv = priv;
	m->priv_free = priv_free;
}

static unsigned long hash_id(uint64_t id)
{
	id ^= id >> 33;
	id *= 0xff51afd7ed558ccdULL;
	id ^= id >> 33;
	return (unsigned long)id;
}

static int match_id(struct cds_lfht_node *node, const void *key)
{
	const struct memcg *m = caa_container_of(memcg_lfht_found(node),
						  struct memcg, id_node);

	return m->id == *(const uint64_t *)key;
}

/* FNV-1a over the name, mixed with the parent's id. */
static unsigned long hash_name(const struct memcg *parent, const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return hash_id(h ^ parent->id);
}

struct name_key {
	const struct memcg *parent;
	const char *str;
};

static int match_name(struct cds_lfht_node *node, const void *key)
{
	const struct memcg_name *n = caa_container_of(memcg_lfht_found(node),
						      struct memcg_name, node);
	const struct name_key *k = key;

	return n->memcg->parent == k->parent && !strcmp(n->str, k->str);
}

static struct memcg_name *name_new(struct memcg *m, const char *s)
{
	size_t n = strlen(s) + 1;
	struct memcg_name *name = malloc(sizeof(*name) + n);

	if (!name)
		return NULL;
	memcpy(name->str, s, n);
	name->memcg = m;
	cds_lfht_node_init(&name->node);
	return name;
}

/* Under the tree lock: a name enters or leaves the parent's directory. */
static void name_hash(struct memcg_name *name, bool add)
{
	struct memcg *parent = name->memcg->parent;

	memcg_rcu_read_lock();
	if (add)
		memcg_lfht_add(name_table, hash_name(parent, name->str), &name->node);
	else
		cds_lfht_del(name_table, &name->node);
	memcg_rcu_read_unlock();
}

static void name_free_rcu(struct memcg_rcu_head *head)
{
	free(caa_container_of(head, struct memcg_name, rcu));
}

static void ptr_table_free_rcu(struct memcg_rcu_head *head)
{
	free(caa_container_of(head, struct ptr_table, rcu));
}

/* Under ptr_lock. */
static bool ptr_table_grow(uint32_t need)
{
	struct ptr_table *old = ptr_table, *nt;
	uint32_t cap = old ? old->cap : 0;

	if (need < cap)
		return true;
	if (cap >= (1u << (32 - PG_FLAG_BITS)) / 2)
		return false;
	cap = cap ? cap * 2 : 256;
	nt = calloc(1, sizeof(*nt) + cap * sizeof(nt->slot[0]));
	if (!nt)
		return false;
	nt->cap = cap;
	for (uint32_t i = 0; old && i < old->cap; i++)
		atomic_init(&nt->slot[i], atomic_load(&old->slot[i]));
	rcu_assign_pointer(ptr_table, nt);
	if (old)
		memcg_call_rcu(&old->rcu, ptr_table_free_rcu);
	return true;
}

static struct memcg_ptr *memcg_ptr_new(struct memcg *m)
{
	struct memcg_ptr *p = calloc(1, sizeof(*p));
	uint32_t id = 0;

	if (!p)
		return NULL;
	p->memcg = m;
	atomic_init(&p->refcnt, 1);
	CDS_INIT_LIST_HEAD(&p->node);
	pthread_mutex_lock(&ptr_lock);
	if (nr_free_ids)
		id = free_ids[--nr_free_ids];
	else if (ptr_table_grow(next_ptr_id))
		id = next_ptr_id++;
	if (id) {
		p->id = id;	/* complete before it is published */
		atomic_store_explicit(&ptr_table->slot[id], p, memory_order_release);
	}
	pthread_mutex_unlock(&ptr_lock);
	if (!id) {
		free(p);
		return NULL;
	}
	return p;
}

struct memcg_ptr *memcg_ptr_from_id(uint32_t id)
{
	struct ptr_table *t = rcu_dereference(ptr_table);

	return atomic_load_explicit(&t->slot[id], memory_order_acquire);
}

/* Take p out of the id table, its id free for reuse, and free it: once no
 * reader can hold its id (a grace period after its last page, or never
 * seen by one). */
static void memcg_ptr_destroy(struct memcg_ptr *p)
{
	pthread_mutex_lock(&ptr_lock);
	atomic_store(&ptr_table->slot[p->id], NULL);
	/* Out of memory, the id is never reused: no harm. */
	if (VEC_GROW(free_ids, nr_free_ids, cap_free_ids))
		free_ids[nr_free_ids++] = p->id;
	pthread_mutex_unlock(&ptr_lock);
	free(p);
}

static void memcg_ptr_free_rcu(struct memcg_rcu_head *head)
{
	memcg_ptr_destroy(caa_container_of(head, struct memcg_ptr, rcu));
}

bool memcg_ptr_tryget(struct memcg_ptr *p, long nr)
{
	return refcount_tryget(&p->refcnt, nr);
}

struct memcg_ptr *memcg_ptr_get(struct memcg *m, bool kmem, long nr)
{
	struct memcg_ptr *p;

	/* A removed group's pointer may already be gone: its nearest live
	 * ancestor owns its charges (the chain is held by m's reference). */
	memcg_rcu_read_lock();
	for (;;) {
		p = kmem ? m->kmem_ptr : m->ptr;
		if (memcg_ptr_tryget(p, nr))
			break;
		m = m->parent;
	}
	memcg_rcu_read_unlock();
	return p;
}

/* Never called with an LRU lock held: the last put takes the tree lock
 * (src/engine/LOCKING). */
void memcg_ptr_put(struct memcg_ptr *p, long nr)
{
	struct memcg *m;

	if (atomic_fetch_sub(&p->refcnt, nr) != nr)
		return;
	pthread_mutex_lock(&tree_lock);
	cds_list_del(&p->node);
	m = p->memcg;
	pthread_mutex_unlock(&tree_lock);
	memcg_call_rcu(&p->rcu, memcg_ptr_free_rcu);
	memcg_put(m);
}

struct memcg *memcg_of_counter(struct page_counter *c, enum memcg_res res)
{
	if (c == &machine[res])
		return NULL;
	return (struct memcg *)((char *)(c - res) - offsetof(struct memcg, res));
}

bool memcg_swap_try_get(long nr)
{
	long used = atomic_load(&swap_used);

	do {
		if (used + nr > config.swap_pages)
			return false;
	} while (!atomic_compare_exchange_weak(&swap_used, &used, used + nr));
	return true;
}

void memcg_swap_get(long nr)
{
	atomic_fetch_add(&swap_used, nr);
}

void memcg_swap_put(long nr)
{
	atomic_fetch_sub(&swap_used, nr);
}

long memcg_swap_used(void)
{
	return atomic_load(&swap_used);
}

static struct memcg *memcg_alloc(struct memcg *parent, const char *name)
{
	struct memcg *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->parent = parent;
	m->name = name_new(m, name);
	if (!m->name) {
		free(m);
		return NULL;
	}
	m->ptr = memcg_ptr_new(m);
	m->kmem_ptr = config.kmem_model == MEMCG_KMEM_PIN ? memcg_ptr_new(m) : m->ptr;
	if (!m->ptr || !m->kmem_ptr) {
		/* Published in the id table already (whose entries the
		 * engine's exit frees), though no page has seen them. */
		if (m->ptr)
			memcg_ptr_destroy(m->ptr);
		if (m->kmem_ptr && m->kmem_ptr != m->ptr)
			memcg_ptr_destroy(m->kmem_ptr);
		free(m->name);
		free(m);
		return NULL;
	}
	for (int r = 0; r < MEMCG_NR_RES; r++)
		page_counter_init(&m->res[r], parent ? &parent->res[r] : &machine[r],
				  max_pages);
	atomic_init(&m->soft_limit, max_pages);
	/* memcgfs(8) DIRECTORIES: swappiness, move_charge and notify_on_release are inherited;
	 * every other setting starts at 0. */
	atomic_init(&m->swappiness, parent ? atomic_load(&parent->swappiness) : 60);
	atomic_init(&m->move_charge, parent ? atomic_load(&parent->move_charge) : 0);
	atomic_init(&m->notify_on_release,
		    parent ? atomic_load(&parent->notify_on_release) : 0);
	atomic_init(&m->flags, MEMCG_ONLINE);
	/* the tree's, and each of its memcg_ptrs' */
	atomic_init(&m->refcnt, m->kmem_ptr == m->ptr ? 2 : 3);
	CDS_INIT_LIST_HEAD(&m->children);
	CDS_INIT_LIST_HEAD(&m->ptrs);
	cds_list_add(&m->ptr->node, &m->ptrs);
	lruvec_init(&m->lruvec);
	CDS_INIT_LIST_HEAD(&m->tasks);
	CDS_INIT_LIST_HEAD(&m->dying_node);
	cds_lfht_node_init(&m->id_node);
	return m;
}

static void memcg_free(struct memcg *m)
{
	lruvec_destroy(&m->lruvec);
	if (m->priv_free)
		m->priv_free(m->priv);
	free(m->name);
	free(m);
}

static void memcg_free_rcu(struct memcg_rcu_head *head)
{
	memcg_free(caa_container_of(head, struct memcg, rcu));
}

/* Post-order, so each group goes after its children: the next group is
 * found before the current one is freed. */
static void destroy_tree(void)
{
	struct memcg *m = memcg_next_post(NULL, root), *next;

	for (; m; m = next) {
		next = memcg_next_post(m, root);
		cds_lfht_del(id_table, &m->id_node);
		if (!memcg_is_root(m))
			cds_lfht_del(name_table, &m->name->node);
		memcg_free(m);
	}
}

static void free_all_ptrs(void)
{
	for (uint32_t id = 1; id < next_ptr_id; id++)
		free(atomic_load(&ptr_table->slot[id]));
	free(ptr_table);
	ptr_table = NULL;
	free(free_ids);
	free_ids = NULL;
	nr_free_ids = cap_free_ids = 0;
}

/* Sized for 32768 entries from the start: the table grows as its split
 * counters commit, on a worker thread, which under load was seen to lag
 * far behind 100,000 insertions (a lookup then walked thousands of
 * nodes).  Growing by chain length instead (no CDS_LFHT_ACCOUNTING) grew
 * it without bound.  Half a MiB per table. */
static struct cds_lfht *table_new(void)
{
	return cds_lfht_new_flavor(1UL << 15, 64, 0,
				   CDS_LFHT_AUTO_RESIZE | CDS_LFHT_ACCOUNTING,
				   &urcu_memb_flavor, NULL);
}

void memcg_configure(const struct memcg_config *cfg)
{
	config = *cfg;
	max_pages = page_counter_max_pages(cfg->page_size);
}

int memcg_tree_init(void)
{
	const struct memcg_config *cfg = &config;

	next_id = 0;
	next_ptr_id = 1;	/* id 0 means "no owner" in a page frame */
	atomic_init(&swap_used, 0);
	page_counter_init(&machine[MEMCG_RES_MEMORY], NULL, cfg->mem_pages);
	page_counter_init(&machine[MEMCG_RES_MEMSW], NULL,
			  cfg->mem_pages + cfg->swap_pages);
	page_counter_init(&machine[MEMCG_RES_KMEM], NULL, max_pages);
	page_counter_init(&machine[MEMCG_RES_TCP], NULL, max_pages);
	id_table = table_new();
	name_table = table_new();
	if (id_table && name_table)
		root = memcg_alloc(NULL, "");
	if (!root) {
		if (id_table)
			cds_lfht_destroy(id_table, NULL);
		if (name_table)
			cds_lfht_destroy(name_table, NULL);
		id_table = name_table = NULL;
		free_all_ptrs();
		return -ENOMEM;
	}
	root->id = next_id++;
	memcg_rcu_read_lock();
	memcg_lfht_add(id_table, hash_id(root->id), &root->id_node);
	memcg_rcu_read_unlock();
	return 0;
}

void memcg_tree_exit(void)
{
	struct memcg *m, *tmp;

	memcg_rcu_barrier();
	memcg_rcu_read_lock();
	destroy_tree();
	memcg_rcu_read_unlock();
	cds_list_for_each_entry_safe(m, tmp, &dying_list, dying_node)
		memcg_free(m);
	CDS_INIT_LIST_HEAD(&dying_list);
	root = NULL;
	cds_lfht_destroy(id_table, NULL);
	cds_lfht_destroy(name_table, NULL);
	id_table = name_table = NULL;
	free_all_ptrs();
}

void memcg_get(struct memcg *m)
{
	atomic_fetch_add(&m->refcnt, 1);
}

/* Take a reference unless the count already reached zero (the group is on
 * its way to being freed). */
static bool memcg_tryget(struct memcg *m)
{
	return refcount_tryget(&m->refcnt, 1);
}

void memcg_put(struct memcg *m)
{
	/* Each group holds its parent, whose counters it charges: the last
	 * put of a group puts its parent, in a loop, not a recursion, for a
	 * chain of dying groups may be as deep as the tree was. */
	while (m && atomic_fetch_sub(&m->refcnt, 1) == 1) {
		struct memcg *parent = m->parent;

		pthread_mutex_lock(&dying_lock);
		cds_list_del_init(&m->dying_node);
		memcg_version_bump();	/* memcgfs.dying lost a line */
		pthread_mutex_unlock(&dying_lock);
		memcg_call_rcu(&m->rcu, memcg_free_rcu);
		m = parent;
	}
}

struct memcg *memcg_tryget_by_id(uint64_t id)
{
	struct cds_lfht_iter iter;
	struct cds_lfht_node *node;
	struct memcg *m = NULL;

	memcg_rcu_read_lock();
	cds_lfht_lookup(id_table, hash_id(id), match_id, &id, &iter);
	node = memcg_lfht_node(&iter);
	if (node) {
		m = caa_container_of(node, struct memcg, id_node);
		if (!memcg_online(m) || !memcg_tryget(m))
			m = NULL;
	}
	memcg_rcu_read_unlock();
	return m;
}

/* Under RCU or the tree lock. */
static struct memcg *find_child(struct memcg *parent, const char *name)
{
	struct name_key key = { parent, name };
	struct cds_lfht_iter iter;
	struct cds_lfht_node *node;

	memcg_rcu_read_lock();
	cds_lfht_lookup(name_table, hash_name(parent, name), match_name, &key,
			&iter);
	node = memcg_lfht_node(&iter);
	memcg_rcu_read_unlock();
	return node ? caa_container_of(node, struct memcg_name, node)->memcg : NULL;
}

struct memcg *memcg_tryget_child(struct memcg *parent, const char *name)
{
	struct memcg *c;

	memcg_rcu_read_lock();
	c = find_child(parent, name);
	if (c && (!memcg_online(c) || !memcg_tryget(c)))
		c = NULL;
	memcg_rcu_read_unlock();
	return c;
}

/* Under tree_lock: whether a group (online or dying) has id. */
static bool id_taken(uint64_t id)
{
	struct cds_lfht_iter iter;
	bool taken;

	memcg_rcu_read_lock();
	cds_lfht_lookup(id_table, hash_id(id), match_id, &id, &iter);
	taken = memcg_lfht_node(&iter) != NULL;
	memcg_rcu_read_unlock();
	return taken;
}

/* id 0 (the root's) asks for the next one.  A dying group that restore
 * brings back may share its name with a live sibling made after it was
 * removed: any_name lets it in. */
static struct memcg *create(struct memcg *parent, const char *name,
			    uint64_t id, void *priv,
			    void (*priv_free)(void *), int *err, bool any_name)
{
	struct memcg *m = NULL;

	pthread_mutex_lock(&tree_lock);
	if (!memcg_online(parent)) {
		*err = -ENOENT;
		goto out;
	}
	if ((!any_name && find_child(parent, name)) || (id && id_taken(id))) {
		*err = -EEXIST;
		goto out;
	}
	m = memcg_alloc(parent, name);
	if (!m) {
		*err = -ENOMEM;
		goto out;
	}
	m->id = id ? id : next_id;
	if (m->id >= next_id)
		next_id = m->id + 1;
	m->priv = priv;
	m->priv_free = priv_free;
	memcg_get(parent);
	memcg_get(m);		/* the caller's */
	cds_list_add_tail_rcu(&m->sibling, &parent->children);
	atomic_fetch_add(&parent->nr_children, 1);
	name_hash(m->name, true);
	memcg_rcu_read_lock();
	memcg_lfht_add(id_table, hash_id(m->id), &m->id_node);
	memcg_rcu_read_unlock();
	*err = 0;
out:
	pthread_mutex_unlock(&tree_lock);
	return m;
}

struct memcg *memcg_create(struct memcg *parent, const char *name,
			   void *priv, void (*priv_free)(void *), int *err)
{
	return create(parent, name, 0, priv, priv_free, err, false);
}

struct memcg *memcg_create_id(struct memcg *parent, const char *name,
			      uint64_t id, void *priv,
			      void (*priv_free)(void *), int *err)
{
	if (!id) {
		*err = -EINVAL;
		return NULL;
	}
	return create(parent, name, id, priv, priv_free, err, false);
}

uint64_t memcg_next_id(void)
{
	uint64_t id;

	pthread_mutex_lock(&tree_lock);
	id = next_id;
	pthread_mutex_unlock(&tree_lock);
	return id;
}

void memcg_reserve_ids(uint64_t next)
{
	pthread_mutex_lock(&tree_lock);
	if (next > next_id)
		next_id = next;
	pthread_mutex_unlock(&tree_lock);
}

/* Two passes up the tree, no recursion: the length, then the names
 * written from the end. */
void memcg_path(struct memcg *m, struct strbuf *sb)
{
	size_t len = 0, end;
	struct memcg *a;
	char *tmp;

	memcg_rcu_read_lock();
	for (a = m; !memcg_is_root(a); a = a->parent)
		len += 1 + strlen(memcg_name(a));
	tmp = malloc(len ? len : 1);
	if (!tmp) {
		sb->oom = true;
		memcg_rcu_read_unlock();
		return;
	}
	/* A rename between the passes may change a name's length: never
	 * write past the buffer, and keep the part that was written. */
	end = len;
	for (a = m; !memcg_is_root(a) && end; a = a->parent) {
		const char *name = memcg_name(a);
		size_t n = strlen(name);

		if (n + 1 > end)
			n = end - 1;
		end -= n + 1;
		tmp[end] = '/';
		memcpy(tmp + end + 1, name, n);
	}
	memcg_rcu_read_unlock();
	if (len)
		strbuf_add(sb, tmp + end, len - end);
	else
		strbuf_add(sb, "/", 1);
	free(tmp);
}

/* Under the tree lock. */
void memcg_check_release(struct memcg *m)
{
	struct strbuf sb;

	if (!release_hook || memcg_is_root(m) || !memcg_online(m) ||
	    !atomic_load(&m->notify_on_release) || m->nr_tasks ||
	    !cds_list_empty(&m->children))
		return;
	strbuf_init(&sb);
	memcg_path(m, &sb);
	if (!sb.oom)
		release_hook(sb.buf);
	strbuf_release(&sb);
}

/* kmem=pin (the 2012 design): a group removed while kernel memory is
 * still charged to it stays, flagged KMEM_DEAD, holding the one reference
 * it took when its kmem accounting started; memcg_kmem_uncharged() drops
 * it with the last charge.  No reference is taken per charge. */
static void kmem_offline(struct memcg *m)
{
	if (!(atomic_load(&m->flags) & MEMCG_KMEM_ACTIVE))
		return;
	atomic_fetch_or(&m->flags, MEMCG_KMEM_DEAD);
	memcg_kmem_uncharged(m);	/* perhaps nothing is charged */
}

/* kmem=pin: the first kmem limit starts kmem accounting, and the group
 * takes its one reference for it.  Only while the group is online, and
 * under the tree lock: memcg_remove() clears ONLINE under that lock before
 * kmem_offline() looks at KMEM_ACTIVE, so either removal sees the flag and
 * settles the reference, or the writer (who may still hold a removed group,
 * as an open limit file does) sees the group gone and takes none.  A
 * reference taken after kmem_offline() would never be dropped. */
void memcg_kmem_activate(struct memcg *m)
{
	if (m->kmem_ptr == m->ptr)
		return;		/* kmem=reparent: nothing pins */
	pthread_mutex_lock(&tree_lock);
	if (memcg_online(m) &&
	    !(atomic_fetch_or(&m->flags, MEMCG_KMEM_ACTIVE) & MEMCG_KMEM_ACTIVE))
		memcg_get(m);
	pthread_mutex_unlock(&tree_lock);
}

/* Removal sets KMEM_DEAD, then reads the kmem count here; the last
 * uncharge lowers the count, then reads the flag here.  Each writes one
 * and reads the other (store buffering, as counter.c explains for
 * limits), so the read is seq_cst like the flag's RMW and load: then at
 * least one of them sees both and drops the reference.  Relaxed, it was
 * right only on x86, and elsewhere a dying group could stay forever. */
static long kmem_usage_after_flag(struct memcg *m)
{
	return atomic_load_explicit(&m->res[MEMCG_RES_KMEM].usage,
				    memory_order_seq_cst);
}

/* Kmem counters are hierarchical: a dying group's count also holds what
 * its dying descendants still have charged, so an uncharge at m may be
 * the last for any dying ancestor too.  The walk is under RCU because a
 * put may free a group (after a grace period) and its parent reference. */
void memcg_kmem_uncharged(struct memcg *m)
{
	memcg_rcu_read_lock();
	for (; m; m = m->parent)
		if ((atomic_load(&m->flags) & MEMCG_KMEM_DEAD) &&
		    kmem_usage_after_flag(m) == 0 &&
		    (atomic_fetch_and(&m->flags, ~MEMCG_KMEM_ACTIVE) &
		     MEMCG_KMEM_ACTIVE))
			memcg_put(m);
	memcg_rcu_read_unlock();
}

/* Move what a removed group still owns to its parent, in O(1) of the
 * number of pages: its LRU lists are spliced, its local statistics folded
 * in, and every memcg_ptr pointing at it swung to the parent (the 2019
 * design).  Counters stay: the parent's hierarchical counters already
 * hold these charges, so no live group's counter changes.  Under the tree
 * lock; takes both LRU locks, in src/engine/LOCKING's order. */
static void reparent(struct memcg *m, struct memcg *parent)
{
	struct memcg_ptr *p;

	pthread_mutex_lock(&m->lruvec.lock);
	pthread_mutex_lock(&parent->lruvec.lock);
	lru_splice(m, parent);
	for (int i = 0; i < MEMCG_NR_STAT; i++)
		atomic_fetch_add(&parent->stat[i], atomic_exchange(&m->stat[i], 0));
	cds_list_for_each_entry(p, &m->ptrs, node) {
		memcg_get(parent);
		rcu_assign_pointer(p->memcg, parent);
		memcg_put(m);
	}
	cds_list_splice(&m->ptrs, &parent->ptrs);
	CDS_INIT_LIST_HEAD(&m->ptrs);
	pthread_mutex_unlock(&parent->lruvec.lock);
	pthread_mutex_unlock(&m->lruvec.lock);
}

int memcg_remove(struct memcg *m)
{
	int err = 0;

	pthread_mutex_lock(&tree_lock);
	if (memcg_is_root(m) || !memcg_online(m)) {
		err = memcg_is_root(m) ? -EBUSY : -ENOENT;
		goto out;
	}
	/* A charge move in progress holds both of its groups here, as the
	 * kernel's attach holds cgroup_mutex against rmdir. */
	if (m->nr_tasks || m->nr_moving || !cds_list_empty(&m->children)) {
		err = -EBUSY;
		goto out;
	}
	atomic_fetch_and(&m->flags, ~MEMCG_ONLINE);
	reparent(m, m->parent);
	cds_list_del_rcu(&m->sibling);
	atomic_fetch_sub(&m->parent->nr_children, 1);
	name_hash(m->name, false);
	memcg_rcu_read_lock();
	cds_lfht_del(id_table, &m->id_node);
	memcg_rcu_read_unlock();
	pthread_mutex_lock(&dying_lock);
	cds_list_add_tail(&m->dying_node, &dying_list);
	pthread_mutex_unlock(&dying_lock);
	memcg_check_release(m->parent);
	memcg_version_bump();	/* memcgfs.dying has a line more */
out:
	pthread_mutex_unlock(&tree_lock);
	if (err)
		return err;
	/* Its slab caches die: shrunk now, destroyed by the reaper. */
	if (offline_notifier)
		offline_notifier(m);
	if (m->kmem_ptr != m->ptr) {
		kmem_offline(m);
		memcg_ptr_put(m->kmem_ptr, 1);
	}
	memcg_ptr_put(m->ptr, 1);	/* the group's own hold on its pointer */
	memcg_put(m);			/* the tree's reference */
	return 0;
}

int memcg_rename(struct memcg *m, const char *name)
{
	struct memcg_name *old, *nn;
	struct memcg *other;
	int err = 0;

	nn = name_new(m, name);
	if (!nn)
		return -ENOMEM;
	pthread_mutex_lock(&tree_lock);
	other = memcg_is_root(m) ? NULL : find_child(m->parent, name);
	if (memcg_is_root(m) || !memcg_online(m))
		err = -ENOENT;
	else if (other && other != m)
		err = -EEXIST;
	if (err || other == m) {
		pthread_mutex_unlock(&tree_lock);
		free(nn);
		return err;
	}
	/* The new name is found before the old one goes: a lookup racing
	 * with the rename finds the group under one name or the other. */
	old = m->name;
	name_hash(nn, true);
	rcu_assign_pointer(m->name, nn);
	name_hash(old, false);
	pthread_mutex_unlock(&tree_lock);
	memcg_call_rcu(&old->rcu, name_free_rcu);
	return 0;
}

/* Under RCU: the first child of m, or NULL. */
static struct memcg *first_child(struct memcg *m)
{
	struct cds_list_head *n = rcu_dereference(m->children.next);

	return n == &m->children ? NULL : cds_list_entry(n, struct memcg, sibling);
}

/* Under RCU: m's next sibling, or NULL.  A removed group keeps its link
 * forward (cds_list_del_rcu), so a walk standing on one goes on. */
static struct memcg *next_sibling(struct memcg *m)
{
	struct cds_list_head *n = rcu_dereference(m->sibling.next);

	return n == &m->parent->children ? NULL :
	       cds_list_entry(n, struct memcg, sibling);
}

/* The kernel's css_next_descendant_pre: first the children, then the next
 * sibling of the nearest ancestor (within top) that has one.  Constant
 * stack whatever the depth. */
static struct memcg *next_pre(struct memcg *pos, struct memcg *top,
			      bool descend)
{
	struct memcg *next;

	if (!pos)
		return top;
	if (descend && (next = first_child(pos)))
		return next;
	for (; pos != top; pos = pos->parent)
		if ((next = next_sibling(pos)))
			return next;
	return NULL;
}

struct memcg *memcg_next_pre(struct memcg *pos, struct memcg *top)
{
	return next_pre(pos, top, true);
}

static struct memcg *leftmost_descendant(struct memcg *pos)
{
	struct memcg *c;

	while ((c = first_child(pos)))
		pos = c;
	return pos;
}

struct memcg *memcg_next_post(struct memcg *pos, struct memcg *top)
{
	struct memcg *next;

	if (!pos)
		return leftmost_descendant(top);
	if (pos == top)
		return NULL;
	next = next_sibling(pos);
	return next ? leftmost_descendant(next) : pos->parent;
}

/* Where a listing resumes after the child with id after_id: straight at
 * that child when it is still there (O(1) per readdir call however many
 * siblings there are), else from the start, skipping lower ids. */
static struct memcg *resume_after(struct memcg *parent, uint64_t after_id)
{
	struct cds_lfht_iter iter;
	struct cds_lfht_node *node;
	struct memcg *c;

	if (!after_id)
		return first_child(parent);
	cds_lfht_lookup(id_table, hash_id(after_id), match_id, &after_id, &iter);
	node = memcg_lfht_node(&iter);
	c = node ? caa_container_of(node, struct memcg, id_node) : NULL;
	if (c && c->parent == parent && memcg_online(c))
		return next_sibling(c);
	return first_child(parent);
}

void memcg_for_each_child(struct memcg *parent, uint64_t after_id,
			  int (*fn)(struct memcg *child, void *arg), void *arg)
{
	struct memcg *c;

	memcg_rcu_read_lock();
	for (c = resume_after(parent, after_id); c; c = next_sibling(c)) {
		if (c->id <= after_id || !memcg_online(c))
			continue;
		if (fn(c, arg))
			break;
	}
	memcg_rcu_read_unlock();
}

/* fn runs on each group with a reference held, so that it may take one
 * of its own (reclaim collects the groups it will scan).  An RCU walker
 * can reach a group whose removal has just dropped its last reference:
 * memcg_get() would bring it back from zero and its free would be queued
 * twice.  Such a group is skipped with its subtree (it has no children:
 * removal needs none); tryget sees the zero. */
int memcg_walk_subtree(struct memcg *m, int (*fn)(struct memcg *, void *),
		       void *arg)
{
	struct memcg *pos = NULL;
	bool descend = true;
	int rc = 0;

	memcg_rcu_read_lock();
	while (!rc && (pos = next_pre(pos, m, descend))) {
		descend = memcg_tryget(pos);
		if (descend) {
			rc = fn(pos, arg);
			memcg_put(pos);
		}
	}
	memcg_rcu_read_unlock();
	return rc;
}

long memcg_nr_children(struct memcg *parent)
{
	return atomic_load(&parent->nr_children);
}

int memcg_set_soft_limit(struct memcg *m, long pages)
{
	atomic_store(&m->soft_limit, pages);
	return 0;
}

/* Where each setting lives and what it accepts. */
static const struct {
	size_t field;		/* offsetof an atomic_int in struct memcg */
	uint64_t min, max;
	bool flag;		/* any value; non-zero is stored as 1 */
	bool not_root;
} settings[MEMCG_NR_SETTINGS] = {
	[MEMCG_SWAPPINESS] = { offsetof(struct memcg, swappiness), 0, 200 },
	[MEMCG_MOVE_CHARGE] = { offsetof(struct memcg, move_charge), 0, 3 },
	[MEMCG_OOM_KILL_DISABLE] = { offsetof(struct memcg, oom_kill_disable),
				     0, 1, .not_root = true },
	[MEMCG_NOTIFY_ON_RELEASE] = { offsetof(struct memcg, notify_on_release),
				      .flag = true },
	[MEMCG_CLONE_CHILDREN] = { offsetof(struct memcg, clone_children),
				   .flag = true },
	/* The hierarchy is always on: 1 is accepted and changes nothing. */
	[MEMCG_USE_HIERARCHY] = { 0, 1, 1 },
};

static atomic_int *setting_field(struct memcg *m, enum memcg_setting s)
{
	return settings[s].field ?
	       (atomic_int *)((char *)m + settings[s].field) : NULL;
}

int memcg_setting(struct memcg *m, enum memcg_setting s)
{
	atomic_int *f = setting_field(m, s);

	return f ? atomic_load(f) : 1;
}

int memcg_set_setting(struct memcg *m, enum memcg_setting s, uint64_t val)
{
	atomic_int *f = setting_field(m, s);

	if (settings[s].flag)
		val = val != 0;
	else if (val < settings[s].min || val > settings[s].max ||
		 (settings[s].not_root && memcg_is_root(m)))
		return -EINVAL;
	if (f)
		atomic_store(f, (int)val);
	return 0;
}

long memcg_soft_limit(struct memcg *m)
{
	return atomic_load(&m->soft_limit);
}

void memcg_read_counter(struct memcg *m, enum memcg_res res,
			struct memcg_counter *out)
{
	struct page_counter *c = &m->res[res];

	out->usage = page_counter_read(c);
	out->limit = page_counter_limit(c);
	out->max_usage = atomic_load(&c->watermark);
	out->failcnt = atomic_load(&c->failcnt);
}

void memcg_reset_failcnt(struct memcg *m, enum memcg_res res)
{
	atomic_store(&m->res[res].failcnt, 0);
}

void memcg_reset_max_usage(struct memcg *m, enum memcg_res res)
{
	page_counter_reset_watermark(&m->res[res]);
}

long memcg_hierarchical_limit(struct memcg *m, enum memcg_res res)
{
	long limit = max_pages;

	for (; m; m = m->parent) {
		long l = page_counter_limit(&m->res[res]);

		if (l < limit)
			limit = l;
	}
	return limit;
}

/* Kernel memory still charged to a removed group: only kmem=pin keeps
 * any (under kmem=reparent it went to the parent). */
static long dead_kmem(struct memcg *m)
{
	return atomic_load(&m->flags) & MEMCG_KMEM_DEAD ?
	       page_counter_read(&m->res[MEMCG_RES_KMEM]) : 0;
}

/* The path is built when read, not kept from the removal: building it at
 * each rmdir made removing a deep chain quadratic.  A removed group keeps
 * its name; its live ancestors show theirs as they are now.  NULL when out
 * of memory. */
static char *dying_path(struct memcg *m)
{
	struct strbuf sb;

	strbuf_init(&sb);
	memcg_path(m, &sb);
	if (sb.oom) {
		strbuf_release(&sb);
		return NULL;
	}
	return sb.buf;
}

void memcg_dying_release(struct memcg_dying *rows, long n)
{
	for (long i = 0; i < n; i++)
		free(rows[i].path);
	free(rows);
}

long memcg_dying_snapshot(struct memcg_dying **out)
{
	VEC(struct memcg_dying) rows = VEC_INIT;
	struct memcg *m;
	long err = 0;

	pthread_mutex_lock(&dying_lock);
	cds_list_for_each_entry(m, &dying_list, dying_node) {
		struct memcg_dying *r = VEC_PUSH(&rows);

		if (!r) {
			err = -ENOMEM;
			break;
		}
		r->id = m->id;
		r->path = dying_path(m);
		r->refs = atomic_load(&m->refcnt);
		r->flags = atomic_load(&m->flags);
		r->kmem_pages = dead_kmem(m);
		r->pages = memcg_stat_local(m, MEMCG_CACHE) +
			   memcg_stat_local(m, MEMCG_RSS) + r->kmem_pages;
	}
	pthread_mutex_unlock(&dying_lock);
	if (err) {
		memcg_dying_release(rows.v, (long)rows.nr);
		return err;
	}
	*out = rows.v;
	return (long)rows.nr;
}

/* ---- checkpoint (checkpoint.h) ------------------------------------------ */

struct memcg *memcg_restore_dying(struct memcg *parent, const char *name,
				  uint64_t id, unsigned flags, int *err)
{
	struct memcg *m;

	if (!id) {
		*err = -EINVAL;
		return NULL;
	}
	m = create(parent, name, id, NULL, NULL, err, true);
	if (m && (flags & MEMCG_KMEM_ACTIVE))
		memcg_kmem_activate(m);
	return m;
}

static int by_id(const void *a, const void *b)
{
	uint64_t x = (*(struct memcg *const *)a)->id;
	uint64_t y = (*(struct memcg *const *)b)->id;

	return x < y ? -1 : x > y;
}

void memcg_dying_save(void (*fn)(struct memcg *m, long rank, void *arg),
		      void *arg)
{
	VEC(struct memcg *) pinned = VEC_INIT;
	struct memcg *m;

	pthread_mutex_lock(&dying_lock);
	cds_list_for_each_entry(m, &dying_list, dying_node) {
		struct memcg **slot;

		if (!(atomic_load(&m->flags) & MEMCG_KMEM_DEAD) ||
		    !(slot = VEC_PUSH(&pinned)))
			continue;
		memcg_get(m);
		*slot = m;
		m->ckpt_rank = (long)pinned.nr - 1;
	}
	pthread_mutex_unlock(&dying_lock);
	if (pinned.nr)
		qsort(pinned.v, pinned.nr, sizeof(*pinned.v), by_id);
	for (size_t i = 0; i < pinned.nr; i++) {
		fn(pinned.v[i], pinned.v[i]->ckpt_rank, arg);
		memcg_put(pinned.v[i]);
	}
	free(pinned.v);
}
