/* memcgfs.workload: synthetic, exact, reproducible charges (memcgfs(8) THE WORKLOAD FILE).
 *
 * One command per line; a write may hold many, applied in order, and the
 * first that fails stops the rest with its errno (the lines before stay
 * applied). */
#ifndef MEMCG_WORKLOAD_H
#define MEMCG_WORKLOAD_H

#include <stddef.h>
#include <sys/types.h>

struct task;

/* What the engine needs from its host to run commands. */
struct workload_env {
	/* The task of live process pid (0: the writer), referenced; or NULL
	 * with *err set (-ESRCH for no such process). */
	struct task *(*task_of)(pid_t pid, void *ctx, int *err);
	void *ctx;
	/* Why a line was refused, for the log. */
	void (*refuse)(const char *line, const char *why, void *ctx);
};

int workload_apply(const char *buf, size_t len, const struct workload_env *env);

#endif
