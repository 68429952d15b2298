/* Parsers for control-file writes; see parse.h.  Bounded by the input
 * length throughout: writes are not NUL-terminated. */
#include "parse.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <string.h>

bool parse_trim(const char **start, size_t *len)
{
	const char *s = *start;
	size_t n = *len;

	if (memchr(s, '\0', n))
		return false;
	while (n && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	*start = s;
	*len = n;
	return true;
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return 99;
}

/* Parse an unsigned number with the kernel's radix rules from s[0..n);
 * returns the count of bytes consumed (0 = no number) or -EINVAL on
 * overflow. */
static long parse_number(const char *s, size_t n, uint64_t *out)
{
	unsigned base = 10;
	size_t i = 0, first;
	uint64_t v = 0;

	if (n >= 3 && s[0] == '0' && tolower((unsigned char)s[1]) == 'x' &&
	    isxdigit((unsigned char)s[2])) {
		base = 16;
		i = 2;
	} else if (n >= 1 && s[0] == '0') {
		base = 8;
	}
	first = i;
	for (; i < n; i++) {
		int d = digit_value(s[i]);

		if (d >= (int)base)
			break;
		if (v > (UINT64_MAX - (uint64_t)d) / base)
			return -EINVAL;
		v = v * base + (uint64_t)d;
	}
	if (i == first)
		return 0;
	*out = v;
	return (long)i;
}

static int suffix_shift(char c)
{
	switch (c) {
	case 'k': case 'K': return 10;
	case 'm': case 'M': return 20;
	case 'g': case 'G': return 30;
	case 't': case 'T': return 40;
	case 'p': case 'P': return 50;
	case 'e': case 'E': return 60;
	default: return -1;
	}
}

int parse_size(const char *buf, size_t len, uint64_t *bytes, bool *unlimited)
{
	uint64_t v;
	long used;
	int shift = 0;

	if (!parse_trim(&buf, &len))
		return -EINVAL;
	if (len == 0)
		return PARSE_EMPTY;
	*unlimited = false;
	if (len == 2 && buf[0] == '-' && buf[1] == '1') {
		*unlimited = true;
		*bytes = UINT64_MAX;
		return 0;
	}
	used = parse_number(buf, len, &v);
	if (used <= 0)
		return -EINVAL;
	if ((size_t)used < len) {
		shift = suffix_shift(buf[used]);
		if (shift < 0 || (size_t)used + 1 != len)
			return -EINVAL;
	}
	if (shift && v > (UINT64_MAX >> shift))
		return -EINVAL;
	*bytes = v << shift;
	return 0;
}

int parse_limit(const char *buf, size_t len, unsigned long page_size,
		long max_pages, long *pages)
{
	uint64_t bytes, p;
	bool unlimited;
	int rc = parse_size(buf, len, &bytes, &unlimited);

	if (rc)
		return rc;
	p = unlimited ? (uint64_t)max_pages : bytes / page_size;
	*pages = p > (uint64_t)max_pages ? max_pages : (long)p;
	return 0;
}

int parse_amount(const char *buf, size_t len, unsigned long page_size,
		 long max_pages, long *pages)
{
	uint64_t bytes, p;
	bool unlimited;
	int rc = parse_size(buf, len, &bytes, &unlimited);

	if (rc)
		return rc;
	if (unlimited)
		return -EINVAL;
	p = bytes / page_size + (bytes % page_size != 0);
	if (p > (uint64_t)max_pages)
		return -EINVAL;
	*pages = (long)p;
	return 0;
}

int parse_u64(const char *buf, size_t len, uint64_t *val)
{
	long used;

	/* Exactly kstrtoull: no surrounding blanks, one trailing newline. */
	if (memchr(buf, '\0', len))
		return -EINVAL;
	if (len && buf[len - 1] == '\n')
		len--;
	if (len && buf[0] == '+') {
		buf++;
		len--;
	}
	if (len == 0)
		return -EINVAL;
	used = parse_number(buf, len, val);
	if (used <= 0 || (size_t)used != len)
		return -EINVAL;
	return 0;
}

int parse_pid(const char *buf, size_t len, pid_t *pid)
{
	long v = 0;

	if (!parse_trim(&buf, &len) || len == 0)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)buf[i]))
			return -EINVAL;
		v = v * 10 + (buf[i] - '0');
		if (v > INT_MAX)
			return -EINVAL;
	}
	*pid = (pid_t)v;
	return 0;
}

int parse_task_id(const char *buf, size_t len, pid_t *pid)
{
	bool neg = false;
	uint64_t v;
	long used;

	if (!parse_trim(&buf, &len))
		return -EINVAL;
	if (len && (buf[0] == '+' || buf[0] == '-')) {
		neg = buf[0] == '-';
		buf++;
		len--;
	}
	used = parse_number(buf, len, &v);
	if (used <= 0 || (size_t)used != len || v > INT_MAX || (neg && v))
		return -EINVAL;
	*pid = (pid_t)v;
	return 0;
}
