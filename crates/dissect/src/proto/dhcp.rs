//! DHCP and BOOTP (RFC 951, RFC 2131, options of RFC 2132 and later), shown
//! as Wireshark 4.0's `packet-dhcp.c` shows them.
//!
//! Every option of RFC 2132 has its typed field (`dhcp.option.router`…);
//! options Wireshark decodes specially are decoded here too where they are
//! common (parameter request list, client identifier, client FQDN, relay
//! agent information with its sub-options, static and classless routes,
//! option overload into `sname`/`file`); any other option shows its bytes as
//! `dhcp.option.value`, as Wireshark does for options it has no decoder for.

use std::fmt::Write as _;

use crate::field::{Base, FieldDef, FieldRef, FieldType, ValueStrings};
use crate::packet::{Group, NodeId, Severity, Span, Src, Value};
use crate::proto::dns::{add_bits, get_name, open_text, signed_time_secs_str, time_secs_str};
use crate::tvb::{Tvb, R};
use crate::Cx;

/// `dhcp`.
pub static PROTO: FieldDef = FieldDef::proto("dhcp", "Dynamic Host Configuration Protocol");
/// `dhcp.bootp`.
pub static BOOTP: FieldDef = FieldDef::new("dhcp.bootp", "Frame is BOOTP", FieldType::Bool);
const TYPE_VALS: ValueStrings = &[(1, "Boot Request"), (2, "Boot Reply")];
/// `dhcp.type`.
pub static TYPE: FieldDef =
    FieldDef::new("dhcp.type", "Message type", FieldType::U8).with_strings(TYPE_VALS);
const HW_TYPE_VALS: ValueStrings = &[
    (0, "NET/ROM pseudo"),
    (1, "Ethernet"),
    (2, "Experimental Ethernet"),
    (3, "AX.25"),
    (4, "ProNET"),
    (5, "Chaos"),
    (6, "IEEE 802"),
    (7, "ARCNET"),
    (8, "Hyperchannel"),
    (9, "Lanstar"),
    (10, "Autonet Short Address"),
    (11, "Localtalk"),
    (12, "LocalNet"),
    (13, "Ultra link"),
    (14, "SMDS"),
    (15, "Frame Relay DLCI"),
    (16, "ATM"),
    (17, "HDLC"),
    (18, "Fibre Channel"),
    (19, "ATM (RFC 2225)"),
    (20, "Serial Line"),
    (21, "ATM"),
    (22, "MIL-STD-188-220"),
    (23, "Metricom STRIP"),
    (24, "IEEE 1394.1995"),
    (25, "MAPOS"),
    (26, "Twinaxial"),
    (27, "EUI-64"),
    (28, "HIPARP"),
    (29, "IP and ARP over ISO 7816-3"),
    (30, "ARPSec"),
    (31, "IPsec tunnel"),
    (32, "InfiniBand"),
    (33, "TIA-102 Project 25 CAI"),
    (34, "Wiegand Interface"),
    (35, "Pure IP"),
    (36, "Experimental 1"),
    (37, "HFI"),
    (256, "Experimental 2"),
    (257, "AEthernet"),
    (260, "Notional KISS type"),
    (264, "ADAPT"),
    (270, "ROSE"),
    (271, "CCITT X.25"),
    (272, "Boards with X.25 in firmware"),
    (280, "Controller Area Network"),
    (512, "PPP"),
    (513, "Cisco HDLC"),
    (516, "LAPB"),
    (517, "Digital's DDCMP protocol"),
    (518, "Raw HDLC"),
    (519, "Raw IP"),
    (768, "IPIP tunnel"),
    (769, "IP6IP6 tunnel"),
    (770, "Frame Relay Access Device"),
    (771, "SKIP vif"),
    (772, "Loopback"),
    (774, "Fiber Distributed Data Interface"),
    (775, "AP1000 BIF"),
    (776, "sit0 device - IPv6-in-IPv4"),
    (777, "IP over DDP tunneller"),
    (778, "GRE over IP"),
    (779, "PIMSM register interface"),
    (780, "High Performance Parallel Interface"),
    (781, "Nexus 64Mbps Ash"),
    (782, "Acorn Econet"),
    (783, "Linux-IrDA"),
    (784, "Point to point fibrechannel"),
    (785, "Fibrechannel arbitrated loop"),
    (786, "Fibrechannel public loop"),
    (787, "Fibrechannel fabric"),
    (800, "Magic type ident for TR"),
    (801, "IEEE 802.11"),
    (802, "IEEE 802.11 + Prism2 header"),
    (803, "IEEE 802.11 + radiotap header"),
    (804, "IEEE 802.15.4"),
    (805, "IEEE 802.15.4 network monitor"),
    (820, "PhoNet media type"),
    (821, "PhoNet pipe header"),
    (822, "CAIF media type"),
    (823, "GRE over IPv6"),
    (824, "Netlink"),
    (825, "IPv6 over LoWPAN"),
    (826, "Vsock monitor header"),
    (65535, "Void type, nothing is known"),
    (65534, "zero header length"),
];
/// `dhcp.hw.type`.
pub static HW_TYPE: FieldDef = FieldDef::new("dhcp.hw.type", "Hardware type", FieldType::U8)
    .with_base(Base::Hex)
    .with_strings(HW_TYPE_VALS);
/// `dhcp.hw.len`.
pub static HW_LEN: FieldDef =
    FieldDef::new("dhcp.hw.len", "Hardware address length", FieldType::U8);
/// `dhcp.hops`.
pub static HOPS: FieldDef = FieldDef::new("dhcp.hops", "Hops", FieldType::U8);
/// `dhcp.id`.
pub static ID: FieldDef =
    FieldDef::new("dhcp.id", "Transaction ID", FieldType::U32).with_base(Base::Hex);
/// `dhcp.secs`.
pub static SECS: FieldDef = FieldDef::new("dhcp.secs", "Seconds elapsed", FieldType::U16);
/// `dhcp.flags`.
pub static FLAGS: FieldDef =
    FieldDef::new("dhcp.flags", "Bootp flags", FieldType::U16).with_base(Base::Hex);
/// `dhcp.flags.bc`.
pub static FLAGS_BC: FieldDef = FieldDef::new("dhcp.flags.bc", "Broadcast flag", FieldType::Bool)
    .with_mask(0x8000, 16)
    .with_tfs("Broadcast", "Unicast");
/// `dhcp.flags.reserved`.
pub static FLAGS_RESERVED: FieldDef =
    FieldDef::new("dhcp.flags.reserved", "Reserved flags", FieldType::U16)
        .with_base(Base::Hex)
        .with_mask(0x7fff, 16);
/// `dhcp.ip.client`.
pub static IP_CLIENT: FieldDef =
    FieldDef::new("dhcp.ip.client", "Client IP address", FieldType::Ipv4).with_base(Base::None);
/// `dhcp.ip.your`.
pub static IP_YOUR: FieldDef =
    FieldDef::new("dhcp.ip.your", "Your (client) IP address", FieldType::Ipv4)
        .with_base(Base::None);
/// `dhcp.ip.server`.
pub static IP_SERVER: FieldDef =
    FieldDef::new("dhcp.ip.server", "Next server IP address", FieldType::Ipv4)
        .with_base(Base::None);
/// `dhcp.ip.relay`.
pub static IP_RELAY: FieldDef =
    FieldDef::new("dhcp.ip.relay", "Relay agent IP address", FieldType::Ipv4).with_base(Base::None);
/// `dhcp.hw.addr`.
pub static HW_ADDR: FieldDef =
    FieldDef::new("dhcp.hw.addr", "Client hardware address", FieldType::Bytes)
        .with_base(Base::None);
/// `dhcp.hw.addr_padding`.
pub static HW_ADDR_PADDING: FieldDef = FieldDef::new(
    "dhcp.hw.addr_padding",
    "Client hardware address padding",
    FieldType::Bytes,
)
.with_base(Base::None);
/// `dhcp.hw.mac_addr`.
pub static HW_MAC_ADDR: FieldDef =
    FieldDef::new("dhcp.hw.mac_addr", "Client MAC address", FieldType::Ether).with_base(Base::None);
/// `dhcp.server`.
pub static SERVER: FieldDef =
    FieldDef::new("dhcp.server", "Server host name", FieldType::String).with_base(Base::None);
/// `dhcp.file`.
pub static FILE: FieldDef =
    FieldDef::new("dhcp.file", "Boot file name", FieldType::String).with_base(Base::None);
/// `dhcp.cookie`.
pub static COOKIE: FieldDef =
    FieldDef::new("dhcp.cookie", "Magic cookie", FieldType::Ipv4).with_base(Base::None);
/// `dhcp.option.type`.
pub static OPTION_TYPE: FieldDef = FieldDef::new("dhcp.option.type", "Option", FieldType::U8);
/// `dhcp.option.length`.
pub static OPTION_LENGTH: FieldDef = FieldDef::new("dhcp.option.length", "Length", FieldType::U8);
/// `dhcp.option.value`.
pub static OPTION_VALUE: FieldDef =
    FieldDef::new("dhcp.option.value", "Value", FieldType::Bytes).with_base(Base::None);
/// `dhcp.option.padding`.
pub static OPTION_PADDING: FieldDef =
    FieldDef::new("dhcp.option.padding", "Padding", FieldType::Bytes).with_base(Base::None);
/// `dhcp.option.end`.
pub static OPTION_END: FieldDef = FieldDef::new("dhcp.option.end", "Option End", FieldType::U8);
/// `dhcp.option.policy_filter.ip`.
pub static OPTION_POLICY_FILTER_IP: FieldDef = FieldDef::new(
    "dhcp.option.policy_filter.ip",
    "IP Address",
    FieldType::Ipv4,
)
.with_base(Base::None);
/// `dhcp.option.policy_filter.subnet_mask`.
pub static OPTION_POLICY_FILTER_SUBNET_MASK: FieldDef = FieldDef::new(
    "dhcp.option.policy_filter.subnet_mask",
    "Subnet Mask",
    FieldType::Ipv4,
)
.with_base(Base::None);
/// `dhcp.option.static_route.ip`.
pub static OPTION_STATIC_ROUTE_IP: FieldDef = FieldDef::new(
    "dhcp.option.static_route.ip",
    "Destination IP Address",
    FieldType::Ipv4,
)
.with_base(Base::None);
/// `dhcp.option.static_route.router`.
pub static OPTION_STATIC_ROUTE_ROUTER: FieldDef = FieldDef::new(
    "dhcp.option.static_route.router",
    "Destination Router",
    FieldType::Ipv4,
)
.with_base(Base::None);
/// `dhcp.option.vendor_class_id`.
pub static OPTION_VENDOR_CLASS_ID: FieldDef = FieldDef::new(
    "dhcp.option.vendor_class_id",
    "Vendor class identifier",
    FieldType::String,
)
.with_base(Base::None);
/// `dhcp.client_id.type`.
pub static CLIENT_ID_TYPE: FieldDef = FieldDef::new("dhcp.client_id.type", "Type", FieldType::U8);
/// `dhcp.client_id`.
pub static CLIENT_ID: FieldDef =
    FieldDef::new("dhcp.client_id", "Identifier", FieldType::Bytes).with_base(Base::None);
/// `dhcp.client_hardware_address`.
pub static CLIENT_HARDWARE_ADDRESS: FieldDef = FieldDef::new(
    "dhcp.client_hardware_address",
    "Client hardware address",
    FieldType::String,
)
.with_base(Base::None);
/// `dhcp.fqdn.flags`.
pub static FQDN_FLAGS: FieldDef =
    FieldDef::new("dhcp.fqdn.flags", "Flags", FieldType::U8).with_base(Base::Hex);
/// `dhcp.fqdn.mbz`.
pub static FQDN_MBZ: FieldDef = FieldDef::new("dhcp.fqdn.mbz", "Reserved flags", FieldType::U8)
    .with_base(Base::Hex)
    .with_mask(0xf0, 8);
/// `dhcp.fqdn.n`.
pub static FQDN_N: FieldDef = FieldDef::new("dhcp.fqdn.n", "Server DDNS", FieldType::Bool)
    .with_mask(0x8, 8)
    .with_tfs("No server updates", "Some server updates");
/// `dhcp.fqdn.e`.
pub static FQDN_E: FieldDef = FieldDef::new("dhcp.fqdn.e", "Encoding", FieldType::Bool)
    .with_mask(0x4, 8)
    .with_tfs("Binary encoding", "ASCII encoding");
/// `dhcp.fqdn.o`.
pub static FQDN_O: FieldDef = FieldDef::new("dhcp.fqdn.o", "Server overrides", FieldType::Bool)
    .with_mask(0x2, 8)
    .with_tfs("Override", "No override");
/// `dhcp.fqdn.s`.
pub static FQDN_S: FieldDef = FieldDef::new("dhcp.fqdn.s", "Server", FieldType::Bool)
    .with_mask(0x1, 8)
    .with_tfs("Server", "Client");
/// `dhcp.fqdn.rcode1`.
pub static FQDN_RCODE1: FieldDef = FieldDef::new("dhcp.fqdn.rcode1", "A-RR result", FieldType::U8);
/// `dhcp.fqdn.rcode2`.
pub static FQDN_RCODE2: FieldDef =
    FieldDef::new("dhcp.fqdn.rcode2", "PTR-RR result", FieldType::U8);
/// `dhcp.fqdn.name`.
pub static FQDN_NAME: FieldDef =
    FieldDef::new("dhcp.fqdn.name", "Client name", FieldType::String).with_base(Base::None);
