//! Output: labelled units as CSV, JSON Lines or (with `xlsx`) a workbook.
//!
//! Input: `LabelledDocument`s in output order, with their `DocumentProfile` and any
//! metadata columns the analyst supplied. Output: bytes on a writer. The record fields
//! are a contract (README.md, "Output contract"): later versions may add fields, never
//! rename these. In CSV, lists are joined with ` | `, empty values are empty cells, and
//! a cell that a spreadsheet would read as a formula is neutralised; in JSON Lines,
//! lists are arrays, empty values are `null`, and nothing is altered.

use std::io::{self, Write};
use std::num::NonZeroU32;

use serde::Serialize;

use crate::model::{LabelledDocument, UnitKind};
use crate::profile::{DocumentProfile, Identity};

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Csv,
    Jsonl,
    Xlsx,
}

/// The record fields, in column order; metadata columns from `--meta` follow them.
pub const FIELDS: [&str; 29] = [
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
    "page",
    "commitment_cue",
    "neutralised_cues",
    "municipality",
    "year",
    "doc_type",
    "specificity",
    "commitment_type",
    "conditional",
    "mixed",
    "partners",
    "quantity",
    "frequency",
    "period",
    "place",
];

/// Separator of list items inside one CSV cell.
pub const LIST_SEPARATOR: &str = " | ";

/// One output record: a unit and everything decided about it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Record<'a> {
    pub doc: &'a str,
    pub unit: usize,
    pub start: usize,
    pub end: usize,
    pub kind: UnitKind,
    pub section: &'a str,
    pub text: &'a str,
    pub commitment: bool,
    pub actor: Option<&'static str>,
    pub actor_source: Option<&'static str>,
    pub actor_cue: &'a str,
    pub vague: Option<bool>,
    pub vague_cues: Vec<&'a str>,
    pub anchors: Vec<&'a str>,
    pub page: Option<u32>,
    pub commitment_cue: &'a str,
    pub neutralised_cues: Vec<&'a str>,
    pub municipality: Option<&'a str>,
    pub year: Option<u32>,
    pub doc_type: &'static str,
    pub specificity: Option<u8>,
    pub commitment_type: Option<&'static str>,
    pub conditional: Option<bool>,
    pub mixed: Option<bool>,
    pub partners: Vec<&'a str>,
    pub quantity: Vec<&'a str>,
    pub frequency: Vec<&'a str>,
    pub period: Vec<&'a str>,
    pub place: Vec<&'a str>,
}

/// A typed value, so that a workbook gets numbers and booleans, and CSV gets text.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
    Bool(bool),
    Empty,
}

impl Cell {
    /// A text cell, or an empty one for empty text.
    pub fn text(value: &str) -> Cell {
        if value.is_empty() {
            Cell::Empty
        } else {
            Cell::Text(value.to_string())
        }
    }

    /// The cell as CSV text; `guard` neutralises formula triggers (OWASP).
    pub fn to_csv(&self, guard: bool) -> String {
        match self {
            Cell::Text(text) if guard => neutralise_formula(text),
            Cell::Text(text) => text.clone(),
            Cell::Number(number) => number.to_string(),
            Cell::Bool(value) => value.to_string(),
            Cell::Empty => String::new(),
        }
    }
}

