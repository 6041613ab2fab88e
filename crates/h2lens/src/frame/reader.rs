//! Splitting a direction's byte stream into frames, whatever the chunking.

use super::head::{FrameHeader, FRAME_HEADER_LEN};
use crate::Span;

/// Bytes received but not yet consumed, addressed by stream offset.
///
/// Consumed bytes are dropped lazily (compaction when at least half the
/// buffer is dead), so pushing N bytes costs O(N) however they are chunked.
#[derive(Clone, Debug, Default)]
pub struct ByteQueue {
    buf: Vec<u8>,
    head: usize,
    /// Stream offset of `buf[0]`.
    base: u64,
}

impl ByteQueue {
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts the queue at a stream offset (for example after a gap).
    pub fn reset_to(&mut self, offset: u64) {
        self.buf.clear();
        self.head = 0;
        self.base = offset;
    }

    pub fn push(&mut self, bytes: &[u8]) {
        if self.head > 0 && (self.head >= self.buf.len() || self.head >= self.buf.len() / 2) {
            self.buf.drain(..self.head);
            self.base = self.base.saturating_add(self.head as u64);
            self.head = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// The unconsumed bytes.
    pub fn available(&self) -> &[u8] {
        self.buf.get(self.head..).unwrap_or(&[])
    }

    pub fn len(&self) -> usize {
        self.buf.len().saturating_sub(self.head)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops `n` bytes (at most what is available).
    pub fn consume(&mut self, n: usize) {
        self.head = self.head.saturating_add(n.min(self.len()));
    }

    /// Stream offset of the first unconsumed byte.
    pub fn offset(&self) -> u64 {
        self.base.saturating_add(self.head as u64)
    }

    /// Stream offset just past the last byte pushed.
    pub fn end_offset(&self) -> u64 {
        self.base.saturating_add(self.buf.len() as u64)
    }
}

/// One complete frame, borrowed from the reader's buffer.
#[derive(Debug)]
pub struct RawFrame<'a> {
    pub header: FrameHeader,
    /// The payload, or empty when it was too large to keep (`skipped`).
    pub payload: &'a [u8],
    /// Stream offset of the frame header.
    pub offset: u64,
    /// The payload exceeded the buffering limit and was skipped unread.
    pub skipped: bool,
}

impl RawFrame<'_> {
    /// Stream offset just past the frame.
    pub fn end(&self) -> u64 {
        self.offset
            .saturating_add(FRAME_HEADER_LEN as u64)
            .saturating_add(u64::from(self.header.length))
    }
}

/// Splits pushed bytes into frames. Payloads longer than `max_payload` are
/// skipped without buffering (the frame is still reported, flagged).
#[derive(Clone, Debug)]
pub struct FrameReader {
    queue: ByteQueue,
    max_payload: u32,
    /// A frame whose payload is being skipped: its header, offset, and the
    /// payload bytes still to skip.
    skipping: Option<(FrameHeader, u64, u64)>,
    /// A skipped frame finished; report it on the next call.
    skipped_done: Option<(FrameHeader, u64)>,
}

impl FrameReader {
    pub fn new(max_payload: u32) -> Self {
        FrameReader {
            queue: ByteQueue::new(),
            max_payload,
            skipping: None,
            skipped_done: None,
        }
    }

    /// Restarts at `offset` (after a gap or a resynchronisation), dropping
    /// anything buffered.
    pub fn reset_to(&mut self, offset: u64) {
        self.queue.reset_to(offset);
        self.skipping = None;
        self.skipped_done = None;
    }

    pub fn push(&mut self, mut bytes: &[u8]) {
        if let Some((head, offset, remaining)) = self.skipping.take() {
            let take = usize::try_from(remaining)
                .unwrap_or(usize::MAX)
                .min(bytes.len());
            bytes = bytes.get(take..).unwrap_or(&[]);
            let remaining = remaining - take as u64;
            // Keep offsets right: the skipped bytes count as consumed.
            self.queue
                .reset_to(self.queue.end_offset().saturating_add(take as u64));
            if remaining == 0 {
                self.skipped_done = Some((head, offset));
            } else {
                self.skipping = Some((head, offset, remaining));
            }
        }
        if !bytes.is_empty() {
            self.queue.push(bytes);
        }
    }

