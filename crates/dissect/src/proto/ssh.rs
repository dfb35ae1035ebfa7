//! SSH (RFC 4253) on TCP port 22, shown as Wireshark 4.0's `packet-ssh.c`
//! shows it without keys: the protocol version exchange (section 4.2), the
//! binary packet protocol (section 6) while the key exchange is in clear
//! (KEXINIT, section 7.1; Diffie-Hellman, section 8; group exchange,
//! RFC 4419; ECDH, RFC 5656 section 4), and the packets after NEWKEYS as
//! encrypted bytes.
//!
//! Like Wireshark, the SSH version is learned from the client's
//! identification string only, so a server that speaks first (or a capture
//! that starts mid-connection) leaves the Protocol column at `SSH` and every
//! packet of unknown version is shown as `Encrypted packet (len=N)`.
//! SSH-1 packets are not dissected (they are shown as encrypted bytes).

use crate::field::{Base, FieldDef, FieldRef, FieldType, ValueStrings};
use crate::packet::{Group, Severity, Span, Src, Value};
use crate::state::ConvKey;
use crate::tvb::{Tvb, R};
use crate::Cx;

/// The TCP port Wireshark registers SSH on.
pub const PORT: u16 = 22;

/// `ssh`.
pub static PROTO: FieldDef = FieldDef::proto("ssh", "SSH Protocol");
/// `ssh.protocol`.
pub static PROTOCOL: FieldDef =
    FieldDef::new("ssh.protocol", "Protocol", FieldType::String).with_base(Base::None);
/// `ssh.packet_length`.
pub static PACKET_LENGTH: FieldDef =
    FieldDef::new("ssh.packet_length", "Packet Length", FieldType::U32);
/// `ssh.packet_length_encrypted`.
pub static PACKET_LENGTH_ENCRYPTED: FieldDef = FieldDef::new(
    "ssh.packet_length_encrypted",
    "Packet Length (encrypted)",
    FieldType::Bytes,
)
.with_base(Base::None);
/// `ssh.padding_length`.
pub static PADDING_LENGTH: FieldDef =
    FieldDef::new("ssh.padding_length", "Padding Length", FieldType::U8);
/// `ssh.payload`.
pub static PAYLOAD: FieldDef =
    FieldDef::new("ssh.payload", "Payload", FieldType::Bytes).with_base(Base::None);
/// `ssh.encrypted_packet`.
pub static ENCRYPTED_PACKET: FieldDef =
    FieldDef::new("ssh.encrypted_packet", "Encrypted Packet", FieldType::Bytes)
        .with_base(Base::None);
/// `ssh.padding_string`.
pub static PADDING_STRING: FieldDef =
    FieldDef::new("ssh.padding_string", "Padding String", FieldType::Bytes).with_base(Base::None);
/// `ssh.seq_num`.
pub static SEQ_NUM: FieldDef = FieldDef::new("ssh.seq_num", "Sequence number", FieldType::U32);
/// `ssh.mac`.
pub static MAC: FieldDef = FieldDef::new("ssh.mac", "MAC", FieldType::Bytes).with_base(Base::None);
/// `ssh.direction`.
pub static DIRECTION: FieldDef = FieldDef::new("ssh.direction", "Direction", FieldType::Bool)
    .with_tfs("server-to-client", "client-to-server");
/// `ssh.message_code`.
pub static MESSAGE_CODE: FieldDef =
    FieldDef::new("ssh.message_code", "Message Code", FieldType::U8);
/// `ssh.cookie`.
pub static COOKIE: FieldDef =
    FieldDef::new("ssh.cookie", "Cookie", FieldType::Bytes).with_base(Base::None);
/// `ssh.first_kex_packet_follows`.
pub static FIRST_KEX_PACKET_FOLLOWS: FieldDef = FieldDef::new(
    "ssh.first_kex_packet_follows",
    "First KEX Packet Follows",
    FieldType::U8,
);
/// `ssh.kex.reserved`.
pub static KEX_RESERVED: FieldDef =
    FieldDef::new("ssh.kex.reserved", "Reserved", FieldType::Bytes).with_base(Base::None);
/// `ssh.kex.hassh_algorithms`.
pub static HASSH_ALGORITHMS: FieldDef = FieldDef::new(
    "ssh.kex.hassh_algorithms",
    "hasshAlgorithms",
    FieldType::String,
)
.with_base(Base::None);
/// `ssh.kex.hasshserver_algorithms`.
pub static HASSHSERVER_ALGORITHMS: FieldDef = FieldDef::new(
    "ssh.kex.hasshserver_algorithms",
    "hasshServerAlgorithms",
    FieldType::String,
)
.with_base(Base::None);

macro_rules! name_list {
    ($s:ident, $l:ident, $abbrev:literal, $len_abbrev:literal, $name:literal) => {
        #[doc = concat!("`", $abbrev, "`.")]
        pub static $s: FieldDef =
            FieldDef::new($abbrev, concat!($name, " string"), FieldType::String)
                .with_base(Base::None);
        #[doc = concat!("`", $len_abbrev, "`.")]
        pub static $l: FieldDef =
            FieldDef::new($len_abbrev, concat!($name, " length"), FieldType::U32);
    };
}
name_list!(
    KEX_ALGORITHMS,
    KEX_ALGORITHMS_LENGTH,
    "ssh.kex_algorithms",
    "ssh.kex_algorithms_length",
    "kex_algorithms"
);
name_list!(
    SERVER_HOST_KEY_ALGORITHMS,
    SERVER_HOST_KEY_ALGORITHMS_LENGTH,
    "ssh.server_host_key_algorithms",
    "ssh.server_host_key_algorithms_length",
    "server_host_key_algorithms"
);
name_list!(
    ENC_C2S,
    ENC_C2S_LENGTH,
    "ssh.encryption_algorithms_client_to_server",
    "ssh.encryption_algorithms_client_to_server_length",
    "encryption_algorithms_client_to_server"
);
name_list!(
    ENC_S2C,
    ENC_S2C_LENGTH,
    "ssh.encryption_algorithms_server_to_client",
    "ssh.encryption_algorithms_server_to_client_length",
    "encryption_algorithms_server_to_client"
);
name_list!(
    MAC_C2S,
    MAC_C2S_LENGTH,
    "ssh.mac_algorithms_client_to_server",
    "ssh.mac_algorithms_client_to_server_length",
    "mac_algorithms_client_to_server"
);
name_list!(
    MAC_S2C,
    MAC_S2C_LENGTH,
    "ssh.mac_algorithms_server_to_client",
    "ssh.mac_algorithms_server_to_client_length",
    "mac_algorithms_server_to_client"
);
name_list!(
    COMP_C2S,
    COMP_C2S_LENGTH,
    "ssh.compression_algorithms_client_to_server",
    "ssh.compression_algorithms_client_to_server_length",
    "compression_algorithms_client_to_server"
);
name_list!(
    COMP_S2C,
    COMP_S2C_LENGTH,
    "ssh.compression_algorithms_server_to_client",
    "ssh.compression_algorithms_server_to_client_length",
    "compression_algorithms_server_to_client"
);
name_list!(
    LANG_C2S,
    LANG_C2S_LENGTH,
    "ssh.languages_client_to_server",
    "ssh.languages_client_to_server_length",
    "languages_client_to_server"
);
name_list!(
    LANG_S2C,
    LANG_S2C_LENGTH,
    "ssh.languages_server_to_client",
    "ssh.languages_server_to_client_length",
    "languages_server_to_client"
);

