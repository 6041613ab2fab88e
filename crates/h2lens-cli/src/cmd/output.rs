//! Standard output, and what a failed write means, for every command.

use std::io::{self, BufWriter, Write};

/// Standard output, buffered (`Stdout`, not its lock, so another thread
/// can own it; the buffer makes the locking, and the write calls, per
/// 256 KiB).
pub type Out = BufWriter<io::Stdout>;

pub fn stdout() -> Out {
    BufWriter::with_capacity(1 << 18, io::stdout())
}

/// What writing the output came to. A reader that went away (`| head`) is
/// not an error: the run ends quietly, as other Unix tools do. Any other
/// failure (a full disk) is, and says so.
pub fn written(result: io::Result<()>) -> Result<(), String> {
    match result {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(format!("cannot write output: {e}")),
        Ok(()) => Ok(()),
    }
}

/// Writes `text` to standard output and flushes it (see [`written`]).
pub fn print(text: &str) -> Result<(), String> {
    let mut out = io::stdout().lock();
    written(out.write_all(text.as_bytes()).and_then(|()| out.flush()))
}
