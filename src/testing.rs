//! Helpers for the unit tests of several stages: the bundled corpus as test input.

use crate::lexicon::Lexicons;

/// The text of every corpus document (`corpus/*.txt`), in path order.
pub(crate) fn corpus_texts() -> Vec<String> {
    let folder = concat!(env!("CARGO_MANIFEST_DIR"), "/corpus");
    let mut paths: Vec<_> = std::fs::read_dir(folder)
        .expect("the corpus folder")
        .map(|entry| entry.expect("a corpus entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "txt"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|path| std::fs::read_to_string(path).expect("a corpus document"))
        .collect()
}

/// The text of every unit of every corpus document.
pub(crate) fn corpus_units(lexicons: &Lexicons) -> Vec<String> {
    corpus_texts()
        .into_iter()
        .flat_map(|text| crate::segment::segment(&std::sync::Arc::new(text), lexicons))
        .map(|unit| unit.text.to_string())
        .collect()
}
