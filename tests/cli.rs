//! End-to-end tests of the `lofte` binary: the output contract, determinism across
//! thread counts, exit codes, atomic output, lexicon errors and the eval thresholds.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

#[path = "support/web_page.rs"]
mod support;
use support::web_page;

const CONTRACT: [&str; 14] = [
    "doc",
    "unit",
    "start",
    "end",
    "kind",
    "section",
    "text",
    "commitment",
    "actor",
    "actor_source",
    "actor_cue",
    "vague",
    "vague_cues",
    "anchors",
];

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus")
}

/// Runs lofte with `args` in `dir`; on a failed expectation the caller prints `describe`.
fn lofte(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lofte"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("lofte runs")
}

fn describe(args: &[&str], output: &Output) -> String {
    format!(
        "lofte {}\nexit: {:?}\nstdout:\n{}\nstderr:\n{}",
        args.join(" "),
        output.status.code(),
        String::from_utf8_lossy(&output.stdout)
            .chars()
            .take(3000)
            .collect::<String>(),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Runs lofte and checks its exit code, showing the whole run when it differs.
fn run_expecting(dir: &Path, args: &[&str], code: i32) -> Output {
    let output = lofte(dir, args);
    assert_eq!(
        output.status.code(),
        Some(code),
        "{}",
        describe(args, &output)
    );
    output
}

fn run_ok(dir: &Path, args: &[&str]) -> Output {
    run_expecting(dir, args, 0)
}

#[test]
fn extract_all_sentences_jsonl_follows_the_contract() {
    let root = corpus();
    let args = ["extract", "--all-sentences", "--format", "jsonl", "corpus/"];
    let output = run_ok(root.parent().unwrap(), &args);
    let records: Vec<serde_json::Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).expect("each line is JSON"))
        .collect();
    assert!(
        records.len() > 500,
        "expected every unit of the corpus, got {}",
        records.len()
    );
    let mut last: Option<(String, u64)> = None;
    for record in &records {
        let object = record.as_object().unwrap();
        for field in CONTRACT {
            assert!(object.contains_key(field), "missing {field} in {record}");
        }
        let doc = record["doc"].as_str().unwrap();
        assert!(
            doc.starts_with("corpus/"),
            "doc is the path as given: {doc}"
        );
        let kind = record["kind"].as_str().unwrap();
        assert!(
            ["sentence", "item", "heading", "leadin"].contains(&kind),
            "{kind}"
        );
        let unit = record["unit"].as_u64().unwrap();
        match &last {
            Some((last_doc, last_unit)) if last_doc == doc => assert_eq!(unit, last_unit + 1),
            _ => assert_eq!(unit, 1, "units are numbered from 1 in each document"),
        }
        last = Some((doc.to_string(), unit));

        // Offsets are bytes into the document and cover the unit text.
        let source = std::fs::read_to_string(root.parent().unwrap().join(doc)).unwrap();
        let (start, end) = (
            record["start"].as_u64().unwrap() as usize,
            record["end"].as_u64().unwrap() as usize,
        );
        let span = &source[start..end];
        let text = record["text"].as_str().unwrap();
        assert_eq!(
            span.chars().next(),
            text.chars().next(),
            "span {span:?} vs text {text:?}"
        );
        assert_eq!(
            span.chars().last(),
            text.chars().last(),
            "span {span:?} vs text {text:?}"
        );

        let commitment = record["commitment"].as_bool().unwrap();
        assert_eq!(record["actor"].is_null(), !commitment, "{record}");
        assert_eq!(record["vague"].is_null(), !commitment, "{record}");
        assert!(record["vague_cues"].is_array() && record["anchors"].is_array());
    }
    // The corpus holds every kind and every actor.
    for kind in ["sentence", "item", "heading", "leadin"] {
        assert!(records.iter().any(|r| r["kind"] == kind), "no {kind}");
    }
    for actor in ["police", "municipality", "both", "other", "unspecified"] {
        assert!(records.iter().any(|r| r["actor"] == actor), "no {actor}");
    }
}

#[test]
fn output_is_identical_with_one_and_two_threads() {
    let dir = corpus();
    let one = run_ok(
        &dir,
        &[
            "extract",
            "--all-sentences",
            "--format",
            "jsonl",
            "--threads",
            "1",
            ".",
        ],
    );
    let two = run_ok(
        &dir,
        &[
            "extract",
            "--all-sentences",
            "--format",
            "jsonl",
            "--threads",
            "2",
            ".",
        ],
    );
    assert!(!one.stdout.is_empty());
    assert!(
        one.stdout == two.stdout,
        "output differs between --threads 1 and --threads 2"
    );
}

