/* Unit tests of the line stream behind memcgfs.workload (linestream.c):
 * lines cut anywhere between writes are applied whole and in order, an
 * unterminated last line waits for the flush, a failing line drops the
 * rest of its write and what was kept. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lib/linestream.h"

/* What was applied, each call's text followed by '|'; "bad" lines fail. */
struct log {
	char text[8192];
	size_t len;
};

static int record(const char *buf, size_t len, void *arg)
{
	struct log *l = arg;

	if (len >= 3 && !memcmp(buf, "bad", 3))
		return -EINVAL;
	memcpy(l->text + l->len, buf, len);
	l->len += len;
	l->text[l->len++] = '|';
	l->text[l->len] = '\0';
	return 0;
}

static int feed(struct line_stream *ls, struct log *l, const char *s)
{
	return line_stream_write(ls, s, strlen(s), record, l);
}

static void test_lines_cut_anywhere_are_joined(void **state)
{
	static const char text[] = "anon 1 1M\nfree 1 4K\nreap\n";
	(void)state;

	/* Every cut of the text into two writes applies the same lines. */
	for (size_t cut = 0; cut <= sizeof(text) - 1; cut++) {
		struct line_stream *ls = line_stream_new(64);
		struct log l = { .len = 0 };
		char joined[64] = "";

		assert_non_null(ls);
		assert_int_equal(line_stream_write(ls, text, cut, record, &l), 0);
		assert_int_equal(line_stream_write(ls, text + cut,
						   sizeof(text) - 1 - cut,
						   record, &l), 0);
		assert_int_equal(line_stream_flush(ls, record, &l), 0);
		for (size_t i = 0, j = 0; i < l.len; i++)
			if (l.text[i] != '|')
				joined[j++] = l.text[i];
		assert_string_equal(joined, text);
		line_stream_free(ls);
	}
}

static void test_unterminated_line_waits_for_flush(void **state)
{
	struct line_stream *ls = line_stream_new(64);
	struct log l = { .len = 0 };

	(void)state;
	assert_int_equal(feed(ls, &l, "anon 1 4K"), 0);
	assert_int_equal(l.len, 0);
	assert_int_equal(line_stream_flush(ls, record, &l), 0);
	assert_string_equal(l.text, "anon 1 4K|");
	/* Nothing kept: the flush applies nothing. */
	assert_int_equal(line_stream_flush(ls, record, &l), 0);
	assert_string_equal(l.text, "anon 1 4K|");
	assert_int_equal(feed(ls, &l, "x\nbad"), 0);
	assert_int_equal(line_stream_flush(ls, record, &l), -EINVAL);
	line_stream_free(ls);
}

static void test_failing_line_drops_the_rest(void **state)
{
	struct line_stream *ls = line_stream_new(64);
	struct log l = { .len = 0 };

	(void)state;
	assert_int_equal(feed(ls, &l, "a\nb"), 0);
	assert_int_equal(feed(ls, &l, "ad\nc\nkept"), -EINVAL);	/* "bad" */
	assert_string_equal(l.text, "a\n|");
	/* Nothing of that write stays: the next one starts a new line. */
	assert_int_equal(feed(ls, &l, "d\n"), 0);
	assert_string_equal(l.text, "a\n|d\n|");
	assert_int_equal(line_stream_flush(ls, record, &l), 0);
	assert_string_equal(l.text, "a\n|d\n|");
	line_stream_free(ls);
}

static void test_line_longer_than_max(void **state)
{
	struct line_stream *ls = line_stream_new(8);
	struct log l = { .len = 0 };

	(void)state;
	assert_int_equal(feed(ls, &l, "1234"), 0);
	assert_int_equal(feed(ls, &l, "56789"), -EINVAL);
	assert_int_equal(feed(ls, &l, "ok\n"), 0);
	assert_string_equal(l.text, "ok\n|");
	/* At most max bytes, its newline included. */
	assert_int_equal(feed(ls, &l, "1234567"), 0);
	assert_int_equal(feed(ls, &l, "\n"), 0);
	assert_string_equal(l.text, "ok\n|1234567\n|");
	line_stream_free(ls);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines_cut_anywhere_are_joined),
		cmocka_unit_test(test_unterminated_line_waits_for_flush),
		cmocka_unit_test(test_failing_line_drops_the_rest),
		cmocka_unit_test(test_line_longer_than_max),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
