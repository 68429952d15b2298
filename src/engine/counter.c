/* Hierarchical page counter; see counter.h.  Every update is an atomic on
 * the counter itself: usage may transiently exceed a limit by the amount of
 * racing charges, which then unwind, exactly as in the kernel. */
#include "counter.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>

#include "version.h"

long page_counter_max_pages(unsigned long page_size)
{
	return (long)(LONG_MAX / (long)page_size);
}

void page_counter_init(struct page_counter *c, struct page_counter *parent,
		       long limit)
{
	atomic_init(&c->usage, 0);
	atomic_init(&c->limit, limit);
	atomic_init(&c->watermark, 0);
	atomic_init(&c->failcnt, 0);
	c->parent = parent;
}

static void propagate_watermark(struct page_counter *c, long usage)
{
	long old = atomic_load_explicit(&c->watermark, memory_order_relaxed);

	while (usage > old &&
	       !atomic_compare_exchange_weak_explicit(&c->watermark, &old, usage,
						      memory_order_relaxed,
						      memory_order_relaxed))
		;
}

void page_counter_charge(struct page_counter *c, long nr)
{
	for (; c; c = c->parent) {
		long usage = atomic_fetch_add(&c->usage, nr) + nr;

		propagate_watermark(c, usage);
	}
	memcg_version_bump();
}

/* Charge c and its ancestors below stop (NULL: all of them). */
static bool try_charge(struct page_counter *c, struct page_counter *stop,
		       long nr, struct page_counter **fail, bool watermark)
{
	struct page_counter *it;

	for (it = c; it != stop; it = it->parent) {
		long usage = atomic_fetch_add(&it->usage, nr) + nr;

		if (usage > page_counter_limit(it)) {
			atomic_fetch_sub(&it->usage, nr);
			atomic_fetch_add_explicit(&it->failcnt, 1,
						  memory_order_relaxed);
			if (fail)
				*fail = it;
			goto unwind;
		}
		if (watermark)
			propagate_watermark(it, usage);
	}
	memcg_version_bump();
	return true;

unwind:
	for (struct page_counter *u = c; u != it; u = u->parent)
		atomic_fetch_sub(&u->usage, nr);
	memcg_version_bump();	/* failcnt moved */
	return false;
}

bool page_counter_try_charge(struct page_counter *c, long nr,
			     struct page_counter **fail)
{
	return try_charge(c, NULL, nr, fail, true);
}

bool page_counter_try_charge_upto(struct page_counter *c,
				  struct page_counter *stop, long nr,
				  struct page_counter **fail, bool tentative)
{
	return try_charge(c, stop, nr, fail, !tentative);
}

void page_counter_uncharge_upto(struct page_counter *c,
				struct page_counter *stop, long nr)
{
	for (; c != stop; c = c->parent)
		atomic_fetch_sub(&c->usage, nr);
	memcg_version_bump();
}

bool page_counter_try_charge_tentative(struct page_counter *c, long nr,
				       struct page_counter **fail)
{
	return try_charge(c, NULL, nr, fail, false);
}

void page_counter_commit_watermark(struct page_counter *c,
				   struct page_counter *stop)
{
	for (; c != stop; c = c->parent)
		propagate_watermark(c, page_counter_read(c));
	memcg_version_bump();
}

void page_counter_uncharge(struct page_counter *c, long nr)
{
	for (; c; c = c->parent)
		atomic_fetch_sub(&c->usage, nr);
	memcg_version_bump();
}

int page_counter_set_limit(struct page_counter *c, long nr)
{
	for (;;) {
		long usage = page_counter_read(c);
		long old;

		if (usage > nr)
			return -EBUSY;
		old = atomic_exchange(&c->limit, nr);
		/* A charge racing with the swap may have pushed usage past
		 * the new limit: if so, put the old one back and retry. */
		if (page_counter_read(c) <= usage || nr >= old)
			return 0;
		atomic_store(&c->limit, old);
	}
}

void page_counter_reset_watermark(struct page_counter *c)
{
	atomic_store(&c->watermark, page_counter_read(c));
}
