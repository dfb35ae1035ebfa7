//! DNS (RFC 1035), with EDNS (RFC 6891), DNSSEC records (RFC 4034), mDNS
//! (RFC 6762) and LLMNR (RFC 4795), shown as Wireshark 4.0's `packet-dns.c`
//! shows them: the same fields, tree labels and Info column.
//!
//! Names are expanded with compression pointers (RFC 1035 section 4.1.4);
//! a pointer loop or an over-long name ends as Wireshark's markers
//! (`<Name contains a pointer that loops>`, `<Name too long>`), never as a
//! hang. Requests and responses are matched per conversation and
//! transaction ID (`dns.response_to`, `dns.response_in`, `dns.time`).

use std::fmt::Write as _;

use crate::field::{Base, FieldDef, FieldRef, FieldType, ValueStrings};
use crate::packet::{Group, NodeId, Severity, Value};
use crate::tvb::{Bound, Tvb, R};
use crate::Cx;

/// `mdns`.
pub static MDNS_PROTO: FieldDef = FieldDef::proto("mdns", "Multicast Domain Name System");
/// `llmnr`.
pub static LLMNR_PROTO: FieldDef = FieldDef::proto("llmnr", "Link-local Multicast Name Resolution");
/// `text`: a label-only tree item (Wireshark's `hf_text_only`), e.g. "Queries".
pub static TEXT: FieldDef = FieldDef::new("text", "Text item", FieldType::None);

/// `dns`.
pub static PROTO: FieldDef = FieldDef::proto("dns", "Domain Name System");
/// `dns.length`.
pub static LENGTH: FieldDef = FieldDef::new("dns.length", "Length", FieldType::U16);
/// `dns.id`.
pub static ID: FieldDef =
    FieldDef::new("dns.id", "Transaction ID", FieldType::U16).with_base(Base::Hex);
/// `dns.flags`.
pub static FLAGS: FieldDef =
    FieldDef::new("dns.flags", "Flags", FieldType::U16).with_base(Base::Hex);
/// `dns.flags.response`.
pub static FLAGS_RESPONSE: FieldDef =
    FieldDef::new("dns.flags.response", "Response", FieldType::Bool)
        .with_mask(0x8000, 16)
        .with_tfs("Message is a response", "Message is a query");
const FLAGS_OPCODE_VALS: ValueStrings = &[
    (0, "Standard query"),
    (1, "Inverse query"),
    (2, "Server status request"),
    (4, "Zone change notification"),
    (5, "Dynamic update"),
    (6, "DNS Stateful operations (DSO)"),
];
/// `dns.flags.opcode`.
pub static FLAGS_OPCODE: FieldDef = FieldDef::new("dns.flags.opcode", "Opcode", FieldType::U16)
    .with_mask(0x7800, 16)
    .with_strings(FLAGS_OPCODE_VALS);
/// `dns.flags.authoritative`.
pub static FLAGS_AUTHORITATIVE: FieldDef =
    FieldDef::new("dns.flags.authoritative", "Authoritative", FieldType::Bool)
        .with_mask(0x400, 16)
        .with_tfs(
            "Server is an authority for domain",
            "Server is not an authority for domain",
        );
/// `dns.flags.conflict`.
pub static FLAGS_CONFLICT: FieldDef =
    FieldDef::new("dns.flags.conflict", "Conflict", FieldType::Bool)
        .with_mask(0x400, 16)
        .with_tfs(
            "The name is not considered unique",
            "The name is considered unique",
        );
/// `dns.flags.conflict` in an LLMNR query.
pub static FLAGS_CONFLICT_QUERY: FieldDef =
    FieldDef::new("dns.flags.conflict", "Conflict", FieldType::Bool)
        .with_mask(0x400, 16)
        .with_tfs("The sender received multiple responses", "None");
/// `dns.flags.truncated`.
pub static FLAGS_TRUNCATED: FieldDef =
    FieldDef::new("dns.flags.truncated", "Truncated", FieldType::Bool)
        .with_mask(0x200, 16)
        .with_tfs("Message is truncated", "Message is not truncated");
/// `dns.flags.recdesired`.
pub static FLAGS_RECDESIRED: FieldDef =
    FieldDef::new("dns.flags.recdesired", "Recursion desired", FieldType::Bool)
        .with_mask(0x100, 16)
        .with_tfs("Do query recursively", "Don't do query recursively");
/// `dns.flags.tentative`.
pub static FLAGS_TENTATIVE: FieldDef =
    FieldDef::new("dns.flags.tentative", "Tentative", FieldType::Bool)
        .with_mask(0x100, 16)
        .with_tfs("Tentative", "Not tentative");
/// `dns.flags.recavail`.
pub static FLAGS_RECAVAIL: FieldDef =
    FieldDef::new("dns.flags.recavail", "Recursion available", FieldType::Bool)
        .with_mask(0x80, 16)
        .with_tfs(
            "Server can do recursive queries",
            "Server can't do recursive queries",
        );
/// `dns.flags.z`.
pub static FLAGS_Z: FieldDef = FieldDef::new("dns.flags.z", "Z", FieldType::Bool)
    .with_mask(0x40, 16)
    .with_tfs("reserved - incorrect!", "reserved (0)");
/// `dns.flags.authenticated`.
pub static FLAGS_AUTHENTICATED: FieldDef = FieldDef::new(
    "dns.flags.authenticated",
    "Answer authenticated",
    FieldType::Bool,
)
.with_mask(0x20, 16)
.with_tfs(
    "Answer/authority portion was authenticated by the server",
    "Answer/authority portion was not authenticated by the server",
);
/// `dns.flags.authenticated` in a query (RFC 6840 section 5.7).
pub static FLAGS_AD: FieldDef = FieldDef::new("dns.flags.authenticated", "AD bit", FieldType::Bool)
    .with_mask(0x20, 16)
    .with_tfs("Set", "Not set");
/// `dns.flags.checkdisable`.
pub static FLAGS_CHECKDISABLE: FieldDef = FieldDef::new(
    "dns.flags.checkdisable",
    "Non-authenticated data",
    FieldType::Bool,
)
.with_mask(0x10, 16)
.with_tfs("Acceptable", "Unacceptable");
const FLAGS_RCODE_VALS: ValueStrings = &[
    (0, "No error"),
    (1, "Format error"),
    (2, "Server failure"),
    (3, "No such name"),
    (4, "Not implemented"),
    (5, "Refused"),
    (6, "Name exists"),
    (7, "RRset exists"),
    (8, "RRset does not exist"),
    (9, "Not authoritative"),
    (10, "Name out of zone"),
    (11, "DSO-Type not implemented"),
    (16, "Bad OPT Version or TSIG Signature Failure"),
    (17, "Key not recognized"),
    (18, "Signature out of time window"),
    (19, "Bad TKEY Mode"),
    (20, "Duplicate key name"),
    (21, "Algorithm not supported"),
    (22, "Bad Truncation"),
    (23, "Bad/missing Server Cookie"),
];
/// `dns.flags.rcode`.
pub static FLAGS_RCODE: FieldDef = FieldDef::new("dns.flags.rcode", "Reply code", FieldType::U16)
    .with_mask(0xf, 16)
    .with_strings(FLAGS_RCODE_VALS);
/// `dns.count.queries`.
pub static COUNT_QUERIES: FieldDef =
    FieldDef::new("dns.count.queries", "Questions", FieldType::U16);
/// `dns.count.zones`.
pub static COUNT_ZONES: FieldDef = FieldDef::new("dns.count.zones", "Zones", FieldType::U16);
/// `dns.count.answers`.
pub static COUNT_ANSWERS: FieldDef =
    FieldDef::new("dns.count.answers", "Answer RRs", FieldType::U16);
/// `dns.count.prerequisites`.
pub static COUNT_PREREQUISITES: FieldDef =
    FieldDef::new("dns.count.prerequisites", "Prerequisites", FieldType::U16);
/// `dns.count.auth_rr`.
pub static COUNT_AUTH_RR: FieldDef =
    FieldDef::new("dns.count.auth_rr", "Authority RRs", FieldType::U16);
/// `dns.count.updates`.
pub static COUNT_UPDATES: FieldDef = FieldDef::new("dns.count.updates", "Updates", FieldType::U16);
/// `dns.count.add_rr`.
pub static COUNT_ADD_RR: FieldDef =
    FieldDef::new("dns.count.add_rr", "Additional RRs", FieldType::U16);
/// `dns.qry.name`.
pub static QRY_NAME: FieldDef =
    FieldDef::new("dns.qry.name", "Name", FieldType::String).with_base(Base::None);
/// `dns.qry.name.len`.
pub static QRY_NAME_LEN: FieldDef =
    FieldDef::new("dns.qry.name.len", "Name Length", FieldType::U16);
/// `dns.count.labels`.
pub static COUNT_LABELS: FieldDef =
    FieldDef::new("dns.count.labels", "Label Count", FieldType::U16);
const QRY_TYPE_VALS: ValueStrings = &[
    (0, "Unused"),
    (1, "A (Host Address)"),
    (2, "NS (authoritative Name Server)"),
    (3, "MD (Mail Destination)"),
    (4, "MF (Mail Forwarder)"),
    (5, "CNAME (Canonical NAME for an alias)"),
    (6, "SOA (Start Of a zone of Authority)"),
    (7, "MB (MailBox domain name)"),
    (8, "MG (Mail Group member)"),
    (9, "MR (Mail Rename domain)"),
    (10, "NULL RR"),
    (11, "WKS (Well Known Service)"),
    (12, "PTR (domain name PoinTeR)"),
    (13, "HINFO (host information)"),
    (14, "MINFO (Mailbox or mail list information)"),
    (15, "MX (Mail eXchange)"),
    (16, "TXT (Text strings)"),
    (17, "RP (Responsible Person)"),
    (18, "AFSDB (AFS Data Base location)"),
    (19, "X25 (XX.25 PSDN address)"),
    (20, "ISDN (ISDN address)"),
    (21, "RT (Route Through)"),
    (22, "NSAP (NSAP address)"),
    (23, "NSAP-PTR (NSAP domain name pointer)"),
    (24, "SIG (security signature)"),
    (25, "KEY (security key)"),
    (26, "PX (X.400 mail mapping information)"),
    (27, "GPOS (Geographical Position)"),
    (28, "AAAA (IPv6 Address)"),
    (29, "LOC (Location Information)"),
    (30, "NXT (Next Domain)"),
    (31, "EID (Endpoint Identifier)"),
    (32, "NIMLOC (Nimrod Locator)"),
    (33, "SRV (Server Selection)"),
    (34, "ATMA (ATM Address)"),
    (35, "NAPTR (Naming Authority Pointer)"),
    (36, "KX (Key Exchanger)"),
    (37, "CERT"),
    (38, "A6 (OBSOLETE - use AAAA)"),
    (39, "DNAME"),
    (40, "SINK"),
    (41, "OPT"),
    (42, "APL"),
    (43, "DS (Delegation Signer)"),
    (44, "SSHFP (SSH Key Fingerprint)"),
    (45, "IPSECKEY"),
    (46, "RRSIG (Resource Record Signature)"),
    (47, "NSEC (Next Secure)"),
    (48, "DNSKEY (DNS Public Key)"),
    (49, "DHCID"),
    (50, "NSEC3"),
    (51, "NSEC3PARAM"),
    (52, "TLSA"),
    (55, "HIP (Host Identity Protocol)"),
    (57, "RKEY"),
    (58, "TALINK (Trust Anchor LINK)"),
    (59, "CDS (Child DS)"),
    (60, "CDNSKEY (DNSKEY(s) the Child wants reflected in DS)"),
    (61, "OPENPGPKEY (OpenPGP Key)"),
    (62, "CSYNC (Child-to-Parent Synchronization)"),
    (63, "ZONEMD"),
    (64, "SVCB (General Purpose Service Endpoints)"),
    (65, "HTTPS (HTTPS Specific Service Endpoints)"),
    (99, "SPF"),
    (100, "UINFO"),
    (101, "UID"),
    (102, "GID"),
    (103, "UNSPEC"),
    (104, "NID (NodeID)"),
    (105, "L32 (Locator32)"),
    (106, "L64 (Locator64)"),
    (107, "LP (Locator FQDN)"),
    (108, "EUI48"),
    (109, "EUI64"),
    (249, "TKEY (Transaction Key)"),
    (250, "TSIG (Transaction Signature)"),
    (251, "IXFR (incremental transfer)"),
    (252, "AXFR (transfer of an entire zone)"),
    (253, "MAILB (mailbox-related RRs)"),
    (254, "MAILA (mail agent RRs)"),
    (
        255,
        "* (A request for all records the server/cache has available)",
    ),
    (256, "URI"),
    (257, "CAA (Certification Authority Restriction)"),
    (32768, "TA (DNSSEC Trust Authorities)"),
    (32769, "DLV (DNSSEC Lookaside Validation)"),
    (65281, "WINS"),
    (65282, "WINS-R"),
    (65422, "XPF"),
];
/// `dns.qry.type`.
pub static QRY_TYPE: FieldDef =
    FieldDef::new("dns.qry.type", "Type", FieldType::U16).with_strings(QRY_TYPE_VALS);
const QRY_CLASS_VALS: ValueStrings = &[
    (1, "IN"),
    (2, "CS"),
    (3, "CH"),
    (4, "HS"),
    (254, "NONE"),
    (255, "ANY"),
];
/// `dns.qry.class`.
pub static QRY_CLASS: FieldDef = FieldDef::new("dns.qry.class", "Class", FieldType::U16)
    .with_base(Base::Hex)
    .with_strings(QRY_CLASS_VALS);
/// `dns.qry.class` in mDNS (the top bit is the QU bit).
pub static QRY_CLASS_MDNS: FieldDef = FieldDef::new("dns.qry.class", "Class", FieldType::U16)
    .with_base(Base::Hex)
    .with_strings(QRY_CLASS_VALS)
    .with_mask(0x7fff, 16);
/// `dns.qry.qu`.
pub static QRY_QU: FieldDef =
    FieldDef::new("dns.qry.qu", "\"QU\" question", FieldType::Bool).with_mask(0x8000, 16);
/// `dns.resp.name`.
pub static RESP_NAME: FieldDef =
    FieldDef::new("dns.resp.name", "Name", FieldType::String).with_base(Base::None);
/// `dns.resp.type`.
pub static RESP_TYPE: FieldDef =
    FieldDef::new("dns.resp.type", "Type", FieldType::U16).with_strings(QRY_TYPE_VALS);
/// `dns.resp.class`.
pub static RESP_CLASS: FieldDef = FieldDef::new("dns.resp.class", "Class", FieldType::U16)
    .with_base(Base::Hex)
    .with_strings(QRY_CLASS_VALS);
/// `dns.resp.class` in mDNS (the top bit is the cache-flush bit).
pub static RESP_CLASS_MDNS: FieldDef = FieldDef::new("dns.resp.class", "Class", FieldType::U16)
    .with_base(Base::Hex)
    .with_strings(QRY_CLASS_VALS)
    .with_mask(0x7fff, 16);
/// `dns.resp.cache_flush`.
pub static RESP_CACHE_FLUSH: FieldDef =
    FieldDef::new("dns.resp.cache_flush", "Cache flush", FieldType::Bool).with_mask(0x8000, 16);
