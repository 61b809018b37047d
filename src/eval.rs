//! Evaluation: how close are lofte's units and labels to a gold annotation?
//!
//! Input: gold records (JSON Lines with `doc`, `text`, `kind`, `commitment`, `actor`,
//! `vague`, every unit of every document in order) and the `LabelledDocument`s of the
//! same documents. Output: a `Report` with segmentation, commitment, actor and vague
//! figures, overall and per document.
//!
//! Gold units carry no offsets, so both unit sequences are laid on their text with
//! whitespace removed and aligned with a character diff; each gold unit then takes the
//! labels of the system unit it overlaps most (ANNOTATION.md's matching rule), and a
//! segmentation match is a gold unit whose characters are exactly one system unit.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::model::{Actor, LabelledDocument};

/// One gold unit.
#[derive(Debug, Clone, Deserialize)]
pub struct GoldUnit {
    pub doc: String,
    pub text: String,
    #[serde(default)]
    pub kind: Option<String>,
    pub commitment: bool,
    #[serde(default)]
    pub actor: Option<String>,
    #[serde(default)]
    pub vague: Option<bool>,
    /// 0–3, for commitments (corpus/README.md).
    #[serde(default)]
    pub specificity: Option<u8>,
    /// `action` or `goal`, for commitments.
    #[serde(default)]
    pub commitment_type: Option<String>,
}

/// A gold file that could not be read, naming the file and line.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct GoldError(pub String);

/// Reads gold units: JSON Lines (`.jsonl`), or a reviewed spreadsheet (`.csv` or
/// `.xlsx`, as `lofte extract` wrote it and an analyst corrected it), so that human
/// review becomes measurement. Every malformed line or row is reported.
pub fn read_gold(path: &Path) -> Result<Vec<GoldUnit>, GoldError> {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_lowercase();
    let (units, problems) = match extension.as_str() {
        "csv" | "tsv" => read_gold_table(path, read_csv_rows(path)?),
        "xlsx" | "xlsm" | "ods" => read_gold_table(path, read_workbook_rows(path)?),
        _ => read_gold_jsonl(path)?,
    };
    if problems.is_empty() {
        Ok(units)
    } else {
        Err(GoldError(problems.join("\n")))
    }
}

fn read_gold_jsonl(path: &Path) -> Result<(Vec<GoldUnit>, Vec<String>), GoldError> {
    let (records, mut problems) = read_jsonl::<GoldUnit>(path)?;
    let mut units = Vec::new();
    for (line, unit) in records {
        match check_actor(&unit) {
            Ok(()) => units.push(unit),
            Err(message) => problems.push(format!("{}:{line}: {message}", path.display())),
        }
    }
    Ok((units, problems))
}

fn check_actor(unit: &GoldUnit) -> Result<(), String> {
    match unit.actor.as_deref().filter(|a| !a.is_empty()) {
        Some(actor) if Actor::parse(actor).is_none() => Err(format!("unknown actor '{actor}'")),
        _ => Ok(()),
    }
}

/// A spreadsheet cell as gold reads it.
enum GoldCell {
    Text(String),
    Bool(bool),
    Empty,
}

/// Rows of a CSV file (`,` or `;`, with or without a byte-order mark), header first.
fn read_csv_rows(path: &Path) -> Result<Vec<Vec<GoldCell>>, GoldError> {
    let bytes = std::fs::read(path)
        .map_err(|err| GoldError(format!("{}: cannot read: {err}", path.display())))?;
    let text = String::from_utf8(bytes).map_err(|_| {
        GoldError(format!(
            "{}: not UTF-8 text; save it as CSV UTF-8",
            path.display()
        ))
    })?;
    let text = text.trim_start_matches('\u{feff}');
    let first = text.lines().next().unwrap_or("");
    let delimiter = [b';', b'\t', b',']
        .into_iter()
        .max_by_key(|d| first.matches(*d as char).count())
        .unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for (idx, record) in reader.records().enumerate() {
        let record =
            record.map_err(|err| GoldError(format!("{}:{}: {err}", path.display(), idx + 1)))?;
        rows.push(
            record
                .iter()
                .map(|cell| {
                    if cell.is_empty() {
                        GoldCell::Empty
                    } else {
                        GoldCell::Text(cell.to_string())
                    }
                })
                .collect(),
        );
    }
    Ok(rows)
}

/// Rows of the *Commitments* sheet of a workbook (or its first sheet), header first.
fn read_workbook_rows(path: &Path) -> Result<Vec<Vec<GoldCell>>, GoldError> {
    use calamine::{open_workbook_auto, Data, Reader};
    let error = |err: String| {
        GoldError(format!(
            "{}: cannot read the workbook: {err}",
            path.display()
        ))
    };
    let mut workbook = open_workbook_auto(path).map_err(|err| error(err.to_string()))?;
    let names = workbook.sheet_names();
    let name = names
        .iter()
        .find(|n| n.as_str() == "Commitments")
        .or(names.first())
        .cloned()
        .ok_or_else(|| error("it has no sheet".into()))?;
    let range = workbook
        .worksheet_range(&name)
        .map_err(|err| error(err.to_string()))?;
    Ok(range
        .rows()
        .map(|row| {
            row.iter()
                .map(|cell| match cell {
                    Data::Empty => GoldCell::Empty,
                    Data::Bool(value) => GoldCell::Bool(*value),
                    Data::String(text) => GoldCell::Text(text.clone()),
                    Data::Float(number) => GoldCell::Text(number.to_string()),
                    Data::Int(number) => GoldCell::Text(number.to_string()),
                    other => GoldCell::Text(other.to_string()),
                })
                .collect()
        })
        .collect())
}

