//! TLS and SSL 3.0 records on TCP (RFC 8446, RFC 5246), shown as
//! Wireshark 4.0's `packet-tls.c` shows them without keys: the record
//! layer, handshake messages in clear (Client/Server Hello with their
//! extensions, Certificate, New Session Ticket…), alerts, Change Cipher
//! Spec, and encrypted records as such. The session's version (from the
//! Server Hello, `supported_versions` for TLS 1.3) names the Protocol
//! column, as in Wireshark.

use std::collections::HashMap;

use crate::field::{Base, FieldDef, FieldRef, FieldType, ValueStrings};
use crate::packet::{Span, Src, Value};
use crate::proto::http::Desegment;
use crate::tvb::{Tvb, R};
use crate::Cx;

/// `tls`.
pub static PROTO: FieldDef = FieldDef::proto("tls", "Transport Layer Security");
/// `tls.record`.
pub static RECORD: FieldDef =
    FieldDef::new("tls.record", "Record Layer", FieldType::None).with_base(Base::None);
const RECORD_CONTENT_TYPE_VALS: ValueStrings = &[
    (20, "Change Cipher Spec"),
    (21, "Alert"),
    (22, "Handshake"),
    (23, "Application Data"),
    (24, "Heartbeat"),
    (25, "Connection ID"),
];
/// `tls.record.content_type`.
pub static RECORD_CONTENT_TYPE: FieldDef =
    FieldDef::new("tls.record.content_type", "Content Type", FieldType::U8)
        .with_strings(RECORD_CONTENT_TYPE_VALS);
const RECORD_VERSION_VALS: ValueStrings = &[
    (2, "SSL 2.0"),
    (768, "SSL 3.0"),
    (769, "TLS 1.0"),
    (257, "GMTLS"),
    (770, "TLS 1.1"),
    (771, "TLS 1.2"),
    (772, "TLS 1.3"),
    (32526, "TLS 1.3 (draft 14)"),
    (32527, "TLS 1.3 (draft 15)"),
    (32528, "TLS 1.3 (draft 16)"),
    (32529, "TLS 1.3 (draft 17)"),
    (32530, "TLS 1.3 (draft 18)"),
    (32531, "TLS 1.3 (draft 19)"),
    (32532, "TLS 1.3 (draft 20)"),
    (32533, "TLS 1.3 (draft 21)"),
    (32534, "TLS 1.3 (draft 22)"),
    (32535, "TLS 1.3 (draft 23)"),
    (32536, "TLS 1.3 (draft 24)"),
    (32537, "TLS 1.3 (draft 25)"),
    (32538, "TLS 1.3 (draft 26)"),
    (32539, "TLS 1.3 (draft 27)"),
    (32540, "TLS 1.3 (draft 28)"),
    (64279, "TLS 1.3 (Facebook draft 23)"),
    (64282, "TLS 1.3 (Facebook draft 26)"),
    (256, "DTLS 1.0 (OpenSSL pre 0.9.8f)"),
    (65279, "DTLS 1.0"),
    (65277, "DTLS 1.2"),
    (2570, "Reserved (GREASE)"),
    (6682, "Reserved (GREASE)"),
    (10794, "Reserved (GREASE)"),
    (14906, "Reserved (GREASE)"),
    (19018, "Reserved (GREASE)"),
    (23130, "Reserved (GREASE)"),
    (27242, "Reserved (GREASE)"),
    (31354, "Reserved (GREASE)"),
    (35466, "Reserved (GREASE)"),
    (39578, "Reserved (GREASE)"),
    (43690, "Reserved (GREASE)"),
    (47802, "Reserved (GREASE)"),
    (51914, "Reserved (GREASE)"),
    (56026, "Reserved (GREASE)"),
    (60138, "Reserved (GREASE)"),
    (64250, "Reserved (GREASE)"),
];
/// `tls.record.version`.
pub static RECORD_VERSION: FieldDef =
    FieldDef::new("tls.record.version", "Version", FieldType::U16)
        .with_base(Base::Hex)
        .with_strings(RECORD_VERSION_VALS);
/// `tls.record.length`.
pub static RECORD_LENGTH: FieldDef = FieldDef::new("tls.record.length", "Length", FieldType::U16);
/// `tls.app_data`.
pub static APP_DATA: FieldDef = FieldDef::new(
    "tls.app_data",
    "Encrypted Application Data",
    FieldType::Bytes,
)
.with_base(Base::None);
/// `tls.app_data_proto`.
pub static APP_DATA_PROTO: FieldDef = FieldDef::new(
    "tls.app_data_proto",
    "Application Data Protocol",
    FieldType::String,
)
.with_base(Base::None);
/// `tls.alert_message`.
pub static ALERT_MESSAGE: FieldDef =
    FieldDef::new("tls.alert_message", "Alert Message", FieldType::None).with_base(Base::None);
const ALERT_MESSAGE_LEVEL_VALS: ValueStrings = &[(1, "Warning"), (2, "Fatal")];
/// `tls.alert_message.level`.
pub static ALERT_MESSAGE_LEVEL: FieldDef =
    FieldDef::new("tls.alert_message.level", "Level", FieldType::U8)
        .with_strings(ALERT_MESSAGE_LEVEL_VALS);
const ALERT_MESSAGE_DESC_VALS: ValueStrings = &[
    (0, "Close Notify"),
    (1, "End of Early Data"),
    (10, "Unexpected Message"),
    (20, "Bad Record MAC"),
    (21, "Decryption Failed"),
    (22, "Record Overflow"),
    (30, "Decompression Failure"),
    (40, "Handshake Failure"),
    (41, "No Certificate"),
    (42, "Bad Certificate"),
    (43, "Unsupported Certificate"),
    (44, "Certificate Revoked"),
    (45, "Certificate Expired"),
    (46, "Certificate Unknown"),
    (47, "Illegal Parameter"),
    (48, "Unknown CA"),
    (49, "Access Denied"),
    (50, "Decode Error"),
    (51, "Decrypt Error"),
    (60, "Export Restriction"),
    (70, "Protocol Version"),
    (71, "Insufficient Security"),
    (80, "Internal Error"),
    (86, "Inappropriate Fallback"),
    (90, "User Canceled"),
    (100, "No Renegotiation"),
    (109, "Missing Extension"),
    (110, "Unsupported Extension"),
    (111, "Certificate Unobtainable"),
    (112, "Unrecognized Name"),
    (113, "Bad Certificate Status Response"),
    (114, "Bad Certificate Hash Value"),
    (115, "Unknown PSK Identity"),
    (116, "Certificate Required"),
    (120, "No application Protocol"),
    (121, "ECH Required"),
];
/// `tls.alert_message.desc`.
pub static ALERT_MESSAGE_DESC: FieldDef =
    FieldDef::new("tls.alert_message.desc", "Description", FieldType::U8)
        .with_strings(ALERT_MESSAGE_DESC_VALS);
/// `tls.change_cipher_spec`.
pub static CHANGE_CIPHER_SPEC: FieldDef = FieldDef::new(
    "tls.change_cipher_spec",
    "Change Cipher Spec Message",
    FieldType::None,
)
.with_base(Base::None);
/// `tls.handshake`.
pub static HANDSHAKE: FieldDef =
    FieldDef::new("tls.handshake", "Handshake Protocol", FieldType::None).with_base(Base::None);
const HANDSHAKE_TYPE_VALS: ValueStrings = &[
    (0, "Hello Request"),
    (1, "Client Hello"),
    (2, "Server Hello"),
    (3, "Hello Verify Request"),
    (4, "New Session Ticket"),
    (5, "End of Early Data"),
    (6, "Hello Retry Request"),
    (8, "Encrypted Extensions"),
    (11, "Certificate"),
    (12, "Server Key Exchange"),
    (13, "Certificate Request"),
    (14, "Server Hello Done"),
    (15, "Certificate Verify"),
    (16, "Client Key Exchange"),
    (20, "Finished"),
    (21, "Client Certificate URL"),
    (22, "Certificate Status"),
    (23, "Supplemental Data"),
    (24, "Key Update"),
    (25, "Compressed Certificate"),
    (67, "Encrypted Extensions"),
    (254, "Message Hash"),
];
/// `tls.handshake.type`.
pub static HANDSHAKE_TYPE: FieldDef =
    FieldDef::new("tls.handshake.type", "Handshake Type", FieldType::U8)
        .with_strings(HANDSHAKE_TYPE_VALS);
/// `tls.handshake.length`.
pub static HANDSHAKE_LENGTH: FieldDef =
    FieldDef::new("tls.handshake.length", "Length", FieldType::U24);
const HANDSHAKE_VERSION_VALS: ValueStrings = &[
    (2, "SSL 2.0"),
    (768, "SSL 3.0"),
    (769, "TLS 1.0"),
    (257, "GMTLS"),
    (770, "TLS 1.1"),
    (771, "TLS 1.2"),
    (772, "TLS 1.3"),
    (32526, "TLS 1.3 (draft 14)"),
    (32527, "TLS 1.3 (draft 15)"),
    (32528, "TLS 1.3 (draft 16)"),
    (32529, "TLS 1.3 (draft 17)"),
    (32530, "TLS 1.3 (draft 18)"),
    (32531, "TLS 1.3 (draft 19)"),
    (32532, "TLS 1.3 (draft 20)"),
    (32533, "TLS 1.3 (draft 21)"),
    (32534, "TLS 1.3 (draft 22)"),
    (32535, "TLS 1.3 (draft 23)"),
    (32536, "TLS 1.3 (draft 24)"),
    (32537, "TLS 1.3 (draft 25)"),
    (32538, "TLS 1.3 (draft 26)"),
    (32539, "TLS 1.3 (draft 27)"),
    (32540, "TLS 1.3 (draft 28)"),
    (64279, "TLS 1.3 (Facebook draft 23)"),
    (64282, "TLS 1.3 (Facebook draft 26)"),
    (256, "DTLS 1.0 (OpenSSL pre 0.9.8f)"),
    (65279, "DTLS 1.0"),
    (65277, "DTLS 1.2"),
    (2570, "Reserved (GREASE)"),
    (6682, "Reserved (GREASE)"),
    (10794, "Reserved (GREASE)"),
    (14906, "Reserved (GREASE)"),
    (19018, "Reserved (GREASE)"),
    (23130, "Reserved (GREASE)"),
    (27242, "Reserved (GREASE)"),
    (31354, "Reserved (GREASE)"),
    (35466, "Reserved (GREASE)"),
    (39578, "Reserved (GREASE)"),
    (43690, "Reserved (GREASE)"),
    (47802, "Reserved (GREASE)"),
    (51914, "Reserved (GREASE)"),
    (56026, "Reserved (GREASE)"),
    (60138, "Reserved (GREASE)"),
    (64250, "Reserved (GREASE)"),
];
/// `tls.handshake.version`.
pub static HANDSHAKE_VERSION: FieldDef =
    FieldDef::new("tls.handshake.version", "Version", FieldType::U16)
        .with_base(Base::Hex)
        .with_strings(HANDSHAKE_VERSION_VALS);
/// `tls.handshake.random`.
pub static HANDSHAKE_RANDOM: FieldDef =
    FieldDef::new("tls.handshake.random", "Random", FieldType::Bytes).with_base(Base::None);
/// `tls.handshake.random_time`.
pub static HANDSHAKE_RANDOM_TIME: FieldDef = FieldDef::new(
    "tls.handshake.random_time",
    "GMT Unix Time",
    FieldType::AbsTime,
)
.with_base(Base::None);
/// `tls.handshake.random_bytes`.
pub static HANDSHAKE_RANDOM_BYTES: FieldDef = FieldDef::new(
    "tls.handshake.random_bytes",
    "Random Bytes",
    FieldType::Bytes,
)
.with_base(Base::None);
/// `tls.handshake.session_id_length`.
pub static HANDSHAKE_SESSION_ID_LENGTH: FieldDef = FieldDef::new(
    "tls.handshake.session_id_length",
    "Session ID Length",
    FieldType::U16,
);
/// `tls.handshake.session_id`.
pub static HANDSHAKE_SESSION_ID: FieldDef =
    FieldDef::new("tls.handshake.session_id", "Session ID", FieldType::Bytes).with_base(Base::None);
