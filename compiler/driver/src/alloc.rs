//! The compiler's memory allocator. A compilation makes millions of small objects
//! (tokens' macro-expansion lists, AST nodes, types, IR instructions) and frees most of
//! them in bulk; glibc's malloc spent a fifth of a kernel file's compile time in its
//! slow paths (chunk splitting, consolidation). Small blocks here come from size
//! classes: a freed block goes on its class's list and is the next one handed out,
//! new ones are cut from 1 MiB chunks, and nothing small is ever returned to the
//! system (the process is short-lived). Large or over-aligned blocks go to the system
//! allocator. Each thread has free lists and a chunk of its own, so no lock is taken
//! (an atomic lock per call was a twentieth of a compile): a block freed by another
//! thread than the one that made it simply joins the freeing thread's list. A
//! thread's unused blocks are lost when it exits; the driver has two threads.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::UnsafeCell;
use std::ptr::null_mut;

/// Size-class granularity and the alignment every small block has.
const GRAIN: usize = 16;
/// Largest block served from the size classes.
const MAX_SMALL: usize = 1024;
const CLASSES: usize = MAX_SMALL / GRAIN;
/// Bytes taken from the system at a time for small blocks.
const CHUNK: usize = 1 << 20;

struct State {
    /// Per class, the most recently freed block (each free block holds the next one).
    free: [*mut u8; CLASSES],
    /// The unused rest of the current chunk.
    bump: *mut u8,
    end: *mut u8,
}

/// The allocator; its state is per thread (`STATE`).
pub struct CompilerAlloc;

thread_local! {
    // Const-initialised and without a destructor: a plain thread-local access that
    // never allocates.
    static STATE: UnsafeCell<State> = const { UnsafeCell::new(State { free: [null_mut(); CLASSES], bump: null_mut(), end: null_mut() }) };
}

impl CompilerAlloc {
    pub const fn new() -> CompilerAlloc {
        CompilerAlloc
    }

    /// The size class of a small layout, or None for the system allocator.
    fn class(layout: Layout) -> Option<usize> {
        (layout.size() <= MAX_SMALL && layout.align() <= GRAIN && layout.size() > 0).then(|| (layout.size() - 1) / GRAIN)
    }

    fn with_state<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        // SAFETY: the state belongs to this thread, and `f` (the bodies below) does not
        // re-enter this allocator, so no other reference to it exists meanwhile.
        STATE.with(|st| f(unsafe { &mut *st.get() }))
    }
}

impl Default for CompilerAlloc {
    fn default() -> Self {
        CompilerAlloc::new()
    }
}

unsafe impl GlobalAlloc for CompilerAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let Some(class) = Self::class(layout) else { return unsafe { System.alloc(layout) } };
        let size = (class + 1) * GRAIN;
        self.with_state(|st| unsafe {
            let head = st.free[class];
            if !head.is_null() {
                st.free[class] = *(head as *mut *mut u8);
                return head;
            }
            if (st.end as usize) - (st.bump as usize) < size {
                let chunk = System.alloc(Layout::from_size_align_unchecked(CHUNK, GRAIN));
                if chunk.is_null() {
                    return null_mut();
                }
                st.bump = chunk;
                st.end = chunk.add(CHUNK);
            }
            let p = st.bump;
            st.bump = p.add(size);
            p
        })
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let Some(class) = Self::class(layout) else { return unsafe { System.dealloc(ptr, layout) } };
        self.with_state(|st| unsafe {
            *(ptr as *mut *mut u8) = st.free[class];
            st.free[class] = ptr;
        })
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY (all of it): the caller's contract for `realloc`.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        match (Self::class(layout), Self::class(new_layout)) {
            (Some(a), Some(b)) if a == b => ptr,
            (None, None) => unsafe { System.realloc(ptr, layout, new_size) },
            _ => unsafe {
                let new = self.alloc(new_layout);
                if !new.is_null() {
                    std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                    self.dealloc(ptr, layout);
                }
                new
            },
        }
    }
}

/// Tunes glibc's malloc, which serves the large blocks (token and instruction
/// vectors, file texts): the compiler thread's arena grows in 32 MiB steps instead of
/// one `mprotect` per 128 KiB, and blocks up to 64 MiB stay in the arena, where a freed
/// one is reused, instead of getting (and page-faulting in) a fresh mapping each
/// time. A no-op with other C libraries.
pub fn tune_system_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        const M_TRIM_THRESHOLD: i32 = -1;
        const M_TOP_PAD: i32 = -2;
        const M_MMAP_THRESHOLD: i32 = -3;
        unsafe extern "C" {
            fn mallopt(param: i32, value: i32) -> i32;
        }
        // SAFETY: plain configuration calls, made before any other thread exists.
        unsafe {
            mallopt(M_TOP_PAD, 32 << 20);
            mallopt(M_TRIM_THRESHOLD, i32::MAX);
            mallopt(M_MMAP_THRESHOLD, 64 << 20);
        }
    }
}
