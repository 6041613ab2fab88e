//! Oracle: hpack-test-case (vendored in `tests/fixtures/hpack-test-case`).
//! Every case of every story of every encoder's folder must decode to
//! exactly the listed headers, with one decoder per story that honours
//! `header_table_size`. `raw-data` has no wire and is the encoder's input.

use std::path::{Path, PathBuf};

use h2lens::config::HpackLimits;
use h2lens::hpack::story::{self, Header, Story};
use h2lens::hpack::{Decoder, TableState};
use h2lens::octets::from_hex;

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/hpack-test-case")
}

/// (folder, story path) for every encoder folder.
fn stories() -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    let mut dirs: Vec<_> = std::fs::read_dir(corpus_dir())
        .expect("vendored hpack-test-case")
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() && !p.ends_with("raw-data"))
        .collect();
    dirs.sort();
    for dir in dirs {
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        for f in files {
            out.push((dir.file_name().unwrap().to_string_lossy().into_owned(), f));
        }
    }
    out
}

fn load(path: &Path) -> Story {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_story_decodes_to_the_listed_headers() {
    let all = stories();
    assert!(all.len() >= 8 * 31, "corpus present: {} stories", all.len());
    let limits = HpackLimits::default();
    let mut cases = 0;
    let mut fields = 0;
    for (folder, path) in &all {
        let story = load(path);
        let mut decoder = Decoder::new(&limits);
        for (i, case) in story.cases.iter().enumerate() {
            if let Some(size) = case.header_table_size {
                decoder.set_settings_table_size(size);
            }
            let wire = from_hex(case.wire.as_deref().unwrap()).unwrap();
            let block = decoder.decode(&wire);
            let where_ = format!(
                "{folder}/{} case {i}",
                path.file_name().unwrap().to_string_lossy()
            );
            assert_eq!(block.error, None, "{where_}");
            assert!(
                block.diagnostics.is_empty(),
                "{where_}: {:?}",
                block.diagnostics
            );
            assert_eq!(block.table_state, TableState::Synced, "{where_}");
            let got: Vec<Header> = block
                .fields
                .iter()
                .map(|f| Header {
                    name: f.name.clone(),
                    value: f.value.clone(),
                })
                .collect();
            assert_eq!(got, case.headers, "{where_}");
            // Spans tile the block: each field's span starts where the
            // previous representation ended (size updates in between).
            let mut end = 0;
            for f in &block.fields {
                assert!(f.span.start >= end && f.span.end > f.span.start, "{where_}");
                end = f.span.end;
            }
            assert!(end <= wire.len() as u64);
            cases += 1;
            fields += got.len();
        }
    }
    assert!(
        cases > 20_000 && fields > 300_000,
        "{cases} cases, {fields} fields"
    );
}

#[test]
fn decode_fields_agrees_with_decode_on_the_corpus() {
    let limits = HpackLimits::default();
    for (folder, path) in stories() {
        let story = load(&path);
        let mut a = Decoder::new(&limits);
        let mut b = Decoder::new(&limits);
        for case in &story.cases {
            if let Some(size) = case.header_table_size {
                a.set_settings_table_size(size);
                b.set_settings_table_size(size);
            }
            let wire = from_hex(case.wire.as_deref().unwrap()).unwrap();
            let block = a.decode(&wire);
            let mut got = Vec::new();
            b.decode_fields(&wire, |n, v| got.push((n.to_vec(), v.to_vec())))
                .unwrap_or_else(|e| panic!("{folder}: {e}"));
            let want: Vec<_> = block
                .fields
                .iter()
                .map(|f| (f.name.to_vec(), f.value.to_vec()))
                .collect();
            assert_eq!(got, want, "{folder} {}", path.display());
            assert_eq!(a.summary(), b.summary());
        }
    }
}

#[test]
fn story_inflate_reproduces_every_story() {
    let limits = HpackLimits::default();
    for (_, path) in stories() {
        let original = load(&path);
        let mut stripped = original.clone();
        for c in &mut stripped.cases {
            c.headers.clear();
        }
        let out = story::inflate(&stripped, &limits);
        for (o, c) in out.cases.iter().zip(&original.cases) {
            assert_eq!(o.error, None, "{}", path.display());
            assert_eq!(o.headers, c.headers, "{}", path.display());
            assert!(o.dynamic_table_size.unwrap() <= 4096);
        }
    }
}
