//! Property tests for segmentation invariants (ANNOTATION.md §1): units are in order,
//! do not overlap, lie inside the text and point back at their own text; no input
//! makes the pipeline panic.

use lofte::lexicon::Lexicons;
use lofte::pipeline::label_text;
use lofte::segment::segment;
use proptest::prelude::*;
use std::sync::{Arc, LazyLock};

static LEXICONS: LazyLock<Lexicons> = LazyLock::new(Lexicons::embedded);

/// Agreement-like fragments, so generated texts exercise lists, headings and wrapping.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("Polisen ska genomföra trygghetsvandringar".to_string()),
        Just("t.ex.".to_string()),
        Just("kl. 18.30".to_string()),
        Just("2019-03-01".to_string()),
        Just("trygg-\nhetsvandring".to_string()),
        Just("\n• ".to_string()),
        Just("\n1. ".to_string()),
        Just("\n\n".to_string()),
        Just("\x0c".to_string()),
        Just(": ".to_string()),
        Just(". ".to_string()),
        Just("Ansvarig: Kommunen\n".to_string()),
        Just("Sida 2 av 5\n".to_string()),
        Just("Kommunens åtaganden\n".to_string()),
        "[a-zåäöA-ZÅÄÖ0-9 .,:;!?…\n-]{0,40}",
        any::<String>(),
    ]
}

fn document() -> impl Strategy<Value = String> {
    prop::collection::vec(fragment(), 0..30).prop_map(|parts| parts.concat())
}

/// Documents without page furniture: a paragraph may run on across a page break, so
/// the blank-line rule is checked where there are no pages.
fn document_without_pages() -> impl Strategy<Value = String> {
    let fragment = prop_oneof![
        Just("Polisen ska genomföra trygghetsvandringar".to_string()),
        Just("t.ex.".to_string()),
        Just("trygg-\nhetsvandring".to_string()),
        Just("\n• ".to_string()),
        Just("\n1. ".to_string()),
        Just("\n\n".to_string()),
        Just("\n".to_string()),
        Just(": ".to_string()),
        Just(". ".to_string()),
        Just("Ansvarig: Kommunen\n".to_string()),
        Just("Kommunens åtaganden\n".to_string()),
        "[a-zåäöA-ZÅÄÖ ,:;!?…-]{0,40}",
    ];
    prop::collection::vec(fragment, 0..30).prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    #[test]
    fn units_are_ordered_disjoint_and_point_at_their_text(text in document()) {
        let source = Arc::new(text.clone());
        let units = segment(&source, &LEXICONS);
        let mut previous_end = 0;
        for unit in &units {
            prop_assert!(unit.start < unit.end && unit.end <= text.len());
            prop_assert!(text.is_char_boundary(unit.start) && text.is_char_boundary(unit.end));
            prop_assert!(unit.start >= previous_end, "units overlap or are out of order");
            previous_end = unit.end;
            prop_assert!(!unit.text.is_empty());
            // Single-spaced: runs of white space, line breaks among them, are one space.
            prop_assert!(!unit.text.contains("  ") && unit.text.trim() == &*unit.text);
            prop_assert!(!unit.text.chars().any(|c| c.is_whitespace() && c != ' '));
            // The span starts and ends on the unit's first and last characters.
            let span = &text[unit.start..unit.end];
            prop_assert_eq!(span.chars().next(), unit.text.chars().next());
            prop_assert_eq!(span.chars().last(), unit.text.chars().last());
            // A unit that shares the document's text is exactly its span.
            if unit.text.shares(&source) {
                prop_assert_eq!(span, &*unit.text);
            }
        }
    }

    #[test]
    fn no_unit_spans_a_blank_line(text in document_without_pages()) {
        for unit in segment(&Arc::new(text.clone()), &LEXICONS) {
            let span = &text[unit.start..unit.end];
            let crosses = span.split('\n').any(|line| line.trim().is_empty());
            prop_assert!(!crosses, "unit spans a blank line: {:?}", span);
        }
    }

    #[test]
    fn labelling_never_panics_and_labels_align(text in document()) {
        let labelled = label_text("prop.txt", &text, &LEXICONS);
        prop_assert_eq!(labelled.units.len(), labelled.commitments.len());
        prop_assert_eq!(labelled.units.len(), labelled.actors.len());
        prop_assert_eq!(labelled.units.len(), labelled.vague.len());
        for (commitment, actor) in labelled.commitments.iter().zip(&labelled.actors) {
            prop_assert_eq!(commitment.commitment, actor.is_some());
        }
    }
}
