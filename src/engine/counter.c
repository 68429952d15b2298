/* Hierarchical page counter; see counter.h.  Every update is an atomic on
 * the counter itself: usage may transiently exceed a limit by the amount of
 * racing charges, which then unwind, exactly as in the kernel.
 *
 * The one ordering that matters is between a charge and a limit change,
 * as in the kernel's mm/page_counter.c.  The charge adds to usage, then
 * reads the limit; page_counter_set_limit() swaps the limit, then reads
 * usage again.  Each side writes one location and then reads the other
 * (store buffering), so every one of those four accesses is seq_cst:
 * then they fall in one total order, and either the charge sees the new
 * limit or the setter sees the charge and puts the old limit back.  With
 * the reads relaxed C11 allows both to miss each other (and so a charge
 * to pass a limit that was set as if it were not there).  The kernel gets
 * the same from the full barriers that atomic_long_add_return() and xchg()
 * imply; x86's locked instructions happen to give it to a relaxed read
 * too, but C11 does not promise it (a later relaxed load may be satisfied
 * before a seq_cst read-modify-write's store is visible, as on POWER).
 * Everything else (watermark, failcnt, the unwinding) only counts. */
#include "counter.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>

#include "version.h"

static atomic_long underflows;
static page_counter_warn_fn warn_hook;

long page_counter_underflows(void)
{
	return atomic_load(&underflows);
}

void page_counter_set_warn_hook(page_counter_warn_fn fn)
{
	warn_hook = fn;
}

/* Take nr pages out of c alone.  More uncharges than charges is a bug
 * somewhere: as the kernel's page_counter_cancel(), clamp the usage at
 * zero (a negative count would let everything after it pass the limit)
 * and warn, once: the engine does no I/O, so the warning is counted and
 * handed to the hook, if there is one, the first time. */
static void cancel(struct page_counter *c, long nr)
{
	long usage = atomic_fetch_sub(&c->usage, nr) - nr;

	if (usage >= 0)
		return;
	atomic_store(&c->usage, 0);
	if (atomic_fetch_add(&underflows, 1) == 0 && warn_hook)
		warn_hook(usage, nr);
}

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

/* The limit, read after the charge's add: seq_cst, see the top. */
static long limit_after_add(struct page_counter *c)
{
	return atomic_load_explicit(&c->limit, memory_order_seq_cst);
}

/* Charge c and its ancestors below stop (NULL: all of them). */
static bool try_charge(struct page_counter *c, struct page_counter *stop,
		       long nr, struct page_counter **fail, bool watermark)
{
	struct page_counter *it;

	for (it = c; it != stop; it = it->parent) {
		long usage = atomic_fetch_add_explicit(&it->usage, nr,
						       memory_order_seq_cst) + nr;

		if (usage > limit_after_add(it)) {
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
		cancel(u, nr);
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
		cancel(c, nr);
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
		cancel(c, nr);
	memcg_version_bump();
}

int page_counter_set_limit(struct page_counter *c, long nr)
{
	for (;;) {
		long usage = page_counter_read(c);
		long old;

		if (usage > nr)
			return -EBUSY;
		/* The first read may be relaxed: the seq_cst exchange keeps
		 * it before the swap. */
		old = atomic_exchange_explicit(&c->limit, nr,
					       memory_order_seq_cst);
		/* A charge racing with the swap may have pushed usage past
		 * the new limit: if so, put the old one back and retry.  This
		 * read is the setter's half of the ordering at the top. */
		if (atomic_load_explicit(&c->usage, memory_order_seq_cst) <= usage ||
		    nr >= old)
			return 0;
		atomic_store(&c->limit, old);
	}
}

void page_counter_reset_watermark(struct page_counter *c)
{
	atomic_store(&c->watermark, page_counter_read(c));
}

void page_counter_restore(struct page_counter *c, long watermark, long failcnt)
{
	long usage = page_counter_read(c);

	atomic_store(&c->watermark, watermark > usage ? watermark : usage);
	atomic_store(&c->failcnt, failcnt);
}