/// `tls.handshake.cipher_suites_length`.
pub static HANDSHAKE_CIPHER_SUITES_LENGTH: FieldDef = FieldDef::new(
    "tls.handshake.cipher_suites_length",
    "Cipher Suites Length",
    FieldType::U16,
);
/// `tls.handshake.ciphersuites`.
pub static HANDSHAKE_CIPHERSUITES: FieldDef = FieldDef::new(
    "tls.handshake.ciphersuites",
    "Cipher Suites",
    FieldType::None,
)
.with_base(Base::None);
const HANDSHAKE_CIPHERSUITE_VALS: ValueStrings = &[
    (0, "TLS_NULL_WITH_NULL_NULL"),
    (1, "TLS_RSA_WITH_NULL_MD5"),
    (2, "TLS_RSA_WITH_NULL_SHA"),
    (3, "TLS_RSA_EXPORT_WITH_RC4_40_MD5"),
    (4, "TLS_RSA_WITH_RC4_128_MD5"),
    (5, "TLS_RSA_WITH_RC4_128_SHA"),
    (6, "TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5"),
    (7, "TLS_RSA_WITH_IDEA_CBC_SHA"),
    (8, "TLS_RSA_EXPORT_WITH_DES40_CBC_SHA"),
    (9, "TLS_RSA_WITH_DES_CBC_SHA"),
    (10, "TLS_RSA_WITH_3DES_EDE_CBC_SHA"),
    (11, "TLS_DH_DSS_EXPORT_WITH_DES40_CBC_SHA"),
    (12, "TLS_DH_DSS_WITH_DES_CBC_SHA"),
    (13, "TLS_DH_DSS_WITH_3DES_EDE_CBC_SHA"),
    (14, "TLS_DH_RSA_EXPORT_WITH_DES40_CBC_SHA"),
    (15, "TLS_DH_RSA_WITH_DES_CBC_SHA"),
    (16, "TLS_DH_RSA_WITH_3DES_EDE_CBC_SHA"),
    (17, "TLS_DHE_DSS_EXPORT_WITH_DES40_CBC_SHA"),
    (18, "TLS_DHE_DSS_WITH_DES_CBC_SHA"),
    (19, "TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA"),
    (20, "TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA"),
    (21, "TLS_DHE_RSA_WITH_DES_CBC_SHA"),
    (22, "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA"),
    (23, "TLS_DH_anon_EXPORT_WITH_RC4_40_MD5"),
    (24, "TLS_DH_anon_WITH_RC4_128_MD5"),
    (25, "TLS_DH_anon_EXPORT_WITH_DES40_CBC_SHA"),
    (26, "TLS_DH_anon_WITH_DES_CBC_SHA"),
    (27, "TLS_DH_anon_WITH_3DES_EDE_CBC_SHA"),
    (28, "SSL_FORTEZZA_KEA_WITH_NULL_SHA"),
    (29, "SSL_FORTEZZA_KEA_WITH_FORTEZZA_CBC_SHA"),
    (30, "TLS_KRB5_WITH_DES_CBC_SHA"),
    (31, "TLS_KRB5_WITH_3DES_EDE_CBC_SHA"),
    (32, "TLS_KRB5_WITH_RC4_128_SHA"),
    (33, "TLS_KRB5_WITH_IDEA_CBC_SHA"),
    (34, "TLS_KRB5_WITH_DES_CBC_MD5"),
    (35, "TLS_KRB5_WITH_3DES_EDE_CBC_MD5"),
    (36, "TLS_KRB5_WITH_RC4_128_MD5"),
    (37, "TLS_KRB5_WITH_IDEA_CBC_MD5"),
    (38, "TLS_KRB5_EXPORT_WITH_DES_CBC_40_SHA"),
    (39, "TLS_KRB5_EXPORT_WITH_RC2_CBC_40_SHA"),
    (40, "TLS_KRB5_EXPORT_WITH_RC4_40_SHA"),
    (41, "TLS_KRB5_EXPORT_WITH_DES_CBC_40_MD5"),
    (42, "TLS_KRB5_EXPORT_WITH_RC2_CBC_40_MD5"),
    (43, "TLS_KRB5_EXPORT_WITH_RC4_40_MD5"),
    (44, "TLS_PSK_WITH_NULL_SHA"),
    (45, "TLS_DHE_PSK_WITH_NULL_SHA"),
    (46, "TLS_RSA_PSK_WITH_NULL_SHA"),
    (47, "TLS_RSA_WITH_AES_128_CBC_SHA"),
    (48, "TLS_DH_DSS_WITH_AES_128_CBC_SHA"),
    (49, "TLS_DH_RSA_WITH_AES_128_CBC_SHA"),
    (50, "TLS_DHE_DSS_WITH_AES_128_CBC_SHA"),
    (51, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA"),
    (52, "TLS_DH_anon_WITH_AES_128_CBC_SHA"),
    (53, "TLS_RSA_WITH_AES_256_CBC_SHA"),
    (54, "TLS_DH_DSS_WITH_AES_256_CBC_SHA"),
    (55, "TLS_DH_RSA_WITH_AES_256_CBC_SHA"),
    (56, "TLS_DHE_DSS_WITH_AES_256_CBC_SHA"),
    (57, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA"),
    (58, "TLS_DH_anon_WITH_AES_256_CBC_SHA"),
    (59, "TLS_RSA_WITH_NULL_SHA256"),
    (60, "TLS_RSA_WITH_AES_128_CBC_SHA256"),
    (61, "TLS_RSA_WITH_AES_256_CBC_SHA256"),
    (62, "TLS_DH_DSS_WITH_AES_128_CBC_SHA256"),
    (63, "TLS_DH_RSA_WITH_AES_128_CBC_SHA256"),
    (64, "TLS_DHE_DSS_WITH_AES_128_CBC_SHA256"),
    (65, "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA"),
    (66, "TLS_DH_DSS_WITH_CAMELLIA_128_CBC_SHA"),
    (67, "TLS_DH_RSA_WITH_CAMELLIA_128_CBC_SHA"),
    (68, "TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA"),
    (69, "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA"),
    (70, "TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA"),
    (96, "TLS_RSA_EXPORT1024_WITH_RC4_56_MD5"),
    (97, "TLS_RSA_EXPORT1024_WITH_RC2_CBC_56_MD5"),
    (98, "TLS_RSA_EXPORT1024_WITH_DES_CBC_SHA"),
    (99, "TLS_DHE_DSS_EXPORT1024_WITH_DES_CBC_SHA"),
    (100, "TLS_RSA_EXPORT1024_WITH_RC4_56_SHA"),
    (101, "TLS_DHE_DSS_EXPORT1024_WITH_RC4_56_SHA"),
    (102, "TLS_DHE_DSS_WITH_RC4_128_SHA"),
    (103, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256"),
    (104, "TLS_DH_DSS_WITH_AES_256_CBC_SHA256"),
    (105, "TLS_DH_RSA_WITH_AES_256_CBC_SHA256"),
    (106, "TLS_DHE_DSS_WITH_AES_256_CBC_SHA256"),
    (107, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256"),
    (108, "TLS_DH_anon_WITH_AES_128_CBC_SHA256"),
    (109, "TLS_DH_anon_WITH_AES_256_CBC_SHA256"),
    (128, "TLS_GOSTR341094_WITH_28147_CNT_IMIT"),
    (129, "TLS_GOSTR341001_WITH_28147_CNT_IMIT"),
    (130, "TLS_GOSTR341094_WITH_NULL_GOSTR3411"),
    (131, "TLS_GOSTR341001_WITH_NULL_GOSTR3411"),
    (132, "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA"),
    (133, "TLS_DH_DSS_WITH_CAMELLIA_256_CBC_SHA"),
    (134, "TLS_DH_RSA_WITH_CAMELLIA_256_CBC_SHA"),
    (135, "TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA"),
    (136, "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA"),
    (137, "TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA"),
    (138, "TLS_PSK_WITH_RC4_128_SHA"),
    (139, "TLS_PSK_WITH_3DES_EDE_CBC_SHA"),
    (140, "TLS_PSK_WITH_AES_128_CBC_SHA"),
    (141, "TLS_PSK_WITH_AES_256_CBC_SHA"),
    (142, "TLS_DHE_PSK_WITH_RC4_128_SHA"),
    (143, "TLS_DHE_PSK_WITH_3DES_EDE_CBC_SHA"),
    (144, "TLS_DHE_PSK_WITH_AES_128_CBC_SHA"),
    (145, "TLS_DHE_PSK_WITH_AES_256_CBC_SHA"),
    (146, "TLS_RSA_PSK_WITH_RC4_128_SHA"),
    (147, "TLS_RSA_PSK_WITH_3DES_EDE_CBC_SHA"),
    (148, "TLS_RSA_PSK_WITH_AES_128_CBC_SHA"),
    (149, "TLS_RSA_PSK_WITH_AES_256_CBC_SHA"),
    (150, "TLS_RSA_WITH_SEED_CBC_SHA"),
    (151, "TLS_DH_DSS_WITH_SEED_CBC_SHA"),
    (152, "TLS_DH_RSA_WITH_SEED_CBC_SHA"),
    (153, "TLS_DHE_DSS_WITH_SEED_CBC_SHA"),
    (154, "TLS_DHE_RSA_WITH_SEED_CBC_SHA"),
    (155, "TLS_DH_anon_WITH_SEED_CBC_SHA"),
    (156, "TLS_RSA_WITH_AES_128_GCM_SHA256"),
    (157, "TLS_RSA_WITH_AES_256_GCM_SHA384"),
    (158, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"),
    (159, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"),
    (160, "TLS_DH_RSA_WITH_AES_128_GCM_SHA256"),
    (161, "TLS_DH_RSA_WITH_AES_256_GCM_SHA384"),
    (162, "TLS_DHE_DSS_WITH_AES_128_GCM_SHA256"),
    (163, "TLS_DHE_DSS_WITH_AES_256_GCM_SHA384"),
    (164, "TLS_DH_DSS_WITH_AES_128_GCM_SHA256"),
    (165, "TLS_DH_DSS_WITH_AES_256_GCM_SHA384"),
    (166, "TLS_DH_anon_WITH_AES_128_GCM_SHA256"),
    (167, "TLS_DH_anon_WITH_AES_256_GCM_SHA384"),
    (168, "TLS_PSK_WITH_AES_128_GCM_SHA256"),
    (169, "TLS_PSK_WITH_AES_256_GCM_SHA384"),
    (170, "TLS_DHE_PSK_WITH_AES_128_GCM_SHA256"),
    (171, "TLS_DHE_PSK_WITH_AES_256_GCM_SHA384"),
    (172, "TLS_RSA_PSK_WITH_AES_128_GCM_SHA256"),
    (173, "TLS_RSA_PSK_WITH_AES_256_GCM_SHA384"),
    (174, "TLS_PSK_WITH_AES_128_CBC_SHA256"),
    (175, "TLS_PSK_WITH_AES_256_CBC_SHA384"),
    (176, "TLS_PSK_WITH_NULL_SHA256"),
    (177, "TLS_PSK_WITH_NULL_SHA384"),
    (178, "TLS_DHE_PSK_WITH_AES_128_CBC_SHA256"),
    (179, "TLS_DHE_PSK_WITH_AES_256_CBC_SHA384"),
    (180, "TLS_DHE_PSK_WITH_NULL_SHA256"),
    (181, "TLS_DHE_PSK_WITH_NULL_SHA384"),
    (182, "TLS_RSA_PSK_WITH_AES_128_CBC_SHA256"),
    (183, "TLS_RSA_PSK_WITH_AES_256_CBC_SHA384"),
    (184, "TLS_RSA_PSK_WITH_NULL_SHA256"),
    (185, "TLS_RSA_PSK_WITH_NULL_SHA384"),
    (186, "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA256"),
    (187, "TLS_DH_DSS_WITH_CAMELLIA_128_CBC_SHA256"),
    (188, "TLS_DH_RSA_WITH_CAMELLIA_128_CBC_SHA256"),
    (189, "TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA256"),
    (190, "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA256"),
    (191, "TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA256"),
    (192, "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA256"),
    (193, "TLS_DH_DSS_WITH_CAMELLIA_256_CBC_SHA256"),
    (194, "TLS_DH_RSA_WITH_CAMELLIA_256_CBC_SHA256"),
    (195, "TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA256"),
    (196, "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA256"),
    (197, "TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA256"),
    (198, "TLS_SM4_GCM_SM3"),
    (199, "TLS_SM4_CCM_SM3"),
    (255, "TLS_EMPTY_RENEGOTIATION_INFO_SCSV"),
    (2570, "Reserved (GREASE)"),
    (4865, "TLS_AES_128_GCM_SHA256"),
    (4866, "TLS_AES_256_GCM_SHA384"),
    (4867, "TLS_CHACHA20_POLY1305_SHA256"),
    (4868, "TLS_AES_128_CCM_SHA256"),
    (4869, "TLS_AES_128_CCM_8_SHA256"),
    (6682, "Reserved (GREASE)"),
    (10794, "Reserved (GREASE)"),
    (14906, "Reserved (GREASE)"),
    (19018, "Reserved (GREASE)"),
    (22016, "TLS_FALLBACK_SCSV"),
    (23130, "Reserved (GREASE)"),
    (27242, "Reserved (GREASE)"),
    (31354, "Reserved (GREASE)"),
    (35466, "Reserved (GREASE)"),
    (39578, "Reserved (GREASE)"),
    (43690, "Reserved (GREASE)"),
    (47802, "Reserved (GREASE)"),
    (49153, "TLS_ECDH_ECDSA_WITH_NULL_SHA"),
    (49154, "TLS_ECDH_ECDSA_WITH_RC4_128_SHA"),
    (49155, "TLS_ECDH_ECDSA_WITH_3DES_EDE_CBC_SHA"),
    (49156, "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA"),
    (49157, "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA"),
    (49158, "TLS_ECDHE_ECDSA_WITH_NULL_SHA"),
    (49159, "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA"),
    (49160, "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA"),
    (49161, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"),
    (49162, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"),
    (49163, "TLS_ECDH_RSA_WITH_NULL_SHA"),
    (49164, "TLS_ECDH_RSA_WITH_RC4_128_SHA"),
    (49165, "TLS_ECDH_RSA_WITH_3DES_EDE_CBC_SHA"),
    (49166, "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA"),
    (49167, "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA"),
    (49168, "TLS_ECDHE_RSA_WITH_NULL_SHA"),
    (49169, "TLS_ECDHE_RSA_WITH_RC4_128_SHA"),
    (49170, "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA"),
    (49171, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"),
    (49172, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"),
    (49173, "TLS_ECDH_anon_WITH_NULL_SHA"),
    (49174, "TLS_ECDH_anon_WITH_RC4_128_SHA"),
    (49175, "TLS_ECDH_anon_WITH_3DES_EDE_CBC_SHA"),
    (49176, "TLS_ECDH_anon_WITH_AES_128_CBC_SHA"),
    (49177, "TLS_ECDH_anon_WITH_AES_256_CBC_SHA"),
    (49178, "TLS_SRP_SHA_WITH_3DES_EDE_CBC_SHA"),
    (49179, "TLS_SRP_SHA_RSA_WITH_3DES_EDE_CBC_SHA"),
    (49180, "TLS_SRP_SHA_DSS_WITH_3DES_EDE_CBC_SHA"),
    (49181, "TLS_SRP_SHA_WITH_AES_128_CBC_SHA"),
    (49182, "TLS_SRP_SHA_RSA_WITH_AES_128_CBC_SHA"),
    (49183, "TLS_SRP_SHA_DSS_WITH_AES_128_CBC_SHA"),
    (49184, "TLS_SRP_SHA_WITH_AES_256_CBC_SHA"),
    (49185, "TLS_SRP_SHA_RSA_WITH_AES_256_CBC_SHA"),
    (49186, "TLS_SRP_SHA_DSS_WITH_AES_256_CBC_SHA"),
    (49187, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"),
    (49188, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384"),
    (49189, "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA256"),
    (49190, "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA384"),
    (49191, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"),
    (49192, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"),
    (49193, "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA256"),
    (49194, "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA384"),
    (49195, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"),
    (49196, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"),
    (49197, "TLS_ECDH_ECDSA_WITH_AES_128_GCM_SHA256"),
    (49198, "TLS_ECDH_ECDSA_WITH_AES_256_GCM_SHA384"),
    (49199, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
    (49200, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"),
    (49201, "TLS_ECDH_RSA_WITH_AES_128_GCM_SHA256"),
    (49202, "TLS_ECDH_RSA_WITH_AES_256_GCM_SHA384"),
    (49203, "TLS_ECDHE_PSK_WITH_RC4_128_SHA"),
    (49204, "TLS_ECDHE_PSK_WITH_3DES_EDE_CBC_SHA"),
    (49205, "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA"),
    (49206, "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA"),
    (49207, "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256"),
    (49208, "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA384"),
    (49209, "TLS_ECDHE_PSK_WITH_NULL_SHA"),
    (49210, "TLS_ECDHE_PSK_WITH_NULL_SHA256"),
    (49211, "TLS_ECDHE_PSK_WITH_NULL_SHA384"),
    (49212, "TLS_RSA_WITH_ARIA_128_CBC_SHA256"),
    (49213, "TLS_RSA_WITH_ARIA_256_CBC_SHA384"),
    (49214, "TLS_DH_DSS_WITH_ARIA_128_CBC_SHA256"),
    (49215, "TLS_DH_DSS_WITH_ARIA_256_CBC_SHA384"),
    (49216, "TLS_DH_RSA_WITH_ARIA_128_CBC_SHA256"),
    (49217, "TLS_DH_RSA_WITH_ARIA_256_CBC_SHA384"),
    (49218, "TLS_DHE_DSS_WITH_ARIA_128_CBC_SHA256"),
    (49219, "TLS_DHE_DSS_WITH_ARIA_256_CBC_SHA384"),
    (49220, "TLS_DHE_RSA_WITH_ARIA_128_CBC_SHA256"),
    (49221, "TLS_DHE_RSA_WITH_ARIA_256_CBC_SHA384"),
    (49222, "TLS_DH_anon_WITH_ARIA_128_CBC_SHA256"),
    (49223, "TLS_DH_anon_WITH_ARIA_256_CBC_SHA384"),
    (49224, "TLS_ECDHE_ECDSA_WITH_ARIA_128_CBC_SHA256"),
    (49225, "TLS_ECDHE_ECDSA_WITH_ARIA_256_CBC_SHA384"),
    (49226, "TLS_ECDH_ECDSA_WITH_ARIA_128_CBC_SHA256"),
    (49227, "TLS_ECDH_ECDSA_WITH_ARIA_256_CBC_SHA384"),
    (49228, "TLS_ECDHE_RSA_WITH_ARIA_128_CBC_SHA256"),
    (49229, "TLS_ECDHE_RSA_WITH_ARIA_256_CBC_SHA384"),
    (49230, "TLS_ECDH_RSA_WITH_ARIA_128_CBC_SHA256"),
    (49231, "TLS_ECDH_RSA_WITH_ARIA_256_CBC_SHA384"),
    (49232, "TLS_RSA_WITH_ARIA_128_GCM_SHA256"),
    (49233, "TLS_RSA_WITH_ARIA_256_GCM_SHA384"),
    (49234, "TLS_DHE_RSA_WITH_ARIA_128_GCM_SHA256"),
    (49235, "TLS_DHE_RSA_WITH_ARIA_256_GCM_SHA384"),
    (49236, "TLS_DH_RSA_WITH_ARIA_128_GCM_SHA256"),
    (49237, "TLS_DH_RSA_WITH_ARIA_256_GCM_SHA384"),
    (49238, "TLS_DHE_DSS_WITH_ARIA_128_GCM_SHA256"),
    (49239, "TLS_DHE_DSS_WITH_ARIA_256_GCM_SHA384"),
    (49240, "TLS_DH_DSS_WITH_ARIA_128_GCM_SHA256"),
    (49241, "TLS_DH_DSS_WITH_ARIA_256_GCM_SHA384"),
    (49242, "TLS_DH_anon_WITH_ARIA_128_GCM_SHA256"),
    (49243, "TLS_DH_anon_WITH_ARIA_256_GCM_SHA384"),
    (49244, "TLS_ECDHE_ECDSA_WITH_ARIA_128_GCM_SHA256"),
    (49245, "TLS_ECDHE_ECDSA_WITH_ARIA_256_GCM_SHA384"),
    (49246, "TLS_ECDH_ECDSA_WITH_ARIA_128_GCM_SHA256"),
    (49247, "TLS_ECDH_ECDSA_WITH_ARIA_256_GCM_SHA384"),
    (49248, "TLS_ECDHE_RSA_WITH_ARIA_128_GCM_SHA256"),
    (49249, "TLS_ECDHE_RSA_WITH_ARIA_256_GCM_SHA384"),
    (49250, "TLS_ECDH_RSA_WITH_ARIA_128_GCM_SHA256"),
    (49251, "TLS_ECDH_RSA_WITH_ARIA_256_GCM_SHA384"),
    (49252, "TLS_PSK_WITH_ARIA_128_CBC_SHA256"),
    (49253, "TLS_PSK_WITH_ARIA_256_CBC_SHA384"),
    (49254, "TLS_DHE_PSK_WITH_ARIA_128_CBC_SHA256"),
    (49255, "TLS_DHE_PSK_WITH_ARIA_256_CBC_SHA384"),
    (49256, "TLS_RSA_PSK_WITH_ARIA_128_CBC_SHA256"),
    (49257, "TLS_RSA_PSK_WITH_ARIA_256_CBC_SHA384"),
    (49258, "TLS_PSK_WITH_ARIA_128_GCM_SHA256"),
    (49259, "TLS_PSK_WITH_ARIA_256_GCM_SHA384"),
    (49260, "TLS_DHE_PSK_WITH_ARIA_128_GCM_SHA256"),
    (49261, "TLS_DHE_PSK_WITH_ARIA_256_GCM_SHA384"),
    (49262, "TLS_RSA_PSK_WITH_ARIA_128_GCM_SHA256"),
    (49263, "TLS_RSA_PSK_WITH_ARIA_256_GCM_SHA384"),
    (49264, "TLS_ECDHE_PSK_WITH_ARIA_128_CBC_SHA256"),
    (49265, "TLS_ECDHE_PSK_WITH_ARIA_256_CBC_SHA384"),
    (49266, "TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_CBC_SHA256"),
    (49267, "TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_CBC_SHA384"),
    (49268, "TLS_ECDH_ECDSA_WITH_CAMELLIA_128_CBC_SHA256"),
    (49269, "TLS_ECDH_ECDSA_WITH_CAMELLIA_256_CBC_SHA384"),
    (49270, "TLS_ECDHE_RSA_WITH_CAMELLIA_128_CBC_SHA256"),
    (49271, "TLS_ECDHE_RSA_WITH_CAMELLIA_256_CBC_SHA384"),
    (49272, "TLS_ECDH_RSA_WITH_CAMELLIA_128_CBC_SHA256"),
    (49273, "TLS_ECDH_RSA_WITH_CAMELLIA_256_CBC_SHA384"),
    (49274, "TLS_RSA_WITH_CAMELLIA_128_GCM_SHA256"),
    (49275, "TLS_RSA_WITH_CAMELLIA_256_GCM_SHA384"),
    (49276, "TLS_DHE_RSA_WITH_CAMELLIA_128_GCM_SHA256"),
    (49277, "TLS_DHE_RSA_WITH_CAMELLIA_256_GCM_SHA384"),
    (49278, "TLS_DH_RSA_WITH_CAMELLIA_128_GCM_SHA256"),
    (49279, "TLS_DH_RSA_WITH_CAMELLIA_256_GCM_SHA384"),
    (49280, "TLS_DHE_DSS_WITH_CAMELLIA_128_GCM_SHA256"),
    (49281, "TLS_DHE_DSS_WITH_CAMELLIA_256_GCM_SHA384"),
    (49282, "TLS_DH_DSS_WITH_CAMELLIA_128_GCM_SHA256"),
    (49283, "TLS_DH_DSS_WITH_CAMELLIA_256_GCM_SHA384"),
    (49284, "TLS_DH_anon_WITH_CAMELLIA_128_GCM_SHA256"),
    (49285, "TLS_DH_anon_WITH_CAMELLIA_256_GCM_SHA384"),
    (49286, "TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_GCM_SHA256"),
    (49287, "TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_GCM_SHA384"),
    (49288, "TLS_ECDH_ECDSA_WITH_CAMELLIA_128_GCM_SHA256"),
    (49289, "TLS_ECDH_ECDSA_WITH_CAMELLIA_256_GCM_SHA384"),
    (49290, "TLS_ECDHE_RSA_WITH_CAMELLIA_128_GCM_SHA256"),
    (49291, "TLS_ECDHE_RSA_WITH_CAMELLIA_256_GCM_SHA384"),
    (49292, "TLS_ECDH_RSA_WITH_CAMELLIA_128_GCM_SHA256"),
    (49293, "TLS_ECDH_RSA_WITH_CAMELLIA_256_GCM_SHA384"),
    (49294, "TLS_PSK_WITH_CAMELLIA_128_GCM_SHA256"),
    (49295, "TLS_PSK_WITH_CAMELLIA_256_GCM_SHA384"),
    (49296, "TLS_DHE_PSK_WITH_CAMELLIA_128_GCM_SHA256"),
    (49297, "TLS_DHE_PSK_WITH_CAMELLIA_256_GCM_SHA384"),
    (49298, "TLS_RSA_PSK_WITH_CAMELLIA_128_GCM_SHA256"),
    (49299, "TLS_RSA_PSK_WITH_CAMELLIA_256_GCM_SHA384"),
    (49300, "TLS_PSK_WITH_CAMELLIA_128_CBC_SHA256"),
    (49301, "TLS_PSK_WITH_CAMELLIA_256_CBC_SHA384"),
    (49302, "TLS_DHE_PSK_WITH_CAMELLIA_128_CBC_SHA256"),
    (49303, "TLS_DHE_PSK_WITH_CAMELLIA_256_CBC_SHA384"),
    (49304, "TLS_RSA_PSK_WITH_CAMELLIA_128_CBC_SHA256"),
    (49305, "TLS_RSA_PSK_WITH_CAMELLIA_256_CBC_SHA384"),
    (49306, "TLS_ECDHE_PSK_WITH_CAMELLIA_128_CBC_SHA256"),
    (49307, "TLS_ECDHE_PSK_WITH_CAMELLIA_256_CBC_SHA384"),
    (49308, "TLS_RSA_WITH_AES_128_CCM"),
    (49309, "TLS_RSA_WITH_AES_256_CCM"),
    (49310, "TLS_DHE_RSA_WITH_AES_128_CCM"),
    (49311, "TLS_DHE_RSA_WITH_AES_256_CCM"),
    (49312, "TLS_RSA_WITH_AES_128_CCM_8"),
    (49313, "TLS_RSA_WITH_AES_256_CCM_8"),
    (49314, "TLS_DHE_RSA_WITH_AES_128_CCM_8"),
    (49315, "TLS_DHE_RSA_WITH_AES_256_CCM_8"),
    (49316, "TLS_PSK_WITH_AES_128_CCM"),
    (49317, "TLS_PSK_WITH_AES_256_CCM"),
    (49318, "TLS_DHE_PSK_WITH_AES_128_CCM"),
    (49319, "TLS_DHE_PSK_WITH_AES_256_CCM"),
    (49320, "TLS_PSK_WITH_AES_128_CCM_8"),
    (49321, "TLS_PSK_WITH_AES_256_CCM_8"),
    (49322, "TLS_PSK_DHE_WITH_AES_128_CCM_8"),
    (49323, "TLS_PSK_DHE_WITH_AES_256_CCM_8"),
    (49324, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM"),
    (49325, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM"),
    (49326, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8"),
    (49327, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8"),
    (49328, "TLS_ECCPWD_WITH_AES_128_GCM_SHA256"),
    (49329, "TLS_ECCPWD_WITH_AES_256_GCM_SHA384"),
    (49330, "TLS_ECCPWD_WITH_AES_128_CCM_SHA256"),
    (49331, "TLS_ECCPWD_WITH_AES_256_CCM_SHA384"),
    (49332, "TLS_SHA256_SHA256"),
    (49333, "TLS_SHA384_SHA384"),
    (49407, "TLS_ECJPAKE_WITH_AES_128_CCM_8"),
    (49408, "TLS_GOSTR341112_256_WITH_KUZNYECHIK_CTR_OMAC"),
    (49409, "TLS_GOSTR341112_256_WITH_MAGMA_CTR_OMAC"),
    (49410, "TLS_GOSTR341112_256_WITH_28147_CNT_IMIT"),
    (49411, "TLS_GOSTR341112_256_WITH_KUZNYECHIK_MGM_L"),
    (49412, "TLS_GOSTR341112_256_WITH_MAGMA_MGM_L"),
    (49413, "TLS_GOSTR341112_256_WITH_KUZNYECHIK_MGM_S"),
    (49414, "TLS_GOSTR341112_256_WITH_MAGMA_MGM_S"),
    (51914, "Reserved (GREASE)"),
    (52243, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"),
    (52244, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"),
    (52245, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256"),
    (52392, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"),
    (52393, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"),
    (52394, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256"),
    (52395, "TLS_PSK_WITH_CHACHA20_POLY1305_SHA256"),
    (52396, "TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256"),
    (52397, "TLS_DHE_PSK_WITH_CHACHA20_POLY1305_SHA256"),
    (52398, "TLS_RSA_PSK_WITH_CHACHA20_POLY1305_SHA256"),
    (53249, "TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256"),
    (53250, "TLS_ECDHE_PSK_WITH_AES_256_GCM_SHA384"),
    (53251, "TLS_ECDHE_PSK_WITH_AES_128_CCM_8_SHA256"),
    (53253, "TLS_ECDHE_PSK_WITH_AES_128_CCM_SHA256"),
    (56026, "Reserved (GREASE)"),
    (57345, "ECDHE_SM1_SM3"),
    (57347, "ECC_SM1_SM3"),
    (57349, "IBSDH_SM1_SM3"),
    (57351, "IBC_SM1_SM3"),
    (57353, "RSA_SM1_SM3"),
    (57354, "RSA_SM1_SHA1"),
    (57361, "ECDHE_SM4_CBC_SM3"),
    (57363, "ECC_SM4_CBC_SM3"),
    (57365, "IBSDH_SM4_CBC_SM3"),
    (57367, "IBC_SM4_CBC_SM3"),
    (57369, "RSA_SM4_CBC_SM3"),
    (57370, "RSA_SM4_CBC_SHA1"),
    (57372, "RSA_SM4_CBC_SHA256"),
    (57425, "ECDHE_SM4_GCM_SM3"),
    (57427, "ECC_SM4_GCM_SM3"),
    (57429, "IBSDH_SM4_GCM_SM3"),
    (57431, "IBC_SM4_GCM_SM3"),
    (57433, "RSA_SM4_GCM_SM3"),
    (57434, "RSA_SM4_GCM_SHA256"),
    (58384, "TLS_RSA_WITH_ESTREAM_SALSA20_SHA1"),
    (58385, "TLS_RSA_WITH_SALSA20_SHA1"),
    (58386, "TLS_ECDHE_RSA_WITH_ESTREAM_SALSA20_SHA1"),
    (58387, "TLS_ECDHE_RSA_WITH_SALSA20_SHA1"),
    (58388, "TLS_ECDHE_ECDSA_WITH_ESTREAM_SALSA20_SHA1"),
    (58389, "TLS_ECDHE_ECDSA_WITH_SALSA20_SHA1"),
    (58390, "TLS_PSK_WITH_ESTREAM_SALSA20_SHA1"),
    (58391, "TLS_PSK_WITH_SALSA20_SHA1"),
    (58392, "TLS_ECDHE_PSK_WITH_ESTREAM_SALSA20_SHA1"),
    (58393, "TLS_ECDHE_PSK_WITH_SALSA20_SHA1"),
    (58394, "TLS_RSA_PSK_WITH_ESTREAM_SALSA20_SHA1"),
    (58395, "TLS_RSA_PSK_WITH_SALSA20_SHA1"),
    (58396, "TLS_DHE_PSK_WITH_ESTREAM_SALSA20_SHA1"),
    (58397, "TLS_DHE_PSK_WITH_SALSA20_SHA1"),
    (58398, "TLS_DHE_RSA_WITH_ESTREAM_SALSA20_SHA1"),
    (58399, "TLS_DHE_RSA_WITH_SALSA20_SHA1"),
    (60138, "Reserved (GREASE)"),
    (64250, "Reserved (GREASE)"),
    (65278, "SSL_RSA_FIPS_WITH_DES_CBC_SHA"),
    (65279, "SSL_RSA_FIPS_WITH_3DES_EDE_CBC_SHA"),
    (65504, "SSL_RSA_FIPS_WITH_3DES_EDE_CBC_SHA"),
    (65505, "SSL_RSA_FIPS_WITH_DES_CBC_SHA"),
];
/// `tls.handshake.ciphersuite`.
pub static HANDSHAKE_CIPHERSUITE: FieldDef =
    FieldDef::new("tls.handshake.ciphersuite", "Cipher Suite", FieldType::U16)
        .with_base(Base::Hex)
        .with_strings(HANDSHAKE_CIPHERSUITE_VALS);
/// `tls.handshake.comp_methods_length`.
pub static HANDSHAKE_COMP_METHODS_LENGTH: FieldDef = FieldDef::new(
    "tls.handshake.comp_methods_length",
    "Compression Methods Length",
    FieldType::U8,
);
/// `tls.handshake.comp_methods`.
pub static HANDSHAKE_COMP_METHODS: FieldDef = FieldDef::new(
    "tls.handshake.comp_methods",
    "Compression Methods",
    FieldType::None,
)
.with_base(Base::None);
const HANDSHAKE_COMP_METHOD_VALS: ValueStrings = &[(0, "null"), (1, "DEFLATE"), (64, "LZS")];
/// `tls.handshake.comp_method`.
pub static HANDSHAKE_COMP_METHOD: FieldDef = FieldDef::new(
    "tls.handshake.comp_method",
    "Compression Method",
    FieldType::U8,
)
.with_strings(HANDSHAKE_COMP_METHOD_VALS);
/// `tls.handshake.extensions_length`.
pub static HANDSHAKE_EXTENSIONS_LENGTH: FieldDef = FieldDef::new(
    "tls.handshake.extensions_length",
    "Extensions Length",
    FieldType::U16,
);
const HANDSHAKE_EXTENSION_TYPE_VALS: ValueStrings = &[
    (0, "server_name"),
    (1, "max_fragment_length"),
    (2, "client_certificate_url"),
    (3, "trusted_ca_keys"),
    (4, "truncated_hmac"),
    (5, "status_request"),
    (6, "user_mapping"),
    (7, "client_authz"),
    (8, "server_authz"),
    (9, "cert_type"),
    (10, "supported_groups"),
    (11, "ec_point_formats"),
    (12, "srp"),
    (13, "signature_algorithms"),
    (14, "use_srtp"),
    (15, "heartbeat"),
    (16, "application_layer_protocol_negotiation"),
    (17, "status_request_v2"),
    (18, "signed_certificate_timestamp"),
    (19, "client_certificate_type"),
    (20, "server_certificate_type"),
    (21, "padding"),
    (22, "encrypt_then_mac"),
    (23, "extended_master_secret"),
    (24, "token_binding"),
    (25, "cached_info"),
    (27, "compress_certificate"),
    (28, "record_size_limit"),
    (34, "delegated_credentials"),
    (35, "session_ticket"),
    (40, "Reserved (key_share)"),
    (41, "pre_shared_key"),
    (42, "early_data"),
    (43, "supported_versions"),
    (44, "cookie"),
    (45, "psk_key_exchange_modes"),
    (46, "Reserved (ticket_early_data_info)"),
    (47, "certificate_authorities"),
    (48, "oid_filters"),
    (49, "post_handshake_auth"),
    (50, "signature_algorithms_cert"),
    (51, "key_share"),
    (52, "transparency_info"),
    (53, "connection_id (deprecated)"),
    (54, "connection_id"),
    (55, "external_id_hash"),
    (56, "external_session_id"),
    (57, "quic_transport_parameters"),
    (58, "ticket_request"),
    (59, "dnssec_chain"),
    (2570, "Reserved (GREASE)"),
    (6682, "Reserved (GREASE)"),
    (10794, "Reserved (GREASE)"),
    (13172, "next_protocol_negotiation"),
    (14906, "Reserved (GREASE)"),
    (17513, "application_settings"),
    (19018, "Reserved (GREASE)"),
    (23130, "Reserved (GREASE)"),
    (27242, "Reserved (GREASE)"),
    (30031, "channel_id_old"),
    (30032, "channel_id"),
    (65281, "renegotiation_info"),
    (31354, "Reserved (GREASE)"),
    (35466, "Reserved (GREASE)"),
    (39578, "Reserved (GREASE)"),
    (43690, "Reserved (GREASE)"),
    (47802, "Reserved (GREASE)"),
    (51914, "Reserved (GREASE)"),
    (56026, "Reserved (GREASE)"),
    (60138, "Reserved (GREASE)"),
    (64250, "Reserved (GREASE)"),
    (65445, "quic_transport_parameters (drafts version)"),
    (65486, "encrypted_server_name"),
];
/// `tls.handshake.extension.type`.
pub static HANDSHAKE_EXTENSION_TYPE: FieldDef =
    FieldDef::new("tls.handshake.extension.type", "Type", FieldType::U16)
        .with_strings(HANDSHAKE_EXTENSION_TYPE_VALS);
/// `tls.handshake.extension.len`.
pub static HANDSHAKE_EXTENSION_LEN: FieldDef =
    FieldDef::new("tls.handshake.extension.len", "Length", FieldType::U16);
/// `tls.handshake.extension.data`.
pub static HANDSHAKE_EXTENSION_DATA: FieldDef =
    FieldDef::new("tls.handshake.extension.data", "Data", FieldType::Bytes).with_base(Base::None);
/// `tls.handshake.extensions_server_name_list_len`.
pub static HANDSHAKE_EXTENSIONS_SERVER_NAME_LIST_LEN: FieldDef = FieldDef::new(
    "tls.handshake.extensions_server_name_list_len",
    "Server Name list length",
    FieldType::U16,
);
const HANDSHAKE_EXTENSIONS_SERVER_NAME_TYPE_VALS: ValueStrings = &[(0, "host_name")];
/// `tls.handshake.extensions_server_name_type`.
pub static HANDSHAKE_EXTENSIONS_SERVER_NAME_TYPE: FieldDef = FieldDef::new(
    "tls.handshake.extensions_server_name_type",
    "Server Name Type",
    FieldType::U8,
)
.with_strings(HANDSHAKE_EXTENSIONS_SERVER_NAME_TYPE_VALS);
/// `tls.handshake.extensions_server_name_len`.
pub static HANDSHAKE_EXTENSIONS_SERVER_NAME_LEN: FieldDef = FieldDef::new(
    "tls.handshake.extensions_server_name_len",
    "Server Name length",
    FieldType::U16,
);
/// `tls.handshake.extensions_server_name`.
pub static HANDSHAKE_EXTENSIONS_SERVER_NAME: FieldDef = FieldDef::new(
    "tls.handshake.extensions_server_name",
    "Server Name",
    FieldType::String,
)
.with_base(Base::None);
/// `tls.handshake.extensions_supported_groups_length`.
pub static HANDSHAKE_EXTENSIONS_SUPPORTED_GROUPS_LENGTH: FieldDef = FieldDef::new(
    "tls.handshake.extensions_supported_groups_length",
    "Supported Groups List Length",
    FieldType::U16,
);
/// `tls.handshake.extensions_supported_groups`.
pub static HANDSHAKE_EXTENSIONS_SUPPORTED_GROUPS: FieldDef = FieldDef::new(
    "tls.handshake.extensions_supported_groups",
    "Supported Groups List",
    FieldType::None,
)
.with_base(Base::None);
const HANDSHAKE_EXTENSIONS_SUPPORTED_GROUP_VALS: ValueStrings = &[
    (1, "sect163k1"),
    (2, "sect163r1"),
    (3, "sect163r2"),
    (4, "sect193r1"),
    (5, "sect193r2"),
    (6, "sect233k1"),
    (7, "sect233r1"),
    (8, "sect239k1"),
    (9, "sect283k1"),
    (10, "sect283r1"),
    (11, "sect409k1"),
    (12, "sect409r1"),
    (13, "sect571k1"),
    (14, "sect571r1"),
    (15, "secp160k1"),
    (16, "secp160r1"),
    (17, "secp160r2"),
    (18, "secp192k1"),
    (19, "secp192r1"),
    (20, "secp224k1"),
    (21, "secp224r1"),
    (22, "secp256k1"),
    (23, "secp256r1"),
    (24, "secp384r1"),
    (25, "secp521r1"),
    (26, "brainpoolP256r1"),
    (27, "brainpoolP384r1"),
    (28, "brainpoolP512r1"),
    (29, "x25519"),
    (30, "x448"),
    (41, "curveSM2"),
    (256, "ffdhe2048"),
    (257, "ffdhe3072"),
    (258, "ffdhe4096"),
    (259, "ffdhe6144"),
    (260, "ffdhe8192"),
    (512, "frodo640aes"),
    (12032, "p256_frodo640aes"),
    (513, "frodo640shake"),
    (12033, "p256_frodo640shake"),
    (514, "frodo976aes"),
    (12034, "p384_frodo976aes"),
    (515, "frodo976shake"),
    (12035, "p384_frodo976shake"),
    (516, "frodo1344aes"),
    (12036, "p521_frodo1344aes"),
    (517, "frodo1344shake"),
    (12037, "p521_frodo1344shake"),
    (570, "kyber512"),
    (12090, "p256_kyber512"),
    (572, "kyber768"),
    (12092, "p384_kyber768"),
    (573, "kyber1024"),
    (12093, "p521_kyber1024"),
    (532, "ntru_hps2048509"),
    (12052, "p256_ntru_hps2048509"),
    (533, "ntru_hps2048677"),
    (12053, "p384_ntru_hps2048677"),
    (534, "ntru_hps4096821"),
    (12054, "p521_ntru_hps4096821"),
    (581, "ntru_hps40961229"),
    (12101, "p521_ntru_hps40961229"),
    (535, "ntru_hrss701"),
    (12055, "p384_ntru_hrss701"),
    (582, "ntru_hrss1373"),
    (12102, "p521_ntru_hrss1373"),
    (536, "lightsaber"),
    (12056, "p256_lightsaber"),
    (537, "saber"),
    (12057, "p384_saber"),
    (538, "firesaber"),
    (12058, "p521_firesaber"),
    (539, "sidhp434"),
    (12059, "p256_sidhp434"),
    (540, "sidhp503"),
    (12060, "p256_sidhp503"),
    (541, "sidhp610"),
    (12061, "p384_sidhp610"),
    (542, "sidhp751"),
    (12062, "p521_sidhp751"),
    (543, "sikep434"),
    (12063, "p256_sikep434"),
    (544, "sikep503"),
    (12064, "p256_sikep503"),
    (545, "sikep610"),
    (12065, "p384_sikep610"),
    (546, "sikep751"),
    (12066, "p521_sikep751"),
    (568, "bikel1"),
    (12088, "p256_bikel1"),
    (571, "bikel3"),
    (12091, "p384_bikel3"),
    (574, "kyber90s512"),
    (12094, "p256_kyber90s512"),
    (575, "kyber90s768"),
    (12095, "p384_kyber90s768"),
    (576, "kyber90s1024"),
    (12096, "p521_kyber90s1024"),
    (556, "hqc128"),
    (12076, "p256_hqc128"),
    (557, "hqc192"),
    (12077, "p384_hqc192"),
    (558, "hqc256"),
    (12078, "p521_hqc256"),
    (559, "ntrulpr653"),
    (12079, "p256_ntrulpr653"),
    (560, "ntrulpr761"),
    (12099, "p256_ntrulpr761"),
    (561, "ntrulpr857"),
    (12081, "p384_ntrulpr857"),
    (577, "ntrulpr1277"),
    (12097, "p521_ntrulpr1277"),
    (562, "sntrup653"),
    (12082, "p256_sntrup653"),
    (563, "sntrup761"),
    (12100, "p256_sntrup761"),
    (564, "sntrup857"),
    (12084, "p384_sntrup857"),
    (578, "sntrup1277"),
    (12098, "p521_sntrup1277"),
    (2570, "Reserved (GREASE)"),
    (6682, "Reserved (GREASE)"),
    (10794, "Reserved (GREASE)"),
    (14906, "Reserved (GREASE)"),
    (19018, "Reserved (GREASE)"),
    (23130, "Reserved (GREASE)"),
    (27242, "Reserved (GREASE)"),
    (31354, "Reserved (GREASE)"),
    (35466, "Reserved (GREASE)"),
    (39578, "Reserved (GREASE)"),
    (43690, "Reserved (GREASE)"),
    (47802, "Reserved (GREASE)"),
    (51914, "Reserved (GREASE)"),
    (56026, "Reserved (GREASE)"),
    (60138, "Reserved (GREASE)"),
    (64250, "Reserved (GREASE)"),
    (65281, "arbitrary_explicit_prime_curves"),
    (65282, "arbitrary_explicit_char2_curves"),
];
/// `tls.handshake.extensions_supported_group`.
pub static HANDSHAKE_EXTENSIONS_SUPPORTED_GROUP: FieldDef = FieldDef::new(
    "tls.handshake.extensions_supported_group",
    "Supported Group",
    FieldType::U16,
)
.with_base(Base::Hex)
.with_strings(HANDSHAKE_EXTENSIONS_SUPPORTED_GROUP_VALS);
/// `tls.handshake.extensions_ec_point_formats_length`.
pub static HANDSHAKE_EXTENSIONS_EC_POINT_FORMATS_LENGTH: FieldDef = FieldDef::new(
    "tls.handshake.extensions_ec_point_formats_length",
    "EC point formats Length",
    FieldType::U8,
);
/// `tls.handshake.extensions_ec_point_formats`.
pub static HANDSHAKE_EXTENSIONS_EC_POINT_FORMATS: FieldDef = FieldDef::new(
    "tls.handshake.extensions_ec_point_formats",
    "EC point formats",
    FieldType::None,
)
.with_base(Base::None);
const HANDSHAKE_EXTENSIONS_EC_POINT_FORMAT_VALS: ValueStrings = &[
    (0, "uncompressed"),
    (1, "ansiX962_compressed_prime"),
    (2, "ansiX962_compressed_char2"),
];
/// `tls.handshake.extensions_ec_point_format`.
pub static HANDSHAKE_EXTENSIONS_EC_POINT_FORMAT: FieldDef = FieldDef::new(
    "tls.handshake.extensions_ec_point_format",
    "EC point format",
    FieldType::U8,
)
.with_strings(HANDSHAKE_EXTENSIONS_EC_POINT_FORMAT_VALS);
/// `tls.handshake.extensions_alpn_len`.
pub static HANDSHAKE_EXTENSIONS_ALPN_LEN: FieldDef = FieldDef::new(
    "tls.handshake.extensions_alpn_len",
    "ALPN Extension Length",
    FieldType::U16,
);
/// `tls.handshake.extensions_alpn_list`.
pub static HANDSHAKE_EXTENSIONS_ALPN_LIST: FieldDef = FieldDef::new(
    "tls.handshake.extensions_alpn_list",
    "ALPN Protocol",
    FieldType::None,
)
.with_base(Base::None);
/// `tls.handshake.extensions_alpn_str_len`.
pub static HANDSHAKE_EXTENSIONS_ALPN_STR_LEN: FieldDef = FieldDef::new(
    "tls.handshake.extensions_alpn_str_len",
    "ALPN string length",
    FieldType::U8,
);
/// `tls.handshake.extensions_alpn_str`.
pub static HANDSHAKE_EXTENSIONS_ALPN_STR: FieldDef = FieldDef::new(
    "tls.handshake.extensions_alpn_str",
    "ALPN Next Protocol",
    FieldType::String,
)
.with_base(Base::None);
/// `tls.handshake.extensions.supported_versions_len`.
pub static HANDSHAKE_EXTENSIONS_SUPPORTED_VERSIONS_LEN: FieldDef = FieldDef::new(
    "tls.handshake.extensions.supported_versions_len",
    "Supported Versions length",
    FieldType::U8,
);
/// `tls.handshake.extensions.supported_version`.
pub static HANDSHAKE_EXTENSIONS_SUPPORTED_VERSION: FieldDef = FieldDef::new(
    "tls.handshake.extensions.supported_version",
    "Supported Version",
    FieldType::U16,
)
.with_base(Base::Hex)
.with_strings(RECORD_VERSION_VALS);
/// `tls.handshake.sig_hash_alg_len`.
pub static HANDSHAKE_SIG_HASH_ALG_LEN: FieldDef = FieldDef::new(
    "tls.handshake.sig_hash_alg_len",
    "Signature Hash Algorithms Length",
    FieldType::U16,
);
/// `tls.handshake.sig_hash_algs`.
pub static HANDSHAKE_SIG_HASH_ALGS: FieldDef = FieldDef::new(
    "tls.handshake.sig_hash_algs",
    "Signature Algorithms",
    FieldType::None,
)
.with_base(Base::None);
const HANDSHAKE_SIG_HASH_ALG_VALS: ValueStrings = &[
    (513, "rsa_pkcs1_sha1"),
    (515, "ecdsa_sha1"),
    (1025, "rsa_pkcs1_sha256"),
    (1027, "ecdsa_secp256r1_sha256"),
    (1281, "rsa_pkcs1_sha384"),
    (1283, "ecdsa_secp384r1_sha384"),
    (1537, "rsa_pkcs1_sha512"),
    (1539, "ecdsa_secp521r1_sha512"),
    (1800, "sm2sig_sm3"),
    (2052, "rsa_pss_rsae_sha256"),
    (2053, "rsa_pss_rsae_sha384"),
    (2054, "rsa_pss_rsae_sha512"),
    (2055, "ed25519"),
    (2056, "ed448"),
    (2057, "rsa_pss_pss_sha256"),
    (2058, "rsa_pss_pss_sha384"),
    (2059, "rsa_pss_pss_sha512"),
    (65184, "dilithium2"),
    (65185, "p256_dilithium2"),
    (65186, "rsa3072_dilithium2"),
    (65187, "dilithium3"),
    (65188, "p384_dilithium3"),
    (65189, "dilithium5"),
    (65190, "p521_dilithium5"),
    (65191, "dilithium2_aes"),
    (65192, "p256_dilithium2_aes"),
    (65193, "rsa3072_dilithium2_aes"),
    (65194, "dilithium3_aes"),
    (65195, "p384_dilithium3_aes"),
    (65196, "dilithium5_aes"),
    (65197, "p521_dilithium5_aes"),
    (65035, "falcon512"),
    (65036, "p256_falcon512"),
    (65037, "rsa3072_falcon512"),
    (65038, "falcon1024"),
    (65039, "p521_falcon1024"),
    (65174, "picnicl1full"),
    (65175, "p256_picnicl1full"),
    (65176, "rsa3072_picnicl1full"),
    (65051, "picnic3l1"),
    (65052, "p256_picnic3l1"),
    (65053, "rsa3072_picnic3l1"),
    (65063, "rainbowIclassic"),
    (65064, "p256_rainbowIclassic"),
    (65065, "rsa3072_rainbowIclassic"),
    (65084, "rainbowVclassic"),
    (65085, "p521_rainbowVclassic"),
    (65090, "sphincsharaka128frobust"),
    (65091, "p256_sphincsharaka128frobust"),
    (65092, "rsa3072_sphincsharaka128frobust"),
    (65118, "sphincssha256128frobust"),
    (65119, "p256_sphincssha256128frobust"),
    (65120, "rsa3072_sphincssha256128frobust"),
    (65146, "sphincsshake256128frobust"),
    (65147, "p256_sphincsshake256128frobust"),
    (65148, "rsa3072_sphincsshake256128frobust"),
];
/// `tls.handshake.sig_hash_alg`.
pub static HANDSHAKE_SIG_HASH_ALG: FieldDef = FieldDef::new(
    "tls.handshake.sig_hash_alg",
    "Signature Algorithm",
    FieldType::U16,
)
.with_base(Base::Hex)
.with_strings(HANDSHAKE_SIG_HASH_ALG_VALS);
const HANDSHAKE_SIG_HASH_HASH_VALS: ValueStrings = &[
    (0, "None"),
    (1, "MD5"),
    (2, "SHA1"),
    (3, "SHA224"),
    (4, "SHA256"),
    (5, "SHA384"),
    (6, "SHA512"),
    (7, "SM3"),
];
/// `tls.handshake.sig_hash_hash`.
pub static HANDSHAKE_SIG_HASH_HASH: FieldDef = FieldDef::new(
    "tls.handshake.sig_hash_hash",
    "Signature Hash Algorithm Hash",
    FieldType::U8,
)
.with_strings(HANDSHAKE_SIG_HASH_HASH_VALS);
const HANDSHAKE_SIG_HASH_SIG_VALS: ValueStrings = &[
    (0, "Anonymous"),
    (1, "RSA"),
    (2, "DSA"),
    (3, "ECDSA"),
    (4, "SM2"),
];
/// `tls.handshake.sig_hash_sig`.
pub static HANDSHAKE_SIG_HASH_SIG: FieldDef = FieldDef::new(
    "tls.handshake.sig_hash_sig",
    "Signature Hash Algorithm Signature",
    FieldType::U8,
)
.with_strings(HANDSHAKE_SIG_HASH_SIG_VALS);
/// `tls.handshake.extensions_reneg_info_len`.
pub static HANDSHAKE_EXTENSIONS_RENEG_INFO_LEN: FieldDef = FieldDef::new(
    "tls.handshake.extensions_reneg_info_len",
    "Renegotiation info extension length",
    FieldType::U8,
);
/// `tls.handshake.certificates_length`.
pub static HANDSHAKE_CERTIFICATES_LENGTH: FieldDef = FieldDef::new(
    "tls.handshake.certificates_length",
    "Certificates Length",
    FieldType::U24,
);
/// `tls.handshake.certificates`.
pub static HANDSHAKE_CERTIFICATES: FieldDef = FieldDef::new(
    "tls.handshake.certificates",
    "Certificates",
    FieldType::None,
)
.with_base(Base::None);
/// `tls.handshake.certificate_length`.
pub static HANDSHAKE_CERTIFICATE_LENGTH: FieldDef = FieldDef::new(
    "tls.handshake.certificate_length",
    "Certificate Length",
    FieldType::U24,
);
/// `tls.handshake.certificate`.
pub static HANDSHAKE_CERTIFICATE: FieldDef =
    FieldDef::new("tls.handshake.certificate", "Certificate", FieldType::Bytes)
        .with_base(Base::None);
/// `tls.handshake.session_ticket_lifetime_hint`.
pub static HANDSHAKE_SESSION_TICKET_LIFETIME_HINT: FieldDef = FieldDef::new(
    "tls.handshake.session_ticket_lifetime_hint",
    "Session Ticket Lifetime Hint",
    FieldType::U32,
);
/// `tls.handshake.session_ticket_length`.
pub static HANDSHAKE_SESSION_TICKET_LENGTH: FieldDef = FieldDef::new(
    "tls.handshake.session_ticket_length",
    "Session Ticket Length",
    FieldType::U16,
);
/// `tls.handshake.session_ticket`.
pub static HANDSHAKE_SESSION_TICKET: FieldDef = FieldDef::new(
    "tls.handshake.session_ticket",
    "Session Ticket",
    FieldType::Bytes,
)
.with_base(Base::None);
/// `tls.handshake.extensions_key_share_selected_group`.
pub static HANDSHAKE_EXTENSIONS_KEY_SHARE_SELECTED_GROUP: FieldDef = FieldDef::new(
    "tls.handshake.extensions_key_share_selected_group",
    "Selected Group",
    FieldType::U16,
)
.with_strings(HANDSHAKE_EXTENSIONS_SUPPORTED_GROUP_VALS);
/// `tls.handshake.extensions_key_share_group`.
pub static HANDSHAKE_EXTENSIONS_KEY_SHARE_GROUP: FieldDef = FieldDef::new(
    "tls.handshake.extensions_key_share_group",
    "Group",
    FieldType::U16,
)
.with_strings(HANDSHAKE_EXTENSIONS_SUPPORTED_GROUP_VALS);
/// `tls.handshake.extensions_key_share_key_exchange_length`.
pub static HANDSHAKE_EXTENSIONS_KEY_SHARE_KEY_EXCHANGE_LENGTH: FieldDef = FieldDef::new(
    "tls.handshake.extensions_key_share_key_exchange_length",
    "Key Exchange Length",
    FieldType::U16,
);
/// `tls.handshake.extensions_key_share_key_exchange`.
pub static HANDSHAKE_EXTENSIONS_KEY_SHARE_KEY_EXCHANGE: FieldDef = FieldDef::new(
    "tls.handshake.extensions_key_share_key_exchange",
    "Key Exchange",
    FieldType::Bytes,
)
.with_base(Base::None);
/// `tls.handshake.extensions_key_share_client_length`.
pub static HANDSHAKE_EXTENSIONS_KEY_SHARE_CLIENT_LENGTH: FieldDef = FieldDef::new(
    "tls.handshake.extensions_key_share_client_length",
    "Client Key Share Length",
    FieldType::U16,
);
/// `tls.record.opaque_type`.
pub static RECORD_OPAQUE_TYPE: FieldDef =
    FieldDef::new("tls.record.opaque_type", "Opaque Type", FieldType::U8)
        .with_strings(RECORD_CONTENT_TYPE_VALS);

/// `tls.heartbeat_message`.
pub static HEARTBEAT_MESSAGE: FieldDef = FieldDef::new(
    "tls.heartbeat_message",
    "Heartbeat Message",
    FieldType::None,
)
.with_base(Base::None);
const HEARTBEAT_MESSAGE_TYPE_VALS: ValueStrings = &[(1, "Request"), (2, "Response")];
/// `tls.heartbeat_message.type`.
pub static HEARTBEAT_MESSAGE_TYPE: FieldDef =
    FieldDef::new("tls.heartbeat_message.type", "Type", FieldType::U8)
        .with_strings(HEARTBEAT_MESSAGE_TYPE_VALS);
/// `tls.heartbeat_message.payload_length`.
pub static HEARTBEAT_MESSAGE_PAYLOAD_LENGTH: FieldDef = FieldDef::new(
    "tls.heartbeat_message.payload_length",
    "Payload Length",
    FieldType::U16,
);
/// `tls.heartbeat_message.payload`.
pub static HEARTBEAT_MESSAGE_PAYLOAD: FieldDef = FieldDef::new(
    "tls.heartbeat_message.payload",
    "Payload Length",
    FieldType::Bytes,
)
.with_base(Base::None);
/// `tls.heartbeat_message.padding`.
pub static HEARTBEAT_MESSAGE_PADDING: FieldDef = FieldDef::new(
    "tls.heartbeat_message.padding",
    "Payload Length",
    FieldType::Bytes,
)
.with_base(Base::None);

/// Fields of this module.
pub static FIELDS: &[FieldRef] = &[
    &PROTO,
    &RECORD_OPAQUE_TYPE,
    &RECORD,
    &RECORD_CONTENT_TYPE,
    &RECORD_VERSION,
    &RECORD_LENGTH,
    &APP_DATA,
    &APP_DATA_PROTO,
    &ALERT_MESSAGE,
    &ALERT_MESSAGE_LEVEL,
    &ALERT_MESSAGE_DESC,
    &CHANGE_CIPHER_SPEC,
    &HANDSHAKE,
    &HANDSHAKE_TYPE,
    &HANDSHAKE_LENGTH,
    &HANDSHAKE_VERSION,
    &HANDSHAKE_RANDOM,
    &HANDSHAKE_RANDOM_TIME,
    &HANDSHAKE_RANDOM_BYTES,
    &HANDSHAKE_SESSION_ID_LENGTH,
    &HANDSHAKE_SESSION_ID,
    &HANDSHAKE_CIPHER_SUITES_LENGTH,
    &HANDSHAKE_CIPHERSUITES,
    &HANDSHAKE_CIPHERSUITE,
    &HANDSHAKE_COMP_METHODS_LENGTH,
    &HANDSHAKE_COMP_METHODS,
    &HANDSHAKE_COMP_METHOD,
    &HANDSHAKE_EXTENSIONS_LENGTH,
    &HANDSHAKE_EXTENSION_TYPE,
    &HANDSHAKE_EXTENSION_LEN,
    &HANDSHAKE_EXTENSION_DATA,
    &HANDSHAKE_EXTENSIONS_SERVER_NAME_LIST_LEN,
    &HANDSHAKE_EXTENSIONS_SERVER_NAME_TYPE,
    &HANDSHAKE_EXTENSIONS_SERVER_NAME_LEN,
    &HANDSHAKE_EXTENSIONS_SERVER_NAME,
    &HANDSHAKE_EXTENSIONS_SUPPORTED_GROUPS_LENGTH,
    &HANDSHAKE_EXTENSIONS_SUPPORTED_GROUPS,
    &HANDSHAKE_EXTENSIONS_SUPPORTED_GROUP,
    &HANDSHAKE_EXTENSIONS_EC_POINT_FORMATS_LENGTH,
    &HANDSHAKE_EXTENSIONS_EC_POINT_FORMATS,
    &HANDSHAKE_EXTENSIONS_EC_POINT_FORMAT,
    &HANDSHAKE_EXTENSIONS_ALPN_LEN,
    &HANDSHAKE_EXTENSIONS_ALPN_LIST,
    &HANDSHAKE_EXTENSIONS_ALPN_STR_LEN,
    &HANDSHAKE_EXTENSIONS_ALPN_STR,
    &HANDSHAKE_EXTENSIONS_SUPPORTED_VERSIONS_LEN,
    &HANDSHAKE_EXTENSIONS_SUPPORTED_VERSION,
    &HANDSHAKE_SIG_HASH_ALG_LEN,
    &HANDSHAKE_SIG_HASH_ALGS,
    &HANDSHAKE_SIG_HASH_ALG,
    &HANDSHAKE_SIG_HASH_HASH,
    &HANDSHAKE_SIG_HASH_SIG,
    &HANDSHAKE_EXTENSIONS_RENEG_INFO_LEN,
    &HANDSHAKE_CERTIFICATES_LENGTH,
    &HANDSHAKE_CERTIFICATES,
    &HANDSHAKE_CERTIFICATE_LENGTH,
    &HANDSHAKE_CERTIFICATE,
    &HANDSHAKE_SESSION_TICKET_LIFETIME_HINT,
    &HANDSHAKE_SESSION_TICKET_LENGTH,
    &HANDSHAKE_SESSION_TICKET,
    &HANDSHAKE_EXTENSIONS_KEY_SHARE_SELECTED_GROUP,
    &HANDSHAKE_EXTENSIONS_KEY_SHARE_GROUP,
    &HANDSHAKE_EXTENSIONS_KEY_SHARE_KEY_EXCHANGE_LENGTH,
    &HANDSHAKE_EXTENSIONS_KEY_SHARE_KEY_EXCHANGE,
    &HANDSHAKE_EXTENSIONS_KEY_SHARE_CLIENT_LENGTH,
];

/// Wireshark's `ssl_version_short_names`.
pub fn version_short_name(v: u16) -> Option<&'static str> {
    Some(match v {
        0x0002 => "SSLv2",
        0x0300 => "SSLv3",
        0x0301 => "TLSv1",
        0x0302 => "TLSv1.1",
        0x0303 => "TLSv1.2",
        0x0304 => "TLSv1.3",
        0x7f0e..=0x7f1c | 0xfb17 | 0xfb1a => "TLSv1.3",
        0x0101 => "GMTLS",
        0x0100 | 0xfeff => "DTLSv1.0",
        0xfefd => "DTLSv1.2",
        _ => return None,
    })
}

fn valid_version(v: u16) -> bool {
    matches!(v, 0x0300..=0x0304 | 0x0101)
}

fn valid_content_type(t: u8) -> bool {
    (20..=24).contains(&t)
}

/// SHA-256("HelloRetryRequest"), the Server Hello random of a Hello Retry
/// Request (RFC 8446 section 4.1.3).
const HRR_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// One TLS connection: its version and what each side has sent.
#[derive(Default, Debug)]
struct Session {
    /// Negotiated version, once a Server Hello (or another record that is
    /// not a Client Hello) said it.
    version: Option<u16>,
    /// Senders (`addr/port`) that have sent Change Cipher Spec: their later
    /// handshake records are encrypted.
    ccs_from: Vec<crate::state::Endpoint>,
    /// The server chose a cipher suite without encryption.
    null_cipher: bool,
    /// Session ID the client offered.
    client_session_id: Vec<u8>,
    /// The server echoed it: the session is resumed.
    resumed: bool,
}

/// TLS sessions of the capture, keyed by transport endpoints.
#[derive(Default, Debug)]
pub struct Sessions {
    map: HashMap<crate::state::ConvKey, Session>,
}

impl Sessions {
    /// Forgets a conversation's session (its TCP stream was released).
    pub fn forget(&mut self, key: &crate::state::ConvKey) {
        self.map.remove(key);
    }
}

fn endpoints(cx: &Cx<'_>) -> (crate::state::ConvKey, crate::state::Endpoint) {
    crate::state::packet_conv(cx)
}

fn server_port(cx: &Cx<'_>) -> u64 {
    cx.l4.sport.min(cx.l4.dport) as u64
}

/// The application protocol Wireshark names for TLS on a well-known port.
fn app_proto(port: u64) -> Option<&'static str> {
    Some(match port {
        443 | 4443 | 8443 => "Hypertext Transfer Protocol",
        853 => "Domain Name System",
        993 => "Internet Message Access Protocol",
        995 => "Post Office Protocol",
        465 | 587 => "Simple Mail Transfer Protocol",
        636 => "Lightweight Directory Access Protocol",
        _ => return None,
    })
}

fn bytes(tvb: &Tvb<'_>, off: usize, len: usize) -> R<Value> {
    tvb.ensure(off, len)?;
    Ok(Value::Bytes(Span {
        src: Src::Data(tvb.ds()),
        start: tvb.base() + off as u32,
        len: len as u32,
    }))
}

fn uint(
    cx: &mut Cx<'_>,
    f: FieldRef,
    tvb: &Tvb<'_>,
    off: usize,
    len: usize,
    v: u64,
) -> crate::packet::NodeId {
    cx.pkt.add(f, tvb, off, len, Value::UInt(v))
}

/// Whether this packet's conversation is a TLS session already.
pub fn in_session(cx: &Cx<'_>) -> bool {
    let (key, _) = endpoints(cx);
    cx.state.tls.map.contains_key(&key)
}

/// Wireshark's TLS heuristic (`is_sslv3_or_tls`): a handshake or
/// application data record of SSL 3.0 to TLS 1.2 with a sane length.
pub fn heuristic(tvb: &Tvb<'_>) -> bool {
    let (Ok(ct), Ok(v), Ok(l)) = (tvb.u8(0), tvb.u16(1), tvb.u16(3)) else {
        return false;
    };
    (ct == 22 || ct == 23)
        && (0x0300..=0x0303).contains(&v)
        && l != 0
        && (l as usize) < 0x4000 + 2048
}

/// TLS on a TCP segment, marking a record that goes past the segment as
/// Wireshark's first pass does.
pub fn dissect(cx: &mut Cx<'_>, tvb: Tvb<'_>) -> R<()> {
    if let Desegment::More { offset, more } = dissect_tcp(cx, tvb)? {
        // TCP keeps the bytes from `offset` and hands them back whole.
        cx.desegment = Some(crate::Desegment { offset, more });
    }
    Ok(())
}

/// TLS on a TCP segment: every whole record in it. A record cut by the
/// segment end is reported as [`Desegment::More`]; segments that only carry
/// its middle are recognised from the bytes it still owes.
pub fn dissect_tcp(cx: &mut Cx<'_>, tvb: Tvb<'_>) -> R<Desegment> {
    dissect_tcp_under(cx, tvb, None)
}

/// [`dissect_tcp`] for TLS carried by another protocol (`outer`, e.g. an
/// HTTP CONNECT tunnel), whose layer is named in `frame.protocols` only
/// when TLS has something to show.
pub fn dissect_tcp_under(cx: &mut Cx<'_>, tvb: Tvb<'_>, outer: Option<&str>) -> R<Desegment> {
    cx.current_proto = "TLS";
    let (key, sender) = endpoints(cx);
    let port = server_port(cx);
    let len = tvb.reported_len();
    let off = 0usize;
    // The session exists from its first segment on (it also tells TCP's
    // heuristics that this conversation is TLS).
    cx.state.tls.map.entry(key).or_default();
    if let Some(o) = outer {
        cx.pkt.layer(o);
    }
    cx.pkt.layer("tls");
    cx.pkt.cols.clear_info();
    let top = cx.pkt.open(&PROTO, &tvb, off, len - off, Value::None);
    let depth = cx.pkt.depth();
    let r = records(cx, &tvb, off, &key, sender, port);
    cx.pkt.close_to(depth);
    cx.pkt.close();
    let _ = top;
    r
}

/// Wireshark's `ssl_20_msg_types`.
const SSL2_MSG_TYPES: ValueStrings = &[
    (0, "Error"),
    (1, "Client Hello"),
    (2, "Client Master Key"),
    (3, "Client Finished"),
    (4, "Server Hello"),
    (5, "Server Verify"),
    (6, "Server Finished"),
    (7, "Request Certificate"),
    (8, "Client Certificate"),
];

/// `tls.handshake.type` of an SSLv2 record.
pub static SSL2_HANDSHAKE_TYPE: FieldDef = FieldDef::new(
    "tls.handshake.type",
    "Handshake Message Type",
    FieldType::U8,
)
.with_strings(SSL2_MSG_TYPES);

fn ssl_version_valid(v: u16) -> bool {
    matches!(v, 0x0002 | 0x0300..=0x0304 | 0x0100 | 0xfeff | 0xfefd)
}

/// Wireshark's `ssl_looks_like_sslv2`: a 2- or 3-byte header and a hello
/// naming a known version.
fn looks_like_sslv2(tvb: &Tvb<'_>, off: usize) -> bool {
    let Ok(b) = tvb.u8(off) else { return false };
    let m = off + if b & 0x80 != 0 { 2 } else { 3 };
    match tvb.u8(m) {
        Ok(1) => tvb.u16(m + 1).is_ok_and(ssl_version_valid),
        Ok(4) => tvb.u16(m + 3).is_ok_and(ssl_version_valid),
        _ => false,
    }
}

/// Whether an SSLv2 handshake message parses (Wireshark's
/// `ssl_looks_like_valid_v2_handshake`, for the messages sent in clear).
fn valid_v2_handshake(tvb: &Tvb<'_>, m: usize, len: usize) -> bool {
    let get = |o: usize| tvb.u16(m + o).map(|v| v as usize);
    match tvb.u8(m) {
        Ok(1) => match (get(3), get(5), get(7)) {
            (Ok(cs), Ok(sid), Ok(ch)) => {
                cs % 3 == 0
                    && (sid == 0 || sid == 16)
                    && (16..=32).contains(&ch)
                    && 9 + cs + sid + ch <= len
            }
            _ => false,
        },
        Ok(2) => match (get(4), get(6), get(8)) {
            (Ok(clear), Ok(enc), Ok(arg)) => 10 + clear + enc + arg <= len,
            _ => false,
        },
        Ok(4) => match (get(5), get(7), get(9)) {
            (Ok(cert), Ok(cs), Ok(cid)) => cs % 3 == 0 && 11 + cert + cs + cid <= len,
            _ => false,
        },
        _ => false,
    }
}

/// One SSLv2 record (draft-hickman-netscape-ssl-00); returns its size, or
/// None when it goes past the segment.
fn ssl2_record(
    cx: &mut Cx<'_>,
    tvb: &Tvb<'_>,
    off: usize,
    key: &crate::state::ConvKey,
    not_first: bool,
) -> R<Option<usize>> {
    let b = tvb.u8(off)?;
    let (hl, rlen) = if b & 0x80 != 0 {
        (2, (tvb.u16(off)? & 0x7fff) as usize)
    } else {
        (3, (tvb.u16(off)? & 0x3fff) as usize)
    };
    if off + hl + rlen > tvb.reported_len() {
        return Ok(None);
    }
    let m = off + hl;
    let msg = tvb.u8(m)?;
    if let Some(s) = cx.state.tls.map.get_mut(key) {
        if s.version.is_none() && (2..=8).contains(&msg) {
            s.version = Some(0x0002);
        }
    }
    cx.pkt.cols.set_protocol("SSLv2");
    if not_first {
        cx.pkt.cols.append_info(format_args!(", "));
    }
    let rec = cx.pkt.open(&RECORD, tvb, off, hl + rlen, Value::None);
    uint(cx, &RECORD_LENGTH, tvb, off, hl, rlen as u64);
    // Wireshark names the SSL 2.0 version on every SSLv2 record.
    let vi = uint(cx, &RECORD_VERSION, tvb, off, 0, 0x0002);
    cx.pkt.set_generated(vi);
    let name = SSL2_HANDSHAKE_TYPE
        .value_name(msg as u64)
        .filter(|_| valid_v2_handshake(tvb, m, rlen));
    match name {
        Some(n) => {
            cx.pkt.cols.append_info(format_args!("{n}"));
            cx.pkt
                .set_label(rec, format_args!("SSLv2 Record Layer: {n}"));
            uint(cx, &SSL2_HANDSHAKE_TYPE, tvb, m, 1, msg as u64);
        }
        None => {
            cx.pkt.cols.append_info(format_args!("Encrypted Data"));
            cx.pkt
                .set_label(rec, format_args!("SSLv2 Record Layer: Encrypted Data"));
            if rlen > 0 {
                let v = bytes(tvb, m, rlen)?;
                cx.pkt.add(&APP_DATA, tvb, m, rlen, v);
            }
        }
    }
    cx.pkt.close();
    Ok(Some(hl + rlen))
}

/// Info text of a heartbeat record (RFC 6520 section 3).
fn heartbeat_name(encrypted: bool, first: Option<u8>) -> &'static str {
    match (encrypted, first) {
        (true, _) => "Encrypted Heartbeat",
        (false, Some(1)) => "Heartbeat Request",
        (false, Some(2)) => "Heartbeat Response",
        _ => "Heartbeat",
    }
}

fn records(
    cx: &mut Cx<'_>,
    tvb: &Tvb<'_>,
    mut off: usize,
    key: &crate::state::ConvKey,
    sender: crate::state::Endpoint,
    port: u64,
) -> R<Desegment> {
    let len = tvb.reported_len();
    let mut done = 0usize;
    while off < len {
        if len - off < 5 {
            return Ok(Desegment::More {
                offset: off,
                more: None,
            });
        }
        let ct = tvb.u8(off)?;
        let ver = tvb.u16(off + 1)?;
        let rlen = tvb.u16(off + 3)? as usize;
        let session_version = cx.state.tls.map.get(key).and_then(|s| s.version);
        // SSLv2 records: a session that is SSLv2, or one whose version is not
        // known yet and whose bytes look like SSLv2 (Wireshark's order).
        let v2 = match session_version {
            Some(0x0002) => true,
            Some(_) => false,
            None => looks_like_sslv2(tvb, off) && !(valid_content_type(ct) && valid_version(ver)),
        };
        if v2 {
            match ssl2_record(cx, tvb, off, key, done > 0 || !cx.pkt.cols.info.is_empty())? {
                Some(n) => {
                    done += 1;
                    off += n;
                    continue;
                }
                None => {
                    if done == 0 {
                        return Ok(Desegment::More {
                            offset: off,
                            more: None,
                        });
                    }
                    return Ok(Desegment::Done);
                }
            }
        }
        // With the session's version known, Wireshark waits for the whole
        // record before it looks at its content type.
        let plausible = valid_content_type(ct) && valid_version(ver);
        if session_version.is_none() && !plausible {
            // Wireshark separates it from whatever Info already holds.
            if done > 0 || !cx.pkt.cols.info.is_empty() {
                cx.pkt.cols.append_info(format_args!(", Continuation Data"));
            } else {
                cx.pkt.cols.append_info(format_args!("Continuation Data"));
                cx.pkt.cols.set_protocol("SSL");
            }
            return Ok(Desegment::Done);
        }
        if off + 5 + rlen > len {
            // TCP reassembles the record from here and hands it back whole.
            let more = off + 5 + rlen - len;
            return Ok(Desegment::More {
                offset: off,
                more: Some(more),
            });
        }
        if !valid_content_type(ct) {
            if done == 0 {
                cx.pkt.cols.append_info(format_args!("Continuation Data"));
                let v = session_version
                    .and_then(version_short_name)
                    .unwrap_or("SSL");
                cx.pkt.cols.set_protocol(v);
            }
            return Ok(Desegment::Done);
        }
        // The version: a record that is not a Client Hello fixes it.
        let next = if rlen > 0 { tvb.u8(off + 5)? } else { 0 };
        {
            let s = cx.state.tls.map.entry(*key).or_default();
            if s.version.is_none() && !(ct == 22 && next == 1) {
                s.version = Some(ver);
            }
        }
        if done > 0 || !cx.pkt.cols.info.is_empty() {
            cx.pkt.cols.append_info(format_args!(", "));
        }
        record(cx, tvb, off, ct, ver, rlen, key, sender, port)?;
        let sv = cx
            .state
            .tls
            .map
            .get(key)
            .and_then(|s| s.version)
            .unwrap_or(ver);
        cx.pkt
            .cols
            .set_protocol(version_short_name(sv).unwrap_or("TLS"));
        done += 1;
        off += 5 + rlen;
    }
    Ok(Desegment::Done)
}

#[allow(clippy::too_many_arguments)]
fn record(
    cx: &mut Cx<'_>,
    tvb: &Tvb<'_>,
    off: usize,
    ct: u8,
    ver: u16,
    rlen: usize,
    key: &crate::state::ConvKey,
    sender: crate::state::Endpoint,
    port: u64,
) -> R<()> {
    let (sv, encrypted) = {
        let s = cx.state.tls.map.get(key);
        (
            s.and_then(|s| s.version).unwrap_or(ver),
            s.is_some_and(|s| s.ccs_from.contains(&sender)),
        )
    };
    let vname = version_short_name(sv).unwrap_or("SSL");
    let ctname = RECORD_CONTENT_TYPE
        .value_name(ct as u64)
        .unwrap_or("Unknown");
    let rec = cx.pkt.open(&RECORD, tvb, off, 5 + rlen, Value::None);
    let is13 = sv == 0x0304;
    if is13 && ct == 23 {
        uint(cx, &RECORD_OPAQUE_TYPE, tvb, off, 1, ct as u64);
    } else {
        uint(cx, &RECORD_CONTENT_TYPE, tvb, off, 1, ct as u64);
    }
    uint(cx, &RECORD_VERSION, tvb, off + 1, 2, ver as u64);
    uint(cx, &RECORD_LENGTH, tvb, off + 3, 2, rlen as u64);
    let d = off + 5;
    let label_tail: String = match ct {
        20 => {
            cx.pkt.cols.append_info(format_args!("Change Cipher Spec"));
            let m = cx.pkt.add(&CHANGE_CIPHER_SPEC, tvb, d, rlen, Value::None);
            // Noted once, on the first Change Cipher Spec of the resumed
            // session.
            let note = cx
                .state
                .tls
                .map
                .get_mut(key)
                .is_some_and(|s| std::mem::take(&mut s.resumed));
            if note {
                cx.pkt.reopen(m);
                cx.pkt.expert(
                    "tls",
                    crate::packet::Severity::Note,
                    crate::packet::Group::Sequence,
                    format_args!(
                        "This session reuses previously negotiated keys (Session resumption)"
                    ),
                );
                cx.pkt.close();
            }
            if let Some(s) = cx.state.tls.map.get_mut(key) {
                // TLS 1.3's Change Cipher Spec is for middleboxes only
                // (RFC 8446 D.4); a NULL cipher encrypts nothing.
                if s.version != Some(0x0304) && !s.null_cipher && !s.ccs_from.contains(&sender) {
                    s.ccs_from.push(sender);
                }
            }
            "Change Cipher Spec".into()
        }
        21 => {
            if rlen == 2 && !encrypted {
                let level = tvb.u8(d)?;
                let desc = tvb.u8(d + 1)?;
                let ln = ALERT_MESSAGE_LEVEL
                    .value_name(level as u64)
                    .unwrap_or("Unknown");
                let dn = ALERT_MESSAGE_DESC
                    .value_name(desc as u64)
                    .unwrap_or("Unknown");
                cx.pkt
                    .cols
                    .append_info(format_args!("Alert (Level: {ln}, Description: {dn})"));
                let a = cx.pkt.open(&ALERT_MESSAGE, tvb, d, 2, Value::None);
                let _ = a;
                uint(cx, &ALERT_MESSAGE_LEVEL, tvb, d, 1, level as u64);
                uint(cx, &ALERT_MESSAGE_DESC, tvb, d + 1, 1, desc as u64);
                cx.pkt.close();
                format!("Alert (Level: {ln}, Description: {dn})")
            } else {
                cx.pkt.cols.append_info(format_args!("Encrypted Alert"));
                let a = cx.pkt.add(&ALERT_MESSAGE, tvb, d, rlen, Value::None);
                cx.pkt
                    .set_label(a, format_args!("Alert Message: Encrypted Alert"));
                "Encrypted Alert".into()
            }
        }
        22 => handshakes(cx, tvb, d, rlen, encrypted, key)?,
        23 => {
            cx.pkt.cols.append_info(format_args!("Application Data"));
            let v = bytes(tvb, d, rlen)?;
            cx.pkt.add(&APP_DATA, tvb, d, rlen, v);
            match app_proto(port) {
                Some(p) => {
                    let v = cx.pkt.str_value(p);
                    let n = cx.pkt.add(&APP_DATA_PROTO, tvb, 0, 0, v);
                    cx.pkt.set_generated(n);
                    p.into()
                }
                None => "Application Data".into(),
            }
        }
        _ => {
            let what = heartbeat_name(encrypted, tvb.u8(d).ok());
            cx.pkt.cols.append_info(format_args!("{what}"));
            if !encrypted && rlen >= 3 {
                // RFC 6520 section 4: type, payload length, payload, padding.
                let m = cx.pkt.open(&HEARTBEAT_MESSAGE, tvb, d, rlen, Value::None);
                let _ = m;
                uint(cx, &HEARTBEAT_MESSAGE_TYPE, tvb, d, 1, tvb.u8(d)? as u64);
                let pl = tvb.u16(d + 1)? as usize;
                let pi = uint(
                    cx,
                    &HEARTBEAT_MESSAGE_PAYLOAD_LENGTH,
                    tvb,
                    d + 1,
                    2,
                    pl as u64,
                );
                if pl + 3 + 16 > rlen {
                    cx.pkt.set_label(
                        pi,
                        format_args!(
                            "Payload Length: {pl} (invalid, using {pl} to decode payload)"
                        ),
                    );
                    cx.pkt.reopen(pi);
                    cx.pkt.expert(
                        "tls",
                        crate::packet::Severity::Error,
                        crate::packet::Group::Malformed,
                        format_args!("Invalid heartbeat payload length ({pl})"),
                    );
                    cx.pkt.close();
                } else {
                    let v = bytes(tvb, d + 3, pl)?;
                    cx.pkt.add(&HEARTBEAT_MESSAGE_PAYLOAD, tvb, d + 3, pl, v);
                    let pad = rlen - 3 - pl;
                    let v = bytes(tvb, d + 3 + pl, pad)?;
                    cx.pkt
                        .add(&HEARTBEAT_MESSAGE_PADDING, tvb, d + 3 + pl, pad, v);
                }
                cx.pkt.close();
            }
            what.into()
        }
    };
    let proto_name = match ct {
        21 | 24 => {
            cx.pkt
                .set_label(rec, format_args!("{vname} Record Layer: {label_tail}"));
            cx.pkt.close();
            return Ok(());
        }
        20 => "Change Cipher Spec Protocol",
        22 => "Handshake Protocol",
        23 => "Application Data Protocol",
        _ => "Heartbeat Protocol",
    };
    let _ = ctname;
    cx.pkt.set_label(
        rec,
        format_args!("{vname} Record Layer: {proto_name}: {label_tail}"),
    );
    cx.pkt.close();
    Ok(())
}

/// The handshake messages of a record; returns the label text.
fn handshakes(
    cx: &mut Cx<'_>,
    tvb: &Tvb<'_>,
    d: usize,
    rlen: usize,
    encrypted: bool,
    key: &crate::state::ConvKey,
) -> R<String> {
    // Wireshark treats a record whose first message does not parse as
    // encrypted (Finished after Change Cipher Spec, TLS 1.3 records).
    let plausible = rlen >= 4 && {
        let t = tvb.u8(d)?;
        let l = tvb.u24(d + 1)? as usize;
        HANDSHAKE_TYPE.value_name(t as u64).is_some() && l + 4 <= rlen
    };
    if encrypted || !plausible {
        cx.pkt
            .cols
            .append_info(format_args!("Encrypted Handshake Message"));
        let h = cx.pkt.add(&HANDSHAKE, tvb, d, rlen, Value::None);
        cx.pkt.set_label(
            h,
            format_args!("Handshake Protocol: Encrypted Handshake Message"),
        );
        return Ok("Encrypted Handshake Message".into());
    }
    let mut names: Vec<&'static str> = Vec::new();
    let mut o = d;
    let end = d + rlen;
    while o + 4 <= end {
        let t = tvb.u8(o)?;
        let l = tvb.u24(o + 1)? as usize;
        // After the first message, bytes that are no message (a NULL
        // cipher's MAC, padding) end the record.
        if !names.is_empty() && (HANDSHAKE_TYPE.value_name(t as u64).is_none() || 4 + l > end - o) {
            break;
        }
        let mut name = HANDSHAKE_TYPE
            .value_name(t as u64)
            .unwrap_or("Encrypted Handshake Message");
        if t == 2 && tvb.bytes(o + 6, 32).is_ok_and(|r| r == HRR_RANDOM) {
            name = "Hello Retry Request";
        }
        if !names.is_empty() {
            cx.pkt.cols.append_info(format_args!(", "));
        }
        cx.pkt.cols.append_info(format_args!("{name}"));
        names.push(name);
        let h = cx
            .pkt
            .open(&HANDSHAKE, tvb, o, (4 + l).min(end - o), Value::None);
        cx.pkt
            .set_label(h, format_args!("Handshake Protocol: {name}"));
        uint(cx, &HANDSHAKE_TYPE, tvb, o, 1, t as u64);
        uint(cx, &HANDSHAKE_LENGTH, tvb, o + 1, 3, l as u64);
        let body = o + 4;
        let blen = l.min(end - body);
        match t {
            1 => hello(cx, tvb, body, blen, true, key)?,
            2 => hello(cx, tvb, body, blen, false, key)?,
            4 if blen >= 6 => {
                let lt = tvb.u32(body)?;
                let n = uint(
                    cx,
                    &HANDSHAKE_SESSION_TICKET_LIFETIME_HINT,
                    tvb,
                    body,
                    4,
                    lt as u64,
                );
                cx.pkt.set_label(
                    n,
                    format_args!(
                        "Session Ticket Lifetime Hint: {lt} seconds ({})",
                        crate::proto::dns::time_secs_str(lt)
                    ),
                );
                let tl = tvb.u16(body + 4)? as usize;
                uint(
                    cx,
                    &HANDSHAKE_SESSION_TICKET_LENGTH,
                    tvb,
                    body + 4,
                    2,
                    tl as u64,
                );
                let v = bytes(tvb, body + 6, tl)?;
                cx.pkt.add(&HANDSHAKE_SESSION_TICKET, tvb, body + 6, tl, v);
            }
            11 if blen >= 3 => {
                let total = tvb.u24(body)? as usize;
                uint(
                    cx,
                    &HANDSHAKE_CERTIFICATES_LENGTH,
                    tvb,
                    body,
                    3,
                    total as u64,
                );
                let c = cx
                    .pkt
                    .open(&HANDSHAKE_CERTIFICATES, tvb, body + 3, total, Value::None);
                cx.pkt
                    .set_label(c, format_args!("Certificates ({total} bytes)"));
                let mut co = body + 3;
                let cend = (body + 3 + total).min(body + blen);
                while co + 3 <= cend {
                    let cl = tvb.u24(co)? as usize;
                    uint(cx, &HANDSHAKE_CERTIFICATE_LENGTH, tvb, co, 3, cl as u64);
                    let v = bytes(tvb, co + 3, cl)?;
                    cx.pkt.add(&HANDSHAKE_CERTIFICATE, tvb, co + 3, cl, v);
                    co += 3 + cl;
                }
                cx.pkt.close();
            }
            _ => {}
        }
        cx.pkt.close();
        o = body + l;
    }
    Ok(names.join(", "))
}

/// Whether a Server Hello negotiates TLS 1.3: a draft version in its
/// version field, or TLS 1.3 in its supported_versions extension.
fn server_hello_is_tls13(tvb: &Tvb<'_>, o: usize, len: usize) -> bool {
    let end = o + len;
    let Ok(v) = tvb.u16(o) else { return false };
    if version_short_name(v) == Some("TLSv1.3") {
        return true;
    }
    let Ok(sl) = tvb.u8(o + 34) else { return false };
    let mut p = o + 35 + sl as usize + 3;
    let Ok(el) = tvb.u16(p) else { return false };
    p += 2;
    let eend = (p + el as usize).min(end);
    while p + 4 <= eend {
        let (Ok(t), Ok(l)) = (tvb.u16(p), tvb.u16(p + 2)) else {
            return false;
        };
        if t == 43 && l == 2 {
            return tvb
                .u16(p + 4)
                .is_ok_and(|x| version_short_name(x) == Some("TLSv1.3"));
        }
        p += 4 + l as usize;
    }
    false
}

/// Client Hello and Server Hello (RFC 8446 section 4.1.2, 4.1.3).
fn hello(
    cx: &mut Cx<'_>,
    tvb: &Tvb<'_>,
    o: usize,
    len: usize,
    client: bool,
    key: &crate::state::ConvKey,
) -> R<()> {
    let end = o + len;
    let v = tvb.u16(o)?;
    uint(cx, &HANDSHAKE_VERSION, tvb, o, 2, v as u64);
    let rv = bytes(tvb, o + 2, 32)?;
    let r = cx.pkt.open(&HANDSHAKE_RANDOM, tvb, o + 2, 32, rv);
    let _ = r;
    // A TLS 1.3 Server Hello's random has no time in it (RFC 8446 4.1.3).
    let tls13_server = !client && server_hello_is_tls13(tvb, o, len);
    if !tls13_server {
        let t = tvb.u32(o + 2)?;
        cx.pkt.add(
            &HANDSHAKE_RANDOM_TIME,
            tvb,
            o + 2,
            4,
            Value::Time {
                secs: t as i64,
                nanos: 0,
            },
        );
        let rb = bytes(tvb, o + 6, 28)?;
        cx.pkt.add(&HANDSHAKE_RANDOM_BYTES, tvb, o + 6, 28, rb);
    }
    cx.pkt.close();
    let mut p = o + 34;
    // TLS 1.3 drafts before 22 name the version in the Server Hello and
    // have no session ID or compression method there.
    let early_draft = !client && (0x7f0e..=0x7f15).contains(&v);
    if !client && version_short_name(v) == Some("TLSv1.3") {
        if let Some(s) = cx.state.tls.map.get_mut(key) {
            s.version = Some(0x0304);
        }
    }
    if early_draft {
        uint(cx, &HANDSHAKE_CIPHERSUITE, tvb, p, 2, tvb.u16(p)? as u64);
        p += 2;
        return hello_extensions(cx, tvb, p, end, client, key);
    }
    let sl = tvb.u8(p)? as usize;
    uint(cx, &HANDSHAKE_SESSION_ID_LENGTH, tvb, p, 1, sl as u64);
    p += 1;
    if sl > 0 {
        let sv = bytes(tvb, p, sl)?;
        cx.pkt.add(&HANDSHAKE_SESSION_ID, tvb, p, sl, sv);
        // A server that echoes the client's session ID resumes the session
        // (RFC 5246 section 7.4.1.3).
        let id = tvb.bytes(p, sl)?.to_vec();
        if let Some(s) = cx.state.tls.map.get_mut(key) {
            if client {
                s.client_session_id = id;
            } else {
                s.resumed = s.client_session_id == id && !tls13_server;
            }
        }
        p += sl;
    }
    if client {
        let cl = tvb.u16(p)? as usize;
        uint(cx, &HANDSHAKE_CIPHER_SUITES_LENGTH, tvb, p, 2, cl as u64);
        p += 2;
        let c = cx
            .pkt
            .open(&HANDSHAKE_CIPHERSUITES, tvb, p, cl, Value::None);
        cx.pkt.set_label(
            c,
            format_args!(
                "Cipher Suites ({} suite{})",
                cl / 2,
                if cl / 2 == 1 { "" } else { "s" }
            ),
        );
        for i in 0..cl / 2 {
            uint(
                cx,
                &HANDSHAKE_CIPHERSUITE,
                tvb,
                p + 2 * i,
                2,
                tvb.u16(p + 2 * i)? as u64,
            );
        }
        cx.pkt.close();
        p += cl;
        let ml = tvb.u8(p)? as usize;
        uint(cx, &HANDSHAKE_COMP_METHODS_LENGTH, tvb, p, 1, ml as u64);
        p += 1;
        let m = cx
            .pkt
            .open(&HANDSHAKE_COMP_METHODS, tvb, p, ml, Value::None);
        cx.pkt.set_label(
            m,
            format_args!(
                "Compression Methods ({ml} method{})",
                if ml == 1 { "" } else { "s" }
            ),
        );
        for i in 0..ml {
            uint(
                cx,
                &HANDSHAKE_COMP_METHOD,
                tvb,
                p + i,
                1,
                tvb.u8(p + i)? as u64,
            );
        }
        cx.pkt.close();
        p += ml;
    } else {
        let cs = tvb.u16(p)?;
        uint(cx, &HANDSHAKE_CIPHERSUITE, tvb, p, 2, cs as u64);
        let null = HANDSHAKE_CIPHERSUITE
            .value_name(cs as u64)
            .is_some_and(|n| n.contains("_WITH_NULL_"));
        if let Some(s) = cx.state.tls.map.get_mut(key) {
            s.null_cipher = null;
        }
        uint(
            cx,
            &HANDSHAKE_COMP_METHOD,
            tvb,
            p + 2,
            1,
            tvb.u8(p + 2)? as u64,
        );
        p += 3;
    }
    hello_extensions(cx, tvb, p, end, client, key)
}

fn hello_extensions(
    cx: &mut Cx<'_>,
    tvb: &Tvb<'_>,
    mut p: usize,
    end: usize,
    client: bool,
    key: &crate::state::ConvKey,
) -> R<()> {
    if p + 2 > end {
        return Ok(());
    }
    let el = tvb.u16(p)? as usize;
    uint(cx, &HANDSHAKE_EXTENSIONS_LENGTH, tvb, p, 2, el as u64);
    p += 2;
    let eend = (p + el).min(end);
    while p + 4 <= eend {
        let et = tvb.u16(p)?;
        let elen = tvb.u16(p + 2)? as usize;
        let ename = match HANDSHAKE_EXTENSION_TYPE.value_name(et as u64) {
            Some(n) => n.to_string(),
            None => format!("Unknown type {et}"),
        };
        let x = cx
            .pkt
            .add(&crate::proto::dns::TEXT, tvb, p, 4 + elen, Value::None);
        cx.pkt
            .set_label(x, format_args!("Extension: {ename} (len={elen})"));
        cx.pkt.reopen(x);
        uint(cx, &HANDSHAKE_EXTENSION_TYPE, tvb, p, 2, et as u64);
        uint(cx, &HANDSHAKE_EXTENSION_LEN, tvb, p + 2, 2, elen as u64);
        let d = p + 4;
        extension(cx, tvb, et, d, elen, client, key)?;
        cx.pkt.close();
        p = d + elen;
    }
    Ok(())
}

/// One KeyShareEntry; returns its size.
fn key_share_entry(cx: &mut Cx<'_>, tvb: &Tvb<'_>, o: usize) -> R<usize> {
    let g = tvb.u16(o)?;
    let kl = tvb.u16(o + 2)? as usize;
    let gname = HANDSHAKE_EXTENSIONS_KEY_SHARE_GROUP
        .value_name(g as u64)
        .unwrap_or("Unknown");
    crate::proto::dns::open_text(
        cx,
        tvb,
        o,
        4 + kl,
        format_args!("Key Share Entry: Group: {gname}, Key Exchange length: {kl}"),
    );
    uint(
        cx,
        &HANDSHAKE_EXTENSIONS_KEY_SHARE_GROUP,
        tvb,
        o,
        2,
        g as u64,
    );
    uint(
        cx,
        &HANDSHAKE_EXTENSIONS_KEY_SHARE_KEY_EXCHANGE_LENGTH,
        tvb,
        o + 2,
        2,
        kl as u64,
    );
    let v = bytes(tvb, o + 4, kl)?;
    cx.pkt.add(
        &HANDSHAKE_EXTENSIONS_KEY_SHARE_KEY_EXCHANGE,
        tvb,
        o + 4,
        kl,
        v,
    );
    cx.pkt.close();
    Ok(4 + kl)
}

fn extension(
    cx: &mut Cx<'_>,
    tvb: &Tvb<'_>,
    et: u16,
    d: usize,
    elen: usize,
    client: bool,
    key: &crate::state::ConvKey,
) -> R<()> {
    match et {
        0 if elen >= 2 => {
            let t = crate::proto::dns::open_text(
                cx,
                tvb,
                d,
                elen,
                format_args!("Server Name Indication extension"),
            );
            let _ = t;
            let ll = tvb.u16(d)? as usize;
            uint(
                cx,
                &HANDSHAKE_EXTENSIONS_SERVER_NAME_LIST_LEN,
                tvb,
                d,
                2,
                ll as u64,
            );
            let mut o = d + 2;
            let end = (d + 2 + ll).min(d + elen);
            while o + 3 <= end {
                let nt = tvb.u8(o)?;
                uint(
                    cx,
                    &HANDSHAKE_EXTENSIONS_SERVER_NAME_TYPE,
                    tvb,
                    o,
                    1,
                    nt as u64,
                );
                let nl = tvb.u16(o + 1)? as usize;
                uint(
                    cx,
                    &HANDSHAKE_EXTENSIONS_SERVER_NAME_LEN,
                    tvb,
                    o + 1,
                    2,
                    nl as u64,
                );
                let name = crate::proto::dhcp::ascii_z(tvb.bytes(o + 3, nl)?);
                let v = cx.pkt.str_value(&name);
                cx.pkt
                    .add(&HANDSHAKE_EXTENSIONS_SERVER_NAME, tvb, o + 3, nl, v);
                o += 3 + nl;
            }
            cx.pkt.close();
        }
        10 if elen >= 2 => {
            let ll = tvb.u16(d)? as usize;
            uint(
                cx,
                &HANDSHAKE_EXTENSIONS_SUPPORTED_GROUPS_LENGTH,
                tvb,
                d,
                2,
                ll as u64,
            );
            let n = ll / 2;
            let g = cx.pkt.open(
                &HANDSHAKE_EXTENSIONS_SUPPORTED_GROUPS,
                tvb,
                d + 2,
                ll,
                Value::None,
            );
            cx.pkt.set_label(
                g,
                format_args!(
                    "Supported Groups ({n} group{})",
                    if n == 1 { "" } else { "s" }
                ),
            );
            for i in 0..n {
                let v = tvb.u16(d + 2 + 2 * i)?;
                uint(
                    cx,
                    &HANDSHAKE_EXTENSIONS_SUPPORTED_GROUP,
                    tvb,
                    d + 2 + 2 * i,
                    2,
                    v as u64,
                );
            }
            cx.pkt.close();
        }
        11 if elen >= 1 => {
            let ll = tvb.u8(d)? as usize;
            uint(
                cx,
                &HANDSHAKE_EXTENSIONS_EC_POINT_FORMATS_LENGTH,
                tvb,
                d,
                1,
                ll as u64,
            );
            let g = cx.pkt.open(
                &HANDSHAKE_EXTENSIONS_EC_POINT_FORMATS,
                tvb,
                d + 1,
                ll,
                Value::None,
            );
            cx.pkt
                .set_label(g, format_args!("Elliptic curves point formats ({ll})"));
            for i in 0..ll {
                uint(
                    cx,
                    &HANDSHAKE_EXTENSIONS_EC_POINT_FORMAT,
                    tvb,
                    d + 1 + i,
                    1,
                    tvb.u8(d + 1 + i)? as u64,
                );
            }
            cx.pkt.close();
        }
        13 if elen >= 2 => {
            let ll = tvb.u16(d)? as usize;
            uint(cx, &HANDSHAKE_SIG_HASH_ALG_LEN, tvb, d, 2, ll as u64);
            let n = ll / 2;
            let g = cx
                .pkt
                .open(&HANDSHAKE_SIG_HASH_ALGS, tvb, d + 2, ll, Value::None);
            cx.pkt.set_label(
                g,
                format_args!(
                    "Signature Hash Algorithms ({n} algorithm{})",
                    if n == 1 { "" } else { "s" }
                ),
            );
            for i in 0..n {
                let o = d + 2 + 2 * i;
                let v = tvb.u16(o)? as u64;
                let a = uint(cx, &HANDSHAKE_SIG_HASH_ALG, tvb, o, 2, v);
                cx.pkt.reopen(a);
                uint(cx, &HANDSHAKE_SIG_HASH_HASH, tvb, o, 1, v >> 8);
                uint(cx, &HANDSHAKE_SIG_HASH_SIG, tvb, o + 1, 1, v & 0xff);
                cx.pkt.close();
            }
            cx.pkt.close();
        }
        16 if elen >= 2 => {
            let ll = tvb.u16(d)? as usize;
            uint(cx, &HANDSHAKE_EXTENSIONS_ALPN_LEN, tvb, d, 2, ll as u64);
            let g = cx
                .pkt
                .open(&HANDSHAKE_EXTENSIONS_ALPN_LIST, tvb, d + 2, ll, Value::None);
            let _ = g;
            let mut o = d + 2;
            let end = (d + 2 + ll).min(d + elen);
            while o < end {
                let sl = tvb.u8(o)? as usize;
                uint(cx, &HANDSHAKE_EXTENSIONS_ALPN_STR_LEN, tvb, o, 1, sl as u64);
                let s = crate::proto::dhcp::ascii_z(tvb.bytes(o + 1, sl)?);
                let v = cx.pkt.str_value(&s);
                cx.pkt
                    .add(&HANDSHAKE_EXTENSIONS_ALPN_STR, tvb, o + 1, sl, v);
                o += 1 + sl;
            }
            cx.pkt.close();
        }
        43 => {
            if client {
                let ll = tvb.u8(d)? as usize;
                uint(
                    cx,
                    &HANDSHAKE_EXTENSIONS_SUPPORTED_VERSIONS_LEN,
                    tvb,
                    d,
                    1,
                    ll as u64,
                );
                for i in 0..ll / 2 {
                    let v = tvb.u16(d + 1 + 2 * i)?;
                    uint(
                        cx,
                        &HANDSHAKE_EXTENSIONS_SUPPORTED_VERSION,
                        tvb,
                        d + 1 + 2 * i,
                        2,
                        v as u64,
                    );
                }
            } else if elen >= 2 {
                let v = tvb.u16(d)?;
                uint(
                    cx,
                    &HANDSHAKE_EXTENSIONS_SUPPORTED_VERSION,
                    tvb,
                    d,
                    2,
                    v as u64,
                );
                if version_short_name(v) == Some("TLSv1.3") {
                    if let Some(s) = cx.state.tls.map.get_mut(key) {
                        s.version = Some(0x0304);
                    }
                }
            }
        }
        51 => {
            // RFC 8446 section 4.2.8.
            crate::proto::dns::open_text(cx, tvb, d, elen, format_args!("Key Share extension"));
            if client && elen >= 2 {
                let ll = tvb.u16(d)? as usize;
                uint(
                    cx,
                    &HANDSHAKE_EXTENSIONS_KEY_SHARE_CLIENT_LENGTH,
                    tvb,
                    d,
                    2,
                    ll as u64,
                );
                let mut o = d + 2;
                let end = (d + 2 + ll).min(d + elen);
                while o + 4 <= end {
                    o += key_share_entry(cx, tvb, o)?;
                }
            } else if elen == 2 {
                uint(
                    cx,
                    &HANDSHAKE_EXTENSIONS_KEY_SHARE_SELECTED_GROUP,
                    tvb,
                    d,
                    2,
                    tvb.u16(d)? as u64,
                );
            } else if elen >= 4 {
                key_share_entry(cx, tvb, d)?;
            }
            cx.pkt.close();
        }
        0xff01 if elen >= 1 => {
            let t = crate::proto::dns::open_text(
                cx,
                tvb,
                d,
                elen,
                format_args!("Renegotiation Info extension"),
            );
            let _ = t;
            uint(
                cx,
                &HANDSHAKE_EXTENSIONS_RENEG_INFO_LEN,
                tvb,
                d,
                1,
                tvb.u8(d)? as u64,
            );
            cx.pkt.close();
        }
        _ => {
            if elen > 0 {
                let v = bytes(tvb, d, elen)?;
                cx.pkt.add(&HANDSHAKE_EXTENSION_DATA, tvb, d, elen, v);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::dns::test_util::*;
    use crate::State;

    // captures/filter-corpus.pcapng frames 5588, 5590, 5592 (one connection).
    const CLIENT_HELLO: &str = "16030100da010000d60303a43f932faf9f14443fa4652e5a396d5d86c3a3c5589b74e07ffe288cc67b00cd2041b61a5ca7c5409b77315c4ca08006d740ea0335c6db933c43275ed00b196f000016c02bc02fc00ac009c013c01400330039002f0035000a010000770000001600140000117365637572652e6e65776567672e636f6dff01000100000a00080006001700180019000b00020100002300003374000000100017001502683208737064792f332e3108687474702f312e31000500050100000000000d001600140401050106010201040305030603020304020202";
    const SERVER_HELLO_CCS: &str = "16030300510200004d0303560d9df1821abdd223e6ccd6d379958c251a528577243cb214ea04c67c35ff482041b61a5ca7c5409b77315c4ca08006d740ea0335c6db933c43275ed00b196f00000a000005ff01000100140303000101";
    const ENCRYPTED_FINISHED: &str = "160303003040164be7c69b7846bbbd7a04367cfe6d141c26c8b45b89d78419ded51e3e494857a63644d4499a3e24758239db6abe19";

    #[test]
    fn client_hello_matches_tshark() {
        let d = hex(CLIENT_HELLO);
        let p = run(&d, dissect);
        assert_eq!(p.cols.protocol, "TLSv1");
        assert_eq!(p.cols.info, "Client Hello");
        assert_eq!(p.protocols, "tls");
        assert_eq!(
            values(&p, &d, "tls.handshake.extensions_server_name"),
            ["secure.newegg.com"]
        );
        assert_eq!(values(&p, &d, "tls.record.version"), ["0x0301"]);
        assert_eq!(values(&p, &d, "tls.handshake.type"), ["1"]);
        assert_eq!(values(&p, &d, "tls.handshake.ciphersuite").len(), 11);
        let t = tree(&p, &d);
        assert!(t.starts_with("Transport Layer Security\n    TLSv1 Record Layer: Handshake Protocol: Client Hello\n        Content Type: Handshake (22)\n        Version: TLS 1.0 (0x0301)\n        Length: 218\n        Handshake Protocol: Client Hello\n            Handshake Type: Client Hello (1)\n            Length: 214\n            Version: TLS 1.2 (0x0303)\n"), "{t}");
        assert!(t.contains("            Cipher Suites (11 suites)\n                Cipher Suite: TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 (0xc02b)\n"), "{t}");
        assert!(t.contains("            Extension: server_name (len=22)\n                Type: server_name (0)\n                Length: 22\n                Server Name Indication extension\n                    Server Name list length: 20\n                    Server Name Type: host_name (0)\n                    Server Name length: 17\n                    Server Name: secure.newegg.com\n"), "{t}");
    }

    #[test]
    fn session_version_and_encrypted_handshake() {
        let mut st = State::default();
        let c = hex(CLIENT_HELLO);
        run_with(&mut st, 1, 0, &c, dissect);
        let d = hex(SERVER_HELLO_CCS);
        let p = run_with(&mut st, 2, 0, &d, dissect);
        assert_eq!(p.cols.protocol, "TLSv1.2");
        assert_eq!(p.cols.info, "Server Hello, Change Cipher Spec");
        assert_eq!(values(&p, &d, "tls.record.content_type"), ["22", "20"]);
        let e = hex(ENCRYPTED_FINISHED);
        let p = run_with(&mut st, 3, 0, &e, dissect);
        assert_eq!(p.cols.protocol, "TLSv1.2");
        assert_eq!(p.cols.info, "Encrypted Handshake Message");
    }

    // captures/zeek/tls_ssl-v2.pcap frame 4: an SSLv2 CLIENT-HELLO.
    #[test]
    fn sslv2_client_hello() {
        let d = hex("802e0100020015000000100700c00500800300800100800600400400800200801c30e2b12f4c04525476f280c07abee5");
        let p = run(&d, dissect);
        assert_eq!(p.cols.protocol, "SSLv2");
        assert_eq!(p.cols.info, "Client Hello");
        assert_eq!(values(&p, &d, "tls.record.version"), ["0x0002"]);
        // Bytes that are no hello are encrypted data once the session is SSLv2.
        let p = run(&[0x80, 0x03, 0x17, 0x01, 0x02], dissect);
        assert_eq!(p.cols.info, "Continuation Data");
    }

    #[test]
    fn partial_records_and_garbage() {
        let mut st = State::default();
        // A 100-byte application data record cut after 20 bytes: TLS asks
        // TCP for the 80 bytes still missing, and reads it once whole.
        let mut rec = vec![23, 3, 3, 0, 100];
        rec.extend(std::iter::repeat_n(0xab, 100));
        let (_, asked) = run_desegment(&mut st, 1, &rec[..25], dissect);
        assert_eq!(
            asked,
            Some(crate::Desegment {
                offset: 0,
                more: Some(80)
            })
        );
        let p = run_with(&mut st, 2, 0, &rec, dissect);
        assert_eq!(p.cols.info, "Application Data");
        // A whole record followed by the start of another: the first is
        // shown, TCP keeps the rest.
        let mut two = vec![21, 3, 3, 0, 2, 1, 0];
        two.extend_from_slice(&rec[..10]);
        let (p, asked) = run_desegment(&mut st, 3, &two, dissect);
        assert_eq!(
            p.cols.info,
            "Alert (Level: Warning, Description: Close Notify)"
        );
        assert_eq!(
            asked,
            Some(crate::Desegment {
                offset: 7,
                more: Some(95)
            })
        );
        // Bytes that are no record.
        let p = run(&[0xde, 0xad, 0xbe, 0xef, 0, 1, 2], dissect);
        assert_eq!(p.cols.info, "Continuation Data");
        assert_eq!(p.cols.protocol, "SSL");
        // Lying handshake lengths must not panic.
        let p = run(&[22, 3, 1, 0, 6, 1, 0, 0, 2, 3, 3], dissect);
        assert!(!p.cols.info.is_empty());
        let p = run(&[22, 3, 1, 0, 8, 1, 0, 0, 4, 3, 3, 0, 0], dissect);
        assert!(p.cols.info.contains("Client Hello"), "{}", p.cols.info);
    }
}
