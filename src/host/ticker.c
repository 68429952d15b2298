/* Periodic threads; see ticker.h. */
#include "ticker.h"

#include <errno.h>
#include <time.h>

static void add_ms(struct timespec *ts, long ms)
{
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += ms % 1000 * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static void *tick_loop(void *arg)
{
	struct ticker *t = arg;
	struct timespec when;

	pthread_mutex_lock(&t->lock);
	clock_gettime(CLOCK_MONOTONIC, &when);
	while (!t->stopping) {
		add_ms(&when, t->period_ms);
		while (!t->stopping &&
		       pthread_cond_timedwait(&t->cond, &t->lock, &when) != ETIMEDOUT)
			;
		if (t->stopping)
			break;
		pthread_mutex_unlock(&t->lock);
		t->fn(t->arg);
		pthread_mutex_lock(&t->lock);
		/* A slow call does not make the next ones pile up. */
		clock_gettime(CLOCK_MONOTONIC, &when);
	}
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

int ticker_start(struct ticker *t, long period_ms, void (*fn)(void *arg),
		 void *arg)
{
	pthread_condattr_t attr;
	int err;

	t->fn = fn;
	t->arg = arg;
	t->period_ms = period_ms;
	t->stopping = false;
	pthread_mutex_init(&t->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&t->cond, &attr);
	pthread_condattr_destroy(&attr);
	err = pthread_create(&t->thread, NULL, tick_loop, t);
	t->started = !err;
	return -err;
}

void ticker_stop(struct ticker *t)
{
	if (!t->started)
		return;
	pthread_mutex_lock(&t->lock);
	t->stopping = true;
	pthread_cond_signal(&t->cond);
	pthread_mutex_unlock(&t->lock);
	pthread_join(t->thread, NULL);
	pthread_cond_destroy(&t->cond);
	pthread_mutex_destroy(&t->lock);
	t->started = false;
}
