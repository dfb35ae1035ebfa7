//! TCP sequence analysis with tshark's rules and precedence
//! (Wireshark 4.0 `tcp_analyze_sequence_number`): retransmissions (plain,
//! fast, spurious), out-of-order, previous segment not captured, ACKed
//! unseen segment, duplicate ACKs, keep-alives, window updates, window full,
//! zero windows and zero-window probes.
//!
//! All comparisons are on raw 32-bit sequence numbers with wrap-around.

use crate::field::{FieldDef, FieldRef, FieldType};
use crate::packet::{Group, Severity, Value};
use crate::proto::frame::sub_time;
use crate::state::TcpStream;
use crate::tvb::Tvb;
use crate::Cx;

/// Flag: retransmission.
pub const RETRANSMISSION: u32 = 0x0001;
/// Flag: previous segment not captured.
pub const LOST_PACKET: u32 = 0x0002;
/// Flag: ACKed unseen segment.
pub const ACK_LOST_PACKET: u32 = 0x0004;
/// Flag: keep-alive.
pub const KEEP_ALIVE: u32 = 0x0008;
/// Flag: duplicate ACK.
pub const DUPLICATE_ACK: u32 = 0x0010;
/// Flag: zero window.
pub const ZERO_WINDOW: u32 = 0x0020;
/// Flag: zero-window probe.
pub const ZERO_WINDOW_PROBE: u32 = 0x0040;
/// Flag: ACK of a zero-window probe.
pub const ZERO_WINDOW_PROBE_ACK: u32 = 0x0080;
/// Flag: ACK of a keep-alive.
pub const KEEP_ALIVE_ACK: u32 = 0x0100;
/// Flag: out-of-order.
pub const OUT_OF_ORDER: u32 = 0x0200;
/// Flag: fast retransmission.
pub const FAST_RETRANSMISSION: u32 = 0x0400;
/// Flag: window update.
pub const WINDOW_UPDATE: u32 = 0x0800;
/// Flag: window full.
pub const WINDOW_FULL: u32 = 0x1000;
/// Flag: port numbers reused.
pub const REUSED_PORTS: u32 = 0x2000;
/// Flag: spurious retransmission.
pub const SPURIOUS_RETRANSMISSION: u32 = 0x4000;

/// `tcp.analysis`.
pub static ANALYSIS: FieldDef = FieldDef::new("tcp.analysis", "SEQ/ACK analysis", FieldType::None);
/// `tcp.analysis.flags`.
pub static FLAGS: FieldDef =
    FieldDef::new("tcp.analysis.flags", "TCP Analysis Flags", FieldType::None);
macro_rules! none {
    ($id:ident, $abbrev:literal, $name:literal) => {
        #[doc = concat!("`", $abbrev, "`.")]
        pub static $id: FieldDef = FieldDef::new($abbrev, $name, FieldType::None);
    };
}
none!(
    F_RETRANSMISSION,
    "tcp.analysis.retransmission",
    "Retransmission"
);
none!(
    F_FAST_RETRANSMISSION,
    "tcp.analysis.fast_retransmission",
    "Fast Retransmission"
);
none!(
    F_SPURIOUS,
    "tcp.analysis.spurious_retransmission",
    "Spurious Retransmission"
);
none!(F_OUT_OF_ORDER, "tcp.analysis.out_of_order", "Out Of Order");
none!(
    F_LOST_SEGMENT,
    "tcp.analysis.lost_segment",
    "Previous segment(s) not captured"
);
none!(
    F_ACK_LOST_SEGMENT,
    "tcp.analysis.ack_lost_segment",
    "ACKed segment that wasn't captured"
);
none!(
    F_DUPLICATE_ACK,
    "tcp.analysis.duplicate_ack",
    "Duplicate ACK"
);
none!(
    F_KEEP_ALIVE,
    "tcp.analysis.keep_alive",
    "TCP keep-alive segment"
);
none!(
    F_KEEP_ALIVE_ACK,
    "tcp.analysis.keep_alive_ack",
    "ACK to a TCP keep-alive segment"
);
none!(
    F_WINDOW_UPDATE,
    "tcp.analysis.window_update",
    "TCP window update"
);
none!(F_WINDOW_FULL, "tcp.analysis.window_full", "TCP window full");
none!(
    F_ZERO_WINDOW,
    "tcp.analysis.zero_window",
    "TCP Zero Window segment"
);
none!(
    F_ZERO_WINDOW_PROBE,
    "tcp.analysis.zero_window_probe",
    "TCP Zero Window Probe"
);
none!(
    F_ZERO_WINDOW_PROBE_ACK,
    "tcp.analysis.zero_window_probe_ack",
    "ACK to a TCP Zero Window Probe"
);
none!(
    F_REUSED_PORTS,
    "tcp.analysis.reused_ports",
    "TCP Port numbers reused"
);
/// `tcp.analysis.duplicate_ack_num`.
pub static DUP_ACK_NUM: FieldDef = FieldDef::new(
    "tcp.analysis.duplicate_ack_num",
    "Duplicate ACK #",
    FieldType::U32,
);
/// `tcp.analysis.duplicate_ack_frame`.
pub static DUP_ACK_FRAME: FieldDef = FieldDef::new(
    "tcp.analysis.duplicate_ack_frame",
    "Duplicate to the ACK in frame",
    FieldType::FrameNum,
);
/// `tcp.analysis.initial_rtt`.
pub static INITIAL_RTT: FieldDef =
    FieldDef::new("tcp.analysis.initial_rtt", "iRTT", FieldType::RelTime);
