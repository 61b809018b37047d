//! Throughput of each stage and of the whole pipeline, in bytes per second (MB/s).
//!
//! Input: the bundled corpus, concatenated, so the figures are reproducible from a
//! fresh clone. Every bench asserts a known count first, so a broken pipeline cannot
//! look fast. Run with `cargo bench --bench pipeline`.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use lofte::lexicon::Lexicons;
use lofte::matcher::{tokenize, Tokens};
use lofte::model::LabelledDocument;
use lofte::output::{self, CsvOptions, Format, RecordWriter};
use lofte::parties::{self, Mention, UnitMentions};
use lofte::{
    actor, commitment, decode, html, period, pipeline, profile, segment, specificity, vague,
};

mod common;
#[path = "../tests/support/web_page.rs"]
mod support;
use support::web_page;

// The binary's allocator, so that the figures are the binary's (`lofte::allocator`).
#[global_allocator]
static GLOBAL: lofte::allocator::Mimalloc = lofte::allocator::Mimalloc;

/// One labelling stage over one document (its party mentions and tokens prepared),
/// returning what the stage found, for the count check.
type StageRun<'a> = dyn Fn(&LabelledDocument, &UnitMentions, &[Tokens]) -> usize + 'a;

/// The corpus documents, as (name, text); the text shared as a `Document`'s is.
fn corpus() -> Vec<(String, Arc<String>)> {
    common::corpus_texts()
        .expect("corpus texts")
        .into_iter()
        .map(|(path, text)| (path.display().to_string(), Arc::new(text)))
        .collect()
}

