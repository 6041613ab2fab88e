//! The hpack-test-case stories: what every decoder decodes and is checked
//! against.
//!
//! Each encoder folder (`go-hpack/`, `nghttp2/`, …; not `raw-data/`, which
//! has no wire bytes) holds `story_NN.json` files. A story is one
//! compression context: its cases are header blocks decoded in order by one
//! decoder. A case's optional `header_table_size` is a
//! SETTINGS_HEADER_TABLE_SIZE value acknowledged just before that block.

use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// One header field as the story lists it.
pub type Pair = (Vec<u8>, Vec<u8>);

#[derive(Debug)]
pub struct Block {
    /// SETTINGS_HEADER_TABLE_SIZE acknowledged just before this block.
    pub table_size: Option<u32>,
    /// The HPACK-encoded header block.
    pub wire: Vec<u8>,
    /// The fields the block must decode to, in wire order.
    pub fields: Vec<Pair>,
}

#[derive(Debug)]
pub struct Story {
    /// `folder/story_NN`.
    pub id: String,
    pub blocks: Vec<Block>,
}

impl Story {
    pub fn wire_bytes(&self) -> u64 {
        self.blocks.iter().map(|b| b.wire.len() as u64).sum()
    }

    pub fn field_count(&self) -> u64 {
        self.blocks.iter().map(|b| b.fields.len() as u64).sum()
    }

    /// Bytes of decoded names and values.
    pub fn decoded_bytes(&self) -> u64 {
        self.blocks
            .iter()
            .flat_map(|b| &b.fields)
            .map(|(n, v)| (n.len() + v.len()) as u64)
            .sum()
    }
}

#[derive(Debug)]
pub struct Corpus {
    pub root: PathBuf,
    pub folders: Vec<String>,
    pub stories: Vec<Story>,
}

#[derive(Deserialize)]
struct StoryFile {
    cases: Vec<CaseFile>,
}

#[derive(Deserialize)]
struct CaseFile {
    #[serde(default)]
    header_table_size: Option<u32>,
    wire: String,
    /// Each element is an object with exactly one `name: value` member.
    headers: Vec<serde_json::Map<String, serde_json::Value>>,
}

/// Loads every story of every encoder folder under `root` except
/// `raw-data`, folders and stories in name order.
pub fn load(root: &Path) -> Result<Corpus, String> {
    let mut folders = Vec::new();
    let entries = fs::read_dir(root).map_err(|e| format!("{}: {e}", root.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("{}: {e}", root.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.path().is_dir() && name != "raw-data" && !name.starts_with('.') {
            folders.push(name);
        }
    }
    folders.sort();

    let mut stories = Vec::new();
    for folder in &folders {
        let dir = root.join(folder);
        let mut files: Vec<PathBuf> = fs::read_dir(&dir)
            .map_err(|e| format!("{}: {e}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.extension().is_some_and(|x| x == "json")
                    && p.file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with("story_"))
            })
            .collect();
        files.sort();
        for file in files {
            stories.push(load_story(folder, &file)?);
        }
    }
    if stories.is_empty() {
        return Err(format!("no stories under {}", root.display()));
    }
    Ok(Corpus {
        root: root.to_path_buf(),
        folders,
        stories,
    })
}

fn load_story(folder: &str, path: &Path) -> Result<Story, String> {
    let text = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let file: StoryFile =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut blocks = Vec::with_capacity(file.cases.len());
    for (i, case) in file.cases.into_iter().enumerate() {
        let wire = from_hex(&case.wire)
            .ok_or_else(|| format!("{}: case {i}: wire is not hex", path.display()))?;
        let mut fields = Vec::with_capacity(case.headers.len());
        for header in case.headers {
            if header.len() != 1 {
                return Err(format!(
                    "{}: case {i}: a header object must have one member",
                    path.display()
                ));
            }
            for (name, value) in header {
                let value = value.as_str().ok_or_else(|| {
                    format!(
                        "{}: case {i}: header {name} is not a string",
                        path.display()
                    )
                })?;
                fields.push((name.into_bytes(), value.as_bytes().to_vec()));
            }
        }
        blocks.push(Block {
            table_size: case.header_table_size,
            wire,
            fields,
        });
    }
    Ok(Story {
        id: format!("{folder}/{stem}"),
        blocks,
    })
}

fn from_hex(text: &str) -> Option<Vec<u8>> {
    fn nibble(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    }
    let bytes = text.as_bytes();
    if bytes.len() % 2 != 0 {
        return None;
    }
    bytes
        .chunks_exact(2)
        .map(|pair| Some(nibble(pair[0])? << 4 | nibble(pair[1])?))
        .collect()
}

/// Bytes as text for messages: printable ASCII as is, the rest as `\xNN`.
pub fn escape(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        if (0x20..0x7f).contains(&b) && b != b'\\' {
            out.push(b as char);
        } else {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}
