//! Decoding speed over the whole hpack-test-case corpus (every encoder
//! folder, one decoder per story), in fields per second.
//!
//! `cargo run --release -p h2lens --example hpack_speed [ROUNDS] [fields|decode]`

use std::path::Path;
use std::time::Instant;

use h2lens::config::HpackLimits;
use h2lens::hpack::story::Story;
use h2lens::hpack::Decoder;
use h2lens::octets::from_hex;

/// One story: (SETTINGS table size before the case, block) per case.
type Blocks = Vec<(Option<u32>, Vec<u8>)>;

/// One pass over the corpus, returning (fields, name and value octets).
type Run<'a> = dyn Fn() -> (u64, u64) + 'a;

fn main() {
    let rounds: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20);
    let only = std::env::args().nth(2);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/hpack-test-case");
    let mut stories: Vec<Blocks> = Vec::new();
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .expect("tests/fixtures/hpack-test-case")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir() && !p.ends_with("raw-data"))
        .collect();
    dirs.sort();
    for dir in dirs {
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap_or_default();
            let Ok(story) = serde_json::from_str::<Story>(&text) else {
                continue;
            };
            stories.push(
                story
                    .cases
                    .iter()
                    .map(|c| {
                        let wire = c.wire.as_deref().and_then(from_hex).unwrap_or_default();
                        (c.header_table_size, wire)
                    })
                    .collect(),
            );
        }
    }
    let limits = HpackLimits::default();
    let blocks: usize = stories.iter().map(Vec::len).sum();
    let bytes: usize = stories.iter().flatten().map(|(_, b)| b.len()).sum();

    let run_fields = || {
        let mut fields = 0u64;
        let mut octets = 0u64;
        for story in &stories {
            let mut d = Decoder::new(&limits);
            for (size, block) in story {
                if let Some(size) = size {
                    d.set_settings_table_size(*size);
                }
                let _ = d.decode_fields(block, |n, v| {
                    fields += 1;
                    octets += (n.len() + v.len()) as u64;
                });
            }
        }
        (fields, octets)
    };
    let run_decode = |table_events: bool| {
        let mut fields = 0u64;
        let mut octets = 0u64;
        for story in &stories {
            let mut d = Decoder::new(&limits);
            d.set_table_events(table_events);
            for (size, block) in story {
                if let Some(size) = size {
                    d.set_settings_table_size(*size);
                }
                let b = d.decode(block);
                fields += b.fields.len() as u64;
                octets += b
                    .fields
                    .iter()
                    .map(|f| (f.name.len() + f.value.len()) as u64)
                    .sum::<u64>();
            }
        }
        (fields, octets)
    };

    println!(
        "corpus: {} stories, {blocks} blocks, {bytes} bytes; {rounds} rounds",
        stories.len()
    );
    let run_decode_all = || run_decode(true);
    let run_decode_quiet = || run_decode(false);
    let runs: [(&str, &Run); 3] = [
        ("decode_fields", &run_fields),
        ("decode", &run_decode_all),
        ("decode (no insert/evict events)", &run_decode_quiet),
    ];
    for (name, f) in runs {
        if only.as_deref().is_some_and(|o| !name.starts_with(o)) {
            continue;
        }
        let (fields, octets) = f(); // warm up
        let start = Instant::now();
        for _ in 0..rounds {
            std::hint::black_box(f());
        }
        let secs = start.elapsed().as_secs_f64() / f64::from(rounds);
        println!(
            "{name:>31}: {fields} fields ({octets} octets) in {:.2} ms: {:.2} M fields/s, {:.0} MB/s of wire",
            secs * 1e3,
            fields as f64 / secs / 1e6,
            bytes as f64 / secs / 1e6
        );
    }
}