/// A spreadsheet reads a cell starting with `=`, `+`, `-`, `@`, a tab or a carriage
/// return as a formula. OWASP's advice is to prefix such a cell with a single quote,
/// which the spreadsheet shows as text; the words stay readable (`'-20 % inbrott`).
pub fn neutralise_formula(text: &str) -> String {
    if is_formula(text) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

/// Would a spreadsheet read `text` as a formula?
fn is_formula(text: &str) -> bool {
    text.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// The records of a document: every unit, or only the commitments. Made one at a
/// time as they are written: a large document's records held all at once had been
/// the largest part of the memory it took.
pub fn records<'a>(
    labelled: &'a LabelledDocument,
    identity: &'a Identity,
    all_units: bool,
) -> impl Iterator<Item = Record<'a>> + 'a {
    let units = &labelled.units;
    (0..units.len())
        .filter(move |&idx| all_units || labelled.commitments[idx].commitment)
        .map(|idx| {
            let unit = &units[idx];
            let commitment = &labelled.commitments[idx];
            let actor = labelled.actors[idx].as_ref();
            let vague = &labelled.vague[idx];
            let specificity = labelled.specificity[idx].as_deref();
            let cues = |neutralised: bool| -> Vec<&str> {
                vague
                    .cues
                    .iter()
                    .filter(|c| c.neutralised == neutralised)
                    .map(|c| c.text.as_str())
                    .collect()
            };
            Record {
                doc: &labelled.document.path,
                unit: idx + 1,
                start: unit.start,
                end: unit.end,
                kind: unit.kind,
                section: unit
                    .heading()
                    .map_or("", |heading| units[heading].text.as_str()),
                text: &unit.text,
                commitment: commitment.commitment,
                actor: actor.map(|a| a.actor.as_str()),
                actor_source: actor.map(|a| a.source.as_str()),
                actor_cue: actor.map_or("", |a| a.cue.as_str()),
                vague: commitment.commitment.then_some(vague.vague),
                vague_cues: cues(false),
                anchors: vague.anchors.iter().map(|a| a.text.as_str()).collect(),
                page: unit.page.map(NonZeroU32::get),
                commitment_cue: &commitment.cue,
                neutralised_cues: cues(true),
                municipality: identity.municipality.as_deref(),
                year: identity.year,
                doc_type: identity.doc_type,
                specificity: specificity.map(|s| s.level),
                commitment_type: specificity.map(|s| s.commitment_type),
                conditional: specificity.map(|s| s.conditional),
                mixed: specificity.map(|s| s.mixed),
                partners: strs(specificity.map(|s| &s.partners)),
                quantity: strs(specificity.map(|s| &s.quantity)),
                frequency: strs(specificity.map(|s| &s.frequency)),
                period: strs(specificity.map(|s| &s.period)),
                place: strs(specificity.map(|s| &s.place)),
            }
        })
}

fn strs(values: Option<&Vec<String>>) -> Vec<&str> {
    values.map_or_else(Vec::new, |values| {
        values.iter().map(String::as_str).collect()
    })
}

/// One field of a record, borrowed from it: what `cells` makes a cell of and the CSV
/// writer writes without making one.
#[derive(Debug, Clone, Copy)]
enum Field<'a> {
    Text(&'a str),
    /// Written as one text, joined by `LIST_SEPARATOR`.
    List(&'a [&'a str]),
    Number(usize),
    Bool(bool),
    Empty,
}

/// The record's fields, in `FIELDS` order.
fn fields<'a>(record: &'a Record) -> [Field<'a>; FIELDS.len()] {
    let optional = |value: Option<&'a str>| value.map_or(Field::Empty, Field::Text);
    let number = |value: Option<usize>| value.map_or(Field::Empty, Field::Number);
    let boolean = |value: Option<bool>| value.map_or(Field::Empty, Field::Bool);
    [
        Field::Text(record.doc),
        Field::Number(record.unit),
        Field::Number(record.start),
        Field::Number(record.end),
        Field::Text(record.kind.as_str()),
        Field::Text(record.section),
        Field::Text(record.text),
        Field::Bool(record.commitment),
        optional(record.actor),
        optional(record.actor_source),
        Field::Text(record.actor_cue),
        boolean(record.vague),
        Field::List(&record.vague_cues),
        Field::List(&record.anchors),
        number(record.page.map(|page| page as usize)),
        Field::Text(record.commitment_cue),
        Field::List(&record.neutralised_cues),
        optional(record.municipality),
        number(record.year.map(|year| year as usize)),
        Field::Text(record.doc_type),
        number(record.specificity.map(usize::from)),
        optional(record.commitment_type),
        boolean(record.conditional),
        boolean(record.mixed),
        Field::List(&record.partners),
        Field::List(&record.quantity),
        Field::List(&record.frequency),
        Field::List(&record.period),
        Field::List(&record.place),
    ]
}

impl Field<'_> {
    fn cell(self) -> Cell {
        match self {
            Field::Text(text) => Cell::text(text),
            Field::List(values) => Cell::text(&values.join(LIST_SEPARATOR)),
            Field::Number(number) => Cell::Number(number as f64),
            Field::Bool(value) => Cell::Bool(value),
            Field::Empty => Cell::Empty,
        }
    }

    /// Appends the field to `out` as a CSV field with the text `Cell::to_csv(true)` gives
    /// its cell: formula triggers neutralised, numbers as integers. A list of two or
    /// more values is joined in `scratch` first.
    fn write_csv(self, quoting: &CsvQuoting, out: &mut Vec<u8>, scratch: &mut Vec<u8>) {
        match self {
            Field::Text(text) | Field::List(&[text]) => quoting.guarded_field(out, text),
            Field::List([]) | Field::Empty => {}
            Field::List([first, rest @ ..]) => {
                scratch.clear();
                guarded(scratch, first);
                for value in rest {
                    scratch.extend_from_slice(LIST_SEPARATOR.as_bytes());
                    scratch.extend_from_slice(value.as_bytes());
                }
                quoting.field(out, b"", scratch);
            }
            Field::Number(number) => {
                quoting.field(out, b"", itoa::Buffer::new().format(number).as_bytes())
            }
            Field::Bool(value) => quoting.field(out, b"", if value { b"true" } else { b"false" }),
        }
    }
}

/// `text` after `out`, neutralised as `neutralise_formula` does.
fn guarded(out: &mut Vec<u8>, text: &str) {
    if is_formula(text) {
        out.push(b'\'');
    }
    out.extend_from_slice(text.as_bytes());
}

