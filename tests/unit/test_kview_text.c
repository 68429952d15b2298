/* Unit tests of the kernel view's texts (src/kview/text.c): the host's
 * /proc files with memcgfs as the v1 memory hierarchy, every other line
 * as the host has it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "kview/text.h"

/* This machine's own texts: a host with v1 hierarchies besides v2. */
static const char hybrid_cgroup[] =
	"9:name=systemd:/\n"
	"4:memory:/kernel/group\n"
	"1:cpu:/\n"
	"0::/\n";
static const char v2_cgroup[] = "0::/user.slice/session-1.scope\n";

/* The expected text of a call writing into a strbuf. */
#define EXPECT_TEXT(want, call)                         \
	do {                                            \
		struct strbuf out_;                     \
		strbuf_init(&out_);                     \
		call;                                   \
		assert_false(out_.oom);                 \
		assert_string_equal(out_.buf, want);    \
		strbuf_release(&out_);                  \
	} while (0)

/* The layout a host text gives, with the memory id checked. */
static struct kview_layout layout(const char *host, bool standins, int memory_id)
{
	struct kview_layout l;
	text_layout(host, standins ? KVIEW_ALL_HIER : 0, &l);
	assert_int_equal(l.id[KVIEW_MEMORY], memory_id);
	return l;
}

static void test_memory_id_is_the_hosts_else_above_its_v1_ids(void **state)
{
	(void)state;
	struct kview_layout l = layout(hybrid_cgroup, false, 4);
	assert_false(l.no_v1);
	assert_int_equal(l.id[KVIEW_CPU], 0);
	layout(v2_cgroup, false, 1);
	layout("7:cpu:/\n3:pids:/\n0::/\n", false, 8);
	layout("", false, 1);
	/* Stand-ins: the view's own ids from 1, the host's v1 ones hidden. */
	l = layout(hybrid_cgroup, true, 1);
	assert_true(l.no_v1);
	assert_int_equal(l.id[KVIEW_CPU], 2);
	assert_int_equal(l.id[KVIEW_PIDS], KVIEW_NR_HIER);
	/* Memory alone on the view's own /sys/fs/cgroup. */
	text_layout(hybrid_cgroup, KVIEW_HIER_BIT(KVIEW_MEMORY), &l);
	assert_true(l.no_v1);
	assert_int_equal(l.id[KVIEW_MEMORY], 1);
	assert_int_equal(l.id[KVIEW_CPU], 0);
	assert_int_equal(l.id[KVIEW_PIDS], 0);
}

static void test_cgroup_names_the_memcgfs_group(void **state)
{
	(void)state;
	struct kview_layout l = layout(hybrid_cgroup, false, 4);
	EXPECT_TEXT("9:name=systemd:/\n4:memory:/jobs/a\n1:cpu:/\n0::/\n",
		    text_cgroup(hybrid_cgroup, "/jobs/a", &l, &out_));
	/* v2-only: the memory line goes before the v2 one. */
	l = layout(v2_cgroup, false, 1);
	EXPECT_TEXT("1:memory:/\n0::/user.slice/session-1.scope\n",
		    text_cgroup(v2_cgroup, "/", &l, &out_));
	/* Stand-ins: theirs at the root, the host's v1 lines hidden. */
	l = layout(hybrid_cgroup, true, 1);
	EXPECT_TEXT("5:pids:/\n4:blkio:/\n3:cpuset:/\n2:cpu,cpuacct:/\n1:memory:/x\n0::/\n",
		    text_cgroup(hybrid_cgroup, "/x", &l, &out_));
	/* A host without memory among its v1 ids: by descending id. */
	const char no_memory[] = "7:cpu:/\n3:pids:/\n0::/\n";
	l = layout(no_memory, false, 8);
	EXPECT_TEXT("8:memory:/g\n7:cpu:/\n3:pids:/\n0::/\n",
		    text_cgroup(no_memory, "/g", &l, &out_));
	/* No trailing newline on the host's last line. */
	l = layout("1:cpu:/", false, 2);
	EXPECT_TEXT("2:memory:/g\n1:cpu:/\n", text_cgroup("1:cpu:/", "/g", &l, &out_));
}

