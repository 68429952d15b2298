/* i386cgroup: a 32-bit x86 program with no libc that reads
 * /proc/self/cgroup through the int 0x80 entry point and writes it to
 * stdout: what a 32-bit or raw-syscall program does.  Built at test time
 * (kview.bats), where the compiler can make i386 code:
 *
 *   cc -m32 -nostdlib -static -fno-pie -no-pie -O1 -o i386cgroup i386cgroup.c
 *
 * Exit status 0 if the open succeeded, 1 if not. */
#define I386_EXIT 1
#define I386_READ 3
#define I386_WRITE 4
#define I386_OPEN 5

static long sys3(long nr, long a, long b, long c)
{
	long r;
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
	return r;
}

void _start(void);

void _start(void)
{
	static char buf[8192];
	long fd = sys3(I386_OPEN, (long)"/proc/self/cgroup", 0, 0);
	long n;
	while (fd >= 0 && (n = sys3(I386_READ, fd, (long)buf, sizeof(buf))) > 0)
		sys3(I386_WRITE, 1, (long)buf, n);
	sys3(I386_EXIT, fd < 0, 0, 0);
	for (;;)
		;
}
