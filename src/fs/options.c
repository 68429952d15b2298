/* memcgfs's -o options; see options.h. */
#include "options.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/counter.h"
#include "lib/parse.h"
#include "host/proc.h"

struct raw_options {
	char *mem, *swap, *page_size, *kmem, *reap_interval, *oom, *track;
	char *rss_interval, *pages_interval;
	char *state, *bad_state;
	char *mountpoint;
};

#define OPT(t, m) { t, offsetof(struct raw_options, m), 0 }
static const struct fuse_opt option_spec[] = {
	OPT("mem=%s", mem),
	OPT("swap=%s", swap),
	OPT("page_size=%s", page_size),
	OPT("kmem=%s", kmem),
	OPT("reap_interval=%s", reap_interval),
	OPT("oom=%s", oom),
	OPT("track=%s", track),
	OPT("rss_interval=%s", rss_interval),
	OPT("pages_interval=%s", pages_interval),
	OPT("state=%s", state),
	OPT("bad_state=%s", bad_state),
	FUSE_OPT_END
};

void options_help(void)
{
	printf("memcgfs options:\n"
	       "    -o mem=SIZE            machine memory (default: the host's MemTotal)\n"
	       "    -o swap=SIZE           swap space (default: 0, anon pages stay in memory)\n"
	       "    -o page_size=N         accounting unit, a power of two 4096..65536 (default 4096)\n"
	       "    -o kmem=reparent|pin   kernel-memory lifecycle model (default reparent)\n"
	       "    -o reap_interval=SECS  dead-cache re-check period, 1..86400 (default 60)\n"
	       "    -o oom=kill|simulate   SIGKILL real OOM victims, or only uncharge them (default kill)\n"
	       "    -o track=none|pages|rss  charge real processes' memory: page by page\n"
	       "                           (pages), or resident totals (rss; default none)\n"
	       "    -o pages_interval=MS   track=pages scan period, 10..60000 (default 200)\n"
	       "    -o rss_interval=MS     track=rss sampling period, 10..60000 (default 100)\n"
	       "    -o state=PATH          keep the state a restarted server takes up in PATH\n"
	       "                           (default: a private file, removed at the end)\n"
	       "    -o bad_state=empty|refuse  a state file that fails its checks: start\n"
	       "                           empty (default), or refuse to start\n"
	       "SIZE: bytes with an optional k, m, g, t, p or e suffix (also 0x hex).\n\n");
}

static int bad(const char *opt, const char *val, const char *why)
{
	fprintf(stderr, "memcgfs: invalid option %s=%s: %s\n", opt, val, why);
	return -1;
}

/* A whole-number option within [min, max]. */
static int parse_range(const char *opt, const char *val, uint64_t min,
		       uint64_t max, uint64_t *out)
{
	if (parse_u64(val, strlen(val), out) || *out < min || *out > max) {
		char why[64];

		snprintf(why, sizeof(why), "expected a number from %llu to %llu",
			 (unsigned long long)min, (unsigned long long)max);
		return bad(opt, val, why);
	}
	return 0;
}

static int parse_bytes(const char *opt, const char *val, uint64_t *out)
{
	bool unlimited;

	if (parse_size(val, strlen(val), out, &unlimited) != 0 || unlimited)
		return bad(opt, val, "expected a size such as 512M or 4G");
	return 0;
}

/* One of a fixed set of words; returns its index. */
static int parse_word(const char *opt, const char *val,
		      const char *const words[], int nr, int *out)
{
	char why[80];

	for (int i = 0; i < nr; i++)
		if (!strcmp(val, words[i])) {
			*out = i;
			return 0;
		}
	snprintf(why, sizeof(why), "expected %s or %s", words[0], words[1]);
	return bad(opt, val, why);
}

