//! Link-layer header types: which ones Wireshark's wiretap (4.0) accepts,
//! the `WTAP_ENCAP_*` number it gives them (what `frame.encap_type` shows),
//! the largest packet it allows for them, and the pseudo-headers it strips
//! from the front of the packet data before dissection.
//!
//! The table was measured with tshark 4.0.17 itself: a one-packet pcap file
//! per `LINKTYPE_*` value 0..=299 (and 65535), read with
//! `tshark -T fields -e frame.encap_type -e frame.cap_len -e frame.len`.
//! Values tshark answers with "network type N unknown or unsupported" are
//! absent; a pcap file with such a link type is rejected the same way.

/// `(LINKTYPE_*, WTAP_ENCAP_*)`, sorted by link type.
const LINKTYPE_TO_WTAP: &[(u16, u16)] = &[
    (0, 15),
    (1, 1),
    (2, 184),
    (3, 148),
    (6, 2),
    (7, 8),
    (8, 3),
    (9, 4),
    (10, 6),
    (11, 10),
    (12, 7),
    (13, 38),
    (14, 7),
    (16, 11),
    (18, 11),
    (19, 11),
    (32, 69),
    (50, 4),
    (51, 139),
    (99, 61),
    (100, 10),
    (101, 7),
    (104, 28),
    (105, 20),
    (106, 11),
    (107, 26),
    (108, 174),
    (109, 38),
    (112, 28),
    (113, 25),
    (114, 30),
    (117, 39),
    (118, 29),
    (119, 21),
    (121, 32),
    (122, 18),
    (123, 13),
    (127, 23),
    (128, 37),
    (129, 9),
    (130, 81),
    (131, 82),
    (133, 87),
    (135, 68),
    (136, 151),
    (137, 67),
    (138, 62),
    (139, 75),
    (140, 42),
    (141, 43),
    (142, 101),
    (143, 33),
    (144, 44),
    (147, 45),
    (148, 46),
    (149, 47),
    (150, 48),
    (151, 49),
    (152, 50),
    (153, 51),
    (154, 52),
    (155, 53),
    (156, 54),
    (157, 55),
    (158, 56),
    (159, 57),
    (160, 58),
    (161, 59),
    (162, 60),
    (163, 24),
    (165, 63),
    (167, 76),
    (169, 66),
    (170, 178),
    (171, 179),
    (172, 77),
    (173, 78),
    (177, 88),
    (178, 83),
    (179, 84),
    (180, 85),
    (181, 86),
    (183, 91),
    (184, 181),
    (186, 92),
    (187, 41),
    (188, 93),
    (189, 95),
    (190, 109),
    (192, 97),
    (195, 104),
    (196, 100),
    (197, 98),
    (199, 103),
    (200, 197),
    (201, 99),
    (202, 147),
    (203, 131),
    (204, 19),
    (209, 112),
    (210, 106),
    (211, 108),
    (212, 107),
    (213, 111),
    (214, 105),
    (215, 113),
    (220, 115),
    (224, 121),
    (225, 122),
    (226, 124),
    (227, 125),
    (228, 129),
    (229, 130),
    (230, 127),
    (231, 146),
    (235, 132),
    (236, 133),
    (237, 157),
    (239, 141),
    (240, 135),
    (241, 136),
    (242, 180),
    (243, 138),
    (245, 140),
    (248, 149),
    (249, 152),
    (250, 153),
    (251, 154),
    (252, 155),
    (253, 158),
    (254, 159),
    (255, 160),
    (256, 161),
    (258, 171),
    (259, 172),
    (260, 173),
    (264, 177),
    (266, 182),
    (268, 36),
    (270, 183),
    (271, 185),
    (272, 186),
    (273, 199),
    (274, 198),
    (275, 200),
    (276, 210),
    (279, 204),
    (280, 205),
    (283, 206),
    (287, 211),
    (288, 208),
    (290, 212),
    (292, 214),
    (293, 215),
    (294, 216),
    (295, 217),
];

