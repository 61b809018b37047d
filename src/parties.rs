//! Party mentions: which parties a unit names, and in what role.
//!
//! Input: a unit's `Tokens` and the actor and commitment lexicons. Output: `Mention`s
//! (police, municipality, both, other, `vi`, `gemensamt`) with their role (agent,
//! partner, recipient/place/owner) and the clause subject. Both the commitment and the
//! actor stage read this, so the rules for "who is named as doing it" live in one place.

use std::cell::OnceCell;

use crate::lexicon::{ActorCategory, CommitmentCategory, Lexicons, PhraseHit};
use crate::matcher::{TokenKind, Tokens};

/// A party named in a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    Police,
    Municipality,
    Both,
    Other,
    /// `vi`, `parterna`: the document's own parties.
    We,
    /// `gemensamt`, `tillsammans`: the parties acting together.
    Joint,
    /// `styrgruppen`: a group that acts; it names no party by itself.
    Body,
}

/// What a mention does in its clause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// It may be the one who acts.
    Agent,
    /// Named after `i samverkan med`: it helps, the subject acts (ANNOTATION.md §3).
    Partner,
    /// Named after `för`, `på`, `hos`: a recipient, place or owner.
    NotAgent,
}

/// One party mention: tokens `start..end` of the unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mention {
    pub party: Party,
    pub role: Role,
    /// The `actors.txt` entry that named it (index into `Lexicons::actors.entries`), or
    /// `None` for an unlisted name in subject position.
    pub entry: Option<usize>,
    pub start: usize,
    pub end: usize,
}

/// The party mentions of a document's units, each unit's found the first time a stage
/// asks for it. Units that are neither commitments nor above one (titles, background
/// sentences) are mostly never asked about, and finding mentions is an eighth of
/// the labelling.
pub struct UnitMentions<'a> {
    tokens: &'a [Tokens],
    lexicons: &'a Lexicons,
    found: Vec<OnceCell<Vec<Mention>>>,
}

impl<'a> UnitMentions<'a> {
    /// Nothing is searched yet: `of` finds each unit's mentions when first asked.
    pub fn new(tokens: &'a [Tokens], lexicons: &'a Lexicons) -> UnitMentions<'a> {
        UnitMentions {
            tokens,
            lexicons,
            found: (0..tokens.len()).map(|_| OnceCell::new()).collect(),
        }
    }

    /// With every unit's mentions already found (`lists[idx]` for unit `idx`), as
    /// the benches time a stage without the mentions it reads.
    pub fn found(
        tokens: &'a [Tokens],
        lexicons: &'a Lexicons,
        lists: Vec<Vec<Mention>>,
    ) -> UnitMentions<'a> {
        assert_eq!(tokens.len(), lists.len(), "one list of mentions per unit");
        UnitMentions {
            tokens,
            lexicons,
            found: lists.into_iter().map(OnceCell::from).collect(),
        }
    }

    /// The mentions of unit `idx` (see `mentions`).
    pub fn of(&self, idx: usize) -> &[Mention] {
        self.found[idx].get_or_init(|| mentions(&self.tokens[idx], self.lexicons))
    }
}

/// Words that may stand between a preposition and the party it governs (`för den lokala polisen`).
const DETERMINERS: &[&str] = &[
    "den",
    "det",
    "de",
    "en",
    "ett",
    "hela",
    "lokala",
    "lokal",
    "berörda",
    "respektive",
    "samma",
    "egen",
    "egna",
    "alla",
    "båda",
    "bägge",
    "övriga",
    "andra",
    "aktuella",
    "ansvariga",
    "ansvarig",
];

/// All party mentions in a unit, earliest first, overlaps resolved to the longest.
pub fn mentions(tokens: &Tokens, lexicons: &Lexicons) -> Vec<Mention> {
    let hits = lexicons.actors.find_resolved(tokens);
    let mut found: Vec<Mention> = Vec::new();
    for (pos, hit) in hits.iter().enumerate() {
        let party = match hit.entry.category {
            ActorCategory::Police => Party::Police,
            ActorCategory::Municipality => Party::Municipality,
            ActorCategory::Both => Party::Both,
            ActorCategory::Other => Party::Other,
            ActorCategory::We => Party::We,
            ActorCategory::Joint => Party::Joint,
            ActorCategory::Body => Party::Body,
            _ => continue,
        };
        // `kommunens fältgrupp`: the owner in the genitive names the party of the phrase.
        if let Some(previous) = found.last() {
            if previous.end == hit.start && ends_genitive(tokens, previous.end - 1) {
                found.last_mut().expect("checked").end = hit.end;
                continue;
            }
        }
        let role = role_before(&hits[..pos], tokens, hit.start, &found);
        found.push(Mention {
            party,
            role,
            entry: Some(hit.index),
            start: hit.start,
            end: hit.end,
        });
    }
    found
}

