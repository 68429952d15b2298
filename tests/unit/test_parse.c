/* Unit tests of the control-file parsers (memcgfs(8) VALUES). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lib/parse.h"

#define MAXP4K 2251799813685247L	/* (2^63 - 1) / 4096 */

static int size_of(const char *s, uint64_t *bytes)
{
	bool unlimited;

	return parse_size(s, strlen(s), bytes, &unlimited);
}

static void test_size_bases_and_suffixes(void **state)
{
	static const struct { const char *in; uint64_t out; } ok[] = {
		{ "0", 0 }, { "4096", 4096 }, { "0x1000", 4096 }, { "0X10", 16 },
		{ "010", 8 }, { "1k", 1024 }, { "1K", 1024 }, { "2m", 2 << 20 },
		{ "2M", 2 << 20 }, { "3g", 3ULL << 30 }, { "3G", 3ULL << 30 },
		{ "1t", 1ULL << 40 }, { "1T", 1ULL << 40 }, { "1p", 1ULL << 50 },
		{ "1P", 1ULL << 50 }, { "1e", 1ULL << 60 }, { "15E", 15ULL << 60 },
		{ " 2M ", 2 << 20 }, { "2M\n", 2 << 20 }, { "\t7\n", 7 },
		{ "0x1e", 30 }, { "18446744073709551615", UINT64_MAX },
	};
	uint64_t v;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(size_of(ok[i].in, &v), 0);
		assert_true(v == ok[i].out);
	}
}

static void test_size_rejects(void **state)
{
	static const char *const bad[] = {
		"1.5M", "-2", "abc", "1M2", "0x", "08", "-1M", "--1", "1 M",
		"18446744073709551616", "16E", "99999999999999999999", "1KB",
		"+1", "M", "1 2",
	};
	uint64_t v;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(size_of(bad[i], &v), -EINVAL);
}

static void test_size_empty_and_nul(void **state)
{
	uint64_t v;
	bool unlimited;

	(void)state;
	assert_int_equal(size_of("", &v), PARSE_EMPTY);
	assert_int_equal(size_of(" \n", &v), PARSE_EMPTY);
	assert_int_equal(parse_size("1\0", 2, &v, &unlimited), -EINVAL);
	/* Only the given length is read. */
	assert_int_equal(parse_size("12345", 2, &v, &unlimited), 0);
	assert_true(v == 12);
}

static void test_limit_rounding_and_cap(void **state)
{
	long p;

	(void)state;
	assert_int_equal(parse_limit("4097", 4, 4096, MAXP4K, &p), 0);
	assert_int_equal(p, 1);
	assert_int_equal(parse_limit("4095", 4, 4096, MAXP4K, &p), 0);
	assert_int_equal(p, 0);
	assert_int_equal(parse_limit("-1", 2, 4096, MAXP4K, &p), 0);
	assert_int_equal(p, MAXP4K);
	assert_int_equal(parse_limit("15E", 3, 4096, MAXP4K, &p), 0);
	assert_int_equal(p, MAXP4K);
	assert_int_equal(parse_limit("1M", 2, 65536, MAXP4K / 16, &p), 0);
	assert_int_equal(p, 16);
	assert_int_equal(parse_limit(" ", 1, 4096, MAXP4K, &p), PARSE_EMPTY);
	assert_int_equal(parse_limit("x", 1, 4096, MAXP4K, &p), -EINVAL);
}

static void test_amount_rounds_up(void **state)
{
	long p;

	(void)state;
	assert_int_equal(parse_amount("1", 1, 4096, MAXP4K, &p), 0);
	assert_int_equal(p, 1);
	assert_int_equal(parse_amount("8192", 4, 4096, MAXP4K, &p), 0);
	assert_int_equal(p, 2);
	assert_int_equal(parse_amount("0", 1, 4096, MAXP4K, &p), 0);
	assert_int_equal(p, 0);
	assert_int_equal(parse_amount("-1", 2, 4096, MAXP4K, &p), -EINVAL);
	assert_int_equal(parse_amount("15E", 3, 4096, MAXP4K, &p), -EINVAL);
}

/* The kernel's kstrtoint(strstrip(buf), 0) of a tasks write (checked
 * against /sys/fs/cgroup/memory: "08" EINVAL, "0x10" pid 16). */
