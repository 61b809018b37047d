//! The types that cross stages: a decoded `Document`, its `Unit`s, and the decisions
//! each labelling stage makes about a unit.
//!
//! Spans are byte offsets into `Document::text` (the decoded text); they are created
//! once, by `segment`, and never move afterwards.

use std::fmt;
use std::num::NonZeroU32;
use std::ops::{Deref, Range};
use std::sync::Arc;

use serde::Serialize;

/// One decoded input document.
#[derive(Debug, Clone)]
pub struct Document {
    /// The path as the user gave it (or as found when walking a folder).
    pub path: String,
    /// The decoded text; every span points into it. Shared, not copied, with the
    /// units that read as a stretch of it.
    pub text: Arc<String>,
}

impl Document {
    /// The last part of the path, after a `/` or a `\` (a Windows path too).
    pub fn file_name(&self) -> &str {
        self.path.rsplit(['/', '\\']).next().unwrap_or(&self.path)
    }
}

/// What kind of unit the segmenter found (ANNOTATION.md §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum UnitKind {
    Sentence,
    Item,
    Heading,
    #[serde(rename = "leadin")]
    LeadIn,
}

impl UnitKind {
    pub fn as_str(self) -> &'static str {
        match self {
            UnitKind::Sentence => "sentence",
            UnitKind::Item => "item",
            UnitKind::Heading => "heading",
            UnitKind::LeadIn => "leadin",
        }
    }
}

/// One unit: a sentence, list item, heading or lead-in, with its place in the layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    /// Byte offset of the unit's first character in the document text.
    pub start: usize,
    /// Byte offset just past the unit's last character.
    pub end: usize,
    pub kind: UnitKind,
    /// The unit text: whitespace collapsed, bullet or enumerator removed, words
    /// hyphenated across a line break joined.
    pub text: UnitText,
    /// Page number (1-based) where the unit starts, when the text has page breaks.
    /// (`NonZeroU32` keeps the option in four bytes: a large document has many units.)
    pub page: Option<NonZeroU32>,
    /// A responsibility line (`Ansvarig: Polisen`): it sets the actor of the item above.
    pub responsibility: bool,
    /// The nearest heading above (`heading()`), set by `segment`.
    pub(crate) heading_link: Option<UnitLink>,
    /// The lead-in that introduces this unit in a list (`leadin()`), set by `segment`.
    pub(crate) leadin_link: Option<UnitLink>,
}

impl Unit {
    /// Index of the nearest heading above.
    pub fn heading(&self) -> Option<usize> {
        self.heading_link.map(UnitLink::index)
    }

    /// Index of the lead-in that introduces this unit, when it is in a list.
    pub fn leadin(&self) -> Option<usize> {
        self.leadin_link.map(UnitLink::index)
    }
}

/// The index of another unit of the same document in four bytes, where an optional
/// `usize` takes sixteen: a unit holds two, and a large document has a million units
/// (a unit in 48 bytes instead of 80: on 20 MB of prose, 1,000 fewer pages of fresh
/// memory to fault in, of 9,800).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct UnitLink(
    /// The index plus one, so that an absent link costs nothing.
    NonZeroU32,
);

// The reason for `UnitLink` and for `page`'s `NonZeroU32`: checked when compiling.
const _: () = assert!(std::mem::size_of::<Unit>() <= 48);

impl UnitLink {
    pub(crate) fn to(index: usize) -> UnitLink {
        let plus_one = u32::try_from(index + 1)
            .ok()
            .and_then(NonZeroU32::new)
            .expect("a document has fewer than 2^32 - 1 units");
        UnitLink(plus_one)
    }

    fn index(self) -> usize {
        self.0.get() as usize - 1
    }
}

/// A unit's text: a stretch of a shared string. Most units read word for word as a
/// stretch of the document and share its text; the others (lines joined, spaces
/// collapsed) are the whole of a string of their own. On a large document a copy of
/// every unit would be a second document's worth of memory, and allocating it, page
/// by fresh page, was a third of `segment`'s time.
#[derive(Clone)]
pub struct UnitText {
    source: Arc<String>,
    /// `source[start..end]`; `u32` offsets keep the text in 16 bytes.
    start: u32,
    end: u32,
}

impl UnitText {
    /// The stretch `range` of `source`, shared; copied when it lies beyond 4 GiB.
    pub fn stretch(source: &Arc<String>, range: Range<usize>) -> UnitText {
        match (u32::try_from(range.start), u32::try_from(range.end)) {
            (Ok(start), Ok(end)) => {
                assert!(
                    source.is_char_boundary(range.start) && source.is_char_boundary(range.end),
                    "a unit's span starts and ends between characters"
                );
                UnitText {
                    source: Arc::clone(source),
                    start,
                    end,
                }
            }
            _ => UnitText::own(source[range].to_string()),
        }
    }

