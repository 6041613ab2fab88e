//! Interleaved timing: every round runs each decoder over the whole timed
//! corpus once, in an order rotated by one each round, so drift on a shared
//! machine (frequency, other processes) falls on all decoders alike.

use std::time::Instant;

use cpu_time::ThreadTime;

use crate::corpus::Corpus;
use crate::decoders::Decoder;
use crate::sink::FieldSink;

#[derive(Clone, Copy, Debug)]
pub struct Plan {
    pub rounds: usize,
    /// Rounds a slow decoder takes part in (its first ones).
    pub slow_rounds: usize,
    /// Passes over the corpus per measurement (time is divided by it).
    pub passes: u32,
}

/// Seconds per corpus pass, wall clock and this thread's CPU time.
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    pub wall: f64,
    pub cpu: f64,
}

/// `[decoder][round]`, `None` where the decoder sat the round out.
pub type Times = Vec<Vec<Option<Sample>>>;

/// Times `decoders` over `timed` (story indices). `delivered[d]` is how many
/// fields decoder `d` delivered over `timed` during verification: every pass
/// must deliver the same, or the run stops.
pub fn run(
    decoders: &mut [Box<dyn Decoder>],
    corpus: &Corpus,
    timed: &[usize],
    delivered: &[u64],
    plan: Plan,
    mut progress: impl FnMut(&str),
) -> Result<Times, String> {
    // Warm-up: one untimed pass each (caches, allocator, page faults). The
    // slow reference skips it; verification already ran its code.
    for decoder in decoders.iter_mut().filter(|d| !d.slow()) {
        pass(decoder.as_mut(), corpus, timed, 1)?;
    }

    let n = decoders.len();
    let mut times: Times = vec![vec![None; plan.rounds]; n];
    for round in 0..plan.rounds {
        let mut line = format!("round {}/{}:", round + 1, plan.rounds);
        for k in 0..n {
            let d = (k + round) % n;
            let Some(decoder) = decoders.get_mut(d) else {
                continue;
            };
            if decoder.slow() && round >= plan.slow_rounds {
                continue;
            }
            let cpu_started = ThreadTime::now();
            let started = Instant::now();
            let sink = pass(decoder.as_mut(), corpus, timed, plan.passes)?;
            let wall = started.elapsed().as_secs_f64() / f64::from(plan.passes);
            let cpu = cpu_started.elapsed().as_secs_f64() / f64::from(plan.passes);
            let want = delivered.get(d).copied().unwrap_or(0) * u64::from(plan.passes);
            if sink.fields != want {
                return Err(format!(
                    "{} delivered {} fields in round {}, {} when verified",
                    decoder.name(),
                    sink.fields,
                    round + 1,
                    want
                ));
            }
            if let Some(slot) = times.get_mut(d).and_then(|t| t.get_mut(round)) {
                *slot = Some(Sample { wall, cpu });
            }
            line.push_str(&format!(
                " {} {:.1} ms ({:.1} CPU);",
                decoder.name(),
                wall * 1e3,
                cpu * 1e3
            ));
        }
        progress(&line);
    }
    Ok(times)
}

fn pass(
    decoder: &mut dyn Decoder,
    corpus: &Corpus,
    timed: &[usize],
    passes: u32,
) -> Result<FieldSink, String> {
    let mut sink = FieldSink::counting();
    for _ in 0..passes {
        for &index in timed {
            let story = corpus
                .stories
                .get(index)
                .ok_or_else(|| format!("no story {index}"))?;
            decoder
                .decode_story(index, story, &mut sink)
                .map_err(|e| format!("{} on {}: {e}", decoder.name(), story.id))?;
        }
    }
    Ok(sink)
}

/// The median (mean of the middle two for an even count); `None` if empty.
pub fn median(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    match sorted.len() {
        0 => None,
        len if len % 2 == 1 => sorted.get(mid).copied(),
        _ => Some((sorted.get(mid - 1)? + sorted.get(mid)?) / 2.0),
    }
}
