//! Reading an input file (or stdin) through the inspector, streaming.

use std::fs::File;
use std::io::{self, IsTerminal, Read};
use std::path::PathBuf;
use std::sync::{mpsc, Arc};

use clap::{Args, ValueEnum};
use h2lens::inspect::{Event, InputFormat, Inspector, Options, Shard};

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

/// Opens the input: the reader and, for a file, its size.
fn open(input: &InputArgs) -> Result<(Box<dyn Read + Send>, Option<u64>), InputError> {
    let name = input.file.display().to_string();
    if name == "-" {
        return Ok((Box::new(io::stdin()), None));
    }
    let file =
        File::open(&input.file).map_err(|e| InputError(format!("cannot open {name}: {e}")))?;
    let size = file.metadata().ok().map(|m| m.len());
    Ok((Box::new(file), size))
}

/// Decodes the input, handing each event to `sink` as soon as it exists.
/// `sink` returning an error (for example a closed pipe) stops early.
pub fn for_each_event(
    input: &InputArgs,
    options: Options,
    mut sink: impl FnMut(Event) -> io::Result<()>,
) -> Result<(), InputError> {
    let name = input.file.display().to_string();
    let (reader, size) = open(input)?;
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

/// How many inspectors [`for_each_event_sharded`] should run: one per core
/// (at most 4), for a capture file; 1 for stdin.
pub fn shard_count(input: &InputArgs) -> u32 {
    if input.file.as_os_str() == "-" {
        return 1;
    }
    std::thread::available_parallelism()
        .map(|n| n.get().clamp(1, 4) as u32)
        .unwrap_or(1)
}

/// Decodes the input with `shards` inspectors on as many threads, each
/// decoding its share of the connections (`Options::shard`), the input read
/// once and shared. `each(state, event)` sees every event of one shard, in
/// that shard's order; the shards' states come back in shard order. For
/// consumers whose result does not depend on the order between
/// connections (the summary). Inputs that are not captures are decoded by
/// shard 0 alone.
pub fn for_each_event_sharded<S: Default + Send>(
    input: &InputArgs,
    options: Options,
    shards: u32,
    each: impl Fn(&mut S, Event) + Sync,
) -> Result<Vec<S>, InputError> {
    let name = input.file.display().to_string();
    let (mut reader, size) = open(input)?;
    let progress = make_progress(size, input.no_progress);
    let (senders, receivers): (Vec<_>, Vec<_>) = (0..shards)
        .map(|_| mpsc::sync_channel::<Arc<Vec<u8>>>(4))
        .unzip();
    std::thread::scope(|scope| {
        let workers: Vec<_> = receivers
            .into_iter()
            .zip(0u32..)
            .map(|(chunks, index)| {
                let mut options = options.clone();
                options.shard = Shard {
                    index,
                    count: shards,
                };
                let each = &each;
                scope.spawn(move || {
                    let mut state = S::default();
                    let mut inspector = Inspector::new(options);
                    for chunk in chunks {
                        inspector.push(&chunk);
                        while let Some(event) = inspector.next_event() {
                            each(&mut state, event);
                        }
                    }
                    inspector.finish();
                    while let Some(event) = inspector.next_event() {
                        each(&mut state, event);
                    }
                    state
                })
            })
            .collect();
        // This thread reads, shares each chunk with every shard.
        let mut offset = 0u64;
        let mut failed = None;
        loop {
            let mut buf = vec![0u8; CHUNK];
            match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    buf.truncate(n);
                    offset += n as u64;
                    let chunk = Arc::new(buf);
                    for tx in &senders {
                        let _ = tx.send(Arc::clone(&chunk));
                    }
                    if let Some(p) = &progress {
                        p.set_position(offset);
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    failed = Some(format!("cannot read {name} at byte {offset}: {e}"));
                    break;
                }
            }
        }
        drop(senders);
        let states: Result<Vec<S>, InputError> = workers
            .into_iter()
            .map(|w| {
                w.join()
                    .map_err(|_| InputError(format!("decoding {name} failed (a thread panicked)")))
            })
            .collect();
        if let Some(p) = progress {
            p.finish_and_clear();
        }
        match failed {
            Some(message) => Err(InputError(message)),
            None => states,
        }
    })
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
