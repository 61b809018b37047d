//! The bundled corpus agreements, shared by the benches and the bench corpus generator
//! (`examples/gen_corpus.rs` includes this file by path).

use std::path::PathBuf;

/// The corpus `.txt` files in path order, as (path, text).
pub fn corpus_texts() -> std::io::Result<Vec<(PathBuf, String)>> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/corpus");
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|ext| ext == "txt") {
            paths.push(path);
        }
    }
    paths.sort();
    paths
        .into_iter()
        .map(|path| std::fs::read_to_string(&path).map(|text| (path, text)))
        .collect()
}
