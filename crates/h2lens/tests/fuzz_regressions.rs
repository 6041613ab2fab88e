//! Every input kept under `fuzz/regressions/<target>/` (inputs the fuzzers
//! once failed on, minimised), run through the same checks as the fuzz
//! target `<target>` (`fuzz/checks/`), on the stable toolchain.

#[path = "../../../fuzz/checks/mod.rs"]
mod checks;

use std::path::PathBuf;

fn inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/regressions")
        .join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut out: Vec<_> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect();
    out.sort();
    out
}

fn replay(target: &str, check: fn(&[u8])) -> usize {
    let inputs = inputs(target);
    for (path, bytes) in &inputs {
        eprintln!("{target}: {}", path.display());
        check(bytes);
    }
    inputs.len()
}

#[test]
fn hpack() {
    replay("hpack", checks::hpack::check);
}

#[test]
fn frame() {
    replay("frame", checks::frame::check);
}

#[test]
fn conn() {
    assert!(replay("conn", checks::conn::check) > 0);
}

#[test]
fn capture() {
    replay("capture", checks::capture::check);
}

#[test]
fn tap() {
    replay("tap", checks::tap::check);
}

#[test]
fn decode() {
    replay("decode", checks::decode::check);
}
