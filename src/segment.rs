//! Segmentation: where does a unit start and end? (ANNOTATION.md §1)
//!
//! Input: a document's decoded text and the abbreviation lexicon. Output: `Vec<Unit>`
//! with byte spans into that text, the unit kind, the unit text, and the layout context
//! (nearest heading, introducing lead-in, page).
//!
//! The work is done layout first, sentences second. Lines are classified (blank, page
//! furniture, bullet or numbered item, responsibility line, heading candidate, text),
//! grouped into blocks (paragraph, item, heading), hard-wrapped lines are joined and
//! words hyphenated across a line break are mended, and only then is each block split
//! into sentences with the Swedish abbreviation list. Punctuation-only splitters lose
//! their last points on exactly the structure that layout gives away for free.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::num::NonZeroU32;
use std::sync::{Arc, LazyLock};

use regex::Regex;
use rustc_hash::FxHashMap;
use smallvec::{smallvec, SmallVec};

use crate::hugepages;
use crate::lexicon::Lexicons;
use crate::matcher::{
    is_letter_or_digit, is_single_spaced, spacing_fault_in, spacing_faults, StackLower,
};
use crate::model::{Unit, UnitKind, UnitLink, UnitText};

/// Splits a document's text into units. A unit that reads word for word as a stretch
/// of the text shares it (`UnitText`), hence the `Arc`.
///
/// ```
/// use std::sync::Arc;
/// use lofte::{lexicon::Lexicons, segment::segment};
/// let lexicons = Lexicons::embedded();
/// let text = Arc::new("Polisens åtaganden\n\nPolisen lovar att:\n• genomföra minst åtta trygghetsvandringar\n• besöka skolorna, t.ex. Västerskolan. Det sker kl. 18.30 varje fredag.\n".to_string());
/// let units = segment(&text, &lexicons);
/// let texts: Vec<&str> = units.iter().map(|u| u.text.as_str()).collect();
/// assert_eq!(texts, [
///     "Polisens åtaganden",
///     "Polisen lovar att:",
///     "genomföra minst åtta trygghetsvandringar",
///     "besöka skolorna, t.ex. Västerskolan. Det sker kl. 18.30 varje fredag.",
/// ]);
/// assert_eq!(units[2].leadin(), Some(1));
/// assert_eq!(units[3].heading(), Some(0));
/// ```
pub fn segment(source: &Arc<String>, lexicons: &Lexicons) -> Vec<Unit> {
    let text = source.as_str();
    let lines = read_lines(text);
    let furniture = find_furniture(text, &lines);
    let layout = Layout::measure(text, &lines, &furniture);
    let blocks = build_blocks(text, &lines, &furniture, &layout, lexicons);
    // At most a unit per block and per mark that can end a sentence, nearly always:
    // sized once, the vector is not copied as it grows, which on a large document
    // costs page faults too.
    let most_units = blocks.len() + sentence_marks(text.as_bytes());
    let mut units = Vec::with_capacity(most_units);
    hugepages::advise(&units);
    let mut context = ContextLinker::default();
    let mut scratch = Scratch {
        spacing_faults: spacing_faults(text),
        // Only text with page breaks (form feeds) has pages to report.
        has_pages: lines.last().is_some_and(|line| line.page > 1),
        ..Scratch::default()
    };
    for (block_idx, block) in blocks.iter().enumerate() {
        units_of_block(
            source,
            block_idx,
            block,
            lexicons,
            &mut scratch,
            &mut units,
            &mut context,
        );
    }
    units
}

/// How many bytes are `.`, `?`, `!` or `:`. One pass, which the compiler vectorises:
/// a `memchr` count per mark read a large document from memory four times (20 MB:
/// 10 ms against 2.7).
fn sentence_marks(bytes: &[u8]) -> usize {
    // Counted in a byte a chunk at a time, so that the vector lanes stay bytes wide;
    // 192 is under 256 and a multiple of the 64 bytes the loop takes per step, so no
    // chunk ends in a byte-by-byte tail (255 cost 7 M instructions more on 20 MB).
    bytes
        .chunks(192)
        .map(|chunk| {
            let marks: u8 = chunk
                .iter()
                .map(|&byte| u8::from(matches!(byte, b'.' | b'?' | b'!' | b':')))
                .sum();
            usize::from(marks)
        })
        .sum()
}

/// Characters that mark a list item when they start a line and a space follows.
const BULLETS: &[char] = &[
    '•', '-', '–', '—', '*', '▪', 'o', '\u{F0B7}', '·', '●', '◦', '■', '□', '➢', '►', '▶', '✓',
    '✔', '○', '❖',
];

/// The bullet that the HTML and DOCX readers write before a list item at each nesting
/// level (deeper levels take the last): a bullet of its own for each level, so that a
/// list inside a list reads as one here, and an item of the enclosing list after it goes
/// back to the enclosing list's lead-in.
pub(crate) fn level_bullet(level: usize) -> &'static str {
    const LEVEL_BULLETS: [&str; 4] = ["• ", "– ", "◦ ", "▪ "];
    LEVEL_BULLETS[level.min(LEVEL_BULLETS.len() - 1)]
}

/// Bullets that also split items written inline on one line (`Vi lovar att: • … • …`);
/// dashes are left out because running text uses them as punctuation.
const INLINE_BULLETS: &[char] = &['•', '▪', '\u{F0B7}', '●', '◦', '■', '➢', '►', '▶', '❖'];

/// Words a heading never ends with: a line ending in one continues on the next line.
const CONTINUING_WORDS: &[&str] = &[
    "och",
    "eller",
    "samt",
    "i",
    "att",
    "med",
    "för",
    "av",
    "på",
    "till",
    "som",
    "en",
    "ett",
    "den",
    "det",
    "de",
    "om",
    "från",
    "vid",
    "under",
    "mot",
    "inom",
    "genom",
    "efter",
    "hos",
    "utan",
    "mellan",
    "så",
    "men",
    "när",
    "där",
    "då",
    "vilket",
    "vilka",
    "dess",
    "deras",
    "sin",
    "sitt",
    "sina",
    "ska",
    "skall",
    "kommer",
    "har",
    "är",
    "blir",
    "kan",
    "bör",
    "både",
    "än",
    "per",
    "ca",
    "cirka",
    "minst",
    "respektive",
    "resp.",
    "bl.a.",
    "t.ex.",
    "dvs.",
    "s.k.",
    "kl.",
];

/// Words after a line-end hyphen that mean the hyphen is real (`brotts- och drog…`).
const SUSPENDED_COMPOUND_NEXT: &[&str] = &[
    "och",
    "eller",
    "samt",
    "respektive",
    "resp",
    "som",
    "till",
    "med",
    "utan",
];

/// One physical line of the text, without its line break and surrounding whitespace.
#[derive(Debug, Clone, Copy)]
struct Line {
    start: usize,
    end: usize,
    page: u32,
}

impl Line {
    fn is_blank(&self) -> bool {
        self.start == self.end
    }
}

fn read_lines(text: &str) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut page = 1;
    let mut line_start = 0;
    let bytes = text.as_bytes();
    for idx in memchr::memchr2_iter(b'\n', b'\x0c', bytes) {
        lines.push(trimmed_line(text, line_start, idx, page));
        if bytes[idx] == b'\x0c' {
            page += 1;
        }
        line_start = idx + 1;
    }
    lines.push(trimmed_line(text, line_start, bytes.len(), page));
    lines
}

fn trimmed_line(text: &str, start: usize, end: usize, page: u32) -> Line {
    let slice = &text[start..end];
    // Most lines start and end with ASCII that is not white space: nothing to trim.
    let plain = |byte: Option<&u8>| byte.is_some_and(|&byte| byte > b' ' && byte < 0x80);
    if plain(slice.as_bytes().first()) && plain(slice.as_bytes().last()) {
        return Line { start, end, page };
    }
    let trimmed_start = slice.len() - slice.trim_start().len();
    let trimmed = slice.trim();
    let start = if trimmed.is_empty() {
        end
    } else {
        start + trimmed_start
    };
    Line {
        start,
        end: start + trimmed.len(),
        page,
    }
}

// ---------------------------------------------------------------------------------------
// Page furniture: headers, footers, page numbers, table-of-contents lines.

static PAGE_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:(?:sida|sid\.?|s\.|page)\s*)?[-–(]?\s*\d{1,3}\s*[-–)]?(?:\s*(?:av|/|\(\s*)\s*\d{1,3}\s*\)?)?$")
        .expect("valid page number regex")
});
static SPELLED_PAGE_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:sida|sid\.?|page)\s*\d{1,3}(?:\s*(?:av|/)\s*\d{1,3})?$")
        .expect("valid page regex")
});
/// A running header or footer that carries the page number: `Avtal Hörby 2020  Sida 1 (5)`.
static PAGE_MARKER_AT_END: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:^|\s)(?:sida|sid\.?|page|s\.)\s*\d{1,3}\s*(?:\(\s*\d{1,3}\s*\)|(?:av|/)\s*\d{1,3})$")
        .expect("valid page marker regex")
});
static TOC_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:\.\s?){4,}\s*\d{1,3}\s*$|…{2,}\s*\d{1,3}\s*$").expect("valid toc regex")
});

/// Marks lines that are not text: page numbers, running headers and footers, and
/// table-of-contents lines with dot leaders (ANNOTATION.md §1: not units).
fn find_furniture(text: &str, lines: &[Line]) -> Vec<bool> {
    let mut furniture = vec![false; lines.len()];
    let content = |idx: usize| &text[lines[idx].start..lines[idx].end];
    let n_pages = lines.last().map_or(1, |line| line.page);

    for (idx, is_furniture) in furniture.iter_mut().enumerate() {
        let line = content(idx);
        // Every furniture pattern ends in a number, a bracket or a dash.
        if !line.ends_with(|c: char| c.is_ascii_digit() || matches!(c, ')' | '-' | '–')) {
            continue;
        }
        // Each regex runs only where the line has what it needs (the cheapest first).
        let short = || line.split_whitespace().take(16).count() <= 15;
        let page_start = may_start_page_number(line) && few_letters(line);
        if (may_be_toc_line(line) && TOC_LINE.is_match(line))
            || (page_start && SPELLED_PAGE_NUMBER.is_match(line))
            || (may_end_page_marker(line) && PAGE_MARKER_AT_END.is_match(line) && short())
        {
            *is_furniture = true;
        } else if page_start && PAGE_NUMBER.is_match(line) {
            // A bare number is a page number when it stands alone between blank lines
            // or at the top or bottom of a page.
            let alone = neighbour_is_blank(lines, idx, -1) && neighbour_is_blank(lines, idx, 1);
            if alone || (n_pages > 1 && near_page_edge(lines, idx)) {
                *is_furniture = true;
            }
        }
    }

    // Running headers and footers: the same line (numbers aside) at the edge of two
    // or more pages. Without form feeds, page-number lines stand in for page breaks.
    let ranges = page_ranges(lines, &furniture, n_pages > 1);
    if ranges.len() < 2 {
        return furniture;
    }
    // Keyed by bytes: digits are one byte each, so the key needs no UTF-8 work. Each
    // line is kept with its page's number in `ranges`.
    let mut edge_lines: FxHashMap<Vec<u8>, Vec<(usize, usize)>> =
        FxHashMap::with_capacity_and_hasher(ranges.len() * 4, Default::default());
    for (page, &(page_start, page_end)) in ranges.iter().enumerate() {
        let content_lines: Vec<usize> = (page_start..page_end)
            .filter(|&idx| !lines[idx].is_blank() && !furniture[idx])
            .collect();
        // The first two lines and the last two, each once: a line lies on one page, so
        // no list needs searching for it (a header on every one of 100,000 pages would
        // make that quadratic).
        let n = content_lines.len();
        let edges = match n {
            0..=4 => &content_lines[..],
            _ => &[
                content_lines[0],
                content_lines[1],
                content_lines[n - 2],
                content_lines[n - 1],
            ][..],
        };
        for &idx in edges {
            let key: Vec<u8> = content(idx)
                .bytes()
                .map(|b| if b.is_ascii_digit() { b'#' } else { b })
                .collect();
            edge_lines.entry(key).or_default().push((idx, page));
        }
    }
    for on_pages in edge_lines.into_values() {
        let first_page = on_pages[0].1;
        let on_two_pages = on_pages.iter().any(|&(_, page)| page != first_page);
        // The lines share their words, numbers aside.
        if on_two_pages && content(on_pages[0].0).split_whitespace().take(16).count() <= 15 {
            for (idx, _) in on_pages {
                furniture[idx] = true;
            }
        }
    }
    furniture
}

