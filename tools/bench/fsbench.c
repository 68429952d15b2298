/* fsbench: the open+read+close rate of one file on two file systems.
 *
 *   fsbench [-r ROUNDS] [-n OPS] [-t TARGET] [-s] PATH_A PATH_B [NAME_A NAME_B]
 *
 * Made for memcgfs against hellofs (the FUSE floor): both serve
 * memory.usage_in_bytes the same way, so the ratio A/B is the share of a
 * bare FUSE round trip that memcgfs keeps.  Each round times OPS operations
 * on each side (default 10 rounds of 20000), in slices taken A B, B A, A B
 * ... so that drift (CPU frequency, other load) falls on both sides alike.
 * A side's rate is its median round, and the ratio the median of the
 * per-round ratios, which one disturbed round cannot move.  After a line
 * per round the last line reads
 *
 *   fsbench: NAME_A N ops/s, NAME_B M ops/s, ratio R (target >= T: met)
 *
 * with "missed" when R < T (default 0.90).  Exit status: 0, or 1 on an I/O
 * error or a bad value, or (with -s) when the target is missed; 2 on bad
 * usage. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_ROUNDS 10
#define DEFAULT_OPS 20000
#define DEFAULT_TARGET 0.9
#define WARMUP_OPS 1000
#define SLICE_OPS 1000

struct side {
	const char *path, *name;
	double *rates;		/* ops/s of each round */
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* One open+read+close, as `cat` of a control file does it minus the read
 * that sees EOF.  Any failure or a value without its newline ends the
 * benchmark: a rate of errors measures nothing. */
static void one_op(const char *path)
{
	char buf[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0) {
		fprintf(stderr, "fsbench: open %s: %s\n", path, strerror(errno));
		exit(1);
	}
	n = read(fd, buf, sizeof(buf));
	if (n <= 0 || buf[n - 1] != '\n') {
		fprintf(stderr, "fsbench: read %s: %s\n", path,
			n < 0 ? strerror(errno) : "no value");
		exit(1);
	}
	if (close(fd) < 0) {
		fprintf(stderr, "fsbench: close %s: %s\n", path, strerror(errno));
		exit(1);
	}
}

static double time_ops(const char *path, long ops)
{
	double start = now();

	for (long i = 0; i < ops; i++)
		one_op(path);
	return now() - start;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The median of v[0..n); sorts v. */
static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static long parse_positive(const char *s, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v <= 0) {
		fprintf(stderr, "fsbench: bad %s '%s'\n", what, s);
		exit(2);
	}
	return v;
}

static void usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-r ROUNDS] [-n OPS] [-t TARGET] [-s] "
		"PATH_A PATH_B [NAME_A NAME_B]\n", prog);
	exit(2);
}

/* One round: ops operations on each side, in slices taken A B, B A, A B
 * ... so that drift within the round falls on both sides alike. */
static void run_round(struct side *sides, long ops, long r)
{
	double spent[2] = { 0, 0 };

	for (long done = 0, j = 0; done < ops; done += SLICE_OPS, j++) {
		long n = ops - done < SLICE_OPS ? ops - done : SLICE_OPS;

		for (int k = 0; k < 2; k++) {
			int s = (int)(j % 2) ^ k;

			spent[s] += time_ops(sides[s].path, n);
		}
	}
	for (int s = 0; s < 2; s++)
		sides[s].rates[r] = (double)ops / spent[s];
}

int main(int argc, char *argv[])
{
	struct side sides[2] = { { .name = "A" }, { .name = "B" } };
	long rounds = DEFAULT_ROUNDS, ops = DEFAULT_OPS;
	double target = DEFAULT_TARGET, med[2], ratio, *ratios;
	bool strict = false;
	char *end;
	int opt;

	while ((opt = getopt(argc, argv, "r:n:t:s")) != -1) {
		switch (opt) {
		case 'r':
			rounds = parse_positive(optarg, "round count");
			break;
		case 'n':
			ops = parse_positive(optarg, "operation count");
			break;
		case 't':
			target = strtod(optarg, &end);
			if (end == optarg || *end || !(target > 0))
				usage(argv[0]);
			break;
		case 's':
			strict = true;
			break;
		default:
			usage(argv[0]);
		}
	}
	if (argc - optind != 2 && argc - optind != 4)
		usage(argv[0]);
	ratios = calloc((size_t)rounds, sizeof(double));
	for (int s = 0; s < 2; s++) {
		sides[s].path = argv[optind + s];
		if (argc - optind == 4)
			sides[s].name = argv[optind + 2 + s];
		sides[s].rates = calloc((size_t)rounds, sizeof(double));
		if (!sides[s].rates || !ratios)
			return 1;
		/* The first opens pay for lookups and cold caches. */
		time_ops(sides[s].path, WARMUP_OPS);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	for (long r = 0; r < rounds; r++) {
		run_round(sides, ops, r);
		ratios[r] = sides[0].rates[r] / sides[1].rates[r];
		printf("fsbench: round %ld/%ld: %s %.0f ops/s, %s %.0f ops/s, "
		       "ratio %.2f\n", r + 1, rounds, sides[0].name,
		       sides[0].rates[r], sides[1].name, sides[1].rates[r],
		       ratios[r]);
	}
	for (int s = 0; s < 2; s++) {
		med[s] = median(sides[s].rates, (int)rounds);
		free(sides[s].rates);
	}
	/* The median of the paired per-round ratios: each pair shares its
	 * round's conditions, so this is steadier than med[0] / med[1]. */
	ratio = median(ratios, (int)rounds);
	free(ratios);
	printf("fsbench: %s %.0f ops/s, %s %.0f ops/s, ratio %.2f "
	       "(target >= %.2f: %s)\n", sides[0].name, med[0], sides[1].name,
	       med[1], ratio, target, ratio >= target ? "met" : "missed");
	return strict && ratio < target ? 1 : 0;
}
