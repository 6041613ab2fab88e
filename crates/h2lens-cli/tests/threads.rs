//! `--threads N` changes nothing in the output: every listing and the
//! summary of every vendored capture are byte for byte the same with one
//! decoding thread and with several (each decoding a share of the
//! connections, merged back into one inspector's order).

use std::path::{Path, PathBuf};
use std::process::Command;

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

/// Exit status, stdout and stderr: all three must not depend on threads.
fn run(args: &[&str], threads: u32, file: &Path) -> (Option<i32>, Vec<u8>, Vec<u8>) {
    let out = Command::new(env!("CARGO_BIN_EXE_h2lens"))
        .args(args)
        .arg("--threads")
        .arg(threads.to_string())
        .arg(file)
        .output()
        .expect("run h2lens");
    // 1: a damaged input (the truncated capture), still fully listed.
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "h2lens {args:?} {}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), out.stdout, out.stderr)
}

#[test]
fn output_does_not_depend_on_the_number_of_threads() {
    let files = captures();
    assert!(files.len() > 20);
    let commands: &[&[&str]] = &[
        &["summary"],
        &["summary", "--json"],
        &["headers"],
        &["headers", "--json"],
        &["headers", "--json", "--explain"],
        &["frames", "--json"],
        &["exchanges", "--json"],
        &["anomalies", "--json"],
        &["anomalies"],
    ];
    let mut multi = 0;
    for file in &files {
        for args in commands {
            let one = run(args, 1, file);
            for threads in [2, 3] {
                let several = run(args, threads, file);
                assert!(
                    one == several,
                    "h2lens {args:?} {}: --threads 1 and {threads} differ",
                    file.display()
                );
            }
            if args == &["exchanges", "--json"] {
                let text = String::from_utf8_lossy(&one.1);
                if text.contains("\"conn\":1,") {
                    multi += 1;
                }
            }
        }
    }
    assert!(multi >= 3, "{multi} captures with several connections");
}
