//! Peer for `benches/peers/run.sh`: the `srx` crate (Segmentation Rules eXchange) with
//! the rules of a given SRX file for a given language, LanguageTool's `segment.srx` in
//! the script (the file ships in the crate's `data/`; the script finds it there).
//!
//!     cargo run --release --example srx_sentences -- RULES.srx LANG INPUT.txt > OUTPUT.txt
//!
//! Reads and compiles the rules, reads the whole file, splits it in one call, and writes
//! one sentence per line (`peer_lines`). What is timed is the rule file's compiling, the
//! crate's splitting, and reading and writing.

mod peer_lines;

const PROGRAM: &str = "srx_sentences";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [rules_path, lang, path] = args.as_slice() else {
        eprintln!("usage: {PROGRAM} RULES.srx LANG INPUT.txt > OUTPUT.txt");
        std::process::exit(2);
    };
    let rules = match peer_lines::read_text(PROGRAM, rules_path).parse::<srx::SRX>() {
        Ok(srx) => srx.language_rules(lang),
        Err(err) => peer_lines::fail(PROGRAM, rules_path, &err),
    };
    if rules.is_empty() {
        eprintln!("{PROGRAM}: {rules_path} has no rules for language {lang}");
        std::process::exit(1);
    }
    let text = peer_lines::read_text(PROGRAM, path);
    peer_lines::write_sentences(PROGRAM, rules.split(&text));
}
