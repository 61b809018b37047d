//! Reading: which files are documents, and their decoded text.
//!
//! Input: the paths a user gave (files and folders). Output: a sorted list of document
//! paths, then one `Document` (or a `ReadError` naming the file) per path, its text
//! decoded and normalised by `decode`.
//! Folders are walked recursively for `.txt`, `.md`, `.html`, `.htm`, `.docx` and `.pdf`
//! files (a web page is read for its visible text, see `html`; a Word document for its
//! paragraphs, see `docx`; a PDF for the text of its pages, see `pdf`); hidden files and
//! `README` files (a folder's own documentation) are skipped. A file named explicitly
//! is read whatever its extension.

use std::path::{Path, PathBuf};

use crate::model::Document;
use crate::{decode, docx, html, hugepages, isolate, pdf};

/// A document that could not be read, with its path and the reason.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {reason}")]
pub struct ReadError {
    pub path: String,
    pub reason: String,
}

/// The extensions of documents found when walking a folder.
const DOCUMENT_EXTENSIONS: [&str; 6] = ["txt", "md", "html", "htm", "docx", "pdf"];

/// The documents under the given paths, in path order and without duplicates, each as
/// it is found. A single folder is walked lazily with names sorted, which is path
/// order, so a corpus of any size costs no memory here; several inputs are gathered
/// and sorted first. Paths that do not exist and folders that cannot be walked come as
/// errors (first, when there are several inputs).
pub fn document_paths(inputs: &[PathBuf]) -> DocumentPaths {
    if let [input] = inputs {
        if input.is_dir() {
            return Box::new(walk(input.clone()));
        }
    }
    let mut paths = Vec::new();
    let mut errors = Vec::new();
    for input in inputs {
        let found: DocumentPaths = if is_stdin(input) {
            Box::new(std::iter::once(Ok(input.clone())))
        } else if input.is_dir() {
            Box::new(walk(input.clone()))
        } else if input.exists() {
            Box::new(std::iter::once(Ok(input.clone())))
        } else {
            Box::new(std::iter::once(Err(ReadError {
                path: input.display().to_string(),
                reason: "no such file or folder".into(),
            })))
        };
        for item in found {
            match item {
                Ok(path) => paths.push(path),
                Err(error) => errors.push(error),
            }
        }
    }
    paths.sort();
    paths.dedup();
    Box::new(errors.into_iter().map(Err).chain(paths.into_iter().map(Ok)))
}

/// The path `-` stands for standard input: one document, read whole.
fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// How a document is named in the output and in messages: its path, or `<stdin>`.
fn document_name(path: &Path) -> String {
    if is_stdin(path) {
        "<stdin>".to_string()
    } else {
        path.display().to_string()
    }
}

/// Document paths in order, or the reason a path could not be listed.
pub type DocumentPaths = Box<dyn Iterator<Item = Result<PathBuf, ReadError>> + Send>;

/// The documents in a folder and its subfolders, depth first with names sorted.
fn walk(folder: PathBuf) -> impl Iterator<Item = Result<PathBuf, ReadError>> + Send {
    walkdir::WalkDir::new(&folder)
        // The entries sorted together are one folder's, so their paths differ only in
        // the name: comparing the paths' bytes orders them by name, without parsing
        // each path for its name at every comparison (`sort_by_file_name` does).
        .sort_by(|a, b| a.path().as_os_str().cmp(b.path().as_os_str()))
        .into_iter()
        .filter_map(move |entry| match entry {
            Ok(entry) if entry.file_type().is_file() && is_document(entry.path()) => {
                Some(Ok(entry.into_path()))
            }
            Ok(_) => None,
            Err(err) => Some(Err(ReadError {
                path: err.path().unwrap_or(&folder).display().to_string(),
                reason: format!("cannot walk folder: {err}"),
            })),
        })
}

pub(crate) fn is_document(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    if name.starts_with('.') || name.to_lowercase().starts_with("readme") {
        return false;
    }
    path.extension()
        .and_then(|ext| ext.to_str())
        .is_some_and(|ext| DOCUMENT_EXTENSIONS.contains(&ext.to_lowercase().as_str()))
}

