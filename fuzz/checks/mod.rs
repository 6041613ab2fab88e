//! What each fuzz target checks, one module per target. The fuzz targets
//! (`fuzz_targets/`) call these on libFuzzer's inputs; the main workspace's
//! test `crates/h2lens/tests/fuzz_regressions.rs` calls them on every input
//! kept under `fuzz/regressions/`, on the stable toolchain.

#![allow(dead_code)]

pub mod capture;
pub mod conn;
pub mod decode;
pub mod frame;
pub mod hpack;
pub mod input;
pub mod tap;