/// `dns.resp.ttl`.
pub static RESP_TTL: FieldDef = FieldDef::new("dns.resp.ttl", "Time to live", FieldType::U32);
/// `dns.resp.len`.
pub static RESP_LEN: FieldDef = FieldDef::new("dns.resp.len", "Data length", FieldType::U16);
/// `dns.resp.ext_rcode`.
pub static RESP_EXT_RCODE: FieldDef = FieldDef::new(
    "dns.resp.ext_rcode",
    "Higher bits in extended RCODE",
    FieldType::U8,
)
.with_base(Base::Hex);
/// `dns.resp.edns0_version`.
pub static RESP_EDNS0_VERSION: FieldDef =
    FieldDef::new("dns.resp.edns0_version", "EDNS0 version", FieldType::U8);
/// `dns.resp.z`.
pub static RESP_Z: FieldDef = FieldDef::new("dns.resp.z", "Z", FieldType::U16).with_base(Base::Hex);
/// `dns.resp.z.do`.
pub static RESP_Z_DO: FieldDef = FieldDef::new("dns.resp.z.do", "DO bit", FieldType::Bool)
    .with_mask(0x8000, 16)
    .with_tfs(
        "Accepts DNSSEC security RRs",
        "Cannot handle DNSSEC security RRs",
    );
/// `dns.resp.z.reserved`.
pub static RESP_Z_RESERVED: FieldDef =
    FieldDef::new("dns.resp.z.reserved", "Reserved", FieldType::U16)
        .with_base(Base::Hex)
        .with_mask(0x7fff, 16);
/// `dns.rr.udp_payload_size`.
pub static RR_UDP_PAYLOAD_SIZE: FieldDef = FieldDef::new(
    "dns.rr.udp_payload_size",
    "UDP payload size",
    FieldType::U16,
);
/// `dns.rr.udp_payload_size` (mDNS: the top bit is the cache-flush bit).
pub static RR_UDP_PAYLOAD_SIZE_MDNS: FieldDef = FieldDef::new(
    "dns.rr.udp_payload_size",
    "UDP payload size",
    FieldType::U16,
)
.with_base(Base::Hex)
.with_mask(0x7fff, 16);
/// `dns.a`.
pub static A: FieldDef = FieldDef::new("dns.a", "Address", FieldType::Ipv4).with_base(Base::None);
/// `dns.aaaa`.
pub static AAAA: FieldDef =
    FieldDef::new("dns.aaaa", "AAAA Address", FieldType::Ipv6).with_base(Base::None);
/// `dns.cname`.
pub static CNAME: FieldDef =
    FieldDef::new("dns.cname", "CNAME", FieldType::String).with_base(Base::None);
/// `dns.ns`.
pub static NS: FieldDef =
    FieldDef::new("dns.ns", "Name Server", FieldType::String).with_base(Base::None);
/// `dns.ptr.domain_name`.
pub static PTR_DOMAIN_NAME: FieldDef =
    FieldDef::new("dns.ptr.domain_name", "Domain Name", FieldType::String).with_base(Base::None);
/// `dns.mx.preference`.
pub static MX_PREFERENCE: FieldDef =
    FieldDef::new("dns.mx.preference", "Preference", FieldType::U16);
/// `dns.mx.mail_exchange`.
pub static MX_MAIL_EXCHANGE: FieldDef =
    FieldDef::new("dns.mx.mail_exchange", "Mail Exchange", FieldType::String).with_base(Base::None);
/// `dns.txt.length`.
pub static TXT_LENGTH: FieldDef = FieldDef::new("dns.txt.length", "TXT Length", FieldType::U8);
/// `dns.txt`.
pub static TXT: FieldDef = FieldDef::new("dns.txt", "TXT", FieldType::String).with_base(Base::None);
/// `dns.soa.mname`.
pub static SOA_MNAME: FieldDef =
    FieldDef::new("dns.soa.mname", "Primary name server", FieldType::String).with_base(Base::None);
/// `dns.soa.rname`.
pub static SOA_RNAME: FieldDef = FieldDef::new(
    "dns.soa.rname",
    "Responsible authority's mailbox",
    FieldType::String,
)
.with_base(Base::None);
/// `dns.soa.serial_number`.
pub static SOA_SERIAL_NUMBER: FieldDef =
    FieldDef::new("dns.soa.serial_number", "Serial Number", FieldType::U32);
/// `dns.soa.refresh_interval`.
pub static SOA_REFRESH_INTERVAL: FieldDef = FieldDef::new(
    "dns.soa.refresh_interval",
    "Refresh Interval",
    FieldType::U32,
);
/// `dns.soa.retry_interval`.
pub static SOA_RETRY_INTERVAL: FieldDef =
    FieldDef::new("dns.soa.retry_interval", "Retry Interval", FieldType::U32);
/// `dns.soa.expire_limit`.
pub static SOA_EXPIRE_LIMIT: FieldDef =
    FieldDef::new("dns.soa.expire_limit", "Expire limit", FieldType::U32);
/// `dns.soa.minimum_ttl`.
pub static SOA_MINIMUM_TTL: FieldDef =
    FieldDef::new("dns.soa.minimum_ttl", "Minimum TTL", FieldType::U32);
/// `dns.srv.priority`.
pub static SRV_PRIORITY: FieldDef = FieldDef::new("dns.srv.priority", "Priority", FieldType::U16);
/// `dns.srv.weight`.
pub static SRV_WEIGHT: FieldDef = FieldDef::new("dns.srv.weight", "Weight", FieldType::U16);
/// `dns.srv.port`.
pub static SRV_PORT: FieldDef = FieldDef::new("dns.srv.port", "Port", FieldType::U16);
/// `dns.srv.target`.
pub static SRV_TARGET: FieldDef =
    FieldDef::new("dns.srv.target", "Target", FieldType::String).with_base(Base::None);
/// `dns.srv.service`.
pub static SRV_SERVICE: FieldDef =
    FieldDef::new("dns.srv.service", "Service", FieldType::String).with_base(Base::None);
/// `dns.srv.proto`.
pub static SRV_PROTO: FieldDef =
    FieldDef::new("dns.srv.proto", "Protocol", FieldType::String).with_base(Base::None);
/// `dns.srv.name`.
pub static SRV_NAME: FieldDef =
    FieldDef::new("dns.srv.name", "Name", FieldType::String).with_base(Base::None);
/// `dns.caa.flags`.
pub static CAA_FLAGS: FieldDef =
    FieldDef::new("dns.caa.flags", "CAA Flags", FieldType::U8).with_base(Base::Hex);
/// `dns.caa.flags.issuer_critical`.
pub static CAA_FLAGS_ISSUER_CRITICAL: FieldDef = FieldDef::new(
    "dns.caa.flags.issuer_critical",
    "Issuer Critical",
    FieldType::Bool,
)
.with_mask(0x80, 8)
.with_tfs("Critical", "Not critical");
/// `dns.caa.tag_length`.
pub static CAA_TAG_LENGTH: FieldDef =
    FieldDef::new("dns.caa.tag_length", "Tag length", FieldType::U8);
/// `dns.caa.tag`.
pub static CAA_TAG: FieldDef =
    FieldDef::new("dns.caa.tag", "Tag", FieldType::String).with_base(Base::None);
/// `dns.caa.value`.
pub static CAA_VALUE: FieldDef =
    FieldDef::new("dns.caa.value", "Value", FieldType::String).with_base(Base::None);
/// `dns.caa.issue`.
pub static CAA_ISSUE: FieldDef =
    FieldDef::new("dns.caa.issue", "Issue", FieldType::String).with_base(Base::None);
/// `dns.caa.unknown`.
pub static CAA_UNKNOWN: FieldDef =
    FieldDef::new("dns.caa.unknown", "Unknown tag", FieldType::String).with_base(Base::None);
/// `dns.hinfo.cpu_length`.
pub static HINFO_CPU_LENGTH: FieldDef =
    FieldDef::new("dns.hinfo.cpu_length", "CPU Length", FieldType::U8);
/// `dns.hinfo.cpu`.
pub static HINFO_CPU: FieldDef =
    FieldDef::new("dns.hinfo.cpu", "CPU", FieldType::String).with_base(Base::None);
/// `dns.hinfo.os_length`.
pub static HINFO_OS_LENGTH: FieldDef =
    FieldDef::new("dns.hinfo.os_length", "OS Length", FieldType::U8);
/// `dns.hinfo.os`.
pub static HINFO_OS: FieldDef =
    FieldDef::new("dns.hinfo.os", "OS", FieldType::String).with_base(Base::None);
/// `dns.opt`.
pub static OPT: FieldDef =
    FieldDef::new("dns.opt", "Option", FieldType::None).with_base(Base::None);
const OPT_CODE_VALS: ValueStrings = &[
    (0, "Reserved"),
    (1, "LLQ - Long-lived query"),
    (2, "UL - Update lease"),
    (3, "NSID - Name Server Identifier"),
    (4, "Owner (reserved)"),
    (5, "DAU - DNSSEC Algorithm Understood (RFC6975)"),
    (6, "DHU - DS Hash Understood (RFC6975)"),
    (7, "N3U - NSEC3 Hash Understood (RFC6975)"),
    (20730, "Experimental - CSUBNET - Client subnet"),
    (8, "CSUBNET - Client subnet"),
    (9, "EDNS EXPIRE (RFC7314)"),
    (10, "COOKIE"),
    (11, "EDNS TCP Keepalive"),
    (12, "PADDING"),
    (13, "CHAIN"),
    (15, "Extended DNS Error"),
];
/// `dns.opt.code`.
pub static OPT_CODE: FieldDef =
    FieldDef::new("dns.opt.code", "Option Code", FieldType::U16).with_strings(OPT_CODE_VALS);
/// `dns.opt.len`.
pub static OPT_LEN: FieldDef = FieldDef::new("dns.opt.len", "Option Length", FieldType::U16);
/// `dns.opt.data`.
pub static OPT_DATA: FieldDef =
    FieldDef::new("dns.opt.data", "Option Data", FieldType::Bytes).with_base(Base::None);
const OPT_CLIENT_FAMILY_VALS: ValueStrings = &[(1, "IPv4"), (2, "IPv6")];
/// `dns.opt.client.family`.
pub static OPT_CLIENT_FAMILY: FieldDef =
    FieldDef::new("dns.opt.client.family", "Family", FieldType::U16)
        .with_strings(OPT_CLIENT_FAMILY_VALS);
/// `dns.opt.client.netmask`.
pub static OPT_CLIENT_NETMASK: FieldDef =
    FieldDef::new("dns.opt.client.netmask", "Source Netmask", FieldType::U8);
/// `dns.opt.client.scope`.
pub static OPT_CLIENT_SCOPE: FieldDef =
    FieldDef::new("dns.opt.client.scope", "Scope Netmask", FieldType::U8);
/// `dns.opt.client.addr`.
pub static OPT_CLIENT_ADDR: FieldDef =
    FieldDef::new("dns.opt.client.addr", "Client Subnet", FieldType::Bytes).with_base(Base::None);
/// `dns.opt.client.addr4`.
pub static OPT_CLIENT_ADDR4: FieldDef =
    FieldDef::new("dns.opt.client.addr4", "Client Subnet", FieldType::Ipv4).with_base(Base::None);
/// `dns.opt.client.addr6`.
pub static OPT_CLIENT_ADDR6: FieldDef =
    FieldDef::new("dns.opt.client.addr6", "Client Subnet", FieldType::Ipv6).with_base(Base::None);
/// `dns.opt.cookie.client`.
pub static OPT_COOKIE_CLIENT: FieldDef =
    FieldDef::new("dns.opt.cookie.client", "Client Cookie", FieldType::Bytes).with_base(Base::None);
/// `dns.opt.cookie.server`.
pub static OPT_COOKIE_SERVER: FieldDef =
    FieldDef::new("dns.opt.cookie.server", "Server Cookie", FieldType::Bytes).with_base(Base::None);
/// `dns.opt.padding`.
pub static OPT_PADDING: FieldDef =
    FieldDef::new("dns.opt.padding", "Padding", FieldType::Bytes).with_base(Base::None);
/// `dns.opt.edns_tcp_keepalive.timeout`.
pub static OPT_EDNS_TCP_KEEPALIVE_TIMEOUT: FieldDef = FieldDef::new(
    "dns.opt.edns_tcp_keepalive.timeout",
    "Timeout",
    FieldType::U16,
);
/// `dns.ds.key_id`.
pub static DS_KEY_ID: FieldDef =
    FieldDef::new("dns.ds.key_id", "Key id", FieldType::U16).with_base(Base::Hex);
const DS_ALGORITHM_VALS: ValueStrings = &[
    (1, "RSA/MD5"),
    (2, "Diffie-Hellman"),
    (3, "DSA"),
    (4, "Elliptic curve crypto"),
    (5, "RSA/SHA1"),
    (6, "DSA + NSEC3/SHA1"),
    (7, "RSA/SHA1 + NSEC3/SHA1"),
    (8, "RSA/SHA-256"),
    (10, "RSA/SHA-512"),
    (12, "GOST R 34.10-2001"),
    (13, "ECDSA Curve P-256 with SHA-256"),
    (14, "ECDSA Curve P-386 with SHA-386"),
    (15, "Ed25519"),
    (16, "Ed448"),
    (157, "HMAC/MD5"),
    (252, "Indirect key"),
    (253, "Private, domain name"),
    (254, "Private, OID"),
];
/// `dns.ds.algorithm`.
pub static DS_ALGORITHM: FieldDef =
    FieldDef::new("dns.ds.algorithm", "Algorithm", FieldType::U8).with_strings(DS_ALGORITHM_VALS);
const DS_DIGEST_TYPE_VALS: ValueStrings = &[
    (0, "Reserved digest"),
    (1, "SHA-1"),
    (2, "SHA-256"),
    (3, "GOST R 34.11-94"),
    (4, "SHA-384"),
];
/// `dns.ds.digest_type`.
pub static DS_DIGEST_TYPE: FieldDef =
    FieldDef::new("dns.ds.digest_type", "Digest Type", FieldType::U8)
        .with_strings(DS_DIGEST_TYPE_VALS);
/// `dns.ds.digest`.
pub static DS_DIGEST: FieldDef =
    FieldDef::new("dns.ds.digest", "Digest", FieldType::Bytes).with_base(Base::None);
/// `dns.rrsig.type_covered`.
pub static RRSIG_TYPE_COVERED: FieldDef =
    FieldDef::new("dns.rrsig.type_covered", "Type Covered", FieldType::U16)
        .with_strings(QRY_TYPE_VALS);
/// `dns.rrsig.algorithm`.
pub static RRSIG_ALGORITHM: FieldDef =
    FieldDef::new("dns.rrsig.algorithm", "Algorithm", FieldType::U8)
        .with_strings(DS_ALGORITHM_VALS);
/// `dns.rrsig.labels`.
pub static RRSIG_LABELS: FieldDef = FieldDef::new("dns.rrsig.labels", "Labels", FieldType::U8);
/// `dns.rrsig.original_ttl`.
pub static RRSIG_ORIGINAL_TTL: FieldDef =
    FieldDef::new("dns.rrsig.original_ttl", "Original TTL", FieldType::U32);
