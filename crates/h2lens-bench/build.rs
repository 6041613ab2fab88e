//! Links libnghttp2 (the reference HPACK inflater) and records the versions
//! of the peer crates, so the report says exactly what was measured.

use std::path::Path;

fn main() {
    link_nghttp2();
    record_peer_versions();
    record_rustc_version();
}

fn record_rustc_version() {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_string());
    let version = std::process::Command::new(rustc)
        .arg("-V")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|v| v.trim().to_string())
        .unwrap_or_else(|| "unknown rustc".to_string());
    println!("cargo:rustc-env=BENCH_RUSTC_VERSION={version}");
}

/// The bench needs libnghttp2: without it there is no reference to compare
/// against, so fail the build with the fix instead of benchmarking less.
fn link_nghttp2() {
    match pkg_config::Config::new()
        .atleast_version("1.40")
        .probe("libnghttp2")
    {
        Ok(_) => {} // pkg-config printed the link lines.
        Err(pkg_err) => {
            // No .pc file: take a plain system install if its header is there.
            if Path::new("/usr/include/nghttp2/nghttp2.h").exists() {
                println!("cargo:rustc-link-lib=nghttp2");
            } else {
                panic!(
                    "h2lens-bench needs libnghttp2 (the reference HPACK decoder): \
                     `apt-get install libnghttp2-dev`, or run scripts/bench-hpack.sh, \
                     which installs it. pkg-config said: {pkg_err}"
                );
            }
        }
    }
}

/// Reads the resolved versions of the peer crates from the workspace's
/// Cargo.lock into `PEER_VERSION_<CRATE>` compile-time variables.
fn record_peer_versions() {
    let lock_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.lock");
    println!("cargo:rerun-if-changed={}", lock_path.display());
    let lock = std::fs::read_to_string(&lock_path).unwrap_or_default();
    for (krate, var) in [
        ("h2", "PEER_VERSION_H2"),
        ("httlib-hpack", "PEER_VERSION_HTTLIB_HPACK"),
        ("loona-hpack", "PEER_VERSION_LOONA_HPACK"),
    ] {
        let version = locked_version(&lock, krate).unwrap_or_else(|| "unknown".to_string());
        println!("cargo:rustc-env={var}={version}");
    }
}

fn locked_version(lock: &str, krate: &str) -> Option<String> {
    let needle = format!("name = \"{krate}\"\nversion = \"");
    let start = lock.find(&needle)? + needle.len();
    let rest = lock.get(start..)?;
    let end = rest.find('"')?;
    rest.get(..end).map(str::to_string)
}
