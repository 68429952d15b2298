/* Standalone driver for a fuzz harness, for builds without libFuzzer: `make
 * check` runs it on every build, under the sanitizers when configured.
 *
 *   fuzz_parse [-n MUTATIONS] [-s SEED] CORPUS_DIR_OR_FILE...
 *
 * It feeds the harness every seed file, then every input of up to two bytes
 * and numbers at the 64-bit and page boundaries in each radix and suffix,
 * then MUTATIONS inputs (-n, else $FUZZ_ITERATIONS, else 200000) made by
 * stacking random edits on seeds.  The generator is seeded with a constant
 * (-s to change it) and seeds are taken in name order, so a failure
 * reproduces run after run.  Output is TAP; a broken invariant aborts the
 * harness with the input on stderr, which the TAP driver reports. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

#define DEFAULT_MUTATIONS 200000UL
#define DEFAULT_SEED 0x6d656d636766737aULL	/* "memcgfsz" */
#define MAX_SEED_BYTES 4096
#define MUTANT_MAX 256

struct seed {
	uint8_t *data;
	size_t len;
};

static struct seed *seeds;
static size_t nr_seeds, seeds_cap;
static uint64_t rng_state;

/* splitmix64: tiny, and the same sequence on every platform. */
static uint64_t rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static size_t rng_below(size_t n)
{
	return n ? (size_t)(rng() % n) : 0;
}

static void die(const char *what, const char *path)
{
	printf("Bail out! %s %s: %s\n", what, path, strerror(errno));
	exit(1);
}

static void add_seed(const uint8_t *data, size_t len)
{
	if (nr_seeds == seeds_cap) {
		seeds_cap = seeds_cap ? 2 * seeds_cap : 64;
		seeds = realloc(seeds, seeds_cap * sizeof(*seeds));
		if (!seeds)
			abort();
	}
	seeds[nr_seeds].data = malloc(len ? len : 1);
	if (!seeds[nr_seeds].data)
		abort();
	memcpy(seeds[nr_seeds].data, data, len);
	seeds[nr_seeds++].len = len;
}

static void load_file(const char *path)
{
	uint8_t buf[MAX_SEED_BYTES];
	FILE *f = fopen(path, "rb");
	size_t len;

	if (!f)
		die("cannot open", path);
	len = fread(buf, 1, sizeof(buf), f);
	if (ferror(f))
		die("cannot read", path);
	fclose(f);
	add_seed(buf, len);
}

static int skip_dotfiles(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/* A directory's files in name order: readdir order differs between file
 * systems, and the mutation sequence depends on the seed order. */
static void load_path(const char *path)
{
	struct dirent **names;
	struct stat st;
	char file[PATH_MAX];
	int n;

	if (stat(path, &st) < 0)
		die("cannot stat", path);
	if (!S_ISDIR(st.st_mode)) {
		load_file(path);
		return;
	}
	n = scandir(path, &names, skip_dotfiles, alphasort);
	if (n < 0)
		die("cannot list", path);
	for (int i = 0; i < n; i++) {
		snprintf(file, sizeof(file), "%s/%s", path, names[i]->d_name);
		if (stat(file, &st) == 0 && S_ISREG(st.st_mode))
			load_file(file);
		free(names[i]);
	}
	free(names);
}

/* ---- boundary inputs ---------------------------------------------------- */

static const char suffixes[] = "kKmMgGtTpPeE";

/* Values where something changes: page multiples, the pid range, the
 * daemon's limit cap, and for every suffix shift the largest value that
 * still fits in 64 bits once shifted. */
static size_t boundary_values(uint64_t *v)
{
	static const uint64_t fixed[] = {
		0, 1, 4095, 4096, 4097, 65535, 65536, 65537,
		INT_MAX, (uint64_t)INT_MAX + 1,
		(uint64_t)(LONG_MAX / 4096) * 4096,
		(uint64_t)(LONG_MAX / 65536) * 65536,
		(uint64_t)LONG_MAX, (uint64_t)LONG_MAX + 1,
	};
	size_t n = 0;

	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		v[n++] = fixed[i];
		v[n++] = fixed[i] - 1;
	}
	for (unsigned shift = 0; shift <= 60; shift += 10) {
		v[n++] = UINT64_MAX >> shift;
		v[n++] = (UINT64_MAX >> shift) - 1;
		if (shift)
			v[n++] = (UINT64_MAX >> shift) + 1;
	}
	return n;
}