/// `dns.rrsig.signature_expiration`.
pub static RRSIG_SIGNATURE_EXPIRATION: FieldDef = FieldDef::new(
    "dns.rrsig.signature_expiration",
    "Signature Expiration",
    FieldType::AbsTime,
)
.with_base(Base::None);
/// `dns.rrsig.signature_inception`.
pub static RRSIG_SIGNATURE_INCEPTION: FieldDef = FieldDef::new(
    "dns.rrsig.signature_inception",
    "Signature Inception",
    FieldType::AbsTime,
)
.with_base(Base::None);
/// `dns.rrsig.key_tag`.
pub static RRSIG_KEY_TAG: FieldDef = FieldDef::new("dns.rrsig.key_tag", "Key Tag", FieldType::U16);
/// `dns.rrsig.signers_name`.
pub static RRSIG_SIGNERS_NAME: FieldDef =
    FieldDef::new("dns.rrsig.signers_name", "Signer's name", FieldType::String)
        .with_base(Base::None);
/// `dns.rrsig.signature`.
pub static RRSIG_SIGNATURE: FieldDef =
    FieldDef::new("dns.rrsig.signature", "Signature", FieldType::Bytes).with_base(Base::None);
/// `dns.nsec.next_domain_name`.
pub static NSEC_NEXT_DOMAIN_NAME: FieldDef = FieldDef::new(
    "dns.nsec.next_domain_name",
    "Next Domain Name",
    FieldType::String,
)
.with_base(Base::None);
/// `dns.dnskey.flags`.
pub static DNSKEY_FLAGS: FieldDef =
    FieldDef::new("dns.dnskey.flags", "Flags", FieldType::U16).with_base(Base::Hex);
/// `dns.dnskey.flags.zone_key`.
pub static DNSKEY_FLAGS_ZONE_KEY: FieldDef =
    FieldDef::new("dns.dnskey.flags.zone_key", "Zone Key", FieldType::Bool)
        .with_mask(0x100, 16)
        .with_tfs(
            "This is the zone key for specified zone",
            "This it not a zone key",
        );
/// `dns.dnskey.flags.key_revoked`.
pub static DNSKEY_FLAGS_KEY_REVOKED: FieldDef = FieldDef::new(
    "dns.dnskey.flags.key_revoked",
    "Key Revoked",
    FieldType::Bool,
)
.with_mask(0x80, 16)
.with_tfs("Yes", "No");
/// `dns.dnskey.flags.secure_entry_point`.
pub static DNSKEY_FLAGS_SECURE_ENTRY_POINT: FieldDef = FieldDef::new(
    "dns.dnskey.flags.secure_entry_point",
    "Key Signing Key",
    FieldType::Bool,
)
.with_mask(0x1, 16)
.with_tfs("Yes", "No");
/// `dns.dnskey.flags.reserved`.
pub static DNSKEY_FLAGS_RESERVED: FieldDef = FieldDef::new(
    "dns.dnskey.flags.reserved",
    "Key Signing Key",
    FieldType::U16,
)
.with_base(Base::Hex)
.with_mask(0xfe7e, 16);
/// `dns.dnskey.protocol`.
pub static DNSKEY_PROTOCOL: FieldDef =
    FieldDef::new("dns.dnskey.protocol", "Protocol", FieldType::U8);
/// `dns.dnskey.algorithm`.
pub static DNSKEY_ALGORITHM: FieldDef =
    FieldDef::new("dns.dnskey.algorithm", "Algorithm", FieldType::U8)
        .with_strings(DS_ALGORITHM_VALS);
/// `dns.dnskey.key_id`.
pub static DNSKEY_KEY_ID: FieldDef = FieldDef::new("dns.dnskey.key_id", "Key id", FieldType::U16);
/// `dns.dnskey.public_key`.
pub static DNSKEY_PUBLIC_KEY: FieldDef =
    FieldDef::new("dns.dnskey.public_key", "Public Key", FieldType::Bytes).with_base(Base::None);
/// `dns.data`.
pub static DATA: FieldDef =
    FieldDef::new("dns.data", "Data", FieldType::Bytes).with_base(Base::None);
/// `dns.response_in`.
pub static RESPONSE_IN: FieldDef =
    FieldDef::new("dns.response_in", "Response In", FieldType::FrameNum);
/// `dns.response_to`.
pub static RESPONSE_TO: FieldDef =
    FieldDef::new("dns.response_to", "Request In", FieldType::FrameNum);
/// `dns.time`.
pub static TIME: FieldDef =
    FieldDef::new("dns.time", "Time", FieldType::RelTime).with_base(Base::None);
/// `dns.retransmission`.
pub static RETRANSMISSION: FieldDef =
    FieldDef::new("dns.retransmission", "Retransmission", FieldType::Bool);
/// `dns.unsolicited`.
pub static UNSOLICITED: FieldDef = FieldDef::new("dns.unsolicited", "Unsolicited", FieldType::Bool);
/// `dns.retransmit_request_in`.
pub static RETRANSMIT_REQUEST_IN: FieldDef = FieldDef::new(
    "dns.retransmit_request_in",
    "Retransmitted request. Original request in",
    FieldType::FrameNum,
);
/// `dns.retransmit_response_in`.
pub static RETRANSMIT_RESPONSE_IN: FieldDef = FieldDef::new(
    "dns.retransmit_response_in",
    "Retransmitted response. Original response in",
    FieldType::FrameNum,
);

/// `dns.svcb.svcpriority`.
pub static SVCB_SVCPRIORITY: FieldDef =
    FieldDef::new("dns.svcb.svcpriority", "SvcPriority", FieldType::U16);
/// `dns.svcb.targetname`.
pub static SVCB_TARGETNAME: FieldDef =
    FieldDef::new("dns.svcb.targetname", "TargetName", FieldType::String).with_base(Base::None);
/// `dns.svcb.svcparam`.
pub static SVCB_SVCPARAM: FieldDef =
    FieldDef::new("dns.svcb.svcparam", "SvcParam", FieldType::None).with_base(Base::None);
const SVCB_SVCPARAM_KEY_VALS: ValueStrings = &[
    (0, "mandatory"),
    (1, "alpn"),
    (2, "no-default-alpn"),
    (3, "port"),
    (4, "ipv4hint"),
    (5, "echconfig"),
    (6, "ipv6hint"),
    (32769, "odohconfig"),
    (65535, "key65535"),
];
/// `dns.svcb.svcparam.key`.
pub static SVCB_SVCPARAM_KEY: FieldDef =
    FieldDef::new("dns.svcb.svcparam.key", "SvcParamKey", FieldType::U16)
        .with_strings(SVCB_SVCPARAM_KEY_VALS);
/// `dns.svcb.svcparam.value.length`.
pub static SVCB_SVCPARAM_VALUE_LENGTH: FieldDef = FieldDef::new(
    "dns.svcb.svcparam.value.length",
    "SvcParamValue length",
    FieldType::U16,
);
/// `dns.svcb.svcparam.value`.
pub static SVCB_SVCPARAM_VALUE: FieldDef =
    FieldDef::new("dns.svcb.svcparam.value", "SvcParamValue", FieldType::Bytes)
        .with_base(Base::None);
/// `dns.svcb.svcparam.mandatory.key`.
pub static SVCB_SVCPARAM_MANDATORY_KEY: FieldDef = FieldDef::new(
    "dns.svcb.svcparam.mandatory.key",
    "Mandatory key",
    FieldType::U16,
)
.with_strings(SVCB_SVCPARAM_KEY_VALS);
/// `dns.svcb.svcparam.alpn.length`.
pub static SVCB_SVCPARAM_ALPN_LENGTH: FieldDef = FieldDef::new(
    "dns.svcb.svcparam.alpn.length",
    "ALPN length",
    FieldType::U8,
);
/// `dns.svcb.svcparam.alpn`.
pub static SVCB_SVCPARAM_ALPN: FieldDef =
    FieldDef::new("dns.svcb.svcparam.alpn", "ALPN", FieldType::String).with_base(Base::None);
/// `dns.svcb.svcparam.port`.
pub static SVCB_SVCPARAM_PORT: FieldDef =
    FieldDef::new("dns.svcb.svcparam.port", "Port", FieldType::U16);
/// `dns.svcb.svcparam.ipv4hint.ip`.
pub static SVCB_SVCPARAM_IPV4HINT_IP: FieldDef =
    FieldDef::new("dns.svcb.svcparam.ipv4hint.ip", "IP", FieldType::Ipv4).with_base(Base::None);
/// `dns.svcb.svcparam.echconfig`.
pub static SVCB_SVCPARAM_ECHCONFIG: FieldDef =
    FieldDef::new("dns.svcb.svcparam.echconfig", "ECHConfig", FieldType::Bytes)
        .with_base(Base::None);
/// `dns.svcb.svcparam.ipv6hint.ip`.
pub static SVCB_SVCPARAM_IPV6HINT_IP: FieldDef =
    FieldDef::new("dns.svcb.svcparam.ipv6hint.ip", "IP", FieldType::Ipv6).with_base(Base::None);
/// `dns.loc.version`.
pub static LOC_VERSION: FieldDef = FieldDef::new("dns.loc.version", "Version", FieldType::U8);
/// `dns.loc.size`.
pub static LOC_SIZE: FieldDef = FieldDef::new("dns.loc.size", "Size", FieldType::U8);
/// `dns.loc.horizontal_precision`.
pub static LOC_HORIZONTAL_PRECISION: FieldDef = FieldDef::new(
    "dns.loc.horizontal_precision",
    "Horizontal Precision",
    FieldType::U8,
);
/// `dns.loc.vertical_precision`.
pub static LOC_VERTICAL_PRECISION: FieldDef = FieldDef::new(
    "dns.loc.vertical_precision",
    "Vertical Precision",
    FieldType::U8,
);
/// `dns.loc.latitude`.
pub static LOC_LATITUDE: FieldDef = FieldDef::new("dns.loc.latitude", "Latitude", FieldType::U32);
/// `dns.loc.longitude`.
pub static LOC_LONGITUDE: FieldDef =
    FieldDef::new("dns.loc.longitude", "Longitude", FieldType::U32);
/// `dns.loc.altitude`.
pub static LOC_ALTITUDE: FieldDef = FieldDef::new("dns.loc.altitude", "Altitude", FieldType::U32);
/// `dns.loc.unknown_data`.
pub static LOC_UNKNOWN_DATA: FieldDef =
    FieldDef::new("dns.loc.unknown_data", "Unknown data", FieldType::Bytes).with_base(Base::None);
const SSHFP_ALGORITHM_VALS: ValueStrings = &[
    (0, "Reserved"),
    (1, "RSA"),
    (2, "DSA"),
    (3, "ECDSA"),
    (4, "Ed25519"),
    (5, "XMSS"),
];
/// `dns.sshfp.algorithm`.
pub static SSHFP_ALGORITHM: FieldDef =
    FieldDef::new("dns.sshfp.algorithm", "Algorithm", FieldType::U8)
        .with_strings(SSHFP_ALGORITHM_VALS);
const SSHFP_FINGERPRINT_TYPE_VALS: ValueStrings = &[(0, "Reserved"), (1, "SHA1"), (2, "SHA256")];
/// `dns.sshfp.fingerprint.type`.
pub static SSHFP_FINGERPRINT_TYPE: FieldDef = FieldDef::new(
    "dns.sshfp.fingerprint.type",
    "Fingerprint type",
    FieldType::U8,
)
.with_strings(SSHFP_FINGERPRINT_TYPE_VALS);
/// `dns.sshfp.fingerprint`.
pub static SSHFP_FINGERPRINT: FieldDef =
    FieldDef::new("dns.sshfp.fingerprint", "Fingerprint", FieldType::Bytes).with_base(Base::None);

const NSEC3_ALGO_VALS: ValueStrings = &[(0, "Reserved"), (1, "SHA-1")];
/// `dns.nsec3.algo`.
pub static NSEC3_ALGO: FieldDef =
    FieldDef::new("dns.nsec3.algo", "Hash algorithm", FieldType::U8).with_strings(NSEC3_ALGO_VALS);
/// `dns.nsec3.flags`.
pub static NSEC3_FLAGS: FieldDef = FieldDef::new("dns.nsec3.flags", "NSEC3 flags", FieldType::U8);
/// `dns.nsec3.flags.opt_out`.
pub static NSEC3_FLAGS_OPT_OUT: FieldDef = FieldDef::new(
    "dns.nsec3.flags.opt_out",
    "NSEC3 Opt-out flag",
    FieldType::Bool,
)
.with_mask(0x1, 8)
.with_tfs(
    "Additional insecure delegations allowed",
    "Additional insecure delegations forbidden",
);
/// `dns.nsec3.iterations`.
pub static NSEC3_ITERATIONS: FieldDef =
    FieldDef::new("dns.nsec3.iterations", "NSEC3 iterations", FieldType::U16);
/// `dns.nsec3.salt_length`.
pub static NSEC3_SALT_LENGTH: FieldDef =
    FieldDef::new("dns.nsec3.salt_length", "Salt length", FieldType::U8);
/// `dns.nsec3.salt_value`.
pub static NSEC3_SALT_VALUE: FieldDef =
    FieldDef::new("dns.nsec3.salt_value", "Salt value", FieldType::Bytes).with_base(Base::None);
/// `dns.nsec3.hash_length`.
pub static NSEC3_HASH_LENGTH: FieldDef =
    FieldDef::new("dns.nsec3.hash_length", "Hash length", FieldType::U8);
/// `dns.nsec3.hash_value`.
pub static NSEC3_HASH_VALUE: FieldDef = FieldDef::new(
    "dns.nsec3.hash_value",
    "Next hashed owner",
    FieldType::String,
)
.with_base(Base::None);

