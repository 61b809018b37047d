//! The command line: flags, files, stderr and the outcome of each command.
//!
//! Input: parsed arguments. Output: files or stdout, messages on stderr, and an
//! `Outcome` that `main` turns into an exit code. Only this module and `main` know about
//! flags and exit codes; the library stages never print.

use std::collections::BTreeMap;
use std::io::{self, BufWriter, Write};
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};

use crate::eval;
use crate::explain;
use crate::lexicon::{self, Lexicons, Scope};
use crate::model::{LabelledDocument, UnitKind};
use crate::ordered;
use crate::output::{self, Cell, CsvOptions, Format, RecordWriter};
use crate::pipeline;
use crate::profile::{self, DocumentProfile, Identity};
use crate::read::{self, Metadata, ReadError};
use crate::segment;
use crate::segset;
use crate::xlsx;

const ABOUT: &str = "Find the commitments in Swedish crime-prevention agreements \
(medborgarlöften, samverkansöverenskommelser), say who took each one on, and flag the vague ones.";

const AFTER_HELP: &str = "Examples:
  lofte extract corpus/ -o commitments.csv          commitments of every agreement in a folder
  lofte extract --all-sentences --format jsonl a.txt every unit, as JSON Lines on stdout
  lofte segment corpus/ystad-2021-medborgarlofte.txt one unit per line
  lofte eval --gold corpus/gold.jsonl corpus/        accuracy against hand-made labels
  lofte eval --segset sv.segset.jsonl                sentence-boundary F1 on running text
  lofte explain 'Polisen ska verka för ökad närvaro.' why a sentence got its labels
  lofte explain --doc a.txt --unit 12                why unit 12 of a document did
  lofte lexicon dump my-lexicons/                   copy the word lists to edit them
  lofte lexicon check --lexicons my-lexicons/        find mistakes in edited lists

Exit codes: 0 all went well, 1 some files could not be read (or eval fell below a
--min figure), 2 bad usage or a lexicon error.";

#[derive(Debug, Parser)]
#[command(name = "lofte", version, about = ABOUT, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Label every unit of the given agreements and write the commitments (or all units).
    Extract(ExtractArgs),
    /// Write one row per document: municipality, year, type, commitments by actor,
    /// share vague, share with a measurable anchor, share with no party named.
    Summary(SummaryArgs),
    /// Split agreements into units (sentences, list items, headings, lead-ins) and print them.
    /// Of a `--lexicons` set it reads only abbreviations.txt and actors.txt, the two
    /// that segmentation uses.
    Segment(SegmentArgs),
    /// Compare lofte's labels with a gold annotation and print precision, recall and F1.
    Eval(EvalArgs),
    /// Show why a sentence, or a unit of a document, got its labels: the context and
    /// every lexicon entry (file:line) that fired.
    Explain(ExplainArgs),
    /// Copy the built-in lexicons to a folder, or check a lexicon set for mistakes.
    #[command(subcommand)]
    Lexicon(LexiconCommand),
    /// Internal: parse PDF and DOCX files sent on standard input (each a line `FORMAT
    /// LENGTH` and its bytes) and print each one's pages as a line of JSON. lofte runs
    /// this in a child process of itself, so that a damaged file cannot crash or
    /// exhaust the batch.
    #[command(name = "read-isolated", hide = true)]
    ReadIsolated,
}

/// Options shared by the commands that read documents.
#[derive(Debug, Args)]
pub struct InputArgs {
    /// Files or folders; folders are searched recursively for .txt, .md, .html, .htm,
    /// .docx and .pdf files (hidden and README files are skipped). A file named here is
    /// read whatever its extension; its format is recognised by content. `-` reads one
    /// document from standard input (`pdftotext a.pdf - | lofte extract -`). Documents
    /// are processed in path order.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Use the lexicon files in DIR instead of the built-in ones
    /// (start from `lofte lexicon dump DIR`).
    #[arg(long, value_name = "DIR")]
    pub lexicons: Option<PathBuf>,

    /// Number of worker threads (default: one per core). Output is the same for any number.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,

    /// No progress bar and no summary line on stderr (errors are still reported).
    #[arg(long, short)]
    pub quiet: bool,

    /// Read every file in this encoding (utf-8, utf-16le, windows-1252, iso-8859-1,
    /// macintosh …) instead of detecting it; a byte-order mark still wins.
    #[arg(long, value_name = "LABEL")]
    pub encoding: Option<String>,

    /// Stop at the first file that cannot be read, writing no output (exit 1), instead of
    /// reporting it and going on with the others.
    #[arg(long)]
    pub fail_fast: bool,
}

/// How the per-unit and per-document tables are written.
#[derive(Debug, Args)]
pub struct TableArgs {
    /// Output file; `-` or nothing writes to stdout. A file is written whole or not at all;
    /// a pipe or device (`/dev/null`) is written in place.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Output format (default: from the -o extension: .jsonl → jsonl, .xlsx → xlsx, otherwise csv).
    #[arg(long, value_enum)]
    pub format: Option<Format>,

    /// CSV field delimiter; Swedish-locale Excel expects `;`.
    #[arg(long, value_name = "CHAR", default_value = ",")]
    pub delimiter: char,

    /// No UTF-8 byte-order mark at the start of a CSV file (by default a .csv file gets
    /// one, so that Excel shows å/ä/ö; stdout never does).
    #[arg(long)]
    pub no_bom: bool,

    /// A CSV whose first column names documents (path or file name) and whose other
    /// columns are copied into every row of that document.
    #[arg(long, value_name = "FILE.csv")]
    pub meta: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct SummaryArgs {
    #[command(flatten)]
    pub input: InputArgs,

    #[command(flatten)]
    pub table: TableArgs,
}

#[derive(Debug, Args)]
pub struct ExtractArgs {
    #[command(flatten)]
    pub input: InputArgs,

    #[command(flatten)]
    pub table: TableArgs,

    /// Write every unit, not only the commitments.
    #[arg(long)]
    pub all_sentences: bool,

    /// Also write the per-document table (as `lofte summary` does) to FILE.
    #[arg(long, value_name = "FILE")]
    pub summary: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SegmentFormat {
    Text,
    Jsonl,
}

#[derive(Debug, Args)]
pub struct SegmentArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// `text`: one unit per line; `jsonl`: doc, unit, start, end, kind, text per unit.
    #[arg(long, value_enum, default_value = "text")]
    pub format: SegmentFormat,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Gold annotation: JSON Lines with doc, text, kind, commitment, actor, vague per unit.
    #[arg(long, value_name = "FILE", required_unless_present = "segset")]
    pub gold: Option<PathBuf>,

