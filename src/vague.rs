//! Vagueness: could anyone say afterwards whether the commitment was kept? (ANNOTATION.md §4)
//!
//! Input: the units, their tokens and commitment decisions, and the lexicons. Output:
//! one `VagueDecision` per unit: the vague cues (each marked neutralised or not), the
//! measurable anchors, and for commitments the verdict.
//!
//! A cue is neutralised by an anchor in the same unit, within three limits from the
//! guide: a hedge is never neutralised; a change or amount cue needs a quantity (the
//! agreement period alone does not do); an example (`t.ex. …`) is no anchor.

use crate::lexicon::{AnchorHit, AnchorKind, Lexicons, PhraseHit, VagueCategory};
use crate::matcher::{TokenKind, Tokens};
use crate::model::{Anchor, CommitmentDecision, Unit, VagueCue, VagueDecision};

/// Words that open an example: anchors after them, up to the end of the clause, are
/// examples and make nothing checkable.
const EXAMPLE_OPENERS: &[&[&str]] = &[
    &["t", ".", "ex", "."],
    &["till", "exempel"],
    &["exempelvis"],
    &["bl", ".", "a", "."],
    &["bland", "annat"],
    &["såsom"],
    &["som", "till", "exempel"],
];

/// Assesses the commitments; other units get an empty decision, since vagueness is a
/// property of commitments only (ANNOTATION.md §4) and skipping the rest halves the cost.
///
/// ```
/// use lofte::{lexicon::Lexicons, pipeline};
/// let lexicons = Lexicons::embedded();
/// let labelled = pipeline::label_text("ex.txt", "Polisen ska öka närvaron i centrum. Polisen ska öka närvaron i centrum till minst fyra kvällar i veckan.", &lexicons);
/// assert!(labelled.vague[0].vague);
/// assert!(!labelled.vague[1].vague);
/// ```
pub fn assess(
    units: &[Unit],
    tokens: &[Tokens],
    commitments: &[CommitmentDecision],
    lexicons: &Lexicons,
) -> Vec<VagueDecision> {
    let graded: Vec<usize> = (0..units.len())
        .filter(|&idx| commitments[idx].commitment)
        .collect();
    let texts: Vec<&str> = graded.iter().map(|&idx| units[idx].text.as_str()).collect();
    let mut anchors = lexicons.anchors.find_in_each(&texts).into_iter();
    let mut decisions = vec![VagueDecision::default(); units.len()];
    for &idx in &graded {
        let unit_anchors = anchors.next().unwrap_or_default();
        decisions[idx] = assess_unit(
            &units[idx],
            &tokens[idx],
            unit_anchors,
            &commitments[idx],
            lexicons,
        );
    }
    decisions
}

fn assess_unit(
    unit: &Unit,
    tokens: &Tokens,
    anchors: Vec<AnchorHit>,
    commitment: &CommitmentDecision,
    lexicons: &Lexicons,
) -> VagueDecision {
    let example_from = example_start(tokens);
    let anchor_hits: Vec<AnchorHit> = anchors
        .into_iter()
        .filter(|hit| example_from.is_none_or(|(from, to)| hit.start < from || hit.start >= to))
        .collect();
    let has = |kinds: &[AnchorKind]| {
        anchor_hits
            .iter()
            .any(|hit| kinds.contains(&hit.entry.category))
    };

    let mut cues: Vec<VagueCue> = Vec::new();
    let hits = lexicons.vague.find_resolved(tokens);
    // `genomföra en enkät för att se om något blivit bättre`: a cue in a purpose clause
    // describes why, not what; it counts only when the main clause is vague itself.
    let purpose_from = purpose_clause_start(tokens, &hits);
    let main_clause_vague = hits
        .iter()
        .any(|hit| purpose_from.is_none_or(|from| hit.start < from));
    // Overlapping cues (`ett långsiktigt arbete`, `långsiktigt`) count once.
    for hit in hits {
        let in_purpose = purpose_from.is_some_and(|from| hit.start >= from)
            && !main_clause_vague
            && !matches!(
                hit.entry.category,
                VagueCategory::Hedge | VagueCategory::Condition
            );
        let text = unit.text[tokens.span(hit.start, hit.end)].to_string();
        let neutralised = in_purpose
            || match hit.entry.category {
                VagueCategory::Hedge | VagueCategory::Condition => false,
                VagueCategory::Amount => has(&[AnchorKind::Quantity, AnchorKind::Frequency]),
                // `regelbundet` needs a number or a calendar frequency, not just a date.
                VagueCategory::Frequency => has(&[AnchorKind::Quantity, AnchorKind::Frequency]),
                VagueCategory::Process => has(&[
                    AnchorKind::Quantity,
                    AnchorKind::Frequency,
                    AnchorKind::Date,
                    AnchorKind::Deadline,
                    AnchorKind::Deliverable,
                ]),
            };
        cues.push(VagueCue {
            category: hit.entry.category.as_str(),
            text,
            neutralised,
            rule: hit.entry.rule.clone(),
        });
    }
    let anchors = anchor_hits
        .iter()
        .map(|hit| Anchor {
            kind: hit.entry.category.as_str(),
            text: unit.text[hit.start..hit.end].to_string(),
            rule: hit.entry.rule.clone(),
        })
        .collect();
    // A goal with nothing to measure it by (`Sollefteå ska vara en trygg kommun`) cannot be
    // checked, whatever its words.
    let measurable = has(&[
        AnchorKind::Quantity,
        AnchorKind::Frequency,
        AnchorKind::Date,
        AnchorKind::Deadline,
    ]);
    if commitment.commitment
        && commitment.goal
        && !measurable
        && cues.iter().all(|cue| cue.neutralised)
    {
        cues.push(VagueCue {
            category: "goal",
            text: "mål utan mått".into(),
            neutralised: false,
            rule: "a goal with no quantity, frequency, date or deadline (vague.rs)".into(),
        });
    }
    let vague = commitment.commitment && cues.iter().any(|cue| !cue.neutralised);
    VagueDecision {
        vague,
        cues,
        anchors,
    }
}

