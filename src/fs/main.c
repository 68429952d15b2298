/* memcgfs: command line, mount, signals and the event loop (memcgfs(8) OPTIONS).
 *
 * The process that mounts is the supervisor (supervise.h): it holds the
 * FUSE descriptor and runs the server in a child it restarts.
 *
 * Exit status: 0 after a clean unmount or SIGTERM/SIGINT, 2 for a usage
 * error, 1 for a runtime failure; every failure is one line on stderr and
 * leaves nothing mounted. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "engine/counter.h"
#include "engine/engine.h"
#include "engine/oom.h"
#include "host/pidwatch.h"
#include "host/forkscan.h"
#include "host/listener.h"
#include "host/reaper.h"
#include "host/pagetrack.h"
#include "host/rsstrack.h"
#include "host/release.h"
#include "cache.h"
#include "event_control.h"
#include "mount.h"
#include "node.h"
#include "ops.h"
#include "options.h"
#include "serve.h"
#include "state.h"
#include "supervise.h"

enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

static void usage(const char *prog)
{
	printf("usage: %s [-f] [-d] [-s] [-o OPT[,OPT...]] [SOURCE] MOUNTPOINT\n"
	       "       %s --help | --version\n\n"
	       "Mount a cgroup v1 memory controller tree backed by an in-process\n"
	       "memory accounting engine.\n\n", prog, prog);
	options_help();
	printf("FUSE options:\n");
	fuse_cmdline_help();
	fuse_lowlevel_help();
}

/* Whether something is mounted on path, as seen from here: its mount
 * differs from its parent's.  A mount hidden under a later one on an
 * ancestor (a tmpfs over /sys/fs/cgroup hides the host's
 * /sys/fs/cgroup/memory) does not count.  mountinfo, which lists hidden
 * mounts too, is the fallback for kernels without STATX_MNT_ID. */
static bool is_mount_point(const char *path)
{
	char parent[PATH_MAX + 3];
	struct statx a, b;

	snprintf(parent, sizeof(parent), "%s/..", path);
	if (statx(AT_FDCWD, path, 0, STATX_MNT_ID, &a) == 0 &&
	    statx(AT_FDCWD, parent, 0, STATX_MNT_ID, &b) == 0 &&
	    (a.stx_mask & b.stx_mask & STATX_MNT_ID))
		return a.stx_mnt_id != b.stx_mnt_id;
	return mountinfo_lists(path);
}

/* Returns 0 or prints why the mountpoint cannot be used. */
static int check_mountpoint(const char *mountpoint)
{
	char real[PATH_MAX];
	struct stat st;

	if (stat(mountpoint, &st) < 0 || !realpath(mountpoint, real)) {
		fprintf(stderr, "memcgfs: %s: %s\n", mountpoint, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "memcgfs: %s: not a directory\n", mountpoint);
		return -1;
	}
	if (is_mount_point(real)) {
		fprintf(stderr, "memcgfs: %s: already mounted\n", mountpoint);
		return -1;
	}
	return 0;
}

/* Without the connector, how often /proc is scanned for members' forks. */
#define FORKSCAN_PERIOD_MS 100

/* oom=kill: a victim that is a real process gets SIGKILL. */
static void oom_kill_process(pid_t tgid)
{
	syslog(LOG_NOTICE, "OOM: killing process %d", tgid);
	kill(tgid, SIGKILL);
}

/* The engine uncharged more than was charged somewhere: a bug, logged
 * once as the kernel's page_counter warns (the counter was clamped). */
static void counter_underflow(long usage, long nr)
{
	syslog(LOG_WARNING, "page_counter underflow: %ld nr_pages=%ld", usage, nr);
}

static int start_release(const struct memcgfs_options *opts)
{
	memcg_set_release_hook(release_notify);
	return release_start();
}

static void stop_release(void)
{
	memcg_set_release_hook(NULL);
	release_stop();
}

static int start_pidwatch(const struct memcgfs_options *opts)
{
	return pidwatch_start();
}

static int start_reaper(const struct memcgfs_options *opts)
{
	return reaper_start(opts->engine.reap_interval);
}

