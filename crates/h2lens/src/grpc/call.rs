//! A whole gRPC call summarised from one HTTP/2 exchange.
//!
//! [`CallInput`] is filled from a stream of the connection decoder (or
//! anything else that has the header lists and DATA payloads); [`summarize`]
//! checks it against gRPC HTTP2 and decodes everything gRPC puts on top.

use serde::Serialize;

use super::content_type::{classify_content_type, ContentType, Framing};
use super::encoding::Encoding;
use super::headers::{first_value, Header};
use super::message::{GrpcMessage, MessageReader, ReaderEvent, WebTrailers};
use super::metadata::Metadata;
use super::status::{decode_grpc_message, GrpcMessageText, StatusCode};
use super::timeout::{parse_timeout, GrpcTimeout};
use crate::config::GrpcLimits;
use crate::diag::{Diagnostic, Layer};
use crate::octets::Octets;
use crate::protobuf::raw::{decode_raw, RawDecode, RawLimits};
use crate::protobuf::schema::{MessageRole, Schema, SchemaDecode};
use crate::time::{Direction, Timestamp};

/// DATA payload bytes (padding removed) and when they arrived.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BodyChunk {
    pub bytes: Vec<u8>,
    pub time: Option<Timestamp>,
}

/// An RST_STREAM on the call's stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reset {
    /// The HTTP/2 error code (RFC 9113 §7).
    pub code: u32,
    /// Who sent it: `ClientToServer` = the client.
    pub by: Direction,
    pub time: Option<Timestamp>,
}

/// Everything a call summary needs, as plain data.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CallInput {
    pub stream_id: Option<u32>,
    /// The request HEADERS block, in wire order.
    pub request_headers: Vec<Header>,
    /// Request trailers (gRPC clients do not send them; kept if present).
    pub request_trailers: Option<Vec<Header>>,
    /// Request DATA payloads in order.
    pub request_body: Vec<BodyChunk>,
    /// The client's END_STREAM was seen.
    pub request_end_stream: bool,
    /// 1xx response header blocks, in order.
    pub informational: Vec<Vec<Header>>,
    /// The (final) response HEADERS block.
    pub response_headers: Option<Vec<Header>>,
    /// The response HEADERS block carried END_STREAM (Trailers-Only when it
    /// also has `grpc-status`).
    pub response_headers_end_stream: bool,
    /// Response DATA payloads in order.
    pub response_body: Vec<BodyChunk>,
    /// The trailing HEADERS block (END_STREAM).
    pub response_trailers: Option<Vec<Header>>,
    /// The server's END_STREAM was seen (on HEADERS or DATA).
    pub response_end_stream: bool,
    pub reset: Option<Reset>,
    /// When the request HEADERS were seen.
    pub start: Option<Timestamp>,
    /// When the call ended (last END_STREAM or RST_STREAM).
    pub end: Option<Timestamp>,
    /// Both peers sent SETTINGS 0xfe03 (GRPC_ALLOW_TRUE_BINARY_METADATA) = 1.
    pub true_binary: bool,
}

/// How much to decode.
#[derive(Clone, Debug, Default)]
pub struct CallOptions<'a> {
    pub limits: GrpcLimits,
    /// Decode protobuf messages with this schema when it knows the method.
    pub schema: Option<&'a Schema>,
    /// Also decode protobuf messages without a schema.
    pub decode_raw: bool,
}

/// One message of the call, with its decodings.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CallMessage {
    #[serde(flatten)]
    pub message: GrpcMessage,
    /// When the DATA frame completing it arrived.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raw: Option<RawDecode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decoded: Option<SchemaDecode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decode_error: Option<Diagnostic>,
}

/// Where the call's status came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusSource {
    /// `grpc-status` in the trailing HEADERS.
    Trailers,
    /// `grpc-status` in a Trailers-Only response.
    TrailersOnly,
    /// `grpc-status` in the gRPC-Web trailers frame of the body.
    WebTrailers,
    /// No `grpc-status`: derived from an RST_STREAM code (gRPC HTTP2
    /// "Errors" mapping); no status was sent.
    Reset,
    /// No `grpc-status`: derived from a non-200 HTTP status
    /// (`doc/http-grpc-status-mapping.md`).
    HttpStatus,
}

/// The RST_STREAM that ended the call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ResetSummary {
    pub code: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code_name: Option<&'static str>,
    pub by: Direction,
    /// The gRPC status it means (gRPC HTTP2 "Errors"), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maps_to: Option<StatusCode>,
    /// In plain words.
    pub meaning: String,
}

