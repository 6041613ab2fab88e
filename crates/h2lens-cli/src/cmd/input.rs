//! Reading an input file (or stdin) through the inspector, streaming.

use std::fs::File;
use std::io::{self, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::sync::{mpsc, Arc};

use clap::{Args, ValueEnum};
use std::sync::atomic::{AtomicU8, Ordering};

use h2lens::inspect::{Event, EventKind, InputFormat, Inspector, Options, Shard};
use h2lens::{Layer, Severity};

/// The worst input problem seen: 0 none, 1 a damaged input (truncated or
/// malformed capture), 2 an input h2lens does not recognise. `main` turns
/// it into the exit status.
pub static INPUT_STATUS: AtomicU8 = AtomicU8::new(0);

/// Reads `--keylog` into the options (once, for every inspector).
fn load_keylog(input: &InputArgs, options: &mut Options) -> Result<(), InputError> {
    if let (Some(path), None) = (&input.keylog, &options.keylog) {
        let text = std::fs::read(path)
            .map_err(|e| InputError(format!("cannot read key log {}: {e}", path.display())))?;
        options.keylog = Some(text);
    }
    Ok(())
}

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
    /// Decoding threads: each decodes a share of a capture's connections
    /// (the output is the same whatever the number). Default: one per
    /// core, at most 4.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=64))]
    pub threads: Option<u32>,
    /// Changes a limit, e.g. `--limit hpack.max_fields_per_block=50000`
    /// (repeatable; `h2lens limits` lists them). A diagnostic about a limit
    /// names it.
    #[arg(long = "limit", value_name = "NAME=N", value_parser = super::limits::parse_limit)]
    pub limits: Vec<super::limits::LimitArg>,
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
            config: super::limits::apply(h2lens::Config::default(), &self.limits),
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
    load_keylog(input, &mut options)?;
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
            if deliver(&name, &mut sink, event)? {
                return Ok(inspector);
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
        if deliver(&name, &mut sink, event)? {
            break;
        }
    }
    Ok(inspector)
}