/// `ssh.host_key.length`.
pub static HOST_KEY_LENGTH: FieldDef =
    FieldDef::new("ssh.host_key.length", "Host key length", FieldType::U32);
/// `ssh.host_key.type_length`.
pub static HOST_KEY_TYPE_LENGTH: FieldDef = FieldDef::new(
    "ssh.host_key.type_length",
    "Host key type length",
    FieldType::U32,
);
/// `ssh.host_key.type`.
pub static HOST_KEY_TYPE: FieldDef =
    FieldDef::new("ssh.host_key.type", "Host key type", FieldType::String).with_base(Base::None);
/// `ssh.host_key.data`.
pub static HOST_KEY_DATA: FieldDef =
    FieldDef::new("ssh.host_key.data", "Host key data", FieldType::Bytes).with_base(Base::None);
/// `ssh.host_key.rsa.n`.
pub static HOST_KEY_RSA_N: FieldDef =
    FieldDef::new("ssh.host_key.rsa.n", "RSA modulus (N)", FieldType::Bytes).with_base(Base::None);
/// `ssh.host_key.rsa.e`.
pub static HOST_KEY_RSA_E: FieldDef = FieldDef::new(
    "ssh.host_key.rsa.e",
    "RSA public exponent (e)",
    FieldType::Bytes,
)
.with_base(Base::None);
/// `ssh.host_key.dsa.p`.
pub static HOST_KEY_DSA_P: FieldDef = FieldDef::new(
    "ssh.host_key.dsa.p",
    "DSA prime modulus (p)",
    FieldType::Bytes,
)
.with_base(Base::None);
/// `ssh.host_key.dsa.q`.
pub static HOST_KEY_DSA_Q: FieldDef = FieldDef::new(
    "ssh.host_key.dsa.q",
    "DSA prime divisor (q)",
    FieldType::Bytes,
)
.with_base(Base::None);
/// `ssh.host_key.dsa.g`.
pub static HOST_KEY_DSA_G: FieldDef = FieldDef::new(
    "ssh.host_key.dsa.g",
    "DSA subgroup generator (g)",
    FieldType::Bytes,
)
.with_base(Base::None);
/// `ssh.host_key.dsa.y`.
pub static HOST_KEY_DSA_Y: FieldDef =
    FieldDef::new("ssh.host_key.dsa.y", "DSA public key (y)", FieldType::Bytes)
        .with_base(Base::None);
/// `ssh.host_key.ecdsa.id`.
pub static HOST_KEY_ECDSA_ID: FieldDef = FieldDef::new(
    "ssh.host_key.ecdsa.id",
    "ECDSA elliptic curve identifier",
    FieldType::String,
)
.with_base(Base::None);
/// `ssh.host_key.ecdsa.id_length`.
pub static HOST_KEY_ECDSA_ID_LENGTH: FieldDef = FieldDef::new(
    "ssh.host_key.ecdsa.id_length",
    "ECDSA elliptic curve identifier length",
    FieldType::U32,
);
/// `ssh.host_key.ecdsa.q`.
pub static HOST_KEY_ECDSA_Q: FieldDef = FieldDef::new(
    "ssh.host_key.ecdsa.q",
    "ECDSA public key (Q)",
    FieldType::Bytes,
)
.with_base(Base::None);
/// `ssh.host_key.ecdsa.q_length`.
pub static HOST_KEY_ECDSA_Q_LENGTH: FieldDef = FieldDef::new(
    "ssh.host_key.ecdsa.q_length",
    "ECDSA public key length",
    FieldType::U32,
);
/// `ssh.host_key.eddsa.key`.
pub static HOST_KEY_EDDSA_KEY: FieldDef = FieldDef::new(
    "ssh.host_key.eddsa.key",
    "EdDSA public key",
    FieldType::Bytes,
)
.with_base(Base::None);
/// `ssh.host_key.eddsa.key_length`.
pub static HOST_KEY_EDDSA_KEY_LENGTH: FieldDef = FieldDef::new(
    "ssh.host_key.eddsa.key_length",
    "EdDSA public key length",
    FieldType::U32,
);
/// `ssh.host_sig.length`.
pub static HOST_SIG_LENGTH: FieldDef = FieldDef::new(
    "ssh.host_sig.length",
    "Host signature length",
    FieldType::U32,
);
/// `ssh.host_sig.type_length`.
pub static HOST_SIG_TYPE_LENGTH: FieldDef = FieldDef::new(
    "ssh.host_sig.type_length",
    "Host signature type length",
    FieldType::U32,
);
/// `ssh.host_sig.type`.
pub static HOST_SIG_TYPE: FieldDef = FieldDef::new(
    "ssh.host_sig.type",
    "Host signature type",
    FieldType::String,
)
.with_base(Base::None);
/// `ssh.host_sig.data`.
pub static HOST_SIG_DATA: FieldDef =
    FieldDef::new("ssh.host_sig.data", "Host signature data", FieldType::Bytes)
        .with_base(Base::None);
/// `ssh.dh.e`.
pub static DH_E: FieldDef =
    FieldDef::new("ssh.dh.e", "DH client e", FieldType::Bytes).with_base(Base::None);
/// `ssh.dh.f`.
pub static DH_F: FieldDef =
    FieldDef::new("ssh.dh.f", "DH server f", FieldType::Bytes).with_base(Base::None);
/// `ssh.dh_gex.min`.
pub static DH_GEX_MIN: FieldDef = FieldDef::new("ssh.dh_gex.min", "DH GEX Min", FieldType::U32);
/// `ssh.dh_gex.nbits`.
pub static DH_GEX_NBITS: FieldDef =
    FieldDef::new("ssh.dh_gex.nbits", "DH GEX Number of Bits", FieldType::U32);
/// `ssh.dh_gex.max`.
pub static DH_GEX_MAX: FieldDef = FieldDef::new("ssh.dh_gex.max", "DH GEX Max", FieldType::U32);
/// `ssh.dh_gex.p`.
pub static DH_GEX_P: FieldDef =
    FieldDef::new("ssh.dh_gex.p", "DH GEX modulus (P)", FieldType::Bytes).with_base(Base::None);
/// `ssh.dh_gex.g`.
pub static DH_GEX_G: FieldDef =
    FieldDef::new("ssh.dh_gex.g", "DH GEX base (G)", FieldType::Bytes).with_base(Base::None);
