//! Tokens and phrase matching: the one way every lexicon is matched against text.
//!
//! Input: a `&str` (a unit's text). Output: `Tokens` (lower-cased words, numbers and
//! punctuation with byte spans into the input) and, for a compiled `PhraseSet`, the
//! `Hit`s of its entries.
//!
//! A phrase pattern is a sequence of space-separated elements, each matching one token:
//! `ska` (the exact word), `åtag*` (a prefix), `*skolan` (a suffix), `~åtagande` (the
//! same Swedish Snowball stem), `<Name>` (a capitalised word), `<num>` (a number),
//! alternatives joined by `|` (`ska|skall`), and `...` for a gap of up to three words
//! (`verka ... för`). Patterns are indexed by their first element, so the cost of
//! matching grows with the length of the text, not with the number of entries.
//! A pattern written `/REGEX/` is a regular expression instead, matched on the
//! lower-cased tokens joined by single spaces (`t.ex.` reads `t . ex .` there).

use std::cell::{Cell, OnceCell, RefCell};
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};

use regex::Regex;
use rust_stemmers::{Algorithm, Stemmer};
// Fx hashing: the keys are short words from our own lexicons, so no attacker to fear,
// and the index is looked up a dozen times per token.
use rustc_hash::FxHashMap;
use smallvec::SmallVec;

/// Longest gap, in tokens, that `...` may stand for.
const MAX_GAP: usize = 3;

/// What a token is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Word,
    Number,
    Punct,
}

/// One token: its span in the source text and its lower-cased form in `Tokens::lower`.
/// Offsets are `u32`, as a unit is far shorter than 4 GiB: 20 bytes a token, not 32,
/// which is most of the memory that labelling a large document takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    start: u32,
    end: u32,
    lower_start: u32,
    lower_end: u32,
    pub kind: TokenKind,
    /// The source token starts with an upper-case letter.
    pub capitalised: bool,
}

/// The tokens of one text, with their lower-cased forms stored in one buffer.
#[derive(Debug, Default)]
pub struct Tokens {
    lower: String,
    pub list: Vec<Token>,
    /// Each token's Snowball stem, computed the first time a lexicon asks for it and
    /// then shared by every lexicon and stage.
    stems: OnceCell<Vec<OnceCell<String>>>,
    /// The hits of each phrase set matched so far, by set id: several stages ask for
    /// the same set's hits (the commitment cues up to five times a unit). Room for two
    /// within: most units are asked about one to three sets, and a vector of its own
    /// in each was a tenth of a large document's memory.
    hits: RefCell<SetHits>,
    /// Each token's word number in this thread's `WordMemo`, and the memory's
    /// generation they were taken in.
    word_ids: RefCell<(Option<u64>, Vec<u32>)>,
}

/// Each phrase set's hits in one unit, by set id.
type SetHits = SmallVec<[(usize, Rc<[Hit]>); 2]>;

impl Token {
    /// Where the token starts in the source text.
    pub fn start(&self) -> usize {
        self.start as usize
    }

    /// Where the token ends in the source text.
    pub fn end(&self) -> usize {
        self.end as usize
    }
}

impl Tokens {
    /// The byte span in the source text of tokens `from..to` (`to > from`).
    pub fn span(&self, from: usize, to: usize) -> std::ops::Range<usize> {
        self.list[from].start()..self.list[to - 1].end()
    }

    /// The Swedish Snowball stem of token `idx` (see `stem_word`).
    pub fn stem(&self, idx: usize) -> &str {
        // The table is made only for units where some lexicon asks for a stem.
        let stems = self
            .stems
            .get_or_init(|| vec![OnceCell::new(); self.list.len()]);
        stems[idx].get_or_init(|| stem_word(self.norm(idx)))
    }

    /// The lower-cased form of token `idx`.
    pub fn norm(&self, idx: usize) -> &str {
        let token = &self.list[idx];
        &self.lower[token.lower_start as usize..token.lower_end as usize]
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
}

/// Splits `text` into words (runs of letters and digits), numbers (runs of digits) and
/// single punctuation characters; whitespace separates tokens and is dropped.
pub fn tokenize(text: &str) -> Tokens {
    tokenize_at_most(text, usize::MAX)
}

/// The most of a text that is tokenised: 2 GiB, so that every offset, also into the
/// lower-cased copy (lower-casing grows a text by at most half), fits a `u32`. No unit
/// comes near it.
const MAX_TOKENISED: usize = 1 << 31;

/// The first `limit` tokens of `text`, as `tokenize` makes them.
pub fn tokenize_at_most(text: &str, limit: usize) -> Tokens {
    let text = &text[..floor_char_boundary(text, text.len().min(MAX_TOKENISED))];
    // Lower-cased whole where that keeps every character's length (all of Swedish): a
    // token's form then lies where the token does. Otherwise, and when only the first
    // tokens are wanted (the start of a line), each form is built.
    let whole = (limit == usize::MAX)
        .then(|| lower_in_place(text))
        .flatten();
    let aligned = whole.is_some();
    let mut tokens = Tokens {
        lower: whole.unwrap_or_else(|| String::with_capacity(text.len())),
        list: Vec::new(),
        stems: OnceCell::new(),
        hits: RefCell::default(),
        word_ids: RefCell::default(),
    };
    // The tokens are gathered in this thread's scratch vector and copied out at their
    // exact number: vectors sized by guess (a token per five bytes, grown where there
    // were more) were more than a quarter of a large document's memory, where fresh
    // memory costs page faults.
    let mut list = TOKEN_SCRATCH.take();
    list.clear();
    let bytes = text.as_bytes();
    let mut idx = 0;
    // Bytes below 0x80 are classified (and lower-cased) by table; only other characters
    // are decoded, and Latin-1 ones (å ä ö) are answered without the Unicode tables.
    while idx < bytes.len() && list.len() < limit {
        let (ch, class) = match bytes[idx] {
            byte if byte.is_ascii() => (char::from(byte), ASCII_CLASS[usize::from(byte)]),
            _ => {
                let ch = char_at(text, idx);
                (ch, non_ascii_class(ch))
            }
        };
        if class & SPACE != 0 {
            idx += ch.len_utf8();
            continue;
        }
        let start = idx;
        let lower_start = tokens.lower.len();
        let kind = if class & WORD != 0 {
            let mut end = idx;
            let mut ascii = true;
            loop {
                // ASCII letters and digits a byte at a time (a non-ASCII byte has no
                // class bits, so it stops the loop), lower-cased as one run; then one
                // other character, if it continues the word.
                let run = end;
                while let Some(&byte) = bytes.get(end) {
                    if ASCII_CLASS[usize::from(byte)] & WORD == 0 {
                        break;
                    }
                    end += 1;
                }
                if !aligned {
                    let run_lower = tokens.lower.len();
                    tokens.lower.push_str(&text[run..end]);
                    tokens.lower[run_lower..].make_ascii_lowercase();
                }
                match bytes.get(end) {
                    Some(byte) if !byte.is_ascii() => {
                        let next = char_at(text, end);
                        if !is_letter_or_digit(next) {
                            break;
                        }
                        ascii = false;
                        if !aligned {
                            push_lower(&mut tokens.lower, next);
                        }
                        end += next.len_utf8();
                    }
                    _ => break,
                }
            }
            let word = &text[start..end];
            // A number is ASCII digits only; most words start with a letter, and are
            // not looked at again.
            let digits = class & DIGIT != 0 && ascii && word.bytes().all(|b| b.is_ascii_digit());
            idx = end;
            if digits {
                TokenKind::Number
            } else {
                TokenKind::Word
            }
        } else {
            if !aligned {
                tokens.lower.push(ch);
            }
            idx += ch.len_utf8();
            TokenKind::Punct
        };
        let (lower_start, lower_end) = if aligned {
            (start, idx)
        } else {
            (lower_start, tokens.lower.len())
        };
        list.push(Token {
            start: start as u32,
            end: idx as u32,
            lower_start: lower_start as u32,
            lower_end: lower_end as u32,
            kind,
            capitalised: class & UPPER != 0,
        });
    }
    tokens.list = list.as_slice().to_vec();
    TOKEN_SCRATCH.set(list);
    tokens
}

thread_local! {
    /// Where `tokenize_at_most` gathers a text's tokens.
    static TOKEN_SCRATCH: Cell<Vec<Token>> = const { Cell::new(Vec::new()) };
}

/// `text` with every letter and digit lower-cased in its place (as `push_lower` lowers
/// it), or `None` when the lower case of one takes another number of bytes (`İ`, `ẞ`).
/// ASCII is lower-cased whole, many bytes at a time; other characters one by one.
fn lower_in_place(text: &str) -> Option<String> {
    let mut lower = text.to_ascii_lowercase();
    let mut at = 0;
    while let Some(offset) = first_non_ascii(&lower.as_bytes()[at..]) {
        at += offset;
        let ch = char_at(&lower, at);
        let len = ch.len_utf8();
        // Only letters and digits: a punctuation token keeps its character as it is.
        if is_letter_or_digit(ch) {
            let low = same_length_lower(ch)?;
            if low != ch {
                lower.replace_range(at..at + len, low.encode_utf8(&mut [0; 4]));
            }
        }
        at += len;
    }
    Some(lower)
}

/// The largest char boundary at or below `pos`.
pub(crate) fn floor_char_boundary(text: &str, mut pos: usize) -> usize {
    while !text.is_char_boundary(pos) {
        pos -= 1;
    }
    pos
}

/// Class bits of a character for the tokeniser: white space, part of a word (a letter
/// or digit), an ASCII digit, upper case.
const SPACE: u8 = 1;
const WORD: u8 = 2;
const DIGIT: u8 = 4;
const UPPER: u8 = 8;

/// The class bits of each byte; bytes from 0x80 have none (they are decoded instead).
static ASCII_CLASS: [u8; 256] = {
    let mut table = [0; 256];
    let mut byte = 0u8;
    while byte < 0x80 {
        table[byte as usize] = match byte {
            // `char::is_whitespace` in ASCII.
            b'\t'..=b'\r' | b' ' => SPACE,
            b'0'..=b'9' => WORD | DIGIT,
            b'A'..=b'Z' => WORD | UPPER,
            b'a'..=b'z' => WORD,
            _ => 0,
        };
        byte += 1;
    }
    table
};

/// The class bits of a character from U+0080 on (never `DIGIT`, which is for ASCII).
fn non_ascii_class(ch: char) -> u8 {
    if ch.is_whitespace() {
        SPACE
    } else if is_letter_or_digit(ch) {
        WORD | if ch.is_uppercase() { UPPER } else { 0 }
    } else {
        0
    }
}

/// `char::is_alphanumeric`, answered without the Unicode tables for ASCII and for
/// U+00C0 to U+00FF (Latin-1 letters, where å ä ö live), all letters but × and ÷.
pub(crate) fn is_letter_or_digit(ch: char) -> bool {
    match ch {
        _ if ch.is_ascii() => ch.is_ascii_alphanumeric(),
        'À'..='ÿ' => !matches!(ch, '×' | '÷'),
        _ => ch.is_alphanumeric(),
    }
}

/// Does `text` hold a numeric character outside ASCII (`٣`, `²`)? Only the characters
/// whose first byte is not 0xC3 are decoded: those of U+00C0 to U+00FF (`å`, `é`), most
/// of what else Swedish text holds, are none.
pub(crate) fn has_other_digits(text: &str) -> bool {
    uncommon_chars(text).any(char::is_numeric)
}

/// The characters of `text` outside ASCII and outside U+00C0 to U+00FF (`å`, `é`), in
/// order, found without decoding the rest (a few others of U+0080 to U+00BF, such as
/// the no-break space, come along).
pub(crate) fn uncommon_chars(text: &str) -> impl Iterator<Item = char> + '_ {
    let bytes = text.as_bytes();
    let mut at = 0;
    std::iter::from_fn(move || {
        at += first_other_lead_byte(&bytes[at..])?;
        let ch = char_at(text, at);
        at += ch.len_utf8();
        Some(ch)
    })
}

