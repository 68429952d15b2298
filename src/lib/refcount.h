/* Reference counts that a lookup may race with the last put: take
 * references only while the count is above zero, as the kernel's
 * refcount_inc_not_zero(). */
#ifndef MEMCGFS_REFCOUNT_H
#define MEMCGFS_REFCOUNT_H

#include <stdatomic.h>
#include <stdbool.h>

/* Add nr to *ref unless it is 0 (its object is on its way to be freed). */
static inline bool refcount_tryget(atomic_long *ref, long nr)
{
	long old = atomic_load(ref);

	while (old > 0)
		if (atomic_compare_exchange_weak(ref, &old, old + nr))
			return true;
	return false;
}

#endif