    /// Pushes `bytes` and hands every frame they complete to `f`, in order:
    /// the same frames as [`FrameReader::push`] then
    /// [`FrameReader::next_frame`] until `None`, but a frame that lies
    /// wholly within `bytes` is handed over where it lies, and only a frame
    /// that `bytes` leaves incomplete is buffered (no copy of the stream in
    /// the steady state).
    pub fn push_with(&mut self, bytes: &[u8], mut f: impl FnMut(RawFrame<'_>)) {
        let mut rest = bytes;
        // Finish what is buffered first (a partial frame or a skip), taking
        // only the bytes it needs.
        loop {
            while let Some(frame) = self.next_frame() {
                f(frame);
            }
            if self.skipping.is_none() && self.queue.is_empty() {
                break;
            }
            if rest.is_empty() {
                return;
            }
            let take = self.bytes_to_finish().clamp(1, rest.len());
            let (now, later) = rest.split_at(take);
            self.push(now);
            rest = later;
        }
        // Nothing is buffered now: read frames in place.
        let mut offset = self.queue.offset();
        while let Some(header) = FrameHeader::parse_prefix(rest) {
            let total = FRAME_HEADER_LEN.saturating_add(header.length as usize);
            if header.length > self.max_payload || rest.len() < total {
                break;
            }
            let (frame, after) = rest.split_at(total);
            f(RawFrame {
                header,
                payload: frame.get(FRAME_HEADER_LEN..).unwrap_or(&[]),
                offset,
                skipped: false,
            });
            offset = offset.saturating_add(total as u64);
            rest = after;
        }
        // An incomplete (or oversized) frame: buffered as `push` does.
        self.queue.reset_to(offset);
        self.push(rest);
        while let Some(frame) = self.next_frame() {
            f(frame);
        }
    }

    /// Bytes that complete the skip or the partial frame being buffered (for
    /// a partial header: the rest of the header).
    fn bytes_to_finish(&self) -> usize {
        if let Some((_, _, remaining)) = self.skipping {
            return usize::try_from(remaining).unwrap_or(usize::MAX);
        }
        let have = self.queue.len();
        match FrameHeader::parse_prefix(self.queue.available()) {
            Some(h) => (FRAME_HEADER_LEN + h.length as usize).saturating_sub(have),
            None => FRAME_HEADER_LEN.saturating_sub(have),
        }
    }

    /// The next complete frame, if all its bytes have arrived.
    pub fn next_frame(&mut self) -> Option<RawFrame<'_>> {
        if let Some((header, offset)) = self.skipped_done.take() {
            return Some(RawFrame {
                header,
                payload: &[],
                offset,
                skipped: true,
            });
        }
        if self.skipping.is_some() {
            return None;
        }
        let header = FrameHeader::parse_prefix(self.queue.available())?;
        let offset = self.queue.offset();
        if header.length > self.max_payload {
            self.queue.consume(FRAME_HEADER_LEN);
            let remaining = u64::from(header.length);
            let have = self
                .queue
                .len()
                .min(usize::try_from(remaining).unwrap_or(usize::MAX));
            self.queue.consume(have);
            let remaining = remaining - have as u64;
            if remaining == 0 {
                return Some(RawFrame {
                    header,
                    payload: &[],
                    offset,
                    skipped: true,
                });
            }
            self.skipping = Some((header, offset, remaining));
            return None;
        }
        let total = FRAME_HEADER_LEN + header.length as usize;
        if self.queue.len() < total {
            return None;
        }
        let start = self.queue.head;
        self.queue.consume(total);
        let payload = self
            .queue
            .buf
            .get(start + FRAME_HEADER_LEN..start + total)
            .unwrap_or(&[]);
        Some(RawFrame {
            header,
            payload,
            offset,
            skipped: false,
        })
    }

