/* The dead-cache reaper's timer; see reaper.h. */
#include "reaper.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <time.h>

#include "engine/slab.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond;
static bool stopping;
static unsigned interval;
static pthread_t thread;

static void *reap_loop(void *arg)
{
	struct timespec when;

	(void)arg;
	pthread_mutex_lock(&lock);
	clock_gettime(CLOCK_MONOTONIC, &when);
	while (!stopping) {
		when.tv_sec += interval;
		while (!stopping &&
		       pthread_cond_timedwait(&cond, &lock, &when) != ETIMEDOUT)
			;
		if (stopping)
			break;
		pthread_mutex_unlock(&lock);
		slab_reap();
		pthread_mutex_lock(&lock);
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

int reaper_start(unsigned interval_seconds)
{
	pthread_condattr_t attr;

	interval = interval_seconds;
	stopping = false;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&cond, &attr);
	pthread_condattr_destroy(&attr);
	return -pthread_create(&thread, NULL, reap_loop, NULL);
}

void reaper_stop(void)
{
	pthread_mutex_lock(&lock);
	stopping = true;
	pthread_cond_signal(&cond);
	pthread_mutex_unlock(&lock);
	pthread_join(thread, NULL);
	pthread_cond_destroy(&cond);
}
