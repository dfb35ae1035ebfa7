//! HTTP/1.x (RFC 9112) on TCP, shown as Wireshark 4.0's `packet-http.c`
//! shows it: request and status lines, headers with their typed fields,
//! chunked bodies (RFC 9112 section 7.1), and the body handed to
//! `data-text-lines` for text media types or to `data` when there is no
//! Content-Type.
//!
//! TCP reassembly is not done here: a message whose headers or body go on
//! past the segment is reported as [`Desegment::More`] by
//! [`dissect_tcp`]; [`dissect`] then marks the segment as Wireshark does on
//! the first pass (`[TCP segment of a reassembled PDU]`).

use crate::field::{Base, FieldDef, FieldRef, FieldType};
use crate::packet::{Group, NodeId, Severity, Span, Src, Value};
use crate::proto::dns::{format_text, format_text_cow, open_text, TEXT};
use crate::tvb::{Tvb, R};
use crate::Cx;

/// `data-text-lines`.
pub static TEXT_LINES: FieldDef = FieldDef::proto("data-text-lines", "Line-based text data");
/// `http`.
pub static PROTO: FieldDef = FieldDef::proto("http", "Hypertext Transfer Protocol");
/// `http.proxy_connect_host`.
pub static PROXY_CONNECT_HOST: FieldDef = FieldDef::new(
    "http.proxy_connect_host",
    "Proxy-Connect-Hostname",
    FieldType::String,
)
.with_base(Base::None);
/// `http.proxy_connect_port`.
pub static PROXY_CONNECT_PORT: FieldDef = FieldDef::new(
    "http.proxy_connect_port",
    "Proxy-Connect-Port",
    FieldType::U16,
);
/// `http.notification`.
pub static NOTIFICATION: FieldDef =
    FieldDef::new("http.notification", "Notification", FieldType::Bool);
/// `http.response`.
pub static RESPONSE: FieldDef = FieldDef::new("http.response", "Response", FieldType::Bool);
/// `http.request`.
pub static REQUEST: FieldDef = FieldDef::new("http.request", "Request", FieldType::Bool);
/// `http.response_number`.
pub static RESPONSE_NUMBER: FieldDef =
    FieldDef::new("http.response_number", "Response number", FieldType::U32);
/// `http.request_number`.
pub static REQUEST_NUMBER: FieldDef =
    FieldDef::new("http.request_number", "Request number", FieldType::U32);
/// `http.authbasic`.
pub static AUTHBASIC: FieldDef =
    FieldDef::new("http.authbasic", "Credentials", FieldType::String).with_base(Base::None);
/// `http.response.line`.
pub static RESPONSE_LINE: FieldDef =
    FieldDef::new("http.response.line", "Response line", FieldType::String).with_base(Base::None);
/// `http.request.line`.
pub static REQUEST_LINE: FieldDef =
    FieldDef::new("http.request.line", "Request line", FieldType::String).with_base(Base::None);
/// `http.request.method`.
pub static REQUEST_METHOD: FieldDef =
    FieldDef::new("http.request.method", "Request Method", FieldType::String).with_base(Base::None);
/// `http.request.uri`.
pub static REQUEST_URI: FieldDef =
    FieldDef::new("http.request.uri", "Request URI", FieldType::String).with_base(Base::None);
/// `http.request.uri.path`.
pub static REQUEST_URI_PATH: FieldDef = FieldDef::new(
    "http.request.uri.path",
    "Request URI Path",
    FieldType::String,
)
.with_base(Base::None);
/// `http.request.uri.query`.
pub static REQUEST_URI_QUERY: FieldDef = FieldDef::new(
    "http.request.uri.query",
    "Request URI Query",
    FieldType::String,
)
.with_base(Base::None);
/// `http.request.uri.query.parameter`.
pub static REQUEST_URI_QUERY_PARAMETER: FieldDef = FieldDef::new(
    "http.request.uri.query.parameter",
    "Request URI Query Parameter",
    FieldType::String,
)
.with_base(Base::None);
/// `http.request.version`.
pub static REQUEST_VERSION: FieldDef =
    FieldDef::new("http.request.version", "Request Version", FieldType::String)
        .with_base(Base::None);
/// `http.response.version`.
pub static RESPONSE_VERSION: FieldDef = FieldDef::new(
    "http.response.version",
    "Response Version",
    FieldType::String,
)
.with_base(Base::None);
/// `http.request.full_uri`.
pub static REQUEST_FULL_URI: FieldDef = FieldDef::new(
    "http.request.full_uri",
    "Full request URI",
    FieldType::String,
)
.with_base(Base::None);
/// `http.response.code`.
pub static RESPONSE_CODE: FieldDef =
    FieldDef::new("http.response.code", "Status Code", FieldType::U16);
/// `http.response.code.desc`.
pub static RESPONSE_CODE_DESC: FieldDef = FieldDef::new(
    "http.response.code.desc",
    "Status Code Description",
    FieldType::String,
)
.with_base(Base::None);
/// `http.response_for.uri`.
pub static RESPONSE_FOR_URI: FieldDef =
    FieldDef::new("http.response_for.uri", "Request URI", FieldType::String).with_base(Base::None);
/// `http.response.phrase`.
pub static RESPONSE_PHRASE: FieldDef =
    FieldDef::new("http.response.phrase", "Response Phrase", FieldType::String)
        .with_base(Base::None);
/// `http.authorization`.
pub static AUTHORIZATION: FieldDef =
    FieldDef::new("http.authorization", "Authorization", FieldType::String).with_base(Base::None);
/// `http.proxy_authenticate`.
pub static PROXY_AUTHENTICATE: FieldDef = FieldDef::new(
    "http.proxy_authenticate",
    "Proxy-Authenticate",
    FieldType::String,
)
.with_base(Base::None);
/// `http.proxy_authorization`.
pub static PROXY_AUTHORIZATION: FieldDef = FieldDef::new(
    "http.proxy_authorization",
    "Proxy-Authorization",
    FieldType::String,
)
.with_base(Base::None);
/// `http.www_authenticate`.
pub static WWW_AUTHENTICATE: FieldDef = FieldDef::new(
    "http.www_authenticate",
    "WWW-Authenticate",
    FieldType::String,
)
.with_base(Base::None);
/// `http.content_type`.
pub static CONTENT_TYPE: FieldDef =
    FieldDef::new("http.content_type", "Content-Type", FieldType::String).with_base(Base::None);
/// `http.content_length_header`.
pub static CONTENT_LENGTH_HEADER: FieldDef = FieldDef::new(
    "http.content_length_header",
    "Content-Length",
    FieldType::String,
)
.with_base(Base::None);
/// `http.content_length`.
pub static CONTENT_LENGTH: FieldDef =
    FieldDef::new("http.content_length", "Content length", FieldType::U64);
/// `http.content_encoding`.
pub static CONTENT_ENCODING: FieldDef = FieldDef::new(
    "http.content_encoding",
    "Content-Encoding",
    FieldType::String,
)
.with_base(Base::None);
/// `http.transfer_encoding`.
pub static TRANSFER_ENCODING: FieldDef = FieldDef::new(
    "http.transfer_encoding",
    "Transfer-Encoding",
    FieldType::String,
)
.with_base(Base::None);
/// `http.upgrade`.
pub static UPGRADE: FieldDef =
    FieldDef::new("http.upgrade", "Upgrade", FieldType::String).with_base(Base::None);
/// `http.user_agent`.
pub static USER_AGENT: FieldDef =
    FieldDef::new("http.user_agent", "User-Agent", FieldType::String).with_base(Base::None);
/// `http.host`.
pub static HOST: FieldDef =
    FieldDef::new("http.host", "Host", FieldType::String).with_base(Base::None);
/// `http.connection`.
pub static CONNECTION: FieldDef =
    FieldDef::new("http.connection", "Connection", FieldType::String).with_base(Base::None);
/// `http.cookie`.
pub static COOKIE: FieldDef =
    FieldDef::new("http.cookie", "Cookie", FieldType::String).with_base(Base::None);
/// `http.cookie_pair`.
pub static COOKIE_PAIR: FieldDef =
    FieldDef::new("http.cookie_pair", "Cookie pair", FieldType::String).with_base(Base::None);
/// `http.accept`.
pub static ACCEPT: FieldDef =
    FieldDef::new("http.accept", "Accept", FieldType::String).with_base(Base::None);
/// `http.referer`.
pub static REFERER: FieldDef =
    FieldDef::new("http.referer", "Referer", FieldType::String).with_base(Base::None);
/// `http.accept_language`.
pub static ACCEPT_LANGUAGE: FieldDef =
    FieldDef::new("http.accept_language", "Accept-Language", FieldType::String)
        .with_base(Base::None);
/// `http.accept_encoding`.
pub static ACCEPT_ENCODING: FieldDef =
    FieldDef::new("http.accept_encoding", "Accept Encoding", FieldType::String)
        .with_base(Base::None);
/// `http.date`.
pub static DATE: FieldDef =
    FieldDef::new("http.date", "Date", FieldType::String).with_base(Base::None);
