//! Commitment: does a unit say that a party will do or achieve something? (ANNOTATION.md §2)
//!
//! Input: the units, their tokens and party mentions, and the lexicons. Output: one
//! `CommitmentDecision` per unit, with the cue that decided it.
//!
//! The decision reads the unit itself first (an explicit modal or promise verb, a goal,
//! or wording that rules a commitment out), then its context: a list item under a
//! commitment lead-in (`Polisen lovar att:`) or under a commitment heading
//! (`Polisens åtaganden`) is a commitment even when it is a bare infinitive or a noun
//! phrase. A present-tense action (`Kommunen genomför …`) is a commitment when a party
//! is its subject or it stands in a commitment section, but never in a background one.

use crate::lexicon::{CommitmentCategory, Lexicons, PhraseHit, SectionCategory};
use crate::matcher::Tokens;
use crate::model::{CommitmentDecision, Unit, UnitKind};
use crate::parties::{self, Mention, UnitMentions};

/// Decides, for every unit, whether it is a commitment.
///
/// ```
/// use lofte::{lexicon::Lexicons, pipeline};
/// let lexicons = Lexicons::embedded();
/// let text = "Polisens åtaganden\n\nPolisen lovar att:\n• genomföra trygghetsvandringar\n\nUnder 2018 anmäldes 312 bostadsinbrott.\n";
/// let labelled = pipeline::label_text("ex.txt", text, &lexicons);
/// let flags: Vec<bool> = labelled.commitments.iter().map(|c| c.commitment).collect();
/// assert_eq!(flags, [false, false, true, false]);
/// ```
pub fn decide(
    units: &[Unit],
    tokens: &[Tokens],
    mentions: &UnitMentions,
    lexicons: &Lexicons,
) -> Vec<CommitmentDecision> {
    let sections: Vec<Option<SectionCategory>> = units
        .iter()
        .zip(tokens)
        .map(|(unit, tokens)| match unit.kind {
            UnitKind::Heading | UnitKind::LeadIn => section_category(tokens, lexicons),
            _ => None,
        })
        .collect();
    let leadin_commits: Vec<bool> = units
        .iter()
        .enumerate()
        .map(|(idx, unit)| {
            unit.kind == UnitKind::LeadIn
                && leadin_introduces_commitments(&tokens[idx], sections[idx], lexicons)
        })
        .collect();

    units
        .iter()
        .enumerate()
        .map(|(idx, unit)| {
            let section = unit.heading().and_then(|heading| sections[heading]);
            let context = Context {
                section,
                section_text: unit.heading().map(|heading| units[heading].text.as_str()),
                leadin: unit
                    .leadin()
                    .map(|leadin| (units[leadin].text.as_str(), leadin_commits[leadin])),
            };
            decide_unit(unit, &tokens[idx], || mentions.of(idx), &context, lexicons)
        })
        .collect()
}

/// What the layout says about a unit's surroundings.
struct Context<'a> {
    section: Option<SectionCategory>,
    section_text: Option<&'a str>,
    /// The introducing lead-in and whether it introduces commitments.
    leadin: Option<(&'a str, bool)>,
}

