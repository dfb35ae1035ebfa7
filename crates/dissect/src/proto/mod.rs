//! The dissectors, one module per protocol, and the tables that join them.
//!
//! Each module declares its fields as `static FieldDef`s, lists them in
//! `FIELDS`, and exposes `dissect(cx, tvb) -> R<()>`. A dissector reads its
//! bytes only through [`Tvb`](crate::tvb::Tvb), adds its subtree to
//! `cx.pkt`, sets the columns, and hands its payload to the next one.

pub mod data;
pub mod dhcp;
pub mod dns;
pub mod frame;
pub mod http;
pub mod nbns;
pub mod tls;
pub mod ws;

use crate::field::FieldRef;

/// Every module's field list; the registry is built from it.
pub static ALL_FIELDS: &[&[FieldRef]] = &[frame::FIELDS, ws::FIELDS, data::FIELDS, dns::FIELDS, dhcp::FIELDS, http::FIELDS, tls::FIELDS, nbns::FIELDS];

use crate::tvb::{Tvb, R};
use crate::Cx;

/// Dissects a frame's bytes by its link-layer type (LINKTYPE_* numbers).
pub fn dissect_link(cx: &mut Cx<'_>, linktype: u32, tvb: Tvb<'_>) -> R<()> {
    match linktype {
        _ => {
            cx.pkt.cols.set_protocol("DATA");
            data::dissect(cx, tvb)
        }
    }
}
