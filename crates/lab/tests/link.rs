//! Runs the real `wirelab link` binary on loopback between two sockets.

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, UdpSocket};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The `wirelab` binary of this build profile, built if missing.
fn wirelab() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    // target/<profile>/deps/link-HASH -> target/<profile>/wirelab
    let dir = exe
        .parent()
        .and_then(|d| d.parent())
        .expect("target dir")
        .to_path_buf();
    let bin = dir.join(format!("wirelab{}", std::env::consts::EXE_SUFFIX));
    if !bin.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut cmd = Command::new(cargo);
        cmd.args(["build", "-p", "wirelab", "--bin", "wirelab"]);
        if dir.file_name().is_some_and(|n| n == "release") {
            cmd.arg("--release");
        }
        let st = cmd.status().expect("run cargo build -p wirelab");
        assert!(st.success(), "cargo build -p wirelab failed");
    }
    assert!(bin.exists(), "no wirelab binary at {}", bin.display());
    bin
}

/// Kills the relay even when the test fails.
struct Relay {
    child: Child,
    listen: SocketAddr,
}

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_link(forward: SocketAddr, extra: &[&str]) -> Relay {
    let mut child = Command::new(wirelab())
        .args([
            "link",
            "--listen",
            "127.0.0.1:0",
            "--forward",
            &forward.to_string(),
        ])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn wirelab link");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut relay = Relay {
        child,
        listen: "0.0.0.0:0".parse().unwrap(),
    };
    let line = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("wirelab link did not say where it listens");
    let addr = line
        .strip_prefix("link: listening on ")
        .and_then(|r| r.split(',').next())
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
    relay.listen = addr.parse().expect("listen address");
    relay
}

fn finish(mut relay: Relay) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if relay.child.try_wait().expect("wait").is_some() {
            let mut out = String::new();
            use std::io::Read;
            relay
                .child
                .stdout
                .take()
                .expect("stdout")
                .read_to_string(&mut out)
                .expect("read stdout");
            return out;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("wirelab link did not stop after --duration");
}

#[test]
fn relays_both_ways_with_delay_and_reports() {
    let client = UdpSocket::bind("127.0.0.1:0").unwrap();
    let server = UdpSocket::bind("127.0.0.1:0").unwrap();
    client
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    server
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let relay = start_link(
        server.local_addr().unwrap(),
        &["--delay", "20ms", "--duration", "3s"],
    );
    let mut buf = [0u8; 2048];
    for i in 0..50u32 {
        let sent = Instant::now();
        client.send_to(&i.to_be_bytes(), relay.listen).unwrap();
        let (n, via) = server.recv_from(&mut buf).expect("relayed to the server");
        assert_eq!(&buf[..n], &i.to_be_bytes());
        assert_ne!(
            via,
            client.local_addr().unwrap(),
            "the server sees the relay, not the client"
        );
        server.send_to(&buf[..n], via).unwrap();
        let (n, from) = client
            .recv_from(&mut buf)
            .expect("reply relayed to the client");
        assert_eq!(from, relay.listen);
        assert_eq!(&buf[..n], &i.to_be_bytes());
        // 20 ms each way.
        assert!(
            sent.elapsed() >= Duration::from_millis(40),
            "{:?}",
            sent.elapsed()
        );
    }
    let report = finish(relay);
    assert!(report.contains("1 client(s)"), "{report}");
    assert!(
        report.contains("client -> server: in 50 packets"),
        "{report}"
    );
    assert!(
        report.contains("server -> client: in 50 packets"),
        "{report}"
    );
}

#[test]
fn loss_drops_about_the_configured_share() {
    let client = UdpSocket::bind("127.0.0.1:0").unwrap();
    let server = UdpSocket::bind("127.0.0.1:0").unwrap();
    server
        .set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let relay = start_link(
        server.local_addr().unwrap(),
        &["--loss", "50%", "--seed", "3", "--duration", "3s"],
    );
    for i in 0..400u32 {
        client.send_to(&i.to_be_bytes(), relay.listen).unwrap();
        if i % 50 == 0 {
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    let mut got = 0;
    let mut buf = [0u8; 64];
    while server.recv_from(&mut buf).is_ok() && got < 400 {
        got += 1;
    }
    assert!(
        (120..280).contains(&got),
        "{got} of 400 arrived at 50% loss"
    );
    let report = finish(relay);
    assert!(report.contains("in 400 packets"), "{report}");
}

#[test]
fn rudp_transfer_through_the_real_link() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        use wirelab_rudp::driver::Endpoint;
        let server = Endpoint::server("127.0.0.1:0".parse().unwrap(), Default::default())
            .await
            .unwrap();
        let relay = start_link(
            server.local_addr().unwrap(),
            &[
                "--loss",
                "5%",
                "--delay",
                "5ms",
                "--reorder",
                "2%",
                "--duplicate",
                "1%",
                "--corrupt",
                "1%",
                "--duration",
                "60s",
            ],
        );
        let client = Endpoint::client("127.0.0.1:0".parse().unwrap(), Default::default())
            .await
            .unwrap();
        let data: Vec<u8> = (0..2_000_000u32).map(|i| (i * 7 + i / 251) as u8).collect();
        let job = async {
            let conn = client.connect(relay.listen).await.unwrap();
            conn.send_message(b"NEW alice").await.unwrap();
            conn.write_all(&data).await.unwrap();
            conn.finish().await.unwrap();
            let accepted = server.accept().await.unwrap();
            assert_eq!(
                accepted.recv_message().await.unwrap().unwrap(),
                b"NEW alice"
            );
            let mut got = Vec::new();
            let mut buf = vec![0; 65536];
            loop {
                let n = accepted.read(&mut buf).await.unwrap();
                if n == 0 {
                    break;
                }
                got.extend_from_slice(&buf[..n]);
            }
            assert!(got == data, "byte-exact through the link");
            conn.stats().unwrap()
        };
        let stats = tokio::time::timeout(Duration::from_secs(50), job)
            .await
            .expect("transfer finished in time");
        assert!(stats.packets_lost > 0, "{stats}");
        drop(relay);
    });
}