#[test]
fn csv_file_output_with_summary_on_stderr() {
    let temp = tempfile::tempdir().unwrap();
    let out = temp.path().join("commitments.csv");
    let corpus = corpus();
    let args = [
        "extract",
        corpus.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ];
    let output = run_ok(temp.path(), &args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("34 documents") && stderr.contains("commitments"),
        "{stderr}"
    );
    let mut reader = csv::Reader::from_path(&out).unwrap();
    let headers: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    assert_eq!(&headers[..CONTRACT.len()], CONTRACT);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert!(rows.len() > 200);
    assert!(
        rows.iter().all(|row| &row[7] == "true"),
        "default output holds commitments only"
    );
    // Nothing else is left in the folder: the temporary file was renamed into place.
    let names: Vec<_> = std::fs::read_dir(temp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("commitments.csv")]);
}

#[test]
fn unreadable_files_are_reported_and_the_batch_goes_on() {
    let temp = tempfile::tempdir().unwrap();
    std::fs::write(
        temp.path().join("good.txt"),
        "Polisen ska besöka skolorna varje vecka.\n",
    )
    .unwrap();
    std::fs::write(
        temp.path().join("binary.txt"),
        b"\x00\x01\x02PK\x00\xff\xfe\x00\x00",
    )
    .unwrap();
    std::fs::write(temp.path().join("empty.txt"), b"").unwrap();
    let args = ["extract", "--format", "jsonl", ".", "missing.txt"];
    let output = run_expecting(temp.path(), &args, 1);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("binary.txt: not a text file"), "{stderr}");
    assert!(stderr.contains("empty.txt: the file is empty"), "{stderr}");
    assert!(
        stderr.contains("missing.txt: no such file or folder"),
        "{stderr}"
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        stdout.lines().count(),
        1,
        "the good file is still processed: {stdout}"
    );
    assert!(stdout.contains("good.txt"));
}

#[test]
fn every_encoding_of_an_agreement_gives_the_same_commitments() {
    let temp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(corpus().join("ystad-2021-medborgarlofte.txt")).unwrap();
    let utf16le: Vec<u8> = [0xff, 0xfe]
        .into_iter()
        .chain(text.encode_utf16().flat_map(|u| u.to_le_bytes()))
        .collect();
    let latin1: Vec<u8> = encoding_rs::WINDOWS_1252.encode(&text).0.into_owned();
    let mac: Vec<u8> = encoding_rs::MACINTOSH.encode(&text).0.into_owned();
    let nfd: String = text
        .replace('å', "a\u{30a}")
        .replace('ä', "a\u{308}")
        .replace('ö', "o\u{308}");
    let variants: [(&str, Vec<u8>); 5] = [
        ("utf8.txt", text.clone().into_bytes()),
        ("utf16.txt", utf16le),
        ("windows1252.txt", latin1),
        ("macroman.txt", mac),
        ("nfd.txt", nfd.into_bytes()),
    ];
    let mut outputs = Vec::new();
    for (name, bytes) in &variants {
        std::fs::write(temp.path().join(name), bytes).unwrap();
        let output = run_ok(
            temp.path(),
            &["extract", "--format", "jsonl", "--quiet", name],
        );
        let texts: Vec<String> = String::from_utf8(output.stdout)
            .unwrap()
            .lines()
            .map(|l| {
                let record: serde_json::Value = serde_json::from_str(l).unwrap();
                format!("{} {} {}", record["text"], record["actor"], record["vague"])
            })
            .collect();
        assert!(texts.len() > 10, "{name}: {texts:?}");
        outputs.push(texts);
    }
    for (idx, (name, _)) in variants.iter().enumerate().skip(1) {
        assert_eq!(
            outputs[idx], outputs[0],
            "{name} differs from the UTF-8 text"
        );
    }
}

/// The commitments of a file, as (text, actor, vague) lines.
fn commitments_of(dir: &Path, name: &str) -> Vec<String> {
    commitments_in(&run_ok(
        dir,
        &["extract", "--format", "jsonl", "--quiet", name],
    ))
}