static int start_forkscan(const struct memcgfs_options *opts)
{
	return forkscan_start(FORKSCAN_PERIOD_MS);
}

static int start_rsstrack(const struct memcgfs_options *opts)
{
	return opts->track == TRACK_RSS ? rsstrack_start(opts->rss_interval_ms) : 0;
}

static int start_pagetrack(const struct memcgfs_options *opts)
{
	return opts->track == TRACK_PAGES ?
	       pagetrack_start(opts->pages_interval_ms) : 0;
}

/* What runs beside the engine, in start order; stopped in reverse. */
static const struct host_part {
	int (*start)(const struct memcgfs_options *opts);
	void (*stop)(void);
} host_parts[] = {
	{ start_release, stop_release },
	{ start_pidwatch, pidwatch_stop },
	{ start_reaper, reaper_stop },
	{ start_forkscan, forkscan_stop },
	{ start_rsstrack, rsstrack_stop },
	{ start_pagetrack, pagetrack_stop },
};
#define NR_HOST_PARTS (sizeof(host_parts) / sizeof(host_parts[0]))

static void stop_parts(size_t started)
{
	while (started-- > 0)
		host_parts[started].stop();
	engine_exit();
}

/* The engine and the host threads around it; a failure part way stops
 * what was started. */
static int engine_start(const struct memcgfs_options *opts)
{
	struct memcg *root;
	size_t started = 0;
	int err = engine_init(&opts->engine);

	if (err)
		return err;
	memcg_set_oom_kill_hook(oom_kill_process);
	page_counter_set_warn_hook(counter_underflow);
	root = memcg_root();
	memcg_set_priv(root, group_node_new(getuid(), getgid(), 0755),
		       group_node_free);
	err = memcg_priv(root) ? 0 : -ENOMEM;
	for (; !err && started < NR_HOST_PARTS; started++)
		err = host_parts[started].start(opts);
	if (err)
		stop_parts(started ? started - 1 : 0);
	return err;
}

static void engine_stop(void)
{
	stop_parts(NR_HOST_PARTS);
}

/* libfuse's loop returns 0 after an unmount and the signal number after
 * SIGTERM, SIGINT or SIGHUP: all of them are a clean end. */
static bool clean_end(int ret)
{
	return ret == 0 || ret == SIGTERM || ret == SIGINT || ret == SIGHUP;
}

/* Unmount what we mounted, by identity (mount.h), and only then let
 * libfuse close its side: its unmount is by path, and does nothing once
 * the connection is gone.  If the connection cannot be shown gone, its
 * unmount is skipped: better a mount left dead than another one taken. */
static void unmount(struct fuse_session *se, const struct mount_ident *id)
{
	if (!id || mount_detach(id, fuse_session_fd(se)))
		fuse_session_unmount(se);
}

/* Registrations of cgroup.event_control each hold a descriptor (at most
 * MAX_LISTENERS, listener.c): room for them beside our own. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* What a server needs, from the command line and the mount. */
struct server_args {
	const struct fuse_cmdline_opts *co;
	const struct memcgfs_options *opts;
	const struct mount_ident *ident;	/* NULL if not identified */
};

/* One server (supervise.h): the engine, the host parts and the request
 * loop, until the mount goes or a signal ends it.  A server whose
 * supervisor was killed holds the mount alone: it unmounts at its end. */
static int serve(struct fuse_session *se, bool restarted, void *arg)
{
	const struct server_args *sa = arg;
	int ret;

	if (fuse_set_signal_handlers(se) != 0)
		return EXIT_RUNTIME;
	if (restarted)
		syslog(LOG_NOTICE, "server restarted on the same mount");
	ret = engine_start(sa->opts);
	if (ret) {
		fprintf(stderr, "memcgfs: cannot start: %s\n", strerror(-ret));
		return EXIT_RUNTIME;
	}
	if (state_restore()) {
		engine_stop();
		return EXIT_RUNTIME;
	}
	ret = fcache_start(se);
	if (!ret && (ret = listeners_start()))
		fcache_stop();
	if (ret) {
		fprintf(stderr, "memcgfs: cannot start: %s\n", strerror(-ret));
		state_close();
		engine_stop();
		return EXIT_RUNTIME;
	}
	ret = fuse_serve(se, sa->co);
	state_close();
	listeners_stop();
	fcache_stop();
	memcgfs_ops_exit();
	engine_stop();
	if (supervisor_gone()) {
		unmount(se, sa->ident);
		state_teardown();	/* what the supervisor would have removed */
	}
	fuse_remove_signal_handlers(se);
	return clean_end(ret) ? EXIT_OK : EXIT_RUNTIME;
}

