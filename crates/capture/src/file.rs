//! A pcapng file of a live capture: one Interface Description Block per
//! interface, packets as they come, phase markers as packet comments; written
//! to a temporary file beside the target, flushed at least every second, and
//! renamed into place by [`PcapngFile::finish`].

use std::collections::VecDeque;
use std::fs::File;
use std::io::BufWriter;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::{Error, Frame, IfStats, InterfaceInfo, Sink};

/// How often buffered packets reach the file.
const FLUSH_EVERY: Duration = Duration::from_secs(1);

/// A comment waiting for its packet.
#[derive(Clone, Debug)]
struct Mark {
    ts: (i64, u32),
    text: String,
}

/// A handle that adds comments (phase markers) to a capture being written,
/// from any thread. A mark becomes the `opt_comment` of the first packet
/// captured at or after its time; marks after the last packet go on the
/// last packet.
#[derive(Clone, Debug, Default)]
pub struct Marker {
    pending: Arc<Mutex<VecDeque<Mark>>>,
}

impl Marker {
    /// Marks the current time (CLOCK_REALTIME, the packets' clock).
    pub fn mark(&self, text: impl Into<String>) {
        let d = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        self.mark_at(d.as_secs() as i64, d.subsec_nanos(), text);
    }

    /// Marks a given time (seconds and nanoseconds since the epoch).
    pub fn mark_at(&self, secs: i64, nanos: u32, text: impl Into<String>) {
        let mut q = match self.pending.lock() {
            Ok(q) => q,
            Err(p) => p.into_inner(),
        };
        let m = Mark {
            ts: (secs, nanos),
            text: text.into(),
        };
        // Keep the queue sorted by time (marks usually come in order).
        let at = q.iter().rposition(|x| x.ts <= m.ts).map_or(0, |i| i + 1);
        q.insert(at, m);
    }

    /// Removes and returns the texts of the marks at or before `ts`.
    fn take_due(&self, ts: (i64, u32), all: bool) -> Vec<String> {
        let mut q = match self.pending.lock() {
            Ok(q) => q,
            Err(p) => p.into_inner(),
        };
        let mut out = Vec::new();
        while q.front().is_some_and(|m| all || m.ts <= ts) {
            if let Some(m) = q.pop_front() {
                out.push(m.text);
            }
        }
        out
    }
}

/// The last packet, held back so that a mark made after it still has a
/// packet to go on.
struct Held {
    iface: u32,
    ts: (i64, u32),
    orig_len: u32,
    data: Vec<u8>,
    comments: Vec<String>,
}

/// A pcapng capture file being written.
pub struct PcapngFile {
    path: PathBuf,
    tmp: PathBuf,
    w: Option<wirelab_pcap::Writer<Shared>>,
    out: Shared,
    marker: Marker,
    held: Option<Held>,
    spare: Vec<u8>,
    last_flush: Instant,
    written: u64,
    started: (i64, u32),
}

impl PcapngFile {
    /// Creates `path` (as a temporary file until [`PcapngFile::finish`]) with
    /// one IDB per interface: `if_name` `NETNS/IF` or `IF`, `if_tsresol` 9,
    /// the link type, and a description.
    pub fn create(path: &Path, ifaces: &[InterfaceInfo]) -> Result<Self, Error> {
        let tmp = tmp_name(path);
        let werr = |error| Error::Write {
            path: path.display().to_string(),
            error,
        };
        let perr = |error| Error::Pcap {
            path: tmp.display().to_string(),
            error,
        };
        let f = File::create(&tmp).map_err(werr)?;
        let out = Shared(Arc::new(Mutex::new(BufWriter::with_capacity(1 << 16, f))));
        let mut me = PcapngFile {
            path: path.to_path_buf(),
            tmp: tmp.clone(),
            w: None,
            out: out.clone(),
            marker: Marker::default(),
            held: None,
            spare: Vec::new(),
            last_flush: Instant::now(),
            written: 0,
            started: now(),
        };
        let mut w = wirelab_pcap::Writer::pcapng(out).map_err(perr)?;
        for i in ifaces {
            let mut d = wirelab_pcap::Interface::new(i.linktype);
            d.snaplen = 262_144;
            d.name = Some(i.spec.to_string());
            d.description = Some(i.description());
            d.os = Some(os_name());
            w.add_interface(&d).map_err(perr)?;
        }
        me.w = Some(w);
        Ok(me)
    }

    /// A handle to add phase markers from other threads.
    pub fn marker(&self) -> Marker {
        self.marker.clone()
    }

    /// Packets written so far (the held-back one included).
    pub fn packets(&self) -> u64 {
        self.written
    }

