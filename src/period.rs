//! The validity period a document states: `gäller 2020–2021`, `1 januari 2019 –
//! 31 december 2020`, `avtalsperiod 2022-01-01 – 2023-12-31`, or the year of its title.
//!
//! Input: the document text, its first units and its file name. Output: an optional
//! `Period` of ISO dates; a bare year stands for its first or last day.

use std::cell::LazyCell;
use std::sync::{LazyLock, OnceLock};

use aho_corasick::AhoCorasick;
use regex::Regex;
use serde::Serialize;

/// A validity period, as `YYYY-MM-DD` dates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Period {
    pub start: String,
    pub end: String,
    /// The words that stated it.
    pub evidence: String,
}

impl Period {
    /// The years the period covers.
    pub fn years(&self) -> std::ops::RangeInclusive<u32> {
        let year = |date: &str| date[..4].parse::<u32>().unwrap_or(0);
        year(&self.start)..=year(&self.end)
    }
}

const MONTHS: [&str; 12] = [
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
];

// Digits are ASCII ones: a period is reported as ISO dates, which a year written in
// another script's digits (`٢٠٢٢`) would not make, and ASCII classes compile to a
// fraction of Unicode's `\d` (each pattern is compiled on the first text that may
// hold a match, `stated` says which).
static ISO_RANGE: Pattern = Pattern::new(
    r"([0-9]{4}-[0-9]{2}-[0-9]{2})\s*(?:–|-|—|till och med|t\.o\.m\.|till)\s*([0-9]{4}-[0-9]{2}-[0-9]{2})",
);
static WRITTEN_RANGE: Pattern = Pattern::new(
    r"(?i)([0-9]{1,2}) (januari|februari|mars|april|maj|juni|juli|augusti|september|oktober|november|december)(?: ([0-9]{4}))?\s*(?:–|-|—|till och med|t\.o\.m\.|till)\s*(?:den )?([0-9]{1,2}) (januari|februari|mars|april|maj|juni|juli|augusti|september|oktober|november|december) ([0-9]{4})",
);
static VALID_UNTIL: Pattern = Pattern::new(
    r"(?i)(?:gäller|giltig|giltighetstid|avtalsperiod|period)[^.\n]{0,40}?(?:till och med|t\.o\.m\.|till)\s*(?:den )?([0-9]{1,2}) (januari|februari|mars|april|maj|juni|juli|augusti|september|oktober|november|december) ([0-9]{4})",
);
static YEAR_RANGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?-u:\b)(20[0-9][0-9]|19[0-9][0-9])\s*(?:–|-|—|/)\s*(20[0-9][0-9]|19[0-9][0-9]|[0-9][0-9])(?-u:\b)")
        .expect("valid regex")
});
static YEAR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?-u:\b)(20[0-9][0-9]|19[0-9][0-9])(?-u:\b)").expect("valid regex")
});
static STATES_PERIOD: Pattern = Pattern::new(
    r"(?i)(?:^|\W)(?:gäller|giltig|giltighetstid|avtalsperiod|avtalstid|löftesperiod|perioden|för år|under år|under åren)(?:$|\W)",
);

/// A pattern compiled on first use, which can tell whether it has been.
struct Pattern {
    source: &'static str,
    compiled: OnceLock<Regex>,
}

impl Pattern {
    const fn new(source: &'static str) -> Pattern {
        Pattern {
            source,
            compiled: OnceLock::new(),
        }
    }

    /// The regex, unless `may_match` says `text` cannot hold a match. `may_match` (a
    /// quick check that passes every text the pattern matches) is asked only while the
    /// regex is not compiled: it is there to spare a short run the compiling (a third
    /// of `lofte explain`), and once compiled, the regex's own search is as quick.
    fn unless_ruled_out(&self, may_match: impl FnOnce() -> bool) -> Option<&Regex> {
        if self.compiled.get().is_none() && !may_match() {
            return None;
        }
        Some(self)
    }
}

impl std::ops::Deref for Pattern {
    type Target = Regex;

    fn deref(&self) -> &Regex {
        self.compiled
            .get_or_init(|| Regex::new(self.source).expect("valid regex"))
    }
}

/// The period the document states. The text's own dates come first (a range of
/// dates, `gäller … till och med …`), then a year or a range of years in a sentence
/// that speaks of validity, then the title, then the file name.
pub fn find(text: &str, title: &str, file_name: &str) -> Option<Period> {
    stated(text)
        .or_else(|| years(title))
        .or_else(|| years(file_name))
}

/// Words one of which every month name holds, as `(?i)` reads the names: cut where a
/// letter folds to a character outside ASCII (`s` to `ſ`, `k` to the Kelvin sign), so
/// that a search that ignores ASCII case finds one wherever a month name stands.
const MONTH_CORES: [&str; 12] = [
    "januari", "februari", "mar", "april", "maj", "juni", "juli", "augu", "eptember", "tober",
    "november", "december",
];