/// How many inspectors to run: `--threads`, else one per core (at most 4).
pub fn shard_count(input: &InputArgs) -> u32 {
    if let Some(n) = input.threads {
        return n.max(1);
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
    mut options: Options,
    shards: u32,
    each: impl Fn(&mut S, Event) + Sync,
) -> Result<Vec<S>, InputError> {
    load_keylog(input, &mut options)?;
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
                let name = &name;
                scope.spawn(move || {
                    let mut state = S::default();
                    let mut inspector = Inspector::new(options);
                    for chunk in chunks {
                        inspector.push(&chunk);
                        while let Some(event) = inspector.next_event() {
                            note_input_problem(name, &event);
                            each(&mut state, event);
                        }
                    }
                    inspector.finish();
                    while let Some(event) = inspector.next_event() {
                        note_input_problem(name, &event);
                        each(&mut state, event);
                    }
                    state
                })
            })
            .collect();
        // This thread reads, shares each chunk with every shard. Small
        // chunks: fewer fresh pages for the buffers in flight (page faults
        // halved, 5,100 to 2,600, for the big capture).
        let mut offset = 0u64;
        let mut failed = None;
        let mut buffers = Buffers::new(SHARED_CHUNK);
        loop {
            let mut buf = buffers.take();
            match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    buf.truncate(n);
                    offset += n as u64;
                    let chunk = buffers.share(buf);
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

/// Output of one shard handed to the merge: the text of some events, each
/// with its position; all of the shard's later events have positions of at
/// least `through`.
struct Batch {
    shard: usize,
    text: ShardText,
    through: u64,
    /// The shard's last batch.
    last: bool,
}

/// Formatted events of one shard, in its order (`default()`: none, and no
/// buffer).
#[derive(Default)]
struct ShardText {
    bytes: Vec<u8>,
    /// Each event's position and where its text ends in `bytes`.
    ends: Vec<(u64, usize)>,
}

impl ShardText {
    /// Empty, with room for one batch.
    fn new() -> ShardText {
        ShardText {
            bytes: Vec::with_capacity(BATCH_BYTES + (BATCH_BYTES >> 2)),
            ends: Vec::with_capacity(BATCH),
        }
    }

    fn is_full(&self) -> bool {
        self.bytes.len() >= BATCH_BYTES || self.ends.len() >= BATCH
    }

    fn clear(&mut self) {
        self.bytes.clear();
        self.ends.clear();
    }
}

/// Events per batch, at most.
const BATCH: usize = 2048;
/// Text per batch: a batch is sent once it holds this much.
const BATCH_BYTES: usize = 128 << 10;
/// Input per chunk when several shards share it: small, so that shards stay
/// close together and the merge holds little.
const SHARED_CHUNK: usize = 256 << 10;

/// Decodes the input with `shards` inspectors on as many threads (as
/// [`for_each_event_sharded`]); on each, a formatter of its own, made by
/// `make_format`, appends the text of the events it shows (each
/// connection's events all reach the same formatter, in order; an event
/// that appends nothing is not shown). The texts are written to `out`, on
/// one more thread, in exactly the order of a single inspector (merged by
/// position, see `Inspector::next_event_keyed`). Formatting on the decoding
/// threads spreads it over the cores; the merge only copies bytes.
/// Failing to write stops everything; a closed pipe counts as success.
pub fn for_each_shown_event<F>(
    input: &InputArgs,
    mut options: Options,
    shards: u32,
    make_format: impl Fn() -> F + Sync,
    out: impl Write + Send,
) -> Result<(), InputError>
where
    F: FnMut(&mut Vec<u8>, &Event) -> io::Result<()>,
{
    load_keylog(input, &mut options)?;
    let name = input.file.display().to_string();
    let (mut reader, size) = open(input)?;
    let progress = make_progress(size, input.no_progress);
    let shards = shards.max(1) as usize;
    std::thread::scope(|scope| {
        let mut inputs = Vec::new();
        let mut returns = Vec::new();
        let mut workers = Vec::new();
        // One bounded channel from every shard to the merge: a slow output
        // holds the shards back, and a merge waiting for one shard still
        // takes in the others' batches (so none can block the one it waits
        // for). The input channels, one chunk deep, keep the shards close
        // together, which bounds what the merge holds.
        let (batch_tx, batches) = mpsc::sync_channel::<Batch>(2 * shards);
        for index in 0..shards {
            let (chunk_tx, chunk_rx) = mpsc::sync_channel::<Arc<Vec<u8>>>(1);
            let (spent_tx, spent_rx) = mpsc::channel::<ShardText>();
            let batch_tx = batch_tx.clone();
            inputs.push(chunk_tx);
            returns.push(spent_tx);
            let mut options = options.clone();
            options.shard = Shard {
                index: index as u32,
                count: shards as u32,
            };
            let make_format = &make_format;
            let name = &name;
            workers.push(scope.spawn(move || -> io::Result<()> {
                let mut format = make_format();
                let mut inspector = Inspector::new(options);
                let mut text = ShardText::new();
                // Sends `text` on and starts a new one in a buffer the merge
                // is done with (else a new one, sized for a batch so it does
                // not regrow); false when the merge has gone. An empty text
                // only says how far the shard has come: its buffer stays.
                let send = |text: &mut ShardText, through: u64, last: bool| -> bool {
                    let text = if text.ends.is_empty() {
                        ShardText::default()
                    } else {
                        let next = match spent_rx.try_recv() {
                            Ok(mut spent) => {
                                spent.clear();
                                spent
                            }
                            Err(_) => ShardText::new(),
                        };
                        std::mem::replace(text, next)
                    };
                    batch_tx
                        .send(Batch {
                            shard: index,
                            text,
                            through,
                            last,
                        })
                        .is_ok()
                };
                let mut pull =
                    |inspector: &mut Inspector, text: &mut ShardText| -> io::Result<bool> {
                        while let Some((key, event)) = inspector.next_event_keyed() {
                            note_input_problem(name, &event);
                            let before = text.bytes.len();
                            format(&mut text.bytes, &event)?;
                            if text.bytes.len() > before {
                                text.ends.push((key, text.bytes.len()));
                                if text.is_full() && !send(text, key, false) {
                                    return Ok(false);
                                }
                            }
                        }
                        // Everything up to here is out: say how far.
                        Ok(send(text, inspector.position(), false))
                    };
                for chunk in chunk_rx {
                    inspector.push(&chunk);
                    if !pull(&mut inspector, &mut text)? {
                        return Ok(());
                    }
                }
                inspector.finish();
                if pull(&mut inspector, &mut text)? {
                    send(&mut text, u64::MAX, true);
                }
                Ok(())
            }));
        }
        drop(batch_tx);
        // The merge and the writing on their own thread.
        let merger = scope.spawn(move || {
            let mut out = out;
            merge(batches, shards, returns, &mut out)?;
            out.flush()
        });
        // This thread reads and shares each chunk with every shard.
        let mut offset = 0u64;
        let mut failed = None;
        let mut buffers = Buffers::new(if shards > 1 { SHARED_CHUNK } else { CHUNK });
        loop {
            let mut buf = buffers.take();
            match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    buf.truncate(n);
                    offset += n as u64;
                    let chunk = buffers.share(buf);
                    let mut delivered = false;
                    for tx in &inputs {
                        delivered |= tx.send(Arc::clone(&chunk)).is_ok();
                    }
                    if !delivered {
                        break; // every shard stopped: the output went away
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
        drop(inputs);
        let mut panicked = false;
        let mut unformatted = None;
        for w in workers {
            match w.join() {
                Err(_) => panicked = true,
                Ok(Err(e)) => unformatted = Some(e),
                Ok(Ok(())) => {}
            }
        }
        let written = merger.join();
        if let Some(p) = progress {
            p.finish_and_clear();
        }
        if let Some(message) = failed {
            return Err(InputError(message));
        }
        if let Some(e) = unformatted {
            return Err(InputError(format!("cannot format output: {e}")));
        }
        match written {
            _ if panicked => Err(InputError(format!(
                "decoding {name} failed (a thread panicked)"
            ))),
            Err(_) => Err(InputError("the output thread panicked".into())),
            Ok(result) => super::output::written(result).map_err(InputError),
        }
    })
}

/// Merges the shards' texts by position (ties: the lower shard first) into
/// `out`; spent texts go back to their shard for reuse.
fn merge(
    batches: mpsc::Receiver<Batch>,
    shards: usize,
    returns: Vec<mpsc::Sender<ShardText>>,
    out: &mut impl Write,
) -> io::Result<()> {
    #[derive(Default)]
    struct Lane {
        texts: std::collections::VecDeque<ShardText>,
        /// Index of the next event in the front text.
        next: usize,
        /// No later event of this shard has a lower position.
        through: u64,
        done: bool,
    }
    impl Lane {
        fn head(&self) -> Option<u64> {
            self.texts
                .front()
                .and_then(|t| t.ends.get(self.next))
                .map(|(key, _)| *key)
        }
    }
    let mut lanes: Vec<Lane> = (0..shards).map(|_| Lane::default()).collect();
    loop {
        // Written texts go back to their shard.
        for (lane, back) in lanes.iter_mut().zip(&returns) {
            while lane
                .texts
                .front()
                .is_some_and(|t| lane.next >= t.ends.len())
            {
                if let Some(spent) = lane.texts.pop_front() {
                    let _ = back.send(spent);
                }
                lane.next = 0;
            }
        }
        // The lowest head among the lanes that have one.
        let best = lanes
            .iter()
            .enumerate()
            .filter_map(|(i, l)| l.head().map(|k| (k, i)))
            .min();
        // A lane with nothing buffered may still bring something earlier.
        let waiting = lanes.iter().enumerate().any(|(i, l)| {
            l.head().is_none()
                && !l.done
                && match best {
                    Some((key, b)) => l.through < key || (l.through == key && i < b),
                    None => true,
                }
        });
        if waiting {
            match batches.recv() {
                Ok(batch) => {
                    if let Some(lane) = lanes.get_mut(batch.shard) {
                        lane.through = lane.through.max(batch.through);
                        lane.done |= batch.last;
                        if !batch.text.ends.is_empty() {
                            lane.texts.push_back(batch.text);
                        }
                    }
                }
                // Every shard is gone.
                Err(_) => lanes.iter_mut().for_each(|l| l.done = true),
            }
            continue;
        }
        let Some((_, i)) = best else {
            return Ok(()); // every lane is done and empty
        };
        let Some(lane) = lanes.get_mut(i) else {
            return Ok(());
        };
        if let Some(text) = lane.texts.front() {
            let start = match lane.next.checked_sub(1) {
                Some(prev) => text.ends.get(prev).map_or(0, |(_, end)| *end),
                None => 0,
            };
            let end = text.ends.get(lane.next).map_or(start, |(_, end)| *end);
            out.write_all(text.bytes.get(start..end).unwrap_or_default())?;
        }
        lane.next += 1;
    }
}

/// Read buffers shared with the decoding threads, reused once they are
/// done with them (a fresh buffer each time costs page faults and zeroing).
struct Buffers {
    size: usize,
    shared: std::collections::VecDeque<Arc<Vec<u8>>>,
}

impl Buffers {
    fn new(size: usize) -> Buffers {
        Buffers {
            size,
            shared: Default::default(),
        }
    }

    /// A buffer of `size` bytes: the oldest shared one if nobody else holds
    /// it any more, else a new one.
    fn take(&mut self) -> Vec<u8> {
        let mut buf = match self.shared.pop_front().map(Arc::try_unwrap) {
            Some(Ok(buf)) => buf,
            Some(Err(still_used)) => {
                self.shared.push_front(still_used);
                if self.shared.len() > 8 {
                    // Forget the oldest: its last user frees it.
                    self.shared.pop_front();
                }
                Vec::new()
            }
            None => Vec::new(),
        };
        buf.resize(self.size, 0);
        buf
    }

    fn share(&mut self, buf: Vec<u8>) -> Arc<Vec<u8>> {
        let chunk = Arc::new(buf);
        self.shared.push_back(Arc::clone(&chunk));
        chunk
    }
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