fn decide_unit<'m>(
    unit: &Unit,
    tokens: &Tokens,
    mentions: impl FnOnce() -> &'m [Mention],
    context: &Context,
    lexicons: &Lexicons,
) -> CommitmentDecision {
    let no = |cue: String| CommitmentDecision {
        commitment: false,
        cue,
        goal: false,
        rule: Default::default(),
    };
    let yes = |cue: String| CommitmentDecision {
        commitment: true,
        cue,
        goal: false,
        rule: Default::default(),
    };
    let rule = |hit: &PhraseHit<CommitmentCategory>| hit.entry.rule.clone();
    // ANNOTATION.md §2: headings, lead-ins and responsibility lines are never commitments,
    // and a question (`Vad gör polisen?`) promises nothing.
    if unit.kind == UnitKind::Heading || unit.kind == UnitKind::LeadIn || unit.responsibility {
        return no(String::new());
    }
    if unit
        .text
        .trim_end_matches(['"', '”', '’', ')'])
        .ends_with('?')
    {
        return no("not a commitment: a question".into());
    }
    let hits = lexicons.commitment.find_all(tokens);
    let words = |start: usize, end: usize| unit.text[tokens.span(start, end)].to_string();
    if let Some(hit) = hits.iter().find(|hit| {
        matches!(
            hit.entry.category,
            CommitmentCategory::Exclude | CommitmentCategory::Pledge
        )
    }) {
        let cue = format!("not a commitment: {}", words(hit.start, hit.end));
        return CommitmentDecision {
            rule: rule(hit),
            ..no(cue)
        };
    }
    let strong = hits.iter().find(|hit| {
        matches!(
            hit.entry.category,
            CommitmentCategory::Modal | CommitmentCategory::Promise | CommitmentCategory::Goal
        )
    });
    if let Some(hit) = strong {
        let goal = hits
            .iter()
            .any(|hit| hit.entry.category == CommitmentCategory::Goal);
        return CommitmentDecision {
            goal,
            rule: rule(hit),
            ..yes(words(hit.start, hit.end))
        };
    }
    let in_commitment_section = matches!(
        context.section,
        Some(SectionCategory::Commitments | SectionCategory::Goals)
    );
    let in_list = unit.kind == UnitKind::Item || context.leadin.is_some();
    if in_list {
        match context.leadin {
            Some((leadin, true)) => return yes(format!("lead-in: {leadin}")),
            Some((_, false)) if !in_commitment_section => {}
            _ if in_commitment_section => {
                let goal = context.section == Some(SectionCategory::Goals);
                let cue = format!("section: {}", context.section_text.unwrap_or_default());
                return CommitmentDecision { goal, ..yes(cue) };
            }
            _ => {}
        }
    }
    let describes = hits
        .iter()
        .any(|hit| hit.entry.category == CommitmentCategory::Describe);
    // A verb in a relative clause (`till dem som besöker Båstad`) is no action of the unit.
    let action = hits.iter().find(|hit| {
        hit.entry.category == CommitmentCategory::Action
            && !(hit.start.saturating_sub(4)..hit.start).any(|i| tokens.norm(i) == "som")
    });
    let background = context.section == Some(SectionCategory::Background);
    // In running text an infinitive (`lovade vi att genomföra`) is no action of its own.
    let infinitive = action.is_some_and(|hit| hit.start > 0 && tokens.norm(hit.start - 1) == "att");
    if let (Some(hit), false) = (action, describes) {
        if in_commitment_section && (in_list || !infinitive) {
            return CommitmentDecision {
                rule: rule(hit),
                ..yes(words(hit.start, hit.end))
            };
        }
        // `Genomföra två trygghetsvandringar per år`: a list item that opens with an
        // action verb is a measure, unless its lead-in says otherwise.
        let opens_item = in_list && hit.start <= first_word(tokens) + 1;
        let leadin_disagrees = matches!(context.leadin, Some((_, false)));
        if opens_item && !background && !leadin_disagrees {
            return CommitmentDecision {
                rule: rule(hit),
                ..yes(words(hit.start, hit.end))
            };
        }
        if !background && !infinitive && !parties::subject(tokens, mentions(), lexicons).is_empty()
        {
            return CommitmentDecision {
                rule: rule(hit),
                ..yes(words(hit.start, hit.end))
            };
        }
    }
    no(String::new())
}

/// The first token of an item after an opening `att` and adverbs like `regelbundet`.
fn first_word(tokens: &Tokens) -> usize {
    usize::from(tokens.len() > 1 && tokens.norm(0) == "att")
}

/// The kind of section a heading or lead-in opens; commitments beat goals beat background.
pub fn section_category(tokens: &Tokens, lexicons: &Lexicons) -> Option<SectionCategory> {
    let hits = lexicons.sections.find_all(tokens);
    [
        SectionCategory::Commitments,
        SectionCategory::Goals,
        SectionCategory::Background,
    ]
    .into_iter()
    .find(|category| hits.iter().any(|hit| hit.entry.category == *category))
}

