//! Parsing the binary formats (PDF, DOCX) where a damaged or hostile file cannot take
//! the batch down.
//!
//! Parsers of these formats crash in ways `catch_unwind` cannot stop (a stack overflow
//! on a self-referencing PDF object) and can be made to allocate without bound (a zip
//! bomb). So the binary registers itself (`use_child_process`) and such files are
//! parsed by `lofte read-isolated` (hidden), a child process that caps its own address
//! space and answers one file after another: a line `FORMAT LENGTH` and the file's
//! bytes on its standard input, one line of JSON on its standard output. The parent
//! kills it after a time limit; a child that crashed, took too long or hit a parser
//! panic is not used again, and a child is retired after `FILES_PER_CHILD` files or
//! one large file (`LARGE_FILE_BYTES`).
//! Keeping children saves each file the start of a process (about 3 ms here). Library
//! users without that binary get the same parse in-process, with panics caught.

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::{docx, pdf};

/// How long one file may take to parse.
pub const TIME_LIMIT: Duration = Duration::from_secs(60);
/// The address space the parsing child may use. It stands for about 2 GB of memory:
/// the allocator (mimalloc) maps about twice the address space of what it uses on the
/// largest inputs (one 100 MB text: 0.55 GB resident, 2.0–2.4 GB of address space,
/// where the system allocator needed 1.0–1.2 GB).
pub const MEMORY_LIMIT_BYTES: u64 = 4 << 30;
/// How many files a child parses before it is retired, so that whatever a parser
/// leaves behind in memory cannot pile up over a long batch.
pub const FILES_PER_CHILD: usize = 64;
/// A child that has parsed a file this large is retired too, so that it does not keep
/// the memory of such a file while it waits.
pub const LARGE_FILE_BYTES: usize = 8 << 20;

/// A format parsed in isolation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

    fn from_name(name: &str) -> Option<Format> {
        match name {
            "pdf" => Some(Format::Pdf),
            "docx" => Some(Format::Docx),
            _ => None,
        }
    }
}

/// The executable that parses in a child process, when set.
static HELPER: OnceLock<PathBuf> = OnceLock::new();

/// Children waiting for their next file, with the executable each runs.
static IDLE: Mutex<Vec<(PathBuf, Worker)>> = Mutex::new(Vec::new());

/// Makes `pages` parse in a child process running `exe read-isolated`.
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
        Err(_) => Err(panic_reason(format)),
    }
}

fn panic_reason(format: Format) -> String {
    format!(
        "damaged {}: the parser failed on it",
        format.name().to_uppercase()
    )
}

/// What the child prints for each file: the pages, or why there are none.
#[derive(serde::Serialize, serde::Deserialize)]
enum ChildAnswer {
    Pages(Vec<String>),
    Error(String),
}

/// The body of `lofte read-isolated`: caps this process's memory, then answers each
/// file on standard input (a line `FORMAT LENGTH`, then LENGTH bytes) with one line of
/// JSON, until standard input ends.
pub fn child_main() -> std::io::Result<()> {
    #[cfg(unix)]
    let _ = rlimit::setrlimit(rlimit::Resource::AS, MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES);
    // Keep the parser's panic messages out of lofte's stderr; the answer says it all.
    std::panic::set_hook(Box::new(|_| {}));
    let mut input = std::io::stdin().lock();
    let mut output = std::io::stdout().lock();
    let mut header = String::new();
    loop {
        header.clear();
        if input.read_line(&mut header)? == 0 {
            return Ok(());
        }
        let request = header
            .trim_end()
            .split_once(' ')
            .and_then(|(name, length)| {
                Some((Format::from_name(name)?, length.parse::<u64>().ok()?))
            });
        let Some((format, length)) = request else {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("not a request: {header:?}"),
            ));
        };
        let mut bytes = Vec::new();
        (&mut input).take(length).read_to_end(&mut bytes)?;
        let answer = match pages_in_process(format, &bytes) {
            Ok(pages) => ChildAnswer::Pages(pages),
            Err(reason) => ChildAnswer::Error(reason),
        };
        drop(bytes);
        serde_json::to_writer(&mut output, &answer)?;
        output.write_all(b"\n")?;
        output.flush()?;
    }
}

