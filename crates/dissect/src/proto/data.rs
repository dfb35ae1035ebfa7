//! `data`: bytes no dissector claimed.

use crate::field::{FieldDef, FieldRef, FieldType};
use crate::packet::{Span, Src, Value};
use crate::tvb::{Tvb, R};
use crate::Cx;

/// `data`.
pub static PROTO: FieldDef = FieldDef::proto("data", "Data");
/// `data.data`.
pub static DATA: FieldDef = FieldDef::new("data.data", "Data", FieldType::Bytes);
/// `data.len`.
pub static LEN: FieldDef = FieldDef::new("data.len", "Length", FieldType::I32);

/// Fields of this module.
pub static FIELDS: &[FieldRef] = &[&PROTO, &DATA, &LEN];

/// Shows the rest of `tvb` as data; nothing is shown for an empty buffer.
pub fn dissect(cx: &mut Cx<'_>, tvb: Tvb<'_>) -> R<()> {
    let len = tvb.reported_len();
    if len == 0 {
        return Ok(());
    }
    cx.pkt.layer("data");
    let n = cx.pkt.open(&PROTO, &tvb, 0, len, Value::None);
    cx.pkt.set_label(n, format_args!("Data ({len} bytes)"));
    let sp = Span {
        src: Src::Data(tvb.ds()),
        start: tvb.base(),
        len: tvb.len() as u32,
    };
    let d = cx.pkt.add(&DATA, &tvb, 0, len, Value::Bytes(sp));
    let _ = d;
    let l = cx.pkt.add(&LEN, &tvb, 0, 0, Value::Int(len as i64));
    cx.pkt.set_generated(l);
    cx.pkt.close();
    // Like tshark's data dissector, show what was captured and never fault.
    Ok(())
}