/// The commitments an `extract --format jsonl` run wrote.
fn commitments_in(output: &Output) -> Vec<String> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| {
            let record: serde_json::Value = serde_json::from_str(l).unwrap();
            format!("{} {} {}", record["text"], record["actor"], record["vague"])
        })
        .collect()
}

#[test]
fn a_web_page_gives_the_same_commitments_as_its_text_however_deep_it_nests() {
    let temp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(corpus().join("ystad-2021-medborgarlofte.txt")).unwrap();
    std::fs::write(temp.path().join("ystad.txt"), &text).unwrap();
    let from_text = commitments_of(temp.path(), "ystad.txt");
    assert!(from_text.len() > 10);
    // 50,000 nested elements took the tree builder about 8 s; such a page is read
    // flat, and the run says so.
    for (name, depth) in [("ystad.html", 0), ("deep.html", 50_000)] {
        std::fs::write(temp.path().join(name), web_page(&text, depth)).unwrap();
        let args = ["extract", "--format", "jsonl", "--quiet", name];
        let output = run_ok(temp.path(), &args);
        assert_eq!(commitments_in(&output), from_text, "{name}");
        let warning = format!("{name}: warning: the page nests elements more than 512 deep");
        assert_eq!(
            String::from_utf8_lossy(&output.stderr).contains(&warning),
            depth > 0,
            "{}",
            describe(&args, &output)
        );
    }
}

#[test]
fn a_word_document_gives_the_same_commitments_as_its_text() {
    let temp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(corpus().join("ystad-2021-medborgarlofte.txt")).unwrap();
    // Headings get a heading style, bullets Word numbering, the rest are paragraphs.
    let mut paragraphs: Vec<String> = Vec::new();
    for block in text.split("\n\n").filter(|b| !b.trim().is_empty()) {
        let lines: Vec<&str> = block.lines().collect();
        if lines.len() == 1 && !block.trim_end().ends_with(['.', ':', '!', '?']) {
            paragraphs.push(format!("# {}", block.trim()));
        } else {
            paragraphs.extend(lines.iter().map(|l| l.to_string()));
        }
    }
    let refs: Vec<&str> = paragraphs.iter().map(String::as_str).collect();
    std::fs::write(temp.path().join("ystad.txt"), &text).unwrap();
    std::fs::write(
        temp.path().join("ystad.docx"),
        lofte::docx::build_for_tests(&refs),
    )
    .unwrap();
    // A document named .txt that is really a Word file is read as one, too.
    std::fs::write(
        temp.path().join("renamed.txt"),
        lofte::docx::build_for_tests(&refs),
    )
    .unwrap();
    let from_text = commitments_of(temp.path(), "ystad.txt");
    assert!(from_text.len() > 10);
    assert_eq!(commitments_of(temp.path(), "ystad.docx"), from_text);
    assert_eq!(commitments_of(temp.path(), "renamed.txt"), from_text);

    let broken = lofte::docx::build_for_tests(&refs);
    std::fs::write(temp.path().join("broken.docx"), &broken[..broken.len() / 3]).unwrap();
    let output = lofte(
        temp.path(),
        &["extract", "--quiet", "broken.docx", "ystad.docx"],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("broken.docx: cannot read DOCX"));
}

#[test]
fn output_never_overwrites_an_input() {
    let temp = tempfile::tempdir().unwrap();
    std::fs::write(temp.path().join("a.txt"), "Polisen ska besöka skolorna.\n").unwrap();
    let args = ["extract", "a.txt", "-o", "a.txt"];
    run_expecting(temp.path(), &args, 2);
    assert_eq!(
        std::fs::read_to_string(temp.path().join("a.txt")).unwrap(),
        "Polisen ska besöka skolorna.\n"
    );
    // A file named on the command line is read whatever its name, so an output with a
    // name no folder's walk would find (`.csv`) is still checked against it.
    std::fs::write(temp.path().join("notes.csv"), "Kommunen ska städa.\n").unwrap();
    let args = ["extract", "a.txt", "notes.csv", "-o", "notes.csv"];
    let output = run_expecting(temp.path(), &args, 2);
    assert!(String::from_utf8_lossy(&output.stderr).contains("one of the inputs"));
    assert_eq!(
        std::fs::read_to_string(temp.path().join("notes.csv")).unwrap(),
        "Kommunen ska städa.\n"
    );
    // A document found in a folder, named another way.
    std::fs::create_dir_all(temp.path().join("docs/sub")).unwrap();
    std::fs::write(
        temp.path().join("docs/b.txt"),
        "Kommunen ska tända lamporna.\n",
    )
    .unwrap();
    std::fs::write(
        temp.path().join("docs/sub/c.txt"),
        "Polisen ska patrullera.\n",
    )
    .unwrap();
    let args = ["extract", "docs", "-o", "./docs/../docs/sub/c.txt"];
    let output = run_expecting(temp.path(), &args, 2);
    assert!(String::from_utf8_lossy(&output.stderr).contains("one of the inputs"));
    assert_eq!(
        std::fs::read_to_string(temp.path().join("docs/sub/c.txt")).unwrap(),
        "Polisen ska patrullera.\n"
    );
}

