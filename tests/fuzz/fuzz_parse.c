/* Fuzz harness for the control-file parsers (src/lib/parse.c, memcgfs(8) VALUES).
 *
 * Every input goes to every parser as the bytes of one write(): copied into
 * a malloc()ed buffer of exactly the input's size, so AddressSanitizer
 * reports any read past the length a parser was given (writes are not
 * NUL-terminated).  Results are compared with a reference written apart
 * from parse.c -- strtoull() on a NUL-terminated copy for numbers -- and
 * checked against invariants that hold whatever the reference says: the
 * return-code domain, page rounding and caps, what a pid may look like,
 * idempotent trimming, agreement between parsers, and indifference to
 * surrounding whitespace (to one trailing newline for parse_u64).  The
 * first broken invariant aborts after printing the buffer, so libFuzzer
 * and driver.c both report it as a crash. */
#include "fuzz.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/parse.h"

/* Page geometries the daemon runs with: page_counter_max_pages() caps a
 * limit at LONG_MAX / page_size.  The small cap makes parse_amount()'s
 * "too many pages" refusal reachable with short inputs. */
static const struct page_geom {
	unsigned long page_size;
	long max_pages;
} geoms[] = {
	{ 4096, LONG_MAX / 4096 },
	{ 65536, LONG_MAX / 65536 },
	{ 4096, 1L << 20 },
};
#define NR_GEOMS (sizeof(geoms) / sizeof(geoms[0]))

/* The fuzz input, and the buffer made from it that is being checked, for
 * the report. */
static const uint8_t *cur_input, *cur_buf;
static size_t cur_input_size, cur_buf_size;

static void print_escaped(FILE *f, const uint8_t *p, size_t n)
{
	fputc('"', f);
	for (size_t i = 0; i < n; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"' && p[i] != '\\')
			fputc(p[i], f);
		else
			fprintf(f, "\\x%02x", p[i]);
	}
	fprintf(f, "\" (%zu bytes)\n", n);
}

__attribute__((format(printf, 1, 2), noreturn))
static void fuzz_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("fuzz_parse: invariant broken: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nfuzz_parse: buffer ", stderr);
	print_escaped(stderr, cur_buf, cur_buf_size);
	fputs("fuzz_parse: from input ", stderr);
	print_escaped(stderr, cur_input, cur_input_size);
	abort();
}

#define CHECK(cond, ...)				\
	do {						\
		if (!(cond))				\
			fuzz_fail(__VA_ARGS__);		\
	} while (0)

/* ---- reference ---------------------------------------------------------- */

/* isspace() in the C locale, spelled out so the reference does not share
 * parse.c's ctype calls. */
