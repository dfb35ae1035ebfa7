//! Dissection of real frames (bytes taken from ../shared/captures) checked
//! against what tshark 4.0 shows for them.

use wirelab_dissect::{registry, Dissector, FrameMeta, Packet};

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn meta(number: u64, len: usize) -> FrameMeta {
    FrameMeta {
        number,
        ts_secs: 1_600_000_000,
        ts_nanos: 0,
        cap_len: len as u32,
        orig_len: len as u32,
        linktype: 1,
        ..Default::default()
    }
}

fn field(pkt: &Packet, frame: &[u8], name: &str) -> Vec<String> {
    let f = registry()
        .get(name)
        .unwrap_or_else(|| panic!("unknown field {name}"));
    pkt.find(f)
        .map(|n| {
            let mut s = String::new();
            pkt.fmt_value(frame, n, &mut s);
            s
        })
        .collect()
}

// filter-corpus.pcapng frames 2346 and 2347: a TCP handshake to port 53.
const SYN: &str = "00112233446600112233445508004500003c9b28400040061376c0a8010bd157f91283f3003523fec80c00000000a002faf00c410000020405b40402080a79e2ca9a0000000001030307";
const SYN_ACK: &str = "00112233445500112233446608004500002c002e00008006ae80d157f912c0a8010b003583f379d2491323fec80d6012faf0dded0000020405b40000";

#[test]
fn tcp_handshake_columns_and_fields() {
    let mut d = Dissector::new();
    let mut pkt = Packet::new();
    let syn = hex(SYN);
    d.dissect(meta(1, syn.len()), &syn, &mut pkt);
    assert_eq!(pkt.cols.src(), "192.168.1.11");
    assert_eq!(pkt.cols.dst(), "209.87.249.18");
    assert_eq!(pkt.cols.protocol, "TCP");
    assert_eq!(
        pkt.cols.info,
        "33779 → 53 [SYN] Seq=0 Win=64240 Len=0 MSS=1460 SACK_PERM TSval=2044906138 TSecr=0 WS=128"
    );
    assert_eq!(pkt.protocols, "eth:ethertype:ip:tcp");
    assert_eq!(field(&pkt, &syn, "tcp.flags"), ["0x0002"]);
    assert_eq!(field(&pkt, &syn, "ip.flags.df"), ["1"]);
    assert_eq!(field(&pkt, &syn, "ip.id"), ["0x9b28"]);
    assert_eq!(field(&pkt, &syn, "eth.type"), ["0x0800"]);
    assert_eq!(field(&pkt, &syn, "tcp.options.mss_val"), ["1460"]);
    assert_eq!(field(&pkt, &syn, "tcp.stream"), ["0"]);
    assert_eq!(field(&pkt, &syn, "tcp.seq"), ["0"]);
    assert_eq!(field(&pkt, &syn, "tcp.seq_raw"), ["603899916"]);

    let sa = hex(SYN_ACK);
    d.dissect(meta(2, sa.len()), &sa, &mut pkt);
    assert_eq!(
        pkt.cols.info,
        "53 → 33779 [SYN, ACK] Seq=0 Ack=1 Win=64240 Len=0 MSS=1460"
    );
    // Ethernet padding after the 44-byte IP packet.
    assert_eq!(field(&pkt, &sa, "eth.padding"), ["00:00"]);
    assert_eq!(field(&pkt, &sa, "tcp.ack"), ["1"]);
    assert_eq!(field(&pkt, &sa, "tcp.stream"), ["0"]);
}

#[test]
fn every_prefix_of_a_frame_dissects_without_panic() {
    let syn = hex(SYN);
    for cut in 0..syn.len() {
        let mut d = Dissector::new();
        let mut pkt = Packet::new();
        // Captured `cut` bytes of a longer packet: snaplen truncation.
        let mut m = meta(1, syn.len());
        m.cap_len = cut as u32;
        d.dissect(m, &syn[..cut], &mut pkt);
        if cut < syn.len() {
            assert!(
                pkt.cols
                    .info
                    .ends_with("[Packet size limited during capture]"),
                "cut {cut}: {}",
                pkt.cols.info
            );
        }
        // The same bytes claimed as the whole packet: malformed.
        let mut pkt2 = Packet::new();
        let mut d2 = Dissector::new();
        d2.dissect(meta(1, cut), &syn[..cut], &mut pkt2);
        if cut < 54 {
            assert!(
                pkt2.cols.info.ends_with("[Malformed Packet]"),
                "cut {cut}: {}",
                pkt2.cols.info
            );
        }
    }
}

#[test]
fn unknown_link_type_is_data() {
    let mut d = Dissector::new();
    let mut pkt = Packet::new();
    let mut m = meta(1, 4);
    m.linktype = 9999;
    d.dissect(m, &[1, 2, 3, 4], &mut pkt);
    assert_eq!(pkt.cols.protocol, "UNKNOWN");
    assert_eq!(pkt.protocols, "data");
}
