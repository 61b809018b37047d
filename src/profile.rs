//! Document profiles: one row of facts per agreement, for the report that compares them.
//!
//! Input: a `LabelledDocument`. Output: a `DocumentProfile`: the municipality, year and
//! document type guessed from the file name and the text, and the counts a review
//! needs (commitments by actor, share vague, share with a measurable anchor, share
//! with no party named).

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickKind};
use regex::Regex;
use serde::Serialize;

use crate::matcher::blocks_holding;
use crate::model::{Actor, LabelledDocument, Unit, UnitKind};

/// The facts about one document.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DocumentProfile {
    pub doc: String,
    /// `Ystad`, from `Ystads kommun` in the text, else from the file name.
    pub municipality: Option<String>,
    /// The first year named in the file name, else in the title.
    pub year: Option<u32>,
    /// `medborgarlöfte`, `samverkansöverenskommelse` or `other`.
    pub doc_type: &'static str,
    pub units: usize,
    pub commitments: usize,
    pub police: usize,
    pub municipality_commitments: usize,
    pub both: usize,
    pub other: usize,
    pub unspecified: usize,
    /// Vague commitments ÷ commitments (0 when there are none).
    pub share_vague: f64,
    /// Commitments with at least one measurable anchor (not just the period) ÷ commitments.
    pub share_anchored: f64,
    /// Commitments with actor `unspecified` ÷ commitments.
    pub share_unspecified: f64,
    /// Commitments at specificity 3 (testable) ÷ commitments.
    pub share_specificity_3: f64,
    /// The cheap-talk share: vague commitments ÷ all commitments.
    pub cheap_talk_share: f64,
    /// The parties that take commitments on: `police`, `municipality`, `other`.
    pub parties: Vec<&'static str>,
    pub period_start: Option<String>,
    pub period_end: Option<String>,
    /// Brå's six elements of a good agreement: is each present?
    pub elements: Elements,
    /// For each element found, the unit or heading that shows it.
    pub evidence: Vec<ElementEvidence>,
}

/// Brå's six elements of an agreement (problem picture, causes, measurable goals,
/// documentation, follow-up, period).
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct Elements {
    pub problem: bool,
    pub causes: bool,
    pub measurable_goals: bool,
    pub documentation: bool,
    pub follow_up: bool,
    pub period: bool,
}

/// The unit that shows an element.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ElementEvidence {
    pub element: &'static str,
    pub unit: usize,
    pub text: String,
}

/// Substrings one of which each element's regex needs; checked first because they are cheap.
const CAUSE_WORDS: &[&str] = &[
    "orsak",
    "beror",
    "hänger",
    "förklaras",
    "följd",
    "grund",
    "bakomliggande",
];
const DOCUMENTATION_WORDS: &[&str] = &[
    ".se",
    "webbplats",
    "hemsida",
    "dokument",
    "skriftlig",
    "rapport",
    "protokoll",
    "minnesanteckningar",
    "logg",
    "publicer",
    "sammanställ",
    "sammanfattning",
    "utvärdering",
];
const FOLLOW_UP_WORDS: &[&str] = &["följ", "uppföljning", "utvärder", "stäm", "avstämning"];

/// The word lists, by the bit `mentioned_lists` sets for each.
const WORD_LISTS: [&[&str]; 3] = [CAUSE_WORDS, DOCUMENTATION_WORDS, FOLLOW_UP_WORDS];
const CAUSES_BIT: u8 = 1;
const DOCUMENTATION_BIT: u8 = 2;
const FOLLOW_UP_BIT: u8 = 4;

/// Every word of the lists in every case (ASCII letters through the automaton's own
/// folding, `å`, `ä`, `ö` spelt both ways), with the bit of its list.
static MENTION_FINDER: LazyLock<(AhoCorasick, Vec<u8>)> = LazyLock::new(|| {
    let mut patterns: Vec<String> = Vec::new();
    let mut bits = Vec::new();
    for (list, words) in WORD_LISTS.iter().enumerate() {
        for word in *words {
            let mut variants = vec![String::new()];
            for ch in word.chars() {
                let upper = match ch {
                    'å' => Some('Å'),
                    'ä' => Some('Ä'),
                    'ö' => Some('Ö'),
                    _ => None,
                };
                let mut next = Vec::new();
                for variant in &variants {
                    next.push(format!("{variant}{ch}"));
                    if let Some(upper) = upper {
                        next.push(format!("{variant}{upper}"));
                    }
                }
                variants = next;
            }
            for variant in variants {
                patterns.push(variant);
                bits.push(1 << list);
            }
        }
    }
    let finder = AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .kind(Some(AhoCorasickKind::DFA))
        .build(&patterns)
        .expect("plain words build an automaton");
    (finder, bits)
});

