//! Parsing the binary formats (PDF, DOCX) where a damaged or hostile file cannot take
//! the batch down.
//!
//! Parsers of these formats crash in ways `catch_unwind` cannot stop (a stack overflow
//! on a self-referencing PDF object) and can be made to allocate without bound (a zip
//! bomb). So the binary registers itself (`use_child_process`) and each such file is
//! parsed by `lofte read-isolated --as FORMAT` (hidden), a child process that reads the
//! file's bytes from its standard input and caps its own address space; the parent
//! kills it after a time limit. Library users
//! without that binary get the same parse in-process, with panics caught.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::{docx, pdf};

/// How long one file may take to parse.
pub const TIME_LIMIT: Duration = Duration::from_secs(60);
/// The address space the parsing child may use. It stands for about 2 GB of memory:
/// the allocator (mimalloc) maps about twice the address space of what it uses on the
/// largest inputs (one 100 MB text: 0.55 GB resident, 2.0–2.4 GB of address space,
/// where the system allocator needed 1.0–1.2 GB).
pub const MEMORY_LIMIT_BYTES: u64 = 4 << 30;

/// A format parsed in isolation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Pdf,
    Docx,
}

impl Format {
    fn name(self) -> &'static str {
        match self {
            Format::Pdf => "pdf",
            Format::Docx => "docx",
        }
    }
}

/// The executable that parses in a child process, when set.
static HELPER: OnceLock<PathBuf> = OnceLock::new();

/// Makes `pages` parse in a child process running `exe read-isolated …`.
pub fn use_child_process(exe: PathBuf) {
    let _ = HELPER.set(exe);
}

/// The text of a file's bytes, page by page (a DOCX is one page), or why there is none.
pub fn pages(format: Format, bytes: &[u8]) -> Result<Vec<String>, String> {
    match HELPER.get() {
        Some(exe) => pages_in_child(exe, format, bytes, TIME_LIMIT),
        None => pages_in_process(format, bytes),
    }
}

/// Parses in this process, turning a parser panic into an error.
pub fn pages_in_process(format: Format, bytes: &[u8]) -> Result<Vec<String>, String> {
    let parse = || match format {
        Format::Pdf => pdf::pages(bytes),
        Format::Docx => docx::text_of(bytes).map(|text| vec![text]),
    };
    match std::panic::catch_unwind(parse) {
        Ok(result) => result,
        Err(_) => Err(format!(
            "damaged {}: the parser failed on it",
            format.name().to_uppercase()
        )),
    }
}

/// What the child prints on stdout: the pages, or why there are none.
#[derive(serde::Serialize, serde::Deserialize)]
enum ChildAnswer {
    Pages(Vec<String>),
    Error(String),
}

/// The body of `lofte read-isolated --as FORMAT`: caps this process's memory, reads the
/// file's bytes from standard input, parses, and prints the answer as JSON.
pub fn child_main(format: Format) -> std::io::Result<()> {
    #[cfg(unix)]
    let _ = rlimit::setrlimit(rlimit::Resource::AS, MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES);
    // Keep the parser's panic messages out of lofte's stderr; the answer says it all.
    std::panic::set_hook(Box::new(|_| {}));
    let mut bytes = Vec::new();
    let answer = match std::io::stdin().lock().read_to_end(&mut bytes) {
        Ok(_) => match pages_in_process(format, &bytes) {
            Ok(pages) => ChildAnswer::Pages(pages),
            Err(reason) => ChildAnswer::Error(reason),
        },
        Err(err) => ChildAnswer::Error(format!("cannot read: {err}")),
    };
    let stdout = std::io::stdout();
    serde_json::to_writer(stdout.lock(), &answer)?;
    Ok(())
}