/* mount.fuse3 (mount -t fuse.memcgfs SOURCE DIR, or an fstab line) runs
 * "memcgfs SOURCE DIR -o OPTS": with two non-option arguments the first is
 * the source, which names nothing here and is dropped. */
static void drop_source(int *argc, char *argv[])
{
	int nonopt[3], n = 0;

	for (int i = 1; i < *argc && n < 3; i++) {
		if (!strcmp(argv[i], "-o") && i + 1 < *argc)
			i++;		/* its value */
		else if (argv[i][0] != '-')
			nonopt[n++] = i;
	}
	if (n != 2)
		return;
	memmove(&argv[nonopt[0]], &argv[nonopt[0] + 1],
		sizeof(*argv) * (size_t)(*argc - nonopt[0]));
	--*argc;
}

int main(int argc, char *argv[])
{
	struct fuse_args args;
	struct fuse_cmdline_opts co = { 0 };
	struct memcgfs_options opts;
	struct fuse_session *se;
	struct mount_ident ident;
	struct server_args sa = { &co, &opts, NULL };
	int status = EXIT_USAGE;

	drop_source(&argc, argv);
	args = (struct fuse_args)FUSE_ARGS_INIT(argc, argv);
	if (options_parse(&args, &opts))
		goto out_args;
	if (fuse_parse_cmdline(&args, &co) != 0) {
		if (opts.mountpoint_missing)
			status = EXIT_RUNTIME;	/* libfuse said which */
		goto out_args;
	}
	if (co.show_help) {
		usage(argv[0]);
		status = EXIT_OK;
		goto out_args;
	}
	if (co.show_version) {
		printf("memcgfs %s\n", PACKAGE_VERSION);
		fuse_lowlevel_version();
		status = EXIT_OK;
		goto out_args;
	}
	if (!co.mountpoint) {
		fprintf(stderr, "memcgfs: no mountpoint given (see --help)\n");
		goto out_args;
	}
	status = EXIT_RUNTIME;
	if (check_mountpoint(co.mountpoint) ||
	    state_setup(opts.state_path[0] ? opts.state_path : NULL,
			opts.refuse_bad_state))
		goto out_args;
	raise_fd_limit();
	fuse_opt_add_arg(&args, "-odefault_permissions,fsname=memcgfs,subtype=memcgfs");
	if (geteuid() == 0)
		fuse_opt_add_arg(&args, "-oallow_other");

	se = fuse_session_new(&args, &memcgfs_ops, sizeof(memcgfs_ops), NULL);
	if (!se) {
		status = EXIT_USAGE;	/* libfuse printed the unknown option */
		goto out_args;
	}
	if (fuse_session_mount(se, co.mountpoint) != 0)
		goto out_session;
	if (mount_identify(co.mountpoint, &ident)) {
		sa.ident = &ident;
		event_control_set_mount(ident.mnt_id);
	}
	if (fuse_daemonize(co.foreground) != 0)
		goto out_unmount;
	openlog("memcgfs", LOG_PID | (co.foreground ? LOG_PERROR : 0), LOG_DAEMON);
	status = state_setup_private() ? EXIT_RUNTIME : supervise(se, serve, &sa);
out_unmount:
	unmount(se, sa.ident);
out_session:
	fuse_session_destroy(se);
out_args:
	state_teardown();
	free(co.mountpoint);
	fuse_opt_free_args(&args);
	return status;
}