#[test]
fn malformed_lexicon_fails_with_file_and_line_and_exit_2() {
    let temp = tempfile::tempdir().unwrap();
    run_ok(temp.path(), &["lexicon", "dump", "lex"]);
    let vague = temp.path().join("lex/vague.txt");
    let mut text = std::fs::read_to_string(&vague).unwrap();
    text.push_str("hedg vid tillfälle\n");
    std::fs::write(&vague, text.as_bytes()).unwrap();
    let line = text.lines().count();
    std::fs::write(temp.path().join("a.txt"), "Polisen ska besöka skolorna.\n").unwrap();
    let args = ["extract", "--lexicons", "lex", "a.txt"];
    let output = run_expecting(temp.path(), &args, 2);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("vague.txt:{line}: unknown category 'hedg'")),
        "{stderr}"
    );
}

#[test]
fn segment_reads_only_the_lexicons_segmentation_uses() {
    let temp = tempfile::tempdir().unwrap();
    run_ok(temp.path(), &["lexicon", "dump", "lex"]);
    std::fs::write(temp.path().join("a.txt"), "Polisen ska t.ex. patrullera.\n").unwrap();
    let append = |file: &str, line: &str| {
        let path = temp.path().join("lex").join(file);
        let text = std::fs::read_to_string(&path).unwrap() + line;
        std::fs::write(&path, text).unwrap();
    };
    // Faults in the files labelling reads do not stop `segment`…
    append("vague.txt", "hedg vid tillfälle\n");
    append("anchors.txt", "quantity (\n");
    let args = ["segment", "--lexicons", "lex", "a.txt"];
    let output = run_ok(temp.path(), &args);
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "Polisen ska t.ex. patrullera.\n"
    );
    // …but they stop `extract`, and a fault in actors.txt stops `segment`.
    run_expecting(temp.path(), &["extract", "--lexicons", "lex", "a.txt"], 2);
    append("actors.txt", "polis\n");
    let output = run_expecting(temp.path(), &args, 2);
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("actors.txt:"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn edited_lexicon_changes_the_labels() {
    let temp = tempfile::tempdir().unwrap();
    run_ok(temp.path(), &["lexicon", "dump", "lex"]);
    std::fs::write(
        temp.path().join("a.txt"),
        "Polisen ska finnas på plats om vädret tillåter.\n",
    )
    .unwrap();
    let before = run_ok(
        temp.path(),
        &["extract", "--format", "jsonl", "--lexicons", "lex", "a.txt"],
    );
    let record: serde_json::Value = serde_json::from_slice(&before.stdout).unwrap();
    assert_eq!(record["vague"], false);

    let vague = temp.path().join("lex/vague.txt");
    let text = std::fs::read_to_string(&vague).unwrap() + "hedge om vädret tillåter\n";
    std::fs::write(&vague, text).unwrap();
    let after = run_ok(
        temp.path(),
        &["extract", "--format", "jsonl", "--lexicons", "lex", "a.txt"],
    );
    let record: serde_json::Value = serde_json::from_slice(&after.stdout).unwrap();
    assert_eq!(record["vague"], true);
    assert_eq!(record["vague_cues"][0], "om vädret tillåter");
}

#[test]
fn eval_reports_figures_and_fails_below_a_minimum() {
    let root = corpus();
    let base = ["eval", "--gold", "corpus/gold.jsonl", "corpus/"];
    let output = run_ok(root.parent().unwrap(), &base);
    let table = String::from_utf8_lossy(&output.stdout);
    for line in [
        "segmentation  P",
        "commitment    P",
        "actor         accuracy",
        "vague         P",
    ] {
        assert!(table.contains(line), "{table}");
    }
    let json_args = [
        &base[..],
        &["--json", "--documents", "corpus/documents.gold.jsonl"],
    ]
    .concat();
    let json = run_ok(root.parent().unwrap(), &json_args);
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(report["units"]["documents"].as_array().unwrap().len(), 34);
    assert!(
        report["units"]["total"]["commitment"]["f1"]
            .as_f64()
            .unwrap()
            > 0.0
    );
    assert!(
        report["units"]["total"]["specificity"]["compared"]
            .as_u64()
            .unwrap()
            > 500
    );
    assert_eq!(report["documents"]["documents"], 34);
    assert!(report["documents"]["element_accuracy"].as_f64().unwrap() > 0.0);

    // A maximum below any real error must fail too.
    let strict_mae = [&base[..], &["--max-specificity-mae=-1"]].concat();
    let output = lofte(root.parent().unwrap(), &strict_mae);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        describe(&strict_mae, &output)
    );

    // A minimum above what any system reaches must fail with exit code 1.
    let strict = [&base[..], &["--min-commitment-f1", "1.01"]].concat();
    let output = lofte(root.parent().unwrap(), &strict);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        describe(&strict, &output)
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("commitment F1"));
}

