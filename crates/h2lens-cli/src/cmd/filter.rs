//! `--conn`, `--stream`, `--path`, `--header`: which events a listing shows.

use std::collections::HashMap;

use clap::Args;
use h2lens::conn::ConnEvent;
use h2lens::inspect::{Event, EventKind};

#[derive(Args, Debug, Clone, Default)]
pub struct FilterArgs {
    /// Only this connection (numbered from 0 in order of appearance, like
    /// tshark's tcp.stream).
    #[arg(long)]
    pub conn: Option<u32>,
    /// Only this HTTP/2 stream.
    #[arg(long)]
    pub stream: Option<u32>,
    /// Only streams whose :path matches this glob (`*` any run, `?` one
    /// character).
    #[arg(long)]
    pub path: Option<String>,
    /// Only streams that carry a header of this name (any case).
    #[arg(long)]
    pub header: Option<String>,
}

/// Applies the filters, remembering each stream's path and header names as
/// its blocks go by.
#[derive(Default)]
pub struct Filter {
    args: FilterArgs,
    /// (conn, stream) → (matches --path, matches --header).
    streams: HashMap<(u32, u32), (bool, bool)>,
}

impl Filter {
    pub fn new(args: FilterArgs) -> Filter {
        Filter {
            args,
            streams: HashMap::new(),
        }
    }

    /// Whether the filter reads header fields (`--path`, `--header`).
    pub fn needs_stream_facts(&self) -> bool {
        self.args.path.is_some() || self.args.header.is_some()
    }

    /// Whether `event` passes. Call for every event, in order.
    pub fn accept(&mut self, event: &Event) -> bool {
        if let EventKind::TapExchange(tx) = &event.kind {
            return self.accept_tap(tx);
        }
        let stream = stream_of(event);
        if let Some(conn) = self.args.conn {
            if event.conn != Some(conn) {
                return false;
            }
        }
        if let Some(want) = self.args.stream {
            if stream != Some(want) {
                return false;
            }
        }
        if !self.needs_stream_facts() {
            return true;
        }
        let (Some(conn), Some(stream)) = (event.conn, stream) else {
            return false;
        };
        let key = (conn, stream);
        if let EventKind::Conn(ConnEvent::HeaderBlock(block)) = &event.kind {
            let facts = self.streams.entry(key).or_insert((false, false));
            for field in &block.hpack.fields {
                let name = field.name.as_bytes();
                if let Some(glob) = &self.args.path {
                    if name == b":path" && glob_match(glob.as_bytes(), field.value.as_bytes()) {
                        facts.0 = true;
                    }
                }
                if let Some(want) = &self.args.header {
                    if name.eq_ignore_ascii_case(want.as_bytes()) {
                        facts.1 = true;
                    }
                }
            }
        }
        if let EventKind::Conn(ConnEvent::Exchange(ex)) = &event.kind {
            if let (Some(glob), Some(path)) = (&self.args.path, &ex.path) {
                let facts = self.streams.entry(key).or_insert((false, false));
                facts.0 |= glob_match(glob.as_bytes(), path.as_bytes());
            }
        }
        let facts = self.streams.get(&key).copied().unwrap_or((false, false));
        (self.args.path.is_none() || facts.0) && (self.args.header.is_none() || facts.1)
    }
}

impl Filter {
    /// Tap exchanges have no connection or stream number: `--conn` and
    /// `--stream` leave them out; `--path` and `--header` look at their
    /// headers.
    fn accept_tap(&self, tx: &h2lens::tap::TapExchange) -> bool {
        if self.args.conn.is_some() || self.args.stream.is_some() {
            return false;
        }
        if let Some(glob) = &self.args.path {
            let path = tx.path.as_ref().map(|p| p.as_bytes()).unwrap_or(b"");
            if !glob_match(glob.as_bytes(), path) {
                return false;
            }
        }
        if let Some(want) = &self.args.header {
            let lists = [
                Some(&tx.request_headers),
                tx.request_trailers.as_ref(),
                Some(&tx.response_headers),
                tx.response_trailers.as_ref(),
            ];
            let has = lists
                .into_iter()
                .flatten()
                .flatten()
                .any(|(name, _)| name.as_bytes().eq_ignore_ascii_case(want.as_bytes()));
            if !has {
                return false;
            }
        }
        true
    }
}

/// The HTTP/2 stream an event is about.
pub fn stream_of(event: &Event) -> Option<u32> {
    match &event.kind {
        EventKind::Conn(ConnEvent::Frame(f)) => Some(f.header.stream_id),
        EventKind::Conn(ConnEvent::HeaderBlock(b)) => Some(b.stream_id),
        EventKind::Conn(ConnEvent::Exchange(e)) => Some(e.stream_id),
        EventKind::Conn(ConnEvent::Diagnostic(d)) => d.stream_id,
        EventKind::Conn(ConnEvent::Stalled(s)) => Some(s.stream_id),
        _ => None,
    }
}

/// `*` matches any run of bytes, `?` any one byte.
pub fn glob_match(pattern: &[u8], text: &[u8]) -> bool {
    // Iterative matcher with one backtrack point: linear in practice.
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(b'*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(c) if *c == b'?' || Some(c) == text.get(t) => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pattern
        .get(p..)
        .is_some_and(|rest| rest.iter().all(|c| *c == b'*'))
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn globs() {
        assert!(glob_match(b"/payments.v1.*", b"/payments.v1.Payments/Get"));
        assert!(glob_match(b"*Get*", b"/payments.v1.Payments/GetPayment"));
        assert!(glob_match(b"/a?c", b"/abc"));
        assert!(!glob_match(b"/a?c", b"/abbc"));
        assert!(glob_match(b"*", b""));
        assert!(!glob_match(b"/x", b"/xy"));
    }
}