/// The subject of the unit's main clause: agent mentions before (or inside) the first
/// commitment cue, else right after it (`Under 2021 ska polisen …`), else the agent of
/// a passive (`… genomförs av polisen`). Empty when the unit has no commitment cue.
pub fn subject(tokens: &Tokens, mentions: &[Mention], lexicons: &Lexicons) -> Vec<Mention> {
    let cue = lexicons
        .commitment
        .find_all(tokens)
        .into_iter()
        .filter(|hit| {
            matches!(
                hit.entry.category,
                CommitmentCategory::Modal
                    | CommitmentCategory::Promise
                    | CommitmentCategory::Action
                    | CommitmentCategory::Goal
            )
        })
        .min_by_key(|hit| hit.start);
    let Some(cue) = cue else {
        // No verb we know (`Skolorna uppmanar föräldrar …`): a party that opens the
        // unit is its subject.
        let opening = usize::from(tokens.len() > 1 && tokens.norm(0) == "att");
        return match mentions
            .iter()
            .find(|m| m.start == opening && m.role == Role::Agent && m.party != Party::Joint)
        {
            Some(first)
                if tokens.len() > first.end && tokens.list[first.end].kind == TokenKind::Word =>
            {
                coordinated_run(tokens, mentions, first)
            }
            _ => Vec::new(),
        };
    };
    let clause_start = clause_start_before(tokens, cue.start);
    // In a passive clause the grammatical subject is what is done, not who does it
    // (`Fastighetsägare ska informeras`); only an agent after `av` acts.
    if !is_passive(tokens, cue.start, cue.end, cue.entry.category) {
        let agents = |range: std::ops::Range<usize>| -> Vec<Mention> {
            mentions
                .iter()
                .filter(|m| {
                    m.role == Role::Agent && m.party != Party::Joint && range.contains(&m.start)
                })
                .copied()
                .collect()
        };
        // The subject is the first agent and what is coordinated with it; a party in a
        // relative clause after it (`styrgruppen, som leds av kommundirektören,`) is not.
        let before = agents(clause_start..cue.end);
        if let Some(first) = before.first() {
            return coordinated_run(tokens, mentions, first);
        }
        // `Fallhem lovar:`: a name nobody listed, as the whole subject of a promise verb,
        // is a third party. (Before `ska`, a capital is usually just a sentence start:
        // `Skadegörelsen ska minska`.)
        if cue.entry.category == CommitmentCategory::Promise {
            if let Some(name) = unlisted_name(tokens, clause_start, cue.start) {
                return vec![name];
            }
        }
        // Swedish puts the verb second: after a fronted phrase the subject follows the
        // verb (`Under 2021 ska polisen …`). An item that opens with its verb has no
        // fronted phrase, and `verka för att fastighetsägarna …` names no subject.
        // Only a finite verb takes the second place: `regelbundet informera kommunen`
        // is an infinitive with its object.
        let fronted = cue.start > clause_start;
        let next_is_clause_word = cue.end < tokens.len()
            && matches!(tokens.norm(cue.end), "att" | "av" | "för" | "till" | "med");
        if fronted && !next_is_clause_word && is_finite(tokens, cue.start, cue.entry.category) {
            let inverted = agents(cue.end..cue.end + 2);
            if let Some(first) = inverted.first() {
                // `lovar polisen och kommunen att:`: the whole coordinated subject.
                return coordinated_run(tokens, mentions, first);
            }
        }
    }
    // A passive with its agent: `följs upp av polisen och kommunen`.
    let after_av = |m: &Mention| {
        let mut look = m.start;
        while look > 0 && DETERMINERS.contains(&tokens.norm(look - 1)) && m.start - look < 2 {
            look -= 1;
        }
        look >= 1 && tokens.norm(look - 1) == "av"
    };
    let agent_start = mentions
        .iter()
        .position(|m| m.role == Role::Agent && m.start > cue.start && after_av(m));
    match agent_start {
        Some(first) => coordinated_run(tokens, mentions, &mentions[first]),
        None => Vec::new(),
    }
}

