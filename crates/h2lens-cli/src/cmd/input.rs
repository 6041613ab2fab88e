//! Reading an input file (or stdin) through the inspector, streaming.

use std::fs::File;
use std::io::{self, IsTerminal, Read};
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use std::sync::atomic::{AtomicU8, Ordering};

use h2lens::inspect::{Event, EventKind, InputFormat, Inspector, Options};
use h2lens::{Layer, Severity};

/// The worst input problem seen: 0 none, 1 a damaged input (truncated or
/// malformed capture), 2 an input h2lens does not recognise. `main` turns
/// it into the exit status.
pub static INPUT_STATUS: AtomicU8 = AtomicU8::new(0);

/// Reports a problem with the input file itself on stderr, naming the file
/// and offset, and remembers it for the exit status.
fn note_input_problem(name: &str, event: &Event) {
    let EventKind::Notice(notice) = &event.kind else {
        return;
    };
    let d = &notice.diagnostic;
    let status = if d.code == "input.unknown_format" {
        2
    } else if d.severity == Severity::Error && d.layer == Layer::Capture {
        1
    } else {
        return;
    };
    let at = d
        .offset
        .map(|o| format!(" (at byte {o})"))
        .unwrap_or_default();
    eprintln!("h2lens: {name}: {}{at}", d.message);
    INPUT_STATUS.fetch_max(status, Ordering::Relaxed);
}

/// Where the input comes from.
#[derive(Args, Debug, Clone)]
pub struct InputArgs {
    /// Capture (pcap, pcapng), tap output, or raw HTTP/2 bytes; `-` for
    /// stdin. The format is recognised from the content.
    pub file: PathBuf,
    /// Skip format detection.
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
    /// Never show a progress bar.
    #[arg(long)]
    pub no_progress: bool,
    /// TLS key log (NSS format, as written by SSLKEYLOGFILE) to decrypt
    /// TLS connections with. Decryption Secrets Blocks in a pcapng are
    /// used without it.
    #[arg(long, value_name = "FILE")]
    pub keylog: Option<PathBuf>,
}

#[derive(ValueEnum, Debug, Clone, Copy)]
pub enum FormatArg {
    Pcap,
    Pcapng,
    Http2,
    LinkerdJson,
    LinkerdWebsocket,
    EnvoyJson,
    EnvoyProto,
}

impl FormatArg {
    fn format(self) -> InputFormat {
        match self {
            FormatArg::Pcap => InputFormat::Pcap,
            FormatArg::Pcapng => InputFormat::Pcapng,
            FormatArg::Http2 => InputFormat::Http2,
            FormatArg::LinkerdJson => InputFormat::LinkerdJson,
            FormatArg::LinkerdWebsocket => InputFormat::LinkerdWebsocket,
            FormatArg::EnvoyJson => InputFormat::EnvoyJson,
            FormatArg::EnvoyProto => InputFormat::EnvoyProtoLengthDelimited,
        }
    }
}

impl InputArgs {
    /// Decoding options for this input (format forced if asked). The key
    /// log file is read by [`for_each_event`].
    pub fn options(&self) -> Options {
        Options {
            format: self.format.map(FormatArg::format),
            ..Options::default()
        }
    }
}

/// An error reading the input, naming the file.
#[derive(Debug)]
pub struct InputError(pub String);

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Decodes the input, handing each event to `sink` as soon as it exists.
/// `sink` returning an error (for example a closed pipe) stops early.
pub fn for_each_event(
    input: &InputArgs,
    options: Options,
    sink: impl FnMut(Event) -> io::Result<()>,
) -> Result<(), InputError> {
    run_inspector(input, options, sink).map(|_| ())
}

/// Like [`for_each_event`], and hands back the finished inspector (for
/// what it collected: exchanges, HAR).
pub fn run_inspector(
    input: &InputArgs,
    mut options: Options,
    mut sink: impl FnMut(Event) -> io::Result<()>,
) -> Result<Inspector, InputError> {
    if let (Some(path), None) = (&input.keylog, &options.keylog) {
        let text = std::fs::read(path)
            .map_err(|e| InputError(format!("cannot read key log {}: {e}", path.display())))?;
        options.keylog = Some(text);
    }
    let name = input.file.display().to_string();
    let (mut reader, size): (Box<dyn Read>, Option<u64>) = if name == "-" {
        (Box::new(io::stdin().lock()), None)
    } else {
        let file =
            File::open(&input.file).map_err(|e| InputError(format!("cannot open {name}: {e}")))?;
        let size = file.metadata().ok().map(|m| m.len());
        (Box::new(file), size)
    };
    let progress = make_progress(size, input.no_progress);
    let mut inspector = Inspector::new(options);
    let mut buf = vec![0u8; 1 << 20];
    let mut events = Vec::new();
    let mut offset = 0u64;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(InputError(format!(
                    "cannot read {name} at byte {offset}: {e}"
                )))
            }
        };
        offset += n as u64;
        inspector.push(buf.get(..n).unwrap_or(&[]));
        inspector.drain(&mut events);
        for event in events.drain(..) {
            if deliver(&name, &mut sink, event)? {
                return Ok(inspector);
            }
        }
        if let Some(p) = &progress {
            p.set_position(offset);
        }
    }
    inspector.finish();
    inspector.drain(&mut events);
    if let Some(p) = progress {
        p.finish_and_clear();
    }
    for event in events.drain(..) {
        if deliver(&name, &mut sink, event)? {
            break;
        }
    }
    Ok(inspector)
}

/// Runs the sink; `Ok(true)` means stop (the reader went away).
fn deliver(
    name: &str,
    sink: &mut impl FnMut(Event) -> io::Result<()>,
    event: Event,
) -> Result<bool, InputError> {
    note_input_problem(name, &event);
    match sink(event) {
        Ok(()) => Ok(false),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(true),
        Err(e) => Err(InputError(format!("cannot write output: {e}"))),
    }
}

/// A progress bar on stderr for inputs over a few MB, when stderr is a
/// terminal.
fn make_progress(size: Option<u64>, disabled: bool) -> Option<indicatif::ProgressBar> {
    let size = size?;
    if disabled || size < 4 << 20 || !io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(size);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
    ) {
        bar.set_style(style);
    }
    Some(bar)
}

/// A serde_json write error as an I/O error that keeps its kind (so a
/// closed pipe is recognised as one).
pub fn json_error(e: serde_json::Error) -> io::Error {
    match e.io_error_kind() {
        Some(kind) => io::Error::from(kind),
        None => io::Error::other(e),
    }
}