/// What a line needs for `TOC_LINE` to match it: a dot leader (`.` or `…`) before the
/// number it ends in, and four full stops, or two `…`, in all. The end is looked at
/// first: most lines that end in a number have no leader, and are turned away without
/// a count of the whole line.
fn may_be_toc_line(line: &str) -> bool {
    if !before_final_number(line).is_some_and(|before| before.ends_with(['.', '…'])) {
        return false;
    }
    let (stops, ellipsis_leads) = line.bytes().fold((0, 0), |(stops, leads), byte| {
        (
            stops + usize::from(byte == b'.'),
            leads + usize::from(byte == 0xE2),
        )
    });
    stops >= 4 || ellipsis_leads >= 2
}

/// What a line must start with for `PAGE_NUMBER` or `SPELLED_PAGE_NUMBER` to match it:
/// both are anchored at its start, case-insensitive (`ſ` is an `s`), and `\d` is any
/// decimal digit.
fn may_start_page_number(line: &str) -> bool {
    line.starts_with(|c: char| {
        matches!(c, 's' | 'S' | 'ſ' | 'p' | 'P' | '-' | '–' | '(')
            || c.is_numeric()
            || c.is_whitespace()
    })
}

/// What `PAGE_NUMBER` and `SPELLED_PAGE_NUMBER` need besides their start: at most six
/// letters (`sida` and `av`), since every other character they match is a digit, white
/// space or a sign. A line of text has more within its first words, so the regexes,
/// whose set-up costs more than this count, are not run on every numbered item.
fn few_letters(line: &str) -> bool {
    line.chars().filter(|c| c.is_alphabetic()).nth(6).is_none()
}

/// What `PAGE_MARKER_AT_END` needs at the end of a line: `)`, or digits after `av` or
/// `/` and white space (`Sida 2 av 5`, `s. 3/8`). Most lines that end in a number, such
/// as a year, have neither, and are turned away without the regex.
fn may_end_page_marker(line: &str) -> bool {
    line.ends_with(')')
        || before_final_number(line).is_some_and(|before| before.ends_with(['/', 'v', 'V']))
}

/// What comes before the number `line` ends in, white space around it trimmed; `None`
/// when it ends in no number. (`is_numeric` takes in every `\d` and more, so the
/// quick checks built on it turn away only lines their regexes cannot match.)
fn before_final_number(line: &str) -> Option<&str> {
    let line = line.trim_end();
    let before = line.trim_end_matches(|c: char| c.is_numeric());
    (before.len() < line.len()).then(|| before.trim_end())
}

fn neighbour_is_blank(lines: &[Line], idx: usize, step: isize) -> bool {
    let next = idx as isize + step;
    next < 0
        || next as usize >= lines.len()
        || lines[next as usize].is_blank()
        || lines[next as usize].page != lines[idx].page
}

fn near_page_edge(lines: &[Line], idx: usize) -> bool {
    let page = lines[idx].page;
    // Pages run in order: the look stops at the page's edge rather than at the text's.
    let on_page = |i: &usize| lines[*i].page == page;
    let written = |i: &usize| !lines[*i].is_blank();
    let before = (0..idx)
        .rev()
        .take_while(on_page)
        .filter(written)
        .take(2)
        .count();
    let after = (idx + 1..lines.len())
        .take_while(on_page)
        .filter(written)
        .take(2)
        .count();
    before < 2 || after < 2
}

/// Line ranges of pages: form-feed pages, or stretches between page-number lines.
fn page_ranges(lines: &[Line], furniture: &[bool], has_form_feeds: bool) -> Vec<(usize, usize)> {
    let mut ranges = Vec::new();
    let mut start = 0;
    for idx in 0..lines.len() {
        let breaks = if has_form_feeds {
            idx + 1 < lines.len() && lines[idx + 1].page != lines[idx].page
        } else {
            furniture[idx] && !lines[idx].is_blank()
        };
        if breaks {
            ranges.push((start, idx + 1));
            start = idx + 1;
        }
    }
    ranges.push((start, lines.len()));
    ranges
}

// ---------------------------------------------------------------------------------------
// Layout measurements.

/// Facts about the whole document that line decisions depend on.
struct Layout {
    /// Typical length of a hard-wrapped line, when the text is hard-wrapped (PDF style).
    wrap_width: Option<usize>,
}

impl Layout {
    fn measure(text: &str, lines: &[Line], furniture: &[bool]) -> Layout {
        // A line that ends mid-sentence and is followed by a line starting in lower
        // case was wrapped; their lengths tell the page width.
        let mut wrapped: Vec<usize> = Vec::new();
        for idx in 0..lines.len().saturating_sub(1) {
            if lines[idx].is_blank() || furniture[idx] || lines[idx + 1].is_blank() {
                continue;
            }
            let line = &text[lines[idx].start..lines[idx].end];
            let next = &text[lines[idx + 1].start..lines[idx + 1].end];
            let ends_open = !line.ends_with(['.', '!', '?', ':', ';', '…']);
            if ends_open && next.chars().next().is_some_and(char::is_lowercase) {
                wrapped.push(line.chars().count());
            }
        }
        if wrapped.len() < 4 {
            return Layout { wrap_width: None };
        }
        wrapped.sort_unstable();
        Layout {
            wrap_width: Some(wrapped[wrapped.len() / 2]),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Lines to blocks.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BlockKind {
    Paragraph,
    Item,
    Heading,
    Responsibility,
}

/// A list marker: its style decides which items belong to one list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    Bullet(char),
    /// `1.` / `1)` / `a)`: the style character and the item's ordinal.
    Number {
        close: char,
        letter: bool,
        ordinal: u32,
    },
}

/// A run of lines that forms one paragraph, list item, heading or responsibility line.
#[derive(Debug, Clone)]
struct Block {
    kind: BlockKind,
    /// The text spans of the block's lines, marker already removed.
    /// Inline for up to two lines, which most blocks are: no allocation per block.
    pieces: SmallVec<[(usize, usize); 2]>,
    marker: Option<Marker>,
    after_blank: bool,
    page: u32,
}

fn build_blocks(
    text: &str,
    lines: &[Line],
    furniture: &[bool],
    layout: &Layout,
    lexicons: &Lexicons,
) -> Vec<Block> {
    // At most a block per line.
    let mut blocks: Vec<Block> = Vec::with_capacity(lines.len());
    let mut current: Option<Block> = None;
    let mut blank_before = true;
    // A stretch of blank lines and page furniture is a page break: a paragraph that
    // runs on past it is joined, anything else is separated as by a blank line.
    let in_page_break = page_break_zones(lines, furniture);
    let mut at_page_break = false;
    let content = |idx: usize| &text[lines[idx].start..lines[idx].end];

    for idx in 0..lines.len() {
        if in_page_break[idx] {
            at_page_break = true;
            continue;
        }
        if lines[idx].is_blank() {
            if let Some(block) = current.take() {
                blocks.push(block);
            }
            blank_before = true;
            continue;
        }
        let line = content(idx);
        if std::mem::take(&mut at_page_break) {
            // A bullet still waiting for its text, or a sentence that runs on in lower case.
            let runs_on = current
                .as_ref()
                .is_some_and(|block| match block.pieces.last() {
                    None => true,
                    Some(last) => {
                        !ends_sentence(&text[last.0..last.1])
                            && line.chars().next().is_some_and(char::is_lowercase)
                    }
                });
            if !runs_on {
                if let Some(block) = current.take() {
                    blocks.push(block);
                }
                blank_before = true;
            }
        }
        let after_blank = std::mem::replace(&mut blank_before, false);
        let new_block = |kind, pieces, marker| Block {
            kind,
            pieces,
            marker,
            after_blank,
            page: lines[idx].page,
        };

        if is_responsibility_line(line, lexicons) {
            if let Some(block) = current.take() {
                blocks.push(block);
            }
            blocks.push(new_block(
                BlockKind::Responsibility,
                smallvec![(lines[idx].start, lines[idx].end)],
                None,
            ));
            continue;
        }
        if let Some((marker, text_start)) = list_marker(text, lines, idx) {
            if let Some(block) = current.take() {
                blocks.push(block);
            }
            let pieces = if text_start < lines[idx].end {
                smallvec![(text_start, lines[idx].end)]
            } else {
                SmallVec::new()
            };
            current = Some(new_block(BlockKind::Item, pieces, Some(marker)));
            continue;
        }
        if let Some(block) = current.as_mut() {
            if block.pieces.is_empty() || continues_block(text, block, lines[idx], layout) {
                block.pieces.push((lines[idx].start, lines[idx].end));
                continue;
            }
        }
        let previous_open = current.as_ref().is_some_and(|block| {
            block.kind == BlockKind::Paragraph
                && block
                    .pieces
                    .last()
                    .is_some_and(|last| !ends_sentence(&text[last.0..last.1]))
        });
        if let Some(block) = current.take() {
            blocks.push(block);
        }
        if !previous_open && is_heading_line(text, lines, idx, layout, furniture) {
            blocks.push(new_block(
                BlockKind::Heading,
                smallvec![(lines[idx].start, lines[idx].end)],
                None,
            ));
        } else {
            current = Some(new_block(
                BlockKind::Paragraph,
                smallvec![(lines[idx].start, lines[idx].end)],
                None,
            ));
        }
    }
    if let Some(block) = current.take() {
        blocks.push(block);
    }
    drop_empty_items(&mut blocks);
    promote_numbered_headings(text, &mut blocks);
    blocks
}

/// Marks the runs of blank lines and furniture that hold at least one furniture line.
fn page_break_zones(lines: &[Line], furniture: &[bool]) -> Vec<bool> {
    let mut zones = vec![false; lines.len()];
    let mut run_start = 0;
    let mut run_has_furniture = false;
    for idx in 0..=lines.len() {
        let in_run = idx < lines.len() && (furniture[idx] || lines[idx].is_blank());
        if in_run {
            run_has_furniture |= furniture[idx];
            continue;
        }
        if run_has_furniture {
            zones[run_start..idx].fill(true);
        }
        run_start = idx + 1;
        run_has_furniture = false;
    }
    zones
}

/// Does line `idx` continue the open block (a hard-wrapped line), rather than start a new one?
fn continues_block(text: &str, block: &Block, line: Line, layout: &Layout) -> bool {
    let last = block.pieces.last().expect("caller checked pieces");
    let previous = &text[last.0..last.1];
    let line = &text[line.start..line.end];
    match block.kind {
        BlockKind::Heading | BlockKind::Responsibility => false,
        // ANNOTATION.md §1: an item runs to the next item, blank line or heading. A line
        // that only follows it, starting with a capital after a complete line, is new
        // text (`• delta i möten` / `Kommunen ska …`); a wrapped line continues it.
        BlockKind::Item => {
            if previous.ends_with(':') {
                return false;
            }
            let wrapped = ends_with_continuing_word(previous)
                || previous.ends_with([',', '-'])
                || line.chars().next().is_some_and(|c| !c.is_uppercase())
                || layout
                    .wrap_width
                    .is_some_and(|width| previous.chars().count() * 10 >= width * 8);
            wrapped
        }
        BlockKind::Paragraph => {
            if previous.ends_with(':') {
                return false;
            }
            !ends_sentence(previous) || line.chars().next().is_some_and(char::is_lowercase)
        }
    }
}

/// A heading: a short line without final punctuation that stands alone.
fn is_heading_line(
    text: &str,
    lines: &[Line],
    idx: usize,
    layout: &Layout,
    furniture: &[bool],
) -> bool {
    let line = &text[lines[idx].start..lines[idx].end];
    let first = line.chars().next().expect("non-blank line");
    if !(first.is_uppercase()
        || first.is_ascii_digit()
        || first == '"'
        || first == '”'
        || first == '§')
    {
        return false;
    }
    if line.ends_with(['.', '!', '?', ':', ';', ',', '…', '-']) || ends_with_continuing_word(line)
    {
        return false;
    }
    // Asked before the counts below, which cost more: it turns away the first line of
    // every hard-wrapped paragraph.
    if next_line_continues(text, lines, idx, furniture) {
        return false;
    }
    // Characters and words are counted only where the bytes leave the answer open: a
    // character takes at least one byte, a word and the space after it two.
    if line.len() > 100 && line.chars().count() > 100 {
        return false;
    }
    if line.len() > 24 && line.split_whitespace().take(13).count() > 12 {
        return false;
    }
    // `Mötet börjar kl. 18. Polisen deltar` holds a sentence: no heading does. (The
    // marks are ASCII, so a byte search finds them.)
    let holds_sentence = memchr::memchr3_iter(b'.', b'!', b'?', line.as_bytes()).any(|at| {
        let word = line[..at]
            .rsplit(|c: char| !c.is_alphanumeric())
            .next()
            .unwrap_or("");
        word.chars().count() > 1
            && line[at + 1..].starts_with(' ')
            && line[at + 1..].trim_start().starts_with(char::is_uppercase)
            && line[..at].split_whitespace().take(3).count() >= 3
    });
    if holds_sentence {
        return false;
    }
    !layout.wrap_width.is_some_and(|width| {
        line.chars().count() * 4 > width * 3 && line.split_whitespace().take(7).count() > 6
    })
}

/// Does the text after line `idx` continue its sentence? A heading is never followed
/// by such a line, on the next line or across a page break.
fn next_line_continues(text: &str, lines: &[Line], idx: usize, furniture: &[bool]) -> bool {
    let mut saw_blank = false;
    let mut saw_furniture = false;
    for next_idx in idx + 1..lines.len() {
        if furniture[next_idx] {
            saw_furniture = true;
        } else if lines[next_idx].is_blank() {
            saw_blank = true;
        } else {
            if saw_blank && !saw_furniture {
                return false;
            }
            let next_line = &text[lines[next_idx].start..lines[next_idx].end];
            return next_line.chars().next().is_some_and(char::is_lowercase);
        }
    }
    false
}

/// Keyed by bytes, so that a word lower-cased on the stack is looked up as it is.
static CONTINUING: LazyLock<rustc_hash::FxHashSet<&'static [u8]>> = LazyLock::new(|| {
    CONTINUING_WORDS
        .iter()
        .map(|word| word.as_bytes())
        .collect()
});

