//! Reference for `benches/peers/run.sh`: no splitting at all, the file copied to standard
//! output unchanged, in one of two ways.
//!
//! - Whole (the default): read into memory whole and checked to be UTF-8, as lofte and
//!   the Rust peers read it (`peer_lines`), and written back. Its time is what every
//!   program that holds the text whole pays before it does any work: start-up, reading
//!   into fresh memory, the UTF-8 check, and writing as many bytes out. No such program,
//!   lofte included, runs faster on the machine.
//! - `--stream`: read a megabyte at a time into one buffer, each piece written before the
//!   next is read. Its time is the floor of a program that never holds the text whole,
//!   and the difference between the two is what holding it costs (on a virtual machine
//!   where fresh memory is slow to touch, most of it the first touch of that memory).
//!
//!     cargo run --release --example copy_floor -- [--stream] INPUT.txt > OUTPUT.txt

use std::io::{BufWriter, Read, Write};

mod peer_lines;

const PROGRAM: &str = "copy_floor";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (stream, path) = match args.as_slice() {
        [path] if path != "--stream" => (false, path),
        [flag, path] if flag == "--stream" => (true, path),
        _ => {
            eprintln!("usage: {PROGRAM} [--stream] INPUT.txt > OUTPUT.txt");
            std::process::exit(2);
        }
    };
    if stream {
        copy_in_pieces(path);
    } else {
        let text = peer_lines::read_text(PROGRAM, path);
        let mut out = BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
        if let Err(err) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
            peer_lines::fail(PROGRAM, "standard output", &err);
        }
    }
}

/// Copies `path` to standard output through one megabyte-sized buffer.
fn copy_in_pieces(path: &str) {
    let mut file =
        std::fs::File::open(path).unwrap_or_else(|err| peer_lines::fail(PROGRAM, path, &err));
    let mut out = std::io::stdout().lock();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let read = match file.read(&mut buffer) {
            Ok(0) => break,
            Ok(read) => read,
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(err) => peer_lines::fail(PROGRAM, path, &err),
        };
        if let Err(err) = out.write_all(&buffer[..read]) {
            peer_lines::fail(PROGRAM, "standard output", &err);
        }
    }
    if let Err(err) = out.flush() {
        peer_lines::fail(PROGRAM, "standard output", &err);
    }
}
