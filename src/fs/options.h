/* memcgfs's own mount options (memcgfs(8) OPTIONS), parsed out of the argument list
 * before libfuse sees the rest. */
#ifndef MEMCGFS_OPTIONS_H
#define MEMCGFS_OPTIONS_H

#include <stdbool.h>

#include "engine/memcg.h"
#include "ops.h"

enum track_mode {
	TRACK_NONE,
	TRACK_RSS,
	TRACK_PAGES,
};

struct memcgfs_options {
	struct memcg_config engine;
	enum track_mode track;
	long rss_interval_ms;
	long pages_interval_ms;
	/* state=PATH (empty: a private file removed at the end) and
	 * bad_state=refuse (memcgfs(8) RESTART). */
	char state_path[4096];
	bool refuse_bad_state;
	/* The mountpoint argument names nothing: libfuse refuses it while
	 * parsing the command line, but that is a runtime error (status 1),
	 * not a usage one. */
	bool mountpoint_missing;
};

/* Take memcgfs's -o options out of args into opts, validated.  Returns 0,
 * or -1 after printing one line on stderr (a usage error, exit status 2). */
int options_parse(struct fuse_args *args, struct memcgfs_options *opts);

/* The memcgfs part of --help. */
void options_help(void);

#endif
