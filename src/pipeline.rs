//! The pipeline: the one place that knows the stage order:
//! segment → commitment → actor → vague → specificity.
//!
//! Input: a decoded `Document` and the compiled `Lexicons`. Output: a
//! `LabelledDocument`. The CLI, `eval`, the tests and the benches all go through here,
//! so a change to the order or the data passed between stages happens once.

use crate::lexicon::Lexicons;
use crate::matcher::{tokenize, Tokens};
use crate::model::{Document, LabelledDocument};
use crate::parties::UnitMentions;
use crate::{actor, commitment, period, segment, specificity, vague};

/// Runs segment → commitment → actor → vague on one document.
pub fn label(document: Document, lexicons: &Lexicons) -> LabelledDocument {
    let units = segment::segment(&document.text, lexicons);
    // Tokens are computed once and shared by the labelling stages; party mentions are
    // found once, for the units that a stage asks about.
    let tokens: Vec<Tokens> = units.iter().map(|unit| tokenize(&unit.text)).collect();
    let mentions = UnitMentions::new(&tokens, lexicons);
    let commitments = commitment::decide(&units, &tokens, &mentions, lexicons);
    let (actors, parties) = actor::attribute(&units, &tokens, &mentions, &commitments, lexicons);
    let vague = vague::assess(&units, &tokens, &commitments, lexicons);
    let title = units.first().map_or("", |unit| unit.text.as_str());
    let period = period::find(&document.text, title, document.file_name());
    let specificity = specificity::assess(
        &units,
        &tokens,
        &mentions,
        &commitments,
        &vague,
        period.as_ref(),
        lexicons,
    );
    LabelledDocument {
        document,
        units,
        commitments,
        actors,
        vague,
        specificity,
        parties,
        period,
    }
}

/// Labels a text held in memory, as if read from `path`.
pub fn label_text(path: &str, text: &str, lexicons: &Lexicons) -> LabelledDocument {
    label(
        Document {
            path: path.to_string(),
            text: std::sync::Arc::new(text.to_string()),
        },
        lexicons,
    )
}
