//! Directory listings (HTML like nginx's autoindex, and JSON), content types
//! by file extension, and the date formats both need. Pure functions.

use std::fmt::Write as _;
use std::time::SystemTime;

use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};

/// One entry of a directory listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// File name (as the file system has it, lossily shown as UTF-8).
    pub name: String,
    /// Exact size in bytes (0 for directories).
    pub size: u64,
    /// Modification time.
    pub modified: SystemTime,
    /// A directory (links to it end with `/`).
    pub dir: bool,
}

/// Characters escaped in an href path segment: controls, space, the
/// delimiters of RFC 3986 section 2.2 that matter inside a path segment,
/// `%` itself, and the HTML-special ones.
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'/')
    .add(b'\\')
    .add(b'&')
    .add(b'\'')
    .add(b'^')
    .add(b'|')
    .add(b'[')
    .add(b']')
    .add(b';')
    .add(b':');

/// Percent-encodes one path segment for an href.
pub fn href_segment(name: &str) -> String {
    utf8_percent_encode(name, SEGMENT).to_string()
}

/// Escapes text for HTML element content and attribute values.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Broken-down UTC time: (year, month, day, hour, minute, second).
pub fn utc(t: SystemTime) -> (i64, u32, u32, u32, u32, u32) {
    let secs = match t.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX / 2),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX / 2),
    };
    let (y, mo, d) = civil(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400) as u32;
    (y, mo, d, s / 3600, s / 60 % 60, s % 60)
}

/// RFC 3339 UTC time, e.g. `2026-11-21T15:51:25Z`.
pub fn rfc3339(t: SystemTime) -> String {
    let (y, mo, d, h, mi, s) = utc(t);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The common-log-format time, e.g. `21/Nov/2026:15:51:25 +0000`.
pub fn clf_time(t: SystemTime) -> String {
    let (y, mo, d, h, mi, s) = utc(t);
    let mon = MONTHS.get(mo as usize - 1).copied().unwrap_or("Jan");
    format!("{d:02}/{mon}/{y:04}:{h:02}:{mi:02}:{s:02} +0000")
}

/// Sorts entries: directories first, then by name (byte order), like nginx.
pub fn sort(entries: &mut [Entry]) {
    entries.sort_by(|a, b| b.dir.cmp(&a.dir).then_with(|| a.name.cmp(&b.name)));
}

/// An HTML listing in the shape of nginx's autoindex (one `<a href>` per
/// line inside `<pre>`, then the date and the size), but with exact
/// sizes, seconds in the dates (UTC), and names never truncated.
/// `path` is the decoded request path of the directory, ending with `/`.
pub fn html(path: &str, entries: &[Entry]) -> String {
    let title = html_escape(path);
    let mut out = String::with_capacity(256 + entries.len() * 120);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html>\n<head><meta charset=\"utf-8\"><title>Index of {title}</title></head>\n\
         <body>\n<h1>Index of {title}</h1><hr><pre><a href=\"../\">../</a>\n"
    );
    for e in entries {
        let slash = if e.dir { "/" } else { "" };
        let href = href_segment(&e.name);
        let shown = html_escape(&e.name);
        let (y, mo, d, h, mi, s) = utc(e.modified);
        let size = if e.dir {
            "-".to_string()
        } else {
            e.size.to_string()
        };
        let pad = 51usize.saturating_sub(e.name.chars().count() + slash.len());
        let _ = writeln!(
            out,
            "<a href=\"{href}{slash}\">{shown}{slash}</a>{:pad$} {y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02} {size:>20}",
            ""
        );
    }
    out.push_str("</pre><hr></body>\n</html>\n");
    out
}

/// A JSON listing: an array of `{"name", "size", "modified", "dir"}`,
/// `modified` in RFC 3339 UTC.
pub fn json(entries: &[Entry]) -> String {
    let v: Vec<serde_json::Value> = entries
        .iter()
        .map(|e| {
            serde_json::json!({
                "name": e.name,
                "size": e.size,
                "modified": rfc3339(e.modified),
                "dir": e.dir,
            })
        })
        .collect();
    serde_json::Value::Array(v).to_string()
}

