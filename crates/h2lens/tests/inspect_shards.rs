//! Sharded inspectors (`Options::shard`) split a capture's connections
//! between them: on every vendored input, the shards' summaries combined
//! with `Summary::add_shard` equal the summary of one inspector, every
//! connection's events appear in exactly one shard, unchanged, and merging
//! the shards' events by position (`Inspector::next_event_keyed`) gives
//! exactly the event stream of one inspector.

use std::path::{Path, PathBuf};

use h2lens::inspect::{Event, EventKind, Inspector, Options, Shard, Summary};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

fn decode(bytes: &[u8], shard: Shard) -> (Vec<Event>, Summary) {
    let mut inspector = Inspector::new(Options {
        shard,
        ..Options::default()
    });
    for chunk in bytes.chunks(4000) {
        inspector.push(chunk);
    }
    inspector.finish();
    let mut events = Vec::new();
    inspector.drain(&mut events);
    let summary = inspector.summary().clone();
    (events, summary)
}

fn inputs() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["corpus", "extra", "net", "tap"] {
        let Ok(entries) = std::fs::read_dir(fixtures().join(dir)) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
            let oracle = path.to_string_lossy().ends_with(".follow.json");
            let tap = dir == "tap" && !oracle && matches!(ext, "json" | "jsonl" | "pb");
            if matches!(ext, "pcap" | "pcapng") || tap {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Connection events in order, one list per connection.
fn by_conn(events: &[Event]) -> std::collections::BTreeMap<u32, Vec<String>> {
    let mut map = std::collections::BTreeMap::new();
    for e in events {
        if let (Some(conn), false) = (e.conn, matches!(e.kind, EventKind::Notice(_))) {
            map.entry(conn)
                .or_insert_with(Vec::new)
                .push(serde_json::to_string(e).unwrap());
        }
    }
    map
}

#[test]
fn shards_add_up_to_the_whole() {
    let files = inputs();
    assert!(files.len() > 20, "{files:?}");
    let mut multi_conn = 0;
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        let (all_events, whole) = decode(&bytes, Shard::default());
        let all_conns = by_conn(&all_events);
        if all_conns.len() > 1 {
            multi_conn += 1;
        }
        for count in [2, 3] {
            let mut merged: Option<Summary> = None;
            let mut conns = std::collections::BTreeMap::new();
            for index in 0..count {
                let (events, summary) = decode(&bytes, Shard { index, count });
                match merged.as_mut() {
                    None => merged = Some(summary),
                    Some(m) => m.add_shard(&summary),
                }
                for (conn, list) in by_conn(&events) {
                    assert_eq!(conn % count, index, "{}", path.display());
                    assert!(conns.insert(conn, list).is_none());
                }
            }
            assert_eq!(
                merged.as_ref(),
                Some(&whole),
                "{} in {count}",
                path.display()
            );
            assert!(conns == all_conns, "{} in {count}", path.display());
        }
    }
    assert!(
        multi_conn >= 3,
        "{multi_conn} inputs with several connections"
    );
}

/// Events with positions, pushed in the same uneven chunks for every shard.
fn keyed(bytes: &[u8], shard: Shard) -> Vec<(u64, String)> {
    let mut inspector = Inspector::new(Options {
        shard,
        ..Options::default()
    });
    let mut out = Vec::new();
    let pull = |inspector: &mut Inspector, out: &mut Vec<(u64, String)>| {
        while let Some((key, event)) = inspector.next_event_keyed() {
            out.push((key, serde_json::to_string(&event).unwrap()));
        }
    };
    for chunk in bytes.chunks(2999) {
        inspector.push(chunk);
        pull(&mut inspector, &mut out);
    }
    inspector.finish();
    pull(&mut inspector, &mut out);
    out
}

#[test]
fn merging_shards_by_position_gives_the_events_of_one_inspector() {
    // How often the merged stream switches from one shard to another.
    let mut switches = 0;
    for path in inputs() {
        let bytes = std::fs::read(&path).unwrap();
        let whole = keyed(&bytes, Shard::default());
        assert!(
            whole.windows(2).all(|w| w[0].0 <= w[1].0),
            "{}",
            path.display()
        );
        for count in [2, 3] {
            let shards: Vec<Vec<(u64, String)>> = (0..count)
                .map(|index| keyed(&bytes, Shard { index, count }))
                .collect();
            // Stable k-way merge by position; the final summaries (one per
            // shard, last) are left out: `add_shard` combines those.
            let mut heads = vec![0usize; shards.len()];
            let mut merged = Vec::new();
            loop {
                let next = (0..shards.len())
                    .filter(|&s| heads[s] < shards[s].len())
                    .min_by_key(|&s| (shards[s][heads[s]].0, s));
                let Some(s) = next else { break };
                if heads.iter().enumerate().any(|(o, h)| o != s && *h > 0) && s != 0 {
                    switches += 1;
                }
                merged.push(shards[s][heads[s]].clone());
                heads[s] += 1;
            }
            let is_summary = |e: &(u64, String)| e.1.starts_with("{\"event\":\"summary\"");
            let merged: Vec<_> = merged.into_iter().filter(|e| !is_summary(e)).collect();
            let expected: Vec<_> = whole.iter().filter(|e| !is_summary(e)).cloned().collect();
            assert_eq!(
                merged.len(),
                expected.len(),
                "{} in {count}",
                path.display()
            );
            for (i, (m, e)) in merged.iter().zip(&expected).enumerate() {
                assert_eq!(m.1, e.1, "{} in {count}: event {i}", path.display());
            }
        }
    }
    assert!(switches > 100, "{switches} switches between shards");
}
