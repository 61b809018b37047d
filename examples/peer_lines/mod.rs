//! What the Rust peers of `benches/peers/run.sh` share (`uniseg_sentences`,
//! `srx_sentences`, and the floor, `copy_floor`): reading the input whole, and
//! writing one sentence a line with its white space collapsed to single spaces, as
//! the Python peers' adapters do (`blocks.py`), so that a line is a sentence and only
//! the splitting differs.

// Each example that includes this module uses only part of it.
#![allow(dead_code)]

use std::fmt::Display;
use std::io::{BufWriter, Write};
use std::path::Path;

/// The one argument, the input file's path, or an exit with the usage.
pub fn input_path(program: &str) -> String {
    std::env::args().nth(1).unwrap_or_else(|| {
        eprintln!("usage: {program} INPUT.txt > OUTPUT.txt");
        std::process::exit(2);
    })
}

/// The text of `path`, or an exit naming it. Read as lofte reads a document (into a
/// buffer advised for huge pages, its UTF-8 checked with SIMD), so that reading costs
/// every program the same and their times differ by what they do with the text:
/// `std::fs::read_to_string` took twice as long on the 20 MB text (67 ms against 33
/// ms read and written back), most of it in its UTF-8 check.
pub fn read_text(program: &str, path: &str) -> String {
    let bytes =
        lofte::read::read_file(Path::new(path)).unwrap_or_else(|err| fail(program, path, &err));
    if let Err(err) = simdutf8::compat::from_utf8(&bytes) {
        fail(program, path, &err);
    }
    // SAFETY: the bytes were checked to be UTF-8 just above.
    unsafe { String::from_utf8_unchecked(bytes) }
}

/// Writes each non-empty sentence to standard output on a line of its own, or exits.
pub fn write_sentences<'a>(program: &str, sentences: impl IntoIterator<Item = &'a str>) {
    let mut out = BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
    let mut line = String::new();
    for sentence in sentences {
        line.clear();
        for word in sentence.split_whitespace() {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        if !line.is_empty() {
            line.push('\n');
            if let Err(err) = out.write_all(line.as_bytes()) {
                fail(program, "standard output", &err);
            }
        }
    }
    if let Err(err) = out.flush() {
        fail(program, "standard output", &err);
    }
}

/// Says what failed (`program: what: err`) and exits with 1.
pub fn fail(program: &str, what: &str, err: &dyn Display) -> ! {
    eprintln!("{program}: {what}: {err}");
    std::process::exit(1);
}