/// The offset of the first byte that starts a character outside ASCII and outside
/// U+00C0 to U+00FF: from 0xC0 up, but not 0xC3. Eight bytes are tested at a time.
fn first_other_lead_byte(bytes: &[u8]) -> Option<usize> {
    const LOWS: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let mut chunks = bytes.chunks_exact(8);
    let mut at = 0;
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        // The high bit of each byte whose two top bits are set (a lead byte of two or
        // more bytes), and of each byte equal to 0xC3 (exactly: no carry crosses bytes).
        let lead = word & (word << 1) & HIGHS;
        let c3 = word ^ 0xC3C3_C3C3_C3C3_C3C3;
        let is_c3 = !(((c3 & LOWS) + LOWS) | c3 | LOWS);
        let other = lead & !is_c3;
        if other != 0 {
            return Some(at + other.trailing_zeros() as usize / 8);
        }
        at += 8;
    }
    let rest = chunks.remainder();
    rest.iter()
        .position(|&b| b >= 0xC0 && b != 0xC3)
        .map(|offset| at + offset)
}

/// The byte ranges of the 32-byte blocks of `bytes` that hold a byte `flagged` says yes
/// to, in order. Each block is tested without branches, which the compiler turns into
/// vector compares: a text where such bytes are rare is passed over at little cost.
pub(crate) fn blocks_holding<'b>(
    bytes: &'b [u8],
    flagged: impl Fn(u8) -> bool + Copy + 'b,
) -> impl Iterator<Item = std::ops::Range<usize>> + 'b {
    const BLOCK: usize = 32;
    let mut start = 0;
    bytes.chunks(BLOCK).filter_map(move |block| {
        let range = start..start + block.len();
        start = range.end;
        block
            .iter()
            .fold(false, |any, &byte| any | flagged(byte))
            .then_some(range)
    })
}

/// The offset of the first byte outside ASCII: runs of ASCII are passed sixteen bytes
/// at a time.
pub(crate) fn first_non_ascii(bytes: &[u8]) -> Option<usize> {
    let mut at = 0;
    for block in bytes.chunks(16) {
        if !block.is_ascii() {
            return block
                .iter()
                .position(|b| !b.is_ascii())
                .map(|offset| at + offset);
        }
        at += block.len();
    }
    None
}

/// The character that starts at byte `idx` of `text`, a character boundary.
pub(crate) fn char_at(text: &str, idx: usize) -> char {
    match text.as_bytes()[idx] {
        byte if byte.is_ascii() => char::from(byte),
        _ => text[idx..].chars().next().expect("a character starts here"),
    }
}

/// Two spaces, as a searcher built once: `memmem::find` would build one per call, which
/// costs more than searching a unit's text.
static DOUBLE_SPACE: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"  "));

/// No white space but single ASCII spaces, and none at either end: the text of every
/// unit (byte scans; only the lead bytes of non-ASCII white space, 0xC2 0xE1 0xE2 0xE3,
/// are decoded).
pub(crate) fn is_single_spaced(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.first() == Some(&b' ') || bytes.last() == Some(&b' ') {
        return false;
    }
    // Each check is one vectorised scan.
    memchr::memchr3(b'\t', b'\n', b'\r', bytes).is_none()
        && memchr::memchr2(0x0B, 0x0C, bytes).is_none()
        && DOUBLE_SPACE.find(bytes).is_none()
        && non_ascii_spaces(text, 0, text.len()).next().is_none()
}

/// Is every one of `texts` single-spaced (`is_single_spaced`)? Asked of `joined`, the
/// texts joined by a separator with `separator_breaks` line breaks and no other white
/// space: one scan of each kind over the whole instead of one per text.
pub(crate) fn all_single_spaced(texts: &[&str], joined: &str, separator_breaks: usize) -> bool {
    let bytes = joined.as_bytes();
    texts
        .iter()
        .all(|text| !text.starts_with(' ') && !text.ends_with(' '))
        && memchr::memchr_iter(b'\n', bytes).count()
            == separator_breaks * texts.len().saturating_sub(1)
        && memchr::memchr3(b'\t', b'\r', 0x0B, bytes).is_none()
        && memchr::memchr(0x0C, bytes).is_none()
        && DOUBLE_SPACE.find(bytes).is_none()
        && non_ascii_spaces(joined, 0, joined.len()).next().is_none()
}

/// Where a text's lines break `is_single_spaced`: tabs, carriage returns, vertical
/// tabs, the first of two spaces, non-ASCII white space; line breaks and form feeds,
/// which end lines, are left out, and so is a carriage return before a line break.
/// Sorted, so that `spacing_fault_in` can ask of any trimmed stretch of one line
/// whether it is single-spaced, with one scan of the whole text instead of one per
/// stretch.
pub(crate) fn spacing_faults(text: &str) -> Vec<usize> {
    // Block by block, each searched for every kind of fault while it is in the cache:
    // one search of the whole text per kind read a large document from memory four
    // times (20 MB of prose: `lofte segment` took 0.155 s, now 0.147).
    spacing_faults_by_block(text, 16 * 1024)
}