#[test]
fn segment_prints_units_as_text_and_jsonl() {
    let temp = tempfile::tempdir().unwrap();
    std::fs::write(
        temp.path().join("a.txt"),
        "Polisens åtaganden\n\nPolisen lovar att:\n• besöka skolor\n",
    )
    .unwrap();
    let text = run_ok(temp.path(), &["segment", "a.txt"]);
    assert_eq!(
        String::from_utf8_lossy(&text.stdout),
        "Polisens åtaganden\nPolisen lovar att:\nbesöka skolor\n"
    );
    // The summary line, as `extract` writes one.
    let stderr = String::from_utf8_lossy(&text.stderr);
    assert!(
        stderr.starts_with("lofte: 1 document, 3 units, "),
        "{stderr}"
    );
    let jsonl = run_ok(temp.path(), &["segment", "--format", "jsonl", "a.txt"]);
    let kinds: Vec<String> = String::from_utf8_lossy(&jsonl.stdout)
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["kind"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(kinds, ["heading", "leadin", "item"]);
}

#[test]
fn usage_errors_exit_2_and_help_exits_0() {
    let temp = tempfile::tempdir().unwrap();
    let output = lofte(temp.path(), &["extract"]);
    assert_eq!(output.status.code(), Some(2));
    let output = lofte(temp.path(), &["extract", "--threads", "0", "x.txt"]);
    assert_eq!(
        output.status.code(),
        Some(2),
        "{}",
        describe(&["extract", "--threads", "0"], &output)
    );
    let help = run_ok(temp.path(), &["--help"]);
    assert!(String::from_utf8_lossy(&help.stdout).contains("Exit codes"));
}

#[test]
fn lexicon_check_names_file_and_line_and_fails() {
    let temp = tempfile::tempdir().unwrap();
    run_ok(temp.path(), &["lexicon", "dump", "lex"]);
    let ok = run_ok(temp.path(), &["lexicon", "check", "--lexicons", "lex"]);
    assert!(String::from_utf8_lossy(&ok.stdout).contains("0 errors, 0 warnings"));

    let actors = temp.path().join("lex/actors.txt");
    let text =
        std::fs::read_to_string(&actors).unwrap() + "polise polisen\npolice lokalpolisområdet\n";
    std::fs::write(&actors, &text).unwrap();
    let lines = text.lines().count();
    let args = ["lexicon", "check", "--lexicons", "lex"];
    let output = run_expecting(temp.path(), &args, 2);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(&format!(
            "actors.txt:{}: unknown category 'polise'",
            lines - 1
        )),
        "{stdout}"
    );
    // `lokalpolisområdet` is already matched by `lokalpolisområde*`.
    let shadowed = format!(
        "actors.txt:{}: 'lokalpolisområdet' is shadowed by 'lokalpolisområde*'",
        lines
    );
    assert!(stdout.contains(&shadowed), "{stdout}");
}

