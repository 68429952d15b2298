/* fsbench: open+read+close rates of control files on several file systems,
 * interleaved in one run.
 *
 *   fsbench [-r ROUNDS] [-n OPS] [-s] NAME=DIR [NAME=DIR ...]
 *
 * Each DIR holds memory.usage_in_bytes, memory.limit_in_bytes and
 * memory.stat (a memcgfs group, hellofs's root, a kernel cgroupfs group).
 * The first side is the one under test (memcgfs), hellofs and the kernel
 * (named "hello" and "kernel") are its anchors.  Four cases:
 *
 *   unchanged  memory.usage_in_bytes of an idle group
 *   changing   memory.limit_in_bytes, written (untimed) between every two
 *              timed open+read+close
 *   stat       memory.stat
 *   2readers   two processes at once on the unchanged value, OPS each:
 *              their summed rate
 *
 * Each round times OPS operations of every case on every side, in slices
 * whose order turns from slice to slice, so that drift falls on all sides
 * alike; a rate is the median over rounds and a ratio the median of the
 * per-round ratios.  The last lines give each case's rates and the targets:
 *
 *   unchanged: first/kernel >= 1.0    changing: first/hello >= 1.3
 *   2readers: first's 2readers / first's unchanged >= 1.6
 *
 * "met" or "missed" follows each; with -s a missed target (or a missing
 * anchor) makes the exit status 1.  I/O errors exit 1, bad usage 2. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_ROUNDS 5
#define DEFAULT_OPS 20000
#define WARMUP_OPS 500
#define SLICE_OPS 500
/* The two readers' slices are longer: each slice starts both and waits
 * for the later, and that handshake is the bench's cost, not the file
 * system's. */
#define TWO_READERS_SLICE_OPS 5000
#define MAX_SIDES 4

enum bench_case { UNCHANGED, CHANGING, STAT, TWO_READERS, NR_CASES };

static const char *const case_name[NR_CASES] = {
	"unchanged", "changing", "stat", "2readers",
};

/* The two readers of the 2readers case: processes that run `ops`
 * operations on their side's value each time they are told to, started
 * once so that no fork is timed. */
struct reader {
	pid_t pid;
	int cmd, done;		/* our ends of its two pipes */
};

struct side {
	const char *name, *dir;
	char value[4096], limit[4096], stat[4096];
	int limit_fd;		/* kept open for the changing writes */
	struct reader readers[2];
	long flips;
	double spent[NR_CASES];
	double *rates[NR_CASES];
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what, const char *path)
{
	fprintf(stderr, "fsbench: %s %s: %s\n", what, path, strerror(errno));
	exit(1);
}

/* One open+read+close; a value without its newline ends the run. */
static void one_op(const char *path)
{
	char buf[8192];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		die("open", path);
	n = read(fd, buf, sizeof(buf));
	if (n <= 0 || buf[n - 1] != '\n') {
		errno = n < 0 ? errno : EIO;
		die("read", path);
	}
	if (close(fd) < 0)
		die("close", path);
}

/* Write the next of two limits through the kept descriptor. */
static void flip_limit(struct side *s)
{
	static const char *const vals[2] = { "1073741824\n", "2147483648\n" };
	const char *v = vals[s->flips++ % 2];

	if (pwrite(s->limit_fd, v, strlen(v), 0) != (ssize_t)strlen(v))
		die("write", s->limit);
}

static void run_ops(const char *path, long ops)
{
	for (long i = 0; i < ops; i++)
		one_op(path);
}

static void reader_main(const char *path, int cmd, int done)
{
	long ops;

	while (read(cmd, &ops, sizeof(ops)) == (ssize_t)sizeof(ops)) {
		run_ops(path, ops);
		if (write(done, "", 1) != 1)
			_exit(1);
	}
	_exit(0);
}