/// `first` and the mentions coordinated with it (`polisen och kommunen`), or following
/// it as adjective and noun (`den gemensamma styrgruppen`).
fn coordinated_run(tokens: &Tokens, mentions: &[Mention], first: &Mention) -> Vec<Mention> {
    let mut run = vec![*first];
    for next in mentions.iter().filter(|m| m.start >= first.end) {
        let previous = run.last().expect("non-empty");
        let joined = coordinated(tokens, previous.end, next.start) || previous.end == next.start;
        if !joined || next.role != Role::Agent {
            break;
        }
        run.push(*next);
    }
    run
}

/// Words that open a clause with a capital but are no names.
const NOT_NAMES: &[&str] = &[
    "vi",
    "det",
    "den",
    "de",
    "här",
    "så",
    "under",
    "i",
    "på",
    "efter",
    "inför",
    "med",
    "för",
    "om",
    "när",
    "dessutom",
    "även",
    "också",
    "varje",
    "alla",
    "samtliga",
    "tillsammans",
    "gemensamt",
    "målet",
    "syftet",
];

/// A capitalised name of one to three words that fills the whole subject position
/// (`Fallhem`, `Kalix Nattvandrare`) and is in no lexicon: a third party.
fn unlisted_name(tokens: &Tokens, clause_start: usize, cue_start: usize) -> Option<Mention> {
    let len = cue_start.checked_sub(clause_start)?;
    if !(1..=3).contains(&len) {
        return None;
    }
    let all_names = (clause_start..cue_start).all(|idx| {
        tokens.list[idx].kind == TokenKind::Word
            && tokens.list[idx].capitalised
            && !NOT_NAMES.contains(&tokens.norm(idx))
    });
    all_names.then_some(Mention {
        party: Party::Other,
        role: Role::Agent,
        entry: None,
        start: clause_start,
        end: cue_start,
    })
}

/// Is the cue a finite verb (`ska`, `lovar`, `genomför`, `genomförs`) rather than an
/// infinitive (`genomföra`, `bistå`)? Swedish present and passive forms end in -r or -s.
fn is_finite(tokens: &Tokens, cue_start: usize, category: CommitmentCategory) -> bool {
    match category {
        CommitmentCategory::Action => tokens.norm(cue_start).ends_with(['r', 's']),
        _ => true,
    }
}

fn ends_genitive(tokens: &Tokens, idx: usize) -> bool {
    let word = tokens.norm(idx);
    tokens.list[idx].kind == TokenKind::Word
        && word.len() > 3
        && word.ends_with('s')
        && !word.ends_with("ss")
}

