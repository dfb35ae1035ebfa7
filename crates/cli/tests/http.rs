//! Integration tests of `wirelab http` and `wirelab echo`, running the real
//! binary: the same generated directory served by wirelab and by nginx,
//! fetched with curl and wget, answers compared (status, body, lengths,
//! ranges, validators, listings); thirty hostile requests over raw TCP;
//! slowloris and connection floods; the echo pair. Everything is on
//! 127.0.0.1 with free ports; every child process is killed on drop.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

mod support;
use support::{free_port, peer, wait_tcp, Proc, TempDir};

const WIRELAB: &str = env!("CARGO_BIN_EXE_wirelab");

/// The served tree: the demo files plus a subdirectory, odd names, a
/// dotfile and symbolic links in and out of the root.
struct Site {
    _tmp: TempDir,
    root: PathBuf,
    outside: PathBuf,
}

fn make_site() -> Site {
    let tmp = TempDir::new("site");
    let root = tmp.0.join("www");
    let st = Command::new(WIRELAB)
        .args(["http", "--generate-demo-files"])
        .arg(&root)
        .args(["--scale", "0.01"])
        .status()
        .unwrap();
    assert!(st.success(), "--generate-demo-files failed");
    std::fs::create_dir_all(root.join("sub")).unwrap();
    std::fs::write(root.join("sub/notes.txt"), "hello from sub\n").unwrap();
    std::fs::write(root.join("a b&c.txt"), "odd name\n").unwrap();
    std::fs::write(root.join("data.json"), "{\"k\": 1}\n").unwrap();
    std::fs::write(root.join(".hidden"), "secret\n").unwrap();
    let outside = tmp.0.join("outside.txt");
    std::fs::write(&outside, "outside the root\n").unwrap();
    std::os::unix::fs::symlink(&outside, root.join("escape-link")).unwrap();
    std::os::unix::fs::symlink("/etc", root.join("etc-link")).unwrap();
    // nginx runs its worker as root here (master_process off), but make
    // the tree world-readable anyway.
    for p in [&tmp.0, &root] {
        let _ = Command::new("chmod").arg("755").arg(p).status();
    }
    Site {
        _tmp: tmp,
        root,
        outside,
    }
}

fn start_wirelab(root: &Path, extra: &[&str]) -> (Proc, u16) {
    let port = free_port();
    let mut child = Command::new(WIRELAB)
        .args(["http", "--listen", &format!("127.0.0.1:{port}"), "--root"])
        .arg(root)
        .args(["--workers", "1", "--log-level", "warn"])
        .args(extra)
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    wait_tcp(port, &mut child, "server");
    (Proc(child), port)
}

fn start_nginx(root: &Path, dir: &Path) -> (Proc, u16) {
    let nginx = peer("nginx");
    let port = free_port();
    let conf = dir.join("nginx.conf");
    let d = dir.display();
    std::fs::write(
        &conf,
        format!(
            "daemon off; master_process off; worker_processes 1; pid {d}/nginx.pid;\n\
             error_log {d}/error.log;\n\
             events {{}}\n\
             http {{ include /etc/nginx/mime.types; default_type application/octet-stream;\n\
               access_log off; sendfile on;\n\
               client_body_temp_path {d}/body; proxy_temp_path {d}/proxy;\n\
               fastcgi_temp_path {d}/fcgi; uwsgi_temp_path {d}/uwsgi; scgi_temp_path {d}/scgi;\n\
               server {{ listen 127.0.0.1:{port}; root {root}; autoindex on; }} }}\n",
            root = root.display()
        ),
    )
    .unwrap();
    let mut child = Command::new(nginx)
        .arg("-p")
        .arg(dir)
        .arg("-e")
        .arg(dir.join("error.log"))
        .arg("-c")
        .arg(&conf)
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    wait_tcp(port, &mut child, "server");
    (Proc(child), port)
}

/// One curl exchange: status, headers (lower-case names) and body.
#[derive(Debug)]
struct Got {
    status: u16,
    headers: BTreeMap<String, String>,
    body: Vec<u8>,
}