static int validate(const struct raw_options *raw, struct memcgfs_options *o)
{
	static const char *const kmem_words[] = { "reparent", "pin" };
	static const char *const oom_words[] = { "kill", "simulate" };
	static const char *const track_words[] = { "none", "rss", "pages" };
	static const char *const bad_state_words[] = { "empty", "refuse" };
	uint64_t v, mem = proc_mem_total(), swap = 0;
	int w;

	o->engine.page_size = 4096;
	o->engine.kmem_model = MEMCG_KMEM_REPARENT;
	o->engine.reap_interval = 60;
	o->engine.oom_mode = MEMCG_OOM_KILL;
	o->track = TRACK_NONE;
	o->rss_interval_ms = 100;
	o->pages_interval_ms = 200;
	o->refuse_bad_state = false;
	if (raw->page_size) {
		if (parse_range("page_size", raw->page_size, 4096, 65536, &v))
			return -1;
		if (v & (v - 1))
			return bad("page_size", raw->page_size ? raw->page_size : "4096",
				   "expected a power of two");
		o->engine.page_size = (unsigned long)v;
	}
	if (raw->mem && parse_bytes("mem", raw->mem, &mem))
		return -1;
	if (raw->swap && parse_bytes("swap", raw->swap, &swap))
		return -1;
	if (raw->kmem) {
		if (parse_word("kmem", raw->kmem, kmem_words, 2, &w))
			return -1;
		o->engine.kmem_model = (enum memcg_kmem_model)w;
	}
	if (raw->reap_interval) {
		if (parse_range("reap_interval", raw->reap_interval, 1, 86400, &v))
			return -1;
		o->engine.reap_interval = (unsigned)v;
	}
	if (raw->oom) {
		if (parse_word("oom", raw->oom, oom_words, 2, &w))
			return -1;
		o->engine.oom_mode = (enum memcg_oom_mode)w;
	}
	if (raw->rss_interval) {
		if (parse_range("rss_interval", raw->rss_interval, 10, 60000, &v))
			return -1;
		o->rss_interval_ms = (long)v;
	}
	if (raw->pages_interval) {
		if (parse_range("pages_interval", raw->pages_interval, 10, 60000, &v))
			return -1;
		o->pages_interval_ms = (long)v;
	}
	if (raw->track) {
		if (parse_word("track", raw->track, track_words, 3, &w))
			return -1;
		o->track = (enum track_mode)w;
	}
	if (raw->bad_state) {
		if (parse_word("bad_state", raw->bad_state, bad_state_words, 2, &w))
			return -1;
		o->refuse_bad_state = w == 1;
	}
	o->state_path[0] = '\0';
	if (raw->state) {
		if (!raw->state[0] || strlen(raw->state) >= sizeof(o->state_path))
			return bad("state", raw->state, "expected a file's path");
		strcpy(o->state_path, raw->state);
	}
	/* A real page is one engine page. */
	if (o->track == TRACK_PAGES &&
	    o->engine.page_size != (unsigned long)sysconf(_SC_PAGESIZE))
		return bad("page_size", raw->page_size ? raw->page_size : "4096",
			   "track=pages needs the host's page size");
	o->engine.mem_pages = (long)(mem / o->engine.page_size);
	o->engine.swap_pages = (long)(swap / o->engine.page_size);
	if (o->engine.mem_pages > page_counter_max_pages(o->engine.page_size))
		o->engine.mem_pages = page_counter_max_pages(o->engine.page_size);
	if (o->engine.mem_pages <= 0)
		return bad("mem", raw->mem ? raw->mem : "?",
			   "must be at least one page");
	return 0;
}

/* Note the mountpoint argument (libfuse will take it too), so that
 * options_parse() can set mountpoint_missing. */
static int note_mountpoint(void *data, const char *arg, int key,
			   struct fuse_args *outargs)
{
	struct raw_options *raw = data;

	if (key == FUSE_OPT_KEY_NONOPT) {
		free(raw->mountpoint);
		raw->mountpoint = strdup(arg);
	}
	return 1;	/* keep it for libfuse */
}

int options_parse(struct fuse_args *args, struct memcgfs_options *opts)
{
	struct raw_options raw = { 0 };
	struct stat st;
	int rc;

	if (fuse_opt_parse(args, &raw, option_spec, note_mountpoint) != 0)
		return -1;	/* libfuse printed why */
	opts->mountpoint_missing = raw.mountpoint && stat(raw.mountpoint, &st) < 0;
	free(raw.mountpoint);
	rc = validate(&raw, opts);
	free(raw.mem);
	free(raw.swap);
	free(raw.page_size);
	free(raw.kmem);
	free(raw.reap_interval);
	free(raw.oom);
	free(raw.track);
	free(raw.rss_interval);
	free(raw.pages_interval);
	free(raw.state);
	free(raw.bad_state);
	return rc;
}