fn pages_in_child(
    exe: &Path,
    format: Format,
    bytes: &[u8],
    time_limit: Duration,
) -> Result<Vec<String>, String> {
    let kind = format.name().to_uppercase();
    // The parent has read the file already (to know its format), so the child gets the
    // bytes on its standard input rather than reading the file a second time; that way
    // standard input (`lofte extract -`) works too.
    let mut child = Command::new(exe)
        .args(["read-isolated", "--as", format.name()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|err| format!("cannot start the {kind} reader: {err}"))?;
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let mut stdout = child.stdout.take().expect("stdout is piped");
    std::thread::scope(|scope| {
        // Both pipes on threads, so that neither a large file nor a large answer can
        // block on a full pipe while the time limit runs. A child that dies without
        // reading all of its input is reported by its exit status, not by this write.
        scope.spawn(move || {
            let _ = stdin.write_all(bytes);
        });
        // The answer ends when the child closes its output, which it does by exiting;
        // waiting on that, rather than polling for the exit, lets a parse that takes
        // 3 ms take 3 ms and not the polling interval.
        let (answer_tx, answer_rx) = mpsc::channel();
        scope.spawn(move || {
            let mut answer = Vec::new();
            let _ = answer_tx.send(stdout.read_to_end(&mut answer).map(|_| answer));
        });
        let deadline = Instant::now() + time_limit;
        let timed_out = || {
            format!(
                "the {kind} took longer than {} s to parse; it is probably damaged",
                time_limit.as_secs_f32()
            )
        };
        let answer =
            match answer_rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(answer) => answer,
                Err(lost) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(match lost {
                        RecvTimeoutError::Timeout => timed_out(),
                        RecvTimeoutError::Disconnected => {
                            format!("the {kind} reader's output was lost")
                        }
                    });
                }
            };
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if Instant::now() >= deadline => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(timed_out());
                }
                Ok(None) => std::thread::sleep(Duration::from_micros(100)),
                Err(err) => return Err(format!("cannot wait for the {kind} reader: {err}")),
            }
        };
        let answer =
            answer.map_err(|err| format!("cannot read the {kind} reader's output: {err}"))?;
        if !status.success() {
            return Err(format!(
                "damaged {kind}: the parser crashed on it ({})",
                describe_exit(status)
            ));
        }
        match serde_json::from_slice(&answer) {
            Ok(ChildAnswer::Pages(pages)) => Ok(pages),
            Ok(ChildAnswer::Error(reason)) => Err(reason),
            Err(err) => Err(format!("the {kind} reader gave no usable answer: {err}")),
        }
    })
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

    /// A stand-in for the child: a shell script doing what a failing parser does.
    #[cfg(unix)]
    fn fake_reader(dir: &Path, name: &str, body: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let exe = dir.join(name);
        std::fs::write(&exe, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
        exe
    }

    #[cfg(unix)]
    #[test]
    fn a_crashing_or_hanging_parser_is_an_error_not_a_crash() {
        let dir = tempfile::tempdir().unwrap();
        let crash = fake_reader(dir.path(), "crash", "kill -SEGV $$");
        let reason = pages_in_child(&crash, Format::Pdf, b"%PDF", TIME_LIMIT).unwrap_err();
        assert!(
            reason.contains("damaged PDF") && reason.contains("signal 11"),
            "{reason}"
        );

        let hang = fake_reader(dir.path(), "hang", "exec sleep 30");
        let started = Instant::now();
        let reason =
            pages_in_child(&hang, Format::Docx, b"PK", Duration::from_millis(200)).unwrap_err();
        assert!(reason.contains("DOCX took longer than 0.2 s"), "{reason}");
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the child was killed"
        );

        // Its output closed, the child still has to exit within the limit.
        let quiet_hang = fake_reader(dir.path(), "quiet-hang", "exec 1>&-\nexec sleep 30");
        let started = Instant::now();
        let reason = pages_in_child(
            &quiet_hang,
            Format::Pdf,
            b"%PDF",
            Duration::from_millis(200),
        )
        .unwrap_err();
        assert!(reason.contains("PDF took longer than 0.2 s"), "{reason}");
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the child was killed"
        );

        let answer = fake_reader(
            dir.path(),
            "answer",
            r#"echo '{"Pages":["Polisen ska patrullera."]}'"#,
        );
        let pages = pages_in_child(&answer, Format::Pdf, b"%PDF", TIME_LIMIT).unwrap();
        assert_eq!(pages, vec!["Polisen ska patrullera.".to_string()]);
    }

    #[test]
    fn broken_bytes_are_an_error_in_process_too() {
        assert!(pages_in_process(Format::Docx, b"not a zip").is_err());
        assert!(pages_in_process(Format::Pdf, b"%PDF-1.4\n1 0 obj").is_err());
    }
}
