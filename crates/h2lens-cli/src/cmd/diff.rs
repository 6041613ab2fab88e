//! `h2lens diff`: what changed between two hops (two captures), or between
//! two exchanges of one capture.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use h2lens::diff::{
    diff_headers, pair_exchanges, GroupChangeKind, HeaderChange, HeaderDiff, PairKey,
};
use h2lens::inspect::{CollectedExchange, Header};
use serde::Serialize;

use super::input::{run_inspector, InputArgs};

#[derive(Args, Debug)]
pub struct DiffArgs {
    /// The first capture (for example the client side of a proxy).
    pub left: PathBuf,
    /// The second capture (for example the server side). Without it, give
    /// two exchanges of the first with --exchanges.
    pub right: Option<PathBuf>,
    /// Two exchanges of one capture, as CONN:STREAM CONN:STREAM.
    #[arg(long, num_args = 2, value_names = ["A", "B"])]
    pub exchanges: Option<Vec<String>>,
    /// JSON Lines: one line per pair.
    #[arg(long)]
    pub json: bool,
    /// Show unchanged headers too.
    #[arg(long)]
    pub all: bool,
    /// A TLS key log (SSLKEYLOGFILE) for encrypted captures.
    #[arg(long)]
    pub keylog: Option<PathBuf>,
}

#[derive(Serialize)]
struct ExchangeRef<'a> {
    conn: u32,
    stream: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    method: Option<&'a h2lens::Octets>,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<&'a h2lens::Octets>,
}

#[derive(Serialize)]
struct PairDiff<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    left: Option<ExchangeRef<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    right: Option<ExchangeRef<'a>>,
    by: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    request: Option<HeaderDiff>,
    #[serde(skip_serializing_if = "Option::is_none")]
    response: Option<HeaderDiff>,
    #[serde(skip_serializing_if = "Option::is_none")]
    trailers: Option<HeaderDiff>,
}

fn collect(
    path: &std::path::Path,
    keylog: Option<&PathBuf>,
) -> Result<Vec<CollectedExchange>, String> {
    let input = InputArgs {
        file: path.to_path_buf(),
        format: None,
        no_progress: true,
        keylog: keylog.cloned(),
        threads: None,
        limits: Vec::new(),
    };
    let mut options = input.options();
    options.collect = true;
    let inspector = run_inspector(&input, options, |_| Ok(())).map_err(|e| e.to_string())?;
    Ok(inspector.exchanges().to_vec())
}

fn exchange_ref(ex: &CollectedExchange) -> ExchangeRef<'_> {
    ExchangeRef {
        conn: ex.conn,
        stream: ex.exchange.stream_id,
        method: ex.exchange.method.as_ref(),
        path: ex.exchange.path.as_ref(),
    }
}

fn diff_pair<'a>(
    left: Option<&'a CollectedExchange>,
    right: Option<&'a CollectedExchange>,
    by: String,
) -> PairDiff<'a> {
    let both = |f: fn(&CollectedExchange) -> &Vec<Header>| match (left, right) {
        (Some(l), Some(r)) if !(f(l).is_empty() && f(r).is_empty()) => {
            Some(diff_headers(f(l), f(r)))
        }
        _ => None,
    };
    PairDiff {
        left: left.map(exchange_ref),
        right: right.map(exchange_ref),
        by,
        request: both(|e| &e.request_headers),
        response: both(|e| &e.response_headers),
        trailers: both(|e| &e.response_trailers),
    }
}

fn parse_ref(s: &str) -> Result<(u32, u32), String> {
    let (c, st) = s
        .split_once(':')
        .ok_or_else(|| format!("{s:?}: expected CONN:STREAM, e.g. 0:13"))?;
    let c = c
        .parse()
        .map_err(|_| format!("{s:?}: bad connection number"))?;
    let st = st
        .parse()
        .map_err(|_| format!("{s:?}: bad stream number"))?;
    Ok((c, st))
}

