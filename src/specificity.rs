//! Specificity: how testable is each commitment, is it an action or a goal, and what
//! does it name? (The pledge-research scale; corpus/README.md has examples.)
//!
//! Input: the units with their tokens, party mentions, commitment and vague decisions,
//! and the document's validity period. Output: one `Option<Box<Specificity>>` per unit
//! (`None` for units that are no commitment; boxed, so that those cost a pointer).
//!
//! 0 rhetoric (a vague outcome), 1 vague action, 2 concrete but unmeasured, 3 testable
//! (a number, a numeric or calendar frequency, a date or deadline, or a time window
//! narrower than the agreement period). It agrees with `vague` by construction:
//! vague ⇔ specificity ≤ 1, because the measures that make a unit 3 are the anchors
//! that neutralise its vague cues.

use crate::lexicon::{CommitmentCategory, Lexicons};
use crate::matcher::Tokens;
use crate::model::{CommitmentDecision, Specificity, Unit, VagueDecision};
use crate::parties::{self, Mention, Role, UnitMentions};
use crate::period::Period;

/// Verbs whose subject is an outcome (`Antalet inbrott ska minska`): such a commitment
/// promises a result, not an action.
const OUTCOME_VERBS: &[&str] = &[
    "minska",
    "minskas",
    "öka",
    "ökas",
    "sjunka",
    "stiga",
    "upphöra",
    "halveras",
    "förbättras",
    "försvinna",
    "bli",
    "vara",
    "uppleva",
    "uppleva",
    "känna",
    "nå",
    "uppnås",
    "uppnå",
    "gå",
    "halveras",
];

/// Words of a time window narrower than a year (`under hösten`, `inför sommarlovet`).
const SEASONS: &[&str] = &[
    "våren",
    "hösten",
    "sommaren",
    "vintern",
    "terminen",
    "vårterminen",
    "höstterminen",
    "lovet",
    "sommarlovet",
    "jullovet",
    "sportlovet",
    "påsklovet",
    "höstlovet",
    "midsommar",
    "valborg",
    "julen",
];

/// Assesses every commitment.
///
/// ```
/// use lofte::{lexicon::Lexicons, pipeline};
/// let lexicons = Lexicons::embedded();
/// let labelled = pipeline::label_text(
///     "ex.txt",
///     "Polisen ska verka för ökad närvaro. Kommunen genomför trygghetsvandringar i Centrum. Polisen ska genomföra minst 30 kontroller per år.",
///     &lexicons,
/// );
/// let levels: Vec<u8> = labelled.specificity.iter().map(|s| s.as_ref().unwrap().level).collect();
/// assert_eq!(levels, [1, 2, 3]);
/// ```
pub fn assess(
    units: &[Unit],
    tokens: &[Tokens],
    mentions: &UnitMentions,
    commitments: &[CommitmentDecision],
    vague: &[VagueDecision],
    period: Option<&Period>,
    lexicons: &Lexicons,
) -> Vec<Option<Box<Specificity>>> {
    (0..units.len())
        .map(|idx| {
            commitments[idx].commitment.then(|| {
                Box::new(assess_unit(
                    &units[idx],
                    &tokens[idx],
                    mentions.of(idx),
                    &commitments[idx],
                    &vague[idx],
                    period,
                    lexicons,
                ))
            })
        })
        .collect()
}

fn assess_unit(
    unit: &Unit,
    tokens: &Tokens,
    mentions: &[Mention],
    commitment: &CommitmentDecision,
    vague: &VagueDecision,
    period: Option<&Period>,
    lexicons: &Lexicons,
) -> Specificity {
    let slot = |kinds: &[&str]| -> Vec<String> {
        vague
            .anchors
            .iter()
            .filter(|a| kinds.contains(&a.kind))
            .map(|a| a.text.clone())
            .collect()
    };
    let narrow_periods: Vec<String> = vague
        .anchors
        .iter()
        .filter(|a| a.kind == "period" && narrower_than(&a.text, period))
        .map(|a| a.text.clone())
        .collect();
    let measured = !slot(&["quantity", "frequency", "date", "deadline"]).is_empty()
        || !narrow_periods.is_empty();
    let goal = commitment.goal || promises_outcome(tokens, mentions, lexicons);
    let level = match (vague.vague, goal, measured) {
        (true, true, _) => 0,
        (true, false, _) => 1,
        (false, _, true) => 3,
        (false, _, false) => 2,
    };
    let partners = mentions
        .iter()
        .filter(|m| m.role == Role::Partner)
        .map(|m| unit.text[tokens.span(m.start, m.end)].to_string())
        .collect();
    Specificity {
        level,
        commitment_type: if goal { "goal" } else { "action" },
        conditional: vague.cues.iter().any(|c| c.category == "condition"),
        mixed: !vague.cues.is_empty() && measured,
        partners,
        quantity: slot(&["quantity"]),
        frequency: slot(&["frequency"]),
        period: slot(&["date", "deadline", "period"]),
        place: slot(&["place"]),
    }
}