    /// Also score the document profiles against this gold (JSON Lines: doc, doc_type,
    /// parties, period_start, period_end, elements), e.g. corpus/documents.gold.jsonl.
    #[arg(long, value_name = "FILE")]
    pub documents: Option<PathBuf>,

    /// Fail (exit 1) when the mean accuracy of the six document elements is below this.
    #[arg(long, value_name = "ACCURACY", requires = "documents")]
    pub min_element_accuracy: Option<f64>,

    /// Fail (exit 1) when the specificity mean absolute error is above this.
    #[arg(long, value_name = "MAE")]
    pub max_specificity_mae: Option<f64>,

    /// Score sentence boundaries on a segset file instead
    /// (JSON Lines with doc, text, sentences; e.g. ../shared/data/ud-sv-talbanken.segset.jsonl).
    #[arg(long, value_name = "FILE", conflicts_with = "gold")]
    pub segset: Option<PathBuf>,

    /// The documents the gold annotates (files or folders).
    #[arg(value_name = "PATH", required_unless_present = "segset")]
    pub paths: Vec<PathBuf>,

    /// Use the lexicon files in DIR instead of the built-in ones.
    #[arg(long, value_name = "DIR")]
    pub lexicons: Option<PathBuf>,

    /// Number of worker threads (default: one per core).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,

    /// Print the report as one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,

    /// Also list every unit (or boundary) where lofte disagrees with the gold, with evidence.
    #[arg(long)]
    pub errors: bool,

    /// Also list every lexicon entry that decided a label, how often, and its precision
    /// against the gold (least precise first).
    #[arg(long)]
    pub entries: bool,

    /// Run two lexicon sets on the same gold and print the difference per figure
    /// (`builtin` names the built-in set).
    #[arg(long, num_args = 2, value_names = ["DIR_A", "DIR_B"], conflicts_with_all = ["segset", "lexicons"])]
    pub compare: Option<Vec<PathBuf>>,

    /// Fail (exit 1) when segmentation F1 is below this (boundary F1 with --segset).
    #[arg(long, value_name = "F1")]
    pub min_segmentation_f1: Option<f64>,

    /// Fail (exit 1) when commitment F1 is below this.
    #[arg(long, value_name = "F1")]
    pub min_commitment_f1: Option<f64>,

    /// Fail (exit 1) when actor accuracy is below this.
    #[arg(long, value_name = "ACCURACY")]
    pub min_actor_accuracy: Option<f64>,

    /// Fail (exit 1) when vague F1 is below this.
    #[arg(long, value_name = "F1")]
    pub min_vague_f1: Option<f64>,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A sentence to explain, e.g. "Polisen ska verka för ökad närvaro."
    #[arg(
        value_name = "TEXT",
        required_unless_present = "doc",
        conflicts_with = "doc"
    )]
    pub text: Option<String>,

    /// A document to explain a unit of (with --unit).
    #[arg(long, value_name = "FILE", requires = "unit")]
    pub doc: Option<PathBuf>,

    /// The unit number in the document (the `unit` field of `lofte extract`).
    #[arg(long, value_name = "N")]
    pub unit: Option<usize>,

    /// Use the lexicon files in DIR instead of the built-in ones.
    #[arg(long, value_name = "DIR")]
    pub lexicons: Option<PathBuf>,

    /// Print the explanation as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum LexiconCommand {
    /// Write the built-in lexicon files into DIR (created if missing; existing files are
    /// kept), to edit and use with --lexicons DIR.
    Dump {
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
    /// Check a lexicon set: syntax errors with file:line, duplicate entries, entries
    /// shadowed by another, regexes that do not compile or match the empty string,
    /// abbreviations without a dot. Exits 2 on errors; warnings alone exit 0.
    Check {
        /// The set to check (default: the built-in lexicons).
        #[arg(long, value_name = "DIR")]
        lexicons: Option<PathBuf>,
    },
}

/// Prints to stdout; a closed pipe (`lofte eval … | head`) ends the output quietly.
macro_rules! out {
    ($($arg:tt)*) => {
        write_stdout(&format!($($arg)*))?
    };
}

/// `out!` with a line break.
macro_rules! outln {
    ($($arg:tt)*) => {
        write_stdout(&format!("{}\n", format!($($arg)*)))?
    };
}

/// Writes to stdout; a closed pipe comes back as a `BrokenPipe` error, which `main`
/// treats as success.
fn write_stdout(text: &str) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()
}

/// How a command ended, for the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Everything worked.
    Success,
    /// The command finished, but some inputs failed or a threshold was missed.
    PartialFailure,
}

/// A usage or lexicon error: the command could not start (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

pub fn run(cli: Cli) -> Result<Outcome> {
    match cli.command {
        Command::Extract(args) => extract(args),
        Command::Summary(args) => summary(args),
        Command::Segment(args) => segment_command(args),
        Command::Eval(args) => eval_command(args),
        Command::Explain(args) => explain_command(args),
        Command::Lexicon(LexiconCommand::Dump { dir }) => dump_lexicons(&dir),
        Command::Lexicon(LexiconCommand::Check { lexicons }) => check_lexicons(lexicons.as_deref()),
        Command::ReadIsolated => {
            crate::isolate::child_main()?;
            Ok(Outcome::Success)
        }
    }
}

fn load_lexicons(dir: Option<&Path>) -> Result<Lexicons> {
    load_lexicons_for(dir, Scope::Everything)
}

fn load_lexicons_for(dir: Option<&Path>, scope: Scope) -> Result<Lexicons> {
    match dir {
        None => Ok(Lexicons::embedded_for(scope)),
        Some(dir) => Lexicons::from_dir_for(dir, scope).map_err(|err| {
            anyhow::Error::new(UsageError(format!(
                "{err}\n(lexicon set in {} has errors)",
                dir.display()
            )))
        }),
    }
}

fn thread_pool(threads: Option<usize>) -> Result<rayon::ThreadPool> {
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(n) = threads {
        if n == 0 {
            bail!(UsageError("--threads must be at least 1".into()));
        }
        builder = builder.num_threads(n);
    }
    builder.build().context("cannot start worker threads")
}

