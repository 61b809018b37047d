//! Decoding: the bytes of a text file to the text every stage reads.
//!
//! Input: a file's bytes and an optional encoding the user named. Output: `Decoded`,
//! NFC-normalised text with the encoding found and any warnings.
//!
//! Order of evidence, strongest first: a byte-order mark; the user's `--encoding`;
//! valid UTF-8; UTF-16 without a mark (NUL bytes at every other position); then
//! chardetng for legacy encodings, told the text is Swedish (`.se`), with a check for
//! Mac Roman, which chardetng never guesses and which decodes as windows-1252 without
//! an error. The text is then made uniform for matching and output: NFC (PDF exports
//! and macOS decompose å/ä/ö), soft hyphens and zero-width characters removed,
//! non-breaking spaces made spaces, ligatures (`ﬁ`) spelled out. All offsets point
//! into this normalised text.

use encoding_rs::{Encoding, MACINTOSH, UTF_16BE, UTF_16LE, UTF_8, WINDOWS_1252};
use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

use crate::matcher::blocks_holding;

/// Decoded, normalised text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub text: String,
    /// The encoding's name (`UTF-8`, `UTF-16LE`, `windows-1252`, `macintosh`).
    pub encoding: &'static str,
    /// Things a user should know: replaced bytes, likely mojibake.
    pub warnings: Vec<String>,
}

/// Why bytes could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("not a text file (it holds NUL bytes and is not UTF-16)")]
    Binary,
    #[error("unknown encoding '{0}' (try utf-8, utf-16le, windows-1252, iso-8859-1 or macintosh)")]
    UnknownEncoding(String),
}

/// Decodes and normalises a file's bytes; `encoding` is the user's `--encoding` label.
/// Valid UTF-8 that needs no normalising, the common case, becomes the text without a
/// copy: on a large file the copy's fresh pages cost more than reading it.
pub fn decode(bytes: Vec<u8>, encoding: Option<&str>) -> Result<Decoded, DecodeError> {
    let named = match encoding {
        Some(label) => Some(
            Encoding::for_label(label.trim().as_bytes())
                .ok_or_else(|| DecodeError::UnknownEncoding(label.to_string()))?,
        ),
        None => None,
    };
    // Valid UTF-8 is checked once, with SIMD: `std::str::from_utf8` takes about ten
    // times as long on Swedish text, and the decoder would check it again.
    let valid_utf8 = |body: &[u8]| simdutf8::basic::from_utf8(body).is_ok();
    // A byte-order mark beats everything, as in ripgrep.
    let (chosen, bom_len, utf8) = if let Some((bom_encoding, bom_len)) = Encoding::for_bom(&bytes) {
        let utf8 = bom_encoding == UTF_8 && valid_utf8(&bytes[bom_len..]);
        (bom_encoding, bom_len, utf8)
    } else if let Some(named) = named {
        (named, 0, named == UTF_8 && valid_utf8(&bytes))
    } else if valid_utf8(&bytes) {
        (UTF_8, 0, true)
    } else if let Some(utf16) = utf16_without_bom(&bytes) {
        (utf16, 0, false)
    } else {
        (guess_legacy(&bytes), 0, false)
    };
    let body = &bytes[bom_len..];
    if chosen != UTF_16LE && chosen != UTF_16BE && memchr::memchr(0, body).is_some() {
        return Err(DecodeError::Binary);
    }
    let mut warnings = Vec::new();
    let text = if utf8 {
        let mut bytes = bytes;
        bytes.drain(..bom_len);
        // SAFETY: `valid_utf8` has just checked these very bytes (after the mark).
        unsafe { String::from_utf8_unchecked(bytes) }
    } else {
        let (text, had_errors) = chosen.decode_without_bom_handling(body);
        if had_errors {
            let replaced = text.chars().filter(|&c| c == '\u{fffd}').count();
            warnings.push(format!(
                "{replaced} bytes are not valid {} and were replaced by �",
                chosen.name()
            ));
        }
        text.into_owned()
    };
    if looks_like_mojibake(&text) {
        warnings.push(format!(
            "the text looks like UTF-8 read as {} (`Ã¥` for `å`); if so, run with --encoding utf-8",
            chosen.name()
        ));
    }
    Ok(Decoded {
        text: normalise(text),
        encoding: chosen.name(),
        warnings,
    })
}

