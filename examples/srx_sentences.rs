//! Peer for `benches/peers/run.sh`: the `srx` crate (Segmentation Rules eXchange) with
//! the rules of a given SRX file for a given language, LanguageTool's `segment.srx` in
//! the script (the file ships in the crate's `data/`; the script finds it there).
//!
//!     cargo run --release --example srx_sentences -- RULES.srx LANG INPUT.txt > OUTPUT.txt
//!
//! Reads and compiles the rules, reads the whole file, splits it in one call, and writes
//! one sentence per line with its white space collapsed to single spaces, as the other
//! peers do, so that a line is a sentence. What is timed is the rule file's compiling,
//! the crate's splitting, and reading and writing.

use std::io::{BufWriter, Write};
use std::process::exit;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [rules_path, lang, path] = args.as_slice() else {
        eprintln!("usage: srx_sentences RULES.srx LANG INPUT.txt > OUTPUT.txt");
        exit(2);
    };
    let rules = match std::fs::read_to_string(rules_path) {
        Ok(xml) => match xml.parse::<srx::SRX>() {
            Ok(srx) => srx.language_rules(lang),
            Err(err) => fail(rules_path, &err),
        },
        Err(err) => fail(rules_path, &err),
    };
    if rules.is_empty() {
        eprintln!("srx_sentences: {rules_path} has no rules for language {lang}");
        exit(1);
    }
    let text = std::fs::read_to_string(path).unwrap_or_else(|err| fail(path, &err));
    let mut out = BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
    let mut line = String::new();
    for sentence in rules.split(&text) {
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
                fail("standard output", &err);
            }
        }
    }
    if let Err(err) = out.flush() {
        fail("standard output", &err);
    }
}

fn fail(what: &str, err: &dyn std::fmt::Display) -> ! {
    eprintln!("srx_sentences: {what}: {err}");
    exit(1);
}
