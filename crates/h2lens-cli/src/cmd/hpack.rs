//! `h2lens hpack …`: HPACK on its own, outside any capture.
//!
//! * `inflate`: decode an hpack-test-case / nghttp2 `inflatehd` story.
//! * `encode`: encode a story's headers (nghttp2 `deflatehd` style).
//! * `decode`: explain header blocks given in hex, field by field.

use std::fmt::Write as _;
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Subcommand, ValueEnum};
use h2lens::config::HpackLimits;
use h2lens::hpack::story::{self, Story};
use h2lens::hpack::{
    Decoder, EncoderOptions, HeaderBlock, HuffmanPolicy, IndexingPolicy, TableEvent, TableKind,
    TableState,
};
use h2lens::octets::from_hex;

#[derive(Subcommand)]
pub enum HpackCommand {
    /// Decode every case of a story (JSON with "cases": [{"wire": hex,
    /// "header_table_size": n}]) with one decoder and print the story with
    /// "headers" filled in. Exits with 1 if any case failed.
    Inflate {
        /// Story file, or `-` (the default) for standard input.
        file: Option<PathBuf>,
    },
    /// Encode every case's "headers" with one encoder and print the story
    /// with "wire" filled in.
    Encode {
        /// Story file ({"cases": [{"headers": [{"name": "value"}]}]}), or
        /// `-` (the default) for standard input.
        file: Option<PathBuf>,
        /// When to Huffman-code string literals.
        #[arg(long, value_enum, default_value_t = Huffman::Shorter)]
        huffman: Huffman,
        /// Literal representation for fields not fully in a table.
        #[arg(long, value_enum, default_value_t = Indexing::Incremental)]
        indexing: Indexing,
        /// Dynamic table size to use (sent as a size update in the first
        /// block; recorded as the first case's "header_table_size" unless
        /// the input has one). Default 4096.
        #[arg(long)]
        table_size: Option<u32>,
    },
    /// Explain header blocks given in hex (several blocks share one
    /// decoder, in order): representation, Huffman, index and what it
    /// resolved to, table events, errors with byte offsets. Exits with 1 if
    /// a block failed.
    Decode {
        /// Header blocks in hex (whitespace inside a block is ignored).
        #[arg(required = true)]
        hex: Vec<String>,
        /// SETTINGS_HEADER_TABLE_SIZE in force before the first block.
        #[arg(long, default_value_t = 4096)]
        table_size: u32,
        /// Print each block as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Huffman {
    Always,
    Never,
    Shorter,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Indexing {
    Incremental,
    Without,
    Never,
}

pub fn run(command: HpackCommand) -> Result<ExitCode, String> {
    match command {
        HpackCommand::Inflate { file } => inflate(file),
        HpackCommand::Encode {
            file,
            huffman,
            indexing,
            table_size,
        } => encode(file, huffman, indexing, table_size),
        HpackCommand::Decode {
            hex,
            table_size,
            json,
        } => decode(&hex, table_size, json),
    }
}

/// Reads and parses a story; errors name the input and the JSON position.
fn read_story(file: Option<PathBuf>) -> Result<Story, String> {
    let (name, text) = match file {
        Some(path) if path.as_os_str() != "-" => {
            let text =
                std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            (path.display().to_string(), text)
        }
        _ => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| format!("standard input: {e}"))?;
            ("standard input".to_owned(), text)
        }
    };
    serde_json::from_str(&text).map_err(|e| {
        format!(
            "{name}: not a story (line {}, column {}): {e}",
            e.line(),
            e.column()
        )
    })
}

fn print_json<T: serde::Serialize>(value: &T) -> Result<(), String> {
    let mut text = serde_json::to_string_pretty(value).map_err(|e| e.to_string())?;
    text.push('\n');
    super::output::print(&text)
}