/// A file's bytes, like `std::fs::read`, into a buffer sized from its metadata and
/// advised for huge pages (a large document is most of a run's fresh memory). A file
/// larger than the machine's memory is refused: reading it could only end in the
/// system killing the whole run (a sparse 100 GB file did, after 30 s). The peers'
/// reference programs read with it too (`examples/peer_lines`).
pub fn read_file(path: &Path) -> std::io::Result<Vec<u8>> {
    static MEMORY: std::sync::OnceLock<Option<u64>> = std::sync::OnceLock::new();
    read_file_within(path, *MEMORY.get_or_init(physical_memory))
}

/// `read_file` on a machine with `memory` bytes, if known.
fn read_file_within(path: &Path, memory: Option<u64>) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let size = file.metadata().map_or(0, |metadata| metadata.len());
    if let Some(memory) = memory.filter(|&memory| size > memory) {
        let gb = |bytes: u64| bytes as f64 / 1e9;
        return Err(std::io::Error::new(
            std::io::ErrorKind::OutOfMemory,
            format!(
                "the file is {:.1} GB, more than this machine's {:.1} GB of memory",
                gb(size),
                gb(memory)
            ),
        ));
    }
    // One byte over, so that the read that finds the end needs no larger buffer. A size
    // the allocator cannot give is an error for this file, not an abort.
    let size_hint = usize::try_from(size).map_or(usize::MAX, |size| size.saturating_add(1));
    let mut bytes = Vec::new();
    bytes.try_reserve_exact(size_hint)?;
    hugepages::advise(&bytes);
    // Through `Take`, which reads into the room reserved here as `File`'s own
    // `read_to_end` does, without first asking the file's size and position again (two
    // system calls a document, half a million over a corpus of 270,000 files).
    file.by_ref().take(u64::MAX).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// The machine's physical memory in bytes, from `/proc/meminfo` (Linux); `None`
/// elsewhere, where no file is refused for its size.
fn physical_memory() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = meminfo.lines().find(|line| line.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kib.checked_mul(1024)
}

/// Reads one document: its bytes decoded (see `decode`: byte-order mark, `--encoding`,
/// UTF-8, UTF-16, legacy encodings) and normalised. Returns the document and any
/// warnings about its decoding.
pub fn read_document(
    path: &Path,
    encoding: Option<&str>,
) -> Result<(Document, Vec<String>), ReadError> {
    let name = document_name(path);
    let error = |reason: String| ReadError {
        path: name.clone(),
        reason,
    };
    let bytes = if is_stdin(path) {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut bytes).map(|_| bytes)
    } else {
        read_file(path)
    };
    let bytes = bytes.map_err(|err| error(format!("cannot read: {err}")))?;
    if bytes.is_empty() {
        return Err(error("the file is empty".into()));
    }
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_lowercase();
    let document = |text: String| Document {
        path: name.clone(),
        text: std::sync::Arc::new(text),
    };
    // A PDF is known by its header and a Word document by its zip container, whatever
    // the extension says; both are parsed in isolation (see `isolate`).
    let binary = if extension == "pdf" || pdf::looks_like_pdf(&bytes) {
        Some((isolate::Format::Pdf, "the PDF has no text"))
    } else if extension == "docx" || docx::looks_like_zip(&bytes) {
        Some((isolate::Format::Docx, "the Word document has no text"))
    } else {
        None
    };
    if let Some((format, no_text)) = binary {
        let pages = isolate::pages(format, &bytes).map_err(error)?;
        let text = decode::normalise(pages.join("\u{c}"));
        if text.trim().is_empty() {
            return Err(error(no_text.into()));
        }
        return Ok((document(text), Vec::new()));
    }
    let mut decoded = decode::decode(bytes, encoding).map_err(|err| error(err.to_string()))?;
    let mut warnings: Vec<String> = decoded
        .warnings
        .iter()
        .map(|warning| format!("{name}: warning: {warning} (read as {})", decoded.encoding))
        .collect();
    // A web page is read for its visible text, whatever its extension says.
    if matches!(extension.as_str(), "html" | "htm") || html::looks_like_html(&decoded.text) {
        let page = html::read_page(&decoded.text);
        warnings.extend(
            page.warning
                .map(|warning| format!("{name}: warning: {warning}")),
        );
        decoded.text = decode::normalise(page.text);
        if decoded.text.trim().is_empty() {
            return Err(error("the web page has no visible text".into()));
        }
    }
    if decoded.text.trim().is_empty() {
        return Err(error("the file is empty".into()));
    }
    Ok((document(decoded.text), warnings))
}