/// `spacing_faults`, searching `block` bytes at a time.
fn spacing_faults_by_block(text: &str, block: usize) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut faults = Vec::new();
    // Where the search for double spaces goes on: pairs do not overlap (`    ` holds
    // two), so after a pair that ends on a block's first byte it goes on from the byte
    // after, as a search through the whole text would.
    let mut pairs_from = 0;
    let mut block_start = 0;
    while block_start < bytes.len() {
        let block_end = (block_start + block).min(bytes.len());
        let block_faults = faults.len();
        // A carriage return before a line break ends its line, outside any trimmed stretch.
        faults.extend(
            memchr::memchr3_iter(b'\t', b'\r', 0x0B, &bytes[block_start..block_end])
                .map(|at| block_start + at)
                .filter(|&at| !(bytes[at] == b'\r' && bytes.get(at + 1) == Some(&b'\n'))),
        );
        // With the next block's first byte, the partner of a space that ends this one.
        let pairs_end = (block_end + 1).min(bytes.len());
        let pairs_start = block_start.max(pairs_from);
        for at in DOUBLE_SPACE.find_iter(&bytes[pairs_start..pairs_end]) {
            faults.push(pairs_start + at);
            pairs_from = pairs_start + at + 2;
        }
        faults.extend(non_ascii_spaces(text, block_start, block_end));
        faults[block_faults..].sort_unstable();
        block_start = block_end;
    }
    faults
}

/// Where `text[start..end]` has non-ASCII white space (offsets into `text`): only the
/// bytes that can lead such a character (0xC2 0xE1 0xE2 0xE3) are searched for and
/// decoded.
fn non_ascii_spaces(text: &str, start: usize, end: usize) -> impl Iterator<Item = usize> + '_ {
    let bytes = &text.as_bytes()[start..end];
    let other_space = |&idx: &usize| char_at(text, idx).is_whitespace();
    memchr::memchr3_iter(0xC2, 0xE1, 0xE2, bytes)
        .chain(memchr::memchr_iter(0xE3, bytes))
        .map(move |at| start + at)
        .filter(other_space)
}

/// Does the stretch `start..end` of one line, trimmed, hold one of `faults`? If not,
/// it is single-spaced.
pub(crate) fn spacing_fault_in(faults: &[usize], start: usize, end: usize) -> bool {
    let first_after = faults.partition_point(|&at| at < start);
    faults.get(first_after).is_some_and(|&at| at < end)
}

fn push_lower(buffer: &mut String, ch: char) {
    match latin_1_lower(ch) {
        Some(lower) => buffer.push(lower),
        None => buffer.extend(ch.to_lowercase()),
    }
}

/// A short word's lower case, built on the stack character by character as `push_lower`
/// builds it (Latin-1 without the Unicode tables): for words looked up once per full
/// stop or line, where a `String` for each would cost more than the look-up.
pub(crate) struct StackLower<const N: usize> {
    bytes: [u8; N],
    len: usize,
}

impl<const N: usize> StackLower<N> {
    /// The lower case of `chars`, or `None` when it takes more than `N` bytes.
    #[inline]
    pub(crate) fn new(chars: impl IntoIterator<Item = char>) -> Option<Self> {
        let mut lower = StackLower {
            bytes: [0; N],
            len: 0,
        };
        for ch in chars {
            let fitted = match latin_1_lower(ch) {
                Some(low) => lower.push(low),
                None => ch.to_lowercase().all(|low| lower.push(low)),
            };
            if !fitted {
                return None;
            }
        }
        Some(lower)
    }

    #[inline]
    fn push(&mut self, ch: char) -> bool {
        let end = self.len + ch.len_utf8();
        if end > N {
            return false;
        }
        ch.encode_utf8(&mut self.bytes[self.len..end]);
        self.len = end;
        true
    }

    pub(crate) fn as_str(&self) -> &str {
        std::str::from_utf8(self.as_bytes()).expect("whole characters")
    }

    /// The UTF-8 bytes, for a look-up keyed by bytes (no check of them needed).
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

/// The lower case of `ch` when it is one character of the same length in UTF-8 (all of
/// Swedish; not `İ` or `ẞ`), found without the Unicode tables for Latin-1.
#[inline]
pub(crate) fn same_length_lower(ch: char) -> Option<char> {
    latin_1_lower(ch).or_else(|| {
        let mut folded = ch.to_lowercase();
        match (folded.next(), folded.next()) {
            (Some(low), None) if low.len_utf8() == ch.len_utf8() => Some(low),
            _ => None,
        }
    })
}

/// The lower case of an ASCII or Latin-1 character (one character, the same length in
/// UTF-8), without the Unicode tables; `None` for any other character.
pub(crate) fn latin_1_lower(ch: char) -> Option<char> {
    match ch {
        _ if ch.is_ascii() => Some(ch.to_ascii_lowercase()),
        // Latin-1 capitals (Å Ä Ö É) lie 0x20 below their small letters; × does not
        // change. From ß on, every character is its own lower case.
        'À'..='Þ' if ch != '×' => char::from_u32(u32::from(ch) + 0x20),
        '\u{80}'..='ÿ' => Some(ch),
        _ => None,
    }
}

thread_local! {
    /// This thread's memory of which entries each word can start, per phrase set, and
    /// the scratch space of matching, kept between calls so that matching a unit
    /// allocates only its result.
    static MEMO: RefCell<WordMemo> = RefCell::default();
}

/// How many distinct words `WordMemo` keeps before it starts afresh: about ten megabytes
/// a thread at most (the words, and a range per word for each of a run's phrase sets),
/// where a county's agreements use some tens of thousands of words.
const MEMO_WORDS: usize = 100_000;

/// How many phrase sets `WordMemo` keeps candidates for before it starts afresh (a
/// run uses a dozen; this bounds what sets made and dropped again can leave).
const MEMO_SETS: usize = 64;

/// The candidate entries of each word, per phrase set. Which entries can start at a
/// token depends, but for classes, on the token's lower-cased text and kind alone, and
/// the same words come back unit after unit: looking them up once per word, rather
/// than walking a set's indexes at every token, is most of the saving. Each word gets
/// a number once per unit (`Tokens::word_ids`); a set's memory is then a vector indexed
/// by that number.
#[derive(Default)]
struct WordMemo {
    /// The number of each word seen since the memory last started afresh, by kind.
    words: [FxHashMap<Box<str>, u32>; 3],
    /// How many words are numbered: the next number.
    known: u32,
    /// Counts the fresh starts, so that numbers taken before one are known to be stale.
    generation: u64,
    /// The candidates of each word number, by phrase set id.
    sets: FxHashMap<usize, SetMemo>,
    /// Scratch: a token's candidates with its class entries added.
    candidates: Vec<usize>,
    /// Scratch: the hits of the set being matched.
    hits: Vec<Hit>,
    /// The result of a set that finds nothing.
    no_hits: Rc<[Hit]>,
    /// At most this many distinct words before a fresh start, where a test sets fewer
    /// than `MEMO_WORDS`.
    word_limit: Option<usize>,
}

/// One phrase set's candidates per word number: a range of `entries`, or `UNKNOWN`.
#[derive(Default)]
struct SetMemo {
    ranges: Vec<(u32, u32)>,
    entries: Vec<usize>,
}

const UNKNOWN: (u32, u32) = (u32::MAX, 0);

impl WordMemo {
    /// The numbers of `tokens`' words, made (or checked) for this memory's generation.
    fn word_ids<'t>(&mut self, tokens: &'t Tokens) -> std::cell::Ref<'t, Vec<u32>> {
        if tokens.word_ids.borrow().0 != Some(self.generation) {
            let limit = self.word_limit.unwrap_or(MEMO_WORDS);
            // A unit's words are numbered in one generation, so a fresh start comes first.
            if self.known as usize + tokens.len() > limit || self.sets.len() > MEMO_SETS {
                self.start_afresh();
            }
            let mut ids = tokens.word_ids.borrow_mut();
            ids.1.clear();
            ids.1.reserve(tokens.len());
            for (idx, token) in tokens.list.iter().enumerate() {
                let words = &mut self.words[token.kind as usize];
                let norm = tokens.norm(idx);
                let id = match words.get(norm) {
                    Some(&id) => id,
                    None => {
                        words.insert(norm.into(), self.known);
                        self.known += 1;
                        self.known - 1
                    }
                };
                ids.1.push(id);
            }
            ids.0 = Some(self.generation);
        }
        std::cell::Ref::map(tokens.word_ids.borrow(), |ids| &ids.1)
    }

    fn start_afresh(&mut self) {
        self.words.iter_mut().for_each(FxHashMap::clear);
        self.known = 0;
        self.sets.clear();
        self.generation += 1;
    }
}

/// One element of a compiled pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Element {
    Exact(String),
    Prefix(String),
    Suffix(String),
    Stem(String),
    Name,
    Number,
}

/// A position in a pattern: alternatives for one token, or a gap.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Token(Vec<Element>),
    Gap,
}

/// A phrase pattern that failed to compile, with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError(pub String);

/// A match of entry `entry` over tokens `start..end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub entry: usize,
    pub start: usize,
    pub end: usize,
}

