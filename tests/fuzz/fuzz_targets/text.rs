//! Any bytes, decoded as lofte decodes a text file, then segmented and labelled: no
//! panic, and every unit's span lies on character boundaries of the decoded text.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use lofte::lexicon::Lexicons;

fuzz_target!(|bytes: &[u8]| {
    static LEXICONS: OnceLock<Lexicons> = OnceLock::new();
    let lexicons = LEXICONS.get_or_init(Lexicons::embedded);
    let Ok(decoded) = lofte::decode::decode(bytes.to_vec(), None) else {
        return;
    };
    let labelled = lofte::pipeline::label_text("fuzz.txt", &decoded.text, lexicons);
    let text = &labelled.document.text;
    for unit in &labelled.units {
        assert!(unit.start <= unit.end && unit.end <= text.len());
        assert!(text.is_char_boundary(unit.start) && text.is_char_boundary(unit.end));
    }
    assert_eq!(labelled.commitments.len(), labelled.units.len());
});