fn curl(port: u16, path: &str, head: bool, hdrs: &[&str]) -> Got {
    let dir = TempDir::new("curl");
    let hfile = dir.0.join("h");
    let bfile = dir.0.join("b");
    let mut c = Command::new(peer("curl"));
    c.args(["-s", "--path-as-is", "--max-time", "20", "-D"])
        .arg(&hfile)
        .arg("-o")
        .arg(&bfile);
    if head {
        c.arg("-I");
    }
    for h in hdrs {
        c.args(["-H", h]);
    }
    let out = c
        .arg(format!("http://127.0.0.1:{port}{path}"))
        .output()
        .unwrap();
    assert!(out.status.success(), "curl {path}: {:?}", out);
    let text = std::fs::read_to_string(&hfile).unwrap();
    let mut lines = text.lines();
    let status: u16 = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"));
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Got {
        status,
        headers,
        body: std::fs::read(&bfile).unwrap_or_default(),
    }
}

/// The parts of a multipart/byteranges body: (Content-Range, data).
fn parts(g: &Got) -> Vec<(String, Vec<u8>)> {
    let ct = g.headers.get("content-type").expect("content-type");
    let boundary = ct
        .split("boundary=")
        .nth(1)
        .unwrap_or_else(|| panic!("no boundary in {ct}"));
    let delim = format!("\r\n--{boundary}");
    let body = &g.body;
    let mut out = Vec::new();
    let find = |hay: &[u8], needle: &[u8], from: usize| -> Option<usize> {
        hay.get(from..)?
            .windows(needle.len())
            .position(|w| w == needle)
            .map(|p| p + from)
    };
    let mut at = find(body, delim.as_bytes(), 0).expect("first boundary");
    loop {
        let after = at + delim.len();
        if body.get(after..after + 2) == Some(b"--") {
            break;
        }
        let head_end = find(body, b"\r\n\r\n", after).expect("part head");
        let head = String::from_utf8_lossy(&body[after..head_end]).to_string();
        let range = head
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .starts_with("content-range:")
                    .then(|| l[14..].trim().to_string())
            })
            .expect("part content-range");
        let next = find(body, delim.as_bytes(), head_end + 4).expect("next boundary");
        out.push((range, body[head_end + 4..next].to_vec()));
        at = next;
    }
    out
}

fn same(a: &Got, b: &Got, what: &str, headers: &[&str]) {
    assert_eq!(a.status, b.status, "{what}: status (wirelab vs nginx)");
    for h in headers {
        assert_eq!(
            a.headers.get(*h),
            b.headers.get(*h),
            "{what}: header {h} (wirelab vs nginx)"
        );
    }
}