/// `ssh.ecdh.q_c`.
pub static ECDH_Q_C: FieldDef = FieldDef::new(
    "ssh.ecdh.q_c",
    "ECDH client's ephemeral public key (Q_C)",
    FieldType::Bytes,
)
.with_base(Base::None);
/// `ssh.ecdh.q_c_length`.
pub static ECDH_Q_C_LENGTH: FieldDef = FieldDef::new(
    "ssh.ecdh.q_c_length",
    "ECDH client's ephemeral public key length",
    FieldType::U32,
);
/// `ssh.ecdh.q_s`.
pub static ECDH_Q_S: FieldDef = FieldDef::new(
    "ssh.ecdh.q_s",
    "ECDH server's ephemeral public key (Q_S)",
    FieldType::Bytes,
)
.with_base(Base::None);
/// `ssh.ecdh.q_s_length`.
pub static ECDH_Q_S_LENGTH: FieldDef = FieldDef::new(
    "ssh.ecdh.q_s_length",
    "ECDH server's ephemeral public key length",
    FieldType::U32,
);
/// `ssh.mpint_length`.
pub static MPINT_LENGTH: FieldDef = FieldDef::new(
    "ssh.mpint_length",
    "Multi Precision Integer Length",
    FieldType::U32,
);
/// `text`: subtree labels (Wireshark's text items).
static TEXT: &FieldDef = &crate::proto::dns::TEXT;

/// Fields of this module.
pub static FIELDS: &[FieldRef] = &[
    &PROTO,
    &PROTOCOL,
    &PACKET_LENGTH,
    &PACKET_LENGTH_ENCRYPTED,
    &PADDING_LENGTH,
    &PAYLOAD,
    &ENCRYPTED_PACKET,
    &PADDING_STRING,
    &SEQ_NUM,
    &MAC,
    &DIRECTION,
    &MESSAGE_CODE,
    &COOKIE,
    &KEX_ALGORITHMS,
    &SERVER_HOST_KEY_ALGORITHMS,
    &ENC_C2S,
    &ENC_S2C,
    &MAC_C2S,
    &MAC_S2C,
    &COMP_C2S,
    &COMP_S2C,
    &LANG_C2S,
    &LANG_S2C,
    &KEX_ALGORITHMS_LENGTH,
    &SERVER_HOST_KEY_ALGORITHMS_LENGTH,
    &ENC_C2S_LENGTH,
    &ENC_S2C_LENGTH,
    &MAC_C2S_LENGTH,
    &MAC_S2C_LENGTH,
    &COMP_C2S_LENGTH,
    &COMP_S2C_LENGTH,
    &LANG_C2S_LENGTH,
    &LANG_S2C_LENGTH,
    &FIRST_KEX_PACKET_FOLLOWS,
    &KEX_RESERVED,
    &HASSH_ALGORITHMS,
    &HASSHSERVER_ALGORITHMS,
    &HOST_KEY_LENGTH,
    &HOST_KEY_TYPE_LENGTH,
    &HOST_KEY_TYPE,
    &HOST_KEY_DATA,
    &HOST_KEY_RSA_N,
    &HOST_KEY_RSA_E,
    &HOST_KEY_DSA_P,
    &HOST_KEY_DSA_Q,
    &HOST_KEY_DSA_G,
    &HOST_KEY_DSA_Y,
    &HOST_KEY_ECDSA_ID,
    &HOST_KEY_ECDSA_ID_LENGTH,
    &HOST_KEY_ECDSA_Q,
    &HOST_KEY_ECDSA_Q_LENGTH,
    &HOST_KEY_EDDSA_KEY,
    &HOST_KEY_EDDSA_KEY_LENGTH,
    &HOST_SIG_LENGTH,
    &HOST_SIG_TYPE_LENGTH,
    &HOST_SIG_TYPE,
    &HOST_SIG_DATA,
    &DH_E,
    &DH_F,
    &DH_GEX_MIN,
    &DH_GEX_NBITS,
    &DH_GEX_MAX,
    &DH_GEX_P,
    &DH_GEX_G,
    &ECDH_Q_C,
    &ECDH_Q_C_LENGTH,
    &ECDH_Q_S,
    &ECDH_Q_S_LENGTH,
    &MPINT_LENGTH,
];

/// RFC 4250 section 4.1.2 message numbers (Wireshark's `ssh2_msg_vals`).
static MSG: ValueStrings = &[
    (1, "Disconnect"),
    (2, "Ignore"),
    (3, "Unimplemented"),
    (4, "Debug"),
    (5, "Service Request"),
    (6, "Service Accept"),
    (7, "Extension Information"),
    (20, "Key Exchange Init"),
    (21, "New Keys"),
    (50, "User Authentication Request"),
    (51, "User Authentication Failure"),
    (52, "User Authentication Success"),
    (53, "User Authentication Banner"),
    (80, "Global Request"),
    (81, "Request Success"),
    (82, "Request Failure"),
    (90, "Channel Open"),
    (91, "Channel Open Confirmation"),
    (92, "Channel Open Failure"),
    (93, "Window Adjust"),
    (94, "Channel Data"),
    (95, "Channel Extended Data"),
    (96, "Channel EOF"),
    (97, "Channel Close"),
    (98, "Channel Request"),
    (99, "Channel Success"),
    (100, "Channel Failure"),
];
/// RFC 4253 section 8.
static KEX_DH: ValueStrings = &[
    (30, "Diffie-Hellman Key Exchange Init"),
    (31, "Diffie-Hellman Key Exchange Reply"),
];
/// RFC 4419 section 5.
static KEX_DH_GEX: ValueStrings = &[
    (30, "Diffie-Hellman Group Exchange Request (Old)"),
    (31, "Diffie-Hellman Group Exchange Group"),
    (32, "Diffie-Hellman Group Exchange Init"),
    (33, "Diffie-Hellman Group Exchange Reply"),
    (34, "Diffie-Hellman Group Exchange Request"),
];
/// RFC 5656 section 7.1.
static KEX_ECDH: ValueStrings = &[
    (30, "Elliptic Curve Diffie-Hellman Key Exchange Init"),
    (31, "Elliptic Curve Diffie-Hellman Key Exchange Reply"),
];

/// What the client's identification string said.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Version {
    #[default]
    Unknown,
    V1,
    V2,
}

/// Which key-exchange messages 30..=39 mean (from the negotiated method).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum KexKind {
    #[default]
    Dh,
    DhGex,
    Ecdh,
}

/// One side of a connection.
#[derive(Clone, Debug, Default)]
struct Peer {
    /// Frame of this side's identification string (0: none yet).
    version_start: u64,
    version_end: u64,
    /// Frame of this side's KEXINIT, and of its NEWKEYS with the offset
    /// after its message code.
    key_start: u64,
    key_end: u64,
    key_end_offset: usize,
    /// Binary packets seen (`ssh.seq_num`).
    seq: u32,
    /// The name-lists of this side's KEXINIT: kex, enc c2s, enc s2c, mac
    /// c2s, mac s2c, comp c2s, comp s2c.
    proposal: Option<[String; 7]>,
    /// Negotiated algorithms for what this side sends.
    enc: Option<String>,
    mac: Option<String>,
    comp: Option<String>,
    /// MAC bytes after each encrypted packet, when known.
    mac_length: Option<usize>,
    /// Encrypt-then-MAC: the packet length is sent in clear.
    length_is_plaintext: bool,
}

