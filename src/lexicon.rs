//! Lexicons: the Swedish word lists behind every label, parsed and compiled once per run.
//!
//! Input: the files in `lexicons/` (embedded in the binary) or a directory given with
//! `--lexicons`. Output: `Lexicons`, shared read-only by every stage and thread.
//!
//! Every file is plain UTF-8, one entry per line, `#` starts a comment. A phrase entry is
//! `CATEGORY PATTERN` (see `matcher` for the pattern syntax); `anchors.txt` holds
//! `KIND REGEX`; `abbreviations.txt` holds one abbreviation per line, optionally followed
//! by `end` when it can close a sentence. Malformed lines are all reported at once,
//! each with file and line.

use std::borrow::Cow;
use std::fmt;
use std::panic::{RefUnwindSafe, UnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use aho_corasick::AhoCorasick;
use rayon::prelude::*;
use regex::Regex;
use regex_automata::hybrid::dfa::{Cache as DfaCache, DFA as LazyDfa};
use regex_automata::nfa::thompson;
use regex_automata::util::pool::Pool;
use regex_automata::{meta, Anchored, Input};
use regex_syntax::hir::literal::{ExtractKind, Extractor};
use regex_syntax::hir::{
    Capture, Class, ClassUnicode, ClassUnicodeRange, Hir, HirKind, Repetition,
};

use crate::matcher::{
    all_single_spaced, char_at, first_non_ascii, floor_char_boundary, has_other_digits,
    is_letter_or_digit, same_length_lower, single_word_forms, uncommon_chars, Hit, PhraseSet,
    StackLower, Tokens, WordForm,
};

/// The lexicon files, in the order they are read.
pub const FILES: [&str; 6] = [
    "abbreviations.txt",
    "actors.txt",
    "commitment.txt",
    "vague.txt",
    "anchors.txt",
    "sections.txt",
];

const EMBEDDED: [(&str, &str); 6] = [
    (
        "abbreviations.txt",
        include_str!("../lexicons/abbreviations.txt"),
    ),
    ("actors.txt", include_str!("../lexicons/actors.txt")),
    ("commitment.txt", include_str!("../lexicons/commitment.txt")),
    ("vague.txt", include_str!("../lexicons/vague.txt")),
    ("anchors.txt", include_str!("../lexicons/anchors.txt")),
    ("sections.txt", include_str!("../lexicons/sections.txt")),
];

/// Where an entry was written, for error messages and evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub file: String,
    pub line: usize,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// One lexicon entry: its category, the pattern as written, where it was written, and
/// its priority where overlapping entries compete (default 0; higher wins).
#[derive(Debug, Clone)]
pub struct Entry<C> {
    pub category: C,
    pub pattern: String,
    pub source: Source,
    pub priority: i32,
    /// `file:line`, the name a label's rule gives this entry: written out once here,
    /// since formatting `source` for every hit was a measurable share of a run, and
    /// shared by every label it decides rather than copied into each.
    pub rule: Arc<str>,
}

impl<C> Entry<C> {
    fn new(category: C, pattern: &str, source: Source, priority: i32) -> Entry<C> {
        Entry {
            category,
            pattern: pattern.to_string(),
            rule: source.to_string().into(),
            source,
            priority,
        }
    }
}

/// A compiled phrase lexicon: entries and the matcher built from them.
#[derive(Debug)]
pub struct PhraseLexicon<C> {
    pub entries: Vec<Entry<C>>,
    set: PhraseSet,
}

/// A match of a phrase lexicon entry (`entries[index]`) over tokens `start..end`.
#[derive(Debug, Clone, Copy)]
pub struct PhraseHit<'a, C> {
    pub entry: &'a Entry<C>,
    pub index: usize,
    pub start: usize,
    pub end: usize,
}

impl<C: Copy> PhraseLexicon<C> {
    /// Every match of every entry, ordered by start token.
    pub fn find_all<'a>(&'a self, tokens: &Tokens) -> Vec<PhraseHit<'a, C>> {
        self.with_entries(&self.set.find_all(tokens))
    }

    /// The matches that start at token `start`.
    pub fn find_at<'a>(&'a self, tokens: &Tokens, start: usize) -> Vec<PhraseHit<'a, C>> {
        self.with_entries(&self.set.find_at(tokens, start))
    }

    /// The same lexicon with only the entries whose category `keep` accepts: a smaller
    /// matcher for a question asked of every line about one category.
    pub fn only(&self, keep: impl Fn(C) -> bool) -> PhraseLexicon<C> {
        let mut lexicon = PhraseLexicon {
            entries: Vec::new(),
            set: PhraseSet::default(),
        };
        for entry in self.entries.iter().filter(|entry| keep(entry.category)) {
            lexicon
                .set
                .add(&entry.pattern)
                .expect("the pattern was added to the whole lexicon");
            lexicon.entries.push(entry.clone());
        }
        lexicon
    }

    /// The matches at the start of `text`, tokenising only as far as the longest
    /// entry can reach (a label at the start of a line).
    pub fn find_at_start<'a>(&'a self, text: &str) -> Vec<PhraseHit<'a, C>> {
        if !self.set.may_start(text) {
            return Vec::new();
        }
        let limit = self.set.longest_match().unwrap_or(usize::MAX);
        self.find_at(&crate::matcher::tokenize_at_most(text, limit), 0)
    }

    /// The matcher's hits with their lexicon entries.
    fn with_entries(&self, hits: &[Hit]) -> Vec<PhraseHit<'_, C>> {
        hits.iter()
            .map(|&Hit { entry, start, end }| PhraseHit {
                entry: &self.entries[entry],
                index: entry,
                start,
                end,
            })
            .collect()
    }

    /// Matches that do not overlap: where entries compete for the same words, the higher
    /// priority wins, then the longer match, then the earlier entry in the file.
    pub fn find_resolved<'a>(&'a self, tokens: &Tokens) -> Vec<PhraseHit<'a, C>> {
        let mut hits = self.find_all(tokens);
        if hits.len() < 2 {
            return hits;
        }
        // Best first: then every hit that overlaps a kept one is dropped.
        hits.sort_by_key(|hit| {
            (
                std::cmp::Reverse(hit.entry.priority),
                std::cmp::Reverse(hit.end - hit.start),
                hit.start,
                hit.entry.source.line,
            )
        });
        let mut taken = vec![false; tokens.len()];
        let mut kept = Vec::with_capacity(hits.len());
        for hit in hits {
            if (hit.start..hit.end).any(|idx| taken[idx]) {
                continue;
            }
            taken[hit.start..hit.end].iter_mut().for_each(|t| *t = true);
            kept.push(hit);
        }
        kept.sort_by_key(|hit| hit.start);
        kept
    }
}

/// How a commitment cue counts (`commitment.txt`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommitmentCategory {
    /// `ska`, `kommer att`: a modal that makes a statement about the future binding.
    Modal,
    /// `lovar`, `åtar sig`: an explicit promise verb.
    Promise,
    /// `genomför`, `tar fram`: a present-tense action that is a promise in a promise section.
    Action,
    /// `målet är att`: a goal the parties set themselves.
    Goal,
    /// `syftet med … är`, `det vore bra`: wording that marks a statement as no commitment.
    Exclude,
    /// `redan`, `sedan 2018`: a present-tense action that describes what is already done.
    Describe,
    /// `lämnar här sitt medborgarlöfte`: giving the promise, not a promise in itself.
    Pledge,
}

/// What an actor lexicon entry names or signals (`actors.txt`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActorCategory {
    Police,
    Municipality,
    Both,
    Other,
    /// `vi`, `parterna`: the parties of the document, resolved per document.
    We,
    /// `gemensamt`, `tillsammans`: the parties acting jointly.
    Joint,
    /// `i samverkan med`: the party named next is a partner, not the actor.
    Partner,
    /// `för`, `på`, `hos`: the party named next is a recipient, place or owner.
    NotAgent,
    /// `Ansvarig:`: a responsibility line.
    Responsible,
    /// `styrgruppen`: a group that acts; its actor comes from the members named.
    Body,
}

/// Why a commitment may be vague (`vague.txt`), ANNOTATION.md §4.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VagueCategory {
    Process,
    Hedge,
    /// A hedge that makes the commitment conditional (`vid behov`, `om ekonomin tillåter`).
    Condition,
    Amount,
    Frequency,
}

/// What kind of section a heading or lead-in opens (`sections.txt`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SectionCategory {
    /// `Åtaganden`, `Vi lovar`: its list items and present-tense sentences are commitments.
    Commitments,
    /// `Mål`: its items are goals, which count as commitments.
    Goals,
    /// `Bakgrund`, `Lägesbild`: description, where only an explicit modal or promise commits.
    Background,
}

/// A kind of measurable anchor (`anchors.txt`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnchorKind {
    Quantity,
    Frequency,
    Date,
    Deadline,
    /// The agreement period or a year: reported as evidence, but it neutralises no cue.
    Period,
    Deliverable,
    /// A named place or institution (`Västerskolan`, `centrum`, `årskurs 8`): a slot,
    /// not a measure.
    Place,
}

/// The compiled anchor patterns.
#[derive(Debug)]
pub struct AnchorLexicon {
    pub entries: Vec<Entry<AnchorKind>>,
    /// The patterns, case-insensitive.
    regexes: Vec<AnchorRegex>,
    /// The words every match of a pattern starts with, where the pattern says so
    /// (`(?:minst|högst) …`): one Aho–Corasick pass finds where they occur, and the
    /// pattern is tried only there. Patterns without such words (`\d…`, `\p{L}*…`)
    /// are scanned for in full.
    triggers: Triggers,
    /// For each pattern, the regexes that find a longer alternative where the fast match
    /// ends inside a word (`halvera|halveras` on `halveras`).
    edge_regexes: Vec<EdgeRegexes>,
}

/// One anchor pattern (as group 1) anchored at the start and followed by a character that
/// is not a letter or digit, or by the end. Both are compiled on first use, since most
/// never are. (Not `\b`: a Unicode word boundary keeps the regex crate off its fast DFA.)
#[derive(Debug, Default)]
struct EdgeRegexes {
    /// Followed by anything but an ASCII letter or digit: `å` and `٣` pass too. Compiles
    /// to a fifth of the exact one, whose Unicode classes of letters and numbers are large
    /// automata (5 M instructions each: a fifth of `extract` over corpus/ went to them).
    loose: OnceLock<Regex>,
    /// Followed by a character that is neither a letter nor a number: asked only where the
    /// loose one ends before a character outside ASCII.
    exact: OnceLock<Regex>,
}

/// One anchor found in a text: its kind, byte span and entry.
#[derive(Debug, Clone)]
pub struct AnchorHit<'a> {
    pub entry: &'a Entry<AnchorKind>,
    pub start: usize,
    pub end: usize,
}

/// Separates unit texts when they are searched together. Not just white space, so that
/// an anchor ending in an optional `\s+…` stops at its unit's end instead of running
/// into the next unit (and being dropped there).
const UNIT_SEPARATOR: &str = "\n\u{1F}\n";

impl AnchorLexicon {
    /// All non-overlapping anchors in `text`, earliest first; at one place the longest wins.
    pub fn find_all<'a>(&'a self, text: &str) -> Vec<AnchorHit<'a>> {
        self.find_in_each(&[text]).pop().unwrap_or_default()
    }

    /// Where the first alternative of pattern `idx` (in the regex's order of preference)
    /// that matches at the start of `window` and ends on a word edge ends, if one does.
    fn edge_match_end(&self, idx: usize, window: &str) -> Option<usize> {
        let compile = |terminator: &str| {
            let pattern = with_letters_folded(&self.entries[idx].pattern);
            Regex::new(&format!(r"(?i)^((?:{pattern}))(?:{terminator}|$)")).expect(COMPILES)
        };
        let edge = &self.edge_regexes[idx];
        // The loose terminators include the exact ones, so the loose regex's first
        // alternative is the exact one's too, unless its terminator is not one of them.
        let loose = edge.loose.get_or_init(|| compile("(?-i:[^0-9A-Za-z])"));
        let end = group_end(loose, window)?;
        match window[end..].chars().next() {
            Some(next) if !next.is_ascii() => group_end(
                edge.exact
                    .get_or_init(|| compile(r"[^\p{Alphabetic}\p{N}]")),
                window,
            ),
            _ => Some(end),
        }
    }

    /// The anchors of each text. The texts are searched as one string, so each regex
    /// runs once per document rather than once per unit: regex start-up dominates on
    /// texts as short as a sentence.
    pub fn find_in_each<'a>(&'a self, texts: &[&str]) -> Vec<Vec<AnchorHit<'a>>> {
        let joined = texts.join(UNIT_SEPARATOR);
        // Single-spaced texts (every unit's) joined by the separator leave no other white
        // space than single spaces and the separator's line breaks.
        let separator_breaks = UNIT_SEPARATOR.matches('\n').count();
        let single_spaced = all_single_spaced(texts, &joined, separator_breaks);
        let candidates = self
            .triggers
            .candidates(&joined, single_spaced, &self.entries);
        let text = if is_narrow(&joined) {
            Text::Narrow
        } else {
            Text::Any
        };
        self.find_with(texts, &joined, text, |idx| candidates[idx].as_deref())
    }

    /// The anchors of each text, every pattern scanned for in full: the reference that
    /// the trigger-guided search must agree with.
    #[cfg(test)]
    fn find_in_each_by_scanning<'a>(&'a self, texts: &[&str]) -> Vec<Vec<AnchorHit<'a>>> {
        let joined = texts.join(UNIT_SEPARATOR);
        self.find_with(texts, &joined, Text::Any, |_| None)
    }

    /// Finds the anchors in `joined` (the texts and separators), which is `text`;
    /// `candidates(idx)` gives the only places where pattern `idx` can start, all on
    /// word edges (as `TriggerSet::candidates` keeps them), or `None` to scan for it.
    fn find_with<'a, 'c>(
        &'a self,
        texts: &[&str],
        joined: &str,
        text: Text,
        candidates: impl Fn(usize) -> Option<&'c [usize]>,
    ) -> Vec<Vec<AnchorHit<'a>>> {
        let mut starts = Vec::with_capacity(texts.len());
        let mut offset = 0;
        for text in texts {
            starts.push(offset);
            offset += text.len() + UNIT_SEPARATOR.len();
        }
        let mut per_text: Vec<Vec<AnchorHit>> = vec![Vec::new(); texts.len()];
        for (idx, regex) in self.regexes.iter().enumerate() {
            // Where a match may start: every place (scanning), or the trigger places.
            let places = candidates(idx);
            let mut next_place = 0;
            let mut from = 0;
            // One lazy DFA cache for all the places tried in this text (asking for it
            // compiles the DFA, so not for a text without places).
            let mut cache = places
                .filter(|places| !places.is_empty())
                .and_then(|_| regex.cache(text));
            loop {
                let found = match places {
                    None => regex.find_from(joined, from),
                    Some(places) => {
                        let mut found = None;
                        while let Some(&at) = places.get(next_place) {
                            next_place += 1;
                            if at < from {
                                continue;
                            }
                            found = regex
                                .find_at(cache.as_deref_mut(), joined, at, text)
                                .map(|end| (at, end));
                            if found.is_some() {
                                break;
                            }
                        }
                        found
                    }
                };
                let Some((start, mut end)) = found else {
                    break;
                };
                if is_word_edge(joined, start) && !is_word_edge(joined, end) {
                    // Ends inside a word: a longer alternative may end on its edge.
                    let window = floor_char_boundary(joined, (start + 400).min(joined.len()));
                    if let Some(longer) = self.edge_match_end(idx, &joined[start..window]) {
                        end = start + longer;
                    }
                }
                if is_word_edge(joined, start) && is_word_edge(joined, end) && end > start {
                    let text_idx = starts.partition_point(|&s| s <= start) - 1;
                    let base = starts[text_idx];
                    let cut = without_trailing_function_word(joined, start, end);
                    let label = self.entries[idx].category == AnchorKind::Quantity
                        && is_label_number(&joined[base..start]);
                    if cut <= base + texts[text_idx].len() && !label {
                        per_text[text_idx].push(AnchorHit {
                            entry: &self.entries[idx],
                            start: start - base,
                            end: cut - base,
                        });
                    }
                    from = end;
                } else {
                    // Not on word boundaries: try again at the next word edge, since a
                    // match that starts inside a word is never kept (`plan` inside
                    // `handlingsplanen` would otherwise be found again at every letter).
                    match joined[start..].chars().next() {
                        Some(ch) => from = next_word_edge(joined, start + ch.len_utf8()),
                        None => break,
                    }
                }
            }
        }
        per_text.into_iter().map(longest_first).collect()
    }
}

