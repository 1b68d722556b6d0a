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
static enum cmd __attribute__((__section__(".init.text"))) __attribute__((__cold__))
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
