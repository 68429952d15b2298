/* LRU lists; see lru.h. */
#include "lru.h"

#include "memcg_impl.h"
#include "page.h"

void lruvec_init(struct lruvec *lv)
{
	pthread_mutex_init(&lv->lock, NULL);
	for (int i = 0; i < NR_LRU_LISTS; i++)
		lv->lists[i].head = lv->lists[i].tail = PAGE_NIL;
}

void lruvec_destroy(struct lruvec *lv)
{
	pthread_mutex_destroy(&lv->lock);
}

_Static_assert(PG_ACTIVE == 0x04u && PG_KIND_MASK == 0x03u && PAGE_ANON == 1,
	       "lru_list_of() in lru.h knows these bits");

void lru_add(struct memcg *m, enum lru_list list, uint32_t idx)
{
	struct lru_head *h = &m->lruvec.lists[list];
	struct page_frame *f = page_frame(idx);

	f->next = PAGE_NIL;
	f->prev = h->tail;
	if (h->tail)
		page_frame(h->tail)->next = idx;
	else
		h->head = idx;
	h->tail = idx;
}

void lru_add_many(struct memcg *m, enum lru_list list, const uint32_t *idx,
		  long nr)
{
	struct lru_head *h = &m->lruvec.lists[list];
	struct page_frame *prev = h->tail ? page_frame(h->tail) : NULL;

	if (nr <= 0)
		return;
	/* Chain the batch, then hang it on the tail: one neighbour write. */
	for (long i = 0; i < nr; i++) {
		struct page_frame *f = page_frame(idx[i]);

		f->prev = i ? idx[i - 1] : h->tail;
		f->next = i + 1 < nr ? idx[i + 1] : PAGE_NIL;
	}
	if (prev)
		prev->next = idx[0];
	else
		h->head = idx[0];
	h->tail = idx[nr - 1];
}

void lru_del(struct memcg *m, enum lru_list list, uint32_t idx)
{
	struct lru_head *h = &m->lruvec.lists[list];
	struct page_frame *f = page_frame(idx);

	if (f->prev)
		page_frame(f->prev)->next = f->next;
	else
		h->head = f->next;
	if (f->next)
		page_frame(f->next)->prev = f->prev;
	else
		h->tail = f->prev;
	f->prev = f->next = PAGE_NIL;
}

void lru_splice(struct memcg *child, struct memcg *parent)
{
	for (int i = 0; i < NR_LRU_LISTS; i++) {
		struct lru_head *c = &child->lruvec.lists[i];
		struct lru_head *p = &parent->lruvec.lists[i];

		if (!c->head)
			continue;
		if (p->tail) {
			page_frame(p->tail)->next = c->head;
			page_frame(c->head)->prev = p->tail;
		} else {
			p->head = c->head;
		}
		p->tail = c->tail;
		c->head = c->tail = PAGE_NIL;
	}
}