/// The bits of the word lists one of whose words `text.to_lowercase()` contains: the
/// definition `mentioned_lists` answers quickly.
fn lists_in_lower_case(text: &str) -> u8 {
    let lower = text.to_lowercase();
    WORD_LISTS
        .iter()
        .enumerate()
        .filter(|(_, words)| words.iter().any(|w| lower.contains(w)))
        .fold(0, |bits, (list, _)| bits | 1 << list)
}

/// Which word lists `text` mentions: the bits of the lists one of whose words
/// `text.to_lowercase()` contains. Found in one pass over `text` itself unless it holds
/// a character whose lower case would break the match up (the Kelvin sign, `İ`, a
/// capital outside Swedish): then the text is lower-cased first.
fn mentioned_lists(text: &str) -> u8 {
    let plain = |c: char| {
        c.is_ascii() || matches!(c, 'å' | 'ä' | 'ö' | 'Å' | 'Ä' | 'Ö') || {
            let mut lower = c.to_lowercase();
            match (lower.next(), lower.next()) {
                (Some(low), None) => !low.is_ascii() && !matches!(low, 'å' | 'ä' | 'ö'),
                _ => false,
            }
        }
    };
    // Every ASCII character is plain: only the others (their lead bytes) are decoded.
    let all_plain = text
        .bytes()
        .enumerate()
        .all(|(at, byte)| byte < 0xC0 || text[at..].chars().next().is_some_and(plain));
    if !all_plain {
        return lists_in_lower_case(text);
    }
    let (finder, list_bits) = &*MENTION_FINDER;
    let mut bits = 0;
    for found in finder.find_overlapping_iter(text) {
        bits |= list_bits[found.pattern().as_usize()];
    }
    bits
}

// These are only asked whether they match, so a word edge is written as "start or a
// non-word character" instead of `\b`: a Unicode `\b` keeps the regex crate off its
// DFA on any text with å, ä or ö, and costs several times as much. For the same reason
// a word's tail (`orsak\w*` before an edge) is left out: the rest of a word and the edge
// after it are always there, and each `\w` costs compile time (a test checks that the
// patterns match where the longer ones in `tests::AS_FIRST_WRITTEN` do).
static STATISTICS: LazyLock<Regex> = LazyLock::new(|| {
    // A count or a share (not a year) of crimes, reports, people or insecurity.
    Regex::new(r"(?i)(?:^|\W)(?:\d{1,3}(?:\s\d{3})*(?:,\d+)?\s*(?:%|procent)|\d{1,3}(?:\s\d{3})*\s+(?:\w+\s+){0,2}(?:anmäl|brott|\w*inbrott|stölder|rån|skadegörelse|personer|ungdomar|invånare|fall|ärenden|händelser))")
        .expect("valid regex")
});
static PROBLEM_HEADING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)lägesbild|problembild|situation|nuläge|bakgrund|problem").expect("valid regex")
});
static CAUSES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:^|\W)(?:orsak|grundorsak|(?:beror på|hänger (?:framför allt |främst |delvis )?(?:ihop|samman) med|förklaras|till följd av|på grund av|bakomliggande)(?:$|\W))")
        .expect("valid regex")
});
static DOCUMENTATION: LazyLock<Regex> = LazyLock::new(|| {
    // A written record: a report, minutes, a log, or results published on a website.
    Regex::new(r"(?i)rapport|(?:^|\W)(?:\w+\.se(?:$|\W)|webbplats|hemsida|dokumenter|skriftlig|protokoll|logg|publicer|sammanställ|sammanfattning|utvärdering|minnesanteckningar(?:$|\W))")
        .expect("valid regex")
});
static FOLLOW_UP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?:^|\W)(?:följ\w* (?:\w+ )?upp|uppföljning\w*|utvärder\w*|stäm\w* av|avstämning\w*)(?:$|\W)",
    )
    .expect("valid regex")
});

static YEAR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?-u:\b)(19[5-9]\d|20\d\d)(?-u:\b)").expect("valid year regex"));

/// What every row of a document says about the document: where, when and what kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub municipality: Option<String>,
    pub year: Option<u32>,
    pub doc_type: &'static str,
}