fn stages(c: &mut Criterion) {
    let lexicons = Lexicons::embedded();
    let documents = corpus();
    let bytes: usize = documents.iter().map(|(_, text)| text.len()).sum();

    // Known counts, from the corpus gold (a unit a line); a broken stage changes these.
    let gold = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/corpus/gold.jsonl"))
        .expect("corpus gold");
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
        n_units,
        gold.lines().count(),
        "segmentation changed the unit count of the corpus"
    );
    assert!(
        (655..=695).contains(&n_commitments),
        "commitment count {n_commitments} is off"
    );
    // The other stages, against the gold's vague count and the commitments: every
    // commitment gets an actor and a specificity.
    let gold_vague = gold.matches("\"vague\": true").count();
    let count_vague =
        |decisions: &[lofte::model::VagueDecision]| decisions.iter().filter(|v| v.vague).count();
    let n_vague: usize = labelled.iter().map(|l| count_vague(&l.vague)).sum();
    assert!(
        n_vague.abs_diff(gold_vague) * 20 <= gold_vague,
        "{n_vague} vague commitments, gold {gold_vague}"
    );
    let n_actors: usize = labelled
        .iter()
        .map(|l| l.actors.iter().flatten().count())
        .sum();
    let n_specific: usize = labelled
        .iter()
        .map(|l| l.specificity.iter().flatten().count())
        .sum();
    assert_eq!((n_actors, n_specific), (n_commitments, n_commitments));

    let mut group = c.benchmark_group("corpus");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("segment", |b| {
        b.iter(|| {
            let units: usize = documents
                .iter()
                .map(|(_, text)| segment::segment(black_box(text), &lexicons).len())
                .sum();
            assert_eq!(units, n_units);
            units
        })
    });

    // Inputs of the labelling stages, prepared outside the timed loops. Tokens remember
    // the phrase hits found in them, so every iteration gets fresh ones (made in
    // `iter_batched`'s untimed set-up): otherwise all but the first iteration would
    // time look-ups in that memory instead of the stage's matching. The thread's word
    // memory (which entries each word can start) stays warm, as it is in a run after
    // its first documents.
    let prepared: Vec<_> = labelled
        .iter()
        .map(|l| {
            let mentions: Vec<Vec<Mention>> = l
                .units
                .iter()
                .map(|u| parties::mentions(&tokenize(&u.text), &lexicons))
                .collect();
            (l, mentions)
        })
        .collect();
    let fresh_tokens = || -> Vec<Vec<Tokens>> {
        labelled
            .iter()
            .map(|l| l.units.iter().map(|u| tokenize(&u.text)).collect())
            .collect()
    };
    let n_mentions: usize = prepared
        .iter()
        .map(|(_, mentions)| mentions.iter().map(Vec::len).sum::<usize>())
        .sum();
    assert!(n_mentions > n_commitments, "{n_mentions} party mentions");
    group.bench_function("tokens_and_parties", |b| {
        b.iter(|| {
            let mentions: usize = labelled
                .iter()
                .flat_map(|l| &l.units)
                .map(|u| parties::mentions(&tokenize(black_box(&u.text)), &lexicons).len())
                .sum();
            assert_eq!(mentions, n_mentions);
            mentions
        })
    });
    // Each labelling stage alone over the corpus, on fresh tokens every iteration, with
    // every unit's mentions already found (a copy of them made in the set-up too).
    let mut stage = |name: &str, expected: usize, run: &StageRun<'_>| {
        group.bench_function(name, |b| {
            b.iter_batched(
                || {
                    let lists: Vec<Vec<Vec<Mention>>> =
                        prepared.iter().map(|(_, lists)| lists.clone()).collect();
                    (fresh_tokens(), lists)
                },
                |(tokens, lists)| {
                    let found: usize = prepared
                        .iter()
                        .zip(&tokens)
                        .zip(lists)
                        .map(|(((l, _), tokens), lists)| {
                            let mentions = UnitMentions::found(tokens, &lexicons, lists);
                            run(l, &mentions, tokens)
                        })
                        .sum();
                    assert_eq!(found, expected, "{name}");
                    found
                },
                BatchSize::LargeInput,
            )
        });
    };
    stage("commitment", n_commitments, &|l, mentions, tokens| {
        let decisions = commitment::decide(&l.units, tokens, mentions, &lexicons);
        decisions.iter().filter(|d| d.commitment).count()
    });
    stage("actor", n_commitments, &|l, mentions, tokens| {
        let (actors, _) = actor::attribute(&l.units, tokens, mentions, &l.commitments, &lexicons);
        actors.iter().flatten().count()
    });
    stage("vague", n_vague, &|l, _, tokens| {
        count_vague(&vague::assess(&l.units, tokens, &l.commitments, &lexicons))
    });
    stage("specificity", n_commitments, &|l, mentions, tokens| {
        specificity::assess(
            &l.units,
            tokens,
            mentions,
            &l.commitments,
            &l.vague,
            l.period.as_ref(),
            &lexicons,
        )
        .iter()
        .flatten()
        .count()
    });
    group.bench_function("period", |b| {
        b.iter(|| {
            let found = labelled
                .iter()
                .filter(|l| {
                    let title = l.units.first().map_or("", |u| u.text.as_str());
                    period::find(black_box(&l.document.text), title, &l.document.path).is_some()
                })
                .count();
            // Nearly every corpus agreement states its period (documents.gold.jsonl).
            assert!(found * 4 >= labelled.len() * 3, "period found in {found}");
            found
        })
    });
    group.bench_function("profile", |b| {
        b.iter(|| {
            // Each profile counts its document's units: the sum is the corpus total.
            let units: usize = labelled
                .iter()
                .map(|l| profile::profile(black_box(l)).units)
                .sum();
            assert_eq!(units, n_units);
            units
        })
    });
    // Reading: decoding and normalising the bytes (the file system is left out).
    let raw: Vec<Vec<u8>> = documents
        .iter()
        .map(|(_, text)| text.as_bytes().to_vec())
        .collect();
    // Decoding takes the bytes over, so each run gets its own copy, made untimed.
    group.bench_function("decode", |b| {
        b.iter_batched(
            || raw.clone(),
            |raw| {
                // The corpus is NFC UTF-8 already: decoding keeps every byte.
                let decoded: usize = raw
                    .into_iter()
                    .map(|bytes| {
                        decode::decode(black_box(bytes), None)
                            .expect("UTF-8")
                            .text
                            .len()
                    })
                    .sum();
                assert_eq!(decoded, bytes);
                decoded
            },
            BatchSize::SmallInput,
        )
    });
    // Writing: every unit as a JSON Lines record, into memory.
    let identities: Vec<_> = labelled.iter().map(profile::identity).collect();
    group.bench_function("output_jsonl", |b| {
        b.iter(|| {
            let mut writer =
                RecordWriter::new(Vec::new(), Format::Jsonl, CsvOptions::default(), &[])
                    .expect("writer");
            let mut records = 0;
            for (l, identity) in labelled.iter().zip(&identities) {
                for record in output::records(l, identity, true) {
                    writer.write(&record, &[]).expect("in memory");
                    records += 1;
                }
            }
            assert_eq!(records, n_units);
            records
        })
    });
    group.bench_function("pipeline", |b| {
        b.iter(|| {
            let units: usize = documents
                .iter()
                .map(|(name, text)| {
                    pipeline::label_text(name, black_box(text), &lexicons)
                        .units
                        .len()
                })
                .sum();
            assert_eq!(units, n_units);
            units
        })
    });
    group.finish();

    // The whole pipeline on one document: the longest agreement in the corpus, whose
    // unit count must match its gold.
    let (name, text) = documents
        .iter()
        .max_by_key(|(_, text)| text.len())
        .expect("a corpus document");
    let file = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let gold_units = gold_unit_count(file);
    assert!(gold_units > 0, "{file} has no gold units");
    let mut group = c.benchmark_group("one_document");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function(file, |b| {
        b.iter(|| {
            let units = pipeline::label_text(name, black_box(text), &lexicons)
                .units
                .len();
            assert_eq!(units, gold_units);
            units
        })
    });
    group.finish();

    // Reading the same agreement as a web page: laid out as a municipal site would,
    // and with its content inside 50,000 nested elements, which is read flat (linear)
    // rather than as a tree (quadratic in the depth). Both must give the same text.
    let mut group = c.benchmark_group("html");
    for (label, depth) in [("page", 0), ("page_nested_50000_deep", 50_000)] {
        let page = web_page(text, depth);
        let read = html::read_page(&page);
        assert_eq!(
            read.warning.is_some(),
            depth > 0,
            "{label}: read flat or not"
        );
        assert_eq!(
            read.text,
            html::read_page(&web_page(text, 0)).text,
            "{label}"
        );
        assert!(read.text.lines().count() > 20, "{label}: {}", read.text);
        group.throughput(Throughput::Bytes(page.len() as u64));
        group.bench_function(label, |b| {
            b.iter(|| html::read_page(black_box(&page)).text.len())
        });
    }
    group.finish();

    // A short PDF read as the binary reads it, in a child process of its own
    // (`lofte read-isolated`), and in this process: the difference is what the
    // isolation costs a file, mostly the child's start.
    let pdf_path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/good/aby.pdf");
    let pdf_bytes = std::fs::read(pdf_path).expect("the PDF fixture");
    lofte::isolate::use_child_process(env!("CARGO_BIN_EXE_lofte").into());
    let pages_of = |in_child: bool| {
        let pages = if in_child {
            lofte::isolate::pages(lofte::isolate::Format::Pdf, &pdf_bytes)
        } else {
            lofte::isolate::pages_in_process(lofte::isolate::Format::Pdf, &pdf_bytes)
        }
        .expect("the fixture's pages");
        assert_eq!(pages.len(), 2, "the fixture has two pages");
        assert!(pages[1].contains("trygghetsvandring"), "{pages:?}");
        pages.len()
    };
    let mut group = c.benchmark_group("pdf");
    group.throughput(Throughput::Bytes(pdf_bytes.len() as u64));
    group.bench_function("in_child", |b| b.iter(|| pages_of(true)));
    group.bench_function("in_process", |b| b.iter(|| pages_of(false)));
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
                let units: usize = documents
                    .iter()
                    .map(|(doc, text)| pipeline::label_text(doc, black_box(text), set).units.len())
                    .sum();
                assert_eq!(units, n_units);
                units
            })
        });
    }
    group.finish();

    // Loading: parsing every embedded lexicon (the bulk of start-up; the embedded
    // anchors compile each on first use), and parsing and compiling all of them, as a
    // set read from files is.
    let lexicon_bytes: usize = Lexicons::embedded_files()
        .iter()
        .map(|(_, text)| text.len())
        .sum();
    let embedded_dir = tempfile::tempdir().expect("temp dir");
    for (name, text) in Lexicons::embedded_files() {
        std::fs::write(embedded_dir.path().join(name), text).expect("lexicon written");
    }
    let mut group = c.benchmark_group("lexicons");
    group.throughput(Throughput::Bytes(lexicon_bytes as u64));
    group.bench_function("embedded", |b| {
        b.iter(|| {
            let lexicons = Lexicons::embedded();
            assert_eq!(lexicons.anchors.entries.len(), anchor_lines());
            lexicons
        })
    });
    group.bench_function("compiled_at_load", |b| {
        b.iter(|| {
            let lexicons = Lexicons::from_dir(embedded_dir.path()).expect("lexicons load");
            assert_eq!(lexicons.anchors.entries.len(), anchor_lines());
            lexicons
        })
    });
    group.finish();
}

/// Units in the corpus gold for one document.
fn gold_unit_count(file: &str) -> usize {
    let gold = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/corpus/gold.jsonl"))
        .expect("corpus gold");
    let needle = format!("\"doc\": \"{file}\"");
    gold.lines().filter(|line| line.contains(&needle)).count()
}

/// Entry lines in the embedded `anchors.txt`: each must compile into one regex.
fn anchor_lines() -> usize {
    let (_, text) = Lexicons::embedded_files()
        .iter()
        .find(|(name, _)| *name == "anchors.txt")
        .expect("anchors.txt is embedded");
    text.lines()
        .filter(|line| {
            let line = line.trim();
            !line.is_empty() && !line.starts_with('#')
        })
        .count()
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