/// Gold units from spreadsheet rows with a header naming `doc`, `text`, `commitment`,
/// `actor` and `vague` (other columns are ignored). A cell that `lofte extract`
/// protected against formulas (`'-20 %`) is read back as written before it.
fn read_gold_table(path: &Path, rows: Vec<Vec<GoldCell>>) -> (Vec<GoldUnit>, Vec<String>) {
    let mut problems = Vec::new();
    let Some((header, body)) = rows.split_first() else {
        return (
            Vec::new(),
            vec![format!("{}: the file is empty", path.display())],
        );
    };
    let column = |name: &str| {
        header.iter().position(
            |cell| matches!(cell, GoldCell::Text(text) if text.trim().eq_ignore_ascii_case(name)),
        )
    };
    let (Some(doc), Some(text), Some(commitment)) =
        (column("doc"), column("text"), column("commitment"))
    else {
        return (
            Vec::new(),
            vec![format!(
                "{}: the header needs the columns doc, text and commitment",
                path.display()
            )],
        );
    };
    let (kind, actor, vague) = (column("kind"), column("actor"), column("vague"));
    let mut units = Vec::new();
    for (idx, row) in body.iter().enumerate() {
        let line = idx + 2;
        let cell = |at: Option<usize>| at.and_then(|at| row.get(at));
        let text_of = |at: Option<usize>| match cell(at) {
            Some(GoldCell::Text(value)) => Some(unguard(value.trim()).to_string()),
            Some(GoldCell::Bool(value)) => Some(value.to_string()),
            _ => None,
        };
        let flag_of = |at: Option<usize>| -> Result<Option<bool>, String> {
            match cell(at) {
                Some(GoldCell::Bool(value)) => Ok(Some(*value)),
                Some(GoldCell::Text(value)) => parse_flag(value).map(Some),
                _ => Ok(None),
            }
        };
        if row.iter().all(|c| matches!(c, GoldCell::Empty)) {
            continue;
        }
        let unit = (|| -> Result<GoldUnit, String> {
            let commitment = flag_of(Some(commitment))?.ok_or("commitment is empty")?;
            let unit = GoldUnit {
                doc: text_of(Some(doc)).ok_or("doc is empty")?,
                text: text_of(Some(text)).ok_or("text is empty")?,
                kind: text_of(kind),
                commitment,
                actor: text_of(actor).filter(|_| commitment),
                vague: flag_of(vague)?.filter(|_| commitment),
                specificity: text_of(column("specificity"))
                    .filter(|_| commitment)
                    .map(|v| {
                        v.parse::<f64>()
                            .map(|n| n as u8)
                            .map_err(|_| format!("specificity '{v}' is not 0–3"))
                    })
                    .transpose()?,
                commitment_type: text_of(column("commitment_type")).filter(|_| commitment),
            };
            check_actor(&unit)?;
            Ok(unit)
        })();
        match unit {
            Ok(unit) => units.push(unit),
            Err(message) => problems.push(format!("{}:{line}: {message}", path.display())),
        }
    }
    (units, problems)
}

/// Undoes the formula guard of CSV output: `'=x` → `=x`.
fn unguard(text: &str) -> &str {
    match text.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => text,
    }
}

/// `true`/`false` as spreadsheets write them, also in Swedish.
fn parse_flag(value: &str) -> Result<bool, String> {
    match value.trim().to_lowercase().as_str() {
        "true" | "sant" | "1" | "ja" | "yes" | "x" => Ok(true),
        "false" | "falskt" | "0" | "nej" | "no" => Ok(false),
        other => Err(format!("'{other}' is not true or false")),
    }
}

/// The gold profile of one document (`corpus/documents.gold.jsonl`).
#[derive(Debug, Clone, Deserialize)]
pub struct DocumentGold {
    pub doc: String,
    pub doc_type: String,
    pub parties: Vec<String>,
    pub period_start: Option<String>,
    pub period_end: Option<String>,
    pub elements: BTreeMap<String, bool>,
}

/// Reads document-profile gold (JSON Lines); every malformed line is reported.
pub fn read_document_gold(path: &Path) -> Result<Vec<DocumentGold>, GoldError> {
    let (records, problems) = read_jsonl(path)?;
    if problems.is_empty() {
        Ok(records.into_iter().map(|(_, doc)| doc).collect())
    } else {
        Err(GoldError(problems.join("\n")))
    }
}

/// Records of a JSON Lines file with their line numbers, and a problem
/// (`file:line: reason`) for every malformed line.
pub(crate) type JsonLines<T> = (Vec<(usize, T)>, Vec<String>);

/// Reads a JSON Lines file of `T`.
pub(crate) fn read_jsonl<T: serde::de::DeserializeOwned>(
    path: &Path,
) -> Result<JsonLines<T>, GoldError> {
    let text = std::fs::read_to_string(path)
        .map_err(|err| GoldError(format!("{}: cannot read: {err}", path.display())))?;
    let mut records = Vec::new();
    let mut problems = Vec::new();
    for (idx, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        match serde_json::from_str::<T>(line) {
            Ok(record) => records.push((idx + 1, record)),
            Err(err) => problems.push(format!("{}:{}: {err}", path.display(), idx + 1)),
        }
    }
    Ok((records, problems))
}

/// How well the document profiles match their gold: accuracy per element and field.
#[derive(Debug, Clone, Serialize)]
pub struct DocumentReport {
    pub documents: usize,
    /// (field, accuracy): doc_type, parties, period, and each of the six elements.
    pub accuracy: Vec<(String, f64)>,
    /// Mean accuracy over the six elements.
    pub element_accuracy: f64,
    pub mismatches: Vec<String>,
}