/// Output buffer size: the rows of a few documents per write call.
const OUTPUT_BUFFER: usize = 256 * 1024;

/// How many documents may be read and labelled ahead of the one being written: enough
/// to keep every worker busy while the output is written (and while one long document
/// holds up the others), few enough that memory does not grow with the corpus.
fn window(pool: &rayon::ThreadPool) -> usize {
    (4 * pool.current_num_threads()).max(16)
}

/// Documents longer than this have their rows written by the writing thread as they
/// are made, instead of rendered whole in the worker: their rows run to several times
/// the text, and holding them would double a long document's memory.
const RENDER_IN_WORKER_UP_TO: usize = 1 << 20;

/// A document read and labelled by a worker, with its identity, its profile when one
/// was asked for and, for a streamed table, usually its rows already rendered (all done
/// there, so the thread that writes the output does as little as possible).
pub struct Processed {
    pub labelled: LabelledDocument,
    pub identity: Identity,
    pub profile: Option<DocumentProfile>,
    pub rendered: Option<Vec<u8>>,
}

/// Bytes of a row beside its text (field names, cues, document name), for sizing a
/// document's row buffer; a JSON line holds about 400.
const ROW_ROOM: usize = 512;

/// Renders a processed document's rows in a worker (see `RecordWriter::rows_only`).
type Render<'a> = &'a (dyn Fn(&Processed) -> io::Result<Vec<u8>> + Sync);

/// Reads and labels every document in parallel, calling `sink` in path order; returns
/// the errors. Output is deterministic for any number of threads. `profiled`: profile
/// each document (its six elements cost a tenth of the labelling, and rows need only
/// its identity).
fn process_documents(
    input: &InputArgs,
    lexicons: &Lexicons,
    profiled: bool,
    render: Option<Render>,
    sink: impl FnMut(Processed) -> io::Result<()>,
) -> Result<Vec<ReadError>> {
    let work = |path: PathBuf| {
        let (mut processed, warnings) =
            read_and_label(&path, input.encoding.as_deref(), lexicons, profiled)?;
        let short = processed.labelled.document.text.len() <= RENDER_IN_WORKER_UP_TO;
        if let (Some(render), true) = (render, short) {
            let rows = render(&processed).map_err(|err| ReadError {
                path: path.display().to_string(),
                reason: format!("cannot render its rows: {err}"),
            })?;
            processed.rendered = Some(rows);
        }
        Ok((processed, warnings))
    };
    for_each_document(input, work, sink)
}

/// Runs `work` on every document of the input on the thread pool and hands each result
/// to `sink` in path order, with what every batch command does alike: the progress
/// bar, warnings and errors on stderr, `--fail-fast`; returns the errors.
fn for_each_document<R: Send>(
    input: &InputArgs,
    work: impl Fn(PathBuf) -> Result<(R, Vec<String>), ReadError> + Sync,
    mut sink: impl FnMut(R) -> io::Result<()>,
) -> Result<Vec<ReadError>> {
    let pool = thread_pool(input.threads)?;
    let progress = Progress::new(&input.paths, input.quiet);
    let mut errors = Vec::new();
    ordered::map_in_order(
        &pool,
        read::document_paths(&input.paths),
        window(&pool),
        |found| work(found?),
        |result| {
            match result {
                Ok((done, warnings)) => {
                    for warning in warnings {
                        progress.report(&format!("lofte: {warning}"));
                    }
                    sink(done)?
                }
                Err(error) if input.fail_fast => {
                    progress.finish();
                    bail!("{error} (stopped by --fail-fast)");
                }
                Err(error) => {
                    progress.report(&format!("lofte: {error}"));
                    errors.push(error);
                }
            }
            progress.advance();
            Ok(())
        },
    )?;
    progress.finish();
    Ok(errors)
}

/// A progress bar on stderr for batches that take more than a moment: it appears after
/// a second, only on a terminal, never with `--quiet`.
struct Progress {
    bar: indicatif::ProgressBar,
    started: Instant,
    shown: std::cell::Cell<bool>,
    enabled: bool,
}

impl Progress {
    /// A progress bar for the documents under `inputs`; they are counted (one more walk
    /// of the folders) only when the bar can be shown.
    fn new(inputs: &[PathBuf], quiet: bool) -> Progress {
        let enabled = !quiet && std::io::IsTerminal::is_terminal(&io::stderr());
        let total = if enabled {
            read::document_paths(inputs).filter(Result::is_ok).count() as u64
        } else {
            0
        };
        let bar = indicatif::ProgressBar::with_draw_target(
            Some(total),
            indicatif::ProgressDrawTarget::hidden(),
        );
        let style = indicatif::ProgressStyle::with_template(
            "{bar:40} {pos}/{len} documents, {elapsed} (eta {eta})",
        )
        .expect("valid progress template");
        bar.set_style(style);
        Progress {
            bar,
            started: Instant::now(),
            shown: std::cell::Cell::new(false),
            enabled,
        }
    }

    fn advance(&self) {
        self.bar.inc(1);
        if self.enabled && !self.shown.get() && self.started.elapsed().as_secs_f64() > 1.0 {
            self.bar
                .set_draw_target(indicatif::ProgressDrawTarget::stderr());
            self.shown.set(true);
        }
    }

