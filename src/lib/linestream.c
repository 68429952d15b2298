/* A stream of lines across writes; see linestream.h. */
#include "linestream.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct line_stream {
	pthread_mutex_t lock;	/* writes to one open file apply in order */
	size_t len, max;
	char buf[];		/* the kept start of a line */
};

struct line_stream *line_stream_new(size_t max)
{
	struct line_stream *ls = malloc(sizeof(*ls) + max);

	if (!ls)
		return NULL;
	pthread_mutex_init(&ls->lock, NULL);
	ls->len = 0;
	ls->max = max;
	return ls;
}

void line_stream_free(struct line_stream *ls)
{
	if (!ls)
		return;
	pthread_mutex_destroy(&ls->lock);
	free(ls);
}

/* Append to the kept text; -EINVAL (and nothing kept) past max. */
static int keep(struct line_stream *ls, const char *buf, size_t len)
{
	if (len > ls->max - ls->len) {
		ls->len = 0;
		return -EINVAL;
	}
	memcpy(ls->buf + ls->len, buf, len);
	ls->len += len;
	return 0;
}

static int feed(struct line_stream *ls, const char *buf, size_t len,
		line_apply_fn apply, void *arg)
{
	const char *last = memrchr(buf, '\n', len);
	size_t whole;
	int err = 0;

	if (!last)
		return keep(ls, buf, len);
	whole = (size_t)(last - buf) + 1;	/* complete lines end here */
	if (ls->len) {
		/* The kept start of a line and its end, applied together. */
		size_t first = (size_t)((const char *)memchr(buf, '\n', len) - buf) + 1;

		err = keep(ls, buf, first);
		if (!err)
			err = apply(ls->buf, ls->len, arg);
		ls->len = 0;
		buf += first;
		len -= first;
		whole -= first;
	}
	if (!err && whole)
		err = apply(buf, whole, arg);
	if (!err)
		err = keep(ls, buf + whole, len - whole);
	return err;
}

int line_stream_write(struct line_stream *ls, const char *buf, size_t len,
		      line_apply_fn apply, void *arg)
{
	int err;

	pthread_mutex_lock(&ls->lock);
	err = feed(ls, buf, len, apply, arg);
	if (err)
		ls->len = 0;
	pthread_mutex_unlock(&ls->lock);
	return err;
}

int line_stream_flush(struct line_stream *ls, line_apply_fn apply, void *arg)
{
	int err = 0;

	pthread_mutex_lock(&ls->lock);
	if (ls->len)
		err = apply(ls->buf, ls->len, arg);
	ls->len = 0;
	pthread_mutex_unlock(&ls->lock);
	return err;
}