/// The record's cells, in `FIELDS` order.
pub fn cells(record: &Record) -> Vec<Cell> {
    fields(record).into_iter().map(Field::cell).collect()
}

/// How CSV is written.
#[derive(Debug, Clone, Copy)]
pub struct CsvOptions {
    pub delimiter: u8,
    /// A UTF-8 byte-order mark first, so that Excel shows å/ä/ö.
    pub bom: bool,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions {
            delimiter: b',',
            bom: false,
        }
    }
}

/// Writes records in CSV or JSON Lines; CSV gets its header before the first row.
/// Metadata columns (`--meta`) follow the contract fields.
///
/// Rows are written by hand, each into one buffer and then to the writer in one call:
/// the csv crate's writer, field by field, had been a fifth of a whole run's work. A
/// CSV row is what the csv crate writes (a test compares the two): a field is quoted
/// when it holds the delimiter, a quote, `\r` or `\n`, and its quotes are doubled.
pub struct RecordWriter<W: Write> {
    format: Format,
    meta_columns: Vec<String>,
    quoting: CsvQuoting,
    out: W,
    /// The row being written, reused from record to record.
    line: Vec<u8>,
    /// A list field's values joined, before quoting.
    list_text: Vec<u8>,
    /// The JSON of the fields that repeat from row to row.
    repeated: RepeatedFields,
}

impl<W: Write> RecordWriter<W> {
    pub fn new(
        mut writer: W,
        format: Format,
        options: CsvOptions,
        meta_columns: &[String],
    ) -> io::Result<RecordWriter<W>> {
        if format == Format::Csv && options.bom {
            writer.write_all("\u{feff}".as_bytes())?;
        }
        let mut rows = RecordWriter::rows_only(writer, format, options, meta_columns)?;
        if format == Format::Csv {
            rows.line.clear();
            let header = FIELDS
                .iter()
                .copied()
                .chain(meta_columns.iter().map(String::as_str));
            for (idx, name) in header.enumerate() {
                rows.quoting.separate(&mut rows.line, idx);
                rows.quoting.field(&mut rows.line, b"", name.as_bytes());
            }
            rows.line.push(b'\n');
            rows.out.write_all(&rows.line)?;
        }
        Ok(rows)
    }

    /// A writer for rows only: no byte-order mark and no header, for rendering one
    /// document's records in a worker thread (see `write_rendered`).
    pub fn rows_only(
        writer: W,
        format: Format,
        options: CsvOptions,
        meta_columns: &[String],
    ) -> io::Result<RecordWriter<W>> {
        if format == Format::Xlsx {
            return Err(io::Error::other(
                "a workbook is written by the xlsx module, not line by line",
            ));
        }
        Ok(RecordWriter {
            format,
            meta_columns: meta_columns.to_vec(),
            quoting: CsvQuoting::new(options.delimiter),
            out: writer,
            line: Vec::new(),
            list_text: Vec::new(),
            repeated: RepeatedFields::default(),
        })
    }

    /// Writes rows rendered by a `rows_only` writer with the same format and options.
    pub fn write_rendered(&mut self, rows: &[u8]) -> io::Result<()> {
        self.out.write_all(rows)
    }

    /// Writes one record with the metadata values of its document (in `meta_columns` order).
    pub fn write(&mut self, record: &Record, meta: &[String]) -> io::Result<()> {
        match self.format {
            Format::Csv => {
                self.line.clear();
                for (idx, field) in fields(record).into_iter().enumerate() {
                    self.quoting.separate(&mut self.line, idx);
                    field.write_csv(&self.quoting, &mut self.line, &mut self.list_text);
                }
                for value in meta {
                    self.line.push(self.quoting.delimiter);
                    self.quoting.guarded_field(&mut self.line, value);
                }
                self.line.push(b'\n');
                self.out.write_all(&self.line)
            }
            Format::Jsonl => {
                if self.meta_columns.is_empty() {
                    self.line.clear();
                    json_line(&mut self.line, record, &mut self.repeated);
                    return self.out.write_all(&self.line);
                }
                // With metadata, a map: a metadata column named like a field replaces it.
                let mut value = serde_json::to_value(record).map_err(io::Error::other)?;
                if let Some(object) = value.as_object_mut() {
                    for (column, cell) in self.meta_columns.iter().zip(meta) {
                        object.insert(column.clone(), serde_json::Value::String(cell.clone()));
                    }
                }
                serde_json::to_writer(&mut self.out, &value).map_err(io::Error::other)?;
                self.out.write_all(b"\n")
            }
            Format::Xlsx => unreachable!("RecordWriter::rows_only refuses xlsx"),
        }
    }

    /// Flushes and returns the underlying writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

/// How a CSV field is quoted: as the csv crate does by default (`QuoteStyle::Necessary`,
/// doubled quotes, `\n` between records).
struct CsvQuoting {
    delimiter: u8,
    /// The bytes that make a field quoted: the delimiter, `"`, `\r` and `\n`.
    special: [bool; 256],
}

impl CsvQuoting {
    fn new(delimiter: u8) -> CsvQuoting {
        let mut special = [false; 256];
        for byte in [delimiter, b'"', b'\r', b'\n'] {
            special[usize::from(byte)] = true;
        }
        CsvQuoting { delimiter, special }
    }