/// `http.cache_control`.
pub static CACHE_CONTROL: FieldDef =
    FieldDef::new("http.cache_control", "Cache-Control", FieldType::String).with_base(Base::None);
/// `http.server`.
pub static SERVER: FieldDef =
    FieldDef::new("http.server", "Server", FieldType::String).with_base(Base::None);
/// `http.location`.
pub static LOCATION: FieldDef =
    FieldDef::new("http.location", "Location", FieldType::String).with_base(Base::None);
/// `http.sec_websocket_accept`.
pub static SEC_WEBSOCKET_ACCEPT: FieldDef = FieldDef::new(
    "http.sec_websocket_accept",
    "Sec-WebSocket-Accept",
    FieldType::String,
)
.with_base(Base::None);
/// `http.sec_websocket_extensions`.
pub static SEC_WEBSOCKET_EXTENSIONS: FieldDef = FieldDef::new(
    "http.sec_websocket_extensions",
    "Sec-WebSocket-Extensions",
    FieldType::String,
)
.with_base(Base::None);
/// `http.sec_websocket_key`.
pub static SEC_WEBSOCKET_KEY: FieldDef = FieldDef::new(
    "http.sec_websocket_key",
    "Sec-WebSocket-Key",
    FieldType::String,
)
.with_base(Base::None);
/// `http.sec_websocket_protocol`.
pub static SEC_WEBSOCKET_PROTOCOL: FieldDef = FieldDef::new(
    "http.sec_websocket_protocol",
    "Sec-WebSocket-Protocol",
    FieldType::String,
)
.with_base(Base::None);
/// `http.sec_websocket_version`.
pub static SEC_WEBSOCKET_VERSION: FieldDef = FieldDef::new(
    "http.sec_websocket_version",
    "Sec-WebSocket-Version",
    FieldType::String,
)
.with_base(Base::None);
/// `http.set_cookie`.
pub static SET_COOKIE: FieldDef =
    FieldDef::new("http.set_cookie", "Set-Cookie", FieldType::String).with_base(Base::None);
/// `http.last_modified`.
pub static LAST_MODIFIED: FieldDef =
    FieldDef::new("http.last_modified", "Last-Modified", FieldType::String).with_base(Base::None);
/// `http.x_forwarded_for`.
pub static X_FORWARDED_FOR: FieldDef =
    FieldDef::new("http.x_forwarded_for", "X-Forwarded-For", FieldType::String)
        .with_base(Base::None);
/// `http.http2_settings`.
pub static HTTP2_SETTINGS: FieldDef =
    FieldDef::new("http.http2_settings", "HTTP2-Settings", FieldType::String).with_base(Base::None);
/// `http.request_in`.
pub static REQUEST_IN: FieldDef =
    FieldDef::new("http.request_in", "Request in frame", FieldType::FrameNum);
/// `http.response_in`.
pub static RESPONSE_IN: FieldDef =
    FieldDef::new("http.response_in", "Response in frame", FieldType::FrameNum);
/// `http.prev_request_in`.
pub static PREV_REQUEST_IN: FieldDef = FieldDef::new(
    "http.prev_request_in",
    "Prev request in frame",
    FieldType::FrameNum,
);
/// `http.prev_response_in`.
pub static PREV_RESPONSE_IN: FieldDef = FieldDef::new(
    "http.prev_response_in",
    "Prev response in frame",
    FieldType::FrameNum,
);
/// `http.time`.
pub static TIME: FieldDef =
    FieldDef::new("http.time", "Time since request", FieldType::RelTime).with_base(Base::None);
/// `http.chunked_trailer_part`.
pub static CHUNKED_TRAILER_PART: FieldDef = FieldDef::new(
    "http.chunked_trailer_part",
    "trailer-part",
    FieldType::String,
)
.with_base(Base::None);
/// `http.chunk_boundary`.
pub static CHUNK_BOUNDARY: FieldDef =
    FieldDef::new("http.chunk_boundary", "Chunk boundary", FieldType::Bytes).with_base(Base::None);
/// `http.chunk_size`.
pub static CHUNK_SIZE: FieldDef = FieldDef::new("http.chunk_size", "Chunk size", FieldType::U32);
/// `http.chunk_data`.
pub static CHUNK_DATA: FieldDef =
    FieldDef::new("http.chunk_data", "Chunk data", FieldType::Bytes).with_base(Base::None);
/// `http.file_data`.
pub static FILE_DATA: FieldDef =
    FieldDef::new("http.file_data", "File Data", FieldType::String).with_base(Base::None);
/// `http.unknown_header`.
pub static UNKNOWN_HEADER: FieldDef =
    FieldDef::new("http.unknown_header", "Unknown header", FieldType::String).with_base(Base::None);
/// `http.chat`.
pub static CHAT: FieldDef =
    FieldDef::new("http.chat", "Formatted text", FieldType::None).with_base(Base::None);

/// Fields of this module.
pub static FIELDS: &[FieldRef] = &[
    &PROTO,
    &TEXT_LINES,
    &NOTIFICATION,
    &RESPONSE,
    &REQUEST,
    &PROXY_CONNECT_HOST,
    &PROXY_CONNECT_PORT,
    &RESPONSE_NUMBER,
    &REQUEST_NUMBER,
    &AUTHBASIC,
    &RESPONSE_LINE,
    &REQUEST_LINE,
    &REQUEST_METHOD,
    &REQUEST_URI,
    &REQUEST_URI_PATH,
    &REQUEST_URI_QUERY,
    &REQUEST_URI_QUERY_PARAMETER,
    &REQUEST_VERSION,
    &RESPONSE_VERSION,
    &REQUEST_FULL_URI,
    &RESPONSE_CODE,
    &RESPONSE_CODE_DESC,
    &RESPONSE_FOR_URI,
    &RESPONSE_PHRASE,
    &AUTHORIZATION,
    &PROXY_AUTHENTICATE,
    &PROXY_AUTHORIZATION,
    &WWW_AUTHENTICATE,
    &CONTENT_TYPE,
    &CONTENT_LENGTH_HEADER,
    &CONTENT_LENGTH,
    &CONTENT_ENCODING,
    &TRANSFER_ENCODING,
    &UPGRADE,
    &USER_AGENT,
    &HOST,
    &CONNECTION,
    &COOKIE,
    &COOKIE_PAIR,
    &ACCEPT,
    &REFERER,
    &ACCEPT_LANGUAGE,
    &ACCEPT_ENCODING,
    &DATE,
    &CACHE_CONTROL,
    &SERVER,
    &LOCATION,
    &SEC_WEBSOCKET_ACCEPT,
    &SEC_WEBSOCKET_EXTENSIONS,
    &SEC_WEBSOCKET_KEY,
    &SEC_WEBSOCKET_PROTOCOL,
    &SEC_WEBSOCKET_VERSION,
    &SET_COOKIE,
    &LAST_MODIFIED,
    &X_FORWARDED_FOR,
    &HTTP2_SETTINGS,
    &REQUEST_IN,
    &RESPONSE_IN,
    &PREV_REQUEST_IN,
    &PREV_RESPONSE_IN,
    &TIME,
    &CHUNKED_TRAILER_PART,
    &CHUNK_BOUNDARY,
    &CHUNK_SIZE,
    &CHUNK_DATA,
    &FILE_DATA,
    &UNKNOWN_HEADER,
    &CHAT,
];

/// Wireshark's `vals_http_status_code`.
const STATUS: &[(u16, &str)] = &[
    (100, "Continue"),
    (101, "Switching Protocols"),
    (102, "Processing"),
    (103, "Early Hints"),
    (199, "Informational - Others"),
    (200, "OK"),
    (201, "Created"),
    (202, "Accepted"),
    (203, "Non-authoritative Information"),
    (204, "No Content"),
    (205, "Reset Content"),
    (206, "Partial Content"),
    (207, "Multi-Status"),
    (208, "Already Reported"),
    (226, "IM Used"),
    (299, "Success - Others"),
    (300, "Multiple Choices"),
    (301, "Moved Permanently"),
    (302, "Found"),
    (303, "See Other"),
    (304, "Not Modified"),
    (305, "Use Proxy"),
    (307, "Temporary Redirect"),
    (308, "Permanent Redirect"),
    (399, "Redirection - Others"),
    (400, "Bad Request"),
    (401, "Unauthorized"),
    (402, "Payment Required"),
    (403, "Forbidden"),
    (404, "Not Found"),
    (405, "Method Not Allowed"),
    (406, "Not Acceptable"),
    (407, "Proxy Authentication Required"),
    (408, "Request Time-out"),
    (409, "Conflict"),
    (410, "Gone"),
    (411, "Length Required"),
    (412, "Precondition Failed"),
    (413, "Request Entity Too Large"),
    (414, "Request-URI Too Long"),
    (415, "Unsupported Media Type"),
    (416, "Requested Range Not Satisfiable"),
    (417, "Expectation Failed"),
    (418, "I'm a teapot"),
    (421, "Misdirected Request"),
    (422, "Unprocessable Entity"),
    (423, "Locked"),
    (424, "Failed Dependency"),
    (425, "Too Early"),
    (426, "Upgrade Required"),
    (428, "Precondition Required"),
    (429, "Too Many Requests"),
    (431, "Request Header Fields Too Large"),
    (451, "Unavailable For Legal Reasons"),
    (499, "Client Error - Others"),
    (500, "Internal Server Error"),
    (501, "Not Implemented"),
    (502, "Bad Gateway"),
    (503, "Service Unavailable"),
    (504, "Gateway Time-out"),
    (505, "HTTP Version not supported"),
    (506, "Variant Also Negotiates"),
    (507, "Insufficient Storage"),
    (508, "Loop Detected"),
    (510, "Not Extended"),
    (511, "Network Authentication Required"),
    (599, "Server Error - Others"),
];

