//! Peer for `benches/peers/run.sh`: the Unicode sentence boundaries (UAX #29) of the
//! `unicode-segmentation` crate, the splitter a Rust program reaches for first.
//!
//!     cargo run --release --example uniseg_sentences -- INPUT.txt > OUTPUT.txt
//!
//! Reads the whole file, splits it with `unicode_sentences`, and writes one sentence
//! per line (`peer_lines`). No rules of its own: what is timed is the crate's splitting
//! plus reading and writing.

use unicode_segmentation::UnicodeSegmentation;

mod peer_lines;

const PROGRAM: &str = "uniseg_sentences";

fn main() {
    let path = peer_lines::input_path(PROGRAM);
    let text = peer_lines::read_text(PROGRAM, &path);
    peer_lines::write_sentences(PROGRAM, text.unicode_sentences());
}