/// The length of the longest continuing word, in bytes: a longer word is none.
const CONTINUING_MAX_LEN: usize = {
    let mut max = 0;
    let mut idx = 0;
    while idx < CONTINUING_WORDS.len() {
        if CONTINUING_WORDS[idx].len() > max {
            max = CONTINUING_WORDS[idx].len();
        }
        idx += 1;
    }
    max
};

/// Does the line end with one of `CONTINUING_WORDS`, in any case? A word longer than
/// all of them as written is none (so only the line's last few bytes are read).
fn ends_with_continuing_word(line: &str) -> bool {
    let line = line.trim_end();
    let mut from = line.len().saturating_sub(CONTINUING_MAX_LEN + 1);
    while !line.is_char_boundary(from) {
        from -= 1;
    }
    let tail = &line[from..];
    let word = match tail.rfind(char::is_whitespace) {
        Some(at) => &tail[at + tail[at..].chars().next().map_or(1, char::len_utf8)..],
        None if from == 0 => tail,
        None => return false,
    };
    if word.len() > CONTINUING_MAX_LEN {
        return false;
    }
    // Lower-cased (`Och`, `SAMT`) on the stack: a lower case longer than every
    // continuing word is none.
    StackLower::<CONTINUING_MAX_LEN>::new(word.chars())
        .is_some_and(|lower| CONTINUING.contains(lower.as_bytes()))
}

/// Does the text end a sentence (final punctuation, possibly before closing quotes)?
fn ends_sentence(text: &str) -> bool {
    let trimmed = text.trim_end_matches(['"', '”', '’', '\'', ')', ']', '»']);
    trimmed.ends_with(['.', '!', '?', '…', ':'])
}

/// `Ansvarig: Polisen`, `Ansvar: kommunen och polisen`.
pub(crate) fn is_responsibility_line(line: &str, lexicons: &Lexicons) -> bool {
    // The `memchr` crate's search is vectorised; `str::contains` is not.
    if memchr::memchr(b':', line.as_bytes()).is_none() {
        return false;
    }
    !lexicons.responsibility.find_at_start(line).is_empty()
}

/// What numbers or letters a list item: `1.`, `(2)`, `a)`, `B.`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Label {
    Number(u32),
    Lower(char),
    Upper(char),
}

/// The enumerator at the start of a line (one or two ASCII digits, optionally after
/// `(`, or one letter, then `.` or `)`, then white space or the end): its label, its
/// closing character, and where the text after it and its spaces starts.
fn enumerator(line: &str) -> Option<(Label, char, usize)> {
    let bytes = line.as_bytes();
    let (label, close_at) = match bytes.first()? {
        b'(' | b'0'..=b'9' => {
            let digits_start = usize::from(bytes[0] == b'(');
            let n_digits = bytes[digits_start..]
                .iter()
                .take(2)
                .take_while(|b| b.is_ascii_digit())
                .count();
            if n_digits == 0 {
                return None;
            }
            let number = line[digits_start..digits_start + n_digits].parse().ok()?;
            (Label::Number(number), digits_start + n_digits)
        }
        _ => {
            let first = line.chars().next()?;
            let label = match first {
                'a'..='z' | 'å' | 'ä' | 'ö' => Label::Lower(first),
                'A'..='Z' | 'Å' | 'Ä' | 'Ö' => Label::Upper(first),
                _ => return None,
            };
            (label, first.len_utf8())
        }
    };
    let close = match bytes.get(close_at)? {
        b'.' => '.',
        b')' => ')',
        _ => return None,
    };
    let rest = &line[close_at + 1..];
    let spaces = rest.len() - rest.trim_start().len();
    if spaces == 0 && !rest.is_empty() {
        return None;
    }
    Some((label, close, close_at + 1 + spaces))
}

/// The list marker at the start of line `idx`, and where the item text starts.
fn list_marker(text: &str, lines: &[Line], idx: usize) -> Option<(Marker, usize)> {
    let line = &text[lines[idx].start..lines[idx].end];
    let mut chars = line.char_indices();
    let (_, first) = chars.next()?;
    if BULLETS.contains(&first) {
        let rest = &line[first.len_utf8()..];
        if rest.is_empty() || rest.starts_with([' ', '\t', '\u{a0}']) {
            // `o` and `-` are bullets only when a word follows, not `-20 %` or `oktober`.
            if first == 'o' && rest.trim().is_empty() {
                return None;
            }
            let text_start =
                lines[idx].start + first.len_utf8() + (rest.len() - rest.trim_start().len());
            return Some((Marker::Bullet(first), text_start));
        }
        return None;
    }
    let (label, close, end) = enumerator(line)?;
    let ordinal = match label {
        // `2020. …` is a year, and `0.` never numbers a list.
        Label::Number(0) => return None,
        Label::Number(number) => number,
        Label::Lower(letter) | Label::Upper(letter) => letter_ordinal(letter),
    };
    // `A. Andersson` is an initial, and `a. …` no item, unless the next or previous
    // marked line continues the lettering (`B.` after `A.`).
    if close == '.'
        && matches!(label, Label::Lower(_) | Label::Upper(_))
        && !lettering_continues(text, lines, idx, ordinal)
    {
        return None;
    }
    Some((
        Marker::Number {
            close,
            letter: !matches!(label, Label::Number(_)),
            ordinal,
        },
        lines[idx].start + end,
    ))
}

fn letter_ordinal(letter: char) -> u32 {
    (letter.to_ascii_lowercase() as u32).saturating_sub('a' as u32) + 1
}

fn lettering_continues(text: &str, lines: &[Line], idx: usize, ordinal: u32) -> bool {
    let starts_with_letter = |line_idx: usize, wanted: u32| {
        let line = &text[lines[line_idx].start..lines[line_idx].end];
        let mut chars = line.chars();
        match (chars.next(), chars.next()) {
            (Some(ch), Some('.')) if ch.is_alphabetic() => letter_ordinal(ch) == wanted,
            _ => false,
        }
    };
    let after = (idx + 1..lines.len().min(idx + 12)).any(|i| starts_with_letter(i, ordinal + 1));
    let before =
        ordinal > 1 && (idx.saturating_sub(12)..idx).any(|i| starts_with_letter(i, ordinal - 1));
    after || before
}

fn drop_empty_items(blocks: &mut Vec<Block>) {
    blocks.retain(|block| !block.pieces.is_empty());
}

