//! The HTTP/2 flood attacks, seen from the wire: runs of frames that cost
//! their receiver work while carrying no request or response (the 2019
//! family, CVE-2019-9512 to -9518) and streams reset as soon as opened
//! (rapid reset, CVE-2023-44487). Thresholds: [`crate::config::FloodLimits`].

use crate::config::{limit_hint, FloodLimits};
use crate::diag::{Diagnostic, Layer};
use crate::frame::{Flags, Frame, FrameHeader};
use crate::Timestamp;

/// The kinds of flood, each with its own run per direction (the
/// discriminant is the run's index).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Flood {
    Ping,
    Settings,
    Reset,
    Priority,
    Empty,
    RapidReset,
}

const KINDS: usize = 6;

/// What a flood is called, where its threshold lives, and what it is.
struct Facts {
    layer: Layer,
    code: &'static str,
    /// The threshold's path in [`crate::Config`].
    limit: &'static str,
    /// The threshold's value.
    threshold: fn(&FloodLimits) -> u32,
    /// The words, `{n}` standing for the count of frames or streams.
    what: &'static str,
}

impl Flood {
    fn facts(self) -> Facts {
        let frame = |code, limit, threshold, what| Facts {
            layer: Layer::Frame,
            code,
            limit,
            threshold,
            what,
        };
        match self {
            Flood::Ping => frame(
                "frame.ping_flood",
                "flood.pings",
                |l| l.pings,
                "ping flood (CVE-2019-9512): {n} PING frames without a request or response between them",
            ),
            Flood::Settings => frame(
                "frame.settings_flood",
                "flood.settings",
                |l| l.settings,
                "settings flood (CVE-2019-9515): {n} SETTINGS frames without a request or response between them",
            ),
            Flood::Reset => frame(
                "frame.reset_flood",
                "flood.resets",
                |l| l.resets,
                "reset flood (CVE-2019-9514): {n} RST_STREAM frames without a request or response between them",
            ),
            Flood::Priority => frame(
                "frame.priority_flood",
                "flood.priorities",
                |l| l.priorities,
                "PRIORITY flood (resource loop, CVE-2019-9513): {n} PRIORITY frames without a request or response between them",
            ),
            Flood::Empty => frame(
                "frame.empty_frames_flood",
                "flood.empty_frames",
                |l| l.empty_frames,
                "empty frames flood (CVE-2019-9518): {n} DATA, HEADERS or CONTINUATION frames with no payload and no END_STREAM",
            ),
            Flood::RapidReset => Facts {
                layer: Layer::Stream,
                code: "stream.rapid_reset",
                limit: "flood.rapid_resets",
                threshold: |l| l.rapid_resets,
                what: "rapid reset (CVE-2023-44487): the client reset {n} streams before any response came",
            },
        }
    }
}

/// One run: how many frames of a kind, since when.
#[derive(Clone, Copy, Debug, Default)]
struct Run {
    count: u32,
    since: Timestamp,
    /// This run was reported (once per run).
    reported: bool,
}

/// The runs of one direction.
#[derive(Clone, Debug, Default)]
pub(super) struct FloodWatch {
    runs: [Run; KINDS],
}

impl FloodWatch {
    /// Looks at one frame `dir` sent; returns the flood it completes, if
    /// any. `unanswered_reset` says the frame is a client's RST_STREAM on a
    /// stream no response has come on.
    pub(super) fn frame(
        &mut self,
        head: &FrameHeader,
        frame: &Frame,
        unanswered_reset: bool,
        ts: Timestamp,
        limits: &FloodLimits,
    ) -> Option<Diagnostic> {
        let end_stream = head.has(Flags::END_STREAM);
        let kind = match frame {
            Frame::Ping(p) if !p.ack => Some(Flood::Ping),
            Frame::Settings(s) if !s.ack => Some(Flood::Settings),
            Frame::Priority(_) => Some(Flood::Priority),
            Frame::RstStream(_) => Some(Flood::Reset),
            Frame::Data(d) if d.data.is_empty() && !end_stream => Some(Flood::Empty),
            Frame::Headers(h) if h.fragment.is_empty() && !end_stream => Some(Flood::Empty),
            Frame::Continuation(c) if c.fragment.is_empty() => Some(Flood::Empty),
            // Something carried: every run but rapid reset's ends.
            Frame::Data(_) | Frame::Headers(_) | Frame::Continuation(_) | Frame::PushPromise(_) => {
                for run in self.runs.iter_mut().take(Flood::RapidReset as usize) {
                    *run = Run::default();
                }
                None
            }
            _ => None,
        };
        let mut found = kind.and_then(|k| self.count(k, ts, limits));
        if unanswered_reset {
            found = found.or(self.count(Flood::RapidReset, ts, limits));
        }
        found
    }

    fn count(&mut self, kind: Flood, ts: Timestamp, limits: &FloodLimits) -> Option<Diagnostic> {
        let facts = kind.facts();
        let limit = (facts.threshold)(limits);
        let window = i64::from(limits.window_seconds).saturating_mul(1_000_000_000);
        let run = self.runs.get_mut(kind as usize)?;
        // A run longer than the window starts again from this frame.
        if run.count == 0 || ts.0.saturating_sub(run.since.0) > window {
            *run = Run {
                count: 0,
                since: ts,
                reported: false,
            };
        }
        run.count = run.count.saturating_add(1);
        if run.reported || limit == 0 || run.count < limit {
            return None;
        }
        run.reported = true;
        let message = format!(
            "{}{}",
            facts.what.replace("{n}", &run.count.to_string()),
            limit_hint(facts.limit)
        );
        Some(Diagnostic::warning(facts.layer, facts.code, message))
    }
}
