//! Integration tests of `wirelab catalog`, `wirelab app` and `wirelab
//! client`, with the real binary on loopback: the catalog against nginx
//! (autoindex), the whole client journey (`wirelab dns` → RUDP app server →
//! downloads over HTTP and over RUDP, also through `wirelab link` with 10 %
//! loss), 50 concurrent application clients, malformed requests, and the
//! client's failures naming their phase. Every child process is killed and
//! every temporary directory removed on drop.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use sha2::{Digest, Sha256};
use wirelab_services::app::AppClient;

mod support;
use support::{free_port, peer, wait_tcp, NsPair, Proc, TempDir};

const WIRELAB: &str = env!("CARGO_BIN_EXE_wirelab");

/// Waits (at most 10 s) until a TCP socket listens on `port` in `ns`.
fn wait_listen(ns: &str, port: u16, child: &mut Child, what: &str) {
    wait_socket(ns, "-Hltn", port, child, what)
}

/// Waits (at most 10 s) until `ss FLAGS` lists a socket on `port` in `ns`.
fn wait_socket(ns: &str, flags: &str, port: u16, child: &mut Child, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(Some(st)) = child.try_wait() {
            panic!("{what} exited early: {st}");
        }
        let out = Command::new("ip")
            .args(["netns", "exec", ns, "ss", flags])
            .arg(format!("sport = :{port}"))
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_default();
        if !out.is_empty() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{what} did not listen on port {port} in {ns} within 10 s");
}

/// Starts a wirelab service with `--listen 127.0.0.1:0` among `args` and
/// returns it with the address it announced on stderr
/// (`<prefix>ADDR, …`). Its later stderr lines are echoed to ours.
fn service(args: &[&str], prefix: &str) -> (Proc, SocketAddr) {
    service_in(None, args, prefix)
}

/// [`service`] inside network namespace `ns` (if given). Its stdout is
/// kept in a pipe for [`stop_and_read`].
fn service_in(ns: Option<&str>, args: &[&str], prefix: &str) -> (Proc, SocketAddr) {
    let mut cmd = match ns {
        Some(ns) => {
            let mut c = Command::new("ip");
            c.args(["netns", "exec", ns, WIRELAB]);
            c
        }
        None => Command::new(WIRELAB),
    };
    let mut child = cmd
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start wirelab");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = mpsc::channel();
    let tag = args.first().copied().unwrap_or("").to_string();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            eprintln!("[{tag}] {line}");
            let _ = tx.send(line);
        }
    });
    let p = Proc(child);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = rx
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("wirelab {args:?} did not say where it listens"));
        if let Some(rest) = line.strip_prefix(prefix) {
            let addr = rest.split(',').next().unwrap_or_default();
            return (p, addr.parse().expect("listen address"));
        }
    }
}