/// A running `lofte read-isolated`.
struct Worker {
    child: Child,
    stdin: ChildStdin,
    /// The child's answer lines, read by a thread of their own so that waiting for one
    /// can time out; the channel closes when the child's output does.
    answers: Receiver<std::io::Result<Vec<u8>>>,
    files: usize,
}

/// How a child failed a file.
enum Failure {
    /// It did not answer within the time limit.
    TimedOut,
    /// It ended without answering.
    Ended(std::process::ExitStatus),
    /// Its answer could not be had or read.
    Broken(String),
}

impl Worker {
    fn start(exe: &Path) -> std::io::Result<Worker> {
        let spawn = || {
            Command::new(exe)
                .arg("read-isolated")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
        };
        // An executable that another thread's child still holds open for writing
        // (between that child's fork and exec) cannot be started for a moment.
        let mut tries = 0;
        let mut child = loop {
            match spawn() {
                Err(err) if err.kind() == ErrorKind::ExecutableFileBusy && tries < 100 => {
                    tries += 1;
                    std::thread::sleep(Duration::from_millis(10));
                }
                started => break started?,
            }
        };
        let stdin = child.stdin.take().expect("stdin is piped");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout is piped"));
        let (sender, answers) = mpsc::channel();
        std::thread::spawn(move || loop {
            let mut line = Vec::new();
            match stdout.read_until(b'\n', &mut line) {
                Ok(0) => return,
                Ok(_) => {
                    if sender.send(Ok(line)).is_err() {
                        return;
                    }
                }
                Err(err) => {
                    let _ = sender.send(Err(err));
                    return;
                }
            }
        });
        Ok(Worker {
            child,
            stdin,
            answers,
            files: 0,
        })
    }

    /// Has the child ended (between files, a child only ends when something is wrong)?
    fn has_ended(&mut self) -> bool {
        !matches!(self.child.try_wait(), Ok(None))
    }

    /// Sends one file and waits for the child's answer.
    fn ask(
        &mut self,
        format: Format,
        bytes: &[u8],
        time_limit: Duration,
    ) -> Result<ChildAnswer, Failure> {
        let deadline = Instant::now() + time_limit;
        self.files += 1;
        let header = format!("{} {}\n", format.name(), bytes.len());
        let (stdin, answers, child) = (&mut self.stdin, &self.answers, &mut self.child);
        std::thread::scope(|scope| {
            // The file is written on a thread of its own, so that a child that stops
            // reading cannot hold the parent past the time limit (killing the child
            // ends the write).
            let writer = scope.spawn(move || {
                stdin.write_all(header.as_bytes())?;
                stdin.write_all(bytes)?;
                stdin.flush()
            });
            let answer = answers.recv_timeout(deadline.saturating_duration_since(Instant::now()));
            let outcome = match answer {
                Ok(Ok(line)) => Ok(line),
                Ok(Err(err)) => Err(Failure::Broken(err.to_string())),
                Err(RecvTimeoutError::Timeout) => Err(Failure::TimedOut),
                // The output ended: the child is ending; one that closed its output but
                // goes on is stopped at the time limit.
                Err(RecvTimeoutError::Disconnected) => match wait_until(child, deadline) {
                    Some(status) => Err(Failure::Ended(status)),
                    None => Err(Failure::TimedOut),
                },
            };
            if outcome.is_err() {
                let _ = child.kill();
            }
            // A write that failed shows in the answer: none, and the child's status.
            let _ = writer.join();
            let line = outcome?;
            serde_json::from_slice(&line).map_err(|err| Failure::Broken(err.to_string()))
        })
    }

    /// Ends the child and collects its exit, so that no process is left behind.
    fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The child's exit status, if it ends before `deadline`.
fn wait_until(child: &mut Child, deadline: Instant) -> Option<std::process::ExitStatus> {
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_micros(100));
            }
            _ => return None,
        }
    }
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
    let mut worker = match take_idle(exe) {
        Some(worker) => worker,
        None => {
            Worker::start(exe).map_err(|err| format!("cannot start the {kind} reader: {err}"))?
        }
    };
    match worker.ask(format, bytes, time_limit) {
        Ok(answer) => {
            let parser_panicked =
                matches!(&answer, ChildAnswer::Error(reason) if *reason == panic_reason(format));
            if parser_panicked || worker.files >= FILES_PER_CHILD || bytes.len() >= LARGE_FILE_BYTES
            {
                worker.stop();
            } else {
                put_idle(exe, worker);
            }
            match answer {
                ChildAnswer::Pages(pages) => Ok(pages),
                ChildAnswer::Error(reason) => Err(reason),
            }
        }
        Err(failure) => {
            worker.stop();
            Err(match failure {
                Failure::TimedOut => format!(
                    "the {kind} took longer than {} s to parse; it is probably damaged",
                    time_limit.as_secs_f32()
                ),
                Failure::Ended(status) if !status.success() => format!(
                    "damaged {kind}: the parser crashed on it ({})",
                    describe_exit(status)
                ),
                Failure::Ended(_) => format!("the {kind} reader ended without an answer"),
                Failure::Broken(reason) => {
                    format!("the {kind} reader gave no usable answer: {reason}")
                }
            })
        }
    }
}