/// `3. Uppföljning` standing alone before a paragraph is a numbered heading, not a list
/// item: a list has several items in a row, a heading is followed by its text.
fn promote_numbered_headings(text: &str, blocks: &mut [Block]) {
    for idx in 0..blocks.len() {
        let Some(Marker::Number { letter: false, .. }) = blocks[idx].marker else {
            continue;
        };
        if blocks[idx].pieces.len() != 1 {
            continue;
        }
        let (start, end) = blocks[idx].pieces[0];
        let line = &text[start..end];
        let short = line.split_whitespace().take(9).count() <= 8;
        let starts_upper = line.chars().next().is_some_and(char::is_uppercase);
        if !short || !starts_upper || ends_sentence(line) || line.ends_with([',', ';']) {
            continue;
        }
        let Some(Marker::Number { ordinal, .. }) = blocks[idx].marker else {
            continue;
        };
        // A list continues when the numbers run on (`4.` after `3.`), so `5. Ungdomar`
        // after a list that ended with its own `5.` starts a new section.
        let numbered = |block: &Block, wanted: u32| matches!(block.marker, Some(Marker::Number { letter: false, ordinal, .. }) if ordinal == wanted);
        let next_is_item = blocks
            .get(idx + 1)
            .is_some_and(|b| numbered(b, ordinal + 1) || b.kind == BlockKind::Responsibility);
        let previous = idx.checked_sub(1).map(|i| &blocks[i]);
        let previous_is_list = previous.is_some_and(|b| {
            (ordinal > 1 && numbered(b, ordinal - 1))
                || b.pieces
                    .last()
                    .is_some_and(|last| text[last.0..last.1].ends_with(':'))
        });
        // `4. Fokusområden` followed by `4.1 …` opens section 4, whatever came before;
        // so does a bare title after a blank line that ends a list of full sentences.
        let opens_subsections = blocks.get(idx + 1).is_some_and(|b| {
            let (next_start, next_end) = b.pieces[0];
            let next_line = &text[next_start..next_end];
            b.kind == BlockKind::Heading
                && next_line
                    .strip_prefix(&format!("{ordinal}."))
                    .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
        });
        let ends_sentence_list = previous.is_some_and(|b| {
            numbered(b, ordinal - 1)
                && b.pieces
                    .last()
                    .is_some_and(|last| ends_sentence(&text[last.0..last.1]))
        }) && blocks[idx].after_blank;
        let previous_is_list = previous_is_list && !ends_sentence_list;
        if opens_subsections
            || (blocks.get(idx + 1).is_some() && !next_is_item && !previous_is_list)
        {
            let marker_start = line_start_before(text, start);
            blocks[idx].kind = BlockKind::Heading;
            blocks[idx].pieces[0] = (marker_start, end);
            blocks[idx].marker = None;
        }
    }
}

/// The start of the line holding `pos` (after leading whitespace): where a marker began.
fn line_start_before(text: &str, pos: usize) -> usize {
    let line_start = text[..pos].rfind(['\n', '\x0c']).map_or(0, |i| i + 1);
    line_start + (text[line_start..pos].len() - text[line_start..pos].trim_start().len())
}

// ---------------------------------------------------------------------------------------
// Blocks to units.

/// What every block of a document reads (its spacing faults, whether it has pages),
/// and buffers that one block after another fills, so that a block allocates nothing
/// but its units.
#[derive(Default)]
struct Scratch {
    /// The document's `spacing_faults`, found once: a block without one in its pieces
    /// is single-spaced when joined.
    spacing_faults: Vec<usize>,
    /// Whether the document has page breaks: only then do units carry a page.
    has_pages: bool,
    joined: Joined,
    segments: Vec<(usize, usize)>,
    ends: Vec<SentenceEnd>,
}

/// The buffers a block of several lines is joined in (see `BlockText`).
#[derive(Default)]
struct Joined {
    text: String,
    map: Vec<(usize, usize)>,
}

/// The text of a block, its lines joined, mapped back to source offsets: a block of one
/// line (most of them, and every paragraph of a text without hard wraps) is that
/// stretch of the source itself, a longer one is joined in `Joined`'s buffer.
struct BlockText<'a> {
    text: &'a str,
    /// (offset in `text`, offset in the source) at the start of each piece.
    map: &'a [(usize, usize)],
    /// Whether `text` is single-spaced, and with it every trimmed stretch of it: then
    /// the block's units need no check of their own.
    single_spaced: bool,
}

impl BlockText<'_> {
    /// The piece that `text[pos]` comes from.
    fn piece_of(&self, pos: usize) -> usize {
        self.map.partition_point(|&(joined, _)| joined <= pos) - 1
    }

    fn source_offset(&self, pos: usize) -> usize {
        let (joined, source) = self.map[self.piece_of(pos)];
        source + (pos - joined)
    }
}

/// Joins the lines of a block: a line break becomes a space, except that a word
/// hyphenated across the break is mended (`trygg-\nhetsvandring` → `trygghetsvandring`)
/// while a real hyphen stays (`polis- och`, `2019-\n2020`). A block of one line is
/// not copied.
fn join_pieces<'a>(
    text: &'a str,
    pieces: &[(usize, usize)],
    spacing_faults: &[usize],
    joined: &'a mut Joined,
) -> BlockText<'a> {
    // Pieces are trimmed stretches of lines, joined by one space or none.
    let single_spaced = !pieces
        .iter()
        .any(|&(start, end)| spacing_fault_in(spacing_faults, start, end));
    joined.map.clear();
    if let [(start, end)] = *pieces {
        debug_assert_eq!(single_spaced, is_single_spaced(&text[start..end]));
        joined.map.push((0, start));
        return BlockText {
            text: &text[start..end],
            map: &joined.map,
            single_spaced,
        };
    }
    joined.text.clear();
    for &(start, end) in pieces {
        let piece = &text[start..end];
        if !joined.text.is_empty() {
            match hyphen_join(&joined.text, piece) {
                HyphenJoin::Mend => {
                    joined.text.pop();
                }
                HyphenJoin::Keep => {}
                HyphenJoin::Space => joined.text.push(' '),
            }
        }
        joined.map.push((joined.text.len(), start));
        joined.text.push_str(piece);
    }
    debug_assert_eq!(single_spaced, is_single_spaced(&joined.text));
    BlockText {
        text: &joined.text,
        map: &joined.map,
        single_spaced,
    }
}

enum HyphenJoin {
    Mend,
    Keep,
    Space,
}

fn hyphen_join(before: &str, after: &str) -> HyphenJoin {
    let Some(stem) = before.strip_suffix('-') else {
        return HyphenJoin::Space;
    };
    let Some(last) = stem.chars().last() else {
        return HyphenJoin::Space;
    };
    if !last.is_alphanumeric() {
        return HyphenJoin::Space;
    }
    let next_word: String = after
        .chars()
        .take_while(|c| c.is_alphanumeric())
        .collect::<String>()
        .to_lowercase();
    let first = after.chars().next().unwrap_or(' ');
    if SUSPENDED_COMPOUND_NEXT.contains(&next_word.as_str()) || after.starts_with(',') {
        HyphenJoin::Space
    } else if first.is_lowercase() && last.is_alphabetic() {
        HyphenJoin::Mend
    } else if first.is_alphanumeric() {
        HyphenJoin::Keep
    } else {
        HyphenJoin::Space
    }
}

fn units_of_block(
    source: &Arc<String>,
    block_idx: usize,
    block: &Block,
    lexicons: &Lexicons,
    scratch: &mut Scratch,
    units: &mut Vec<Unit>,
    context: &mut ContextLinker,
) {
    let Scratch {
        spacing_faults,
        has_pages,
        joined,
        segments,
        ends,
    } = scratch;
    let page = NonZeroU32::new(block.page).filter(|_| *has_pages);
    let block_text = join_pieces(source, &block.pieces, spacing_faults, joined);
    let mut push =
        |start: usize, end: usize, kind: UnitKind, responsibility: bool, marker: Option<Marker>| {
            if let Some(mut unit) =
                make_unit(source, &block_text, start, end, kind, responsibility, page)
            {
                context.link(&mut unit, units.len(), block_idx, block, marker);
                units.push(unit);
            }
        };
    match block.kind {
        BlockKind::Heading => push(0, block_text.text.len(), UnitKind::Heading, false, None),
        BlockKind::Responsibility => push(0, block_text.text.len(), UnitKind::Sentence, true, None),
        BlockKind::Item | BlockKind::Paragraph => {
            inline_bullet_segments(block_text.text, segments);
            if let (BlockKind::Item, Some(Marker::Number { ordinal, .. })) =
                (block.kind, block.marker)
            {
                let (first_start, first_end) = segments[0];
                let numbered = inline_number_segments(
                    block_text.text,
                    first_start,
                    first_end,
                    ordinal,
                    lexicons,
                );
                segments.splice(0..1, numbered);
            }
            for (seg_idx, &(seg_start, seg_end)) in segments.iter().enumerate() {
                let is_list_item = block.kind == BlockKind::Item || seg_idx > 0;
                if is_list_item {
                    // ANNOTATION.md §1: an item holding several sentences is one unit,
                    // but a responsibility line inside it is split off.
                    let (item_end, responsibility) =
                        split_responsibility(block_text.text, seg_start, seg_end, lexicons);
                    let kind = if block_text.text[seg_start..item_end]
                        .trim_end()
                        .ends_with(':')
                    {
                        UnitKind::LeadIn
                    } else {
                        UnitKind::Item
                    };
                    let marker = if seg_idx == 0 {
                        block.marker
                    } else {
                        Some(Marker::Bullet('•'))
                    };
                    push(seg_start, item_end, kind, false, marker);
                    if let Some(resp_start) = responsibility {
                        push(resp_start, seg_end, UnitKind::Sentence, true, None);
                    }
                } else {
                    let mut sentence_start = seg_start;
                    sentence_ends(&block_text.text[..seg_end], seg_start, lexicons, ends);
                    for &SentenceEnd {
                        at: sentence_end,
                        has_colon,
                    } in ends.iter()
                    {
                        let sentence = block_text.text[sentence_start..sentence_end].trim_end();
                        let kind = if sentence.ends_with(':') {
                            UnitKind::LeadIn
                        } else {
                            UnitKind::Sentence
                        };
                        // Only a sentence with a colon can be a responsibility line:
                        // `sentence_ends` saw every colon, so none is searched for here.
                        let responsibility =
                            has_colon && is_responsibility_line(sentence.trim_start(), lexicons);
                        push(sentence_start, sentence_end, kind, responsibility, None);
                        sentence_start = sentence_end;
                    }
                }
            }
        }
    }
}

/// Splits a block at bullets written inline (`Vi lovar att: • ha … • öka …`): the spans
/// of the pieces go to `segments`.
fn inline_bullet_segments(text: &str, segments: &mut Vec<(usize, usize)>) {
    segments.clear();
    let mut start = 0;
    // Every inline bullet is a three-byte character led by 0xE2 or 0xEF.
    for idx in memchr::memchr2_iter(0xE2, 0xEF, text.as_bytes()) {
        let ch = text[idx..]
            .chars()
            .next()
            .expect("a lead byte starts a character");
        let previous_space = text[..idx]
            .chars()
            .next_back()
            .is_some_and(char::is_whitespace);
        if INLINE_BULLETS.contains(&ch)
            && previous_space
            && text[idx + ch.len_utf8()..].starts_with([' ', '\u{a0}'])
        {
            segments.push((start, idx));
            start = idx + ch.len_utf8();
        }
    }
    segments.push((start, text.len()));
}