/// A lead-in introduces commitments when it promises (`Polisen lovar att:`), states a
/// modal (`Kommunen ska:`) or names commitments or goals (`Aktiviteter:`, `Målen är:`).
fn leadin_introduces_commitments(
    tokens: &Tokens,
    section: Option<SectionCategory>,
    lexicons: &Lexicons,
) -> bool {
    let hits = lexicons.commitment.find_all(tokens);
    if hits
        .iter()
        .any(|hit| hit.entry.category == CommitmentCategory::Exclude)
    {
        return false;
    }
    let promises = hits.iter().any(|hit| {
        matches!(
            hit.entry.category,
            CommitmentCategory::Modal
                | CommitmentCategory::Promise
                | CommitmentCategory::Goal
                | CommitmentCategory::Pledge
        )
    });
    promises
        || matches!(
            section,
            Some(SectionCategory::Commitments | SectionCategory::Goals)
        )
}

#[cfg(test)]
mod tests {
    use crate::lexicon::Lexicons;
    use crate::pipeline::label_text;

    /// Labels `text` and returns (unit text, commitment) pairs.
    fn check_commitments(text: &str, expected: &[(&str, bool)]) {
        let lexicons = Lexicons::embedded();
        let labelled = label_text("test.txt", text, &lexicons);
        let got: Vec<(&str, bool)> = labelled
            .units
            .iter()
            .zip(&labelled.commitments)
            .map(|(unit, decision)| (unit.text.as_str(), decision.commitment))
            .collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn modal_and_promise_sentences_are_commitments() {
        check_commitments(
            "Kommunen och polisen ska gemensamt ta fram en lägesbild varje kvartal. Polisen åtar sig att besöka skolorna. Målet är att antalet bostadsinbrott ska minska med 10 procent under 2020.",
            &[
                ("Kommunen och polisen ska gemensamt ta fram en lägesbild varje kvartal.", true),
                ("Polisen åtar sig att besöka skolorna.", true),
                ("Målet är att antalet bostadsinbrott ska minska med 10 procent under 2020.", true),
            ],
        );
    }

    #[test]
    fn background_purpose_and_wishes_are_not() {
        check_commitments(
            "Under 2018 anmäldes 312 bostadsinbrott. Syftet med medborgarlöften är att öka tryggheten. Det vore bra om fler anmälde brott. Medborgarlöften är en del av polisens styrmodell.",
            &[
                ("Under 2018 anmäldes 312 bostadsinbrott.", false),
                ("Syftet med medborgarlöften är att öka tryggheten.", false),
                ("Det vore bra om fler anmälde brott.", false),
                ("Medborgarlöften är en del av polisens styrmodell.", false),
            ],
        );
    }

    #[test]
    fn items_under_a_commitment_leadin_or_heading() {
        check_commitments(
            "Polisen lovar att:\n• genomföra minst åtta trygghetsvandringar\n\nVi lovar\n• Två gemensamma trygghetsvandringar under hösten\n\nBakgrund\n• Narkotikahandel vid stationen\n",
            &[
                ("Polisen lovar att:", false),
                ("genomföra minst åtta trygghetsvandringar", true),
                ("Vi lovar", false),
                ("Två gemensamma trygghetsvandringar under hösten", true),
                ("Bakgrund", false),
                ("Narkotikahandel vid stationen", false),
            ],
        );
    }

    #[test]
    fn present_tense_action_needs_a_party_and_no_background() {
        check_commitments(
            "Kommunen genomför trygghetsvandringar i Centrum och Öster.\n\nBakgrund\n\nPolisen arbetar sedan 2016 med medborgarlöften. Kommunen genomför enkäter.\n",
            &[
                ("Kommunen genomför trygghetsvandringar i Centrum och Öster.", true),
                ("Bakgrund", false),
                ("Polisen arbetar sedan 2016 med medborgarlöften.", false),
                ("Kommunen genomför enkäter.", false),
            ],
        );
    }
}