/// The same for the words of `STATES_PERIOD`, with their Swedish letters in each case
/// `(?i)` allows (`å` also as the Ångström sign).
const PERIOD_WORD_CORES: [&str; 14] = [
    "gäller",
    "gÄller",
    "giltig",
    "avtal",
    "period",
    "för år",
    "för År",
    "för \u{212b}r",
    "fÖr år",
    "fÖr År",
    "fÖr \u{212b}r",
    "under år",
    "under År",
    "under \u{212b}r",
];

/// A search for any of `words`, ASCII case ignored.
fn any_of(words: &[&str]) -> AhoCorasick {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(words)
        .expect("plain words build an automaton")
}

static MONTHS_FOUND: LazyLock<AhoCorasick> = LazyLock::new(|| any_of(&MONTH_CORES));
static PERIOD_WORDS_FOUND: LazyLock<AhoCorasick> = LazyLock::new(|| any_of(&PERIOD_WORD_CORES));

/// The period the text itself states.
fn stated(text: &str) -> Option<Period> {
    // Every pattern needs a digit: a text without one (a sentence given to `lofte
    // explain`) states no period, and the patterns need not even be compiled for it.
    // Nor is a pattern compiled for a text without what it cannot match without (an ISO
    // date, a month, a word that states a period): 19 million instructions, a third of
    // `lofte explain` on a commitment with a number.
    if !has_ascii_digit(text) {
        return None;
    }
    let iso_range = ISO_RANGE.unless_ruled_out(|| has_iso_date(text));
    if let Some(found) = iso_range.and_then(|regex| regex.captures(text)) {
        return Some(Period {
            start: found[1].to_string(),
            end: found[2].to_string(),
            evidence: found[0].to_string(),
        });
    }
    let months = LazyCell::new(|| MONTHS_FOUND.is_match(text));
    let written_range = WRITTEN_RANGE.unless_ruled_out(|| *months);
    if let Some(found) = written_range.and_then(|regex| regex.captures(text)) {
        let end_year = &found[6];
        let start_year = found.get(3).map_or(end_year, |y| y.as_str());
        return Some(Period {
            start: date(start_year, &found[2], &found[1]),
            end: date(end_year, &found[5], &found[4]),
            evidence: found[0].to_string(),
        });
    }
    if let Some(states) = STATES_PERIOD.unless_ruled_out(|| PERIOD_WORDS_FOUND.is_match(text)) {
        for sentence in sentences_stating_a_period(text, states) {
            if let Some(period) = years(sentence) {
                return Some(period);
            }
        }
    }
    let valid_until = VALID_UNTIL.unless_ruled_out(|| *months);
    if let Some(found) = valid_until.and_then(|regex| regex.captures(text)) {
        let end = date(&found[3], &found[2], &found[1]);
        return Some(Period {
            start: format!("{}-01-01", &found[3]),
            end,
            evidence: found[0].to_string(),
        });
    }
    None
}

/// Does `text` hold an ASCII digit, as every period pattern needs?
fn has_ascii_digit(text: &str) -> bool {
    text.bytes().any(|b| b.is_ascii_digit())
}

/// Does `text` hold an ISO date (`2022-01-01`, ASCII digits), as `ISO_RANGE` needs?
fn has_iso_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    let digits = |from: usize, to: usize| {
        bytes
            .get(from..to)
            .is_some_and(|part| part.iter().all(u8::is_ascii_digit))
    };
    memchr::memchr_iter(b'-', bytes).any(|at| {
        at >= 4
            && digits(at - 4, at)
            && digits(at + 1, at + 3)
            && bytes.get(at + 3) == Some(&b'-')
            && digits(at + 4, at + 6)
    })
}

/// The sentences (pieces between full stops and line breaks) that `states`
/// (`STATES_PERIOD`) matches, in order: one search through the text rather than one per
/// sentence. A search starts at the break before the next sentence, so the break can
/// serve as the non-word character in front of its first word.
fn sentences_stating_a_period<'t>(
    text: &'t str,
    states: &'t Regex,
) -> impl Iterator<Item = &'t str> {
    let is_break = |c: char| c == '.' || c == '\n';
    let mut from = 0;
    std::iter::from_fn(move || {
        let found = states.find_at(text, from)?;
        // The keyword starts at the match or after the one character in front of it.
        let keyword = text[found.start()..]
            .char_indices()
            .find(|&(_, c)| c.is_alphabetic())
            .map_or(found.start(), |(at, _)| found.start() + at);
        let start = text[..keyword].rfind(is_break).map_or(0, |at| at + 1);
        let end = text[keyword..]
            .find(is_break)
            .map_or(text.len(), |at| keyword + at);
        from = end;
        Some(&text[start..end])
    })
}