    /// The delimiter before every field but the first (`idx` 0).
    #[inline(always)]
    fn separate(&self, out: &mut Vec<u8>, idx: usize) {
        if idx > 0 {
            out.push(self.delimiter);
        }
    }

    /// `text`, neutralised as `neutralise_formula` does, as one CSV field.
    #[inline(always)]
    fn guarded_field(&self, out: &mut Vec<u8>, text: &str) {
        let guard: &[u8] = if is_formula(text) { b"'" } else { b"" };
        self.field(out, guard, text.as_bytes());
    }

    /// `prefix` and `text` as one CSV field, quoted if it must be.
    fn field(&self, out: &mut Vec<u8>, prefix: &[u8], text: &[u8]) {
        if !self.needs_quotes(prefix) && !self.needs_quotes(text) {
            out.extend_from_slice(prefix);
            out.extend_from_slice(text);
            return;
        }
        out.push(b'"');
        for part in [prefix, text] {
            let mut pieces = part.split(|&byte| byte == b'"');
            if let Some(first) = pieces.next() {
                out.extend_from_slice(first);
            }
            for piece in pieces {
                out.extend_from_slice(b"\"\"");
                out.extend_from_slice(piece);
            }
        }
        out.push(b'"');
    }

    /// Does `bytes` hold a byte that makes a field quoted? Short fields (most are) byte
    /// by byte; longer ones, such as a unit's text, with memchr.
    #[inline(always)]
    fn needs_quotes(&self, bytes: &[u8]) -> bool {
        if bytes.len() < 16 {
            return bytes.iter().any(|&byte| self.special[usize::from(byte)]);
        }
        memchr::memchr3(self.delimiter, b'"', b'\n', bytes).is_some()
            || memchr::memchr(b'\r', bytes).is_some()
    }
}

/// What comes before a field's value: the comma (or, for the first field, the brace),
/// the quoted field name and the colon, as one literal so that each field's key is one
/// copy of known length. Field names need no escaping.
macro_rules! key {
    (first $name:literal) => {
        concat!("{\"", $name, "\":")
    };
    ($name:literal) => {
        concat!(",\"", $name, "\":")
    };
}

/// `record` as one JSON object and a newline: the bytes `serde_json` writes for the
/// derived `Serialize`, in field order (a test compares the two), without its
/// per-byte escaping loop, which was the largest single cost of `--format jsonl`.
/// `repeated` holds the fields the rows before wrote, escaped.
fn json_line(out: &mut Vec<u8>, record: &Record, repeated: &mut RepeatedFields) {
    let mut line = JsonObject::new(out);
    line.escaped(key!(first "doc"), repeated.doc.of(record.doc));
    line.number(key!("unit"), record.unit);
    line.number(key!("start"), record.start);
    line.number(key!("end"), record.end);
    line.string(key!("kind"), record.kind.as_str());
    line.escaped(key!("section"), repeated.section.of(record.section));
    line.string(key!("text"), record.text);
    line.boolean(key!("commitment"), Some(record.commitment));
    line.optional_string(key!("actor"), record.actor);
    line.optional_string(key!("actor_source"), record.actor_source);
    line.string(key!("actor_cue"), record.actor_cue);
    line.boolean(key!("vague"), record.vague);
    line.strings(key!("vague_cues"), &record.vague_cues);
    line.strings(key!("anchors"), &record.anchors);
    line.optional_number(key!("page"), record.page.map(|n| n as usize));
    line.string(key!("commitment_cue"), record.commitment_cue);
    line.strings(key!("neutralised_cues"), &record.neutralised_cues);
    let municipality = record
        .municipality
        .map(|name| repeated.municipality.of(name));
    line.optional_escaped(key!("municipality"), municipality);
    line.optional_number(key!("year"), record.year.map(|n| n as usize));
    line.escaped(key!("doc_type"), repeated.doc_type.of(record.doc_type));
    line.optional_number(key!("specificity"), record.specificity.map(usize::from));
    line.optional_string(key!("commitment_type"), record.commitment_type);
    line.boolean(key!("conditional"), record.conditional);
    line.boolean(key!("mixed"), record.mixed);
    line.strings(key!("partners"), &record.partners);
    line.strings(key!("quantity"), &record.quantity);
    line.strings(key!("frequency"), &record.frequency);
    line.strings(key!("period"), &record.period);
    line.strings(key!("place"), &record.place);
    line.end();
}

/// The fields of a row that mostly repeat the row before: its document's name, type and
/// municipality, and its section heading. Each keeps its last value as JSON, so that it
/// is escaped once per document or section, not once per row.
#[derive(Default)]
struct RepeatedFields {
    doc: Escaped,
    section: Escaped,
    municipality: Escaped,
    doc_type: Escaped,
}

/// A text and the JSON string it was written as.
#[derive(Default)]
struct Escaped {
    text: String,
    json: Vec<u8>,
}

impl Escaped {
    /// `text` as a JSON string, escaped anew only when it is not the last one asked for.
    fn of(&mut self, text: &str) -> &[u8] {
        if self.json.is_empty() || self.text != text {
            self.text.clear();
            self.text.push_str(text);
            self.json.clear();
            json_string(&mut self.json, text);
        }
        &self.json
    }
}

/// Writes one flat JSON object field by field; each field is given its `key!`.
struct JsonObject<'a> {
    out: &'a mut Vec<u8>,
}

