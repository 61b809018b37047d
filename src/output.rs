//! Output: labelled units as CSV or JSON Lines, one record per unit.
//!
//! Input: `LabelledDocument`s in output order. Output: bytes on a writer. The record
//! fields are a contract (README.md, "Output contract"): later versions may add
//! fields, never rename these. In CSV, lists are joined with ` | ` and empty values
//! are empty cells; in JSON Lines, lists are arrays and empty values are `null`.

use std::io::{self, Write};

use serde::Serialize;

use crate::model::{LabelledDocument, UnitKind};

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Csv,
    Jsonl,
}

/// The record fields, in column order.
pub const FIELDS: [&str; 17] = [
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
}

/// The records of a document: every unit, or only the commitments.
pub fn records(labelled: &LabelledDocument, all_units: bool) -> Vec<Record<'_>> {
    let units = &labelled.units;
    (0..units.len())
        .filter(|&idx| all_units || labelled.commitments[idx].commitment)
        .map(|idx| {
            let unit = &units[idx];
            let commitment = &labelled.commitments[idx];
            let actor = labelled.actors[idx].as_ref();
            let vague = &labelled.vague[idx];
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
                    .heading
                    .map_or("", |heading| units[heading].text.as_str()),
                text: &unit.text,
                commitment: commitment.commitment,
                actor: actor.map(|a| a.actor.as_str()),
                actor_source: actor.map(|a| a.source.as_str()),
                actor_cue: actor.map_or("", |a| a.cue.as_str()),
                vague: commitment.commitment.then_some(vague.vague),
                vague_cues: cues(false),
                anchors: vague.anchors.iter().map(|a| a.text.as_str()).collect(),
                page: unit.page,
                commitment_cue: &commitment.cue,
                neutralised_cues: cues(true),
            }
        })
        .collect()
}

/// Writes records in one format to a writer; CSV gets its header before the first row.
pub struct RecordWriter<W: Write> {
    format: Format,
    csv: Option<csv::Writer<W>>,
    plain: Option<W>,
}

impl<W: Write> RecordWriter<W> {
    pub fn new(writer: W, format: Format) -> io::Result<RecordWriter<W>> {
        match format {
            Format::Csv => {
                let mut csv = csv::WriterBuilder::new().from_writer(writer);
                csv.write_record(FIELDS).map_err(io::Error::other)?;
                Ok(RecordWriter {
                    format,
                    csv: Some(csv),
                    plain: None,
                })
            }
            Format::Jsonl => Ok(RecordWriter {
                format,
                csv: None,
                plain: Some(writer),
            }),
        }
    }

    pub fn write(&mut self, record: &Record) -> io::Result<()> {
        match self.format {
            Format::Csv => {
                let csv = self.csv.as_mut().expect("csv writer for csv format");
                csv.write_record(csv_row(record)).map_err(into_io)
            }
            Format::Jsonl => {
                let out = self.plain.as_mut().expect("plain writer for jsonl format");
                serde_json::to_writer(&mut *out, record).map_err(io::Error::other)?;
                out.write_all(b"\n")
            }
        }
    }

    /// Flushes and returns the underlying writer.
    pub fn finish(self) -> io::Result<W> {
        match (self.csv, self.plain) {
            (Some(csv), _) => csv
                .into_inner()
                .map_err(|err| io::Error::other(err.to_string())),
            (None, Some(mut plain)) => {
                plain.flush()?;
                Ok(plain)
            }
            (None, None) => unreachable!("a RecordWriter holds one writer"),
        }
    }
}

/// A csv error that wraps an I/O error (a closed pipe) keeps its kind.
fn into_io(err: csv::Error) -> io::Error {
    match err.into_kind() {
        csv::ErrorKind::Io(err) => err,
        other => io::Error::other(format!("{other:?}")),
    }
}

fn csv_row(record: &Record) -> [String; 17] {
    let optional = |value: Option<String>| value.unwrap_or_default();
    [
        record.doc.to_string(),
        record.unit.to_string(),
        record.start.to_string(),
        record.end.to_string(),
        record.kind.as_str().to_string(),
        record.section.to_string(),
        record.text.to_string(),
        record.commitment.to_string(),
        optional(record.actor.map(str::to_string)),
        optional(record.actor_source.map(str::to_string)),
        record.actor_cue.to_string(),
        optional(record.vague.map(|v| v.to_string())),
        record.vague_cues.join(LIST_SEPARATOR),
        record.anchors.join(LIST_SEPARATOR),
        optional(record.page.map(|p| p.to_string())),
        record.commitment_cue.to_string(),
        record.neutralised_cues.join(LIST_SEPARATOR),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lexicon::Lexicons;
    use crate::pipeline::label_text;

    fn written(format: Format, all_units: bool) -> String {
        let lexicons = Lexicons::embedded();
        let labelled = label_text(
            "ystad.txt",
            "Polisens åtaganden\n\nPolisen ska öka närvaron i centrum, \"varje fredag\". Under 2018 anmäldes 312 inbrott.\n",
            &lexicons,
        );
        let mut writer = RecordWriter::new(Vec::new(), format).unwrap();
        for record in records(&labelled, all_units) {
            writer.write(&record).unwrap();
        }
        String::from_utf8(writer.finish().unwrap()).unwrap()
    }

    #[test]
    fn csv_has_header_and_quoted_rows_with_empty_cells_for_non_commitments() {
        let text = written(Format::Csv, true);
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        assert_eq!(reader.headers().unwrap().iter().collect::<Vec<_>>(), FIELDS);
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 3);
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
    }

    #[test]
    fn jsonl_has_the_same_fields_with_nulls_and_arrays() {
        let text = written(Format::Jsonl, false);
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 1);
        let keys: Vec<&str> = lines[0]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys.len(), FIELDS.len());
        assert!(FIELDS.iter().all(|field| keys.contains(field)));
        assert_eq!(lines[0]["unit"], 2);
        assert_eq!(lines[0]["kind"], "sentence");
        assert!(lines[0]["anchors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a == "varje fredag"));
        assert_eq!(lines[0]["page"], serde_json::Value::Null);
    }
}
