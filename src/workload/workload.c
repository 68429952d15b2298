/* The workload command interpreter; see workload.h. */
#include "workload.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "engine/anon.h"
#include "lib/parse.h"
#include "engine/reclaim.h"
#include "engine/memcg.h"
#include "engine/pagecache.h"
#include "engine/slab.h"
#include "engine/sock.h"
#include "engine/task.h"

#define MAX_ARGS 4
#define MAX_LINE 4096

struct cmd_line {
	const char *text;	/* the whole line, for messages */
	char *argv[MAX_ARGS + 1];
	int argc;		/* arguments after the command */
	const struct workload_env *env;
	const char *why;	/* set with -EINVAL */
};

static int refuse(struct cmd_line *cl, const char *why)
{
	cl->why = why;
	return -EINVAL;
}

static int arg_pages(struct cmd_line *cl, const char *s, long *pages)
{
	if (parse_amount(s, strlen(s), memcg_config()->page_size,
			 memcg_max_pages(), pages))
		return refuse(cl, "SIZE is not a size");
	return 0;
}

static struct task *arg_task(struct cmd_line *cl, const char *s, int *err)
{
	pid_t pid;

	if (parse_pid(s, strlen(s), &pid)) {
		*err = refuse(cl, "PID is not a pid");
		return NULL;
	}
	return cl->env->task_of(pid, cl->env->ctx, err);
}

/* PID SIZE: anon and tcp charge (charge), free and tcpfree free (drop). */
static int cmd_pid_size(struct cmd_line *cl, int (*charge)(struct task *, long),
			long (*drop)(struct task *, long))
{
	struct task *t;
	long pages;
	int err = arg_pages(cl, cl->argv[1], &pages);

	if (err)
		return err;
	t = arg_task(cl, cl->argv[0], &err);
	if (!t)
		return err;
	if (charge)
		err = charge(t, pages);
	else
		drop(t, pages);
	task_put(t);
	return err;
}

static int cmd_fault(struct cmd_line *cl) { return cmd_pid_size(cl, anon_fault, NULL); }
static int cmd_free(struct cmd_line *cl) { return cmd_pid_size(cl, NULL, anon_free); }
static int cmd_tcp(struct cmd_line *cl) { return cmd_pid_size(cl, sock_charge, NULL); }
static int cmd_tcpfree(struct cmd_line *cl) { return cmd_pid_size(cl, NULL, sock_free); }

/* read PID FILE SIZE, map PID FILE SIZE */
static int cmd_read_common(struct cmd_line *cl, bool map)
{
	struct task *t;
	long pages;
	int err = arg_pages(cl, cl->argv[2], &pages);

	if (err)
		return err;
	t = arg_task(cl, cl->argv[0], &err);
	if (!t)
		return err;
	err = pagecache_read(t, cl->argv[1], pages, map);
	task_put(t);
	return err;
}

static int cmd_read(struct cmd_line *cl) { return cmd_read_common(cl, false); }
static int cmd_map(struct cmd_line *cl) { return cmd_read_common(cl, true); }

static int cmd_evict(struct cmd_line *cl)
{
	pagecache_evict(cl->argv[0]);
	return 0;
}

static int cmd_drop_caches(struct cmd_line *cl)
{
	pagecache_drop_unmapped();
	slab_shrink(NULL, NULL);
	return 0;
}

/* A positive object count. */
static int arg_count(struct cmd_line *cl, const char *s, long *count)
{
	uint64_t v;

	if (parse_u64(s, strlen(s), &v) || v == 0 || v > (1u << 30))
		return refuse(cl, "COUNT is not a positive count");
	*count = (long)v;
	return 0;
}

/* kmalloc PID CACHE COUNT TAG */
static int cmd_kmalloc(struct cmd_line *cl)
{
	struct task *t;
	long count;
	int err = arg_count(cl, cl->argv[2], &count);

	if (err)
		return err;
	t = arg_task(cl, cl->argv[0], &err);
	if (!t)
		return err;
	err = slab_kmalloc(t, cl->argv[1], count, cl->argv[3]);
	task_put(t);
	if (err == -EINVAL)
		cl->why = "no such cache (NAME or NAME:SIZE)";
	return err;
}

/* kfree TAG [COUNT] */
static int cmd_kfree(struct cmd_line *cl)
{
	long count = -1;
	int err = cl->argc == 2 ? arg_count(cl, cl->argv[1], &count) : 0;

	if (!err && (err = slab_kfree(cl->argv[0], count)))
		cl->why = "no objects have that tag";
	return err;
}

/* shrink [CACHE] */
static int cmd_shrink(struct cmd_line *cl)
{
	slab_shrink(cl->argc ? cl->argv[0] : NULL, NULL);
	return 0;
}

static int cmd_reap(struct cmd_line *cl)
{
	slab_reap();
	return 0;
}

static const struct {
	const char *name;
	int min_args, max_args;
	int (*run)(struct cmd_line *cl);
} commands[] = {
	{ "anon", 2, 2, cmd_fault },
	{ "free", 2, 2, cmd_free },
	{ "read", 3, 3, cmd_read },
	{ "map", 3, 3, cmd_map },
	{ "evict", 1, 1, cmd_evict },
	{ "drop_caches", 0, 0, cmd_drop_caches },
	{ "kmalloc", 4, 4, cmd_kmalloc },
	{ "kfree", 1, 2, cmd_kfree },
	{ "shrink", 0, 1, cmd_shrink },
	{ "reap", 0, 0, cmd_reap },
	{ "tcp", 2, 2, cmd_tcp },
	{ "tcpfree", 2, 2, cmd_tcpfree },
};

static int run_line(char *line, const struct workload_env *env)
{
	struct cmd_line cl = { .text = line, .env = env };
	char copy[MAX_LINE];
	char *save = NULL, *cmd;
	int err;

	snprintf(copy, sizeof(copy), "%s", line);
	cmd = strtok_r(line, " \t\r\v\f", &save);
	if (!cmd)
		return 0;	/* a blank line */
	while (cl.argc <= MAX_ARGS &&
	       (cl.argv[cl.argc] = strtok_r(NULL, " \t\r\v\f", &save)))
		cl.argc++;
	cl.text = copy;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(cmd, commands[i].name))
			continue;
		if (cl.argc < commands[i].min_args || cl.argc > commands[i].max_args)
			err = refuse(&cl, "wrong number of arguments");
		else
			err = commands[i].run(&cl);
		if (err == -EINVAL && env->refuse)
			env->refuse(cl.text, cl.why ? cl.why : "bad argument",
				    env->ctx);
		return err;
	}
	if (env->refuse)
		env->refuse(cl.text, "unknown command", env->ctx);
	return -EINVAL;
}

int workload_apply(const char *buf, size_t len, const struct workload_env *env)
{
	char line[MAX_LINE];

	if (memchr(buf, '\0', len))
		return -EINVAL;
	while (len) {
		const char *nl = memchr(buf, '\n', len);
		size_t n = nl ? (size_t)(nl - buf) : len;
		int err;

		if (n >= sizeof(line))
			return -EINVAL;
		memcpy(line, buf, n);
		line[n] = '\0';
		err = run_line(line, env);
		if (err)
			return err;
		buf += n + (nl != NULL);
		len -= n + (nl != NULL);
	}
	return 0;
}