/// One connection's SSH state.
#[derive(Clone, Debug, Default)]
pub struct Flow {
    version: Version,
    kex: Option<String>,
    kex_kind: KexKind,
    /// Client (0) and server (1).
    peers: [Peer; 2],
}

/// SSH connections of the capture, keyed by transport endpoints.
#[derive(Default, Debug)]
pub struct Flows {
    map: std::collections::HashMap<ConvKey, Flow>,
}

fn bytes_val(tvb: &Tvb<'_>, off: usize, len: usize) -> Value {
    let cap = tvb.len().saturating_sub(off).min(len);
    Value::Bytes(Span {
        src: Src::Data(tvb.ds()),
        start: tvb.base().saturating_add(off.min(u32::MAX as usize) as u32),
        len: cap.min(u32::MAX as usize) as u32,
    })
}

/// SSH on a TCP segment (port 22).
pub fn dissect(cx: &mut Cx<'_>, tvb: Tvb<'_>) -> R<()> {
    cx.current_proto = "SSH";
    let key = crate::state::packet_conv(cx).0;
    let mut flow = cx.state.ssh.map.remove(&key).unwrap_or_default();
    let r = dissect_flow(cx, &tvb, &mut flow);
    cx.state.ssh.map.insert(key, flow);
    r
}

fn dissect_flow(cx: &mut Cx<'_>, tvb: &Tvb<'_>, flow: &mut Flow) -> R<()> {
    // Wireshark: the side whose destination is not the matched port answers.
    let server = cx.l4.dport != PORT;
    let side = usize::from(server);
    let num = cx.pkt.meta.number;
    cx.pkt.layer("ssh");
    cx.pkt.open(&PROTO, tvb, 0, tvb.reported_len(), Value::None);
    cx.pkt.cols.set_protocol(match flow.version {
        Version::Unknown => "SSH",
        Version::V1 => "SSHv1",
        Version::V2 => "SSHv2",
    });
    cx.pkt.cols.clear_info();
    let mut version = flow.version;
    let mut off = 0usize;
    while off < tvb.reported_len() {
        let last = off;
        let peer = &flow.peers[side];
        let after_start = peer.version_start == 0 || num >= peer.version_start;
        let before_end = peer.version_end == 0 || num <= peer.version_end;
        let banner = tvb
            .data()
            .get(off..off + 4)
            .is_some_and(|b| b.eq_ignore_ascii_case(b"SSH-"));
        if after_start && before_end && banner {
            if flow.peers[side].version_start == 0 {
                flow.peers[side].version_start = num;
            }
            match protocol(cx, tvb, off, server, &mut version)? {
                Some(next) => {
                    off = next;
                    flow.peers[side].version_end = num;
                    flow.version = version;
                }
                None => {
                    cx.pkt.close();
                    return Ok(());
                }
            }
        } else {
            match version {
                Version::V2 => match ssh2(cx, tvb, off, flow, side)? {
                    Some(next) => off = next,
                    None => {
                        cx.pkt.close();
                        return Ok(());
                    }
                },
                Version::Unknown | Version::V1 => {
                    off = encrypted(cx, tvb, off, &flow.peers[side])?;
                }
            }
        }
        if off <= last {
            break;
        }
    }
    let who = if server { "Server: " } else { "Client: " };
    cx.pkt.cols.info.insert_str(0, who);
    if cx.pkt.cols.fence > 0 {
        cx.pkt.cols.fence += who.len();
    }
    let d = cx.pkt.add(&DIRECTION, tvb, 0, 0, Value::Bool(server));
    cx.pkt.set_generated(d);
    cx.pkt.close();
    Ok(())
}

/// The identification string (RFC 4253 section 4.2); `None` when its line
/// end is not in the segment yet (TCP is asked for more).
fn protocol(
    cx: &mut Cx<'_>,
    tvb: &Tvb<'_>,
    off: usize,
    server: bool,
    version: &mut Version,
) -> R<Option<usize>> {
    let data = tvb.data();
    if !server {
        let b = &data[off..];
        let starts = |p: &[u8]| b.len() >= p.len() && b[..p.len()].eq_ignore_ascii_case(p);
        if starts(b"SSH-2.") || starts(b"SSH-1.99-") {
            *version = Version::V2;
        } else if starts(b"SSH-1.") {
            *version = Version::V1;
        }
    }
    let Some(lf) = memchr::memchr(b'\n', &data[off..]) else {
        cx.desegment = Some(crate::Desegment {
            offset: off,
            more: None,
        });
        return Ok(None);
    };
    let linelen = lf + 1;
    let protolen = if lf > 0 && data[off + lf - 1] == b'\r' {
        lf - 1
    } else {
        lf
    };
    let text = crate::proto::dns::format_text(&data[off..off + protolen]);
    cx.pkt.cols.set_info(format_args!("Protocol ({text})"));
    let v = cx
        .pkt
        .str_value(&String::from_utf8_lossy(&data[off..off + protolen]));
    cx.pkt.add(&PROTOCOL, tvb, off, protolen, v);
    Ok(Some(off + linelen))
}

/// Bytes of unknown meaning (Wireshark's `ssh_dissect_encrypted_packet`):
/// the rest of the segment.
fn encrypted(cx: &mut Cx<'_>, tvb: &Tvb<'_>, off: usize, peer: &Peer) -> R<usize> {
    let len = tvb.reported_len() - off;
    cx.pkt
        .cols
        .set_info(format_args!("Encrypted packet (len={len})"));
    let mut enc_len = len;
    if len > 4 {
        if peer.length_is_plaintext {
            let plen = tvb.u32(off)?;
            cx.pkt
                .add(&PACKET_LENGTH, tvb, off, 4, Value::UInt(plen.into()));
        } else {
            tvb.ensure(off, 4)?;
            let v = bytes_val(tvb, off, 4);
            cx.pkt.add(&PACKET_LENGTH_ENCRYPTED, tvb, off, 4, v);
        }
        enc_len -= 4;
    }
    let mac = peer.mac_length.unwrap_or(0);
    enc_len = enc_len.saturating_sub(mac);
    // Wireshark puts the encrypted bytes after the length even when there
    // is no length: 4 bytes or fewer are then past the end (malformed).
    tvb.ensure(off + 4, enc_len)?;
    let v = bytes_val(tvb, off + 4, enc_len);
    cx.pkt.add(&ENCRYPTED_PACKET, tvb, off + 4, enc_len, v);
    if mac > 0 {
        tvb.ensure(off + 4 + enc_len, mac)?;
        let v = bytes_val(tvb, off + 4 + enc_len, mac);
        cx.pkt.add(&MAC, tvb, off + 4 + enc_len, mac, v);
    }
    Ok(off + len)
}