/// Request methods Wireshark recognises at the start of a request line.
const METHODS: &[&str] = &[
    "GET",
    "POST",
    "HEAD",
    "PUT",
    "DELETE",
    "OPTIONS",
    "TRACE",
    "CONNECT",
    "PATCH",
    "PROPFIND",
    "PROPPATCH",
    "MKCOL",
    "COPY",
    "MOVE",
    "LOCK",
    "UNLOCK",
    "SEARCH",
    "NOTIFY",
    "SUBSCRIBE",
    "UNSUBSCRIBE",
    "M-SEARCH",
    "REPORT",
    "CHECKOUT",
    "CHECKIN",
    "UNCHECKOUT",
    "MKACTIVITY",
    "MERGE",
    "VERSION-CONTROL",
    "BASELINE-CONTROL",
    "MKWORKSPACE",
    "LABEL",
    "UPDATE",
    "ORDERPATCH",
    "ACL",
    "MKREDIRECTREF",
    "UPDATEREDIRECTREF",
    "MKCALENDAR",
    "BIND",
    "UNBIND",
    "REBIND",
    "POLL",
    "BDELETE",
    "BPROPFIND",
    "BPROPPATCH",
    "BCOPY",
    "BMOVE",
    "RPC_IN_DATA",
    "RPC_OUT_DATA",
];

/// Header names with their own fields (compared without case).
fn header_field(name: &[u8]) -> Option<FieldRef> {
    // Lowercased on the stack: the longest known name has 24 bytes.
    let mut buf = [0u8; 32];
    let lower = buf.get_mut(..name.len())?;
    for (d, s) in lower.iter_mut().zip(name) {
        *d = s.to_ascii_lowercase();
    }
    let n = std::str::from_utf8(lower).ok()?;
    Some(match n {
        "authorization" => &AUTHORIZATION,
        "proxy-authorization" => &PROXY_AUTHORIZATION,
        "proxy-authenticate" => &PROXY_AUTHENTICATE,
        "www-authenticate" => &WWW_AUTHENTICATE,
        "content-type" => &CONTENT_TYPE,
        "content-length" => &CONTENT_LENGTH_HEADER,
        "content-encoding" => &CONTENT_ENCODING,
        "transfer-encoding" => &TRANSFER_ENCODING,
        "upgrade" => &UPGRADE,
        "user-agent" => &USER_AGENT,
        "host" => &HOST,
        "connection" => &CONNECTION,
        "cookie" => &COOKIE,
        "accept" => &ACCEPT,
        "referer" => &REFERER,
        "accept-language" => &ACCEPT_LANGUAGE,
        "accept-encoding" => &ACCEPT_ENCODING,
        "date" => &DATE,
        "cache-control" => &CACHE_CONTROL,
        "server" => &SERVER,
        "location" => &LOCATION,
        "sec-websocket-accept" => &SEC_WEBSOCKET_ACCEPT,
        "sec-websocket-extensions" => &SEC_WEBSOCKET_EXTENSIONS,
        "sec-websocket-key" => &SEC_WEBSOCKET_KEY,
        "sec-websocket-protocol" => &SEC_WEBSOCKET_PROTOCOL,
        "sec-websocket-version" => &SEC_WEBSOCKET_VERSION,
        "set-cookie" => &SET_COOKIE,
        "last-modified" => &LAST_MODIFIED,
        "x-forwarded-for" => &X_FORWARDED_FOR,
        "http2-settings" => &HTTP2_SETTINGS,
        _ => return None,
    })
}

/// The media type Wireshark hands to the `data` dissector.
const OCTET_STREAM: &str = "application/octet-stream";

/// Media types Wireshark hands to `data-text-lines` (packet-text-media.c).
fn is_text_media(t: &str) -> bool {
    matches!(
        t,
        "text/plain"
            | "text/html"
            | "text/richtext"
            | "text/enriched"
            | "text/parameters"
            | "text/css"
            | "application/javascript"
            | "text/javascript"
            | "application/x-javascript"
            | "text/x-javascript"
            | "application/x-tia-msg"
            | "text/vnd.sun.j2me.app-descriptor"
            | "application/vnd.poc.refer-to"
            | "application/vnd.drm.message"
            | "application/x-wms-logplaystats"
            | "application/x-rtsp-udp-packetpair"
    )
}

/// What a TCP-carried dissector did with a segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Desegment {
    /// Every message in the segment was dissected.
    Done,
    /// The message starting at `offset` goes on past the segment; `more` is
    /// how many bytes it still needs, when known.
    More {
        /// Offset in the segment where the incomplete message starts.
        offset: usize,
        /// Bytes still missing, if known.
        more: Option<usize>,
    },
}

/// One conversation's requests, to match responses to them.
#[derive(Default, Debug)]
pub struct Conversation {
    /// Requests seen so far.
    nrequests: usize,
    /// Frame of the last request.
    last_request: Option<u64>,
    /// (number, frame, time, full URI) of the requests not answered yet,
    /// oldest first, at most [`MAX_PENDING`].
    pending: std::collections::VecDeque<(usize, u64, (i64, u32), String)>,
    /// Responses seen so far.
    nresponses: usize,
    /// Frame of the last response.
    last_response: Option<u64>,
    /// A CONNECT request waits for its response.
    connect_pending: bool,
    /// A CONNECT succeeded: the rest of the conversation is tunnelled TLS.
    tunnel: bool,
    /// The target of the last CONNECT request (its URI, `host:port`).
    connect_target: Option<String>,
    /// Method of the last request.
    last_method: String,
}

/// HTTP conversations of the capture, keyed by transport endpoints.
#[derive(Default, Debug)]
pub struct Conversations {
    map: crate::state::FastMap<crate::state::ConvKey, Conversation>,
}

impl Conversations {
    /// Forgets a conversation (its TCP stream record was released).
    pub fn forget(&mut self, key: &crate::state::ConvKey) {
        self.map.remove(key);
    }
}

/// The most unanswered requests remembered per conversation (pipelining
/// deeper than this loses the oldest matches).
pub const MAX_PENDING: usize = 256;

/// Whether this packet's conversation carried HTTP already.
pub fn in_conversation(cx: &Cx<'_>) -> bool {
    cx.state.http.map.contains_key(&conversation_key(cx))
}

/// Wireshark's HTTP heuristic for TCP: the first line starts or ends with
/// `HTTP/1.`.
pub fn heuristic(tvb: &Tvb<'_>) -> bool {
    let Some(l) = line_at(tvb.data(), 0) else {
        return false;
    };
    let line = &tvb.data()[..l.len];
    line.len() >= 8
        && (line[..7].eq_ignore_ascii_case(b"HTTP/1.")
            || line[line.len() - 8..line.len() - 1].eq_ignore_ascii_case(b"HTTP/1."))
}

/// HTTP on a TCP segment, marking an incomplete message as Wireshark's
/// first pass does.
pub fn dissect(cx: &mut Cx<'_>, tvb: Tvb<'_>) -> R<()> {
    if let Desegment::More { offset, more } = dissect_tcp(cx, tvb)? {
        // TCP keeps the bytes from `offset` and hands them back whole.
        cx.desegment = Some(crate::Desegment { offset, more });
    }
    Ok(())
}

struct Line {
    /// Offset of the first byte.
    start: usize,
    /// Length without the line end.
    len: usize,
    /// Offset after the line end.
    next: usize,
}

/// The line starting at `off`, if its end (LF, CRLF) was captured.
fn line_at(b: &[u8], off: usize) -> Option<Line> {
    let rest = b.get(off..)?;
    let lf = memchr::memchr(b'\n', rest)?;
    let len = if lf > 0 && rest[lf - 1] == b'\r' {
        lf - 1
    } else {
        lf
    };
    Some(Line {
        start: off,
        len,
        next: off + lf + 1,
    })
}

enum First {
    Request {
        method: usize,
        uri: (usize, usize),
        version: (usize, usize),
    },
    Response {
        code: u16,
    },
}

fn first_line_kind(line: &[u8]) -> Option<First> {
    if line.starts_with(b"HTTP/") {
        let sp = memchr::memchr(b' ', line)?;
        let code = line.get(sp + 1..sp + 4)?;
        if !code.iter().all(u8::is_ascii_digit) {
            return None;
        }
        if line.len() > sp + 4 && line[sp + 4] != b' ' {
            return None;
        }
        let c = code.iter().fold(0u16, |a, d| a * 10 + (d - b'0') as u16);
        return Some(First::Response { code: c });
    }
    let sp = memchr::memchr(b' ', line)?;
    let m = std::str::from_utf8(&line[..sp]).ok()?;
    if !METHODS.contains(&m) {
        return None;
    }
    let rest = &line[sp + 1..];
    let sp2 = memchr::memrchr(b' ', rest);
    let (uri, version) = match sp2 {
        Some(i) if rest[i + 1..].starts_with(b"HTTP/") => {
            ((sp + 1, sp + 1 + i), (sp + 2 + i, rest.len() - i - 1))
        }
        _ => return None,
    };
    Some(First::Request {
        method: sp,
        uri,
        version,
    })
}