/// `LINKTYPE_ETHERNET`.
pub const LINKTYPE_ETHERNET: u32 = 1;
/// `LINKTYPE_RAW` (raw IPv4/IPv6).
pub const LINKTYPE_RAW: u32 = 101;
/// `LINKTYPE_LINUX_SLL`.
pub const LINKTYPE_LINUX_SLL: u32 = 113;

/// Wireshark's `WTAP_ENCAP_*` number for a `LINKTYPE_*` value (the low 16
/// bits are used, as in pcap's link-type field), or `None` when tshark 4.0
/// does not know the link type.
pub fn wtap_encap(linktype: u32) -> Option<u32> {
    let lt = u16::try_from(linktype & 0xffff).ok()?;
    LINKTYPE_TO_WTAP
        .binary_search_by_key(&lt, |&(l, _)| l)
        .ok()
        .and_then(|i| LINKTYPE_TO_WTAP.get(i))
        .map(|&(_, e)| u32::from(e))
}

/// Largest captured length wiretap accepts for a packet of this link type
/// (`wtap_max_snaplen_for_encap`); larger records are a damaged file.
pub fn max_cap_len(linktype: u32) -> u32 {
    match linktype & 0xffff {
        // D-Bus, USB (FreeBSD, Linux, Linux mmapped, USBPcap, Darwin).
        231 | 186 | 189 | 220 | 249 | 266 => 128 * 1024 * 1024,
        // EBHSCR.
        279 => 8 * 1024 * 1024,
        _ => 262_144,
    }
}

/// A pseudo-header that wiretap removes from the front of each packet of a
/// link type, and which is therefore not counted in tshark's `frame.cap_len`
/// and `frame.len`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PseudoHeader {
    /// Its length in bytes.
    pub len: u32,
    /// What tshark calls it in its error message.
    pub name: &'static str,
    /// For the Linux "cooked" ones (IrDA, LAPD): the `sll_protocol` value
    /// (big-endian, bytes 14..16) the header must carry.
    pub sll_protocol: Option<u16>,
}

/// The fixed-length pseudo-header of a link type, if it has one.
///
/// `LINKTYPE_ERF` (197) also has one, of variable length; it is not stripped
/// here (the whole record is delivered as packet data).
pub fn pseudo_header(linktype: u32) -> Option<PseudoHeader> {
    let (len, name, sll_protocol) = match linktype & 0xffff {
        123 => (4, "SunATM", None),
        139 => (4, "MTP2", None),
        144 => (16, "IrDA", Some(0x0017)),
        177 => (16, "LAPD", Some(0x0030)),
        196 => (5, "SITA", None),
        201 => (4, "Bluetooth", None),
        204 => (1, "PPP", None),
        209 => (4, "I2C", None),
        245 => (2, "NFC LLCP", None),
        254 => (4, "Bluetooth monitor", None),
        _ => return None,
    };
    Some(PseudoHeader {
        len,
        name,
        sll_protocol,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_known_values_map() {
        assert!(LINKTYPE_TO_WTAP.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(wtap_encap(LINKTYPE_ETHERNET), Some(1));
        assert_eq!(wtap_encap(LINKTYPE_RAW), Some(7));
        assert_eq!(wtap_encap(LINKTYPE_LINUX_SLL), Some(25));
        assert_eq!(wtap_encap(127), Some(23)); // radiotap
                                               // FCS-length bits above bit 16 are ignored.
        assert_eq!(wtap_encap(0x2400_0001), Some(1));
        assert_eq!(wtap_encap(182), None); // LINKTYPE_MFR: unknown to tshark 4.0
        assert_eq!(wtap_encap(65535), None);
    }

    #[test]
    fn pseudo_headers() {
        assert_eq!(pseudo_header(123).map(|p| p.len), Some(4));
        assert_eq!(pseudo_header(1), None);
        assert_eq!(max_cap_len(1), 262_144);
        assert_eq!(max_cap_len(231), 128 << 20);
    }
}