/// A time window that fixes more than the agreement period does: a season or term,
/// or a year inside a period of several years.
fn narrower_than(text: &str, period: Option<&Period>) -> bool {
    let lower = text.to_lowercase();
    if lower.split_whitespace().any(|w| SEASONS.contains(&w)) {
        return true;
    }
    let years: Vec<u32> = lower
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|d| d.parse().ok())
        .filter(|y| *y > 1900)
        .collect();
    match (years.as_slice(), period) {
        ([year], Some(period)) => period.years().count() > 1 && period.years().contains(year),
        _ => false,
    }
}

/// `Antalet inbrott ska minska`, `Tryggheten ska öka`: no party is the subject and the
/// verb after the modal says what will happen, not what someone does.
fn promises_outcome(tokens: &Tokens, mentions: &[Mention], lexicons: &Lexicons) -> bool {
    if !parties::subject(tokens, mentions, lexicons).is_empty() {
        return false;
    }
    let hits = lexicons.commitment.find_all(tokens);
    hits.iter()
        .filter(|hit| hit.entry.category == CommitmentCategory::Modal)
        .any(|hit| {
            (hit.end..(hit.end + 3).min(tokens.len()))
                .any(|idx| OUTCOME_VERBS.contains(&tokens.norm(idx)))
        })
}

#[cfg(test)]
mod tests {
    use crate::lexicon::Lexicons;
    use crate::pipeline::label_text;

    /// Labels `text` and returns (level, type, conditional) of its first unit.
    fn check(text: &str, level: u8, kind: &str, conditional: bool) {
        let lexicons = Lexicons::embedded();
        let labelled = label_text("test.txt", text, &lexicons);
        let specificity = labelled.specificity[0].as_deref().expect("a commitment");
        assert_eq!(
            (
                specificity.level,
                specificity.commitment_type,
                specificity.conditional
            ),
            (level, kind, conditional),
            "{text}: {specificity:?}"
        );
        assert_eq!(
            labelled.vague[0].vague,
            specificity.level <= 1,
            "vague ⇔ specificity ≤ 1"
        );
    }

    #[test]
    fn the_four_levels() {
        check("Alla ska uppleva ökad trygghet.", 0, "goal", false);
        check("Polisen ska verka för ökad närvaro.", 1, "action", false);
        check(
            "Kommunen genomför trygghetsvandringar i Centrum.",
            2,
            "action",
            false,
        );
        check("Den öppna narkotikahandeln ska upphöra.", 2, "goal", false);
        check(
            "Polisen ska genomföra minst 30 orossamtal per år.",
            3,
            "action",
            false,
        );
        check(
            "Kommunen ska ta fram en plan senast 1 oktober 2021.",
            3,
            "action",
            false,
        );
        check(
            "Antalet bostadsinbrott ska minska med 10 procent till 2027.",
            3,
            "goal",
            false,
        );
    }

    #[test]
    fn conditions_and_goals() {
        check(
            "Polisen ska vid behov genomföra extra kontroller.",
            1,
            "action",
            true,
        );
        check(
            "Målet är att antalet inbrott ska minska med 15 procent.",
            3,
            "goal",
            false,
        );
    }

    #[test]
    fn slots_and_partners() {
        let lexicons = Lexicons::embedded();
        let labelled = label_text(
            "test.txt",
            "Polisen ska i samverkan med föreningarna genomföra två trygghetsvandringar varje vår vid Västerskolan senast 30 maj 2021.",
            &lexicons,
        );
        let s = labelled.specificity[0].as_deref().unwrap();
        assert_eq!(s.partners, ["föreningarna"]);
        assert_eq!(s.quantity, ["två trygghetsvandringar"]);
        assert_eq!(s.frequency, ["varje vår"]);
        assert_eq!(s.period, ["senast 30 maj 2021"]);
        assert_eq!(s.place, ["vid Västerskolan"]);
        assert_eq!(s.level, 3);
    }

    #[test]
    fn mixed_unit_keeps_the_higher_score() {
        let lexicons = Lexicons::embedded();
        let labelled = label_text(
            "test.txt",
            "• Polisen ska verka för en tryggare trafik. Minst tolv trafikinsatser ska genomföras.\n",
            &lexicons,
        );
        let s = labelled.specificity[0].as_deref().unwrap();
        assert!(s.mixed, "{s:?}");
        assert_eq!(s.level, 3);
    }
}
