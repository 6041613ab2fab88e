//! HAR 1.2 export (<http://www.softwareishard.com/blog/har-12-spec/>), so
//! decoded exchanges open in browser devtools.

use base64::Engine as _;
use serde::Serialize;

use crate::inspect::{CollectedExchange, Header};
use crate::time::Timestamp;

#[derive(Serialize)]
pub struct Har {
    pub log: Log,
}

#[derive(Serialize)]
pub struct Log {
    pub version: &'static str,
    pub creator: Creator,
    pub entries: Vec<Entry>,
}

#[derive(Serialize)]
pub struct Creator {
    pub name: &'static str,
    pub version: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    pub started_date_time: String,
    /// Milliseconds from the request's first byte to the response's last.
    pub time: f64,
    pub request: Request,
    pub response: Response,
    pub cache: Empty,
    pub timings: Timings,
    /// The connection number, as a string (HAR's `connection`).
    pub connection: String,
    #[serde(rename = "_stream")]
    pub stream: u32,
    #[serde(rename = "_trailers", skip_serializing_if = "Vec::is_empty")]
    pub trailers: Vec<NameValue>,
    #[serde(rename = "_state")]
    pub state: crate::conn::ExchangeState,
}

#[derive(Serialize)]
pub struct Empty {}

#[derive(Serialize)]
pub struct NameValue {
    pub name: String,
    pub value: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Request {
    pub method: String,
    pub url: String,
    pub http_version: &'static str,
    pub cookies: Vec<NameValue>,
    pub headers: Vec<NameValue>,
    pub query_string: Vec<NameValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub post_data: Option<PostData>,
    pub headers_size: i64,
    pub body_size: i64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PostData {
    pub mime_type: String,
    pub text: String,
    #[serde(rename = "_encoding", skip_serializing_if = "Option::is_none")]
    pub encoding: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Response {
    pub status: u16,
    pub status_text: String,
    pub http_version: &'static str,
    pub cookies: Vec<NameValue>,
    pub headers: Vec<NameValue>,
    pub content: Content,
    #[serde(rename = "redirectURL")]
    pub redirect_url: String,
    pub headers_size: i64,
    pub body_size: i64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Content {
    pub size: i64,
    pub mime_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<&'static str>,
}

#[derive(Serialize)]
pub struct Timings {
    pub send: f64,
    pub wait: f64,
    pub receive: f64,
}

fn nv(headers: &[Header]) -> Vec<NameValue> {
    headers
        .iter()
        .map(|h| NameValue {
            name: h.name.display().into_owned(),
            value: h.value.display().into_owned(),
        })
        .collect()
}

fn header<'a>(headers: &'a [Header], name: &str) -> Option<&'a Header> {
    headers
        .iter()
        .find(|h| h.name.as_bytes().eq_ignore_ascii_case(name.as_bytes()))
}

/// Body text: UTF-8 as is, anything else base64.
fn body_text(body: &[u8]) -> (String, Option<&'static str>) {
    match std::str::from_utf8(body) {
        Ok(text) => (text.to_string(), None),
        Err(_) => (
            base64::engine::general_purpose::STANDARD.encode(body),
            Some("base64"),
        ),
    }
}

fn ms(from: Option<Timestamp>, to: Option<Timestamp>) -> f64 {
    match (from, to) {
        (Some(a), Some(b)) => (b.nanos_since(a) as f64 / 1e6).max(0.0),
        _ => 0.0,
    }
}

/// Builds a HAR log from collected exchanges.
pub fn to_har(exchanges: &[CollectedExchange]) -> Har {
    let entries = exchanges.iter().map(entry).collect();
    Har {
        log: Log {
            version: "1.2",
            creator: Creator {
                name: "h2lens",
                version: env!("CARGO_PKG_VERSION"),
            },
            entries,
        },
    }
}

fn entry(c: &CollectedExchange) -> Entry {
    let ex = &c.exchange;
    let show = |o: &Option<crate::Octets>| {
        o.as_ref()
            .map(|v| v.display().into_owned())
            .unwrap_or_default()
    };
    let scheme = ex
        .scheme
        .as_ref()
        .map(|s| s.display().into_owned())
        .unwrap_or_else(|| "http".into());
    let path = show(&ex.path);
    let url = format!("{scheme}://{}{path}", show(&ex.authority));
    let query_string = path
        .split_once('?')
        .map(|(_, q)| {
            q.split('&')
                .filter(|p| !p.is_empty())
                .map(|p| {
                    let (n, v) = p.split_once('=').unwrap_or((p, ""));
                    NameValue {
                        name: n.to_string(),
                        value: v.to_string(),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let request_type = header(&c.request_headers, "content-type")
        .map(|h| h.value.display().into_owned())
        .unwrap_or_default();
    let request_body = c.request_body_bytes();
    let response_body = c.response_body_bytes();
    let post_data = (!request_body.is_empty()).then(|| {
        let (text, encoding) = body_text(&request_body);
        PostData {
            mime_type: request_type,
            text,
            encoding,
        }
    });
    let response_type = header(&c.response_headers, "content-type")
        .map(|h| h.value.display().into_owned())
        .unwrap_or_default();
    let (text, encoding) = if response_body.is_empty() {
        (None, None)
    } else {
        let (t, e) = body_text(&response_body);
        (Some(t), e)
    };
    let first_response = ex
        .informational
        .first()
        .or(ex.response.as_ref())
        .map(|h| h.ts);
    Entry {
        started_date_time: rfc3339(ex.start.unwrap_or_default()),
        time: ms(ex.start, ex.end),
        request: Request {
            method: show(&ex.method),
            url,
            http_version: "HTTP/2",
            cookies: Vec::new(),
            headers: nv(&c.request_headers),
            query_string,
            post_data,
            headers_size: -1,
            body_size: ex.request_bytes as i64,
        },
        response: Response {
            status: ex.status.unwrap_or(0),
            status_text: String::new(),
            http_version: "HTTP/2",
            cookies: Vec::new(),
            headers: nv(&c.response_headers),
            content: Content {
                size: ex.response_bytes as i64,
                mime_type: response_type,
                text,
                encoding,
            },
            redirect_url: header(&c.response_headers, "location")
                .map(|h| h.value.display().into_owned())
                .unwrap_or_default(),
            headers_size: -1,
            body_size: ex.response_bytes as i64,
        },
        cache: Empty {},
        timings: Timings {
            send: ms(ex.start, ex.request_end),
            wait: ms(ex.request_end.or(ex.start), first_response),
            receive: ms(first_response, ex.response_end),
        },
        connection: c.conn.to_string(),
        stream: ex.stream_id,
        trailers: nv(&c.response_trailers),
        state: ex.state,
    }
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` for a Unix timestamp.
pub fn rfc3339(ts: Timestamp) -> String {
    let nanos = ts.as_nanos();
    let secs = nanos.div_euclid(1_000_000_000);
    let millis = nanos.rem_euclid(1_000_000_000) / 1_000_000;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = crate::time::civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(rfc3339(Timestamp(0)), "1970-01-01T00:00:00.000Z");
        // 2026-11-26T15:57:05.123Z = 1795708625.123 (from `date -u -d @1795708625`).
        assert_eq!(
            rfc3339(Timestamp::from_secs_nanos(1_795_708_625, 123_000_000)),
            "2026-11-26T15:57:05.123Z"
        );
        assert_eq!(
            rfc3339(Timestamp::from_secs_nanos(951_782_400, 0)),
            "2000-02-29T00:00:00.000Z"
        );
    }
}