/// A request line as Wireshark 4.0 accepts it without a version: a known
/// method and a space, the URI up to the next space, the rest as version.
fn versionless_request(line: &[u8]) -> Option<First> {
    let sp = memchr::memchr(b' ', line)?;
    let m = std::str::from_utf8(&line[..sp]).ok()?;
    if !METHODS.contains(&m) {
        return None;
    }
    let rest = &line[sp + 1..];
    let ulen = memchr::memchr(b' ', rest).unwrap_or(rest.len());
    let vstart = (sp + 2 + ulen).min(line.len());
    Some(First::Request {
        method: sp,
        uri: (sp + 1, sp + 1 + ulen),
        version: (vstart, line.len() - vstart),
    })
}

/// HTTP on a TCP segment: every complete message in it.
pub fn dissect_tcp(cx: &mut Cx<'_>, tvb: Tvb<'_>) -> R<Desegment> {
    cx.current_proto = "HTTP";
    let key = conversation_key(cx);
    let conv = cx.state.http.map.get(&key);
    if let Some(c) = conv.filter(|c| c.tunnel) {
        // After a successful CONNECT, HTTP hands the stream to TLS, under
        // an HTTP tree naming the tunnel's target (as Wireshark does).
        let target = c.connect_target.clone();
        cx.pkt.layer("http");
        cx.pkt
            .open(&PROTO, &tvb, 0, tvb.reported_len(), Value::None);
        if let Some((host, port)) = target.as_deref().and_then(|t| t.split_once(':')) {
            let v = str_val(cx, host);
            let n = cx.pkt.add(&PROXY_CONNECT_HOST, &tvb, 0, 0, v);
            cx.pkt.set_generated(n);
            // strtol: the leading digits, 0 without any.
            let digits: String = port.chars().take_while(char::is_ascii_digit).collect();
            let port = digits.parse::<u64>().unwrap_or(0) & 0xffff;
            let n = cx
                .pkt
                .add(&PROXY_CONNECT_PORT, &tvb, 0, 0, Value::UInt(port));
            cx.pkt.set_generated(n);
        }
        cx.pkt.close();
        return crate::proto::tls::dissect_tcp_under(cx, tvb, None);
    }
    let nobody = conv.is_some_and(|c| c.last_method == "HEAD" || c.last_method == "CONNECT");
    let data = tvb.data();
    let mut off = 0usize;
    let mut first = true;
    while off < tvb.reported_len() {
        let at_fin = cx.state.tcp_at_fin;
        match parse(data, off, tvb.reported_len(), nobody, at_fin) {
            Parse::NotHttp => {
                if !first {
                    cx.pkt.cols.set_fence();
                    continuation(cx, &tvb, off, first)?;
                } else if seen_request(cx) {
                    continuation(cx, &tvb, off, first)?;
                } else {
                    return not_yet_http(cx, &tvb);
                }
                break;
            }
            Parse::Incomplete {
                first_line,
                kind,
                more,
                until_fin,
            } => {
                // A body that ends with the connection: TCP keeps the rest
                // of the stream and hands it back at the sender's FIN.
                cx.state.desegment_until_fin = until_fin;
                if let (Some(k), true) = (kind, tvb.len() < tvb.reported_len()) {
                    // The message goes on in bytes the capture did not keep:
                    // show what was captured, then stop as Wireshark does
                    // (a request leaves the Info column to TCP).
                    // Without a line end the captured rest is the line
                    // (tshark cannot ask for more of a cut frame).
                    let l = line_at(data, off).or_else(|| {
                        (off < data.len()).then(|| Line {
                            start: off,
                            len: data.len() - off,
                            next: data.len(),
                        })
                    });
                    if let Some(l) = l {
                        let is_req = matches!(k, First::Request { .. });
                        let info = cx.pkt.cols.info.clone();
                        let proto = cx.pkt.cols.protocol.clone();
                        message(cx, &tvb, off, &l, k, data.len(), 0, false)?;
                        if is_req {
                            cx.pkt.cols.info = info;
                            cx.pkt.cols.set_protocol(&proto);
                        }
                    }
                    tvb.ensure(0, tvb.reported_len())?;
                }
                if let (Some((a, b)), true) = (first_line, first) {
                    if cx.pkt.cols.info_enabled() {
                        let fl = format_text_cow(&data[a..b]);
                        cx.pkt.cols.set_info(format_args!("{fl} "));
                    } else {
                        cx.pkt.cols.set_info(format_args!(""));
                    }
                }
                // TCP keeps the bytes from here and hands the message back
                // whole.
                return Ok(Desegment::More { offset: off, more });
            }
            Parse::Complete {
                line,
                kind,
                hend,
                blen,
                chunked,
            } => {
                if !first {
                    cx.pkt.cols.set_fence();
                }
                message(cx, &tvb, off, &line, kind, hend, blen, chunked)?;
                first = false;
                off = hend + blen;
            }
        }
    }
    Ok(Desegment::Done)
}

/// What the bytes at an offset hold.
enum Parse {
    /// Not the start of an HTTP message.
    NotHttp,
    /// A message that goes on past the data: its first line if complete,
    /// and how many bytes it still needs when its headers say.
    Incomplete {
        /// Where the first line is (start, end), when complete.
        first_line: Option<(usize, usize)>,
        kind: Option<First>,
        more: Option<usize>,
        /// The body runs until the sender closes the connection.
        until_fin: bool,
    },
    /// A whole message: headers end at `hend`, then `blen` body bytes.
    Complete {
        line: Line,
        kind: First,
        hend: usize,
        blen: usize,
        chunked: bool,
    },
}

/// Looks for a whole HTTP message at `off` in `data` (`reported` bytes long);
/// `at_fin`: the data is all the sender will send (its FIN came).
fn parse(data: &[u8], off: usize, reported: usize, nobody: bool, at_fin: bool) -> Parse {
    let Some(l) = line_at(data, off) else {
        let rest = &data[off.min(data.len())..];
        return match first_line_kind(rest).or_else(|| versionless_request(rest)) {
            Some(k) => Parse::Incomplete {
                first_line: None,
                kind: Some(k),
                more: None,
                until_fin: false,
            },
            None => Parse::NotHttp,
        };
    };
    let Some(kind) = first_line_kind(&data[l.start..l.start + l.len]) else {
        // Wireshark 4.0 takes a known method and a space for a request
        // even without a version (HTTP/0.9): it waits for the headers' end.
        let line = &data[l.start..l.start + l.len];
        let method = memchr::memchr(b' ', line)
            .and_then(|sp| std::str::from_utf8(&line[..sp]).ok())
            .is_some_and(|m| METHODS.contains(&m));
        let mut end = l.next;
        let mut complete = false;
        while let Some(h) = line_at(data, end) {
            end = h.next;
            if h.len == 0 {
                complete = true;
                break;
            }
        }
        if method && !complete {
            return Parse::Incomplete {
                first_line: Some((l.start, l.start + l.len)),
                kind: None,
                more: None,
                until_fin: false,
            };
        }
        return Parse::NotHttp;
    };
    let mut end = l.next;
    let mut complete = false;
    while let Some(h) = line_at(data, end) {
        end = h.next;
        if h.len == 0 {
            complete = true;
            break;
        }
    }
    let fl = (l.start, l.start + l.len);
    if !complete {
        return Parse::Incomplete {
            first_line: Some(fl),
            kind: Some(kind),
            more: None,
            until_fin: false,
        };
    }
    let body = body_extent(data, &kind, l.next, end, nobody);
    let chunked = matches!(body, Body::Chunked(_));
    let have = reported.saturating_sub(end) as u64;
    let blen = match body {
        Body::Len(n) if n <= have => n as usize,
        Body::Chunked(Some(n)) => n,
        Body::Len(n) => {
            return Parse::Incomplete {
                first_line: Some(fl),
                kind: Some(kind),
                more: usize::try_from(n - have).ok(),
                until_fin: false,
            }
        }
        // The connection closed: the body is the rest of the stream.
        Body::UntilClose if at_fin => reported.saturating_sub(end),
        until => {
            return Parse::Incomplete {
                first_line: Some(fl),
                kind: Some(kind),
                more: None,
                until_fin: matches!(until, Body::UntilClose),
            }
        }
    };
    Parse::Complete {
        line: l,
        kind,
        hend: end,
        blen,
        chunked,
    }
}

enum Body {
    Len(u64),
    /// A response that ends when the server closes the connection.
    UntilClose,
    /// Chunked: total bytes of the chunked encoding, if complete.
    Chunked(Option<usize>),
}

