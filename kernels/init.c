/*
 * kernels/init.c -- the /init the boot tests run.
 *
 * Freestanding: no libc, raw Linux system calls through inline asm, for
 * x86-64, AArch64 and RISC-V 64. Build it with
 *
 *     CC -nostdlib -static -ffreestanding -fno-pie -no-pie \
 *        -fno-stack-protector -O2 -o init kernels/init.c
 *
 * It checks that the kernel really is Linux on the expected machine
 * (uname), that the code the compiler generated computes correctly (CRC-32,
 * 64-bit multiply/divide, a sieve), then prints one marker line
 *
 *     CCC-BOOT-OK arch=<arch> cc=<compiler> <__VERSION__> release=<uname -r>
 *
 * or a `CCC-BOOT-FAIL <reason>` line, and reboots. QEMU runs with
 * -no-reboot, so the reboot ends QEMU on every architecture (a tinyconfig
 * x86-64 kernel has no ACPI, so power-off would hang there).
 */

typedef unsigned long ulong;
typedef unsigned int u32;
typedef unsigned long long u64;

/* ---- per-architecture system call interface ---------------------------- */

#if defined(__x86_64__)
#define ARCH_NAME "x86_64"
#define UNAME_MACHINE "x86_64"
enum { SYS_write = 1, SYS_mount = 165, SYS_mkdirat = 258, SYS_openat = 257,
       SYS_dup3 = 292, SYS_uname = 63, SYS_reboot = 169, SYS_exit = 60,
       SYS_getpid = 39 };