/// Compares document profiles with their gold, matching documents like `evaluate`.
pub fn evaluate_documents(
    gold: &[DocumentGold],
    profiles: &[crate::profile::DocumentProfile],
) -> DocumentReport {
    let file_name = |path: &str| {
        path.replace('\\', "/")
            .rsplit('/')
            .next()
            .unwrap_or(path)
            .to_string()
    };
    let mut right: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut mismatches = Vec::new();
    let mut count = |field: &str, ok: bool, doc: &str, detail: String| {
        let slot = right.entry(field.to_string()).or_default();
        slot.0 += usize::from(ok);
        slot.1 += 1;
        if !ok {
            mismatches.push(format!("{doc} [{field}] {detail}"));
        }
    };
    let mut n = 0;
    for gold_doc in gold {
        let Some(profile) = profiles
            .iter()
            .find(|p| file_name(&p.doc) == file_name(&gold_doc.doc))
        else {
            continue;
        };
        n += 1;
        let doc = gold_doc.doc.as_str();
        count(
            "doc_type",
            profile.doc_type == gold_doc.doc_type,
            doc,
            format!("gold {} / lofte {}", gold_doc.doc_type, profile.doc_type),
        );
        let mut gold_parties = gold_doc.parties.clone();
        gold_parties.sort();
        let mut parties: Vec<String> = profile.parties.iter().map(|p| p.to_string()).collect();
        parties.sort();
        count(
            "parties",
            gold_parties == parties,
            doc,
            format!("gold {gold_parties:?} / lofte {parties:?}"),
        );
        let period_ok = gold_doc.period_start == profile.period_start
            && gold_doc.period_end == profile.period_end;
        count(
            "period",
            period_ok,
            doc,
            format!(
                "gold {:?}–{:?} / lofte {:?}–{:?}",
                gold_doc.period_start,
                gold_doc.period_end,
                profile.period_start,
                profile.period_end
            ),
        );
        let elements = &profile.elements;
        let found = [
            ("problem", elements.problem),
            ("causes", elements.causes),
            ("measurable_goals", elements.measurable_goals),
            ("documentation", elements.documentation),
            ("follow_up", elements.follow_up),
            ("period", elements.period),
        ];
        for (name, value) in found {
            let gold_value = gold_doc.elements.get(name).copied().unwrap_or(false);
            count(
                &format!("element {name}"),
                gold_value == value,
                doc,
                format!("gold {gold_value} / lofte {value}"),
            );
        }
    }
    let accuracy: Vec<(String, f64)> = right
        .iter()
        .map(|(field, (ok, total))| (field.clone(), *ok as f64 / (*total).max(1) as f64))
        .collect();
    let elements: Vec<f64> = accuracy
        .iter()
        .filter(|(f, _)| f.starts_with("element "))
        .map(|(_, a)| *a)
        .collect();
    let element_accuracy = if elements.is_empty() {
        0.0
    } else {
        elements.iter().sum::<f64>() / elements.len() as f64
    };
    DocumentReport {
        documents: n,
        accuracy,
        element_accuracy,
        mismatches,
    }
}

impl DocumentReport {
    pub fn to_text(&self, errors: bool) -> String {
        let mut out = format!("\ndocument profiles ({} documents)\n", self.documents);
        for (field, accuracy) in &self.accuracy {
            out.push_str(&format!("  {field:<26} accuracy {accuracy:.3}\n"));
        }
        out.push_str(&format!(
            "  {:<26} accuracy {:.3}\n",
            "elements (mean of six)", self.element_accuracy
        ));
        if errors {
            for mismatch in &self.mismatches {
                out.push_str(&format!("  {mismatch}\n"));
            }
        }
        out
    }
}

/// Precision, recall and F1 from counts.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq)]
pub struct Prf {
    pub tp: usize,
    pub fp: usize,
    #[serde(rename = "fn")]
    pub fn_: usize,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

impl Prf {
    pub fn from_counts(tp: usize, fp: usize, fn_: usize) -> Prf {
        let ratio = |num: usize, den: usize| {
            if den == 0 {
                1.0
            } else {
                num as f64 / den as f64
            }
        };
        let precision = ratio(tp, tp + fp);
        let recall = ratio(tp, tp + fn_);
        let f1 = if precision + recall == 0.0 {
            0.0
        } else {
            2.0 * precision * recall / (precision + recall)
        };
        Prf {
            tp,
            fp,
            fn_,
            precision,
            recall,
            f1,
        }
    }
}

/// Raw counts for one document or the whole set; figures are derived from them.
#[derive(Debug, Clone, Default)]
struct Counts {
    gold_units: usize,
    system_units: usize,
    exact_units: usize,
    commitment: (usize, usize, usize),
    vague: (usize, usize, usize),
    actor_total: usize,
    actor_correct: usize,
    /// (gold, predicted) pairs over gold commitments; `None` = not predicted a commitment.
    actor_pairs: Vec<(Actor, Option<Actor>)>,
    mismatches: Vec<Mismatch>,
    /// For every lexicon entry that decided a label.
    firings: Vec<Firing>,
    /// (gold, lofte) specificity over gold commitments that lofte took for commitments.
    specificity_pairs: Vec<(u8, u8)>,
    /// (gold is a goal, lofte says goal), likewise.
    type_pairs: Vec<(bool, bool)>,
}

/// One lexicon entry deciding one label: what it decided, its rule, the words it
/// matched, and whether the gold agrees.
#[derive(Debug, Clone)]
struct Firing {
    decided: &'static str,
    rule: String,
    words: String,
    agreed: bool,
}

/// How often one lexicon entry decided a label, and how often the gold agreed.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EntryStats {
    /// `file:line` of the entry.
    pub rule: String,
    /// What it decided: `commitment`, `no commitment`, `actor`, `vague cue`, `neutralised cue`.
    pub decided: &'static str,
    /// The words it matched the first time it fired.
    pub example: String,
    pub fired: usize,
    pub agreed: usize,
    pub precision: f64,
}