/// The trigger words of the anchor patterns, in two sets: read from the patterns as
/// written, and read with every `\s` taken as one space. The second gives longer words
/// (`i januari` rather than `i`), so far fewer places to try, and holds for text whose
/// white space is single spaces and line breaks only, such as joined units.
#[derive(Debug, Default)]
struct Triggers {
    any_spacing: TriggerSet,
    /// Made once a run has searched `SINGLE_SPACED_AFTER` bytes with the first set.
    single_spaced: OnceLock<TriggerSet>,
    /// The bytes searched with `any_spacing` so far.
    searched: AtomicUsize,
}

/// Reading the single-spaced words from the patterns and compiling them costs about as
/// many instructions (50 M) as they then save in searching some 500 agreements' joined
/// commitments, roughly half a megabyte (callgrind). So a run first searches that much
/// without them, as a ski renter rents until renting has cost the price of skis: one
/// agreement, a county's few hundred, or a sentence given to `lofte explain` never pay
/// for them, and a long run pays at most twice. Either set finds the same anchors.
const SINGLE_SPACED_AFTER: usize = 1 << 19;

impl Triggers {
    /// For each of `entries`, the sorted places in `text` where its trigger words
    /// occur on a word edge, or `None` for a pattern to scan for. `single_spaced`: the only white space
    /// in `text` is single spaces and line breaks, never two together.
    fn candidates(
        &self,
        text: &str,
        single_spaced: bool,
        entries: &[Entry<AnchorKind>],
    ) -> Vec<Option<Vec<usize>>> {
        // A line break is a space there, as the single-spaced words were read with.
        let form = trigger_form(text);
        let worth_it = self.single_spaced.get().is_some()
            || self.searched.fetch_add(text.len(), Ordering::Relaxed) + text.len()
                >= SINGLE_SPACED_AFTER;
        if worth_it && single_spaced {
            self.single_spaced(entries)
                .candidates(&form, text, entries.len())
        } else {
            self.any_spacing.candidates(&form, text, entries.len())
        }
    }

    /// The single-spaced trigger words of `entries`, read the first time they are asked for.
    fn single_spaced(&self, entries: &[Entry<AnchorKind>]) -> &TriggerSet {
        // Sequential on purpose: a rayon worker waiting inside this initialisation
        // could otherwise steal a job that asks for the same set.
        self.single_spaced.get_or_init(|| {
            let words: Vec<Option<PatternTriggers>> = entries
                .iter()
                .map(|entry| single_spaced_pattern(&entry.pattern).and_then(|p| trigger_words(&p)))
                .collect();
            TriggerSet::new(&words, SearchVolume::Large)
        })
    }
}

/// Makes a lazy DFA cache for one anchor pattern.
type NewCache = Box<dyn Fn() -> DfaCache + Send + Sync + UnwindSafe + RefUnwindSafe>;

/// The lazy DFA caches of one anchor pattern, one per thread that searches with it.
type CachePool = Pool<DfaCache, NewCache>;

/// A cache taken from a `CachePool`, given back when dropped.
type PoolGuard<'a> = regex_automata::util::pool::PoolGuard<'a, DfaCache, NewCache>;

/// One anchor pattern, compiled for the two ways it is searched. A pattern with trigger
/// words is tried only where they stand, as anchored searches, and for those a forward
/// lazy DFA is enough: half the compile time of a full regex, which also builds the
/// reverse automaton and the prefilters that only an unanchored scan needs. The full
/// regex is compiled for a pattern that has no trigger words, and on first use for one
/// that must be scanned for after all (text with digits other than ASCII). A lexicon set
/// read from files is compiled at load, so that an error shows there; the embedded one,
/// which the tests compile, pattern by pattern on first use, since a short run (`lofte
/// explain`, one agreement) meets few of its patterns.
struct AnchorRegex {
    /// The pattern as compiled: `(?i)(?:…)`.
    source: String,
    /// The pattern has trigger words, so it is searched with the forward DFA.
    guided: bool,
    /// The forward DFA and its caches, for a pattern with trigger words (`None` within
    /// when none can be built for it).
    forward: OnceLock<Option<(LazyDfa, CachePool)>>,
    /// The same for narrow text (`Text::Narrow`): cut down to it when compiled on first
    /// use, the whole pattern's DFA when compiled at load.
    forward_narrow: OnceLock<Option<(LazyDfa, CachePool)>>,
    full: OnceLock<meta::Regex>,
}

impl fmt::Debug for AnchorRegex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AnchorRegex({})", self.source)
    }
}

impl AnchorRegex {
    /// `source`, compiled now; `guided`: the pattern has trigger words.
    fn new(source: String, guided: bool) -> Result<AnchorRegex, String> {
        let regex = AnchorRegex::uncompiled(source, guided);
        let forward = if guided {
            forward_dfa(&regex.source, Text::Any)?
        } else {
            None
        };
        if forward.is_none() {
            // On an error, the regex crate's message is the clearer one.
            let full =
                meta::Regex::new(&regex.source).map_err(|err| clearer_error(&regex.source, err))?;
            let _ = regex.full.set(full);
        }
        // Built for any text, so that the whole automaton is checked at load (the full
        // regex, compiled when a search needs it, then compiles too), and used for
        // narrow text as well.
        let _ = regex
            .forward_narrow
            .set(forward.clone().map(with_cache_pool));
        let _ = regex.forward.set(forward.map(with_cache_pool));
        Ok(regex)
    }

    /// `source`, to be compiled on first use: it is known to compile.
    fn uncompiled(source: String, guided: bool) -> AnchorRegex {
        AnchorRegex {
            source,
            guided,
            forward: OnceLock::new(),
            forward_narrow: OnceLock::new(),
            full: OnceLock::new(),
        }
    }

    /// The forward DFA for `text` and its caches, compiled the first time they are
    /// needed.
    fn forward(&self, text: Text) -> Option<&(LazyDfa, CachePool)> {
        let cell = match text {
            Text::Any => &self.forward,
            Text::Narrow => &self.forward_narrow,
        };
        cell.get_or_init(|| {
            let dfa = if self.guided {
                forward_dfa(&self.source, text).expect(COMPILES)
            } else {
                None
            };
            dfa.map(with_cache_pool)
        })
        .as_ref()
    }

    /// The full regex, compiled the first time a scan needs it.
    fn full(&self) -> &meta::Regex {
        self.full
            .get_or_init(|| meta::Regex::new(&self.source).expect(COMPILES))
    }

    /// A cache for `find_at` in `text`, to be reused for every place in it.
    fn cache(&self, text: Text) -> Option<PoolGuard<'_>> {
        self.forward(text).map(|(_, pool)| pool.get())
    }

    /// The end of the match that starts exactly at `at` in `haystack`, which is `text`,
    /// if any; `cache` is from `cache(text)`.
    fn find_at(
        &self,
        cache: Option<&mut DfaCache>,
        haystack: &str,
        at: usize,
        text: Text,
    ) -> Option<usize> {
        let input = Input::new(haystack)
            .span(at..haystack.len())
            .anchored(Anchored::Yes);
        if let (Some((dfa, _)), Some(cache)) = (self.forward(text), cache) {
            // The DFA gives up on a Unicode word boundary in non-ASCII text, or when
            // its cache thrashes: then the full regex answers.
            if let Ok(found) = dfa.try_search_fwd(cache, &input) {
                return found.map(|half| half.offset());
            }
        }
        self.full().search(&input).map(|found| found.end())
    }

    /// The leftmost match that starts at or after `from`.
    fn find_from(&self, text: &str, from: usize) -> Option<(usize, usize)> {
        self.full()
            .search(&Input::new(text).span(from..text.len()))
            .map(|found| (found.start(), found.end()))
    }

    /// Asked while loading, on the loading thread: a cache of its own, since the pool's
    /// fast path belongs to the first thread that takes from it, and that should be a
    /// thread that searches.
    fn is_match_on_empty(&self) -> bool {
        let mut cache = self.forward(Text::Any).map(|(dfa, _)| dfa.create_cache());
        self.find_at(cache.as_mut(), "", 0, Text::Any).is_some()
    }
}

/// Where group 1 of `regex`'s match in `window` ends, if it matches.
fn group_end(regex: &Regex, window: &str) -> Option<usize> {
    Some(regex.captures(window)?.get(1)?.end())
}

/// Why an anchor pattern compiled after loading cannot fail: a set read from files was
/// compiled at load, and the embedded set is compiled by the tests.
const COMPILES: &str = "an anchor pattern compiles (at load, or in the tests for the embedded set)";

/// `dfa` with a pool of lazy DFA caches, one per thread that searches with it.
fn with_cache_pool(dfa: LazyDfa) -> (LazyDfa, CachePool) {
    let for_pool = dfa.clone();
    let pool: CachePool = Pool::new(Box::new(move || for_pool.create_cache()));
    (dfa, pool)
}

/// The text a forward DFA is built to search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Text {
    Any,
    /// Only the characters of `NARROW` (`is_narrow`).
    Narrow,
}

/// The forward lazy DFA of `source`, or `None` when one cannot be built for it (the
/// full regex then does all its searches). A Unicode word boundary is no obstacle: on
/// non-ASCII text the DFA gives up at search time and the full regex answers.
///
/// Swedish agreements are narrow text, and on it the pattern with each class cut down
/// to `NARROW` matches as the pattern does. Cut down, `\p{L}` and the case-folded
/// letters compile to about half the automaton (a run over `corpus/` 11 % fewer
/// instructions, `lofte explain` 13 %), and the DFA has half the byte classes. The
/// embedded patterns, compiled on first use, are built so; a set read from files is
/// built for any text only, since that checks at load that each pattern compiles whole.
fn forward_dfa(source: &str, text: Text) -> Result<Option<LazyDfa>, String> {
    let hir = regex_syntax::Parser::new()
        .parse(source)
        .map_err(|err| clearer_error(source, err))?;
    let hir = match text {
        Text::Any => hir,
        Text::Narrow => narrow(&hir),
    };
    // The full regex's own limit, so that a pattern too big for it fails here, at load.
    let nfa = thompson::Compiler::new()
        .configure(
            thompson::Config::new()
                .which_captures(thompson::WhichCaptures::None)
                .nfa_size_limit(Some(10 * (1 << 20))),
        )
        .build_from_hir(&hir)
        .map_err(|err| clearer_error(source, err))?;
    Ok(LazyDfa::builder()
        .configure(
            // As the full regex configures its own lazy DFA: when the cache thrashes
            // the search gives up, and the full regex answers instead.
            LazyDfa::config()
                .unicode_word_boundary(true)
                .minimum_cache_clear_count(Some(3))
                .minimum_bytes_per_state(Some(10)),
        )
        .build_from_nfa(nfa)
        .ok())
}

/// The characters of narrow text: Latin-1 (ASCII, å ä ö é, the no-break space), the
/// dashes, quotes, bullets and spaces of typeset text (General Punctuation), and the
/// private-use characters that documents from a word processor bullet their lists with.
const NARROW: [(char, char); 3] = [
    ('\0', '\u{ff}'),
    ('\u{2000}', '\u{206f}'),
    ('\u{e000}', '\u{f8ff}'),
];

