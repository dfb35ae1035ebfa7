//! The field registry: every field a dissector can add to a tree, with
//! Wireshark's abbreviation (`ip.src`), display name, type and display base.
//!
//! Fields are `static FieldDef`s declared next to the dissector that fills
//! them; a field's identity is its address (`FieldRef`), so a filter or a
//! printer compares pointers, never strings, on the hot path. The registry
//! ([`registry`]) collects every protocol's list once and answers name
//! look-ups.

use std::collections::HashMap;
use std::sync::OnceLock;

/// The type of a field's value, as Wireshark's `ftenum`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FieldType {
    /// A protocol (`ip`, `tcp`): present or not, no value.
    Protocol,
    /// A label with no value (`FT_NONE`), e.g. `tcp.analysis.flags`.
    None,
    /// A boolean (`FT_BOOLEAN`), usually a bit of a larger field.
    Bool,
    /// Unsigned integer of 1 byte.
    U8,
    /// Unsigned integer of 2 bytes.
    U16,
    /// Unsigned integer of 3 bytes.
    U24,
    /// Unsigned integer of 4 bytes.
    U32,
    /// Unsigned integer of 8 bytes.
    U64,
    /// Signed integer of 1 byte.
    I8,
    /// Signed integer of 2 bytes.
    I16,
    /// Signed integer of 4 bytes.
    I32,
    /// Signed integer of 8 bytes.
    I64,
    /// A frame number (`FT_FRAMENUM`), e.g. `dns.response_in`.
    FrameNum,
    /// A single-precision float.
    Float,
    /// A double-precision float.
    Double,
    /// An absolute time (`FT_ABSOLUTE_TIME`).
    AbsTime,
    /// A relative time in seconds (`FT_RELATIVE_TIME`).
    RelTime,
    /// A 6-byte Ethernet address.
    Ether,
    /// An IPv4 address.
    Ipv4,
    /// An IPv6 address.
    Ipv6,
    /// A byte string (`FT_BYTES`).
    Bytes,
    /// A character string (`FT_STRING`, `FT_STRINGZ`).
    String,
}

impl FieldType {
    /// Whether the type is an integer (signed or not, frame numbers included).
    pub fn is_integer(self) -> bool {
        matches!(
            self,
            FieldType::U8
                | FieldType::U16
                | FieldType::U24
                | FieldType::U32
                | FieldType::U64
                | FieldType::I8
                | FieldType::I16
                | FieldType::I32
                | FieldType::I64
                | FieldType::FrameNum
        )
    }

    /// Width in bytes of an integer type, used for hexadecimal padding.
    pub fn int_width(self) -> usize {
        match self {
            FieldType::U8 | FieldType::I8 => 1,
            FieldType::U16 | FieldType::I16 => 2,
            FieldType::U24 => 3,
            FieldType::U32 | FieldType::I32 | FieldType::FrameNum => 4,
            _ => 8,
        }
    }

    /// Wireshark's name for the type (`FT_UINT16`), as dftest prints it.
    pub fn wireshark_name(self) -> &'static str {
        match self {
            FieldType::Protocol => "FT_PROTOCOL",
            FieldType::None => "FT_NONE",
            FieldType::Bool => "FT_BOOLEAN",
            FieldType::U8 => "FT_UINT8",
            FieldType::U16 => "FT_UINT16",
            FieldType::U24 => "FT_UINT24",
            FieldType::U32 => "FT_UINT32",
            FieldType::U64 => "FT_UINT64",
            FieldType::I8 => "FT_INT8",
            FieldType::I16 => "FT_INT16",
            FieldType::I32 => "FT_INT32",
            FieldType::I64 => "FT_INT64",
            FieldType::FrameNum => "FT_FRAMENUM",
            FieldType::Float => "FT_FLOAT",
            FieldType::Double => "FT_DOUBLE",
            FieldType::AbsTime => "FT_ABSOLUTE_TIME",
            FieldType::RelTime => "FT_RELATIVE_TIME",
            FieldType::Ether => "FT_ETHER",
            FieldType::Ipv4 => "FT_IPv4",
            FieldType::Ipv6 => "FT_IPv6",
            FieldType::Bytes => "FT_BYTES",
            FieldType::String => "FT_STRING",
        }
    }
}