const OPTION_AGENT_INFORMATION_OPTION_SUBOPTION_VALS: ValueStrings = &[
    (0, "Padding"),
    (1, "Agent Circuit ID"),
    (2, "Agent Remote ID"),
    (3, "Reserved"),
    (4, "DOCSIS Device Class"),
    (5, "Link selection"),
    (6, "Subscriber ID"),
    (7, "RADIUS Attributes"),
    (8, "Authentication"),
    (9, "Vendor-Specific Information"),
    (10, "Flags"),
    (11, "Server ID Override"),
    (12, "Relay Agent Identifier"),
    (13, "Access Technology Type"),
    (14, "Access Network Name"),
    (15, "Access Point Name"),
    (16, "Access Point BSSID"),
    (17, "Access Network Operator ID"),
    (18, "Access Network Operator Realm"),
    (19, "Source Port"),
    (150, "Link selection (Cisco proprietary)"),
    (151, "VRF name/VPN ID"),
    (152, "Server ID Override (Cisco proprietary)"),
];
/// `dhcp.option.agent_information_option.suboption`.
pub static OPTION_AGENT_INFORMATION_OPTION_SUBOPTION: FieldDef = FieldDef::new(
    "dhcp.option.agent_information_option.suboption",
    "Option 82 Suboption",
    FieldType::U8,
)
.with_strings(OPTION_AGENT_INFORMATION_OPTION_SUBOPTION_VALS);
/// `dhcp.option.agent_information_option.value`.
pub static OPTION_AGENT_INFORMATION_OPTION_VALUE: FieldDef = FieldDef::new(
    "dhcp.option.agent_information_option.value",
    "Value",
    FieldType::Bytes,
)
.with_base(Base::None);
/// `dhcp.option.agent_information_option.agent_circuit_id`.
pub static OPTION_AGENT_INFORMATION_OPTION_AGENT_CIRCUIT_ID: FieldDef = FieldDef::new(
    "dhcp.option.agent_information_option.agent_circuit_id",
    "Agent Circuit ID",
    FieldType::Bytes,
)
.with_base(Base::None);
/// `dhcp.option.agent_information_option.agent_remote_id`.
pub static OPTION_AGENT_INFORMATION_OPTION_AGENT_REMOTE_ID: FieldDef = FieldDef::new(
    "dhcp.option.agent_information_option.agent_remote_id",
    "Agent Remote ID",
    FieldType::Bytes,
)
.with_base(Base::None);
/// `dhcp.option.agent_information_option.link_selection`.
pub static OPTION_AGENT_INFORMATION_OPTION_LINK_SELECTION: FieldDef = FieldDef::new(
    "dhcp.option.agent_information_option.link_selection",
    "Link selection",
    FieldType::Ipv4,
)
.with_base(Base::None);
/// `dhcp.option.agent_information_option.subscriber_id`.
pub static OPTION_AGENT_INFORMATION_OPTION_SUBSCRIBER_ID: FieldDef = FieldDef::new(
    "dhcp.option.agent_information_option.subscriber_id",
    "Subscriber ID",
    FieldType::String,
)
.with_base(Base::None);
/// `dhcp.option.agent_information_option.server_id_override`.
pub static OPTION_AGENT_INFORMATION_OPTION_SERVER_ID_OVERRIDE: FieldDef = FieldDef::new(
    "dhcp.option.agent_information_option.server_id_override",
    "Server ID Override",
    FieldType::Ipv4,
)
.with_base(Base::None);
/// `dhcp.option.agent_information_option.relay_agent_id`.
pub static OPTION_AGENT_INFORMATION_OPTION_RELAY_AGENT_ID: FieldDef = FieldDef::new(
    "dhcp.option.agent_information_option.relay_agent_id",
    "Relay Agent Identifier",
    FieldType::Bytes,
)
.with_base(Base::None);
/// `dhcp.option.classless_static_route`.
pub static OPTION_CLASSLESS_STATIC_ROUTE: FieldDef = FieldDef::new(
    "dhcp.option.classless_static_route",
    "Subnet/MaskWidth-Router",
    FieldType::Bytes,
)
.with_base(Base::None);
/// `dhcp.option.subnet_mask`.
pub static OPTION_SUBNET_MASK: FieldDef =
    FieldDef::new("dhcp.option.subnet_mask", "Subnet Mask", FieldType::Ipv4).with_base(Base::None);
/// `dhcp.option.time_offset`.
pub static OPTION_TIME_OFFSET: FieldDef =
    FieldDef::new("dhcp.option.time_offset", "Time Offset", FieldType::I32);
/// `dhcp.option.router`.
pub static OPTION_ROUTER: FieldDef =
    FieldDef::new("dhcp.option.router", "Router", FieldType::Ipv4).with_base(Base::None);
/// `dhcp.option.time_server`.
pub static OPTION_TIME_SERVER: FieldDef =
    FieldDef::new("dhcp.option.time_server", "Time Server", FieldType::Ipv4).with_base(Base::None);
/// `dhcp.option.name_server`.
pub static OPTION_NAME_SERVER: FieldDef =
    FieldDef::new("dhcp.option.name_server", "Name Server", FieldType::Ipv4).with_base(Base::None);
/// `dhcp.option.domain_name_server`.
pub static OPTION_DOMAIN_NAME_SERVER: FieldDef = FieldDef::new(
    "dhcp.option.domain_name_server",
    "Domain Name Server",
    FieldType::Ipv4,
)
.with_base(Base::None);
/// `dhcp.option.log_server`.
pub static OPTION_LOG_SERVER: FieldDef =
    FieldDef::new("dhcp.option.log_server", "Log Server", FieldType::Ipv4).with_base(Base::None);
/// `dhcp.option.quotes_server`.
pub static OPTION_QUOTES_SERVER: FieldDef = FieldDef::new(
    "dhcp.option.quotes_server",
    "Quotes Server",
    FieldType::Ipv4,
)
.with_base(Base::None);
/// `dhcp.option.lpr_server`.
pub static OPTION_LPR_SERVER: FieldDef =
    FieldDef::new("dhcp.option.lpr_server", "LPR Server", FieldType::Ipv4).with_base(Base::None);
/// `dhcp.option.impress_server`.
pub static OPTION_IMPRESS_SERVER: FieldDef = FieldDef::new(
    "dhcp.option.impress_server",
    "Impress Server",
    FieldType::Ipv4,
)
.with_base(Base::None);
/// `dhcp.option.resource_location_server`.
pub static OPTION_RESOURCE_LOCATION_SERVER: FieldDef = FieldDef::new(
    "dhcp.option.resource_location_server",
    "Resource Location Server",
    FieldType::Ipv4,
)
.with_base(Base::None);
/// `dhcp.option.hostname`.
pub static OPTION_HOSTNAME: FieldDef =
    FieldDef::new("dhcp.option.hostname", "Host Name", FieldType::String).with_base(Base::None);
/// `dhcp.option.boot_file_size`.
pub static OPTION_BOOT_FILE_SIZE: FieldDef = FieldDef::new(
    "dhcp.option.boot_file_size",
    "Boot File Size",
    FieldType::U16,
);
/// `dhcp.option.merit_dump_file`.
pub static OPTION_MERIT_DUMP_FILE: FieldDef = FieldDef::new(
    "dhcp.option.merit_dump_file",
    "Merit Dump File",
    FieldType::String,
)
.with_base(Base::None);
/// `dhcp.option.domain_name`.
pub static OPTION_DOMAIN_NAME: FieldDef =
    FieldDef::new("dhcp.option.domain_name", "Domain Name", FieldType::String)
        .with_base(Base::None);
/// `dhcp.option.swap_server`.
pub static OPTION_SWAP_SERVER: FieldDef =
    FieldDef::new("dhcp.option.swap_server", "Swap Server", FieldType::Ipv4).with_base(Base::None);
/// `dhcp.option.root_path`.
pub static OPTION_ROOT_PATH: FieldDef =
    FieldDef::new("dhcp.option.root_path", "Root Path", FieldType::String).with_base(Base::None);
/// `dhcp.option.extension_path`.
pub static OPTION_EXTENSION_PATH: FieldDef = FieldDef::new(
    "dhcp.option.extension_path",
    "Extensions Path",
    FieldType::String,
)
.with_base(Base::None);
/// `dhcp.option.ip_forwarding`.
pub static OPTION_IP_FORWARDING: FieldDef = FieldDef::new(
    "dhcp.option.ip_forwarding",
    "IP Forwarding",
    FieldType::Bool,
)
.with_tfs("Enabled", "Disabled");
/// `dhcp.option.non_local_source_routing`.
pub static OPTION_NON_LOCAL_SOURCE_ROUTING: FieldDef = FieldDef::new(
    "dhcp.option.non_local_source_routing",
    "Non-Local Source Routing",
    FieldType::Bool,
)
.with_tfs("Enabled", "Disabled");
/// `dhcp.option.max_datagram_reassembly_size`.
pub static OPTION_MAX_DATAGRAM_REASSEMBLY_SIZE: FieldDef = FieldDef::new(
    "dhcp.option.max_datagram_reassembly_size",
    "Maximum Datagram Reassembly Size",
    FieldType::U16,
);
/// `dhcp.option.default_ip_ttl`.
pub static OPTION_DEFAULT_IP_TTL: FieldDef = FieldDef::new(
    "dhcp.option.default_ip_ttl",
    "Default IP Time-to-Live",
    FieldType::U8,
);
/// `dhcp.option.path_mtu_aging_timeout`.
pub static OPTION_PATH_MTU_AGING_TIMEOUT: FieldDef = FieldDef::new(
    "dhcp.option.path_mtu_aging_timeout",
    "Path MTU Aging Timeout",
    FieldType::U32,
);
/// `dhcp.option.path_mtu_plateau_table_item`.
pub static OPTION_PATH_MTU_PLATEAU_TABLE_ITEM: FieldDef = FieldDef::new(
    "dhcp.option.path_mtu_plateau_table_item",
    "Path MTU Plateau Table Item",
    FieldType::U16,
);
/// `dhcp.option.interface_mtu`.
pub static OPTION_INTERFACE_MTU: FieldDef =
    FieldDef::new("dhcp.option.interface_mtu", "Interface MTU", FieldType::U16);
/// `dhcp.option.all_subnets_are_local`.
pub static OPTION_ALL_SUBNETS_ARE_LOCAL: FieldDef = FieldDef::new(
    "dhcp.option.all_subnets_are_local",
    "All Subnets are Local",
    FieldType::Bool,
)
.with_tfs("Yes", "No");
/// `dhcp.option.broadcast_address`.
pub static OPTION_BROADCAST_ADDRESS: FieldDef = FieldDef::new(
    "dhcp.option.broadcast_address",
    "Broadcast Address",
    FieldType::Ipv4,
)
.with_base(Base::None);
/// `dhcp.option.perform_mask_discovery`.
pub static OPTION_PERFORM_MASK_DISCOVERY: FieldDef = FieldDef::new(
    "dhcp.option.perform_mask_discovery",
    "Perform Mask Discovery",
    FieldType::Bool,
)
.with_tfs("Enabled", "Disabled");
/// `dhcp.option.mask_supplier`.
pub static OPTION_MASK_SUPPLIER: FieldDef = FieldDef::new(
    "dhcp.option.mask_supplier",
    "Mask Supplier",
    FieldType::Bool,
)
.with_tfs("Yes", "No");
/// `dhcp.option.perform_router_discover`.
pub static OPTION_PERFORM_ROUTER_DISCOVER: FieldDef = FieldDef::new(
    "dhcp.option.perform_router_discover",
    "Perform Router Discover",
    FieldType::Bool,
)
.with_tfs("Enabled", "Disabled");
/// `dhcp.option.router_solicitation_address`.
pub static OPTION_ROUTER_SOLICITATION_ADDRESS: FieldDef = FieldDef::new(
    "dhcp.option.router_solicitation_address",
    "Router Solicitation Address",
    FieldType::Ipv4,
)
.with_base(Base::None);
/// `dhcp.option.trailer_encapsulation`.
pub static OPTION_TRAILER_ENCAPSULATION: FieldDef = FieldDef::new(
    "dhcp.option.trailer_encapsulation",
    "Trailer Encapsulation",
    FieldType::Bool,
)
.with_tfs("Enabled", "Disabled");
/// `dhcp.option.arp_cache_timeout`.
pub static OPTION_ARP_CACHE_TIMEOUT: FieldDef = FieldDef::new(
    "dhcp.option.arp_cache_timeout",
    "ARP Cache Timeout",
    FieldType::U32,
);
/// `dhcp.option.ethernet_encapsulation`.
pub static OPTION_ETHERNET_ENCAPSULATION: FieldDef = FieldDef::new(
    "dhcp.option.ethernet_encapsulation",
    "Ethernet Encapsulation",
    FieldType::Bool,
)
.with_tfs("Enabled", "Disabled");
/// `dhcp.option.tcp_default_ttl`.
pub static OPTION_TCP_DEFAULT_TTL: FieldDef = FieldDef::new(
    "dhcp.option.tcp_default_ttl",
    "TCP Default TTL",
    FieldType::U8,
);
/// `dhcp.option.tcp_keepalive_interval`.
pub static OPTION_TCP_KEEPALIVE_INTERVAL: FieldDef = FieldDef::new(
    "dhcp.option.tcp_keepalive_interval",
    "TCP Keepalive Interval",
    FieldType::U32,
);
/// `dhcp.option.tcp_keepalive_garbage`.
pub static OPTION_TCP_KEEPALIVE_GARBAGE: FieldDef = FieldDef::new(
    "dhcp.option.tcp_keepalive_garbage",
    "TCP Keepalive Garbage",
    FieldType::Bool,
)
.with_tfs("Enabled", "Disabled");
/// `dhcp.option.nis_domain`.
pub static OPTION_NIS_DOMAIN: FieldDef = FieldDef::new(
    "dhcp.option.nis_domain",
    "Network Information Service Domain",
    FieldType::String,
)
.with_base(Base::None);
/// `dhcp.option.nis_server`.
pub static OPTION_NIS_SERVER: FieldDef = FieldDef::new(
    "dhcp.option.nis_server",
    "Network Information Service Server",
    FieldType::Ipv4,
)
.with_base(Base::None);
/// `dhcp.option.ntp_server`.
pub static OPTION_NTP_SERVER: FieldDef = FieldDef::new(
    "dhcp.option.ntp_server",
    "Network Time Protocol Server",
    FieldType::Ipv4,
)
.with_base(Base::None);
/// `dhcp.option.netbios_over_tcpip_name_server`.
pub static OPTION_NETBIOS_OVER_TCPIP_NAME_SERVER: FieldDef = FieldDef::new(
    "dhcp.option.netbios_over_tcpip_name_server",
    "NetBIOS over TCP/IP Name Server",
    FieldType::Ipv4,
)
.with_base(Base::None);
/// `dhcp.option.netbios_over_tcpip_dd_name_server`.
pub static OPTION_NETBIOS_OVER_TCPIP_DD_NAME_SERVER: FieldDef = FieldDef::new(
    "dhcp.option.netbios_over_tcpip_dd_name_server",
    "NetBIOS over TCP/IP Datagram Distribution Name Server",
    FieldType::Ipv4,
)
.with_base(Base::None);
const OPTION_NETBIOS_OVER_TCPIP_NODE_TYPE_VALS: ValueStrings =
    &[(1, "B-node"), (2, "P-node"), (4, "M-node"), (8, "H-node")];
