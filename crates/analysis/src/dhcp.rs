//! `-z dhcp,stat[,FILTER]`: DHCP messages counted by message type (option
//! 53), every type listed in tshark 4.0's order.

use std::io::{self, Write};

use wirelab_dissect::{FieldRef, Packet, Value};
use wirelab_filter::Filter;

use crate::{util, Error, Tap, Want};

const TYPES: [&str; 18] = [
    "Discover",
    "Offer",
    "Request",
    "Decline",
    "ACK",
    "NAK",
    "Release",
    "Inform",
    "Force Renew",
    "Lease query",
    "Lease Unassigned",
    "Lease Unknown",
    "Lease Active",
    "Bulk Lease Query",
    "Lease Query Done",
    "Active LeaseQuery",
    "Lease Query Status",
    "TLS",
];

/// The DHCP message-type tap.
pub(crate) struct DhcpStat {
    msg_type: FieldRef,
    filter: Option<Filter>,
    filter_text: String,
    counts: [u64; 18],
}

impl DhcpStat {
    pub(crate) fn new(spec: &str) -> Result<Self, Error> {
        let rest = spec
            .strip_prefix("dhcp,stat")
            .ok_or_else(|| Error::bad_spec(spec, "expected dhcp,stat[,FILTER]"))?;
        let filter_text = match rest.strip_prefix(',') {
            Some(f) => f,
            None if rest.is_empty() => "",
            None => return Err(Error::bad_spec(spec, "expected dhcp,stat[,FILTER]")),
        };
        let filter = if filter_text.is_empty() {
            None
        } else {
            Some(util::filter(spec, filter_text)?)
        };
        Ok(DhcpStat {
            msg_type: util::field(spec, "dhcp.option.dhcp")?,
            filter,
            filter_text: filter_text.to_string(),
            counts: [0; 18],
        })
    }
}

impl Tap for DhcpStat {
    fn want(&self) -> Want {
        let mut f = vec![self.msg_type];
        if let Some(flt) = &self.filter {
            f.extend_from_slice(flt.fields());
        }
        Want::Fields(f)
    }

    fn packet(&mut self, pkt: &Packet, data: &[u8]) {
        if !util::accepts(&self.filter, pkt, data) {
            return;
        }
        // One count per DHCP message: the first message-type option.
        if let Some(Value::UInt(t)) = pkt.find(self.msg_type).next().map(|n| n.value) {
            if let Some(c) = (t as usize)
                .checked_sub(1)
                .and_then(|i| self.counts.get_mut(i))
            {
                *c += 1;
            }
        }
    }

    fn finish(&mut self, out: &mut dyn Write) -> io::Result<()> {
        let sep = "=".repeat(101);
        writeln!(out, "\n{sep}\nDHCP (BOOTP) Statistics:")?;
        writeln!(out, "Filter for statistics: {}", self.filter_text)?;
        writeln!(out, "DHCP Message Type |Packets |\nDHCP Statistics")?;
        for (name, n) in TYPES.iter().zip(self.counts) {
            writeln!(out, "{name:<25} |{n} |")?;
        }
        writeln!(out, "{sep}")
    }
}
