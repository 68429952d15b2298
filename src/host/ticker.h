/* A thread that calls a function every period, stopped at once on
 * request: the dead-cache reaper, the RSS sampler and the fork scanner
 * are each one. */
#ifndef MEMCGFS_TICKER_H
#define MEMCGFS_TICKER_H

#include <pthread.h>
#include <stdbool.h>

struct ticker {
	void (*fn)(void *arg);
	void *arg;
	long period_ms;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stopping, started;
	pthread_t thread;
};

/* Start calling fn(arg) every period_ms milliseconds, the first call one
 * period from now.  0 or a negative errno. */
int ticker_start(struct ticker *t, long period_ms, void (*fn)(void *arg),
		 void *arg);
/* Stop and join; waits for a call in progress.  A ticker never started is
 * left alone. */
void ticker_stop(struct ticker *t);

#endif