/// Does `text` hold only characters of `NARROW`?
fn is_narrow(text: &str) -> bool {
    // Only the characters beyond Latin-1's letters are looked at (dashes, quotes,
    // bullets); the rest is passed over many bytes at a time.
    uncommon_chars(text).all(is_narrow_char)
}

/// Is `ch` one of `NARROW`?
fn is_narrow_char(ch: char) -> bool {
    NARROW.iter().any(|&(from, to)| (from..=to).contains(&ch))
}

/// `hir` with every class cut down to the characters of `NARROW`.
fn narrow(hir: &Hir) -> Hir {
    match hir.kind() {
        HirKind::Class(Class::Unicode(class)) => {
            let mut class = class.clone();
            class.intersect(&ClassUnicode::new(
                NARROW.map(|(from, to)| ClassUnicodeRange::new(from, to)),
            ));
            Hir::class(Class::Unicode(class))
        }
        // The fields one by one: `..repetition.clone()` would copy the whole subtree
        // only to drop it.
        HirKind::Repetition(repetition) => Hir::repetition(Repetition {
            min: repetition.min,
            max: repetition.max,
            greedy: repetition.greedy,
            sub: Box::new(narrow(&repetition.sub)),
        }),
        HirKind::Capture(capture) => Hir::capture(Capture {
            index: capture.index,
            name: capture.name.clone(),
            sub: Box::new(narrow(&capture.sub)),
        }),
        HirKind::Concat(parts) => Hir::concat(parts.iter().map(narrow).collect()),
        HirKind::Alternation(parts) => Hir::alternation(parts.iter().map(narrow).collect()),
        HirKind::Empty
        | HirKind::Literal(_)
        | HirKind::Class(Class::Bytes(_))
        | HirKind::Look(_) => hir.clone(),
    }
}

/// The regex crate's message for `source`, clearer than the engine's, else `err`.
fn clearer_error(source: &str, err: impl fmt::Display) -> String {
    match Regex::new(source) {
        Err(clearer) => clearer.to_string(),
        Ok(_) => err.to_string(),
    }
}

/// How much text a trigger set will search.
#[derive(Debug, Clone, Copy)]
enum SearchVolume {
    /// At most `SINGLE_SPACED_AFTER` bytes in a run, or text that is not single-spaced.
    Small,
    /// The rest of a long run.
    Large,
}

/// Trigger words and the patterns each one starts.
#[derive(Debug, Default)]
struct TriggerSet {
    /// The words in their `trigger_form`, searched in the text's: most with its leading
    /// space, so that they are found only where a word starts.
    words: Option<AhoCorasick>,
    /// For each word, the patterns it may start.
    patterns_of: Vec<Vec<usize>>,
    /// For each word, whether it is searched with the leading space.
    at_word_start: Vec<bool>,
    /// Which patterns have trigger words (the others are scanned for).
    guided: Vec<bool>,
    /// Which of those have them only for text whose digits are all ASCII.
    ascii_digits: Vec<bool>,
    /// Which of those have them inside words (`\p{L}*skolan`).
    inside_words: Vec<bool>,
}

impl TriggerSet {
    /// `words[idx]`: the words every match of pattern `idx` starts with, if known;
    /// `volume`: how much text the set will search, which decides its automaton.
    fn new(words: &[Option<PatternTriggers>], volume: SearchVolume) -> TriggerSet {
        let mut all: Vec<Vec<u8>> = Vec::new();
        let mut patterns_of: Vec<Vec<usize>> = Vec::new();
        let mut at_word_start = Vec::new();
        for (idx, triggers) in words.iter().enumerate() {
            let Some(triggers) = triggers else { continue };
            for word in &triggers.words {
                // A word that starts with a letter or digit starts a match only where
                // a word starts, unless the pattern's opening letters come before it.
                let word_start =
                    !triggers.inside_words && word.chars().next().is_some_and(is_letter_or_digit);
                let form = trigger_form(word);
                let form = if word_start { form } else { form[1..].to_vec() };
                let at = match all.iter().position(|w| *w == form) {
                    Some(at) => at,
                    None => {
                        all.push(form);
                        patterns_of.push(Vec::new());
                        at_word_start.push(word_start);
                        all.len() - 1
                    }
                };
                patterns_of[at].push(idx);
            }
        }
        let words_ac = (!all.is_empty()).then(|| {
            // A full DFA searches fastest, but costs a start-up's worth of instructions
            // to build: worth it only for a set that searches a long run's commitments.
            let kind = match volume {
                SearchVolume::Small => aho_corasick::AhoCorasickKind::NoncontiguousNFA,
                SearchVolume::Large => aho_corasick::AhoCorasickKind::DFA,
            };
            AhoCorasick::builder()
                .match_kind(aho_corasick::MatchKind::Standard)
                .kind(Some(kind))
                .build(&all)
                .expect("plain words build an automaton")
        });
        TriggerSet {
            words: words_ac,
            patterns_of,
            at_word_start,
            guided: words.iter().map(Option::is_some).collect(),
            ascii_digits: words
                .iter()
                .map(|t| t.as_ref().is_some_and(|t| t.ascii_digits))
                .collect(),
            inside_words: words
                .iter()
                .map(|t| t.as_ref().is_some_and(|t| t.inside_words))
                .collect(),
        }
    }

    /// For each pattern, the sorted places in `text` (`form` is its `trigger_form`)
    /// where its trigger words occur on a word edge, or `None` for a pattern to scan for.
    fn candidates(&self, form: &[u8], text: &str, patterns: usize) -> Vec<Option<Vec<usize>>> {
        let mut places: Vec<Option<Vec<usize>>> = (0..patterns)
            .map(|idx| {
                self.guided
                    .get(idx)
                    .copied()
                    .unwrap_or(false)
                    .then(|| Vec::with_capacity(16))
            })
            .collect();
        if let Some(words) = &self.words {
            for found in words.find_overlapping_iter(form) {
                let word = found.pattern().as_usize();
                // Where the word starts in `text`: a match starts only on a word edge
                // (`find_with`), so most words are searched with the space before them,
                // and a digit inside `2024` or the `en` of `polisen` is never found.
                let at = if self.at_word_start[word] {
                    found.start()
                } else if found.start() > 0 {
                    // Not after the form's leading space, which stands for no text.
                    found.start() - 1
                } else {
                    continue;
                };
                for &idx in &self.patterns_of[word] {
                    let start = if self.inside_words[idx] {
                        word_start(text, at)
                    } else {
                        at
                    };
                    if let Some(list) = places[idx].as_mut() {
                        list.push(start);
                    }
                }
            }
        }
        // A digit from another script (`٣`) may start what `\d` matches: scan for those
        // patterns instead (any non-ASCII numeric character makes the check fail safe).
        if self.ascii_digits.contains(&true) && has_other_digits(text) {
            for (idx, list) in places.iter_mut().enumerate() {
                if self.ascii_digits[idx] {
                    *list = None;
                }
            }
        }
        for list in places.iter_mut().flatten() {
            list.sort_unstable();
            list.dedup();
        }
        places
    }
}

/// `text` as trigger words are searched in it: a space, then `text` lower-cased
/// character by character where that keeps the byte length (all of Swedish), with
/// every character that is neither letter nor digit made spaces, one per byte. So ` en`
/// finds `en` where a word starts, whatever ends the word before, and offset `i` in
/// `text` is `i + 1` here. (The few characters that the regex crate folds across
/// lengths or scripts, such as `ſ` for `s` or the Kelvin sign for `k`, are left as they
/// are, so a trigger spelt with them is not seen.)
fn trigger_form(text: &str) -> Vec<u8> {
    let mut form = Vec::with_capacity(text.len() + 1);
    form.push(b' ');
    form.extend_from_slice(text.as_bytes());
    // Without branches or a table, so that it runs many bytes at a time.
    for byte in &mut form[1..] {
        *byte = ascii_form(*byte);
    }
    // The other characters: nearly all (å ä ö) are lower-case letters and stay.
    let bytes = text.as_bytes();
    let mut at = 0;
    while let Some(offset) = first_non_ascii(&bytes[at..]) {
        at += offset;
        let ch = char_at(text, at);
        let place = &mut form[at + 1..at + 1 + ch.len_utf8()];
        if !is_letter_or_digit(ch) {
            place.fill(b' ');
        } else {
            let low = same_length_lower(ch).unwrap_or(ch);
            if low != ch {
                low.encode_utf8(place);
            }
        }
        at += ch.len_utf8();
    }
    form
}

/// `trigger_form` of one byte: ASCII letters lower-cased, digits kept, other ASCII
/// bytes spaces. Bytes outside ASCII are kept, for `trigger_form` to read as characters.
#[inline]
fn ascii_form(byte: u8) -> u8 {
    let upper = byte.wrapping_sub(b'A') < 26;
    let kept = byte.wrapping_sub(b'a') < 26 || byte.wrapping_sub(b'0') < 10 || byte >= 0x80;
    if upper {
        byte | 0x20
    } else if kept {
        byte
    } else {
        b' '
    }
}

/// The words every match of an anchor pattern starts with.
#[derive(Debug, Clone)]
struct PatternTriggers {
    /// As the pattern spells them.
    words: Vec<String>,
    /// The words hold only for text whose digits are ASCII: `\d` was read as `[0-9]`
    /// (all ten digits fit in a trigger set; all of Unicode's do not).
    ascii_digits: bool,
    /// The pattern opens with letters (`\p{L}*skolan`): the words may stand inside a
    /// word, and a match starts where that word starts.
    inside_words: bool,
}

/// The trigger words of `pattern`, when the pattern determines them (a finite set of
/// non-empty literal prefixes, perhaps after an opening `\p{L}*`); `None` otherwise.
fn trigger_words(pattern: &str) -> Option<PatternTriggers> {
    // `\p{L}*(?:skolan|torget)` has no prefix, but every match holds one of the words
    // after its opening letters, in the word where it starts.
    if let Some(rest) = pattern.strip_prefix(r"\p{L}*") {
        return trigger_words(rest).map(|triggers| PatternTriggers {
            inside_words: true,
            ..triggers
        });
    }
    if let Some(words) = literal_prefixes(pattern) {
        return Some(PatternTriggers {
            words,
            ascii_digits: false,
            inside_words: false,
        });
    }
    if !pattern.contains(r"\d") || pattern.contains(r"\\") {
        return None;
    }
    let words = literal_prefixes(&pattern.replace(r"\d", "[0-9]"))?;
    Some(PatternTriggers {
        words,
        ascii_digits: true,
        inside_words: false,
    })
}

/// `pattern` with every `\s` read as one space (`\s+` as one, `\s*` and `\s?` as an
/// optional one): the same pattern on text whose white space is single spaces. `None`
/// when `\s` stands in a bracket class or the pattern escapes a backslash.
fn single_spaced_pattern(pattern: &str) -> Option<String> {
    // Verbose mode (`(?x)`) ignores spaces, so a space could not stand for `\s` there.
    let verbose = pattern.match_indices("(?").any(|(at, _)| {
        pattern[at + 2..]
            .chars()
            .take_while(|c| c.is_ascii_alphabetic() || *c == '-')
            .any(|c| c == 'x')
    });
    if verbose || pattern.contains(r"\\") {
        return None;
    }
    let mut in_class = false;
    let mut escaped = false;
    for (idx, ch) in pattern.char_indices() {
        match ch {
            _ if escaped => escaped = false,
            '\\' => {
                escaped = true;
                if in_class && pattern[idx + 1..].starts_with('s') {
                    return None;
                }
            }
            '[' => in_class = true,
            ']' => in_class = false,
            _ => {}
        }
    }
    Some(
        pattern
            .replace(r"\s+", " ")
            .replace(r"\s*", " ?")
            .replace(r"\s?", " ?")
            .replace(r"\s", " "),
    )
}

fn literal_prefixes(pattern: &str) -> Option<Vec<String>> {
    let hir = regex_syntax::Parser::new().parse(pattern).ok()?;
    let prefixes = Extractor::new().kind(ExtractKind::Prefix).extract(&hir);
    let literals = prefixes.literals()?;
    if literals.is_empty() || literals.iter().any(|lit| lit.as_bytes().is_empty()) {
        return None;
    }
    let mut words: Vec<String> = literals
        .iter()
        .map(|lit| String::from_utf8(lit.as_bytes().to_vec()).ok())
        .collect::<Option<_>>()?;
    words.sort();
    words.dedup();
    Some(words)
}

/// Words before a number that make it a label or an age, not an amount:
/// `årskurs 8`, `i åldern 13–17 år`, `kapitel 3`.
const LABEL_WORD_LIST: [&str; 12] = [
    "årskurs", "åk", "klass", "nr", "nummer", "kap", "kapitel", "sida", "åldern", "ålder",
    "paragraf", "§",
];
const LABEL_WORDS: WordList<12> = WordList::new(LABEL_WORD_LIST);

/// Is the number that starts right after `before` a label (`årskurs 8`)?
fn is_label_number(before: &str) -> bool {
    let trimmed = before.trim_end_matches(|c: char| {
        c.is_ascii_digit() || c.is_whitespace() || matches!(c, '–' | '-' | '.')
    });
    let word = trimmed
        .rsplit(|c: char| !c.is_alphanumeric() && c != '§')
        .next()
        .unwrap_or("");
    LABEL_WORDS.holds(word)
}

/// Every letter, as the case-insensitive flag makes `\p{L}`: the letters and U+0345, a
/// combining mark that folds to `ι` (a test holds the two equal).
const LETTERS_FOLDED: &str = r"(?-i:[\p{L}\x{345}])";