/// `tcp.analysis.bytes_in_flight`.
pub static BYTES_IN_FLIGHT: FieldDef = FieldDef::new(
    "tcp.analysis.bytes_in_flight",
    "Bytes in flight",
    FieldType::U32,
);

/// Fields of this module.
pub static FIELDS: &[FieldRef] = &[
    &ANALYSIS,
    &FLAGS,
    &F_RETRANSMISSION,
    &F_FAST_RETRANSMISSION,
    &F_SPURIOUS,
    &F_OUT_OF_ORDER,
    &F_LOST_SEGMENT,
    &F_ACK_LOST_SEGMENT,
    &F_DUPLICATE_ACK,
    &F_KEEP_ALIVE,
    &F_KEEP_ALIVE_ACK,
    &F_WINDOW_UPDATE,
    &F_WINDOW_FULL,
    &F_ZERO_WINDOW,
    &F_ZERO_WINDOW_PROBE,
    &F_ZERO_WINDOW_PROBE_ACK,
    &F_REUSED_PORTS,
    &DUP_ACK_NUM,
    &DUP_ACK_FRAME,
    &INITIAL_RTT,
    &BYTES_IN_FLIGHT,
];

fn gt(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) > 0
}
fn lt(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) < 0
}
fn le(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) <= 0
}

fn nanos(t: (i64, u32)) -> i128 {
    t.0 as i128 * 1_000_000_000 + t.1 as i128
}

const SYN: u16 = 0x002;
const FIN: u16 = 0x001;
const RST: u16 = 0x004;
const ACK: u16 = 0x010;

/// What the analysis found for one segment.
#[derive(Clone, Copy, Debug, Default)]
pub struct Findings {
    /// The flags above.
    pub flags: u32,
    /// Duplicate ACK number (with [`DUPLICATE_ACK`]).
    pub dup_ack_num: u32,
    /// Frame of the ACK this one duplicates.
    pub dup_ack_frame: u64,
}

/// One segment as the analysis sees it.
#[derive(Clone, Copy, Debug)]
pub struct Segment {
    /// Raw sequence number.
    pub seq: u32,
    /// Raw acknowledgment number.
    pub ack: u32,
    /// Payload length.
    pub len: u32,
    /// TCP flags.
    pub flags: u16,
    /// Raw window.
    pub window: u16,
    /// Arrival time.
    pub ts: (i64, u32),
    /// Frame number.
    pub frame: u64,
}

