/* treebuild: build and tear down large group trees quickly, one request
 * per group, for the deep- and wide-tree tests.
 *
 *   treebuild chain DIR N [CMD ARG...]
 *       N nested groups DIR/d/d/.../d, each made with mkdirat relative to
 *       the one above; then CMD, if given, run with the deepest group as
 *       its working directory; then the chain removed deepest first, going
 *       up through ".." (the kernel resolves it from its dentries, so no
 *       path is ever longer than one name)
 *   treebuild wide DIR N      N sibling groups DIR/g1 ... DIR/gN
 *   treebuild unwide DIR N    remove them
 *
 * Directories are held with O_PATH descriptors, which cost the file
 * system no open.  Prints "built N" and "removed N" (chain) or the number
 * of groups made or removed; on an error, its name and the level or index
 * where it happened, and exit status 1 (the chain is still removed as far
 * as it was built). */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int fail(const char *what, long at)
{
	printf("%s %s at %ld\n", strerrorname_np(errno), what, at);
	return 1;
}

static int open_dir(int at, const char *name)
{
	return openat(at, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

static int run_in(int dirfd, char **cmd)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (fchdir(dirfd) == 0)
			execvp(cmd[0], cmd);
		perror(cmd[0]);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Remove the chain of depth levels whose deepest group fd is. */
static int unchain(int fd, long depth)
{
	for (long i = depth; i > 0; i--) {
		int up = open_dir(fd, "..");

		if (up < 0)
			return fail("openat ..", i);
		close(fd);
		fd = up;
		if (unlinkat(fd, "d", AT_REMOVEDIR))
			return fail("rmdir", i);
	}
	close(fd);
	printf("removed %ld\n", depth);
	return 0;
}

static int chain(const char *dir, long n, char **cmd)
{
	int fd = open_dir(AT_FDCWD, dir), rc = 0;
	long depth = 0;

	if (fd < 0)
		return fail("open", 0);
	while (depth < n) {
		int next;

		if (mkdirat(fd, "d", 0755)) {
			rc = fail("mkdirat", depth + 1);
			break;
		}
		next = open_dir(fd, "d");
		if (next < 0) {
			rc = fail("openat", depth + 1);
			break;
		}
		close(fd);
		fd = next;
		depth++;
	}
	if (!rc)
		printf("built %ld\n", depth);
	if (!rc && cmd[0] && (rc = run_in(fd, cmd)))
		printf("%s exited with %d\n", cmd[0], rc);
	return unchain(fd, depth) || rc ? 1 : 0;
}

static int wide(const char *dir, long n, bool make)
{
	int fd = open_dir(AT_FDCWD, dir);
	char name[32];

	if (fd < 0)
		return fail("open", 0);
	for (long i = 1; i <= n; i++) {
		snprintf(name, sizeof(name), "g%ld", i);
		if (make ? mkdirat(fd, name, 0755) : unlinkat(fd, name, AT_REMOVEDIR))
			return fail(make ? "mkdirat" : "rmdir", i);
	}
	close(fd);
	printf("%ld\n", n);
	return 0;
}

int main(int argc, char **argv)
{
	long n = argc > 3 ? strtol(argv[3], NULL, 10) : 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 4 && !strcmp(argv[1], "chain"))
		return chain(argv[2], n, argv + 4);
	if (argc == 4 && !strcmp(argv[1], "wide"))
		return wide(argv[2], n, true);
	if (argc == 4 && !strcmp(argv[1], "unwide"))
		return wide(argv[2], n, false);
	fprintf(stderr, "usage: treebuild chain DIR N [CMD ARG...] | "
		"wide|unwide DIR N\n");
	return 2;
}