/// Fields of this module.
pub static FIELDS: &[FieldRef] = &[
    &PROTO,
    &MDNS_PROTO,
    &LLMNR_PROTO,
    &TEXT,
    &LENGTH,
    &ID,
    &FLAGS,
    &FLAGS_RESPONSE,
    &FLAGS_OPCODE,
    &FLAGS_AUTHORITATIVE,
    &FLAGS_CONFLICT,
    &FLAGS_CONFLICT_QUERY,
    &FLAGS_TRUNCATED,
    &FLAGS_RECDESIRED,
    &FLAGS_TENTATIVE,
    &FLAGS_RECAVAIL,
    &FLAGS_Z,
    &FLAGS_AUTHENTICATED,
    &FLAGS_AD,
    &FLAGS_CHECKDISABLE,
    &FLAGS_RCODE,
    &COUNT_QUERIES,
    &COUNT_ZONES,
    &COUNT_ANSWERS,
    &COUNT_PREREQUISITES,
    &COUNT_AUTH_RR,
    &COUNT_UPDATES,
    &COUNT_ADD_RR,
    &QRY_NAME,
    &QRY_NAME_LEN,
    &COUNT_LABELS,
    &QRY_TYPE,
    &QRY_CLASS,
    &QRY_CLASS_MDNS,
    &QRY_QU,
    &RESP_NAME,
    &RESP_TYPE,
    &RESP_CLASS,
    &RESP_CLASS_MDNS,
    &RESP_CACHE_FLUSH,
    &RESP_TTL,
    &RESP_LEN,
    &RESP_EXT_RCODE,
    &RESP_EDNS0_VERSION,
    &RESP_Z,
    &RESP_Z_DO,
    &RESP_Z_RESERVED,
    &RR_UDP_PAYLOAD_SIZE,
    &RR_UDP_PAYLOAD_SIZE_MDNS,
    &A,
    &AAAA,
    &CNAME,
    &NS,
    &PTR_DOMAIN_NAME,
    &MX_PREFERENCE,
    &MX_MAIL_EXCHANGE,
    &TXT_LENGTH,
    &TXT,
    &SOA_MNAME,
    &SOA_RNAME,
    &SOA_SERIAL_NUMBER,
    &SOA_REFRESH_INTERVAL,
    &SOA_RETRY_INTERVAL,
    &SOA_EXPIRE_LIMIT,
    &SOA_MINIMUM_TTL,
    &SRV_PRIORITY,
    &SRV_WEIGHT,
    &SRV_PORT,
    &SRV_TARGET,
    &SRV_SERVICE,
    &SRV_PROTO,
    &SRV_NAME,
    &CAA_FLAGS,
    &CAA_FLAGS_ISSUER_CRITICAL,
    &CAA_TAG_LENGTH,
    &CAA_TAG,
    &CAA_VALUE,
    &CAA_ISSUE,
    &CAA_UNKNOWN,
    &HINFO_CPU_LENGTH,
    &HINFO_CPU,
    &HINFO_OS_LENGTH,
    &HINFO_OS,
    &OPT,
    &OPT_CODE,
    &OPT_LEN,
    &OPT_DATA,
    &OPT_CLIENT_FAMILY,
    &OPT_CLIENT_NETMASK,
    &OPT_CLIENT_SCOPE,
    &OPT_CLIENT_ADDR,
    &OPT_CLIENT_ADDR4,
    &OPT_CLIENT_ADDR6,
    &OPT_COOKIE_CLIENT,
    &OPT_COOKIE_SERVER,
    &OPT_PADDING,
    &OPT_EDNS_TCP_KEEPALIVE_TIMEOUT,
    &DS_KEY_ID,
    &DS_ALGORITHM,
    &DS_DIGEST_TYPE,
    &DS_DIGEST,
    &RRSIG_TYPE_COVERED,
    &RRSIG_ALGORITHM,
    &RRSIG_LABELS,
    &RRSIG_ORIGINAL_TTL,
    &RRSIG_SIGNATURE_EXPIRATION,
    &RRSIG_SIGNATURE_INCEPTION,
    &RRSIG_KEY_TAG,
    &RRSIG_SIGNERS_NAME,
    &RRSIG_SIGNATURE,
    &NSEC_NEXT_DOMAIN_NAME,
    &DNSKEY_FLAGS,
    &DNSKEY_FLAGS_ZONE_KEY,
    &DNSKEY_FLAGS_KEY_REVOKED,
    &DNSKEY_FLAGS_SECURE_ENTRY_POINT,
    &DNSKEY_FLAGS_RESERVED,
    &DNSKEY_PROTOCOL,
    &DNSKEY_ALGORITHM,
    &DNSKEY_KEY_ID,
    &DNSKEY_PUBLIC_KEY,
    &DATA,
    &RESPONSE_IN,
    &RESPONSE_TO,
    &TIME,
    &RETRANSMISSION,
    &UNSOLICITED,
    &RETRANSMIT_REQUEST_IN,
    &RETRANSMIT_RESPONSE_IN,
    &SVCB_SVCPRIORITY,
    &SVCB_TARGETNAME,
    &SVCB_SVCPARAM,
    &SVCB_SVCPARAM_KEY,
    &SVCB_SVCPARAM_VALUE_LENGTH,
    &SVCB_SVCPARAM_VALUE,
    &SVCB_SVCPARAM_MANDATORY_KEY,
    &SVCB_SVCPARAM_ALPN_LENGTH,
    &SVCB_SVCPARAM_ALPN,
    &SVCB_SVCPARAM_PORT,
    &SVCB_SVCPARAM_IPV4HINT_IP,
    &SVCB_SVCPARAM_ECHCONFIG,
    &SVCB_SVCPARAM_IPV6HINT_IP,
    &LOC_VERSION,
    &LOC_SIZE,
    &LOC_HORIZONTAL_PRECISION,
    &LOC_VERTICAL_PRECISION,
    &LOC_LATITUDE,
    &LOC_LONGITUDE,
    &LOC_ALTITUDE,
    &LOC_UNKNOWN_DATA,
    &SSHFP_ALGORITHM,
    &SSHFP_FINGERPRINT_TYPE,
    &SSHFP_FINGERPRINT,
    &NSEC3_ALGO,
    &NSEC3_FLAGS,
    &NSEC3_FLAGS_OPT_OUT,
    &NSEC3_ITERATIONS,
    &NSEC3_SALT_LENGTH,
    &NSEC3_SALT_VALUE,
    &NSEC3_HASH_LENGTH,
    &NSEC3_HASH_VALUE,
];

/// How the message arrived: it changes the header (TCP length), the names
/// and flags shown (mDNS, LLMNR).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    /// Plain DNS over UDP.
    Udp,
    /// DNS over TCP: each message after a 2-byte length (RFC 1035 4.2.2).
    Tcp,
    /// Multicast DNS (RFC 6762).
    Mdns,
    /// Link-Local Multicast Name Resolution (RFC 4795).
    Llmnr,
}

const F_RESPONSE: u16 = 0x8000;
const F_OPCODE: u16 = 0x7800;
const F_RCODE: u16 = 0x000f;
const F_AUTHENTIC: u16 = 0x0020;
const OPCODE_UPDATE: u16 = 5;
const T_OPT: u16 = 41;
const MAX_DNAME_LEN: usize = 255;
const MIN_DNAME_LEN: usize = 2;
/// Seconds within which a repeated query is a retransmission (Wireshark's
/// `retransmission_timer` preference default).
const RETRANSMISSION_TIMER: i64 = 5;

/// DNS over UDP (port 53).
pub fn dissect(cx: &mut Cx<'_>, tvb: Tvb<'_>) -> R<()> {
    dissect_message(cx, tvb, Transport::Udp)
}

/// Multicast DNS (UDP port 5353).
pub fn dissect_mdns(cx: &mut Cx<'_>, tvb: Tvb<'_>) -> R<()> {
    dissect_message(cx, tvb, Transport::Mdns)
}

/// LLMNR (UDP port 5355).
pub fn dissect_llmnr(cx: &mut Cx<'_>, tvb: Tvb<'_>) -> R<()> {
    dissect_message(cx, tvb, Transport::Llmnr)
}

/// DNS over TCP (port 53): every whole length-prefixed message in the
/// segment. A message that continues past the segment is left to TCP
/// reassembly, which shows it once complete.
pub fn dissect_tcp(cx: &mut Cx<'_>, tvb: Tvb<'_>) -> R<()> {
    let mut off = 0usize;
    let mut first = true;
    while off < tvb.reported_len() {
        let Ok(plen) = tvb.u16(off) else {
            // Not even the length prefix: ask TCP for the next segment.
            cx.desegment = Some(crate::Desegment {
                offset: off,
                more: None,
            });
            break;
        };
        let total = 2 + plen as usize;
        if off + total > tvb.reported_len() {
            cx.desegment = Some(crate::Desegment {
                offset: off,
                more: Some(off + total - tvb.reported_len()),
            });
            break;
        }
        let pdu = tvb.sub_len(off, total)?;
        if !first {
            cx.pkt.cols.set_fence();
        }
        dissect_message(cx, pdu, Transport::Tcp)?;
        first = false;
        off += total;
    }
    Ok(())
}

/// The short name of a record type (`A`, `AAAA`, `Unknown (65280)`), as the
/// Info column shows it.
pub fn type_short_name(t: u16) -> std::borrow::Cow<'static, str> {
    match t {
        10 => "NULL".into(),
        255 => "ANY".into(),
        _ => match QRY_TYPE.value_name(t as u64) {
            Some(n) => n.split(" (").next().unwrap_or(n).into(),
            None => format!("Unknown ({t})").into(),
        },
    }
}

fn class_name(c: u16) -> &'static str {
    RESP_CLASS.value_name(c as u64).unwrap_or("Unknown")
}

fn malformed(tvb: &Tvb<'_>, off: usize) -> Bound {
    Bound::Malformed {
        offset: tvb.base().saturating_add(off.min(u32::MAX as usize) as u32),
    }
}

/// An expanded domain name: bytes consumed at its place, text, and the
/// length Wireshark counts for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    /// Bytes the name takes where it starts (a pointer ends it).
    pub consumed: usize,
    /// The name, dotted, `<Root>` for the root.
    pub text: String,
    /// Raw name length (before escaping non-printable characters).
    pub raw_len: usize,
}

/// The raw bytes of a name being expanded, on the stack.
struct RawName {
    buf: [u8; MAX_DNAME_LEN],
    len: usize,
}

impl Default for RawName {
    fn default() -> Self {
        RawName {
            buf: [0; MAX_DNAME_LEN],
            len: 0,
        }
    }
}

impl RawName {
    fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends a byte; the caller keeps to MAX_DNAME_LEN through `maxname`,
    /// and a byte past the buffer is dropped all the same.
    fn push(&mut self, b: u8) {
        if let Some(slot) = self.buf.get_mut(self.len) {
            *slot = b;
            self.len += 1;
        }
    }