    /// Adds a packet.
    pub fn write(&mut self, f: &Frame<'_>) -> Result<(), Error> {
        let ts = (f.ts_secs, f.ts_nanos);
        // Marks made before this packet but after the held one go on this one;
        // those at or before the held packet's time went on it already.
        let comments = self.marker.take_due(ts, false);
        let mut data = std::mem::take(&mut self.spare);
        data.clear();
        data.extend_from_slice(f.data);
        let next = Held {
            iface: f.iface as u32,
            ts,
            orig_len: f.orig_len,
            data,
            comments,
        };
        if let Some(h) = self.held.replace(next) {
            self.emit(h)?;
        }
        self.written += 1;
        if self.last_flush.elapsed() >= FLUSH_EVERY {
            self.flush()?;
        }
        Ok(())
    }

    fn emit(&mut self, h: Held) -> Result<(), Error> {
        let comment = if h.comments.is_empty() {
            None
        } else {
            Some(h.comments.join("\n"))
        };
        let perr = |error| Error::Pcap {
            path: self.tmp.display().to_string(),
            error,
        };
        if let Some(w) = self.w.as_mut() {
            w.write_packet(
                h.iface,
                h.ts.0,
                h.ts.1,
                h.orig_len,
                &h.data,
                comment.as_deref(),
            )
            .map_err(perr)?;
        }
        self.spare = h.data;
        Ok(())
    }

    /// Pushes buffered packets to the file (all but the held-back one).
    pub fn flush(&mut self) -> Result<(), Error> {
        use std::io::Write;
        self.last_flush = Instant::now();
        self.out.flush().map_err(|error| Error::Write {
            path: self.tmp.display().to_string(),
            error,
        })
    }

    /// Writes the held packet (with any marks left), syncs the file and
    /// renames it to its final name. Returns the number of packets.
    pub fn finish(self) -> Result<u64, Error> {
        self.finish_with_stats(&[])
    }

    /// As [`PcapngFile::finish`], and first writes an Interface Statistics
    /// Block (pcapng §4.6) per interface: capture start and end times,
    /// packets the kernel received (`isb_ifrecv`) and dropped
    /// (`isb_ifdrop`), and packets delivered to the file (`isb_usrdeliv`).
    pub fn finish_with_stats(mut self, stats: &[IfStats]) -> Result<u64, Error> {
        if let Some(mut h) = self.held.take() {
            h.comments.extend(self.marker.take_due((0, 0), true));
            self.emit(h)?;
        }
        let werr = |error| Error::Write {
            path: self.tmp.display().to_string(),
            error,
        };
        let Some(w) = self.w.take() else {
            return Ok(self.written);
        };
        w.finish().map_err(|error| Error::Pcap {
            path: self.tmp.display().to_string(),
            error,
        })?;
        if !stats.is_empty() {
            use std::io::Write;
            let end = now();
            let mut b = Vec::new();
            for (i, st) in stats.iter().enumerate() {
                isb(&mut b, i as u32, self.started, end, st);
            }
            self.out.write_all(&b).map_err(werr)?;
            self.out.flush().map_err(werr)?;
        }
        {
            let bw = self.out.lock();
            bw.get_ref().sync_all().map_err(werr)?;
        }
        std::fs::rename(&self.tmp, &self.path).map_err(|error| Error::Write {
            path: self.path.display().to_string(),
            error,
        })?;
        Ok(self.written)
    }
}

impl Drop for PcapngFile {
    fn drop(&mut self) {
        // Not finished: leave nothing half-written behind.
        if self.w.is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

impl Sink for PcapngFile {
    fn packet(&mut self, frame: &Frame<'_>) -> Result<ControlFlow<()>, Error> {
        self.write(frame)?;
        Ok(ControlFlow::Continue(()))
    }

    fn idle(&mut self) -> Result<(), Error> {
        if self.last_flush.elapsed() >= FLUSH_EVERY {
            self.flush()?;
        }
        Ok(())
    }
}

/// The file's buffered writer, shared between the pcapng writer (which
/// owns its output) and [`PcapngFile::flush`].
#[derive(Clone)]
struct Shared(Arc<Mutex<BufWriter<File>>>);

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, BufWriter<File>> {
        match self.0.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }
}

impl std::io::Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.lock().write(buf)
    }
    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.lock().write_all(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.lock().flush()
    }
}

fn now() -> (i64, u32) {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    (d.as_secs() as i64, d.subsec_nanos())
}

/// A pcapng timestamp at nanosecond resolution: (high, low) 32-bit words.
fn ts_words(t: (i64, u32)) -> (u32, u32) {
    let ns = (t.0.max(0) as u64)
        .saturating_mul(1_000_000_000)
        .saturating_add(u64::from(t.1));
    ((ns >> 32) as u32, ns as u32)
}