/// `pattern` with each `\p{L}` outside a bracket class written as `LETTERS_FOLDED`: the
/// same pattern under `(?i)`, but the regex crate need not case-fold the 600-odd ranges
/// of all letters at each of them, which took a fifth of start-up. A pattern that sets
/// flags of its own, or does not parse, is left as it is.
fn with_letters_folded(pattern: &str) -> Cow<'_, str> {
    use regex_syntax::ast::{self, Ast, ClassUnicodeKind};

    /// The spans of the `\p{L}` to rewrite, and whether the pattern sets flags.
    #[derive(Default)]
    struct Letters {
        spans: Vec<ast::Span>,
        flags: bool,
    }
    impl ast::Visitor for Letters {
        type Output = Letters;
        type Err = ();
        fn finish(self) -> Result<Letters, ()> {
            Ok(self)
        }
        // Items of a bracket class are visited by another method, so a class here
        // stands on its own.
        fn visit_pre(&mut self, node: &Ast) -> Result<(), ()> {
            match node {
                Ast::Flags(_) => self.flags = true,
                Ast::Group(group) if group.flags().is_some_and(|f| !f.items.is_empty()) => {
                    self.flags = true
                }
                Ast::ClassUnicode(class) if !class.negated && is_letters(&class.kind) => {
                    self.spans.push(class.span)
                }
                _ => {}
            }
            Ok(())
        }
    }

    /// `\pL` or `\p{L}`.
    fn is_letters(kind: &ClassUnicodeKind) -> bool {
        match kind {
            ClassUnicodeKind::OneLetter(letter) => *letter == 'L',
            ClassUnicodeKind::Named(name) => name == "L",
            ClassUnicodeKind::NamedValue { .. } => false,
        }
    }

    if !pattern.contains(r"\p") {
        return Cow::Borrowed(pattern);
    }
    let Ok(parsed) = ast::parse::Parser::new().parse(pattern) else {
        return Cow::Borrowed(pattern);
    };
    let Ok(letters) = ast::visit(&parsed, Letters::default()) else {
        return Cow::Borrowed(pattern);
    };
    if letters.flags || letters.spans.is_empty() {
        return Cow::Borrowed(pattern);
    }
    let mut folded = String::with_capacity(pattern.len() + letters.spans.len() * 16);
    let mut done = 0;
    for span in &letters.spans {
        folded.push_str(&pattern[done..span.start.offset]);
        folded.push_str(LETTERS_FOLDED);
        done = span.end.offset;
    }
    folded.push_str(&pattern[done..]);
    Cow::Owned(folded)
}

/// Keeps non-overlapping hits: earliest first, then longest; on an exact tie the more
/// specific kind wins. Places are slots beside the measures: they never hide a measure
/// they overlap, so each of the two keeps its own last end. In place: most units have
/// a few hits, and a vector for each kind and each verdict had cost more than the choice.
fn longest_first(mut hits: Vec<AnchorHit<'_>>) -> Vec<AnchorHit<'_>> {
    hits.sort_by(|a, b| {
        (a.start, std::cmp::Reverse(a.end), a.entry.category.rank()).cmp(&(
            b.start,
            std::cmp::Reverse(b.end),
            b.entry.category.rank(),
        ))
    });
    let (mut measures_end, mut places_end) = (None, None);
    hits.retain(|hit| {
        let last_end = if hit.entry.category == AnchorKind::Place {
            &mut places_end
        } else {
            &mut measures_end
        };
        let keep = last_end.is_none_or(|end| hit.start >= end);
        if keep {
            *last_end = Some(hit.end);
        }
        keep
    });
    // A measure before a place with the same span, as the measures are listed first.
    hits.sort_by_key(|hit| (hit.start, hit.end, hit.entry.category == AnchorKind::Place));
    hits
}

/// Words an anchor never ends with: `tre under våren` counts `tre`, not `tre under`.
const FUNCTION_WORD_LIST: [&str; 28] = [
    "under", "över", "och", "i", "av", "till", "med", "för", "på", "som", "om", "vid", "från",
    "efter", "inom", "mot", "eller", "samt", "att", "den", "det", "de", "en", "ett", "är", "ska",
    "kan", "har",
];
const FUNCTION_WORDS: WordList<28> = WordList::new(FUNCTION_WORD_LIST);

/// A few short words (lower case, without `Σ`, at most eight bytes), asked of nearly
/// every anchor found: each is kept as its bytes in one integer, so that a word is
/// compared with all of them without a call to compare memory.
struct WordList<const N: usize> {
    /// Each word's bytes, zero-padded, and its length.
    packed: [(u64, usize); N],
}

impl<const N: usize> WordList<N> {
    const fn new(words: [&str; N]) -> WordList<N> {
        let mut packed = [(0, 0); N];
        let mut idx = 0;
        while idx < N {
            packed[idx] = match pack(words[idx].as_bytes()) {
                Some(word) => word,
                None => panic!("a word of a WordList takes at most eight bytes"),
            };
            idx += 1;
        }
        WordList { packed }
    }

    /// Is `word`, lower-cased, one of the words? A word whose lower case takes more than
    /// eight bytes is none of them, and is given up as soon as it does.
    fn holds(&self, word: &str) -> bool {
        StackLower::<8>::new(word.chars())
            .and_then(|lower| pack(lower.as_bytes()))
            .is_some_and(|lower| self.packed.contains(&lower))
    }
}

/// Up to eight bytes as one integer (zero-padded) and their count.
const fn pack(bytes: &[u8]) -> Option<(u64, usize)> {
    if bytes.len() > 8 {
        return None;
    }
    let mut padded = [0; 8];
    let mut at = 0;
    while at < bytes.len() {
        padded[at] = bytes[at];
        at += 1;
    }
    Some((u64::from_le_bytes(padded), bytes.len()))
}

/// The end of an anchor match with a trailing function word cut off.
fn without_trailing_function_word(text: &str, start: usize, end: usize) -> usize {
    let found = &text[start..end];
    match found.rsplit_once(char::is_whitespace) {
        Some((head, last)) if FUNCTION_WORDS.holds(last) => start + head.trim_end().len(),
        _ => end,
    }
}

/// The first word edge at or after `pos` (the end of `text` is one).
fn next_word_edge(text: &str, mut pos: usize) -> usize {
    while !is_word_edge(text, pos) {
        pos += text[pos..].chars().next().map_or(1, char::len_utf8);
    }
    pos
}

/// Where the word (letters and digits) that holds `pos` starts.
fn word_start(text: &str, pos: usize) -> usize {
    text[..pos]
        .char_indices()
        .rev()
        .take_while(|&(_, ch)| is_letter_or_digit(ch))
        .last()
        .map_or(pos, |(at, _)| at)
}

/// Is `pos` a word boundary: not between two letters or digits? Checked by hand
/// because a Unicode `\b` keeps the regex engine off its fast path.
fn is_word_edge(text: &str, pos: usize) -> bool {
    let before = text[..pos]
        .chars()
        .next_back()
        .is_some_and(is_letter_or_digit);
    let after = text[pos..].chars().next().is_some_and(is_letter_or_digit);
    !(before && after)
}

/// The abbreviations that do not end a sentence (`abbreviations.txt`).
#[derive(Debug, Default)]
pub struct Abbreviations {
    /// Lower-cased, inner spaces removed, with the final dot: `t.ex.`, `kl.`.
    words: rustc_hash::FxHashSet<String>,
    /// Those that may also close a sentence when a capitalised word follows: `m.m.`, `osv.`.
    can_end: rustc_hash::FxHashSet<String>,
    /// The most characters in one of `words`: a word with more (white space aside) is
    /// none, and most words before a full stop are, so they need not be lower-cased.
    longest: usize,
    /// The last three characters before the dot of each of `words` that ends in three
    /// lower-case ASCII letters (`ing` of `civ.ing.`): a word that ends in three such
    /// letters and no tail here is no abbreviation, whatever comes before.
    letter_tails: rustc_hash::FxHashSet<[u8; 3]>,
    pub entries: Vec<Entry<bool>>,
}

impl Abbreviations {
    /// Does the word that `before` ends with (the text up to a dot) end unlike every
    /// abbreviation, so that it is surely none? True where its last three characters are
    /// lower-case ASCII letters that no abbreviation ends with, as at most full stops:
    /// the segmenter then needs neither the word nor `contains`, which were a fifth of
    /// its instructions.
    pub(crate) fn ends_unlike_any(&self, before: &[u8]) -> bool {
        letter_tail(before).is_some_and(|tail| !self.letter_tails.contains(tail))
    }

    /// Is `word` (ending in its dot, any case) a known abbreviation?
    pub fn contains(&self, word: &str) -> bool {
        self.may_hold(word) && with_normalised(word, |key| self.words.contains(key))
    }

    /// May `word` close a sentence when a capitalised word follows?
    pub fn can_end_sentence(&self, word: &str) -> bool {
        self.may_hold(word) && with_normalised(word, |key| self.can_end.contains(key))
    }

    /// Is `word` short enough to be one? Lower-casing never makes fewer characters.
    fn may_hold(&self, word: &str) -> bool {
        // Counting stops one character past the longest.
        word.len() <= self.longest
            || (word.chars().filter(|ch| !ch.is_whitespace()))
                .nth(self.longest)
                .is_none()
    }
}

/// The last three bytes of `bytes` when they are lower-case ASCII letters: what
/// `Abbreviations::letter_tails` holds of each abbreviation and is asked of each word.
fn letter_tail(bytes: &[u8]) -> Option<&[u8; 3]> {
    bytes
        .last_chunk::<3>()
        .filter(|tail| tail.iter().all(u8::is_ascii_lowercase))
}

/// Calls `f` with `normalise_abbreviation(word)`, built on the stack and lower-cased
/// without the Unicode tables where Latin-1 allows: the segmenter asks once per full
/// stop, and most words there are capitalised or hold å, ä or ö.
fn with_normalised<R>(word: &str, f: impl FnOnce(&str) -> R) -> R {
    if is_normalised_abbreviation(word) {
        return f(word);
    }
    match StackLower::<64>::new(word.chars().filter(|c| !c.is_whitespace())) {
        Some(lower) => f(lower.as_str()),
        None => f(&normalise_abbreviation(word)),
    }
}

/// Plain lower-case words, the common case, are their own normal form.
fn is_normalised_abbreviation(word: &str) -> bool {
    word.bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'-'))
}

/// `word` as the abbreviation sets hold it: lower-cased, white space removed.
fn normalise_abbreviation(word: &str) -> std::borrow::Cow<'_, str> {
    if is_normalised_abbreviation(word) {
        return std::borrow::Cow::Borrowed(word);
    }
    word.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// All lexicons, compiled.
#[derive(Debug)]
pub struct Lexicons {
    pub abbreviations: Abbreviations,
    pub actors: PhraseLexicon<ActorCategory>,
    /// The `responsible` entries of `actors` alone: segmentation asks of every line
    /// whether it opens with one (`Ansvarig:`).
    pub responsibility: PhraseLexicon<ActorCategory>,
    pub commitment: PhraseLexicon<CommitmentCategory>,
    pub vague: PhraseLexicon<VagueCategory>,
    pub anchors: AnchorLexicon,
    pub sections: PhraseLexicon<SectionCategory>,
}

/// When the anchors' regexes are compiled (see `AnchorRegex`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Compile {
    /// While loading, so that a pattern that does not compile is reported with its line.
    AtLoad,
    /// Each on its first use: for the embedded lexicons, which the tests compile.
    OnFirstUse,
}

/// Which lexicons a command parses and compiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// All of them: labelling reads every one.
    Everything,
    /// Only what segmentation reads: the abbreviations and the actors (for the
    /// responsibility labels). `lofte segment` starts three times as fast without the
    /// anchors' regexes, which are most of the start-up.
    Segmentation,
}

/// The files of `FILES` that segmentation reads.
const SEGMENTATION_FILES: [&str; 2] = ["abbreviations.txt", "actors.txt"];

/// One malformed lexicon line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexiconProblem {
    pub source: Source,
    pub message: String,
}

impl fmt::Display for LexiconProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.source.line == 0 {
            write!(f, "{}: {}", self.source.file, self.message)
        } else {
            write!(f, "{}: {}", self.source, self.message)
        }
    }
}

/// Every problem found in a lexicon set; loading fails if there is any.
#[derive(Debug, thiserror::Error)]
pub struct LexiconError {
    pub problems: Vec<LexiconProblem>,
}

impl fmt::Display for LexiconError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self.problems.iter().map(ToString::to_string).collect();
        write!(f, "{}", lines.join("\n"))
    }
}

impl Lexicons {
    /// The lexicons compiled into the binary.
    pub fn embedded() -> Lexicons {
        Self::embedded_for(Scope::Everything)
    }

    /// The embedded lexicons that `scope` reads.
    pub fn embedded_for(scope: Scope) -> Lexicons {
        Self::from_texts(
            EMBEDDED
                .iter()
                .map(|(name, text)| (name.to_string(), text.to_string())),
            scope,
            Compile::OnFirstUse,
        )
        .expect("the embedded lexicons parse (checked by the lexicon tests)")
    }

    /// The text of each embedded lexicon file, for `lofte lexicon dump`.
    pub fn embedded_files() -> &'static [(&'static str, &'static str)] {
        &EMBEDDED
    }

    /// Reads every lexicon file from `dir`; a missing file is an error.
    pub fn from_dir(dir: &Path) -> Result<Lexicons, LexiconError> {
        Self::from_dir_for(dir, Scope::Everything)
    }

    /// Reads every lexicon file from `dir` and parses those that `scope` reads.
    pub fn from_dir_for(dir: &Path, scope: Scope) -> Result<Lexicons, LexiconError> {
        let texts = read_files(dir).map_err(|problems| LexiconError { problems })?;
        Self::from_texts(texts, scope, Compile::AtLoad)
    }

    /// Parses lexicon texts given as (file name, text), in the order of `FILES`.
    fn from_texts(
        files: impl IntoIterator<Item = (String, String)>,
        scope: Scope,
        compile: Compile,
    ) -> Result<Lexicons, LexiconError> {
        let files: Vec<(String, String)> = files.into_iter().collect();
        let (lexicons, problems) = Self::parse_all(&files, scope, compile);
        if problems.is_empty() {
            Ok(lexicons)
        } else {
            Err(LexiconError { problems })
        }
    }

    /// Parses every file, keeping the valid entries and every problem, so that a check
    /// can go on past a malformed line.
    fn parse_all(
        files: &[(String, String)],
        scope: Scope,
        compile: Compile,
    ) -> (Lexicons, Vec<LexiconProblem>) {
        let mut problems = Vec::new();
        // A file outside the scope is read as if empty.
        let text_of = |idx: usize| {
            let read = scope == Scope::Everything || SEGMENTATION_FILES.contains(&FILES[idx]);
            (&files[idx].0, if read { files[idx].1.as_str() } else { "" })
        };
        let (name, text) = text_of(0);
        let abbreviations = parse_abbreviations(name, text, &mut problems);
        let (name, text) = text_of(1);
        let actors = parse_phrases(name, text, parse_actor_category, &mut problems);
        let (name, text) = text_of(2);
        let commitment = parse_phrases(name, text, parse_commitment_category, &mut problems);
        let (name, text) = text_of(3);
        let vague = parse_phrases(name, text, parse_vague_category, &mut problems);
        let (name, text) = text_of(4);
        let anchors = parse_anchors(name, text, compile, &mut problems);
        let (name, text) = text_of(5);
        let sections = parse_phrases(name, text, parse_section_category, &mut problems);
        let responsibility = actors.only(|category| category == ActorCategory::Responsible);
        let lexicons = Lexicons {
            abbreviations,
            actors,
            responsibility,
            commitment,
            vague,
            anchors,
            sections,
        };
        (lexicons, problems)
    }
}

