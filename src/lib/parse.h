/* Parsers for what users write into control files (memcgfs(8) VALUES).
 *
 * Each takes the raw bytes of one write() (not NUL-terminated) and returns 0
 * on success, PARSE_EMPTY where the input is only whitespace (callers treat
 * it as a no-op where memcgfs(8) VALUES says so) or -EINVAL.  None of them allocates. */
#ifndef MEMCGFS_PARSE_H
#define MEMCGFS_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PARSE_EMPTY 1

/* The kernel's memparse: decimal, 0x hex or 0-octal, an optional suffix
 * kKmMgGtTpPeE.  "-1" sets *unlimited.  Overflow of 64 bits is refused (the
 * kernel silently wraps). */
int parse_size(const char *buf, size_t len, uint64_t *bytes, bool *unlimited);

/* A limit: parse_size, rounded down to pages, capped at max_pages; "-1"
 * gives max_pages. */
int parse_limit(const char *buf, size_t len, unsigned long page_size,
		long max_pages, long *pages);

/* An amount to charge: parse_size rounded up to pages; "-1" and amounts
 * above max_pages are refused. */
int parse_amount(const char *buf, size_t len, unsigned long page_size,
		 long max_pages, long *pages);

/* A pid: decimal, surrounding whitespace allowed; 0 is valid (the writer). */
int parse_pid(const char *buf, size_t len, pid_t *pid);

/* A pid written to tasks or cgroup.procs, as the kernel reads it there:
 * kstrtoint(strstrip(buf), 0), so surrounding whitespace, an optional
 * sign, decimal, 0x hex or 0-octal ("010" is 8, "08" is refused); a
 * negative value is refused, "-0" is 0.  0 is the writer. */
int parse_task_id(const char *buf, size_t len, pid_t *pid);

/* An unsigned integer exactly as the kernel's kstrtoull(..., 0): an
 * optional '+', decimal, 0x hex or 0-octal, one optional trailing newline
 * and no other blanks; overflow refused. */
int parse_u64(const char *buf, size_t len, uint64_t *val);

/* Trim surrounding whitespace: on return [*start, *start + *len) is the
 * token.  Returns false if the input holds a NUL byte (always refused). */
bool parse_trim(const char **start, size_t *len);

#endif