/// One gold unit where lofte disagrees, with lofte's evidence.
#[derive(Debug, Clone, Serialize)]
pub struct Mismatch {
    pub doc: String,
    /// `segmentation`, `commitment`, `actor` or `vague`.
    pub label: &'static str,
    pub text: String,
    pub gold: String,
    pub system: String,
    /// The system's evidence: the unit it matched and the cues behind its label.
    pub evidence: String,
}

impl Counts {
    fn add(&mut self, other: &Counts) {
        self.gold_units += other.gold_units;
        self.system_units += other.system_units;
        self.exact_units += other.exact_units;
        for (mine, theirs) in [
            (&mut self.commitment, other.commitment),
            (&mut self.vague, other.vague),
        ] {
            mine.0 += theirs.0;
            mine.1 += theirs.1;
            mine.2 += theirs.2;
        }
        self.actor_total += other.actor_total;
        self.actor_correct += other.actor_correct;
        self.actor_pairs.extend_from_slice(&other.actor_pairs);
        self.mismatches.extend_from_slice(&other.mismatches);
        self.firings.extend_from_slice(&other.firings);
        self.specificity_pairs
            .extend_from_slice(&other.specificity_pairs);
        self.type_pairs.extend_from_slice(&other.type_pairs);
    }

    fn figures(&self, doc: &str) -> Figures {
        let segmentation = Prf::from_counts(
            self.exact_units,
            self.system_units - self.exact_units,
            self.gold_units - self.exact_units,
        );
        let (tp, fp, fn_) = self.commitment;
        let (vtp, vfp, vfn) = self.vague;
        Figures {
            doc: doc.to_string(),
            gold_units: self.gold_units,
            system_units: self.system_units,
            segmentation,
            commitment: Prf::from_counts(tp, fp, fn_),
            actor_accuracy: if self.actor_total == 0 {
                1.0
            } else {
                self.actor_correct as f64 / self.actor_total as f64
            },
            actor_macro_f1: macro_f1(&self.actor_pairs),
            gold_commitments: self.actor_total,
            vague: Prf::from_counts(vtp, vfp, vfn),
            specificity: SpecificityFigures::from_pairs(&self.specificity_pairs, &self.type_pairs),
        }
    }
}

/// How close the specificity levels and commitment types are to the gold.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq)]
pub struct SpecificityFigures {
    /// Gold commitments with a gold specificity that lofte took for commitments.
    pub compared: usize,
    pub exact_accuracy: f64,
    pub mean_absolute_error: f64,
    pub type_compared: usize,
    pub type_accuracy: f64,
}

impl SpecificityFigures {
    fn from_pairs(levels: &[(u8, u8)], types: &[(bool, bool)]) -> SpecificityFigures {
        let share = |hits: usize, n: usize| if n == 0 { 1.0 } else { hits as f64 / n as f64 };
        let exact = levels.iter().filter(|(g, p)| g == p).count();
        let error: usize = levels.iter().map(|(g, p)| g.abs_diff(*p) as usize).sum();
        SpecificityFigures {
            compared: levels.len(),
            exact_accuracy: share(exact, levels.len()),
            mean_absolute_error: if levels.is_empty() {
                0.0
            } else {
                error as f64 / levels.len() as f64
            },
            type_compared: types.len(),
            type_accuracy: share(types.iter().filter(|(g, p)| g == p).count(), types.len()),
        }
    }
}

/// Macro-averaged F1 over the actor classes that occur in the gold or the predictions.
fn macro_f1(pairs: &[(Actor, Option<Actor>)]) -> f64 {
    let classes: Vec<Actor> = Actor::ALL
        .into_iter()
        .filter(|c| pairs.iter().any(|(g, p)| g == c || *p == Some(*c)))
        .collect();
    if classes.is_empty() {
        return 1.0;
    }
    let total: f64 = classes
        .iter()
        .map(|class| {
            let tp = pairs
                .iter()
                .filter(|(g, p)| g == class && *p == Some(*class))
                .count();
            let fp = pairs
                .iter()
                .filter(|(g, p)| g != class && *p == Some(*class))
                .count();
            let fn_ = pairs
                .iter()
                .filter(|(g, p)| g == class && *p != Some(*class))
                .count();
            Prf::from_counts(tp, fp, fn_).f1
        })
        .sum();
    total / classes.len() as f64
}

/// The figures for one document or for all.
#[derive(Debug, Clone, Serialize)]
pub struct Figures {
    pub doc: String,
    pub gold_units: usize,
    pub system_units: usize,
    pub segmentation: Prf,
    pub commitment: Prf,
    pub gold_commitments: usize,
    pub actor_accuracy: f64,
    pub actor_macro_f1: f64,
    pub vague: Prf,
    pub specificity: SpecificityFigures,
}

/// The whole evaluation: totals, per-document rows, and gold documents with no input.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub total: Figures,
    pub documents: Vec<Figures>,
    pub missing_documents: Vec<String>,
    /// Gold actor (rows, in `Actor::ALL` order) against lofte's (columns, then "none"
    /// for gold commitments lofte did not take for commitments).
    pub actor_confusion: Vec<Vec<usize>>,
    /// Every lexicon entry that decided a label on a gold unit, most used first.
    pub entries: Vec<EntryStats>,
    /// Every gold unit lofte got wrong, in document order.
    pub mismatches: Vec<Mismatch>,
}

