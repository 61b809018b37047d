//! A mixed folder of the fixtures (tests/fixtures, made by make.py there): every format
//! and encoding of the same agreement gives the same commitments as its UTF-8 text, and
//! every broken file gives one clear error while the good files are all processed.
//! PDFs are parsed in a child process of the binary, as in real use.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Each broken fixture and the reason its one error line must give.
const BROKEN: [(&str, &str); 12] = [
    ("broken/binary.txt", "not a text file"),
    ("broken/empty.txt", "the file is empty"),
    ("broken/no-text.html", "no visible text"),
    ("broken/truncated.docx", "cannot read DOCX"),
    ("broken/encrypted.pdf", "encrypted PDF"),
    ("broken/scanned.pdf", "scanned image without a text layer"),
    ("broken/truncated.pdf", "damaged PDF"),
    ("broken/empty.pdf", "the file is empty"),
    ("broken/random.docx", "cannot read DOCX"),
    ("broken/empty.docx", "the file is empty"),
    ("broken/random.pdf", "damaged PDF"),
    ("broken/page-numbers-only.txt", "no text units"),
];

/// One error line per broken file, naming it and the reason, and no other line.
fn assert_one_error_per_broken_file(stderr: &str) {
    assert_eq!(stderr.lines().count(), BROKEN.len(), "{stderr}");
    for (file, reason) in BROKEN {
        assert!(
            stderr
                .lines()
                .any(|l| l.contains(file) && l.contains(reason)),
            "{file}: {stderr}"
        );
    }
}

/// `lofte COMMAND --quiet --format jsonl good broken` in the fixtures folder.
fn run_on_fixtures(command: &str) -> (Output, PathBuf) {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let output = Command::new(env!("CARGO_BIN_EXE_lofte"))
        .args([command, "--quiet", "--format", "jsonl", "good", "broken"])
        .current_dir(&fixtures)
        .output()
        .expect("lofte runs");
    (output, fixtures)
}

#[test]
fn segment_reports_the_broken_files_as_extract_does() {
    let (output, fixtures) = run_on_fixtures("segment");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_one_error_per_broken_file(&stderr);
    let mut docs: Vec<String> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap()["doc"].to_string())
        .collect();
    docs.dedup();
    let good_files = std::fs::read_dir(fixtures.join("good")).unwrap().count();
    assert_eq!(
        docs.len(),
        good_files,
        "every good file has units: {docs:?}"
    );
}

#[test]
fn every_reader_gives_the_same_commitments_and_broken_files_one_error_each() {
    let (output, fixtures) = run_on_fixtures("extract");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(1),
        "broken files make the exit code 1: {stderr}"
    );

    assert_one_error_per_broken_file(&stderr);

    // Every good file, whatever its format or encoding, has the commitments of aby.txt.
    let mut by_doc: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut pdf_pages = Vec::new();
    for line in String::from_utf8(output.stdout).unwrap().lines() {
        let record: serde_json::Value = serde_json::from_str(line).unwrap();
        if record["doc"] == "good/aby.pdf" {
            pdf_pages.push(record["page"].as_u64());
        } else {
            assert!(record["page"].is_null(), "only a PDF has pages: {record}");
        }
        let summary = format!(
            "{} | {} | {}",
            record["text"], record["actor"], record["vague"]
        );
        by_doc
            .entry(record["doc"].as_str().unwrap().to_string())
            .or_default()
            .push(summary);
    }
    let reference = by_doc.get("good/aby.txt").expect("the UTF-8 text").clone();
    assert_eq!(reference.len(), 5, "{reference:#?}");
    assert!(reference
        .iter()
        .any(|r| r.contains("verka för ökad närvaro") && r.ends_with("| true")));
    let good_files = std::fs::read_dir(fixtures.join("good")).unwrap().count();
    assert_eq!(
        by_doc.len(),
        good_files,
        "every good file is in the output: {:?}",
        by_doc.keys()
    );
    // The PDF's promises are on its second page (make.py breaks it after the background).
    assert_eq!(pdf_pages, vec![Some(2); 5]);
    for (doc, commitments) in &by_doc {
        assert_eq!(commitments, &reference, "{doc} differs from good/aby.txt");
    }
}