/// The identity of a labelled document, guessed from its file name and text: all that
/// its rows need of the profile, for a fraction of the work (the six elements are most
/// of a profile's cost).
pub fn identity(labelled: &LabelledDocument) -> Identity {
    let file_name = labelled.document.file_name();
    Identity {
        municipality: municipality(labelled, file_name),
        year: year(labelled, file_name),
        doc_type: doc_type(labelled, file_name),
    }
}

/// Builds the profile of a labelled document.
pub fn profile(labelled: &LabelledDocument) -> DocumentProfile {
    profile_of(labelled, identity(labelled))
}

/// `profile`, given the document's identity.
pub fn profile_of(labelled: &LabelledDocument, identity: Identity) -> DocumentProfile {
    let commitments: Vec<usize> = (0..labelled.units.len())
        .filter(|&idx| labelled.commitments[idx].commitment)
        .collect();
    let n = commitments.len();
    let count_actor = |actor: Actor| {
        commitments
            .iter()
            .filter(|&&idx| {
                labelled.actors[idx]
                    .as_ref()
                    .is_some_and(|a| a.actor == actor)
            })
            .count()
    };
    let share = |count: usize| if n == 0 { 0.0 } else { count as f64 / n as f64 };
    let vague = commitments
        .iter()
        .filter(|&&idx| labelled.vague[idx].vague)
        .count();
    let anchored = commitments
        .iter()
        .filter(|&&idx| {
            labelled.vague[idx]
                .anchors
                .iter()
                .any(|a| a.kind != "period")
        })
        .count();
    let unspecified = count_actor(Actor::Unspecified);
    let testable = commitments
        .iter()
        .filter(|&&idx| {
            labelled.specificity[idx]
                .as_deref()
                .is_some_and(|s| s.level == 3)
        })
        .count();
    let mut parties = Vec::new();
    if labelled.parties.police || count_actor(Actor::Police) > 0 {
        parties.push("police");
    }
    if labelled.parties.municipality || count_actor(Actor::Municipality) > 0 {
        parties.push("municipality");
    }
    if count_actor(Actor::Other) > 0 {
        parties.push("other");
    }
    let (elements, evidence) = elements(labelled);
    DocumentProfile {
        doc: labelled.document.path.clone(),
        municipality: identity.municipality,
        year: identity.year,
        doc_type: identity.doc_type,
        units: labelled.units.len(),
        commitments: n,
        police: count_actor(Actor::Police),
        municipality_commitments: count_actor(Actor::Municipality),
        both: count_actor(Actor::Both),
        other: count_actor(Actor::Other),
        unspecified,
        share_vague: share(vague),
        share_anchored: share(anchored),
        share_unspecified: share(unspecified),
        share_specificity_3: share(testable),
        cheap_talk_share: share(vague),
        parties,
        period_start: labelled.period.as_ref().map(|p| p.start.clone()),
        period_end: labelled.period.as_ref().map(|p| p.end.clone()),
        elements,
        evidence,
    }
}