/// (name, size) pairs of an HTML listing, from both servers' formats.
fn listed(html: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for line in html.lines() {
        let Some(start) = line.find("<a href=\"") else {
            continue;
        };
        let rest = &line[start + 9..];
        let Some(end) = rest.find('"') else { continue };
        let href = &rest[..end];
        if href == "../" {
            continue;
        }
        let size = line.split_whitespace().last().unwrap_or("").to_string();
        let name = percent_decode(href);
        out.push((name, size));
    }
    out.sort();
    out
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() + 1 {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn same_answers_as_nginx_with_curl_and_wget() {
    let site = make_site();
    let ngdir = TempDir::new("nginx");
    let (_ng, np) = start_nginx(&site.root, &ngdir.0);
    let (_wl, wp) = start_wirelab(&site.root, &[]);
    let files = [
        "50MB.zip",
        "100MB.zip",
        "image-site.png",
        "task2.pdf",
        "data.json",
        "a%20b%26c.txt",
    ];
    let full_headers = [
        "content-length",
        "content-type",
        "last-modified",
        "etag",
        "accept-ranges",
    ];

    for f in files {
        let path = format!("/{f}");
        let (w, n) = (curl(wp, &path, false, &[]), curl(np, &path, false, &[]));
        same(&w, &n, &path, &full_headers);
        assert_eq!(w.status, 200, "{path}");
        assert!(w.body == n.body, "{path}: bodies differ");
        let (w, n) = (curl(wp, &path, true, &[]), curl(np, &path, true, &[]));
        same(&w, &n, &format!("HEAD {path}"), &full_headers);
    }
    let len = std::fs::metadata(site.root.join("50MB.zip")).unwrap().len();
    let ranges = [
        "bytes=0-99".to_string(),
        "bytes=100-".to_string(),
        "bytes=-500".to_string(),
        "bytes=0-0".to_string(),
        "bytes=1000-2000".to_string(),
        format!("bytes={}-", len - 1),
        format!("bytes=0-{}", len + 1000),
        format!("bytes={len}-"),
        format!("bytes={}-", len + 5),
        "bytes=abc".to_string(),
        "bytes=5-1".to_string(),
        "bytes=-0".to_string(),
        "items=0-5".to_string(),
        format!("bytes=0-1,{}-{}", len + 10, len + 20),
    ];
    for r in &ranges {
        let h = format!("Range: {r}");
        let (w, n) = (
            curl(wp, "/50MB.zip", false, &[&h]),
            curl(np, "/50MB.zip", false, &[&h]),
        );
        // Error pages differ in wording, so their lengths do too.
        if w.status == 416 {
            same(&w, &n, r, &["content-range"]);
        } else {
            same(&w, &n, r, &["content-length", "content-range"]);
            assert!(w.body == n.body, "{r}: bodies differ");
        }
    }
    // Several ranges: multipart/byteranges; boundaries differ, parts must not.
    for r in [
        "bytes=0-9,20-29,-5",
        "bytes=0-0,0-0,0-0",
        "bytes=500-599,0-99",
    ] {
        let h = format!("Range: {r}");
        let (w, n) = (
            curl(wp, "/50MB.zip", false, &[&h]),
            curl(np, "/50MB.zip", false, &[&h]),
        );
        assert_eq!((w.status, n.status), (206, 206), "{r}");
        assert!(w.headers["content-type"].starts_with("multipart/byteranges; boundary="));
        assert_eq!(w.headers["content-length"], w.body.len().to_string(), "{r}");
        assert_eq!(parts(&w), parts(&n), "{r}: parts differ");
    }
    // Validators and preconditions.
    let first = curl(wp, "/task2.pdf", true, &[]);
    let etag = first.headers["etag"].clone();
    let lm = first.headers["last-modified"].clone();
    let cases: Vec<Vec<String>> = vec![
        vec![format!("If-None-Match: {etag}")],
        vec![format!("If-None-Match: \"nope\", {etag}")],
        vec!["If-None-Match: \"nope\"".into()],
        vec![format!("If-Modified-Since: {lm}")],
        vec!["If-Modified-Since: Mon, 01 Jan 2001 00:00:00 GMT".into()],
        vec![format!("If-Match: {etag}")],
        vec!["If-Match: \"nope\"".into()],
        vec!["If-Unmodified-Since: Mon, 01 Jan 2001 00:00:00 GMT".into()],
        vec![format!("If-Range: {etag}"), "Range: bytes=0-9".into()],
        vec!["If-Range: \"nope\"".into(), "Range: bytes=0-9".into()],
        vec![format!("If-Range: {lm}"), "Range: bytes=5-14".into()],
    ];
    for c in &cases {
        let hs: Vec<&str> = c.iter().map(String::as_str).collect();
        let (w, n) = (
            curl(wp, "/task2.pdf", false, &hs),
            curl(np, "/task2.pdf", false, &hs),
        );
        same(&w, &n, &c.join(" + "), &["content-range", "etag"]);
        if w.status != 412 && w.status != 304 {
            assert!(w.body == n.body, "{c:?}: bodies differ");
        }
    }
    // Missing files, directories.
    for p in [
        "/missing.zip",
        "/sub/missing",
        "/50MB.zip/",
        "/sub",
        "/sub/",
        "/sub/notes.txt",
    ] {
        let (w, n) = (curl(wp, p, false, &[]), curl(np, p, false, &[]));
        same(&w, &n, p, &[]);
        if w.status == 301 {
            assert!(w.headers["location"].ends_with("/sub/"));
            assert!(n.headers["location"].ends_with("/sub/"));
        }
        if w.status == 200 && !p.ends_with('/') {
            assert!(w.body == n.body, "{p}");
        }
    }
    // Listings: the same names and sizes (nginx does not list dotfiles either;
    // wirelab leaves out the links that lead outside the root).
    for p in ["/", "/sub/"] {
        let w = listed(&String::from_utf8_lossy(&curl(wp, p, false, &[]).body));
        let mut n = listed(&String::from_utf8_lossy(&curl(np, p, false, &[]).body));
        n.retain(|(name, _)| name != "escape-link" && name != "etc-link/");
        assert_eq!(w, n, "listing of {p}");
        assert!(!w.is_empty());
    }
    // JSON listing.
    let j = curl(wp, "/", false, &["Accept: application/json"]);
    assert_eq!(j.headers["content-type"], "application/json");
    let text = String::from_utf8(j.body).unwrap();
    for f in ["50MB.zip", "image-site.png", "task2.pdf", "sub"] {
        assert!(text.contains(&format!("\"name\":\"{f}\"")), "{f} in {text}");
    }
    assert!(text.contains(&format!("\"size\":{len}")));
    assert!(!text.contains("hidden") && !text.contains("escape"));

    // Keep-alive: curl reuses one connection for two requests.
    let out = Command::new(peer("curl"))
        .args([
            "-s",
            "-o",
            "/dev/null",
            "-o",
            "/dev/null",
            "-w",
            "%{num_connects}\n",
        ])
        .arg(format!("http://127.0.0.1:{wp}/task2.pdf"))
        .arg(format!("http://127.0.0.1:{wp}/data.json"))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "1\n0\n", "keep-alive");

    // wget: whole files, and a resumed download (Range on an existing part).
    let wdir = TempDir::new("wget");
    for (port, name) in [(wp, "w"), (np, "n")] {
        let st = Command::new(peer("wget"))
            .args(["-q", "-O"])
            .arg(wdir.0.join(name))
            .arg(format!("http://127.0.0.1:{port}/100MB.zip"))
            .status()
            .unwrap();
        assert!(st.success(), "wget from port {port}");
    }
    let orig = std::fs::read(site.root.join("100MB.zip")).unwrap();
    assert!(std::fs::read(wdir.0.join("w")).unwrap() == orig);
    assert!(std::fs::read(wdir.0.join("n")).unwrap() == orig);
    let part = wdir.0.join("100MB.zip");
    std::fs::write(&part, &orig[..12_345]).unwrap();
    let st = Command::new(peer("wget"))
        .args(["-q", "-c", "-P"])
        .arg(&wdir.0)
        .arg(format!("http://127.0.0.1:{wp}/100MB.zip"))
        .status()
        .unwrap();
    assert!(st.success(), "wget -c");
    assert!(
        std::fs::read(&part).unwrap() == orig,
        "resumed download differs"
    );
    // The file outside the root exists (so refusing it is the server's doing).
    assert!(site.outside.is_file());
}

/// Sends raw bytes, reads until the server closes (at most `wait`), and
/// returns the status code of the first response (None: closed without one).
fn raw(port: u16, req: &[u8], wait: Duration) -> (Option<u16>, Vec<u8>) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(wait)).unwrap();
    let _ = s.write_all(req);
    let mut out = Vec::new();
    let deadline = Instant::now() + wait;
    let mut buf = [0u8; 16384];
    while Instant::now() < deadline {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
        }
    }
    (status_of(&out), out)
}