/// Stops a service with SIGTERM (bounded wait) and returns its stdout.
fn stop_and_read(mut p: Proc) -> String {
    // SAFETY: signals our own child by its pid.
    unsafe {
        libc::kill(p.0.id() as i32, libc::SIGTERM);
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = p.0.try_wait() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = p.0.kill();
    let _ = p.0.wait();
    let mut out = String::new();
    if let Some(mut so) = p.0.stdout.take() {
        let _ = so.read_to_string(&mut out);
    }
    out
}

/// An HTTP file server the catalog reads: `wirelab http` (the scenario's
/// server) or nginx with autoindex (to show the catalog reads any listing).
struct HttpServer {
    _proc: Proc,
    port: u16,
    dir: TempDir,
}

impl HttpServer {
    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    /// Request lines served so far (`GET /x HTTP/1.1 200`), from the access log.
    /// nginx logs `$request $status`; `wirelab http` the combined log
    /// format (`… "GET /x HTTP/1.1" 200 …`), read back into the same shape.
    fn requests(&self) -> Vec<String> {
        let log = std::fs::read_to_string(self.dir.0.join("access.log")).unwrap_or_default();
        log.lines()
            .map(|l| match l.split_once(" \"") {
                Some((_, rest)) => match rest.split_once("\" ") {
                    Some((req, tail)) => {
                        format!("{req} {}", tail.split(' ').next().unwrap_or(""))
                    }
                    None => l.to_string(),
                },
                None => l.to_string(),
            })
            .collect()
    }
}

/// nginx on a free loopback port.
fn start_nginx(root: &Path) -> HttpServer {
    start_nginx_at(root, None, "127.0.0.1", free_port())
}

/// `wirelab http` on a free loopback port.
fn start_http_server(root: &Path) -> HttpServer {
    start_http_server_at(root, None, "127.0.0.1", free_port())
}

/// `wirelab http` on `ip:port`, inside network namespace `ns` if given.
fn start_http_server_at(root: &Path, ns: Option<&str>, ip: &str, port: u16) -> HttpServer {
    let dir = TempDir::new("wlhttp");
    let mut cmd = command_in(ns, Path::new(env!("CARGO_BIN_EXE_wirelab")));
    cmd.arg("http")
        .arg("--listen")
        .arg(format!("{ip}:{port}"))
        .arg("--root")
        .arg(root)
        .arg("--access-log")
        .arg(dir.0.join("access.log"));
    spawn_http_server(cmd, ns, port, dir, "wirelab http")
}

/// nginx on `ip:port`, inside network namespace `ns` if given.
fn start_nginx_at(root: &Path, ns: Option<&str>, ip: &str, port: u16) -> HttpServer {
    let nginx = peer("nginx");
    let dir = TempDir::new("nginx");
    let d = dir.0.display();
    let conf = dir.0.join("nginx.conf");
    std::fs::write(
        &conf,
        format!(
            "daemon off;\nmaster_process off;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\n\
             events {{ worker_connections 512; }}\nhttp {{\n\
             log_format req '$request $status';\naccess_log {d}/access.log req;\n\
             client_body_temp_path {d}/cb;\nproxy_temp_path {d}/px;\nfastcgi_temp_path {d}/fc;\n\
             uwsgi_temp_path {d}/uw;\nscgi_temp_path {d}/sc;\n\
             server {{\n listen {ip}:{port};\n root {};\n autoindex on;\n\
             autoindex_exact_size on;\n }}\n}}\n",
            root.display()
        ),
    )
    .unwrap();
    let mut cmd = command_in(ns, Path::new(&nginx));
    cmd.arg("-c")
        .arg(&conf)
        .arg("-p")
        .arg(&dir.0)
        .arg("-e")
        .arg(dir.0.join("error.log"));
    spawn_http_server(cmd, ns, port, dir, "nginx")
}

/// `program`, run inside network namespace `ns` if given.
fn command_in(ns: Option<&str>, program: &Path) -> Command {
    match ns {
        Some(ns) => {
            let mut c = Command::new("ip");
            c.args(["netns", "exec", ns]).arg(program);
            c
        }
        None => Command::new(program),
    }
}

/// Starts an HTTP server command and waits until it listens on `port`.
fn spawn_http_server(
    mut cmd: Command,
    ns: Option<&str>,
    port: u16,
    dir: TempDir,
    what: &str,
) -> HttpServer {
    let child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("start {what}: {e}"));
    let mut p = Proc(child);
    match ns {
        None => wait_tcp(port, &mut p.0, what),
        Some(ns) => wait_listen(ns, port, &mut p.0, what),
    }
    HttpServer {
        _proc: p,
        port,
        dir,
    }
}

/// `wirelab catalog` over the HTTP server at `http_url` and `wirelab app`
/// over that catalog, both on free loopback ports; `app_args` are added to
/// the app's command line. Returns each process with its address.
fn start_catalog_and_app(
    http_url: &str,
    app_args: &[&str],
) -> (Proc, SocketAddr, Proc, SocketAddr) {
    let (cat, cat_addr) = service(
        &["catalog", "--listen", "127.0.0.1:0", "--http", http_url],
        "catalog: listening on ",
    );
    let cat_text = cat_addr.to_string();
    let mut args = vec!["app", "--listen", "127.0.0.1:0", "--catalog", &cat_text];
    args.extend_from_slice(app_args);
    let (app, app_addr) = service(&args, "app: listening on ");
    (cat, cat_addr, app, app_addr)
}

fn sha_hex(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Writes the test files (and a subdirectory the catalog must skip);
/// returns name → (size, sha256).
fn make_files(root: &Path, sizes: &[(&str, usize)]) -> BTreeMap<String, (u64, String)> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(42);
    let mut out = BTreeMap::new();
    for (name, size) in sizes {
        let data: Vec<u8> = (0..*size).map(|_| rng.gen()).collect();
        std::fs::write(root.join(name), &data).unwrap();
        out.insert(name.to_string(), (*size as u64, sha_hex(&data)));
    }
    std::fs::create_dir_all(root.join("sub")).unwrap();
    std::fs::write(root.join("sub/hidden.txt"), b"not listed").unwrap();
    out
}

const FILES: &[(&str, usize)] = &[
    ("big.bin", 2_500_000),
    ("image-site.png", 70_001),
    ("task 2.pdf", 1_234),
    ("a&b+c%.txt", 17),
    ("empty.txt", 0),
];

/// A line-protocol connection to the catalog.
struct CatalogConn {
    r: BufReader<TcpStream>,
    w: TcpStream,
}

impl CatalogConn {
    fn connect(addr: SocketAddr) -> Self {
        let s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        Self {
            w: s.try_clone().unwrap(),
            r: BufReader::new(s),
        }
    }

