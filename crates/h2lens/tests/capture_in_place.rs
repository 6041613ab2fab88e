//! `Reader::next_in_place` (packets as views of the reader's buffer) yields exactly
//! the events of `Reader::next_event` (packets copied), on every vendored
//! capture, pushed whole and in uneven chunks.

use std::path::{Path, PathBuf};

use h2lens::capture::{CaptureEvent, Next, Reader};

fn captures() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures");
    let mut files = Vec::new();
    for dir in ["corpus", "extra", "net"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
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

fn events(bytes: &[u8], chunk: usize, in_place: bool) -> Vec<CaptureEvent> {
    let mut reader = Reader::new(&Default::default());
    let mut out = Vec::new();
    let pull = |reader: &mut Reader, out: &mut Vec<CaptureEvent>| {
        if in_place {
            while let Some(next) = reader.next_in_place() {
                out.push(match next {
                    Next::Packet(view) => CaptureEvent::Packet(view.to_packet()),
                    Next::Event(event) => event,
                });
            }
        } else {
            while let Some(event) = reader.next_event() {
                out.push(event);
            }
        }
    };
    for piece in bytes.chunks(chunk) {
        reader.push(piece);
        pull(&mut reader, &mut out);
    }
    reader.finish();
    pull(&mut reader, &mut out);
    out
}

#[test]
fn packets_in_place_are_the_packets_copied() {
    let files = captures();
    assert!(files.len() > 20);
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        // A truncated copy too: the last record is cut.
        let cut = &bytes[..bytes.len() - bytes.len().min(7)];
        for input in [&bytes[..], cut] {
            for chunk in [usize::MAX, 1000, 333] {
                let copied = events(input, chunk, false);
                let viewed = events(input, chunk, true);
                assert!(
                    copied.iter().any(|e| matches!(e, CaptureEvent::Packet(_))),
                    "{}",
                    path.display()
                );
                assert_eq!(copied, viewed, "{} in chunks of {chunk}", path.display());
            }
        }
    }
}