static bool ref_space(uint8_t c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static bool ref_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/* The trimmed token of an input; nul if the input holds a NUL byte. */
struct token {
	bool nul;
	const uint8_t *p;
	size_t n;
};

static struct token ref_trim(const uint8_t *p, size_t n)
{
	struct token t = { false, p, n };

	for (size_t i = 0; i < n; i++)
		t.nul |= p[i] == '\0';
	while (t.n && ref_space(t.p[0])) {
		t.p++;
		t.n--;
	}
	while (t.n && ref_space(t.p[t.n - 1]))
		t.n--;
	return t;
}

/* strtoull() over the token (which must start with a digit, or strtoull
 * would skip spaces and accept signs); *used is how many bytes it took. */
static uint64_t ref_strtoull(const uint8_t *p, size_t n, int base,
			     size_t *used, bool *overflow)
{
	char *s = malloc(n + 1), *end;
	unsigned long long v;

	if (!s)
		abort();
	memcpy(s, p, n);
	s[n] = '\0';
	errno = 0;
	v = strtoull(s, &end, base);
	*overflow = errno == ERANGE;
	*used = (size_t)(end - s);
	free(s);
	return v;
}

struct size_ref {
	int rc;
	uint64_t bytes;
	bool unlimited;
};

/* memcgfs(8) VALUES sizes: "-1", or a number whose radix strtoull(..., 0) picks,
 * then at most one suffix; no 64-bit overflow anywhere. */
static struct size_ref ref_size(const struct token *t)
{
	static const char suffixes[] = "kKmMgGtTpPeE";
	struct size_ref r = { -EINVAL, 0, false };
	const char *sfx;
	unsigned shift = 0;
	bool overflow;
	size_t used;
	uint64_t v;

	if (t->nul)
		return r;
	if (t->n == 0) {
		r.rc = PARSE_EMPTY;
		return r;
	}
	if (t->n == 2 && t->p[0] == '-' && t->p[1] == '1') {
		r.rc = 0;
		r.unlimited = true;
		return r;
	}
	if (!ref_digit(t->p[0]))
		return r;
	v = ref_strtoull(t->p, t->n, 0, &used, &overflow);
	if (overflow)
		return r;
	if (used < t->n) {
		sfx = memchr(suffixes, t->p[used], sizeof(suffixes) - 1);
		if (!sfx || used + 1 != t->n)
			return r;
		shift = 10 * (unsigned)((sfx - suffixes) / 2 + 1);
	}
	if (shift && v > UINT64_MAX >> shift)
		return r;
	r.rc = 0;
	r.bytes = v << shift;
	return r;
}

/* memcgfs(8) VALUES pids: only decimal digits, at most INT_MAX. */
static int ref_pid(const struct token *t, pid_t *pid)
{
	bool overflow;
	size_t used;
	uint64_t v;

	if (t->nul || t->n == 0)
		return -EINVAL;
	for (size_t i = 0; i < t->n; i++)
		if (!ref_digit(t->p[i]))
			return -EINVAL;
	v = ref_strtoull(t->p, t->n, 10, &used, &overflow);
	if (overflow || v > INT_MAX)
		return -EINVAL;
	*pid = (pid_t)v;
	return 0;
}

/* tasks and cgroup.procs: kstrtoint(strstrip(buf), 0): one sign, a
 * number whose radix strtoull(..., 0) picks, at most INT_MAX; negative
 * refused except -0. */
static int ref_task_id(const struct token *t, pid_t *pid)
{
	const uint8_t *p = t->p;
	size_t n = t->n, used;
	bool overflow, neg = false;
	uint64_t v;

	if (t->nul)
		return -EINVAL;
	if (n && (p[0] == '+' || p[0] == '-')) {
		neg = p[0] == '-';
		p++;
		n--;
	}
	if (n == 0 || !ref_digit(p[0]))
		return -EINVAL;
	v = ref_strtoull(p, n, 0, &used, &overflow);
	if (overflow || used != n || v > INT_MAX || (neg && v))
		return -EINVAL;
	*pid = (pid_t)v;
	return 0;
}

/* kstrtoull(..., 0) on the whole write: an optional '+', a number, one
 * optional newline, nothing else. */
static int ref_u64(const uint8_t *p, size_t n, bool nul, uint64_t *val)
{
	size_t used;
	bool overflow;

	if (nul)
		return -EINVAL;
	if (n && p[n - 1] == '\n')
		n--;
	if (n && p[0] == '+') {
		p++;
		n--;
	}
	if (n == 0 || !ref_digit(p[0]))
		return -EINVAL;
	*val = ref_strtoull(p, n, 0, &used, &overflow);
	return overflow || used != n ? -EINVAL : 0;
}

/* ---- checks against the parsers ---------------------------------------- */

/* What all parsers made of one buffer; values are 0 where rc != 0 so two
 * outcomes compare field by field. */
struct outcome {
	int size_rc;
	bool unlimited;
	uint64_t bytes;
	int limit_rc[NR_GEOMS], amount_rc[NR_GEOMS];
	long limit[NR_GEOMS], amount[NR_GEOMS];
	int pid_rc;
	pid_t pid;
	int u64_rc;
	uint64_t u64;
};

static void check_rc(const char *fn, int rc)
{
	CHECK(rc == 0 || rc == PARSE_EMPTY || rc == -EINVAL,
	      "%s returned %d, not 0, PARSE_EMPTY or -EINVAL", fn, rc);
}

static void check_trim(const char *buf, size_t n, const struct token *t)
{
	const char *s = buf, *s2;
	size_t len = n, len2;
	bool ok = parse_trim(&s, &len);

	CHECK(ok == !t->nul, "parse_trim returned %d with%s a NUL byte", ok,
	      t->nul ? "" : "out");
	if (!ok)
		return;
	CHECK(s >= buf && (size_t)(s - buf) <= n && len <= n - (size_t)(s - buf),
	      "parse_trim left the buffer: offset %td, length %zu", s - buf, len);
	CHECK(len == t->n, "parse_trim kept %zu bytes, reference %zu", len, t->n);
	CHECK(len == 0 || s == (const char *)t->p,
	      "parse_trim starts at offset %td, reference %td", s - buf,
	      (const char *)t->p - buf);
	CHECK(len == 0 || (!ref_space((uint8_t)s[0]) &&
			   !ref_space((uint8_t)s[len - 1])),
	      "parse_trim left whitespace at an end");
	s2 = s;
	len2 = len;
	CHECK(parse_trim(&s2, &len2) && s2 == s && len2 == len,
	      "parse_trim is not idempotent");
}

static void check_size(const char *buf, size_t n, const struct size_ref *ref,
		       struct outcome *o)
{
	uint64_t bytes = 0;
	bool unlimited = false;
	int rc = parse_size(buf, n, &bytes, &unlimited);

	check_rc("parse_size", rc);
	CHECK(rc == ref->rc, "parse_size returned %d, reference %d", rc,
	      ref->rc);
	o->size_rc = rc;
	if (rc)
		return;
	CHECK(unlimited == ref->unlimited, "parse_size unlimited=%d, reference %d",
	      unlimited, ref->unlimited);
	o->unlimited = unlimited;
	if (unlimited)
		return;
	CHECK(bytes == ref->bytes, "parse_size gave %" PRIu64 ", reference %" PRIu64,
	      bytes, ref->bytes);
	o->bytes = bytes;
}

static void check_limit(const char *buf, size_t n, const struct page_geom *g,
			const struct size_ref *ref, int *orc, long *opages)
{
	long pages = -1, want;
	int rc = parse_limit(buf, n, g->page_size, g->max_pages, &pages);

	check_rc("parse_limit", rc);
	CHECK(rc == ref->rc, "parse_limit(%lu) returned %d, parse_size %d",
	      g->page_size, rc, ref->rc);
	*orc = rc;
	if (rc)
		return;
	CHECK(pages >= 0 && pages <= g->max_pages,
	      "parse_limit(%lu) gave %ld pages, outside [0, %ld]", g->page_size,
	      pages, g->max_pages);
	/* Rounded down to pages, capped; "-1" is the cap itself. */
	want = g->max_pages;
	if (!ref->unlimited && ref->bytes / g->page_size < (uint64_t)want)
		want = (long)(ref->bytes / g->page_size);
	CHECK(pages == want, "parse_limit(%lu) gave %ld pages, want %ld",
	      g->page_size, pages, want);
	*opages = pages;
}

static void check_amount(const char *buf, size_t n, const struct page_geom *g,
			 const struct size_ref *ref, int *orc, long *opages)
{
	long pages = -1;
	int rc = parse_amount(buf, n, g->page_size, g->max_pages, &pages);
	uint64_t need = 0;
	int want = ref->rc;

	check_rc("parse_amount", rc);
	if (want == 0 && ref->unlimited) {
		want = -EINVAL;		/* "-1" is no amount */
	} else if (want == 0) {
		need = ref->bytes / g->page_size + (ref->bytes % g->page_size != 0);
		if (need > (uint64_t)g->max_pages)
			want = -EINVAL;
	}
	CHECK(rc == want, "parse_amount(%lu, max %ld) returned %d, want %d",
	      g->page_size, g->max_pages, rc, want);
	*orc = rc;
	if (rc)
		return;
	/* pages <= max_pages = LONG_MAX / page_size: the products fit. */
	CHECK(pages >= 0 && pages <= g->max_pages &&
	      (uint64_t)pages * g->page_size >= ref->bytes,
	      "parse_amount(%lu) gave %ld pages for %" PRIu64 " bytes",
	      g->page_size, pages, ref->bytes);
	CHECK(pages == 0 || (uint64_t)(pages - 1) * g->page_size < ref->bytes,
	      "parse_amount(%lu) gave %ld pages for %" PRIu64 " bytes: one too many",
	      g->page_size, pages, ref->bytes);
	CHECK((uint64_t)pages == need, "parse_amount(%lu) gave %ld, want %" PRIu64,
	      g->page_size, pages, need);
	*opages = pages;
}

/* A pid is digits with whitespace around them and nothing else. */
static bool pid_shaped(const uint8_t *p, size_t n)
{
	size_t i = 0, digits;

	while (i < n && ref_space(p[i]))
		i++;
	for (digits = 0; i < n && ref_digit(p[i]); i++)
		digits++;
	while (i < n && ref_space(p[i]))
		i++;
	return digits && i == n;
}

static void check_pid(const char *buf, size_t n, const struct token *t,
		      struct outcome *o)
{
	pid_t pid = -1, want = -1;
	int rc = parse_pid(buf, n, &pid), want_rc = ref_pid(t, &want);

	check_rc("parse_pid", rc);
	CHECK(rc == want_rc, "parse_pid returned %d, reference %d", rc, want_rc);
	o->pid_rc = rc;
	if (rc)
		return;
	CHECK(pid_shaped((const uint8_t *)buf, n),
	      "parse_pid accepted something other than digits and whitespace");
	CHECK(pid >= 0 && pid == want, "parse_pid gave %d, reference %d",
	      (int)pid, (int)want);
	o->pid = pid;
}

static void check_task_id(const char *buf, size_t n, const struct token *t)
{
	pid_t pid = -1, want = -1;
	int rc = parse_task_id(buf, n, &pid), want_rc = ref_task_id(t, &want);

	check_rc("parse_task_id", rc);
	CHECK(rc == want_rc, "parse_task_id returned %d, reference %d", rc,
	      want_rc);
	CHECK(rc || (pid >= 0 && pid == want),
	      "parse_task_id gave %d, reference %d", (int)pid, (int)want);
}

static void check_u64(const char *buf, size_t n, const struct token *t,
		      struct outcome *o)
{
	uint64_t v = 0, want = 0;
	int rc = parse_u64(buf, n, &v),
	    want_rc = ref_u64((const uint8_t *)buf, n, t->nul, &want);

	check_rc("parse_u64", rc);
	CHECK(rc == want_rc, "parse_u64 returned %d, reference %d", rc, want_rc);
	o->u64_rc = rc;
	if (rc)
		return;
	CHECK(v == want, "parse_u64 gave %" PRIu64 ", reference %" PRIu64, v,
	      want);
	o->u64 = v;
}

/* What the parsers must agree on among themselves, whatever the
 * reference: a plain number means the same to every one of them. */
static void check_agreement(const struct token *t, const struct outcome *o)
{
	bool leading_zero = t->n > 1 && t->p[0] == '0';

	/* parse_u64 accepting means no blanks before the number. */
	if (o->u64_rc == 0 && t->p[0] != '+')
		CHECK(o->size_rc == 0 && !o->unlimited && o->bytes == o->u64,
		      "parse_u64 and parse_size disagree");
	if (o->pid_rc == 0 && o->u64_rc == 0 && !leading_zero)
		CHECK(o->u64 == (uint64_t)o->pid,
		      "parse_pid and parse_u64 disagree");
	for (size_t i = 0; i < NR_GEOMS; i++) {
		CHECK(o->limit_rc[i] == o->size_rc,
		      "parse_limit and parse_size disagree");
		if (o->amount_rc[i] == 0)
			CHECK(o->size_rc == 0 && o->amount[i] >= o->limit[i],
			      "parse_amount below parse_limit");
	}
}

static void run_parsers(const char *buf, size_t n, struct outcome *o)
{
	struct token t = ref_trim((const uint8_t *)buf, n);
	struct size_ref size = ref_size(&t);

	cur_buf = (const uint8_t *)buf;
	cur_buf_size = n;
	memset(o, 0, sizeof(*o));
	check_trim(buf, n, &t);
	check_size(buf, n, &size, o);
	for (size_t i = 0; i < NR_GEOMS; i++) {
		check_limit(buf, n, &geoms[i], &size, &o->limit_rc[i],
			    &o->limit[i]);
		check_amount(buf, n, &geoms[i], &size, &o->amount_rc[i],
			     &o->amount[i]);
	}
	check_pid(buf, n, &t, o);
	check_task_id(buf, n, &t);
	check_u64(buf, n, &t, o);
	check_agreement(&t, o);
}

static bool same_outcome(const struct outcome *a, const struct outcome *b,
			 bool with_u64)
{
	for (size_t i = 0; i < NR_GEOMS; i++)
		if (a->limit_rc[i] != b->limit_rc[i] ||
		    a->limit[i] != b->limit[i] ||
		    a->amount_rc[i] != b->amount_rc[i] ||
		    a->amount[i] != b->amount[i])
			return false;
	if (with_u64 && (a->u64_rc != b->u64_rc || a->u64 != b->u64))
		return false;
	return a->size_rc == b->size_rc && a->unlimited == b->unlimited &&
	       a->bytes == b->bytes && a->pid_rc == b->pid_rc &&
	       a->pid == b->pid;
}

/* Run the parsers on pre + data + post, in a buffer of exactly that size,
 * and compare with what they made of data alone. */
static void check_wrapped(const uint8_t *data, size_t size, const char *pre,
			  const char *post, const struct outcome *plain,
			  bool with_u64)
{
	size_t lpre = strlen(pre), lpost = strlen(post);
	char *buf = malloc(lpre + size + lpost);
	struct outcome o;

	if (!buf)
		abort();
	memcpy(buf, pre, lpre);
	if (size)
		memcpy(buf + lpre, data, size);
	memcpy(buf + lpre + size, post, lpost);
	run_parsers(buf, lpre + size + lpost, &o);
	CHECK(same_outcome(plain, &o, with_u64),
	      "blanks around the input changed a parser's result");
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A zero-length write still has a valid pointer (memchr() must not
	 * see NULL). */
	static char empty[1];
	char *buf = size ? malloc(size) : empty;
	struct outcome plain;

	if (!buf)
		abort();
	cur_input = data;
	cur_input_size = size;
	if (size)
		memcpy(buf, data, size);
	run_parsers(buf, size, &plain);

	/* Whitespace around a write never changes its meaning, except that
	 * parse_u64 takes no blanks but one trailing newline. */
	check_wrapped(data, size, " \t", "\r\n", &plain, false);
	if (size == 0 || data[size - 1] != '\n')
		check_wrapped(data, size, "", "\n", &plain, true);

	if (buf != empty)
		free(buf);
	return 0;
}
