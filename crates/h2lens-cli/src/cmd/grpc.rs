//! `h2lens grpc`: gRPC calls, their metadata as gRPC means it, and their
//! messages.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use h2lens::grpc::{CallMessage, GrpcCall, Metadata};
use h2lens::inspect::EventKind;

use super::filter::FilterArgs;
use super::input::{for_each_event, InputArgs};

#[derive(Args, Debug)]
pub struct GrpcArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub filter: FilterArgs,
    /// JSON Lines: one call per line, with both metadata views.
    #[arg(long)]
    pub json: bool,
    /// Show call N (1-based, in the order calls ended) in full.
    #[arg(long)]
    pub call: Option<usize>,
    /// A FileDescriptorSet (as made by `protoc --descriptor_set_out
    /// --include_imports`, the grpcurl "protoset") to decode messages.
    #[arg(long)]
    pub protoset: Option<PathBuf>,
}

pub fn run(args: GrpcArgs) -> Result<ExitCode, String> {
    let mut options = args.input.options();
    options.grpc = true;
    options.decode_raw = true;
    if let Some(path) = &args.protoset {
        let bytes = std::fs::read(path)
            .map_err(|e| format!("cannot read protoset {}: {e}", path.display()))?;
        options.protoset = Some(bytes);
    }
    let mut out = BufWriter::new(io::stdout().lock());
    let mut n = 0usize;
    let mut shown = false;
    for_each_event(&args.input, options, |event| {
        let EventKind::GrpcCall(call) = &event.kind else {
            return Ok(());
        };
        if !filter_call(&args.filter, event.conn, call) {
            return Ok(());
        }
        n += 1;
        match args.call {
            Some(want) if want == n => {
                shown = true;
                write_call_detail(&mut out, n, event.conn, call)
            }
            Some(_) => Ok(()),
            None if args.json => {
                serde_json::to_writer(&mut out, &event).map_err(super::input::json_error)?;
                out.write_all(b"\n")
            }
            None => write_call_line(&mut out, n, event.conn, call),
        }
    })
    .map_err(|e| e.to_string())?;
    super::output::written(out.flush())?;
    if let (Some(want), false) = (args.call, shown) {
        return Err(format!("there is no call {want} (found {n})"));
    }
    Ok(ExitCode::SUCCESS)
}

/// Filters that can be judged from the call itself.
fn filter_call(f: &FilterArgs, conn: Option<u32>, call: &GrpcCall) -> bool {
    if f.conn.is_some_and(|c| Some(c) != conn) {
        return false;
    }
    if f.stream.is_some_and(|s| Some(s) != call.stream_id) {
        return false;
    }
    if let Some(glob) = &f.path {
        if !super::filter::glob_match(glob.as_bytes(), call.path.as_bytes()) {
            return false;
        }
    }
    if let Some(name) = &f.header {
        let has = |m: &Metadata| {
            m.wire
                .iter()
                .chain(m.reserved.iter())
                .any(|e| e.name.as_bytes().eq_ignore_ascii_case(name.as_bytes()))
        };
        if !has(&call.request_metadata)
            && !call.response_metadata.as_ref().is_some_and(has)
            && !call.trailers_metadata.as_ref().is_some_and(has)
        {
            return false;
        }
    }
    true
}

fn status_text(call: &GrpcCall) -> String {
    match &call.status {
        Some(code) => match code.name() {
            Some(name) => format!("{name} ({})", code.0),
            None => format!("{}", code.0),
        },
        None => "no status".into(),
    }
}

fn bytes(messages: &[CallMessage]) -> u64 {
    messages
        .iter()
        .map(|m| u64::from(m.message.declared_len))
        .sum()
}

fn write_call_line(
    out: &mut impl Write,
    n: usize,
    conn: Option<u32>,
    call: &GrpcCall,
) -> io::Result<()> {
    let conn = conn.map(|c| format!("conn {c} ")).unwrap_or_default();
    let stream = call
        .stream_id
        .map(|s| format!("stream {s} "))
        .unwrap_or_default();
    write!(
        out,
        "#{n} {conn}{stream}{} {}",
        call.path.display(),
        status_text(call)
    )?;
    if let Some(msg) = &call.message {
        write!(out, " {:?}", msg.display)?;
    }
    write!(
        out,
        " req {} msg/{}B resp {} msg/{}B",
        call.request_messages.len(),
        bytes(&call.request_messages),
        call.response_messages.len(),
        bytes(&call.response_messages)
    )?;
    if let Some(d) = call.duration_ns {
        write!(out, " {:.3} ms", d as f64 / 1e6)?;
    }
    if call.trailers_only {
        write!(out, " trailers-only")?;
    }
    if call.cancelled_by_client {
        write!(out, " cancelled by client")?;
    }
    if let Some(deadline) = &call.deadline {
        if deadline.exceeded {
            write!(
                out,
                " deadline {:.3} ms exceeded",
                deadline.timeout_ns as f64 / 1e6
            )?;
        }
    }
    writeln!(out)
}

fn write_metadata(out: &mut impl Write, title: &str, md: &Metadata) -> io::Result<()> {
    writeln!(out, "  {title} (wire order):")?;
    for e in md.reserved.iter().chain(md.wire.iter()) {
        write!(out, "    {}: {}", e.name.display(), e.value.display())?;
        if !e.decoded.is_empty() {
            let decoded: Vec<String> = e.decoded.iter().map(|d| d.to_hex()).collect();
            write!(out, "    (decoded: {})", decoded.join(", "))?;
        }
        writeln!(out)?;
    }
    if !md.grouped.is_empty() {
        writeln!(out, "  {title} (grouped):")?;
        for g in &md.grouped {
            let values: Vec<String> = g
                .values
                .iter()
                .map(|v| format!("{:?}", v.display()))
                .collect();
            writeln!(out, "    {}: [{}]", g.name.display(), values.join(", "))?;
        }
    }
    Ok(())
}

fn write_messages(out: &mut impl Write, title: &str, messages: &[CallMessage]) -> io::Result<()> {
    for (i, m) in messages.iter().enumerate() {
        let compressed = if m.message.compressed {
            ", compressed"
        } else {
            ""
        };
        writeln!(
            out,
            "  {title} message {} ({} bytes{compressed}):",
            i + 1,
            m.message.declared_len
        )?;
        if let Some(decoded) = &m.decoded {
            writeln!(out, "    {}: {}", decoded.type_name, decoded.json)?;
        } else if let Some(raw) = &m.raw {
            for line in h2lens::protobuf::to_text_format(&raw.message).lines() {
                writeln!(out, "    {line}")?;
            }
        }
    }
    Ok(())
}

fn write_call_detail(
    out: &mut impl Write,
    n: usize,
    conn: Option<u32>,
    call: &GrpcCall,
) -> io::Result<()> {
    write_call_line(out, n, conn, call)?;
    write_metadata(out, "request metadata", &call.request_metadata)?;
    write_messages(out, "request", &call.request_messages)?;
    if let Some(md) = &call.response_metadata {
        write_metadata(out, "response metadata", md)?;
    }
    write_messages(out, "response", &call.response_messages)?;
    if let Some(md) = &call.trailers_metadata {
        write_metadata(out, "trailers", md)?;
    }
    for d in &call.diagnostics {
        writeln!(out, "  ! {d}")?;
    }
    Ok(())
}