/// `2020–2022` → 2020-01-01 … 2022-12-31; `2021` → the whole year.
fn years(text: &str) -> Option<Period> {
    // Both patterns start with `19` or `20`.
    if memchr::memmem::find(text.as_bytes(), b"20").is_none()
        && memchr::memmem::find(text.as_bytes(), b"19").is_none()
    {
        return None;
    }
    if let Some(found) = YEAR_RANGE.captures(text) {
        let start = &found[1];
        let end = if found[2].len() == 2 {
            format!("{}{}", &start[..2], &found[2])
        } else {
            found[2].to_string()
        };
        if end.as_str() >= start {
            return Some(Period {
                start: format!("{start}-01-01"),
                end: format!("{end}-12-31"),
                evidence: found[0].to_string(),
            });
        }
    }
    let found = YEAR.find(text)?;
    Some(Period {
        start: format!("{}-01-01", found.as_str()),
        end: format!("{}-12-31", found.as_str()),
        evidence: found.as_str().to_string(),
    })
}

fn date(year: &str, month: &str, day: &str) -> String {
    let month = MONTHS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(month))
        .map_or(1, |m| m + 1);
    format!("{year}-{month:02}-{:02}", day.parse::<u32>().unwrap_or(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dates(text: &str, title: &str, file: &str) -> Option<(String, String)> {
        find(text, title, file).map(|p| (p.start, p.end))
    }

    #[test]
    fn sentences_stating_a_period_are_those_a_sentence_by_sentence_check_finds() {
        let mut texts: Vec<String> = [
            "Avtalet gäller.Perioden 2020–2021 och sedan\ngäller 2019-2020.",
            "perioden",
            "Under åren 2018–2020 gäller löftet. Ingenting här. För år 2021.",
            "gällerperioden. giltig\n\n.avtalstid.",
            "",
        ]
        .map(String::from)
        .to_vec();
        texts.extend(crate::testing::corpus_texts());
        let mut found = 0;
        for text in &texts {
            let one_by_one: Vec<&str> = text
                .split(['.', '\n'])
                .filter(|s| STATES_PERIOD.is_match(s))
                .collect();
            found += one_by_one.len();
            assert_eq!(
                sentences_stating_a_period(text, &STATES_PERIOD).collect::<Vec<_>>(),
                one_by_one,
                "{text}"
            );
        }
        assert!(found > 20, "{found}");
    }

    #[test]
    fn text_the_quick_checks_pass_over_is_text_no_pattern_matches() {
        // The corpus with its digits taken out, and digits of other scripts put in.
        let mut texts: Vec<String> = crate::testing::corpus_texts()
            .iter()
            .map(|text| text.replace(|c: char| c.is_ascii_digit(), ""))
            .collect();
        let other_digits = [
            "Avtalet gäller ٢٠٢٢-٠١-٠١ – ٢٠٢٣-١٢-٣١.",
            "Gäller från 1 januari ٢٠٢٢ till 31 december ٢٠٢٣",
            "Perioden ２０２１–２０２２",
            "Giltig till och med den ３ mars ٢٠٢٤.",
            "Löftet gäller 2022-01-01 – ٢٠٢٣-١٢-٣١ och ２０２４.",
        ];
        texts.extend(other_digits.map(String::from));
        let mut passed_over = 0;
        for text in &texts {
            if !has_ascii_digit(text) {
                passed_over += 1;
                for regex in [
                    &*ISO_RANGE,
                    &*WRITTEN_RANGE,
                    &*VALID_UNTIL,
                    &*YEAR_RANGE,
                    &*YEAR,
                ] {
                    assert!(
                        !regex.is_match(text),
                        "{} matches in {text}",
                        regex.as_str()
                    );
                }
            }
            if !text.contains("19") && !text.contains("20") {
                assert!(!YEAR_RANGE.is_match(text) && !YEAR.is_match(text), "{text}");
            }
        }
        assert!(passed_over >= 10, "{passed_over}");
        // Another script's digits make no ISO date, so no period is read from them;
        // the ASCII digits beside them still count.
        for text in &other_digits[..4] {
            assert_eq!(dates(text, "", ""), None, "{text}");
        }
        let pair = |a: &str, b: &str| Some((a.to_string(), b.to_string()));
        assert_eq!(
            dates(other_digits[4], "", ""),
            pair("2022-01-01", "2022-12-31")
        );
    }

    /// Every character `(?i)` lets stand for `c` (the simple case folding of the
    /// letters that agreements use: `k` also the Kelvin sign, `s` also `ſ`, `å` also
    /// the Ångström sign).
    fn spellings(c: char) -> Vec<char> {
        let mut all = vec![c, c.to_ascii_uppercase()];
        match c {
            'k' => all.push('\u{212a}'),
            's' => all.push('\u{17f}'),
            'å' => all.extend(['Å', '\u{212b}']),
            'ä' => all.push('Ä'),
            'ö' => all.push('Ö'),
            _ => {}
        }
        all.dedup();
        all
    }

    /// `word` in any of the spellings `(?i)` matches it in.
    fn any_spelling(word: &'static str) -> impl proptest::strategy::Strategy<Value = String> {
        word.chars()
            .map(|c| proptest::sample::select(spellings(c)))
            .collect::<Vec<_>>()
            .prop_map(|chars| chars.into_iter().collect())
    }

    use proptest::prelude::*;

    proptest! {
        /// Each quick check passes every text its patterns match, however the month or
        /// the word that states a period is spelt.
        #[test]
        fn the_quick_checks_pass_every_text_a_pattern_matches(
            months in (proptest::sample::select(MONTHS.to_vec()), proptest::sample::select(MONTHS.to_vec()))
                .prop_flat_map(|(a, b)| (any_spelling(a), any_spelling(b))),
            states in proptest::sample::select(vec![
                "gäller", "giltig", "giltighetstid", "avtalsperiod", "avtalstid",
                "löftesperiod", "perioden", "för år", "under år", "under åren",
            ]).prop_flat_map(any_spelling),
            valid in proptest::sample::select(vec![
                "gäller", "giltig", "giltighetstid", "avtalsperiod", "period",
            ]).prop_flat_map(any_spelling),
            until in any_spelling("till och med"),
            dates in ("[0-9]{4}-[0-9]{2}-[0-9]{2}", "[0-9]{4}-[0-9]{2}-[0-9]{2}"),
        ) {
            let (first, last) = months;
            let iso = format!("Avtalsperiod {} – {}.", dates.0, dates.1);
            let written = format!("Gäller 1 {first} 2022 – 31 {last} 2023.");
            let stating = format!("Löftet. Det {states} 2022–2023.");
            let until_text = format!("Det {valid} {until} den 3 {first} 2024.");
            prop_assert!(ISO_RANGE.is_match(&iso) && has_iso_date(&iso), "{iso}");
            prop_assert!(WRITTEN_RANGE.is_match(&written), "{written}");
            prop_assert!(MONTHS_FOUND.is_match(&written), "{written}");
            prop_assert!(STATES_PERIOD.is_match(&stating), "{stating}");
            prop_assert!(PERIOD_WORDS_FOUND.is_match(&stating), "{stating}");
            prop_assert!(VALID_UNTIL.is_match(&until_text), "{until_text}");
            prop_assert!(MONTHS_FOUND.is_match(&until_text), "{until_text}");
        }

        /// Where a quick check finds nothing, its patterns match nothing, in text made
        /// of the patterns' words, dates and dashes in any order.
        #[test]
        fn text_a_quick_check_passes_over_is_text_its_patterns_do_not_match(
            words in proptest::collection::vec(
                "(gäller|giltig|period|avtal|under|år|för|till och med|t\\.o\\.m\\.|den|maj|mars|1|31|2022|2022-01-01|2023-12-31|2022-01|–|-| |\\.|\n)",
                0..16,
            ),
        ) {
            let text = words.concat();
            if !has_iso_date(&text) {
                prop_assert!(!ISO_RANGE.is_match(&text), "{text}");
            }
            if !MONTHS_FOUND.is_match(&text) {
                prop_assert!(!WRITTEN_RANGE.is_match(&text) && !VALID_UNTIL.is_match(&text), "{text}");
            }
            if !PERIOD_WORDS_FOUND.is_match(&text) {
                prop_assert!(!STATES_PERIOD.is_match(&text), "{text}");
            }
        }
    }

    #[test]
    fn finds_the_stated_period() {
        let pair = |a: &str, b: &str| Some((a.to_string(), b.to_string()));
        assert_eq!(
            dates("Avtalsperiod 2022-01-01 – 2023-12-31.", "", ""),
            pair("2022-01-01", "2023-12-31")
        );
        assert_eq!(
            dates("Löftet gäller 1 januari 2019 – 31 december 2020.", "", ""),
            pair("2019-01-01", "2020-12-31")
        );
        assert_eq!(
            dates("Överenskommelsen gäller 2020–2021.", "", ""),
            pair("2020-01-01", "2021-12-31")
        );
        assert_eq!(
            dates("Text utan år.", "Medborgarlöfte 2021", "x.txt"),
            pair("2021-01-01", "2021-12-31")
        );
        assert_eq!(
            dates("Text.", "Titel", "horby-2020-2022-samverkan.txt"),
            pair("2020-01-01", "2022-12-31")
        );
        assert_eq!(dates("Inget alls.", "Titel", "x.txt"), None);
    }
}