/// Runs the analysis for a segment sent in direction `dir` of `st`, and
/// updates the stream.
pub fn analyze(st: &mut TcpStream, dir: usize, s: Segment) -> Findings {
    let mut f = Findings::default();
    let (fwd, rev) = if dir == 0 {
        let (a, b) = st.dirs.split_at_mut(1);
        (&mut a[0], &mut b[0])
    } else {
        let (a, b) = st.dirs.split_at_mut(1);
        (&mut b[0], &mut a[0])
    };
    let ctl = s.flags & (SYN | FIN | RST) != 0;
    let irtt = st.irtt;
    'fwd: {
        // Zero-window probe: one byte at the edge of a closed window.
        if s.len == 1 && fwd.next_seq == Some(s.seq) && rev.window == Some(0) {
            f.flags |= ZERO_WINDOW_PROBE;
            break 'fwd;
        }
        if s.window == 0 && !ctl {
            f.flags |= ZERO_WINDOW;
        }
        if let Some(n) = fwd.next_seq {
            if gt(s.seq, n) && s.flags & RST == 0 {
                f.flags |= LOST_PACKET;
            }
        }
        if s.len <= 1 && !ctl {
            if let Some(n) = fwd.next_seq {
                if n.wrapping_sub(1) == s.seq {
                    f.flags |= KEEP_ALIVE;
                }
            }
        }
        let same_edge =
            fwd.next_seq == Some(s.seq) && fwd.last_ack == Some(s.ack) && s.len == 0 && !ctl;
        if same_edge && s.window != 0 && fwd.window.is_some_and(|w| w != s.window) {
            f.flags |= WINDOW_UPDATE;
        }
        if s.len > 0 && !ctl {
            if let (Some(ra), Some(rw)) = (rev.last_ack, rev.window) {
                let shift = match rev.win_shift {
                    Some(x) if x >= 0 => x as u32,
                    _ => 0,
                };
                if rev.win_shift.is_some()
                    && s.seq.wrapping_add(s.len) == ra.wrapping_add((rw as u32) << shift)
                {
                    f.flags |= WINDOW_FULL;
                }
            }
        }
        if same_edge && fwd.window == Some(s.window) && rev.last_flags & KEEP_ALIVE != 0 {
            f.flags |= KEEP_ALIVE_ACK;
            break 'fwd;
        }
        if same_edge
            && s.window == 0
            && fwd.window == Some(0)
            && rev.last_flags & ZERO_WINDOW_PROBE != 0
        {
            f.flags |= ZERO_WINDOW_PROBE_ACK;
            break 'fwd;
        }
        if same_edge && s.window != 0 && fwd.window == Some(s.window) {
            fwd.dup_ack_num += 1;
            f.flags |= DUPLICATE_ACK;
            f.dup_ack_num = fwd.dup_ack_num;
            f.dup_ack_frame = fwd.last_non_dup_ack;
        }
    }
    // Wireshark 4.0 resets the count only when the ACK number moves: a
    // FIN or data segment with the same ACK is not a new reference.
    if fwd.last_ack != Some(s.ack) {
        fwd.last_non_dup_ack = s.frame;
        fwd.dup_ack_num = 0;
    }
    if let Some(m) = rev.max_seq_to_be_acked {
        if gt(s.ack, m) && s.flags & ACK != 0 {
            f.flags |= ACK_LOST_PACKET;
            rev.max_seq_to_be_acked = rev.next_seq;
        }
    }
    'retrans: {
        if !(s.len > 0 || s.flags & (SYN | FIN) != 0) {
            break 'retrans;
        }
        if f.flags & KEEP_ALIVE != 0 {
            break 'retrans;
        }
        let not_advanced = fwd.next_seq.is_some_and(|n| lt(s.seq, n));
        let t_rev = nanos(s.ts) - nanos(rev.last_ack_time);
        // Wireshark keeps these intervals unsigned: a clock that went
        // backwards makes them huge, never small.
        if not_advanced
            && rev.dup_ack_num >= 2
            && rev.last_ack == Some(s.seq)
            && (0..20_000_000).contains(&t_rev)
        {
            f.flags |= FAST_RETRANSMISSION;
            break 'retrans;
        }
        let t_fwd = nanos(s.ts) - nanos(fwd.next_seq_time);
        let ooo_thres = match irtt {
            Some(r) if nanos(r) != 0 => nanos(r),
            _ => 3_000_000,
        };
        let syn_fin = (s.flags & (SYN | FIN) != 0) as u32;
        if not_advanced
            && (0..ooo_thres).contains(&t_fwd)
            && fwd.next_seq != Some(s.seq.wrapping_add(s.len).wrapping_add(syn_fin))
        {
            f.flags |= OUT_OF_ORDER;
            break 'retrans;
        }
        if s.len > 0 {
            // Wireshark takes a last ACK of 0 (a RST without ACK) as none.
            if let Some(ra) = rev.last_ack.filter(|&a| a != 0) {
                if le(s.seq.wrapping_add(s.len), ra) {
                    f.flags |= SPURIOUS_RETRANSMISSION;
                    break 'retrans;
                }
            }
        }
        if not_advanced {
            f.flags |= RETRANSMISSION;
        }
    }
    let mut next = s.seq.wrapping_add(s.len);
    if s.flags & (SYN | FIN) != 0 {
        next = next.wrapping_add(1);
    }
    let zwp = f.flags & ZERO_WINDOW_PROBE != 0;
    if (fwd.next_seq.is_none() || gt(next, fwd.next_seq.unwrap_or(0))) && !zwp {
        fwd.next_seq = Some(next);
        fwd.next_seq_frame = s.frame;
        fwd.next_seq_time = s.ts;
    }
    if (fwd.max_seq_to_be_acked.is_none() || fwd.max_seq_to_be_acked == Some(s.seq)) && !zwp {
        fwd.max_seq_to_be_acked = fwd.next_seq;
    }
    fwd.window = Some(s.window);
    fwd.last_ack = Some(s.ack);
    fwd.last_ack_time = s.ts;
    fwd.last_flags = f.flags;
    // Initial RTT: from the SYN to the ACK that completes the handshake.
    // Wireshark times it from the most recent SYN to the first pure ACK.
    if s.flags & (SYN | ACK) == SYN {
        st.syn_time = Some(s.ts);
    }
    if s.flags & (SYN | ACK) == ACK && st.irtt.is_none() {
        if let Some(t0) = st.syn_time {
            st.irtt = Some(sub_time(s.ts, t0));
        }
    }
    f
}

