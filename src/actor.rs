//! Actor: who takes each commitment on? (ANNOTATION.md §3)
//!
//! Input: the units with their tokens, party mentions and commitment decisions. Output:
//! one `Option<ActorDecision>` per unit (`None` for units that are no commitment).
//!
//! Precedence, strongest first: a responsibility line right after the unit
//! (`Ansvarig: Kommunen`), the unit's own subject, its lead-in (and the lead-in's own
//! lead-in), its section heading (and, for numbered headings, the parent heading), and
//! finally the document: in a single-party document every commitment is that party's.
//! `vi`, `parterna` and `gemensamt` are resolved from the document's parties.

use std::cell::OnceCell;
use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;

use crate::lexicon::Lexicons;
use crate::matcher::Tokens;
use crate::model::{
    Actor, ActorDecision, ActorSource, CommitmentDecision, DocumentParties, Unit, UnitKind,
};
use crate::parties::{self, Mention, Party, Role, UnitMentions};

/// Decides the actor of every commitment.
///
/// ```
/// use lofte::{lexicon::Lexicons, model::Actor, pipeline};
/// let lexicons = Lexicons::embedded();
/// let text = "Kommunen åtar sig att:\n• ordna nattvandringar i samverkan med föreningarna\n\nPolisen ska besöka skolorna.\n";
/// let labelled = pipeline::label_text("ex.txt", text, &lexicons);
/// let actors: Vec<Option<Actor>> = labelled.actors.iter().map(|a| a.as_ref().map(|d| d.actor)).collect();
/// assert_eq!(actors, [None, Some(Actor::Municipality), Some(Actor::Police)]);
/// ```
pub fn attribute(
    units: &[Unit],
    tokens: &[Tokens],
    mentions: &UnitMentions,
    commitments: &[CommitmentDecision],
    lexicons: &Lexicons,
) -> (Vec<Option<ActorDecision>>, DocumentParties) {
    let named = NamedParties {
        units,
        tokens,
        mentions,
        commitments,
        lexicons,
        found: (0..units.len()).map(|_| OnceCell::new()).collect(),
    };
    let document = DocumentParties::find(units, &named, commitments);

    let view = DocumentView {
        units,
        tokens,
        named: &named,
        mentions,
        document: &document,
        numbered: numbered_headings(units),
        lexicons,
    };
    let actors = units
        .iter()
        .enumerate()
        .map(|(idx, _)| {
            commitments[idx]
                .commitment
                .then(|| decide_actor(&view, idx))
        })
        .collect();
    (actors, document)
}

/// The parties each unit names as acting: the subject of a commitment or lead-in, every
/// agent named in a heading or responsibility line. Each unit's are found when first
/// asked for, so that headings over no commitment need no mentions.
struct NamedParties<'a> {
    units: &'a [Unit],
    tokens: &'a [Tokens],
    mentions: &'a UnitMentions<'a>,
    commitments: &'a [CommitmentDecision],
    lexicons: &'a Lexicons,
    found: Vec<OnceCell<Vec<Mention>>>,
}

impl NamedParties<'_> {
    fn of(&self, idx: usize) -> &[Mention] {
        self.found[idx].get_or_init(|| {
            let unit = &self.units[idx];
            match unit.kind {
                UnitKind::Heading => agents(self.mentions.of(idx)),
                UnitKind::LeadIn => {
                    leadin_parties(&self.tokens[idx], self.mentions.of(idx), self.lexicons)
                }
                _ if unit.responsibility => agents(self.mentions.of(idx)),
                _ if self.commitments[idx].commitment => {
                    parties::subject(&self.tokens[idx], self.mentions.of(idx), self.lexicons)
                }
                _ => Vec::new(),
            }
        })
    }
}

/// What the actor rules read about a document: its units, their tokens and mentions,
/// the parties each unit names as acting, and the document's parties.
struct DocumentView<'a> {
    units: &'a [Unit],
    tokens: &'a [Tokens],
    named: &'a NamedParties<'a>,
    mentions: &'a UnitMentions<'a>,
    document: &'a DocumentParties,
    /// Numbered headings by number (see `numbered_headings`).
    numbered: HashMap<String, Vec<usize>>,
    lexicons: &'a Lexicons,
}