/// `dhcp.option.netbios_over_tcpip_node_type`.
pub static OPTION_NETBIOS_OVER_TCPIP_NODE_TYPE: FieldDef = FieldDef::new(
    "dhcp.option.netbios_over_tcpip_node_type",
    "NetBIOS over TCP/IP Node Type",
    FieldType::U8,
)
.with_strings(OPTION_NETBIOS_OVER_TCPIP_NODE_TYPE_VALS);
/// `dhcp.option.netbios_over_tcpip_scope`.
pub static OPTION_NETBIOS_OVER_TCPIP_SCOPE: FieldDef = FieldDef::new(
    "dhcp.option.netbios_over_tcpip_scope",
    "NetBIOS over TCP/IP Scope",
    FieldType::String,
)
.with_base(Base::None);
/// `dhcp.option.xwindows_system_font_server`.
pub static OPTION_XWINDOWS_SYSTEM_FONT_SERVER: FieldDef = FieldDef::new(
    "dhcp.option.xwindows_system_font_server",
    "X Window System Font Server",
    FieldType::Ipv4,
)
.with_base(Base::None);
/// `dhcp.option.xwindows_system_display_manager`.
pub static OPTION_XWINDOWS_SYSTEM_DISPLAY_MANAGER: FieldDef = FieldDef::new(
    "dhcp.option.xwindows_system_display_manager",
    "X Window System Display Manager",
    FieldType::Ipv4,
)
.with_base(Base::None);
/// `dhcp.option.requested_ip_address`.
pub static OPTION_REQUESTED_IP_ADDRESS: FieldDef = FieldDef::new(
    "dhcp.option.requested_ip_address",
    "Requested IP Address",
    FieldType::Ipv4,
)
.with_base(Base::None);
/// `dhcp.option.ip_address_lease_time`.
pub static OPTION_IP_ADDRESS_LEASE_TIME: FieldDef = FieldDef::new(
    "dhcp.option.ip_address_lease_time",
    "IP Address Lease Time",
    FieldType::U32,
);
const OPTION_OPTION_OVERLOAD_VALS: ValueStrings = &[
    (1, "Boot file name holds options"),
    (2, "Server host name holds options"),
    (3, "Boot file and server host names hold options"),
];
/// `dhcp.option.option_overload`.
pub static OPTION_OPTION_OVERLOAD: FieldDef = FieldDef::new(
    "dhcp.option.option_overload",
    "Option Overload",
    FieldType::U8,
)
.with_strings(OPTION_OPTION_OVERLOAD_VALS);
const OPTION_DHCP_VALS: ValueStrings = &[
    (1, "Discover"),
    (2, "Offer"),
    (3, "Request"),
    (4, "Decline"),
    (5, "ACK"),
    (6, "NAK"),
    (7, "Release"),
    (8, "Inform"),
    (9, "Force Renew"),
    (10, "Lease query"),
    (11, "Lease Unassigned"),
    (12, "Lease Unknown"),
    (13, "Lease Active"),
    (14, "Bulk Lease Query"),
    (15, "Lease Query Done"),
    (16, "Active LeaseQuery"),
    (17, "Lease Query Status"),
    (18, "TLS"),
];
/// `dhcp.option.dhcp`.
pub static OPTION_DHCP: FieldDef =
    FieldDef::new("dhcp.option.dhcp", "DHCP", FieldType::U8).with_strings(OPTION_DHCP_VALS);
/// `dhcp.option.dhcp_server_id`.
pub static OPTION_DHCP_SERVER_ID: FieldDef = FieldDef::new(
    "dhcp.option.dhcp_server_id",
    "DHCP Server Identifier",
    FieldType::Ipv4,
)
.with_base(Base::None);
/// `dhcp.option.request_list_item`.
pub static OPTION_REQUEST_LIST_ITEM: FieldDef = FieldDef::new(
    "dhcp.option.request_list_item",
    "Parameter Request List Item",
    FieldType::U8,
);
/// `dhcp.option.message`.
pub static OPTION_MESSAGE: FieldDef =
    FieldDef::new("dhcp.option.message", "Message", FieldType::String).with_base(Base::None);
/// `dhcp.option.dhcp_max_message_size`.
pub static OPTION_DHCP_MAX_MESSAGE_SIZE: FieldDef = FieldDef::new(
    "dhcp.option.dhcp_max_message_size",
    "Maximum DHCP Message Size",
    FieldType::U16,
);
/// `dhcp.option.renewal_time_value`.
pub static OPTION_RENEWAL_TIME_VALUE: FieldDef = FieldDef::new(
    "dhcp.option.renewal_time_value",
    "Renewal Time Value",
    FieldType::U32,
);
/// `dhcp.option.rebinding_time_value`.
pub static OPTION_REBINDING_TIME_VALUE: FieldDef = FieldDef::new(
    "dhcp.option.rebinding_time_value",
    "Rebinding Time Value",
    FieldType::U32,
);
/// `dhcp.option.novell_netware_ip_domain`.
pub static OPTION_NOVELL_NETWARE_IP_DOMAIN: FieldDef = FieldDef::new(
    "dhcp.option.novell_netware_ip_domain",
    "Novell/Netware IP domain",
    FieldType::String,
)
.with_base(Base::None);
/// `dhcp.option.nis_plus_domain`.
pub static OPTION_NIS_PLUS_DOMAIN: FieldDef = FieldDef::new(
    "dhcp.option.nis_plus_domain",
    "Network Information Service+ Domain",
    FieldType::String,
)
.with_base(Base::None);
/// `dhcp.option.nis_plus_server`.
pub static OPTION_NIS_PLUS_SERVER: FieldDef = FieldDef::new(
    "dhcp.option.nis_plus_server",
    "Network Information Service+ Server",
    FieldType::Ipv4,
)
.with_base(Base::None);
/// `dhcp.option.tftp_server_name`.
pub static OPTION_TFTP_SERVER_NAME: FieldDef = FieldDef::new(
    "dhcp.option.tftp_server_name",
    "TFTP Server Name",
    FieldType::String,
)
.with_base(Base::None);
/// `dhcp.option.bootfile_name`.
pub static OPTION_BOOTFILE_NAME: FieldDef = FieldDef::new(
    "dhcp.option.bootfile_name",
    "Bootfile name",
    FieldType::String,
)
.with_base(Base::None);
/// `dhcp.option.mobile_ip_home_agent`.
pub static OPTION_MOBILE_IP_HOME_AGENT: FieldDef = FieldDef::new(
    "dhcp.option.mobile_ip_home_agent",
    "Mobile IP Home Agent",
    FieldType::Ipv4,
)
.with_base(Base::None);
/// `dhcp.option.smtp_server`.
pub static OPTION_SMTP_SERVER: FieldDef =
    FieldDef::new("dhcp.option.smtp_server", "SMTP Server", FieldType::Ipv4).with_base(Base::None);
/// `dhcp.option.pop3_server`.
pub static OPTION_POP3_SERVER: FieldDef =
    FieldDef::new("dhcp.option.pop3_server", "POP3 Server", FieldType::Ipv4).with_base(Base::None);
/// `dhcp.option.nntp_server`.
pub static OPTION_NNTP_SERVER: FieldDef =
    FieldDef::new("dhcp.option.nntp_server", "NNTP Server", FieldType::Ipv4).with_base(Base::None);
/// `dhcp.option.default_www_server`.
pub static OPTION_DEFAULT_WWW_SERVER: FieldDef = FieldDef::new(
    "dhcp.option.default_www_server",
    "Default WWW Server",
    FieldType::Ipv4,
)
.with_base(Base::None);
/// `dhcp.option.default_finger_server`.
pub static OPTION_DEFAULT_FINGER_SERVER: FieldDef = FieldDef::new(
    "dhcp.option.default_finger_server",
    "Default Finger Server",
    FieldType::Ipv4,
)
.with_base(Base::None);
/// `dhcp.option.default_irc_server`.
pub static OPTION_DEFAULT_IRC_SERVER: FieldDef = FieldDef::new(
    "dhcp.option.default_irc_server",
    "Default IRC Server",
    FieldType::Ipv4,
)
.with_base(Base::None);
/// `dhcp.option.streettalk_server`.
pub static OPTION_STREETTALK_SERVER: FieldDef = FieldDef::new(
    "dhcp.option.streettalk_server",
    "StreetTalk Server",
    FieldType::Ipv4,
)
.with_base(Base::None);
/// `dhcp.option.streettalk_da_server`.
pub static OPTION_STREETTALK_DA_SERVER: FieldDef = FieldDef::new(
    "dhcp.option.streettalk_da_server",
    "StreetTalk Directory Assistance Server",
    FieldType::Ipv4,
)
.with_base(Base::None);
/// `dhcp.option.novell_ds_tree_name`.
pub static OPTION_NOVELL_DS_TREE_NAME: FieldDef = FieldDef::new(
    "dhcp.option.novell_ds_tree_name",
    "Novell Directory Services Tree Name",
    FieldType::String,
)
.with_base(Base::None);
/// `dhcp.option.novell_ds_context`.
pub static OPTION_NOVELL_DS_CONTEXT: FieldDef = FieldDef::new(
    "dhcp.option.novell_ds_context",
    "Novell Directory Services Context",
    FieldType::String,
)
.with_base(Base::None);
/// `dhcp.option.client_last_transaction_time`.
pub static OPTION_CLIENT_LAST_TRANSACTION_TIME: FieldDef = FieldDef::new(
    "dhcp.option.client_last_transaction_time",
    "Client last transaction time",
    FieldType::U32,
);
/// `dhcp.option.associated_ip_option`.
pub static OPTION_ASSOCIATED_IP_OPTION: FieldDef = FieldDef::new(
    "dhcp.option.associated_ip_option",
    "Associated IP option",
    FieldType::Ipv4,
)
.with_base(Base::None);
/// `dhcp.option.tz_pcode`.
pub static OPTION_TZ_PCODE: FieldDef =
    FieldDef::new("dhcp.option.tz_pcode", "TZ PCode", FieldType::String).with_base(Base::None);
/// `dhcp.option.tz_tcode`.
pub static OPTION_TZ_TCODE: FieldDef =
    FieldDef::new("dhcp.option.tz_tcode", "TZ TCode", FieldType::String).with_base(Base::None);
/// `dhcp.option.netinfo_parent_server_address`.
pub static OPTION_NETINFO_PARENT_SERVER_ADDRESS: FieldDef = FieldDef::new(
    "dhcp.option.netinfo_parent_server_address",
    "NetInfo Parent Server Address",
    FieldType::Ipv4,
)
.with_base(Base::None);
/// `dhcp.option.netinfo_parent_server_tag`.
pub static OPTION_NETINFO_PARENT_SERVER_TAG: FieldDef = FieldDef::new(
    "dhcp.option.netinfo_parent_server_tag",
    "NetInfo Parent Server Tag",
    FieldType::String,
)
.with_base(Base::None);
const OPTION_DHCP_AUTO_CONFIGURATION_VALS: ValueStrings =
    &[(0, "DoNotAutoConfigure"), (1, "AutoConfigure")];
