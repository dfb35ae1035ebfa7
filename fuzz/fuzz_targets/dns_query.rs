//! Any bytes as a DNS query to the authoritative core (the test zone of
//! crates/services/tests/data): never a panic; every reply parses with
//! hickory-proto, carries the query's ID, fits the transport's limit, and
//! the second answer to the same bytes (from the answer table) is the same.
#![no_main]

use std::net::IpAddr;
use std::path::Path;
use std::sync::OnceLock;
use std::time::Instant;

use hickory_proto::op::Message;
use libfuzzer_sys::fuzz_target;
use wirelab_services::dns::{Engine, EngineConfig, Outcome, Transport, Zone, Zones};

fn engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| {
        let zone = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../crates/services/tests/data/lab.zone");
        let z = Zone::load(&zone).expect("test zone loads");
        Engine::new(Zones::new(vec![z]), EngineConfig::default(), Instant::now())
    })
}

fuzz_target!(|data: &[u8]| {
    let mut e = engine().clone();
    let src = IpAddr::from([127, 0, 0, 1]);
    for tr in [Transport::Udp, Transport::Tcp] {
        let first = e.handle(data, src, tr, Instant::now());
        if let Outcome::Reply(r) = &first {
            let m = Message::from_vec(r).expect("reply parses");
            assert!(m.metadata.message_type == hickory_proto::op::MessageType::Response);
            assert_eq!(&r[..2], &data[..2]);
            if tr == Transport::Udp {
                assert!(r.len() <= 1232, "UDP reply of {} bytes", r.len());
            }
            if let Outcome::Reply(again) = e.handle(data, src, tr, Instant::now()) {
                assert_eq!(&again, r, "answer table differs from a fresh answer");
            }
        }
    }
});
