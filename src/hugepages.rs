//! Large buffers backed by 2 MiB pages where the kernel offers them.
//!
//! A large document's text and its units are written once, front to back, into memory
//! fresh from the kernel, and on Linux each 4 KiB page of it costs a fault that clears
//! the page first. With transparent huge pages in `madvise` mode (the usual default),
//! asking for them turns 512 such faults into one: reading the 20 MB peers text and
//! splitting it took 8,000 faults, and with the text and units advised 2,000 (see
//! README, Speed). Elsewhere, or where the kernel refuses, nothing changes: the advice
//! is only advice, and the memory reads the same either way.

/// Buffers smaller than this are left alone: they hold at most one whole huge page, and
/// most documents are far smaller.
const ADVISED_FROM: usize = 4 << 20;

/// Advises the kernel to back `buffer`'s spare capacity (and whatever it holds) with
/// huge pages, before it is written. Only whole 2 MiB pages inside the allocation are
/// advised, so no memory outside it is touched.
pub fn advise<T>(buffer: &Vec<T>) {
    let bytes = buffer.capacity() * std::mem::size_of::<T>();
    if bytes >= ADVISED_FROM {
        advise_range(buffer.as_ptr() as usize, bytes);
    }
}

#[cfg(target_os = "linux")]
fn advise_range(start: usize, len: usize) {
    const HUGE_PAGE: usize = 2 << 20;
    let first = start.next_multiple_of(HUGE_PAGE);
    let end = (start + len) & !(HUGE_PAGE - 1);
    if end > first {
        // SAFETY: `first..end` lies inside one live allocation that the caller owns, and
        // MADV_HUGEPAGE changes how its pages are backed, never what they hold. A
        // refusal (an old kernel, THP turned off) is harmless, so the result is ignored.
        unsafe {
            libc::madvise(first as *mut libc::c_void, end - first, libc::MADV_HUGEPAGE);
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn advise_range(_start: usize, _len: usize) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advised_buffers_read_back_what_was_written() {
        // Before and after the advice, small and large: the contents are untouched.
        for len in [0, 1000, ADVISED_FROM, 3 * ADVISED_FROM + 12_345] {
            let mut buffer: Vec<u32> = Vec::with_capacity(len);
            buffer.extend((0..len as u32 / 2).map(|n| n.wrapping_mul(2_654_435_761)));
            advise(&buffer);
            buffer.extend((len as u32 / 2..len as u32).map(|n| n.wrapping_mul(2_654_435_761)));
            assert_eq!(buffer.len(), len);
            assert!(buffer
                .iter()
                .enumerate()
                .all(|(idx, &value)| value == (idx as u32).wrapping_mul(2_654_435_761)));
        }
    }
}