/// Columns an analyst wants carried into every row of a document (`--meta FILE.csv`):
/// the first column names the document (path or file name), the others are copied.
#[derive(Debug, Default, Clone)]
pub struct Metadata {
    pub columns: Vec<String>,
    rows: Vec<(String, Vec<String>)>,
}

impl Metadata {
    /// Reads a metadata CSV (`,` or `;`, with or without a byte-order mark).
    pub fn read(path: &Path) -> Result<Metadata, ReadError> {
        let error = |reason: String| ReadError {
            path: path.display().to_string(),
            reason,
        };
        let bytes = std::fs::read(path).map_err(|err| error(format!("cannot read: {err}")))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| error("not UTF-8 text; save it as CSV UTF-8".into()))?;
        let text = text.trim_start_matches('\u{feff}');
        let first_line = text.lines().next().unwrap_or("");
        let delimiter = if first_line.matches(';').count() > first_line.matches(',').count() {
            b';'
        } else {
            b','
        };
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .flexible(false)
            .from_reader(text.as_bytes());
        let header: Vec<String> = reader
            .headers()
            .map_err(|err| error(format!("cannot read the header: {err}")))?
            .iter()
            .map(|h| h.trim().to_string())
            .collect();
        if header.len() < 2 {
            return Err(error(
                "needs a first column naming the document and at least one more column".into(),
            ));
        }
        let mut rows = Vec::new();
        for (idx, record) in reader.records().enumerate() {
            let record = record.map_err(|err| error(format!("line {}: {err}", idx + 2)))?;
            let values: Vec<String> = record.iter().map(|v| v.trim().to_string()).collect();
            rows.push((values[0].replace('\\', "/"), values[1..].to_vec()));
        }
        Ok(Metadata {
            columns: header[1..].to_vec(),
            rows,
        })
    }

    /// The values for a document: matched by path, then by path suffix, then by file
    /// name; empty values when the file does not list it.
    pub fn values_for(&self, doc: &str) -> Vec<String> {
        let doc = doc.replace('\\', "/");
        let file_name = |path: &str| path.rsplit('/').next().unwrap_or(path).to_string();
        let found = self
            .rows
            .iter()
            .find(|(key, _)| *key == doc)
            .or_else(|| {
                self.rows
                    .iter()
                    .find(|(key, _)| doc.ends_with(&format!("/{key}")))
            })
            .or_else(|| {
                self.rows
                    .iter()
                    .find(|(key, _)| file_name(key) == file_name(&doc))
            });
        match found {
            Some((_, values)) => values.clone(),
            None => vec![String::new(); self.columns.len()],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_larger_than_memory_is_refused_and_a_smaller_one_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        let text = "Polisen ska patrullera i centrum. ".repeat(100);
        std::fs::write(&path, &text).unwrap();
        let len = text.len() as u64;
        let err = read_file_within(&path, Some(len - 1)).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::OutOfMemory);
        assert!(
            err.to_string().contains("more than this machine's"),
            "{err}"
        );
        for memory in [Some(len), Some(u64::MAX), None] {
            assert_eq!(read_file_within(&path, memory).unwrap(), text.as_bytes());
        }
        // The machine's own figure: this test machine has more than a few megabytes.
        if cfg!(target_os = "linux") {
            assert!(physical_memory().is_some_and(|bytes| bytes > 64 << 20));
        }
    }

    #[test]
    fn walks_folders_sorted_and_skips_readme_and_other_files() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "b.txt",
            "a.md",
            "README.md",
            ".hidden.txt",
            "gold.jsonl",
            "sub/c.TXT",
        ] {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "Text.").unwrap();
        }
        let (paths, errors): (Vec<_>, Vec<_>) =
            document_paths(&[dir.path().to_path_buf(), dir.path().join("missing.txt")])
                .partition(Result::is_ok);
        let paths: Vec<PathBuf> = paths.into_iter().map(Result::unwrap).collect();
        let errors: Vec<ReadError> = errors.into_iter().map(Result::unwrap_err).collect();
        let names: Vec<String> = paths
            .iter()
            .map(|p| p.strip_prefix(dir.path()).unwrap().display().to_string())
            .collect();
        assert_eq!(names, ["a.md", "b.txt", "sub/c.TXT"]);
        assert_eq!(errors.len(), 1);
        assert!(errors[0]
            .to_string()
            .ends_with("missing.txt: no such file or folder"));
    }

    #[test]
    fn a_folder_walked_lazily_comes_in_the_same_order_as_its_paths_sorted() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "b.txt", "b/x.txt", "b-c.txt", "b/a/z.md", "a b.txt", "B.txt", "b0/y.txt", "ä.txt",
            "10.txt", "9.txt",
        ] {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "Text.").unwrap();
        }
        let walked: Vec<PathBuf> = document_paths(&[dir.path().to_path_buf()])
            .map(Result::unwrap)
            .collect();
        let mut sorted = walked.clone();
        sorted.sort();
        assert_eq!(walked.len(), 10);
        assert_eq!(walked, sorted);
        // Two inputs take the gathering path; the order is the same.
        let gathered: Vec<PathBuf> =
            document_paths(&[dir.path().join("b"), dir.path().to_path_buf()])
                .map(Result::unwrap)
                .collect();
        assert_eq!(gathered, sorted);
    }

    #[test]
    fn metadata_rows_match_by_path_or_file_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("meta.csv");
        std::fs::write(
            &path,
            "\u{feff}doc;län;granskare\nystad.txt;Skåne;Eva\ncorpus/bjuv.txt;Skåne;Per\n",
        )
        .unwrap();
        let meta = Metadata::read(&path).unwrap();
        assert_eq!(meta.columns, ["län", "granskare"]);
        assert_eq!(meta.values_for("corpus/ystad.txt"), ["Skåne", "Eva"]);
        assert_eq!(meta.values_for("/data/corpus/bjuv.txt"), ["Skåne", "Per"]);
        assert_eq!(meta.values_for("lund.txt"), ["", ""]);
    }

    #[test]
    fn rejects_binary_and_empty_files_and_decodes_legacy_text() {
        let dir = tempfile::tempdir().unwrap();
        let cases = [
            ("bin.txt", &b"ab\0cd\0\xff"[..], "NUL bytes"),
            ("empty.txt", &b"  \n"[..], "the file is empty"),
        ];
        for (name, bytes, reason) in cases {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).unwrap();
            let err = read_document(&path, None).unwrap_err();
            assert!(err.to_string().contains(reason), "{err}");
            assert!(err.to_string().contains(name), "{err}");
        }
        let latin1 = dir.path().join("latin1.txt");
        std::fs::write(&latin1, b"Polisen \xe5tar sig att \xf6ka n\xe4rvaron.").unwrap();
        assert_eq!(
            *read_document(&latin1, None).unwrap().0.text,
            "Polisen åtar sig att öka närvaron."
        );
        let bom = dir.path().join("bom.txt");
        std::fs::write(&bom, b"\xef\xbb\xbfPolisen ska.").unwrap();
        assert_eq!(*read_document(&bom, None).unwrap().0.text, "Polisen ska.");
        let unknown = read_document(&bom, Some("klingon")).unwrap_err();
        assert!(
            unknown.to_string().contains("unknown encoding 'klingon'"),
            "{unknown}"
        );
    }
}
