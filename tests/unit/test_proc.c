/* Unit tests of the /proc readers (host/proc.c) against real processes:
 * a process with no live thread left, and a children list longer than any
 * fixed buffer. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "host/proc.h"

/* A zombie still has its /proc/PID/task directory, but no live thread:
 * the case of a process exiting between its status and its task list. */
static void test_threads_of_a_zombie(void **state)
{
	pid_t *tids = (pid_t *)1;
	pid_t pid = fork();
	long n;

	(void)state;
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	/* Wait until it is a zombie, without reaping it. */
	while (waitid(P_PID, (id_t)pid, &(siginfo_t){ 0 }, WEXITED | WNOWAIT))
		;
	n = proc_threads(pid, &tids);
	assert_int_equal(n, 0);
	free(tids);
	waitpid(pid, NULL, 0);
	/* Gone entirely: no directory at all. */
	tids = (pid_t *)1;
	n = proc_threads(pid, &tids);
	assert_true(n == 0 || n == -ESRCH);
	if (n == 0)
		free(tids);
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

#define NR_KIDS 1500

/* 1,500 children make a list of about 10 KB: every one is read, and no
 * number cut at a buffer boundary turns into a pid. */
static void test_children_read_whole(void **state)
{
	static pid_t kids[NR_KIDS];
	pid_t *got = NULL;
	long n;

	(void)state;
	for (int i = 0; i < NR_KIDS; i++) {
		kids[i] = fork();
		assert_true(kids[i] >= 0);
		if (kids[i] == 0) {
			pause();
			_exit(0);
		}
	}
	n = proc_children(getpid(), getpid(), &got);
	for (int i = 0; i < NR_KIDS; i++)
		kill(kids[i], SIGKILL);
	for (int i = 0; i < NR_KIDS; i++)
		waitpid(kids[i], NULL, 0);
	assert_int_equal(n, NR_KIDS);
	qsort(got, (size_t)n, sizeof(*got), cmp_pid);
	qsort(kids, NR_KIDS, sizeof(*kids), cmp_pid);
	for (int i = 0; i < NR_KIDS; i++)
		assert_int_equal(got[i], kids[i]);
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threads_of_a_zombie),
		cmocka_unit_test(test_children_read_whole),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
