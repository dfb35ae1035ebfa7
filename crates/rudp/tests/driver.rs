//! The tokio driver on loopback: messages, streams, many connections on one
//! server socket, graceful close. Every wait is bounded by a timeout.

use std::time::Duration;

use wirelab_rudp::driver::Endpoint;

const T: Duration = Duration::from_secs(30);

async fn pair() -> (Endpoint, Endpoint) {
    let server = Endpoint::server("127.0.0.1:0".parse().unwrap(), Default::default())
        .await
        .unwrap();
    let client = Endpoint::client("127.0.0.1:0".parse().unwrap(), Default::default())
        .await
        .unwrap();
    (server, client)
}

#[tokio::test]
async fn text_signals_as_messages() {
    let (server, client) = pair().await;
    let addr = server.local_addr().unwrap();
    let srv = tokio::spawn(async move {
        let conn = server.accept().await.unwrap();
        while let Some(m) = conn.recv_message().await.unwrap() {
            let m = String::from_utf8(m).unwrap();
            let reply = match m.split_once(' ') {
                Some(("NEW", _)) => "ACK".to_string(),
                Some(("ECHO", id)) => format!("ECHOREPLY:{id};0"),
                _ if m == "BYE" => break,
                _ => "ERR".to_string(),
            };
            conn.send_message(reply.as_bytes()).await.unwrap();
        }
        conn.close(T).await.unwrap();
        server.connection_count()
    });
    let job = async {
        let conn = client.connect(addr).await.unwrap();
        conn.send_message(b"NEW alice").await.unwrap();
        assert_eq!(conn.recv_message().await.unwrap().unwrap(), b"ACK");
        for id in 0..20 {
            conn.send_message(format!("ECHO {id}").as_bytes())
                .await
                .unwrap();
            let r = conn.recv_message().await.unwrap().unwrap();
            assert_eq!(r, format!("ECHOREPLY:{id};0").as_bytes());
        }
        // An empty message and a large one survive framing.
        conn.send_message(b"BYE").await.unwrap();
        conn.finish().await.unwrap();
        assert_eq!(conn.recv_message().await.unwrap(), None);
        let s = conn.stats().unwrap();
        assert!(s.packets_sent > 20 && s.srtt > Duration::ZERO, "{s}");
    };
    tokio::time::timeout(T, job).await.unwrap();
    tokio::time::timeout(T, srv).await.unwrap().unwrap();
}

#[tokio::test]
async fn many_connections_share_one_server_socket() {
    let (server, _) = pair().await;
    let addr = server.local_addr().unwrap();
    let mut clients = Vec::new();
    for i in 0..8u8 {
        clients.push(tokio::spawn(async move {
            let ep = Endpoint::client("127.0.0.1:0".parse().unwrap(), Default::default())
                .await
                .unwrap();
            let conn = ep.connect(addr).await.unwrap();
            let data = vec![i; 200_000 + i as usize];
            conn.write_all(&data).await.unwrap();
            conn.finish().await.unwrap();
            let reply = conn.recv_message().await.unwrap().unwrap();
            assert_eq!(reply, format!("{} x {i}", data.len()).as_bytes());
            conn.close(T).await.unwrap();
        }));
    }
    let srv = async {
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let conn = server.accept().await.unwrap();
            tasks.push(tokio::spawn(async move {
                let mut all = Vec::new();
                let mut buf = vec![0; 65536];
                loop {
                    let n = conn.read(&mut buf).await.unwrap();
                    if n == 0 {
                        break;
                    }
                    all.extend_from_slice(&buf[..n]);
                }
                let b = all[0];
                assert!(all.iter().all(|&x| x == b));
                conn.send_message(format!("{} x {b}", all.len()).as_bytes())
                    .await
                    .unwrap();
                // Wait for the client's close.
                let _ = conn.recv_message().await;
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
    };
    tokio::time::timeout(T, srv).await.unwrap();
    for c in clients {
        tokio::time::timeout(T, c).await.unwrap().unwrap();
    }
    assert_eq!(server.stats().accepted, 8);
}