/// The text of every lexicon file in `dir`, as (path, text) in `FILES` order, or a
/// problem for each file that cannot be read.
fn read_files(dir: &Path) -> Result<Vec<(String, String)>, Vec<LexiconProblem>> {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for name in FILES {
        let path: PathBuf = dir.join(name);
        match std::fs::read_to_string(&path) {
            Ok(text) => files.push((path.display().to_string(), text)),
            Err(err) => problems.push(LexiconProblem {
                source: Source {
                    file: path.display().to_string(),
                    line: 0,
                },
                message: format!("cannot read lexicon file: {err}"),
            }),
        }
    }
    if problems.is_empty() {
        Ok(files)
    } else {
        Err(problems)
    }
}

/// What `lofte lexicon check` found: errors make a set unusable, warnings point at
/// entries that never make a difference.
#[derive(Debug, Default)]
pub struct CheckReport {
    pub errors: Vec<LexiconProblem>,
    pub warnings: Vec<LexiconProblem>,
    /// Entries per file, in `FILES` order.
    pub entries: Vec<(String, usize)>,
}

/// Checks the embedded lexicons, or the set in `dir`: syntax (as when loading), then
/// duplicate entries and entries shadowed by another entry of the same file.
pub fn check(dir: Option<&Path>) -> CheckReport {
    let files: Vec<(String, String)> = match dir {
        None => EMBEDDED
            .iter()
            .map(|(name, text)| (name.to_string(), text.to_string()))
            .collect(),
        Some(dir) => match read_files(dir) {
            Ok(files) => files,
            Err(errors) => {
                return CheckReport {
                    errors,
                    ..CheckReport::default()
                }
            }
        },
    };
    let (lexicons, errors) = Lexicons::parse_all(&files, Scope::Everything, Compile::AtLoad);
    let mut report = CheckReport {
        errors,
        entries: vec![
            (files[0].0.clone(), lexicons.abbreviations.entries.len()),
            (files[1].0.clone(), lexicons.actors.entries.len()),
            (files[2].0.clone(), lexicons.commitment.entries.len()),
            (files[3].0.clone(), lexicons.vague.entries.len()),
            (files[4].0.clone(), lexicons.anchors.entries.len()),
            (files[5].0.clone(), lexicons.sections.entries.len()),
        ],
        ..CheckReport::default()
    };
    check_phrases(&lexicons.actors, &mut report);
    check_phrases(&lexicons.commitment, &mut report);
    check_phrases(&lexicons.vague, &mut report);
    check_phrases(&lexicons.sections, &mut report);
    check_anchor_duplicates(&lexicons.anchors, &mut report);
    report
}

/// Duplicates (the same pattern twice) are errors; a one-word entry whose every word is
/// already matched by another one-word entry is shadowed: a warning, since it changes
/// nothing (same category) or loses to the other entry by file order (another category).
fn check_phrases<C: Copy + PartialEq + fmt::Debug>(
    lexicon: &PhraseLexicon<C>,
    report: &mut CheckReport,
) {
    let normalised: Vec<String> = lexicon
        .entries
        .iter()
        .map(|e| e.pattern.to_lowercase())
        .collect();
    // The first entry of each pattern (in lower case), looked up rather than searched
    // for: a researcher's list of 40,000 entries took seconds when every entry was
    // compared with all those before it.
    let mut first_of: rustc_hash::FxHashMap<&str, usize> = rustc_hash::FxHashMap::default();
    for (idx, pattern) in normalised.iter().enumerate() {
        first_of.entry(pattern.as_str()).or_insert(idx);
    }
    let first = |idx: usize| first_of[normalised[idx].as_str()];
    for (idx, entry) in lexicon.entries.iter().enumerate() {
        let first_at = first(idx);
        if first_at < idx {
            let other = &lexicon.entries[first_at];
            let message = if other.category == entry.category {
                format!(
                    "duplicate entry '{}' (first at line {})",
                    entry.pattern, other.source.line
                )
            } else {
                format!(
                    "'{}' is listed as {:?} here and as {:?} at line {}; keep one",
                    entry.pattern, entry.category, other.category, other.source.line
                )
            };
            report.errors.push(LexiconProblem {
                source: entry.source.clone(),
                message,
            });
        }
    }
    let forms: Vec<Option<Vec<WordForm>>> = lexicon
        .entries
        .iter()
        .map(|e| single_word_forms(&e.pattern))
        .collect();
    // The entries that have each form, so that the entries that may cover a word are
    // looked up by the word, its prefixes, its suffixes and its stem rather than found
    // by trying every entry (10,000 one-word entries took 0.8 s that way, and four
    // times as many sixteen times as long).
    let mut having: rustc_hash::FxHashMap<&WordForm, Vec<usize>> = Default::default();
    for (other, own) in forms.iter().enumerate() {
        for form in own.iter().flatten() {
            having.entry(form).or_default().push(other);
        }
    }
    let may_cover = |word: &str| -> Vec<usize> {
        let mut keys = vec![
            WordForm::Exact(word.to_string()),
            WordForm::Stem(crate::matcher::stem_word(word)),
        ];
        for (at, _) in word.char_indices().chain([(word.len(), ' ')]) {
            keys.push(WordForm::Prefix(word[..at].to_string()));
            keys.push(WordForm::Suffix(word[at..].to_string()));
        }
        let mut found: Vec<usize> = keys
            .iter()
            .filter_map(|key| having.get(key))
            .flatten()
            .copied()
            .collect();
        found.sort_unstable();
        found.dedup();
        found
    };
    for (idx, entry) in lexicon.entries.iter().enumerate() {
        let Some(own) = &forms[idx] else { continue };
        let words: Vec<&str> = own
            .iter()
            .map(|form| match form {
                WordForm::Exact(word) => Some(word.as_str()),
                _ => None,
            })
            .collect::<Option<Vec<_>>>()
            .unwrap_or_default();
        if words.is_empty() || first(idx) < idx {
            continue;
        }
        // Whatever covers every word covers the first, so it is among these, in order.
        let covering = may_cover(words[0]).into_iter().find(|&other| {
            other != idx
                && normalised[other] != normalised[idx]
                && lexicon.entries[other].priority >= entry.priority
                && forms[other]
                    .as_ref()
                    .is_some_and(|theirs| words.iter().all(|w| theirs.iter().any(|f| f.covers(w))))
        });
        if let Some(other_idx) = covering {
            let other = &lexicon.entries[other_idx];
            let message = if other.category == entry.category {
                format!(
                    "'{}' is shadowed by '{}' (line {}), which already matches it",
                    entry.pattern, other.pattern, other.source.line
                )
            } else {
                format!(
                    "'{}' ({:?}) is shadowed by '{}' ({:?}, line {}); give one of them priority=N",
                    entry.pattern, entry.category, other.pattern, other.category, other.source.line
                )
            };
            report.warnings.push(LexiconProblem {
                source: entry.source.clone(),
                message,
            });
        }
    }
}

fn check_anchor_duplicates(anchors: &AnchorLexicon, report: &mut CheckReport) {
    for (idx, entry) in anchors.entries.iter().enumerate() {
        if let Some(other) = anchors.entries[..idx]
            .iter()
            .find(|other| other.pattern == entry.pattern)
        {
            report.errors.push(LexiconProblem {
                source: entry.source.clone(),
                message: format!(
                    "duplicate anchor regex (first at line {})",
                    other.source.line
                ),
            });
        }
    }
}

/// Yields (line number, content) for every line that holds an entry.
fn entry_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines().enumerate().filter_map(|(idx, line)| {
        let content = match line
            .find(" #")
            .or_else(|| line.starts_with('#').then_some(0))
        {
            Some(cut) => &line[..cut],
            None => line,
        };
        let content = content.trim();
        (!content.is_empty()).then_some((idx + 1, content))
    })
}

fn split_category(content: &str) -> (&str, &str) {
    match content.split_once(char::is_whitespace) {
        Some((category, rest)) => (category, rest.trim()),
        None => (content, ""),
    }
}

fn parse_phrases<C: Copy>(
    file: &str,
    text: &str,
    parse_category: fn(&str) -> Option<C>,
    problems: &mut Vec<LexiconProblem>,
) -> PhraseLexicon<C> {
    let mut lexicon = PhraseLexicon {
        entries: Vec::new(),
        set: PhraseSet::default(),
    };
    for (line, content) in entry_lines(text) {
        let source = Source {
            file: file.to_string(),
            line,
        };
        let (category_name, pattern) = split_category(content);
        let Some(category) = parse_category(category_name) else {
            let expected = category_names(parse_category);
            problems.push(LexiconProblem {
                source,
                message: format!("unknown category '{category_name}' (expected: {expected})"),
            });
            continue;
        };
        let (pattern, priority) = match split_priority(pattern) {
            Ok(split) => split,
            Err(message) => {
                problems.push(LexiconProblem { source, message });
                continue;
            }
        };
        if pattern.is_empty() {
            problems.push(LexiconProblem {
                source,
                message: "missing pattern after the category".into(),
            });
            continue;
        }
        match lexicon.set.add(pattern) {
            Ok(_) => lexicon
                .entries
                .push(Entry::new(category, pattern, source, priority)),
            Err(err) => problems.push(LexiconProblem {
                source,
                message: err.0,
            }),
        }
    }
    lexicon
}

/// Splits an optional trailing `priority=N` off a pattern.
fn split_priority(pattern: &str) -> Result<(&str, i32), String> {
    match pattern.rsplit_once(char::is_whitespace) {
        Some((rest, last)) if last.starts_with("priority=") => {
            let value = &last["priority=".len()..];
            let priority = value.parse::<i32>().map_err(|_| {
                format!("priority '{value}' is not a whole number (write priority=2)")
            })?;
            Ok((rest.trim_end(), priority))
        }
        _ => Ok((pattern, 0)),
    }
}

/// Lists the category names a parser accepts, for error messages.
fn category_names<C>(parse_category: fn(&str) -> Option<C>) -> String {
    const ALL: [&str; 26] = [
        "police",
        "municipality",
        "both",
        "other",
        "we",
        "joint",
        "partner",
        "not-agent",
        "responsible",
        "body",
        "modal",
        "promise",
        "action",
        "goal",
        "exclude",
        "describe",
        "pledge",
        "process",
        "hedge",
        "condition",
        "amount",
        "frequency",
        "commitments",
        "goals",
        "background",
        "-",
    ];
    ALL.iter()
        .filter(|name| parse_category(name).is_some())
        .copied()
        .collect::<Vec<_>>()
        .join(", ")
}

fn parse_actor_category(name: &str) -> Option<ActorCategory> {
    Some(match name {
        "police" => ActorCategory::Police,
        "municipality" => ActorCategory::Municipality,
        "both" => ActorCategory::Both,
        "other" => ActorCategory::Other,
        "we" => ActorCategory::We,
        "joint" => ActorCategory::Joint,
        "partner" => ActorCategory::Partner,
        "not-agent" => ActorCategory::NotAgent,
        "responsible" => ActorCategory::Responsible,
        "body" => ActorCategory::Body,
        _ => return None,
    })
}

fn parse_commitment_category(name: &str) -> Option<CommitmentCategory> {
    Some(match name {
        "modal" => CommitmentCategory::Modal,
        "promise" => CommitmentCategory::Promise,
        "action" => CommitmentCategory::Action,
        "goal" => CommitmentCategory::Goal,
        "exclude" => CommitmentCategory::Exclude,
        "describe" => CommitmentCategory::Describe,
        "pledge" => CommitmentCategory::Pledge,
        _ => return None,
    })
}

fn parse_vague_category(name: &str) -> Option<VagueCategory> {
    Some(match name {
        "process" => VagueCategory::Process,
        "hedge" => VagueCategory::Hedge,
        "condition" => VagueCategory::Condition,
        "amount" => VagueCategory::Amount,
        "frequency" => VagueCategory::Frequency,
        _ => return None,
    })
}

fn parse_section_category(name: &str) -> Option<SectionCategory> {
    Some(match name {
        "commitments" => SectionCategory::Commitments,
        "goals" => SectionCategory::Goals,
        "background" => SectionCategory::Background,
        _ => return None,
    })
}

fn parse_anchor_kind(name: &str) -> Option<AnchorKind> {
    Some(match name {
        "quantity" => AnchorKind::Quantity,
        "frequency" => AnchorKind::Frequency,
        "date" => AnchorKind::Date,
        "deadline" => AnchorKind::Deadline,
        "period" => AnchorKind::Period,
        "deliverable" => AnchorKind::Deliverable,
        "place" => AnchorKind::Place,
        _ => return None,
    })
}

