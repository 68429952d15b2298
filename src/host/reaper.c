/* The dead-cache reaper's timer; see reaper.h. */
#include "reaper.h"

#include "engine/slab.h"
#include "ticker.h"

static struct ticker ticker;

static void reap(void *arg)
{
	(void)arg;
	slab_reap();
}

int reaper_start(unsigned interval_seconds)
{
	return ticker_start(&ticker, (long)interval_seconds * 1000, reap, NULL);
}

void reaper_stop(void)
{
	ticker_stop(&ticker);
}
