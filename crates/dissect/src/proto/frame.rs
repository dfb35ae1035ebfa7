//! The `frame` pseudo-protocol: what the capture file says about a frame.

use crate::field::{FieldDef, FieldRef, FieldType};
use crate::packet::{Packet, Value};
use crate::tvb::Tvb;

/// `frame`.
pub static PROTO: FieldDef = FieldDef::proto("frame", "Frame");
/// `frame.interface_id`.
pub static INTERFACE_ID: FieldDef =
    FieldDef::new("frame.interface_id", "Interface id", FieldType::U32);
/// `frame.encap_type`.
pub static ENCAP_TYPE: FieldDef =
    FieldDef::new("frame.encap_type", "Encapsulation type", FieldType::I16);
/// `frame.time`.
pub static TIME: FieldDef = FieldDef::new("frame.time", "Arrival Time", FieldType::AbsTime);
/// `frame.time_epoch`.
pub static TIME_EPOCH: FieldDef =
    FieldDef::new("frame.time_epoch", "Epoch Time", FieldType::AbsTime);
/// `frame.time_delta`.
pub static TIME_DELTA: FieldDef = FieldDef::new(
    "frame.time_delta",
    "Time delta from previous captured frame",
    FieldType::RelTime,
);
/// `frame.time_delta_displayed`.
pub static TIME_DELTA_DISPLAYED: FieldDef = FieldDef::new(
    "frame.time_delta_displayed",
    "Time delta from previous displayed frame",
    FieldType::RelTime,
);
/// `frame.time_relative`.
pub static TIME_RELATIVE: FieldDef = FieldDef::new(
    "frame.time_relative",
    "Time since reference or first frame",
    FieldType::RelTime,
);
/// `frame.number`.
pub static NUMBER: FieldDef = FieldDef::new("frame.number", "Frame Number", FieldType::U32);
/// `frame.len`.
pub static LEN: FieldDef = FieldDef::new("frame.len", "Frame Length", FieldType::U32);
/// `frame.cap_len`.
pub static CAP_LEN: FieldDef = FieldDef::new("frame.cap_len", "Capture Length", FieldType::U32);
/// `frame.marked`.
pub static MARKED: FieldDef = FieldDef::new("frame.marked", "Frame is marked", FieldType::Bool);
/// `frame.ignored`.
pub static IGNORED: FieldDef = FieldDef::new("frame.ignored", "Frame is ignored", FieldType::Bool);
/// `frame.protocols`.
pub static PROTOCOLS: FieldDef =
    FieldDef::new("frame.protocols", "Protocols in frame", FieldType::String);
/// `frame.comment`.
pub static COMMENT: FieldDef = FieldDef::new("frame.comment", "Comment", FieldType::String);

/// Fields of this module.
pub static FIELDS: &[FieldRef] = &[
    &PROTO,
    &INTERFACE_ID,
    &ENCAP_TYPE,
    &TIME,
    &TIME_EPOCH,
    &TIME_DELTA,
    &TIME_DELTA_DISPLAYED,
    &TIME_RELATIVE,
    &NUMBER,
    &LEN,
    &CAP_LEN,
    &MARKED,
    &IGNORED,
    &PROTOCOLS,
    &COMMENT,
];

/// Time values of a frame relative to the first and the previous frame.
#[derive(Clone, Copy, Debug, Default)]
pub struct Times {
    /// Since the first frame.
    pub relative: (i64, u32),
    /// Since the previous frame.
    pub delta: (i64, u32),
}

/// Subtracts two (secs, nanos) times.
pub fn sub_time(a: (i64, u32), b: (i64, u32)) -> (i64, u32) {
    let mut s = a.0 - b.0;
    let mut n = a.1 as i64 - b.1 as i64;
    if n < 0 {
        n += 1_000_000_000;
        s -= 1;
    }
    (s, n as u32)
}

