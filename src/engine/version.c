/* The engine's change counter; see version.h.  A bump is one relaxed
 * increment and one load on the charge path; the waker runs only for the
 * first bump after the face armed it, so a stream of charges costs one
 * wake-up per pass of the face, not one per charge. */
#include "version.h"

#include <stdatomic.h>
#include <stdbool.h>

static atomic_uint_fast64_t version;
static atomic_bool armed;
static void (*_Atomic waker)(void);

uint64_t memcg_version(void)
{
	return atomic_load(&version);
}

void memcg_version_bump(void)
{
	void (*wake)(void);

	atomic_fetch_add(&version, 1);
	if (!atomic_load_explicit(&armed, memory_order_relaxed) ||
	    !atomic_exchange(&armed, false))
		return;
	wake = atomic_load(&waker);
	if (wake)
		wake();
}

void memcg_version_set_waker(void (*wake)(void))
{
	atomic_store(&waker, wake);
}

void memcg_version_arm(void)
{
	atomic_store(&armed, true);
}