/// Splits `1. Polisen ska … . 2. Kommunen ska …`, numbered items run together on one
/// line, at each next number that follows a sentence end; the numbers are dropped.
fn inline_number_segments(
    text: &str,
    start: usize,
    end: usize,
    first_ordinal: u32,
    lexicons: &Lexicons,
) -> Vec<(usize, usize)> {
    let mut segments = Vec::new();
    let mut segment_start = start;
    let mut wanted = first_ordinal + 1;
    let mut search_from = start;
    let mut needle = String::new();
    loop {
        needle.clear();
        write!(needle, " {wanted}").expect("a String takes any text");
        let Some(found) =
            memchr::memmem::find(&text.as_bytes()[search_from..end], needle.as_bytes())
        else {
            break;
        };
        let at = search_from + found;
        let marker_end = at + needle.len();
        let after = &text[marker_end..end];
        let closes = after.starts_with(". ") || after.starts_with(") ");
        let after_sentence = text[..at].ends_with(['!', '?', ';'])
            || (text[..at].ends_with('.')
                && !lexicons.abbreviations.contains(&with_dot(
                    text,
                    at - 1,
                    word_before(text, at - 1),
                )));
        if closes && after_sentence && after[2..].starts_with(char::is_uppercase) {
            segments.push((segment_start, at));
            segment_start = marker_end + 2;
            wanted += 1;
        }
        search_from = marker_end;
    }
    segments.push((segment_start, end));
    segments
}

/// Finds a responsibility clause after a sentence end inside an item
/// (`Genomföra X. Ansvarig: Polisen`); returns where the item ends and where it starts.
fn split_responsibility(
    text: &str,
    start: usize,
    end: usize,
    lexicons: &Lexicons,
) -> (usize, Option<usize>) {
    let segment = &text[start..end];
    // A responsibility label has a colon: most items have none.
    if memchr::memchr(b':', segment.as_bytes()).is_none() {
        return (end, None);
    }
    let bytes = segment.as_bytes();
    let sentence_ends =
        memchr::memchr_iter(b'.', bytes).filter(|&at| bytes.get(at + 1) == Some(&b' '));
    for idx in sentence_ends {
        let rest = segment[idx + 2..].trim_start();
        if is_responsibility_line(rest, lexicons) {
            let rest_start = start + segment.len() - rest.len();
            return (start + idx + 1, Some(rest_start));
        }
    }
    (end, None)
}

/// Builds a unit from `block_text.text[start..end]`: trims it, collapses whitespace and maps its
/// span back to the source, whose text it shares when it reads the same. Returns `None`
/// for an empty stretch.
fn make_unit(
    source: &Arc<String>,
    block_text: &BlockText,
    start: usize,
    end: usize,
    kind: UnitKind,
    responsibility: bool,
    page: Option<NonZeroU32>,
) -> Option<Unit> {
    let slice = &block_text.text[start..end];
    let trimmed_start = slice.trim_start();
    let trimmed = trimmed_start.trim_end();
    if !trimmed.chars().any(is_letter_or_digit) {
        return None;
    }
    let first = start + (slice.len() - trimmed_start.len());
    let last_char = trimmed.chars().last().expect("non-empty");
    let last = first + trimmed.len() - last_char.len_utf8();
    let span =
        block_text.source_offset(first)..block_text.source_offset(last) + last_char.len_utf8();
    // Within one piece the block text is the source's, byte for byte.
    let verbatim = block_text.piece_of(first) == block_text.piece_of(last);
    let single = block_text.single_spaced || is_single_spaced(trimmed);
    let text = match (single, verbatim) {
        (true, true) => UnitText::stretch(source, span.clone()),
        (true, false) => UnitText::own(trimmed.to_string()),
        (false, _) => UnitText::own(collapse_spaces(trimmed)),
    };
    Some(Unit {
        start: span.start,
        end: span.end,
        kind,
        text,
        page,
        responsibility,
        heading_link: None,
        leadin_link: None,
    })
}