/// `dhcp.option.dhcp_auto_configuration`.
pub static OPTION_DHCP_AUTO_CONFIGURATION: FieldDef = FieldDef::new(
    "dhcp.option.dhcp_auto_configuration",
    "DHCP Auto-Configuration",
    FieldType::U8,
)
.with_strings(OPTION_DHCP_AUTO_CONFIGURATION_VALS);
/// `dhcp.option.subnet_selection_option`.
pub static OPTION_SUBNET_SELECTION_OPTION: FieldDef = FieldDef::new(
    "dhcp.option.subnet_selection_option",
    "Subnet Selection Option",
    FieldType::Ipv4,
)
.with_base(Base::None);
/// `dhcp.option.pana_agent`.
pub static OPTION_PANA_AGENT: FieldDef = FieldDef::new(
    "dhcp.option.pana_agent",
    "PAA IPv4 Address",
    FieldType::Ipv4,
)
.with_base(Base::None);
/// `dhcp.option.lost_server_domain_name`.
pub static OPTION_LOST_SERVER_DOMAIN_NAME: FieldDef = FieldDef::new(
    "dhcp.option.lost_server_domain_name",
    "LoST Server Domain Name",
    FieldType::String,
)
.with_base(Base::None);
/// `dhcp.option.capwap_access_controller`.
pub static OPTION_CAPWAP_ACCESS_CONTROLLER: FieldDef = FieldDef::new(
    "dhcp.option.capwap_access_controller",
    "CAPWAP Access Controllers",
    FieldType::Ipv4,
)
.with_base(Base::None);
/// `dhcp.option.andsf_server`.
pub static OPTION_ANDSF_SERVER: FieldDef =
    FieldDef::new("dhcp.option.andsf_server", "ANDSF Server", FieldType::Ipv4)
        .with_base(Base::None);
/// `dhcp.option.tftp_server_address`.
pub static OPTION_TFTP_SERVER_ADDRESS: FieldDef = FieldDef::new(
    "dhcp.option.tftp_server_address",
    "TFTP Server Address",
    FieldType::Ipv4,
)
.with_base(Base::None);
/// `dhcp.option.bulk_lease.start_time_of_state`.
pub static OPTION_BULK_LEASE_START_TIME_OF_STATE: FieldDef = FieldDef::new(
    "dhcp.option.bulk_lease.start_time_of_state",
    "Start Time Of State",
    FieldType::U32,
);
const OPTION_BULK_LEASE_DHCP_STATE_VALS: ValueStrings = &[
    (1, "Available"),
    (2, "Active"),
    (3, "Expired"),
    (4, "Released"),
    (5, "Abandoned"),
    (6, "Reset"),
    (7, "Remote"),
    (8, "Transitioning"),
];
/// `dhcp.option.bulk_lease.dhcp_state`.
pub static OPTION_BULK_LEASE_DHCP_STATE: FieldDef = FieldDef::new(
    "dhcp.option.bulk_lease.dhcp_state",
    "Dhcp State",
    FieldType::U8,
)
.with_strings(OPTION_BULK_LEASE_DHCP_STATE_VALS);
/// `dhcp.option.bulk_lease.data_source`.
pub static OPTION_BULK_LEASE_DATA_SOURCE: FieldDef = FieldDef::new(
    "dhcp.option.bulk_lease.data_source",
    "Data Source",
    FieldType::Bool,
)
.with_tfs("Remote", "Local");
/// `dhcp.option.mudurl`.
pub static OPTION_MUDURL: FieldDef =
    FieldDef::new("dhcp.option.mudurl", "MUDURL", FieldType::String).with_base(Base::None);
/// `dhcp.option.pxe_config_file`.
pub static OPTION_PXE_CONFIG_FILE: FieldDef = FieldDef::new(
    "dhcp.option.pxe_config_file",
    "PXELINUX configuration file",
    FieldType::String,
)
.with_base(Base::None);
/// `dhcp.option.pxe_path_prefix`.
pub static OPTION_PXE_PATH_PREFIX: FieldDef = FieldDef::new(
    "dhcp.option.pxe_path_prefix",
    "PXELINUX path prefix",
    FieldType::String,
)
.with_base(Base::None);
/// `dhcp.option.private_proxy_autodiscovery`.
pub static OPTION_PRIVATE_PROXY_AUTODISCOVERY: FieldDef = FieldDef::new(
    "dhcp.option.private_proxy_autodiscovery",
    "Private/Proxy autodiscovery",
    FieldType::String,
)
.with_base(Base::None);
/// `dhcp.vendor_specific_options`.
pub static VENDOR_SPECIFIC_OPTIONS: FieldDef = FieldDef::new(
    "dhcp.vendor_specific_options",
    "Bootp vendor specific options",
    FieldType::Bytes,
)
.with_base(Base::None);

/// `dhcp.option.vendor.arubaap.controllerip`.
pub static OPTION_VENDOR_ARUBAAP_CONTROLLERIP: FieldDef = FieldDef::new(
    "dhcp.option.vendor.arubaap.controllerip",
    "Aruba Controller IP",
    FieldType::String,
)
.with_base(Base::None);
/// `dhcp.option.vendor.value`.
pub static OPTION_VENDOR_VALUE: FieldDef =
    FieldDef::new("dhcp.option.vendor.value", "Value", FieldType::Bytes).with_base(Base::None);

/// Fields of this module.
pub static FIELDS: &[FieldRef] = &[
    &PROTO,
    &BOOTP,
    &VENDOR_SPECIFIC_OPTIONS,
    &OPTION_VENDOR_ARUBAAP_CONTROLLERIP,
    &OPTION_VENDOR_VALUE,
    &TYPE,
    &HW_TYPE,
    &HW_LEN,
    &HOPS,
    &ID,
    &SECS,
    &FLAGS,
    &FLAGS_BC,
    &FLAGS_RESERVED,
    &IP_CLIENT,
    &IP_YOUR,
    &IP_SERVER,
    &IP_RELAY,
    &HW_ADDR,
    &HW_ADDR_PADDING,
    &HW_MAC_ADDR,
    &SERVER,
    &FILE,
    &COOKIE,
    &OPTION_TYPE,
    &OPTION_LENGTH,
    &OPTION_VALUE,
    &OPTION_PADDING,
    &OPTION_END,
    &OPTION_POLICY_FILTER_IP,
    &OPTION_POLICY_FILTER_SUBNET_MASK,
    &OPTION_STATIC_ROUTE_IP,
    &OPTION_STATIC_ROUTE_ROUTER,
    &OPTION_VENDOR_CLASS_ID,
    &CLIENT_ID_TYPE,
    &CLIENT_ID,
    &CLIENT_HARDWARE_ADDRESS,
    &FQDN_FLAGS,
    &FQDN_MBZ,
    &FQDN_N,
    &FQDN_E,
    &FQDN_O,
    &FQDN_S,
    &FQDN_RCODE1,
    &FQDN_RCODE2,
    &FQDN_NAME,
    &OPTION_AGENT_INFORMATION_OPTION_SUBOPTION,
    &OPTION_AGENT_INFORMATION_OPTION_VALUE,
    &OPTION_AGENT_INFORMATION_OPTION_AGENT_CIRCUIT_ID,
    &OPTION_AGENT_INFORMATION_OPTION_AGENT_REMOTE_ID,
    &OPTION_AGENT_INFORMATION_OPTION_LINK_SELECTION,
    &OPTION_AGENT_INFORMATION_OPTION_SUBSCRIBER_ID,
    &OPTION_AGENT_INFORMATION_OPTION_SERVER_ID_OVERRIDE,
    &OPTION_AGENT_INFORMATION_OPTION_RELAY_AGENT_ID,
    &OPTION_CLASSLESS_STATIC_ROUTE,
    &OPTION_SUBNET_MASK,
    &OPTION_TIME_OFFSET,
    &OPTION_ROUTER,
    &OPTION_TIME_SERVER,
    &OPTION_NAME_SERVER,
    &OPTION_DOMAIN_NAME_SERVER,
    &OPTION_LOG_SERVER,
    &OPTION_QUOTES_SERVER,
    &OPTION_LPR_SERVER,
    &OPTION_IMPRESS_SERVER,
    &OPTION_RESOURCE_LOCATION_SERVER,
    &OPTION_HOSTNAME,
    &OPTION_BOOT_FILE_SIZE,
    &OPTION_MERIT_DUMP_FILE,
    &OPTION_DOMAIN_NAME,
    &OPTION_SWAP_SERVER,
    &OPTION_ROOT_PATH,
    &OPTION_EXTENSION_PATH,
    &OPTION_IP_FORWARDING,
    &OPTION_NON_LOCAL_SOURCE_ROUTING,
    &OPTION_MAX_DATAGRAM_REASSEMBLY_SIZE,
    &OPTION_DEFAULT_IP_TTL,
    &OPTION_PATH_MTU_AGING_TIMEOUT,
    &OPTION_PATH_MTU_PLATEAU_TABLE_ITEM,
    &OPTION_INTERFACE_MTU,
    &OPTION_ALL_SUBNETS_ARE_LOCAL,
    &OPTION_BROADCAST_ADDRESS,
    &OPTION_PERFORM_MASK_DISCOVERY,
    &OPTION_MASK_SUPPLIER,
    &OPTION_PERFORM_ROUTER_DISCOVER,
    &OPTION_ROUTER_SOLICITATION_ADDRESS,
    &OPTION_TRAILER_ENCAPSULATION,
    &OPTION_ARP_CACHE_TIMEOUT,
    &OPTION_ETHERNET_ENCAPSULATION,
    &OPTION_TCP_DEFAULT_TTL,
    &OPTION_TCP_KEEPALIVE_INTERVAL,
    &OPTION_TCP_KEEPALIVE_GARBAGE,
    &OPTION_NIS_DOMAIN,
    &OPTION_NIS_SERVER,
    &OPTION_NTP_SERVER,
    &OPTION_NETBIOS_OVER_TCPIP_NAME_SERVER,
    &OPTION_NETBIOS_OVER_TCPIP_DD_NAME_SERVER,
    &OPTION_NETBIOS_OVER_TCPIP_NODE_TYPE,
    &OPTION_NETBIOS_OVER_TCPIP_SCOPE,
    &OPTION_XWINDOWS_SYSTEM_FONT_SERVER,
    &OPTION_XWINDOWS_SYSTEM_DISPLAY_MANAGER,
    &OPTION_REQUESTED_IP_ADDRESS,
    &OPTION_IP_ADDRESS_LEASE_TIME,
    &OPTION_OPTION_OVERLOAD,
    &OPTION_DHCP,
    &OPTION_DHCP_SERVER_ID,
    &OPTION_REQUEST_LIST_ITEM,
    &OPTION_MESSAGE,
    &OPTION_DHCP_MAX_MESSAGE_SIZE,
    &OPTION_RENEWAL_TIME_VALUE,
    &OPTION_REBINDING_TIME_VALUE,
    &OPTION_NOVELL_NETWARE_IP_DOMAIN,
    &OPTION_NIS_PLUS_DOMAIN,
    &OPTION_NIS_PLUS_SERVER,
    &OPTION_TFTP_SERVER_NAME,
    &OPTION_BOOTFILE_NAME,
    &OPTION_MOBILE_IP_HOME_AGENT,
    &OPTION_SMTP_SERVER,
    &OPTION_POP3_SERVER,
    &OPTION_NNTP_SERVER,
    &OPTION_DEFAULT_WWW_SERVER,
    &OPTION_DEFAULT_FINGER_SERVER,
    &OPTION_DEFAULT_IRC_SERVER,
    &OPTION_STREETTALK_SERVER,
    &OPTION_STREETTALK_DA_SERVER,
    &OPTION_NOVELL_DS_TREE_NAME,
    &OPTION_NOVELL_DS_CONTEXT,
    &OPTION_CLIENT_LAST_TRANSACTION_TIME,
    &OPTION_ASSOCIATED_IP_OPTION,
    &OPTION_TZ_PCODE,
    &OPTION_TZ_TCODE,
    &OPTION_NETINFO_PARENT_SERVER_ADDRESS,
    &OPTION_NETINFO_PARENT_SERVER_TAG,
    &OPTION_DHCP_AUTO_CONFIGURATION,
    &OPTION_SUBNET_SELECTION_OPTION,
    &OPTION_PANA_AGENT,
    &OPTION_LOST_SERVER_DOMAIN_NAME,
    &OPTION_CAPWAP_ACCESS_CONTROLLER,
    &OPTION_ANDSF_SERVER,
    &OPTION_TFTP_SERVER_ADDRESS,
    &OPTION_BULK_LEASE_START_TIME_OF_STATE,
    &OPTION_BULK_LEASE_DHCP_STATE,
    &OPTION_BULK_LEASE_DATA_SOURCE,
    &OPTION_MUDURL,
    &OPTION_PXE_CONFIG_FILE,
    &OPTION_PXE_PATH_PREFIX,
    &OPTION_PRIVATE_PROXY_AUTODISCOVERY,
];