/// Finds Brå's six elements, each with the first unit that shows it.
fn elements(labelled: &LabelledDocument) -> (Elements, Vec<ElementEvidence>) {
    let units = &labelled.units;
    let mut evidence: Vec<ElementEvidence> = Vec::new();
    let mut note = |element: &'static str, idx: usize| {
        if !evidence.iter().any(|e| e.element == element) {
            evidence.push(ElementEvidence {
                element,
                unit: idx + 1,
                text: units[idx].text.to_string(),
            });
        }
    };
    let mut heading_follows_up: Vec<Option<bool>> = vec![None; units.len()];
    // The word-list elements noted so far, by their bits.
    let mut lists_found = 0;
    for (idx, unit) in units.iter().enumerate() {
        let commitment = labelled.commitments[idx].commitment;
        let is_heading = unit.kind == UnitKind::Heading;
        // Description: neither a promise nor a heading, where statistics show a problem
        // and causes are named.
        let description = !commitment && !is_heading;
        // Documentation is something the parties do: a promise, or a line of the follow-up.
        // (A heading is asked once, however many units it governs.)
        let in_follow_up = unit.heading().is_some_and(|h| {
            *heading_follows_up[h].get_or_insert_with(|| FOLLOW_UP.is_match(&units[h].text))
        });
        let may_document = !is_heading && (commitment || in_follow_up);
        // Cheap word checks first: the regexes run only where a keyword stands. And the
        // word lists are looked for only where an element they gate could still be
        // noted (each is noted once).
        let mut wanted = FOLLOW_UP_BIT;
        if description {
            wanted |= CAUSES_BIT;
        }
        if may_document {
            wanted |= DOCUMENTATION_BIT;
        }
        let mentioned = if wanted & !lists_found == 0 {
            0
        } else {
            mentioned_lists(&unit.text)
        };
        let mentions = |bit: u8| mentioned & bit != 0;
        let has_digit = unit.text.bytes().any(|b| b.is_ascii_digit());
        // A problem picture: a heading that names one, or statistics outside the promises.
        if (is_heading && PROBLEM_HEADING.is_match(&unit.text))
            || (description && has_digit && STATISTICS.is_match(&unit.text))
        {
            note("problem", idx);
        }
        if description && mentions(CAUSES_BIT) && CAUSES.is_match(&unit.text) {
            note("causes", idx);
            lists_found |= CAUSES_BIT;
        }
        let specificity = labelled.specificity[idx].as_deref();
        if specificity.is_some_and(|s| s.commitment_type == "goal" && s.level == 3) {
            note("measurable_goals", idx);
        }
        if may_document && mentions(DOCUMENTATION_BIT) && DOCUMENTATION.is_match(&unit.text) {
            note("documentation", idx);
            lists_found |= DOCUMENTATION_BIT;
        }
        if mentions(FOLLOW_UP_BIT) && FOLLOW_UP.is_match(&unit.text) {
            note("follow_up", idx);
            lists_found |= FOLLOW_UP_BIT;
        }
    }
    if let (Some(period), false) = (&labelled.period, units.is_empty()) {
        // The unit that states it, else the title (the period came from the title or the
        // file name). One searcher for all the units, rather than one built per unit by
        // `contains`.
        let statement = memchr::memmem::Finder::new(&period.evidence);
        let idx = units
            .iter()
            .position(|u| statement.find(u.text.as_bytes()).is_some())
            .unwrap_or(0);
        note("period", idx);
    }
    let has = |element: &str| evidence.iter().any(|e| e.element == element);
    let elements = Elements {
        problem: has("problem"),
        causes: has("causes"),
        measurable_goals: has("measurable_goals"),
        documentation: has("documentation"),
        follow_up: has("follow_up"),
        period: has("period"),
    };
    (elements, evidence)
}

/// The municipality most often named as `X kommun`/`Xs kommun`/`X stad` in the text,
/// else the first word of the file name when the text names that place too
/// (`ystad-2021-…` → `Ystad`, `astorp-…` → `Åstorp`, as the text spells it): a file
/// named `avtal.pdf`, or read from `/dev/stdin`, names no municipality.
fn municipality(labelled: &LabelledDocument, file_name: &str) -> Option<String> {
    let mut counts: Vec<(String, usize)> = Vec::new();
    // The regex drops a genitive `s` (`Ystads kommun` → `Ystad`); a name that really
    // ends in s before `kommun` (`Västerås stad`) loses it too, a known limit.
    for name in municipality_names(&labelled.document.text) {
        match counts.iter_mut().find(|(known, _)| *known == name) {
            Some((_, n)) => *n += 1,
            None => counts.push((name, 1)),
        }
    }
    // `Lokalpolisområde`, `Polismyndigheten` and the like are not municipalities.
    counts.retain(|(name, _)| {
        !["Polis", "Region", "Den", "Denna", "Hela", "Varje"]
            .iter()
            .any(|w| name.starts_with(w))
    });
    if let Some((name, _)) = counts.iter().max_by_key(|(_, n)| *n) {
        return Some(name.clone());
    }
    let stem = file_name
        .split(['-', '_', '.', ' '])
        .next()
        .filter(|s| s.chars().count() >= 2 && s.chars().all(char::is_alphabetic))?;
    let wanted: String = folded(stem).collect();
    first_word_folding_to(&labelled.document.text, &wanted).map(str::to_string)
}

