//! A capture to a pcapng file on a thread of its own, for the lab: start
//! it, mark the scenario's phases, stop it and get the counters back.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

use crate::{Capture, Error, IfSpec, IfStats, InterfaceInfo, Marker, Options, PcapngFile};

/// What a finished recording captured.
#[derive(Clone, Debug)]
pub struct Summary {
    /// Packets written to the file.
    pub packets: u64,
    /// Counters per interface, in the order given to [`Recording::start`].
    pub stats: Vec<(IfSpec, IfStats)>,
}

/// A capture running on its own thread into a pcapng file.
pub struct Recording {
    stop: Arc<AtomicBool>,
    marker: Marker,
    interfaces: Vec<InterfaceInfo>,
    thread: Option<JoinHandle<Result<Summary, Error>>>,
}

impl Recording {
    /// Opens the interfaces (errors come back here, before any thread
    /// starts), creates the file and starts capturing into it.
    pub fn start(specs: &[IfSpec], opts: &Options, path: &Path) -> Result<Recording, Error> {
        let mut cap = Capture::open(specs, opts)?;
        let mut file = PcapngFile::create(path, cap.interfaces())?;
        let marker = file.marker();
        let interfaces = cap.interfaces().to_vec();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("wirelab-capture".into())
            .spawn(move || {
                cap.run(&flag, None, &mut file)?;
                let stats = cap.stats();
                let packets = file.finish_with_stats(&stats)?;
                Ok(Summary {
                    packets,
                    stats: cap
                        .interfaces()
                        .iter()
                        .map(|i| i.spec.clone())
                        .zip(stats)
                        .collect(),
                })
            })
            .map_err(|e| Error::Sink(format!("cannot start the capture thread: {e}")))?;
        Ok(Recording {
            stop,
            marker,
            interfaces,
            thread: Some(thread),
        })
    }

    /// A handle to mark phases (a packet comment on the next packet).
    pub fn marker(&self) -> Marker {
        self.marker.clone()
    }

    /// The interfaces being captured.
    pub fn interfaces(&self) -> &[InterfaceInfo] {
        &self.interfaces
    }

    /// Stops (after collecting what the kernel still holds), finishes the
    /// file under its final name and returns the counters.
    pub fn stop(mut self) -> Result<Summary, Error> {
        self.stop.store(true, Ordering::Relaxed);
        match self.thread.take().map(|t| t.join()) {
            Some(Ok(r)) => r,
            Some(Err(_)) => Err(Error::Sink("the capture thread panicked".into())),
            None => Err(Error::Sink("the capture was already stopped".into())),
        }
    }
}

impl Drop for Recording {
    fn drop(&mut self) {
        // Dropped without stop(): end the thread; the file is finished.
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn assert_send<T: Send>() {}

    #[test]
    fn handles_move_between_threads() {
        assert_send::<Capture>();
        assert_send::<PcapngFile>();
        assert_send::<Marker>();
        assert_send::<Recording>();
    }

    /// Needs root (CAP_NET_RAW): records our own datagrams on loopback,
    /// with a phase mark on the first packet after it.
    #[test]
    fn records_loopback_with_a_phase_mark() {
        let dir = std::env::temp_dir().join(format!("wirelab-record-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("lo.pcapng");
        let rx = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = rx.local_addr().unwrap().port();
        let tx = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let rec = Recording::start(&["lo".parse().unwrap()], &Options::default(), &path)
            .expect("capture on lo (run the tests as root)");
        let m = rec.marker();
        tx.send_to(b"before", ("127.0.0.1", port)).unwrap();
        std::thread::sleep(Duration::from_millis(20));
        m.mark("phase 2");
        tx.send_to(b"after", ("127.0.0.1", port)).unwrap();
        std::thread::sleep(Duration::from_millis(20));
        let sum = rec.stop().unwrap();
        assert!(sum.packets >= 2, "{sum:?}");
        assert_eq!(sum.stats.len(), 1);
        assert!(sum.stats[0].1.received >= 2);
        let mut r = wirelab_pcap::Reader::open(&path).unwrap();
        let (mut ours, mut marked) = (Vec::new(), Vec::new());
        let mut i = 0;
        while let Some(p) = r.next_packet().unwrap() {
            i += 1;
            if p.comments().any(|c| c == "phase 2") {
                marked.push(i);
            }
            // Ethernet (14) + IPv4 (20) + UDP: destination port at 36.
            if p.data.len() > 42 && p.data[36..38] == port.to_be_bytes() {
                ours.push((i, p.data[42..].to_vec()));
            }
        }
        assert_eq!(ours.len(), 2, "{ours:?}");
        assert_eq!(ours[0].1, b"before");
        assert_eq!(ours[1].1, b"after");
        // The mark is on the first packet after it: "after", unless other
        // loopback traffic came in between.
        assert_eq!(marked.len(), 1, "{marked:?}");
        assert!(
            marked[0] > ours[0].0 && marked[0] <= ours[1].0,
            "{marked:?} {ours:?}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