static size_t format_number(char *out, size_t cap, uint64_t v, int radix,
			    char suffix)
{
	int n;

	if (radix == 16)
		n = snprintf(out, cap, "0x%" PRIx64, v);
	else if (radix == 8)
		n = snprintf(out, cap, "0%" PRIo64, v);
	else
		n = snprintf(out, cap, "%" PRIu64, v);
	if (suffix)
		out[n++] = suffix;
	return (size_t)n;
}

static unsigned long run_boundaries(void)
{
	static const int radixes[] = { 10, 16, 8 };
	uint64_t values[64];
	size_t nv = boundary_values(values);
	unsigned long count = 0;
	uint8_t buf[2] = { 0, 0 };
	char num[64];

	/* Everything of up to two bytes. */
	LLVMFuzzerTestOneInput(buf, 0);
	for (unsigned a = 0; a < 256; a++) {
		buf[0] = (uint8_t)a;
		LLVMFuzzerTestOneInput(buf, 1);
		for (unsigned b = 0; b < 256; b++) {
			buf[1] = (uint8_t)b;
			LLVMFuzzerTestOneInput(buf, 2);
		}
	}
	count += 1 + 256 + 256 * 256;

	for (size_t i = 0; i < nv; i++)
		for (size_t r = 0; r < sizeof(radixes) / sizeof(radixes[0]); r++)
			for (size_t s = 0; s <= sizeof(suffixes) - 1; s++) {
				size_t len = format_number(num, sizeof(num), values[i],
							   radixes[r], suffixes[s]);

				LLVMFuzzerTestOneInput((const uint8_t *)num, len);
				count++;
			}
	return count;
}

/* ---- mutations ---------------------------------------------------------- */

/* Bytes and tokens the parsers give meaning to, and a few they must not. */
static const char interesting[] =
	"0123456789abcdefxX+-.kKmMgGtTpPeE \t\n\v\f\r\0\x80\xa0\xff";
static const char *const dictionary[] = {
	"-1", "0x", "0X", "0", "00", "+", "-", "--1", " ", "\n", "\t\n",
	"0x1e", "010", "08", "1.5", "1M2", "1KB",
	"2147483647", "2147483648", "4294967296",
	"9223372036854771712", "9223372036854775807", "9223372036854775808",
	"18446744073709551615", "18446744073709551616", "99999999999999999999",
	"0xffffffffffffffff", "0x10000000000000000",
	"01777777777777777777777", "02000000000000000000000",
	"16E", "15E", "17179869183G", "17179869184G",
};

static uint8_t pick_interesting(void)
{
	return (uint8_t)interesting[rng_below(sizeof(interesting) - 1)];
}

/* Insert (or, with replace, overwrite) bytes at pos; returns the new length. */
static size_t put_bytes(uint8_t *buf, size_t len, size_t pos,
			const uint8_t *src, size_t n, bool replace)
{
	if (pos > len)
		pos = len;
	if (n > MUTANT_MAX - pos)
		n = MUTANT_MAX - pos;
	if (!replace) {
		size_t tail = len - pos;

		if (tail > MUTANT_MAX - pos - n)
			tail = MUTANT_MAX - pos - n;
		memmove(buf + pos + n, buf + pos, tail);
		len = pos + n + tail;
	} else if (pos + n > len) {
		len = pos + n;
	}
	memcpy(buf + pos, src, n);
	return len;
}