impl AnchorKind {
    /// Tie-break between anchors over the same words: lower is more specific.
    fn rank(self) -> u8 {
        match self {
            AnchorKind::Deadline => 0,
            AnchorKind::Date => 1,
            AnchorKind::Frequency => 2,
            AnchorKind::Quantity => 3,
            AnchorKind::Deliverable => 4,
            AnchorKind::Period => 5,
            AnchorKind::Place => 6,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AnchorKind::Quantity => "quantity",
            AnchorKind::Frequency => "frequency",
            AnchorKind::Date => "date",
            AnchorKind::Deadline => "deadline",
            AnchorKind::Period => "period",
            AnchorKind::Deliverable => "deliverable",
            AnchorKind::Place => "place",
        }
    }
}

impl VagueCategory {
    pub fn as_str(self) -> &'static str {
        match self {
            VagueCategory::Process => "process",
            VagueCategory::Hedge => "hedge",
            VagueCategory::Condition => "condition",
            VagueCategory::Amount => "amount",
            VagueCategory::Frequency => "frequency",
        }
    }
}

/// An anchor regex, or why it does not compile.
type CompiledAnchor = Result<AnchorRegex, String>;

fn parse_anchors(
    file: &str,
    text: &str,
    compile: Compile,
    problems: &mut Vec<LexiconProblem>,
) -> AnchorLexicon {
    let mut lines = Vec::new();
    for (line, content) in entry_lines(text) {
        let source = Source {
            file: file.to_string(),
            line,
        };
        let (kind_name, pattern) = split_category(content);
        match parse_anchor_kind(kind_name) {
            Some(kind) => lines.push((source, kind, pattern)),
            None => problems.push(LexiconProblem {
                source,
                message: format!(
                    "unknown anchor kind '{kind_name}' (expected: quantity, frequency, date, deadline, period, deliverable, place)"
                ),
            }),
        }
    }
    // Anchors match whole words (checked in `find_in_each`), case-insensitively.
    let prepare = |(_, _, pattern): &(Source, AnchorKind, &str)| {
        let triggers = trigger_words(pattern);
        let source = format!(r"(?i)(?:{})", with_letters_folded(pattern));
        let regex = match compile {
            Compile::AtLoad => AnchorRegex::new(source, triggers.is_some()),
            Compile::OnFirstUse => Ok(AnchorRegex::uncompiled(source, triggers.is_some())),
        };
        (regex, triggers)
    };
    // Compiling the regexes at load is most of the start-up with a lexicon folder, so it
    // is spread over the cores. Otherwise the work is light, and asking rayon's global
    // pool for it would start a thread per core that the run never uses again (and
    // `lofte segment`, which reads no anchors, would start them for nothing).
    let compiled: Vec<(CompiledAnchor, Option<PatternTriggers>)> = match compile {
        Compile::AtLoad => lines.par_iter().map(prepare).collect(),
        Compile::OnFirstUse => lines.iter().map(prepare).collect(),
    };
    let mut entries = Vec::new();
    let mut regexes = Vec::new();
    let mut edge_regexes = Vec::new();
    let mut words = Vec::new();
    for ((source, kind, pattern), (compiled, triggers)) in lines.into_iter().zip(compiled) {
        match compiled {
            // The only match possible in "" is an empty one. (Asking compiles the
            // pattern: a check for patterns compiled at load.)
            Ok(regex) if compile == Compile::AtLoad && regex.is_match_on_empty() => {
                problems.push(LexiconProblem {
                    source,
                    message: format!("regex '{pattern}' matches the empty string"),
                })
            }
            Ok(regex) => {
                regexes.push(regex);
                edge_regexes.push(EdgeRegexes::default());
                words.push(triggers);
                entries.push(Entry::new(kind, pattern, source, 0));
            }
            Err(err) => problems.push(LexiconProblem {
                source,
                message: format!("regex '{pattern}' does not compile: {}", first_line(&err)),
            }),
        }
    }
    AnchorLexicon {
        entries,
        regexes,
        triggers: Triggers {
            any_spacing: TriggerSet::new(&words, SearchVolume::Small),
            single_spaced: OnceLock::new(),
            searched: AtomicUsize::new(0),
        },
        edge_regexes,
    }
}

fn first_line(text: &str) -> String {
    text.lines()
        .rfind(|l| !l.trim().is_empty())
        .unwrap_or(text)
        .trim()
        .to_string()
}