fn decide_actor(view: &DocumentView, idx: usize) -> ActorDecision {
    let DocumentView {
        units,
        tokens,
        named,
        mentions,
        document,
        lexicons,
        ..
    } = *view;
    let unit = &units[idx];
    // The rule is the actors.txt entry of the first mention that decided.
    let decision = |actor, source, cue: String, deciding: &[Mention]| ActorDecision {
        actor,
        source,
        cue,
        rule: deciding
            .first()
            .map(|m| match m.entry {
                Some(entry) => lexicons.actors.entries[entry].rule.clone(),
                None => "an unlisted name as subject (parties.rs)".into(),
            })
            .unwrap_or_default(),
    };
    // A responsibility line on the next line names the actor outright.
    if let Some(next) = units.get(idx + 1).filter(|next| next.responsibility) {
        let responsible = agents(mentions.of(idx + 1));
        if let Some(actor) = document.combine(&responsible) {
            return decision(
                actor,
                ActorSource::Responsible,
                next.text.to_string(),
                &responsible,
            );
        }
    }
    // ANNOTATION.md §3: a joint body (`styrgruppen`) takes its actor from the members the
    // unit names, `both` when it is called gemensam, and is otherwise unspecified.
    let unit_named = named.of(idx);
    if !unit_named.is_empty() && unit_named.iter().all(|m| m.party == Party::Body) {
        let members: Vec<Mention> = mentions
            .of(idx)
            .iter()
            .filter(|m| matches!(m.party, Party::Police | Party::Municipality | Party::Joint))
            .copied()
            .collect();
        let actor = document
            .combine(&members)
            .or(document.single_party())
            .unwrap_or(Actor::Unspecified);
        return decision(
            actor,
            ActorSource::Explicit,
            mention_words(unit, &tokens[idx], unit_named),
            unit_named,
        );
    }
    if let Some(actor) = document.combine(unit_named) {
        return decision(
            actor,
            ActorSource::Explicit,
            mention_words(unit, &tokens[idx], unit_named),
            unit_named,
        );
    }
    let mut leadin = unit.leadin();
    while let Some(leadin_idx) = leadin {
        if let Some(actor) = document.combine(named.of(leadin_idx)) {
            return decision(
                actor,
                ActorSource::LeadIn,
                units[leadin_idx].text.to_string(),
                named.of(leadin_idx),
            );
        }
        leadin = units[leadin_idx].leadin();
    }
    for heading_idx in governing_headings(units, &view.numbered, unit.heading()) {
        if let Some(actor) = document.combine(named.of(heading_idx)) {
            return decision(
                actor,
                ActorSource::Heading,
                units[heading_idx].text.to_string(),
                named.of(heading_idx),
            );
        }
    }
    // `En gemensam ansökan kommer att göras`: no party in the unit or its context, but
    // the unit says the parties act together. It comes after the lead-in and heading
    // because in `genomföra gemensamma vandringar` it only describes the object.
    let joint: Vec<Mention> = mentions
        .of(idx)
        .iter()
        .filter(|m| m.party == Party::Joint && m.role == Role::Agent)
        .copied()
        .collect();
    if let Some(actor) = document.combine(&joint) {
        return decision(
            actor,
            ActorSource::Explicit,
            mention_words(unit, &tokens[idx], &joint),
            &joint,
        );
    }
    match document.single_party() {
        Some(actor) => decision(
            actor,
            ActorSource::Document,
            format!("document with one party ({})", actor.as_str()),
            &[],
        ),
        None => decision(
            Actor::Unspecified,
            ActorSource::Document,
            String::new(),
            &[],
        ),
    }
}

/// The parties a lead-in names: its subject when it has a cue (`Polisen lovar att:`),
/// else any agent it names (`Kommunen:`).
fn leadin_parties(tokens: &Tokens, mentions: &[Mention], lexicons: &Lexicons) -> Vec<Mention> {
    let subject = parties::subject(tokens, mentions, lexicons);
    if !subject.is_empty() {
        return subject;
    }
    agents(mentions)
}

/// The mentions of parties named as acting.
fn agents(mentions: &[Mention]) -> Vec<Mention> {
    mentions
        .iter()
        .filter(|m| m.role == Role::Agent)
        .copied()
        .collect()
}

static SECTION_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(\d{1,2}(?:\.\d{1,2})*)\.?\s").expect("valid section number regex")
});

/// The section number that opens a heading (`3.1` of `3.1 Trygg skolväg`). Most headings
/// open with a letter, and for those the regex is not run (its start-up is most of its cost).
fn section_number(text: &str) -> Option<&str> {
    if !text.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        return None;
    }
    Some(SECTION_NUMBER.captures(text)?.get(1)?.as_str())
}

