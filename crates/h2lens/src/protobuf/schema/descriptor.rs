//! Reading a protoset: a serialized `google.protobuf.FileDescriptorSet`
//! (descriptor.proto), as `protoc --include_imports --descriptor_set_out`
//! and grpcurl's `-protoset` use. Only what decoding to JSON needs is kept:
//! messages with their fields, enums with their values, services with their
//! methods.

use std::collections::HashMap;

use crate::protobuf::raw::{iter_fields, WireValue};

/// A field's type (`FieldDescriptorProto.Type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Double,
    Float,
    Int64,
    Uint64,
    Int32,
    Fixed64,
    Fixed32,
    Bool,
    String,
    Group,
    Message,
    Bytes,
    Uint32,
    Enum,
    Sfixed32,
    Sfixed64,
    Sint32,
    Sint64,
}

impl Kind {
    fn from_code(code: u64) -> Option<Kind> {
        Some(match code {
            1 => Kind::Double,
            2 => Kind::Float,
            3 => Kind::Int64,
            4 => Kind::Uint64,
            5 => Kind::Int32,
            6 => Kind::Fixed64,
            7 => Kind::Fixed32,
            8 => Kind::Bool,
            9 => Kind::String,
            10 => Kind::Group,
            11 => Kind::Message,
            12 => Kind::Bytes,
            13 => Kind::Uint32,
            14 => Kind::Enum,
            15 => Kind::Sfixed32,
            16 => Kind::Sfixed64,
            17 => Kind::Sint32,
            18 => Kind::Sint64,
            _ => return None,
        })
    }

    /// Scalars that may be sent packed (everything but LEN types).
    pub fn packable(self) -> bool {
        !matches!(
            self,
            Kind::String | Kind::Bytes | Kind::Message | Kind::Group
        )
    }
}

#[derive(Clone, Debug)]
pub struct FieldDesc {
    pub name: String,
    pub json_name: String,
    pub number: u32,
    pub repeated: bool,
    pub kind: Kind,
    /// Full name (no leading dot) of a message or enum type.
    pub type_name: String,
    /// Index of the oneof it belongs to (proto3 `optional` fields belong to
    /// a synthetic one).
    pub oneof: Option<u32>,
    /// A `map<K, V>` field: repeated entries of a `map_entry` message (set
    /// once every message of the set is known).
    pub map: bool,
    /// Present on the wire means present in JSON, even with a default
    /// value: proto2 and editions fields, proto3 `optional`, oneof members
    /// and messages. Otherwise (proto3 implicit presence) defaults are left
    /// out.
    pub explicit_presence: bool,
}

#[derive(Clone, Debug, Default)]
pub struct MessageDesc {
    pub full_name: String,
    /// Fields in number order (the order of the JSON output).
    pub fields: Vec<FieldDesc>,
    /// A `map<K, V>` entry type (`MessageOptions.map_entry`).
    pub map_entry: bool,
}

impl MessageDesc {
    pub fn field(&self, number: u32) -> Option<usize> {
        self.fields.binary_search_by_key(&number, |f| f.number).ok()
    }
}

#[derive(Clone, Debug, Default)]
pub struct EnumDesc {
    /// Value names by number (the first name given to a number).
    pub values: HashMap<i32, String>,
}

#[derive(Clone, Debug)]
pub struct MethodDesc {
    pub name: String,
    pub input_type: String,
    pub output_type: String,
    pub client_streaming: bool,
    pub server_streaming: bool,
}

/// Every type and service of a protoset, by full name.
#[derive(Clone, Debug, Default)]
pub struct Pool {
    pub messages: HashMap<String, MessageDesc>,
    pub enums: HashMap<String, EnumDesc>,
    pub services: HashMap<String, Vec<MethodDesc>>,
}

/// Why a protoset could not be read.
#[derive(Debug)]
pub struct PoolError(pub String);

type Result<T> = std::result::Result<T, PoolError>;

/// Deepest nesting of message declarations accepted (protoc's own parser
/// stops far below what a crafted set could ask for).
const MAX_NESTING: u32 = 100;

fn bad(what: &str) -> PoolError {
    PoolError(what.to_string())
}

/// The fields of a descriptor message, each with its raw value.
fn fields<'a>(bytes: &'a [u8], what: &str) -> Result<Vec<(u32, WireValue<'a>)>> {
    iter_fields(bytes)
        .map(|f| f.map_err(|at| PoolError(format!("{what} is not a valid message (byte {at})"))))
        .collect()
}

fn text(v: &WireValue<'_>, what: &str) -> Result<String> {
    match v {
        WireValue::Len(b) => std::str::from_utf8(b)
            .map(str::to_string)
            .map_err(|_| PoolError(format!("{what} is not UTF-8"))),
        _ => Err(PoolError(format!("{what} has the wrong wire type"))),
    }
}