/// Wireshark 4.0's `default_dhcp_opt` table: name, value kind, field.
static OPTS: [(&str, Kind, Option<FieldRef>); 256] = [
    ("Padding", Kind::Opaque, None),
    ("Subnet Mask", Kind::Ipv4, Some(&OPTION_SUBNET_MASK)),
    ("Time Offset", Kind::TimeS, Some(&OPTION_TIME_OFFSET)),
    ("Router", Kind::Ipv4List, Some(&OPTION_ROUTER)),
    ("Time Server", Kind::Ipv4List, Some(&OPTION_TIME_SERVER)),
    ("Name Server", Kind::Ipv4List, Some(&OPTION_NAME_SERVER)),
    (
        "Domain Name Server",
        Kind::Ipv4List,
        Some(&OPTION_DOMAIN_NAME_SERVER),
    ),
    ("Log Server", Kind::Ipv4List, Some(&OPTION_LOG_SERVER)),
    ("Quotes Server", Kind::Ipv4List, Some(&OPTION_QUOTES_SERVER)),
    ("LPR Server", Kind::Ipv4List, Some(&OPTION_LPR_SERVER)),
    (
        "Impress Server",
        Kind::Ipv4List,
        Some(&OPTION_IMPRESS_SERVER),
    ),
    (
        "Resource Location Server",
        Kind::Ipv4List,
        Some(&OPTION_RESOURCE_LOCATION_SERVER),
    ),
    ("Host Name", Kind::Str, Some(&OPTION_HOSTNAME)),
    ("Boot File Size", Kind::U16, Some(&OPTION_BOOT_FILE_SIZE)),
    ("Merit Dump File", Kind::Str, Some(&OPTION_MERIT_DUMP_FILE)),
    ("Domain Name", Kind::Str, Some(&OPTION_DOMAIN_NAME)),
    ("Swap Server", Kind::Ipv4, Some(&OPTION_SWAP_SERVER)),
    ("Root Path", Kind::Str, Some(&OPTION_ROOT_PATH)),
    ("Extensions Path", Kind::Str, Some(&OPTION_EXTENSION_PATH)),
    ("IP Forwarding", Kind::Bool, Some(&OPTION_IP_FORWARDING)),
    (
        "Non-Local Source Routing",
        Kind::Bool,
        Some(&OPTION_NON_LOCAL_SOURCE_ROUTING),
    ),
    ("Policy Filter", Kind::Special, None),
    (
        "Maximum Datagram Reassembly Size",
        Kind::U16,
        Some(&OPTION_MAX_DATAGRAM_REASSEMBLY_SIZE),
    ),
    (
        "Default IP Time-to-Live",
        Kind::U8,
        Some(&OPTION_DEFAULT_IP_TTL),
    ),
    (
        "Path MTU Aging Timeout",
        Kind::TimeU,
        Some(&OPTION_PATH_MTU_AGING_TIMEOUT),
    ),
    (
        "Path MTU Plateau Table",
        Kind::U16List,
        Some(&OPTION_PATH_MTU_PLATEAU_TABLE_ITEM),
    ),
    ("Interface MTU", Kind::U16, Some(&OPTION_INTERFACE_MTU)),
    (
        "All Subnets are Local",
        Kind::Bool,
        Some(&OPTION_ALL_SUBNETS_ARE_LOCAL),
    ),
    (
        "Broadcast Address",
        Kind::Ipv4,
        Some(&OPTION_BROADCAST_ADDRESS),
    ),
    (
        "Perform Mask Discovery",
        Kind::Bool,
        Some(&OPTION_PERFORM_MASK_DISCOVERY),
    ),
    ("Mask Supplier", Kind::Bool, Some(&OPTION_MASK_SUPPLIER)),
    (
        "Perform Router Discover",
        Kind::Bool,
        Some(&OPTION_PERFORM_ROUTER_DISCOVER),
    ),
    (
        "Router Solicitation Address",
        Kind::Ipv4,
        Some(&OPTION_ROUTER_SOLICITATION_ADDRESS),
    ),
    ("Static Route", Kind::Special, None),
    (
        "Trailer Encapsulation",
        Kind::Bool,
        Some(&OPTION_TRAILER_ENCAPSULATION),
    ),
    (
        "ARP Cache Timeout",
        Kind::TimeU,
        Some(&OPTION_ARP_CACHE_TIMEOUT),
    ),
    (
        "Ethernet Encapsulation",
        Kind::Bool,
        Some(&OPTION_ETHERNET_ENCAPSULATION),
    ),
    ("TCP Default TTL", Kind::U8, Some(&OPTION_TCP_DEFAULT_TTL)),
    (
        "TCP Keepalive Interval",
        Kind::TimeU,
        Some(&OPTION_TCP_KEEPALIVE_INTERVAL),
    ),
    (
        "TCP Keepalive Garbage",
        Kind::Bool,
        Some(&OPTION_TCP_KEEPALIVE_GARBAGE),
    ),
    (
        "Network Information Service Domain",
        Kind::Str,
        Some(&OPTION_NIS_DOMAIN),
    ),
    (
        "Network Information Service Servers",
        Kind::Ipv4List,
        Some(&OPTION_NIS_SERVER),
    ),
    (
        "Network Time Protocol Servers",
        Kind::Ipv4List,
        Some(&OPTION_NTP_SERVER),
    ),
    ("Vendor-Specific Information", Kind::Special, None),
    (
        "NetBIOS over TCP/IP Name Server",
        Kind::Ipv4List,
        Some(&OPTION_NETBIOS_OVER_TCPIP_NAME_SERVER),
    ),
    (
        "NetBIOS over TCP/IP Datagram Distribution Name Server",
        Kind::Ipv4List,
        Some(&OPTION_NETBIOS_OVER_TCPIP_DD_NAME_SERVER),
    ),
    (
        "NetBIOS over TCP/IP Node Type",
        Kind::U8,
        Some(&OPTION_NETBIOS_OVER_TCPIP_NODE_TYPE),
    ),
    (
        "NetBIOS over TCP/IP Scope",
        Kind::Str,
        Some(&OPTION_NETBIOS_OVER_TCPIP_SCOPE),
    ),
    (
        "X Window System Font Server",
        Kind::Ipv4List,
        Some(&OPTION_XWINDOWS_SYSTEM_FONT_SERVER),
    ),
    (
        "X Window System Display Manager",
        Kind::Ipv4List,
        Some(&OPTION_XWINDOWS_SYSTEM_DISPLAY_MANAGER),
    ),
    (
        "Requested IP Address",
        Kind::Ipv4,
        Some(&OPTION_REQUESTED_IP_ADDRESS),
    ),
    (
        "IP Address Lease Time",
        Kind::TimeU,
        Some(&OPTION_IP_ADDRESS_LEASE_TIME),
    ),
    (
        "Option Overload",
        Kind::Special,
        Some(&OPTION_OPTION_OVERLOAD),
    ),
    ("DHCP Message Type", Kind::U8, Some(&OPTION_DHCP)),
    (
        "DHCP Server Identifier",
        Kind::Ipv4,
        Some(&OPTION_DHCP_SERVER_ID),
    ),
    (
        "Parameter Request List",
        Kind::Special,
        Some(&OPTION_REQUEST_LIST_ITEM),
    ),
    ("Message", Kind::Str, Some(&OPTION_MESSAGE)),
    (
        "Maximum DHCP Message Size",
        Kind::U16,
        Some(&OPTION_DHCP_MAX_MESSAGE_SIZE),
    ),
    (
        "Renewal Time Value",
        Kind::TimeU,
        Some(&OPTION_RENEWAL_TIME_VALUE),
    ),
    (
        "Rebinding Time Value",
        Kind::TimeU,
        Some(&OPTION_REBINDING_TIME_VALUE),
    ),
    ("Vendor class identifier", Kind::Special, None),
    ("Client identifier", Kind::Special, None),
    (
        "Novell/Netware IP domain",
        Kind::Str,
        Some(&OPTION_NOVELL_NETWARE_IP_DOMAIN),
    ),
    ("Novell Options", Kind::Special, None),
    (
        "Network Information Service+ Domain",
        Kind::Str,
        Some(&OPTION_NIS_PLUS_DOMAIN),
    ),
    (
        "Network Information Service+ Servers",
        Kind::Ipv4List,
        Some(&OPTION_NIS_PLUS_SERVER),
    ),
    (
        "TFTP Server Name",
        Kind::Str,
        Some(&OPTION_TFTP_SERVER_NAME),
    ),
    ("Bootfile name", Kind::Str, Some(&OPTION_BOOTFILE_NAME)),
    (
        "Mobile IP Home Agent",
        Kind::Ipv4List,
        Some(&OPTION_MOBILE_IP_HOME_AGENT),
    ),
    ("SMTP Server", Kind::Ipv4List, Some(&OPTION_SMTP_SERVER)),
    ("POP3 Server", Kind::Ipv4List, Some(&OPTION_POP3_SERVER)),
    ("NNTP Server", Kind::Ipv4List, Some(&OPTION_NNTP_SERVER)),
    (
        "Default WWW Server",
        Kind::Ipv4List,
        Some(&OPTION_DEFAULT_WWW_SERVER),
    ),
    (
        "Default Finger Server",
        Kind::Ipv4List,
        Some(&OPTION_DEFAULT_FINGER_SERVER),
    ),
    (
        "Default IRC Server",
        Kind::Ipv4List,
        Some(&OPTION_DEFAULT_IRC_SERVER),
    ),
    (
        "StreetTalk Server",
        Kind::Ipv4List,
        Some(&OPTION_STREETTALK_SERVER),
    ),
    (
        "StreetTalk Directory Assistance Server",
        Kind::Ipv4List,
        Some(&OPTION_STREETTALK_DA_SERVER),
    ),
    ("User Class Information", Kind::Special, None),
    ("Directory Agent Information", Kind::Special, None),
    ("Service Location Agent Scope", Kind::Special, None),
    ("Rapid commit", Kind::Opaque, None),
    ("Client Fully Qualified Domain Name", Kind::Special, None),
    ("Agent Information Option", Kind::Special, None),
    ("iSNS", Kind::Opaque, None),
    ("Removed/Unassigned", Kind::Opaque, None),
    ("Novell Directory Services Servers", Kind::Special, None),
    (
        "Novell Directory Services Tree Name",
        Kind::Str,
        Some(&OPTION_NOVELL_DS_TREE_NAME),
    ),
    (
        "Novell Directory Services Context",
        Kind::Str,
        Some(&OPTION_NOVELL_DS_CONTEXT),
    ),
    (
        "BCMCS Controller Domain Name [TODO:RFC4280]",
        Kind::Opaque,
        None,
    ),
    (
        "BCMCS Controller IPv4 address [TODO:RFC4280]",
        Kind::Opaque,
        None,
    ),
    ("Authentication", Kind::Special, None),
    (
        "Client last transaction time",
        Kind::TimeU,
        Some(&OPTION_CLIENT_LAST_TRANSACTION_TIME),
    ),
    (
        "Associated IP option",
        Kind::Ipv4List,
        Some(&OPTION_ASSOCIATED_IP_OPTION),
    ),
    ("Client System Architecture", Kind::Special, None),
    ("Client Network Device Interface", Kind::Special, None),
    ("LDAP [TODO:RFC3679]", Kind::Opaque, None),
    ("Removed/Unassigned", Kind::Opaque, None),
    ("UUID/GUID-based Client Identifier", Kind::Special, None),
    (
        "Open Group's User Authentication [TODO:RFC2485]",
        Kind::Opaque,
        None,
    ),
    ("Civic Addresses Configuration", Kind::Special, None),
    ("PCode", Kind::Str, Some(&OPTION_TZ_PCODE)),
    ("TCode", Kind::Str, Some(&OPTION_TZ_TCODE)),
    ("Removed/unassigned", Kind::Opaque, None),
    ("Removed/unassigned", Kind::Opaque, None),
    ("Removed/unassigned", Kind::Opaque, None),
    ("Removed/unassigned", Kind::Opaque, None),
    ("Removed/unassigned", Kind::Opaque, None),
    ("Removed/unassigned", Kind::Opaque, None),
    ("Removed/Unassigned", Kind::Opaque, None),
    ("Unassigned", Kind::Opaque, None),
    ("Removed/Unassigned", Kind::Opaque, None),
    ("Unassigned", Kind::Opaque, None),
    (
        "NetInfo Parent Server Address",
        Kind::Ipv4List,
        Some(&OPTION_NETINFO_PARENT_SERVER_ADDRESS),
    ),
    (
        "NetInfo Parent Server Tag",
        Kind::Str,
        Some(&OPTION_NETINFO_PARENT_SERVER_TAG),
    ),
    ("DHCP Captive-Portal", Kind::Special, None),
    ("Removed/Unassigned", Kind::Opaque, None),
    (
        "DHCP Auto-Configuration",
        Kind::U8,
        Some(&OPTION_DHCP_AUTO_CONFIGURATION),
    ),
    ("Name Service Search", Kind::Special, None),
    (
        "Subnet Selection Option",
        Kind::Ipv4List,
        Some(&OPTION_SUBNET_SELECTION_OPTION),
    ),
    ("Domain Search", Kind::Special, None),
    ("SIP Servers", Kind::Special, None),
    ("Classless Static Route", Kind::Special, None),
    (
        "CableLabs Client Configuration [TODO:RFC3495]",
        Kind::Opaque,
        None,
    ),
    (
        "Coordinate-based Location Configuration",
        Kind::Special,
        None,
    ),
    ("V-I Vendor Class", Kind::Special, None),
    ("V-I Vendor-specific Information", Kind::Special, None),
    ("Removed/Unassigned", Kind::Opaque, None),
    ("Removed/Unassigned", Kind::Opaque, None),
    ("DOCSIS full security server IP [TODO]", Kind::Opaque, None),
    ("PXE - undefined (vendor specific)", Kind::Opaque, None),
    ("PXE - undefined (vendor specific)", Kind::Opaque, None),
    ("PXE - undefined (vendor specific)", Kind::Opaque, None),
    ("PXE - undefined (vendor specific)", Kind::Opaque, None),
    ("PXE - undefined (vendor specific)", Kind::Opaque, None),
    ("PXE - undefined (vendor specific)", Kind::Opaque, None),
    ("PXE - undefined (vendor specific)", Kind::Opaque, None),
    (
        "PANA Authentication Agent",
        Kind::Ipv4List,
        Some(&OPTION_PANA_AGENT),
    ),
    (
        "LoST Server Domain Name",
        Kind::Str,
        Some(&OPTION_LOST_SERVER_DOMAIN_NAME),
    ),
    (
        "CAPWAP Access Controllers",
        Kind::Ipv4List,
        Some(&OPTION_CAPWAP_ACCESS_CONTROLLER),
    ),
    ("IPv4 Address-MoS", Kind::Opaque, None),
    ("IPv4 FQDN-MoS", Kind::Opaque, None),
    ("SIP UA Configuration Domains", Kind::Opaque, None),
    (
        "IPv4 Address ANDSF",
        Kind::Ipv4List,
        Some(&OPTION_ANDSF_SERVER),
    ),
    (
        "Zerotouch Redirect [TODO: draft-ietf-netconf-zerotouch]",
        Kind::Opaque,
        None,
    ),
    ("Geospatial Location [TODO:RFC6225]", Kind::Opaque, None),
    ("Forcerenew Nonce Capable", Kind::Special, None),
    ("RDNSS Selection", Kind::Special, None),
    ("Unassigned", Kind::Opaque, None),
    ("Unassigned", Kind::Opaque, None),
    ("Unassigned", Kind::Opaque, None),
    (
        "TFTP Server Address",
        Kind::Ipv4List,
        Some(&OPTION_TFTP_SERVER_ADDRESS),
    ),
    ("Leasequery Status code", Kind::Special, None),
    ("Leasequery Base Time", Kind::Special, None),
    (
        "Leasequery Start Time of State",
        Kind::TimeU,
        Some(&OPTION_BULK_LEASE_START_TIME_OF_STATE),
    ),
    ("Leasequery Query Start Time", Kind::Special, None),
    ("Leasequery Query End Time", Kind::Special, None),
    (
        "Leasequery Dhcp State",
        Kind::U8,
        Some(&OPTION_BULK_LEASE_DHCP_STATE),
    ),
    (
        "Leasequery Data Source",
        Kind::Bool,
        Some(&OPTION_BULK_LEASE_DATA_SOURCE),
    ),
    ("PCP Server", Kind::Special, None),
    ("Portparams", Kind::Special, None),
    ("Unassigned (ex DHCP Captive-Portal)", Kind::Special, None),
    (
        "Manufacturer Usage Description",
        Kind::Str,
        Some(&OPTION_MUDURL),
    ),
    ("Unassigned", Kind::Opaque, None),
    ("Unassigned", Kind::Opaque, None),
    ("Unassigned", Kind::Opaque, None),
    ("Unassigned", Kind::Opaque, None),
    ("Unassigned", Kind::Opaque, None),
    ("Unassigned", Kind::Opaque, None),
    ("Unassigned", Kind::Opaque, None),
    ("Unassigned", Kind::Opaque, None),
    ("Unassigned", Kind::Opaque, None),
    ("Unassigned", Kind::Opaque, None),
    ("Unassigned", Kind::Opaque, None),
    ("Unassigned", Kind::Opaque, None),
    ("Unassigned", Kind::Opaque, None),
    ("Etherboot", Kind::Opaque, None),
    ("IP Telephone", Kind::Opaque, None),
    ("Etherboot", Kind::Opaque, None),
    ("Unassigned", Kind::Opaque, None),
    ("Unassigned", Kind::Opaque, None),
    ("Unassigned", Kind::Opaque, None),
    ("Unassigned", Kind::Opaque, None),
    ("Unassigned", Kind::Opaque, None),
    ("Unassigned", Kind::Opaque, None),
    ("Unassigned", Kind::Opaque, None),
    ("Unassigned", Kind::Opaque, None),
    ("Unassigned", Kind::Opaque, None),
    ("Unassigned", Kind::Opaque, None),
    ("Unassigned", Kind::Opaque, None),
    ("Unassigned", Kind::Opaque, None),
    ("Unassigned", Kind::Opaque, None),
    ("Unassigned", Kind::Opaque, None),
    ("Unassigned", Kind::Opaque, None),
    ("Unassigned", Kind::Opaque, None),
    ("Unassigned", Kind::Opaque, None),
    ("Unassigned", Kind::Opaque, None),
    ("Unassigned", Kind::Opaque, None),
    ("Unassigned", Kind::Opaque, None),
    ("Unassigned", Kind::Opaque, None),
    ("Unassigned", Kind::Opaque, None),
    ("Unassigned", Kind::Opaque, None),
    ("Unassigned", Kind::Opaque, None),
    ("Unassigned", Kind::Opaque, None),
    ("Unassigned", Kind::Opaque, None),
    ("Unassigned", Kind::Opaque, None),
    ("Unassigned", Kind::Opaque, None),
    ("Unassigned", Kind::Opaque, None),
    ("Unassigned", Kind::Opaque, None),
    ("PXELINUX Magic", Kind::Opaque, None),
    (
        "PXE Configuration file",
        Kind::Str,
        Some(&OPTION_PXE_CONFIG_FILE),
    ),
    ("PXE Path Prefix", Kind::Str, Some(&OPTION_PXE_PATH_PREFIX)),
    ("Reboot Time", Kind::Opaque, None),
    ("6RD", Kind::Opaque, None),
    ("V4 Access Domain", Kind::Opaque, None),
    ("Unassigned", Kind::Opaque, None),
    ("Unassigned", Kind::Opaque, None),
    ("Unassigned", Kind::Opaque, None),
    ("Unassigned", Kind::Opaque, None),
    ("Unassigned", Kind::Opaque, None),
    ("Unassigned", Kind::Opaque, None),
    ("Subnet Allocation", Kind::Opaque, None),
    ("Virtual Subnet Selection", Kind::Opaque, None),
    ("Unassigned", Kind::Opaque, None),
    ("Unassigned", Kind::Opaque, None),
    ("Private", Kind::Opaque, None),
    ("Private", Kind::Opaque, None),
    ("Private", Kind::Opaque, None),
    ("Private", Kind::Opaque, None),
    ("Private", Kind::Opaque, None),
    ("Private", Kind::Opaque, None),
    ("Private", Kind::Opaque, None),
    ("Private", Kind::Opaque, None),
    ("Private", Kind::Opaque, None),
    ("Private", Kind::Opaque, None),
    ("Private", Kind::Opaque, None),
    ("Private", Kind::Opaque, None),
    ("Private", Kind::Opaque, None),
    ("Private", Kind::Opaque, None),
    ("Private", Kind::Opaque, None),
    ("Private", Kind::Opaque, None),
    ("Private", Kind::Opaque, None),
    ("Private", Kind::Opaque, None),
    ("Private/Avaya IP Telephone", Kind::Special, None),
    ("Private", Kind::Opaque, None),
    ("Private", Kind::Opaque, None),
    ("Private", Kind::Opaque, None),
    ("Private", Kind::Opaque, None),
    ("Private", Kind::Opaque, None),
    ("Private", Kind::Opaque, None),
    (
        "Private/Classless Static Route (Microsoft)",
        Kind::Special,
        None,
    ),
    ("Private", Kind::Opaque, None),
    ("Private", Kind::Opaque, None),
    (
        "Private/Proxy autodiscovery",
        Kind::Str,
        Some(&OPTION_PRIVATE_PROXY_AUTODISCOVERY),
    ),
    ("Private", Kind::Opaque, None),
    ("Private", Kind::Opaque, None),
    ("End", Kind::Opaque, None),
];