/// A set of phrase patterns compiled for matching; entry numbers are the order of `add`.
pub struct PhraseSet {
    /// Tells this set's hits apart in a `Tokens`' memory of them: unique per set made.
    id: usize,
    patterns: Vec<Vec<Step>>,
    by_exact: FxHashMap<String, Vec<usize>>,
    /// `prefix*` and `*suffix` first elements, in byte tries (suffixes reversed): one
    /// walk along a token finds every affix it has, however many lengths there are.
    by_prefix: AffixTrie,
    by_suffix: AffixTrie,
    by_stem: FxHashMap<String, Vec<usize>>,
    /// Patterns whose first element is a class (`<Name>`, `<num>`), tried at every
    /// capitalised word and number, each with the words the next token must be when
    /// the pattern goes on with plain words (`<Name> stad|stads`): that rules most out
    /// before any matching.
    by_class: Vec<(usize, Option<Vec<String>>)>,
    /// `/regex/` entries, matched on the spaced lower-cased token text.
    regexes: Vec<(usize, Regex)>,
    /// The most tokens a match of a token pattern can cover.
    longest: usize,
    /// The bytes a match's first token can start with (lower case), or every byte when
    /// some first element (a suffix, a stem, a class, a regex) could start with any.
    first_bytes: [bool; 256],
}

impl Default for PhraseSet {
    fn default() -> PhraseSet {
        static NEXT_ID: AtomicUsize = AtomicUsize::new(0);
        PhraseSet {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            patterns: Vec::new(),
            by_exact: FxHashMap::default(),
            by_prefix: AffixTrie::default(),
            by_suffix: AffixTrie::default(),
            by_stem: FxHashMap::default(),
            by_class: Vec::new(),
            regexes: Vec::new(),
            longest: 0,
            first_bytes: [false; 256],
        }
    }
}

impl std::fmt::Debug for PhraseSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PhraseSet({} patterns)", self.patterns.len())
    }
}

impl PhraseSet {
    /// Compiles `pattern` and adds it as the next entry.
    pub fn add(&mut self, pattern: &str) -> Result<usize, PatternError> {
        let entry = self.patterns.len();
        if let Some(body) = pattern
            .strip_prefix('/')
            .and_then(|rest| rest.strip_suffix('/'))
        {
            let regex = Regex::new(&format!("(?i){body}")).map_err(|err| {
                PatternError(format!(
                    "regex '{body}' does not compile: {}",
                    last_line(&err.to_string())
                ))
            })?;
            if regex.is_match("") {
                return Err(PatternError(format!(
                    "regex '{body}' matches the empty string"
                )));
            }
            self.regexes.push((entry, regex));
            self.patterns.push(Vec::new());
            self.first_bytes = [true; 256];
            return Ok(entry);
        }
        let steps = parse_pattern(pattern)?;
        let Step::Token(first) = &steps[0] else {
            return Err(PatternError("a pattern cannot start with '...'".into()));
        };
        for element in first {
            // A word or prefix starts with its own first byte; anything else could
            // start with any (a stem is not bound to its word's spelling here).
            match element {
                Element::Exact(word) | Element::Prefix(word) if !word.is_empty() => {
                    self.first_bytes[usize::from(word.as_bytes()[0])] = true;
                }
                _ => self.first_bytes = [true; 256],
            }
            match element {
                Element::Exact(word) => push_index(&mut self.by_exact, word, entry),
                Element::Prefix(prefix) => {
                    self.by_prefix.insert(prefix.bytes(), entry);
                }
                Element::Suffix(suffix) => {
                    self.by_suffix.insert(suffix.bytes().rev(), entry);
                }
                Element::Stem(stem) => push_index(&mut self.by_stem, stem, entry),
                Element::Name | Element::Number => {
                    if !self.by_class.iter().any(|&(known, _)| known == entry) {
                        let next_words = match steps.get(1) {
                            Some(Step::Token(next)) => next
                                .iter()
                                .map(|element| match element {
                                    Element::Exact(word) => Some(word.clone()),
                                    _ => None,
                                })
                                .collect(),
                            _ => None,
                        };
                        self.by_class.push((entry, next_words));
                    }
                }
            }
        }
        let span = steps
            .iter()
            .map(|step| match step {
                Step::Token(_) => 1,
                Step::Gap => MAX_GAP,
            })
            .sum();
        self.longest = self.longest.max(span);
        self.patterns.push(steps);
        Ok(entry)
    }

    /// Could a match start at the first token of `text`? Only its first byte is read:
    /// most lines are turned away before they are tokenised.
    pub fn may_start(&self, text: &str) -> bool {
        match text.trim_start().as_bytes().first() {
            Some(byte) if byte.is_ascii() => {
                self.first_bytes[usize::from(byte.to_ascii_lowercase())]
            }
            _ => true,
        }
    }

    /// The most tokens any match can cover, or `None` when a `/regex/` entry can
    /// cover any number.
    pub fn longest_match(&self) -> Option<usize> {
        self.regexes.is_empty().then_some(self.longest)
    }