/// Adds the `[SEQ/ACK analysis]` subtree with the findings and prepends the
/// Info markers (`[TCP Retransmission] `…) as tshark does.
pub fn show(cx: &mut Cx<'_>, tvb: &Tvb<'_>, f: &Findings, irtt: Option<(i64, u32)>) {
    if f.flags == 0 && irtt.is_none() {
        return;
    }
    let a = cx.pkt.open(&ANALYSIS, tvb, 0, 0, Value::None);
    cx.pkt.set_generated(a);
    cx.pkt.set_label(a, format_args!("[SEQ/ACK analysis]"));
    if let Some(r) = irtt {
        let n = cx.pkt.add(
            &INITIAL_RTT,
            tvb,
            0,
            0,
            Value::Time {
                secs: r.0,
                nanos: r.1,
            },
        );
        cx.pkt.set_generated(n);
    }
    if f.flags != 0 {
        let fl = cx.pkt.open(&FLAGS, tvb, 0, 0, Value::None);
        cx.pkt.set_generated(fl);
        cx.pkt.set_label(fl, format_args!("[TCP Analysis Flags]"));
        let mut prefixes: Vec<String> = Vec::new();
        let checks: [(u32, FieldRef, Severity, &str, &str); 15] = [
            (
                REUSED_PORTS,
                &F_REUSED_PORTS,
                Severity::Note,
                "A new tcp session is started with the same ports as an earlier session in this trace",
                "[TCP Port numbers reused] ",
            ),
            (
                RETRANSMISSION,
                &F_RETRANSMISSION,
                Severity::Note,
                "This frame is a (suspected) retransmission",
                "[TCP Retransmission] ",
            ),
            (
                LOST_PACKET,
                &F_LOST_SEGMENT,
                Severity::Warning,
                "Previous segment(s) not captured (common at capture start)",
                "[TCP Previous segment not captured] ",
            ),
            (
                ACK_LOST_PACKET,
                &F_ACK_LOST_SEGMENT,
                Severity::Warning,
                "ACKed segment that wasn't captured (common at capture start)",
                "[TCP ACKed unseen segment] ",
            ),
            (
                KEEP_ALIVE,
                &F_KEEP_ALIVE,
                Severity::Note,
                "This is a TCP keep-alive segment",
                "[TCP Keep-Alive] ",
            ),
            (
                WINDOW_UPDATE,
                &F_WINDOW_UPDATE,
                Severity::Chat,
                "TCP window update",
                "[TCP Window Update] ",
            ),
            (
                WINDOW_FULL,
                &F_WINDOW_FULL,
                Severity::Warning,
                "TCP window specified by the receiver is now completely full",
                "[TCP Window Full] ",
            ),
            (
                KEEP_ALIVE_ACK,
                &F_KEEP_ALIVE_ACK,
                Severity::Note,
                "ACK to a TCP keep-alive segment",
                "[TCP Keep-Alive ACK] ",
            ),
            (DUPLICATE_ACK, &F_DUPLICATE_ACK, Severity::Note, "", ""),
            (
                ZERO_WINDOW_PROBE,
                &F_ZERO_WINDOW_PROBE,
                Severity::Note,
                "TCP Zero Window Probe",
                "[TCP ZeroWindowProbe] ",
            ),
            (
                ZERO_WINDOW,
                &F_ZERO_WINDOW,
                Severity::Warning,
                "TCP Zero Window segment",
                "[TCP ZeroWindow] ",
            ),
            (
                ZERO_WINDOW_PROBE_ACK,
                &F_ZERO_WINDOW_PROBE_ACK,
                Severity::Note,
                "ACK to a TCP Zero Window Probe",
                "[TCP ZeroWindowProbeAck] ",
            ),
            (
                SPURIOUS_RETRANSMISSION,
                &F_SPURIOUS,
                Severity::Note,
                "This frame is a (suspected) spurious retransmission",
                "[TCP Spurious Retransmission] ",
            ),
            (
                FAST_RETRANSMISSION,
                &F_FAST_RETRANSMISSION,
                Severity::Note,
                "This frame is a (suspected) fast retransmission",
                "[TCP Fast Retransmission] ",
            ),
            (
                OUT_OF_ORDER,
                &F_OUT_OF_ORDER,
                Severity::Warning,
                "This frame is a (suspected) out-of-order segment",
                "[TCP Out-Of-Order] ",
            ),
        ];
        for (bit, field, sev, msg, prefix) in checks {
            if f.flags & bit == 0 {
                continue;
            }
            if bit == DUPLICATE_ACK {
                let n = cx.pkt.add(field, tvb, 0, 0, Value::None);
                cx.pkt.set_generated(n);
                cx.pkt
                    .set_label(n, format_args!("[This is a TCP duplicate ack]"));
                let e = cx.pkt.open(field, tvb, 0, 0, Value::None);
                cx.pkt.set_generated(e);
                cx.pkt.expert(
                    "tcp",
                    Severity::Note,
                    Group::Sequence,
                    format_args!("Duplicate ACK (#{})", f.dup_ack_num),
                );
                cx.pkt.close();
                prefixes.push(format!(
                    "[TCP Dup ACK {}#{}] ",
                    f.dup_ack_frame, f.dup_ack_num
                ));
                continue;
            }
            let n = cx.pkt.open(field, tvb, 0, 0, Value::None);
            cx.pkt.set_generated(n);
            cx.pkt.set_label(n, format_args!("[{}]", field.name));
            cx.pkt
                .expert("tcp", sev, Group::Sequence, format_args!("{msg}"));
            cx.pkt.close();
            if bit == FAST_RETRANSMISSION || bit == SPURIOUS_RETRANSMISSION {
                // tshark also marks a fast or spurious retransmission as a
                // retransmission.
                let n = cx.pkt.add(&F_RETRANSMISSION, tvb, 0, 0, Value::None);
                cx.pkt.set_generated(n);
                cx.pkt.set_label(
                    n,
                    format_args!("[This frame is a (suspected) retransmission]"),
                );
            }
            prefixes.push(prefix.to_string());
        }
        cx.pkt.close();
        if f.flags & DUPLICATE_ACK != 0 {
            let n = cx
                .pkt
                .add(&DUP_ACK_NUM, tvb, 0, 0, Value::UInt(f.dup_ack_num as u64));
            cx.pkt.set_generated(n);
            let n = cx
                .pkt
                .add(&DUP_ACK_FRAME, tvb, 0, 0, Value::UInt(f.dup_ack_frame));
            cx.pkt.set_generated(n);
        }
        // Each marker is prepended in turn, so the last one checked leads.
        let mut pre = String::new();
        for p in prefixes.iter().rev() {
            pre.push_str(p);
        }
        let info = std::mem::take(&mut cx.pkt.cols.info);
        cx.pkt.cols.info = pre + &info;
    }
    cx.pkt.close();
}
