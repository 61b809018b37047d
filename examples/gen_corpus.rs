//! Writes a deterministic bench corpus of agreement-like documents built from
//! `corpus/*.txt`, so that throughput figures can be reproduced at any size:
//!
//!     cargo run --release --example gen_corpus -- --size 100MB /tmp/bench-100mb
//!
//! Each document is one corpus agreement in one of four layouts: as written,
//! hard-wrapped at 72 columns with page breaks and page-number footers (what PDF text
//! extraction gives), with dash bullets instead of `•`, and with Windows line endings.
//! Files go 1,000 to a folder. The same size always gives the same bytes.

use std::fs;
use std::path::PathBuf;

#[path = "../benches/common/mod.rs"]
mod common;

fn main() {
    if let Err(message) = run() {
        eprintln!("gen_corpus: {message}");
        std::process::exit(2);
    }
}

fn run() -> Result<(), String> {
    let mut size = None;
    let mut out = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--size" => size = Some(parse_size(&args.next().ok_or("--size needs a value")?)?),
            "-h" | "--help" => {
                println!("usage: gen_corpus --size SIZE DIR   (SIZE like 10MB, 100MB, 1GB)");
                return Ok(());
            }
            _ if out.is_none() => out = Some(PathBuf::from(arg)),
            _ => return Err(format!("unexpected argument `{arg}`")),
        }
    }
    let size = size.ok_or("give --size SIZE (e.g. 100MB)")?;
    let out = out.ok_or("give the output folder")?;
    let sources: Vec<String> = common::corpus_texts()
        .map_err(|err| format!("cannot read the corpus: {err}"))?
        .into_iter()
        .map(|(_, text)| text)
        .collect();
    let mut written = 0u64;
    let mut index = 0usize;
    while written < size {
        let source = &sources[index % sources.len()];
        let layout = (index / sources.len()) % 4;
        let text = match layout {
            0 => source.clone(),
            1 => paginate(source),
            2 => source.replace('•', "-"),
            _ => source.replace('\n', "\r\n"),
        };
        let folder = out.join(format!("{:04}", index / 1000));
        if index % 1000 == 0 {
            fs::create_dir_all(&folder).map_err(|err| format!("{}: {err}", folder.display()))?;
        }
        let path = folder.join(format!("agreement-{index:07}.txt"));
        fs::write(&path, &text).map_err(|err| format!("{}: {err}", path.display()))?;
        written += text.len() as u64;
        index += 1;
    }
    eprintln!(
        "gen_corpus: {index} documents, {written} bytes in {}",
        out.display()
    );
    Ok(())
}

fn parse_size(value: &str) -> Result<u64, String> {
    let upper = value.to_uppercase();
    let (number, unit) = upper.split_at(
        upper
            .find(|c: char| c.is_ascii_alphabetic())
            .unwrap_or(upper.len()),
    );
    let number: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("bad size `{value}`"))?;
    let factor = match unit.trim() {
        "" | "B" => 1.0,
        "KB" => 1e3,
        "MB" => 1e6,
        "GB" => 1e9,
        _ => return Err(format!("bad size unit in `{value}` (use KB, MB or GB)")),
    };
    Ok((number * factor) as u64)
}

/// Hard-wraps every line at 72 columns and breaks pages every 45 lines with a footer,
/// as text extracted from a PDF looks.
fn paginate(text: &str) -> String {
    let mut lines = Vec::new();
    for line in text.lines() {
        let mut current = String::new();
        for word in line.split(' ') {
            if !current.is_empty() && current.chars().count() + 1 + word.chars().count() > 72 {
                lines.push(std::mem::take(&mut current));
            }
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(word);
        }
        lines.push(current);
    }
    let pages: Vec<&[String]> = lines.chunks(45).collect();
    let mut out = String::with_capacity(text.len() + pages.len() * 32);
    for (number, page) in pages.iter().enumerate() {
        for line in page.iter() {
            out.push_str(line);
            out.push('\n');
        }
        out.push_str(&format!("\nSida {} av {}\n", number + 1, pages.len()));
        if number + 1 < pages.len() {
            out.push('\u{c}');
        }
    }
    out
}