/// Scores labelled documents against gold units. Gold documents are matched to inputs
/// by path, then by path suffix, then by file name.
pub fn evaluate(gold: &[GoldUnit], labelled: &[LabelledDocument]) -> Report {
    let mut by_doc: BTreeMap<&str, Vec<&GoldUnit>> = BTreeMap::new();
    for unit in gold {
        by_doc.entry(unit.doc.as_str()).or_default().push(unit);
    }
    let mut total = Counts::default();
    let mut documents = Vec::new();
    let mut missing_documents = Vec::new();
    for (doc, gold_units) in by_doc {
        let Some(system) = find_document(doc, labelled) else {
            missing_documents.push(doc.to_string());
            continue;
        };
        let counts = score_document(doc, &gold_units, system);
        total.add(&counts);
        documents.push(counts.figures(doc));
    }
    let mismatches = std::mem::take(&mut total.mismatches);
    Report {
        total: total.figures("all"),
        documents,
        missing_documents,
        actor_confusion: confusion(&total.actor_pairs),
        entries: entry_stats(&total.firings),
        mismatches,
    }
}

fn confusion(pairs: &[(Actor, Option<Actor>)]) -> Vec<Vec<usize>> {
    let column = |predicted: Option<Actor>| {
        predicted.map_or(Actor::ALL.len(), |p| {
            Actor::ALL.iter().position(|a| *a == p).unwrap_or(0)
        })
    };
    let mut matrix = vec![vec![0; Actor::ALL.len() + 1]; Actor::ALL.len()];
    for &(gold, predicted) in pairs {
        let row = Actor::ALL.iter().position(|a| *a == gold).unwrap_or(0);
        matrix[row][column(predicted)] += 1;
    }
    matrix
}

fn entry_stats(firings: &[Firing]) -> Vec<EntryStats> {
    let mut by_rule: BTreeMap<(&str, &str), EntryStats> = BTreeMap::new();
    for firing in firings {
        let stats = by_rule
            .entry((firing.decided, firing.rule.as_str()))
            .or_insert_with(|| EntryStats {
                rule: firing.rule.clone(),
                decided: firing.decided,
                example: firing.words.clone(),
                fired: 0,
                agreed: 0,
                precision: 0.0,
            });
        stats.fired += 1;
        stats.agreed += usize::from(firing.agreed);
        stats.precision = stats.agreed as f64 / stats.fired as f64;
    }
    let mut stats: Vec<EntryStats> = by_rule.into_values().collect();
    stats.sort_by(|a, b| b.fired.cmp(&a.fired).then_with(|| a.rule.cmp(&b.rule)));
    stats
}

fn find_document<'a>(doc: &str, labelled: &'a [LabelledDocument]) -> Option<&'a LabelledDocument> {
    let path_of = |l: &LabelledDocument| l.document.path.replace('\\', "/");
    let file_name = |path: &str| path.rsplit('/').next().unwrap_or(path).to_string();
    labelled
        .iter()
        .find(|l| path_of(l) == doc)
        .or_else(|| {
            labelled
                .iter()
                .find(|l| path_of(l).ends_with(&format!("/{doc}")))
        })
        .or_else(|| {
            labelled
                .iter()
                .find(|l| file_name(&path_of(l)) == file_name(doc))
        })
}

/// Characters of a unit sequence with whitespace removed, each tagged with its unit.
fn char_stream<'a>(texts: impl Iterator<Item = &'a str>) -> (Vec<char>, Vec<usize>) {
    let mut chars = Vec::new();
    let mut owner = Vec::new();
    for (idx, text) in texts.enumerate() {
        for ch in text.chars().filter(|c| !c.is_whitespace()) {
            chars.push(ch);
            owner.push(idx);
        }
    }
    (chars, owner)
}

/// For each character of `from`, the position of the same character in `to` where a
/// character diff aligns them (`None` where `to` has no counterpart).
pub(crate) fn align(from: &[char], to: &[char]) -> Vec<Option<usize>> {
    let mut mapped = vec![None; from.len()];
    for op in similar::capture_diff_slices(similar::Algorithm::Myers, from, to) {
        if let similar::DiffOp::Equal {
            old_index,
            new_index,
            len,
        } = op
        {
            for offset in 0..len {
                mapped[old_index + offset] = Some(new_index + offset);
            }
        }
    }
    mapped
}

