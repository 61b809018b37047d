//! Reading PDF: the text of each page, joined with form feeds (page breaks) so that
//! segmentation drops page furniture and numbers each unit's page.
//!
//! PDF parsers crash on damaged files in ways `catch_unwind` cannot stop (a stack
//! overflow on a self-referencing object), and a crafted file can make them allocate
//! without bound. So the binary parses each PDF in a child process of itself
//! (`lofte read-pdf FILE`, hidden) that caps its own address space, and the parent
//! kills it after a time limit. Library users without that binary get the same parse
//! in-process, with panics caught.
//!
//! The parser (pdf-extract, on lopdf) joins nothing across lines, so the Swedish-aware
//! de-hyphenation of `segment` still applies. A PDF from which no character comes out
//! is a failure with a reason: encrypted, or a scanned image without a text layer.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// How long one PDF may take to parse.
pub const TIME_LIMIT: Duration = Duration::from_secs(60);
/// The address space the parsing child may use.
pub const MEMORY_LIMIT_BYTES: u64 = 2 << 30;

/// The executable that parses PDFs in a child process (`lofte read-pdf`), when set.
static HELPER: OnceLock<PathBuf> = OnceLock::new();

/// Makes `text_of` parse in a child process running `exe read-pdf FILE`.
pub fn use_child_process(exe: PathBuf) {
    let _ = HELPER.set(exe);
}

/// True when the bytes start like a PDF file, whatever the extension says.
pub fn looks_like_pdf(bytes: &[u8]) -> bool {
    bytes.len() > 5
        && bytes[..1024.min(bytes.len())]
            .windows(5)
            .any(|w| w == b"%PDF-")
}

/// The text of a PDF, pages separated by form feeds; an error says why there is none.
pub fn text_of(path: &Path, bytes: &[u8]) -> Result<String, String> {
    let pages = match HELPER.get() {
        Some(exe) => pages_in_child(exe, path, TIME_LIMIT)?,
        None => pages_in_process(bytes)?,
    };
    Ok(pages.join("\u{c}"))
}

/// Parses in this process, turning a parser panic into an error.
pub fn pages_in_process(bytes: &[u8]) -> Result<Vec<String>, String> {
    match std::panic::catch_unwind(|| parse_pages(bytes)) {
        Ok(result) => result,
        Err(_) => Err("damaged PDF: the PDF parser failed on it".into()),
    }
}

fn parse_pages(bytes: &[u8]) -> Result<Vec<String>, String> {
    let mut document = pdf_extract::Document::load_mem(bytes)
        .map_err(|err| format!("damaged PDF: cannot parse it ({err})"))?;
    // Files protected only by an owner password open with the empty user password.
    if document.is_encrypted() && document.decrypt("").is_err() {
        return Err("encrypted PDF: it needs a password to open".into());
    }
    let pages = pdf_extract::extract_text_from_mem_by_pages(bytes)
        .map_err(|err| format!("damaged PDF: cannot extract its text ({err})"))?;
    if pages.iter().all(|page| page.trim().is_empty()) {
        return Err(if document.was_encrypted() {
            "encrypted PDF: no text could be extracted".into()
        } else {
            "no text in the PDF: a scanned image without a text layer (lofte does not do OCR), or empty pages".into()
        });
    }
    Ok(pages)
}

/// What the child prints on stdout: the pages, or why there are none.
#[derive(serde::Serialize, serde::Deserialize)]
enum ChildAnswer {
    Pages(Vec<String>),
    Error(String),
}

/// The body of `lofte read-pdf FILE`: caps this process's memory, parses, and prints
/// the answer as JSON.
pub fn child_main(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    let _ = rlimit::setrlimit(rlimit::Resource::AS, MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES);
    // Keep the parser's panic messages out of lofte's stderr; the answer says it all.
    std::panic::set_hook(Box::new(|_| {}));
    let answer = match std::fs::read(path) {
        Ok(bytes) => match pages_in_process(&bytes) {
            Ok(pages) => ChildAnswer::Pages(pages),
            Err(reason) => ChildAnswer::Error(reason),
        },
        Err(err) => ChildAnswer::Error(format!("cannot read: {err}")),
    };
    let stdout = std::io::stdout();
    serde_json::to_writer(stdout.lock(), &answer)?;
    Ok(())
}

fn pages_in_child(exe: &Path, path: &Path, time_limit: Duration) -> Result<Vec<String>, String> {
    let mut child = Command::new(exe)
        .arg("read-pdf")
        .arg(path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|err| format!("cannot start the PDF reader: {err}"))?;
    // Read stdout on a thread so a large answer cannot block the child on a full pipe.
    let mut stdout = child.stdout.take().expect("stdout is piped");
    let reader = std::thread::spawn(move || {
        let mut answer = Vec::new();
        stdout.read_to_end(&mut answer).map(|_| answer)
    });
    let deadline = Instant::now() + time_limit;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "the PDF took longer than {} s to parse; it is probably damaged",
                    time_limit.as_secs_f32()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(err) => return Err(format!("cannot wait for the PDF reader: {err}")),
        }
    };
    let answer = reader
        .join()
        .map_err(|_| "the PDF reader's output was lost".to_string())?
        .map_err(|err| format!("cannot read the PDF reader's output: {err}"))?;
    if !status.success() {
        return Err(format!(
            "damaged PDF: the PDF parser crashed on it ({})",
            describe_exit(status)
        ));
    }
    match serde_json::from_slice(&answer) {
        Ok(ChildAnswer::Pages(pages)) => Ok(pages),
        Ok(ChildAnswer::Error(reason)) => Err(reason),
        Err(err) => Err(format!("the PDF reader gave no usable answer: {err}")),
    }
}

fn describe_exit(status: std::process::ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return format!("killed by signal {signal}; out of memory or stack");
        }
    }
    match status.code() {
        Some(code) => format!("exit code {code}"),
        None => "no exit code".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_pdf_by_its_header() {
        assert!(looks_like_pdf(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj"));
        assert!(!looks_like_pdf(b"Polisen ska patrullera."));
    }

    #[test]
    fn garbage_after_a_pdf_header_is_a_damaged_pdf() {
        let reason = pages_in_process(b"%PDF-1.4\nthis is not a pdf at all").unwrap_err();
        assert!(reason.starts_with("damaged PDF"), "{reason}");
    }

    /// A stand-in for the child: a shell script doing what a failing parser does.
    #[cfg(unix)]
    fn fake_reader(dir: &Path, body: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let exe = dir.join("fake-lofte");
        std::fs::write(&exe, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
        exe
    }

    #[cfg(unix)]
    #[test]
    fn a_crashing_or_hanging_parser_is_an_error_not_a_crash() {
        let dir = tempfile::tempdir().unwrap();
        let file = Path::new("agreement.pdf");
        let crash = fake_reader(dir.path(), "kill -SEGV $$");
        let reason = pages_in_child(&crash, file, TIME_LIMIT).unwrap_err();
        assert!(
            reason.contains("crashed") && reason.contains("signal 11"),
            "{reason}"
        );

        let hang = fake_reader(dir.path(), "exec sleep 30");
        let started = Instant::now();
        let reason = pages_in_child(&hang, file, Duration::from_millis(200)).unwrap_err();
        assert!(reason.contains("longer than 0.2 s"), "{reason}");
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the child was killed"
        );

        let answer = fake_reader(
            dir.path(),
            r#"echo '{"Pages":["Polisen ska patrullera."]}'"#,
        );
        let pages = pages_in_child(&answer, file, TIME_LIMIT).unwrap();
        assert_eq!(pages, vec!["Polisen ska patrullera.".to_string()]);
    }
}