#[test]
fn fail_fast_stops_at_the_first_broken_file_and_writes_nothing() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let temp = tempfile::tempdir().unwrap();
    let out = temp.path().join("out.csv");
    let output = Command::new(env!("CARGO_BIN_EXE_lofte"))
        .args([
            "extract",
            "--quiet",
            "--fail-fast",
            "broken",
            "good",
            "-o",
            out.to_str().unwrap(),
        ])
        .current_dir(&fixtures)
        .output()
        .expect("lofte runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("broken/binary.txt") && stderr.contains("--fail-fast"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_dir(temp.path()).unwrap().count(),
        0,
        "no output and no temporary file left"
    );
}

#[test]
fn segment_fail_fast_stops_at_the_first_broken_file() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let output = Command::new(env!("CARGO_BIN_EXE_lofte"))
        .args(["segment", "--quiet", "--fail-fast", "broken", "good"])
        .current_dir(&fixtures)
        .output()
        .expect("lofte runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    // One line: the first broken file, and nothing of the good files after it.
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("broken/binary.txt") && stderr.contains("--fail-fast"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
}

/// `-` reads one document from standard input, in any format the file reader knows: the
/// records are those of the same file named on the command line, under `<stdin>`. The
/// PDF and the Word document go to the isolated reader through a temporary copy.
#[test]
fn standard_input_is_read_like_the_same_file() {
    use std::io::Write;
    use std::process::Stdio;
    let good = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/good");
    let records = |args: &[&str], stdin: Option<&[u8]>| -> Vec<serde_json::Value> {
        let mut child = Command::new(env!("CARGO_BIN_EXE_lofte"))
            .args(["extract", "--quiet", "--all-sentences", "--format", "jsonl"])
            .args(args)
            .current_dir(&good)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("lofte runs");
        let mut pipe = child.stdin.take().unwrap();
        pipe.write_all(stdin.unwrap_or_default()).unwrap();
        drop(pipe);
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{args:?}: {stderr}");
        String::from_utf8(output.stdout)
            .unwrap()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    };
    for file in [
        "aby.txt",
        "aby-utf16.txt",
        "aby.html",
        "aby.docx",
        "aby.pdf",
    ] {
        let bytes = std::fs::read(good.join(file)).unwrap();
        let mut from_stdin = records(&["-"], Some(&bytes));
        let mut from_file = records(&[file], None);
        assert!(from_file.len() > 5, "{file}: {from_file:?}");
        assert!(
            from_stdin.iter().all(|r| r["doc"] == "<stdin>"),
            "{file}: {from_stdin:?}"
        );
        for record in from_stdin.iter_mut().chain(from_file.iter_mut()) {
            record["doc"] = serde_json::Value::Null;
        }
        assert_eq!(from_stdin, from_file, "{file}");
    }
}

#[test]
fn one_child_reads_file_after_file_as_the_process_itself_would() {
    use lofte::isolate::{pages, pages_in_process, Format};
    lofte::isolate::use_child_process(env!("CARGO_BIN_EXE_lofte").into());
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let fixture = |name: &str| std::fs::read(fixtures.join(name)).unwrap();
    let files = [
        (Format::Pdf, fixture("good/aby.pdf")),
        (Format::Pdf, fixture("broken/truncated.pdf")),
        (Format::Docx, fixture("good/aby.docx")),
        (Format::Pdf, fixture("broken/random.pdf")),
        (Format::Docx, fixture("broken/random.docx")),
        (Format::Pdf, fixture("broken/encrypted.pdf")),
    ];
    // Three rounds, so that children are reused after good and broken files alike.
    for _ in 0..3 {
        for (format, bytes) in &files {
            assert_eq!(pages(*format, bytes), pages_in_process(*format, bytes));
        }
    }
}