fn parse_abbreviations(
    file: &str,
    text: &str,
    problems: &mut Vec<LexiconProblem>,
) -> Abbreviations {
    let mut abbreviations = Abbreviations::default();
    for (line, content) in entry_lines(text) {
        let source = Source {
            file: file.to_string(),
            line,
        };
        let (word, flag) = split_category(content);
        let can_end = match flag {
            "" => false,
            "end" => true,
            other => {
                problems.push(LexiconProblem {
                    source,
                    message: format!("unknown flag '{other}' (expected nothing or 'end')"),
                });
                continue;
            }
        };
        if !word.ends_with('.') {
            problems.push(LexiconProblem {
                source,
                message: format!("abbreviation '{word}' must end with its dot (write '{word}.')"),
            });
            continue;
        }
        let key = normalise_abbreviation(word).into_owned();
        if !abbreviations.words.insert(key.clone()) {
            problems.push(LexiconProblem {
                source,
                message: format!("duplicate abbreviation '{word}'"),
            });
            continue;
        }
        abbreviations.longest = abbreviations.longest.max(key.chars().count());
        if let Some(tail) = letter_tail(&key.as_bytes()[..key.len() - 1]) {
            abbreviations.letter_tails.insert(*tail);
        }
        if can_end {
            abbreviations.can_end.insert(key);
        }
        abbreviations
            .entries
            .push(Entry::new(can_end, word, source, 0));
    }
    abbreviations
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matcher::is_single_spaced;
    use std::sync::LazyLock;

    fn write_set(dir: &Path, overrides: &[(&str, &str)]) {
        for (name, text) in Lexicons::embedded_files() {
            let text = overrides
                .iter()
                .find(|(n, _)| n == name)
                .map_or(*text, |(_, t)| *t);
            std::fs::write(dir.join(name), text).unwrap();
        }
    }

    #[test]
    fn embedded_lexicons_parse() {
        let lexicons = Lexicons::embedded();
        assert!(lexicons.actors.entries.len() > 50);
        assert!(lexicons.abbreviations.contains("t.ex."));
        assert!(lexicons.abbreviations.contains("T. ex."));
        assert!(lexicons.abbreviations.can_end_sentence("m.m."));
        assert!(!lexicons.abbreviations.can_end_sentence("kl."));
    }

    #[test]
    fn embedded_lexicons_are_nfc_and_end_with_newline() {
        for (name, text) in Lexicons::embedded_files() {
            assert!(text.ends_with('\n'), "{name} must end with a newline");
            assert!(
                !text.contains('\u{308}') && !text.contains('\u{30a}'),
                "{name} has decomposed å/ä/ö"
            );
        }
    }

    #[test]
    fn every_malformed_line_is_reported_with_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        write_set(
            dir.path(),
            &[
                (
                    "vague.txt",
                    "# cues\nprocess verka för\nhedg vid behov\namount\n",
                ),
                ("anchors.txt", "quantity minst \\d+\ndate (\n"),
                ("abbreviations.txt", "t.ex.\nca\nt.ex.\n"),
            ],
        );
        let err = Lexicons::from_dir(dir.path()).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("vague.txt:3: unknown category 'hedg'"),
            "{text}"
        );
        assert!(text.contains("vague.txt:4: missing pattern"), "{text}");
        assert!(
            text.contains("anchors.txt:2: regex '(' does not compile"),
            "{text}"
        );
        assert!(
            text.contains("abbreviations.txt:2: abbreviation 'ca' must end with its dot"),
            "{text}"
        );
        assert!(
            text.contains("abbreviations.txt:3: duplicate abbreviation"),
            "{text}"
        );
        assert_eq!(err.problems.len(), 5);
    }

    #[test]
    fn missing_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        write_set(dir.path(), &[]);
        std::fs::remove_file(dir.path().join("actors.txt")).unwrap();
        let err = Lexicons::from_dir(dir.path()).unwrap_err();
        assert!(
            err.to_string()
                .contains("actors.txt: cannot read lexicon file"),
            "{err}"
        );
    }

    #[test]
    fn embedded_lexicons_pass_the_check_without_warnings() {
        let report = check(None);
        let all: Vec<String> = report
            .errors
            .iter()
            .chain(&report.warnings)
            .map(ToString::to_string)
            .collect();
        assert!(all.is_empty(), "{all:#?}");
        assert_eq!(report.entries.len(), FILES.len());
    }

    #[test]
    fn check_finds_duplicates_conflicts_and_shadowed_entries() {
        let dir = tempfile::tempdir().unwrap();
        write_set(
            dir.path(),
            &[(
                "actors.txt",
                "police polis*\npolice polisen\nmunicipality kommunen\nmunicipality kommunen\nother kommunen\nmunicipality skolan priority=2\nother *skolan\n",
            )],
        );
        let report = check(Some(dir.path()));
        let errors: Vec<String> = report.errors.iter().map(ToString::to_string).collect();
        let warnings: Vec<String> = report.warnings.iter().map(ToString::to_string).collect();
        assert!(
            errors
                .iter()
                .any(|e| e.contains("actors.txt:4: duplicate entry 'kommunen' (first at line 3)")),
            "{errors:?}"
        );
        assert!(
            errors.iter().any(|e| e.contains(
                "actors.txt:5: 'kommunen' is listed as Other here and as Municipality at line 3"
            )),
            "{errors:?}"
        );
        assert!(
            warnings
                .iter()
                .any(|w| w.contains("actors.txt:2: 'polisen' is shadowed by 'polis*' (line 1)")),
            "{warnings:?}"
        );
        // A higher priority keeps `skolan` from being shadowed by `*skolan`.
        assert!(
            !warnings.iter().any(|w| w.contains("'skolan'")),
            "{warnings:?}"
        );
    }

    #[test]
    fn check_finds_entries_shadowed_by_a_suffix_a_stem_or_an_alternative() {
        let dir = tempfile::tempdir().unwrap();
        write_set(
            dir.path(),
            &[(
                "actors.txt",
                "police närpolis\npolice *polis\nmunicipality socialtjänsten\nmunicipality ~socialtjänst\nother fältgruppen\nother fältgrupp|fältgruppen\nother *gruppen\n",
            )],
        );
        let warnings: Vec<String> = check(Some(dir.path()))
            .warnings
            .iter()
            .map(ToString::to_string)
            .collect();
        for expected in [
            "actors.txt:1: 'närpolis' is shadowed by '*polis' (line 2)",
            "actors.txt:3: 'socialtjänsten' is shadowed by '~socialtjänst' (line 4)",
            // The first entry that covers it is named, wherever it stands.
            "actors.txt:5: 'fältgruppen' is shadowed by 'fältgrupp|fältgruppen' (line 6)",
        ] {
            assert!(
                warnings.iter().any(|w| w.contains(expected)),
                "{expected}: {warnings:?}"
            );
        }
        assert_eq!(warnings.len(), 3, "{warnings:?}");
    }

    #[test]
    fn priority_must_be_a_number() {
        let dir = tempfile::tempdir().unwrap();
        write_set(
            dir.path(),
            &[("vague.txt", "hedge vid behov priority=hög\n")],
        );
        let err = Lexicons::from_dir(dir.path()).unwrap_err();
        assert!(
            err.to_string()
                .contains("vague.txt:1: priority 'hög' is not a whole number"),
            "{err}"
        );
    }

    #[test]
    fn anchor_regex_matching_empty_is_rejected() {
        let dir = tempfile::tempdir().unwrap();
        write_set(dir.path(), &[("anchors.txt", "quantity \\d*\n")]);
        let err = Lexicons::from_dir(dir.path()).unwrap_err();
        assert!(
            err.to_string().contains("matches the empty string"),
            "{err}"
        );
    }

    #[test]
    fn the_single_spaced_words_are_made_only_once_a_run_has_searched_enough() {
        let lexicons = Lexicons::embedded();
        let anchors = &lexicons.anchors;
        let unit = "Polisen ska genomföra minst fyra trygghetsvandringar i januari 2025.";
        let before = anchors.find_in_each(&[unit; 20]);
        assert!(anchors.triggers.single_spaced.get().is_none());
        let many = vec![unit; SINGLE_SPACED_AFTER / unit.len() + 1];
        let after = anchors.find_in_each(&many);
        assert!(anchors.triggers.single_spaced.get().is_some());
        let spans = |hits: &[AnchorHit]| hits.iter().map(|h| (h.start, h.end)).collect::<Vec<_>>();
        assert_eq!(spans(&before[0]), spans(&after[after.len() - 1]));
        assert_eq!(spans(&before[0]), [(23, 33), (54, 68)]);
    }

    #[test]
    fn an_anchor_s_forward_dfa_answers_as_the_full_regex_does() {
        // `\b` is Unicode here: on text with å, ä, ö the lazy DFA gives up and the full
        // regex must answer; the other two never make it give up.
        let patterns = [
            r"(?i)(?:\bpå\s+\w+\b)",
            r"(?i)(?:på\s+\p{L}+)",
            r"(?i)(?:minst\s+\d+)",
        ];
        let texts = [
            "Vi är på torget",
            "Ses på Stortorget i Hörby",
            "minst 4 gånger",
            "påminst 7",
        ];
        for pattern in patterns {
            let regex = AnchorRegex::new(pattern.to_string(), true).expect("compiles");
            assert!(
                regex.forward.get().is_some_and(Option::is_some),
                "{pattern}"
            );
            assert!(
                regex.full.get().is_none(),
                "{pattern}: full regex compiled at load"
            );
            let full = meta::Regex::new(pattern).expect("compiles");
            // Compiled on first use, the pattern is cut down for narrow text, as all
            // these texts are.
            let cut_down = AnchorRegex::uncompiled(pattern.to_string(), true);
            for (regex, kind) in [(&regex, Text::Any), (&cut_down, Text::Narrow)] {
                for text in texts {
                    assert!(is_narrow(text));
                    let mut cache = regex.cache(kind);
                    for at in (0..=text.len()).filter(|&at| text.is_char_boundary(at)) {
                        let expected = full
                            .search(
                                &Input::new(text)
                                    .span(at..text.len())
                                    .anchored(Anchored::Yes),
                            )
                            .map(|found| found.end());
                        assert_eq!(
                            regex.find_at(cache.as_deref_mut(), text, at, kind),
                            expected,
                            "{pattern} on {text} at {at} ({kind:?})"
                        );
                    }
                }
            }
            assert!(cut_down.forward_narrow.get().is_some() && cut_down.forward.get().is_none());
        }
        // The first pattern's DFA does give up there, so the fallback was tried above.
        let regex = AnchorRegex::new(patterns[0].to_string(), true).expect("compiles");
        let (dfa, pool) = regex.forward(Text::Any).expect("a forward DFA");
        let input = Input::new(texts[0])
            .span(7..texts[0].len())
            .anchored(Anchored::Yes);
        assert!(dfa.try_search_fwd(&mut pool.get(), &input).is_err());
        // A pattern without trigger words is compiled in full at once.
        let scanned = AnchorRegex::new(r"(?i)(?:\p{L}*skolan)".into(), false).expect("compiles");
        assert!(scanned.forward(Text::Any).is_none() && scanned.full.get().is_some());
        assert_eq!(scanned.find_from("i Västerskolan", 0), Some((2, 15)));
        assert!(!scanned.is_match_on_empty());
        assert!(AnchorRegex::new(r"(?i)(?:x?)".into(), true)
            .expect("compiles")
            .is_match_on_empty());
        let error = AnchorRegex::new(r"(?i)(?:minst (\d)".into(), true).unwrap_err();
        assert!(error.contains("unclosed group"), "{error}");
    }

    /// The embedded lexicons, loaded once for all the property tests' cases: each
    /// pattern compiles on its first use, not in every case.
    fn embedded_once() -> &'static Lexicons {
        static LEXICONS: std::sync::LazyLock<Lexicons> =
            std::sync::LazyLock::new(Lexicons::embedded);
        &LEXICONS
    }

    /// Each hit's span and the entry that found it, to compare two searches by.
    fn spans_and_rules(hits: &[AnchorHit]) -> Vec<(usize, usize, String)> {
        hits.iter()
            .map(|h| (h.start, h.end, h.entry.rule.to_string()))
            .collect()
    }

    #[test]
    fn embedded_anchors_compile_on_first_use_and_find_what_compiled_ones_find() {
        let compiled = |anchors: &AnchorLexicon| {
            let count = |done: &dyn Fn(&AnchorRegex) -> bool| {
                anchors.regexes.iter().filter(|r| done(r)).count()
            };
            (
                count(&|r| r.forward.get().is_some() || r.forward_narrow.get().is_some()),
                count(&|r| r.full.get().is_some()),
            )
        };
        let lazy = Lexicons::embedded().anchors;
        let files = EMBEDDED.map(|(name, text)| (name.to_string(), text.to_string()));
        let eager = Lexicons::from_texts(files, Scope::Everything, Compile::AtLoad)
            .expect("the embedded lexicons load")
            .anchors;
        assert_eq!(compiled(&lazy), (0, 0));
        let all = eager.regexes.len();
        assert_eq!(compiled(&eager).0, all);
        // A sentence compiles the patterns whose trigger words it holds, and those
        // scanned for in full.
        let summary = |hits: Vec<AnchorHit>| spans_and_rules(&hits);
        let sentence = "Polisen genomför minst 4 trygghetsvandringar per termin.";
        assert_eq!(
            summary(lazy.find_all(sentence)),
            summary(eager.find_all(sentence))
        );
        let (forward, _) = compiled(&lazy);
        assert!(forward > 0 && forward < all / 2, "{forward} of {all}");
        let texts = crate::testing::corpus_texts();
        for text in &texts {
            let units: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
            let lazy_hits: Vec<_> = lazy.find_in_each(&units).into_iter().map(summary).collect();
            let eager_hits: Vec<_> = eager
                .find_in_each(&units)
                .into_iter()
                .map(summary)
                .collect();
            assert_eq!(lazy_hits, eager_hits);
        }
    }

    #[test]
    fn trigger_guided_anchor_search_finds_what_scanning_every_pattern_finds() {
        let lexicons = Lexicons::embedded();
        let anchors = &lexicons.anchors;
        let single_spaced = anchors.triggers.single_spaced(&anchors.entries);
        for set in [&anchors.triggers.any_spacing, single_spaced] {
            let guided = set.guided.iter().filter(|&&g| g).count();
            assert!(guided * 10 > anchors.entries.len() * 9, "{guided} guided");
            let digits = set.ascii_digits.iter().filter(|&&d| d).count();
            assert!(digits >= 5, "{digits} guided by ASCII digits");
        }
        // Read single-spaced, the words are longer: `i januari`, not `i`.
        let count = |set: &TriggerSet| set.patterns_of.len();
        assert!(
            count(single_spaced) > count(&anchors.triggers.any_spacing) * 2,
            "{} words single-spaced, {} as written",
            count(single_spaced),
            count(&anchors.triggers.any_spacing)
        );
        let mut texts = crate::testing::corpus_units(&lexicons);
        texts.extend(
            [
                "MINST FYRA BESÖK PER MÅNAD, Varje Fredag i Västerskolan.",
                "Halveras senast 2024-06-30; xminst 5, per\u{1F}dag",
                "i Stationsområdet",
                "inom två veckor och vid 3 tillfällen, 10 procent, årskurs 8",
                "klart 2024-06-30 eller 30.06.24, den 3:e mars 2025 och 12 000 kronor",
                "a3 gånger, 7b procent, x2024-01-01",
                "GRUNDSKOLAN, Stortorget och handlingsplanen; 3skolan, x-skolan, skol-torget",
                "Skolgårdarna i centrum, planen på området vid Resecentrum",
            ]
            .map(String::from),
        );
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        // Another script's digits: the `\d` patterns are scanned for instead.
        let other_digits = ["٣ gånger per vecka och ٥٠ procent, men 4 gånger per år"];
        let scanned = anchors.find_in_each(&other_digits);
        assert_eq!(scanned.len(), 1);
        assert!(
            scanned[0].len() >= 3,
            "{:?}",
            scanned[0].iter().map(|h| h.start).collect::<Vec<_>>()
        );
        assert_eq!(
            scanned
                .iter()
                .flatten()
                .map(|h| (h.start, h.end))
                .collect::<Vec<_>>(),
            anchors
                .find_in_each_by_scanning(&other_digits)
                .iter()
                .flatten()
                .map(|h| (h.start, h.end))
                .collect::<Vec<_>>()
        );
        let summary = |found: Vec<Vec<AnchorHit>>| -> Vec<Vec<(usize, usize, String)>> {
            found.iter().map(|hits| spans_and_rules(hits)).collect()
        };
        // Text spaced otherwise (two spaces, a tab, an em space) uses the words as
        // written; these must still agree with scanning.
        let spaced_otherwise = [
            "minst  fyra besök per\tmånad i  januari 2025",
            "en gång\u{2003}per vecka, i\n\njanuari, senast den 30 juni 2025",
        ];
        for text in spaced_otherwise {
            assert!(!is_single_spaced(text));
            assert_eq!(
                summary(anchors.find_in_each(&[text])),
                summary(anchors.find_in_each_by_scanning(&[text])),
                "{text}"
            );
            assert!(!anchors.find_all(text).is_empty(), "{text}");
        }
        // The units are single-spaced: the longer words are the ones tried here.
        assert!(refs.iter().all(|text| is_single_spaced(text)));
        let fast = summary(anchors.find_in_each(&refs));
        let reference = summary(anchors.find_in_each_by_scanning(&refs));
        assert!(fast.iter().map(Vec::len).sum::<usize>() > 1000);
        for ((text, fast), reference) in texts.iter().zip(&fast).zip(&reference) {
            assert_eq!(fast, reference, "{text}");
        }
    }

    #[test]
    fn a_normal_form_too_long_for_the_stack_is_built_on_the_heap() {
        let word = "İ".repeat(30) + "Ä.";
        let expected = normalise_abbreviation(&word).into_owned();
        assert!(expected.len() > 64, "{}", expected.len());
        assert_eq!(with_normalised(&word, str::to_string), expected);
    }

    #[test]
    fn matching_at_the_start_of_a_line_needs_only_the_longest_entry_s_tokens() {
        let lexicons = Lexicons::embedded();
        let mut lines: Vec<String> = vec![
            "Ansvarig: Polisen och kommunen".into(),
            "ANSVAR : kommunen".into(),
            "Ansvariga parter: polisen".into(),
            "Huvudansvarig part för arbetet: kommunen".into(),
        ];
        for text in crate::testing::corpus_texts() {
            lines.extend(text.lines().map(String::from));
        }
        // Every lexicon, so that the first-byte gate is tried where it turns lines away
        // (the responsibility entries all start with a word) and where it cannot.
        fn matched_at_start<C: Copy>(lexicon: &PhraseLexicon<C>, lines: &[String]) -> usize {
            let spans = |hits: Vec<PhraseHit<'_, C>>| -> Vec<(usize, usize, usize)> {
                hits.iter().map(|h| (h.index, h.start, h.end)).collect()
            };
            let mut matched = 0;
            for line in lines {
                let full = spans(lexicon.find_at(&crate::matcher::tokenize(line), 0));
                matched += usize::from(!full.is_empty());
                assert_eq!(spans(lexicon.find_at_start(line)), full, "{line}");
            }
            matched
        }
        let matched = matched_at_start(&lexicons.actors, &lines);
        assert!(matched > 100, "{matched} lines start with an actor entry");
        let responsible = matched_at_start(&lexicons.responsibility, &lines);
        assert!(
            responsible > 20,
            "{responsible} lines start with a responsibility entry"
        );
        matched_at_start(&lexicons.commitment, &lines);
        matched_at_start(&lexicons.vague, &lines);
        matched_at_start(&lexicons.sections, &lines);
        let longest = lexicons.actors.set.longest_match().unwrap();
        assert!((3..20).contains(&longest), "{longest}");
    }

    #[test]
    fn every_lexicon_s_index_finds_what_trying_every_entry_finds() {
        let lexicons = Lexicons::embedded();
        let mut checked = 0;
        for unit in crate::testing::corpus_units(&lexicons) {
            let tokens = crate::matcher::tokenize(&unit);
            for set in [
                &lexicons.actors.set,
                &lexicons.commitment.set,
                &lexicons.vague.set,
                &lexicons.sections.set,
            ] {
                let found = set.find_all(&tokens);
                checked += found.len();
                assert_eq!(
                    *found,
                    set.find_all_by_trying_every_entry(&tokens),
                    "{unit}"
                );
            }
        }
        assert!(checked > 1000, "{checked} hits");
    }

    /// The overlap rule as it was first written: measures and places apart, each
    /// resolved on its own, then merged.
    fn longest_first_by_kinds(hits: Vec<AnchorHit<'_>>) -> Vec<AnchorHit<'_>> {
        fn resolve(mut hits: Vec<AnchorHit<'_>>) -> Vec<AnchorHit<'_>> {
            hits.sort_by_key(|h| (h.start, std::cmp::Reverse(h.end), h.entry.category.rank()));
            let mut kept: Vec<AnchorHit> = Vec::new();
            for hit in hits {
                if kept.last().is_none_or(|last| hit.start >= last.end) {
                    kept.push(hit);
                }
            }
            kept
        }
        let (places, measures): (Vec<_>, Vec<_>) = hits
            .into_iter()
            .partition(|hit| hit.entry.category == AnchorKind::Place);
        let mut kept = resolve(measures);
        kept.extend(resolve(places));
        kept.sort_by_key(|hit| (hit.start, hit.end));
        kept
    }

    proptest::proptest! {
        /// Resolving overlaps in place keeps what resolving measures and places apart
        /// keeps, in the same order.
        #[test]
        fn overlaps_are_resolved_as_by_kinds(
            spans in proptest::collection::vec((0usize..12, 1usize..5, 0usize..7), 0..12)
        ) {
            let kinds = [
                AnchorKind::Quantity,
                AnchorKind::Frequency,
                AnchorKind::Date,
                AnchorKind::Deadline,
                AnchorKind::Period,
                AnchorKind::Deliverable,
                AnchorKind::Place,
            ];
            let entries: Vec<Entry<AnchorKind>> = kinds
                .iter()
                .enumerate()
                .map(|(line, &kind)| {
                    let source = Source { file: "anchors.txt".into(), line: line + 1 };
                    Entry::new(kind, "x", source, 0)
                })
                .collect();
            let hits: Vec<AnchorHit> = spans
                .iter()
                .map(|&(start, len, kind)| AnchorHit { entry: &entries[kind], start, end: start + len })
                .collect();
            proptest::prop_assert_eq!(
                spans_and_rules(&longest_first(hits.clone())),
                spans_and_rules(&longest_first_by_kinds(hits))
            );
        }
    }

    /// `text` with each character upper-cased where `upper`, repeated, says so.
    fn with_case(text: &str, upper: &[bool]) -> String {
        text.chars()
            .zip(upper.iter().cycle())
            .map(|(ch, &up)| {
                if up {
                    ch.to_uppercase().next().unwrap()
                } else {
                    ch
                }
            })
            .collect()
    }

    #[test]
    fn the_tail_gate_turns_away_words_that_end_unlike_every_abbreviation() {
        let abbreviations = &Lexicons::embedded().abbreviations;
        let gated = |before: &str| abbreviations.ends_unlike_any(before.as_bytes());
        // No abbreviation ends in `sen` or `het`: these need no look-up.
        assert!(gated("Det gäller polisen"));
        assert!(gated("Polisen"));
        assert!(gated("i kommunen finns trygghet"));
        // `nummer.` and `civ.ing.` do; a capital, a dot, a digit or `å` among the last
        // three also sends the word to the look-up, as does a word of fewer than three.
        for before in [
            "ett nummer",
            "Eva Svensson civ.ing",
            "enligt SoL",
            "t.ex",
            "år 2024",
            "gå",
            "kl",
        ] {
            assert!(!gated(before), "{before}");
        }
    }

    #[test]
    fn an_anchor_drops_a_trailing_function_word_and_a_label_number_is_no_amount() {
        let anchors = &Lexicons::embedded().anchors;
        let texts = |text: &str| -> Vec<String> {
            anchors
                .find_all(text)
                .iter()
                .map(|hit| text[hit.start..hit.end].to_string())
                .collect()
        };
        // Upper case too: the words are compared lower-cased (`ÖVER` is `över`).
        assert_eq!(texts("Vi ordnar tre UNDER våren.")[0], "tre");
        assert_eq!(texts("Vi ordnar tre ÖVER sommaren.")[0], "tre");
        let quantities = anchors
            .find_all("Alla i ÅRSKURS 8 elever får besök.")
            .iter()
            .filter(|hit| hit.entry.category == AnchorKind::Quantity)
            .count();
        assert_eq!(quantities, 0, "`8 elever` after ÅRSKURS is a label");
        let unlabelled = anchors.find_all("Alla 8 elever får besök.");
        assert_eq!(unlabelled[0].entry.category, AnchorKind::Quantity);
        assert_eq!(
            texts("Vi ordnar tre undervisningspass."),
            ["tre undervisningspass"]
        );
        assert!(LABEL_WORDS.holds("Åk") && !LABEL_WORDS.holds("åker"));
    }

    #[test]
    fn letters_are_folded_as_the_case_insensitive_flag_folds_them() {
        let hir = |pattern: &str| regex_syntax::parse(pattern).expect("parses");
        assert_eq!(hir(r"(?i)\p{L}"), hir(&format!("(?i){LETTERS_FOLDED}")));
        // Every anchor pattern means under `(?i)` what it meant before.
        let anchors = Lexicons::embedded().anchors;
        let mut rewritten = 0;
        for entry in &anchors.entries {
            let folded = with_letters_folded(&entry.pattern);
            rewritten += usize::from(matches!(folded, Cow::Owned(_)));
            assert_eq!(
                hir(&format!("(?i)(?:{})", entry.pattern)),
                hir(&format!("(?i)(?:{folded})")),
                "{}",
                entry.pattern
            );
        }
        assert!(rewritten >= 10, "{rewritten}");
        assert_eq!(
            with_letters_folded(r"\pL+ och \p{L}{3,}"),
            format!(r"{LETTERS_FOLDED}+ och {LETTERS_FOLDED}{{3,}}")
        );
        // In a bracket class, negated, another class, under flags of its own, or not
        // a pattern at all: left as it is.
        for pattern in [
            r"[\p{L}-]+",
            r"\P{L}",
            r"\p{Lu}\p{Letter}",
            r"(?-i)\p{L}",
            r"(?i:x)\p{L}",
            r"(\p{L}",
        ] {
            assert!(
                matches!(with_letters_folded(pattern), Cow::Borrowed(p) if p == pattern),
                "{pattern}"
            );
        }
    }

    /// The longer alternative as the regex with the exact terminator finds it: the
    /// reference for `edge_match_end`.
    fn exact_edge_regex(pattern: &str) -> Regex {
        Regex::new(&format!(
            r"(?i)^((?:{pattern}))(?:[^\p{{Alphabetic}}\p{{N}}]|$)"
        ))
        .expect("compiles")
    }

    #[test]
    fn a_longer_alternative_ends_before_a_character_that_is_no_letter_or_number() {
        let lexicons = Lexicons::embedded();
        let anchors = &lexicons.anchors;
        let idx = anchors
            .entries
            .iter()
            .position(|entry| entry.pattern.starts_with("halvera|halveras"))
            .expect("the halvera entry");
        let cases = [
            ("halveras.", Some(8)),
            ("halveras", Some(8)),
            // Outside ASCII, the exact regex decides: a dash or a quote ends a word,
            // a letter, a digit of another script or the Kelvin sign does not.
            ("halvera– ", Some(7)),
            ("halvera\u{201D}", Some(7)),
            ("halveraå", None),
            ("halvera\u{663}", None),
            ("halvera\u{212A}", None),
            ("halverasö", None),
        ];
        for (window, expected) in cases {
            assert_eq!(anchors.edge_match_end(idx, window), expected, "{window}");
            assert_eq!(
                group_end(&exact_edge_regex(&anchors.entries[idx].pattern), window),
                expected,
                "{window}"
            );
        }
        let edge = &anchors.edge_regexes[idx];
        assert!(edge.loose.get().is_some() && edge.exact.get().is_some());
    }

    proptest::proptest! {
        /// The loose edge regex, checked by the exact one only before a character
        /// outside ASCII, finds what the exact one finds, for every anchor pattern.
        #[test]
        fn edge_matches_end_where_the_exact_terminator_says(
            phrase in 0usize..12,
            cut in 0usize..40,
            suffix in "[sSa åöé–”.,)1٣²\u{212A}\u{17F}\u{A0}]{0,3}",
        ) {
            // Compiled once for all cases: the anchors and each pattern's exact regex.
            static ANCHORS: LazyLock<(AnchorLexicon, Vec<Regex>)> = LazyLock::new(|| {
                let anchors = Lexicons::embedded().anchors;
                let exact = anchors.entries.iter().map(|e| exact_edge_regex(&e.pattern)).collect();
                (anchors, exact)
            });
            let phrases = [
                "halveras", "heltidstjänst", "minst 20 procent", "två gånger per termin",
                "varje fredag", "senast 30 juni 2022", "vecka 12", "hösten 2021",
                "en handlingsplan", "Västerskolan", "årskurs 8", "inom 24 timmar",
            ];
            let phrase = phrases[phrase];
            let cut = floor_char_boundary(phrase, cut.min(phrase.len()));
            let window = format!("{}{suffix}", &phrase[..cut]);
            let (anchors, exact) = &*ANCHORS;
            for (idx, entry) in anchors.entries.iter().enumerate() {
                proptest::prop_assert_eq!(
                    anchors.edge_match_end(idx, &window),
                    group_end(&exact[idx], &window),
                    "{} on {:?}", entry.pattern, window
                );
            }
        }
    }

    #[test]
    fn anchors_find_longest_non_overlapping() {
        let lexicons = Lexicons::embedded();
        let text = "minst två gånger per månad senast 30 juni 2020";
        let kinds: Vec<&str> = lexicons
            .anchors
            .find_all(text)
            .iter()
            .map(|hit| hit.entry.category.as_str())
            .collect();
        assert!(kinds.contains(&"frequency"), "{kinds:?}");
        assert!(kinds.contains(&"deadline"), "{kinds:?}");
    }

    proptest::proptest! {
        /// The trigger form is a space, then each character lower-cased where that keeps
        /// its length and each one neither letter nor digit made spaces: byte offsets
        /// move by one, never more.
        #[test]
        fn trigger_form_folds_each_character_that_keeps_its_length(
            text in "([A-Za-z0-9 .]|[ÅÄÖåäöÉİΣẞ×–\u{212A}\u{17F}]|\\PC){0,24}"
        ) {
            let mut expected = String::from(" ");
            for ch in text.chars() {
                let mut folded = ch.to_lowercase();
                match (folded.next(), folded.next()) {
                    _ if !ch.is_alphanumeric() => {
                        expected.extend(std::iter::repeat_n(' ', ch.len_utf8()))
                    }
                    (Some(low), None) if low.len_utf8() == ch.len_utf8() => expected.push(low),
                    _ => expected.push(ch),
                }
            }
            let form = trigger_form(&text);
            proptest::prop_assert_eq!(form.len(), text.len() + 1);
            proptest::prop_assert_eq!(form, expected.into_bytes());
        }

        /// Tried only where trigger words point, the anchor patterns find what scanning
        /// for each finds, also where words hold the places' words (`\p{L}*skolan`).
        #[test]
        fn trigger_guided_anchors_agree_with_scanning_on_any_words(
            words in proptest::collection::vec(
                "(skolan|Torget|plan|gården|området|centrum|minst|tre|per|vecka|2024|i|Å|x|3|-|–|”|,|\\.|Łódź|\u{212A}r|\u{f0b7}|€)",
                1..16,
            ),
            glue in proptest::collection::vec("( |)", 16),
        ) {
            let text: String = words
                .iter()
                .zip(&glue)
                .flat_map(|(word, glue)| [word.as_str(), glue.as_str()])
                .collect();
            let anchors = &embedded_once().anchors;
            let spans = |found: Vec<Vec<AnchorHit>>| -> Vec<(usize, usize, String)> {
                found.iter().flat_map(|hits| spans_and_rules(hits)).collect()
            };
            proptest::prop_assert_eq!(
                spans(anchors.find_in_each(&[&text])),
                spans(anchors.find_in_each_by_scanning(&[&text])),
                "{}", text
            );
        }

        /// On narrow text, each embedded anchor pattern cut down to `NARROW` matches
        /// where, and as far as, the whole pattern does.
        #[test]
        fn anchor_patterns_cut_down_match_as_the_whole_on_narrow_text(
            text in "(minst|Per|VECKA|skolan|i|på|Åby|årskurs|senast|kl|den|maj|2024|3|[ -~]|[\u{a0}-\u{ff}]|[\u{2000}-\u{206f}]|\u{f0b7}){0,16}"
        ) {
            proptest::prop_assert!(is_narrow(&text));
            for regex in embedded_once().anchors.regexes.iter().filter(|regex| regex.guided) {
                let mut cache = regex.cache(Text::Narrow);
                for at in (0..=text.len()).filter(|&at| text.is_char_boundary(at)) {
                    let whole = regex
                        .full()
                        .search(&Input::new(&text).span(at..text.len()).anchored(Anchored::Yes))
                        .map(|found| found.end());
                    proptest::prop_assert_eq!(
                        regex.find_at(cache.as_deref_mut(), &text, at, Text::Narrow),
                        whole,
                        "{} on {:?} at {}", regex.source, text, at
                    );
                }
            }
        }

        /// `is_narrow` says whether every character is one of `NARROW`.
        #[test]
        fn narrow_text_is_told_by_its_characters(
            text in "([a-zåäö .–”]|[\u{a0}-\u{ff}]|[\u{100}-\u{17f}]|[\u{2000}-\u{20ff}]|[\u{d7f0}-\u{d7ff}]|[\u{e000}-\u{f900}]|\\PC){0,40}"
        ) {
            let expected = text.chars().all(is_narrow_char);
            proptest::prop_assert_eq!(is_narrow(&text), expected);
        }

        /// Packed or not, a word list holds the same words, whatever their case (the
        /// Kelvin sign lower-cases to `k`, `İ` to two characters).
        #[test]
        fn word_lists_hold_their_words_in_any_case(
            word in "(under|ÖVER|Eller|ÅK|§|Paragraf|\u{212A}ap|\u{212A}APITEL|ÅRSKURS|[a-zåäöA-ZÅÄÖ\u{212A}\u{130}\u{0}]{0,9})"
        ) {
            let plain = |words: &[&str]| {
                StackLower::<24>::new(word.chars())
                    .is_some_and(|lower| words.contains(&lower.as_str()))
            };
            let function_word = FUNCTION_WORDS.holds(&word);
            proptest::prop_assert_eq!(function_word, plain(&FUNCTION_WORD_LIST), "{}", word);
            let label_word = LABEL_WORDS.holds(&word);
            proptest::prop_assert_eq!(label_word, plain(&LABEL_WORD_LIST), "{}", word);
        }

        /// Built on the stack or not, a word's normal form is the same.
        #[test]
        fn abbreviations_are_normalised_alike_on_the_stack(
            word in "[a-zA-ZåÅÖé.\\- \u{212A}\u{130}\u{1E9E}\u{3A3}\u{DE}\u{D7}]{0,40}",
        ) {
            let on_stack = with_normalised(&word, str::to_string);
            proptest::prop_assert_eq!(on_stack, normalise_abbreviation(&word).into_owned());
        }

        /// The tail gate in front of the abbreviation sets never turns one away: a word
        /// it calls no abbreviation, whatever its case and whatever letters or dots come
        /// first, is none.
        #[test]
        fn the_tail_gate_never_turns_an_abbreviation_away(
            extra in "[a-zA-Zå.]{0,3}",
            upper in proptest::collection::vec(proptest::bool::ANY, 12),
        ) {
            let abbreviations = &embedded_once().abbreviations;
            for entry in &abbreviations.entries {
                let cased = with_case(entry.pattern.trim_end_matches('.'), &upper);
                let word = extra.clone() + &cased;
                let before = format!("Det gäller {word}");
                if abbreviations.ends_unlike_any(before.as_bytes()) {
                    proptest::prop_assert!(!abbreviations.contains(&format!("{word}.")), "{:?}", word);
                }
            }
        }

        /// The length gate in front of the abbreviation sets never turns one away.
        #[test]
        fn abbreviations_are_found_in_any_case_and_length(
            extra in "[a-zA-ZåÅ. \u{212A}\u{130}\u{1E9E}]{0,3}",
            upper in proptest::collection::vec(proptest::bool::ANY, 12),
            extra_first in proptest::bool::ANY,
        ) {
            let abbreviations = &embedded_once().abbreviations;
            for entry in &abbreviations.entries {
                let cased = with_case(&entry.pattern, &upper);
                let word = if extra_first { extra.clone() + &cased } else { cased + &extra };
                let key = normalise_abbreviation(&word);
                proptest::prop_assert_eq!(
                    abbreviations.contains(&word),
                    abbreviations.words.contains(key.as_ref()),
                    "{:?}", word
                );
                proptest::prop_assert_eq!(
                    abbreviations.can_end_sentence(&word),
                    abbreviations.can_end.contains(key.as_ref()),
                    "{:?}", word
                );
            }
        }
    }
}