static void test_task_id(void **state)
{
	static const struct { const char *in; int rc; pid_t pid; } cases[] = {
		{ "123", 0, 123 }, { " 42\n\n", 0, 42 }, { "+7", 0, 7 },
		{ "0", 0, 0 }, { "-0", 0, 0 }, { "010", 0, 8 }, { "0x10", 0, 16 },
		{ "0X1f", 0, 31 }, { "2147483647", 0, 2147483647 },
		{ "08", -EINVAL, 0 }, { "-1", -EINVAL, 0 }, { "", -EINVAL, 0 },
		{ "+", -EINVAL, 0 }, { "0x", -EINVAL, 0 }, { "1 2", -EINVAL, 0 },
		{ "2147483648", -EINVAL, 0 }, { "1.5", -EINVAL, 0 },
		{ "++1", -EINVAL, 0 }, { "abc", -EINVAL, 0 },
	};
	pid_t pid;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		pid = -1;
		assert_int_equal(parse_task_id(cases[i].in, strlen(cases[i].in),
					       &pid), cases[i].rc);
		if (!cases[i].rc)
			assert_int_equal(pid, cases[i].pid);
	}
	assert_int_equal(parse_task_id("1\0", 2, &pid), -EINVAL);
}

static void test_pid(void **state)
{
	pid_t pid;

	(void)state;
	assert_int_equal(parse_pid("123", 3, &pid), 0);
	assert_int_equal(pid, 123);
	assert_int_equal(parse_pid(" 42\n", 4, &pid), 0);
	assert_int_equal(pid, 42);
	assert_int_equal(parse_pid("0", 1, &pid), 0);
	assert_int_equal(pid, 0);
	assert_int_equal(parse_pid("-1", 2, &pid), -EINVAL);
	assert_int_equal(parse_pid("abc", 3, &pid), -EINVAL);
	assert_int_equal(parse_pid("1.5", 3, &pid), -EINVAL);
	assert_int_equal(parse_pid("", 0, &pid), -EINVAL);
	assert_int_equal(parse_pid("0x10", 4, &pid), -EINVAL);
	assert_int_equal(parse_pid("2147483648", 10, &pid), -EINVAL);
	assert_int_equal(parse_pid("1 2", 3, &pid), -EINVAL);
}

static void test_u64(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(parse_u64("60", 2, &v), 0);
	assert_true(v == 60);
	assert_int_equal(parse_u64("0x10\n", 5, &v), 0);
	assert_true(v == 16);
	assert_int_equal(parse_u64("010", 3, &v), 0);
	assert_true(v == 8);
	assert_int_equal(parse_u64("+5", 2, &v), 0);
	assert_true(v == 5);
	assert_int_equal(parse_u64("-1", 2, &v), -EINVAL);
	assert_int_equal(parse_u64("", 0, &v), -EINVAL);
	assert_int_equal(parse_u64("\n", 1, &v), -EINVAL);
	assert_int_equal(parse_u64("1k", 2, &v), -EINVAL);
	assert_int_equal(parse_u64("18446744073709551616", 20, &v), -EINVAL);
	assert_int_equal(parse_u64(" 60", 3, &v), -EINVAL);
	assert_int_equal(parse_u64("60 ", 3, &v), -EINVAL);
	assert_int_equal(parse_u64("60\n\n", 4, &v), -EINVAL);
}

static void test_trim(void **state)
{
	const char *s = "  ab c \n";
	size_t n = strlen(s);

	(void)state;
	assert_true(parse_trim(&s, &n));
	assert_int_equal(n, 4);
	assert_memory_equal(s, "ab c", 4);
	s = "a\0b";
	n = 3;
	assert_false(parse_trim(&s, &n));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_size_bases_and_suffixes),
		cmocka_unit_test(test_size_rejects),
		cmocka_unit_test(test_size_empty_and_nul),
		cmocka_unit_test(test_limit_rounding_and_cap),
		cmocka_unit_test(test_amount_rounds_up),
		cmocka_unit_test(test_pid),
		cmocka_unit_test(test_task_id),
		cmocka_unit_test(test_u64),
		cmocka_unit_test(test_trim),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