/// A waiting child that runs `exe` and is still alive, if there is one.
fn take_idle(exe: &Path) -> Option<Worker> {
    let mut idle = IDLE.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    while let Some(at) = idle.iter().position(|(path, _)| path == exe) {
        let (_, mut worker) = idle.swap_remove(at);
        if !worker.has_ended() {
            return Some(worker);
        }
        worker.stop();
    }
    None
}

fn put_idle(exe: &Path, worker: Worker) {
    let mut idle = IDLE.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    idle.push((exe.to_path_buf(), worker));
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

    /// A child that answers each file with its number in the child's life, crashes on
    /// a file that says `crash`, and reports a parser panic on one that says `panic`.
    #[cfg(unix)]
    const COUNTING_READER: &str = r#"n=0
while read -r kind length; do
  body=$(head -c "$length")
  n=$((n+1))
  [ "$body" = crash ] && kill -SEGV $$
  if [ "$body" = panic ]; then
    echo '{"Error":"damaged PDF: the parser failed on it"}'
  else
    echo "{\"Pages\":[\"$kind file $n of $length bytes\"]}"
  fi
done"#;

    #[cfg(unix)]
    #[test]
    fn a_child_reads_file_after_file_until_it_fails_or_is_retired() {
        let dir = tempfile::tempdir().unwrap();
        let exe = fake_reader(dir.path(), "counting", COUNTING_READER);
        let ask = |bytes: &[u8]| pages_in_child(&exe, Format::Pdf, bytes, TIME_LIMIT);
        let page = |text: &str| Ok(vec![text.to_string()]);
        // The same child answers, and gets each file's bytes whole.
        assert_eq!(ask(b"%PDF-1"), page("pdf file 1 of 6 bytes"));
        assert_eq!(ask(&[b'x'; 100_000]), page("pdf file 2 of 100000 bytes"));
        assert_eq!(
            pages_in_child(&exe, Format::Docx, b"PK", TIME_LIMIT),
            page("docx file 3 of 2 bytes")
        );
        // A crash is the file's error, and the next file gets a new child.
        let reason = ask(b"crash").unwrap_err();
        assert!(
            reason.contains("crashed") && reason.contains("signal 11"),
            "{reason}"
        );
        assert_eq!(ask(b"%PDF-2"), page("pdf file 1 of 6 bytes"));
        // So does a parser panic, which the child survives but may have been hurt by.
        assert_eq!(ask(b"panic"), Err(panic_reason(Format::Pdf)));
        assert_eq!(ask(b"%PDF-3"), page("pdf file 1 of 6 bytes"));
        // A child that parsed a large file is retired, so as not to keep its memory.
        assert_eq!(ask(b"%PDF-6"), page("pdf file 2 of 6 bytes"));
        let large = vec![b'x'; LARGE_FILE_BYTES];
        let answer = format!("pdf file 3 of {LARGE_FILE_BYTES} bytes");
        assert_eq!(ask(&large), page(&answer));
        assert_eq!(ask(b"%PDF-3"), page("pdf file 1 of 6 bytes"));
        // A child is retired after its share of files.
        for n in 2..=FILES_PER_CHILD {
            assert_eq!(ask(b"%PDF-4"), page(&format!("pdf file {n} of 6 bytes")));
        }
        assert_eq!(ask(b"%PDF-5"), page("pdf file 1 of 6 bytes"));
    }

    #[test]
    fn broken_bytes_are_an_error_in_process_too() {
        assert!(pages_in_process(Format::Docx, b"not a zip").is_err());
        assert!(pages_in_process(Format::Pdf, b"%PDF-1.4\n1 0 obj").is_err());
    }
}