fn status_of(resp: &[u8]) -> Option<u16> {
    let line = resp.split(|&b| b == b'\r').next()?;
    let line = std::str::from_utf8(line).ok()?;
    let mut it = line.split_whitespace();
    if !it.next()?.starts_with("HTTP/1.") {
        return None;
    }
    it.next()?.parse().ok()
}

fn get_ok(port: u16) {
    let (st, body) = raw(
        port,
        b"GET /task2.pdf HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        Duration::from_secs(5),
    );
    assert_eq!(st, Some(200), "a normal GET after the hostile ones");
    assert!(body.windows(5).any(|w| w == b"%%EOF"));
}

#[test]
fn hostile_requests_are_refused_and_the_server_survives() {
    let site = make_site();
    let (_wl, port) = start_wirelab(
        &site.root,
        &["--header-timeout-ms", "1500", "--idle-timeout-ms", "3000"],
    );
    let close = "Host: x\r\nConnection: close\r\n\r\n";
    let big = "a".repeat(20_000);
    let many_headers: String = (0..300).map(|i| format!("X-{i}: y\r\n")).collect();
    let cases: Vec<(String, Vec<u8>, u16)> = vec![
        (
            "dotdot".into(),
            format!("GET /../outside.txt HTTP/1.1\r\n{close}").into(),
            400,
        ),
        (
            "dotdot deep".into(),
            format!("GET /sub/../../outside.txt HTTP/1.1\r\n{close}").into(),
            400,
        ),
        (
            "%2e%2e".into(),
            format!("GET /%2e%2e/outside.txt HTTP/1.1\r\n{close}").into(),
            400,
        ),
        (
            "%2E%2E mixed".into(),
            format!("GET /sub/%2E%2e/%2e%2E/outside.txt HTTP/1.1\r\n{close}").into(),
            400,
        ),
        (
            "..%2f".into(),
            format!("GET /..%2foutside.txt HTTP/1.1\r\n{close}").into(),
            400,
        ),
        (
            "%2f in name".into(),
            format!("GET /sub%2fnotes.txt HTTP/1.1\r\n{close}").into(),
            400,
        ),
        (
            "%5c".into(),
            format!("GET /sub%5c..%5c..%5coutside.txt HTTP/1.1\r\n{close}").into(),
            400,
        ),
        (
            "backslash".into(),
            format!("GET /sub\\..\\..\\outside.txt HTTP/1.1\r\n{close}").into(),
            400,
        ),
        (
            "NUL".into(),
            format!("GET /task2.pdf%00.txt HTTP/1.1\r\n{close}").into(),
            400,
        ),
        (
            "absolute-form".into(),
            format!("GET http://x/../../etc/passwd HTTP/1.1\r\n{close}").into(),
            400,
        ),
        (
            "double slash".into(),
            format!("GET //etc/passwd HTTP/1.1\r\n{close}").into(),
            404,
        ),
        (
            "symlink escape".into(),
            format!("GET /escape-link HTTP/1.1\r\n{close}").into(),
            403,
        ),
        (
            "symlink dir escape".into(),
            format!("GET /etc-link/passwd HTTP/1.1\r\n{close}").into(),
            403,
        ),
        (
            "dotfile".into(),
            format!("GET /.hidden HTTP/1.1\r\n{close}").into(),
            404,
        ),
        (
            "huge header".into(),
            format!("GET / HTTP/1.1\r\nHost: x\r\nX-Big: {big}\r\n\r\n").into(),
            431,
        ),
        (
            "huge request line".into(),
            format!("GET /{big} HTTP/1.1\r\n{close}").into(),
            431,
        ),
        (
            "300 headers".into(),
            format!("GET / HTTP/1.1\r\nHost: x\r\n{many_headers}\r\n").into(),
            431,
        ),
        (
            "range abc".into(),
            format!("GET /task2.pdf HTTP/1.1\r\nRange: bytes=abc\r\n{close}").into(),
            416,
        ),
        (
            "range 5-1".into(),
            format!("GET /task2.pdf HTTP/1.1\r\nRange: bytes=5-1\r\n{close}").into(),
            416,
        ),
        (
            "range overflow".into(),
            format!("GET /task2.pdf HTTP/1.1\r\nRange: bytes=99999999999999999999999-\r\n{close}")
                .into(),
            416,
        ),
        (
            "range 65 parts".into(),
            format!(
                "GET /task2.pdf HTTP/1.1\r\nRange: bytes={}\r\n{close}",
                vec!["0-0"; 65].join(",")
            )
            .into(),
            416,
        ),
        (
            "method FOO".into(),
            format!("FOO / HTTP/1.1\r\n{close}").into(),
            405,
        ),
        (
            "POST".into(),
            format!("POST /task2.pdf HTTP/1.1\r\nContent-Length: 3\r\n{close}abc").into(),
            405,
        ),
        (
            "DELETE".into(),
            format!("DELETE /task2.pdf HTTP/1.1\r\n{close}").into(),
            405,
        ),
        (
            "bad method token".into(),
            format!("G(T / HTTP/1.1\r\n{close}").into(),
            400,
        ),
        ("HTTP/0.9".into(), b"GET /task2.pdf\r\n\r\n".to_vec(), 400),
        (
            "garbage".into(),
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n\r\n".to_vec(),
            400,
        ),
        (
            "no Host".into(),
            b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n".to_vec(),
            400,
        ),
        (
            "TE not chunked".into(),
            format!("GET / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n{close}").into(),
            400,
        ),
        (
            "bad Content-Length".into(),
            format!("GET / HTTP/1.1\r\nContent-Length: abc\r\n{close}").into(),
            400,
        ),
        (
            "header without colon".into(),
            format!("GET / HTTP/1.1\r\nNoColonHere\r\n{close}").into(),
            400,
        ),
    ];
    assert!(cases.len() >= 30);
    for (what, req, want) in &cases {
        let (st, resp) = raw(port, req, Duration::from_secs(5));
        assert_eq!(
            st,
            Some(*want),
            "{what}: {:?}",
            String::from_utf8_lossy(&resp[..resp.len().min(300)])
        );
        assert!(
            !resp.windows(16).any(|w| w == b"outside the root"),
            "{what}: leaked the file outside the root"
        );
        if *want == 405 {
            let text = String::from_utf8_lossy(&resp).to_ascii_lowercase();
            assert!(text.contains("allow: get, head"), "{what}: no Allow");
        }
    }
    get_ok(port);

    // Slowloris: one header byte per second never completes a request; the
    // header timeout (1.5 s) must cut the connection off.
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let start = Instant::now();
    let mut closed = false;
    let slow = b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    'outer: for &b in slow.iter() {
        if s.write_all(&[b]).is_err() {
            closed = true;
            break;
        }
        let until = Instant::now() + Duration::from_secs(1);
        while Instant::now() < until {
            let mut buf = [0u8; 256];
            match s.read(&mut buf) {
                Ok(0) => {
                    closed = true;
                    break 'outer;
                }
                Ok(_) => {}
                Err(e)
                    if e.kind() == std::io::ErrorKind::WouldBlock
                        || e.kind() == std::io::ErrorKind::TimedOut => {}
                Err(_) => {
                    closed = true;
                    break 'outer;
                }
            }
        }
    }
    let took = start.elapsed();
    assert!(closed, "slowloris connection never cut off");
    assert!(
        took < Duration::from_secs(10),
        "slowloris cut off only after {took:?}"
    );
    get_ok(port);
}