/// `text` with every run of white space made one space (`text` is trimmed).
fn collapse_spaces(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut words = text.split_whitespace();
    if let Some(first) = words.next() {
        out.push_str(first);
        for word in words {
            out.push(' ');
            out.push_str(word);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Sentences inside a block.

/// Closing characters that stay with the sentence before them.
const CLOSERS: &[char] = &['"', '”', '’', '\'', ')', ']', '»'];

/// Where a sentence ends, and whether it holds a colon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct SentenceEnd {
    at: usize,
    has_colon: bool,
}

/// Fills `ends` with the ends of the sentences in `text[from..]`; the last one is at
/// `text.len()`.
fn sentence_ends(text: &str, from: usize, lexicons: &Lexicons, ends: &mut Vec<SentenceEnd>) {
    ends.clear();
    let mut sentence_start = from;
    let mut has_colon = false;
    let mut idx = from;
    let mut marks = MarkScan::default();
    while idx < text.len() {
        // Skip to the next byte that can start a colon or a terminator (`…` starts with
        // 0xE2); everything between is sentence text.
        match marks.next(text.as_bytes(), idx) {
            Some(at) => idx = at,
            None => break,
        }
        let ch = text[idx..].chars().next().expect("in bounds");
        let ch_len = ch.len_utf8();
        if ch == ':' {
            has_colon = true;
            if colon_ends_sentence(text, sentence_start, idx) {
                ends.push(SentenceEnd {
                    at: idx + 1,
                    has_colon: std::mem::take(&mut has_colon),
                });
                sentence_start = idx + 1;
            }
            idx += 1;
            continue;
        }
        if !matches!(ch, '.' | '!' | '?' | '…') {
            idx += ch_len;
            continue;
        }
        // The terminator run: `?!`, `...`, then closing quotes and brackets.
        let mut after = idx + ch_len;
        while let Some(next) = text[after..].chars().next() {
            if matches!(next, '.' | '!' | '?' | '…') || CLOSERS.contains(&next) {
                after += next.len_utf8();
            } else {
                break;
            }
        }
        let rest = &text[after..];
        let boundary = if rest.is_empty() {
            false
        } else if rest.starts_with(char::is_whitespace) {
            is_sentence_break(text, sentence_start, idx, ch, rest.trim_start(), lexicons)
        } else {
            ch == '.' && is_glued_break(text, idx, rest, lexicons)
        };
        if boundary {
            ends.push(SentenceEnd {
                at: after,
                has_colon: std::mem::take(&mut has_colon),
            });
            sentence_start = after;
        }
        idx = after;
    }
    ends.push(SentenceEnd {
        at: text.len(),
        has_colon,
    });
}

/// Finds the bytes that can start a colon or a terminator, `: . ? ! …` (`…` is led by
/// 0xE2), with vectorised `memchr` searches instead of a byte-by-byte loop: one for the
/// common `. : ?` and one for the rarer `!` and 0xE2, whose next place is remembered
/// so that their search does not run ahead over the same text again at every stop.
#[derive(Default)]
struct MarkScan {
    /// Where the next `!` or 0xE2 is at or after the last search (`None`: none left),
    /// and where that search started.
    rare: Option<(usize, Option<usize>)>,
}

impl MarkScan {
    fn next(&mut self, bytes: &[u8], from: usize) -> Option<usize> {
        let rare = match self.rare {
            Some((searched_from, found))
                if searched_from <= from && found.is_none_or(|at| at >= from) =>
            {
                found
            }
            _ => {
                let found = memchr::memchr2(b'!', 0xE2, &bytes[from..]).map(|at| from + at);
                self.rare = Some((from, found));
                found
            }
        };
        let limit = rare.unwrap_or(bytes.len());
        memchr::memchr3(b'.', b':', b'?', &bytes[from..limit])
            .map(|at| from + at)
            .or(rare)
    }
}

/// A colon inside a paragraph ends a sentence when a capitalised sentence follows
/// (`… blir följande: Kvinnans …`), but not after a label (`Ansvarig: Polisen`,
/// `Kontakt: Eva`), a name (`A. Rabin: Kibbutz…`) or inside brackets (`(Källa: SCB)`).
fn colon_ends_sentence(text: &str, sentence_start: usize, idx: usize) -> bool {
    let rest = text[idx + 1..].trim_start_matches([' ', '\t', '\u{a0}']);
    if rest.len() == text.len() - idx - 1 {
        return false;
    }
    let mut next = rest.chars();
    let first = match next.next() {
        Some('\'' | '"' | '”' | '’') => next.next(),
        other => other,
    };
    if !first.is_some_and(char::is_uppercase) {
        return false;
    }
    let before = &text[sentence_start..idx];
    let open_brackets = before.matches('(').count() > before.matches(')').count();
    let last_word = before.split_whitespace().last().unwrap_or("");
    let label_like = before.split_whitespace().take(3).count() < 3;
    let name_like = last_word.chars().next().is_some_and(char::is_uppercase);
    !(open_brackets || label_like || name_like)
}

/// Decides whether the terminator `ch` at `idx`, followed by whitespace and then `next`,
/// ends the sentence that started at `sentence_start`.
fn is_sentence_break(
    text: &str,
    sentence_start: usize,
    idx: usize,
    ch: char,
    next: &str,
    lexicons: &Lexicons,
) -> bool {
    let Some(next_char) = next.chars().next() else {
        return false;
    };
    // Lower case after a terminator continues the sentence (`t.ex. polisens`, `ca 20 st. vandringar`).
    if next_char.is_lowercase() {
        return false;
    }
    if ch != '.' {
        return true;
    }
    let sentence_so_far = text[sentence_start..idx].trim();
    // `1. Polisen ska …`: a small number that opens a sentence enumerates it.
    if sentence_so_far.len() <= 3
        && !sentence_so_far.is_empty()
        && sentence_so_far
            .chars()
            .all(|c| c.is_ascii_digit() || c.is_alphabetic())
        && sentence_so_far.chars().count() <= 2
    {
        return false;
    }
    // A word of lower-case letters that no abbreviation ends like (`polisen.`): no
    // abbreviation, no initial and no number, so the sentence ends, as below.
    if lexicons
        .abbreviations
        .ends_unlike_any(&text.as_bytes()[..idx])
    {
        return true;
    }
    let word = word_before(text, idx);
    if !word.is_empty() {
        let with_dot = with_dot(text, idx, word.clone());
        if lexicons.abbreviations.contains(&with_dot) {
            // `m.m.`, `osv.` close a sentence when a capitalised word follows.
            return lexicons.abbreviations.can_end_sentence(&with_dot) && next_char.is_uppercase();
        }
        // An initial (`P. Strandell`, `A. I. Rabin`) before a capitalised name.
        let last_part = word.rsplit('.').next().unwrap_or(&word);
        let mut chars = last_part.chars();
        if let (Some(only), None) = (chars.next(), chars.next()) {
            if only.is_uppercase() && next_char.is_uppercase() {
                return false;
            }
        }
    }
    // After a number, a digit continues a numbered reference (`2 kap. 3 §`, `s. 12`);
    // a capital opens the next sentence.
    if next_char.is_ascii_digit() {
        return !word.chars().all(|c| c.is_ascii_digit());
    }
    true
}

/// `… i centrum.Polisen ska …`: PDF extraction glued two sentences. Split only between
/// a lower-case word and a capitalised word, never in addresses (`polisen.se`).
fn is_glued_break(text: &str, idx: usize, rest: &str, lexicons: &Lexicons) -> bool {
    let mut chars = rest.chars();
    let (Some(first), Some(second)) = (chars.next(), chars.next()) else {
        return false;
    };
    // `Harads.I medborgardialogerna`: a one-letter word (`I`, `Å`) opens a sentence too.
    let one_letter_word = second.is_whitespace() && matches!(first, 'I' | 'Å' | 'Ö');
    if !(first.is_uppercase() && (second.is_lowercase() || one_letter_word)) {
        return false;
    }
    // The word before is a word, not an initial or an acronym (`Harads.I` splits,
    // `A.B` and `SOL.I` do not).
    let word = word_before(text, idx);
    let lower_tail = word
        .chars()
        .rev()
        .take(2)
        .filter(|c| c.is_lowercase())
        .count()
        == 2;
    if word.chars().count() < 2 || !lower_tail || word.contains('.') {
        return false;
    }
    if lexicons.abbreviations.contains(&with_dot(text, idx, word)) {
        return false;
    }
    // The whitespace-free chunk around the dot: an address if it holds `@`, `/` or `www`.
    let chunk_start = text[..idx]
        .char_indices()
        .rfind(|(_, c)| c.is_whitespace())
        .map_or(0, |(i, c)| i + c.len_utf8());
    let rest_start = text.len() - rest.len();
    let chunk_end = rest
        .find(char::is_whitespace)
        .map_or(text.len(), |i| rest_start + i);
    let chunk = &text[chunk_start..chunk_end];
    !(chunk.contains('@') || chunk.contains('/') || chunk.to_lowercase().starts_with("www"))
}

/// The word before a dot at `idx`, with inner dots (`t.ex`, `bl.a`, `fr.o.m`) and a
/// spaced form (`t. ex`) kept together.
fn word_before(text: &str, idx: usize) -> Cow<'_, str> {
    let before = &text[..idx];
    // Back over letters, digits, dots and hyphens: ASCII by its byte, other
    // characters decoded (asked once per full stop).
    let bytes = before.as_bytes();
    let mut start = before.len();
    while let Some(&byte) = bytes[..start].last() {
        if byte.is_ascii() {
            if !(byte.is_ascii_alphanumeric() || byte == b'.' || byte == b'-') {
                break;
            }
            start -= 1;
        } else {
            let ch = before[..start]
                .chars()
                .next_back()
                .expect("a character ends here");
            if !is_letter_or_digit(ch) {
                break;
            }
            start -= ch.len_utf8();
        }
    }
    let word = &before[start..];
    // `t. ex.`: a one-letter abbreviation part before a space belongs to the word.
    let head = &before[..start];
    if let Some(prefix) = head
        .strip_suffix(' ')
        .filter(|prefix| prefix.ends_with('.'))
    {
        let prefix_start = prefix
            .char_indices()
            .rev()
            .find(|&(_, c)| !(c.is_alphabetic() || c == '.'))
            .map_or(0, |(i, c)| i + c.len_utf8());
        let candidate = &prefix[prefix_start..];
        if candidate.len() <= 4 {
            let spaced = format!("{candidate}{word}");
            return Cow::Owned(spaced.trim_start_matches(['.', '-']).to_string());
        }
    }
    Cow::Borrowed(word.trim_start_matches(['.', '-']))
}

/// `word`, as `word_before(text, idx)` gave it, with the dot at `idx`: a slice of the
/// text when the word is one, as it nearly always is (a lookup per full stop).
fn with_dot<'a>(text: &'a str, idx: usize, word: Cow<'a, str>) -> Cow<'a, str> {
    debug_assert_eq!(text.as_bytes()[idx], b'.');
    match word {
        Cow::Borrowed(word) => Cow::Borrowed(&text[idx - word.len()..=idx]),
        Cow::Owned(mut word) => {
            word.push('.');
            Cow::Owned(word)
        }
    }
}

// ---------------------------------------------------------------------------------------
// Context: headings and lead-ins.

/// Sets each unit's nearest heading and, for list items, the lead-in that introduces
/// them, as the units are made, in order. A lead-in governs the items after it, blank
/// lines between items included, until a heading, a new paragraph, or an item of its
/// own list level. A lead-in that is itself an item opens a list inside the list, and
/// an item of an enclosing list, after it, belongs to that list's lead-in again.
#[derive(Default)]
struct ContextLinker {
    heading: Option<usize>,
    /// The lead-ins in force, the innermost last.
    leadins: Vec<OpenLeadin>,
}

/// A lead-in in force: the unit, its block, its own list marker, and the marker of the
/// list it introduces, once an item of it has been seen.
struct OpenLeadin {
    unit: usize,
    block: usize,
    marker: Option<Marker>,
    items: Option<Marker>,
}

impl ContextLinker {
    /// Links `unit`, which will be unit `idx`, made from block `block_idx` (`block`)
    /// with list marker `marker`.
    fn link(
        &mut self,
        unit: &mut Unit,
        idx: usize,
        block_idx: usize,
        block: &Block,
        marker: Option<Marker>,
    ) {
        unit.heading_link = self.heading.map(UnitLink::to);
        if unit.kind == UnitKind::Heading {
            self.heading = Some(idx);
            self.leadins.clear();
            return;
        }
        if marker.is_some() || unit.responsibility {
            self.link_item(unit, marker);
        } else {
            // Outside a list, only the sentence right after a lead-in in its paragraph
            // is introduced by it (`Vi lovar följande: Polisen …`); any other ends them all.
            match self.leadins.last() {
                Some(leadin)
                    if idx == leadin.unit + 1
                        && (leadin.block == block_idx || !block.after_blank) =>
                {
                    unit.leadin_link = Some(UnitLink::to(leadin.unit));
                }
                _ => self.leadins.clear(),
            }
        }
        if unit.kind == UnitKind::LeadIn {
            self.leadins.push(OpenLeadin {
                unit: idx,
                block: block_idx,
                marker,
                items: None,
            });
        }
    }

    /// Links a list item (or a responsibility line, `marker` `None`) to the lead-in of
    /// its list.
    fn link_item(&mut self, unit: &mut Unit, marker: Option<Marker>) {
        // An item of a lead-in's own level ends that lead-in's list.
        while let Some(leadin) = self.leadins.last() {
            if !same_list(leadin.marker, marker) {
                break;
            }
            self.leadins.pop();
        }
        // An item of an enclosing list ends the lists inside it.
        let enclosing = self
            .leadins
            .iter()
            .rposition(|leadin| same_list(leadin.items, marker));
        if let Some(position) = enclosing {
            self.leadins.truncate(position + 1);
        }
        if let Some(leadin) = self.leadins.last_mut() {
            unit.leadin_link = Some(UnitLink::to(leadin.unit));
            if leadin.items.is_none() {
                leadin.items = marker;
            }
        }
    }
}

fn same_list(a: Option<Marker>, b: Option<Marker>) -> bool {
    match (a, b) {
        (Some(Marker::Bullet(x)), Some(Marker::Bullet(y))) => x == y,
        (
            Some(Marker::Number {
                close: c1,
                letter: l1,
                ..
            }),
            Some(Marker::Number {
                close: c2,
                letter: l2,
                ..
            }),
        ) => c1 == c2 && l1 == l2,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lexicon::ActorCategory;

    fn check_units(text: &str, expected: &[(&str, &str)]) {
        let lexicons = Lexicons::embedded();
        let units = segment(&Arc::new(text.to_string()), &lexicons);
        let got: Vec<(&str, &str)> = units
            .iter()
            .map(|u| (u.kind.as_str(), u.text.as_str()))
            .collect();
        assert_eq!(got, expected, "\ninput:\n{text}");
        for unit in &units {
            assert!(unit.start < unit.end && unit.end <= text.len());
        }
    }

    proptest::proptest! {
        /// The one-pass count of sentence marks is the count of each mark, also across
        /// the chunks it counts by.
        #[test]
        fn sentence_marks_counts_every_mark(
            bytes in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::strategy::Just(b'.'),
                    proptest::strategy::Just(b'?'),
                    proptest::prop_oneof![
                        proptest::strategy::Just(b'!'),
                        proptest::strategy::Just(b':'),
                    ],
                    proptest::num::u8::ANY,
                ],
                0..1200,
            ),
            run in 0usize..700,
        ) {
            // A long run of marks fills whole chunks, where a byte counter could overflow.
            let bytes = [bytes, vec![b'.'; run]].concat();
            let each = |mark| bytes.iter().filter(|&&byte| byte == mark).count();
            proptest::prop_assert_eq!(
                sentence_marks(&bytes),
                each(b'.') + each(b'?') + each(b'!') + each(b':')
            );
        }
    }

    proptest::proptest! {
        /// The mark scan finds what a byte-by-byte search finds, from any increasing
        /// sequence of places (the remembered rare mark must never be stale).
        #[test]
        fn the_mark_scan_finds_the_next_mark_byte(
            text in "[a .:?!…–”é]{0,60}",
            steps in proptest::collection::vec(0usize..6, 1..40),
        ) {
            let bytes = text.as_bytes();
            let slowly = |from: usize| {
                bytes[from..]
                    .iter()
                    .position(|&b| matches!(b, b':' | b'.' | b'!' | b'?' | 0xE2))
                    .map(|at| from + at)
            };
            let mut marks = MarkScan::default();
            let mut from = 0;
            for step in steps {
                if from > bytes.len() {
                    break;
                }
                let found = marks.next(bytes, from);
                proptest::prop_assert_eq!(found, slowly(from), "{:?} from {}", text, from);
                from = found.map_or(from, |at| at + 1) + step;
            }
        }
    }

    proptest::proptest! {
        /// The sentences cover the text from `from` to its end, one after another, and
        /// each says it holds a colon exactly when its text does (so that a responsibility
        /// line is never missed for want of a search).
        #[test]
        fn each_sentence_knows_whether_it_holds_a_colon(
            text in "[a Ab.:?!…–”\n]{0,80}",
            from in 0usize..8,
        ) {
            let lexicons = Lexicons::embedded();
            let from = (0..=from.min(text.len())).rev().find(|&at| text.is_char_boundary(at)).unwrap();
            let mut ends = Vec::new();
            sentence_ends(&text, from, &lexicons, &mut ends);
            let mut start = from;
            for end in &ends {
                proptest::prop_assert!(end.at >= start && text.is_char_boundary(end.at));
                proptest::prop_assert_eq!(end.has_colon, text[start..end.at].contains(':'), "{:?}", text);
                start = end.at;
            }
            proptest::prop_assert_eq!(start, text.len());
        }
    }

    proptest::proptest! {
        /// `enumerator` reads what the regular expression it replaced matched, wherever
        /// that gave a marker (a number that is not ASCII never did: it does not parse).
        #[test]
        fn the_enumerator_reads_what_the_regex_read(
            line in "\\(?[0-9١azåAÖ(]{0,3}[.)x]?[ \u{a0}]{0,2}[x.)]{0,2}",
        ) {
            let regex = Regex::new(
                r"^(?:\(?(\d{1,2})([.)])|([a-zåäö])([.)])|([A-ZÅÄÖ])([.)]))(?:\s+|$)",
            )
            .unwrap();
            let expected = regex.captures(&line).and_then(|caps| {
                let end = caps.get(0).unwrap().end();
                let close = |group: usize| caps.get(group).unwrap().as_str().chars().next().unwrap();
                let letter = |group: usize| caps.get(group).map(|m| m.as_str().chars().next().unwrap());
                if let Some(number) = caps.get(1) {
                    Some((Label::Number(number.as_str().parse().ok()?), close(2), end))
                } else if let Some(lower) = letter(3) {
                    Some((Label::Lower(lower), close(4), end))
                } else {
                    Some((Label::Upper(letter(5).unwrap()), close(6), end))
                }
            });
            proptest::prop_assert_eq!(enumerator(&line), expected, "{:?}", line);
        }
    }

    proptest::proptest! {
        /// A line ends with a continuing word when its last word, lower-cased, is one,
        /// and no longer than the longest as written.
        #[test]
        fn continuing_words_are_found_in_any_case(
            head in "[a-zÅ ]{0,6}",
            word_idx in 0..CONTINUING_WORDS.len(),
            tail in "[a-zA-ZåÅäÄöÖ.\u{212A}\u{212B}\u{130}]{0,3}",
            upper in proptest::collection::vec(proptest::bool::ANY, 12),
            space in "[ \t\u{a0}]",
        ) {
            let word: String = CONTINUING_WORDS[word_idx]
                .chars()
                .zip(upper.iter().cycle())
                .map(|(ch, &up)| if up { ch.to_uppercase().next().unwrap() } else { ch })
                .collect::<String>()
                + &tail;
            let line = format!("{head}{space}{word}");
            let last = line.split_whitespace().last().unwrap_or("");
            let expected = last.len() <= CONTINUING_MAX_LEN
                && CONTINUING.contains(last.to_lowercase().as_bytes());
            proptest::prop_assert_eq!(ends_with_continuing_word(&line), expected, "{:?}", line);
        }
    }

    proptest::proptest! {
        /// The furniture regexes never match a line their quick checks turn away.
        #[test]
        fn furniture_quick_checks_never_turn_a_match_away(
            line in proptest::prop_oneof![
                "(sida|Sida|ſida|SID\\.|page|s\\.|x)?[ \u{a0}]?[-–(]?[ ]?[0-9٣]{1,3}[ ]?(av|/|\\()?[ ]?[0-9]{0,3}\\)?",
                "[a-zſ ]{0,6}[. …]{0,9}[ ]?[0-9]{1,3}",
                "[A-Za-zåö ]{0,12}[ \u{a0}](sida|Sida|ſid|s\\.|PAGE)[ ]?[0-9]{1,3}[ \u{a0}]?(av|AV|aV|/|\\()[ \u{2003}]?[0-9٣]{1,3}[ ]?\\)?",
            ],
        ) {
            if TOC_LINE.is_match(&line) {
                proptest::prop_assert!(may_be_toc_line(&line), "{:?}", line);
            }
            if PAGE_NUMBER.is_match(&line) || SPELLED_PAGE_NUMBER.is_match(&line) {
                proptest::prop_assert!(may_start_page_number(&line), "{:?}", line);
                proptest::prop_assert!(few_letters(&line), "{:?}", line);
            }
            if PAGE_MARKER_AT_END.is_match(&line) {
                proptest::prop_assert!(may_end_page_marker(&line), "{:?}", line);
            }
        }
    }

    #[test]
    fn a_responsibility_line_is_found_by_the_responsible_entries_alone() {
        // The definition: some actor entry of category Responsible matches at the start.
        let lexicons = Lexicons::embedded();
        let by_whole_lexicon = |line: &str| {
            line.contains(':')
                && lexicons
                    .actors
                    .find_at(&crate::matcher::tokenize(line), 0)
                    .iter()
                    .any(|hit| hit.entry.category == ActorCategory::Responsible)
        };
        let mut lines: Vec<String> = [
            "Ansvarig: Polisen",
            "Ansvariga parter: kommunen och polisen",
            "ansvar : socialtjänsten",
            "Huvudansvarig:",
            "Ansvarig aktör: Fritidsgården",
            "Ansvariga för arbetet: alla",
            "Polisen: ansvarig",
            "Kontakt: Eva",
        ]
        .map(String::from)
        .to_vec();
        for text in crate::testing::corpus_texts() {
            lines.extend(text.lines().map(|line| line.trim().to_string()));
        }
        let found = lines.iter().filter(|line| by_whole_lexicon(line)).count();
        assert!(found >= 10, "the corpus has responsibility lines ({found})");
        for line in &lines {
            assert_eq!(
                is_responsibility_line(line, &lexicons),
                by_whole_lexicon(line),
                "{line}"
            );
        }
    }

    /// `word_before` written plainly over a vector of characters: the reference.
    fn word_before_by_characters(text: &str, idx: usize) -> String {
        let chars: Vec<char> = text[..idx].chars().collect();
        let in_word = |c: char| is_letter_or_digit(c) || c == '.' || c == '-';
        let word_from = chars
            .iter()
            .rposition(|&c| !in_word(c))
            .map_or(0, |at| at + 1);
        let mut found: String = chars[word_from..].iter().collect();
        // `t. ex.`: a part of at most four bytes ending in a dot, then a space.
        if word_from > 0 && chars[word_from - 1] == ' ' {
            let head = &chars[..word_from - 1];
            let part_from = head
                .iter()
                .rposition(|&c| !(c.is_alphabetic() || c == '.'))
                .map_or(0, |at| at + 1);
            let part: String = head[part_from..].iter().collect();
            if part.ends_with('.') && part.len() <= 4 {
                found = part + &found;
            }
        }
        found.trim_start_matches(['.', '-']).to_string()
    }

    #[test]
    fn the_word_before_a_dot_keeps_a_spaced_abbreviation_together() {
        for text in [
            "enligt t. ex. planen.",
            "enligt o.s. v.",
            "bl. a. polisen.",
            "fr.o.m. i dag.",
            "å.ä. ö.",
            "abcd. e.",
            "ab.cd. e.",
            "x  y.",
            ". a.",
        ] {
            for (idx, _) in text.match_indices('.') {
                assert_eq!(
                    word_before(text, idx),
                    word_before_by_characters(text, idx).as_str(),
                    "{text:?} at {idx}"
                );
            }
        }
        assert_eq!(word_before("enligt o.s. v.", 13), "o.s.v");
    }

    proptest::proptest! {
        /// The byte-wise scan finds the word the character-wise one does, before every
        /// dot of any mix of letters (Latin-1 and beyond), digits, dots, hyphens, spaces
        /// and other signs.
        #[test]
        fn the_word_before_a_dot_is_found_byte_by_byte_as_character_by_character(
            text in "[a-zA-Z0-9åÄé.\\- ,;:²\u{2013}\u{130}\u{3A3}\u{661}\u{1F600}]{0,30}",
        ) {
            let text = text + ".";
            for (idx, _) in text.match_indices('.') {
                let expected = word_before_by_characters(&text, idx);
                proptest::prop_assert_eq!(
                    word_before(&text, idx),
                    expected.as_str(),
                    "{:?} at {}", text, idx
                );
            }
        }
    }

    #[test]
    fn units_that_read_as_their_span_share_the_documents_text() {
        let text = "Trygghet i centrum\n\nPolisen ska öka närvaron. Kommunen ska\nbjuda in till möten.\n\n• ha  två mellanslag\n• en punkt\n";
        let source = Arc::new(text.to_string());
        let units = segment(&source, &Lexicons::embedded());
        let shared: Vec<(&str, bool)> = units
            .iter()
            .map(|unit| (&*unit.text, unit.text.shares(&source)))
            .collect();
        assert_eq!(
            shared,
            [
                ("Trygghet i centrum", true),
                ("Polisen ska öka närvaron.", true),
                // Joined across a line break, spaces collapsed: copies of their own.
                ("Kommunen ska bjuda in till möten.", false),
                ("ha två mellanslag", false),
                ("en punkt", true),
            ]
        );
        for unit in &units {
            assert_eq!(
                text[unit.start..unit.end] == *unit.text,
                unit.text.shares(&source)
            );
        }
    }

    #[test]
    fn the_segmentation_scope_of_the_lexicons_segments_alike() {
        let all = Lexicons::embedded();
        let scoped = Lexicons::embedded_for(crate::lexicon::Scope::Segmentation);
        let texts = crate::testing::corpus_texts();
        assert!(texts.len() >= 10, "the corpus is there");
        for text in texts {
            let text = Arc::new(text);
            assert_eq!(segment(&text, &scoped), segment(&text, &all));
        }
    }

    #[test]
    fn the_byte_scans_agree_with_the_character_definitions() {
        let spaced_slowly = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
        let continuing_slowly = |line: &str| {
            line.split_whitespace()
                .last()
                .is_some_and(|word| CONTINUING_WORDS.contains(&word.to_lowercase().as_str()))
        };
        for text in [
            "Polisen ska öka närvaron – varje fredag.",
            "två  mellanslag",
            "tab\there",
            "rad\nbryt",
            "hårt\u{a0}mellanrum",
            "smalt\u{202f}mellanrum och\u{2003}em",
            "ideografiskt\u{3000}mellanrum",
            " inledande",
            "avslutande ",
            "”citat” • punkt ▪ ruta",
            "",
            "Trygghet och",
            "Arbete OCH",
            "Samverkan FÖR",
            "gäller från",
            "Ansvarig",
            "slutar med\u{a0}och",
        ] {
            assert_eq!(collapse_spaces(text), spaced_slowly(text), "{text:?}");
            assert_eq!(
                ends_with_continuing_word(text),
                continuing_slowly(text),
                "{text:?}"
            );
        }
        // Inline bullets: found by their lead byte, split only between spaces.
        let text = "Vi lovar att: • ha möten ▪ öka närvaron •utan mellanrum";
        let mut segments = Vec::new();
        inline_bullet_segments(text, &mut segments);
        let pieces: Vec<&str> = segments
            .into_iter()
            .map(|(start, end)| &text[start..end])
            .collect();
        assert_eq!(
            pieces,
            [
                "Vi lovar att: ",
                " ha möten ",
                " öka närvaron •utan mellanrum"
            ]
        );
    }

    #[test]
    fn abbreviations_dates_times_and_initials_do_not_split() {
        check_units(
            "Mötet börjar kl. 18.30 i stadshuset, dvs. Kommunen bjuder in bl.a. Malmö och t.ex. Lund. Avtalet gäller fr.o.m. 1 jan. 2020 och ca 20 st. vandringar. Kontakt P. Strandell. Polisen deltar.",
            &[
                ("sentence", "Mötet börjar kl. 18.30 i stadshuset, dvs. Kommunen bjuder in bl.a. Malmö och t.ex. Lund."),
                ("sentence", "Avtalet gäller fr.o.m. 1 jan. 2020 och ca 20 st. vandringar."),
                ("sentence", "Kontakt P. Strandell."),
                ("sentence", "Polisen deltar."),
            ],
        );
    }

    #[test]
    fn end_abbreviation_closes_before_capital() {
        check_units(
            "Vi ordnar möten, vandringar m.m. Polisen deltar i arbetet osv. och mer.",
            &[
                ("sentence", "Vi ordnar möten, vandringar m.m."),
                ("sentence", "Polisen deltar i arbetet osv. och mer."),
            ],
        );
    }

    #[test]
    fn question_and_ellipsis_end_sentences() {
        check_units(
            "Vad gör vi? Vi väntar… Sedan följer mer! Klart.",
            &[
                ("sentence", "Vad gör vi?"),
                ("sentence", "Vi väntar…"),
                ("sentence", "Sedan följer mer!"),
                ("sentence", "Klart."),
            ],
        );
    }

    /// Each unit's nearest heading and the lead-in it is linked to, by text.
    fn context_links(text: &str) -> Vec<(String, Option<String>, Option<String>)> {
        let lexicons = Lexicons::embedded();
        let units = segment(&Arc::new(text.to_string()), &lexicons);
        let text_of = |idx: Option<usize>| idx.map(|idx| units[idx].text.as_str().to_string());
        units
            .iter()
            .map(|unit| {
                (
                    unit.text.as_str().to_string(),
                    text_of(unit.heading()),
                    text_of(unit.leadin()),
                )
            })
            .collect()
    }

    #[test]
    fn lead_ins_govern_their_items_until_a_paragraph_or_heading() {
        let text = "Polisens åtaganden\n\nPolisen lovar att:\n• öka närvaron i centrum\n\n\
                    • genomföra trygghetsvandringar\n  – i Centrum, där kommunen ska:\n    \
                    1. tända gatubelysningen\n• besöka skolorna\n• samarbeta med \
                    föreningar genom att:\n  – bjuda in dem\n• ordna föreningsmöten\n\n\
                    Vi gör följande: Polisen ses varje fredag på \
                    torget. Det blir bra.\n\nKommunen lovar:\n\nDet här är ett nytt stycke.\n\n\
                    Polisen lovar också:\n• ordna möten\n\nKommunens åtaganden\n\n\
                    • hålla skolgårdarna öppna\n• samverka med skolan om:\n  – rastvakter\n\
                    • ordna läxhjälp\n";
        let police = Some("Polisens åtaganden");
        let expected = [
            ("Polisens åtaganden", None, None),
            ("Polisen lovar att:", police, None),
            // Items, blank lines between them included.
            ("öka närvaron i centrum", police, Some("Polisen lovar att:")),
            (
                "genomföra trygghetsvandringar",
                police,
                Some("Polisen lovar att:"),
            ),
            // A lead-in inside the list is an item of it, and leads a list of its own.
            (
                "i Centrum, där kommunen ska:",
                police,
                Some("Polisen lovar att:"),
            ),
            (
                "tända gatubelysningen",
                police,
                Some("i Centrum, där kommunen ska:"),
            ),
            // An item of the enclosing list after it belongs to the enclosing lead-in.
            ("besöka skolorna", police, Some("Polisen lovar att:")),
            (
                "samarbeta med föreningar genom att:",
                police,
                Some("Polisen lovar att:"),
            ),
            (
                "bjuda in dem",
                police,
                Some("samarbeta med föreningar genom att:"),
            ),
            // Also after a lead-in of its own list level.
            ("ordna föreningsmöten", police, Some("Polisen lovar att:")),
            // A sentence right after a lead-in in its paragraph, and only that one.
            ("Vi gör följande:", police, None),
            (
                "Polisen ses varje fredag på torget.",
                police,
                Some("Vi gör följande:"),
            ),
            ("Det blir bra.", police, None),
            // Not a sentence in the next paragraph.
            ("Kommunen lovar:", police, None),
            ("Det här är ett nytt stycke.", police, None),
            ("Polisen lovar också:", police, None),
            ("ordna möten", police, Some("Polisen lovar också:")),
            // A heading ends the lead-in.
            ("Kommunens åtaganden", police, None),
            (
                "hålla skolgårdarna öppna",
                Some("Kommunens åtaganden"),
                None,
            ),
            // An item that leads a list of its own, with no lead-in above it: the next
            // item of its level is under none.
            ("samverka med skolan om:", Some("Kommunens åtaganden"), None),
            (
                "rastvakter",
                Some("Kommunens åtaganden"),
                Some("samverka med skolan om:"),
            ),
            ("ordna läxhjälp", Some("Kommunens åtaganden"), None),
        ];
        let links = context_links(text);
        let links: Vec<(&str, Option<&str>, Option<&str>)> = links
            .iter()
            .map(|(text, heading, leadin)| (text.as_str(), heading.as_deref(), leadin.as_deref()))
            .collect();
        assert_eq!(links, expected);
    }

    #[test]
    fn headings_leadins_and_items_without_punctuation() {
        check_units(
            "Medborgarlöfte 2021\n\nPolisens åtaganden\nPolisen lovar att:\n• genomföra minst åtta trygghetsvandringar\n• verka för ökad närvaro\n\nAnsvarig: Polisen\n",
            &[
                ("heading", "Medborgarlöfte 2021"),
                ("heading", "Polisens åtaganden"),
                ("leadin", "Polisen lovar att:"),
                ("item", "genomföra minst åtta trygghetsvandringar"),
                ("item", "verka för ökad närvaro"),
                ("sentence", "Ansvarig: Polisen"),
            ],
        );
    }

    #[test]
    fn hard_wrapped_paragraph_with_hyphenation_is_joined() {
        check_units(
            "Polisen ska under hösten genomföra trygg-\nhetsvandringar i centrala Malmö tillsammans med polis- och\nkommunledningen under 2019-\n2020. Kommunen deltar.\n",
            &[
                ("sentence", "Polisen ska under hösten genomföra trygghetsvandringar i centrala Malmö tillsammans med polis- och kommunledningen under 2019-2020."),
                ("sentence", "Kommunen deltar."),
            ],
        );
    }

    #[test]
    fn glued_sentences_split_but_addresses_do_not() {
        check_units(
            "Vi ses i centrum.Polisen ska läsa polisen.se och skriva till eva.berg@ystad.se i dag.",
            &[
                ("sentence", "Vi ses i centrum."),
                (
                    "sentence",
                    "Polisen ska läsa polisen.se och skriva till eva.berg@ystad.se i dag.",
                ),
            ],
        );
    }

    // Regression: a glued break after a closing quote sliced inside `å` (`centrum."Polisenå`).
    #[test]
    fn glued_break_after_a_quote_with_non_ascii_does_not_panic() {
        check_units(
            "Vi ses i centrum.\"Polisenå ska gå hem.",
            &[
                ("sentence", "Vi ses i centrum.\""),
                ("sentence", "Polisenå ska gå hem."),
            ],
        );
    }

    #[test]
    fn numbered_heading_versus_numbered_list() {
        check_units(
            "3. Uppföljning\n\nParterna följer upp arbetet.\n\n1. Genomföra vandringar\n2. Besöka skolor\n",
            &[
                ("heading", "3. Uppföljning"),
                ("sentence", "Parterna följer upp arbetet."),
                ("item", "Genomföra vandringar"),
                ("item", "Besöka skolor"),
            ],
        );
    }

    #[test]
    fn numbered_items_on_one_line_are_split() {
        check_units(
            "1. Polisen ska genomföra vandringar. 2. Kommunen ska förbättra belysningen enligt 2 kap. 3. Båda parter ska följa upp.\n",
            &[
                ("item", "Polisen ska genomföra vandringar."),
                ("item", "Kommunen ska förbättra belysningen enligt 2 kap. 3. Båda parter ska följa upp."),
            ],
        );
    }

    #[test]
    fn inline_bullets_give_one_unit_per_item() {
        check_units(
            "Vi lovar att: • ha minst två poliser i tjänst • öka närvaron i centrum\n",
            &[
                ("leadin", "Vi lovar att:"),
                ("item", "ha minst två poliser i tjänst"),
                ("item", "öka närvaron i centrum"),
            ],
        );
    }

    #[test]
    fn page_furniture_is_dropped_and_paragraph_runs_across_the_break() {
        check_units(
            "Avtal Ystad 2021\n\nPolisen ska genomföra fler\n\nSida 1 av 2\n\x0cAvtal Ystad 2021\n\ntrygghetsvandringar i parken.\n\nSida 2 av 2\n",
            &[("sentence", "Polisen ska genomföra fler trygghetsvandringar i parken.")],
        );
    }

    #[test]
    fn running_headers_between_page_numbers_are_dropped_without_form_feeds() {
        check_units(
            "Samverkansavtal Lund 2024\n\nPolisen ska patrullera i centrum.\n\n1\n\nSamverkansavtal Lund 2024\n\nKommunen ska tända belysningen.\n\n2\n\nSamverkansavtal Lund 2024\n\nParterna följer upp arbetet.\n",
            &[
                ("sentence", "Polisen ska patrullera i centrum."),
                ("sentence", "Kommunen ska tända belysningen."),
                ("sentence", "Parterna följer upp arbetet."),
            ],
        );
    }

    #[test]
    fn footer_with_page_number_is_dropped() {
        check_units(
            "Polisen ska genomföra\nSamverkansavtal Hörby 2020   Sida 1 (5)\nvandringar.\n",
            &[("sentence", "Polisen ska genomföra vandringar.")],
        );
    }

    #[test]
    fn table_of_contents_lines_are_dropped() {
        check_units(
            "Innehåll\n1. Bakgrund ........ 2\n2. Åtaganden ........ 3\n\nBakgrund\n\nText här.\n",
            &[
                ("heading", "Innehåll"),
                ("heading", "Bakgrund"),
                ("sentence", "Text här."),
            ],
        );
    }

    #[test]
    fn bullet_alone_on_its_line_introduces_the_next_line() {
        check_units(
            "Vi lovar:\n\u{F0B7}\ngenomföra vandringar\n\u{F0B7}\nbesöka skolor\n",
            &[
                ("leadin", "Vi lovar:"),
                ("item", "genomföra vandringar"),
                ("item", "besöka skolor"),
            ],
        );
    }

    #[test]
    fn responsibility_inside_an_item_is_split_off() {
        check_units(
            "• Genomföra vandringar i Öster. Ansvarig: kommunen och polisen.\n",
            &[
                ("item", "Genomföra vandringar i Öster."),
                ("sentence", "Ansvarig: kommunen och polisen."),
            ],
        );
    }

    #[test]
    fn no_unit_spans_a_blank_line() {
        check_units(
            "Polisen ska\n\nbesöka skolor.\n",
            &[("sentence", "Polisen ska"), ("sentence", "besöka skolor.")],
        );
    }
}
