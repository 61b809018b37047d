//! Peer for `benches/peers/run.sh`: the Unicode sentence boundaries (UAX #29) of the
//! `unicode-segmentation` crate, the splitter a Rust program reaches for first.
//!
//!     cargo run --release --example uniseg_sentences -- INPUT.txt > OUTPUT.txt
//!
//! Reads the whole file, splits it with `unicode_sentences`, and writes one sentence
//! per line with its white space collapsed to single spaces, as the Python peers'
//! adapters do (`blocks.py`), so that a line is a sentence. No rules of its own: what
//! is timed is the crate's splitting plus reading and writing.

use std::io::{BufWriter, Write};

use unicode_segmentation::UnicodeSegmentation;

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: uniseg_sentences INPUT.txt > OUTPUT.txt");
        std::process::exit(2);
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(err) => {
            eprintln!("uniseg_sentences: {path}: {err}");
            std::process::exit(1);
        }
    };
    let stdout = std::io::stdout().lock();
    let mut out = BufWriter::with_capacity(1 << 20, stdout);
    let mut line = String::new();
    for sentence in text.unicode_sentences() {
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
                eprintln!("uniseg_sentences: cannot write: {err}");
                std::process::exit(1);
            }
        }
    }
    if let Err(err) = out.flush() {
        eprintln!("uniseg_sentences: cannot write: {err}");
        std::process::exit(1);
    }
}