/// How an option's value is decoded (Wireshark's `enum field_type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Opaque,
    Ipv4,
    Ipv4List,
    Str,
    Bool,
    U8,
    U16,
    U16List,
    TimeS,
    TimeU,
    Special,
}

const BOOTREQUEST: u8 = 1;
const BOOTREPLY: u8 = 2;
const SERVER_NAME_OFFSET: usize = 44;
const SERVER_NAME_LEN: usize = 64;
const FILE_NAME_OFFSET: usize = 108;
const FILE_NAME_LEN: usize = 128;
const VENDOR_INFO_OFFSET: usize = 236;
const MAGIC: u32 = 0x6382_5363;
const OVERLOAD_FILE: u8 = 1;
const OVERLOAD_SNAME: u8 = 2;

/// What the first pass over the options learns (Wireshark's first pass).
#[derive(Default)]
struct First {
    dhcp_type: Option<String>,
    overload: u8,
    vendor_class: String,
}

fn msg_type_name(v: u8) -> String {
    match OPTION_DHCP.value_name(v as u64) {
        Some(n) => n.to_string(),
        None => format!("Unknown Message Type (0x{v:02x})"),
    }
}

/// Text of an `FT_STRINGZ`/`ENC_ASCII` value: up to the first NUL, bytes
/// above 0x7f shown as U+FFFD.
pub(crate) fn ascii_z(b: &[u8]) -> String {
    let end = memchr::memchr(0, b).unwrap_or(b.len());
    b[..end]
        .iter()
        .map(|&c| if c < 0x80 { c as char } else { '\u{fffd}' })
        .collect()
}

fn hw_addr_str(b: &[u8]) -> String {
    let mut s = String::new();
    for (i, x) in b.iter().enumerate() {
        if i > 0 {
            s.push(':');
        }
        let _ = write!(s, "{x:02x}");
    }
    s
}

fn bytes_value(tvb: &Tvb<'_>, off: usize, len: usize) -> R<Value> {
    tvb.ensure(off, len)?;
    Ok(Value::Bytes(Span {
        src: Src::Data(tvb.ds()),
        start: tvb.base() + off as u32,
        len: len as u32,
    }))
}

/// DHCP/BOOTP on UDP ports 67 and 68.
pub fn dissect(cx: &mut Cx<'_>, tvb: Tvb<'_>) -> R<()> {
    cx.current_proto = "DHCP/BOOTP";
    cx.pkt.layer("dhcp");
    cx.pkt.cols.set_protocol("BOOTP");
    cx.pkt.cols.clear_info();
    let op = tvb.u8(0)?;
    let htype = tvb.u8(1)?;
    let hlen = tvb.u8(2)? as usize;
    let is_ether = (htype == 1 || htype == 6) && hlen == 6;
    match op {
        BOOTREQUEST => {
            let a = hw_addr_str(tvb.bytes(28, hlen)?);
            if is_ether {
                cx.pkt
                    .cols
                    .set_info(format_args!("Boot Request from {a} ({a})"));
            } else {
                cx.pkt.cols.set_info(format_args!("Boot Request from {a}"));
            }
        }
        BOOTREPLY => cx.pkt.cols.set_info(format_args!("Boot Reply")),
        _ => cx
            .pkt
            .cols
            .set_info(format_args!("Unknown BOOTP message type ({op})")),
    }
    let mut voff = VENDOR_INFO_OFFSET;
    let cookie = tvb.len() >= voff + 4 && tvb.u32(voff)? == MAGIC;
    voff += if cookie { 4 } else { 64 };
    let eoff = tvb.reported_len();
    // First pass: message type and overload, before anything is shown.
    let mut first = First::default();
    {
        let mut o = voff;
        let mut at_end = false;
        while o < eoff && !at_end {
            o += first_pass_option(&tvb, o, eoff, &mut at_end, &mut first)?;
        }
    }
    if let Some(t) = &first.dhcp_type {
        cx.pkt.cols.set_protocol("DHCP");
        let id = tvb.u32(4)?;
        cx.pkt
            .cols
            .set_info(format_args!("DHCP {t:<8} - Transaction ID 0x{id:x}"));
    }
    let top = cx.pkt.open(&PROTO, &tvb, 0, eoff, Value::None);
    match &first.dhcp_type {
        Some(t) => cx.pkt.set_label(top, format_args!("{} ({t})", PROTO.name)),
        None => cx.pkt.set_label(top, format_args!("{}", PROTO.name)),
    }
    let depth = cx.pkt.depth();
    let r = dissect_fields(cx, &tvb, op, htype, hlen, cookie, &first, top);
    cx.pkt.close_to(depth);
    cx.pkt.close();
    r
}