/// The numbered headings of a document (`3.1 Trygg skolväg`): number → their unit
/// indices in order, so a heading's parents are found without rescanning the document.
fn numbered_headings(units: &[Unit]) -> HashMap<String, Vec<usize>> {
    let mut numbered: HashMap<String, Vec<usize>> = HashMap::new();
    for (idx, unit) in units.iter().enumerate() {
        if unit.kind == UnitKind::Heading {
            if let Some(number) = section_number(&unit.text) {
                numbered.entry(number.to_string()).or_default().push(idx);
            }
        }
    }
    numbered
}

/// The nearest heading, then, for a numbered one (`3.1 Trygg skolväg`), its parents
/// (`3. Polisens åtaganden`): the last heading before it with each shorter number.
fn governing_headings(
    units: &[Unit],
    numbered: &HashMap<String, Vec<usize>>,
    nearest: Option<usize>,
) -> Vec<usize> {
    let Some(nearest) = nearest else {
        return Vec::new();
    };
    let mut chain = vec![nearest];
    let Some(number) = section_number(&units[nearest].text).map(str::to_string) else {
        return chain;
    };
    let mut wanted = number;
    while let Some(cut) = wanted.rfind('.') {
        wanted.truncate(cut);
        let before = numbered.get(&wanted).and_then(|found| {
            let count = found.partition_point(|&i| i < nearest);
            count.checked_sub(1).map(|last| found[last])
        });
        if let Some(parent) = before {
            chain.push(parent);
        }
    }
    chain
}

