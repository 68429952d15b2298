/* A stream of lines across writes: what the memcgfs.workload file reads.
 *
 * A writer may cut its text anywhere (cat writes 128 KiB at a time, and
 * FUSE hands a write(2) over its maximum in pieces): a line is applied
 * when its newline arrives, joined with what came before it in earlier
 * writes to the same open file; the text after the last newline is kept
 * for the next write, or applied by the flush at close (so the errno of
 * an unterminated last line, as `echo -n` writes it, is close's).  The
 * first failing apply returns its errno and drops the rest of that write
 * and anything kept: the next write starts a new line. */
#ifndef MEMCGFS_LINESTREAM_H
#define MEMCGFS_LINESTREAM_H

#include <stddef.h>

/* Apply buf[0..len): one or more lines, each but possibly the last ending
 * in '\n'.  0 or a negative errno. */
typedef int (*line_apply_fn)(const char *buf, size_t len, void *arg);

struct line_stream;

/* A stream whose lines, newline included, hold at most max bytes; NULL
 * when out of memory. */
struct line_stream *line_stream_new(size_t max);
void line_stream_free(struct line_stream *ls);

/* Feed one write.  0, the first failing apply's errno, or -EINVAL for a
 * line longer than max. */
int line_stream_write(struct line_stream *ls, const char *buf, size_t len,
		      line_apply_fn apply, void *arg);

/* Apply the kept unterminated line, if any (at close). */
int line_stream_flush(struct line_stream *ls, line_apply_fn apply, void *arg);

#endif