fn varint(v: &WireValue<'_>, what: &str) -> Result<u64> {
    match v {
        WireValue::Varint(n) => Ok(*n),
        _ => Err(PoolError(format!("{what} has the wrong wire type"))),
    }
}

fn len<'a>(v: &WireValue<'a>, what: &str) -> Result<&'a [u8]> {
    match v {
        WireValue::Len(b) => Ok(b),
        _ => Err(PoolError(format!("{what} has the wrong wire type"))),
    }
}

/// Syntax of a file: proto3 fields have implicit presence.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Syntax {
    Proto2,
    Proto3,
    Editions,
}

impl Pool {
    /// Reads a serialized `FileDescriptorSet`.
    pub fn decode(bytes: &[u8]) -> Result<Pool> {
        let mut pool = Pool::default();
        let mut files = 0;
        for (number, value) in fields(bytes, "the FileDescriptorSet")? {
            // FileDescriptorSet.file = 1
            if number == 1 {
                pool.add_file(len(&value, "a file")?)?;
                files += 1;
            }
        }
        if files == 0 {
            return Err(bad("it holds no file"));
        }
        pool.check_references()?;
        pool.mark_maps();
        Ok(pool)
    }

    fn add_file(&mut self, bytes: &[u8]) -> Result<()> {
        let file = fields(bytes, "a FileDescriptorProto")?;
        let mut package = String::new();
        let mut syntax = Syntax::Proto2;
        for (number, value) in &file {
            match number {
                2 => package = text(value, "a package name")?,
                12 => {
                    syntax = match text(value, "a syntax")?.as_str() {
                        "proto3" => Syntax::Proto3,
                        "editions" => Syntax::Editions,
                        _ => Syntax::Proto2,
                    }
                }
                _ => {}
            }
        }
        for (number, value) in &file {
            match number {
                4 => self.add_message(&package, len(value, "a message")?, syntax, 0)?,
                5 => self.add_enum(&package, len(value, "an enum")?)?,
                6 => self.add_service(&package, len(value, "a service")?)?,
                _ => {}
            }
        }
        Ok(())
    }

    fn add_message(&mut self, scope: &str, bytes: &[u8], syntax: Syntax, depth: u32) -> Result<()> {
        // Nested declarations recurse: a crafted set must not exhaust the stack.
        if depth > MAX_NESTING {
            return Err(PoolError(format!(
                "messages are declared more than {MAX_NESTING} levels deep"
            )));
        }
        let message = fields(bytes, "a DescriptorProto")?;
        let mut name = String::new();
        for (number, value) in &message {
            if *number == 1 {
                name = text(value, "a message name")?;
            }
        }
        let full_name = join(scope, &name);
        let mut desc = MessageDesc {
            full_name: full_name.clone(),
            ..MessageDesc::default()
        };

        for (number, value) in &message {
            match number {
                2 => desc
                    .fields
                    .push(field_desc(len(value, "a field")?, syntax, &full_name)?),
                3 => self.add_message(
                    &full_name,
                    len(value, "a nested message")?,
                    syntax,
                    depth + 1,
                )?,
                4 => self.add_enum(&full_name, len(value, "a nested enum")?)?,
                7 => {
                    // MessageOptions.map_entry = 7
                    for (n, v) in fields(len(value, "message options")?, "message options")? {
                        if n == 7 {
                            desc.map_entry = varint(&v, "map_entry")? != 0;
                        }
                    }
                }
                _ => {}
            }
        }
        desc.fields.sort_by_key(|f| f.number);
        self.messages.insert(full_name, desc);
        Ok(())
    }

    /// Marks the fields that are maps (repeated `map_entry` messages).
    fn mark_maps(&mut self) {
        let entries: std::collections::HashSet<String> = self
            .messages
            .values()
            .filter(|m| m.map_entry)
            .map(|m| m.full_name.clone())
            .collect();
        for m in self.messages.values_mut() {
            for f in &mut m.fields {
                f.map = f.repeated && f.kind == Kind::Message && entries.contains(&f.type_name);
            }
        }
    }

    fn add_enum(&mut self, scope: &str, bytes: &[u8]) -> Result<()> {
        let mut name = String::new();
        let mut desc = EnumDesc::default();
        for (number, value) in fields(bytes, "an EnumDescriptorProto")? {
            match number {
                1 => name = text(&value, "an enum name")?,
                2 => {
                    let (mut value_name, mut value_number) = (String::new(), 0i32);
                    for (n, v) in fields(len(&value, "an enum value")?, "an enum value")? {
                        match n {
                            1 => value_name = text(&v, "an enum value name")?,
                            2 => value_number = varint(&v, "an enum value number")? as i32,
                            _ => {}
                        }
                    }
                    desc.values.entry(value_number).or_insert(value_name);
                }
                _ => {}
            }
        }
        self.enums.insert(join(scope, &name), desc);
        Ok(())
    }