impl<'a> JsonObject<'a> {
    fn new(out: &'a mut Vec<u8>) -> JsonObject<'a> {
        JsonObject { out }
    }

    #[inline(always)]
    fn key(&mut self, key: &str) {
        self.out.extend_from_slice(key.as_bytes());
    }

    #[inline(always)]
    fn string(&mut self, key: &str, value: &str) {
        self.key(key);
        json_string(self.out, value);
    }

    /// A string field whose value is already JSON (`Escaped`).
    #[inline(always)]
    fn escaped(&mut self, key: &str, json: &[u8]) {
        self.key(key);
        self.out.extend_from_slice(json);
    }

    #[inline(always)]
    fn optional_escaped(&mut self, key: &str, json: Option<&[u8]>) {
        self.key(key);
        self.out.extend_from_slice(json.unwrap_or(b"null"));
    }

    #[inline(always)]
    fn optional_string(&mut self, key: &str, value: Option<&str>) {
        self.key(key);
        match value {
            Some(value) => json_string(self.out, value),
            None => self.out.extend_from_slice(b"null"),
        }
    }

    #[inline(always)]
    fn number(&mut self, key: &str, value: usize) {
        self.key(key);
        self.out
            .extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
    }

    #[inline(always)]
    fn optional_number(&mut self, key: &str, value: Option<usize>) {
        match value {
            Some(value) => self.number(key, value),
            None => {
                self.key(key);
                self.out.extend_from_slice(b"null");
            }
        }
    }

    #[inline(always)]
    fn boolean(&mut self, key: &str, value: Option<bool>) {
        self.key(key);
        self.out.extend_from_slice(match value {
            Some(true) => b"true",
            Some(false) => b"false",
            None => b"null",
        });
    }

    #[inline(always)]
    fn strings(&mut self, key: &str, values: &[&str]) {
        self.key(key);
        self.out.push(b'[');
        for (idx, value) in values.iter().enumerate() {
            if idx > 0 {
                self.out.push(b',');
            }
            json_string(self.out, value);
        }
        self.out.push(b']');
    }

    fn end(self) {
        self.out.extend_from_slice(b"}\n");
    }
}

/// `text` as a JSON string, escaped as `serde_json` does: `"` and `\\` with a backslash,
/// the control characters with their short escape or `\u00xx`, all else as it is.
fn json_string(out: &mut Vec<u8>, text: &str) {
    out.push(b'"');
    let bytes = text.as_bytes();
    let mut done = 0;
    while let Some(offset) = first_to_escape(&bytes[done..]) {
        let at = done + offset;
        out.extend_from_slice(&bytes[done..at]);
        match bytes[at] {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0C => out.extend_from_slice(b"\\f"),
            control => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(control >> 4)]);
                out.push(HEX[usize::from(control & 0xF)]);
            }
        }
        done = at + 1;
    }
    out.extend_from_slice(&bytes[done..]);
    out.push(b'"');
}

/// The offset of the first byte that JSON must escape: `"`, `\\` or a control character.
/// Eight bytes are tested at a time; text rarely has any.
fn first_to_escape(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let has_zero_byte = |word: u64| word.wrapping_sub(ONES) & !word & HIGHS;
    let mut chunks = bytes.chunks_exact(8);
    let mut at = 0;
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        // A byte below 0x20 is flagged by subtracting 0x20 (non-ASCII bytes, whose high
        // bit is set, are masked out); `"` and `\\` by equality with them.
        let low = word.wrapping_sub(ONES * 0x20) & !word & HIGHS;
        let quote = has_zero_byte(word ^ (ONES * u64::from(b'"')));
        let backslash = has_zero_byte(word ^ (ONES * u64::from(b'\\')));
        if low | quote | backslash != 0 {
            break;
        }
        at += 8;
    }
    bytes[at..]
        .iter()
        .position(|&b| b < 0x20 || b == b'"' || b == b'\\')
        .map(|offset| at + offset)
}