fn inflate(file: Option<PathBuf>) -> Result<ExitCode, String> {
    let input = read_story(file)?;
    let output = story::inflate(&input, &HpackLimits::default());
    print_json(&output)?;
    let failed: Vec<String> = output
        .cases
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            c.error.as_ref().map(|e| {
                let at = e
                    .offset
                    .map(|o| format!(" at byte {o}"))
                    .unwrap_or_default();
                format!("case {}{at}: {}", c.seqno.unwrap_or(i as u64), e.message)
            })
        })
        .collect();
    for f in &failed {
        eprintln!("h2lens: {f}");
    }
    Ok(if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn encode(
    file: Option<PathBuf>,
    huffman: Huffman,
    indexing: Indexing,
    table_size: Option<u32>,
) -> Result<ExitCode, String> {
    let mut input = read_story(file)?;
    let options = EncoderOptions {
        huffman: match huffman {
            Huffman::Always => HuffmanPolicy::Always,
            Huffman::Never => HuffmanPolicy::Never,
            Huffman::Shorter => HuffmanPolicy::Shorter,
        },
        indexing: match indexing {
            Indexing::Incremental => IndexingPolicy::Incremental,
            Indexing::Without => IndexingPolicy::WithoutIndexing,
            Indexing::Never => IndexingPolicy::NeverIndexed,
        },
        ..EncoderOptions::default()
    };
    if let (Some(size), Some(first)) = (table_size, input.cases.first_mut()) {
        // The peer must have allowed the size we use.
        first.header_table_size.get_or_insert(size);
    }
    let output = story::deflate(&input, &options, table_size);
    print_json(&output)?;
    Ok(ExitCode::SUCCESS)
}

fn decode(blocks: &[String], table_size: u32, json: bool) -> Result<ExitCode, String> {
    let limits = HpackLimits::default();
    let mut decoder = Decoder::with_table_size(&limits, table_size);
    let mut failed = false;
    for (i, text) in blocks.iter().enumerate() {
        let digits: String = text.split_whitespace().collect();
        let digits = digits.strip_prefix("0x").unwrap_or(&digits);
        let bytes = from_hex(digits).ok_or_else(|| {
            format!(
                "block {}: not hex (need an even number of 0-9a-f digits): {text:?}",
                i + 1
            )
        })?;
        let block = decoder.decode(&bytes);
        failed |= block.error.is_some();
        if json {
            print_json(&block)?;
        } else {
            super::output::print(&explain(&block, bytes.len()))?;
        }
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Text for one block: a line per field, then table events, errors and
/// the table after the block.
pub fn explain(block: &HeaderBlock, len: usize) -> String {
    let mut out = String::new();
    let state = match &block.table_state {
        TableState::Synced => "synced".to_owned(),
        TableState::PartlyUnknown { cause } => format!("partly unknown ({cause:?})"),
        TableState::Desynchronised { since_block } => {
            format!("DESYNCHRONISED since block {since_block}")
        }
    };
    let _ = writeln!(out, "block {} ({len} bytes), table {state}", block.block);
    for (i, f) in block.fields.iter().enumerate() {
        let mut how = f.repr.describe(f.name_huffman.is_some()).to_owned();
        if let Some(r) = &f.index {
            let _ = write!(how, "; index {}", r.index);
            match (r.table, r.entry) {
                (TableKind::Static, _) => how.push_str(" (static)"),
                (TableKind::Dynamic, Some(entry)) => {
                    let _ = write!(how, " (dynamic entry {entry}");
                    if let Some(b) = r.inserted_in_block {
                        let _ = write!(how, ", inserted in block {b}");
                    }
                    how.push(')');
                }
                (TableKind::Dynamic, None) => how.push_str(" (dynamic, unknown entry)"),
            }
        }
        for (what, flag) in [("name", f.name_huffman), ("value", f.value_huffman)] {
            if let Some(h) = flag {
                let _ = write!(how, "; {what} {}", if h { "huffman" } else { "raw" });
            }
        }
        let name = if f.unknown && f.name.is_empty() {
            "<unknown>".into()
        } else {
            f.name.display()
        };
        let value = if f.unknown && f.value.is_empty() {
            "<unknown>".into()
        } else {
            f.value.display()
        };
        let _ = writeln!(
            out,
            "  #{i} [{}..{}) {name}: {value}\n      {how}",
            f.span.start, f.span.end
        );
    }
    for e in &block.table_events {
        let _ = match e {
            TableEvent::SizeUpdate { max_size, span } => writeln!(
                out,
                "  table: size update to {max_size} at [{}..{})",
                span.start, span.end
            ),
            TableEvent::Inserted { entry, field, size } => writeln!(
                out,
                "  table: inserted entry {entry} ({size} bytes) from field #{field}"
            ),
            TableEvent::Evicted {
                entry,
                name,
                value,
                size,
                inserted_in_block,
            } => writeln!(
                out,
                "  table: evicted entry {} `{}: {}` ({size} bytes{})",
                entry.map_or("?".to_owned(), |e| e.to_string()),
                name.display(),
                value.display(),
                inserted_in_block
                    .map(|b| format!(", inserted in block {b}"))
                    .unwrap_or_default()
            ),
        };
    }
    for d in &block.diagnostics {
        let _ = writeln!(out, "  warning: {} ({})", d, d.code);
    }
    if let Some(err) = &block.error {
        let _ = writeln!(
            out,
            "  error at byte {}: {} ({}, {})",
            err.offset,
            err.kind,
            err.kind.code(),
            err.kind.rfc()
        );
    }
    let t = &block.table;
    let _ = writeln!(
        out,
        "  table after: {} entries, {}/{} bytes (SETTINGS limit {})",
        t.entries, t.size, t.max_size, t.settings_limit
    );
    out
}
