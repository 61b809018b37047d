//! Long documents cost what their size says: segmentation gives the same MB/s on a
//! 5 MB and a 50 MB document, the whole pipeline the same on 2 MB and 10 MB.
//!
//! Input: the corpus agreements repeated, with their numbers varied so no two copies
//! are identical, into one document of each size. A quadratic rescan would show as a
//! much lower MB/s on the larger one (one in the actor stage did: 4.5 times slower per
//! MB at 100 MB than at 10 MB). Run with `cargo bench --bench segment_large`.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use lofte::lexicon::Lexicons;
use lofte::pipeline;
use lofte::segment::segment;

mod common;

/// One document of at least `size` bytes built from the corpus texts, shared as a
/// `Document`'s text is.
fn large_document(size: usize) -> Arc<String> {
    let texts: Vec<String> = common::corpus_texts()
        .expect("corpus texts")
        .into_iter()
        .map(|(_, text)| text)
        .collect();
    let mut document = String::with_capacity(size + 100_000);
    let mut copy = 0usize;
    while document.len() < size {
        for text in &texts {
            // Vary the years so that repeated headers are not all identical.
            document.push_str(&text.replace("2020", &format!("{}", 1900 + copy % 120)));
            document.push_str("\n\n");
            copy += 1;
        }
    }
    Arc::new(document)
}

fn linear(c: &mut Criterion) {
    let lexicons = Lexicons::embedded();
    let mut group = c.benchmark_group("segment_large");
    group.sample_size(10);
    for megabytes in [5usize, 50] {
        let document = large_document(megabytes * 1_000_000);
        let units = segment(&document, &lexicons).len();
        // About one unit per 80 bytes of agreement text; a broken segmenter is far off.
        assert!(
            units > document.len() / 200 && units < document.len() / 40,
            "{units} units"
        );
        group.throughput(Throughput::Bytes(document.len() as u64));
        group.bench_function(format!("{megabytes}MB"), |b| {
            b.iter(|| {
                let found = segment(black_box(&document), &lexicons).len();
                assert_eq!(found, units);
                found
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("pipeline_large");
    group.sample_size(10);
    for megabytes in [2usize, 10] {
        let document = large_document(megabytes * 1_000_000);
        let labelled = pipeline::label_text("large.txt", &document, &lexicons);
        let commitments = labelled.commitments.iter().filter(|c| c.commitment).count();
        // About two units in five are commitments in agreement text.
        assert!(
            commitments * 5 > labelled.units.len() && commitments * 5 < labelled.units.len() * 4,
            "{commitments} commitments in {} units",
            labelled.units.len()
        );
        group.throughput(Throughput::Bytes(document.len() as u64));
        group.bench_function(format!("{megabytes}MB"), |b| {
            b.iter(|| {
                let found = pipeline::label_text("large.txt", black_box(&document), &lexicons);
                let found = found.commitments.iter().filter(|c| c.commitment).count();
                assert_eq!(found, commitments);
                found
            })
        });
    }
    group.finish();
}

criterion_group!(benches, linear);
criterion_main!(benches);
