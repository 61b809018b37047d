//! Segset scoring: how well does segmentation find sentence boundaries in running text?
//!
//! Input: a segset file (JSON Lines, `{"doc", "text", "sentences": [...]}`, as in
//! `../shared/data/`) and the lexicons. Output: a `SegsetReport` with boundary and
//! exact-sentence precision, recall and F1, micro-averaged over documents.
//!
//! The metric follows `shared/data/seg_score.py`: sentences are placed on the text by
//! their non-whitespace characters; a boundary is the end of every sentence but the
//! last of a document; a sentence is correct when its span equals a gold span.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::eval::{GoldError, Prf};
use crate::lexicon::Lexicons;
use crate::segment::segment;

/// One document of a segset file.
#[derive(Debug, Clone, Deserialize)]
pub struct SegsetDoc {
    pub doc: String,
    pub text: String,
    pub sentences: Vec<String>,
}

/// A boundary lofte got wrong, with its context.
#[derive(Debug, Clone, Serialize)]
pub struct BoundaryError {
    pub doc: String,
    /// `missed` (a gold boundary lofte did not find) or `extra` (lofte split, gold did not).
    pub kind: &'static str,
    pub context: String,
}

/// Boundary and sentence figures over a segset file.
#[derive(Debug, Clone, Serialize)]
pub struct SegsetReport {
    pub documents: usize,
    pub boundaries: Prf,
    pub sentences: Prf,
    pub errors: Vec<BoundaryError>,
}

/// Reads a segset file; every malformed line is reported with its line number.
pub fn read_segset(path: &Path) -> Result<Vec<SegsetDoc>, GoldError> {
    let (records, problems) = crate::eval::read_jsonl(path)?;
    if problems.is_empty() {
        Ok(records.into_iter().map(|(_, doc)| doc).collect())
    } else {
        Err(GoldError(problems.join("\n")))
    }
}

/// Segments every document's text and scores the units against the gold sentences.
pub fn score(docs: &[SegsetDoc], lexicons: &Lexicons) -> SegsetReport {
    let (mut b_tp, mut b_fp, mut b_fn) = (0, 0, 0);
    let (mut s_tp, mut s_sys, mut s_gold) = (0, 0, 0);
    let mut errors = Vec::new();
    for doc in docs {
        // lofte reads the text with its line breaks; spans are compared on the
        // whitespace-normalised text, as the reference scorer does.
        let units = segment(&Arc::new(doc.text.clone()), lexicons);
        let text = doc.text.split_whitespace().collect::<Vec<_>>().join(" ");
        let system: Vec<&str> = units.iter().map(|u| u.text.as_str()).collect();
        let gold: Vec<&str> = doc.sentences.iter().map(String::as_str).collect();
        let gold_spans = spans_on(&text, &gold);
        let system_spans = spans_on(&text, &system);
        let gold_bounds = boundaries(&gold_spans);
        let system_bounds = boundaries(&system_spans);
        b_tp += gold_bounds.intersection(&system_bounds).count();
        for &missed in gold_bounds.difference(&system_bounds) {
            b_fn += 1;
            errors.push(BoundaryError {
                doc: doc.doc.clone(),
                kind: "missed",
                context: context(&text, missed),
            });
        }
        for &extra in system_bounds.difference(&gold_bounds) {
            b_fp += 1;
            errors.push(BoundaryError {
                doc: doc.doc.clone(),
                kind: "extra",
                context: context(&text, extra),
            });
        }
        let gold_set: BTreeSet<(usize, usize)> = gold_spans.iter().copied().collect();
        s_tp += system_spans
            .iter()
            .filter(|span| gold_set.contains(span))
            .count();
        s_sys += system_spans.len();
        s_gold += gold_spans.len();
    }
    SegsetReport {
        documents: docs.len(),
        boundaries: Prf::from_counts(b_tp, b_fp, b_fn),
        sentences: Prf::from_counts(s_tp, s_sys - s_tp, s_gold - s_tp),
        errors,
    }
}

