//! Diagnostics: every protocol anomaly and every undecodable byte, in plain
//! words, with where it happened.

use std::borrow::Cow;
use std::fmt;

use serde::Serialize;

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth knowing, not wrong (for example a PING round trip).
    Info,
    /// Unusual or suspicious, but allowed or recoverable.
    Warning,
    /// A protocol violation or undecodable input.
    Error,
}

/// The decoding layer that found the problem.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Layer {
    Capture,
    Link,
    Ip,
    Tcp,
    Tls,
    Http1,
    Frame,
    Hpack,
    Stream,
    FlowControl,
    Grpc,
    Protobuf,
    Tap,
}

impl Layer {
    pub fn name(self) -> &'static str {
        match self {
            Layer::Capture => "capture",
            Layer::Link => "link",
            Layer::Ip => "ip",
            Layer::Tcp => "tcp",
            Layer::Tls => "tls",
            Layer::Http1 => "http1",
            Layer::Frame => "frame",
            Layer::Hpack => "hpack",
            Layer::Stream => "stream",
            Layer::FlowControl => "flow_control",
            Layer::Grpc => "grpc",
            Layer::Protobuf => "protobuf",
            Layer::Tap => "tap",
        }
    }
}

/// One finding. `offset` is relative to what the reporting layer reads (a
/// header block, a frame, a direction's byte stream, the file); the
/// pipeline adds connection, direction, stream and packet context around it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub layer: Layer,
    /// Stable machine-readable id, `layer.what`, e.g. `hpack.index_beyond_table`.
    pub code: &'static str,
    /// What happened, in plain words.
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// The rule that was broken, e.g. `RFC 9113 §6.2`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rfc: Option<&'static str>,
}

impl Diagnostic {
    pub fn new(
        severity: Severity,
        layer: Layer,
        code: &'static str,
        message: impl Into<Cow<'static, str>>,
    ) -> Self {
        Diagnostic {
            severity,
            layer,
            code,
            message: message.into().into_owned(),
            offset: None,
            rfc: None,
        }
    }

    pub fn error(layer: Layer, code: &'static str, message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(Severity::Error, layer, code, message)
    }

    pub fn warning(
        layer: Layer,
        code: &'static str,
        message: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self::new(Severity::Warning, layer, code, message)
    }

    pub fn info(layer: Layer, code: &'static str, message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(Severity::Info, layer, code, message)
    }

    pub fn at(mut self, offset: u64) -> Self {
        self.offset = Some(offset);
        self
    }

    pub fn rfc(mut self, section: &'static str) -> Self {
        self.rfc = Some(section);
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.layer.name(), self.message)?;
        if let Some(offset) = self.offset {
            write!(f, " (at byte {offset})")?;
        }
        if let Some(rfc) = self.rfc {
            write!(f, " [{rfc}]")?;
        }
        Ok(())
    }
}

/// A half-open byte range `[start, end)`. Which bytes it indexes (a header
/// block, a direction's byte stream, the input file) is said where it is used.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Span {
    pub start: u64,
    pub end: u64,
}

impl Span {
    pub fn new(start: u64, end: u64) -> Self {
        Span { start, end }
    }

    pub fn len(&self) -> u64 {
        self.end.saturating_sub(self.start)
    }

    pub fn is_empty(&self) -> bool {
        self.end <= self.start
    }

    /// The same span moved by `base` (saturating).
    pub fn offset_by(self, base: u64) -> Span {
        Span {
            start: self.start.saturating_add(base),
            end: self.end.saturating_add(base),
        }
    }
}