/// Where the body ends, from the headers between `hstart` and `hend`.
fn body_extent(data: &[u8], kind: &First, hstart: usize, hend: usize, nobody: bool) -> Body {
    let mut cl: Option<u64> = None;
    let mut chunked = false;
    let mut o = hstart;
    while let Some(h) = line_at(data, o) {
        if h.len == 0 || h.next > hend {
            break;
        }
        let line = &data[h.start..h.start + h.len];
        if let Some(c) = memchr::memchr(b':', line) {
            let name = &line[..c];
            let val = &line[c + 1..];
            if name.eq_ignore_ascii_case(b"content-length") {
                cl = parse_len(val);
            } else if name.eq_ignore_ascii_case(b"transfer-encoding")
                && val.windows(7).any(|w| w.eq_ignore_ascii_case(b"chunked"))
            {
                chunked = true;
            }
        }
        o = h.next;
    }
    if let First::Response { code } = kind {
        // Responses to HEAD and CONNECT have no body (RFC 9112 section 6.3).
        if nobody {
            return Body::Len(0);
        }
        if (100..200).contains(code) || *code == 204 || *code == 304 {
            return Body::Len(0);
        }
    }
    if chunked {
        return Body::Chunked(chunked_len(data, hend));
    }
    match (cl, kind) {
        (Some(n), _) => Body::Len(n),
        // Neither length nor chunks: the body ends with the connection.
        (None, First::Response { .. }) => Body::UntilClose,
        (None, First::Request { .. }) => Body::Len(0),
    }
}

/// A Content-Length value: the text without surrounding white space, as a
/// decimal number (what `str::trim` then `parse::<u64>` accept).
fn parse_len(val: &[u8]) -> Option<u64> {
    if val.is_ascii() {
        let ws = |c: &u8| (*c as char).is_whitespace();
        let start = val.iter().position(|c| !ws(c)).unwrap_or(val.len());
        let end = val.iter().rposition(|c| !ws(c)).map_or(start, |e| e + 1);
        std::str::from_utf8(&val[start..end]).ok()?.parse().ok()
    } else {
        String::from_utf8_lossy(val).trim().parse().ok()
    }
}

/// Length of a complete chunked body at `off` (RFC 9112 7.1), or None.
fn chunked_len(data: &[u8], off: usize) -> Option<usize> {
    let mut o = off;
    loop {
        let l = line_at(data, o)?;
        let line = &data[l.start..l.start + l.len];
        let hex_end = line
            .iter()
            .position(|c| !c.is_ascii_hexdigit())
            .unwrap_or(line.len());
        let size = usize::from_str_radix(std::str::from_utf8(&line[..hex_end]).ok()?, 16).ok()?;
        o = l.next;
        if size == 0 {
            // Trailer fields, then an empty line.
            loop {
                let t = line_at(data, o)?;
                o = t.next;
                if t.len == 0 {
                    return Some(o - off);
                }
            }
        }
        o = o.checked_add(size)?;
        let crlf = line_at(data, o)?;
        o = crlf.next;
    }
}

fn str_val(cx: &mut Cx<'_>, s: &str) -> Value {
    cx.pkt.str_value(s)
}

fn bytes_val(tvb: &Tvb<'_>, off: usize, len: usize) -> Value {
    Value::Bytes(Span {
        src: Src::Data(tvb.ds()),
        start: tvb.base() + off as u32,
        len: len as u32,
    })
}

fn conversation_key(cx: &Cx<'_>) -> crate::state::ConvKey {
    crate::state::packet_conv(cx).0
}

/// A text body to hand to `data-text-lines` once the HTTP tree is closed.
struct TextBody {
    ctype: String,
    /// De-chunked bytes and their data source, or None: the raw body.
    dechunked: Option<(u8, Vec<u8>)>,
}