/// SSH-2 binary packets from `off`; `None` when a packet goes on past the
/// segment (TCP is asked for the rest).
fn ssh2(
    cx: &mut Cx<'_>,
    tvb: &Tvb<'_>,
    mut off: usize,
    flow: &mut Flow,
    side: usize,
) -> R<Option<usize>> {
    let num = cx.pkt.meta.number;
    while off < tvb.len() {
        let last = off;
        let peer = &flow.peers[side];
        let mut title = String::from("SSH Version 2");
        if peer.enc.is_some() || peer.mac.is_some() || peer.comp.is_some() {
            title.push_str(" (");
            if let Some(e) = &peer.enc {
                title.push_str("encryption:");
                title.push_str(e);
                if peer.mac.is_some() || peer.comp.is_some() {
                    title.push(' ');
                }
            }
            if let Some(m) = &peer.mac {
                title.push_str("mac:");
                title.push_str(m);
                if peer.comp.is_some() {
                    title.push(' ');
                }
            }
            if let Some(c) = &peer.comp {
                title.push_str("compression:");
                title.push_str(c);
            }
            title.push(')');
        }
        let sub = cx
            .pkt
            .open(TEXT, tvb, off, tvb.reported_len() - off, Value::None);
        cx.pkt.set_label(sub, format_args!("{title}"));
        let in_kex = peer.key_start == 0
            || (peer.key_start <= num
                && (peer.key_end == 0
                    || num < peer.key_end
                    || (num == peer.key_end && off < peer.key_end_offset)));
        let r = if in_kex {
            key_exchange(cx, tvb, off, flow, side)
        } else if flow.peers[side].enc.as_deref() == Some("chacha20-poly1305@openssh.com") {
            // Wireshark 4.0 could decrypt this cipher with the keys; without
            // them it shows nothing of the packet.
            Ok(Some(tvb.reported_len()))
        } else {
            encrypted(cx, tvb, off, &flow.peers[side]).map(Some)
        };
        match r {
            Ok(Some(next)) => {
                cx.pkt.set_len(sub, next - off);
                cx.pkt.close();
                off = next;
            }
            Ok(None) => {
                cx.pkt.close();
                return Ok(None);
            }
            Err(e) => {
                cx.pkt.close();
                return Err(e);
            }
        }
        if off <= last {
            break;
        }
    }
    Ok(Some(off.max(tvb.reported_len().min(off))))
}

/// One binary packet of the key exchange (RFC 4253 section 6).
fn key_exchange(
    cx: &mut Cx<'_>,
    tvb: &Tvb<'_>,
    start: usize,
    flow: &mut Flow,
    side: usize,
) -> R<Option<usize>> {
    let remain = tvb.len() - start;
    if remain < 4 {
        cx.desegment = Some(crate::Desegment {
            offset: start,
            more: None,
        });
        return Ok(None);
    }
    let mut plen = tvb.u32(start)? as usize;
    if plen.saturating_add(4) > remain && tvb.len() == tvb.reported_len() {
        cx.desegment = Some(crate::Desegment {
            offset: start,
            more: Some(plen + 4 - remain),
        });
        return Ok(None);
    }
    let seq = flow.peers[side].seq;
    flow.peers[side].seq = seq.wrapping_add(1);
    let n = cx
        .pkt
        .add(&PACKET_LENGTH, tvb, start, 4, Value::UInt(plen as u64));
    if plen >= 0xffff {
        let _ = n;
        cx.pkt.expert(
            "ssh",
            Severity::Warning,
            Group::Protocol,
            format_args!("Overly large number {plen}"),
        );
        plen = remain - 4;
    }
    let mut off = start + 4;
    let padding = tvb.u8(off)? as usize;
    cx.pkt
        .add(&PADDING_LENGTH, tvb, off, 1, Value::UInt(padding as u64));
    off += 1;
    let t = cx
        .pkt
        .open(TEXT, tvb, off, plen.saturating_sub(1), Value::None);
    match &flow.kex {
        Some(k) => cx
            .pkt
            .set_label(t, format_args!("Key Exchange (method:{k})")),
        None => cx.pkt.set_label(t, format_args!("Key Exchange")),
    }
    let code = tvb.u8(off)?;
    let r = if (30..40).contains(&code) {
        kex_specific(cx, tvb, off, code, flow)
    } else {
        message(cx, tvb, off, code, flow, side)
    };
    let mut off = match r {
        Ok(o) => o,
        Err(e) => {
            cx.pkt.close();
            return Err(e);
        }
    };
    // What the message parsers did not read is payload.
    let end = (start + plen + 4).checked_sub(padding);
    let Some(end) = end.filter(|&e| e >= off) else {
        cx.pkt.close();
        return Err(tvb.ensure(off, usize::MAX).unwrap_err());
    };
    if end > off {
        tvb.ensure(off, end - off).inspect_err(|_| cx.pkt.close())?;
        let v = bytes_val(tvb, off, end - off);
        cx.pkt.add(&PAYLOAD, tvb, off, end - off, v);
    }
    cx.pkt.close();
    off = end;
    tvb.ensure(off, padding)?;
    let v = bytes_val(tvb, off, padding);
    cx.pkt.add(&PADDING_STRING, tvb, off, padding, v);
    off += padding;
    // Wireshark 4.0 does not mark it as generated.
    cx.pkt.add(&SEQ_NUM, tvb, off, 0, Value::UInt(seq.into()));
    Ok(Some(off))
}

fn msg_code(cx: &mut Cx<'_>, tvb: &Tvb<'_>, off: usize, code: u8, names: ValueStrings) {
    let name = crate::field::val_to_str(names, code.into());
    let n = cx
        .pkt
        .add(&MESSAGE_CODE, tvb, off, 1, Value::UInt(code.into()));
    match name {
        Some(s) => {
            cx.pkt
                .set_label(n, format_args!("Message Code: {s} ({code})"));
            cx.pkt.cols.append_info_sep(", ", format_args!("{s}"));
        }
        None => {
            cx.pkt
                .set_label(n, format_args!("Message Code: Unknown ({code})"));
            cx.pkt
                .cols
                .append_info_sep(", ", format_args!("Unknown ({code})"));
        }
    }
}

/// Messages outside 30..=39: KEXINIT and NEWKEYS are read, the others
/// left as payload.
fn message(
    cx: &mut Cx<'_>,
    tvb: &Tvb<'_>,
    mut off: usize,
    code: u8,
    flow: &mut Flow,
    side: usize,
) -> R<usize> {
    msg_code(cx, tvb, off, code, MSG);
    off += 1;
    match code {
        20 => {
            off = key_init(cx, tvb, off, flow, side)?;
            if flow.peers[side].key_start == 0 {
                flow.peers[side].key_start = cx.pkt.meta.number;
            }
        }
        21 => {
            let p = &mut flow.peers[side];
            if p.key_end == 0 {
                p.key_end = cx.pkt.meta.number;
                p.key_end_offset = off;
            }
        }
        _ => {}
    }
    Ok(off)
}

/// A name-list (RFC 4251 section 5): its length and its text.
fn name_list(
    cx: &mut Cx<'_>,
    tvb: &Tvb<'_>,
    off: usize,
    lenf: FieldRef,
    strf: FieldRef,
) -> R<(usize, String)> {
    let len = tvb.u32(off)? as usize;
    cx.pkt.add(lenf, tvb, off, 4, Value::UInt(len as u64));
    let b = tvb.bytes(off + 4, len)?;
    let s = String::from_utf8_lossy(b).into_owned();
    let v = cx.pkt.str_value(&s);
    cx.pkt.add(strf, tvb, off + 4, len, v);
    Ok((off + 4 + len, s))
}

