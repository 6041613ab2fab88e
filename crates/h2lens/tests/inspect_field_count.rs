//! `OutputOptions::header_fields = count` (what `h2lens summary`,
//! `frames`, `exchanges` and `anomalies` use) changes nothing but the
//! listing of header fields: on every vendored capture, the events are the
//! explained ones with each block's fields replaced by their number, and the
//! summary is the same.

use std::path::{Path, PathBuf};

use h2lens::config::HeaderFields;
use h2lens::conn::ConnEvent;
use h2lens::inspect::{Event, EventKind, Inspector, Options};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

fn decode(bytes: &[u8], fields: HeaderFields) -> Vec<Event> {
    let mut options = Options::default();
    options.config.output.header_fields = fields;
    decode_with(bytes, options)
}

fn captures() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["corpus", "extra", "net"] {
        let Ok(entries) = std::fs::read_dir(fixtures().join(dir)) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
            if matches!(ext, "pcap" | "pcapng") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn counting_fields_changes_only_the_field_lists() {
    let files = captures();
    assert!(files.len() > 20, "{files:?}");
    let mut blocks = 0;
    let mut fields = 0u64;
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        let explained = decode(&bytes, HeaderFields::Explained);
        let counted = decode(&bytes, HeaderFields::Count);
        assert_eq!(explained.len(), counted.len(), "{}", path.display());
        for (mut e, c) in explained.into_iter().zip(counted) {
            if let EventKind::Conn(ConnEvent::HeaderBlock(b)) = &mut e.kind {
                blocks += 1;
                let n = b.hpack.fields.len();
                fields += n as u64;
                b.hpack.fields.clear();
                b.hpack.fields_not_listed = u32::try_from(n).unwrap();
            }
            assert_eq!(
                serde_json::to_string(&e).unwrap(),
                serde_json::to_string(&c).unwrap(),
                "{}",
                path.display()
            );
        }
    }
    assert!(
        blocks > 100 && fields > 1000,
        "{blocks} blocks, {fields} fields"
    );
}

#[test]
fn listed_blocks_do_not_mention_unlisted_fields() {
    let bytes = std::fs::read(fixtures().join("corpus/h2c_curl_prior.pcap")).unwrap();
    let explained = decode(&bytes, HeaderFields::Explained);
    let json: Vec<String> = explained
        .iter()
        .map(|e| serde_json::to_string(e).unwrap())
        .collect();
    assert!(json.iter().any(|l| l.contains("\"header_block\"")));
    assert!(json.iter().all(|l| !l.contains("fields_not_listed")));
}

fn decode_with(bytes: &[u8], options: Options) -> Vec<Event> {
    let mut inspector = Inspector::new(options);
    // Uneven chunks, so blocks both arrive whole and split across pushes.
    for chunk in bytes.chunks(1459) {
        inspector.push(chunk);
    }
    inspector.finish();
    let mut events = Vec::new();
    inspector.drain(&mut events);
    events
}

/// `OutputOptions::frame_events = false` leaves out the frame events and
/// nothing else: the other events are the same, in the same order, and the
/// summary still counts every frame by type.
#[test]
fn without_frame_events_only_the_frame_events_go() {
    let went = only_these_go(
        |o| o.config.output.frame_events = false,
        |k| matches!(k, EventKind::Conn(ConnEvent::Frame(_))),
    );
    assert!(went > 1000, "{went} frame events");
}

/// Decodes every vendored capture with every event, and again with
/// `change` applied to the options: the second must give the same events
/// without those `gone` picks, in the same order (the final summary
/// included, so it still counts what is no longer an event). Returns how
/// many events went.
fn only_these_go(change: impl Fn(&mut Options), gone: impl Fn(&EventKind) -> bool) -> usize {
    let mut went = 0;
    for path in captures() {
        let bytes = std::fs::read(&path).unwrap();
        let all = decode_with(&bytes, Options::default());
        let mut options = Options::default();
        change(&mut options);
        let fewer = decode_with(&bytes, options);
        let expected: Vec<String> = all
            .iter()
            .filter(|e| {
                let goes = gone(&e.kind);
                went += usize::from(goes);
                !goes
            })
            .map(|e| serde_json::to_string(e).unwrap())
            .collect();
        let got: Vec<String> = fewer
            .iter()
            .map(|e| serde_json::to_string(e).unwrap())
            .collect();
        assert_eq!(got, expected, "{}", path.display());
    }
    went
}

/// `OutputOptions::block_events = false`: only the header block events go;
/// the summary still counts every block and field.
#[test]
fn without_block_events_only_the_block_events_go() {
    let went = only_these_go(
        |o| o.config.output.block_events = false,
        |k| matches!(k, EventKind::Conn(ConnEvent::HeaderBlock(_))),
    );
    assert!(went > 100, "{went} block events");
}

/// `OutputOptions::exchange_events = false`: only the exchange events go;
/// the summary still counts every exchange.
#[test]
fn without_exchange_events_only_the_exchange_events_go() {
    let went = only_these_go(
        |o| o.config.output.exchange_events = false,
        |k| matches!(k, EventKind::Conn(ConnEvent::Exchange(_))),
    );
    assert!(went > 50, "{went} exchange events");
}

/// What `h2lens summary` asks for (fields counted, no frame, block or
/// exchange events): the rest of the events and the summary are the same.
#[test]
fn summary_options_leave_the_summary_alone() {
    let went = only_these_go(
        |o| {
            let out = &mut o.config.output;
            out.header_fields = HeaderFields::Count;
            out.frame_events = false;
            out.block_events = false;
            out.exchange_events = false;
        },
        |k| {
            matches!(
                k,
                EventKind::Conn(
                    ConnEvent::HeaderBlock(_) | ConnEvent::Exchange(_) | ConnEvent::Frame(_)
                )
            )
        },
    );
    assert!(went > 1000, "{went} events");
}