fn first_pass_option(
    tvb: &Tvb<'_>,
    o: usize,
    eoff: usize,
    at_end: &mut bool,
    first: &mut First,
) -> R<usize> {
    let code = tvb.u8(o)?;
    match code {
        0 => {
            let mut i = o + 1;
            while i < eoff && tvb.u8(i)? == 0 {
                i += 1;
            }
            Ok(i - o)
        }
        255 => {
            *at_end = true;
            Ok(1)
        }
        _ => {
            if tvb.len() < o + 2 {
                return Ok(1);
            }
            let len = tvb.u8(o + 1)? as usize;
            if tvb.len() >= o + 2 + len {
                match code {
                    52 if len > 0 => first.overload = tvb.u8(o + 2)?,
                    53 if len > 0 => first.dhcp_type = Some(msg_type_name(tvb.u8(o + 2)?)),
                    60 => first.vendor_class = ascii_z(tvb.bytes(o + 2, len)?),
                    _ => {}
                }
            }
            Ok(len + 2)
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn dissect_fields(
    cx: &mut Cx<'_>,
    tvb: &Tvb<'_>,
    op: u8,
    htype: u8,
    hlen: usize,
    cookie: bool,
    first: &First,
    top: NodeId,
) -> R<()> {
    cx.pkt.add(&TYPE, tvb, 0, 1, Value::UInt(op as u64));
    cx.pkt.add(&HW_TYPE, tvb, 1, 1, Value::UInt(htype as u64));
    cx.pkt.add(&HW_LEN, tvb, 2, 1, Value::UInt(hlen as u64));
    cx.pkt.add(&HOPS, tvb, 3, 1, Value::UInt(tvb.u8(3)? as u64));
    cx.pkt.add(&ID, tvb, 4, 4, Value::UInt(tvb.u32(4)? as u64));
    let secs_le = tvb.u16_le(8)?;
    if secs_le > 0 && secs_le <= 0xff {
        let n = cx.pkt.add(&SECS, tvb, 8, 2, Value::UInt(secs_le as u64));
        cx.pkt.reopen(n);
        cx.pkt.expert(
            "dhcp",
            Severity::Note,
            Group::Protocol,
            format_args!("Seconds elapsed appears to be encoded as little-endian"),
        );
        cx.pkt.close();
    } else {
        cx.pkt
            .add(&SECS, tvb, 8, 2, Value::UInt(tvb.u16(8)? as u64));
    }
    let flags = tvb.u16(10)? as u64;
    let fi = cx.pkt.add(&FLAGS, tvb, 10, 2, Value::UInt(flags));
    let bc = if flags & 0x8000 != 0 {
        "Broadcast"
    } else {
        "Unicast"
    };
    cx.pkt
        .set_label(fi, format_args!("Bootp flags: 0x{flags:04x} ({bc})"));
    cx.pkt.reopen(fi);
    add_bits(cx, &FLAGS_BC, tvb, 10, 2, flags);
    add_bits(cx, &FLAGS_RESERVED, tvb, 10, 2, flags);
    cx.pkt.close();
    for (f, off) in [
        (&IP_CLIENT, 12),
        (&IP_YOUR, 16),
        (&IP_SERVER, 20),
        (&IP_RELAY, 24),
    ] {
        cx.pkt.add(f, tvb, off, 4, Value::Ipv4(tvb.ipv4(off)?));
    }
    if hlen > 0 && hlen <= 16 {
        if (htype == 1 || htype == 6) && hlen == 6 {
            cx.pkt
                .add(&HW_MAC_ADDR, tvb, 28, 6, Value::Ether(tvb.ether(28)?));
        } else {
            let s = hw_addr_str(tvb.bytes(28, hlen)?);
            let v = bytes_value(tvb, 28, 16)?;
            let n = cx.pkt.add(&HW_ADDR, tvb, 28, 16, v);
            cx.pkt
                .set_label(n, format_args!("Client hardware address: {s}"));
        }
        if hlen < 16 {
            let v = bytes_value(tvb, 28 + hlen, 16 - hlen)?;
            cx.pkt.add(&HW_ADDR_PADDING, tvb, 28 + hlen, 16 - hlen, v);
        }
    } else {
        let n = open_text(cx, tvb, 28, 16, format_args!("Client address not given"));
        cx.pkt.expert(
            "dhcp",
            Severity::Note,
            Group::Protocol,
            format_args!("Client address not given"),
        );
        let _ = n;
        cx.pkt.close();
    }
    name_field(
        cx,
        tvb,
        first.overload & OVERLOAD_SNAME != 0,
        &SERVER,
        SERVER_NAME_OFFSET,
        SERVER_NAME_LEN,
        &first.vendor_class,
    )?;
    name_field(
        cx,
        tvb,
        first.overload & OVERLOAD_FILE != 0,
        &FILE,
        FILE_NAME_OFFSET,
        FILE_NAME_LEN,
        &first.vendor_class,
    )?;
    if first.dhcp_type.is_none() {
        let n = cx.pkt.add(&BOOTP, tvb, 0, 0, Value::Bool(true));
        cx.pkt.set_hidden(n);
    }
    let mut voff = VENDOR_INFO_OFFSET;
    if cookie {
        let n = cx
            .pkt
            .add(&COOKIE, tvb, voff, 4, Value::Ipv4(tvb.ipv4(voff)?));
        cx.pkt.set_label(n, format_args!("Magic cookie: DHCP"));
        voff += 4;
    } else {
        let v = bytes_value(tvb, voff, 64)?;
        cx.pkt.add(&VENDOR_SPECIFIC_OPTIONS, tvb, voff, 64, v);
        voff += 64;
    }
    let eoff = tvb.reported_len();
    let mut at_end = false;
    while voff < eoff && !at_end {
        voff += option(cx, tvb, voff, eoff, &mut at_end, &first.vendor_class)?;
    }
    if first.dhcp_type.is_some() && !at_end {
        cx.pkt.reopen(top);
        cx.pkt.expert(
            "dhcp",
            Severity::Error,
            Group::Protocol,
            format_args!("End option missing"),
        );
        cx.pkt.close();
    }
    if voff < eoff {
        let v = bytes_value(tvb, voff, eoff - voff)?;
        cx.pkt.add(&OPTION_PADDING, tvb, voff, eoff - voff, v);
    }
    Ok(())
}

fn name_field(
    cx: &mut Cx<'_>,
    tvb: &Tvb<'_>,
    overloaded: bool,
    f: FieldRef,
    off: usize,
    len: usize,
    vendor: &str,
) -> R<()> {
    let what = if std::ptr::eq(f, &SERVER) {
        "Server host name"
    } else {
        "Boot file name"
    };
    if overloaded {
        let start = off;
        let end = off + len;
        let t = open_text(cx, tvb, off, len, format_args!("{what} option overload"));
        let _ = t;
        let mut o = start;
        let mut at_end = false;
        while o < end && !at_end {
            o += option(cx, tvb, o, end, &mut at_end, vendor)?;
        }
        cx.pkt.close();
        if !at_end {
            cx.pkt.expert(
                "dhcp",
                Severity::Error,
                Group::Protocol,
                format_args!("{what} option overload: end option missing"),
            );
        }
        return Ok(());
    }
    let b = tvb.bytes(off, len)?;
    if b[0] != 0 {
        let v = cx.pkt.str_value(&ascii_z(b));
        cx.pkt.add(f, tvb, off, len, v);
    } else {
        let v = cx.pkt.str_value("");
        let n = cx.pkt.add(f, tvb, off, len, v);
        cx.pkt.set_label(n, format_args!("{what} not given"));
    }
    Ok(())
}

/// One option at `o`; returns the bytes it takes.
fn option(
    cx: &mut Cx<'_>,
    tvb: &Tvb<'_>,
    o: usize,
    eoff: usize,
    at_end: &mut bool,
    vendor: &str,
) -> R<usize> {
    let code = tvb.u8(o)?;
    match code {
        0 => {
            let mut i = o + 1;
            while i < eoff && tvb.u8(i)? == 0 {
                i += 1;
            }
            let n = cx.pkt.open(&OPTION_TYPE, tvb, o, 1, Value::UInt(0));
            cx.pkt.set_label(n, format_args!("Option: (0) Padding"));
            let v = bytes_value(tvb, o, i - o)?;
            cx.pkt.add(&OPTION_PADDING, tvb, o, i - o, v);
            cx.pkt.close();
            return Ok(i - o);
        }
        255 => {
            let n = cx.pkt.open(&OPTION_TYPE, tvb, o, 1, Value::UInt(0));
            cx.pkt.set_label(n, format_args!("Option: (255) End"));
            cx.pkt.add(&OPTION_END, tvb, o, 1, Value::UInt(255));
            cx.pkt.close();
            *at_end = true;
            return Ok(1);
        }
        _ => {}
    }
    let len = tvb.u8(o + 1)? as usize;
    let (text, kind, hf) = OPTS[code as usize];
    let vti = cx
        .pkt
        .open(&OPTION_TYPE, tvb, o, len + 2, Value::UInt(code as u64));
    cx.pkt
        .set_label(vti, format_args!("Option: ({code}) {text}"));
    cx.pkt
        .add(&OPTION_LENGTH, tvb, o + 1, 1, Value::UInt(len as u64));
    let v = bytes_value(tvb, o + 2, len)?;
    let value = cx.pkt.add(&OPTION_VALUE, tvb, o + 2, len, v);
    cx.pkt.set_hidden(value);
    let d = o + 2;
    let handled = match kind {
        Kind::Special => special(cx, tvb, vti, code, d, len, vendor)?,
        Kind::Opaque => false,
        _ => match hf {
            Some(f) => basic(cx, tvb, vti, kind, f, d, len, code)?,
            None => false,
        },
    };
    if !handled {
        if let Some(n) = cx.pkt.nodes.get_mut(value as usize) {
            n.flags &= !crate::packet::HIDDEN;
        }
    }
    cx.pkt.close();
    Ok(len + 2)
}

fn bad_length(cx: &mut Cx<'_>, msg: &str) {
    cx.pkt.expert(
        "dhcp",
        Severity::Error,
        Group::Protocol,
        format_args!("{msg}"),
    );
}

#[allow(clippy::too_many_arguments)]
fn basic(
    cx: &mut Cx<'_>,
    tvb: &Tvb<'_>,
    vti: NodeId,
    kind: Kind,
    f: FieldRef,
    d: usize,
    len: usize,
    code: u8,
) -> R<bool> {
    match kind {
        Kind::Ipv4 => {
            if len != 4 {
                bad_length(cx, "length isn't 4");
                return Ok(true);
            }
            let a = tvb.ipv4(d)?;
            cx.pkt.add(f, tvb, d, 4, Value::Ipv4(a));
            cx.pkt
                .append_label(vti, &format!(" ({}.{}.{}.{})", a[0], a[1], a[2], a[3]));
        }
        Kind::Ipv4List => {
            let mut i = 0;
            while i < len {
                if len - i < 4 {
                    bad_length(cx, "Option length isn't a multiple of 4");
                    break;
                }
                cx.pkt.add(f, tvb, d + i, 4, Value::Ipv4(tvb.ipv4(d + i)?));
                i += 4;
            }
        }
        Kind::Str => {
            let s = ascii_z(tvb.bytes(d, len)?);
            let v = cx.pkt.str_value(&s);
            cx.pkt.add(f, tvb, d, len, v);
        }
        Kind::Bool => {
            if len != 1 {
                bad_length(cx, "length isn't 1");
                return Ok(true);
            }
            cx.pkt.add(f, tvb, d, 1, Value::Bool(tvb.u8(d)? != 0));
        }
        Kind::U8 => {
            if len != 1 {
                bad_length(cx, "length isn't 1");
                return Ok(true);
            }
            let v = tvb.u8(d)?;
            cx.pkt.add(f, tvb, d, 1, Value::UInt(v as u64));
            if code == 53 {
                cx.pkt
                    .append_label(vti, &format!(" ({})", msg_type_name(v)));
            }
        }
        Kind::U16 => {
            if len != 2 {
                bad_length(cx, "length isn't 2");
                return Ok(true);
            }
            cx.pkt.add(f, tvb, d, 2, Value::UInt(tvb.u16(d)? as u64));
        }
        Kind::U16List => {
            let mut i = 0;
            while i < len {
                if len - i < 2 {
                    bad_length(cx, "Option length isn't a multiple of 2");
                    break;
                }
                cx.pkt
                    .add(f, tvb, d + i, 2, Value::UInt(tvb.u16(d + i)? as u64));
                i += 2;
            }
        }
        Kind::TimeS => {
            if len != 4 {
                bad_length(cx, "length isn't 4");
                return Ok(true);
            }
            let v = tvb.u32(d)? as i32;
            let n = cx.pkt.add(f, tvb, d, 4, Value::Int(v as i64));
            cx.pkt.set_label(
                n,
                format_args!("{}: ({v}s) {}", f.name, signed_time_secs_str(v)),
            );
        }
        Kind::TimeU => {
            if len != 4 {
                bad_length(cx, "length isn't 4");
                return Ok(true);
            }
            let v = tvb.u32(d)?;
            let n = cx.pkt.add(f, tvb, d, 4, Value::UInt(v as u64));
            let s = if v == u32::MAX {
                "infinity".to_string()
            } else {
                time_secs_str(v)
            };
            cx.pkt.set_label(n, format_args!("{}: ({v}s) {s}", f.name));
        }
        Kind::Opaque | Kind::Special => return Ok(false),
    }
    Ok(true)
}

/// Options Wireshark decodes with their own code; false: shown as bytes.
#[allow(clippy::too_many_arguments)]
fn special(
    cx: &mut Cx<'_>,
    tvb: &Tvb<'_>,
    vti: NodeId,
    code: u8,
    d: usize,
    len: usize,
    vendor: &str,
) -> R<bool> {
    match code {
        21 | 33 => {
            let (a, b): (FieldRef, FieldRef) = if code == 21 {
                (&OPTION_POLICY_FILTER_IP, &OPTION_POLICY_FILTER_SUBNET_MASK)
            } else {
                (&OPTION_STATIC_ROUTE_IP, &OPTION_STATIC_ROUTE_ROUTER)
            };
            let mut i = 0;
            while len - i >= 8 {
                cx.pkt.add(a, tvb, d + i, 4, Value::Ipv4(tvb.ipv4(d + i)?));
                cx.pkt
                    .add(b, tvb, d + i + 4, 4, Value::Ipv4(tvb.ipv4(d + i + 4)?));
                i += 8;
            }
            if i < len {
                bad_length(cx, "Option length isn't a multiple of 8");
            }
        }
        52 => {
            if len < 1 {
                bad_length(cx, "length isn't >= 1");
                return Ok(true);
            }
            cx.pkt.add(
                &OPTION_OPTION_OVERLOAD,
                tvb,
                d,
                1,
                Value::UInt(tvb.u8(d)? as u64),
            );
        }
        55 => {
            for i in 0..len {
                let c = tvb.u8(d + i)?;
                let n = cx.pkt.add(
                    &OPTION_REQUEST_LIST_ITEM,
                    tvb,
                    d + i,
                    1,
                    Value::UInt(c as u64),
                );
                cx.pkt.set_label(
                    n,
                    format_args!("Parameter Request List Item: ({c}) {}", OPTS[c as usize].0),
                );
            }
        }
        60 => {
            let s = ascii_z(tvb.bytes(d, len)?);
            let v = cx.pkt.str_value(&s);
            cx.pkt.add(&OPTION_VENDOR_CLASS_ID, tvb, d, len, v);
        }
        61 => {
            if len == 0 {
                return Ok(false);
            }
            let t = tvb.u8(d)?;
            if len == 7 && t > 0 && t < 48 {
                cx.pkt.add(&HW_TYPE, tvb, d, 1, Value::UInt(t as u64));
                if t == 1 || t == 6 {
                    cx.pkt
                        .add(&HW_MAC_ADDR, tvb, d + 1, 6, Value::Ether(tvb.ether(d + 1)?));
                } else {
                    let v = cx.pkt.str_value(&hw_addr_str(tvb.bytes(d + 1, 6)?));
                    cx.pkt.add(&CLIENT_HARDWARE_ADDRESS, tvb, d + 1, 6, v);
                }
            } else {
                cx.pkt
                    .add(&CLIENT_ID_TYPE, tvb, d, 1, Value::UInt(t as u64));
                if len > 1 {
                    let v = bytes_value(tvb, d + 1, len - 1)?;
                    cx.pkt.add(&CLIENT_ID, tvb, d + 1, len - 1, v);
                }
            }
        }
        81 => {
            if len < 3 {
                bad_length(cx, "length isn't >= 3");
                return Ok(true);
            }
            let fl = tvb.u8(d)? as u64;
            let fi = cx.pkt.add(&FQDN_FLAGS, tvb, d, 1, Value::UInt(fl));
            cx.pkt.reopen(fi);
            for f in [&FQDN_MBZ, &FQDN_N, &FQDN_E, &FQDN_O, &FQDN_S] {
                add_bits(cx, f, tvb, d, 1, fl);
            }
            cx.pkt.close();
            cx.pkt.add(
                &FQDN_RCODE1,
                tvb,
                d + 1,
                1,
                Value::UInt(tvb.u8(d + 1)? as u64),
            );
            cx.pkt.add(
                &FQDN_RCODE2,
                tvb,
                d + 2,
                1,
                Value::UInt(tvb.u8(d + 2)? as u64),
            );
            if len > 3 {
                let name = if fl & 0x04 != 0 {
                    let sub = tvb.sub_len(d + 3, len - 3)?;
                    get_name(&sub, 0, 0)?.text
                } else {
                    ascii_z(tvb.bytes(d + 3, len - 3)?)
                };
                let v = cx.pkt.str_value(&name);
                cx.pkt.add(&FQDN_NAME, tvb, d + 3, len - 3, v);
            }
        }
        82 => agent_info(cx, tvb, d, len)?,
        43 => {
            // Vendor-specific information goes to the vendor heuristics
            // (dhcp.vendor_info), each a "dhcp" layer when it claims it.
            if vendor.starts_with("ArubaAP") {
                cx.pkt.layer("dhcp");
                cx.pkt.append_label(vti, " (Aruba AP)");
                let s = ascii_z(tvb.bytes(d, len)?);
                let v = cx.pkt.str_value(&s);
                cx.pkt
                    .add(&OPTION_VENDOR_ARUBAAP_CONTROLLERIP, tvb, d, len, v);
            } else {
                let v = bytes_value(tvb, d, len)?;
                cx.pkt.add(&OPTION_VENDOR_VALUE, tvb, d, len, v);
            }
        }
        121 | 249 => {
            let mut i = 0;
            while i < len {
                let w = tvb.u8(d + i)? as usize;
                if w > 32 {
                    let n = open_text(cx, tvb, d + i, 1, format_args!("Mask width > 32"));
                    let _ = n;
                    cx.pkt.close();
                    break;
                }
                let sig = w.div_ceil(8);
                let net = tvb.bytes(d + i + 1, sig)?;
                let mut a = [0u8; 4];
                a[..sig].copy_from_slice(net);
                let r = tvb.ipv4(d + i + 1 + sig)?;
                let v = bytes_value(tvb, d + i, sig + 5)?;
                let n = cx
                    .pkt
                    .add(&OPTION_CLASSLESS_STATIC_ROUTE, tvb, d + i, sig + 5, v);
                cx.pkt.set_label(
                    n,
                    format_args!(
                        "Subnet/MaskWidth-Router: {}.{}.{}.{}/{}-{}.{}.{}.{}",
                        a[0], a[1], a[2], a[3], w, r[0], r[1], r[2], r[3]
                    ),
                );
                i += sig + 5;
            }
        }
        _ => return Ok(false),
    }
    let _ = vti;
    Ok(true)
}

/// Option 82 (RFC 3046) and its sub-options.
fn agent_info(cx: &mut Cx<'_>, tvb: &Tvb<'_>, d: usize, len: usize) -> R<()> {
    let end = d + len;
    let mut o = d;
    while o < end {
        let sub = tvb.u8(o)?;
        if o + 1 >= end {
            cx.pkt.expert(
                "dhcp",
                Severity::Error,
                Group::Protocol,
                format_args!("Suboption {sub}: no room left in option for suboption length"),
            );
            break;
        }
        let sl = tvb.u8(o + 1)? as usize;
        let name = OPTION_AGENT_INFORMATION_OPTION_SUBOPTION
            .value_name(sub as u64)
            .unwrap_or("Unknown");
        let n = cx.pkt.open(
            &OPTION_AGENT_INFORMATION_OPTION_SUBOPTION,
            tvb,
            o,
            sl + 2,
            Value::UInt(sub as u64),
        );
        cx.pkt
            .set_label(n, format_args!("Option 82 Suboption: ({sub}) {name}"));
        cx.pkt
            .add(&OPTION_LENGTH, tvb, o + 1, 1, Value::UInt(sl as u64));
        let v = o + 2;
        if v + sl > end {
            cx.pkt.expert(
                "dhcp",
                Severity::Error,
                Group::Protocol,
                format_args!("Suboption {sub}: no room left in option for suboption value"),
            );
            cx.pkt.close();
            break;
        }
        match sub {
            1 | 2 | 12 => {
                let f: FieldRef = match sub {
                    1 => &OPTION_AGENT_INFORMATION_OPTION_AGENT_CIRCUIT_ID,
                    2 => &OPTION_AGENT_INFORMATION_OPTION_AGENT_REMOTE_ID,
                    _ => &OPTION_AGENT_INFORMATION_OPTION_RELAY_AGENT_ID,
                };
                let bv = bytes_value(tvb, v, sl)?;
                cx.pkt.add(f, tvb, v, sl, bv);
            }
            5 | 11 if sl == 4 => {
                let f: FieldRef = if sub == 5 {
                    &OPTION_AGENT_INFORMATION_OPTION_LINK_SELECTION
                } else {
                    &OPTION_AGENT_INFORMATION_OPTION_SERVER_ID_OVERRIDE
                };
                cx.pkt.add(f, tvb, v, 4, Value::Ipv4(tvb.ipv4(v)?));
            }
            6 => {
                let s = ascii_z(tvb.bytes(v, sl)?);
                let sv = cx.pkt.str_value(&s);
                cx.pkt.add(
                    &OPTION_AGENT_INFORMATION_OPTION_SUBSCRIBER_ID,
                    tvb,
                    v,
                    sl,
                    sv,
                );
            }
            _ => {
                if sl > 0 {
                    let bv = bytes_value(tvb, v, sl)?;
                    cx.pkt
                        .add(&OPTION_AGENT_INFORMATION_OPTION_VALUE, tvb, v, sl, bv);
                }
            }
        }
        cx.pkt.close();
        o = v + sl;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::dns::test_util::*;

    // zeek/dhcp_dhcp.pcap frame 1: DHCPDISCOVER with options 53, 50, 12 (RFC 2131 4.4.1).
    const DISCOVER: &str = "01010600000007c0000000000000000000000000000000000000000090b11c99492900000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000638253633501013204c0a8d3c20c0d62746573742e69732e636f6f6cff";

    #[test]
    fn discover_matches_tshark() {
        let d = hex(DISCOVER);
        let p = run(&d, dissect);
        assert_eq!(p.cols.protocol, "DHCP");
        assert_eq!(p.cols.info, "DHCP Discover - Transaction ID 0x7c0");
        let want = "\
Dynamic Host Configuration Protocol (Discover)
    Message type: Boot Request (1)
    Hardware type: Ethernet (0x01)
    Hardware address length: 6
    Hops: 0
    Transaction ID: 0x000007c0
    Seconds elapsed: 0
    Bootp flags: 0x0000 (Unicast)
        0... .... .... .... = Broadcast flag: Unicast
        .000 0000 0000 0000 = Reserved flags: 0x0000
    Client IP address: 0.0.0.0
    Your (client) IP address: 0.0.0.0
    Next server IP address: 0.0.0.0
    Relay agent IP address: 0.0.0.0
    Client MAC address: 90:b1:1c:99:49:29
    Client hardware address padding: 00000000000000000000
    Server host name not given
    Boot file name not given
    Magic cookie: DHCP
    Option: (53) DHCP Message Type (Discover)
        Length: 1
        DHCP: Discover (1)
    Option: (50) Requested IP Address (192.168.211.194)
        Length: 4
        Requested IP Address: 192.168.211.194
    Option: (12) Host Name
        Length: 13
        Host Name: btest.is.cool
    Option: (255) End
        Option End: 255
";
        assert_eq!(tree(&p, &d), want);
        assert_eq!(values(&p, &d, "dhcp.option.type"), ["53", "50", "12", "0"]);
        assert_eq!(values(&p, &d, "dhcp.id"), ["0x000007c0"]);
    }

    // filter-corpus.pcapng frame 2965: DHCPACK with time offset, lease time, lists.
    #[test]
    fn ack_fields_match_tshark() {
        let d = hex("02010600b15561690000000000000000c0a80ffac0a80f65000000000090f591cd1f00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000007078656c696e75782e3000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000638253633501053604c0a80f6533040001504d0104ffffff001c04c0a80fff0204ffffb9b00304c0a80f650f09706f776572707566660604c0a80f652a04c0a80f650404c0a80f650504c0a80f65fc21687474703a2f2f64656c6179732e706f776572707566662f70726f78792e706163ff");
        let p = run(&d, dissect);
        assert_eq!(p.cols.info, "DHCP ACK      - Transaction ID 0xb1556169");
        assert_eq!(values(&p, &d, "dhcp.file"), ["pxelinux.0"]);
        assert_eq!(
            values(&p, &d, "dhcp.option.ip_address_lease_time"),
            ["86093"]
        );
        assert_eq!(values(&p, &d, "dhcp.option.subnet_mask"), ["255.255.255.0"]);
        assert_eq!(
            values(&p, &d, "dhcp.option.private_proxy_autodiscovery"),
            ["http://delays.powerpuff/proxy.pac"]
        );
        let t = tree(&p, &d);
        assert!(
            t.contains(
                "        IP Address Lease Time: (86093s) 23 hours, 54 minutes, 53 seconds\n"
            ),
            "{t}"
        );
        assert!(
            t.contains("        Time Offset: (-18000s) -5 hours\n"),
            "{t}"
        );
    }

    // tcpdump/eapon1.pcap frame 13: RELEASE with a client identifier of type 1 (RFC 2132 9.14).
    #[test]
    fn client_identifier_and_trailing_padding() {
        let d = hex("01010600c82d253d8f018000c0a801f900000000000000000000000000042357a57a00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000638253633501073604c0a801013d070100042357a57aff0000000000000000000000000000000000000000000000000000000000000000000000000000000000");
        let p = run(&d, dissect);
        assert_eq!(p.cols.info, "DHCP Release  - Transaction ID 0xc82d253d");
        assert_eq!(
            values(&p, &d, "dhcp.hw.mac_addr"),
            ["00:04:23:57:a5:7a", "00:04:23:57:a5:7a"]
        );
        assert_eq!(values(&p, &d, "dhcp.option.padding").len(), 1);
    }

    #[test]
    fn bootp_without_options_and_truncation() {
        // 300-byte BOOTREQUEST, no magic cookie: "Boot Request from …".
        let mut d = vec![0u8; 300];
        d[0] = 1;
        d[1] = 1;
        d[2] = 6;
        d[28..34].copy_from_slice(&[0, 1, 2, 3, 4, 5]);
        let p = run(&d, dissect);
        assert_eq!(p.cols.protocol, "BOOTP");
        assert_eq!(
            p.cols.info,
            "Boot Request from 00:01:02:03:04:05 (00:01:02:03:04:05)"
        );
        assert_eq!(values(&p, &d, "dhcp.bootp"), ["1"]);
        // Cut inside the fixed header: malformed, no panic.
        let p = run(&d[..20], dissect);
        assert!(
            p.cols.info.ends_with("[Malformed Packet]"),
            "{}",
            p.cols.info
        );
        // An option whose length runs past the end.
        let mut d2 = hex(DISCOVER);
        let n = d2.len();
        d2[n - 15] = 0xff;
        let p = run(&d2, dissect);
        assert!(
            p.cols.info.contains("[Malformed Packet]"),
            "{}",
            p.cols.info
        );
    }

    // RFC 3046: relay agent information with circuit and remote IDs.
    #[test]
    fn agent_information_suboptions() {
        let mut d = hex(DISCOVER);
        d.pop();
        d.extend_from_slice(&[82, 10, 1, 2, 0xaa, 0xbb, 2, 4, 1, 2, 3, 4, 255]);
        let p = run(&d, dissect);
        assert_eq!(
            values(
                &p,
                &d,
                "dhcp.option.agent_information_option.agent_circuit_id"
            ),
            ["aa:bb"]
        );
        assert_eq!(
            values(
                &p,
                &d,
                "dhcp.option.agent_information_option.agent_remote_id"
            ),
            ["01:02:03:04"]
        );
        let t = tree(&p, &d);
        assert!(t.contains("    Option: (82) Agent Information Option\n        Length: 10\n        Option 82 Suboption: (1) Agent Circuit ID\n"), "{t}");
    }
}