/// SSH_MSG_KEXINIT (RFC 4253 section 7.1) after its message code.
fn key_init(
    cx: &mut Cx<'_>,
    tvb: &Tvb<'_>,
    mut off: usize,
    flow: &mut Flow,
    side: usize,
) -> R<usize> {
    let start = off;
    let t = cx.pkt.open(TEXT, tvb, off, 0, Value::None);
    cx.pkt.set_label(t, format_args!("Algorithms"));
    let r = (|| -> R<usize> {
        tvb.ensure(off, 16)?;
        let v = bytes_val(tvb, off, 16);
        cx.pkt.add(&COOKIE, tvb, off, 16, v);
        off += 16;
        let lists: [(FieldRef, FieldRef); 10] = [
            (&KEX_ALGORITHMS_LENGTH, &KEX_ALGORITHMS),
            (
                &SERVER_HOST_KEY_ALGORITHMS_LENGTH,
                &SERVER_HOST_KEY_ALGORITHMS,
            ),
            (&ENC_C2S_LENGTH, &ENC_C2S),
            (&ENC_S2C_LENGTH, &ENC_S2C),
            (&MAC_C2S_LENGTH, &MAC_C2S),
            (&MAC_S2C_LENGTH, &MAC_S2C),
            (&COMP_C2S_LENGTH, &COMP_C2S),
            (&COMP_S2C_LENGTH, &COMP_S2C),
            (&LANG_C2S_LENGTH, &LANG_C2S),
            (&LANG_S2C_LENGTH, &LANG_S2C),
        ];
        let mut got: Vec<String> = Vec::with_capacity(10);
        for (l, s) in lists {
            let (next, text) = name_list(cx, tvb, off, l, s)?;
            got.push(text);
            off = next;
        }
        let f = tvb.u8(off)?;
        cx.pkt.add(
            &FIRST_KEX_PACKET_FOLLOWS,
            tvb,
            off,
            1,
            Value::UInt(f.into()),
        );
        off += 1;
        tvb.ensure(off, 4)?;
        let v = bytes_val(tvb, off, 4);
        cx.pkt.add(&KEX_RESERVED, tvb, off, 4, v);
        off += 4;
        // hassh (Salesforce): the client's or server's kex, encryption,
        // MAC and compression lists for its own direction.
        let (algs, field): (String, FieldRef) = if side == 0 {
            (
                format!("{};{};{};{}", got[0], got[2], got[4], got[6]),
                &HASSH_ALGORITHMS,
            )
        } else {
            (
                format!("{};{};{};{}", got[0], got[3], got[5], got[7]),
                &HASSHSERVER_ALGORITHMS,
            )
        };
        let v = cx.pkt.str_value(&algs);
        let h = cx.pkt.add(field, tvb, 0, 0, v);
        cx.pkt.set_generated(h);
        flow.peers[side].proposal = Some([
            got[0].clone(),
            got[2].clone(),
            got[3].clone(),
            got[4].clone(),
            got[5].clone(),
            got[6].clone(),
            got[7].clone(),
        ]);
        Ok(off)
    })();
    cx.pkt.set_len(t, off - start);
    cx.pkt.close();
    let off = r?;
    if let (Some(c), Some(s)) = (&flow.peers[0].proposal, &flow.peers[1].proposal) {
        if flow.kex.is_none() {
            if let Some(k) = choose(&c[0], &s[0]) {
                flow.kex_kind = if k.starts_with("diffie-hellman-group-exchange") {
                    KexKind::DhGex
                } else if k.starts_with("ecdh-sha2-") || k.starts_with("curve25519-sha256") {
                    KexKind::Ecdh
                } else {
                    KexKind::Dh
                };
                flow.kex = Some(k);
            }
        }
    }
    Ok(off)
}

/// RFC 4253 section 7.1: the first of the client's algorithms that the
/// server also lists.
fn choose(client: &str, server: &str) -> Option<String> {
    client
        .split(',')
        .find(|c| server.split(',').any(|s| s == *c))
        .map(str::to_string)
}

/// Once the key exchange is done: the algorithms each side will send with.
fn choose_enc_mac(flow: &mut Flow) {
    let (Some(c), Some(s)) = (
        flow.peers[0].proposal.clone(),
        flow.peers[1].proposal.clone(),
    ) else {
        return;
    };
    for side in 0..2 {
        // Index in the proposal: enc c2s 1, s2c 2; mac 3/4; comp 5/6.
        let enc = choose(&c[1 + side], &s[1 + side]);
        let aead = enc
            .as_deref()
            .is_some_and(|e| e.contains("-gcm@openssh.com") || e.starts_with("chacha20-poly1305"));
        let mac = if aead {
            None
        } else {
            choose(&c[3 + side], &s[3 + side])
        };
        let comp = choose(&c[5 + side], &s[5 + side]);
        let p = &mut flow.peers[side];
        p.mac_length = mac.as_deref().and_then(mac_length);
        p.length_is_plaintext = mac
            .as_deref()
            .is_some_and(|m| m.contains("-etm@openssh.com"));
        p.enc = enc;
        p.mac = mac;
        p.comp = comp;
    }
}

/// Bytes of a MAC by its name (`hmac-sha2-256` 32, `umac-64@openssh.com`
/// 8, `hmac-sha1` 20…).
fn mac_length(name: &str) -> Option<usize> {
    let base = name
        .strip_suffix("-etm@openssh.com")
        .or_else(|| name.strip_suffix("@openssh.com"))
        .unwrap_or(name);
    if let Some(bits) = base
        .rsplit_once('-')
        .and_then(|(_, b)| b.parse::<usize>().ok())
    {
        if bits > 0 && bits % 8 == 0 {
            return Some(bits / 8);
        }
    }
    match base {
        "hmac-sha1" | "hmac-ripemd160" => Some(20),
        "hmac-md5" => Some(16),
        "none" => Some(0),
        _ => None,
    }
}

/// An mpint (RFC 4251 section 5): its length and its bytes.
fn mpint(cx: &mut Cx<'_>, tvb: &Tvb<'_>, off: usize, f: FieldRef) -> R<usize> {
    let len = tvb.u32(off)? as usize;
    cx.pkt
        .add(&MPINT_LENGTH, tvb, off, 4, Value::UInt(len as u64));
    tvb.ensure(off + 4, len)?;
    let v = bytes_val(tvb, off + 4, len);
    cx.pkt.add(f, tvb, off + 4, len, v);
    Ok(off + 4 + len)
}

/// A string (RFC 4251 section 5) as a length field and a bytes field.
fn blob(cx: &mut Cx<'_>, tvb: &Tvb<'_>, off: usize, lf: FieldRef, f: FieldRef) -> R<usize> {
    let len = tvb.u32(off)? as usize;
    cx.pkt.add(lf, tvb, off, 4, Value::UInt(len as u64));
    tvb.ensure(off + 4, len)?;
    let v = bytes_val(tvb, off + 4, len);
    cx.pkt.add(f, tvb, off + 4, len, v);
    Ok(off + 4 + len)
}