/// `grpc-timeout` against the call's real duration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct DeadlineCheck {
    #[serde(serialize_with = "crate::jsint::u64")]
    pub timeout_ns: u64,
    #[serde(serialize_with = "crate::jsint::i64")]
    pub elapsed_ns: i64,
    /// The call ran longer than its timeout.
    pub exceeded: bool,
}

/// A gRPC call, summarised.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GrpcCall {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream_id: Option<u32>,
    pub path: Octets,
    /// `package.Service` from `:path`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authority: Option<Octets>,
    /// Request `content-type`, classified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<ContentType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_content_type: Option<ContentType>,
    pub request_encoding: Encoding,
    pub response_encoding: Encoding,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<GrpcTimeout>,
    pub request_metadata: Metadata,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub informational: Vec<Metadata>,
    /// Initial metadata (the response HEADERS); `None` for Trailers-Only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_metadata: Option<Metadata>,
    /// Trailers: HTTP/2 trailing HEADERS, the Trailers-Only block, or the
    /// gRPC-Web trailers frame.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trailers_metadata: Option<Metadata>,
    pub request_messages: Vec<CallMessage>,
    pub response_messages: Vec<CallMessage>,
    /// HTTP `:status` as sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_status: Option<Octets>,
    /// The call's gRPC status; see `status_source`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<StatusCode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_source: Option<StatusSource>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<GrpcMessageText>,
    /// The response was Trailers-Only (one HEADERS block with END_STREAM
    /// and `grpc-status`).
    pub trailers_only: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reset: Option<ResetSummary>,
    /// The client cancelled (RST_STREAM CANCEL from the client).
    pub cancelled_by_client: bool,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::jsint::opt_i64"
    )]
    pub duration_ns: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deadline: Option<DeadlineCheck>,
    pub diagnostics: Vec<Diagnostic>,
}

/// RFC 9113 §7 error code names.
pub fn h2_error_name(code: u32) -> Option<&'static str> {
    Some(match code {
        0x0 => "NO_ERROR",
        0x1 => "PROTOCOL_ERROR",
        0x2 => "INTERNAL_ERROR",
        0x3 => "FLOW_CONTROL_ERROR",
        0x4 => "SETTINGS_TIMEOUT",
        0x5 => "STREAM_CLOSED",
        0x6 => "FRAME_SIZE_ERROR",
        0x7 => "REFUSED_STREAM",
        0x8 => "CANCEL",
        0x9 => "COMPRESSION_ERROR",
        0xa => "CONNECT_ERROR",
        0xb => "ENHANCE_YOUR_CALM",
        0xc => "INADEQUATE_SECURITY",
        0xd => "HTTP_1_1_REQUIRED",
        _ => return None,
    })
}

/// gRPC HTTP2 "Errors": the status an RST_STREAM code maps to. CANCEL from
/// the client is a cancellation (CANCELLED on the client), from the server
/// CANCELLED; STREAM_CLOSED has no mapping.
pub fn rst_to_status(code: u32) -> Option<StatusCode> {
    match code {
        0x0..=0x4 | 0x6 | 0x9 | 0xa => Some(StatusCode::INTERNAL),
        0x7 => Some(StatusCode::UNAVAILABLE),
        0x8 => Some(StatusCode::CANCELLED),
        0xb => Some(StatusCode::RESOURCE_EXHAUSTED),
        0xc => Some(StatusCode::PERMISSION_DENIED),
        _ => None,
    }
}

/// `doc/http-grpc-status-mapping.md`: the status a client synthesizes from
/// a non-200 HTTP status when no `grpc-status` came.
pub fn http_to_status(http: u16) -> StatusCode {
    match http {
        400 => StatusCode::INTERNAL,
        401 => StatusCode::UNAUTHENTICATED,
        403 => StatusCode::PERMISSION_DENIED,
        404 => StatusCode::UNIMPLEMENTED,
        429 | 502..=504 => StatusCode::UNAVAILABLE,
        _ => StatusCode::UNKNOWN,
    }
}

fn grpc_diag(sev: crate::diag::Severity, code: &'static str, msg: String) -> Diagnostic {
    Diagnostic::new(sev, Layer::Grpc, code, msg)
}