    fn line(&mut self) -> String {
        let mut l = String::new();
        self.r.read_line(&mut l).expect("catalog answer");
        assert!(l.ends_with('\n'), "unterminated line {l:?}");
        l.trim_end_matches('\n').to_string()
    }

    fn cmd(&mut self, c: &str) -> String {
        self.w.write_all(format!("{c}\r\n").as_bytes()).unwrap();
        self.line()
    }

    /// `LIST` → Ok((base, name → (size, sha))) or Err(the ERR line).
    #[allow(clippy::type_complexity)]
    fn list(&mut self) -> Result<(String, BTreeMap<String, (u64, String)>), String> {
        let head = self.cmd("LIST");
        if head.starts_with("ERR ") {
            return Err(head);
        }
        let f: Vec<&str> = head.splitn(3, ' ').collect();
        assert_eq!(f[0], "OK", "{head}");
        let n: usize = f[1].parse().unwrap();
        let mut m = BTreeMap::new();
        for _ in 0..n {
            let l = self.line();
            let p: Vec<&str> = l.split('\t').collect();
            assert_eq!(p.len(), 3, "{l:?}");
            m.insert(p[0].to_string(), (p[1].parse().unwrap(), p[2].to_string()));
        }
        Ok((f[2].to_string(), m))
    }
}

#[test]
fn catalog_lists_nginx_files_caches_and_reports_errors() {
    let www = TempDir::new("www");
    let files = make_files(&www.0, FILES);
    let http = start_nginx(&www.0);
    let (_cat, addr) = service(
        &["catalog", "--listen", "127.0.0.1:0", "--http", &http.url()],
        "catalog: listening on ",
    );
    let mut c = CatalogConn::connect(addr);
    let (base, listed) = c.list().unwrap();
    assert_eq!(base, http.url());
    assert_eq!(listed, files, "names, sizes and SHA-256 as on disk");

    // Cached: the second LIST reads the listing and nothing else. nginx
    // logs a request after its response has gone, so the first LIST's
    // lines (the listing and each file) may still be on their way.
    let first = 1 + files.len();
    let deadline = Instant::now() + Duration::from_secs(5);
    while http.requests().len() < first && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let before = http.requests().len();
    assert_eq!(before, first, "{:?}", http.requests());
    assert_eq!(c.list().unwrap().1, files);
    let new: Vec<String> = http.requests()[before..].to_vec();
    assert_eq!(
        new,
        ["GET / HTTP/1.1 200"],
        "only the listing was read again"
    );

    // Errors keep the connection.
    assert_eq!(c.cmd("FOO bar"), "ERR unknown command \"FOO bar\"");
    assert!(c.cmd("").starts_with("ERR empty command"));
    assert_eq!(c.list().unwrap().1, files);

    // With --ttl 0 every LIST checks each file with HEAD, and re-hashes
    // only the one that changed.
    let (_cat0, addr0) = service(
        &[
            "catalog",
            "--listen",
            "127.0.0.1:0",
            "--http",
            &http.url(),
            "--ttl",
            "0",
        ],
        "catalog: listening on ",
    );
    let mut c0 = CatalogConn::connect(addr0);
    assert_eq!(c0.list().unwrap().1, files);
    let before = http.requests().len();
    assert_eq!(c0.list().unwrap().1, files);
    let new = http.requests()[before..].to_vec();
    assert_eq!(new.len(), 1 + files.len(), "{new:?}");
    assert_eq!(
        new.iter().filter(|l| l.starts_with("HEAD ")).count(),
        files.len()
    );
    std::fs::write(www.0.join("task 2.pdf"), b"changed, and longer than before").unwrap();
    let mut changed = files.clone();
    changed.insert(
        "task 2.pdf".into(),
        (31, sha_hex(b"changed, and longer than before")),
    );
    let before = http.requests().len();
    assert_eq!(c0.list().unwrap().1, changed);
    let gets: Vec<String> = http.requests()[before..]
        .iter()
        .filter(|l| l.starts_with("GET /") && !l.starts_with("GET / "))
        .cloned()
        .collect();
    assert_eq!(gets, ["GET /task%202.pdf HTTP/1.1 200"]);

    // A directory that does not exist: the status is named.
    let (_cat404, addr404) = service(
        &[
            "catalog",
            "--listen",
            "127.0.0.1:0",
            "--http",
            &format!("{}missing/", http.url()),
            "--idle-timeout",
            "0.5",
        ],
        "catalog: listening on ",
    );
    let e = CatalogConn::connect(addr404).list().unwrap_err();
    assert_eq!(
        e,
        format!("ERR http GET {}missing/ answered 404 Not Found", http.url())
    );
    // An idle connection is told why and closed.
    let mut idle = CatalogConn::connect(addr404);
    assert_eq!(idle.line(), "ERR idle timeout");
    let mut rest = Vec::new();
    idle.r.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty());

    // The HTTP server is gone: a clear ERR, and the connection lives on.
    let url = http.url();
    drop(http);
    let e = c.list().unwrap_err();
    assert_eq!(
        e,
        format!("ERR http server {url} unreachable: connection refused")
    );
    assert_eq!(c.cmd("QUIT"), "BYE");
    let mut rest = Vec::new();
    c.r.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty(), "closed after QUIT");
}