/// Character spans of `pieces` laid on `text` by their non-whitespace characters.
/// Pieces that changed characters (a mended hyphen) are aligned with a diff.
fn spans_on(text: &str, pieces: &[&str]) -> Vec<(usize, usize)> {
    let (text_chars, text_pos): (Vec<char>, Vec<usize>) = text
        .char_indices()
        .filter(|(_, c)| !c.is_whitespace())
        .map(|(i, c)| (c, i))
        .unzip();
    let piece_chars: Vec<Vec<char>> = pieces
        .iter()
        .map(|p| p.chars().filter(|c| !c.is_whitespace()).collect())
        .collect();
    let joined: Vec<char> = piece_chars.iter().flatten().copied().collect();
    // Map each offset in the joined pieces to an offset in the text's characters.
    let map: Vec<usize> = if joined == text_chars {
        (0..=joined.len()).collect()
    } else {
        let mut map = vec![0; joined.len() + 1];
        let mut last = 0;
        let equal = crate::eval::align(&joined, &text_chars);
        for (k, slot) in map.iter_mut().enumerate().take(joined.len()) {
            if let Some(pos) = equal[k] {
                last = pos;
            }
            *slot = last;
        }
        map[joined.len()] = text_chars.len();
        map
    };
    let mut spans = Vec::new();
    let mut offset = 0;
    for piece in &piece_chars {
        if piece.is_empty() {
            continue;
        }
        let (start, end) = (map[offset], map[offset + piece.len() - 1] + 1);
        offset += piece.len();
        if start < text_pos.len() && end > start {
            let end_byte = text_pos[end.min(text_pos.len()) - 1];
            let end_char_len = text[end_byte..].chars().next().map_or(1, char::len_utf8);
            spans.push((text_pos[start], end_byte + end_char_len));
        }
    }
    spans
}

/// Sentence ends, except the last one of the document.
fn boundaries(spans: &[(usize, usize)]) -> BTreeSet<usize> {
    let mut ends: BTreeSet<usize> = spans.iter().map(|&(_, end)| end).collect();
    if let Some(&last) = ends.iter().next_back() {
        ends.remove(&last);
    }
    ends
}

fn context(text: &str, offset: usize) -> String {
    let left: String = text[..offset]
        .chars()
        .rev()
        .take(45)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let right: String = text[offset..].chars().take(45).collect();
    format!("…{left}‖{right}…")
}

impl SegsetReport {
    /// The report as text; with `errors`, every wrong boundary in context.
    pub fn to_text(&self, errors: bool) -> String {
        let mut out = String::new();
        if errors {
            for error in &self.errors {
                out.push_str(&format!(
                    "{} [{}] {}\n",
                    error.doc, error.kind, error.context
                ));
            }
            out.push('\n');
        }
        let (b, s) = (&self.boundaries, &self.sentences);
        out.push_str(&format!(
            "boundaries  P {:.4}  R {:.4}  F1 {:.4}  (tp {}, fp {}, fn {}; {} documents)\n",
            b.precision, b.recall, b.f1, b.tp, b.fp, b.fn_, self.documents
        ));
        out.push_str(&format!(
            "sentences   P {:.4}  R {:.4}  F1 {:.4}  (exact spans)\n",
            s.precision, s.recall, s.f1
        ));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_boundaries_like_the_reference_scorer() {
        let lexicons = Lexicons::embedded();
        let docs = vec![SegsetDoc {
            doc: "a".into(),
            text: "Mötet börjar kl. 18.00 i stadshuset. Polisen deltar. Kommunen också".into(),
            sentences: vec![
                "Mötet börjar kl. 18.00 i stadshuset.".into(),
                "Polisen deltar. Kommunen också".into(),
            ],
        }];
        let report = score(&docs, &lexicons);
        // lofte splits after "deltar." too: one boundary right, one extra.
        assert_eq!(
            (
                report.boundaries.tp,
                report.boundaries.fp,
                report.boundaries.fn_
            ),
            (1, 1, 0)
        );
        assert_eq!(
            (
                report.sentences.tp,
                report.sentences.fp,
                report.sentences.fn_
            ),
            (1, 2, 1)
        );
        assert_eq!(report.errors.len(), 1);
        assert!(
            report.errors[0].context.contains("deltar.‖"),
            "{:?}",
            report.errors
        );
    }
}