    /// Bytes of an incomplete frame still buffered.
    pub fn buffered(&self) -> &[u8] {
        self.queue.available()
    }

    /// Stream offset of the next unread byte.
    pub fn offset(&self) -> u64 {
        self.queue.offset()
    }

    /// Whether a partial frame (buffered or being skipped) is pending.
    pub fn in_frame(&self) -> bool {
        !self.queue.is_empty() || self.skipping.is_some()
    }

    /// The stream bytes of the partial frame that arrived: from its first
    /// header byte to the last byte pushed (for a frame being skipped, the
    /// header and payload bytes already skipped, which are not buffered).
    pub fn partial_span(&self) -> Span {
        let start = match self.skipping {
            Some((_, offset, _)) => offset,
            None => self.queue.offset(),
        };
        Span::new(start, self.queue.end_offset())
    }

    /// The header of the partial frame, if at least 9 bytes of it arrived.
    pub fn partial_header(&self) -> Option<FrameHeader> {
        match self.skipping {
            Some((head, _, _)) => Some(head),
            None => FrameHeader::parse_prefix(self.queue.available()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::FrameType;

    fn frame(kind: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
        let head = FrameHeader {
            length: payload.len() as u32,
            kind: FrameType(kind),
            flags: crate::frame::Flags(0),
            stream_id: stream,
            reserved_bit: false,
        };
        let mut v = head.encode().to_vec();
        v.extend_from_slice(payload);
        v
    }

    fn collect(reader: &mut FrameReader, out: &mut Vec<(u8, u64, Vec<u8>, bool)>) {
        while let Some(f) = reader.next_frame() {
            out.push((f.header.kind.0, f.offset, f.payload.to_vec(), f.skipped));
        }
    }

    #[test]
    fn same_frames_for_any_chunking() {
        let mut stream = frame(0, 1, b"hello");
        stream.extend(frame(4, 0, &[]));
        stream.extend(frame(0, 3, &[7u8; 300]));
        stream.extend(frame(6, 0, &[1, 2, 3, 4, 5, 6, 7, 8]));
        let mut whole = Vec::new();
        let mut r = FrameReader::new(100);
        r.push(&stream);
        collect(&mut r, &mut whole);
        assert_eq!(whole.len(), 4);
        assert!(
            whole[2].3,
            "the 300-byte frame is over the limit and skipped"
        );
        assert_eq!(whole[3].1, (14 + 9 + 309) as u64);
        for size in [1, 2, 5, 9, 10, 64] {
            let mut r = FrameReader::new(100);
            let mut got = Vec::new();
            for chunk in stream.chunks(size) {
                r.push(chunk);
                collect(&mut r, &mut got);
            }
            assert_eq!(got, whole, "chunk size {size}");
            assert!(!r.in_frame());
            // In place, the same frames at the same offsets.
            let mut r = FrameReader::new(100);
            let mut got = Vec::new();
            for chunk in stream.chunks(size) {
                r.push_with(chunk, |f| {
                    got.push((f.header.kind.0, f.offset, f.payload.to_vec(), f.skipped))
                });
            }
            assert_eq!(got, whole, "in place, chunk size {size}");
            assert!(!r.in_frame());
            assert_eq!(r.offset(), stream.len() as u64);
        }
        // Uneven chunks that cut headers, payloads and the skipped frame
        // anywhere.
        for seed in 1..200u64 {
            let mut x = seed;
            let mut r = FrameReader::new(100);
            let mut got = Vec::new();
            let mut rest = &stream[..];
            while !rest.is_empty() {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let n = (x % 40) as usize % rest.len() + 1;
                let (chunk, tail) = rest.split_at(n);
                rest = tail;
                r.push_with(chunk, |f| {
                    got.push((f.header.kind.0, f.offset, f.payload.to_vec(), f.skipped))
                });
            }
            assert_eq!(got, whole, "seed {seed}");
        }
    }
}
