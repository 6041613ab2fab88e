//! Unreadable, truncated and unknown inputs: clear messages naming the file
//! and offset, and distinct exit statuses.

use std::path::Path;
use std::process::Command;

fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_h2lens"))
        .args(args)
        .output()
        .expect("run h2lens");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn truncated_unknown_and_missing_files() {
    let dir = std::env::temp_dir().join(format!("h2lens-cli-errors-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let capture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/corpus/grpc_python.pcap");
    let bytes = std::fs::read(capture).unwrap();
    // Cut inside the 18th record (records are 16-byte header + data).
    let truncated = dir.join("truncated.pcap");
    std::fs::write(&truncated, &bytes[..3000]).unwrap();
    let (code, stdout, stderr) = run(&["summary", truncated.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stdout.contains("packets: 18"),
        "what could be read is still shown: {stdout}"
    );
    assert!(stderr.contains("truncated.pcap"), "{stderr}");
    assert!(stderr.contains("at byte 2743"), "{stderr}");

    let text = dir.join("notes.txt");
    std::fs::write(&text, "just some notes\n").unwrap();
    let (code, _, stderr) = run(&["headers", text.to_str().unwrap()]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("notes.txt") && stderr.contains("not a pcap"),
        "{stderr}"
    );

    let (code, _, stderr) = run(&["frames", dir.join("missing.pcap").to_str().unwrap()]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("cannot open") && stderr.contains("missing.pcap"),
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// `--limit`: a name that is no limit is refused with the list; a limit
/// set low is hit, and the diagnostic says how to raise it again.
#[test]
fn limits_from_the_command_line() {
    let capture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/corpus/grpc_python.pcap");
    let capture = capture.to_str().unwrap();
    let (code, _, stderr) = run(&["summary", "--limit", "hpack.max_fieldz=5", capture]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("no limit named `hpack.max_fieldz`"),
        "{stderr}"
    );
    assert!(stderr.contains("hpack.max_fields_per_block"), "{stderr}");

    let (code, stdout, stderr) = run(&[
        "anomalies",
        "--limit",
        "hpack.max_fields_per_block=5",
        capture,
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    let hits: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains("more than 5 fields"))
        .collect();
    // Every request block of the capture has more than 5 fields.
    assert!(hits.len() >= 11, "{stdout}");
    assert!(
        hits[0].contains("--limit hpack.max_fields_per_block=N"),
        "{}",
        hits[0]
    );

    let (code, stdout, _) = run(&["limits"]);
    assert_eq!(code, Some(0));
    assert!(
        stdout.contains("hpack.max_fields_per_block = 10000"),
        "{stdout}"
    );
    assert!(stdout.contains("flood.pings = 1000"), "{stdout}");
}

/// Output that cannot be written. A full device is an error that says so
/// (exit 2); a reader that goes away (a closed pipe, as with `| head`) ends
/// the run quietly and successfully, as other Unix tools do. Both with one
/// decoding thread and with several (the listings write on their own
/// thread, whatever the number).
#[test]
fn output_that_cannot_be_written() {
    use std::process::Stdio;
    let capture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/corpus/grpc_python.pcap");
    let capture = capture.to_str().unwrap();
    let story = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/hpack-test-case/go-hpack/story_00.json");
    let story = story.to_str().unwrap();
    let mut commands: Vec<Vec<&str>> = vec![
        vec!["limits"],
        vec!["limits", "--json"],
        vec!["hpack", "inflate", story],
        vec!["har", capture],
        vec!["grpc", capture],
    ];
    for threads in ["1", "2"] {
        for listing in [
            &["headers", "--json"][..],
            &["frames"][..],
            &["summary"][..],
        ] {
            commands.push([listing, &["--threads", threads, capture][..]].concat());
        }
    }
    for args in commands {
        // Every Linux has /dev/full (a write to it fails with ENOSPC).
        if cfg!(target_os = "linux") {
            let full = std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .expect("/dev/full");
            let out = Command::new(env!("CARGO_BIN_EXE_h2lens"))
                .args(&args)
                .stdout(full)
                .output()
                .expect("run h2lens");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
            assert!(stderr.contains("cannot write output"), "{args:?}: {stderr}");
        }
        // The reading end closed before anything is written.
        let mut child = Command::new(env!("CARGO_BIN_EXE_h2lens"))
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run h2lens");
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.stderr.is_empty(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
