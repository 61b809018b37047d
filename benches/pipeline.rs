//! Throughput of each stage and of the whole pipeline, in bytes per second (MB/s).
//!
//! Input: the bundled corpus, concatenated, so the figures are reproducible from a
//! fresh clone. Every bench asserts a known count first, so a broken pipeline cannot
//! look fast. Run with `cargo bench --bench pipeline`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use lofte::lexicon::Lexicons;
use lofte::matcher::{tokenize, Tokens};
use lofte::parties::{self, Mention};
use lofte::{actor, commitment, pipeline, segment, vague};

/// The corpus documents, as (name, text).
fn corpus() -> Vec<(String, String)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/corpus");
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .expect("corpus folder")
        .map(|entry| entry.expect("corpus entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "txt"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            (
                path.display().to_string(),
                std::fs::read_to_string(&path).expect("corpus text"),
            )
        })
        .collect()
}

fn stages(c: &mut Criterion) {
    let lexicons = Lexicons::embedded();
    let documents = corpus();
    let bytes: usize = documents.iter().map(|(_, text)| text.len()).sum();

    // Known counts: the corpus gold has 1255 units; a broken stage changes these.
    let labelled: Vec<_> = documents
        .iter()
        .map(|(name, text)| pipeline::label_text(name, text, &lexicons))
        .collect();
    let n_units: usize = labelled.iter().map(|l| l.units.len()).sum();
    let n_commitments: usize = labelled
        .iter()
        .map(|l| l.commitments.iter().filter(|c| c.commitment).count())
        .sum();
    assert_eq!(
        n_units, 1255,
        "segmentation changed the unit count of the corpus"
    );
    assert!(
        (500..=530).contains(&n_commitments),
        "commitment count {n_commitments} is off"
    );

    let mut group = c.benchmark_group("corpus");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("segment", |b| {
        b.iter(|| {
            documents
                .iter()
                .map(|(_, text)| segment::segment(black_box(text), &lexicons).len())
                .sum::<usize>()
        })
    });

    // Inputs of the labelling stages, prepared outside the timed loops.
    let prepared: Vec<_> = labelled
        .iter()
        .map(|l| {
            let tokens: Vec<Tokens> = l.units.iter().map(|u| tokenize(&u.text)).collect();
            let mentions: Vec<Vec<Mention>> = tokens
                .iter()
                .map(|t| parties::mentions(t, &lexicons))
                .collect();
            (l, tokens, mentions)
        })
        .collect();
    group.bench_function("tokens_and_parties", |b| {
        b.iter(|| {
            labelled
                .iter()
                .flat_map(|l| &l.units)
                .map(|u| parties::mentions(&tokenize(black_box(&u.text)), &lexicons).len())
                .sum::<usize>()
        })
    });
    group.bench_function("commitment", |b| {
        b.iter(|| {
            prepared
                .iter()
                .map(|(l, tokens, mentions)| {
                    commitment::decide(&l.units, tokens, mentions, &lexicons).len()
                })
                .sum::<usize>()
        })
    });
    group.bench_function("actor", |b| {
        b.iter(|| {
            prepared
                .iter()
                .map(|(l, tokens, mentions)| {
                    actor::attribute(&l.units, tokens, mentions, &l.commitments, &lexicons)
                        .0
                        .len()
                })
                .sum::<usize>()
        })
    });
    group.bench_function("vague", |b| {
        b.iter(|| {
            prepared
                .iter()
                .map(|(l, tokens, _)| {
                    vague::assess(&l.units, tokens, &l.commitments, &lexicons).len()
                })
                .sum::<usize>()
        })
    });
    group.bench_function("pipeline", |b| {
        b.iter(|| {
            documents
                .iter()
                .map(|(name, text)| {
                    pipeline::label_text(name, black_box(text), &lexicons)
                        .units
                        .len()
                })
                .sum::<usize>()
        })
    });
    group.finish();

    c.bench_function("lexicons_embedded", |b| {
        b.iter(|| {
            let lexicons = Lexicons::embedded();
            assert!(lexicons.actors.entries.len() > 100);
            lexicons
        })
    });
}

criterion_group!(benches, stages);
criterion_main!(benches);