/// A string as a length field and a text field.
fn text(cx: &mut Cx<'_>, tvb: &Tvb<'_>, off: usize, lf: FieldRef, f: FieldRef) -> R<usize> {
    name_list(cx, tvb, off, lf, f).map(|(o, _)| o)
}

/// The server's host key (RFC 4253 section 6.6).
fn host_key(cx: &mut Cx<'_>, tvb: &Tvb<'_>, off: usize) -> R<usize> {
    let len = tvb.u32(off)? as usize;
    let tlen = tvb.u32(off + 4)? as usize;
    let ty = String::from_utf8_lossy(tvb.bytes(off + 8, tlen)?).into_owned();
    let t = cx.pkt.open(TEXT, tvb, off, len + 4, Value::None);
    cx.pkt
        .set_label(t, format_args!("KEX host key (type: {ty})"));
    let r = (|| -> R<()> {
        cx.pkt
            .add(&HOST_KEY_LENGTH, tvb, off, 4, Value::UInt(len as u64));
        let mut o = text(cx, tvb, off + 4, &HOST_KEY_TYPE_LENGTH, &HOST_KEY_TYPE)?;
        let end = off + 4 + len;
        match ty.as_str() {
            "ssh-rsa" => {
                o = mpint(cx, tvb, o, &HOST_KEY_RSA_E)?;
                mpint(cx, tvb, o, &HOST_KEY_RSA_N)?;
            }
            "ssh-dss" => {
                for f in [
                    &HOST_KEY_DSA_P,
                    &HOST_KEY_DSA_Q,
                    &HOST_KEY_DSA_G,
                    &HOST_KEY_DSA_Y,
                ] {
                    o = mpint(cx, tvb, o, f)?;
                }
            }
            t if t.starts_with("ecdsa-sha2-") => {
                o = text(cx, tvb, o, &HOST_KEY_ECDSA_ID_LENGTH, &HOST_KEY_ECDSA_ID)?;
                blob(cx, tvb, o, &HOST_KEY_ECDSA_Q_LENGTH, &HOST_KEY_ECDSA_Q)?;
            }
            "ssh-ed25519" | "ssh-ed448" => {
                blob(cx, tvb, o, &HOST_KEY_EDDSA_KEY_LENGTH, &HOST_KEY_EDDSA_KEY)?;
            }
            _ => {
                let n = end.saturating_sub(o);
                tvb.ensure(o, n)?;
                let v = bytes_val(tvb, o, n);
                cx.pkt.add(&HOST_KEY_DATA, tvb, o, n, v);
            }
        }
        Ok(())
    })();
    cx.pkt.close();
    r?;
    Ok(off + 4 + len)
}

/// The exchange-hash signature (RFC 4253 section 8).
fn signature(cx: &mut Cx<'_>, tvb: &Tvb<'_>, off: usize) -> R<usize> {
    let len = tvb.u32(off)? as usize;
    let tlen = tvb.u32(off + 4)? as usize;
    let ty = String::from_utf8_lossy(tvb.bytes(off + 8, tlen)?).into_owned();
    let t = cx.pkt.open(TEXT, tvb, off, len + 4, Value::None);
    cx.pkt
        .set_label(t, format_args!("KEX host signature (type: {ty})"));
    let r = (|| -> R<()> {
        let ln = cx
            .pkt
            .add(&HOST_SIG_LENGTH, tvb, off, 4, Value::UInt(len as u64));
        let o = text(cx, tvb, off + 4, &HOST_SIG_TYPE_LENGTH, &HOST_SIG_TYPE)?;
        let n = (off + 4 + len).saturating_sub(o);
        tvb.ensure(o, n)?;
        let v = bytes_val(tvb, o, n);
        cx.pkt.add(&HOST_SIG_DATA, tvb, o, n, v);
        let known = matches!(ty.as_str(), "ssh-rsa" | "ssh-dss" | "ssh-ed25519")
            || ty.starts_with("ecdsa-sha2-");
        if !known {
            // Wireshark 4.0 counts only the lengths and the type as decoded
            // for other signature types (its message, misspelling included).
            let decoded = o - off;
            cx.pkt.reopen(ln);
            cx.pkt.expert(
                "ssh",
                Severity::Warning,
                Group::Protocol,
                format_args!("Decoded {decoded} bytes, but packet legnth is {len} bytes"),
            );
            cx.pkt.close();
        }
        Ok(())
    })();
    cx.pkt.close();
    r?;
    Ok(off + 4 + len)
}