/// UTF-16 without a byte-order mark: NUL bytes at most odd (LE) or even (BE) positions,
/// which no 8-bit Swedish text has.
fn utf16_without_bom(bytes: &[u8]) -> Option<&'static Encoding> {
    if bytes.len() < 4 {
        return None;
    }
    let pairs = bytes.len() / 2;
    let zero_at = |parity: usize| {
        bytes
            .iter()
            .skip(parity)
            .step_by(2)
            .filter(|&&b| b == 0)
            .count()
    };
    let (even, odd) = (zero_at(0), zero_at(1));
    if odd * 10 >= pairs * 3 && even * 10 < pairs {
        Some(UTF_16LE)
    } else if even * 10 >= pairs * 3 && odd * 10 < pairs {
        Some(UTF_16BE)
    } else {
        None
    }
}

/// A legacy encoding: chardetng's guess for Swedish text, or Mac Roman when the bytes
/// read far better so (å ä ö rather than Œ š Š).
fn guess_legacy(bytes: &[u8]) -> &'static Encoding {
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    let guess = detector.guess(Some(b"se"), chardetng::Utf8Detection::Deny);
    if guess == WINDOWS_1252 {
        let as_1252 = WINDOWS_1252.decode_without_bom_handling(bytes).0;
        let as_mac = MACINTOSH.decode_without_bom_handling(bytes).0;
        if swedish_score(&as_mac) > swedish_score(&as_1252) + 1 {
            return MACINTOSH;
        }
    }
    guess
}

/// Swedish letters count for a reading, characters that Mac Roman bytes turn into
/// under windows-1252 count against it.
fn swedish_score(text: &str) -> i64 {
    text.chars()
        .map(|c| match c {
            'å' | 'ä' | 'ö' | 'Å' | 'Ä' | 'Ö' | 'é' => 1,
            'Š' | 'š' | 'Œ' | 'œ' | '\u{80}'..='\u{9f}' => -1,
            _ => 0,
        })
        .sum()
}

fn looks_like_mojibake(text: &str) -> bool {
    // One pass for the second byte of `Ã` (0xC3 0x83), then a look at the byte before it
    // and the character after. Its first byte leads å, ä and ö too, so a search for the
    // pair stopped at nearly every Swedish letter.
    let bytes = text.as_bytes();
    memchr::memchr_iter(0x83, bytes).any(|at| {
        at > 0
            && bytes[at - 1] == 0xC3
            && text[at + 1..].starts_with(['¥', '¤', '¶', '…', '„', '–', '©'])
    })
}

/// Whether `normalise` would change `text`, decided quickly for most agreements. Only
/// a character from U+0300 up, or one led by 0xC2 (U+0080 to U+00BF: the soft hyphen
/// and the no-break space), can need work: below U+0300 nothing composes. So the bytes
/// are scanned 32 at a time for a lead byte 0xC2 or from 0xCC up, and only those
/// characters are looked at. A starter (combining class 0) that passes the NFC quick
/// check on its own is fine; any other character, such as a combining mark, sends the
/// whole text to the full check.
fn needs_normalising(text: &str) -> bool {
    let bytes = text.as_bytes();
    let notable = |b: u8| b == 0xC2 || b >= 0xCC;
    for block in blocks_holding(bytes, notable) {
        for at in block.filter(|&at| notable(bytes[at])) {
            let ch = text[at..]
                .chars()
                .next()
                .expect("a lead byte starts a character");
            if is_removed_or_replaced(ch) {
                return true;
            }
            if ch < '\u{0300}' {
                continue;
            }
            let starter = unicode_normalization::char::canonical_combining_class(ch) == 0;
            if !(starter && is_nfc_quick(std::iter::once(ch)) == IsNormalized::Yes) {
                return is_nfc_quick(text.chars()) != IsNormalized::Yes
                    || text.chars().any(is_removed_or_replaced);
            }
        }
    }
    false
}