    pub fn len(&self) -> usize {
        self.patterns.len()
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Every match of every entry, ordered by start token, then entry (shared with the
    /// tokens' memory of them, hence the `Rc`).
    pub fn find_all(&self, tokens: &Tokens) -> Rc<[Hit]> {
        if let Some((_, hits)) = tokens.hits.borrow().iter().find(|(id, _)| *id == self.id) {
            return Rc::clone(hits);
        }
        let hits = MEMO.with(|memo| self.find_all_in_memory(tokens, &mut memo.borrow_mut()));
        tokens.hits.borrow_mut().push((self.id, Rc::clone(&hits)));
        hits
    }

    /// `find_all` with this thread's `memo`. (A function of its own, so that the
    /// thread-local access around it stays small enough to be inlined whatever else the
    /// compiler sees.)
    fn find_all_in_memory(&self, tokens: &Tokens, memo: &mut WordMemo) -> Rc<[Hit]> {
        memo.hits.clear();
        self.find_all_remembering(tokens, memo);
        if memo.hits.is_empty() {
            // Most sets find nothing in most units: those share one empty list.
            Rc::clone(&memo.no_hits)
        } else {
            Rc::from(&memo.hits[..])
        }
    }

    /// `find_all` into `memo.hits`, with each word's candidates taken from (or added
    /// to) `memo`.
    fn find_all_remembering(&self, tokens: &Tokens, memo: &mut WordMemo) {
        let ids = memo.word_ids(tokens);
        let known = memo.known as usize;
        let WordMemo {
            sets,
            candidates,
            hits,
            ..
        } = memo;
        let remembered = sets.entry(self.id).or_default();
        if remembered.ranges.len() < known {
            remembered.ranges.resize(known, UNKNOWN);
        }
        for (start, &id) in ids.iter().enumerate() {
            let mut range = remembered.ranges[id as usize];
            // Most words start no entry of most sets: nothing more to look at.
            if range.1 == 0 && range != UNKNOWN && !self.may_start_class(tokens, start) {
                continue;
            }
            if range == UNKNOWN {
                candidates.clear();
                self.word_candidates(tokens, start, candidates);
                candidates.sort_unstable();
                candidates.dedup();
                range = (remembered.entries.len() as u32, candidates.len() as u32);
                remembered.entries.extend_from_slice(candidates);
                remembered.ranges[id as usize] = range;
            }
            let words = &remembered.entries[range.0 as usize..][..range.1 as usize];
            if self.may_start_class(tokens, start) {
                candidates.clear();
                candidates.extend_from_slice(words);
                self.class_candidates(tokens, start, candidates);
                candidates.sort_unstable();
                candidates.dedup();
                self.match_candidates(candidates, tokens, start, hits);
            } else {
                self.match_candidates(words, tokens, start, hits);
            }
        }
        if !self.regexes.is_empty() {
            self.find_regexes(tokens, hits);
            hits.sort_by_key(|hit| (hit.start, hit.entry));
        }
    }

    /// `find_all` without the tokens' or the thread's memory: the hits go to `hits`;
    /// `candidates` is scratch space.
    #[cfg(test)]
    fn find_all_into(&self, tokens: &Tokens, candidates: &mut Vec<usize>, hits: &mut Vec<Hit>) {
        for start in 0..tokens.len() {
            self.token_hits_at(tokens, start, candidates, hits);
        }
        if !self.regexes.is_empty() {
            self.find_regexes(tokens, hits);
            hits.sort_by_key(|hit| (hit.start, hit.entry));
        }
    }

    /// The matches that start at token `start`, in entry order (a label at the start of
    /// a line needs no search through the rest of it).
    pub fn find_at(&self, tokens: &Tokens, start: usize) -> Vec<Hit> {
        let mut hits = Vec::new();
        if start < tokens.len() {
            self.token_hits_at(tokens, start, &mut Vec::new(), &mut hits);
        }
        if !self.regexes.is_empty() {
            let mut found = Vec::new();
            self.find_regexes(tokens, &mut found);
            hits.extend(found.into_iter().filter(|hit| hit.start == start));
            hits.sort_by_key(|hit| hit.entry);
        }
        hits
    }

    /// Adds the matches of the token patterns that start at token `start`, in entry
    /// order; `candidates` is scratch space.
    fn token_hits_at(
        &self,
        tokens: &Tokens,
        start: usize,
        candidates: &mut Vec<usize>,
        hits: &mut Vec<Hit>,
    ) {
        candidates.clear();
        self.word_candidates(tokens, start, candidates);
        if self.may_start_class(tokens, start) {
            self.class_candidates(tokens, start, candidates);
        }
        candidates.sort_unstable();
        candidates.dedup();
        self.match_candidates(candidates, tokens, start, hits);
    }

    /// Adds the matches of the token patterns `candidates` (sorted) that start at
    /// token `start`.
    fn match_candidates(
        &self,
        candidates: &[usize],
        tokens: &Tokens,
        start: usize,
        hits: &mut Vec<Hit>,
    ) {
        for &entry in candidates {
            if let Some(end) = self.match_from(&self.patterns[entry], 1, tokens, start + 1) {
                hits.push(Hit { entry, start, end });
            }
        }
    }

    /// Matches the `/regex/` entries on the tokens joined by single spaces; a match
    /// counts when it starts and ends on token edges.
    fn find_regexes(&self, tokens: &Tokens, hits: &mut Vec<Hit>) {
        let mut spaced = String::with_capacity(tokens.lower.len() + tokens.len());
        let mut starts = Vec::with_capacity(tokens.len());
        let mut ends = Vec::with_capacity(tokens.len());
        for idx in 0..tokens.len() {
            if idx > 0 {
                spaced.push(' ');
            }
            starts.push(spaced.len());
            spaced.push_str(tokens.norm(idx));
            ends.push(spaced.len());
        }
        for (entry, regex) in &self.regexes {
            for found in regex.find_iter(&spaced) {
                let (Ok(start), Ok(last)) = (
                    starts.binary_search(&found.start()),
                    ends.binary_search(&found.end()),
                ) else {
                    continue;
                };
                hits.push(Hit {
                    entry: *entry,
                    start,
                    end: last + 1,
                });
            }
        }
    }

    /// The entries whose first element matches token `idx` by its text: an exact word,
    /// an affix or a stem (in no particular order, and perhaps twice). These depend on
    /// the token's lower-cased text and kind alone.
    fn word_candidates(&self, tokens: &Tokens, idx: usize, out: &mut Vec<usize>) {
        let norm = tokens.norm(idx);
        if let Some(entries) = self.by_exact.get(norm) {
            out.extend_from_slice(entries);
        }
        // An affix is whole characters, so bytes equal to it end (or start) on a
        // character boundary of the token.
        self.by_prefix.walk(norm.bytes(), out);
        self.by_suffix.walk(norm.bytes().rev(), out);
        if !self.by_stem.is_empty() && tokens.list[idx].kind == TokenKind::Word {
            if let Some(entries) = self.by_stem.get(tokens.stem(idx)) {
                out.extend_from_slice(entries);
            }
        }
        // Each index holds one kind of element, so whatever it returns matches the
        // token: no second check is needed (a test compares with checking every entry).
    }

    /// Only a capitalised word or a number can start a class pattern.
    fn may_start_class(&self, tokens: &Tokens, idx: usize) -> bool {
        let token = tokens.list[idx];
        !self.by_class.is_empty() && (token.capitalised || token.kind == TokenKind::Number)
    }

    /// Adds the class patterns (`<Name> …`, `<num> …`) that match at token `idx`, a
    /// capitalised word or a number. A word alternative beside the class
    /// (`<Name>|kommun`) is found by `word_candidates`.
    fn class_candidates(&self, tokens: &Tokens, idx: usize, out: &mut Vec<usize>) {
        for (entry, next_words) in &self.by_class {
            let entry = *entry;
            if let Some(words) = next_words {
                let next = (idx + 1 < tokens.len()).then(|| tokens.norm(idx + 1));
                if !next.is_some_and(|next| words.iter().any(|word| word == next)) {
                    continue;
                }
            }
            if let Step::Token(first) = &self.patterns[entry][0] {
                let norm = tokens.norm(idx);
                if first.iter().any(|e| element_matches(e, tokens, idx, norm)) {
                    out.push(entry);
                }
            }
        }
    }

    /// `find_all` without the index: every token pattern tried at every token.
    #[cfg(test)]
    pub(crate) fn find_all_by_trying_every_entry(&self, tokens: &Tokens) -> Vec<Hit> {
        let mut hits = Vec::new();
        for start in 0..tokens.len() {
            for (entry, steps) in self.patterns.iter().enumerate() {
                if steps.is_empty() {
                    continue;
                }
                if let Some(end) = self.match_from(steps, 0, tokens, start) {
                    hits.push(Hit { entry, start, end });
                }
            }
        }
        if !self.regexes.is_empty() {
            self.find_regexes(tokens, &mut hits);
            hits.sort_by_key(|hit| (hit.start, hit.entry));
        }
        hits
    }

    fn match_from(
        &self,
        steps: &[Step],
        step: usize,
        tokens: &Tokens,
        idx: usize,
    ) -> Option<usize> {
        if step == steps.len() {
            return Some(idx);
        }
        match &steps[step] {
            Step::Token(alternatives) => {
                if idx >= tokens.len() {
                    return None;
                }
                // The word is read once for all the alternatives.
                let norm = tokens.norm(idx);
                if alternatives
                    .iter()
                    .any(|e| element_matches(e, tokens, idx, norm))
                {
                    self.match_from(steps, step + 1, tokens, idx + 1)
                } else {
                    None
                }
            }
            Step::Gap => {
                // A gap skips words but never crosses the end of a clause.
                for skip_to in idx..=idx + MAX_GAP {
                    if let Some(end) = self.match_from(steps, step + 1, tokens, skip_to) {
                        return Some(end);
                    }
                    if skip_to >= tokens.len() || is_clause_break(tokens, skip_to) {
                        return None;
                    }
                }
                None
            }
        }
    }
}

fn is_clause_break(tokens: &Tokens, idx: usize) -> bool {
    tokens.list[idx].kind == TokenKind::Punct
        && matches!(tokens.norm(idx), "." | ":" | ";" | "!" | "?")
}

/// Does `element` match token `idx`, whose lower-cased form is `norm`?
fn element_matches(element: &Element, tokens: &Tokens, idx: usize, norm: &str) -> bool {
    match element {
        Element::Exact(word) => norm == word,
        Element::Prefix(prefix) => norm.starts_with(prefix.as_str()),
        Element::Suffix(suffix) => norm.ends_with(suffix.as_str()),
        Element::Stem(stem) => tokens.list[idx].kind == TokenKind::Word && tokens.stem(idx) == stem,
        Element::Name => tokens.list[idx].kind == TokenKind::Word && tokens.list[idx].capitalised,
        Element::Number => tokens.list[idx].kind == TokenKind::Number,
    }
}

/// The Swedish Snowball stem of a lower-cased word.
pub fn stem_word(word: &str) -> String {
    thread_local! {
        static STEMMER: Stemmer = Stemmer::create(Algorithm::Swedish);
    }
    STEMMER.with(|stemmer| stemmer.stem(word).into_owned())
}

fn push_index(index: &mut FxHashMap<String, Vec<usize>>, key: &str, entry: usize) {
    index.entry(key.to_string()).or_default().push(entry);
}

/// A byte trie from affixes to the entries that start with them. Affixes are never
/// empty (the pattern parser refuses a bare `*`), so the root, which would hold no
/// entries, is a table from first byte to node.
struct AffixTrie {
    nodes: Vec<TrieNode>,
    /// The node of each first byte, `NO_CHILD` where no affix starts with it.
    first_bytes: Box<[u32; 256]>,
}

const NO_CHILD: u32 = u32::MAX;

impl Default for AffixTrie {
    fn default() -> AffixTrie {
        AffixTrie {
            nodes: Vec::new(),
            first_bytes: Box::new([NO_CHILD; 256]),
        }
    }
}

#[derive(Default)]
struct TrieNode {
    /// Sorted by byte.
    edges: Vec<(u8, u32)>,
    entries: Vec<usize>,
}

impl AffixTrie {
    fn insert(&mut self, mut key: impl Iterator<Item = u8>, entry: usize) {
        let first = key.next().expect("an affix is never empty");
        let mut node = match self.first_bytes[usize::from(first)] {
            NO_CHILD => {
                self.first_bytes[usize::from(first)] = self.nodes.len() as u32;
                self.nodes.push(TrieNode::default());
                self.nodes.len() - 1
            }
            child => child as usize,
        };
        for byte in key {
            node = match self.nodes[node]
                .edges
                .binary_search_by_key(&byte, |&(b, _)| b)
            {
                Ok(at) => self.nodes[node].edges[at].1 as usize,
                Err(at) => {
                    let child = self.nodes.len();
                    self.nodes[node].edges.insert(at, (byte, child as u32));
                    self.nodes.push(TrieNode::default());
                    child
                }
            };
        }
        self.nodes[node].entries.push(entry);
    }

    /// Adds the entries of every affix that `key` starts with.
    fn walk(&self, mut key: impl Iterator<Item = u8>, out: &mut Vec<usize>) {
        // Most tokens share no first byte with any affix: one table look-up says so.
        let Some(first) = key.next() else {
            return;
        };
        let child = self.first_bytes[usize::from(first)];
        if child == NO_CHILD {
            return;
        }
        let mut node = &self.nodes[child as usize];
        out.extend_from_slice(&node.entries);
        for byte in key {
            let Ok(at) = node.edges.binary_search_by_key(&byte, |&(b, _)| b) else {
                return;
            };
            node = &self.nodes[node.edges[at].1 as usize];
            if !node.entries.is_empty() {
                out.extend_from_slice(&node.entries);
            }
        }
    }
}

/// How a one-word pattern matches a word, for checking which entries cover others.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum WordForm {
    Exact(String),
    Prefix(String),
    Suffix(String),
    Stem(String),
}

impl WordForm {
    /// Does this form match the exact word `word` (lower case)?
    pub fn covers(&self, word: &str) -> bool {
        match self {
            WordForm::Exact(exact) => exact == word,
            WordForm::Prefix(prefix) => word.starts_with(prefix.as_str()),
            WordForm::Suffix(suffix) => word.ends_with(suffix.as_str()),
            WordForm::Stem(stem) => stem_word(word) == *stem,
        }
    }
}

/// The word forms of a pattern that is one word long (`polis|polisen|kommunpolis*`);
/// `None` for longer patterns, classes and regular expressions.
pub fn single_word_forms(pattern: &str) -> Option<Vec<WordForm>> {
    if pattern.starts_with('/') {
        return None;
    }
    let steps = parse_pattern(pattern).ok()?;
    let [Step::Token(elements)] = steps.as_slice() else {
        return None;
    };
    elements
        .iter()
        .map(|element| match element {
            Element::Exact(word) => Some(WordForm::Exact(word.clone())),
            Element::Prefix(prefix) => Some(WordForm::Prefix(prefix.clone())),
            Element::Suffix(suffix) => Some(WordForm::Suffix(suffix.clone())),
            Element::Stem(stem) => Some(WordForm::Stem(stem.clone())),
            Element::Name | Element::Number => None,
        })
        .collect()
}

fn parse_pattern(pattern: &str) -> Result<Vec<Step>, PatternError> {
    let mut steps = Vec::new();
    for raw in pattern.split_whitespace() {
        if raw == "..." || raw == "…" {
            if matches!(steps.last(), None | Some(Step::Gap)) {
                return Err(PatternError("'...' must stand between two words".into()));
            }
            steps.push(Step::Gap);
            continue;
        }
        // `t.ex.` is written as one word in a lexicon but is several tokens in text.
        let parts = split_like_tokens(raw)?;
        for part in parts {
            steps.push(Step::Token(part));
        }
    }
    match steps.last() {
        None => Err(PatternError("empty pattern".into())),
        Some(Step::Gap) => Err(PatternError("'...' must stand between two words".into())),
        Some(_) => Ok(steps),
    }
}

/// Parses one space-free pattern word into the token elements it stands for.
fn split_like_tokens(raw: &str) -> Result<Vec<Vec<Element>>, PatternError> {
    if raw.contains('|') {
        let mut alternatives = Vec::new();
        for alternative in raw.split('|') {
            let mut elements = split_like_tokens(alternative)?;
            if elements.len() != 1 {
                return Err(PatternError(format!(
                    "alternative '{alternative}' in '{raw}' must be a single word"
                )));
            }
            alternatives.append(&mut elements[0]);
        }
        return Ok(vec![alternatives]);
    }
    match raw {
        "" => return Err(PatternError("empty alternative".into())),
        "<Name>" => return Ok(vec![vec![Element::Name]]),
        "<num>" => return Ok(vec![vec![Element::Number]]),
        _ => {}
    }
    if let Some(rest) = raw.strip_prefix('~') {
        check_word(rest, raw)?;
        return Ok(vec![vec![Element::Stem(stem_word(&rest.to_lowercase()))]]);
    }
    if let Some(rest) = raw.strip_suffix('*') {
        check_word(rest, raw)?;
        return Ok(vec![vec![Element::Prefix(rest.to_lowercase())]]);
    }
    if let Some(rest) = raw.strip_prefix('*') {
        check_word(rest, raw)?;
        return Ok(vec![vec![Element::Suffix(rest.to_lowercase())]]);
    }
    if raw.contains('*') || raw.contains('~') || raw.contains('<') {
        return Err(PatternError(format!(
            "'{raw}': '*' goes at the start or end of a word, '~' at the start, classes are <Name> and <num>"
        )));
    }
    let tokens = tokenize(raw);
    Ok((0..tokens.len())
        .map(|idx| vec![Element::Exact(tokens.norm(idx).to_string())])
        .collect())
}

fn last_line(text: &str) -> String {
    text.lines()
        .rfind(|l| !l.trim().is_empty())
        .unwrap_or(text)
        .trim()
        .to_string()
}

fn check_word(word: &str, raw: &str) -> Result<(), PatternError> {
    if word.is_empty() || !word.chars().all(char::is_alphanumeric) {
        return Err(PatternError(format!(
            "'{raw}': a '*' or '~' word must be letters and digits only"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::Strategy;

    #[test]
    fn each_set_s_remembered_hits_are_its_own() {
        let police = phrase_set(&["polis*", "ska"]);
        let municipality = phrase_set(&["kommunen", "ska"]);
        let tokens = tokenize("Polisen och kommunen ska ses");
        let spans = |hits: Rc<[Hit]>| hits.iter().map(|h| (h.entry, h.start)).collect::<Vec<_>>();
        for _ in 0..2 {
            assert_eq!(spans(police.find_all(&tokens)), [(0, 0), (1, 3)]);
            assert_eq!(spans(municipality.find_all(&tokens)), [(0, 2), (1, 3)]);
        }
        assert_eq!(tokens.hits.borrow().len(), 2);
        let (mut candidates, mut afresh) = (Vec::new(), Vec::new());
        police.find_all_into(&tokens, &mut candidates, &mut afresh);
        assert_eq!(*police.find_all(&tokens), afresh);
    }

    #[test]
    fn matches_at_one_token_are_the_matches_starting_there() {
        let set = phrase_set(&[
            "ansvarig|ansvariga :",
            "polis*",
            "*kommun",
            "~trygghetsvandring",
            "<Name> kommun",
            "/ansvar(ig)? :/",
            "i samverkan ... med",
        ]);
        let tokens = tokenize(
            "Ansvarig: Polisen och Tomelilla kommun, i samverkan med kommunen, trygghetsvandringar.",
        );
        let all = set.find_all(&tokens);
        assert!(all.len() >= 6, "{all:?}");
        for start in 0..tokens.len() {
            let mut expected: Vec<(usize, usize)> = all
                .iter()
                .filter(|hit| hit.start == start)
                .map(|hit| (hit.entry, hit.end))
                .collect();
            expected.sort();
            let found: Vec<(usize, usize)> = set
                .find_at(&tokens, start)
                .iter()
                .map(|hit| (hit.entry, hit.end))
                .collect();
            assert_eq!(found, expected, "at token {start}");
        }
    }

    /// A set of test patterns, each of which must compile.
    fn phrase_set(patterns: &[&str]) -> PhraseSet {
        let mut set = PhraseSet::default();
        for pattern in patterns {
            set.add(pattern).expect("test pattern compiles");
        }
        set
    }

    fn hits(patterns: &[&str], text: &str) -> Vec<(usize, String)> {
        let set = phrase_set(patterns);
        let tokens = tokenize(text);
        set.find_all(&tokens)
            .iter()
            .map(|hit| {
                let span = &text[tokens.span(hit.start, hit.end)];
                (hit.entry, span.to_string())
            })
            .collect()
    }

    #[test]
    fn the_index_finds_what_trying_every_entry_finds() {
        let set = phrase_set(&[
            "kommun",
            "kommun*",
            "*kommun",
            "~polis",
            "<num> procent",
            "<Name> stad",
            "<Name> stad|stads kommun",
            "<Name>|kommun|<num> och",
            "<num> ... gånger",
            "<num>",
            "polis|kommun ... samverkan",
            "å*",
            "*ö",
        ]);
        for text in [
            "Kommunen och kommun samt Storkommun, polisen 123 polis 20 procent Malmö stad",
            "Polis och kommun i samverkan: åtta år på ön i Kalmarö",
            "Ystad stads kommun höll 12 möten, 3 av dem två gånger i Ystad",
            "",
        ] {
            let tokens = tokenize(text);
            assert_eq!(
                *set.find_all(&tokens),
                set.find_all_by_trying_every_entry(&tokens),
                "{text}"
            );
        }
    }

    proptest::proptest! {
        /// Each word's remembered candidates give the hits of trying every entry, also
        /// when the memory starts afresh between units, and between two sets matched on
        /// the same units.
        #[test]
        fn remembered_candidates_give_the_hits_of_every_entry(
            texts in proptest::collection::vec(proptest::collection::vec(proptest::prop_oneof![
                "kommun", "Kommunen", "kommunens", "polisen", "Polis", "Ystad", "stad",
                "stads", "12", "procent", "och", "samverkan", "å", "ön", "Åre", ":", ".",
            ], 0..12), 1..6),
            word_limit in 1usize..30,
        ) {
            MEMO.with(|memo| memo.borrow_mut().word_limit = Some(word_limit));
            let sets = [
                phrase_set(&["kommun", "kommun*", "*kommun", "<Name> stad|stads", "<num> procent"]),
                phrase_set(&["~polis", "polis|kommun ... samverkan", "å*", "*ö", "<Name>|kommun"]),
            ];
            let all_tokens: Vec<Tokens> = texts.iter().map(|words| tokenize(&words.join(" "))).collect();
            for set in &sets {
                for tokens in &all_tokens {
                    proptest::prop_assert_eq!(
                        &*set.find_all(tokens),
                        &set.find_all_by_trying_every_entry(tokens)[..]
                    );
                }
            }
            MEMO.with(|memo| memo.borrow_mut().word_limit = None);
        }
    }

    #[test]
    fn tokens_are_lowercased_with_source_spans() {
        let text = "Polisen ÅTAR sig, t.ex. 2020";
        let tokens = tokenize(text);
        let norms: Vec<&str> = (0..tokens.len()).map(|i| tokens.norm(i)).collect();
        assert_eq!(
            norms,
            ["polisen", "åtar", "sig", ",", "t", ".", "ex", ".", "2020"]
        );
        assert_eq!(&text[tokens.span(1, 2)], "ÅTAR");
        assert_eq!(tokens.list[8].kind, TokenKind::Number);
        assert!(tokens.list[0].capitalised);
    }

    #[test]
    fn exact_prefix_suffix_and_alternatives() {
        let found = hits(
            &["ska|skall", "kommunpolis*", "*skolan", "åtar sig att"],
            "Kommunpolisen skall besöka Västerskolan och åtar sig att ringa.",
        );
        let spans: Vec<&str> = found.iter().map(|(_, s)| s.as_str()).collect();
        assert_eq!(
            spans,
            ["Kommunpolisen", "skall", "Västerskolan", "åtar sig att"]
        );
    }

    #[test]
    fn gap_spans_a_few_words_but_not_a_clause_end() {
        let found = hits(
            &["verka ... för"],
            "Vi ska verka aktivt och långsiktigt för trygghet.",
        );
        assert_eq!(
            found,
            vec![(0, "verka aktivt och långsiktigt för".to_string())]
        );
        assert!(hits(&["verka ... för"], "Vi ska verka. Det är för trygghet.").is_empty());
    }

    #[test]
    fn stem_matches_inflections() {
        let found = hits(&["~åtagande"], "Åtagandet gäller. Åtaganden är klara.");
        assert_eq!(found.len(), 2);
    }

    #[test]
    fn dotted_abbreviation_in_pattern_matches_token_sequence() {
        let found = hits(&["t.ex."], "Vi gör t.ex. vandringar.");
        assert_eq!(found, vec![(0, "t.ex.".to_string())]);
    }

    #[test]
    fn name_and_number_classes() {
        let found = hits(
            &["<Name> kommun", "minst <num>"],
            "Ystads kommun gör minst 20 besök.",
        );
        let spans: Vec<&str> = found.iter().map(|(_, s)| s.as_str()).collect();
        assert_eq!(spans, ["Ystads kommun", "minst 20"]);
    }

    #[test]
    fn regex_pattern_matches_on_token_edges() {
        let found = hits(
            &["/i (möjligaste|görligaste) mån/"],
            "Vi gör det i görligaste mån.",
        );
        assert_eq!(found, vec![(0, "i görligaste mån".to_string())]);
        assert!(
            hits(&["/ska/"], "Vi skall gå.").is_empty(),
            "a regex does not match inside a word"
        );
    }

    #[test]
    fn malformed_patterns_are_rejected_with_a_reason() {
        let mut set = PhraseSet::default();
        assert!(set.add("... för").is_err());
        assert!(set.add("verka ...").is_err());
        assert!(set.add("ve*rka").is_err());
        assert!(set.add("").is_err());
        assert!(set.add("/(/").is_err());
        assert!(set.add("/a*/").is_err());
    }

    #[test]
    fn a_space_pair_or_other_white_space_is_found_wherever_it_falls() {
        let words = "polisen och kommunen ska öka närvaron i centrum varje fredag";
        assert!(is_single_spaced(words));
        for at in (1..words.len()).filter(|&at| words.is_char_boundary(at)) {
            for inserted in [
                "  ", "\t", " \u{a0}", "\u{2003}", "\u{205f}", "\u{3000}", "\r",
            ] {
                let text = format!("{}{inserted}{}", &words[..at], &words[at..]);
                assert!(!is_single_spaced(&text), "{text:?}");
            }
        }
    }

    /// The tokeniser as first written, one decoded character at a time: the reference
    /// the byte-wise one is held to.
    fn tokenize_char_by_char(text: &str) -> Tokens {
        let mut tokens = Tokens::default();
        let mut chars = text.char_indices().peekable();
        while let Some((start, ch)) = chars.next() {
            if ch.is_whitespace() {
                continue;
            }
            let lower_start = tokens.lower.len() as u32;
            let mut end = start + ch.len_utf8();
            let kind = if ch.is_alphanumeric() {
                let mut all_digits = ch.is_ascii_digit();
                push_lower_slowly(&mut tokens.lower, ch);
                while let Some(&(idx, next)) = chars.peek() {
                    if !next.is_alphanumeric() {
                        break;
                    }
                    all_digits &= next.is_ascii_digit();
                    push_lower_slowly(&mut tokens.lower, next);
                    end = idx + next.len_utf8();
                    chars.next();
                }
                if all_digits {
                    TokenKind::Number
                } else {
                    TokenKind::Word
                }
            } else {
                tokens.lower.push(ch);
                TokenKind::Punct
            };
            tokens.list.push(Token {
                start: start as u32,
                end: end as u32,
                lower_start,
                lower_end: tokens.lower.len() as u32,
                kind,
                capitalised: ch.is_uppercase(),
            });
        }
        tokens
    }

    fn push_lower_slowly(buffer: &mut String, ch: char) {
        buffer.extend(ch.to_lowercase());
    }

    #[test]
    fn the_latin_1_shortcuts_agree_with_the_unicode_tables() {
        for ch in (0..0x800).filter_map(char::from_u32) {
            assert_eq!(is_letter_or_digit(ch), ch.is_alphanumeric(), "{ch:?}");
            let (mut fast, mut slow) = (String::new(), String::new());
            push_lower(&mut fast, ch);
            push_lower_slowly(&mut slow, ch);
            assert_eq!(fast, slow, "{ch:?}");
            if let Some(lower) = latin_1_lower(ch) {
                assert_eq!(lower.to_string(), slow, "{ch:?}");
            }
        }
    }

    #[test]
    fn class_bits_are_the_unicode_properties() {
        let class = |ch: char| match u8::try_from(ch) {
            Ok(byte) if byte.is_ascii() => ASCII_CLASS[usize::from(byte)],
            _ => non_ascii_class(ch),
        };
        // Every character below U+0800, and some beyond (white space, digits and
        // capitals of other scripts).
        let beyond = "\u{1680}\u{2000}\u{2028}\u{3000}\u{feff}٣०Ⅻ①ǅΣḀẞ𝟘𐐀漢";
        for ch in (0..0x800).filter_map(char::from_u32).chain(beyond.chars()) {
            let bits = class(ch);
            assert_eq!(bits & SPACE != 0, ch.is_whitespace(), "{ch:?}");
            assert_eq!(bits & WORD != 0, ch.is_alphanumeric(), "{ch:?}");
            assert_eq!(bits & DIGIT != 0, ch.is_ascii_digit(), "{ch:?}");
            // (No character is upper case without being a letter or digit.)
            assert_eq!(bits & UPPER != 0, ch.is_uppercase(), "{ch:?}");
        }
        // No byte of a longer character passes for ASCII.
        assert!(ASCII_CLASS[0x80..].iter().all(|&bits| bits == 0));
    }

    #[test]
    fn other_digits_are_every_numeric_character_outside_ascii() {
        let mut numeric = 0;
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let expected = !c.is_ascii() && c.is_numeric();
            numeric += usize::from(expected);
            assert_eq!(has_other_digits(&format!("å{c}ö")), expected, "{c:?}");
            assert_eq!(has_other_digits(&format!("–{c}")), expected, "{c:?}");
        }
        assert!(numeric > 1000, "{numeric}");
    }

    #[test]
    fn a_lower_case_on_the_stack_fits_its_bytes_exactly() {
        let lower = |text: &str| StackLower::<4>::new(text.chars()).map(|l| l.as_str().to_string());
        assert_eq!(lower("ABCD").as_deref(), Some("abcd"));
        assert_eq!(lower("ÅÄ").as_deref(), Some("åä"));
        assert_eq!(lower("Sİ").as_deref(), Some("si\u{307}"));
        assert_eq!(lower(""), Some(String::new()));
        for too_long in ["ABCDE", "ÅÄa", "Öİ", "ΣΣΣ"] {
            assert_eq!(lower(too_long), None, "{too_long}");
        }
    }

    proptest::proptest! {
        /// Eight bytes at a time, the first lead byte other than 0xC3 is the one a
        /// byte-by-byte search finds, wherever it stands and whatever bytes surround it.
        #[test]
        fn other_lead_bytes_are_found_as_byte_by_byte(
            bytes in proptest::collection::vec(proptest::prop_oneof![
                8 => 0u8..0x80,
                4 => proptest::strategy::Just(0xC3u8),
                2 => 0x80u8..0xC0,
                1 => 0xC0u8..=0xFF,
            ], 0..40),
        ) {
            let expected = bytes.iter().position(|&b| b >= 0xC0 && b != 0xC3);
            proptest::prop_assert_eq!(first_other_lead_byte(&bytes), expected);
        }
    }

    proptest::proptest! {
        /// The byte-wise tokeniser makes the tokens and lower-cased forms that decoding
        /// every character makes, and stops after `limit` tokens.
        #[test]
        fn tokens_are_those_of_the_character_by_character_tokeniser(
            pieces in proptest::collection::vec(proptest::prop_oneof![
                20 => "[a-zA-Z0-9]{1,6}",
                6 => "[ .,:;!?()/%§-]",
                4 => "[åäöÅÄÖéÉüß]",
                2 => "[\t\n\u{a0}\u{2003}\u{3000}]",
                2 => "[İΣσǅǄ²½٣\u{0301}\u{2013}\u{201D}…€漢]",
            ], 0..40),
            limit in 0usize..30,
        ) {
            let text = pieces.concat();
            let reference = tokenize_char_by_char(&text);
            let tokens = tokenize(&text);
            // The forms may lie elsewhere in the lower-cased buffer, but read the same.
            let spans = |tokens: &Tokens| -> Vec<(usize, usize, TokenKind, bool)> {
                tokens.list.iter().map(|t| (t.start(), t.end(), t.kind, t.capitalised)).collect()
            };
            let norms = |tokens: &Tokens| -> Vec<String> {
                (0..tokens.len()).map(|idx| tokens.norm(idx).to_string()).collect()
            };
            proptest::prop_assert_eq!(spans(&tokens), spans(&reference), "{:?}", text);
            proptest::prop_assert_eq!(norms(&tokens), norms(&reference), "{:?}", text);
            let first = tokenize_at_most(&text, limit);
            let wanted = limit.min(reference.list.len());
            proptest::prop_assert_eq!(&spans(&first)[..], &spans(&reference)[..wanted]);
            proptest::prop_assert_eq!(&norms(&first)[..], &norms(&reference)[..wanted]);
        }
    }

    #[test]
    fn runs_of_spaces_are_cut_into_the_same_pairs_whatever_the_block() {
        // A run of spaces across a block's end: pairs do not overlap, so the block after
        // one that ends on its first byte goes on from the next byte (four spaces after
        // a block of two were once found as one pair, not two).
        for pad in 0..6 {
            for run in 2..9 {
                let text = format!("{}a{}b", "x".repeat(pad), " ".repeat(run));
                for block in 1..9 {
                    assert_eq!(
                        spacing_faults_by_block(&text, block),
                        spacing_faults(&text),
                        "{text:?}, blocks of {block}"
                    );
                }
                let text = text.trim_end_matches('b');
                for block in 1..9 {
                    assert_eq!(
                        spacing_faults_by_block(text, block),
                        spacing_faults_by_block(text, text.len()),
                        "{text:?}, blocks of {block}"
                    );
                }
            }
        }
    }

    proptest::proptest! {
        /// `is_single_spaced` says whether the text is its words joined by one space.
        #[test]
        fn single_spaced_is_words_joined_by_one_space(
            pieces in proptest::collection::vec(proptest::prop_oneof![
                40 => "[a-zåäö.,]",
                4 => " ",
                1 => "[\t\n\r\u{0B}\u{0C}\u{85}\u{A0}\u{1680}\u{2000}-\u{200B}\u{2028}\u{2029}\u{202F}\u{205F}\u{3000}]",
                1 => "[\u{86}\u{A1}\u{1681}\u{1E9A}\u{2013}\u{201D}\u{2027}\u{202A}\u{2030}\u{205E}\u{2060}\u{3001}\u{3080}]",
            ], 0..90)
        ) {
            let text = pieces.concat();
            let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
            proptest::prop_assert_eq!(is_single_spaced(&text), text == joined, "{:?}", text);
        }

        /// Asked of texts joined by a separator, `all_single_spaced` answers as
        /// `is_single_spaced` of each text does.
        #[test]
        fn all_single_spaced_answers_for_each_text(
            texts in proptest::collection::vec(
                proptest::collection::vec(proptest::prop_oneof![
                    40 => "[a-zåäö.,]",
                    6 => " ",
                    1 => "[\t\n\r\u{0B}\u{0C}\u{A0}\u{2003}]",
                ], 0..20).prop_map(|pieces: Vec<String>| pieces.concat()),
                0..6,
            )
        ) {
            let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
            let joined = texts.join("\n\u{1F}\n");
            proptest::prop_assert_eq!(
                all_single_spaced(&texts, &joined, 2),
                texts.iter().all(|text| is_single_spaced(text)),
                "{:?}", texts
            );
        }

        /// Asked of any trimmed stretch of one line, the text's spacing faults give the
        /// answer `is_single_spaced` gives for the stretch.
        #[test]
        fn spacing_faults_answer_for_every_trimmed_stretch_of_a_line(
            pieces in proptest::collection::vec(proptest::prop_oneof![
                40 => "[a-zåäö.,]",
                6 => " ",
                2 => "[\n\u{0C}]",
                1 => "[\t\r\u{0B}\u{85}\u{A0}\u{1680}\u{2000}-\u{200B}\u{2028}\u{2029}\u{202F}\u{205F}\u{3000}]",
                1 => "[\u{86}\u{A1}\u{1681}\u{1E9A}\u{2013}\u{201D}\u{2027}\u{202A}\u{2030}\u{205E}\u{2060}\u{3001}\u{3080}]",
            ], 0..90),
            cuts in proptest::collection::vec((0usize..200, 0usize..200), 1..20),
            block in 1usize..9,
        ) {
            let text = pieces.concat();
            let faults = spacing_faults(&text);
            // Searched in small blocks, the text has the same faults: none found twice
            // across a block's end, none lost there.
            proptest::prop_assert_eq!(&spacing_faults_by_block(&text, block), &faults);
            let boundaries: Vec<usize> = (0..=text.len()).filter(|&i| text.is_char_boundary(i)).collect();
            for (a, b) in cuts {
                let (a, b) = (boundaries[a % boundaries.len()], boundaries[b % boundaries.len()]);
                let stretch = text[a.min(b)..a.max(b)].trim();
                if stretch.contains(['\n', '\u{0C}']) {
                    continue;
                }
                let start = stretch.as_ptr() as usize - text.as_ptr() as usize;
                proptest::prop_assert_eq!(
                    !spacing_fault_in(&faults, start, start + stretch.len()),
                    is_single_spaced(stretch),
                    "{:?} in {:?}", stretch, text
                );
            }
        }
    }
}