    /// A text of its own.
    pub fn own(text: String) -> UnitText {
        let end = u32::try_from(text.len()).expect("a unit shorter than 4 GiB");
        UnitText {
            source: Arc::new(text),
            start: 0,
            end,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.source[self.start as usize..self.end as usize]
    }

    /// Whether this is a stretch of `source` rather than a string of its own.
    pub fn shares(&self, source: &Arc<String>) -> bool {
        Arc::ptr_eq(&self.source, source)
    }
}

impl Deref for UnitText {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for UnitText {
    fn eq(&self, other: &UnitText) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for UnitText {}

impl fmt::Debug for UnitText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

/// Who takes a commitment on (ANNOTATION.md §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Actor {
    Police,
    Municipality,
    Both,
    Other,
    Unspecified,
}

impl Actor {
    pub const ALL: [Actor; 5] = [
        Actor::Police,
        Actor::Municipality,
        Actor::Both,
        Actor::Other,
        Actor::Unspecified,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Actor::Police => "police",
            Actor::Municipality => "municipality",
            Actor::Both => "both",
            Actor::Other => "other",
            Actor::Unspecified => "unspecified",
        }
    }

    pub fn parse(text: &str) -> Option<Actor> {
        Actor::ALL.into_iter().find(|actor| actor.as_str() == text)
    }
}

/// How the actor of a commitment was decided, strongest first (ANNOTATION.md §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ActorSource {
    /// A responsibility line after the item.
    Responsible,
    /// The unit's own subject.
    Explicit,
    /// The lead-in that introduces the item.
    #[serde(rename = "leadin")]
    LeadIn,
    /// The section heading.
    Heading,
    /// The document's single party, or nothing at all (then the actor is unspecified).
    Document,
}

impl ActorSource {
    pub fn as_str(self) -> &'static str {
        match self {
            ActorSource::Responsible => "responsible",
            ActorSource::Explicit => "explicit",
            ActorSource::LeadIn => "leadin",
            ActorSource::Heading => "heading",
            ActorSource::Document => "document",
        }
    }
}

/// Is the unit a commitment, and which words said so.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommitmentDecision {
    pub commitment: bool,
    /// The cue that decided it: a lexicon phrase, or the section or lead-in it stands under.
    pub cue: String,
    /// The commitment is a goal (`Målet är att …`): an outcome rather than an action.
    pub goal: bool,
    /// The lexicon entry (`commitment.txt:12`) behind `cue`, when a phrase decided it.
    pub rule: Arc<str>,
}

/// The actor of a commitment and its evidence; `None` for units that are no commitment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActorDecision {
    pub actor: Actor,
    pub source: ActorSource,
    /// The words that decided it (`Polisen`, `Ansvarig: Kommunen`, `Kommunen åtar sig att:`).
    pub cue: String,
    /// The `actors.txt` entry of the first party mention that decided (`actors.txt:20`).
    pub rule: Arc<str>,
}

/// A measurable anchor found in a unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    pub kind: &'static str,
    pub text: String,
    /// The `anchors.txt` entry that found it (`anchors.txt:40`).
    pub rule: Arc<str>,
}

/// A vague cue found in a unit, and whether an anchor neutralised it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VagueCue {
    pub category: &'static str,
    pub text: String,
    pub neutralised: bool,
    /// The `vague.txt` entry that found it, or the rule that added it.
    pub rule: Arc<str>,
}

/// Vagueness evidence for a unit; `vague` is only meaningful for commitments.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VagueDecision {
    pub vague: bool,
    pub cues: Vec<VagueCue>,
    pub anchors: Vec<Anchor>,
}

/// How testable a commitment is, what kind it is, and what it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Specificity {
    /// 0 rhetoric, 1 vague action, 2 concrete but unmeasured, 3 testable.
    pub level: u8,
    /// `action` or `goal`.
    pub commitment_type: &'static str,
    /// It holds only under a condition (`vid behov`, `i mån av resurser`).
    pub conditional: bool,
    /// A vague clause and a measurable one in the same unit.
    pub mixed: bool,
    /// Parties named after `i samverkan med`, `tillsammans med`.
    pub partners: Vec<String>,
    pub quantity: Vec<String>,
    pub frequency: Vec<String>,
    /// Dates, deadlines and periods.
    pub period: Vec<String>,
    pub place: Vec<String>,
}

/// Which of the two parties the document makes commit (found by the actor stage);
/// `vi` and the single-party rule are resolved from it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DocumentParties {
    pub police: bool,
    pub municipality: bool,
}

/// Everything lofte decided about one document, unit by unit (all vectors align).
#[derive(Debug, Clone)]
pub struct LabelledDocument {
    pub document: Document,
    pub units: Vec<Unit>,
    pub commitments: Vec<CommitmentDecision>,
    pub actors: Vec<Option<ActorDecision>>,
    pub vague: Vec<VagueDecision>,
    /// Boxed: only commitments have one, and its 144 bytes in every unit's slot were
    /// nearly a tenth of a large document's memory.
    pub specificity: Vec<Option<Box<Specificity>>>,
    pub parties: DocumentParties,
    /// The validity period the document states.
    pub period: Option<crate::period::Period>,
}