/// `wirelab dns` serving example.com → 127.0.0.1 / ::1.
fn start_dns(dir: &Path) -> (Proc, SocketAddr) {
    let port = free_port();
    start_dns_at(dir, None, "127.0.0.1", port, "127.0.0.1")
}

/// `wirelab dns` on `ip:port` (in `ns` if given) serving example.com → `a`, ::1.
fn start_dns_at(dir: &Path, ns: Option<&str>, ip: &str, port: u16, a: &str) -> (Proc, SocketAddr) {
    let zone = dir.join("example.zone");
    std::fs::write(
        &zone,
        format!(
            "$ORIGIN example.com.\n$TTL 300\n\
             @ IN SOA ns1 hostmaster 1 7200 900 1209600 300\n\
             @ IN NS ns1\n@ IN A {a}\n@ IN AAAA ::1\nns1 IN A {a}\n"
        ),
    )
    .unwrap();
    let mut cmd = match ns {
        Some(ns) => {
            let mut c = Command::new("ip");
            c.args(["netns", "exec", ns, WIRELAB]);
            c
        }
        None => Command::new(WIRELAB),
    };
    let child = cmd
        .args(["dns", "--listen", &format!("{ip}:{port}")])
        .args(["--udp-workers", "1", "--log-level", "warn", "--zone"])
        .arg(&zone)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start wirelab dns");
    let mut p = Proc(child);
    match ns {
        None => wait_tcp(port, &mut p.0, "wirelab dns"),
        Some(ns) => wait_listen(ns, port, &mut p.0, "wirelab dns"),
    }
    (p, format!("{ip}:{port}").parse().unwrap())
}