    fn add_service(&mut self, scope: &str, bytes: &[u8]) -> Result<()> {
        let mut name = String::new();
        let mut methods = Vec::new();
        for (number, value) in fields(bytes, "a ServiceDescriptorProto")? {
            match number {
                1 => name = text(&value, "a service name")?,
                2 => {
                    let mut m = MethodDesc {
                        name: String::new(),
                        input_type: String::new(),
                        output_type: String::new(),
                        client_streaming: false,
                        server_streaming: false,
                    };
                    for (n, v) in fields(len(&value, "a method")?, "a method")? {
                        match n {
                            1 => m.name = text(&v, "a method name")?,
                            2 => m.input_type = absolute(&text(&v, "an input type")?),
                            3 => m.output_type = absolute(&text(&v, "an output type")?),
                            5 => m.client_streaming = varint(&v, "client_streaming")? != 0,
                            6 => m.server_streaming = varint(&v, "server_streaming")? != 0,
                            _ => {}
                        }
                    }
                    methods.push(m);
                }
                _ => {}
            }
        }
        self.services.insert(join(scope, &name), methods);
        Ok(())
    }

    /// Every message and enum a field or method names must be in the set
    /// (as protoc's `--include_imports` makes sure), except the well-known
    /// types, whose JSON forms are built in.
    fn check_references(&self) -> Result<()> {
        let known = |name: &str, message: bool| {
            super::wkt::is_well_known(name)
                || if message {
                    self.messages.contains_key(name)
                } else {
                    self.enums.contains_key(name)
                }
        };
        for m in self.messages.values() {
            for f in &m.fields {
                let message = matches!(f.kind, Kind::Message | Kind::Group);
                if (message || f.kind == Kind::Enum) && !known(&f.type_name, message) {
                    return Err(PoolError(format!(
                        "{}.{} refers to {}, which is not in the set (build it with protoc --include_imports)",
                        m.full_name, f.name, f.type_name
                    )));
                }
            }
        }
        for (service, methods) in &self.services {
            for m in methods {
                for t in [&m.input_type, &m.output_type] {
                    if !known(t, true) {
                        return Err(PoolError(format!(
                            "{service}.{} refers to {t}, which is not in the set (build it with protoc --include_imports)",
                            m.name
                        )));
                    }
                }
            }
        }
        Ok(())
    }
}

fn field_desc(bytes: &[u8], syntax: Syntax, message: &str) -> Result<FieldDesc> {
    let mut f = FieldDesc {
        name: String::new(),
        json_name: String::new(),
        number: 0,
        repeated: false,
        kind: Kind::Int32,
        type_name: String::new(),
        oneof: None,
        map: false,
        explicit_presence: false,
    };
    let mut kind = None;
    for (number, value) in fields(bytes, "a FieldDescriptorProto")? {
        match number {
            1 => f.name = text(&value, "a field name")?,
            3 => {
                f.number = u32::try_from(varint(&value, "a field number")?)
                    .ok()
                    .filter(|n| (1..1 << 29).contains(n))
                    .ok_or_else(|| bad("a field number is out of range"))?;
            }
            4 => f.repeated = varint(&value, "a field label")? == 3,
            5 => kind = Kind::from_code(varint(&value, "a field type")?),
            6 => f.type_name = absolute(&text(&value, "a field type name")?),
            9 => f.oneof = Some(varint(&value, "a oneof index")? as u32),
            10 => f.json_name = text(&value, "a json name")?,
            _ => {}
        }
    }
    f.kind = kind.ok_or_else(|| PoolError(format!("{message}.{} has no known type", f.name)))?;
    if f.json_name.is_empty() {
        f.json_name = lower_camel(&f.name);
    }
    // proto3 `optional` fields are in a (synthetic) oneof, so they count.
    f.explicit_presence = !f.repeated
        && (syntax != Syntax::Proto3
            || f.oneof.is_some()
            || matches!(f.kind, Kind::Message | Kind::Group));
    Ok(f)
}

/// `foo_bar_baz` → `fooBarBaz` (protoc's default `json_name`).
pub fn lower_camel(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            // ASCII only, as protoc's ToJsonName.
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

fn join(scope: &str, name: &str) -> String {
    if scope.is_empty() {
        name.to_string()
    } else {
        format!("{scope}.{name}")
    }
}

/// Type names in a protoset are fully qualified (`.package.Type`).
fn absolute(name: &str) -> String {
    name.strip_prefix('.').unwrap_or(name).to_string()
}