static void reader_start(struct reader *r, const char *path)
{
	int cmd[2], done[2];

	if (pipe(cmd) < 0 || pipe(done) < 0)
		die("pipe", path);
	r->pid = fork();
	if (r->pid < 0)
		die("fork", path);
	if (r->pid == 0) {
		/* Only our own two ends: a reader that kept another one's
		 * command pipe open would keep it from seeing the end, and
		 * reader_stop() from returning. */
		for (int fd = 3; fd < cmd[0] || fd < done[1]; fd++)
			if (fd != cmd[0] && fd != done[1])
				close(fd);
		reader_main(path, cmd[0], done[1]);
	}
	close(cmd[0]);
	close(done[1]);
	r->cmd = cmd[1];
	r->done = done[0];
}

static void reader_stop(struct reader *r)
{
	int status;

	close(r->cmd);
	close(r->done);
	waitpid(r->pid, &status, 0);
}

/* Both readers run ops at once; returns the wall time of both. */
static double two_readers(struct reader *rd, const char *path, long ops)
{
	double start = now();
	char c;

	for (int k = 0; k < 2; k++)
		if (write(rd[k].cmd, &ops, sizeof(ops)) != (ssize_t)sizeof(ops))
			die("start reader on", path);
	for (int k = 0; k < 2; k++)
		if (read(rd[k].done, &c, 1) != 1)
			die("reader failed on", path);
	return now() - start;
}

/* Time n operations of case c on side s; returns ops done. */
static long time_slice(struct side *s, enum bench_case c, long n)
{
	double t0, spent = 0;

	switch (c) {
	case UNCHANGED:
		t0 = now();
		run_ops(s->value, n);
		spent = now() - t0;
		break;
	case STAT:
		t0 = now();
		run_ops(s->stat, n);
		spent = now() - t0;
		break;
	case CHANGING:
		for (long i = 0; i < n; i++) {
			flip_limit(s);
			t0 = now();
			one_op(s->limit);
			spent += now() - t0;
		}
		break;
	case TWO_READERS:
		spent = two_readers(s->readers, s->value, n);
		n *= 2;
		break;
	default:
		break;
	}
	s->spent[c] += spent;
	return n;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(const double *v, long n)
{
	double *w = malloc(sizeof(*w) * (size_t)n), m;

	if (!w)
		exit(1);
	memcpy(w, v, sizeof(*w) * (size_t)n);
	qsort(w, (size_t)n, sizeof(*w), cmp_double);
	m = n % 2 ? w[n / 2] : (w[n / 2 - 1] + w[n / 2]) / 2;
	free(w);
	return m;
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
	fprintf(stderr, "usage: %s [-r ROUNDS] [-n OPS] [-s] NAME=DIR...\n", prog);
	exit(2);
}

static void side_init(struct side *s, char *arg, long rounds)
{
	char *eq = strchr(arg, '=');

	if (!eq || eq == arg || !eq[1])
		usage("fsbench");
	*eq = '\0';
	s->name = arg;
	s->dir = eq + 1;
	snprintf(s->value, sizeof(s->value), "%s/memory.usage_in_bytes", s->dir);
	snprintf(s->limit, sizeof(s->limit), "%s/memory.limit_in_bytes", s->dir);
	snprintf(s->stat, sizeof(s->stat), "%s/memory.stat", s->dir);
	s->limit_fd = open(s->limit, O_WRONLY);
	if (s->limit_fd < 0)
		die("open", s->limit);
	for (int c = 0; c < NR_CASES; c++) {
		s->rates[c] = calloc((size_t)rounds, sizeof(double));
		if (!s->rates[c])
			exit(1);
	}
	for (int k = 0; k < 2; k++)
		reader_start(&s->readers[k], s->value);
	/* The first opens pay for lookups and cold caches. */
	for (int c = 0; c < NR_CASES; c++)
		time_slice(s, (enum bench_case)c, WARMUP_OPS);
}

static struct side *find_side(struct side *sides, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(sides[i].name, name))
			return &sides[i];
	return NULL;
}