    fn bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

/// Expands the name at `off`; `base` is where the message starts (pointers
/// count from it). Follows Wireshark's `expand_dns_name`/`get_dns_name`.
pub fn get_name(tvb: &Tvb<'_>, off: usize, base: usize) -> R<Name> {
    let start = off;
    let mut off = off;
    // At most MAX_DNAME_LEN bytes are kept (maxname counts them down).
    let mut raw = RawName::default();
    let mut maxname: isize = MAX_DNAME_LEN as isize;
    let mut len: Option<usize> = None;
    let mut pointers = 0usize;
    let mut special: Option<&'static str> = None;
    loop {
        let c = tvb.u8(off)? as usize;
        off += 1;
        if c == 0 {
            break;
        }
        match c & 0xc0 {
            0x00 => {
                if !raw.is_empty() {
                    if maxname > 0 {
                        raw.push(b'.');
                        maxname -= 1;
                    }
                } else {
                    maxname -= 1;
                }
                let label = tvb.bytes(off, c)?;
                for &b in label {
                    if maxname > 0 {
                        raw.push(b);
                        maxname -= 1;
                    }
                }
                off += c;
            }
            0x40 => {
                if c & 0x3f == 0x01 {
                    let bits = tvb.u8(off)? as usize;
                    off += 1;
                    let nbytes = if bits == 0 { 32 } else { (bits - 1) / 8 + 1 };
                    let mut s = String::from("\\[x");
                    for &b in tvb.bytes(off, nbytes)? {
                        let _ = write!(s, "{b:02x}");
                    }
                    let _ = write!(s, "/{bits}]");
                    off += nbytes;
                    for b in s.bytes() {
                        if maxname > 0 {
                            raw.push(b);
                            maxname -= 1;
                        }
                    }
                } else {
                    // Wireshark stops here; the length is what was read.
                    len = Some(off.saturating_sub(start));
                    special = Some("<Unknown extended label>");
                    break;
                }
            }
            0x80 => return Err(malformed(tvb, off)),
            _ => {
                let lo = tvb.u8(off)? as usize;
                let indir = base + (((c & 0x3f) << 8) | lo);
                off += 1;
                pointers += 1;
                if len.is_none() {
                    len = Some(off - start);
                }
                if indir == off + 2 || pointers > MAX_DNAME_LEN {
                    special = Some("<Name contains a pointer that loops>");
                    break;
                }
                off = indir;
            }
        }
    }
    let consumed = len.unwrap_or_else(|| off.saturating_sub(start));
    if special.is_none() && maxname <= 0 {
        special = Some("<Name too long>");
    }
    if let Some(s) = special {
        // get_dns_name's length check applies to these names too.
        if consumed < MIN_DNAME_LEN {
            return Err(malformed(tvb, start));
        }
        return Ok(Name {
            consumed,
            text: s.into(),
            raw_len: s.len(),
        });
    }
    if raw.is_empty() && consumed <= MIN_DNAME_LEN {
        return Ok(Name {
            consumed,
            text: "<Root>".into(),
            raw_len: 6,
        });
    }
    if consumed < MIN_DNAME_LEN || (consumed > MIN_DNAME_LEN && raw.is_empty()) {
        return Err(malformed(tvb, start));
    }
    Ok(Name {
        consumed,
        raw_len: raw.len,
        text: format_text(raw.bytes()),
    })
}

/// Wireshark's `format_text`: printable text as is, control characters as
/// C escapes, bytes that are not UTF-8 as U+FFFD.
pub fn format_text(b: &[u8]) -> String {
    format_text_cow(b).into_owned()
}

/// [`format_text`] that borrows the bytes when they need no escaping
/// (printable ASCII, the common case), allocating only otherwise.
pub fn format_text_cow(b: &[u8]) -> std::borrow::Cow<'_, str> {
    // Fast path: printable ASCII needs no escaping (checked without an
    // early exit, which vectorizes).
    let special = b.iter().fold(false, |acc, &c| {
        acc | !(0x20..0x7f).contains(&c) | (c == b'\\')
    });
    if !special {
        // Every byte is ASCII, hence valid UTF-8.
        if let Ok(t) = std::str::from_utf8(b) {
            return std::borrow::Cow::Borrowed(t);
        }
    }
    let mut out = String::with_capacity(b.len());
    let octal = |out: &mut String, x: u32| {
        out.push('\\');
        out.push(char::from(b'0' + ((x >> 6) & 7) as u8));
        out.push(char::from(b'0' + ((x >> 3) & 7) as u8));
        out.push(char::from(b'0' + (x & 7) as u8));
    };
    for chunk in b.utf8_chunks() {
        for ch in chunk.valid().chars() {
            match ch {
                '\x07' => out.push_str("\\a"),
                '\x08' => out.push_str("\\b"),
                '\x0c' => out.push_str("\\f"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '\x0b' => out.push_str("\\v"),
                '\\' => out.push_str("\\\\"),
                c if (c as u32) < 0x20 || c as u32 == 0x7f => octal(&mut out, c as u32),
                c => out.push(c),
            }
        }
        // Wireshark 4.0 shows bytes that are not UTF-8 as U+FFFD.
        if !chunk.invalid().is_empty() {
            out.push('\u{fffd}');
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Wireshark's `unsigned_time_secs_to_str`: `1 day, 2 hours, 3 seconds`.
pub fn time_secs_str(t: u32) -> String {
    if t == 0 {
        return "0 seconds".into();
    }
    let mut out = String::new();
    let parts = [
        (t / 86400, "day"),
        ((t / 3600) % 24, "hour"),
        ((t / 60) % 60, "minute"),
        (t % 60, "second"),
    ];
    for (n, unit) in parts {
        if n > 0 {
            if !out.is_empty() {
                out.push_str(", ");
            }
            let _ = write!(out, "{n} {unit}{}", if n == 1 { "" } else { "s" });
        }
    }
    out
}

/// Wireshark's `signed_time_secs_to_str`.
pub fn signed_time_secs_str(t: i32) -> String {
    if t < 0 {
        format!("-{}", time_secs_str(t.unsigned_abs()))
    } else {
        time_secs_str(t as u32)
    }
}

fn add_uint(cx: &mut Cx<'_>, f: FieldRef, tvb: &Tvb<'_>, off: usize, len: usize, v: u64) -> NodeId {
    cx.pkt.add(f, tvb, off, len, Value::UInt(v))
}

/// Adds a bit field of `raw` (the containing integer) at `off`.
pub(crate) fn add_bits(
    cx: &mut Cx<'_>,
    f: FieldRef,
    tvb: &Tvb<'_>,
    off: usize,
    len: usize,
    raw: u64,
) -> NodeId {
    let v = (raw & f.bitmask) >> f.bitmask.trailing_zeros();
    let val = if f.ftype == FieldType::Bool {
        Value::Bool(v != 0)
    } else {
        Value::UInt(v)
    };
    cx.pkt.add(f, tvb, off, len, val)
}

fn add_str(cx: &mut Cx<'_>, f: FieldRef, tvb: &Tvb<'_>, off: usize, len: usize, s: &str) -> NodeId {
    cx.pkt.add_str(f, tvb, off, len, s)
}

fn add_bytes(cx: &mut Cx<'_>, f: FieldRef, tvb: &Tvb<'_>, off: usize, len: usize) -> R<NodeId> {
    tvb.ensure(off, len)?;
    let sp = crate::packet::Span {
        src: crate::packet::Src::Data(tvb.ds()),
        start: tvb.base() + off as u32,
        len: len as u32,
    };
    Ok(cx.pkt.add(f, tvb, off, len, Value::Bytes(sp)))
}

/// Opens a label-only subtree.
pub(crate) fn open_text(
    cx: &mut Cx<'_>,
    tvb: &Tvb<'_>,
    off: usize,
    len: usize,
    label: std::fmt::Arguments<'_>,
) -> NodeId {
    let n = cx.pkt.open(&TEXT, tvb, off, len, Value::None);
    cx.pkt.set_label(n, label);
    n
}

fn dissect_message(cx: &mut Cx<'_>, tvb: Tvb<'_>, tr: Transport) -> R<()> {
    let (short, layer, proto): (&'static str, &str, FieldRef) = match tr {
        Transport::Mdns => ("MDNS", "mdns", &MDNS_PROTO),
        Transport::Llmnr => ("LLMNR", "llmnr", &LLMNR_PROTO),
        _ => ("DNS", "dns", &PROTO),
    };
    cx.current_proto = short;
    cx.pkt.layer(layer);
    cx.pkt.cols.set_protocol(short);
    cx.pkt.cols.clear_info();
    let base = if tr == Transport::Tcp { 2 } else { 0 };
    // The header is read before anything is shown, as Wireshark does.
    let id = tvb.u16(base)?;
    let flags = tvb.u16(base + 2)?;
    let opcode = (flags & F_OPCODE) >> 11;
    let rcode = flags & F_RCODE;
    let is_resp = flags & F_RESPONSE != 0;
    if cx.pkt.cols.info_enabled() {
        // "{opname}{ response} 0x{id:04x}" without the formatting machinery.
        const H: &[u8; 16] = b"0123456789abcdef";
        let opname = opcode_name(opcode);
        cx.pkt.cols.clear_info();
        let info = &mut cx.pkt.cols.info;
        info.push_str(&opname);
        if is_resp {
            info.push_str(" response");
        }
        info.push_str(" 0x");
        for shift in [12, 8, 4, 0] {
            info.push(H[((id >> shift) & 15) as usize] as char);
        }
        if is_resp && rcode != 0 {
            let rn = rcode_name(rcode);
            cx.pkt.cols.append_info(format_args!(" {rn}"));
        }
    } else {
        // Cut at the fence, as set_info does, when only Info is off.
        cx.pkt.cols.set_info(format_args!(""));
    }
    let isupdate = opcode == OPCODE_UPDATE;
    let len = tvb.reported_len();
    let top = cx.pkt.open(proto, &tvb, 0, len, Value::None);
    let kind = if is_resp { "response" } else { "query" };
    cx.pkt
        .set_label(top, format_args!("{} ({kind})", proto.name));
    let depth = cx.pkt.depth();
    let r = dissect_body(cx, &tvb, tr, base, id, flags, isupdate);
    cx.pkt.close_to(depth);
    cx.pkt.close();
    r
}

fn opcode_name(op: u16) -> std::borrow::Cow<'static, str> {
    match FLAGS_OPCODE.value_name(op as u64) {
        Some(n) => n.into(),
        None => format!("Unknown operation ({op})").into(),
    }
}

fn rcode_name(rc: u16) -> std::borrow::Cow<'static, str> {
    match FLAGS_RCODE.value_name(rc as u64) {
        Some(n) => n.into(),
        None => format!("Unknown error ({rc})").into(),
    }
}

#[allow(clippy::too_many_arguments)]
fn dissect_body(
    cx: &mut Cx<'_>,
    tvb: &Tvb<'_>,
    tr: Transport,
    base: usize,
    id: u16,
    flags: u16,
    isupdate: bool,
) -> R<()> {
    let is_resp = flags & F_RESPONSE != 0;
    let mdns = tr == Transport::Mdns;
    if tr == Transport::Tcp {
        add_uint(cx, &LENGTH, tvb, 0, 2, tvb.u16(0)? as u64);
    }
    add_uint(cx, &ID, tvb, base, 2, id as u64);
    // Flags: "0x8180 Standard query response, No error".
    let opcode = (flags & F_OPCODE) >> 11;
    let fl = add_uint(cx, &FLAGS, tvb, base + 2, 2, flags as u64);
    if cx.pkt.labelled(fl) {
        let op = opcode_name(opcode);
        if is_resp {
            let rc = rcode_name(flags & F_RCODE);
            cx.pkt
                .set_label(fl, format_args!("Flags: 0x{flags:04x} {op} response, {rc}"));
        } else {
            cx.pkt
                .set_label(fl, format_args!("Flags: 0x{flags:04x} {op}"));
        }
    }
    cx.pkt.reopen(fl);
    let f = flags as u64;
    let o = base + 2;
    add_bits(cx, &FLAGS_RESPONSE, tvb, o, 2, f);
    add_bits(cx, &FLAGS_OPCODE, tvb, o, 2, f);
    if tr == Transport::Llmnr {
        if is_resp {
            add_bits(cx, &FLAGS_CONFLICT, tvb, o, 2, f);
        } else {
            add_bits(cx, &FLAGS_CONFLICT_QUERY, tvb, o, 2, f);
        }
        add_bits(cx, &FLAGS_TRUNCATED, tvb, o, 2, f);
        add_bits(cx, &FLAGS_TENTATIVE, tvb, o, 2, f);
        if is_resp {
            add_bits(cx, &FLAGS_RCODE, tvb, o, 2, f);
        }
    } else {
        if is_resp {
            add_bits(cx, &FLAGS_AUTHORITATIVE, tvb, o, 2, f);
        }
        add_bits(cx, &FLAGS_TRUNCATED, tvb, o, 2, f);
        add_bits(cx, &FLAGS_RECDESIRED, tvb, o, 2, f);
        if is_resp {
            add_bits(cx, &FLAGS_RECAVAIL, tvb, o, 2, f);
        }
        add_bits(cx, &FLAGS_Z, tvb, o, 2, f);
        if is_resp {
            add_bits(cx, &FLAGS_AUTHENTICATED, tvb, o, 2, f);
        } else if flags & F_AUTHENTIC != 0 {
            add_bits(cx, &FLAGS_AD, tvb, o, 2, f);
        }
        add_bits(cx, &FLAGS_CHECKDISABLE, tvb, o, 2, f);
        if is_resp {
            add_bits(cx, &FLAGS_RCODE, tvb, o, 2, f);
        }
    }
    cx.pkt.close();
    // The four counts; an UPDATE names the first three differently.
    let names: [(&'static FieldDef, &'static FieldDef); 4] = [
        (&COUNT_QUERIES, &COUNT_ZONES),
        (&COUNT_ANSWERS, &COUNT_PREREQUISITES),
        (&COUNT_AUTH_RR, &COUNT_UPDATES),
        (&COUNT_ADD_RR, &COUNT_ADD_RR),
    ];
    let mut counts = [0u16; 4];
    for (k, (plain, update)) in names.into_iter().enumerate() {
        let off = base + 4 + 2 * k;
        counts[k] = tvb.u16(off)?;
        let f = if isupdate { update } else { plain };
        add_uint(cx, f, tvb, off, 2, counts[k] as u64);
    }
    let [qd, an, ns, ar] = counts;
    let mut off = base + 12;
    let mut multiple = false;
    if qd > 0 {
        let start = off;
        let t = open_text(
            cx,
            tvb,
            off,
            0,
            format_args!("{}", if isupdate { "Zone" } else { "Queries" }),
        );
        for _ in 0..qd {
            off += dissect_query(cx, tvb, off, base, mdns, &mut multiple)?;
        }
        cx.pkt.set_len(t, off - start);
        cx.pkt.close();
    }
    let sections: [(u16, &str, &str); 3] = [
        (an, "Answers", "Prerequisites"),
        (ns, "Authoritative nameservers", "Updates"),
        (ar, "Additional records", "Additional records"),
    ];
    for (count, name, uname) in sections {
        if count == 0 {
            continue;
        }
        let start = off;
        let t = open_text(
            cx,
            tvb,
            off,
            0,
            format_args!("{}", if isupdate { uname } else { name }),
        );
        for _ in 0..count {
            off += dissect_answer(cx, tvb, off, base, mdns)?;
        }
        cx.pkt.set_len(t, off - start);
        cx.pkt.close();
    }
    match_transaction(cx, tvb, tr, id, is_resp, multiple);
    Ok(())
}

fn dissect_query(
    cx: &mut Cx<'_>,
    tvb: &Tvb<'_>,
    off: usize,
    base: usize,
    mdns: bool,
    multiple: &mut bool,
) -> R<usize> {
    let name = get_name(tvb, off, base)?;
    let toff = off + name.consumed;
    let qtype = tvb.u16(toff)?;
    let mut class = tvb.u16(toff + 2)?;
    let used = name.consumed + 4;
    let qu = mdns && class & 0x8000 != 0;
    if mdns {
        class &= 0x7fff;
    }
    if qtype == 251 || qtype == 252 {
        *multiple = true;
    }
    let tname = type_short_name(qtype);
    cx.pkt.cols.push_info(" ");
    cx.pkt.cols.push_info(&tname);
    cx.pkt.cols.push_info(" ");
    cx.pkt.cols.push_info(&name.text);
    if mdns {
        cx.pkt.cols.append_info(format_args!(
            ", \"{}\" question",
            if qu { "QU" } else { "QM" }
        ));
    }
    let t = open_text(
        cx,
        tvb,
        off,
        used,
        format_args!("{}: type {}, class {}", name.text, tname, class_name(class)),
    );
    if mdns {
        cx.pkt.append_label(
            t,
            if qu {
                ", \"QU\" question"
            } else {
                ", \"QM\" question"
            },
        );
    }
    add_str(cx, &QRY_NAME, tvb, off, name.consumed, &name.text);
    let nl = add_uint(
        cx,
        &QRY_NAME_LEN,
        tvb,
        off,
        name.consumed,
        if name.raw_len > 1 {
            name.raw_len as u64
        } else {
            0
        },
    );
    cx.pkt.set_generated(nl);
    let labels = if name.raw_len > 1 {
        name.text.bytes().filter(|&b| b == b'.').count() as u64 + 1
    } else {
        0
    };
    let lc = add_uint(cx, &COUNT_LABELS, tvb, off, name.consumed, labels);
    cx.pkt.set_generated(lc);
    add_uint(cx, &QRY_TYPE, tvb, toff, 2, qtype as u64);
    if mdns {
        add_uint(cx, &QRY_CLASS_MDNS, tvb, toff + 2, 2, class as u64);
        cx.pkt.add(&QRY_QU, tvb, toff + 2, 2, Value::Bool(qu));
    } else {
        add_uint(cx, &QRY_CLASS, tvb, toff + 2, 2, class as u64);
    }
    cx.pkt.close();
    Ok(used)
}

fn dissect_answer(cx: &mut Cx<'_>, tvb: &Tvb<'_>, off: usize, base: usize, mdns: bool) -> R<usize> {
    let name = get_name(tvb, off, base)?;
    let toff = off + name.consumed;
    let rtype = tvb.u16(toff)?;
    let rawclass = tvb.u16(toff + 2)?;
    let (class, flush) = if mdns {
        (rawclass & 0x7fff, rawclass & 0x8000 != 0)
    } else {
        (rawclass, false)
    };
    let dlen = tvb.u16(toff + 8)? as usize;
    let d = toff + 10;
    let total = d - off + dlen;
    let tname = type_short_name(rtype);
    cx.pkt.cols.push_info(" ");
    cx.pkt.cols.push_info(&tname);
    if flush {
        cx.pkt.cols.append_info(format_args!(", cache flush"));
    }
    // Wireshark's record subtree covers the data length: a record that
    // claims more than the packet has ends the dissection here.
    tvb.ensure(off, total)?;
    let t = if rtype != T_OPT {
        open_text(
            cx,
            tvb,
            off,
            total,
            format_args!("{}: type {}, class {}", name.text, tname, class_name(class)),
        )
    } else {
        open_text(
            cx,
            tvb,
            off,
            total,
            format_args!("{}: type {}", name.text, tname),
        )
    };
    if rtype != T_OPT {
        if rtype == 33 && name.text.as_bytes().first().is_some_and(|&b| b != b'<') {
            let mut parts = name.text.splitn(3, '.');
            if let Some(s) = parts.next() {
                add_str(cx, &SRV_SERVICE, tvb, off, name.consumed, s);
            }
            if let Some(p) = parts.next() {
                add_str(cx, &SRV_PROTO, tvb, off, name.consumed, p);
            }
            if let Some(n) = parts.next() {
                add_str(cx, &SRV_NAME, tvb, off, name.consumed, n);
            }
        } else {
            add_str(cx, &RESP_NAME, tvb, off, name.consumed, &name.text);
        }
        add_uint(cx, &RESP_TYPE, tvb, toff, 2, rtype as u64);
        if mdns {
            add_uint(cx, &RESP_CLASS_MDNS, tvb, toff + 2, 2, class as u64);
            cx.pkt
                .add(&RESP_CACHE_FLUSH, tvb, toff + 2, 2, Value::Bool(flush));
        } else {
            add_uint(cx, &RESP_CLASS, tvb, toff + 2, 2, class as u64);
        }
        let ttl = tvb.u32(toff + 4)?;
        let ti = add_uint(cx, &RESP_TTL, tvb, toff + 4, 4, ttl as u64);
        if cx.pkt.labelled(ti) {
            cx.pkt.set_label(
                ti,
                format_args!("Time to live: {} ({})", ttl, time_secs_str(ttl)),
            );
        }
        if ttl & 0x8000_0000 != 0 {
            cx.pkt.reopen(ti);
            cx.pkt.expert(
                "dns",
                Severity::Warning,
                Group::Protocol,
                format_args!("The uppermost bit of the TTL is set (RFC 2181, section 8)"),
            );
            cx.pkt.close();
        }
        add_uint(cx, &RESP_LEN, tvb, toff + 8, 2, dlen as u64);
    } else {
        add_str(cx, &RESP_NAME, tvb, off, name.consumed, &name.text);
        add_uint(cx, &RESP_TYPE, tvb, toff, 2, rtype as u64);
        if mdns {
            add_uint(
                cx,
                &RR_UDP_PAYLOAD_SIZE_MDNS,
                tvb,
                toff + 2,
                2,
                class as u64,
            );
            cx.pkt
                .add(&RESP_CACHE_FLUSH, tvb, toff + 2, 2, Value::Bool(flush));
        } else {
            add_uint(cx, &RR_UDP_PAYLOAD_SIZE, tvb, toff + 2, 2, rawclass as u64);
        }
        add_uint(
            cx,
            &RESP_EXT_RCODE,
            tvb,
            toff + 4,
            1,
            tvb.u8(toff + 4)? as u64,
        );
        add_uint(
            cx,
            &RESP_EDNS0_VERSION,
            tvb,
            toff + 5,
            1,
            tvb.u8(toff + 5)? as u64,
        );
        let z = tvb.u16(toff + 6)? as u64;
        let zi = add_uint(cx, &RESP_Z, tvb, toff + 6, 2, z);
        cx.pkt.reopen(zi);
        add_bits(cx, &RESP_Z_DO, tvb, toff + 6, 2, z);
        add_bits(cx, &RESP_Z_RESERVED, tvb, toff + 6, 2, z);
        cx.pkt.close();
        add_uint(cx, &RESP_LEN, tvb, toff + 8, 2, dlen as u64);
    }
    if flush {
        cx.pkt.append_label(t, ", cache flush");
    }
    if dlen > 0 {
        dissect_rdata(cx, tvb, t, &name.text, rtype, d, dlen, base)?;
    }
    cx.pkt.close();
    Ok(total)
}

#[allow(clippy::too_many_arguments)]
fn dissect_rdata(
    cx: &mut Cx<'_>,
    tvb: &Tvb<'_>,
    t: NodeId,
    owner: &str,
    rtype: u16,
    d: usize,
    dlen: usize,
    base: usize,
) -> R<()> {
    match rtype {
        1 => {
            let a = tvb.ipv4(d)?;
            if cx.pkt.cols.info_enabled() {
                cx.pkt.cols.info.push(' ');
                crate::packet::push_ipv4(&mut cx.pkt.cols.info, a);
            }
            if cx.pkt.built(t) {
                let s = format!("{}.{}.{}.{}", a[0], a[1], a[2], a[3]);
                cx.pkt.append_label(t, &format!(", addr {s}"));
            }
            cx.pkt.add(&A, tvb, d, 4, Value::Ipv4(a));
        }
        2 | 5 | 12 | 39 => {
            let n = get_name(tvb, d, base)?;
            cx.pkt.cols.push_info(" ");
            cx.pkt.cols.push_info(&n.text);
            let (f, lab): (FieldRef, &str) = match rtype {
                2 => (&NS, ", ns "),
                5 => (&CNAME, ", cname "),
                12 => (&PTR_DOMAIN_NAME, ", "),
                _ => (&DATA, ", dname "),
            };
            if cx.pkt.built(t) {
                cx.pkt.append_label(t, &format!("{lab}{}", n.text));
            }
            if rtype == 39 {
                add_bytes(cx, &DATA, tvb, d, dlen)?;
            } else {
                add_str(cx, f, tvb, d, n.consumed, &n.text);
            }
        }
        6 => {
            let m = get_name(tvb, d, base)?;
            cx.pkt.cols.append_info(format_args!(" {}", m.text));
            if cx.pkt.built(t) {
                cx.pkt.append_label(t, &format!(", mname {}", m.text));
            }
            add_str(cx, &SOA_MNAME, tvb, d, m.consumed, &m.text);
            let mut o = d + m.consumed;
            let r = get_name(tvb, o, base)?;
            add_str(cx, &SOA_RNAME, tvb, o, r.consumed, &r.text);
            o += r.consumed;
            add_uint(cx, &SOA_SERIAL_NUMBER, tvb, o, 4, tvb.u32(o)? as u64);
            o += 4;
            for f in [
                &SOA_REFRESH_INTERVAL,
                &SOA_RETRY_INTERVAL,
                &SOA_EXPIRE_LIMIT,
                &SOA_MINIMUM_TTL,
            ] {
                let v = tvb.u32(o)?;
                let n = add_uint(cx, f, tvb, o, 4, v as u64);
                cx.pkt.set_label(
                    n,
                    format_args!("{}: {} ({})", f.name, v, signed_time_secs_str(v as i32)),
                );
                o += 4;
            }
        }
        13 => {
            let cl = tvb.u8(d)? as usize;
            let cpu = format_text(tvb.bytes(d + 1, cl)?);
            let oo = d + 1 + cl;
            let ol = tvb.u8(oo)? as usize;
            let os = format_text(tvb.bytes(oo + 1, ol)?);
            cx.pkt.cols.append_info(format_args!(" {cpu} {os}"));
            cx.pkt.append_label(t, &format!(", CPU {cpu}, OS {os}"));
            add_uint(cx, &HINFO_CPU_LENGTH, tvb, d, 1, cl as u64);
            add_str(cx, &HINFO_CPU, tvb, d + 1, cl, &cpu);
            add_uint(cx, &HINFO_OS_LENGTH, tvb, oo, 1, ol as u64);
            add_str(cx, &HINFO_OS, tvb, oo + 1, ol, &os);
        }
        15 => {
            let pref = tvb.u16(d)?;
            let n = get_name(tvb, d + 2, base)?;
            cx.pkt
                .cols
                .append_info(format_args!(" {} {}", pref, n.text));
            if cx.pkt.built(t) {
                cx.pkt
                    .append_label(t, &format!(", preference {}, mx {}", pref, n.text));
            }
            add_uint(cx, &MX_PREFERENCE, tvb, d, 2, pref as u64);
            add_str(cx, &MX_MAIL_EXCHANGE, tvb, d + 2, n.consumed, &n.text);
        }
        16 => {
            let mut o = d;
            let end = d + dlen;
            while o < end {
                let l = tvb.u8(o)? as usize;
                add_uint(cx, &TXT_LENGTH, tvb, o, 1, l as u64);
                o += 1;
                let s = format_text(tvb.bytes(o, l)?);
                add_str(cx, &TXT, tvb, o, l, &s);
                o += l;
            }
        }
        28 => {
            let a = tvb.ipv6(d)?;
            let s = std::net::Ipv6Addr::from(a);
            cx.pkt.cols.append_info(format_args!(" {s}"));
            if cx.pkt.built(t) {
                cx.pkt.append_label(t, &format!(", addr {s}"));
            }
            cx.pkt.add(&AAAA, tvb, d, 16, Value::Ipv6(a));
        }
        33 => {
            let pri = tvb.u16(d)?;
            let w = tvb.u16(d + 2)?;
            let port = tvb.u16(d + 4)?;
            add_uint(cx, &SRV_PRIORITY, tvb, d, 2, pri as u64);
            add_uint(cx, &SRV_WEIGHT, tvb, d + 2, 2, w as u64);
            add_uint(cx, &SRV_PORT, tvb, d + 4, 2, port as u64);
            let n = get_name(tvb, d + 6, base)?;
            add_str(cx, &SRV_TARGET, tvb, d + 6, n.consumed, &n.text);
            cx.pkt
                .cols
                .append_info(format_args!(" {} {} {} {}", pri, w, port, n.text));
            cx.pkt.append_label(
                t,
                &format!(
                    ", priority {}, weight {}, port {}, target {}",
                    pri, w, port, n.text
                ),
            );
        }
        41 => dissect_opt(cx, tvb, d, dlen)?,
        29 => {
            let v = tvb.u8(d)?;
            add_uint(cx, &LOC_VERSION, tvb, d, 1, v as u64);
            if v == 0 {
                // Wireshark reads the whole version 0 record whatever the
                // data length says (RFC 1876 section 2).
                tvb.ensure(d, 16)?;
                for (f, o) in [
                    (&LOC_SIZE, 1),
                    (&LOC_HORIZONTAL_PRECISION, 2),
                    (&LOC_VERTICAL_PRECISION, 3),
                ] {
                    add_uint(cx, f, tvb, d + o, 1, tvb.u8(d + o)? as u64);
                }
                for (f, o) in [(&LOC_LATITUDE, 4), (&LOC_LONGITUDE, 8), (&LOC_ALTITUDE, 12)] {
                    add_uint(cx, f, tvb, d + o, 4, tvb.u32(d + o)? as u64);
                }
            } else {
                add_bytes(cx, &LOC_UNKNOWN_DATA, tvb, d, dlen)?;
            }
        }
        64 | 65 => dissect_svcb(cx, tvb, d, dlen, base)?,
        50 => {
            // RFC 5155 section 3.2.
            add_uint(cx, &NSEC3_ALGO, tvb, d, 1, tvb.u8(d)? as u64);
            let fl = tvb.u8(d + 1)? as u64;
            let fi = add_uint(cx, &NSEC3_FLAGS, tvb, d + 1, 1, fl);
            cx.pkt.reopen(fi);
            add_bits(cx, &NSEC3_FLAGS_OPT_OUT, tvb, d + 1, 1, fl);
            cx.pkt.close();
            add_uint(cx, &NSEC3_ITERATIONS, tvb, d + 2, 2, tvb.u16(d + 2)? as u64);
            let sl = tvb.u8(d + 4)? as usize;
            add_uint(cx, &NSEC3_SALT_LENGTH, tvb, d + 4, 1, sl as u64);
            add_bytes(cx, &NSEC3_SALT_VALUE, tvb, d + 5, sl)?;
            let ho = d + 5 + sl;
            let hl = tvb.u8(ho)? as usize;
            add_uint(cx, &NSEC3_HASH_LENGTH, tvb, ho, 1, hl as u64);
            let h = base32hex(tvb.bytes(ho + 1, hl)?);
            let hv = add_str(cx, &NSEC3_HASH_VALUE, tvb, ho + 1, hl, &h);
            cx.pkt.set_generated(hv);
            let bo = ho + 1 + hl;
            type_bitmap(cx, tvb, bo, (d + dlen).saturating_sub(bo))?;
        }
        44 => {
            // RFC 4255 section 3.1.
            add_uint(cx, &SSHFP_ALGORITHM, tvb, d, 1, tvb.u8(d)? as u64);
            add_uint(
                cx,
                &SSHFP_FINGERPRINT_TYPE,
                tvb,
                d + 1,
                1,
                tvb.u8(d + 1)? as u64,
            );
            if dlen > 2 {
                add_bytes(cx, &SSHFP_FINGERPRINT, tvb, d + 2, dlen - 2)?;
            }
        }
        43 | 59 | 32769 => {
            add_uint(cx, &DS_KEY_ID, tvb, d, 2, tvb.u16(d)? as u64);
            add_uint(cx, &DS_ALGORITHM, tvb, d + 2, 1, tvb.u8(d + 2)? as u64);
            add_uint(cx, &DS_DIGEST_TYPE, tvb, d + 3, 1, tvb.u8(d + 3)? as u64);
            add_bytes(cx, &DS_DIGEST, tvb, d + 4, dlen.saturating_sub(4))?;
        }
        24 | 46 => {
            let tc = tvb.u16(d)?;
            let n = add_uint(cx, &RRSIG_TYPE_COVERED, tvb, d, 2, tc as u64);
            let desc = QRY_TYPE
                .value_name(tc as u64)
                .map(str::to_string)
                .unwrap_or(format!("Unknown ({tc})"));
            cx.pkt
                .set_label(n, format_args!("Type Covered: {desc} ({tc})"));
            add_uint(cx, &RRSIG_ALGORITHM, tvb, d + 2, 1, tvb.u8(d + 2)? as u64);
            add_uint(cx, &RRSIG_LABELS, tvb, d + 3, 1, tvb.u8(d + 3)? as u64);
            let ot = tvb.u32(d + 4)?;
            let n = add_uint(cx, &RRSIG_ORIGINAL_TTL, tvb, d + 4, 4, ot as u64);
            cx.pkt.set_label(
                n,
                format_args!("Original TTL: {} ({})", ot, time_secs_str(ot)),
            );
            let exp = tvb.u32(d + 8)?;
            cx.pkt.add(
                &RRSIG_SIGNATURE_EXPIRATION,
                tvb,
                d + 8,
                4,
                Value::Time {
                    secs: exp as i64,
                    nanos: 0,
                },
            );
            let inc = tvb.u32(d + 12)?;
            cx.pkt.add(
                &RRSIG_SIGNATURE_INCEPTION,
                tvb,
                d + 12,
                4,
                Value::Time {
                    secs: inc as i64,
                    nanos: 0,
                },
            );
            add_uint(cx, &RRSIG_KEY_TAG, tvb, d + 16, 2, tvb.u16(d + 16)? as u64);
            let n = get_name(tvb, d + 18, base)?;
            add_str(cx, &RRSIG_SIGNERS_NAME, tvb, d + 18, n.consumed, &n.text);
            let so = d + 18 + n.consumed;
            let sl = (d + dlen).saturating_sub(so);
            if sl > 0 {
                add_bytes(cx, &RRSIG_SIGNATURE, tvb, so, sl)?;
            }
        }
        47 => {
            let n = get_name(tvb, d, base)?;
            cx.pkt.cols.append_info(format_args!(" {}", n.text));
            cx.pkt
                .append_label(t, &format!(", next domain name {}", n.text));
            add_str(cx, &NSEC_NEXT_DOMAIN_NAME, tvb, d, n.consumed, &n.text);
            type_bitmap(cx, tvb, d + n.consumed, dlen.saturating_sub(n.consumed))?;
        }
        48 | 60 => {
            let fl = tvb.u16(d)? as u64;
            let fi = add_uint(cx, &DNSKEY_FLAGS, tvb, d, 2, fl);
            cx.pkt.reopen(fi);
            add_bits(cx, &DNSKEY_FLAGS_ZONE_KEY, tvb, d, 2, fl);
            add_bits(cx, &DNSKEY_FLAGS_KEY_REVOKED, tvb, d, 2, fl);
            add_bits(cx, &DNSKEY_FLAGS_SECURE_ENTRY_POINT, tvb, d, 2, fl);
            add_bits(cx, &DNSKEY_FLAGS_RESERVED, tvb, d, 2, fl);
            cx.pkt.close();
            add_uint(cx, &DNSKEY_PROTOCOL, tvb, d + 2, 1, tvb.u8(d + 2)? as u64);
            let algo = tvb.u8(d + 3)?;
            add_uint(cx, &DNSKEY_ALGORITHM, tvb, d + 3, 1, algo as u64);
            if dlen >= 4 {
                let kid = key_id(tvb.bytes(d, dlen)?, algo);
                let k = add_uint(cx, &DNSKEY_KEY_ID, tvb, 0, 0, kid as u64);
                cx.pkt.set_generated(k);
            }
            if dlen > 4 {
                add_bytes(cx, &DNSKEY_PUBLIC_KEY, tvb, d + 4, dlen - 4)?;
            }
        }
        257 => {
            let fl = tvb.u8(d)? as u64;
            let fi = add_uint(cx, &CAA_FLAGS, tvb, d, 1, fl);
            cx.pkt.reopen(fi);
            add_bits(cx, &CAA_FLAGS_ISSUER_CRITICAL, tvb, d, 1, fl);
            cx.pkt.close();
            let tl = tvb.u8(d + 1)? as usize;
            add_uint(cx, &CAA_TAG_LENGTH, tvb, d + 1, 1, tl as u64);
            let tag = format_text(tvb.bytes(d + 2, tl)?);
            add_str(cx, &CAA_TAG, tvb, d + 2, tl, &tag);
            let vo = d + 2 + tl;
            let vl = (d + dlen).saturating_sub(vo);
            let val = format_text(tvb.bytes(vo, vl)?);
            let f: FieldRef = if tag == "issue" || tag == "issuewild" {
                &CAA_ISSUE
            } else {
                &CAA_UNKNOWN
            };
            add_str(cx, f, tvb, vo, vl, &val);
            cx.pkt.append_label(t, &format!(", {tag}: {val}"));
        }
        3 | 4 | 7 | 8 | 9 | 10 | 17 | 18 | 19 | 20 | 21 | 22 | 23 | 26 | 27 | 42 => {
            // Wireshark appends the owner name for these historic types.
            cx.pkt.cols.append_info(format_args!(" {owner}"));
            add_bytes(cx, &DATA, tvb, d, dlen)?;
        }
        _ => {
            if !WIRESHARK_DECODES.contains(&rtype) {
                cx.pkt.expert(
                    "dns",
                    Severity::Note,
                    Group::Undecoded,
                    format_args!(
                        "Dissector for DNS Type ({rtype}) code not implemented, Contact Wireshark developers if you want this supported"
                    ),
                );
            }
            add_bytes(cx, &DATA, tvb, d, dlen)?;
        }
    }
    Ok(())
}

/// SVCB and HTTPS records (RFC 9460): priority, target, parameters.
fn dissect_svcb(cx: &mut Cx<'_>, tvb: &Tvb<'_>, d: usize, dlen: usize, base: usize) -> R<()> {
    add_uint(cx, &SVCB_SVCPRIORITY, tvb, d, 2, tvb.u16(d)? as u64);
    let n = get_name(tvb, d + 2, base)?;
    add_str(cx, &SVCB_TARGETNAME, tvb, d + 2, n.consumed, &n.text);
    let end = d + dlen;
    let mut o = d + 2 + n.consumed;
    while o < end {
        let key = tvb.u16(o)?;
        let len = tvb.u16(o + 2)? as usize;
        let p = cx.pkt.open(&SVCB_SVCPARAM, tvb, o, 4 + len, Value::None);
        let kname = SVCB_SVCPARAM_KEY.value_name(key as u64).unwrap_or("key");
        cx.pkt.set_label(p, format_args!("SvcParam: {kname}"));
        add_uint(cx, &SVCB_SVCPARAM_KEY, tvb, o, 2, key as u64);
        add_uint(cx, &SVCB_SVCPARAM_VALUE_LENGTH, tvb, o + 2, 2, len as u64);
        let v = o + 4;
        let vend = v + len;
        // Wireshark goes on from where the value's parsing ended.
        let mut next = vend;
        match key {
            0 => {
                let mut q = v;
                while q < vend {
                    add_uint(
                        cx,
                        &SVCB_SVCPARAM_MANDATORY_KEY,
                        tvb,
                        q,
                        2,
                        tvb.u16(q)? as u64,
                    );
                    q += 2;
                }
                next = q;
            }
            1 => {
                let mut q = v;
                let mut alpns: Vec<String> = Vec::new();
                while q < vend {
                    let l = tvb.u8(q)? as usize;
                    add_uint(cx, &SVCB_SVCPARAM_ALPN_LENGTH, tvb, q, 1, l as u64);
                    let s = format_text(tvb.bytes(q + 1, l)?);
                    add_str(cx, &SVCB_SVCPARAM_ALPN, tvb, q + 1, l, &s);
                    alpns.push(s);
                    q += 1 + l;
                }
                cx.pkt
                    .set_label(p, format_args!("SvcParam: alpn={}", alpns.join(",")));
                next = q;
            }
            2 => next = v,
            3 => {
                let port = tvb.u16(v)?;
                add_uint(cx, &SVCB_SVCPARAM_PORT, tvb, v, 2, port as u64);
                cx.pkt.set_label(p, format_args!("SvcParam: port={port}"));
                next = v + 2;
            }
            4 => {
                let mut q = v;
                while q < vend {
                    cx.pkt.add(
                        &SVCB_SVCPARAM_IPV4HINT_IP,
                        tvb,
                        q,
                        4,
                        Value::Ipv4(tvb.ipv4(q)?),
                    );
                    q += 4;
                }
                next = q;
            }
            5 => {
                add_bytes(cx, &SVCB_SVCPARAM_ECHCONFIG, tvb, v, len)?;
            }
            6 => {
                let mut q = v;
                while q < vend {
                    cx.pkt.add(
                        &SVCB_SVCPARAM_IPV6HINT_IP,
                        tvb,
                        q,
                        16,
                        Value::Ipv6(tvb.ipv6(q)?),
                    );
                    q += 16;
                }
                next = q;
            }
            _ => {
                add_bytes(cx, &SVCB_SVCPARAM_VALUE, tvb, v, len)?;
            }
        }
        cx.pkt.close();
        o = next;
    }
    Ok(())
}

/// Wireshark's DNS heuristic for UDP payloads on other ports: a standard
/// query or response with plausible counts and room for them.
pub fn heuristic(tvb: &Tvb<'_>) -> bool {
    if tvb.reported_len() <= 12 {
        return false;
    }
    let (Ok(flags), Ok(qd), Ok(an), Ok(ns), Ok(ar)) =
        (tvb.u16(2), tvb.u16(4), tvb.u16(6), tvb.u16(8), tvb.u16(10))
    else {
        return false;
    };
    if flags & (F_OPCODE | 0x0040) != 0 {
        return false;
    }
    if flags & F_RESPONSE == 0 {
        if qd != 1 || an != 0 || ns != 0 {
            return false;
        }
    } else if qd > 1 || an > 100 || ns > 10 {
        return false;
    }
    ar <= 10 && qd as u32 + an as u32 != 0
}

/// Record types Wireshark 4.0 has a decoder for (the others get an
/// "undecoded" expert item).
const WIRESHARK_DECODES: &[u16] = &[
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26,
    27, 28, 29, 30, 33, 35, 36, 37, 38, 39, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 55, 59,
    60, 61, 62, 63, 64, 65, 99, 104, 105, 106, 107, 108, 109, 249, 250, 257, 32769, 65281, 65282,
    65422,
];

fn type_bitmap(cx: &mut Cx<'_>, tvb: &Tvb<'_>, mut o: usize, mut len: usize) -> R<()> {
    while len >= 2 {
        let block = tvb.u8(o)? as u32;
        let size = tvb.u8(o + 1)? as usize;
        o += 2;
        len -= 2;
        let mut rt = block * 256;
        for _ in 0..size {
            let bits = tvb.u8(o)?;
            for i in 0..8 {
                if bits & (0x80 >> i) != 0 {
                    let n = add_uint(cx, &RESP_TYPE, tvb, o, 1, rt as u64);
                    let desc = QRY_TYPE
                        .value_name(rt as u64)
                        .map(str::to_string)
                        .unwrap_or(format!("Unknown ({rt})"));
                    cx.pkt
                        .set_label(n, format_args!("RR type in bit map: {desc}"));
                }
                rt += 1;
            }
            o += 1;
            len = len.saturating_sub(1);
        }
    }
    Ok(())
}

/// Base 32 with the extended hex alphabet, unpadded (RFC 4648 section 7),
/// as NSEC3 writes hashed owner names.
fn base32hex(b: &[u8]) -> String {
    const A: &[u8; 32] = b"0123456789abcdefghijklmnopqrstuv";
    let mut out = String::new();
    let mut acc: u32 = 0;
    let mut bits = 0;
    for &x in b {
        acc = (acc << 8) | x as u32;
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(A[((acc >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(A[((acc << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// RFC 4034 appendix B key tag (RSA/MD5: appendix B.1).
fn key_id(rdata: &[u8], algo: u8) -> u16 {
    if algo == 1 {
        let n = rdata.len();
        if n >= 3 {
            return ((rdata[n - 3] as u16) << 8) + rdata[n - 2] as u16;
        }
        return 0;
    }
    let mut ac: u32 = 0;
    for (i, b) in rdata.iter().enumerate() {
        ac = ac.wrapping_add(if i % 2 == 0 {
            (*b as u32) << 8
        } else {
            *b as u32
        });
    }
    ac = ac.wrapping_add((ac >> 16) & 0xffff);
    (ac & 0xffff) as u16
}

fn dissect_opt(cx: &mut Cx<'_>, tvb: &Tvb<'_>, d: usize, dlen: usize) -> R<()> {
    let mut o = d;
    let mut left = dlen as isize;
    while left > 0 {
        let code = tvb.u16(o)?;
        let olen = tvb.u16(o + 2)? as usize;
        left -= 4;
        let cname = match OPT_CODE.value_name(code as u64) {
            Some(n) => n.to_string(),
            None => format!("Unknown ({code})"),
        };
        let oi = cx.pkt.open(&OPT, tvb, o, 4 + olen, Value::None);
        cx.pkt.set_label(oi, format_args!("Option: {cname}"));
        add_uint(cx, &OPT_CODE, tvb, o, 2, code as u64);
        add_uint(cx, &OPT_LEN, tvb, o + 2, 2, olen as u64);
        o += 4;
        if olen > 0 {
            add_bytes(cx, &OPT_DATA, tvb, o, olen)?;
        }
        match code {
            8 => {
                let fam = tvb.u16(o)?;
                add_uint(cx, &OPT_CLIENT_FAMILY, tvb, o, 2, fam as u64);
                add_uint(
                    cx,
                    &OPT_CLIENT_NETMASK,
                    tvb,
                    o + 2,
                    1,
                    tvb.u8(o + 2)? as u64,
                );
                add_uint(cx, &OPT_CLIENT_SCOPE, tvb, o + 3, 1, tvb.u8(o + 3)? as u64);
                let alen = olen.saturating_sub(4);
                let cl = alen.min(16);
                let raw = tvb.bytes(o + 4, cl)?;
                match fam {
                    1 => {
                        let mut a = [0u8; 4];
                        for (x, y) in a.iter_mut().zip(raw) {
                            *x = *y;
                        }
                        cx.pkt
                            .add(&OPT_CLIENT_ADDR4, tvb, o + 4, cl, Value::Ipv4(a));
                    }
                    2 => {
                        let mut a = [0u8; 16];
                        for (x, y) in a.iter_mut().zip(raw) {
                            *x = *y;
                        }
                        cx.pkt
                            .add(&OPT_CLIENT_ADDR6, tvb, o + 4, cl, Value::Ipv6(a));
                    }
                    _ => {
                        add_bytes(cx, &OPT_CLIENT_ADDR, tvb, o + 4, alen)?;
                    }
                }
            }
            10 => {
                add_bytes(cx, &OPT_COOKIE_CLIENT, tvb, o, 8)?;
                if olen > 8 {
                    add_bytes(cx, &OPT_COOKIE_SERVER, tvb, o + 8, olen - 8)?;
                }
            }
            11 if olen == 2 => {
                add_uint(
                    cx,
                    &OPT_EDNS_TCP_KEEPALIVE_TIMEOUT,
                    tvb,
                    o,
                    2,
                    tvb.u16(o)? as u64,
                );
            }
            12 => {
                add_bytes(cx, &OPT_PADDING, tvb, o, olen)?;
            }
            _ => {}
        }
        o += olen;
        left -= olen as isize;
        cx.pkt.close();
    }
    Ok(())
}

/// One query and what became of it.
#[derive(Clone, Copy, Debug)]
pub struct Transaction {
    /// Frame of the query (0: none seen).
    pub req_frame: u64,
    /// Time of the query.
    pub req_time: (i64, u32),
    /// Frame of the first response (0: none yet).
    pub rep_frame: u64,
    /// The query asks for a zone transfer: several responses are normal.
    pub multiple: bool,
}

/// The last transaction seen per conversation and transaction ID (only the
/// last one is ever matched, as in Wireshark's first pass), at most
/// [`MAX_TRANSACTIONS`] of them: past that, those idle for a minute of
/// capture time are forgotten first.
#[derive(Default, Debug)]
pub struct Transactions {
    map: crate::state::FastMap<(crate::state::ConvKey, bool, u16), Transaction>,
}

/// The most DNS transactions remembered at once.
pub const MAX_TRANSACTIONS: usize = 1 << 18;

impl Transactions {
    /// How many transactions are remembered.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    fn make_room(&mut self, now: (i64, u32)) {
        if self.map.len() < MAX_TRANSACTIONS {
            return;
        }
        self.map
            .retain(|_, t| crate::proto::frame::sub_time(now, t.req_time).0 < 60);
        if self.map.len() >= MAX_TRANSACTIONS {
            self.map.clear();
        }
    }
}

/// A conversation key: transport and both endpoints in a fixed order.
fn conversation(cx: &Cx<'_>, tr: Transport) -> (crate::state::ConvKey, bool) {
    (crate::state::packet_conv(cx).0, tr == Transport::Tcp)
}

fn match_transaction(
    cx: &mut Cx<'_>,
    tvb: &Tvb<'_>,
    tr: Transport,
    id: u16,
    is_resp: bool,
    multiple: bool,
) {
    let (conv, tcp) = conversation(cx, tr);
    let key = (conv, tcp, id);
    let now = (cx.pkt.meta.ts_secs, cx.pkt.meta.ts_nanos);
    let num = cx.pkt.meta.number;
    // make_room does nothing below the limit: the key is only looked up
    // for it when the map is full.
    if cx.state.dns.map.len() >= MAX_TRANSACTIONS && !cx.state.dns.map.contains_key(&key) {
        cx.state.dns.make_room(now);
    }
    let last = cx.state.dns.map.get_mut(&key);
    let mut retransmission = false;
    let trans: Option<Transaction>;
    if !is_resp {
        let new = match last.as_deref() {
            None => true,
            Some(t) if t.rep_frame > 0 => true,
            Some(t) if crate::proto::frame::sub_time(now, t.req_time).0 < RETRANSMISSION_TIMER => {
                retransmission = true;
                false
            }
            Some(_) => true,
        };
        if new {
            let t = Transaction {
                req_frame: num,
                req_time: now,
                rep_frame: 0,
                multiple,
            };
            // One lookup: a transaction replaced in place, a new one inserted.
            match last {
                Some(slot) => *slot = t,
                None => {
                    cx.state.dns.map.insert(key, t);
                }
            }
            trans = Some(t);
        } else {
            trans = last.map(|t| *t);
        }
    } else {
        match last {
            Some(t) => {
                if t.rep_frame == 0 {
                    t.rep_frame = num;
                } else if !t.multiple {
                    retransmission = true;
                }
                trans = Some(*t);
            }
            None => trans = None,
        }
    }
    let gen_frame = |cx: &mut Cx<'_>, f: FieldRef, v: u64| {
        let n = cx.pkt.add(f, tvb, 0, 0, Value::UInt(v));
        cx.pkt.set_generated(n);
        n
    };
    let Some(t) = trans else {
        if is_resp {
            let n = cx.pkt.add(&UNSOLICITED, tvb, 0, 0, Value::Bool(true));
            cx.pkt.set_generated(n);
        }
        return;
    };
    if !is_resp {
        if t.rep_frame > 0 && t.rep_frame != num {
            gen_frame(cx, &RESPONSE_IN, t.rep_frame);
        }
        if retransmission {
            gen_frame(cx, &RETRANSMIT_REQUEST_IN, t.req_frame);
            let n = cx.pkt.add(&RETRANSMISSION, tvb, 0, 0, Value::Bool(true));
            cx.pkt.set_generated(n);
            cx.pkt.reopen(n);
            cx.pkt.expert(
                "dns",
                Severity::Note,
                Group::Sequence,
                format_args!(
                    "DNS query retransmission. Original request in frame {}",
                    t.req_frame
                ),
            );
            cx.pkt.close();
        }
    } else if t.req_frame > 0 {
        if retransmission && t.rep_frame > 0 {
            gen_frame(cx, &RETRANSMIT_RESPONSE_IN, t.rep_frame);
            let n = cx.pkt.add(&RETRANSMISSION, tvb, 0, 0, Value::Bool(true));
            cx.pkt.set_generated(n);
            cx.pkt.reopen(n);
            cx.pkt.expert(
                "dns",
                Severity::Note,
                Group::Sequence,
                format_args!(
                    "DNS response retransmission. Original response in frame {}",
                    t.rep_frame
                ),
            );
            cx.pkt.close();
        } else {
            gen_frame(cx, &RESPONSE_TO, t.req_frame);
            let (s, n) = crate::proto::frame::sub_time(now, t.req_time);
            let ti = cx
                .pkt
                .add(&TIME, tvb, 0, 0, Value::Time { secs: s, nanos: n });
            cx.pkt.set_generated(ti);
        }
    }
}

/// Helpers shared by the application-layer dissector tests.
#[cfg(test)]
pub(crate) mod test_util {
    use crate::packet::{Packet, HIDDEN, NIL};
    use crate::tvb::Tvb;
    use crate::{Cx, State};

    /// Decodes a hex string (as `tshark -e udp.payload` prints it).
    pub fn hex(s: &str) -> Vec<u8> {
        let s: Vec<u8> = s.bytes().filter(|b| b.is_ascii_hexdigit()).collect();
        s.chunks(2)
            .map(|c| u8::from_str_radix(std::str::from_utf8(c).unwrap(), 16).unwrap())
            .collect()
    }

    /// Runs `f` on `data` as frame `number` at time `secs` with `state`, and
    /// returns the packet.
    pub fn run_with(
        state: &mut State,
        number: u64,
        secs: i64,
        data: &[u8],
        f: impl FnOnce(&mut Cx<'_>, Tvb<'_>) -> crate::tvb::R<()>,
    ) -> Packet {
        let mut pkt = Packet::new();
        pkt.meta.number = number;
        pkt.meta.ts_secs = secs;
        pkt.meta.cap_len = data.len() as u32;
        pkt.meta.orig_len = data.len() as u32;
        let tvb = Tvb::new(data, data.len(), 0);
        let mut cx = Cx::new(&mut pkt, state);
        if let Err(e) = f(&mut cx, tvb) {
            cx.pkt.close_to(0);
            crate::report_bound(&mut cx, e);
        }
        pkt
    }

    /// Runs `f` on `payload` as frame `number` of a TCP conversation
    /// between client 10.0.0.1:`ports.0` and server 10.0.0.2:`ports.1`,
    /// sent by the client if `from_client`, else by the server.
    pub fn tcp_segment(
        state: &mut State,
        number: u64,
        from_client: bool,
        ports: (u16, u16),
        payload: &[u8],
        f: impl FnOnce(&mut Cx<'_>, Tvb<'_>) -> crate::tvb::R<()>,
    ) -> Packet {
        run_with(state, number, 0, payload, |cx, t| {
            let c = std::net::IpAddr::from([10, 0, 0, 1]);
            let s = std::net::IpAddr::from([10, 0, 0, 2]);
            if from_client {
                (cx.l3.src, cx.l3.dst) = (Some(c), Some(s));
                (cx.l4.sport, cx.l4.dport) = ports;
            } else {
                (cx.l3.src, cx.l3.dst) = (Some(s), Some(c));
                (cx.l4.sport, cx.l4.dport) = (ports.1, ports.0);
            }
            f(cx, t)
        })
    }

    /// Runs `f` on `data` like [`run_with`], and also returns what it
    /// asked of TCP (`cx.desegment`: where its PDU starts, bytes missing).
    pub fn run_desegment(
        state: &mut State,
        number: u64,
        data: &[u8],
        f: impl FnOnce(&mut Cx<'_>, Tvb<'_>) -> crate::tvb::R<()>,
    ) -> (Packet, Option<crate::Desegment>) {
        let mut asked = None;
        let p = run_with(state, number, 0, data, |cx, t| {
            f(cx, t)?;
            asked = cx.desegment;
            Ok(())
        });
        (p, asked)
    }

    /// Runs `f` on `data` with fresh state.
    pub fn run(data: &[u8], f: impl FnOnce(&mut Cx<'_>, Tvb<'_>) -> crate::tvb::R<()>) -> Packet {
        run_with(&mut State::default(), 1, 0, data, f)
    }

    /// The tree as `tshark -V` prints it (4 spaces a level, hidden items left out).
    pub fn tree(pkt: &Packet, data: &[u8]) -> String {
        let mut out = String::new();
        walk(pkt, data, NIL, 0, &mut out);
        out
    }

    fn walk(pkt: &Packet, data: &[u8], id: u32, depth: usize, out: &mut String) {
        for c in pkt.children(id) {
            let n = pkt.nodes[c as usize];
            if n.flags & HIDDEN != 0 {
                continue;
            }
            for _ in 0..depth {
                out.push_str("    ");
            }
            // Printers show generated items in brackets; default labels
            // carry them already.
            let wrap = n.flags & crate::packet::GENERATED != 0 && n.has_label();
            if wrap {
                out.push('[');
            }
            pkt.label_into(&n, data, out);
            if wrap {
                out.push(']');
            }
            out.push('\n');
            walk(pkt, data, c, depth + 1, out);
        }
    }

    /// Every value of the field named `abbrev`, as `-T fields` prints them.
    pub fn values(pkt: &Packet, data: &[u8], abbrev: &str) -> Vec<String> {
        pkt.nodes
            .iter()
            .filter(|n| n.field.abbrev == abbrev)
            .map(|n| {
                let mut s = String::new();
                pkt.fmt_value(data, n, &mut s);
                s
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    /// Printable ASCII is borrowed; anything else is escaped as before.
    #[test]
    fn format_text_borrows_printable_ascii() {
        use std::borrow::Cow;
        assert!(matches!(
            super::format_text_cow(b"www.example.com"),
            Cow::Borrowed("www.example.com")
        ));
        assert_eq!(super::format_text_cow(b"a\\b"), "a\\\\b");
        assert_eq!(super::format_text_cow(b"a\r\n\x01"), "a\\r\\n\\001");
        assert_eq!(super::format_text_cow(b"\xffok"), "\u{fffd}ok");
        assert_eq!(super::format_text_cow("h\u{e9}".as_bytes()), "h\u{e9}");
    }
    use super::test_util::*;
    use super::*;
    use crate::State;

    // captures/filter-corpus.pcapng frames 2363/2364 (UDP, 192.0.0.1 <-> 192.0.0.2).
    const Q: &str = "35d801200001000000000000076578616d706c6503636f6d0000010001";
    const A: &str = "35d885000001000100000000076578616d706c6503636f6d0000010001c00c000100010001518000045db8d822";

    #[test]
    fn response_tree_and_info_match_tshark() {
        let d = hex(A);
        let p = run(&d, dissect);
        assert_eq!(
            p.cols.info,
            "Standard query response 0x35d8 A example.com A 93.184.216.34"
        );
        assert_eq!(p.cols.protocol, "DNS");
        let want = "\
Domain Name System (response)
    Transaction ID: 0x35d8
    Flags: 0x8500 Standard query response, No error
        1... .... .... .... = Response: Message is a response
        .000 0... .... .... = Opcode: Standard query (0)
        .... .1.. .... .... = Authoritative: Server is an authority for domain
        .... ..0. .... .... = Truncated: Message is not truncated
        .... ...1 .... .... = Recursion desired: Do query recursively
        .... .... 0... .... = Recursion available: Server can't do recursive queries
        .... .... .0.. .... = Z: reserved (0)
        .... .... ..0. .... = Answer authenticated: Answer/authority portion was not authenticated by the server
        .... .... ...0 .... = Non-authenticated data: Unacceptable
        .... .... .... 0000 = Reply code: No error (0)
    Questions: 1
    Answer RRs: 1
    Authority RRs: 0
    Additional RRs: 0
    Queries
        example.com: type A, class IN
            Name: example.com
            [Name Length: 11]
            [Label Count: 2]
            Type: A (Host Address) (1)
            Class: IN (0x0001)
    Answers
        example.com: type A, class IN, addr 93.184.216.34
            Name: example.com
            Type: A (Host Address) (1)
            Class: IN (0x0001)
            Time to live: 86400 (1 day)
            Data length: 4
            Address: 93.184.216.34
    [Unsolicited: True]
";
        assert_eq!(tree(&p, &d), want);
        assert_eq!(values(&p, &d, "dns.resp.ttl"), ["86400"]);
        assert_eq!(values(&p, &d, "dns.a"), ["93.184.216.34"]);
    }

    #[test]
    fn query_then_response_are_matched() {
        let mut st = State::default();
        let q = hex(Q);
        let p = run_with(&mut st, 5, 10, &q, dissect);
        assert_eq!(p.cols.info, "Standard query 0x35d8 A example.com");
        let a = hex(A);
        let p = run_with(&mut st, 6, 11, &a, dissect);
        assert_eq!(values(&p, &a, "dns.response_to"), ["5"]);
        assert_eq!(values(&p, &a, "dns.time"), ["1.000000000"]);
        // A second response to the same query is a retransmission.
        let p = run_with(&mut st, 7, 11, &a, dissect);
        assert!(values(&p, &a, "dns.response_to").is_empty());
        assert_eq!(values(&p, &a, "dns.retransmit_response_in"), ["6"]);
    }

    // Frames 2342/2343: root SOA query over UDP with EDNS cookie, response YXRRSET.
    #[test]
    fn root_name_and_rcode_in_info() {
        let d = hex("f6ab818700010000000000010000060001000029100001000000001c000a001836bf111fef2e01097d8ffe065c636ffb142d767494407a73");
        let p = run(&d, dissect);
        assert_eq!(
            p.cols.info,
            "Standard query response 0xf6ab RRset exists SOA <Root> OPT"
        );
        assert_eq!(values(&p, &d, "dns.qry.name"), ["<Root>"]);
        assert_eq!(values(&p, &d, "dns.flags.rcode"), ["7"]);
        assert_eq!(
            values(&p, &d, "dns.opt.cookie.client"),
            ["36:bf:11:1f:ef:2e:01:09"]
        );
    }

    #[test]
    fn soa_answer() {
        let d = hex("b43381a000010001000000010000060001000006000100014efe004001610c726f6f742d73657276657273036e657400056e73746c640c766572697369676e2d67727303636f6d007857d192000007080000038400093a8000015180000029100000000000001c000a001836bf111fef2e01090a2f9da25c636ffb49c35bb14fa428b4");
        let p = run(&d, dissect);
        assert_eq!(
            p.cols.info,
            "Standard query response 0xb433 SOA <Root> SOA a.root-servers.net OPT"
        );
        assert_eq!(values(&p, &d, "dns.resp.ttl"), ["85758"]);
        assert_eq!(values(&p, &d, "dns.soa.rname"), ["nstld.verisign-grs.com"]);
    }

    // RFC 1035 4.1.4: a pointer to itself must not hang the dissector.
    #[test]
    fn pointer_loops_end() {
        let d = hex("000181800001000000000000c00c00010001");
        let p = run(&d, dissect);
        let n = values(&p, &d, "dns.qry.name");
        assert_eq!(n, ["<Name contains a pointer that loops>"]);
        // Two pointers pointing at each other.
        let d = hex("000181800001000000000000c00ec00c00010001");
        let p = run(&d, dissect);
        assert_eq!(
            values(&p, &d, "dns.qry.name"),
            ["<Name contains a pointer that loops>"]
        );
    }

    #[test]
    fn lying_counts_are_malformed_not_panics() {
        let d = hex("35d88500ffffffffffffffff076578616d706c6503636f6d0000010001");
        let p = run(&d, dissect);
        assert!(
            p.cols.info.ends_with("[Malformed Packet]"),
            "{}",
            p.cols.info
        );
        let p = run(&hex("35d8"), dissect);
        assert!(p.cols.info.ends_with("[Malformed Packet]"));
        // Huge rdata length.
        let d = hex(
            "35d885000001000100000000076578616d706c6503636f6d0000010001c00c0010000100015180ffff05",
        );
        let p = run(&d, dissect);
        assert!(p.cols.info.ends_with("[Malformed Packet]"));
    }

    // RFC 4648 section 10 test vectors for base32hex (unpadded).
    #[test]
    fn base32hex_vectors() {
        assert_eq!(base32hex(b""), "");
        assert_eq!(base32hex(b"f"), "co");
        assert_eq!(base32hex(b"fo"), "cpng");
        assert_eq!(base32hex(b"foobar"), "cpnmuoj1e8");
    }

    #[test]
    fn heuristic_accepts_queries_and_rejects_noise() {
        let q = hex(Q);
        assert!(heuristic(&Tvb::new(&q, q.len(), 0)));
        assert!(heuristic(&Tvb::new(&hex(A), hex(A).len(), 0)));
        // An update (opcode 5) or a query with answers is not taken.
        let mut u = q.clone();
        u[2] = 0x28;
        assert!(!heuristic(&Tvb::new(&u, u.len(), 0)));
        let noise = [0u8; 40];
        assert!(!heuristic(&Tvb::new(&noise, noise.len(), 0)));
    }

    /// Mutated and truncated copies of real messages through every
    /// application dissector: errors are fine, panics are not. Bounded and
    /// deterministic (a fixed LCG seed).
    #[test]
    fn arbitrary_bytes_never_panic() {
        let seeds: [Vec<u8>; 4] = [
            hex(A),
            hex("f6ab818700010000000000010000060001000029100001000000001c000a001836bf111fef2e01097d8ffe065c636ffb142d767494407a73"),
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n4\r\nWiki\r\n0\r\n\r\n".to_vec(),
            vec![22, 3, 1, 0, 12, 1, 0, 0, 8, 3, 3, 0, 0, 0, 0, 0, 0],
        ];
        type F = fn(&mut Cx<'_>, Tvb<'_>) -> R<()>;
        let dissectors: [F; 8] = [
            dissect,
            dissect_tcp,
            dissect_mdns,
            dissect_llmnr,
            crate::proto::dhcp::dissect,
            crate::proto::http::dissect,
            crate::proto::tls::dissect,
            crate::proto::nbns::dissect,
        ];
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = || {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 33) as usize
        };
        let mut st = State::default();
        for i in 0..4000u64 {
            let mut d = seeds[next() % seeds.len()].clone();
            if i % 3 == 0 {
                d.resize(300 + next() % 64, 0);
            }
            for _ in 0..1 + next() % 6 {
                let at = next() % d.len().max(1);
                if let Some(b) = d.get_mut(at) {
                    *b = next() as u8;
                }
            }
            let cut = next() % (d.len() + 1);
            d.truncate(cut);
            for f in dissectors {
                run_with(&mut st, i, 0, &d, f);
            }
        }
    }

    #[test]
    fn time_strings() {
        assert_eq!(time_secs_str(0), "0 seconds");
        assert_eq!(time_secs_str(60), "1 minute");
        assert_eq!(time_secs_str(90061), "1 day, 1 hour, 1 minute, 1 second");
        assert_eq!(signed_time_secs_str(-7200), "-2 hours");
    }
}
