//! Wireshark's own pseudo-fields: expert items and malformed-packet markers.

use crate::field::{Base, FieldDef, FieldRef, FieldType};

/// `_ws.expert`: an expert item.
pub static EXPERT: FieldDef = FieldDef::new("_ws.expert", "Expert Info", FieldType::None);
/// `_ws.expert.message`.
pub static EXPERT_MESSAGE: FieldDef =
    FieldDef::new("_ws.expert.message", "Message", FieldType::String);
/// `_ws.expert.severity`.
pub static EXPERT_SEVERITY: FieldDef =
    FieldDef::new("_ws.expert.severity", "Severity level", FieldType::U32).with_base(Base::Hex);
/// `_ws.expert.group`.
pub static EXPERT_GROUP: FieldDef =
    FieldDef::new("_ws.expert.group", "Group", FieldType::U32).with_base(Base::Hex);
/// `_ws.malformed`: the packet is malformed.
pub static MALFORMED: FieldDef = FieldDef::proto("_ws.malformed", "Malformed Packet");
/// `_ws.short`: the packet was cut short by the capture's snapshot length.
pub static SHORT: FieldDef = FieldDef::proto("_ws.short", "Packet size limited during capture");

/// Fields of this module.
pub static FIELDS: &[FieldRef] = &[
    &EXPERT,
    &EXPERT_MESSAGE,
    &EXPERT_SEVERITY,
    &EXPERT_GROUP,
    &MALFORMED,
    &SHORT,
];