static size_t mutate_once(uint8_t *buf, size_t len)
{
	size_t pos = rng_below(len + 1), n;
	const struct seed *other;
	const char *word;
	uint8_t byte;
	char num[64];

	switch (rng_below(10)) {
	case 0:		/* flip one bit */
		if (len)
			buf[rng_below(len)] ^= (uint8_t)(1u << rng_below(8));
		return len;
	case 1:		/* overwrite a byte */
		if (len)
			buf[rng_below(len)] = rng() & 1 ? pick_interesting() :
							  (uint8_t)rng();
		return len;
	case 2:		/* insert a byte */
		byte = pick_interesting();
		return put_bytes(buf, len, pos, &byte, 1, false);
	case 3:		/* delete a run */
		if (pos < len) {
			n = 1 + rng_below(len - pos < 4 ? len - pos : 4);
			memmove(buf + pos, buf + pos + n, len - pos - n);
			len -= n;
		}
		return len;
	case 4:		/* insert or overwrite a dictionary word */
	case 5:
		word = dictionary[rng_below(sizeof(dictionary) /
					    sizeof(dictionary[0]))];
		return put_bytes(buf, len, pos, (const uint8_t *)word,
				 strlen(word), rng() & 1);
	case 6:		/* repeat a run of the input */
		if (len) {
			size_t from = rng_below(len);

			n = 1 + rng_below(len - from);
			memcpy(num, buf + from, n < sizeof(num) ? n : sizeof(num));
			return put_bytes(buf, len, pos, (uint8_t *)num,
					 n < sizeof(num) ? n : sizeof(num), false);
		}
		return len;
	case 7:		/* splice in the tail of another seed */
		other = &seeds[rng_below(nr_seeds)];
		n = rng_below(other->len + 1);
		len = put_bytes(buf, pos, pos, other->data + n, other->len - n,
				true);
		return len;
	case 8:		/* truncate */
		return pos;
	default:	/* a random number in a random radix, maybe a suffix */
		n = format_number(num, sizeof(num), rng() >> rng_below(64),
				  rng() & 1 ? 10 : rng() & 1 ? 16 : 8,
				  rng() & 1 ? suffixes[rng_below(12)] : 0);
		return put_bytes(buf, len, pos, (uint8_t *)num, n, rng() & 1);
	}
}

static void run_mutations(unsigned long count)
{
	uint8_t buf[MUTANT_MAX];
	size_t len = 0;

	for (unsigned long i = 0; i < count; i++) {
		/* Mostly start afresh from a seed; sometimes keep stacking
		 * edits on the last input to wander further. */
		if (i % 4 != 3 || len == 0) {
			const struct seed *s = &seeds[rng_below(nr_seeds)];

			len = s->len < MUTANT_MAX ? s->len : MUTANT_MAX;
			memcpy(buf, s->data, len);
		}
		for (size_t k = 1 + rng_below(4); k; k--)
			len = mutate_once(buf, len);
		LLVMFuzzerTestOneInput(buf, len);
	}
}

static unsigned long parse_count(const char *s, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end) {
		fprintf(stderr, "fuzz driver: bad %s '%s'\n", what, s);
		exit(2);
	}
	return v;
}

int main(int argc, char *argv[])
{
	const char *env = getenv("FUZZ_ITERATIONS");
	unsigned long mutations = env && *env ?
		parse_count(env, "FUZZ_ITERATIONS") : DEFAULT_MUTATIONS;
	uint64_t seed = DEFAULT_SEED;
	int opt;

	while ((opt = getopt(argc, argv, "n:s:")) != -1) {
		if (opt == 'n')
			mutations = parse_count(optarg, "count");
		else if (opt == 's')
			seed = parse_count(optarg, "seed");
		else
			return 2;
	}
	if (optind == argc) {
		fprintf(stderr, "usage: %s [-n MUTATIONS] [-s SEED] "
			"CORPUS_DIR_OR_FILE...\n", argv[0]);
		return 2;
	}
	rng_state = seed;
	setvbuf(stdout, NULL, _IOLBF, 0);

	printf("1..3\n");
	for (int i = optind; i < argc; i++)
		load_path(argv[i]);
	for (size_t i = 0; i < nr_seeds; i++)
		LLVMFuzzerTestOneInput(seeds[i].data, seeds[i].len);
	printf("%s 1 - corpus: %zu seeds\n", nr_seeds ? "ok" : "not ok",
	       nr_seeds);
	printf("ok 2 - %lu short and boundary inputs\n", run_boundaries());
	if (!nr_seeds) {
		printf("not ok 3 - %lu mutations # no seeds to mutate\n",
		       mutations);
		return 1;
	}
	run_mutations(mutations);
	printf("ok 3 - %lu mutations (seed 0x%" PRIx64 ")\n", mutations, seed);

	for (size_t i = 0; i < nr_seeds; i++)
		free(seeds[i].data);
	free(seeds);
	return 0;
}