/// The unit's words for the mentions that decided its actor.
fn mention_words(unit: &Unit, tokens: &Tokens, found: &[Mention]) -> String {
    found
        .iter()
        .map(|m| unit.text[tokens.span(m.start, m.end)].to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

impl DocumentParties {
    /// Looks at who the document makes commit: subjects of commitments, lead-ins, and
    /// headings with commitments under them. Titles and background do not count, so a
    /// police-only promise that mentions the municipality stays police-only.
    fn find(
        units: &[Unit],
        named: &NamedParties,
        commitments: &[CommitmentDecision],
    ) -> DocumentParties {
        let mut parties = DocumentParties {
            police: false,
            municipality: false,
        };
        // A flag per unit, not a list to search: a long document has thousands.
        let mut over_commitments = vec![false; units.len()];
        for (unit, decision) in units.iter().zip(commitments) {
            if let (true, Some(heading)) = (decision.commitment, unit.heading()) {
                over_commitments[heading] = true;
            }
        }
        for (idx, unit) in units.iter().enumerate() {
            let counts = commitments[idx].commitment
                || unit.kind == UnitKind::LeadIn
                || unit.responsibility
                || over_commitments[idx];
            if !counts {
                continue;
            }
            for mention in named.of(idx) {
                match mention.party {
                    Party::Police => parties.police = true,
                    Party::Municipality => parties.municipality = true,
                    Party::Both => {
                        parties.police = true;
                        parties.municipality = true;
                    }
                    _ => {}
                }
            }
        }
        parties
    }

    /// The one party of a single-party document.
    fn single_party(&self) -> Option<Actor> {
        match (self.police, self.municipality) {
            (true, false) => Some(Actor::Police),
            (false, true) => Some(Actor::Municipality),
            _ => None,
        }
    }

    /// The actor that a set of named parties stands for (ANNOTATION.md §3): police and
    /// municipality together are `both`; a third party beside one of them does not count.
    fn combine(&self, named: &[Mention]) -> Option<Actor> {
        let (mut police, mut municipality, mut other) = (false, false, false);
        for mention in named {
            match mention.party {
                Party::Police => police = true,
                Party::Municipality => municipality = true,
                Party::Other => other = true,
                Party::Both => {
                    police = true;
                    municipality = true;
                }
                Party::Body => {}
                Party::We | Party::Joint => match self.single_party() {
                    Some(Actor::Police) => police = true,
                    Some(Actor::Municipality) => municipality = true,
                    _ => {
                        police = true;
                        municipality = true;
                    }
                },
            }
        }
        match (police, municipality, other) {
            (true, true, _) => Some(Actor::Both),
            (true, false, _) => Some(Actor::Police),
            (false, true, _) => Some(Actor::Municipality),
            (false, false, true) => Some(Actor::Other),
            (false, false, false) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lexicon::Lexicons;
    use crate::pipeline::label_text;

    /// Labels `text` and returns (unit text, actor, source) for the commitments.
    fn check_actors(text: &str, expected: &[(&str, &str, &str)]) {
        let lexicons = Lexicons::embedded();
        let labelled = label_text("test.txt", text, &lexicons);
        let got: Vec<(&str, &str, &str)> = labelled
            .units
            .iter()
            .zip(&labelled.actors)
            .filter_map(|(unit, actor)| {
                actor.as_ref().map(|decision| {
                    (
                        unit.text.as_str(),
                        decision.actor.as_str(),
                        decision.source.as_str(),
                    )
                })
            })
            .collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn guide_examples() {
        check_actors(
            "Polisens åtaganden\n\nPolisen lovar att:\n• genomföra minst åtta trygghetsvandringar under 2020\n\nKommunen och polisen ska gemensamt ta fram en lägesbild varje kvartal.\nFastighetsägarna ska rensa klotter inom 24 timmar.\n",
            &[
                ("genomföra minst åtta trygghetsvandringar under 2020", "police", "leadin"),
                ("Kommunen och polisen ska gemensamt ta fram en lägesbild varje kvartal.", "both", "explicit"),
                ("Fastighetsägarna ska rensa klotter inom 24 timmar.", "other", "explicit"),
            ],
        );
    }

    #[test]
    fn responsibility_line_beats_the_leadin() {
        check_actors(
            "Parterna åtar sig att:\n• genomföra trygghetsvandringar\nAnsvarig: Kommunen\n• ordna möten\n",
            &[("genomföra trygghetsvandringar", "municipality", "responsible"), ("ordna möten", "both", "leadin")],
        );
    }

    #[test]
    fn an_item_after_a_list_inside_the_list_takes_the_outer_leadin() {
        check_actors(
            "Polisen lovar att:\n• genomföra trygghetsvandringar\n  – i Centrum, där kommunen ska:\n    1. tända gatubelysningen\n• besöka skolorna varje vecka\n",
            &[
                ("genomföra trygghetsvandringar", "police", "leadin"),
                ("tända gatubelysningen", "municipality", "leadin"),
                ("besöka skolorna varje vecka", "police", "leadin"),
            ],
        );
        // The same list as the DOCX and HTML readers write it (a bullet per level).
        check_actors(
            "Polisen lovar att:\n\n• genomföra trygghetsvandringar, där kommunen ska:\n– tända gatubelysningen\n• besöka skolorna\n",
            &[
                ("tända gatubelysningen", "municipality", "leadin"),
                ("besöka skolorna", "police", "leadin"),
            ],
        );
    }

    #[test]
    fn heading_names_the_party_and_passive_stays_unspecified() {
        check_actors(
            "Kommunens åtaganden\n\n• Ta fram en handlingsplan mot klotter.\n\nUppföljning\n\nPolisen ska besöka skolor. Insatser ska genomföras vid behov.\n",
            &[
                ("Ta fram en handlingsplan mot klotter.", "municipality", "heading"),
                ("Polisen ska besöka skolor.", "police", "explicit"),
                ("Insatser ska genomföras vid behov.", "unspecified", "document"),
            ],
        );
    }

    #[test]
    fn single_party_document_owns_we_and_passives() {
        check_actors(
            "Polisen lovar att genomföra kontroller. Vi ska synas mer. Insatser ska genomföras i samverkan med kommunen.\n",
            &[
                ("Polisen lovar att genomföra kontroller.", "police", "explicit"),
                ("Vi ska synas mer.", "police", "explicit"),
                ("Insatser ska genomföras i samverkan med kommunen.", "police", "document"),
            ],
        );
    }

    #[test]
    fn joint_wording_without_a_party_is_both() {
        check_actors(
            "Polisen ska besöka skolorna. Kommunen ska ordna möten. En gemensam ansökan om kamerabevakning kommer att göras.\n",
            &[
                ("Polisen ska besöka skolorna.", "police", "explicit"),
                ("Kommunen ska ordna möten.", "municipality", "explicit"),
                ("En gemensam ansökan om kamerabevakning kommer att göras.", "both", "explicit"),
            ],
        );
    }

    #[test]
    fn partner_is_not_the_actor() {
        check_actors(
            "Polisen ska i samverkan med föreningarna ordna nattvandringar. Kommunen ska bjuda in polisen.\n",
            &[
                ("Polisen ska i samverkan med föreningarna ordna nattvandringar.", "police", "explicit"),
                ("Kommunen ska bjuda in polisen.", "municipality", "explicit"),
            ],
        );
    }
}