/// Appends an Interface Statistics Block (pcapng §4.6), little-endian as
/// the section the writer starts.
fn isb(b: &mut Vec<u8>, iface: u32, start: (i64, u32), end: (i64, u32), st: &IfStats) {
    let put32 = |b: &mut Vec<u8>, v: u32| b.extend_from_slice(&v.to_le_bytes());
    let opt64 = |b: &mut Vec<u8>, code: u16, v: u64| {
        b.extend_from_slice(&code.to_le_bytes());
        b.extend_from_slice(&8u16.to_le_bytes());
        b.extend_from_slice(&v.to_le_bytes());
    };
    let ts64 = |t: (i64, u32)| {
        let (h, l) = ts_words(t);
        // High word first, as in the block's own timestamp.
        u64::from(h) | (u64::from(l) << 32)
    };
    let at = b.len();
    put32(b, 5);
    put32(b, 0); // total length, patched below
    put32(b, iface);
    let (h, l) = ts_words(end);
    put32(b, h);
    put32(b, l);
    opt64(b, 2, ts64(start)); // isb_starttime
    opt64(b, 3, ts64(end)); // isb_endtime
    opt64(b, 4, st.received); // isb_ifrecv
    opt64(b, 5, st.dropped); // isb_ifdrop
    opt64(b, 8, st.delivered); // isb_usrdeliv
    b.extend_from_slice(&[0, 0, 0, 0]); // opt_endofopt
    let total = (b.len() - at + 4) as u32;
    b[at + 4..at + 8].copy_from_slice(&total.to_le_bytes());
    put32(b, total);
}

fn tmp_name(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(format!(".tmp-{}", std::process::id()));
    path.with_file_name(name)
}

/// `Linux 6.1.0` for the IDB's `if_os`.
fn os_name() -> String {
    match std::fs::read_to_string("/proc/sys/kernel/osrelease") {
        Ok(r) => format!("Linux {}", r.trim()),
        Err(_) => "Linux".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::IfSpec;

    fn info(name: &str) -> InterfaceInfo {
        InterfaceInfo {
            spec: name.parse::<IfSpec>().unwrap(),
            ifindex: 3,
            linktype: 1,
            mac: [2, 0, 0, 0, 0, 1],
            mtu: 1500,
            loopback: false,
        }
    }

    #[test]
    fn writes_idbs_marks_and_renames() {
        let dir = std::env::temp_dir().join(format!("wirelab-capture-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.pcapng");
        let mut f = PcapngFile::create(&path, &[info("ns1/veth0"), info("eth1")]).unwrap();
        let m = f.marker();
        m.mark_at(10, 0, "phase A");
        let frame = |iface, secs, data: &'static [u8]| Frame {
            iface,
            ts_secs: secs,
            ts_nanos: 5,
            orig_len: data.len() as u32,
            outgoing: false,
            data,
        };
        f.write(&frame(0, 9, b"early")).unwrap();
        f.write(&frame(1, 11, b"after A")).unwrap();
        m.mark_at(20, 0, "phase B, after the last packet");
        assert!(!path.exists(), "renamed before finish");
        let st = IfStats {
            received: 7,
            dropped: 1,
            delivered: 2,
            link_errors: 0,
        };
        assert_eq!(f.finish_with_stats(&[st, st]).unwrap(), 2);
        // Two ISBs at the end: type 5, 88 bytes (20 of header, five
        // 12-byte options, end of options, trailer); isb_ifrecv 7,
        // isb_ifdrop 1.
        let raw = std::fs::read(&path).unwrap();
        let tail = &raw[raw.len() - 176..];
        for (k, blk) in tail.chunks(88).enumerate() {
            assert_eq!(&blk[..8], &[5, 0, 0, 0, 88, 0, 0, 0]);
            assert_eq!(blk[8], k as u8);
            assert_eq!(&blk[44..48], &[4, 0, 8, 0]);
            assert_eq!(&blk[48..56], &7u64.to_le_bytes());
            assert_eq!(&blk[56..60], &[5, 0, 8, 0]);
            assert_eq!(&blk[60..68], &1u64.to_le_bytes());
            assert_eq!(&blk[84..88], &[88, 0, 0, 0]);
        }
        let mut r = wirelab_pcap::Reader::open(&path).unwrap();
        let p = r.next_packet().unwrap().unwrap();
        assert_eq!((p.ts_secs, p.ts_nanos, p.data), (9, 5, &b"early"[..]));
        assert_eq!(p.comments().count(), 0);
        let p = r.next_packet().unwrap().unwrap();
        assert_eq!(p.interface_id, 1);
        let c: Vec<String> = p.comments().map(|c| c.into_owned()).collect();
        assert_eq!(
            c,
            vec!["phase A\nphase B, after the last packet".to_string()]
        );
        assert!(r.next_packet().unwrap().is_none());
        let ifs = r.interfaces();
        assert_eq!(ifs[0].name.as_deref(), Some("ns1/veth0"));
        assert_eq!(ifs[1].name.as_deref(), Some("eth1"));
        assert_eq!(ifs[0].tsresol, 9);
        assert!(ifs[0]
            .description
            .as_deref()
            .unwrap()
            .contains("network namespace ns1"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn dropped_unfinished_file_leaves_nothing() {
        let dir = std::env::temp_dir().join(format!("wirelab-capture-d-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.pcapng");
        let f = PcapngFile::create(&path, &[info("lo")]).unwrap();
        drop(f);
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