/// Summarises a call.
pub fn summarize(input: &CallInput, options: &CallOptions<'_>) -> GrpcCall {
    use crate::diag::Severity::{Error, Info, Warning};
    let mut diags = Vec::new();
    let req = &input.request_headers;

    // Call-Definition.
    let path = first_value(req, b":path")
        .map(Octets::from)
        .unwrap_or_default();
    let (service, method) = match std::str::from_utf8(path.as_bytes())
        .ok()
        .and_then(|p| p.strip_prefix('/'))
        .and_then(|p| p.split_once('/'))
    {
        Some((s, m)) if !s.is_empty() && !m.is_empty() && !m.contains('/') => {
            (Some(s.to_string()), Some(m.to_string()))
        }
        _ => {
            diags.push(
                grpc_diag(
                    Error,
                    "grpc.bad_path",
                    format!(":path \"{}\" is not /Service/Method", path.display()),
                )
                .rfc("gRPC HTTP2 Path"),
            );
            (None, None)
        }
    };
    match first_value(req, b":method") {
        Some(b"POST") => {}
        other => diags.push(
            grpc_diag(
                Error,
                "grpc.method_not_post",
                format!(
                    "the request :method is \"{}\"; gRPC requires POST",
                    crate::octets::display_bytes(other.unwrap_or_default())
                ),
            )
            .rfc("gRPC HTTP2 Method"),
        ),
    }
    if first_value(req, b"te") != Some(b"trailers") {
        diags.push(
            grpc_diag(
                Warning,
                "grpc.te_not_trailers",
                "the request has no \"te: trailers\" (used to detect proxies that drop trailers)"
                    .into(),
            )
            .rfc("gRPC HTTP2 TE"),
        );
    }
    let content_type = match first_value(req, b"content-type") {
        Some(ct) => {
            let c = classify_content_type(ct);
            if c.is_none() {
                diags.push(
                    grpc_diag(
                        Error,
                        "grpc.bad_content_type",
                        format!(
                            "the request content-type \"{}\" does not start with application/grpc",
                            crate::octets::display_bytes(ct)
                        ),
                    )
                    .rfc("gRPC HTTP2 Content-Type"),
                );
            }
            c
        }
        None => {
            diags.push(
                grpc_diag(
                    Error,
                    "grpc.missing_content_type",
                    "the request has no content-type".into(),
                )
                .rfc("gRPC HTTP2 Content-Type"),
            );
            None
        }
    };
    let timeout = first_value(req, b"grpc-timeout").and_then(|v| match parse_timeout(v) {
        Ok(t) => Some(t),
        Err(d) => {
            diags.push(d);
            None
        }
    });
    let request_encoding = first_value(req, b"grpc-encoding")
        .map(Encoding::parse)
        .unwrap_or(Encoding::Identity);
    let request_metadata = Metadata::from_headers(req, input.true_binary);

    // Response headers.
    let resp = input.response_headers.as_deref();
    let response_metadata = resp.map(|h| Metadata::from_headers(h, input.true_binary));
    let http_status = resp
        .and_then(|h| first_value(h, b":status"))
        .map(Octets::from);
    let response_content_type = resp
        .and_then(|h| first_value(h, b"content-type"))
        .and_then(classify_content_type);
    let response_encoding = resp
        .and_then(|h| first_value(h, b"grpc-encoding"))
        .map(Encoding::parse)
        .unwrap_or(Encoding::Identity);
    if let (Some(h), None) = (resp, &response_content_type) {
        if first_value(h, b":status") == Some(b"200") {
            diags.push(
                grpc_diag(
                    Warning,
                    "grpc.response_not_grpc",
                    format!(
                        "the response content-type \"{}\" is not a gRPC type",
                        crate::octets::display_bytes(
                            first_value(h, b"content-type").unwrap_or_default()
                        )
                    ),
                )
                .rfc("gRPC HTTP2 Response-Headers"),
            );
        }
    }

    // Messages.
    let req_framing = content_type
        .as_ref()
        .map(|c| c.framing)
        .unwrap_or(Framing::Grpc);
    let resp_framing = response_content_type
        .as_ref()
        .map(|c| c.framing)
        .unwrap_or(req_framing);
    let proto = content_type
        .as_ref()
        .map(ContentType::is_proto)
        .unwrap_or(true);
    let (request_messages, req_web_trailers) = read_messages(
        &input.request_body,
        req_framing,
        request_encoding.clone(),
        options,
        path.as_bytes(),
        MessageRole::Request,
        proto,
        &mut diags,
    );
    let (response_messages, web_trailers) = read_messages(
        &input.response_body,
        resp_framing,
        response_encoding.clone(),
        options,
        path.as_bytes(),
        MessageRole::Response,
        proto,
        &mut diags,
    );
    if req_web_trailers.is_some() {
        diags.push(grpc_diag(
            Warning,
            "grpc.web_trailers_in_request",
            "the request body carries a gRPC-Web trailers frame".into(),
        ));
    }

    // Status: trailers, Trailers-Only, gRPC-Web trailers.
    let trailers_only = input.response_headers_end_stream
        && resp.is_some_and(|h| first_value(h, b"grpc-status").is_some());
    let web_fields: Option<Vec<Header>> = web_trailers.map(|t| {
        t.fields
            .into_iter()
            .map(|(n, v)| (Octets::from(n.to_ascii_lowercase()), v))
            .collect()
    });
    let (status_block, mut status_source): (Option<&[Header]>, Option<StatusSource>) =
        if let Some(t) = input.response_trailers.as_deref() {
            (Some(t), Some(StatusSource::Trailers))
        } else if trailers_only {
            (resp, Some(StatusSource::TrailersOnly))
        } else if let Some(w) = web_fields.as_deref() {
            (Some(w), Some(StatusSource::WebTrailers))
        } else {
            (None, None)
        };
    if input.response_headers_end_stream && !trailers_only {
        diags.push(
            grpc_diag(
                Error,
                "grpc.end_without_status",
                "the response HEADERS ended the stream without grpc-status (not a valid \
                 Trailers-Only response)"
                    .into(),
            )
            .rfc("gRPC HTTP2 Trailers-Only"),
        );
    }
    // A Trailers-Only block is the call's trailers: its custom metadata is
    // trailing metadata, and there is no initial metadata.
    let trailers_metadata = status_block.map(|h| Metadata::from_headers(h, input.true_binary));
    let response_metadata = if trailers_only {
        None
    } else {
        response_metadata
    };
    let mut status = None;
    let mut message = None;
    if let Some(block) = status_block {
        match first_value(block, b"grpc-status") {
            Some(v) => match StatusCode::parse(v) {
                Ok((code, warn)) => {
                    status = Some(code);
                    diags.extend(warn);
                }
                Err(d) => diags.push(d),
            },
            None => {
                status_source = None;
                diags.push(
                    grpc_diag(
                        Error,
                        "grpc.missing_status",
                        "the trailers have no grpc-status; a client synthesizes an error".into(),
                    )
                    .rfc("gRPC HTTP2 Trailers"),
                );
            }
        }
        message = first_value(block, b"grpc-message").map(decode_grpc_message);
    }
    if let Some(m) = &message {
        diags.extend(m.diagnostics.iter().cloned());
    }

    // Resets.
    let reset = input.reset.map(|r| {
        let by_client = r.by == Direction::ClientToServer;
        let name = h2_error_name(r.code);
        let maps_to = rst_to_status(r.code);
        let meaning = match (r.code, by_client, status.is_some()) {
            (0x8, true, _) => "the client cancelled the call".to_string(),
            (0x8, false, _) => "the server cancelled the call (CANCELLED)".to_string(),
            (0x0, false, true) => "the server closed the stream after its trailers \
                (gRPC HTTP2 \"Early Server Closure\"); the call ended normally"
                .to_string(),
            (0x0, true, true) => "the client closed the stream after the trailers \
                (gRPC HTTP2 \"Early Server Closure\")"
                .to_string(),
            (_, _, _) => match maps_to {
                Some(s) => format!(
                    "the stream was reset with {}; a gRPC peer reports {}",
                    name.unwrap_or("an unknown code"),
                    s
                ),
                None => format!(
                    "the stream was reset with {}; gRPC defines no status for it",
                    name.map(str::to_string)
                        .unwrap_or_else(|| format!("code {}", r.code))
                ),
            },
        };
        ResetSummary {
            code: r.code,
            code_name: name,
            by: r.by,
            maps_to,
            meaning,
        }
    });
    let cancelled_by_client = input
        .reset
        .is_some_and(|r| r.code == 0x8 && r.by == Direction::ClientToServer);
    if status.is_none() {
        if let Some(r) = &reset {
            if let Some(s) = r.maps_to {
                status = Some(s);
                status_source = Some(StatusSource::Reset);
            }
        } else if let Some(http) = http_status
            .as_ref()
            .and_then(|s| s.as_str())
            .and_then(|s| s.parse::<u16>().ok())
            .filter(|&s| s != 200)
        {
            status = Some(http_to_status(http));
            status_source = Some(StatusSource::HttpStatus);
            diags.push(
                grpc_diag(
                    Error,
                    "grpc.http_status_not_200",
                    format!(
                        "HTTP status {http} without grpc-status: a gRPC client reports {}",
                        http_to_status(http)
                    ),
                )
                .rfc("gRPC http-grpc-status-mapping"),
            );
        } else if input.response_end_stream || input.response_trailers.is_some() {
            diags.push(
                grpc_diag(
                    Error,
                    "grpc.missing_status",
                    "the response ended without grpc-status".into(),
                )
                .rfc("gRPC HTTP2 Trailers"),
            );
        } else if resp.is_none() {
            diags.push(grpc_diag(
                Info,
                "grpc.no_response",
                "no response was seen for this call".into(),
            ));
        }
    }
    if !input.request_end_stream && input.reset.is_none() {
        diags.push(grpc_diag(
            Info,
            "grpc.request_not_ended",
            "the client's END_STREAM was not seen".into(),
        ));
    }

    // Timing.
    let duration_ns = match (input.start, input.end) {
        (Some(s), Some(e)) => Some(e.nanos_since(s)),
        _ => None,
    };
    let deadline = match (timeout, duration_ns) {
        (Some(t), Some(elapsed)) => Some(DeadlineCheck {
            timeout_ns: t.nanos,
            elapsed_ns: elapsed,
            exceeded: elapsed > 0 && (elapsed as u64) > t.nanos,
        }),
        _ => None,
    };
    if let (Some(d), Some(s)) = (deadline, status) {
        if s == StatusCode::DEADLINE_EXCEEDED && !d.exceeded {
            diags.push(grpc_diag(
                Info,
                "grpc.deadline_status_early",
                format!(
                    "DEADLINE_EXCEEDED after {} ns, before the {} ns grpc-timeout as seen here \
                     (clock skew or a deadline propagated from upstream)",
                    d.elapsed_ns, d.timeout_ns
                ),
            ));
        }
    }

    GrpcCall {
        stream_id: input.stream_id,
        path,
        service,
        method,
        authority: first_value(req, b":authority").map(Octets::from),
        content_type,
        response_content_type,
        request_encoding,
        response_encoding,
        timeout,
        request_metadata,
        informational: input
            .informational
            .iter()
            .map(|h| Metadata::from_headers(h, input.true_binary))
            .collect(),
        response_metadata,
        trailers_metadata,
        request_messages,
        response_messages,
        http_status,
        status,
        status_source,
        message,
        trailers_only,
        reset,
        cancelled_by_client,
        duration_ns,
        deadline,
        diagnostics: diags,
    }
}

