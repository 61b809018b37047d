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

mod common;

/// The corpus documents, as (name, text).
fn corpus() -> Vec<(String, String)> {
    common::corpus_texts()
        .expect("corpus texts")
        .into_iter()
        .map(|(path, text)| (path.display().to_string(), text))
        .collect()
}

fn stages(c: &mut Criterion) {
    let lexicons = Lexicons::embedded();
    let documents = corpus();
    let bytes: usize = documents.iter().map(|(_, text)| text.len()).sum();

    // Known counts: the corpus gold has 1635 units; a broken stage changes these.
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
        n_units, 1635,
        "segmentation changed the unit count of the corpus"
    );
    assert!(
        (655..=695).contains(&n_commitments),
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

    // Doubling the lexicons (every entry gets a twin that never matches but shares its
    // first word) must not halve the throughput: entries are indexed, not looped over.
    let doubled_dir = tempfile::tempdir().expect("temp dir");
    write_doubled_lexicons(doubled_dir.path());
    let doubled = Lexicons::from_dir(doubled_dir.path()).expect("doubled lexicons parse");
    assert_eq!(
        doubled.vague.entries.len(),
        2 * lexicons.vague.entries.len()
    );
    let doubled_units: usize = documents
        .iter()
        .map(|(name, text)| pipeline::label_text(name, text, &doubled).units.len())
        .sum();
    assert_eq!(
        doubled_units, n_units,
        "the twins must not change the labels"
    );
    let mut group = c.benchmark_group("lexicon_size");
    group.throughput(Throughput::Bytes(bytes as u64));
    for (name, set) in [("pipeline_1x", &lexicons), ("pipeline_2x", &doubled)] {
        group.bench_function(name, |b| {
            b.iter(|| {
                documents
                    .iter()
                    .map(|(doc, text)| pipeline::label_text(doc, black_box(text), set).units.len())
                    .sum::<usize>()
            })
        });
    }
    group.finish();

    c.bench_function("lexicons_embedded", |b| {
        b.iter(|| {
            let lexicons = Lexicons::embedded();
            assert!(lexicons.actors.entries.len() > 100);
            lexicons
        })
    });
}

/// Writes the embedded lexicons with every entry doubled by a twin that never matches.
fn write_doubled_lexicons(dir: &std::path::Path) {
    for (name, text) in Lexicons::embedded_files() {
        let mut out = String::from(*text);
        for (idx, line) in text.lines().enumerate() {
            let content = line.split(" #").next().unwrap_or("").trim();
            if content.is_empty() || content.starts_with('#') {
                continue;
            }
            let twin = match *name {
                "abbreviations.txt" => format!("zzq{idx}.\n"),
                "anchors.txt" => format!("{content}zzq{idx}\n"),
                _ => format!("{content} zzq{idx}\n"),
            };
            out.push_str(&twin);
        }
        std::fs::write(dir.join(name), out).expect("write doubled lexicon");
    }
}

criterion_group!(benches, stages);
criterion_main!(benches);