/* Print one target line; false if missed or its anchor is absent. */
static bool target(const char *what, struct side *a, struct side *b,
		   enum bench_case ca, enum bench_case cb, double want,
		   long rounds)
{
	double *r, ratio;
	bool met;

	if (!a || !b) {
		printf("fsbench: target %s: no anchor side\n", what);
		return false;
	}
	r = calloc((size_t)rounds, sizeof(double));
	if (!r)
		exit(1);
	for (long i = 0; i < rounds; i++)
		r[i] = a->rates[ca][i] / b->rates[cb][i];
	ratio = median(r, rounds);
	free(r);
	met = ratio >= want;
	printf("fsbench: target %s: %s %s %.0f ops/s vs %s %s %.0f ops/s, "
	       "ratio %.2f (target >= %.2f: %s)\n", what, a->name,
	       case_name[ca], median(a->rates[ca], rounds), b->name,
	       case_name[cb], median(b->rates[cb], rounds), ratio, want,
	       met ? "met" : "missed");
	return met;
}

int main(int argc, char *argv[])
{
	struct side sides[MAX_SIDES];
	long rounds = DEFAULT_ROUNDS, ops = DEFAULT_OPS;
	bool strict = false, ok = true;
	int opt, n;

	while ((opt = getopt(argc, argv, "r:n:s")) != -1) {
		switch (opt) {
		case 'r':
			rounds = parse_positive(optarg, "round count");
			break;
		case 'n':
			ops = parse_positive(optarg, "operation count");
			break;
		case 's':
			strict = true;
			break;
		default:
			usage(argv[0]);
		}
	}
	n = argc - optind;
	if (n < 1 || n > MAX_SIDES)
		usage(argv[0]);
	memset(sides, 0, sizeof(sides));
	for (int i = 0; i < n; i++)
		side_init(&sides[i], argv[optind + i], rounds);
	setvbuf(stdout, NULL, _IOLBF, 0);

	for (long r = 0; r < rounds; r++) {
		for (int c = 0; c < NR_CASES; c++) {
			long done[MAX_SIDES] = { 0 };

			for (int i = 0; i < n; i++)
				sides[i].spent[c] = 0;
			long slice = c == TWO_READERS ? TWO_READERS_SLICE_OPS
						      : SLICE_OPS;

			for (long j = 0; j * slice < ops; j++)
				for (int k = 0; k < n; k++) {
					struct side *s = &sides[(k + j) % n];

					done[s - sides] += time_slice(s,
						(enum bench_case)c, slice);
				}
			printf("fsbench: round %ld/%ld %-9s", r + 1, rounds,
			       case_name[c]);
			for (int i = 0; i < n; i++) {
				sides[i].rates[c][r] = (double)done[i] /
						       sides[i].spent[c];
				printf("  %s %.0f", sides[i].name,
				       sides[i].rates[c][r]);
			}
			printf(" ops/s\n");
		}
	}
	for (int c = 0; c < NR_CASES; c++) {
		printf("fsbench: %-9s", case_name[c]);
		for (int i = 0; i < n; i++)
			printf("  %s %.0f", sides[i].name,
			       median(sides[i].rates[c], rounds));
		printf(" ops/s\n");
	}
	ok &= target("unchanged value vs the kernel", &sides[0],
		      find_side(sides, n, "kernel"), UNCHANGED, UNCHANGED, 1.0,
		      rounds);
	ok &= target("changing value vs hellofs", &sides[0],
		      find_side(sides, n, "hello"), CHANGING, CHANGING, 1.3,
		      rounds);
	ok &= target("two readers vs one", &sides[0], &sides[0], TWO_READERS,
		      UNCHANGED, 1.6, rounds);
	for (int i = 0; i < n; i++) {
		close(sides[i].limit_fd);
		for (int k = 0; k < 2; k++)
			reader_stop(&sides[i].readers[k]);
		for (int c = 0; c < NR_CASES; c++)
			free(sides[i].rates[c]);
	}
	return strict && !ok ? 1 : 0;
}
