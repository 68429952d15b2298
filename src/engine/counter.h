/* Hierarchical page counter, after the kernel's mm/page_counter.c.
 *
 * Usage, limit, watermark and failcnt are in pages.  Charging walks from a
 * counter up to the root adding with atomics and unwinds if any level would
 * pass its limit: the charge path takes no lock. */
#ifndef MEMCG_COUNTER_H
#define MEMCG_COUNTER_H

#include <stdatomic.h>
#include <stdbool.h>

struct page_counter {
	atomic_long usage;
	atomic_long limit;
	atomic_long watermark;
	atomic_long failcnt;
	struct page_counter *parent;
};

/* The largest page count whose byte value stays below 2^63 for PAGE_SIZE. */
long page_counter_max_pages(unsigned long page_size);

void page_counter_init(struct page_counter *c, struct page_counter *parent,
		       long limit);

static inline long page_counter_read(const struct page_counter *c)
{
	return atomic_load_explicit(&c->usage, memory_order_relaxed);
}

/* For reports and settings; the charge path reads the limit itself, with
 * the ordering counter.c explains. */
static inline long page_counter_limit(const struct page_counter *c)
{
	return atomic_load_explicit(&c->limit, memory_order_relaxed);
}

/* Charge nr pages to c and its ancestors.  On failure nothing stays
 * charged, *fail points at the counter whose limit refused (its failcnt has
 * been incremented) and false is returned. */
bool page_counter_try_charge(struct page_counter *c, long nr,
			     struct page_counter **fail);

/* The same, leaving the watermarks alone: for the first of two counters
 * charged together, whose charge may still be undone if the second fails
 * (a charge that never happened is no peak).  Once both hold, call
 * page_counter_commit_watermark() on it (stop as in _upto, or NULL). */
bool page_counter_try_charge_tentative(struct page_counter *c, long nr,
				       struct page_counter **fail);
void page_counter_commit_watermark(struct page_counter *c,
				   struct page_counter *stop);

/* Charge or uncharge c and its ancestors below stop only (stop is an
 * ancestor of c): moving a charge between two groups leaves their common
 * ancestor and everything above it alone.  tentative: as
 * page_counter_try_charge_tentative. */
bool page_counter_try_charge_upto(struct page_counter *c,
				  struct page_counter *stop, long nr,
				  struct page_counter **fail, bool tentative);
void page_counter_uncharge_upto(struct page_counter *c,
				struct page_counter *stop, long nr);

/* Charge regardless of limits (used where the kernel forces, e.g. moving
 * charges already reserved). */
void page_counter_charge(struct page_counter *c, long nr);

/* Uncharging more than is charged clamps the usage at zero, counts an
 * underflow and, the first time, calls the warning hook (if set) with the
 * usage it would have had and the pages uncharged. */
void page_counter_uncharge(struct page_counter *c, long nr);

typedef void (*page_counter_warn_fn)(long usage, long nr);
void page_counter_set_warn_hook(page_counter_warn_fn fn);
/* Underflows so far (process-wide; never reset). */
long page_counter_underflows(void);

/* Set the limit; -EBUSY if usage is above it (the limit is unchanged). */
int page_counter_set_limit(struct page_counter *c, long nr);

/* Reset the high watermark to the current usage. */
void page_counter_reset_watermark(struct page_counter *c);

/* After a restart: the watermark and failcnt it had (a watermark never
 * below the usage). */
void page_counter_restore(struct page_counter *c, long watermark, long failcnt);

#endif
