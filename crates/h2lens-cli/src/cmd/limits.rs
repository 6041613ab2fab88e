//! `--limit SECTION.NAME=N`: any limit of [`h2lens::Config`] from the
//! command line, by the path the diagnostics name; and `h2lens limits`,
//! which lists them with their defaults.

use std::fmt::Write;
use std::process::ExitCode;

use clap::Args;
use serde_json::Value;

use h2lens::Config;

/// One `--limit` argument, checked against the config's fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitArg {
    section: String,
    name: String,
    value: u64,
}

/// Every numeric limit: `(section.name, default)`, in the config's order.
fn numeric_limits() -> Vec<(String, u64)> {
    let mut out = Vec::new();
    if let Ok(Value::Object(sections)) = serde_json::to_value(Config::default()) {
        // `output` holds what events include, not limits.
        for (section, fields) in sections.into_iter().filter(|(s, _)| s != "output") {
            if let Value::Object(fields) = fields {
                for (name, value) in fields {
                    if let Some(n) = value.as_u64() {
                        out.push((format!("{section}.{name}"), n));
                    }
                }
            }
        }
    }
    out
}

/// Parses `section.name=N`; N may end in K, M or G (powers of 1024).
pub fn parse_limit(arg: &str) -> Result<LimitArg, String> {
    let (path, value) = arg.split_once('=').ok_or_else(|| {
        format!("`{arg}` is not SECTION.NAME=N (e.g. hpack.max_fields_per_block=50000)")
    })?;
    let known = numeric_limits();
    if !known.iter().any(|(p, _)| p == path) {
        let names: Vec<&str> = known.iter().map(|(p, _)| p.as_str()).collect();
        return Err(format!(
            "no limit named `{path}`; `h2lens limits` lists them: {}",
            names.join(", ")
        ));
    }
    let value = value.trim();
    let (digits, scale) = match value.char_indices().last() {
        Some((i, 'K' | 'k')) => (&value[..i], 1u64 << 10),
        Some((i, 'M' | 'm')) => (&value[..i], 1 << 20),
        Some((i, 'G' | 'g')) => (&value[..i], 1 << 30),
        _ => (value, 1),
    };
    let value = digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
        .filter(|n| *n <= u64::from(u32::MAX))
        .ok_or_else(|| format!("`{value}` is not a number from 0 to {}", u32::MAX))?;
    let (section, name) = path.split_once('.').unwrap_or((path, ""));
    Ok(LimitArg {
        section: section.to_string(),
        name: name.to_string(),
        value,
    })
}

/// `config` with `limits` applied, in order.
pub fn apply(config: Config, limits: &[LimitArg]) -> Config {
    if limits.is_empty() {
        return config;
    }
    let Ok(mut value) = serde_json::to_value(&config) else {
        return config;
    };
    for limit in limits {
        if let Some(field) = value
            .get_mut(&limit.section)
            .and_then(|s| s.get_mut(&limit.name))
        {
            *field = Value::from(limit.value);
        }
    }
    serde_json::from_value(value).unwrap_or(config)
}

#[derive(Args, Debug)]
pub struct LimitsArgs {
    /// The whole config as JSON (what JavaScript's `config` option takes).
    #[arg(long)]
    json: bool,
}

/// `h2lens limits`: every limit and its default.
pub fn run(args: LimitsArgs) -> Result<ExitCode, String> {
    let text = if args.json {
        let json = serde_json::to_string_pretty(&Config::default()).map_err(|e| e.to_string())?;
        format!("{json}\n")
    } else {
        let mut text = String::from(
            "# Limits and their defaults. Change one with --limit NAME=N (K, M, G suffixes:\n\
             # powers of 1024), or in JavaScript with { config: { section: { name: N } } }.\n",
        );
        for (path, default) in numeric_limits() {
            // Writing to a String cannot fail.
            let _ = writeln!(text, "{path} = {default}");
        }
        text
    };
    super::output::print(&text)?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_checks_and_applies() {
        let a = parse_limit("hpack.max_fields_per_block=50000").unwrap();
        let b = parse_limit("tcp.max_out_of_order_bytes=16M").unwrap();
        let config = apply(Config::default(), &[a, b]);
        assert_eq!(config.hpack.max_fields_per_block, 50_000);
        assert_eq!(config.tcp.max_out_of_order_bytes, 16 << 20);
        // Everything else keeps its default.
        let mut expected = Config::default();
        expected.hpack.max_fields_per_block = 50_000;
        expected.tcp.max_out_of_order_bytes = 16 << 20;
        assert_eq!(config, expected);

        assert!(parse_limit("hpack.max_fields=1")
            .unwrap_err()
            .contains("no limit named"));
        assert!(parse_limit("hpack.max_fields_per_block").is_err());
        assert!(parse_limit("hpack.max_fields_per_block=-1").is_err());
        assert!(parse_limit("hpack.max_fields_per_block=5G").is_err());
        // Output options are not limits.
        assert!(parse_limit("output.table_events=1").is_err());
        assert!(parse_limit("output.frame_bytes=1").is_err());
    }

    /// Every limit a diagnostic names (`limit_hint` in the core) can be
    /// set here: the hint's path is one of ours.
    #[test]
    fn every_numeric_config_field_is_a_limit() {
        let paths: Vec<String> = numeric_limits().into_iter().map(|(p, _)| p).collect();
        for p in [
            "hpack.max_table_size",
            "hpack.max_header_list_size",
            "hpack.max_fields_per_block",
            "frame.max_continuation_frames",
            "flood.pings",
            "tcp.max_out_of_order_bytes",
            "capture.max_record_size",
            "grpc.max_message_size",
            "grpc.max_protobuf_depth",
        ] {
            assert!(paths.iter().any(|q| q == p), "{p} missing from {paths:?}");
        }
    }
}