#[allow(clippy::too_many_arguments)]
fn read_messages(
    body: &[BodyChunk],
    framing: Framing,
    encoding: Encoding,
    options: &CallOptions<'_>,
    path: &[u8],
    role: MessageRole,
    proto: bool,
    diags: &mut Vec<Diagnostic>,
) -> (Vec<CallMessage>, Option<WebTrailers>) {
    let mut reader = MessageReader::new(framing, encoding, &options.limits);
    let mut out = Vec::new();
    let mut trailers = None;
    let mut drain =
        |reader: &mut MessageReader, time: Option<Timestamp>, out: &mut Vec<CallMessage>| {
            while let Some(ev) = reader.next_event() {
                match ev {
                    ReaderEvent::Message(m) => {
                        out.push(decode_message(m, time, options, path, role, proto))
                    }
                    ReaderEvent::Trailers(t) => {
                        diags.extend(t.diagnostics.iter().cloned());
                        trailers = Some(t);
                    }
                    ReaderEvent::Diagnostic(d) => diags.push(d),
                }
            }
        };
    let mut last_time = None;
    for chunk in body {
        reader.push(&chunk.bytes);
        last_time = chunk.time.or(last_time);
        drain(&mut reader, chunk.time, &mut out);
    }
    reader.finish();
    drain(&mut reader, last_time, &mut out);
    (out, trailers)
}

fn decode_message(
    message: GrpcMessage,
    time: Option<Timestamp>,
    options: &CallOptions<'_>,
    path: &[u8],
    role: MessageRole,
    proto: bool,
) -> CallMessage {
    let mut raw = None;
    let mut decoded = None;
    let mut decode_error = None;
    if let (true, Some(bytes)) = (proto, message.message_bytes()) {
        if options.decode_raw {
            raw = Some(decode_raw(bytes, RawLimits::from(&options.limits)));
        }
        if let Some(schema) = options.schema {
            match schema.decode_for_method(path, role, bytes) {
                Ok(d) => decoded = Some(d),
                Err(e) => decode_error = Some(e),
            }
        }
    }
    CallMessage {
        message,
        time,
        raw,
        decoded,
        decode_error,
    }
}