pub fn run(args: DiffArgs) -> Result<ExitCode, String> {
    let left = collect(&args.left, args.keylog.as_ref())?;
    let mut out = BufWriter::new(io::stdout().lock());
    let mut changed = false;
    let pairs: Vec<PairDiff<'_>>;
    let right_store;
    match (&args.right, &args.exchanges) {
        (None, Some(refs)) => {
            let find = |r: &String| -> Result<&CollectedExchange, String> {
                let (c, s) = parse_ref(r)?;
                left.iter()
                    .find(|e| e.conn == c && e.exchange.stream_id == s)
                    .ok_or_else(|| format!("no exchange {r} in {}", args.left.display()))
            };
            let (Some(a), Some(b)) = (refs.first(), refs.get(1)) else {
                return Err("--exchanges needs two CONN:STREAM values".into());
            };
            pairs = vec![diff_pair(Some(find(a)?), Some(find(b)?), "given".into())];
        }
        (Some(right), None) => {
            right_store = collect(right, args.keylog.as_ref())?;
            let lk: Vec<PairKey> = left.iter().map(PairKey::from).collect();
            let rk: Vec<PairKey> = right_store.iter().map(PairKey::from).collect();
            pairs = pair_exchanges(&lk, &rk)
                .into_iter()
                .map(|p| {
                    diff_pair(
                        p.left.and_then(|i| left.get(i)),
                        p.right.and_then(|i| right_store.get(i)),
                        p.by,
                    )
                })
                .collect();
        }
        _ => return Err("give two captures, or one capture and --exchanges A B".into()),
    }
    for pair in &pairs {
        let differs = [&pair.request, &pair.response, &pair.trailers]
            .iter()
            .any(|d| d.as_ref().is_some_and(|d| !d.is_same()))
            || pair.left.is_none()
            || pair.right.is_none();
        changed |= differs;
        let result = if args.json {
            serde_json::to_writer(&mut out, pair)
                .map_err(super::input::json_error)
                .and_then(|()| writeln!(out))
        } else {
            write_pair(&mut out, pair, args.all)
        };
        match result {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => break,
            other => super::output::written(other)?,
        }
    }
    super::output::written(out.flush())?;
    // Like diff(1): 1 when something differs.
    Ok(if changed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn describe(r: &Option<ExchangeRef<'_>>) -> String {
    match r {
        None => "(none)".into(),
        Some(r) => {
            let show = |o: Option<&h2lens::Octets>| {
                o.map(|v| v.display().into_owned()).unwrap_or_default()
            };
            format!(
                "conn {} stream {} {} {}",
                r.conn,
                r.stream,
                show(r.method),
                show(r.path)
            )
        }
    }
}

fn write_pair(out: &mut impl Write, pair: &PairDiff<'_>, all: bool) -> io::Result<()> {
    writeln!(
        out,
        "=== {}  ↔  {}  (paired: {})",
        describe(&pair.left),
        describe(&pair.right),
        pair.by
    )?;
    for (title, diff) in [
        ("request headers", &pair.request),
        ("response headers", &pair.response),
        ("trailers", &pair.trailers),
    ] {
        let Some(diff) = diff else { continue };
        if diff.is_same() && !all {
            writeln!(out, "  {title}: identical")?;
            continue;
        }
        writeln!(out, "  {title}:")?;
        for change in &diff.changes {
            match change {
                HeaderChange::Same { name, value, .. } if all => {
                    writeln!(out, "    = {}: {}", name.display(), value.display())?
                }
                HeaderChange::Same { .. } => {}
                HeaderChange::Moved {
                    name,
                    value,
                    left,
                    right,
                } => writeln!(
                    out,
                    "    ~ {}: {}   (moved from position {left} to {right})",
                    name.display(),
                    value.display()
                )?,
                HeaderChange::Changed {
                    name,
                    left_value,
                    right_value,
                    ..
                } => writeln!(
                    out,
                    "    * {}: {} → {}",
                    name.display(),
                    left_value.display(),
                    right_value.display()
                )?,
                HeaderChange::Added { name, value, .. } => {
                    writeln!(out, "    + {}: {}", name.display(), value.display())?
                }
                HeaderChange::Removed { name, value, .. } => {
                    writeln!(out, "    - {}: {}", name.display(), value.display())?
                }
            }
        }
        let grouped: Vec<_> = diff
            .grouped
            .iter()
            // Single values are already shown above; the grouped view adds
            // something only for repeated names.
            .filter(|g| g.kind != GroupChangeKind::Same && (g.left.len() > 1 || g.right.len() > 1))
            .collect();
        if !grouped.is_empty() {
            writeln!(out, "    grouped:")?;
            for g in grouped {
                let list = |v: &[h2lens::Octets]| {
                    v.iter()
                        .map(|x| format!("{:?}", x.display()))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                writeln!(
                    out,
                    "      {}: [{}] → [{}] ({:?})",
                    g.name.display(),
                    list(&g.left),
                    list(&g.right),
                    g.kind
                )?;
            }
        }
    }
    Ok(())
}
