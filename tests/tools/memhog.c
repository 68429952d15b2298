/* A real program for the track=rss tests: it grows its resident anonymous
 * memory by STEP MiB, COUNT times, DELAY_MS apart, touching every page,
 * then sleeps until killed.  It prints "grown N" after each step, so a
 * test can wait for a size without guessing at timing.
 *
 *   memhog STEP_MIB COUNT [DELAY_MS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long step, count, delay = 0;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: memhog STEP_MIB COUNT [DELAY_MS]\n");
		return 2;
	}
	step = atol(argv[1]);
	count = atol(argv[2]);
	if (argc == 4)
		delay = atol(argv[3]);
	if (step <= 0 || count < 0 || delay < 0) {
		fprintf(stderr, "memhog: bad arguments\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (long i = 1; i <= count; i++) {
		size_t n = (size_t)step << 20;
		char *p = malloc(n);

		if (!p) {
			perror("memhog: malloc");
			return 1;
		}
		memset(p, (int)i, n);	/* resident, and not zero pages */
		printf("grown %ld\n", i * step);
		if (delay && i < count) {
			struct timespec ts = { delay / 1000, delay % 1000 * 1000000L };

			nanosleep(&ts, NULL);
		}
	}
	for (;;)
		pause();
}