/// The Content-Type for a file name, by extension (case-insensitive);
/// `application/octet-stream` when unknown. The names follow nginx's
/// `mime.types`.
pub fn content_type(name: &str) -> &'static str {
    const OTHER: &str = "application/octet-stream";
    let Some((_, ext)) = name.rsplit_once('.') else {
        return OTHER;
    };
    // Lower-cased on the stack: this runs for every file served. No
    // extension below is longer than 8 bytes.
    let mut buf = [0u8; 8];
    let Some(low) = buf.get_mut(..ext.len()) else {
        return OTHER;
    };
    low.copy_from_slice(ext.as_bytes());
    low.make_ascii_lowercase();
    let Ok(ext) = std::str::from_utf8(low) else {
        return OTHER;
    };
    match ext {
        "html" | "htm" | "shtml" => "text/html",
        "css" => "text/css",
        "xml" => "text/xml",
        "txt" | "log" => "text/plain",
        "md" => "text/markdown",
        "csv" => "text/csv",
        "js" | "mjs" => "application/javascript",
        "json" => "application/json",
        "wasm" => "application/wasm",
        "pdf" => "application/pdf",
        "zip" => "application/zip",
        "gz" | "tgz" => "application/gzip",
        "tar" => "application/x-tar",
        "7z" => "application/x-7z-compressed",
        "pcap" | "pcapng" => "application/vnd.tcpdump.pcap",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "svg" | "svgz" => "image/svg+xml",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "bmp" => "image/x-ms-bmp",
        "mp3" => "audio/mpeg",
        "ogg" => "audio/ogg",
        "wav" => "audio/wav",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        _ => OTHER,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn dates() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_276_285);
        assert_eq!(rfc3339(t), "2026-11-21T15:51:25Z");
        assert_eq!(clf_time(t), "21/Nov/2026:15:51:25 +0000");
        assert_eq!(rfc3339(SystemTime::UNIX_EPOCH), "1970-01-01T00:00:00Z");
        // A leap day.
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(951_782_400);
        assert_eq!(rfc3339(t), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn escaping() {
        assert_eq!(
            html_escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(href_segment("a b#?%.zip"), "a%20b%23%3F%25.zip");
        assert_eq!(href_segment("café"), "caf%C3%A9");
    }

    #[test]
    fn listing_has_names_links_sizes() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_276_285);
        let mut e = vec![
            Entry {
                name: "b <x>.zip".into(),
                size: 52_428_800,
                modified: t,
                dir: false,
            },
            Entry {
                name: "sub".into(),
                size: 0,
                modified: t,
                dir: true,
            },
        ];
        sort(&mut e);
        assert_eq!(e[0].name, "sub");
        let h = html("/d/", &e);
        assert!(h.contains("<title>Index of /d/</title>"));
        assert!(h.contains("<a href=\"sub/\">sub/</a>"));
        assert!(h.contains("<a href=\"b%20%3Cx%3E.zip\">b &lt;x&gt;.zip</a>"));
        assert!(h.contains("2026-11-21 15:51:25             52428800\n"));
        let j: serde_json::Value = serde_json::from_str(&json(&e)).expect("valid JSON");
        assert_eq!(j[1]["name"], "b <x>.zip");
        assert_eq!(j[1]["size"], 52_428_800);
        assert_eq!(j[1]["modified"], "2026-11-21T15:51:25Z");
        assert_eq!(j[0]["dir"], true);
    }

    #[test]
    fn types() {
        assert_eq!(content_type("50MB.zip"), "application/zip");
        assert_eq!(content_type("image-site.PNG"), "image/png");
        assert_eq!(content_type("task2.pdf"), "application/pdf");
        assert_eq!(content_type("a.json"), "application/json");
        assert_eq!(content_type("README"), "application/octet-stream");
        assert_eq!(content_type("x.unknownext"), "application/octet-stream");
    }
}