/// Where a purpose clause (`för att …`, `i syfte att …`) starts, unless its `för` belongs
/// to a vague cue (`arbeta för att`).
fn purpose_clause_start(tokens: &Tokens, hits: &[PhraseHit<VagueCategory>]) -> Option<usize> {
    (1..tokens.len()).find(|&idx| {
        tokens.norm(idx) == "att"
            && matches!(tokens.norm(idx - 1), "för" | "syfte")
            && !(idx >= 2 && GOVERNS_FOR.contains(&tokens.norm(idx - 2)))
            && !hits.iter().any(|hit| hit.start < idx && idx - 1 < hit.end)
    })
}

/// Words whose `för att` is their complement, not a purpose (`ansvarar för att`).
const GOVERNS_FOR: &[&str] = &[
    "ansvarar",
    "ansvara",
    "ansvarig",
    "ansvariga",
    "ansvar",
    "ansvaret",
    "svarar",
    "svara",
    "står",
    "stå",
    "sörjer",
    "sörja",
    "verka",
    "verkar",
    "arbeta",
    "arbetar",
    "jobba",
    "jobbar",
    "garant",
    "tacksamma",
];

/// The byte range of an example clause (`t.ex. under Äldreveckan i oktober`), if any.
fn example_start(tokens: &Tokens) -> Option<(usize, usize)> {
    for start in 0..tokens.len() {
        // The token's word is read once: most match no opener's first word.
        let first = tokens.norm(start);
        for opener in EXAMPLE_OPENERS {
            let end = start + opener.len();
            if opener[0] == first
                && end <= tokens.len()
                && (1..opener.len()).all(|i| tokens.norm(start + i) == opener[i])
            {
                let clause_end = (end..tokens.len())
                    .find(|&i| {
                        tokens.list[i].kind == TokenKind::Punct
                            && matches!(tokens.norm(i), "." | ";" | ")" | ":")
                    })
                    .map_or(usize::MAX, |i| tokens.list[i].start());
                return Some((tokens.list[start].start(), clause_end));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use crate::lexicon::Lexicons;
    use crate::pipeline::label_text;

    /// Labels one commitment and returns (vague, unneutralised cues, anchors).
    fn check_vague(text: &str, vague: bool, cues: &[&str]) {
        let lexicons = Lexicons::embedded();
        let labelled = label_text("test.txt", text, &lexicons);
        assert!(
            labelled.commitments[0].commitment,
            "{text} should be a commitment"
        );
        let decision = &labelled.vague[0];
        let active: Vec<&str> = decision
            .cues
            .iter()
            .filter(|c| !c.neutralised)
            .map(|c| c.text.as_str())
            .collect();
        assert_eq!(
            (decision.vague, active.as_slice()),
            (vague, cues),
            "{text}: {decision:?}"
        );
    }

    #[test]
    fn guide_examples() {
        check_vague("Polisen ska öka närvaron i centrum.", true, &["öka"]);
        check_vague(
            "Polisen ska öka närvaron i centrum till minst fyra kvällar i veckan.",
            false,
            &[],
        );
        check_vague(
            "Kommunen genomför trygghetsvandringar i Centrum och Öster.",
            false,
            &[],
        );
        check_vague(
            "Vi ska arbeta för att fler ska känna sig trygga.",
            true,
            &["arbeta för", "fler"],
        );
        check_vague(
            "Åtgärder ska vid behov vidtas mot nedskräpning.",
            true,
            &["vid behov"],
        );
    }

    #[test]
    fn hedge_is_never_neutralised() {
        check_vague(
            "Polisen ska i möjligaste mån ta bort klotter inom 48 timmar.",
            true,
            &["i möjligaste mån"],
        );
    }

    #[test]
    fn period_alone_does_not_neutralise_a_change() {
        check_vague(
            "Polisen ska öka närvaron i centrum under 2020.",
            true,
            &["öka"],
        );
    }

    #[test]
    fn deliverable_neutralises_a_process_verb() {
        check_vague(
            "Kommunen ska utveckla en handlingsplan mot klotter.",
            false,
            &[],
        );
    }

    #[test]
    fn example_is_no_anchor() {
        check_vague(
            "Kommunen ska stärka föräldrastödet, t.ex. två föräldraträffar per termin.",
            true,
            &["stärka"],
        );
    }
}
