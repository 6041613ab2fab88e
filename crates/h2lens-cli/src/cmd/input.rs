//! Reading an input file (or stdin) through the inspector, streaming.

use std::fs::File;
use std::io::{self, IsTerminal, Read};
use std::path::PathBuf;
use std::sync::mpsc;

use clap::{Args, ValueEnum};
use h2lens::inspect::{Event, InputFormat, Inspector, Options};

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
    /// Decoding options for this input (format forced if asked).
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
    mut sink: impl FnMut(Event) -> io::Result<()>,
) -> Result<(), InputError> {
    let name = input.file.display().to_string();
    let (reader, size): (Box<dyn Read + Send>, Option<u64>) = if name == "-" {
        (Box::new(io::stdin()), None)
    } else {
        let file =
            File::open(&input.file).map_err(|e| InputError(format!("cannot open {name}: {e}")))?;
        let size = file.metadata().ok().map(|m| m.len());
        (Box::new(file), size)
    };
    let progress = make_progress(size, input.no_progress);
    let mut inspector = Inspector::new(options);
    let (chunks, spent) = spawn_reader(reader);
    let mut offset = 0u64;
    for chunk in chunks {
        let buf =
            chunk.map_err(|e| InputError(format!("cannot read {name} at byte {offset}: {e}")))?;
        offset += buf.len() as u64;
        inspector.push(&buf);
        // Hand the buffer back for the next read (the reader may be gone).
        let _ = spent.send(buf);
        while let Some(event) = inspector.next_event() {
            if deliver(&mut sink, event)? {
                return Ok(());
            }
        }
        if let Some(p) = &progress {
            p.set_position(offset);
        }
    }
    inspector.finish();
    if let Some(p) = progress {
        p.finish_and_clear();
    }
    while let Some(event) = inspector.next_event() {
        if deliver(&mut sink, event)? {
            return Ok(());
        }
    }
    Ok(())
}

/// Bytes read per chunk.
const CHUNK: usize = 1 << 20;

/// Reads the input on its own thread, a couple of chunks ahead, so the
/// kernel's copy overlaps decoding. Yields the chunks in order, then ends
/// (after an error, if any); spent buffers go back through the second
/// channel to be reused.
fn spawn_reader(
    mut reader: Box<dyn Read + Send>,
) -> (mpsc::Receiver<io::Result<Vec<u8>>>, mpsc::Sender<Vec<u8>>) {
    let (full_tx, full_rx) = mpsc::sync_channel::<io::Result<Vec<u8>>>(2);
    let (spent_tx, spent_rx) = mpsc::channel::<Vec<u8>>();
    std::thread::spawn(move || loop {
        let mut buf = spent_rx.try_recv().unwrap_or_default();
        buf.resize(CHUNK, 0);
        let n = match reader.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                let _ = full_tx.send(Err(e));
                return;
            }
        };
        buf.truncate(n);
        if full_tx.send(Ok(buf)).is_err() {
            return; // the decoder stopped early
        }
    });
    (full_rx, spent_tx)
}

/// Runs the sink; `Ok(true)` means stop (the reader went away).
fn deliver(
    sink: &mut impl FnMut(Event) -> io::Result<()>,
    event: Event,
) -> Result<bool, InputError> {
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