/// A TCP echo server thread for `--echo`: echoes each connection until
/// its FIN, then closes.
fn echo_server() -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    std::thread::spawn(move || {
        for s in l.incoming().take(16) {
            let Ok(mut s) = s else { continue };
            let _ = s.set_read_timeout(Some(Duration::from_secs(30)));
            let mut buf = [0u8; 4096];
            while let Ok(n) = s.read(&mut buf) {
                if n == 0 || s.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    });
    addr
}

struct Run {
    ok: bool,
    stdout: String,
    stderr: String,
}

/// Runs `wirelab client ARGS` (killed after 180 s).
fn client(args: &[&str]) -> Run {
    client_in(None, args)
}

/// [`client`] inside network namespace `ns` if given.
fn client_in(ns: Option<&str>, args: &[&str]) -> Run {
    let mut cmd = match ns {
        Some(ns) => {
            let mut c = Command::new("ip");
            c.args(["netns", "exec", ns, WIRELAB]);
            c
        }
        None => Command::new(WIRELAB),
    };
    let mut child = cmd
        .arg("client")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start wirelab client");
    let mut so = child.stdout.take().unwrap();
    let mut se = child.stderr.take().unwrap();
    let t_out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = so.read_to_string(&mut s);
        s
    });
    let t_err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = se.read_to_string(&mut s);
        s
    });
    let deadline = Instant::now() + Duration::from_secs(180);
    let mut p = Proc(child);
    let status = loop {
        if let Some(st) = p.0.try_wait().unwrap() {
            break st;
        }
        if Instant::now() > deadline {
            panic!("wirelab client {args:?} did not finish within 180 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let r = Run {
        ok: status.success(),
        stdout: t_out.join().unwrap(),
        stderr: t_err.join().unwrap(),
    };
    if !r.ok {
        eprintln!("client {args:?} failed: {status}\n{}", r.stderr);
    }
    r
}

fn json(r: &Run) -> serde_json::Value {
    serde_json::from_str(r.stdout.trim()).unwrap_or_else(|e| {
        panic!(
            "client --json printed no JSON ({e}):\n{}\n{}",
            r.stdout, r.stderr
        )
    })
}

/// Every listed file is in `out` with the size and SHA-256 it has on the
/// server, and the JSON summary says the same.
fn check_downloads(j: &serde_json::Value, out: &Path, files: &BTreeMap<String, (u64, String)>) {
    assert_eq!(j["ok"], true, "{j}");
    let listed = j["files"].as_array().expect("files");
    assert_eq!(listed.len(), files.len(), "{j}");
    for f in listed {
        let name = f["name"].as_str().unwrap();
        let (size, sha) = &files[name];
        assert_eq!(f["size"], *size, "{name}");
        assert_eq!(f["sha256"], sha.as_str(), "{name}");
    }
    for (name, (size, sha)) in files {
        let data = std::fs::read(out.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(data.len() as u64, *size, "{name}");
        assert_eq!(&sha_hex(&data), sha, "{name}");
        assert!(!out.join(format!("{name}.part")).exists());
    }
}

#[test]
fn client_journey_over_http_rudp_and_a_lossy_link() {
    let www = TempDir::new("www");
    let files = make_files(&www.0, FILES);
    let http = start_http_server(&www.0);
    let (_cat, _, _app, app_addr) = start_catalog_and_app(&http.url(), &[]);
    let tmp = TempDir::new("dns");
    let (_dns, dns_addr) = start_dns(&tmp.0);
    let echo = echo_server();
    let dns = dns_addr.to_string();
    let app_port = app_addr.port().to_string();
    let echo_s = echo.to_string();
    let base = [
        "--dns",
        dns.as_str(),
        "--name",
        "example.com",
        "--timeout",
        "20",
        "--json",
    ];

    // 1. Over HTTP, with the TCP echo.
    let out = TempDir::new("out-http");
    let out_s = out.0.to_str().unwrap();
    let mut args = base.to_vec();
    args.extend([
        "--app-port",
        &app_port,
        "--out",
        out_s,
        "--echo",
        &echo_s,
        "--user",
        "alice",
    ]);
    let r = client(&args);
    assert!(r.ok);
    let j = json(&r);
    check_downloads(&j, &out.0, &files);
    assert_eq!(j["dns"]["a"]["addrs"], serde_json::json!(["127.0.0.1"]));
    assert_eq!(j["dns"]["aaaa"]["addrs"], serde_json::json!(["::1"]));
    assert_eq!(j["rudp"]["user"], "alice");
    assert_eq!(j["rudp"]["base"], http.url().as_str());
    assert!(j["rudp"]["stat"]["packets_received"].is_string(), "{j}");
    assert_eq!(j["http_connections"], 1, "one keep-alive connection");
    assert_eq!(j["tcp_echo"]["server"], echo_s.as_str());
    let phases: Vec<&str> = j["phases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["phase"].as_str().unwrap())
        .collect();
    assert_eq!(phases, ["dns", "rudp", "download", "tcp-echo", "bye"]);

    // 2. Resuming a partial download with a Range request.
    let out2 = TempDir::new("out-resume");
    let big = std::fs::read(www.0.join("big.bin")).unwrap();
    std::fs::write(out2.0.join("big.bin.part"), &big[..1_000_000]).unwrap();
    let before = http.requests().len();
    let mut args = base.to_vec();
    args.extend(["--app-port", &app_port, "--out", out2.0.to_str().unwrap()]);
    let r = client(&args);
    assert!(r.ok);
    let j = json(&r);
    check_downloads(&j, &out2.0, &files);
    let f = j["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "big.bin")
        .unwrap()
        .clone();
    assert_eq!(f["resumed_from"], 1_000_000);
    assert_eq!(f["transferred"], 1_500_000);
    assert!(http.requests()[before..].contains(&"GET /big.bin HTTP/1.1 206".to_string()));

    // 3. Over RUDP FETCH, human-readable output.
    let out3 = TempDir::new("out-rudp");
    let r = client(&[
        "--dns",
        &dns,
        "--app-port",
        &app_port,
        "--via",
        "rudp",
        "--out",
        out3.0.to_str().unwrap(),
    ]);
    assert!(r.ok);
    for (name, (size, sha)) in &files {
        let data = std::fs::read(out3.0.join(name)).unwrap();
        assert_eq!((data.len() as u64, &sha_hex(&data)), (*size, sha), "{name}");
    }
    assert!(
        r.stdout.contains("dns: example.com A -> 127.0.0.1"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("over rudp"), "{}", r.stdout);
    assert!(r.stdout.contains("phase"), "summary table:\n{}", r.stdout);

    // 4. Over RUDP through `wirelab link` with 10 % loss each way.
    let (link, link_addr) = service(
        &[
            "link",
            "--listen",
            "127.0.0.1:0",
            "--forward",
            &app_addr.to_string(),
            "--loss",
            "10%",
            "--seed",
            "7",
        ],
        "link: listening on ",
    );
    let out4 = TempDir::new("out-lossy");
    let mut args = base.to_vec();
    let link_port = link_addr.port().to_string();
    args.extend([
        "--app-port",
        &link_port,
        "--via",
        "rudp",
        "--out",
        out4.0.to_str().unwrap(),
    ]);
    let r = client(&args);
    assert!(r.ok);
    let j = json(&r);
    check_downloads(&j, &out4.0, &files);
    // The link did drop packets on the way to the client.
    let report = stop_and_read(link);
    let lost = report
        .lines()
        .find_map(|l| l.trim().strip_prefix("server -> client: "))
        .and_then(|l| l.split("lost ").nth(1))
        .and_then(|l| l.split(',').next())
        .and_then(|n| n.parse::<u64>().ok())
        .unwrap_or_else(|| panic!("no link report:\n{report}"));
    assert!(
        lost > 100,
        "10 % of ~2000 packets lost, not {lost}:\n{report}"
    );
}

#[test]
fn a_changed_file_fails_the_download_naming_it() {
    let www = TempDir::new("www");
    make_files(&www.0, &[("stable.bin", 5_000), ("changing.bin", 20_000)]);
    let http = start_http_server(&www.0);
    let (_cat, cat_addr, _app, app_addr) = start_catalog_and_app(&http.url(), &[]);
    // The catalog hashes now and trusts its cache for 30 s; the file then
    // changes under it, keeping its size.
    CatalogConn::connect(cat_addr).list().unwrap();
    std::fs::write(www.0.join("changing.bin"), vec![7u8; 20_000]).unwrap();
    for via in ["http", "rudp"] {
        let out = TempDir::new("out");
        let app = app_addr.to_string();
        let r = client(&[
            "--app",
            &app,
            "--via",
            via,
            "--out",
            out.0.to_str().unwrap(),
        ]);
        assert!(!r.ok, "{via}: a SHA-256 mismatch must fail");
        assert!(
            r.stderr.contains("phase download") && r.stderr.contains("changing.bin"),
            "{via}: {}",
            r.stderr
        );
        assert!(r.stderr.contains("SHA-256"), "{}", r.stderr);
        assert!(!out.0.join("changing.bin").exists());
        assert!(!out.0.join("changing.bin.part").exists());
    }
}

#[test]
fn client_failures_name_the_phase() {
    // Nothing listens on these ports.
    let dead_dns = format!("127.0.0.1:{}", free_port());
    let r = client(&["--dns", &dead_dns, "--timeout", "1"]);
    assert!(!r.ok);
    assert!(r.stderr.contains("phase dns"), "{}", r.stderr);
    let dead_app = format!("127.0.0.1:{}", free_port());
    let r = client(&["--app", &dead_app, "--timeout", "1", "--json"]);
    assert!(!r.ok);
    assert!(r.stderr.contains("phase rudp"), "{}", r.stderr);
    let j = json(&r);
    assert_eq!(j["ok"], false);
    assert!(j["error"].as_str().unwrap().starts_with("phase rudp"));
    let r = client(&["--timeout", "1"]);
    assert!(!r.ok);
    assert!(
        r.stderr.contains("phase dns: no DNS server"),
        "{}",
        r.stderr
    );
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn fifty_concurrent_clients() {
    let www = TempDir::new("www");
    let files = make_files(
        &www.0,
        &[("one.bin", 100_000), ("two.txt", 10_000), ("none", 0)],
    );
    let http = start_http_server(&www.0);
    let (_cat, _, _app, app_addr) = start_catalog_and_app(&http.url(), &["--log-level", "warn"]);
    let rt = runtime();
    let ids = rt.block_on(async {
        let mut tasks = Vec::new();
        for i in 0..50 {
            let files = files.clone();
            tasks.push(tokio::spawn(async move {
                let t = Duration::from_secs(60);
                let c = AppClient::connect(app_addr, t).await?;
                let id = c.new_session(&format!("user{i}")).await?;
                c.echo(id).await?;
                let stat = c.stat(id).await?;
                anyhow::ensure!(stat.iter().any(|(k, _)| k == "srtt_ms"), "{stat:?}");
                let l = c.get(id).await?;
                anyhow::ensure!(l.entries.len() == files.len());
                for e in &l.entries {
                    let mut h = Sha256::new();
                    let mut n = 0u64;
                    c.fetch(&e.name, |d| {
                        h.update(d);
                        n += d.len() as u64;
                        Ok(())
                    })
                    .await?;
                    let sha: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
                    anyhow::ensure!((n, &sha) == (files[&e.name].0, &files[&e.name].1));
                }
                c.bye().await?;
                anyhow::Ok(id)
            }));
        }
        let all = async {
            let mut ids = Vec::new();
            for t in tasks {
                ids.push(t.await.expect("task").expect("client"));
            }
            ids
        };
        tokio::time::timeout(Duration::from_secs(240), all)
            .await
            .expect("50 clients within 240 s")
    });
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 50, "every session has its own id");
}

#[test]
fn malformed_requests_get_err_and_the_connection_lives_on() {
    let www = TempDir::new("www");
    make_files(&www.0, &[("f.bin", 3_000)]);
    let http = start_http_server(&www.0);
    let (_cat, _, _app, app_addr) = start_catalog_and_app(&http.url(), &[]);
    // An app server whose catalog is down.
    let dead = format!("127.0.0.1:{}", free_port());
    let cfg = TempDir::new("cfg");
    let cfg_file = cfg.0.join("app.toml");
    std::fs::write(
        &cfg_file,
        format!("listen = \"127.0.0.1:0\"\ncatalog = \"{dead}\"\n"),
    )
    .unwrap();
    let (_app2, app2_addr) = service(
        &["app", "--config", cfg_file.to_str().unwrap()],
        "app: listening on ",
    );
    runtime().block_on(async {
        let t = Duration::from_secs(30);
        let c = AppClient::connect(app_addr, t).await.unwrap();
        let cases: &[(&[u8], &str)] = &[
            (b"HELLO", "ERR unknown command \"HELLO\""),
            (b"ECHO 1", "ERR unknown id 1 (send NEW <user> first)"),
            (b"", "ERR empty request"),
            (b"\xff\xfe\x00", "ERR request is not UTF-8 text"),
            (b"NEW", "ERR usage: NEW <user>"),
            (b"GET x", "ERR usage: GET <id>"),
            (b"FETCH ../../etc/passwd", "ERR usage: FETCH <name>"),
            (b"BYE now", "ERR unknown command \"BYE now\""),
        ];
        for (req, want) in cases {
            let a = c.call(req).await.unwrap();
            assert!(a.starts_with(want), "{req:?}: {a}");
        }
        let id = c.new_session("mallory").await.unwrap();
        let a = c
            .call(format!("ECHO {}", id + 1000).as_bytes())
            .await
            .unwrap();
        assert!(a.starts_with("ERR unknown id"), "{a}");
        let a = c.call(b"FETCH nope.bin").await.unwrap();
        assert_eq!(a, "ERR no such file \"nope.bin\" in the catalog");
        let (rtt, _) = c.echo(id).await.unwrap();
        assert!(rtt < t);
        assert_eq!(c.get(id).await.unwrap().entries.len(), 1);
        c.bye().await.unwrap();

        let c = AppClient::connect(app2_addr, t).await.unwrap();
        let id = c.new_session("bob").await.unwrap();
        let a = c.call(format!("GET {id}").as_bytes()).await.unwrap();
        assert_eq!(
            a,
            format!("ERR catalog {dead}: unreachable: connection refused")
        );
        c.echo(id).await.unwrap();
        c.bye().await.unwrap();
    });
}

/// The scenario on a virtual network: the client has no address, gets one
/// from `wirelab dhcp` (which names the DNS server), finds the application
/// server with `wirelab dns`, and downloads the catalog's files from nginx.
#[test]
fn scenario_in_namespaces_from_dhcp_to_files() {
    let net = NsPair::new("a", None);
    let www = TempDir::new("www");
    let files = make_files(
        &www.0,
        &[("task2.pdf", 40_000), ("image-site.png", 300_000)],
    );
    let http = start_http_server_at(&www.0, Some(&net.s), "10.20.30.40", 80);
    let tmp = TempDir::new("scenario");
    let mut dhcp = Proc(
        Command::new("ip")
            .args([
                "netns",
                "exec",
                &net.s,
                WIRELAB,
                "dhcp",
                "--interface",
                &net.sif,
            ])
            .arg("--leases")
            .arg(tmp.0.join("leases"))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start wirelab dhcp"),
    );
    wait_socket(&net.s, "-Hlun", 67, &mut dhcp.0, "wirelab dhcp");
    let (_dns, _) = start_dns_at(&tmp.0, Some(&net.s), "10.20.30.40", 53, "10.20.30.40");
    let (_cat, _) = service_in(
        Some(&net.s),
        &[
            "catalog",
            "--listen",
            "10.20.30.40:49153",
            "--http",
            "http://10.20.30.40/",
        ],
        "catalog: listening on ",
    );
    let (_app, _) = service_in(
        Some(&net.s),
        &[
            "app",
            "--listen",
            "10.20.30.40:49152",
            "--catalog",
            "10.20.30.40:49153",
        ],
        "app: listening on ",
    );
    let out = TempDir::new("out");
    let r = client_in(
        Some(&net.c),
        &[
            "--interface",
            &net.cif,
            "--out",
            out.0.to_str().unwrap(),
            "--json",
        ],
    );
    assert!(r.ok);
    let j = json(&r);
    check_downloads(&j, &out.0, &files);
    let addr = j["dhcp"]["address"].as_str().unwrap().to_string();
    assert!(addr.starts_with("10.20.30."), "{j}");
    assert_eq!(j["dhcp"]["dns"], serde_json::json!(["10.20.30.40"]));
    assert_eq!(j["dns"]["server"], "10.20.30.40:53");
    assert_eq!(j["dns"]["a"]["addrs"], serde_json::json!(["10.20.30.40"]));
    assert_eq!(j["rudp"]["server"], "10.20.30.40:49152");
    assert_eq!(j["rudp"]["base"], "http://10.20.30.40/");
    // The interface was configured with the leased address.
    let shown = Command::new("ip")
        .args(["-n", &net.c, "-4", "addr", "show", "dev", &net.cif])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&shown.stdout).contains(&format!("{addr}/24")),
        "{}",
        String::from_utf8_lossy(&shown.stdout)
    );
    drop(http);
}

/// An answer too large for 512 bytes of UDP comes back truncated; the
/// client asks again over TCP and reports it.
#[test]
fn truncated_dns_answer_is_retried_over_tcp() {
    let tmp = TempDir::new("dns-tc");
    let zone = tmp.0.join("many.zone");
    let mut text = String::from(
        "$ORIGIN example.com.\n$TTL 300\n@ IN SOA ns1 hostmaster 1 7200 900 1209600 300\n\
         @ IN NS ns1\nns1 IN A 127.0.0.1\n",
    );
    for i in 1..=60 {
        text.push_str(&format!("many IN A 127.0.1.{i}\n"));
    }
    std::fs::write(&zone, text).unwrap();
    let port = free_port();
    let mut p = Proc(
        Command::new(WIRELAB)
            .args(["dns", "--listen", &format!("127.0.0.1:{port}")])
            .args(["--udp-workers", "1", "--log-level", "warn", "--zone"])
            .arg(&zone)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start wirelab dns"),
    );
    wait_tcp(port, &mut p.0, "wirelab dns");
    let dns = format!("127.0.0.1:{port}");
    // Nothing serves RUDP on the port the answer leads to: the run fails
    // in the rudp phase, after the DNS phase is reported.
    let dead = free_port().to_string();
    let r = client(&[
        "--dns",
        &dns,
        "--name",
        "many.example.com",
        "--app-port",
        &dead,
        "--timeout",
        "1",
        "--json",
    ]);
    assert!(!r.ok);
    let j = json(&r);
    assert_eq!(j["dns"]["a"]["tcp"], true, "{j}");
    assert_eq!(j["dns"]["a"]["addrs"].as_array().unwrap().len(), 60);
    assert_eq!(j["dns"]["aaaa"]["tcp"], false, "{j}");
    assert!(
        j["error"].as_str().unwrap().starts_with("phase rudp"),
        "{j}"
    );
}

/// A deliberately broken HTTP server (no real one misbehaves on demand):
/// it lists `f.bin`, serves it whole to the first GET (the catalog's) and
/// cuts every later body off halfway.
fn breaking_http_server() -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut file_gets = 0;
        for s in l.incoming().take(32) {
            let Ok(mut s) = s else { continue };
            let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
            let mut head = Vec::new();
            let mut b = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && head.len() < 8192 {
                match s.read(&mut b) {
                    Ok(1) => head.push(b[0]),
                    _ => break,
                }
            }
            let head = String::from_utf8_lossy(&head).into_owned();
            let body: Vec<u8> = if head.starts_with("GET / ") {
                b"<html><body><a href=\"f.bin\">f.bin</a></body></html>".to_vec()
            } else {
                vec![b'x'; 1000]
            };
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            if head.starts_with("GET /f.bin") {
                file_gets += 1;
                let n = if file_gets == 1 { body.len() } else { 500 };
                let _ = s.write_all(&body[..n]);
            } else {
                let _ = s.write_all(&body);
            }
        }
    });
    addr
}

#[test]
fn a_transfer_cut_short_is_an_err_and_the_connection_lives_on() {
    let http = breaking_http_server();
    let (_cat, _, _app, app_addr) = start_catalog_and_app(&format!("http://{http}/"), &[]);
    runtime().block_on(async {
        let c = AppClient::connect(app_addr, Duration::from_secs(30))
            .await
            .unwrap();
        let id = c.new_session("eve").await.unwrap();
        let l = c.get(id).await.unwrap();
        assert_eq!(l.entries.len(), 1);
        assert_eq!(l.entries[0].size, 1000);
        let mut got = 0usize;
        let e = c
            .fetch("f.bin", |d| {
                got += d.len();
                Ok(())
            })
            .await
            .unwrap_err()
            .to_string();
        assert!(e.contains("transfer aborted after"), "{e}");
        assert!(
            e.contains("ERR http GET http://"),
            "the server's reason: {e}"
        );
        assert!(got <= 500, "{got}");
        // The same connection still answers.
        c.echo(id).await.unwrap();
        assert_eq!(c.get(id).await.unwrap().entries.len(), 1);
        c.bye().await.unwrap();
    });
}