fn score_document(doc: &str, gold: &[&GoldUnit], system: &LabelledDocument) -> Counts {
    let (gold_chars, gold_owner) = char_stream(gold.iter().map(|g| g.text.as_str()));
    let (sys_chars, sys_owner) = char_stream(system.units.iter().map(|u| u.text.as_str()));
    // Map each gold character to the system character it aligns with.
    let mapped = align(&gold_chars, &sys_chars);
    // System unit character ranges, for exact matches.
    let mut sys_range: Vec<(usize, usize)> = vec![(usize::MAX, 0); system.units.len()];
    for (pos, &unit) in sys_owner.iter().enumerate() {
        sys_range[unit].0 = sys_range[unit].0.min(pos);
        sys_range[unit].1 = pos + 1;
    }

    let mut counts = Counts {
        gold_units: gold.len(),
        system_units: system.units.len(),
        ..Counts::default()
    };
    let mut gold_pos = 0;
    for (gold_idx, gold_unit) in gold.iter().enumerate() {
        let start = gold_pos;
        while gold_pos < gold_owner.len() && gold_owner[gold_pos] == gold_idx {
            gold_pos += 1;
        }
        let span = start..gold_pos;
        // The system unit overlapping this gold unit most.
        let mut overlap: BTreeMap<usize, usize> = BTreeMap::new();
        for pos in span.clone() {
            if let Some(sys_pos) = mapped[pos] {
                *overlap.entry(sys_owner[sys_pos]).or_default() += 1;
            }
        }
        let best = overlap
            .iter()
            .max_by_key(|(idx, count)| (**count, std::cmp::Reverse(**idx)))
            .map(|(idx, _)| *idx);
        let mut exact = false;
        if let Some(sys_idx) = best {
            let all_mapped = span
                .clone()
                .all(|pos| mapped[pos].is_some_and(|p| sys_owner[p] == sys_idx));
            let same_length = sys_range[sys_idx].1 - sys_range[sys_idx].0 == span.len();
            exact = all_mapped && same_length && !span.is_empty();
        }
        counts.exact_units += usize::from(exact);
        let predicted_commitment = best.is_some_and(|idx| system.commitments[idx].commitment);
        let predicted_actor = best.and_then(|idx| system.actors[idx].as_ref().map(|a| a.actor));
        let predicted_vague =
            best.is_some_and(|idx| predicted_commitment && system.vague[idx].vague);
        if let Some(idx) = best {
            record_firings(&mut counts.firings, system, idx, gold_unit);
        }
        let mut mismatch = |label: &'static str, gold: String, system_value: String| {
            counts.mismatches.push(Mismatch {
                doc: doc.to_string(),
                label,
                text: gold_unit.text.clone(),
                gold,
                system: system_value,
                evidence: best.map(|idx| evidence(system, idx)).unwrap_or_default(),
            })
        };
        if !exact {
            let system_text = best
                .map(|idx| system.units[idx].text.to_string())
                .unwrap_or_default();
            mismatch("segmentation", gold_unit.text.clone(), system_text);
        }
        if gold_unit.commitment != predicted_commitment {
            mismatch(
                "commitment",
                gold_unit.commitment.to_string(),
                predicted_commitment.to_string(),
            );
        }
        tally(
            &mut counts.commitment,
            gold_unit.commitment,
            predicted_commitment,
        );
        if gold_unit.commitment {
            let gold_actor = gold_unit
                .actor
                .as_deref()
                .and_then(Actor::parse)
                .unwrap_or(Actor::Unspecified);
            if predicted_commitment && predicted_actor != Some(gold_actor) {
                let shown = predicted_actor.map_or("", Actor::as_str).to_string();
                mismatch("actor", gold_actor.as_str().to_string(), shown);
            }
            let gold_vague = gold_unit.vague.unwrap_or(false);
            if predicted_commitment && gold_vague != predicted_vague {
                mismatch("vague", gold_vague.to_string(), predicted_vague.to_string());
            }
            if let Some(idx) = best.filter(|_| predicted_commitment) {
                if let (Some(gold_level), Some(specificity)) =
                    (gold_unit.specificity, system.specificity[idx].as_deref())
                {
                    counts
                        .specificity_pairs
                        .push((gold_level, specificity.level));
                    if gold_level != specificity.level {
                        mismatch(
                            "specificity",
                            gold_level.to_string(),
                            specificity.level.to_string(),
                        );
                    }
                }
                if let (Some(gold_type), Some(specificity)) = (
                    gold_unit.commitment_type.as_deref(),
                    system.specificity[idx].as_deref(),
                ) {
                    counts
                        .type_pairs
                        .push((gold_type == "goal", specificity.commitment_type == "goal"));
                    if gold_type != specificity.commitment_type {
                        mismatch(
                            "commitment_type",
                            gold_type.to_string(),
                            specificity.commitment_type.to_string(),
                        );
                    }
                }
            }
            counts.actor_total += 1;
            counts.actor_correct += usize::from(predicted_actor == Some(gold_actor));
            counts.actor_pairs.push((gold_actor, predicted_actor));
            tally(&mut counts.vague, gold_vague, predicted_vague);
        }
    }
    counts
}

/// Notes which lexicon entries decided the labels of system unit `idx`, and whether the
/// gold unit agrees with what each decided.
fn record_firings(
    firings: &mut Vec<Firing>,
    system: &LabelledDocument,
    idx: usize,
    gold: &GoldUnit,
) {
    let mut fired = |decided, rule: &str, words: &str, agreed| {
        firings.push(Firing {
            decided,
            rule: rule.to_string(),
            words: words.to_string(),
            agreed,
        })
    };
    let commitment = &system.commitments[idx];
    if !commitment.rule.is_empty() {
        let decided = if commitment.commitment {
            "commitment"
        } else {
            "no commitment"
        };
        fired(
            decided,
            &commitment.rule,
            &commitment.cue,
            gold.commitment == commitment.commitment,
        );
    }
    if !gold.commitment || !commitment.commitment {
        return;
    }
    if let Some(actor) = system.actors[idx].as_ref().filter(|a| !a.rule.is_empty()) {
        let gold_actor = gold
            .actor
            .as_deref()
            .and_then(Actor::parse)
            .unwrap_or(Actor::Unspecified);
        fired("actor", &actor.rule, &actor.cue, gold_actor == actor.actor);
    }
    let gold_vague = gold.vague.unwrap_or(false);
    for cue in &system.vague[idx].cues {
        if cue.neutralised {
            fired("neutralised cue", &cue.rule, &cue.text, !gold_vague);
        } else {
            fired("vague cue", &cue.rule, &cue.text, gold_vague);
        }
    }
}

/// A one-line summary of why lofte labelled a unit as it did.
fn evidence(system: &LabelledDocument, idx: usize) -> String {
    let mut parts = Vec::new();
    let commitment = &system.commitments[idx];
    if !commitment.cue.is_empty() {
        parts.push(format!("commitment cue: {}", commitment.cue));
    }
    if let Some(actor) = &system.actors[idx] {
        parts.push(format!(
            "actor {} from {}: {}",
            actor.actor.as_str(),
            actor.source.as_str(),
            actor.cue
        ));
    }
    let vague = &system.vague[idx];
    let cues: Vec<String> = vague
        .cues
        .iter()
        .map(|c| {
            format!(
                "{}{}",
                c.text,
                if c.neutralised { " (neutralised)" } else { "" }
            )
        })
        .collect();
    if !cues.is_empty() {
        parts.push(format!("vague cues: {}", cues.join(", ")));
    }
    let anchors: Vec<&str> = vague.anchors.iter().map(|a| a.text.as_str()).collect();
    if !anchors.is_empty() {
        parts.push(format!("anchors: {}", anchors.join(", ")));
    }
    parts.join("; ")
}

