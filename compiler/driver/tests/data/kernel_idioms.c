/* Idioms from the Linux kernel that must compile at -O2 (see driver.rs). */
static inline __attribute__((always_inline)) __attribute__((pure)) void *rip_rel_ptr(void *p)
{
	asm("leaq %c1(%%rip), %0" : "=r"(p) : "i"(p));
	return p;
}
#define RIP_REL_REF(var) (*(typeof(&(var)))rip_rel_ptr(&(var)))

extern char _text[];
extern unsigned long phys_base;
struct desc { unsigned a, b; };
extern struct { struct desc gdt[16]; } gdt_page;

unsigned long relocate(void)
{
	unsigned long delta = (unsigned long)rip_rel_ptr(_text);
	RIP_REL_REF(phys_base) += delta;
	/* an address cast to an integer and back is still the symbol */
	struct desc *gdt = (void *)(unsigned long)&gdt_page.gdt;
	return (unsigned long)&RIP_REL_REF(*gdt);
}

/* include/linux/wait.h: every expansion declares its own `__out`. */
#define WAIT(x) ({ __label__ __out; int __r = 0; if (x) goto __out; __r = 5; __out: __r; })
int waits(int a)
{
	int r = WAIT(a);
	r += WAIT(a - 1);
	return r;
}

/* static DEFINE_SPINLOCK(lock); in a function: a compound literal initialises a static local. */
typedef struct { } arch_spinlock_t;
typedef struct { union { struct { arch_spinlock_t raw_lock; int owner; } rlock; }; } spinlock_t;
int lock_owner(void)
{
	static spinlock_t lock = (spinlock_t) { { .rlock = { .raw_lock = { }, .owner = 7 } } };
	return lock.rlock.owner;
}

/* __init after an enum return type: the function is in .init.text. */
enum cmd { CMD_NONE, CMD_AUTO };
enum cmd __attribute__((__section__(".init.text"))) __attribute__((__cold__))
parse_cmdline(void)
{
	return CMD_AUTO;
}
int init_cmd(void) { return parse_cmdline(); }

/* include/linux/smp.h on UP: a static inline wrapper around an __init
 * function is inlined into its __init caller, leaving no .text reference. */
void __attribute__((__section__(".init.text"))) up_late_init(void);
static inline void smp_init(void) { up_late_init(); }
void __attribute__((__section__(".init.text"))) kernel_init_freeable(void) { smp_init(); }

/* Nothing follows a call to a noreturn function (objtool: "unreachable instruction"). */
void panic(const char *fmt, ...) __attribute__((__noreturn__)) __attribute__((__cold__));
int must(int a)
{
	if (a)
		return a;
	panic("none");
}

/* __init after 'struct S' (mm/sparse.c): the function is in .init.text too. */
struct page { int flags; };
struct page __attribute__((__section__(".init.text"))) *populate_memmap(unsigned long pfn)
{
	return (struct page *)pfn;
}

/* user_access_begin(): the inlined bool is decided on each edge (jump
 * threading), so no path from 'stac' tests it again (objtool: "return with
 * UACCESS enabled"); unlikely(!x) is one test, not a chain of set/xor. */
static inline __attribute__((always_inline)) _Bool access_begin(unsigned long p, unsigned long n)
{
	if (__builtin_expect(!!(!(p + n < 100)), 0))
		return 0;
	asm volatile("stac" ::: "memory");
	return 1;
}
int copy_guarded(unsigned long p, unsigned long n)
{
	if (!access_begin(p, n))
		return -14;
	asm volatile("clac" ::: "memory");
	return 0;
}

/* include/linux/minmax.h: __builtin_constant_p of a local that propagation
 * makes constant is 1 (decided by the optimiser, as GCC does), so the
 * signedness check folds and no call to the error function remains. */
#define statically_true(x) (__builtin_constant_p(x) && (x))
#define __is_nonneg(ux) statically_true((long long)(ux) >= 0)
#define is_signed_type(type) (((type)(-1)) < (type)1)
#define __sign_use(ux) (is_signed_type(typeof(ux)) ? (2 + __is_nonneg(ux)) : (1 + 2 * (sizeof(ux) < 4)))
#define BUILD_BUG_ON(c) do { __attribute__((__noreturn__)) extern void min_signedness_error(void); if (c) min_signedness_error(); } while (0)
#define min(x, y) ({ __auto_type ux = (x); __auto_type uy = (y); BUILD_BUG_ON(!(__sign_use(ux) & __sign_use(uy))); ux < uy ? ux : uy; })
unsigned long free_kbytes;
unsigned long user_reserve(void) { return min(free_kbytes / 32, 0x20000); }

/* arch/x86/include/asm/vvar.h: hidden declarations nothing uses emit nothing
 * (an assembler would make each an undefined symbol). */
extern struct vdso_rng vvar__vdso_rng_data __attribute__((visibility("hidden")));

/* arch/x86/kernel/alternative.c, fpu/signal.c: arguments an empty stub never
 * reads are not computed, and a static function always called with the same
 * constant uses it, so neither the linker-script symbol nor the function of
 * the dead branch is referenced. */
extern int __retpoline_sites[];
void __attribute__((noinline)) apply_retpolines(int *start) { (void)0; }
void convert_to_fxsr(void);
static int __attribute__((noinline)) restore_sig(int ia32_fxstate)
{
	if (ia32_fxstate)
		convert_to_fxsr();
	return 1;
}
int fpu_restore(void)
{
	apply_retpolines(__retpoline_sites);
	return restore_sig(0);
}

/* mm/page_alloc.c: a tiny static stub is inlined without 'inline', so the
 * guarded call of a function containing BUILD_BUG() disappears; constant
 * pointer arithmetic folds (LIST_POISON1). */
void build_bug_failed(void);
static _Bool contains_unaccepted(void) { return 0; }
static _Bool free_unaccepted(void) { build_bug_failed(); return 1; }
int free_pages_ok(void)
{
	if ((unsigned long)((void *)0x100 + 0xdead000000000000UL) & 1)
		build_bug_failed();
	if (contains_unaccepted() && free_unaccepted())
		return 1;
	return 0;
}

/* include/linux/mm_types.h encode_page(): value ranges through a select,
 * a block parameter and 'or' decide BUILD_BUG_ON(flags > 3). */
void encoded_page_bits_error(void);
static inline __attribute__((always_inline)) unsigned long encode_page(void *page, unsigned long flags)
{
	if (flags > 3ul)
		encoded_page_bits_error();
	return flags | (unsigned long)page;
}
unsigned long remove_page(void *page, _Bool delay_rmap, unsigned nr)
{
	int flags = delay_rmap ? 1ul : 0;
	if (nr == 1)
		return encode_page(page, flags);
	flags |= 2ul;
	return encode_page(page, flags);
}