/// How an integer is displayed (Wireshark's `field_display_e`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Base {
    /// Decimal.
    Dec,
    /// Hexadecimal, zero-padded to the type's width (`0x0800`).
    Hex,
    /// Decimal then hexadecimal in parentheses: `6 (0x06)`.
    DecHex,
    /// Hexadecimal then decimal in parentheses: `0x06 (6)`.
    HexDec,
    /// Octal.
    Oct,
    /// Not an integer, or no particular base.
    None,
}

/// Names for the values of an integer field (Wireshark's `value_string`).
pub type ValueStrings = &'static [(u64, &'static str)];

/// One field of the registry.
#[derive(Debug)]
pub struct FieldDef {
    /// Filter name, e.g. `ip.src`.
    pub abbrev: &'static str,
    /// Display name, e.g. `Source Address`.
    pub name: &'static str,
    /// Value type.
    pub ftype: FieldType,
    /// Display base for integers.
    pub base: Base,
    /// Names for integer values, if any.
    pub strings: Option<ValueStrings>,
    /// Names for a boolean's true and false values (`Set`/`Not set`).
    pub tfs: Option<(&'static str, &'static str)>,
    /// Bit mask within the containing integer (0: the whole field).
    pub bitmask: u64,
    /// Width in bits of the integer that holds a masked field (8, 16, 32…).
    pub bitwidth: u8,
}

/// A field's identity: a reference to its registry entry.
pub type FieldRef = &'static FieldDef;

impl FieldDef {
    /// A field with the given abbreviation, name and type, decimal base.
    pub const fn new(abbrev: &'static str, name: &'static str, ftype: FieldType) -> Self {
        FieldDef {
            abbrev,
            name,
            ftype,
            base: Base::Dec,
            strings: None,
            tfs: None,
            bitmask: 0,
            bitwidth: 0,
        }
    }

    /// A protocol entry (`ip`) with its long name.
    pub const fn proto(abbrev: &'static str, name: &'static str) -> Self {
        FieldDef::new(abbrev, name, FieldType::Protocol).with_base(Base::None)
    }

    /// The same field with another display base.
    pub const fn with_base(mut self, base: Base) -> Self {
        self.base = base;
        self
    }

    /// The same field with value names.
    pub const fn with_strings(mut self, strings: ValueStrings) -> Self {
        self.strings = Some(strings);
        self
    }

    /// The same field with true/false names.
    pub const fn with_tfs(mut self, t: &'static str, f: &'static str) -> Self {
        self.tfs = Some((t, f));
        self
    }

    /// The same field as the bits `mask` of a `width`-bit integer.
    pub const fn with_mask(mut self, mask: u64, width: u8) -> Self {
        self.bitmask = mask;
        self.bitwidth = width;
        self
    }

    /// The name for an integer value, if the field has value names for it.
    pub fn value_name(&self, v: u64) -> Option<&'static str> {
        self.strings
            .and_then(|s| s.iter().find(|(k, _)| *k == v).map(|(_, n)| *n))
    }

    /// The field's identity, for pointer comparison.
    pub fn id(&'static self) -> FieldRef {
        self
    }

    /// Whether two field references name the same field.
    pub fn same(a: FieldRef, b: FieldRef) -> bool {
        std::ptr::eq(a, b)
    }
}

/// Name for a value in a value-string table.
pub fn val_to_str(strings: ValueStrings, v: u64) -> Option<&'static str> {
    strings.iter().find(|(k, _)| *k == v).map(|(_, n)| *n)
}

/// The registry of every field of every dissector.
pub struct Registry {
    by_name: HashMap<&'static str, FieldRef>,
    all: Vec<FieldRef>,
}

impl Registry {
    /// Looks up a field or protocol by its filter name.
    pub fn get(&self, abbrev: &str) -> Option<FieldRef> {
        self.by_name.get(abbrev).copied()
    }

    /// Every registered field, protocols included, in registration order.
    pub fn all(&self) -> &[FieldRef] {
        &self.all
    }
}

/// The registry, built on first use from every protocol's field list.
pub fn registry() -> &'static Registry {
    static REG: OnceLock<Registry> = OnceLock::new();
    REG.get_or_init(|| {
        let mut by_name = HashMap::new();
        let mut all = Vec::new();
        for list in crate::proto::ALL_FIELDS {
            for f in list.iter() {
                // The first registration of a name wins, as in Wireshark
                // where a duplicate abbreviation names the same value.
                by_name.entry(f.abbrev).or_insert(*f);
                all.push(*f);
            }
        }
        Registry { by_name, all }
    })
}