/// The first capitalised word of `text` (a run of letters, as
/// `text.split(|c: char| !c.is_alphabetic())` gives them) that `folded` makes `wanted`.
/// A text that never names the place is read to its end, so only the places where such
/// a word could start are looked at: a capital that folds to the first letter wanted,
/// or a character outside ASCII (`Å`, and the rare capital that folds to a plain
/// letter). Splitting the 20 MB peers text into words took a twentieth of `extract`'s
/// time.
fn first_word_folding_to<'t>(text: &'t str, wanted: &str) -> Option<&'t str> {
    let wanted_first = wanted.chars().next()?;
    let capital = if wanted_first.is_ascii() {
        wanted_first.to_ascii_uppercase() as u8
    } else {
        NO_BYTE
    };
    // The 32-byte blocks worth a look hold the capital, a lead byte from 0xC4 up, or a
    // second byte below 0xA0, which follows 0xC3 in the capitals À–Þ (`Å` is 0xC3 0x85)
    // but not in `å`, `ä` and `ö` (0xC3 0xA4–0xB6): most Swedish blocks are passed over.
    // Below 0xC3 no lead byte starts a capital.
    let worth_a_look =
        move |byte: u8| byte == capital || byte >= 0xC4 || (0x80..0xA0).contains(&byte);
    let bytes = text.as_bytes();
    for block in blocks_holding(bytes, worth_a_look) {
        // From the byte before: a capital's 0xC3 may end the block before.
        let from = block.start.saturating_sub(1);
        for (at, &byte) in bytes.iter().enumerate().take(block.end).skip(from) {
            if byte != capital && byte < 0xC3 {
                continue;
            }
            let word = capitalised_word_at(text, at);
            if word.is_some_and(|word| folded(word).eq(wanted.chars())) {
                return word;
            }
        }
    }
    None
}

/// A byte that UTF-8 text never holds.
const NO_BYTE: u8 = 0xFF;

/// The word (a run of letters, as `text.split(|c: char| !c.is_alphabetic())` gives them)
/// that starts at `at`, a character boundary, if one does and it starts with a capital.
fn capitalised_word_at(text: &str, at: usize) -> Option<&str> {
    let rest = &text[at..];
    if !rest.chars().next().is_some_and(char::is_uppercase)
        || text[..at]
            .chars()
            .next_back()
            .is_some_and(char::is_alphabetic)
    {
        return None;
    }
    let len = rest
        .find(|c: char| !c.is_alphabetic())
        .unwrap_or(rest.len());
    Some(&rest[..len]).filter(|word| !word.is_empty())
}

/// `word` in lower case with å, ä, ö and é as the plain letters a file name uses.
fn folded(word: &str) -> impl Iterator<Item = char> + '_ {
    word.chars().flat_map(char::to_lowercase).map(|c| match c {
        'å' | 'ä' => 'a',
        'ö' => 'o',
        'é' => 'e',
        other => other,
    })
}

/// The capitalised word before each ` kommun` or ` stad`, without a genitive `s`.
/// Found by plain search: a regex with Unicode word boundaries over a whole document
/// took a third of the run time.
fn municipality_names(text: &str) -> Vec<String> {
    // Two vectorised searches through the whole document: `match_indices` took 0.7 % of
    // an `extract` run.
    static KEYWORDS: LazyLock<[memchr::memmem::Finder<'static>; 2]> = LazyLock::new(|| {
        [" kommun", " stad"].map(|keyword| memchr::memmem::Finder::new(keyword.as_bytes()))
    });
    let mut names = Vec::new();
    for finder in KEYWORDS.iter() {
        for at in finder.find_iter(text.as_bytes()) {
            let after = &text[at + finder.needle().len()..];
            if after.chars().next().is_some_and(char::is_alphabetic) {
                continue;
            }
            let before = &text[..at];
            let start = before
                .char_indices()
                .rev()
                .find(|&(_, c)| !(c.is_alphabetic() || c == '-'))
                .map_or(0, |(i, c)| i + c.len_utf8());
            let word = &before[start..];
            if !word.chars().next().is_some_and(char::is_uppercase) || word.chars().count() < 2 {
                continue;
            }
            let name = match word.strip_suffix('s') {
                Some(stem) if stem.chars().count() >= 2 => stem,
                _ => word,
            };
            names.push(name.to_string());
        }
    }
    names
}

fn year(labelled: &LabelledDocument, file_name: &str) -> Option<u32> {
    if let Some(found) = YEAR.find(file_name) {
        return found.as_str().parse().ok();
    }
    // The title: the first headings of the document.
    labelled
        .units
        .iter()
        .take(5)
        .filter(|u| u.kind == UnitKind::Heading)
        .find_map(|u| YEAR.find(&u.text).and_then(|y| y.as_str().parse().ok()))
}

/// The title decides, then the file name, then the opening units; within one of them
/// the type named first wins (`Medborgarlöfte 2021, en del av samverkansöverenskommelsen`).
fn doc_type(labelled: &LabelledDocument, file_name: &str) -> &'static str {
    // The opening units in lower case, joined: the title is the first two, the head all
    // eight. The head is lower-cased only if the title and the file name say nothing.
    let lower_joined = |units: &[Unit]| {
        units
            .iter()
            .map(|u| u.text.to_lowercase())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let opening = &labelled.units[..labelled.units.len().min(8)];
    let title = lower_joined(&opening[..opening.len().min(2)]);
    named_type(&title)
        .or_else(|| named_type(&file_name.to_lowercase()))
        .or_else(|| {
            let rest = opening.get(2..).unwrap_or_default();
            if rest.is_empty() {
                return None;
            }
            named_type(&format!("{title} {}", lower_joined(rest)))
        })
        .unwrap_or("other")
}

