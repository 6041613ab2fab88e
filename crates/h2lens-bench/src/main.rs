//! HPACK decoder benchmark: h2lens against nghttp2, the h2 crate and
//! httlib-hpack over every story of hpack-test-case.
//!
//! 1. Load every encoder folder's stories (not `raw-data`).
//! 2. Verify each decoder on each story: exact bytes of every (name, value),
//!    see `verify`. Only stories every decoder verified are timed.
//! 3. Time interleaved rounds with rotated order (see `timing`); report
//!    median wire MB/s, million fields/s, and the median of per-round ratios
//!    to nghttp2.
//!
//! Run it through `scripts/bench-hpack.sh` (release build); see
//! docs/BENCHMARKS.md.

mod corpus;
mod decoders;
mod report;
mod sink;
#[cfg(test)]
mod tests;
mod timing;
mod verify;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

use crate::decoders::{Decoder, REFERENCE};
use crate::report::{
    CorpusFacts, DecoderReport, Exclusion, Failure, Machine, PlanFacts, Ratio, Report, StoryFailure,
};
use crate::timing::{median, Plan};
use crate::verify::Verdict;

#[derive(Parser, Debug)]
#[command(about = "HPACK decoder benchmark over hpack-test-case")]
struct Args {
    /// The hpack-test-case folder.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/hpack-test-case"))]
    corpus: PathBuf,
    /// Timed rounds.
    #[arg(long, default_value_t = 15)]
    rounds: usize,
    /// Rounds the slow reference (loona-hpack) takes part in.
    #[arg(long, default_value_t = 3)]
    slow_rounds: usize,
    /// Corpus passes per measurement (the time is divided by it).
    #[arg(long, default_value_t = 1)]
    passes: u32,
    /// Leave the slow reference out entirely.
    #[arg(long)]
    skip_slow: bool,
    /// Verify only; time nothing.
    #[arg(long)]
    verify_only: bool,
    /// Where to write the JSON report.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/bench/hpack.json"))]
    json: PathBuf,
    /// Where to write the Markdown report (also printed).
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/bench/hpack.md"))]
    markdown: PathBuf,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench-hpack: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<(), String> {
    let corpus = corpus::load(&args.corpus)?;
    eprintln!(
        "corpus: {} stories in {} folders ({})",
        corpus.stories.len(),
        corpus.folders.len(),
        corpus.folders.join(", ")
    );

    let mut decoders: Vec<Box<dyn Decoder>> = decoders::all();
    if args.skip_slow {
        decoders.retain(|d| !d.slow());
    }
    let reference = decoders
        .iter()
        .position(|d| d.name() == REFERENCE)
        .ok_or("the reference decoder is missing")?;
    for decoder in &mut decoders {
        decoder.prepare(&corpus);
    }

    // Verification: [decoder][story].
    let verdicts: Vec<Vec<Verdict>> = decoders
        .iter_mut()
        .map(|decoder| {
            let verdicts: Vec<Verdict> = corpus
                .stories
                .iter()
                .enumerate()
                .map(|(i, story)| verify::verify_story(decoder.as_mut(), i, story))
                .collect();
            let failed = verdicts.iter().filter(|v| !v.ok()).count();
            eprintln!(
                "verified {}: {} of {} stories ok",
                decoder.name(),
                verdicts.len() - failed,
                verdicts.len()
            );
            verdicts
        })
        .collect();

    let timed: Vec<usize> = (0..corpus.stories.len())
        .filter(|&s| verdicts.iter().all(|v| v.get(s).is_some_and(Verdict::ok)))
        .collect();
    let excluded: Vec<Exclusion> = (0..corpus.stories.len())
        .filter(|s| !timed.contains(s))
        .map(|s| Exclusion {
            story: corpus.stories[s].id.clone(),
            failed_by: decoders
                .iter()
                .zip(&verdicts)
                .filter_map(|(d, v)| {
                    v[s].failure.as_ref().map(|reason| Failure {
                        decoder: d.name().to_string(),
                        reason: reason.clone(),
                    })
                })
                .collect(),
        })
        .collect();
    let delivered: Vec<u64> = verdicts
        .iter()
        .map(|v| timed.iter().map(|&s| v[s].delivered_fields).sum())
        .collect();
    let refused: Vec<u64> = verdicts
        .iter()
        .map(|v| timed.iter().map(|&s| v[s].rejected_blocks).sum())
        .collect();

    let timed_stories = || timed.iter().map(|&s| &corpus.stories[s]);
    let facts = CorpusFacts {
        root: corpus.root.display().to_string(),
        folders: corpus.folders.clone(),
        stories: corpus.stories.len(),
        timed_stories: timed.len(),
        timed_blocks: timed_stories().map(|s| s.blocks.len() as u64).sum(),
        timed_fields: timed_stories().map(|s| s.field_count()).sum(),
        timed_wire_bytes: timed_stories().map(|s| s.wire_bytes()).sum(),
        timed_decoded_bytes: timed_stories().map(|s| s.decoded_bytes()).sum(),
        excluded,
    };
    eprintln!(
        "timing {} stories ({} excluded)",
        timed.len(),
        facts.excluded.len()
    );

    let plan = Plan {
        rounds: if args.verify_only { 0 } else { args.rounds },
        slow_rounds: args.slow_rounds.min(args.rounds),
        passes: args.passes.max(1),
    };
    let times = if timed.is_empty() {
        vec![vec![None; plan.rounds]; decoders.len()]
    } else {
        timing::run(&mut decoders, &corpus, &timed, &delivered, plan, |line| {
            eprintln!("{line}")
        })?
    };

    let reference_times = &times[reference];
    let decoder_reports = decoders
        .iter()
        .enumerate()
        .map(|(d, decoder)| {
            let rounds: Vec<f64> = times[d].iter().flatten().map(|t| t.wall).collect();
            let ratios = |time: fn(&timing::Sample) -> f64| -> Vec<f64> {
                times[d]
                    .iter()
                    .zip(reference_times)
                    .filter_map(|(t, r)| Some(time(r.as_ref()?) / time(t.as_ref()?)))
                    .collect()
            };
            let wall_ratios = ratios(|t| t.wall);
            let cpu_ratios = ratios(|t| t.cpu);
            let summary = |ratios: &[f64]| {
                median(ratios).map(|m| Ratio {
                    median: m,
                    min: ratios.iter().copied().fold(f64::INFINITY, f64::min),
                    max: ratios.iter().copied().fold(0.0, f64::max),
                })
            };
            let per_second = |amount: u64, scale: f64| {
                let rates: Vec<f64> = rounds.iter().map(|t| amount as f64 / t / scale).collect();
                median(&rates)
            };
            let failed: Vec<StoryFailure> = corpus
                .stories
                .iter()
                .zip(&verdicts[d])
                .filter_map(|(story, v)| {
                    v.failure.as_ref().map(|reason| StoryFailure {
                        story: story.id.clone(),
                        reason: reason.clone(),
                    })
                })
                .collect();
            DecoderReport {
                name: decoder.name().to_string(),
                version: decoder.version(),
                checked: match decoder.checked() {
                    decoders::Checked::WireOrder => {
                        "every pair, exact bytes, wire order".to_string()
                    }
                    decoders::Checked::H2Codec => {
                        "every delivered pair, exact bytes, wire order within each name; \
                         refused blocks must break an h2 HTTP rule"
                            .to_string()
                    }
                },
                stories_verified: verdicts[d].iter().filter(|v| v.ok()).count(),
                stories_failed: failed,
                refused_blocks: refused[d],
                delivered_fields: delivered[d],
                rounds_timed: rounds.len(),
                median_ms: median(&rounds).map(|t| t * 1e3),
                wire_mb_per_s: per_second(facts.timed_wire_bytes, 1e6),
                million_fields_per_s: per_second(facts.timed_fields, 1e6),
                ratio_to_reference: summary(&wall_ratios),
                cpu_ratio_to_reference: summary(&cpu_ratios),
                per_round_ms: times[d].iter().map(|t| t.map(|t| t.wall * 1e3)).collect(),
                per_round_cpu_ms: times[d].iter().map(|t| t.map(|t| t.cpu * 1e3)).collect(),
            }
        })
        .collect();

    let report = Report {
        date_utc: report::now_utc(),
        command: std::env::args().collect::<Vec<_>>().join(" "),
        machine: Machine {
            cpu_model: report::cpu_model(),
            logical_cpus: std::thread::available_parallelism().map_or(0, |n| n.get()),
            rustc: env!("BENCH_RUSTC_VERSION").to_string(),
            profile: if cfg!(debug_assertions) {
                "debug"
            } else {
                "release"
            }
            .to_string(),
        },
        plan: PlanFacts {
            rounds: plan.rounds,
            slow_rounds: plan.slow_rounds,
            passes_per_measurement: plan.passes,
        },
        corpus: facts,
        reference: REFERENCE.to_string(),
        decoders: decoder_reports,
    };

    let markdown = report.markdown();
    println!("{markdown}");
    write(&args.markdown, &markdown)?;
    let json = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
    write(&args.json, &json)?;
    eprintln!(
        "wrote {} and {}",
        args.json.display(),
        args.markdown.display()
    );
    Ok(())
}

fn write(path: &std::path::Path, text: &str) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}