#[test]
fn eval_compare_reports_what_a_lexicon_edit_changes() {
    let temp = tempfile::tempdir().unwrap();
    run_ok(temp.path(), &["lexicon", "dump", "lex"]);
    std::fs::write(
        temp.path().join("a.txt"),
        "Polisen ska finnas på plats om vädret tillåter.\nKommunen ska ordna tre möten under våren.\n",
    )
    .unwrap();
    let gold = [
        r#"{"doc":"a.txt","text":"Polisen ska finnas på plats om vädret tillåter.","kind":"sentence","commitment":true,"actor":"police","vague":true}"#,
        r#"{"doc":"a.txt","text":"Kommunen ska ordna tre möten under våren.","kind":"sentence","commitment":true,"actor":"municipality","vague":false}"#,
    ];
    std::fs::write(temp.path().join("gold.jsonl"), gold.join("\n")).unwrap();
    let vague = temp.path().join("lex/vague.txt");
    let text = std::fs::read_to_string(&vague).unwrap() + "hedge om vädret tillåter\n";
    std::fs::write(&vague, text).unwrap();

    let args = [
        "eval",
        "--gold",
        "gold.jsonl",
        "a.txt",
        "--compare",
        "builtin",
        "lex",
    ];
    let output = run_ok(temp.path(), &args);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let vague_f1 = stdout
        .lines()
        .find(|l| l.starts_with("vague F1"))
        .expect("a vague F1 row");
    let cells: Vec<&str> = vague_f1.split_whitespace().collect();
    assert_eq!(cells[2..], ["0.000", "1.000", "+1.000"], "{stdout}");
    assert!(stdout.contains("right with B, wrong with A: 1"), "{stdout}");
    assert!(
        stdout.contains("[vague] gold true: Polisen ska finnas på plats om vädret tillåter."),
        "{stdout}"
    );
}

#[test]
fn explain_names_the_entry_that_made_a_sentence_vague() {
    let temp = tempfile::tempdir().unwrap();
    let output = run_ok(
        temp.path(),
        &["explain", "Polisen ska verka för ökad närvaro."],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("vague: true"), "{stdout}");
    let verka = stdout
        .lines()
        .find(|l| l.contains("\"verka för\"") && l.contains("counts"))
        .expect("the cue line");
    assert!(verka.contains("vague.txt:"), "{verka}");

    let json = run_ok(
        temp.path(),
        &["explain", "--json", "Polisen ska verka för ökad närvaro."],
    );
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(value[0]["vague"]["cues"][0]["words"], "verka för");
    assert!(value[0]["vague"]["cues"][0]["rule"]
        .as_str()
        .unwrap()
        .starts_with("vague.txt:"));

    std::fs::write(
        temp.path().join("a.txt"),
        "Kommunen åtar sig att:\n• ordna nattvandringar\n",
    )
    .unwrap();
    let unit = run_ok(temp.path(), &["explain", "--doc", "a.txt", "--unit", "2"]);
    let stdout = String::from_utf8_lossy(&unit.stdout);
    assert!(
        stdout.contains("actor: municipality (from leadin)"),
        "{stdout}"
    );
    let missing = lofte(temp.path(), &["explain", "--doc", "a.txt", "--unit", "9"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr)
        .contains("no unit 9; the document has units 1 to 2"));
}

/// Ctrl-C during a run removes the output being written: neither the target file nor
/// a temporary is left behind, and the exit code is 130 (interrupted).
#[cfg(unix)]
#[test]
fn an_interrupted_run_leaves_no_output_behind() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("input");
    std::fs::create_dir(&input).unwrap();
    // Enough text that the run is still writing when the signal arrives.
    for copy in 0..20 {
        for entry in std::fs::read_dir(corpus()).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|ext| ext == "txt") {
                let name = format!("{copy}-{}", path.file_name().unwrap().to_string_lossy());
                std::fs::copy(&path, input.join(name)).unwrap();
            }
        }
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_lofte"))
        .args([
            "extract",
            "input",
            "--all-sentences",
            "--threads",
            "1",
            "-o",
            "out.jsonl",
        ])
        .current_dir(dir.path())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let temporaries = |dir: &Path| -> Vec<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.starts_with(".lofte-"))
            .collect()
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while temporaries(dir.path()).is_empty() {
        assert!(
            child.try_wait().unwrap().is_none(),
            "lofte finished before it could be interrupted"
        );
        assert!(
            std::time::Instant::now() < deadline,
            "no output was started"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{status:?}");
    assert!(!dir.path().join("out.jsonl").exists());
    assert_eq!(temporaries(dir.path()), Vec::<String>::new());
}

/// `-o` names a pipe (as `/dev/null` or `/dev/stdout` are devices): the rows go into it
/// and it stays a pipe. Renaming a finished file over it, as for a regular file, would
/// replace the pipe, or the device, with a plain file.
#[cfg(unix)]
#[test]
fn output_to_a_pipe_is_written_into_the_pipe() {
    use std::io::Read;
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("rows.csv");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let mut text = String::new();
            std::fs::File::open(fifo)
                .unwrap()
                .read_to_string(&mut text)
                .unwrap();
            text
        })
    };
    let input = corpus().join("ystad-2021-medborgarlofte.txt");
    run_ok(
        dir.path(),
        &["extract", input.to_str().unwrap(), "-o", "rows.csv"],
    );
    // Checked before waiting for the reader, which would wait forever on a lost pipe.
    let kind = std::fs::symlink_metadata(&fifo).unwrap().file_type();
    assert!(kind.is_fifo(), "the pipe was replaced: {kind:?}");
    let text = reader.join().unwrap();
    let direct = run_ok(dir.path(), &["extract", input.to_str().unwrap()]);
    // The file gets a byte-order mark for spreadsheets; stdout does not.
    assert_eq!(
        text.trim_start_matches('\u{feff}'),
        String::from_utf8_lossy(&direct.stdout)
    );
    assert!(text.lines().count() > 5, "{text}");
}

