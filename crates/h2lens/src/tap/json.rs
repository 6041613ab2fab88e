//! Small readers over `serde_json::Value` shared by the tap formats: every
//! number may come as a JSON number or (protobuf JSON 64-bit) a string.

use base64::Engine;
use serde_json::Value;

use crate::time::Timestamp;

pub(crate) fn str_at<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key)?.as_str()
}

/// An unsigned integer given as a number or a decimal string.
pub(crate) fn u64_of(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

pub(crate) fn u64_at(v: &Value, key: &str) -> Option<u64> {
    u64_of(v.get(key)?)
}

/// A protobuf Duration: `{"seconds": s, "nanos": n}` (zero fields omitted,
/// Go encoding/json) or `"1.000340s"` (protobuf JSON). Nanoseconds.
pub(crate) fn duration_ns(v: &Value) -> Option<u64> {
    match v {
        Value::Object(_) => {
            let secs = v.get("seconds").map_or(Some(0), u64_of)?;
            let nanos = v.get("nanos").map_or(Some(0), u64_of)?;
            secs.checked_mul(1_000_000_000)?.checked_add(nanos)
        }
        Value::String(s) => {
            let s = s.strip_suffix('s')?;
            let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
            if frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let secs: u64 = whole.parse().ok()?;
            let mut nanos: u64 = if frac.is_empty() {
                0
            } else {
                frac.parse().ok()?
            };
            for _ in frac.len()..9 {
                nanos = nanos.checked_mul(10)?;
            }
            secs.checked_mul(1_000_000_000)?.checked_add(nanos)
        }
        _ => None,
    }
}

/// Standard base64 (protobuf JSON `bytes`; padded or not).
pub(crate) fn base64_bytes(text: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD_PAD_INDIFFERENT
        .decode(text.trim())
        .or_else(|_| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(text.trim().trim_end_matches('='))
        })
        .ok()
}

/// Labels from a JSON object of strings (sorted by key: serde_json maps are
/// ordered by key). `{"labels": {…}}` wrappers are looked through.
pub(crate) fn labels(v: Option<&Value>) -> Vec<(String, String)> {
    let Some(obj) = v
        .and_then(|v| v.get("labels").or(Some(v)))
        .and_then(Value::as_object)
    else {
        return Vec::new();
    };
    obj.iter()
        .map(|(k, v)| {
            let text = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (k.clone(), text)
        })
        .collect()
}

/// An RFC 3339 timestamp (`2026-05-10T13:01:30.412Z`, `…+02:00`) as
/// nanoseconds since the epoch; or a protobuf Timestamp object
/// `{seconds, nanos}`.
pub(crate) fn timestamp(v: &Value) -> Option<Timestamp> {
    match v {
        Value::String(s) => rfc3339(s),
        Value::Object(_) => {
            let secs = v.get("seconds").map_or(Some(0), u64_of)?;
            let nanos = v.get("nanos").map_or(Some(0), u64_of)?;
            Some(Timestamp::from_secs_nanos(
                i64::try_from(secs).ok()?,
                u32::try_from(nanos).ok()?,
            ))
        }
        _ => None,
    }
}

/// A field of 1 to `max` ASCII digits (RFC 3339 fields are fixed width;
/// the bound also keeps the arithmetic below from overflowing).
fn digits(s: &str, max: usize) -> Option<i64> {
    if s.is_empty() || s.len() > max || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

pub(crate) fn rfc3339(s: &str) -> Option<Timestamp> {
    let (date, time) = s.split_once(['T', 't', ' '])?;
    let mut d = date.splitn(3, '-');
    let (y, m, day) = (
        digits(d.next()?, 4)?,
        digits(d.next()?, 2)?,
        digits(d.next()?, 2)?,
    );
    // Split off the zone: Z, +hh:mm or -hh:mm.
    let (clock, offset_secs) = if let Some(c) = time.strip_suffix(['Z', 'z']) {
        (c, 0)
    } else {
        let at = time.rfind(['+', '-'])?;
        let (c, zone) = time.split_at(at);
        let sign = if zone.starts_with('-') { -1 } else { 1 };
        let (hh, mm) = zone.get(1..)?.split_once(':')?;
        (c, sign * (digits(hh, 2)? * 3600 + digits(mm, 2)? * 60))
    };
    let (hms, frac) = clock.split_once('.').unwrap_or((clock, ""));
    let mut t = hms.splitn(3, ':');
    let (hh, mi, ss) = (
        digits(t.next()?, 2)?,
        digits(t.next()?, 2)?,
        digits(t.next()?, 2)?,
    );
    if !(1..=12).contains(&m) || !(1..=31).contains(&day) || hh > 23 || mi > 59 || ss > 60 {
        return None;
    }
    let frac = frac.get(..frac.len().min(9))?;
    let mut nanos = if frac.is_empty() { 0 } else { digits(frac, 9)? };
    for _ in frac.len()..9 {
        nanos *= 10;
    }
    let days = crate::time::days_from_civil(y, m, day);
    let secs = days * 86_400 + hh * 3600 + mi * 60 + ss - offset_secs;
    Some(Timestamp::from_secs_nanos(secs, u32::try_from(nanos).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_times() {
        assert_eq!(
            duration_ns(&serde_json::json!({"nanos": 1843211})),
            Some(1_843_211)
        );
        assert_eq!(
            duration_ns(&serde_json::json!({"seconds": 10})),
            Some(10_000_000_000)
        );
        assert_eq!(
            duration_ns(&serde_json::json!("0.001843211s")),
            Some(1_843_211)
        );
        assert_eq!(duration_ns(&serde_json::json!("2s")), Some(2_000_000_000));
        assert_eq!(duration_ns(&serde_json::json!("0.0018s")), Some(1_800_000));
        assert_eq!(duration_ns(&serde_json::json!("x")), None);
        // `date -u -d 2026-05-10T13:01:30Z +%s` = 1778418090
        assert_eq!(
            rfc3339("2026-05-10T13:01:30.412Z"),
            Some(Timestamp(1_778_418_090_412_000_000))
        );
        assert_eq!(
            rfc3339("2026-05-10T15:01:30.412+02:00"),
            Some(Timestamp(1_778_418_090_412_000_000))
        );
        assert_eq!(rfc3339("1970-01-01T00:00:00Z"), Some(Timestamp(0)));
        assert_eq!(rfc3339("2026-13-10T13:01:30Z"), None);
        assert_eq!(rfc3339("99999999999999999-01-01T00:00:00Z"), None);
        assert_eq!(rfc3339("2026-01-01T00:00:00+99999999999:00"), None);
    }
}