#[test]
fn kept_small_files_follow_changes_on_disk() {
    // Small files are kept in memory once their last change is a second
    // old; every request must still see the disk as it is now.
    let site = make_site();
    let root = &site.root;
    std::fs::write(root.join("k.txt"), "version-1\n").unwrap();
    std::fs::write(root.join("sub/k.txt"), "sub-v1\n").unwrap();
    std::thread::sleep(Duration::from_millis(1100));
    let (_wl, port) = start_wirelab(root, &[]);
    for _ in 0..3 {
        let g = curl(port, "/k.txt", false, &[]);
        assert_eq!((g.status, g.body.as_slice()), (200, &b"version-1\n"[..]));
    }
    let g = curl(port, "/k.txt", false, &["Range: bytes=8-9"]);
    assert_eq!((g.status, g.body.as_slice()), (206, &b"1\n"[..]));
    let tag = curl(port, "/k.txt", true, &[]).headers["etag"].clone();
    // Rewritten in place with the same size: the new bytes and validators.
    std::fs::write(root.join("k.txt"), "version-2\n").unwrap();
    let g = curl(port, "/k.txt", false, &[]);
    assert_eq!((g.status, g.body.as_slice()), (200, &b"version-2\n"[..]));
    let g = curl(port, "/k.txt", false, &[&format!("If-None-Match: {tag}")]);
    assert_eq!(g.status, 200, "the old ETag no longer matches");
    // Replaced by a symbolic link out of the root: refused.
    std::fs::remove_file(root.join("k.txt")).unwrap();
    std::os::unix::fs::symlink(&site.outside, root.join("k.txt")).unwrap();
    assert_eq!(curl(port, "/k.txt", false, &[]).status, 403);
    // Deleted: 404.
    std::fs::remove_file(root.join("k.txt")).unwrap();
    assert_eq!(curl(port, "/k.txt", false, &[]).status, 404);
    // A kept file whose directory became a symbolic link (to the same
    // directory, moved): refused as openat2(RESOLVE_BENEATH) refuses it.
    assert_eq!(curl(port, "/sub/k.txt", false, &[]).body, b"sub-v1\n");
    std::fs::rename(root.join("sub"), root.join("sub2")).unwrap();
    std::os::unix::fs::symlink(root.join("sub2"), root.join("sub")).unwrap();
    assert_eq!(curl(port, "/sub/k.txt", false, &[]).status, 403);
    assert_eq!(curl(port, "/sub2/k.txt", false, &[]).body, b"sub-v1\n");
}

