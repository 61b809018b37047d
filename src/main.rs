//! The `lofte` binary: parses the command line, runs it, and decides the exit code.
//!
//! Exit codes: 0 everything worked; 1 the command finished but some documents could
//! not be read (or `eval` fell below a `--min` figure, or output could not be written);
//! 2 bad usage or a lexicon error, so nothing was done.

use std::alloc::{GlobalAlloc, Layout};
use std::process::ExitCode;

use clap::Parser;
use libmimalloc_sys as mi;

use lofte::cli::{self, Cli, Outcome, UsageError};

// mimalloc (version 3): lofte makes and drops many small strings and vectors per unit,
// and with it the whole job runs about a tenth faster than with the system allocator,
// for a few MB more peak memory.
#[global_allocator]
static GLOBAL: Mimalloc = Mimalloc;

/// mimalloc, asked for a plain block wherever its plain blocks are aligned enough.
/// The `mimalloc` crate asks for an aligned block every time, whose checks cost about
/// twenty instructions more per allocation (callgrind): some 2 % of `extract`, which
/// allocates millions of strings and vectors. Every mimalloc block is a multiple of
/// 8 bytes from an aligned start, so alignments up to 8 (strings, vectors of numbers
/// and spans) are met by any block.
struct Mimalloc;

const PLAIN_ALIGN: usize = 8;

// SAFETY: each call forwards to the mimalloc function for the same job; the plain ones
// only where `PLAIN_ALIGN` holds, and a block from either kind is freed by `mi_free`.
unsafe impl GlobalAlloc for Mimalloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.align() <= PLAIN_ALIGN {
            unsafe { mi::mi_malloc(layout.size()).cast() }
        } else {
            unsafe { mi::mi_malloc_aligned(layout.size(), layout.align()).cast() }
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if layout.align() <= PLAIN_ALIGN {
            unsafe { mi::mi_zalloc(layout.size()).cast() }
        } else {
            unsafe { mi::mi_zalloc_aligned(layout.size(), layout.align()).cast() }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        unsafe { mi::mi_free(ptr.cast()) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if layout.align() <= PLAIN_ALIGN {
            unsafe { mi::mi_realloc(ptr.cast(), new_size).cast() }
        } else {
            unsafe { mi::mi_realloc_aligned(ptr.cast(), new_size, layout.align()).cast() }
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // --help and --version are not errors.
            let code = if err.use_stderr() { 2 } else { 0 };
            let _ = err.print();
            return ExitCode::from(code);
        }
    };
    // Parse PDF and DOCX files in a child process of this binary (see `isolate`).
    if let Ok(exe) = std::env::current_exe() {
        lofte::isolate::use_child_process(exe);
    }
    // On Ctrl-C, delete the temporary files of outputs still being written, so an
    // interrupted run leaves neither a half-written file nor stray temporaries.
    let _ = ctrlc::set_handler(|| {
        cli::remove_unfinished_outputs();
        std::process::exit(130);
    });
    match cli::run(cli) {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::PartialFailure) => ExitCode::from(1),
        // A closed pipe (`lofte eval … | head`) is not an error.
        Err(err)
            if err
                .downcast_ref::<std::io::Error>()
                .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("lofte: {err:#}");
            if err.downcast_ref::<UsageError>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}