/// The columns of the per-document table (`lofte summary`, the workbook's Documents sheet).
pub const PROFILE_FIELDS: [&str; 25] = [
    "doc",
    "municipality",
    "year",
    "doc_type",
    "units",
    "commitments",
    "police",
    "municipality_commitments",
    "both",
    "other",
    "unspecified",
    "share_vague",
    "share_anchored",
    "share_unspecified",
    "share_specificity_3",
    "cheap_talk_share",
    "parties",
    "period_start",
    "period_end",
    "element_problem",
    "element_causes",
    "element_measurable_goals",
    "element_documentation",
    "element_follow_up",
    "element_period",
];

/// A profile's cells, in `PROFILE_FIELDS` order.
pub fn profile_cells(profile: &DocumentProfile) -> Vec<Cell> {
    let count = |n: usize| Cell::Number(n as f64);
    vec![
        Cell::Text(profile.doc.clone()),
        profile.municipality.clone().map_or(Cell::Empty, Cell::Text),
        profile.year.map_or(Cell::Empty, |y| Cell::Number(y as f64)),
        Cell::Text(profile.doc_type.to_string()),
        count(profile.units),
        count(profile.commitments),
        count(profile.police),
        count(profile.municipality_commitments),
        count(profile.both),
        count(profile.other),
        count(profile.unspecified),
        Cell::Number(round3(profile.share_vague)),
        Cell::Number(round3(profile.share_anchored)),
        Cell::Number(round3(profile.share_unspecified)),
        Cell::Number(round3(profile.share_specificity_3)),
        Cell::Number(round3(profile.cheap_talk_share)),
        Cell::Text(profile.parties.join(LIST_SEPARATOR)),
        profile.period_start.clone().map_or(Cell::Empty, Cell::Text),
        profile.period_end.clone().map_or(Cell::Empty, Cell::Text),
        Cell::Bool(profile.elements.problem),
        Cell::Bool(profile.elements.causes),
        Cell::Bool(profile.elements.measurable_goals),
        Cell::Bool(profile.elements.documentation),
        Cell::Bool(profile.elements.follow_up),
        Cell::Bool(profile.elements.period),
    ]
}