fn tally(counts: &mut (usize, usize, usize), gold: bool, predicted: bool) {
    match (gold, predicted) {
        (true, true) => counts.0 += 1,
        (false, true) => counts.1 += 1,
        (true, false) => counts.2 += 1,
        (false, false) => {}
    }
}

impl Report {
    /// Every mismatch, one block each, for `lofte eval --errors`.
    pub fn errors_text(&self) -> String {
        let mut out = String::new();
        for m in &self.mismatches {
            out.push_str(&format!(
                "{} [{}] gold {} / lofte {}\n  {}\n",
                m.doc, m.label, m.gold, m.system, m.text
            ));
            if !m.evidence.is_empty() {
                out.push_str(&format!("  lofte: {}\n", m.evidence));
            }
        }
        out
    }

    /// The actor confusion matrix as text.
    pub fn confusion_text(&self) -> String {
        let names: Vec<&str> = Actor::ALL
            .iter()
            .map(|a| a.as_str())
            .chain(["none"])
            .collect();
        let mut out = format!("{:<22}", "gold \\ lofte");
        for name in &names {
            out.push_str(&format!("{name:>13}"));
        }
        out.push('\n');
        for (row, actor) in Actor::ALL.iter().enumerate() {
            out.push_str(&format!("{:<22}", actor.as_str()));
            for count in &self.actor_confusion[row] {
                out.push_str(&format!("{count:>13}"));
            }
            out.push('\n');
        }
        out
    }

    /// Per-entry statistics as text: each lexicon entry that decided a label, how often,
    /// and how often the gold agreed; the least precise first among those used twice.
    pub fn entries_text(&self) -> String {
        let mut entries: Vec<&EntryStats> = self.entries.iter().collect();
        entries.sort_by(|a, b| {
            a.precision
                .partial_cmp(&b.precision)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(b.fired.cmp(&a.fired))
        });
        let mut out = format!(
            "{:<22} {:<16} {:>6} {:>7} {:>9}  {}\n",
            "entry", "decided", "fired", "agreed", "precision", "example"
        );
        for entry in entries {
            out.push_str(&format!(
                "{:<22} {:<16} {:>6} {:>7} {:>9.3}  {}\n",
                entry.rule,
                entry.decided,
                entry.fired,
                entry.agreed,
                entry.precision,
                truncate(&entry.example, 50)
            ));
        }
        out
    }

    /// The report as a plain-text table.
    pub fn to_table(&self) -> String {
        let mut out = String::new();
        let header = format!(
            "{:<48} {:>5} {:>5}  {:>6}  {:>6} {:>6} {:>6}  {:>6} {:>6}  {:>6} {:>6} {:>6}\n",
            "document",
            "gold",
            "sys",
            "seg F1",
            "com P",
            "com R",
            "com F1",
            "act ac",
            "act mF",
            "vag P",
            "vag R",
            "vag F1"
        );
        out.push_str(&header);
        for figures in self.documents.iter().chain(std::iter::once(&self.total)) {
            if figures.doc == "all" {
                out.push_str(&"-".repeat(header.trim_end().len()));
                out.push('\n');
            }
            out.push_str(&format!(
                "{:<48} {:>5} {:>5}  {:>6.3}  {:>6.3} {:>6.3} {:>6.3}  {:>6.3} {:>6.3}  {:>6.3} {:>6.3} {:>6.3}\n",
                truncate(&figures.doc, 48),
                figures.gold_units,
                figures.system_units,
                figures.segmentation.f1,
                figures.commitment.precision,
                figures.commitment.recall,
                figures.commitment.f1,
                figures.actor_accuracy,
                figures.actor_macro_f1,
                figures.vague.precision,
                figures.vague.recall,
                figures.vague.f1,
            ));
        }
        let t = &self.total;
        out.push_str(&format!(
            "\nsegmentation  P {:.3}  R {:.3}  F1 {:.3}  ({} gold units, {} system units, {} exact)\n",
            t.segmentation.precision, t.segmentation.recall, t.segmentation.f1, t.gold_units, t.system_units, t.segmentation.tp
        ));
        out.push_str(&format!(
            "commitment    P {:.3}  R {:.3}  F1 {:.3}  (tp {}, fp {}, fn {})\n",
            t.commitment.precision,
            t.commitment.recall,
            t.commitment.f1,
            t.commitment.tp,
            t.commitment.fp,
            t.commitment.fn_
        ));
        out.push_str(&format!(
            "actor         accuracy {:.3}  macro-F1 {:.3}  (over {} gold commitments)\n",
            t.actor_accuracy, t.actor_macro_f1, t.gold_commitments
        ));
        out.push_str(&format!(
            "vague         P {:.3}  R {:.3}  F1 {:.3}  (tp {}, fp {}, fn {})\n",
            t.vague.precision, t.vague.recall, t.vague.f1, t.vague.tp, t.vague.fp, t.vague.fn_
        ));
        let spec = &t.specificity;
        if spec.compared > 0 {
            out.push_str(&format!(
                "specificity   exact {:.3}  MAE {:.3}  (over {} commitments)   type accuracy {:.3}\n",
                spec.exact_accuracy, spec.mean_absolute_error, spec.compared, spec.type_accuracy
            ));
        }
        out.push_str("\nactor confusion (rows: gold commitments, columns: lofte)\n");
        out.push_str(&self.confusion_text());
        for doc in &self.missing_documents {
            out.push_str(&format!(
                "warning: gold document '{doc}' was not among the inputs\n"
            ));
        }
        out
    }
}