    /// Prints a message above the bar (or plainly, when the bar is hidden).
    fn report(&self, message: &str) {
        if self.shown.get() {
            self.bar.println(message);
        } else {
            eprintln!("{message}");
        }
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// Why a document that was read gives nothing: every line was page furniture.
const NO_UNITS: &str = "no text units: only page numbers, running headers or dot-leader lines";

/// Reads and labels one document, with its decoding warnings; a panic inside (in a
/// reader or a stage) becomes an error for that file only, and so does a document in
/// which no unit is found.
fn read_and_label(
    path: &Path,
    encoding: Option<&str>,
    lexicons: &Lexicons,
    profiled: bool,
) -> Result<(Processed, Vec<String>), ReadError> {
    let error = |reason: String| ReadError {
        path: path.display().to_string(),
        reason,
    };
    let (processed, warnings) = panic::catch_unwind(AssertUnwindSafe(|| {
        let (document, warnings) = read::read_document(path, encoding)?;
        let labelled = pipeline::label(document, lexicons);
        if labelled.units.is_empty() {
            return Err(error(NO_UNITS.into()));
        }
        let identity = profile::identity(&labelled);
        let profile = profiled.then(|| profile::profile_of(&labelled, identity.clone()));
        let processed = Processed {
            labelled,
            identity,
            profile,
            rendered: None,
        };
        Ok::<_, ReadError>((processed, warnings))
    }))
    .map_err(|payload| {
        let detail = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        error(format!(
            "internal error while reading or labelling: {detail}"
        ))
    })??;
    Ok((processed, warnings))
}

fn extract(args: ExtractArgs) -> Result<Outcome> {
    let started = Instant::now();
    let lexicons = load_lexicons(args.input.lexicons.as_deref())?;
    let table = TableSetup::new(&args.table, &args.input.paths)?;
    if let Some(summary) = &args.summary {
        check_output(summary, &args.input.paths)?;
    }
    let workbook = table.format == Format::Xlsx;
    let streamed = if workbook {
        let columns = table.columns(&output::FIELDS);
        Some(xlsx::StreamedWorkbook::new("Commitments", columns).map_err(anyhow::Error::msg)?)
    } else {
        None
    };
    let mut collected = Collected::new(streamed, args.summary.is_some());
    // Profiles cost a tenth of the labelling: made only when they are written.
    let profiled = collected.profiles.is_some();
    let mut stats = Stats::default();
    let errors = if workbook {
        process_documents(&args.input, &lexicons, profiled, None, |processed| {
            stats.add(&processed.labelled);
            collected.add(&processed, &table.meta, args.all_sentences)
        })?
    } else {
        let render = |processed: &Processed| -> io::Result<Vec<u8>> {
            // Room for the rows up front: a buffer grown by doubling is copied each time.
            let labelled = &processed.labelled;
            let room: usize = (labelled.units.iter().zip(&labelled.commitments))
                .filter(|(_, decision)| args.all_sentences || decision.commitment)
                .map(|(unit, _)| 2 * unit.text.len() + ROW_ROOM)
                .sum();
            let buffer = Vec::with_capacity(room);
            let mut rows =
                RecordWriter::rows_only(buffer, table.format, table.csv, &table.meta.columns)?;
            write_rows(processed, &table.meta, args.all_sentences, &mut rows)?;
            rows.finish()
        };
        table.write_stream(|writer| {
            process_documents(
                &args.input,
                &lexicons,
                profiled,
                Some(&render),
                |processed| {
                    stats.add(&processed.labelled);
                    collected.add(&processed, &table.meta, args.all_sentences)?;
                    match &processed.rendered {
                        Some(rows) => writer.write_rendered(rows),
                        None => write_rows(&processed, &table.meta, args.all_sentences, writer),
                    }
                },
            )
        })?
    };
    let profiles = collected.profiles.take();
    if workbook {
        write_workbook(&table, collected, profiles.as_deref().unwrap_or_default())?;
    }
    if let Some(path) = &args.summary {
        let format = format_for(None, Some(path));
        let setup = TableSetup {
            format,
            output: Some(path.clone()),
            ..table.clone_options()
        };
        write_profiles(&setup, profiles.as_deref().unwrap_or_default())?;
    }
    if !args.input.quiet {
        eprintln!(
            "{}",
            stats.summary(errors.len(), started.elapsed().as_secs_f64())
        );
    }
    Ok(if errors.is_empty() {
        Outcome::Success
    } else {
        Outcome::PartialFailure
    })
}

/// Writes a document's rows, with its metadata values.
fn write_rows<W: Write>(
    processed: &Processed,
    meta: &Metadata,
    all_units: bool,
    rows: &mut RecordWriter<W>,
) -> io::Result<()> {
    let labelled = &processed.labelled;
    let values = meta.values_for(&labelled.document.path);
    for record in output::records(labelled, &processed.identity, all_units) {
        rows.write(&record, &values)?;
    }
    Ok(())
}

fn summary(args: SummaryArgs) -> Result<Outcome> {
    let lexicons = load_lexicons(args.input.lexicons.as_deref())?;
    let table = TableSetup::new(&args.table, &args.input.paths)?;
    let mut collected = Collected::new(None, true);
    let errors = process_documents(&args.input, &lexicons, true, None, |processed| {
        collected.add(&processed, &table.meta, false)
    })?;
    write_profiles(&table, collected.profiles())?;
    Ok(if errors.is_empty() {
        Outcome::Success
    } else {
        Outcome::PartialFailure
    })
}

/// The output format: as asked, else from the file extension.
fn format_for(asked: Option<Format>, output: Option<&Path>) -> Format {
    asked.unwrap_or_else(
        || match output.and_then(|p| p.extension()).and_then(|e| e.to_str()) {
            Some("jsonl" | "json" | "ndjson") => Format::Jsonl,
            Some("xlsx") => Format::Xlsx,
            _ => Format::Csv,
        },
    )
}

/// Where and how a table is written, with the metadata to carry into it.
struct TableSetup {
    format: Format,
    output: Option<PathBuf>,
    csv: CsvOptions,
    meta: Metadata,
}

impl TableSetup {
    /// The columns of a table: `fixed`, then the metadata columns.
    fn columns(&self, fixed: &[&str]) -> Vec<String> {
        fixed
            .iter()
            .map(|c| c.to_string())
            .chain(self.meta.columns.iter().cloned())
            .collect()
    }

    fn new(args: &TableArgs, inputs: &[PathBuf]) -> Result<TableSetup> {
        let output = args.output.clone().filter(|p| p != Path::new("-"));
        let format = format_for(args.format, output.as_deref());
        if let Some(path) = &output {
            check_output(path, inputs)?;
        }
        if format == Format::Xlsx && output.is_none() {
            bail!(UsageError(
                "a workbook cannot go to stdout; give -o FILE.xlsx".into()
            ));
        }
        if !args.delimiter.is_ascii() || args.delimiter == '"' || args.delimiter == '\n' {
            bail!(UsageError(format!(
                "--delimiter '{}' cannot separate CSV fields; use , ; or a tab",
                args.delimiter
            )));
        }
        let meta = match &args.meta {
            Some(path) => Metadata::read(path).map_err(|err| UsageError(err.to_string()))?,
            None => Metadata::default(),
        };
        let csv = CsvOptions {
            delimiter: args.delimiter as u8,
            bom: output.is_some() && !args.no_bom,
        };
        Ok(TableSetup {
            format,
            output,
            csv,
            meta,
        })
    }

    /// A copy of the CSV options and metadata, for a second table.
    fn clone_options(&self) -> TableSetup {
        TableSetup {
            format: self.format,
            output: self.output.clone(),
            csv: self.csv,
            meta: self.meta.clone(),
        }
    }

    /// Streams CSV or JSON Lines records to stdout or to the output file (see `write_output`).
    fn write_stream<T>(
        &self,
        fill: impl FnOnce(&mut RecordWriter<Box<dyn Write>>) -> Result<T>,
    ) -> Result<T> {
        match &self.output {
            None => {
                let stdout: Box<dyn Write> =
                    Box::new(BufWriter::with_capacity(OUTPUT_BUFFER, io::stdout().lock()));
                let mut writer =
                    RecordWriter::new(stdout, self.format, self.csv, &self.meta.columns)?;
                let value = fill(&mut writer)?;
                writer.finish()?;
                Ok(value)
            }
            Some(path) => write_output(path, |file| {
                let boxed: Box<dyn Write> = Box::new(BufWriter::with_capacity(OUTPUT_BUFFER, file));
                let mut writer =
                    RecordWriter::new(boxed, self.format, self.csv, &self.meta.columns)?;
                let value = fill(&mut writer)?;
                writer
                    .finish()
                    .with_context(|| format!("{}: cannot write output", path.display()))?;
                Ok(value)
            }),
        }
    }
}

/// What a run collects beside the streamed records, and only what its outputs need: the
/// document profiles (for a summary or the workbook's Documents sheet), the cue counts
/// and, written as they come, the rows of the workbook's first sheet.
struct Collected {
    profiles: Option<Vec<(DocumentProfile, Vec<String>)>>,
    /// The workbook being written, its first sheet (the rows) row by row.
    workbook: Option<xlsx::StreamedWorkbook>,
    /// (kind, cue, rule) → how often it fired.
    cues: Option<BTreeMap<(String, String, String), usize>>,
}

impl Collected {
    fn new(workbook: Option<xlsx::StreamedWorkbook>, profiles: bool) -> Collected {
        Collected {
            profiles: (workbook.is_some() || profiles).then(Vec::new),
            cues: workbook.is_some().then(BTreeMap::new),
            workbook,
        }
    }

    /// The profiles collected, in document order (none unless asked for).
    fn profiles(&self) -> &[(DocumentProfile, Vec<String>)] {
        self.profiles.as_deref().unwrap_or_default()
    }

    /// Adds a document; an error when the workbook cannot take its rows.
    fn add(&mut self, processed: &Processed, meta: &Metadata, all_units: bool) -> io::Result<()> {
        let labelled = &processed.labelled;
        let values = meta.values_for(&labelled.document.path);
        if let Some(workbook) = self.workbook.as_mut() {
            for record in output::records(labelled, &processed.identity, all_units) {
                let mut cells = output::cells(&record);
                cells.extend(values.iter().map(|v| Cell::text(v)));
                workbook.add_row(&cells).map_err(io::Error::other)?;
            }
        }
        if let Some(cues) = self.cues.as_mut() {
            count_cues(labelled, cues);
        }
        if let Some(profiles) = self.profiles.as_mut() {
            let profile = (processed.profile.clone())
                .expect("documents are profiled when profiles are collected");
            profiles.push((profile, values));
        }
        Ok(())
    }
}

/// Counts how often each vague and actor cue fired on the document's commitments.
fn count_cues(labelled: &LabelledDocument, cues: &mut BTreeMap<(String, String, String), usize>) {
    for (idx, decision) in labelled.commitments.iter().enumerate() {
        if !decision.commitment {
            continue;
        }
        for cue in &labelled.vague[idx].cues {
            let kind = if cue.neutralised {
                "vague cue (neutralised)"
            } else {
                "vague cue"
            };
            *cues
                .entry((kind.into(), cue.text.to_lowercase(), cue.rule.to_string()))
                .or_default() += 1;
        }
        if let Some(actor) = &labelled.actors[idx] {
            let kind = format!(
                "actor cue ({} → {})",
                actor.source.as_str(),
                actor.actor.as_str()
            );
            *cues
                .entry((kind, actor.cue.clone(), actor.rule.to_string()))
                .or_default() += 1;
        }
    }
}

fn write_workbook(
    table: &TableSetup,
    collected: Collected,
    profiles: &[(DocumentProfile, Vec<String>)],
) -> Result<()> {
    let path = table
        .output
        .as_deref()
        .expect("TableSetup::new requires -o for xlsx");
    let documents = profile_rows(profiles);
    let cue_counts = collected.cues.unwrap_or_default();
    let mut cue_rows: Vec<(&(String, String, String), &usize)> = cue_counts.iter().collect();
    cue_rows.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
    let cues: Vec<Vec<Cell>> = cue_rows
        .into_iter()
        .map(|((kind, cue, rule), count)| {
            vec![
                Cell::Text(kind.clone()),
                Cell::Text(cue.clone()),
                Cell::Text(rule.clone()),
                Cell::Number(*count as f64),
            ]
        })
        .collect();
    let others = [
        xlsx::Sheet {
            name: "Documents",
            columns: table.columns(&output::PROFILE_FIELDS),
            rows: documents,
        },
        xlsx::Sheet {
            name: "Cues",
            columns: ["kind", "cue", "rule", "count"]
                .iter()
                .map(|c| c.to_string())
                .collect(),
            rows: cues,
        },
    ];
    let (bytes, report) = (collected.workbook)
        .expect("a workbook is collected when one is written")
        .finish(&others)
        .map_err(|err| anyhow::anyhow!("{}: {err}", path.display()))?;
    if report.truncated_cells > 0 {
        eprintln!(
            "lofte: {}: {} longer than Excel's {} characters and cut (marked with …)",
            path.display(),
            counted(report.truncated_cells, "cell was", "cells were"),
            xlsx::MAX_CELL_CHARS
        );
    }
    write_output(path, |mut file| {
        file.write_all(&bytes)
            .with_context(|| format!("{}: cannot write output", path.display()))?;
        file.flush()?;
        Ok(())
    })
}

/// The per-document table's rows: each profile's cells, then its metadata values.
fn profile_rows(profiles: &[(DocumentProfile, Vec<String>)]) -> Vec<Vec<Cell>> {
    profiles
        .iter()
        .map(|(document_profile, values)| {
            let mut cells = output::profile_cells(document_profile);
            cells.extend(values.iter().map(|v| Cell::text(v)));
            cells
        })
        .collect()
}

/// Writes the per-document table as CSV, JSON Lines or a one-sheet workbook.
fn write_profiles(table: &TableSetup, profiles: &[(DocumentProfile, Vec<String>)]) -> Result<()> {
    let rows = profile_rows(profiles);
    let columns = table.columns(&output::PROFILE_FIELDS);
    let render = |out: &mut dyn Write| -> Result<()> {
        match table.format {
            Format::Jsonl => {
                for (document_profile, values) in profiles {
                    let mut value = serde_json::to_value(document_profile)?;
                    if let Some(object) = value.as_object_mut() {
                        for (column, cell) in table.meta.columns.iter().zip(values) {
                            object.insert(column.clone(), serde_json::Value::String(cell.clone()));
                        }
                    }
                    serde_json::to_writer(&mut *out, &value)?;
                    out.write_all(b"\n")?;
                }
            }
            _ => {
                if table.csv.bom {
                    out.write_all("\u{feff}".as_bytes())?;
                }
                let mut csv = csv::WriterBuilder::new()
                    .delimiter(table.csv.delimiter)
                    .from_writer(out);
                csv.write_record(&columns)?;
                for row in &rows {
                    csv.write_record(row.iter().map(|cell| cell.to_csv(true)))?;
                }
                csv.flush()?;
            }
        }
        Ok(())
    };
    match (&table.output, table.format) {
        (None, _) => {
            let mut buffer = Vec::new();
            render(&mut buffer)?;
            write_stdout(&String::from_utf8_lossy(&buffer))?;
        }
        (Some(path), Format::Xlsx) => {
            let sheet = xlsx::Sheet {
                name: "Documents",
                columns,
                rows,
            };
            let (bytes, _) = xlsx::workbook_bytes(&[sheet])
                .map_err(|err| anyhow::anyhow!("{}: {err}", path.display()))?;
            write_output(path, |mut file| Ok(file.write_all(&bytes)?))?;
        }
        (Some(path), _) => {
            write_output(path, |mut file| {
                let mut buffered = BufWriter::new(&mut file);
                render(&mut buffered)?;
                buffered.flush()?;
                Ok(())
            })?;
        }
    }
    Ok(())
}

/// Writes an output file through `fill`. A regular file (new or existing) is written to a
/// temporary file beside it and renamed into place, so an interrupted run never leaves a
/// half-written output behind. A device or pipe (`-o /dev/null`, `/dev/stdout`, a FIFO)
/// is written where it is: renaming over it would replace the device with a plain file.
/// A link is followed, so the file it points to is written and the link stays.
fn write_output<T>(path: &Path, fill: impl FnOnce(std::fs::File) -> Result<T>) -> Result<T> {
    let target = output_target(path);
    let existing = std::fs::metadata(&target).ok();
    if existing.as_ref().is_some_and(|meta| !meta.is_file()) {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(&target)
            .with_context(|| format!("{}: cannot open output", path.display()))?;
        return fill(file);
    }
    let dir = folder_of(&target);
    let mut builder = tempfile::Builder::new();
    builder.prefix(".lofte-").suffix(".tmp");
    if let Some(permissions) = output_permissions(existing) {
        builder.permissions(permissions);
    }
    let temp = builder.tempfile_in(dir).with_context(|| {
        format!(
            "{}: cannot create output file in {}",
            path.display(),
            dir.display()
        )
    })?;
    let temp_path = temp.path().to_path_buf();
    UNFINISHED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .push(temp_path.clone());
    // A second handle, not a reopening: the kept permissions may be read-only.
    let file = temp
        .as_file()
        .try_clone()
        .with_context(|| format!("{}: cannot open output file", path.display()))?;
    let value = fill(file)?;
    temp.persist(&target)
        .with_context(|| format!("{}: cannot write output", path.display()))?;
    UNFINISHED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .retain(|p| *p != temp_path);
    Ok(value)
}

/// The folder a file is in (`.` for a bare name).
fn folder_of(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Checks an output path before any document is read: it is not a folder, its folder
/// exists, and it is not one of the inputs.
fn check_output(output: &Path, inputs: &[PathBuf]) -> Result<()> {
    let target = output_target(output);
    if target.is_dir() {
        bail!(UsageError(format!(
            "{}: is a folder; give a file name",
            output.display()
        )));
    }
    let dir = folder_of(&target);
    if !dir.is_dir() {
        bail!(UsageError(format!(
            "{}: the folder {} does not exist",
            output.display(),
            dir.display()
        )));
    }
    refuse_overwriting_input(output, inputs)
}

/// The file that `-o path` names: the path itself, or where its link points, even when
/// that file does not exist yet (as the shell's `>` writes through a dangling link).
fn output_target(path: &Path) -> PathBuf {
    if let Ok(resolved) = std::fs::canonicalize(path) {
        return resolved;
    }
    let mut target = path.to_path_buf();
    // A chain of links ends in a name that does not exist yet; give up on a loop.
    for _ in 0..40 {
        let Ok(link) = std::fs::read_link(&target) else {
            return target;
        };
        target = match target.parent() {
            Some(dir) => dir.join(link),
            None => link,
        };
    }
    path.to_path_buf()
}

/// The permissions the output gets: those of the file it replaces, or, for a new file,
/// read and write for all less the umask, as for any program's new file (a temporary
/// file alone would be private to its owner).
fn output_permissions(existing: Option<std::fs::Metadata>) -> Option<std::fs::Permissions> {
    if let Some(meta) = existing {
        return Some(meta.permissions());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        Some(std::fs::Permissions::from_mode(0o666))
    }
    #[cfg(not(unix))]
    None
}

/// Temporary output files being written; removed if the run is interrupted.
static UNFINISHED: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

/// Removes the temporary files of outputs not yet complete (for an interrupt: Ctrl-C),
/// so that an interrupted run leaves nothing half-written behind.
pub fn remove_unfinished_outputs() {
    let paths = UNFINISHED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    for path in paths.iter() {
        let _ = std::fs::remove_file(path);
    }
}

fn refuse_overwriting_input(output: &Path, inputs: &[PathBuf]) -> Result<()> {
    let Ok(output) = output.canonicalize() else {
        return Ok(());
    };
    let is_output = |path: &Path| path.canonicalize().is_ok_and(|p| p == output);
    // A file named on the command line is read whatever its name (it may be a link). A
    // folder's walk yields documents only (`read::is_document`), so a walked file can be
    // the output only when the output's name is a document's and the file has it: for
    // `commitments.csv` or `/dev/null` the folders are not walked an extra time before
    // the run (0.2-0.5 s over a corpus of 270,000 files), and the rest of a large corpus
    // is never resolved one by one.
    let among_inputs = inputs.iter().any(|input| is_output(input))
        || (read::is_document(&output)
            && read::document_paths(inputs)
                .filter_map(|found| found.ok())
                .filter(|path| path.file_name() == output.file_name())
                .any(|path| is_output(&path)));
    if among_inputs {
        bail!(UsageError(format!(
            "{}: the output file is one of the inputs; choose another -o",
            output.display()
        )));
    }
    Ok(())
}

/// Counts for the summary line.
#[derive(Default)]
struct Stats {
    documents: usize,
    units: usize,
    commitments: usize,
    vague: usize,
}

impl Stats {
    fn add(&mut self, labelled: &LabelledDocument) {
        self.documents += 1;
        self.units += labelled.units.len();
        self.commitments += labelled.commitments.iter().filter(|c| c.commitment).count();
        self.vague += labelled.vague.iter().filter(|v| v.vague).count();
    }

    fn summary(&self, failed: usize, seconds: f64) -> String {
        let share = if self.commitments == 0 {
            0.0
        } else {
            100.0 * self.vague as f64 / self.commitments as f64
        };
        format!(
            "lofte: {}{}, {}, {}, {share:.1} % vague, {seconds:.2} s",
            counted(self.documents, "document", "documents"),
            failed_note(failed),
            counted(self.units, "unit", "units"),
            counted(self.commitments, "commitment", "commitments")
        )
    }
}

/// `1 unit`, `3 units`: a count with the word in the number it takes.
fn counted(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

/// ` (3 failed)` for a summary line, or nothing when none failed.
fn failed_note(failed: usize) -> String {
    match failed {
        0 => String::new(),
        n => format!(" ({n} failed)"),
    }
}

fn segment_command(args: SegmentArgs) -> Result<Outcome> {
    let started = Instant::now();
    let lexicons = load_lexicons_for(args.input.lexicons.as_deref(), Scope::Segmentation)?;
    let mut out = BufWriter::with_capacity(OUTPUT_BUFFER, io::stdout().lock());
    let (mut documents_done, mut units_done) = (0usize, 0usize);
    // Workers segment; this thread writes each document's units straight into the
    // buffered output, so that no copy of a whole document's rows is ever held.
    let units_of = |path: PathBuf| -> Result<_, ReadError> {
        let (doc, warnings) = read::read_document(&path, args.input.encoding.as_deref())?;
        let units = segment::segment(&doc.text, &lexicons);
        if units.is_empty() {
            return Err(ReadError {
                path: doc.path,
                reason: NO_UNITS.into(),
            });
        }
        Ok(((doc.path, units), warnings))
    };
    let write_units = |(path, units): (String, Vec<crate::model::Unit>)| -> io::Result<()> {
        documents_done += 1;
        units_done += units.len();
        for (idx, unit) in units.iter().enumerate() {
            match args.format {
                SegmentFormat::Text => out.write_all(unit.text.as_bytes())?,
                SegmentFormat::Jsonl => {
                    let record = SegmentRecord {
                        doc: &path,
                        unit: idx + 1,
                        start: unit.start,
                        end: unit.end,
                        kind: unit.kind,
                        text: &unit.text,
                    };
                    // As an `io::Error`, so that a closed pipe is told apart.
                    serde_json::to_writer(&mut out, &record).map_err(io::Error::from)?;
                }
            }
            out.write_all(b"\n")?;
        }
        Ok(())
    };
    // On an error (`--fail-fast`), the units of the documents before it are written
    // when the output is dropped; nothing after it.
    let written = for_each_document(&args.input, units_of, write_units);
    let broken_pipe = |err: &anyhow::Error| {
        err.downcast_ref::<io::Error>()
            .is_some_and(|err| err.kind() == io::ErrorKind::BrokenPipe)
    };
    let errors = match written.and_then(|errors| Ok(out.flush().map(|()| errors)?)) {
        Err(err) if broken_pipe(&err) => return Ok(Outcome::Success),
        other => other?,
    };
    if !args.input.quiet {
        eprintln!(
            "lofte: {}{}, {}, {:.2} s",
            counted(documents_done, "document", "documents"),
            failed_note(errors.len()),
            counted(units_done, "unit", "units"),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(if errors.is_empty() {
        Outcome::Success
    } else {
        Outcome::PartialFailure
    })
}

#[derive(serde::Serialize)]
struct SegmentRecord<'a> {
    doc: &'a str,
    unit: usize,
    start: usize,
    end: usize,
    kind: UnitKind,
    text: &'a str,
}

fn eval_command(args: EvalArgs) -> Result<Outcome> {
    let lexicons = load_lexicons(args.lexicons.as_deref())?;
    if let Some(segset) = &args.segset {
        return segset_command(&args, segset, &lexicons);
    }
    let gold_path = args
        .gold
        .as_deref()
        .expect("clap requires --gold without --segset");
    let gold = eval::read_gold(gold_path).map_err(|err| UsageError(err.to_string()))?;
    if let Some(sets) = &args.compare {
        let named = |path: &PathBuf| (path.as_os_str() != "builtin").then(|| path.clone());
        let (a, b) = (named(&sets[0]), named(&sets[1]));
        let (report_a, errors_a) = evaluate_with(&args, &gold, &load_lexicons(a.as_deref())?)?;
        let (report_b, errors_b) = evaluate_with(&args, &gold, &load_lexicons(b.as_deref())?)?;
        let (name_a, name_b) = (sets[0].display().to_string(), sets[1].display().to_string());
        out!("{}", eval::compare(&report_a, &report_b, &name_a, &name_b));
        let failed = errors_a + errors_b > 0;
        return Ok(if failed {
            Outcome::PartialFailure
        } else {
            Outcome::Success
        });
    }
    let (report, documents, errors) = evaluate_all(&args, &gold, &lexicons)?;
    if args.json {
        let value = serde_json::json!({ "units": report, "documents": documents });
        outln!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        if args.errors {
            outln!("{}", report.errors_text());
        }
        if args.entries {
            outln!("{}", report.entries_text());
        }
        out!("{}", report.to_table());
        if let Some(documents) = &documents {
            out!("{}", documents.to_text(args.errors));
        }
    }
    let mut below = false;
    if let (Some(minimum), Some(documents)) = (args.min_element_accuracy, &documents) {
        below |= below_minimum(&[(
            "document element accuracy",
            Some(minimum),
            documents.element_accuracy,
        )]);
    }
    if let Some(maximum) = args.max_specificity_mae {
        let mae = report.total.specificity.mean_absolute_error;
        if mae > maximum {
            eprintln!("lofte: specificity MAE {mae:.3} is above the maximum {maximum:.3}");
            below = true;
        }
    }
    let total = &report.total;
    let checks = [
        (
            "segmentation F1",
            args.min_segmentation_f1,
            total.segmentation.f1,
        ),
        ("commitment F1", args.min_commitment_f1, total.commitment.f1),
        (
            "actor accuracy",
            args.min_actor_accuracy,
            total.actor_accuracy,
        ),
        ("vague F1", args.min_vague_f1, total.vague.f1),
    ];
    below |= below_minimum(&checks);
    if !report.missing_documents.is_empty() || report.documents.is_empty() {
        eprintln!(
            "lofte: {} not found among the inputs",
            counted(
                report.missing_documents.len(),
                "gold document was",
                "gold documents were"
            )
        );
        below = true;
    }
    Ok(if below || errors > 0 {
        Outcome::PartialFailure
    } else {
        Outcome::Success
    })
}

/// Labels the eval inputs with one lexicon set and scores them; returns the report and
/// the number of unreadable files.
fn evaluate_with(
    args: &EvalArgs,
    gold: &[eval::GoldUnit],
    lexicons: &Lexicons,
) -> Result<(eval::Report, usize)> {
    let (report, _, errors) = evaluate_all(args, gold, lexicons)?;
    Ok((report, errors))
}

/// Labels the eval inputs and scores units and, with --documents, document profiles.
fn evaluate_all(
    args: &EvalArgs,
    gold: &[eval::GoldUnit],
    lexicons: &Lexicons,
) -> Result<(eval::Report, Option<eval::DocumentReport>, usize)> {
    let input = InputArgs {
        paths: args.paths.clone(),
        lexicons: None,
        threads: args.threads,
        quiet: true,
        encoding: None,
        fail_fast: false,
    };
    let mut labelled = Vec::new();
    let mut profiles = Vec::new();
    let errors = process_documents(&input, lexicons, true, None, |processed| {
        labelled.push(processed.labelled);
        profiles.push(processed.profile.expect("asked for above"));
        Ok(())
    })?;
    let documents = match &args.documents {
        Some(path) => {
            let gold_docs =
                eval::read_document_gold(path).map_err(|err| UsageError(err.to_string()))?;
            Some(eval::evaluate_documents(&gold_docs, &profiles))
        }
        None => None,
    };
    Ok((eval::evaluate(gold, &labelled), documents, errors.len()))
}

fn segset_command(args: &EvalArgs, path: &Path, lexicons: &Lexicons) -> Result<Outcome> {
    let docs = segset::read_segset(path).map_err(|err| UsageError(err.to_string()))?;
    let report = segset::score(&docs, lexicons);
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        out!("{}", report.to_text(args.errors));
    }
    let checks = [(
        "boundary F1",
        args.min_segmentation_f1,
        report.boundaries.f1,
    )];
    Ok(if below_minimum(&checks) {
        Outcome::PartialFailure
    } else {
        Outcome::Success
    })
}

/// Reports every figure below its minimum; true when any is.
fn below_minimum(checks: &[(&str, Option<f64>, f64)]) -> bool {
    let mut below = false;
    for &(name, minimum, value) in checks {
        if let Some(minimum) = minimum.filter(|&m| value < m) {
            eprintln!("lofte: {name} {value:.3} is below the minimum {minimum:.3}");
            below = true;
        }
    }
    below
}

fn explain_command(args: ExplainArgs) -> Result<Outcome> {
    let lexicons = load_lexicons(args.lexicons.as_deref())?;
    let (labelled, units): (LabelledDocument, Vec<usize>) = match (&args.text, &args.doc) {
        (Some(text), _) => {
            let labelled = pipeline::label_text("<text>", text, &lexicons);
            let all = (0..labelled.units.len()).collect();
            (labelled, all)
        }
        (None, Some(path)) => {
            let (document, warnings) = read::read_document(path, None)?;
            for warning in warnings {
                eprintln!("lofte: {warning}");
            }
            let labelled = pipeline::label(document, &lexicons);
            let unit = args.unit.expect("clap requires --unit with --doc");
            if unit == 0 || unit > labelled.units.len() {
                bail!(UsageError(format!(
                    "{}: no unit {unit}; the document has units 1 to {}",
                    path.display(),
                    labelled.units.len()
                )));
            }
            (labelled, vec![unit - 1])
        }
        (None, None) => unreachable!("clap requires TEXT or --doc"),
    };
    let explanations: Vec<_> = units
        .iter()
        .map(|&idx| explain::explain(&labelled, idx, &lexicons))
        .collect();
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&explanations)?);
    } else {
        let texts: Vec<String> = explanations.iter().map(|e| e.to_text()).collect();
        out!("{}", texts.join("\n"));
    }
    Ok(Outcome::Success)
}

fn dump_lexicons(dir: &Path) -> Result<Outcome> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("{}: cannot create folder", dir.display()))?;
    for (name, text) in Lexicons::embedded_files() {
        let path = dir.join(name);
        if path.exists() {
            eprintln!("lofte: {} exists, kept as it is", path.display());
            continue;
        }
        std::fs::write(&path, text).with_context(|| format!("{}: cannot write", path.display()))?;
        eprintln!("lofte: wrote {}", path.display());
    }
    Ok(Outcome::Success)
}

fn check_lexicons(dir: Option<&Path>) -> Result<Outcome> {
    let report = lexicon::check(dir);
    for problem in &report.errors {
        outln!("error: {problem}");
    }
    for problem in &report.warnings {
        outln!("warning: {problem}");
    }
    for (file, n) in &report.entries {
        outln!("{file}: {n} entries");
    }
    outln!(
        "{} errors, {} warnings",
        report.errors.len(),
        report.warnings.len()
    );
    if report.errors.is_empty() {
        Ok(Outcome::Success)
    } else {
        bail!(UsageError(format!(
            "the lexicon set has {} errors",
            report.errors.len()
        )))
    }
}