fn round3(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lexicon::Lexicons;
    use crate::pipeline::label_text;
    use crate::profile::identity;

    /// `text` labelled as `ystad.txt`, with its identity.
    fn labelled(text: &str) -> (LabelledDocument, Identity) {
        let labelled = label_text("ystad.txt", text, &Lexicons::embedded());
        let identity = identity(&labelled);
        (labelled, identity)
    }

    fn written(format: Format, all_units: bool, options: CsvOptions) -> String {
        let (labelled, identity) = labelled(
            "Polisens åtaganden\n\nPolisen ska öka närvaron i centrum, \"varje fredag\". Under 2018 anmäldes 312 inbrott.\n• -20 % inbrott ska nås\n",
        );
        let meta = vec!["län".to_string()];
        let mut writer = RecordWriter::new(Vec::new(), format, options, &meta).unwrap();
        for record in records(&labelled, &identity, all_units) {
            writer.write(&record, &["Skåne".to_string()]).unwrap();
        }
        String::from_utf8(writer.finish().unwrap()).unwrap()
    }

    /// The same document written row by row and as rows rendered apart (as the workers
    /// do), twice over, with a direct row in between.
    fn written_rendered(format: Format, options: CsvOptions) -> (String, String) {
        let (labelled, identity) = labelled(
            "Polisens åtaganden\n\nPolisen ska öka närvaron i centrum, \"varje fredag\"; =1+1.\n• Kommunen ska belysa; parken\n",
        );
        let meta = vec!["län".to_string()];
        let values = ["Skåne; \"syd\"".to_string()];
        let all: Vec<Record> = records(&labelled, &identity, true).collect();
        let mut direct = RecordWriter::new(Vec::new(), format, options, &meta).unwrap();
        for record in all.iter().chain(&all).chain(&all) {
            direct.write(record, &values).unwrap();
        }
        let mut rendered_rows =
            RecordWriter::rows_only(Vec::new(), format, options, &meta).unwrap();
        for record in &all {
            rendered_rows.write(record, &values).unwrap();
        }
        let rendered_rows = rendered_rows.finish().unwrap();
        let mut rendered = RecordWriter::new(Vec::new(), format, options, &meta).unwrap();
        rendered.write_rendered(&rendered_rows).unwrap();
        for record in &all {
            rendered.write(record, &values).unwrap();
        }
        rendered.write_rendered(&rendered_rows).unwrap();
        (
            String::from_utf8(direct.finish().unwrap()).unwrap(),
            String::from_utf8(rendered.finish().unwrap()).unwrap(),
        )
    }

    #[test]
    fn rows_rendered_apart_are_the_same_bytes_as_rows_written_directly() {
        let semicolon = CsvOptions {
            delimiter: b';',
            bom: true,
        };
        for (format, options) in [
            (Format::Csv, CsvOptions::default()),
            (Format::Csv, semicolon),
            (Format::Jsonl, CsvOptions::default()),
        ] {
            let (direct, rendered) = written_rendered(format, options);
            assert!(direct.lines().count() >= 9, "{direct}");
            assert_eq!(direct, rendered, "{format:?}");
        }
    }

    #[test]
    fn csv_has_header_and_quoted_rows_with_empty_cells_for_non_commitments() {
        let text = written(Format::Csv, true, CsvOptions::default());
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let header: Vec<String> = reader
            .headers()
            .unwrap()
            .iter()
            .map(str::to_string)
            .collect();
        assert_eq!(header[..FIELDS.len()], FIELDS);
        assert_eq!(header[FIELDS.len()], "län");
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 4);
        assert_eq!(
            &rows[1][6],
            "Polisen ska öka närvaron i centrum, \"varje fredag\"."
        );
        assert_eq!(
            (&rows[1][7], &rows[1][8], &rows[1][9], &rows[1][11]),
            ("true", "police", "explicit", "false")
        );
        assert_eq!((&rows[2][7], &rows[2][8], &rows[2][11]), ("false", "", ""));
        assert_eq!(&rows[1][5], "Polisens åtaganden");
        assert_eq!(&rows[1][FIELDS.len()], "Skåne");
    }

    #[test]
    fn csv_neutralises_formulas_but_jsonl_keeps_the_text() {
        let csv_text = written(Format::Csv, true, CsvOptions::default());
        let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(&rows[3][6], "'-20 % inbrott ska nås");
        let jsonl = written(Format::Jsonl, true, CsvOptions::default());
        let last: serde_json::Value = serde_json::from_str(jsonl.lines().last().unwrap()).unwrap();
        assert_eq!(last["text"], "-20 % inbrott ska nås");
        for trigger in ["=SUM(A1)", "+1", "@cmd", "\tx", "\rx"] {
            assert!(neutralise_formula(trigger).starts_with('\''), "{trigger:?}");
        }
        assert_eq!(neutralise_formula("Polisen ska"), "Polisen ska");
    }

    #[test]
    fn swedish_excel_csv_has_bom_and_semicolons() {
        let text = written(
            Format::Csv,
            false,
            CsvOptions {
                delimiter: b';',
                bom: true,
            },
        );
        assert!(text.as_bytes().starts_with(b"\xef\xbb\xbfdoc;unit;start;"));
        assert!(text.contains("Polisens åtaganden"), "å/ä/ö stay UTF-8");
    }

    #[test]
    fn jsonl_has_the_same_fields_with_nulls_arrays_and_metadata() {
        let text = written(Format::Jsonl, false, CsvOptions::default());
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        let keys: Vec<&str> = lines[0]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys.len(), FIELDS.len() + 1);
        assert!(FIELDS.iter().all(|field| keys.contains(field)));
        assert_eq!(lines[0]["unit"], 2);
        assert_eq!(lines[0]["kind"], "sentence");
        assert_eq!(lines[0]["län"], "Skåne");
        assert!(lines[0]["anchors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a == "varje fredag"));
        assert_eq!(lines[0]["page"], serde_json::Value::Null);
    }

    /// Any text, with the characters JSON escapes made common.
    fn any_text() -> impl proptest::strategy::Strategy<Value = String> {
        proptest::string::string_regex("([\"\\\\\\x00-\\x1f\\x7f]|[a-zåäö ]|\\PC){0,40}").unwrap()
    }

    /// Text that starts, often, with what CSV quotes or a spreadsheet reads as a formula.
    fn csv_text() -> impl proptest::strategy::Strategy<Value = String> {
        proptest::string::string_regex("([=+@\t\r\n,;\"-]|[a-zåäö ]|\\PC){0,40}").unwrap()
    }

    /// A record made of generated pieces: eight texts, nine lists, three numbers,
    /// three optional flags and an optional number.
    fn record_of<'a>(
        texts: &'a [String],
        lists: &'a [Vec<String>],
        numbers: &[usize],
        flags: &[Option<bool>],
        optional: Option<u32>,
    ) -> Record<'a> {
        let list = |idx: usize| lists[idx].iter().map(String::as_str).collect::<Vec<_>>();
        Record {
            doc: &texts[0],
            unit: numbers[0],
            start: numbers[1],
            end: numbers[2],
            kind: UnitKind::LeadIn,
            section: &texts[1],
            text: &texts[2],
            commitment: flags[0].unwrap_or(true),
            actor: flags[1].map(|_| "police"),
            actor_source: None,
            actor_cue: &texts[3],
            vague: flags[1],
            vague_cues: list(0),
            anchors: list(1),
            page: optional,
            commitment_cue: &texts[4],
            neutralised_cues: list(2),
            municipality: flags[2].map(|_| texts[5].as_str()),
            year: optional.map(|y| y + 2000),
            doc_type: "medborgarlofte",
            specificity: optional.map(|n| (n % 4) as u8),
            commitment_type: flags[0].map(|_| "activity"),
            conditional: flags[2],
            mixed: flags[0],
            partners: list(3),
            quantity: list(4),
            frequency: list(5),
            period: list(6),
            place: list(7),
        }
    }

    proptest::proptest! {
        /// The hand-written JSON line is byte for byte what serde_json writes for the
        /// derived `Serialize`: same field order, escapes, nulls and arrays.
        #[test]
        fn json_lines_are_the_bytes_serde_json_writes(
            texts in proptest::collection::vec(any_text(), 8),
            lists in proptest::collection::vec(proptest::collection::vec(any_text(), 0..3), 9),
            numbers in proptest::collection::vec(0usize..100_000, 3),
            flags in proptest::collection::vec(proptest::option::of(proptest::bool::ANY), 3),
            optional in proptest::option::of(0u32..3000),
        ) {
            let record = record_of(&texts, &lists, &numbers, &flags, optional);
            let mut ours = Vec::new();
            json_line(&mut ours, &record, &mut RepeatedFields::default());
            let theirs = serde_json::to_string(&record).unwrap() + "\n";
            proptest::prop_assert_eq!(String::from_utf8(ours).unwrap(), theirs);
        }

        /// Rows written one after another, sharing the memory of the fields that repeat,
        /// are each what serde_json writes: a document name, section or municipality that
        /// repeats, changes or comes back is never written as it was in an earlier row.
        #[test]
        fn json_lines_in_a_row_are_each_the_bytes_serde_json_writes(
            rows in proptest::collection::vec(
                (
                    proptest::collection::vec(
                        proptest::sample::select(vec!["", "Åstorp", "Polisen \"syd\"", "a\\b\n"]),
                        8,
                    ),
                    proptest::option::of(proptest::bool::ANY),
                ),
                1..8,
            ),
        ) {
            let mut repeated = RepeatedFields::default();
            let no_lists = vec![Vec::new(); 9];
            for (texts, flag) in rows {
                let texts: Vec<String> = texts.into_iter().map(String::from).collect();
                let record = record_of(&texts, &no_lists, &[1, 2, 3], &[flag, flag, flag], None);
                let mut ours = Vec::new();
                json_line(&mut ours, &record, &mut repeated);
                let theirs = serde_json::to_string(&record).unwrap() + "\n";
                proptest::prop_assert_eq!(String::from_utf8(ours).unwrap(), theirs);
            }
        }

        /// The header and a row written by hand are what the csv crate writes for the
        /// field names and the record's cells (each as `Cell::to_csv(true)` writes it,
        /// the metadata values neutralised after), with any of the delimiters a user
        /// may pick, a letter among them.
        #[test]
        fn csv_rows_are_the_cells_as_the_csv_crate_writes_them(
            texts in proptest::collection::vec(csv_text(), 8),
            lists in proptest::collection::vec(proptest::collection::vec(csv_text(), 0..3), 9),
            numbers in proptest::collection::vec(0usize..10_000_000_000, 3),
            flags in proptest::collection::vec(proptest::option::of(proptest::bool::ANY), 3),
            optional in proptest::option::of(0u32..3000),
            meta in proptest::collection::vec(csv_text(), 0..3),
            delimiter in proptest::sample::select(vec![b',', b';', b'\t', b'|', b'e']),
        ) {
            let record = record_of(&texts, &lists, &numbers, &flags, optional);
            let columns: Vec<String> = (0..meta.len()).map(|idx| format!("meta, {idx}")).collect();
            let options = CsvOptions { delimiter, bom: false };
            let mut writer = RecordWriter::new(Vec::new(), Format::Csv, options, &columns).unwrap();
            writer.write(&record, &meta).unwrap();
            let ours = writer.finish().unwrap();
            let mut reference = csv::WriterBuilder::new().delimiter(delimiter).from_writer(Vec::new());
            let header = FIELDS.iter().map(|name| name.to_string()).chain(columns.iter().cloned());
            reference.write_record(header).unwrap();
            let row = cells(&record)
                .iter()
                .map(|cell| cell.to_csv(true))
                .chain(meta.iter().map(|value| neutralise_formula(value)))
                .collect::<Vec<_>>();
            reference.write_record(&row).unwrap();
            let theirs = reference.into_inner().unwrap();
            proptest::prop_assert_eq!(String::from_utf8(ours).unwrap(), String::from_utf8(theirs).unwrap());
        }
    }

    #[test]
    fn the_escape_scan_finds_the_first_byte_to_escape_at_every_offset() {
        for len in 0..24 {
            for at in 0..=len {
                for special in [b'"', b'\\', 0x00, 0x1f, b'\n'] {
                    let mut bytes = vec![b'a'; len];
                    if at < len {
                        bytes[at] = special;
                    }
                    let expected = (at < len).then_some(at);
                    assert_eq!(first_to_escape(&bytes), expected, "{bytes:?}");
                }
            }
        }
        // Bytes of å, ä, ö and the last ASCII ones are never escaped.
        assert_eq!(first_to_escape("åäö ~\x7f Å".as_bytes()), None);
    }
}
