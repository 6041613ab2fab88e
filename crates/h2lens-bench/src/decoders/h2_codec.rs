//! The `h2` crate's HPACK decoder, reached through its `unstable` `Codec`
//! (h2 keeps `hpack::Decoder` private).
//!
//! Each block is wrapped, outside the timed region, in a HEADERS frame with
//! END_HEADERS on its own odd stream id; a story becomes one byte stream read
//! by one `Codec` from memory. The codec decodes HPACK while reading each
//! frame and hands over a `Headers` frame (pseudo-header struct plus
//! `HeaderMap`). h2 refuses, as a stream-level PROTOCOL_ERROR, any block
//! with a connection-specific header (`connection`, `keep-alive`,
//! `proxy-connection`, `transfer-encoding`, `upgrade`, `te` other than
//! `trailers`), a pseudo-header after a regular one, or a repeated
//! pseudo-header: it still HPACK-decodes the whole block (the table stays in
//! step) but drops the frame, so those fields never reach the sink.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use bytes::Bytes;
use futures_core::Stream;
use h2::frame::Frame;
use h2::proto::Error as ProtoError;
use h2::Codec;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::{Checked, Decoder};
use crate::corpus::{Corpus, Story};
use crate::sink::FieldSink;

/// HTTP/2 frame type HEADERS and flag END_HEADERS (RFC 9113 §6.2).
const FRAME_HEADERS: u8 = 0x1;
const FLAG_END_HEADERS: u8 = 0x4;
/// Largest frame payload (RFC 9113 §4.2), so no block needs CONTINUATION.
const MAX_FRAME_SIZE: usize = (1 << 24) - 1;

#[derive(Default)]
pub struct H2Codec {
    /// Per story: all its blocks as consecutive HEADERS frames.
    streams: Vec<Vec<u8>>,
}

impl Decoder for H2Codec {
    fn name(&self) -> &'static str {
        "h2 (Codec)"
    }

    fn version(&self) -> String {
        format!(
            "h2 {} (unstable Codec, HEADERS frames)",
            env!("PEER_VERSION_H2")
        )
    }

    fn checked(&self) -> Checked {
        Checked::H2Codec
    }

    fn prepare(&mut self, corpus: &Corpus) {
        self.streams = corpus.stories.iter().map(frame_story).collect();
    }

    fn decode_story(
        &mut self,
        index: usize,
        story: &Story,
        sink: &mut FieldSink,
    ) -> Result<(), String> {
        let stream = self
            .streams
            .get(index)
            .ok_or_else(|| format!("story {index} was not prepared"))?;
        let mut codec: Codec<SliceIo<'_>, Bytes> = Codec::new(SliceIo::new(stream));
        codec.set_max_recv_frame_size(MAX_FRAME_SIZE);
        let mut cx = Context::from_waker(Waker::noop());
        for (i, block) in story.blocks.iter().enumerate() {
            if let Some(size) = block.table_size {
                // Queues the new SETTINGS_HEADER_TABLE_SIZE limit for the next
                // block, as h2 does when our SETTINGS is acknowledged.
                codec.set_recv_header_table_size(size as usize);
            }
            match Pin::new(&mut codec).poll_next(&mut cx) {
                Poll::Ready(Some(Ok(Frame::Headers(headers)))) => {
                    let (pseudo, fields) = headers.into_parts();
                    if let Some(method) = &pseudo.method {
                        sink.field(b":method", method.as_str().as_bytes());
                    }
                    if let Some(scheme) = &pseudo.scheme {
                        sink.field(b":scheme", scheme.as_ref());
                    }
                    if let Some(authority) = &pseudo.authority {
                        sink.field(b":authority", authority.as_ref());
                    }
                    if let Some(path) = &pseudo.path {
                        sink.field(b":path", path.as_ref());
                    }
                    if let Some(protocol) = &pseudo.protocol {
                        sink.field(b":protocol", protocol.as_str().as_bytes());
                    }
                    if let Some(status) = &pseudo.status {
                        sink.field(b":status", status.as_str().as_bytes());
                    }
                    for (name, value) in fields.iter() {
                        sink.field(name.as_str().as_bytes(), value.as_bytes());
                    }
                    sink.end_block();
                }
                // The HTTP-layer refusal: HPACK state kept, fields dropped.
                Poll::Ready(Some(Err(ProtoError::Reset(stream_id, reason, _)))) => {
                    sink.reject_block(|| {
                        format!("stream-level {reason:?} on stream {}", u32::from(stream_id))
                    });
                }
                Poll::Ready(Some(Ok(other))) => {
                    return Err(format!("block {i}: unexpected frame {other:?}"));
                }
                Poll::Ready(Some(Err(e))) => {
                    return Err(format!("block {i}: connection error {e:?}"));
                }
                Poll::Ready(None) => return Err(format!("block {i}: stream ended early")),
                Poll::Pending => return Err(format!("block {i}: codec returned Pending")),
            }
        }
        Ok(())
    }
}

/// The story's blocks as HEADERS frames (END_HEADERS) on streams 1, 3, 5…
fn frame_story(story: &Story) -> Vec<u8> {
    let mut out = Vec::with_capacity(story.wire_bytes() as usize + 9 * story.blocks.len());
    for (i, block) in story.blocks.iter().enumerate() {
        let len = block.wire.len() as u32;
        let stream_id = (2 * i as u32 + 1) & 0x7fff_ffff;
        out.extend_from_slice(&len.to_be_bytes()[1..]);
        out.push(FRAME_HEADERS);
        out.push(FLAG_END_HEADERS);
        out.extend_from_slice(&stream_id.to_be_bytes());
        out.extend_from_slice(&block.wire);
    }
    out
}

/// Reads a byte slice; writes go nowhere. Never returns `Pending`.
struct SliceIo<'a> {
    data: &'a [u8],
}

impl<'a> SliceIo<'a> {
    fn new(data: &'a [u8]) -> Self {
        SliceIo { data }
    }
}

impl AsyncRead for SliceIo<'_> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let n = buf.remaining().min(self.data.len());
        let (head, rest) = self.data.split_at(n);
        buf.put_slice(head);
        self.data = rest;
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for SliceIo<'_> {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}