/// Adds the `frame` subtree; returns the index of the `frame.protocols` node,
/// whose value is filled in when dissection ends.
pub fn dissect(pkt: &mut Packet, tvb: &Tvb<'_>, times: Times) -> u32 {
    let m = pkt.meta;
    let root = pkt.open(&PROTO, tvb, 0, tvb.len(), Value::None);
    pkt.set_label(
        root,
        format_args!(
            "Frame {}: {} bytes on wire ({} bits), {} bytes captured ({} bits)",
            m.number,
            m.orig_len,
            m.orig_len as u64 * 8,
            m.cap_len,
            m.cap_len as u64 * 8
        ),
    );
    pkt.add(&INTERFACE_ID, tvb, 0, 0, Value::UInt(m.interface_id as u64));
    pkt.add(
        &ENCAP_TYPE,
        tvb,
        0,
        0,
        Value::Int(encap_of(m.linktype) as i64),
    );
    if m.no_ts {
        return frame_tail(pkt, tvb);
    }
    pkt.add(
        &TIME,
        tvb,
        0,
        0,
        Value::Time {
            secs: m.ts_secs,
            nanos: m.ts_nanos,
        },
    );
    pkt.add(
        &TIME_EPOCH,
        tvb,
        0,
        0,
        Value::Time {
            secs: m.ts_secs,
            nanos: m.ts_nanos,
        },
    );
    let d = Value::Time {
        secs: times.delta.0,
        nanos: times.delta.1,
    };
    pkt.add(&TIME_DELTA, tvb, 0, 0, d);
    pkt.add(&TIME_DELTA_DISPLAYED, tvb, 0, 0, d);
    pkt.add(
        &TIME_RELATIVE,
        tvb,
        0,
        0,
        Value::Time {
            secs: times.relative.0,
            nanos: times.relative.1,
        },
    );
    frame_tail(pkt, tvb)
}

/// The items after the times: number, lengths, flags, protocols (whose
/// value is filled in at the end); returns the `frame.protocols` node.
fn frame_tail(pkt: &mut Packet, tvb: &Tvb<'_>) -> u32 {
    let m = pkt.meta;
    pkt.add(&NUMBER, tvb, 0, 0, Value::UInt(m.number));
    pkt.add(&LEN, tvb, 0, 0, Value::UInt(m.orig_len as u64));
    pkt.add(&CAP_LEN, tvb, 0, 0, Value::UInt(m.cap_len as u64));
    pkt.add(&MARKED, tvb, 0, 0, Value::Bool(false));
    pkt.add(&IGNORED, tvb, 0, 0, Value::Bool(false));
    let protos = pkt.add(&PROTOCOLS, tvb, 0, 0, Value::None);
    pkt.close();
    protos
}

/// Wireshark's WTAP_ENCAP number for a LINKTYPE.
pub fn encap_of(linktype: u32) -> i32 {
    match linktype {
        1 => 1,   // Ethernet
        0 => 15,  // NULL
        101 => 7, // RAW IP
        12 | 14 => 7,
        113 => 25, // Linux SLL
        276 => 210,
        228 => 129,
        229 => 130,
        108 => 15,
        _ => -1,
    }
}

/// `pcapng`: a pcapng block shown as a frame (Custom Blocks).
pub static PCAPNG: FieldDef = FieldDef::proto("pcapng", "PCAPNG");
/// `pcapng.cb.pen`.
pub static CB_PEN: FieldDef = FieldDef::new(
    "pcapng.cb.pen",
    "Private Enterprise Number (PEN)",
    FieldType::U32,
);

/// Fields for pcapng blocks.
pub static PCAPNG_FIELDS: &[FieldRef] = &[&PCAPNG, &CB_PEN];

/// A pcapng Custom Block, listed as tshark lists it.
pub fn custom_block(cx: &mut crate::Cx<'_>, pen: u32, copy: bool) {
    let name = match pen {
        32473 => "Example Enterprise Number for Documentation Use",
        36724 => "Kaplan Research and Application Prototyping",
        _ => "Unknown",
    };
    cx.pkt.layer("pcapng");
    cx.pkt.cols.set_protocol("PCAPNG");
    cx.pkt.cols.set_info(format_args!(
        "Custom Block: PEN = {name} ({pen}), {}",
        if copy {
            "will be copied"
        } else {
            "will not be copied"
        }
    ));
    let n = cx.pkt.add_at(&PCAPNG, 0, 0, 0, Value::None);
    cx.pkt.set_label(n, format_args!("PCAPNG Custom Block"));
    cx.pkt.reopen(n);
    cx.pkt.add_at(&CB_PEN, 0, 0, 0, Value::UInt(pen as u64));
    cx.pkt.close();
}