static long syscall6(long n, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

/* The kernel enters with the stack pointer at argc; align and call C. */
__asm__(".text\n"
	".global _start\n"
	"_start:\n"
	"	xor %ebp, %ebp\n"
	"	and $-16, %rsp\n"
	"	call init_main\n"
	"1:	hlt\n"
	"	jmp 1b\n");

#elif defined(__aarch64__)
#define ARCH_NAME "aarch64"
#define UNAME_MACHINE "aarch64"
enum { SYS_write = 64, SYS_mount = 40, SYS_mkdirat = 34, SYS_openat = 56,
       SYS_dup3 = 24, SYS_uname = 160, SYS_reboot = 142, SYS_exit = 93,
       SYS_getpid = 172 };

static long syscall6(long n, long a, long b, long c, long d, long e, long f)
{
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	register long x3 __asm__("x3") = d;
	register long x4 __asm__("x4") = e;
	register long x5 __asm__("x5") = f;
	__asm__ volatile("svc #0"
			 : "+r"(x0)
			 : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
			 : "memory");
	return x0;
}

__asm__(".text\n"
	".global _start\n"
	"_start:\n"
	"	mov x29, #0\n"
	"	mov x30, #0\n"
	"	mov x0, sp\n"
	"	and x0, x0, #-16\n"
	"	mov sp, x0\n"
	"	bl init_main\n"
	"1:	b 1b\n");

#elif defined(__riscv) && __riscv_xlen == 64
#define ARCH_NAME "riscv64"
#define UNAME_MACHINE "riscv64"
enum { SYS_write = 64, SYS_mount = 40, SYS_mkdirat = 34, SYS_openat = 56,
       SYS_dup3 = 24, SYS_uname = 160, SYS_reboot = 142, SYS_exit = 93,
       SYS_getpid = 172 };

static long syscall6(long n, long a, long b, long c, long d, long e, long f)
{
	register long a7 __asm__("a7") = n;
	register long a0 __asm__("a0") = a;
	register long a1 __asm__("a1") = b;
	register long a2 __asm__("a2") = c;
	register long a3 __asm__("a3") = d;
	register long a4 __asm__("a4") = e;
	register long a5 __asm__("a5") = f;
	__asm__ volatile("ecall"
			 : "+r"(a0)
			 : "r"(a7), "r"(a1), "r"(a2), "r"(a3), "r"(a4), "r"(a5)
			 : "memory");
	return a0;
}

/* gp must hold __global_pointer$ before any code the linker relaxed to
 * gp-relative addressing runs. */
__asm__(".text\n"
	".global _start\n"
	"_start:\n"
	"	.option push\n"
	"	.option norelax\n"
	"	lla gp, __global_pointer$\n"
	"	.option pop\n"
	"	andi sp, sp, -16\n"
	"	call init_main\n"
	"1:	j 1b\n");

#else
#error "kernels/init.c supports x86_64, aarch64 and riscv64 only"
#endif

/* Which compiler built us: ccc defines __ccc__; check it before __GNUC__,
 * which ccc also defines for GCC compatibility. -DINIT_CC_NAME overrides. */
#ifndef INIT_CC_NAME
#if defined(__ccc__)
#define INIT_CC_NAME "ccc"
#elif defined(__clang__)
#define INIT_CC_NAME "clang"
#elif defined(__GNUC__)
#define INIT_CC_NAME "gcc"
#else
#define INIT_CC_NAME "unknown"
#endif
#endif

#define AT_FDCWD (-100)
#define O_RDWR 2
#define LINUX_REBOOT_MAGIC1 0xfee1dead
#define LINUX_REBOOT_MAGIC2 672274793
#define LINUX_REBOOT_CMD_RESTART 0x01234567

struct utsname {
	char sysname[65], nodename[65], release[65], version[65], machine[65],
		domainname[65];
};

/* GCC may emit calls to these even with -ffreestanding. */
void *memset(void *d, int c, ulong n)
{
	unsigned char *p = d;
	while (n--)
		*p++ = (unsigned char)c;
	return d;
}

void *memcpy(void *d, const void *s, ulong n)
{
	unsigned char *p = d;
	const unsigned char *q = s;
	while (n--)
		*p++ = *q++;
	return d;
}

static ulong str_len(const char *s)
{
	ulong n = 0;
	while (s[n])
		n++;
	return n;
}

static int str_eq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static void put(const char *s)
{
	syscall6(SYS_write, 1, (long)s, (long)str_len(s), 0, 0, 0);
}

static void put_hex(u64 v)
{
	char buf[19];
	int i;
	buf[0] = '0';
	buf[1] = 'x';
	for (i = 0; i < 16; i++)
		buf[2 + i] = "0123456789abcdef"[(v >> (60 - 4 * i)) & 15];
	buf[18] = 0;
	put(buf);
}

/* Bitwise CRC-32 (IEEE); the standard check value of "123456789" is
 * 0xcbf43926. */
static u32 crc32(const char *s)
{
	u32 crc = 0xffffffffu;
	while (*s) {
		int k;
		crc ^= (unsigned char)*s++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
	}
	return ~crc;
}

/* Number of primes below n (n <= 1024): 168 below 1000. */
static int count_primes(int n)
{
	static unsigned char composite[1024];
	int i, j, count = 0;
	for (i = 2; i < n; i++) {
		if (composite[i])
			continue;
		count++;
		for (j = i * i; j < n; j += i)
			composite[j] = 1;
	}
	return count;
}

/* Returns 0 when every computation matches, else a failure message. */
static const char *self_test(void)
{
	/* volatile keeps the compiler from folding the checks away. */
	volatile u64 a = 0x123456789ull, b = 1000003, m = 1000000007;
	volatile int limit = 1000;
	u32 crc = crc32("123456789");
	if (crc != 0xcbf43926u) {
		put("crc32 = ");
		put_hex(crc);
		put("\n");
		return "crc32 mismatch";
	}
	if ((a * b) % m != 970947911ull || (a * b) / m != 4886732)
		return "64-bit multiply/divide mismatch";
	if (count_primes(limit) != 168)
		return "prime sieve mismatch";
	return 0;
}

/* Make fd 0-2 the console if the kernel could not open one for us
 * (initramfs without /dev/console): mount devtmpfs and open it. */
static void ensure_console(void)
{
	long fd;
	if (syscall6(SYS_write, 1, (long)"", 0, 0, 0, 0) >= 0)
		return;
	syscall6(SYS_mkdirat, AT_FDCWD, (long)"/dev", 0755, 0, 0, 0);
	syscall6(SYS_mount, (long)"devtmpfs", (long)"/dev", (long)"devtmpfs", 0, 0, 0);
	fd = syscall6(SYS_openat, AT_FDCWD, (long)"/dev/console", O_RDWR, 0, 0, 0);
	if (fd < 0)
		return;
	syscall6(SYS_dup3, fd, 0, 0, 0, 0, 0);
	syscall6(SYS_dup3, fd, 1, 0, 0, 0, 0);
	syscall6(SYS_dup3, fd, 2, 0, 0, 0, 0);
}

/* Reboot only as pid 1: run by hand (as root) this program must not
 * reboot the host, it just exits with status 0 (OK) or 1 (failure). */
static void finish(int status)
{
	if (syscall6(SYS_getpid, 0, 0, 0, 0, 0, 0) != 1)
		syscall6(SYS_exit, status, 0, 0, 0, 0, 0);
	syscall6(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
		 LINUX_REBOOT_CMD_RESTART, 0, 0, 0);
	/* Only reached if reboot failed: pid 1 exiting panics the kernel,
	 * which with panic=-1 also ends QEMU. */
	syscall6(SYS_exit, status, 0, 0, 0, 0, 0);
}

void init_main(void)
{
	static struct utsname u;
	const char *err;

	ensure_console();
	if (syscall6(SYS_uname, (long)&u, 0, 0, 0, 0, 0) != 0) {
		put("CCC-BOOT-FAIL uname failed\n");
		finish(1);
	}
	if (!str_eq(u.sysname, "Linux") || !str_eq(u.machine, UNAME_MACHINE)) {
		put("CCC-BOOT-FAIL uname says ");
		put(u.sysname);
		put(" ");
		put(u.machine);
		put(", expected Linux " UNAME_MACHINE "\n");
		finish(1);
	}
	err = self_test();
	if (err) {
		put("CCC-BOOT-FAIL ");
		put(err);
		put("\n");
		finish(1);
	}
	put("CCC-BOOT-OK arch=" ARCH_NAME " cc=" INIT_CC_NAME " " __VERSION__
	    " release=");
	put(u.release);
	put("\n");
	finish(0);
}
