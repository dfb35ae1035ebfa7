// The fields of ../shared/filters/dev.txt with their Wireshark 4.0 types,
// for tests and the `check_filters` example (included with `include!`).

use wirelab_dissect::{Base, FieldDef, FieldRef, FieldType};

macro_rules! fields {
    ($($id:ident = $def:expr;)*) => {
        $(static $id: FieldDef = $def;)*
        static ALL: &[&FieldDef] = &[$(&$id),*];
    };
}

use FieldType as T;

static IP_PROTO_VALS: &[(u64, &str)] = &[(1, "ICMP"), (6, "TCP"), (17, "UDP")];
static DNS_TYPE_VALS: &[(u64, &str)] = &[
    (1, "A"),
    (5, "CNAME"),
    (12, "PTR"),
    (15, "MX"),
    (16, "TXT"),
    (28, "AAAA"),
];
static DNS_RCODE_VALS: &[(u64, &str)] = &[(0, "No error"), (3, "No such name")];
static DHCP_TYPE_VALS: &[(u64, &str)] = &[
    (1, "Discover"),
    (2, "Offer"),
    (3, "Request"),
    (5, "ACK"),
    (6, "NAK"),
];

// Every field of ../shared/filters/dev.txt, with its Wireshark 4.0 type.
fields! {
    FRAME = FieldDef::proto("frame", "Frame");
    FRAME_LEN = FieldDef::new("frame.len", "Frame Length", T::U32);
    FRAME_NUMBER = FieldDef::new("frame.number", "Frame Number", T::U32);
    FRAME_TIME_REL = FieldDef::new("frame.time_relative", "Time since reference", T::RelTime);
    FRAME_TIME = FieldDef::new("frame.time", "Arrival Time", T::AbsTime);
    ETH = FieldDef::proto("eth", "Ethernet II");
    ETH_DST = FieldDef::new("eth.dst", "Destination", T::Ether);
    ETH_SRC = FieldDef::new("eth.src", "Source", T::Ether);
    ETH_ADDR = FieldDef::new("eth.addr", "Address", T::Ether);
    ETH_TYPE = FieldDef::new("eth.type", "Type", T::U16).with_base(Base::Hex);
    IP = FieldDef::proto("ip", "Internet Protocol Version 4");
    IP_SRC = FieldDef::new("ip.src", "Source Address", T::Ipv4);
    IP_DST = FieldDef::new("ip.dst", "Destination Address", T::Ipv4);
    IP_ADDR = FieldDef::new("ip.addr", "Source or Destination Address", T::Ipv4);
    IP_TTL = FieldDef::new("ip.ttl", "Time to Live", T::U8);
    IP_PROTO = FieldDef::new("ip.proto", "Protocol", T::U8).with_strings(IP_PROTO_VALS);
    IP_FLAGS_DF = FieldDef::new("ip.flags.df", "Don't fragment", T::Bool).with_mask(0x40, 8).with_tfs("Set", "Not set");
    IP_ID = FieldDef::new("ip.id", "Identification", T::U16).with_base(Base::HexDec);
    IP_LEN = FieldDef::new("ip.len", "Total Length", T::U16);
    IPV6 = FieldDef::proto("ipv6", "Internet Protocol Version 6");
    IPV6_ADDR = FieldDef::new("ipv6.addr", "Address", T::Ipv6);
    IPV6_SRC = FieldDef::new("ipv6.src", "Source Address", T::Ipv6);
    IPV6_HLIM = FieldDef::new("ipv6.hlim", "Hop Limit", T::U8);
    ARP = FieldDef::proto("arp", "Address Resolution Protocol");
    ARP_OPCODE = FieldDef::new("arp.opcode", "Opcode", T::U16);
    ARP_SRC_V4 = FieldDef::new("arp.src.proto_ipv4", "Sender IP address", T::Ipv4);
    ICMP = FieldDef::proto("icmp", "Internet Control Message Protocol");
    ICMP_TYPE = FieldDef::new("icmp.type", "Type", T::U8);
    ICMPV6 = FieldDef::proto("icmpv6", "Internet Control Message Protocol v6");
    ICMPV6_TYPE = FieldDef::new("icmpv6.type", "Type", T::U8);
    UDP = FieldDef::proto("udp", "User Datagram Protocol");
    UDP_PORT = FieldDef::new("udp.port", "Source or Destination Port", T::U16);
    UDP_SRCPORT = FieldDef::new("udp.srcport", "Source Port", T::U16);
    UDP_LENGTH = FieldDef::new("udp.length", "Length", T::U16);
    UDP_STREAM = FieldDef::new("udp.stream", "Stream index", T::U32);
    TCP = FieldDef::proto("tcp", "Transmission Control Protocol");
    TCP_PORT = FieldDef::new("tcp.port", "Source or Destination Port", T::U16);
    TCP_SRCPORT = FieldDef::new("tcp.srcport", "Source Port", T::U16);
    TCP_DSTPORT = FieldDef::new("tcp.dstport", "Destination Port", T::U16);
    TCP_FLAGS = FieldDef::new("tcp.flags", "Flags", T::U16).with_base(Base::Hex).with_mask(0x0fff, 16);
    TCP_FLAGS_SYN = FieldDef::new("tcp.flags.syn", "Syn", T::Bool).with_mask(0x002, 12);
    TCP_FLAGS_ACK = FieldDef::new("tcp.flags.ack", "Acknowledgment", T::Bool).with_mask(0x010, 12);
    TCP_FLAGS_RESET = FieldDef::new("tcp.flags.reset", "Reset", T::Bool).with_mask(0x004, 12);
    TCP_FLAGS_FIN = FieldDef::new("tcp.flags.fin", "Fin", T::Bool).with_mask(0x001, 12);
    TCP_LEN = FieldDef::new("tcp.len", "TCP Segment Len", T::U32);
    TCP_WIN = FieldDef::new("tcp.window_size_value", "Window", T::U16);
    TCP_SEQ = FieldDef::new("tcp.seq", "Sequence Number", T::U32);
    TCP_ACK = FieldDef::new("tcp.ack", "Acknowledgment Number", T::U32);
    TCP_STREAM = FieldDef::new("tcp.stream", "Stream index", T::U32);
    TCP_AN_RETR = FieldDef::new("tcp.analysis.retransmission", "Retransmission", T::None);
    TCP_AN_DUPACK = FieldDef::new("tcp.analysis.duplicate_ack", "Duplicate ACK", T::None);
    TCP_AN_KA = FieldDef::new("tcp.analysis.keep_alive", "Keep-Alive", T::None);
    TCP_AN_ZW = FieldDef::new("tcp.analysis.zero_window", "Zero window", T::None);
    TCP_AN_FLAGS = FieldDef::new("tcp.analysis.flags", "TCP Analysis Flags", T::None);
    TCP_MSS = FieldDef::new("tcp.options.mss_val", "MSS Value", T::U16);
    TCP_PAYLOAD = FieldDef::new("tcp.payload", "TCP payload", T::Bytes);
    DNS = FieldDef::proto("dns", "Domain Name System");
    DNS_RESPONSE = FieldDef::new("dns.flags.response", "Response", T::Bool).with_mask(0x8000, 16);
    DNS_RCODE = FieldDef::new("dns.flags.rcode", "Reply code", T::U16).with_mask(0x000f, 16).with_strings(DNS_RCODE_VALS);
    DNS_QRY_TYPE = FieldDef::new("dns.qry.type", "Type", T::U16).with_strings(DNS_TYPE_VALS);
    DNS_QRY_NAME = FieldDef::new("dns.qry.name", "Name", T::String);
    DNS_COUNT_ANSWERS = FieldDef::new("dns.count.answers", "Answer RRs", T::U16);
    DNS_A = FieldDef::new("dns.a", "Address", T::Ipv4);
    DNS_AAAA = FieldDef::new("dns.aaaa", "AAAA Address", T::Ipv6);
    DNS_CNAME = FieldDef::new("dns.cname", "CNAME", T::String);
    DNS_RESP_TTL = FieldDef::new("dns.resp.ttl", "Time to live", T::I32);
    DNS_RESPONSE_IN = FieldDef::new("dns.response_in", "Response In", T::FrameNum);
    DNS_RESPONSE_TO = FieldDef::new("dns.response_to", "Request In", T::FrameNum);
    DHCP = FieldDef::proto("dhcp", "Dynamic Host Configuration Protocol");
    DHCP_TYPE = FieldDef::new("dhcp.option.dhcp", "DHCP", T::U8).with_strings(DHCP_TYPE_VALS);
    DHCP_YOUR = FieldDef::new("dhcp.ip.your", "Your (client) IP address", T::Ipv4);
    DHCP_REQ_IP = FieldDef::new("dhcp.option.requested_ip_address", "Requested IP Address", T::Ipv4);
    DHCP_MAC = FieldDef::new("dhcp.hw.mac_addr", "Client MAC address", T::Ether);
    DHCP_LEASE = FieldDef::new("dhcp.option.ip_address_lease_time", "IP Address Lease Time", T::U32);
    HTTP = FieldDef::proto("http", "Hypertext Transfer Protocol");
    HTTP_REQUEST = FieldDef::new("http.request", "Request", T::None);
    HTTP_RESPONSE = FieldDef::new("http.response", "Response", T::None);
    HTTP_METHOD = FieldDef::new("http.request.method", "Request Method", T::String);
    HTTP_URI = FieldDef::new("http.request.uri", "Request URI", T::String);
    HTTP_CODE = FieldDef::new("http.response.code", "Status Code", T::U16);
    HTTP_HOST = FieldDef::new("http.host", "Host", T::String);
    HTTP_CTYPE = FieldDef::new("http.content_type", "Content type", T::String);
    HTTP_CLEN = FieldDef::new("http.content_length", "Content length", T::U64);
    HTTP_UA = FieldDef::new("http.user_agent", "User-Agent", T::String);
    TLS = FieldDef::proto("tls", "Transport Layer Security");
    TLS_HS_TYPE = FieldDef::new("tls.handshake.type", "Handshake Type", T::U8);
    TLS_SNI = FieldDef::new("tls.handshake.extensions_server_name", "Server Name", T::String);
    TLS_CT = FieldDef::new("tls.record.content_type", "Content Type", T::U8);
    NBNS = FieldDef::proto("nbns", "NetBIOS Name Service");
    RTT = FieldDef::new("x.rtt", "Round trip", T::Double);
    SIGNED = FieldDef::new("x.delta", "Signed delta", T::I16);
}

struct Fields;

impl crate_resolver::Resolver for Fields {
    fn field(&self, name: &str) -> Option<FieldRef> {
        ALL.iter().copied().find(|f| f.abbrev == name)
    }
}