/// The characters `normalise` drops or spells differently besides NFC.
fn is_removed_or_replaced(ch: char) -> bool {
    matches!(
        ch,
        '\u{00ad}'
            | '\u{200b}'..='\u{200d}'
            | '\u{2060}'
            | '\u{feff}'
            | '\u{00a0}'
            | '\u{202f}'
            | '\u{2007}'
            | 'ﬀ'..='ﬄ'
    )
}

/// NFC, soft hyphens and zero-width characters dropped, non-breaking spaces as spaces,
/// ligatures spelled out.
pub fn normalise(text: String) -> String {
    if !needs_normalising(&text) {
        return text;
    }
    normalise_fully(&text)
}

/// `normalise` without the quick check.
fn normalise_fully(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.nfc() {
        match ch {
            '\u{00ad}' | '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{2060}' | '\u{feff}' => {}
            '\u{00a0}' | '\u{202f}' | '\u{2007}' => out.push(' '),
            'ﬀ' => out.push_str("ff"),
            'ﬁ' => out.push_str("fi"),
            'ﬂ' => out.push_str("fl"),
            'ﬃ' => out.push_str("ffi"),
            'ﬄ' => out.push_str("ffl"),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SWEDISH: &str =
        "Polisen åtar sig att öka närvaron på Ängatorget. Kommunen ska också delta.";

    fn check(bytes: &[u8], encoding: &str) {
        let decoded = decode(bytes.to_vec(), None).unwrap();
        assert_eq!(decoded.text, SWEDISH);
        assert_eq!(decoded.encoding, encoding);
        assert!(decoded.warnings.is_empty(), "{:?}", decoded.warnings);
    }

    #[test]
    fn the_quick_check_says_work_is_needed_exactly_when_normalising_changes_the_text() {
        for text in [
            "Polisen ska öka närvaron på Ängatorget.",
            "plain ASCII text",
            "trygg\u{00ad}hetsvandring",
            "10\u{00a0}procent",
            "a\u{030a}r",
            "ﬁnns",
            "noll\u{200b}bredd",
            "smal\u{202f}mellanrum",
            "Ω and ¼ and ÿ",
            "Ångström Å",
            "ĳ digraph ǆ",
            "Polisen – och kommunen – lovar “tydligt” 50 €.",
            "tankstreck – och sedan a\u{0301}",
            "Ohm \u{2126} och Kelvin \u{212a} i en längre mening om trygghet",
            "en\u{2000}kvad",
            "långa rader utan något annat än ASCII och sedan ett hårt\u{a0}mellanrum",
            "ordning \u{0316}\u{0300} och omvänd \u{0300}\u{0316}",
        ] {
            assert_eq!(
                needs_normalising(text),
                normalise_fully(text) != text,
                "{text:?}"
            );
            assert_eq!(
                normalise(text.to_string()),
                normalise_fully(text),
                "{text:?}"
            );
        }
    }

    proptest::proptest! {
        /// The chunked scan finds the character that needs work wherever in a 32-byte
        /// chunk (or across two) it falls.
        #[test]
        fn the_quick_check_agrees_with_normalising_at_any_position(
            pieces in proptest::collection::vec(proptest::prop_oneof![
                30 => "[a-zåäö .]",
                2 => "[\u{80}-\u{2FF}]",
                1 => "[\u{300}-\u{36F}\u{AD}\u{A0}\u{2007}\u{200B}-\u{200D}\u{2013}\u{201D}\u{2060}\u{202F}\u{2126}\u{212A}\u{FEFF}\u{FB00}-\u{FB06}\u{3000}\u{AC00}]",
            ], 0..90)
        ) {
            // The check may send a text to the full work that turns out not to change
            // (a lone combining mark), but never skips one that does.
            let text = pieces.concat();
            proptest::prop_assert_eq!(normalise(text.clone()), normalise_fully(&text));
        }
    }

    #[test]
    fn utf8_read_as_windows_1252_is_warned_about() {
        for word in ["på", "väl", "över", "Åre", "Ängelholm", "Örebro", "café"] {
            let decoded = decode(word.as_bytes().to_vec(), Some("windows-1252")).unwrap();
            assert!(
                decoded
                    .warnings
                    .iter()
                    .any(|w| w.contains("--encoding utf-8")),
                "{word}: {:?}",
                decoded.warnings
            );
        }
        let clean = decode("Ãngest är ett ord med Ã".as_bytes().to_vec(), None).unwrap();
        assert!(clean.warnings.is_empty(), "{:?}", clean.warnings);
    }

    #[test]
    fn every_common_encoding_gives_the_same_text() {
        check(SWEDISH.as_bytes(), "UTF-8");
        check(&[b"\xef\xbb\xbf", SWEDISH.as_bytes()].concat(), "UTF-8");
        let utf16le: Vec<u8> = SWEDISH
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        let utf16be: Vec<u8> = SWEDISH
            .encode_utf16()
            .flat_map(|u| u.to_be_bytes())
            .collect();
        check(&[&[0xff, 0xfe][..], &utf16le].concat(), "UTF-16LE");
        check(&[&[0xfe, 0xff][..], &utf16be].concat(), "UTF-16BE");
        check(&utf16le, "UTF-16LE");
        check(&utf16be, "UTF-16BE");
        check(&WINDOWS_1252.encode(SWEDISH).0, "windows-1252");
        check(&MACINTOSH.encode(SWEDISH).0, "macintosh");
    }

    #[test]
    fn valid_utf8_needing_no_work_becomes_the_text_without_a_copy() {
        let bytes = SWEDISH.as_bytes().to_vec();
        let at = bytes.as_ptr();
        assert_eq!(decode(bytes, None).unwrap().text.as_ptr(), at);
        // With a byte-order mark the bytes move up, still in the same buffer.
        let bytes = [b"\xef\xbb\xbf", SWEDISH.as_bytes()].concat();
        let at = bytes.as_ptr();
        let decoded = decode(bytes, None).unwrap();
        assert_eq!(
            (decoded.text.as_str(), decoded.text.as_ptr()),
            (SWEDISH, at)
        );
    }

    #[test]
    fn nfd_soft_hyphens_nbsp_and_ligatures_are_normalised() {
        let messy = "Po\u{00ad}lisen a\u{030a}tar sig att\u{00a0}o\u{0308}ka tryggheten i \u{fb01}nparken\u{200b}.";
        assert_eq!(
            decode(messy.as_bytes().to_vec(), None).unwrap().text,
            "Polisen åtar sig att öka tryggheten i finparken."
        );
    }

    #[test]
    fn named_encoding_and_warnings() {
        let latin = WINDOWS_1252.encode(SWEDISH).0;
        assert_eq!(
            decode(latin.to_vec(), Some("iso-8859-1")).unwrap().text,
            SWEDISH
        );
        assert_eq!(
            decode(latin.to_vec(), Some("klingon")),
            Err(DecodeError::UnknownEncoding("klingon".into()))
        );
        // UTF-8 bytes read as windows-1252 on purpose: the result is flagged.
        let wrong = decode(SWEDISH.as_bytes().to_vec(), Some("windows-1252")).unwrap();
        assert!(
            wrong
                .warnings
                .iter()
                .any(|w| w.contains("looks like UTF-8")),
            "{:?}",
            wrong.warnings
        );
        assert_eq!(
            decode(b"ab\0cd\0\xff".to_vec(), None),
            Err(DecodeError::Binary)
        );
    }
}