#[test]
fn connection_limit_and_idle_connections() {
    let site = make_site();
    let (_wl, port) = start_wirelab(
        &site.root,
        &[
            "--header-timeout-ms",
            "1500",
            "--idle-timeout-ms",
            "3000",
            "--max-connections",
            "20",
        ],
    );
    // Let the server see the readiness probe's connection close first.
    std::thread::sleep(Duration::from_millis(300));
    // 20 idle connections fill the limit.
    let idle: Vec<TcpStream> = (0..20)
        .map(|_| TcpStream::connect(("127.0.0.1", port)).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    // Ten more are answered 503 and closed.
    for i in 0..10 {
        let (st, _) = raw(
            port,
            b"GET /task2.pdf HTTP/1.1\r\nHost: x\r\n\r\n",
            Duration::from_secs(5),
        );
        assert_eq!(st, Some(503), "connection {i} over the limit");
    }
    // The idle ones are closed by the header timeout, without a response.
    for (i, mut s) in idle.into_iter().enumerate() {
        s.set_read_timeout(Some(Duration::from_secs(8))).unwrap();
        let mut buf = [0u8; 64];
        let r = s.read(&mut buf);
        assert!(
            matches!(r, Ok(0)) || r.is_err(),
            "idle connection {i} still open: {r:?}"
        );
    }
    // Their slots are free again.
    get_ok(port);
}

#[test]
fn memory_stays_bounded_on_a_large_file() {
    // A 60 MB file fetched by a client that reads slowly: the server's
    // resident memory must not grow by anything like the file's size.
    let tmp = TempDir::new("big");
    let root = tmp.0.join("www");
    std::fs::create_dir_all(&root).unwrap();
    let f = std::fs::File::create(root.join("big.bin")).unwrap();
    f.set_len(60_000_000).unwrap();
    drop(f);
    let (wl, port) = start_wirelab(&root, &[]);
    let rss = |pid: u32| -> u64 {
        let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
        s.lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap()
    };
    let pid = wl.0.id();
    let before = rss(pid);
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.write_all(b"GET /big.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut total = 0usize;
    let mut peak = before;
    let mut buf = vec![0u8; 1 << 20];
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => total += n,
            Err(e) => panic!("read: {e}"),
        }
        peak = peak.max(rss(pid));
    }
    assert!(total > 60_000_000, "got {total} bytes");
    let grew_kib = peak.saturating_sub(before);
    assert!(
        grew_kib < 20_000,
        "RSS grew by {grew_kib} KiB for a 60 MB file"
    );
}

