//! Long documents cost what their size says: segmentation gives the same MB/s on a
//! 5 MB and a 50 MB document, the whole pipeline the same on 2 MB and 10 MB.
//!
//! Input: the corpus agreements repeated, with their numbers varied so no two copies
//! are identical, into one document of each size. A quadratic rescan would show as a
//! much lower MB/s on the larger one (one in the actor stage did: 4.5 times slower per
//! MB at 100 MB than at 10 MB). The same holds for shapes that ordinary text seldom
//! has (`odd_shapes`). Run with `cargo bench --bench segment_large`.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use lofte::lexicon::Lexicons;
use lofte::pipeline;
use lofte::segment::segment;

mod common;

// The binary's allocator, so that the figures are the binary's (`lofte::allocator`).
#[global_allocator]
static GLOBAL: lofte::allocator::Mimalloc = lofte::allocator::Mimalloc;

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

/// A name made of letters alone, different for each `n` (`A`, `B`, … `Ba`): numbers
/// would not tell lines apart, since running headers are compared numbers aside.
fn letters(mut n: usize) -> String {
    let mut name = Vec::new();
    n += 1;
    while n > 0 {
        name.push(b'a' + ((n - 1) % 26) as u8);
        n = (n - 1) / 26;
    }
    name.reverse();
    name[0] = name[0].to_ascii_uppercase();
    String::from_utf8(name).expect("ASCII letters")
}

/// Documents of about `size` bytes in shapes real text seldom has, but a converted or
/// damaged file can: a rescan that is harmless on ordinary text shows up as a much
/// lower MB/s on the larger size. (Each shape below was quadratic once: a word of
/// 60 KB took 3.6 s, one sentence of 4.6 MB 3.4 s, a header on each of 100,000 pages
/// 5.7 s.) Returns the text and its number of units.
fn odd_shape(shape: &str, size: usize) -> (String, usize) {
    match shape {
        // One word that holds an anchor's ending (`plan`) at its end, in a commitment.
        "long_word" => {
            let word = "a".repeat(size);
            (format!("Polisen ska öka närvaron i {word}planen."), 1)
        }
        // One sentence of many party names and anchors, without a full stop.
        "one_sentence" => {
            let words = [
                "polisen",
                "ska",
                "kommunen",
                "i",
                "samverkan",
                "med",
                "skolan",
                "minst",
                "tre",
                "gånger",
                "per",
                "vecka",
                "under",
                "2024",
                "plan",
                "och",
            ];
            let mut text = String::from("Polisen ska");
            let mut idx = 0;
            while text.len() < size {
                text.push(' ');
                text.push_str(words[(idx * 7 + idx / 16) % words.len()]);
                idx += 1;
            }
            text.push('.');
            (text, 1)
        }
        // Short pages, each with the same header and a page number.
        "page_headers" => {
            let mut pages = Vec::new();
            let mut bytes = 0;
            while bytes < size {
                let name = letters(pages.len());
                let page = format!(
                    "Samverkansavtal Lund 2024\n\nPolisen ska patrullera i kvarteret {name}.\n\
                     Kommunen ska laga belysningen vid {name}gatan.\n\nSida {} av 9999",
                    pages.len() + 1
                );
                bytes += page.len() + 1;
                pages.push(page);
            }
            let units = 2 * pages.len();
            (pages.join("\u{c}"), units)
        }
        _ => unreachable!("no shape {shape}"),
    }
}

fn odd_shapes(c: &mut Criterion) {
    let lexicons = Lexicons::embedded();
    let mut group = c.benchmark_group("odd_shapes");
    group.sample_size(10);
    for shape in ["long_word", "one_sentence", "page_headers"] {
        for kilobytes in [250usize, 1000] {
            let (text, units) = odd_shape(shape, kilobytes * 1000);
            let labelled = pipeline::label_text("odd.txt", &text, &lexicons);
            assert_eq!(labelled.units.len(), units, "{shape}");
            assert!(labelled.commitments.iter().all(|c| c.commitment), "{shape}");
            group.throughput(Throughput::Bytes(text.len() as u64));
            group.bench_function(format!("{shape}/{kilobytes}KB"), |b| {
                b.iter(|| {
                    let found = pipeline::label_text("odd.txt", black_box(&text), &lexicons);
                    assert_eq!(found.units.len(), units);
                    found.units.len()
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, linear, odd_shapes);
criterion_main!(benches);