static void test_mountinfo_shows_a_cgroup_mount(void **state)
{
	(void)state;
	struct kview_layout l = layout(hybrid_cgroup, false, 4);
	const char host[] =
		"35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
		"71 51 0:39 / /sys/fs/cgroup/memory rw,nosuid,nodev,relatime shared:7 - "
		"fuse.memcgfs memcgfs rw,user_id=0,group_id=0,default_permissions,allow_other\n"
		"72 51 0:39 / /mnt/memcg rw,relatime - fuse.memcgfs memcgfs ro,user_id=0\n"
		"73 51 0:39 / /sys/fs/cgroup/memory ro,relatime - fuse.memcgfs memcgfs ro\n"
		"74 51 0:40 / /sys/fs/cgroup/cpuset ro,relatime - tmpfs cgroup rw\n";
	const char want[] =
		"35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
		"71 51 0:39 / /sys/fs/cgroup/memory rw,nosuid,nodev,relatime shared:7 - "
		"cgroup cgroup rw,memory\n"
		"72 51 0:39 / /mnt/memcg rw,relatime - fuse.memcgfs memcgfs ro,user_id=0\n"
		"73 51 0:39 / /sys/fs/cgroup/memory ro,relatime - cgroup cgroup ro,memory\n";
	/* Without stand-ins a tmpfs at cpuset is the host's own. */
	EXPECT_TEXT("35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
		    "71 51 0:39 / /sys/fs/cgroup/memory rw,nosuid,nodev,relatime shared:7 - "
		    "cgroup cgroup rw,memory\n"
		    "72 51 0:39 / /mnt/memcg rw,relatime - fuse.memcgfs memcgfs ro,user_id=0\n"
		    "73 51 0:39 / /sys/fs/cgroup/memory ro,relatime - cgroup cgroup ro,memory\n"
		    "74 51 0:40 / /sys/fs/cgroup/cpuset ro,relatime - tmpfs cgroup rw\n",
		    text_mountinfo(host, &l, &out_));
	l = layout(v2_cgroup, true, 1);
	struct strbuf expect;
	strbuf_init(&expect);
	strbuf_addf(&expect, "%s%s", want,
		    "74 51 0:40 / /sys/fs/cgroup/cpuset ro,relatime - cgroup cgroup rw,cpuset\n");
	EXPECT_TEXT(expect.buf, text_mountinfo(host, &l, &out_));
	strbuf_release(&expect);
	/* Short or odd lines are copied. */
	EXPECT_TEXT("1 2\n\n- - -\n", text_mountinfo("1 2\n\n- - -\n", &l, &out_));
}

static void test_mounts_show_a_cgroup_mount(void **state)
{
	(void)state;
	struct kview_layout l = layout(v2_cgroup, true, 1);
	EXPECT_TEXT("cgroup /sys/fs/cgroup/memory cgroup rw,nosuid,nodev,relatime,memory 0 0\n"
		    "memcgfs /mnt fuse.memcgfs rw,user_id=0 0 0\n"
		    "cgroup /sys/fs/cgroup/cpu,cpuacct cgroup ro,nosuid,cpu,cpuacct 0 0\n",
		    text_mounts("memcgfs /sys/fs/cgroup/memory fuse.memcgfs "
				"rw,nosuid,nodev,relatime,user_id=0,group_id=0,"
				"default_permissions,allow_other 0 0\n"
				"memcgfs /mnt fuse.memcgfs rw,user_id=0 0 0\n"
				"cgroup /sys/fs/cgroup/cpu,cpuacct tmpfs ro,nosuid,mode=755 0 0\n",
				&l, &out_));
}

static void test_cgroups_lists_memory(void **state)
{
	(void)state;
	const char host[] =
		"#subsys_name\thierarchy\tnum_cgroups\tenabled\n"
		"cpu\t1\t1\t1\n"
		"memory\t4\t75\t1\n"
		"freezer\t8\t3\t1\n";
	struct kview_layout l = layout(hybrid_cgroup, false, 4);
	EXPECT_TEXT("#subsys_name\thierarchy\tnum_cgroups\tenabled\n"
		    "cpu\t1\t1\t1\n"
		    "memory\t4\t6\t1\n"
		    "freezer\t8\t3\t1\n",
		    text_cgroups(host, &l, 6, &out_));
	l = layout(hybrid_cgroup, true, 1);
	EXPECT_TEXT("#subsys_name\thierarchy\tnum_cgroups\tenabled\n"
		    "cpu\t2\t1\t1\n"
		    "memory\t1\t2\t1\n"
		    "freezer\t0\t3\t1\n",
		    text_cgroups(host, &l, 2, &out_));
	/* A v2-only host's memory (hierarchy 0, maybe disabled): enabled. */
	l = layout(v2_cgroup, false, 1);
	EXPECT_TEXT("memory\t1\t1\t1\n",
		    text_cgroups("memory\t0\t40\t0\n", &l, 1, &out_));
	EXPECT_TEXT("cpu\t0\t1\t1\nmemory\t1\t1\t1\n",
		    text_cgroups("cpu\t0\t1\t1\n", &l, 1, &out_));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memory_id_is_the_hosts_else_above_its_v1_ids),
		cmocka_unit_test(test_cgroup_names_the_memcgfs_group),
		cmocka_unit_test(test_mountinfo_shows_a_cgroup_mount),
		cmocka_unit_test(test_mounts_show_a_cgroup_mount),
		cmocka_unit_test(test_cgroups_lists_memory),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