#[test]
fn echo_roundtrip_and_many_clients() {
    let port = free_port();
    let mut child = Command::new(WIRELAB)
        .args(["echo", "serve", "--listen", &format!("127.0.0.1:{port}")])
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    wait_tcp(port, &mut child, "server");
    let _server = Proc(child);
    let out: Output = Command::new(WIRELAB)
        .args(["echo", "client", "--connect", &format!("127.0.0.1:{port}")])
        .args(["--message", "hello lab"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("hello lab (rtt "), "{text}");
    // Interactive: each stdin line echoed.
    let mut c = Command::new(WIRELAB)
        .args([
            "echo",
            "client",
            "--interactive",
            "--connect",
            &format!("127.0.0.1:{port}"),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    c.stdin.take().unwrap().write_all(b"one\ntwo\n").unwrap();
    let out = c.wait_with_output().unwrap();
    assert!(out.status.success());
    let lines: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.split(" (rtt").next().unwrap_or("").to_string())
        .collect();
    assert_eq!(lines, ["one", "two"]);
    // Fifty clients at once, each with its own payload.
    let handles: Vec<_> = (0..50u32)
        .map(|i| {
            std::thread::spawn(move || {
                let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
                s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
                let msg: Vec<u8> = (0..1000 + i * 37).map(|k| (k * 7 + i) as u8).collect();
                s.write_all(&msg).unwrap();
                let mut back = vec![0u8; msg.len()];
                s.read_exact(&mut back).unwrap();
                assert_eq!(back, msg, "client {i}");
                s.shutdown(std::net::Shutdown::Write).unwrap();
                let mut rest = Vec::new();
                s.read_to_end(&mut rest).unwrap();
                assert!(rest.is_empty(), "server closes after the client's FIN");
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    // The same with a refused port: a clear error, exit code 1.
    let dead = free_port();
    let out = Command::new(WIRELAB)
        .args(["echo", "client", "--connect", &format!("127.0.0.1:{dead}")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains(&format!("127.0.0.1:{dead}")));
}
