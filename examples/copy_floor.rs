//! Reference for `benches/peers/run.sh`: no splitting at all. It reads the whole file as
//! the Rust peers do (`peer_lines`) and writes it back unchanged, so its time is what
//! every program that holds the text whole pays before it does any work: start-up,
//! reading into fresh memory, and writing as many bytes out. No such program, lofte
//! included, can run faster than this on the machine, and where touching fresh memory is
//! slow the floor caps how many times faster than another splitter any of them can be.
//!
//!     cargo run --release --example copy_floor -- INPUT.txt > OUTPUT.txt

use std::io::{BufWriter, Write};

mod peer_lines;

const PROGRAM: &str = "copy_floor";

fn main() {
    let path = peer_lines::input_path(PROGRAM);
    let text = peer_lines::read_text(PROGRAM, &path);
    let mut out = BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
    if let Err(err) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        peer_lines::fail(PROGRAM, "standard output", &err);
    }
}