#[allow(clippy::too_many_arguments)]
fn message(
    cx: &mut Cx<'_>,
    tvb: &Tvb<'_>,
    off: usize,
    l: &Line,
    kind: First,
    hend: usize,
    blen: usize,
    chunked: bool,
) -> R<()> {
    let data = tvb.data();
    cx.pkt.layer("http");
    cx.pkt.cols.set_protocol("HTTP");
    let line = &data[l.start..l.start + l.len];
    let fl = format_text_cow(line);
    cx.pkt.cols.set_info(format_args!("{fl} "));
    cx.pkt
        .open(&PROTO, tvb, off, hend + blen - off, Value::None);
    let depth = cx.pkt.depth();
    let r = message_tree(cx, tvb, l, kind, hend, blen, chunked, &fl);
    cx.pkt.close_to(depth);
    cx.pkt.close();
    if let Some(tb) = r? {
        match tb.dechunked {
            Some((ds, bytes)) => {
                let t = Tvb::new(&bytes, bytes.len(), ds);
                if tb.ctype == OCTET_STREAM {
                    crate::proto::data::dissect(cx, t)?;
                } else {
                    text_lines(cx, &t, &bytes, &tb.ctype);
                }
            }
            None => {
                let t = tvb.sub_len(hend, blen)?;
                if tb.ctype == OCTET_STREAM {
                    crate::proto::data::dissect(cx, t)?;
                } else {
                    text_lines(cx, &t, t.data(), &tb.ctype);
                }
            }
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn message_tree(
    cx: &mut Cx<'_>,
    tvb: &Tvb<'_>,
    l: &Line,
    kind: First,
    hend: usize,
    blen: usize,
    chunked: bool,
    fl: &str,
) -> R<Option<TextBody>> {
    let data = tvb.data();
    let line = &data[l.start..l.start + l.len];
    let eol = if l.next - l.start > l.len + 1 {
        "\\r\\n"
    } else {
        "\\n"
    };
    let is_req = matches!(kind, First::Request { .. });
    let n = open_text(
        cx,
        tvb,
        l.start,
        l.next - l.start,
        format_args!("{fl}{eol}"),
    );
    cx.pkt.expert(
        "http",
        Severity::Chat,
        Group::Sequence,
        format_args!("{fl}{eol}"),
    );
    let mut uri_text: std::borrow::Cow<'_, str> = "".into();
    let mut method_name: std::borrow::Cow<'_, str> = "".into();
    let mut status = 0u16;
    match kind {
        First::Request {
            method,
            uri,
            version,
        } => {
            method_name = String::from_utf8_lossy(&line[..method]);
            cx.pkt
                .add_str(&REQUEST_METHOD, tvb, l.start, method, &method_name);
            uri_text = format_text_cow(&line[uri.0..uri.1]);
            let ui = cx
                .pkt
                .add_str(&REQUEST_URI, tvb, l.start + uri.0, uri.1 - uri.0, &uri_text);
            if let Some(q) = uri_text.find('?') {
                cx.pkt.reopen(ui);
                let path = &uri_text[..q];
                let query = &uri_text[q + 1..];
                cx.pkt
                    .add_str(&REQUEST_URI_PATH, tvb, l.start + uri.0, q, path);
                let qi = cx.pkt.add_str(
                    &REQUEST_URI_QUERY,
                    tvb,
                    l.start + uri.0 + q + 1,
                    query.len(),
                    query,
                );
                cx.pkt.reopen(qi);
                let mut po = l.start + uri.0 + q + 1;
                for p in query.split('&') {
                    cx.pkt
                        .add_str(&REQUEST_URI_QUERY_PARAMETER, tvb, po, p.len(), p);
                    po += p.len() + 1;
                }
                cx.pkt.close();
                cx.pkt.close();
            }
            let vs = String::from_utf8_lossy(&line[version.0..version.0 + version.1]);
            cx.pkt
                .add_str(&REQUEST_VERSION, tvb, l.start + version.0, version.1, &vs);
        }
        First::Response { code } => {
            status = code;
            let sp = memchr::memchr(b' ', line).unwrap_or(0);
            let vs = String::from_utf8_lossy(&line[..sp]);
            cx.pkt.add_str(&RESPONSE_VERSION, tvb, l.start, sp, &vs);
            cx.pkt.add(
                &RESPONSE_CODE,
                tvb,
                l.start + sp + 1,
                3,
                Value::UInt(code as u64),
            );
            let desc = STATUS
                .iter()
                .find(|(c, _)| *c == code)
                .map(|(_, d)| *d)
                .unwrap_or("Unknown");
            let d = cx
                .pkt
                .add_str(&RESPONSE_CODE_DESC, tvb, l.start + sp + 1, 3, desc);
            cx.pkt.set_generated(d);
            let po = (sp + 5).min(line.len());
            let phrase = format_text_cow(&line[po..]);
            cx.pkt.add_str(
                &RESPONSE_PHRASE,
                tvb,
                l.start + po,
                line.len() - po,
                &phrase,
            );
        }
    }
    cx.pkt.close();
    let _ = n;
    let flag = cx.pkt.add(
        if is_req { &REQUEST } else { &RESPONSE },
        tvb,
        0,
        0,
        Value::Bool(true),
    );
    cx.pkt.set_hidden(flag);
    // Headers.
    let mut host: std::borrow::Cow<'_, str> = "".into();
    let mut ctype: Option<String> = None;
    let mut o = l.next;
    while let Some(h) = line_at(data, o) {
        if h.next > hend {
            break;
        }
        let hl = &data[h.start..h.start + h.len];
        let eol = if h.next - h.start > h.len + 1 {
            "\\r\\n"
        } else {
            "\\n"
        };
        if h.len == 0 {
            let t = open_text(cx, tvb, h.start, h.next - h.start, format_args!("{eol}"));
            let _ = t;
            cx.pkt.close();
            break;
        }
        let lf: FieldRef = if is_req {
            &REQUEST_LINE
        } else {
            &RESPONSE_LINE
        };
        // The escaped line is only read by labels and the line fields.
        let text = if cx.pkt.labels || cx.pkt.wants(lf) || cx.pkt.wants(&UNKNOWN_HEADER) {
            format_text_cow(hl)
        } else {
            "".into()
        };
        // Values of fields nobody asked for are not built (see Packet::want).
        if cx.pkt.wants(lf) {
            let v = cx.pkt.intern_fmt(format_args!("{text}{eol}"));
            let hidden = cx
                .pkt
                .add(lf, tvb, h.start, h.next - h.start, Value::Str(v));
            cx.pkt.set_hidden(hidden);
        }
        let colon = memchr::memchr(b':', hl);
        let (f, value) = match colon {
            Some(c) => {
                let f = header_field(&hl[..c]);
                // Values are read when their field is built and for the
                // headers that drive the dissection below.
                let value_text = if f.is_some_and(|f| {
                    cx.pkt.wants(f)
                        || [&HOST, &CONTENT_TYPE, &CONTENT_LENGTH_HEADER, &COOKIE]
                            .iter()
                            .any(|s| std::ptr::eq(f, *s))
                }) {
                    format_text_cow(&hl[c + 1..])
                } else {
                    "".into()
                };
                let trim = |t: &str| t.trim_matches(|ch| ch == ' ' || ch == '\t').len();
                let value: std::borrow::Cow<'_, str> = match value_text {
                    std::borrow::Cow::Borrowed(t) => {
                        t.trim_matches(|ch| ch == ' ' || ch == '\t').into()
                    }
                    std::borrow::Cow::Owned(t) if trim(&t) == t.len() => t.into(),
                    std::borrow::Cow::Owned(t) => t
                        .trim_matches(|ch| ch == ' ' || ch == '\t')
                        .to_string()
                        .into(),
                };
                (f, value)
            }
            None => (None, "".into()),
        };
        match f {
            Some(f) => {
                let hi = cx.pkt.add_str(f, tvb, h.start, h.next - h.start, &value);
                cx.pkt.set_label(hi, format_args!("{text}{eol}"));
                if std::ptr::eq(f, &HOST) {
                    host = value;
                } else if std::ptr::eq(f, &CONTENT_TYPE) {
                    let t = value
                        .split(';')
                        .next()
                        .unwrap_or("")
                        .trim()
                        .to_ascii_lowercase();
                    ctype = Some(t);
                } else if std::ptr::eq(f, &CONTENT_LENGTH_HEADER) {
                    if let Ok(n) = value.parse::<u64>() {
                        cx.pkt.reopen(hi);
                        let c = cx.pkt.add(
                            &CONTENT_LENGTH,
                            tvb,
                            h.start,
                            h.next - h.start,
                            Value::UInt(n),
                        );
                        cx.pkt.set_generated(c);
                        cx.pkt.close();
                    }
                } else if std::ptr::eq(f, &COOKIE) {
                    cx.pkt.reopen(hi);
                    for p in value.split(';') {
                        cx.pkt.add_str(&COOKIE_PAIR, tvb, h.start, h.len, p.trim());
                    }
                    cx.pkt.close();
                }
            }
            None => {
                let hi = cx
                    .pkt
                    .add_str(&UNKNOWN_HEADER, tvb, h.start, h.next - h.start, &text);
                cx.pkt.set_label(hi, format_args!("{text}{eol}"));
            }
        }
        o = h.next;
    }
    // Request/response matching.
    let key = conversation_key(cx);
    let num = cx.pkt.meta.number;
    let now = (cx.pkt.meta.ts_secs, cx.pkt.meta.ts_nanos);
    let conv = cx.state.http.map.entry(key).or_default();
    if is_req && conv.last_method != method_name {
        conv.last_method.clear();
        conv.last_method.push_str(&method_name);
    }
    if is_req && method_name == "CONNECT" {
        conv.connect_pending = true;
        conv.connect_target = Some(uri_text.to_string());
    } else if !is_req && conv.connect_pending {
        conv.connect_pending = false;
        conv.tunnel = (200..300).contains(&status);
    }
    if is_req {
        let full = if uri_text.starts_with('/') || uri_text.is_empty() {
            format!("http://{host}{uri_text}")
        } else {
            uri_text.to_string()
        };
        let prev = conv.last_request.replace(num);
        conv.nrequests += 1;
        let n = conv.nrequests;
        if conv.pending.len() >= MAX_PENDING {
            conv.pending.pop_front();
        }
        if !host.is_empty() {
            let fi = cx.pkt.add_str(&REQUEST_FULL_URI, tvb, 0, 0, &full);
            cx.pkt.set_generated(fi);
        }
        conv.pending.push_back((n, num, now, full));
        let ri = cx
            .pkt
            .add(&REQUEST_NUMBER, tvb, 0, 0, Value::UInt(n as u64));
        cx.pkt.set_label(ri, format_args!("HTTP request {n}/{n}"));
        cx.pkt.set_generated(ri);
        if let Some(p) = prev {
            let pi = cx.pkt.add(&PREV_REQUEST_IN, tvb, 0, 0, Value::UInt(p));
            cx.pkt.set_generated(pi);
        }
    } else {
        let prev = conv.last_response.replace(num);
        conv.nresponses += 1;
        let n = conv.nresponses;
        // The n-th response answers the n-th request.
        while conv.pending.front().is_some_and(|r| r.0 < n) {
            conv.pending.pop_front();
        }
        let req = match conv.pending.front() {
            Some(r) if r.0 == n => conv.pending.pop_front().map(|r| (r.1, r.2, r.3)),
            _ => None,
        };
        let ri = cx
            .pkt
            .add(&RESPONSE_NUMBER, tvb, 0, 0, Value::UInt(n as u64));
        cx.pkt.set_label(ri, format_args!("HTTP response {n}/{n}"));
        cx.pkt.set_generated(ri);
        if let Some((rf, rt, uri)) = req {
            let (s, ns) = crate::proto::frame::sub_time(now, rt);
            let t = cx
                .pkt
                .add(&TIME, tvb, 0, 0, Value::Time { secs: s, nanos: ns });
            cx.pkt.set_generated(t);
            if let Some(p) = prev {
                let pi = cx.pkt.add(&PREV_RESPONSE_IN, tvb, 0, 0, Value::UInt(p));
                cx.pkt.set_generated(pi);
            }
            let r = cx.pkt.add(&REQUEST_IN, tvb, 0, 0, Value::UInt(rf));
            cx.pkt.set_generated(r);
            let u = cx.pkt.add_str(&RESPONSE_FOR_URI, tvb, 0, 0, &uri);
            cx.pkt.set_generated(u);
        }
    }
    // The media type's dissector names it in Info when there is a body
    // (application/octet-stream goes to `data`, which does not).
    if let (Some(t), true) = (&ctype, blen > 0) {
        if t != OCTET_STREAM {
            cx.pkt.cols.append_info(format_args!(" ({t})"));
        }
    }
    if blen == 0 {
        return Ok(None);
    }
    // The body: de-chunked if needed.
    let (btvb, owned): (Tvb<'_>, Option<Vec<u8>>) = if chunked {
        (
            tvb.sub_len(hend, blen)?,
            Some(dechunk(cx, tvb, hend, blen)?),
        )
    } else {
        (tvb.sub_len(hend, blen)?, None)
    };
    let body: &[u8] = match &owned {
        Some(v) => v,
        None => btvb.data(),
    };
    let body_tvb = match &owned {
        Some(_) => {
            let ds = (cx.pkt.sources.len() + 1).min(u8::MAX as usize) as u8;
            cx.pkt.sources.push((
                "De-chunked entity body".to_string(),
                std::sync::Arc::from(body),
            ));
            Tvb::new(&[], 0, ds)
        }
        None => btvb,
    };
    // The body is not copied: the value refers to its bytes.
    let v = Value::Str(crate::packet::Span {
        src: crate::packet::Src::Data(body_tvb.ds()),
        start: body_tvb.base(),
        len: body.len().min(u32::MAX as usize) as u32,
    });
    let fd = cx.pkt.add(&FILE_DATA, &body_tvb, 0, body.len(), v);
    cx.pkt
        .set_label(fd, format_args!("File Data: {} bytes", body.len()));
    match ctype {
        Some(t) if is_text_media(&t) || t == OCTET_STREAM => Ok(Some(TextBody {
            ctype: t,
            dechunked: owned.map(|b| (body_tvb.ds(), b)),
        })),
        Some(_) => Ok(None),
        None => {
            if owned.is_none() {
                crate::proto::data::dissect(cx, btvb)?;
            }
            Ok(None)
        }
    }
}

/// Shows the chunks of a chunked body and returns the de-chunked bytes.
fn dechunk(cx: &mut Cx<'_>, tvb: &Tvb<'_>, off: usize, len: usize) -> R<Vec<u8>> {
    let data = tvb.data();
    let mut out = Vec::new();
    let t = open_text(cx, tvb, off, len, format_args!("HTTP chunked response"));
    let _ = t;
    let end = off + len;
    let mut o = off;
    while o < end {
        let Some(l) = line_at(data, o) else { break };
        let line = &data[l.start..l.start + l.len];
        let hex_end = line
            .iter()
            .position(|c| !c.is_ascii_hexdigit())
            .unwrap_or(line.len());
        let size = std::str::from_utf8(&line[..hex_end])
            .ok()
            .and_then(|s| usize::from_str_radix(s, 16).ok())
            .unwrap_or(0);
        if size == 0 {
            let c = open_text(cx, tvb, o, end - o, format_args!("End of chunked encoding"));
            let _ = c;
            cx.pkt.add(&CHUNK_SIZE, tvb, o, l.next - o, Value::UInt(0));
            cx.pkt.close();
            let eol = if l.next - l.start > l.len + 1 {
                "\\r\\n"
            } else {
                "\\n"
            };
            let t = open_text(cx, tvb, end.saturating_sub(2), 2, format_args!("{eol}"));
            let _ = t;
            cx.pkt.close();
            break;
        }
        let d = l.next;
        let chunk = tvb.bytes(d, size)?;
        let c = open_text(
            cx,
            tvb,
            o,
            l.next - o + size + 2,
            format_args!("Data chunk ({size} octets)"),
        );
        let _ = c;
        let n = cx
            .pkt
            .add(&CHUNK_SIZE, tvb, o, l.next - o, Value::UInt(size as u64));
        cx.pkt
            .set_label(n, format_args!("Chunk size: {size} octets"));
        cx.pkt
            .add(&CHUNK_DATA, tvb, d, size, bytes_val(tvb, d, size));
        let b = tvb.bytes(d + size, 2.min(end - (d + size)))?;
        cx.pkt.add(
            &CHUNK_BOUNDARY,
            tvb,
            d + size,
            b.len(),
            bytes_val(tvb, d + size, b.len()),
        );
        cx.pkt.close();
        out.extend_from_slice(chunk);
        o = d + size + b.len();
    }
    cx.pkt.close();
    Ok(out)
}

/// `data-text-lines`: the body as lines.
fn text_lines(cx: &mut Cx<'_>, tvb: &Tvb<'_>, body: &[u8], ctype: &str) {
    cx.pkt.layer("data-text-lines");
    if !cx.pkt.labels && !cx.pkt.wants(&TEXT_LINES) && !cx.pkt.wants(&TEXT) {
        // No node would be built: the lines need not be found.
        return;
    }
    let mut lines = Vec::new();
    let mut o = 0;
    // The lines are only split for their items and the label's count.
    if !cx.pkt.labels && !cx.pkt.proto_labels && !cx.pkt.wants(&TEXT) {
        o = body.len();
    }
    while o < body.len() {
        match line_at(body, o) {
            Some(l) => {
                lines.push((o, l.next - o));
                o = l.next;
            }
            None => {
                lines.push((o, body.len() - o));
                o = body.len();
            }
        }
    }
    let n = cx.pkt.open(&TEXT_LINES, tvb, 0, body.len(), Value::None);
    cx.pkt.set_label(
        n,
        format_args!("Line-based text data: {ctype} ({} lines)", lines.len()),
    );
    for (s, len) in lines {
        let i = cx.pkt.add(&TEXT, tvb, s, len, Value::None);
        if cx.pkt.labels {
            let t = format_text(&body[s..s + len]);
            cx.pkt.set_label(i, format_args!("{t}"));
        }
    }
    cx.pkt.close();
}

/// Whether this conversation carried a request already (Wireshark 4.0's
/// `have_seen_http`: the conversation's request URI is set).
fn seen_request(cx: &Cx<'_>) -> bool {
    cx.state
        .http
        .map
        .get(&conversation_key(cx))
        .is_some_and(|c| c.nrequests > 0)
}

/// The end of the line at `off` as `tvb_find_line_end` finds it: CR, LF or
/// CRLF ends a line; `(length, offset after the end)`, `None` without one.
fn line_end_any(b: &[u8], off: usize) -> Option<(usize, usize)> {
    let rest = b.get(off..)?;
    let i = memchr::memchr2(b'\r', b'\n', rest)?;
    let next = if rest[i] == b'\r' && rest.get(i + 1) == Some(&b'\n') {
        i + 2
    } else {
        i + 1
    };
    Some((i, off + next))
}

/// A segment in a conversation that has shown no request yet and does not
/// start with a request or status line: Wireshark 4.0's HTTP leaves the
/// columns to TCP; it claims the bytes, and shows an HTTP tree only when
/// the first line looks like a header (it has a colon).
fn not_yet_http(cx: &mut Cx<'_>, tvb: &Tvb<'_>) -> R<Desegment> {
    let data = tvb.data();
    let mut off = 0;
    // RFC 9112 section 2.2: an empty line before a message is ignored.
    if tvb.reported_len() > 3 && data.starts_with(b"\r\n") {
        off = 2;
    }
    // Binary data (or none captured) is not looked at.
    match data.get(off) {
        Some(c) if (0x20..0x7f).contains(c) => {}
        _ => return Ok(Desegment::Done),
    }
    let Some((len, next)) = line_end_any(data, off) else {
        // No whole line yet: TCP is asked for more, as for a header block.
        return Ok(Desegment::More {
            offset: 0,
            more: None,
        });
    };
    if !data[off..off + len].contains(&b':') {
        return Ok(Desegment::Done);
    }
    cx.pkt.layer("http");
    cx.pkt
        .open(&PROTO, tvb, off, tvb.reported_len() - off, Value::None);
    // Header lines up to a blank line or a line that is not a header.
    let mut o = off;
    let mut end = (len, next);
    loop {
        let (l, n) = end;
        if l == 0 {
            let t = cx.pkt.add(&TEXT, tvb, o, n - o, Value::None);
            cx.pkt.set_label(t, format_args!("\\r\\n"));
            o = n;
            break;
        }
        if !data[o..o + l].contains(&b':') {
            break;
        }
        let t = cx.pkt.add(&TEXT, tvb, o, n - o, Value::None);
        if cx.pkt.labels {
            let text = format_text(&data[o..n]);
            cx.pkt.set_label(t, format_args!("{text}"));
        }
        o = n;
        match line_end_any(data, o) {
            Some(e) => end = e,
            None => break,
        }
    }
    let rest = tvb.reported_len() - o;
    if rest > 0 {
        let body = tvb.sub(o)?;
        let cap = body.data();
        let v = Value::Str(Span {
            src: Src::Data(body.ds()),
            start: body.base(),
            len: cap.len().min(u32::MAX as usize) as u32,
        });
        let fd = cx.pkt.add(&FILE_DATA, &body, 0, cap.len(), v);
        cx.pkt
            .set_label(fd, format_args!("File Data: {rest} bytes"));
        crate::proto::data::dissect(cx, body)?;
    }
    cx.pkt.close();
    Ok(Desegment::Done)
}

/// A segment that does not start an HTTP message: "Continuation".
fn continuation(cx: &mut Cx<'_>, tvb: &Tvb<'_>, off: usize, first: bool) -> R<()> {
    // Bytes after a message are part of the same HTTP call.
    if first {
        cx.pkt.layer("http");
    }
    cx.pkt.cols.set_protocol("HTTP");
    cx.pkt.cols.set_info(format_args!("Continuation"));
    let len = tvb.reported_len() - off;
    let top: NodeId = cx.pkt.open(&PROTO, tvb, off, len, Value::None);
    let _ = top;
    let depth = cx.pkt.depth();
    // Wireshark's data dissector shows the bytes that were captured.
    let r = tvb
        .sub(off)
        .and_then(|t| crate::proto::data::dissect(cx, t.truncate(t.len())));
    cx.pkt.close_to(depth);
    cx.pkt.close();
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::dns::test_util::*;
    use crate::State;

    /// Header names match without case and without allocating; lengths
    /// parse as `str::trim` + `parse` did.
    #[test]
    fn header_names_and_lengths() {
        assert!(header_field(b"Content-Length")
            .is_some_and(|f| std::ptr::eq(f, &CONTENT_LENGTH_HEADER)));
        assert!(header_field(b"HOST").is_some_and(|f| std::ptr::eq(f, &HOST)));
        assert!(header_field(b"X-Unknown").is_none());
        assert!(header_field(&[b'a'; 40]).is_none());
        assert!(header_field(b"Ho\xffst").is_none());
        assert_eq!(parse_len(b" 42\t"), Some(42));
        assert_eq!(parse_len(b"+7"), Some(7));
        assert_eq!(parse_len(b"4 2"), None);
        assert_eq!(parse_len(b""), None);
        assert_eq!(parse_len(" 5\u{a0}".as_bytes()), Some(5));
        assert_eq!(parse_len(b"\xff5"), None);
    }

    // captures/filter-corpus.pcapng frame 2413 (RFC 9112 section 3: request line).
    const GET: &str = "474554202f20485454502f312e310d0a486f73743a206c6f63616c686f73740d0a557365722d4167656e743a20454c696e6b732f302e31302e342d372d64656269616e2028746578746d6f64653b204c696e757820322e362e31312d312d3638362d736d7020693638363b203133327835362d32290d0a4163636570743a202a2f2a0d0a4163636570742d456e636f64696e673a20677a69700d0a4163636570742d4c616e67756167653a20656e0d0a436f6e6e656374696f6e3a204b6565702d416c6976650d0a0d0a";
    // Frame 5731: 206 response without Content-Type, body shown as data.
    const RESP: &str = "485454502f312e3120323036206f6b0d0a5365727665723a2073696d706c65485454500d0a4163636570742d52616e6765733a2062797465730d0a436f6e74656e742d4c656e6774683a2033330d0a436f6e74656e742d52616e67653a20627974657320302d342f33330d0a0d0a52616e676520736d616c6c6572207468616e20436f6e74656e742d4c656e677468";

    #[test]
    fn request_matches_tshark() {
        let d = hex(GET);
        let p = run(&d, dissect);
        assert_eq!(p.cols.info, "GET / HTTP/1.1 ");
        assert_eq!(p.cols.protocol, "HTTP");
        assert_eq!(p.protocols, "http");
        let want = "\
Hypertext Transfer Protocol
    GET / HTTP/1.1\\r\\n
        [Expert Info (Chat/Sequence): GET / HTTP/1.1\\r\\n]
        Request Method: GET
        Request URI: /
        Request Version: HTTP/1.1
    Host: localhost\\r\\n
    User-Agent: ELinks/0.10.4-7-debian (textmode; Linux 2.6.11-1-686-smp i686; 132x56-2)\\r\\n
    Accept: */*\\r\\n
    Accept-Encoding: gzip\\r\\n
    Accept-Language: en\\r\\n
    Connection: Keep-Alive\\r\\n
    \\r\\n
    [Full request URI: http://localhost/]
    [HTTP request 1/1]
";
        assert_eq!(tree(&p, &d), want);
        assert_eq!(values(&p, &d, "http.host"), ["localhost"]);
        assert_eq!(values(&p, &d, "http.request.method"), ["GET"]);
        assert_eq!(
            values(&p, &d, "_ws.expert.message"),
            ["GET / HTTP/1.1\\r\\n"]
        );
    }

    #[test]
    fn response_matches_request_and_shows_data() {
        let mut st = State::default();
        let q = hex(GET);
        run_with(&mut st, 5729, 10, &q, dissect);
        let d = hex(RESP);
        let p = run_with(&mut st, 5731, 11, &d, dissect);
        assert_eq!(p.cols.info, "HTTP/1.1 206 ok ");
        assert_eq!(p.protocols, "http:data");
        assert_eq!(values(&p, &d, "http.response.code"), ["206"]);
        assert_eq!(values(&p, &d, "http.response.phrase"), ["ok"]);
        assert_eq!(values(&p, &d, "http.content_length"), ["33"]);
        assert_eq!(values(&p, &d, "http.request_in"), ["5729"]);
        let t = tree(&p, &d);
        assert!(
            t.contains("    [Status Code Description: Partial Content]\n")
                || t.contains("        [Status Code Description: Partial Content]\n"),
            "{t}"
        );
        assert!(
            t.contains("    File Data: 33 bytes\n    Data (33 bytes)\n"),
            "{t}"
        );
    }

    #[test]
    fn text_body_goes_to_data_text_lines() {
        let d = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: 11\r\n\r\n<p>\nhi</p>\n".to_vec();
        let p = run(&d, dissect);
        assert_eq!(p.cols.info, "HTTP/1.1 200 OK  (text/html)");
        assert_eq!(p.protocols, "http:data-text-lines");
        let t = tree(&p, &d);
        assert!(
            t.ends_with("Line-based text data: text/html (2 lines)\n    <p>\\n\n    hi</p>\\n\n"),
            "{t}"
        );
        assert_eq!(
            values(&p, &d, "http.content_type"),
            ["text/html; charset=utf-8"]
        );
    }

    // RFC 9112 section 7.1: chunked transfer coding.
    #[test]
    fn chunked_body_is_dechunked() {
        let d = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n4\r\nWiki\r\n5\r\npedia\r\n0\r\n\r\n".to_vec();
        let p = run(&d, dissect);
        assert_eq!(p.protocols, "http:data-text-lines");
        assert_eq!(values(&p, &d, "http.chunk_size"), ["4", "5", "0"]);
        assert_eq!(values(&p, &d, "http.file_data"), ["Wikipedia"]);
    }

    #[test]
    fn incomplete_messages_wait_for_reassembly() {
        let d = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort".to_vec();
        let mut st = State::default();
        let mut r = None;
        run_with(&mut st, 1, 0, &d, |cx, t| {
            r = Some(dissect_tcp(cx, t)?);
            Ok(())
        });
        assert_eq!(
            r,
            Some(Desegment::More {
                offset: 0,
                more: Some(95)
            })
        );
        // `dissect` passes the request to TCP, which marks the segment.
        let (p, asked) = run_desegment(&mut State::default(), 1, &d, dissect);
        assert_eq!(
            asked,
            Some(crate::Desegment {
                offset: 0,
                more: Some(95)
            })
        );
        assert_eq!(p.cols.info, "HTTP/1.1 200 OK ");
        // Headers cut short.
        let (p, asked) = run_desegment(
            &mut State::default(),
            1,
            b"GET / HTTP/1.1\r\nHost: x\r\n",
            dissect,
        );
        assert_eq!(
            asked,
            Some(crate::Desegment {
                offset: 0,
                more: None
            })
        );
        assert_eq!(p.cols.info, "GET / HTTP/1.1 ");
        // Binary bytes before any request: Wireshark 4.0's HTTP leaves
        // them to TCP (no HTTP tree, no columns).
        let mut st = State::default();
        let p = run_with(&mut st, 1, 0, &[0x91, 0xf8, 0xf6], dissect);
        assert_eq!(p.cols.info, "");
        assert_eq!(p.protocols, "");
        // Text whose first line has no colon: not HTTP either.
        let p = run_with(&mut st, 2, 0, b"QUERY /users HTTP/1.1\r\n", dissect);
        assert_eq!(p.protocols, "");
        // A first line with a colon is taken for a header: an HTTP tree,
        // the columns still TCP's.
        let p = run_with(&mut st, 3, 0, b"x y: z\r\n`m\0\nrest", dissect);
        assert_eq!(p.protocols, "http:data");
        assert_eq!(p.cols.info, "");
        // A request line without a version waits for its headers.
        let (_, asked) = run_desegment(&mut st, 4, b"GET /cgi-bin/x?a=b\r\n", dissect);
        assert_eq!(
            asked,
            Some(crate::Desegment {
                offset: 0,
                more: None
            })
        );
        // Once a request was seen, the same bytes are "Continuation".
        run_with(&mut st, 5, 0, &hex(GET), dissect);
        let p = run_with(&mut st, 6, 0, &[0x91, 0xf8, 0xf6], dissect);
        assert_eq!(p.cols.info, "Continuation");
        assert_eq!(p.protocols, "http:data");
    }

    /// Runs one TCP segment with a given sequence number through `dissect`.
    fn segment(st: &mut State, n: u64, seq: u64, d: &[u8]) -> crate::Packet {
        run_with(st, n, 0, d, |cx, t| {
            cx.pkt
                .add(&crate::proto::tcp::SRCPORT, &t, 0, 0, Value::UInt(80));
            cx.pkt
                .add(&crate::proto::tcp::DSTPORT, &t, 0, 0, Value::UInt(1234));
            cx.pkt
                .add(&crate::proto::tcp::SEQ, &t, 0, 0, Value::UInt(seq));
            dissect(cx, t)
        })
    }

    // RFC 9110 section 9.3.6: after a 2xx to CONNECT the stream is a tunnel.
    #[test]
    fn connect_tunnel_goes_to_tls() {
        let mut st = State::default();
        segment(
            &mut st,
            1,
            1,
            b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
        );
        let p = segment(
            &mut st,
            2,
            1,
            b"HTTP/1.1 200 Connection established\r\n\r\n",
        );
        assert_eq!(p.cols.info, "HTTP/1.1 200 Connection established ");
        let p = segment(&mut st, 3, 40, &[20, 3, 3, 0, 1, 1]);
        assert_eq!(p.protocols, "http:tls");
        assert_eq!(p.cols.info, "Change Cipher Spec");
        assert_eq!(p.cols.protocol, "TLSv1.2");
    }

    #[test]
    fn two_messages_in_one_segment() {
        let one = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 2\r\n\r\nhi";
        let d = [&one[..], &one[..]].concat();
        let p = run(&d, dissect);
        assert_eq!(
            p.cols.info,
            "HTTP/1.1 200 OK  (text/html)HTTP/1.1 200 OK  (text/html)"
        );
        assert_eq!(p.protocols, "http:data-text-lines:http:data-text-lines");
    }
}