/// Messages 30..=39, whose meaning depends on the key-exchange method.
fn kex_specific(cx: &mut Cx<'_>, tvb: &Tvb<'_>, off: usize, code: u8, flow: &mut Flow) -> R<usize> {
    let names = match flow.kex_kind {
        KexKind::Dh => KEX_DH,
        KexKind::DhGex => KEX_DH_GEX,
        KexKind::Ecdh => KEX_ECDH,
    };
    msg_code(cx, tvb, off, code, names);
    let mut o = off + 1;
    let mut reply = false;
    match (flow.kex_kind, code) {
        (KexKind::Dh, 30) | (KexKind::DhGex, 32) => o = mpint(cx, tvb, o, &DH_E)?,
        (KexKind::Dh, 31) | (KexKind::DhGex, 33) => {
            o = host_key(cx, tvb, o)?;
            o = mpint(cx, tvb, o, &DH_F)?;
            o = signature(cx, tvb, o)?;
            reply = true;
        }
        (KexKind::DhGex, 30) => {
            let v = tvb.u32(o)?;
            cx.pkt.add(&DH_GEX_NBITS, tvb, o, 4, Value::UInt(v.into()));
            o += 4;
        }
        (KexKind::DhGex, 31) => {
            o = mpint(cx, tvb, o, &DH_GEX_P)?;
            o = mpint(cx, tvb, o, &DH_GEX_G)?;
        }
        (KexKind::DhGex, 34) => {
            for f in [&DH_GEX_MIN, &DH_GEX_NBITS, &DH_GEX_MAX] {
                let v = tvb.u32(o)?;
                cx.pkt.add(f, tvb, o, 4, Value::UInt(v.into()));
                o += 4;
            }
        }
        (KexKind::Ecdh, 30) => o = blob(cx, tvb, o, &ECDH_Q_C_LENGTH, &ECDH_Q_C)?,
        (KexKind::Ecdh, 31) => {
            o = host_key(cx, tvb, o)?;
            o = blob(cx, tvb, o, &ECDH_Q_S_LENGTH, &ECDH_Q_S)?;
            o = signature(cx, tvb, o)?;
            reply = true;
        }
        _ => {}
    }
    // Wireshark 4.0 learns the algorithms in use with the ECDH reply (where
    // its key derivation starts); after a DH reply it never does.
    if reply && flow.kex_kind == KexKind::Ecdh {
        choose_enc_mac(flow);
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::dns::test_util::*;
    use crate::State;

    /// A TCP segment between 10.0.0.1:40000 (client) and 10.0.0.2:PORT.
    fn seg(st: &mut State, n: u64, from_client: bool, payload: &[u8]) -> crate::Packet {
        tcp_segment(st, n, from_client, (40000, PORT), payload, dissect)
    }

    #[test]
    fn version_exchange_sets_the_protocol_from_the_client() {
        // RFC 4253 section 4.2: "SSH-protoversion-softwareversion CR LF".
        let mut st = State::default();
        let p = seg(&mut st, 1, false, b"SSH-2.0-OpenSSH_9.6\r\n");
        assert_eq!(p.cols.protocol, "SSH");
        assert_eq!(p.cols.info, "Server: Protocol (SSH-2.0-OpenSSH_9.6)");
        // The server's string does not set the version.
        let p = seg(&mut st, 2, true, b"SSH-2.0-OpenSSH_7.9\r\n");
        assert_eq!(p.cols.protocol, "SSH");
        assert_eq!(p.cols.info, "Client: Protocol (SSH-2.0-OpenSSH_7.9)");
        let p = seg(&mut st, 3, true, &kexinit());
        assert_eq!(p.cols.protocol, "SSHv2");
        assert_eq!(p.cols.info, "Client: Key Exchange Init");
    }

    /// An SSH_MSG_KEXINIT binary packet (RFC 4253 sections 6 and 7.1).
    fn kexinit() -> Vec<u8> {
        let mut body = vec![20u8];
        body.extend_from_slice(&[0xab; 16]);
        for l in [
            "curve25519-sha256",
            "ssh-ed25519",
            "aes128-ctr",
            "aes128-ctr",
            "hmac-sha2-256",
            "hmac-sha2-256",
            "none",
            "none",
            "",
            "",
        ] {
            body.extend_from_slice(&(l.len() as u32).to_be_bytes());
            body.extend_from_slice(l.as_bytes());
        }
        body.push(0);
        body.extend_from_slice(&[0; 4]);
        // Padding to a multiple of 8 with at least 4 bytes.
        let mut pad = 8 - (body.len() + 5) % 8;
        if pad < 4 {
            pad += 8;
        }
        let mut p = ((body.len() + pad + 1) as u32).to_be_bytes().to_vec();
        p.push(pad as u8);
        p.extend_from_slice(&body);
        p.extend(std::iter::repeat_n(0u8, pad));
        p
    }

    #[test]
    fn kexinit_fields() {
        let mut st = State::default();
        seg(&mut st, 1, true, b"SSH-2.0-x\r\n");
        let k = kexinit();
        let p = seg(&mut st, 2, true, &k);
        assert_eq!(values(&p, &k, "ssh.message_code"), ["20"]);
        assert_eq!(values(&p, &k, "ssh.kex_algorithms"), ["curve25519-sha256"]);
        assert_eq!(
            values(&p, &k, "ssh.packet_length"),
            [(k.len() - 4).to_string()]
        );
        assert_eq!(values(&p, &k, "ssh.seq_num"), ["0"]);
        assert_eq!(
            values(&p, &k, "ssh.kex.hassh_algorithms"),
            ["curve25519-sha256;aes128-ctr;hmac-sha2-256;none"]
        );
    }

    #[test]
    fn unknown_version_is_encrypted_and_short_packets_are_malformed() {
        let mut st = State::default();
        let p = seg(&mut st, 1, true, b"GET / HTTP/1.1\r\n\r\n");
        assert_eq!(p.cols.protocol, "SSH");
        assert_eq!(p.cols.info, "Client: Encrypted packet (len=18)");
        // Two bytes: Wireshark reads the encrypted bytes past the end.
        let p = seg(&mut st, 2, false, b"\x00\x01");
        assert_eq!(p.cols.info, "Encrypted packet (len=2)[Malformed Packet]");
    }

    #[test]
    fn ecdh_then_newkeys_then_encrypted() {
        let mut st = State::default();
        seg(&mut st, 1, true, b"SSH-2.0-x\r\n");
        seg(&mut st, 2, false, b"SSH-2.0-y\r\n");
        seg(&mut st, 3, true, &kexinit());
        let p = seg(&mut st, 4, false, &kexinit());
        assert_eq!(p.cols.info, "Server: Key Exchange Init");
        // SSH_MSG_KEX_ECDH_INIT (RFC 5656 section 4): string Q_C.
        let mut body = vec![30u8, 0, 0, 0, 32];
        body.extend_from_slice(&[7; 32]);
        let p = seg(&mut st, 5, true, &packet(&body));
        assert_eq!(
            p.cols.info,
            "Client: Elliptic Curve Diffie-Hellman Key Exchange Init"
        );
        // NEWKEYS (RFC 4253 section 7.3), then an encrypted packet.
        let mut b = packet(&[21]);
        b.extend_from_slice(&[0x55; 36]);
        let p = seg(&mut st, 6, true, &b);
        assert_eq!(p.cols.info, "Client: Encrypted packet (len=36)");
        let p = seg(&mut st, 7, true, &[0x66; 52]);
        assert_eq!(p.cols.protocol, "SSHv2");
        assert_eq!(p.cols.info, "Client: Encrypted packet (len=52)");
        // hmac-sha2-256 was never chosen (no ECDH reply): no MAC.
        assert!(values(&p, &[0x66; 52], "ssh.mac").is_empty());
    }

    /// A binary packet around `body` with 4 bytes of padding or more.
    fn packet(body: &[u8]) -> Vec<u8> {
        let mut pad = 8 - (body.len() + 5) % 8;
        if pad < 4 {
            pad += 8;
        }
        let mut p = ((body.len() + pad + 1) as u32).to_be_bytes().to_vec();
        p.push(pad as u8);
        p.extend_from_slice(body);
        p.extend(std::iter::repeat_n(0u8, pad));
        p
    }

    #[test]
    fn every_prefix_and_corruption_is_handled() {
        // Cut and corrupted key-exchange packets never panic: each is shown
        // or reported as malformed.
        let k = kexinit();
        for cut in 0..k.len() {
            for flip in [None, Some(0usize), Some(4), Some(5), Some(30)] {
                let mut st = State::default();
                seg(&mut st, 1, true, b"SSH-2.0-x\r\n");
                let mut d = k[..cut].to_vec();
                if let Some(i) = flip.filter(|&i| i < d.len()) {
                    d[i] ^= 0xff;
                }
                let p = seg(&mut st, 2, true, &d);
                assert!(p.cols.protocol.starts_with("SSH"));
            }
        }
    }

    #[test]
    fn mac_lengths() {
        assert_eq!(mac_length("hmac-sha2-256"), Some(32));
        assert_eq!(mac_length("hmac-sha2-512-etm@openssh.com"), Some(64));
        assert_eq!(mac_length("umac-64@openssh.com"), Some(8));
        assert_eq!(mac_length("hmac-sha1"), Some(20));
        assert_eq!(mac_length("hmac-md5"), Some(16));
        assert_eq!(mac_length("weird"), None);
    }
}