/// The role given to a mention by the words just before it.
fn role_before(
    earlier: &[PhraseHit<'_, ActorCategory>],
    tokens: &Tokens,
    start: usize,
    found: &[Mention],
) -> Role {
    // Skip determiners, adjectives and names between a preposition and the party
    // (`för den lokala polisen`, `med Lomma kommun`).
    let mut look = start;
    while look > 0 && start - look < 2 {
        let previous = look - 1;
        let name =
            tokens.list[previous].capitalised && tokens.list[previous].kind == TokenKind::Word;
        if !(DETERMINERS.contains(&tokens.norm(previous)) || name) {
            break;
        }
        look -= 1;
    }
    // The hits do not overlap and are in order, so their ends rise: looking back stops
    // before the first that ends short of `look` (a long unit would otherwise look
    // through all its hits for each one).
    let ending_at_look = earlier
        .iter()
        .rev()
        .take_while(|hit| hit.end >= look)
        .filter(|hit| hit.end == look);
    for hit in ending_at_look {
        match hit.entry.category {
            ActorCategory::Partner => return Role::Partner,
            ActorCategory::NotAgent => return Role::NotAgent,
            _ => {}
        }
    }
    // `i samverkan med skolan och socialtjänsten`: a coordinated party shares the role,
    // and so does one in apposition (`föreningen Nattvandrarna`).
    if let Some(previous) = found.last() {
        if coordinated(tokens, previous.end, look) || previous.end == start {
            return previous.role;
        }
    }
    Role::Agent
}

/// Are the tokens from `end` to `next` a coordinating link (`och`, `,`, `- och` after a
/// suspended compound as in `polis- och kommunledningen`)?
fn coordinated(tokens: &Tokens, end: usize, next: usize) -> bool {
    let link: Vec<&str> = (end..next).map(|i| tokens.norm(i)).collect();
    matches!(
        link.as_slice(),
        ["och"] | ["samt"] | [","] | ["eller"] | ["-", "och"] | ["-", ","] | ["-", "samt"]
    )
}

/// Verbs ending in -s that are active in meaning (`träffas`, `finnas`, `synas`).
const DEPONENTS: &[&str] = &[
    "träffas", "möts", "mötas", "ses", "finnas", "finns", "synas", "syns", "hoppas", "lyckas",
    "trivas", "samsas", "enas",
];

/// Is the clause of the cue passive: a passive verb form (`genomförs`, `ska redovisas`)?
/// After a modal, the first infinitive decides: `-as` is passive, `-a` is active.
fn is_passive(
    tokens: &Tokens,
    cue_start: usize,
    cue_end: usize,
    category: CommitmentCategory,
) -> bool {
    let passive_form =
        |word: &str| word.ends_with('s') && !word.ends_with("ss") && !DEPONENTS.contains(&word);
    match category {
        CommitmentCategory::Action => return passive_form(tokens.norm(cue_start)),
        // `Parternas mål är att … ska påträffas`: a goal belongs to whoever sets it.
        CommitmentCategory::Goal => return false,
        _ => {}
    }
    for idx in cue_end..(cue_end + 5).min(tokens.len()) {
        if tokens.list[idx].kind != TokenKind::Word {
            continue;
        }
        let word = tokens.norm(idx);
        if word.ends_with("as") || word == "ses" {
            return passive_form(word);
        }
        if word.ends_with('a') {
            return false;
        }
    }
    false
}

/// The first token of the clause that holds token `idx` (after `.`, `;` or `:`).
fn clause_start_before(tokens: &Tokens, idx: usize) -> usize {
    (0..idx)
        .rev()
        .find(|&i| {
            tokens.list[i].kind == TokenKind::Punct
                && matches!(tokens.norm(i), "." | ";" | ":" | "!" | "?")
        })
        .map_or(0, |i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matcher::tokenize;

    fn check_subject(text: &str, expected: &[Party]) {
        let lexicons = Lexicons::embedded();
        let tokens = tokenize(text);
        let found = mentions(&tokens, &lexicons);
        let parties: Vec<Party> = subject(&tokens, &found, &lexicons)
            .iter()
            .map(|m| m.party)
            .collect();
        assert_eq!(parties, expected, "{text}");
    }

    #[test]
    fn subject_before_the_modal() {
        check_subject(
            "Polisen och kommunen ska gemensamt ta fram en lägesbild.",
            &[Party::Police, Party::Municipality],
        );
        check_subject(
            "Kommunens fältgrupp ska finnas på torget.",
            &[Party::Municipality],
        );
    }

    #[test]
    fn inverted_subject_after_the_modal() {
        check_subject(
            "Under 2021 ska polisen genomföra fler kontroller.",
            &[Party::Police],
        );
    }

    #[test]
    fn partner_recipient_and_place_are_not_subjects() {
        check_subject(
            "Polisen ska i samverkan med föreningarna och skolan ordna nattvandringar.",
            &[Party::Police],
        );
        check_subject(
            "Resultatet ska redovisas för kommunstyrelsen på kommunens webbplats.",
            &[],
        );
    }

    #[test]
    fn passive_agent() {
        check_subject(
            "Trygghetsvandringar genomförs av polisen varje månad.",
            &[Party::Police],
        );
    }

    #[test]
    fn we_and_third_parties() {
        check_subject(
            "Vi ska arbeta för att fler ska känna sig trygga.",
            &[Party::We],
        );
        check_subject(
            "Fastighetsägarna ska rensa klotter inom 24 timmar.",
            &[Party::Other],
        );
    }
}
