//! The allocator the binary runs with, here so that the benches can run with it too
//! and measure what the binary does (with the system allocator, a bench of a large
//! document spent a third of its time in glibc's `malloc` and looked slower per MB the
//! larger the document).
//!
//! Nothing in the library depends on it: a program that links lofte chooses its own
//! allocator, as `main.rs` and `benches/` choose this one with `#[global_allocator]`.

use std::alloc::{GlobalAlloc, Layout};

use libmimalloc_sys as mi;

/// mimalloc, asked for a plain block wherever its plain blocks are aligned enough.
/// The `mimalloc` crate asks for an aligned block every time, whose checks cost about
/// twenty instructions more per allocation (callgrind): some 2 % of `extract`, which
/// allocates millions of strings and vectors. Every mimalloc block is a multiple of
/// 8 bytes from an aligned start, so alignments up to 8 (strings, vectors of numbers
/// and spans) are met by any block.
pub struct Mimalloc;

const PLAIN_ALIGN: usize = 8;

// The methods are `#[inline]` so that the binary's allocation shim, in another crate,
// calls mimalloc directly: through a call to each method, `extract` over 11 MB took
// 35 M more instructions (4.80 G against 4.76 G).
// SAFETY: each call forwards to the mimalloc function for the same job; the plain ones
// only where `PLAIN_ALIGN` holds, and a block from either kind is freed by `mi_free`.
unsafe impl GlobalAlloc for Mimalloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.align() <= PLAIN_ALIGN {
            unsafe { mi::mi_malloc(layout.size()).cast() }
        } else {
            unsafe { mi::mi_malloc_aligned(layout.size(), layout.align()).cast() }
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if layout.align() <= PLAIN_ALIGN {
            unsafe { mi::mi_zalloc(layout.size()).cast() }
        } else {
            unsafe { mi::mi_zalloc_aligned(layout.size(), layout.align()).cast() }
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        unsafe { mi::mi_free(ptr.cast()) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if layout.align() <= PLAIN_ALIGN {
            unsafe { mi::mi_realloc(ptr.cast(), new_size).cast() }
        } else {
            unsafe { mi::mi_realloc_aligned(ptr.cast(), new_size, layout.align()).cast() }
        }
    }
}
