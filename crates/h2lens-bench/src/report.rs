//! The results: a JSON document and a Markdown summary of it.

use std::fmt::Write as _;

use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct Report {
    pub date_utc: String,
    pub command: String,
    pub machine: Machine,
    pub plan: PlanFacts,
    pub corpus: CorpusFacts,
    /// The decoder ratios are taken against.
    pub reference: String,
    pub decoders: Vec<DecoderReport>,
}

#[derive(Debug, Serialize)]
pub struct Machine {
    pub cpu_model: String,
    pub logical_cpus: usize,
    pub rustc: String,
    pub profile: String,
}

#[derive(Debug, Serialize)]
pub struct PlanFacts {
    pub rounds: usize,
    pub slow_rounds: usize,
    pub passes_per_measurement: u32,
}

#[derive(Debug, Serialize)]
pub struct CorpusFacts {
    pub root: String,
    pub folders: Vec<String>,
    pub stories: usize,
    /// Stories every decoder verified: the only ones timed.
    pub timed_stories: usize,
    /// Totals over the timed stories.
    pub timed_blocks: u64,
    pub timed_fields: u64,
    pub timed_wire_bytes: u64,
    pub timed_decoded_bytes: u64,
    /// Stories left out of timing, and which decoder failed them.
    pub excluded: Vec<Exclusion>,
}

#[derive(Debug, Serialize)]
pub struct Exclusion {
    pub story: String,
    pub failed_by: Vec<Failure>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    pub decoder: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct StoryFailure {
    pub story: String,
    pub reason: String,
}

#[derive(Debug, Serialize)]
pub struct DecoderReport {
    pub name: String,
    pub version: String,
    /// What verification compared.
    pub checked: String,
    pub stories_verified: usize,
    pub stories_failed: Vec<StoryFailure>,
    /// Over the timed stories, per pass: blocks refused at the HTTP layer
    /// (h2) and fields actually handed to the harness.
    pub refused_blocks: u64,
    pub delivered_fields: u64,
    pub rounds_timed: usize,
    pub median_ms: Option<f64>,
    pub wire_mb_per_s: Option<f64>,
    pub million_fields_per_s: Option<f64>,
    /// From wall-clock times.
    pub ratio_to_reference: Option<Ratio>,
    /// The same from this thread's CPU time (blind to time spent
    /// descheduled on a busy machine).
    pub cpu_ratio_to_reference: Option<Ratio>,
    /// Wall-clock milliseconds per corpus pass, by round; null where it sat
    /// out.
    pub per_round_ms: Vec<Option<f64>>,
    /// Thread CPU milliseconds per corpus pass, by round.
    pub per_round_cpu_ms: Vec<Option<f64>>,
}

/// Speed relative to the reference (reference time / this time), per round.
#[derive(Debug, Serialize)]
pub struct Ratio {
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

impl Report {
    pub fn markdown(&self) -> String {
        let mut md = String::new();
        let c = &self.corpus;
        let _ = writeln!(
            md,
            "HPACK decode, {} of {} stories ({} blocks, {} fields, {:.2} MB wire, {:.2} MB decoded); \
             {} rounds (slow reference: {}), {} pass(es) per measurement; {}, {} logical CPUs; {}; {}.\n",
            c.timed_stories,
            c.stories,
            c.timed_blocks,
            c.timed_fields,
            c.timed_wire_bytes as f64 / 1e6,
            c.timed_decoded_bytes as f64 / 1e6,
            self.plan.rounds,
            self.plan.slow_rounds,
            self.plan.passes_per_measurement,
            self.machine.cpu_model,
            self.machine.logical_cpus,
            self.machine.rustc,
            self.date_utc,
        );
        let _ = writeln!(
            md,
            "| decoder | wire MB/s | M fields/s | × {0} (median of per-round ratios) | ratio min–max | × {0} by CPU time | rounds | version |",
            self.reference
        );
        let _ = writeln!(md, "|---|---:|---:|---:|---|---:|---:|---|");
        for d in &self.decoders {
            let ratio = d
                .ratio_to_reference
                .as_ref()
                .map(|r| {
                    (
                        fmt_ratio(r.median),
                        format!("{}–{}", fmt_ratio(r.min), fmt_ratio(r.max)),
                    )
                })
                .unwrap_or_else(|| ("–".to_string(), "–".to_string()));
            let cpu_ratio = d
                .cpu_ratio_to_reference
                .as_ref()
                .map_or_else(|| "–".to_string(), |r| fmt_ratio(r.median));
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                d.name,
                fmt_opt(d.wire_mb_per_s, 1),
                fmt_opt(d.million_fields_per_s, 2),
                ratio.0,
                ratio.1,
                cpu_ratio,
                d.rounds_timed,
                d.version
            );
        }
        let _ = writeln!(
            md,
            "\nVerification (before timing; only stories every decoder verified are timed):\n"
        );
        let _ = writeln!(
            md,
            "| decoder | stories verified | failed | refused blocks (timed set) | fields delivered (timed set) | compared |"
        );
        let _ = writeln!(md, "|---|---:|---:|---:|---:|---|");
        for d in &self.decoders {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} of {} | {} |",
                d.name,
                d.stories_verified,
                d.stories_failed.len(),
                d.refused_blocks,
                d.delivered_fields,
                c.timed_fields,
                d.checked
            );
        }
        if !c.excluded.is_empty() {
            let _ = writeln!(md, "\nExcluded stories:\n");
            for e in &c.excluded {
                for f in &e.failed_by {
                    let _ = writeln!(md, "- {}: {}: {}", e.story, f.decoder, f.reason);
                }
            }
        }
        md
    }
}

fn fmt_opt(value: Option<f64>, decimals: usize) -> String {
    value.map_or_else(|| "–".to_string(), |v| format!("{v:.decimals$}"))
}

fn fmt_ratio(ratio: f64) -> String {
    if ratio < 0.1 {
        format!("{ratio:.3}×")
    } else {
        format!("{ratio:.2}×")
    }
}

/// `YYYY-MM-DD HH:MM UTC` from the system clock.
pub fn now_utc() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let days = (secs / 86_400) as i64;
    let (h, m) = ((secs % 86_400) / 3600, (secs % 3600) / 60);
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {h:02}:{m:02} UTC")
}

pub fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".to_string())
}