/// Two reports of the same gold side by side: the figures, their difference, and the
/// gold units one lexicon set gets right and the other wrong.
pub fn compare(a: &Report, b: &Report, name_a: &str, name_b: &str) -> String {
    let rows: [(&str, f64, f64); 9] = [
        (
            "segmentation F1",
            a.total.segmentation.f1,
            b.total.segmentation.f1,
        ),
        (
            "commitment P",
            a.total.commitment.precision,
            b.total.commitment.precision,
        ),
        (
            "commitment R",
            a.total.commitment.recall,
            b.total.commitment.recall,
        ),
        (
            "commitment F1",
            a.total.commitment.f1,
            b.total.commitment.f1,
        ),
        (
            "actor accuracy",
            a.total.actor_accuracy,
            b.total.actor_accuracy,
        ),
        (
            "actor macro-F1",
            a.total.actor_macro_f1,
            b.total.actor_macro_f1,
        ),
        ("vague P", a.total.vague.precision, b.total.vague.precision),
        ("vague R", a.total.vague.recall, b.total.vague.recall),
        ("vague F1", a.total.vague.f1, b.total.vague.f1),
    ];
    let mut out = format!("{:<18} {:>10} {:>10} {:>8}\n", "figure", "A", "B", "B - A");
    for (name, first, second) in rows {
        out.push_str(&format!(
            "{name:<18} {first:>10.3} {second:>10.3} {:>+8.3}\n",
            second - first
        ));
    }
    out.push_str(&format!("\nA = {name_a}\nB = {name_b}\n"));
    let key = |m: &Mismatch| (m.doc.clone(), m.label, m.text.clone());
    let keys_a: std::collections::BTreeSet<_> = a.mismatches.iter().map(key).collect();
    let keys_b: std::collections::BTreeSet<_> = b.mismatches.iter().map(key).collect();
    let fixed: Vec<&Mismatch> = a
        .mismatches
        .iter()
        .filter(|m| !keys_b.contains(&key(m)))
        .collect();
    let broken: Vec<&Mismatch> = b
        .mismatches
        .iter()
        .filter(|m| !keys_a.contains(&key(m)))
        .collect();
    out.push_str(&format!("\nright with B, wrong with A: {}\n", fixed.len()));
    for m in &fixed {
        out.push_str(&format!(
            "  {} [{}] gold {}: {}\n",
            m.doc, m.label, m.gold, m.text
        ));
    }
    out.push_str(&format!("wrong with B, right with A: {}\n", broken.len()));
    for m in &broken {
        out.push_str(&format!(
            "  {} [{}] gold {}: {}\n",
            m.doc, m.label, m.gold, m.text
        ));
    }
    out
}

fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_string()
    } else {
        let tail: String = text
            .chars()
            .rev()
            .take(width - 1)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        format!("…{tail}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lexicon::Lexicons;
    use crate::pipeline::label_text;

    fn gold(text: &str, commitment: bool, actor: Option<&str>, vague: Option<bool>) -> GoldUnit {
        GoldUnit {
            doc: "a.txt".into(),
            text: text.into(),
            kind: None,
            commitment,
            actor: actor.map(str::to_string),
            vague,
            specificity: None,
            commitment_type: None,
        }
    }

    #[test]
    fn perfect_match_scores_one_and_errors_are_counted() {
        let lexicons = Lexicons::embedded();
        let labelled = vec![label_text(
            "corpus/a.txt",
            "Polisen ska öka närvaron. Kommunen ska ordna möten. Bakgrunden är enkel.",
            &lexicons,
        )];
        let perfect = [
            gold(
                "Polisen ska öka närvaron.",
                true,
                Some("police"),
                Some(true),
            ),
            gold(
                "Kommunen ska ordna möten.",
                true,
                Some("municipality"),
                Some(false),
            ),
            gold("Bakgrunden är enkel.", false, None, None),
        ];
        let report = evaluate(&perfect, &labelled);
        assert_eq!(report.total.segmentation.f1, 1.0);
        assert_eq!(report.total.commitment.f1, 1.0);
        assert_eq!(report.total.actor_accuracy, 1.0);
        assert_eq!(report.total.vague.f1, 1.0);

        // Gold joins the first two sentences and disagrees on actor and vagueness.
        let flawed = [
            gold(
                "Polisen ska öka närvaron. Kommunen ska ordna möten.",
                true,
                Some("both"),
                Some(false),
            ),
            gold("Bakgrunden är enkel.", true, Some("police"), Some(false)),
        ];
        let report = evaluate(&flawed, &labelled);
        let total = &report.total;
        assert_eq!(
            (
                total.segmentation.tp,
                total.segmentation.fp,
                total.segmentation.fn_
            ),
            (1, 2, 1)
        );
        assert_eq!((total.commitment.tp, total.commitment.fn_), (1, 1));
        assert_eq!(total.actor_accuracy, 0.0);
        assert_eq!((total.vague.fp, total.vague.tp), (1, 0));
    }

    #[test]
    fn gold_errors_name_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gold.jsonl");
        std::fs::write(
            &path,
            "{\"doc\":\"a\",\"text\":\"x\",\"commitment\":true,\"actor\":\"polis\"}\nnot json\n",
        )
        .unwrap();
        let err = read_gold(&path).unwrap_err().to_string();
        assert!(err.contains("gold.jsonl:1: unknown actor 'polis'"), "{err}");
        assert!(err.contains("gold.jsonl:2:"), "{err}");
    }
}