/// `-o` names a link: the file it points to gets the rows and the link stays. A file
/// that is replaced keeps its permissions; a new one gets the usual ones (umask), not
/// the owner-only permissions of a temporary file.
#[cfg(unix)]
#[test]
fn output_follows_links_and_keeps_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let input = corpus().join("ystad-2021-medborgarlofte.txt");
    let input = input.to_str().unwrap();
    let real = dir.path().join("real.csv");
    std::fs::write(&real, "old").unwrap();
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o640)).unwrap();
    std::os::unix::fs::symlink("real.csv", dir.path().join("link.csv")).unwrap();
    run_ok(dir.path(), &["extract", input, "-o", "link.csv"]);
    let link = std::fs::symlink_metadata(dir.path().join("link.csv")).unwrap();
    assert!(link.file_type().is_symlink(), "the link was replaced");
    let written = std::fs::read_to_string(&real).unwrap();
    let direct = run_ok(dir.path(), &["extract", input]);
    assert_eq!(
        written.trim_start_matches('\u{feff}'),
        String::from_utf8_lossy(&direct.stdout)
    );
    let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&real), 0o640);

    run_ok(dir.path(), &["extract", input, "-o", "new.csv"]);
    let reference = dir.path().join("made-by-std.txt");
    std::fs::write(&reference, "").unwrap();
    assert_eq!(mode(&dir.path().join("new.csv")), mode(&reference));

    // A link to a file not yet made: the file is made, as the shell's `>` would.
    std::os::unix::fs::symlink("later.csv", dir.path().join("dangling.csv")).unwrap();
    run_ok(dir.path(), &["extract", input, "-o", "dangling.csv"]);
    let link = std::fs::symlink_metadata(dir.path().join("dangling.csv")).unwrap();
    assert!(link.file_type().is_symlink(), "the link was replaced");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("later.csv")).unwrap(),
        written
    );
}

#[test]
fn output_into_a_missing_folder_is_a_usage_error_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = corpus();
    let args = [
        "extract",
        corpus.to_str().unwrap(),
        "-o",
        "no-such-folder/out.csv",
    ];
    let output = run_expecting(dir.path(), &args, 2);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("no-such-folder/out.csv: the folder no-such-folder does not exist"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("documents"),
        "no document was read: {stderr}"
    );

    let args = [
        "extract",
        corpus.to_str().unwrap(),
        "-o",
        "out.csv",
        "--summary",
        "missing/summary.csv",
    ];
    let output = run_expecting(dir.path(), &args, 2);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("missing/summary.csv: the folder missing does not exist"),
        "{stderr}"
    );
    assert!(!dir.path().join("out.csv").exists(), "nothing was written");

    std::fs::create_dir(dir.path().join("a-folder")).unwrap();
    let args = ["extract", corpus.to_str().unwrap(), "-o", "a-folder"];
    let output = run_expecting(dir.path(), &args, 2);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("a-folder: is a folder"), "{stderr}");
    assert!(
        !stderr.contains("documents"),
        "no document was read: {stderr}"
    );
}