/// The document type that lower-cased `source` names first, if any.
fn named_type(source: &str) -> Option<&'static str> {
    // Searchers built once: `str::find` builds one per call, which for these long words
    // cost more than the search itself (up to fifteen a document; a tenth of the
    // labelling of a one-line document).
    static PROMISE: LazyLock<[memchr::memmem::Finder<'static>; 2]> =
        LazyLock::new(|| ["medborgarlöfte", "medborgarlofte"].map(memchr::memmem::Finder::new));
    static AGREEMENT: LazyLock<[memchr::memmem::Finder<'static>; 3]> = LazyLock::new(|| {
        [
            "samverkansöverenskommelse",
            "samverkansoverenskommelse",
            "överenskommelse om samverkan",
        ]
        .map(memchr::memmem::Finder::new)
    });
    let first = |words: &[memchr::memmem::Finder]| {
        words
            .iter()
            .filter_map(|word| word.find(source.as_bytes()))
            .min()
    };
    let promise = first(&*PROMISE);
    let agreement = first(&*AGREEMENT);
    match (promise, agreement) {
        (Some(p), Some(a)) if p < a => Some("medborgarlöfte"),
        (Some(_), Some(_)) => Some("samverkansöverenskommelse"),
        (Some(_), None) => Some("medborgarlöfte"),
        (None, Some(_)) => Some("samverkansöverenskommelse"),
        (None, None) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The patterns as first written, each `\w*` tail in place: the reference.
    const AS_FIRST_WRITTEN: [&str; 3] = [
        r"(?i)(?:^|\W)(?:\d{1,3}(?:\s\d{3})*(?:,\d+)?\s*(?:%|procent)|\d{1,3}(?:\s\d{3})*\s+(?:\w+\s+){0,2}(?:anmäl\w*|brott\w*|\w*inbrott\w*|stölder|rån|skadegörelse\w*|personer|ungdomar|invånare|fall|ärenden|händelser))",
        r"(?i)(?:^|\W)(?:orsak\w*|beror på|hänger (?:framför allt |främst |delvis )?(?:ihop|samman) med|förklaras|till följd av|på grund av|bakomliggande|grundorsak\w*)(?:$|\W)",
        r"(?i)(?:^|\W)(?:\w+\.se|webbplats\w*|hemsida\w*|dokumenter\w*|skriftlig\w*|\w*rapport\w*|protokoll\w*|minnesanteckningar|logg\w*|publicer\w*|sammanställ\w*|sammanfattning\w*|utvärdering\w*)(?:$|\W)",
    ];

    static FIRST_WRITTEN: LazyLock<Vec<Regex>> = LazyLock::new(|| {
        AS_FIRST_WRITTEN
            .iter()
            .map(|written| Regex::new(written).expect("valid regex"))
            .collect()
    });

    fn agree_with_first_written(text: &str) {
        let shortened = [&*STATISTICS, &*CAUSES, &*DOCUMENTATION];
        for (reference, pattern) in FIRST_WRITTEN.iter().zip(shortened) {
            assert_eq!(
                pattern.is_match(text),
                reference.is_match(text),
                "{} on {text:?}",
                pattern.as_str()
            );
        }
    }

    #[test]
    fn shortened_patterns_match_where_the_first_written_ones_do() {
        let mut matched = [0; 3];
        for text in crate::testing::corpus_texts() {
            for line in text.lines() {
                agree_with_first_written(line);
                for (count, pattern) in
                    matched
                        .iter_mut()
                        .zip([&*STATISTICS, &*CAUSES, &*DOCUMENTATION])
                {
                    *count += usize::from(pattern.is_match(line));
                }
            }
        }
        assert!(matched.iter().all(|&n| n >= 5), "{matched:?}");
    }

    proptest::proptest! {
        #[test]
        fn shortened_patterns_agree_on_any_mix_of_their_words(
            words in proptest::collection::vec(
                proptest::sample::select(vec![
                    "orsak", "Orsaken", "grund", "grundorsak", "rapport", "Rapporten", "års", "x",
                    "polisen", ".se", "se", "www", "hemsida", "minnesanteckningar", "minnesanteckningarna",
                    "beror på", "påverkar", "12", "3 400", "%", "procent", "brott", "inbrott", "anmälda",
                    "rån", "ungdomar", "_", "-", " ", "  ", ".", ",", "é", "ö", "\n", "\u{00a0}", "٣",
                ]),
                0..8,
            )
        ) {
            agree_with_first_written(&words.concat());
        }
    }
    use crate::lexicon::Lexicons;
    use crate::pipeline::label_text;

    #[test]
    fn word_lists_are_found_as_the_lower_cased_text_would_show_them() {
        let lexicons = crate::lexicon::Lexicons::embedded();
        let mut texts: Vec<String> = [
            "UPPFÖLJNING sker årligen, se polisen.se",
            "Vi FÖLJER upp och stämmer AV; orsaken BEROR på annat",
            "Utvärderingen publiceras i en RAPPORT",
            "BA\u{212a}OMLIGGANDE orsaker (Kelvin)",
            "BAKOMLİGGANDE och İ",
            "Σ ΣΟΦΙΑΣ följd",
            "ingenting här",
            "",
        ]
        .map(String::from)
        .to_vec();
        let mut found = 0;
        texts.extend(crate::testing::corpus_units(&lexicons));
        for text in &texts {
            let bits = mentioned_lists(text);
            found += usize::from(bits != 0);
            assert_eq!(bits, lists_in_lower_case(text), "{text}");
        }
        assert!(found > 100, "{found} texts mention a list");
        assert_eq!(mentioned_lists("UPPFÖLJNING och RAPPORT"), 6);
    }

    #[test]
    fn guesses_place_year_and_type_and_counts_commitments() {
        let lexicons = Lexicons::embedded();
        let text = "Medborgarlöfte för Ystads kommun\n\nPolisen ska öka närvaron. Kommunen ska ordna tre möten under 2021. Insatser ska genomföras.\n";
        let labelled = label_text("corpus/ystad-2021-medborgarlofte.txt", text, &lexicons);
        let profile = profile(&labelled);
        assert_eq!(profile.municipality.as_deref(), Some("Ystad"));
        assert_eq!(profile.year, Some(2021));
        assert_eq!(profile.doc_type, "medborgarlöfte");
        assert_eq!(
            (
                profile.commitments,
                profile.police,
                profile.municipality_commitments
            ),
            (3, 1, 1)
        );
        assert_eq!(profile.unspecified, 1);
        assert!((profile.share_vague - 1.0 / 3.0).abs() < 1e-9);
        assert!(
            (profile.share_anchored - 1.0 / 3.0).abs() < 1e-9,
            "{profile:?}"
        );
    }

    #[test]
    fn finds_the_six_elements_with_evidence() {
        let lexicons = Lexicons::embedded();
        let text = "Samverkansöverenskommelse Ystad 2020–2021\n\nLägesbild\n\nUnder 2019 anmäldes 312 bostadsinbrott. Otryggheten beror på dålig belysning.\n\nMål\n\nMålet är att inbrotten ska minska med 10 procent.\n\nUppföljning\n\nArbetet dokumenteras i en skriftlig rapport och följs upp två gånger per år.\n";
        let labelled = label_text("ystad.txt", text, &lexicons);
        let profile = profile(&labelled);
        let e = profile.elements;
        assert!(
            e.problem
                && e.causes
                && e.measurable_goals
                && e.documentation
                && e.follow_up
                && e.period,
            "{profile:?}"
        );
        assert_eq!(
            (
                profile.period_start.as_deref(),
                profile.period_end.as_deref()
            ),
            (Some("2020-01-01"), Some("2021-12-31"))
        );
        let causes = profile
            .evidence
            .iter()
            .find(|e| e.element == "causes")
            .unwrap();
        assert_eq!(causes.text, "Otryggheten beror på dålig belysning.");
        assert_eq!(profile.doc_type, "samverkansöverenskommelse");

        let bare = profile_of_text("Polisen ska patrullera i centrum.\n");
        assert_eq!(bare.elements, Elements::default());
    }

    fn profile_of_text(text: &str) -> DocumentProfile {
        profile(&label_text("x.txt", text, &Lexicons::embedded()))
    }

    #[test]
    fn the_document_type_comes_from_the_title_then_the_file_name_then_the_opening() {
        let lexicons = Lexicons::embedded();
        let type_of = |path: &str, text: &str| profile(&label_text(path, text, &lexicons)).doc_type;
        let opening = "Inledning\n\nText.\n\nBakgrund\n\nMer text.\n\n";
        let late = format!("{opening}Detta medborgarlöfte gäller 2024.\n");
        // The title, then the file name, then the first eight units.
        assert_eq!(
            type_of(
                "a/x-samverkansoverenskommelse.txt",
                "Medborgarlöfte för Ystad\n\nText.\n"
            ),
            "medborgarlöfte"
        );
        assert_eq!(
            type_of("a/x-samverkansoverenskommelse.txt", &late),
            "samverkansöverenskommelse"
        );
        assert_eq!(type_of("a/x.txt", &late), "medborgarlöfte");
        // Within one source, the type named first.
        assert_eq!(
            type_of("a/x.txt", "Samverkansöverenskommelse med medborgarlöfte\n"),
            "samverkansöverenskommelse"
        );
        // Past the eighth unit nothing counts.
        let far = format!(
            "{}Detta medborgarlöfte gäller 2024.\n",
            "Rubrik\n\nText.\n\n".repeat(5)
        );
        assert_eq!(type_of("a/x.txt", &far), "other");
    }

    #[test]
    fn falls_back_to_the_file_name() {
        let lexicons = Lexicons::embedded();
        let labelled = label_text(
            "x/klippan-2020-samverkansoverenskommelse.txt",
            "Polisen i Klippan ska patrullera.\n",
            &lexicons,
        );
        let profile = profile(&labelled);
        assert_eq!(profile.municipality.as_deref(), Some("Klippan"));
        assert_eq!(profile.year, Some(2020));
        assert_eq!(profile.doc_type, "samverkansöverenskommelse");
    }

    #[test]
    fn the_word_search_finds_what_splitting_the_text_into_words_finds() {
        fn by_splitting<'t>(text: &'t str, wanted: &str) -> Option<&'t str> {
            text.split(|c: char| !c.is_alphabetic()).find(|word| {
                word.chars().next().is_some_and(char::is_uppercase)
                    && folded(word).eq(wanted.chars())
            })
        }
        let texts = [
            "Trygghet i Åstorp. Polisen i ÅSTORP och Astorp.",
            "i åstorp, xÅstorp, Åstorpsvägen, Åstorp",
            "Ystad–Åstorp: (Ystad) \u{212a}lippan Klippan",
            "ÅÄÖ åäö Ästorp Östorp Éstorp Estorp",
            "Über über Uber",
            "Åstorp",
            "",
        ];
        for text in texts {
            for wanted in [
                "astorp", "ystad", "klippan", "uber", "über", "estorp", "ostorp", "a",
            ] {
                // Where the word found starts, not only what it says.
                let at =
                    |word: Option<&str>| word.map(|w| w.as_ptr() as usize - text.as_ptr() as usize);
                assert_eq!(
                    at(first_word_folding_to(text, wanted)),
                    at(by_splitting(text, wanted)),
                    "{text:?} {wanted:?}"
                );
            }
        }
        // Across the 32-byte blocks the search reads at a time: `Å` (0xC3 0x85) split
        // between two blocks, at every offset.
        for pad in 0..40 {
            let text = format!("{}Åstorp", "x".repeat(pad) + " ");
            assert_eq!(
                first_word_folding_to(&text, "astorp"),
                Some("Åstorp"),
                "{pad}"
            );
        }
        let long = format!("{}Åstorp {}Ystad", "x ".repeat(15), "å".repeat(40));
        assert_eq!(first_word_folding_to(&long, "astorp"), Some("Åstorp"));
        assert_eq!(first_word_folding_to(&long, "ystad"), None);
        let long = format!("{}Åstorp {} Ystad", "x ".repeat(15), "å".repeat(40));
        assert_eq!(first_word_folding_to(&long, "ystad"), Some("Ystad"));
    }

    #[test]
    fn a_file_name_is_a_municipality_only_when_the_text_names_it() {
        let municipality_of = |path: &str, text: &str| {
            profile(&label_text(path, text, &Lexicons::embedded())).municipality
        };
        // The text's spelling wins over the file name's plain letters.
        assert_eq!(
            municipality_of(
                "astorp-2022.txt",
                "Trygghet i Åstorp.\nPolisen ska patrullera.\n"
            )
            .as_deref(),
            Some("Åstorp")
        );
        for path in [
            "/dev/stdin",
            "in.txt",
            "avtal-2021.pdf",
            "medborgarlofte.txt",
        ] {
            assert_eq!(
                municipality_of(path, "Polisen ska patrullera varje fredag.\n"),
                None,
                "{path}"
            );
        }
    }
}
