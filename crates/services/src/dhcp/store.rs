//! Durable lease store: an append-only log of checksummed lease records,
//! compacted now and then into a fresh file written atomically (temp file,
//! fsync, rename, fsync of the directory).
//!
//! File: the 8-byte magic `WLDHCP4\n`, then records, each
//! `len: u32 LE | crc32c(payload): u32 LE | payload`. A payload is one
//! lease as it now stands ([`Lease::encode`]); replay keeps the last record
//! per address. A record cut short by a crash, or one whose checksum fails,
//! ends the log: it and everything after it are dropped (and truncated away
//! when the server opens the file). The server writes zeros ahead of the
//! last record (4 MiB at a time) and overwrites them, so that a commit's
//! `fdatasync` flushes data only; zeros after the last record are free
//! space, not a torn record.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::net::Ipv4Addr;
use std::os::fd::AsRawFd;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use super::server::{Lease, LeaseState};
use super::Error;

const MAGIC: &[u8; 8] = b"WLDHCP4\n";
const MAX_RECORD: usize = 1024;
/// Zeros kept written ahead of the last record.
const PREALLOCATE: u64 = 4 << 20;

impl Lease {
    /// Serialize: version 1, state, ip, expires (u64 LE), htype, chaddr,
    /// client key (u16 LE length), hostname.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.push(1);
        out.push(match self.state {
            LeaseState::Offered => 0,
            LeaseState::Bound => 1,
            LeaseState::Declined => 2,
            LeaseState::Released => 3,
        });
        out.extend_from_slice(&self.ip.octets());
        out.extend_from_slice(&self.expires.to_le_bytes());
        out.push(self.htype);
        let hw = &self.chaddr[..self.chaddr.len().min(16)];
        out.push(hw.len() as u8);
        out.extend_from_slice(hw);
        let key = &self.client[..self.client.len().min(512)];
        out.extend_from_slice(&(key.len() as u16).to_le_bytes());
        out.extend_from_slice(key);
        let host = self.hostname.as_deref().unwrap_or("").as_bytes();
        let host = &host[..host.len().min(255)];
        out.push(host.len() as u8);
        out.extend_from_slice(host);
    }

    /// Parse a payload written by [`Lease::encode`].
    pub fn decode(p: &[u8]) -> Option<Lease> {
        let mut c = Cursor(p);
        if c.u8()? != 1 {
            return None;
        }
        let state = match c.u8()? {
            1 => LeaseState::Bound,
            2 => LeaseState::Declined,
            3 => LeaseState::Released,
            _ => return None,
        };
        let ip = Ipv4Addr::from(<[u8; 4]>::try_from(c.take(4)?).ok()?);
        let expires = u64::from_le_bytes(c.take(8)?.try_into().ok()?);
        let htype = c.u8()?;
        let n = c.u8()? as usize;
        let chaddr = c.take(n)?.to_vec();
        let n = u16::from_le_bytes(c.take(2)?.try_into().ok()?) as usize;
        let client = c.take(n)?.to_vec().into_boxed_slice();
        let n = c.u8()? as usize;
        let host = c.take(n)?;
        let hostname = if host.is_empty() {
            None
        } else {
            Some(String::from_utf8_lossy(host).into_owned())
        };
        if !c.0.is_empty() {
            return None;
        }
        Some(Lease {
            ip,
            client,
            htype,
            chaddr,
            state,
            expires,
            hostname,
        })
    }
}

struct Cursor<'a>(&'a [u8]);
impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Some(a)
    }
    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }
}

/// Frame one lease as a log record.
pub fn frame(lease: &Lease, out: &mut Vec<u8>) {
    let at = out.len();
    out.extend_from_slice(&[0; 8]);
    lease.encode(out);
    let payload = &out[at + 8..];
    let len = (payload.len() as u32).to_le_bytes();
    let crc = crc32c::crc32c(payload).to_le_bytes();
    out[at..at + 4].copy_from_slice(&len);
    out[at + 4..at + 8].copy_from_slice(&crc);
}

/// What reading a log found.
#[derive(Debug, Default)]
pub struct Replay {
    /// Leases in log order (later records supersede earlier ones).
    pub records: Vec<Lease>,
    /// Length of the valid prefix of the file.
    pub valid_len: u64,
    /// Bytes after the valid prefix (a torn or corrupt tail), if any.
    pub torn_bytes: u64,
}

/// Parse a whole log image.
pub fn parse_log(data: &[u8]) -> Result<Replay, String> {
    if data.is_empty() {
        return Ok(Replay::default());
    }
    if data.len() < MAGIC.len() {
        // A crash while creating the file: treat as empty.
        return Ok(Replay {
            records: vec![],
            valid_len: 0,
            torn_bytes: data.len() as u64,
        });
    }
    if &data[..MAGIC.len()] != MAGIC {
        return Err("not a wirelab DHCP lease file (bad magic)".into());
    }
    let mut i = MAGIC.len();
    let mut records = Vec::new();
    while let Some(head) = data.get(i..i + 8) {
        let len = u32::from_le_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let crc = u32::from_le_bytes([head[4], head[5], head[6], head[7]]);
        if len == 0 || len > MAX_RECORD {
            break;
        }
        let Some(payload) = data.get(i + 8..i + 8 + len) else {
            break;
        };
        if crc32c::crc32c(payload) != crc {
            break;
        }
        let Some(lease) = Lease::decode(payload) else {
            break;
        };
        records.push(lease);
        i += 8 + len;
    }
    // zeros after the last record are space written ahead of time, not a
    // torn record
    let rest = data.get(i..).unwrap_or(&[]);
    let torn_bytes = if rest.iter().all(|b| *b == 0) {
        0
    } else {
        rest.len() as u64
    };
    Ok(Replay {
        records,
        valid_len: i as u64,
        torn_bytes,
    })
}

/// Read a lease file without changing it (for `wirelab dhcp leases`).
pub fn read(path: &Path) -> Result<Replay, Error> {
    let mut data = Vec::new();
    match File::open(path) {
        Ok(mut f) => f
            .read_to_end(&mut data)
            .map_err(|e| Error::Store(format!("{}: {e}", path.display())))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Replay::default()),
        Err(e) => return Err(Error::Store(format!("{}: {e}", path.display()))),
    };
    parse_log(&data).map_err(|e| Error::Store(format!("{}: {e}", path.display())))
}

/// The open log the server appends to.
#[derive(Debug)]
pub struct LeaseLog {
    path: PathBuf,
    file: File,
    /// `FILE.lock`, held with `flock` for the life of the log so that two
    /// servers never append to one file.
    _lock: File,
    /// End of the last record.
    pos: u64,
    /// File length: records, then zeros written ahead.
    allocated: u64,
    /// Records in the file now.
    pub records: usize,
}

fn io(path: &Path, what: &str, e: std::io::Error) -> Error {
    Error::Store(format!("{}: {what}: {e}", path.display()))
}

fn sync_dir(path: &Path) -> Result<(), Error> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io(dir, "fsync directory", e))
}

impl LeaseLog {
    /// Open (or create) the log, drop a torn tail, and return it with the
    /// leases it holds.
    pub fn open(path: &Path) -> Result<(Self, Replay), Error> {
        if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| io(dir, "create directory", e))?;
        }
        let lock_path = path.with_extension("lock");
        let lock = OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(false)
            .open(&lock_path)
            .map_err(|e| io(&lock_path, "open lock file", e))?;
        // SAFETY: flock on a file descriptor we own.
        let r = unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        if r != 0 {
            return Err(io(
                &lock_path,
                "locked by another server using this lease file",
                std::io::Error::last_os_error(),
            ));
        }
        let replay = read(path)?;
        let mut file = OpenOptions::new()
            .create(true)
            .read(true)
            .write(true)
            .truncate(false)
            .open(path)
            .map_err(|e| io(path, "open", e))?;
        if replay.torn_bytes > 0 || replay.valid_len == 0 {
            file.set_len(replay.valid_len)
                .map_err(|e| io(path, "truncate torn tail", e))?;
        }
        if replay.valid_len == 0 {
            file.write_all(MAGIC)
                .map_err(|e| io(path, "write header", e))?;
            file.sync_all().map_err(|e| io(path, "fsync", e))?;
            sync_dir(path)?;
        } else if replay.torn_bytes > 0 {
            file.sync_all().map_err(|e| io(path, "fsync", e))?;
        }
        let allocated = file.metadata().map_err(|e| io(path, "stat", e))?.len();
        let pos = if replay.valid_len == 0 {
            MAGIC.len() as u64
        } else {
            replay.valid_len
        };
        let records = replay.records.len();
        Ok((
            LeaseLog {
                path: path.to_owned(),
                file,
                _lock: lock,
                pos,
                allocated,
                records,
            },
            replay,
        ))
    }

    /// Write zeros ahead of the end of the log and sync them once, so that
    /// each commit overwrites blocks the file already owns and `fdatasync`
    /// has only data to flush: no size change, no block allocation, no
    /// journal commit per ACK batch.
    fn preallocate(&mut self, need: u64) -> Result<(), Error> {
        const CHUNK: u64 = 1 << 20;
        let target = (need + PREALLOCATE).div_ceil(CHUNK) * CHUNK;
        let zeros = vec![0u8; CHUNK as usize];
        let mut at = self.allocated;
        while at < target {
            let n = (target - at).min(CHUNK) as usize;
            self.file
                .write_all_at(&zeros[..n], at)
                .map_err(|e| io(&self.path, "preallocate", e))?;
            at += n as u64;
        }
        self.file
            .sync_all()
            .map_err(|e| io(&self.path, "fsync", e))?;
        self.allocated = target;
        Ok(())
    }

    /// Append framed records (see [`frame`]) and make them durable with one
    /// `fdatasync`: the group commit for one loop turn.
    pub fn commit(&mut self, framed: &[u8], count: usize) -> Result<(), Error> {
        if framed.is_empty() {
            return Ok(());
        }
        let end = self.pos + framed.len() as u64;
        if end > self.allocated {
            self.preallocate(end)?;
        }
        self.file
            .write_all_at(framed, self.pos)
            .map_err(|e| io(&self.path, "append", e))?;
        self.file
            .sync_data()
            .map_err(|e| io(&self.path, "fdatasync", e))?;
        self.pos = end;
        self.records += count;
        Ok(())
    }

    /// Rewrite the log with exactly `leases`, atomically.
    pub fn compact<'a>(&mut self, leases: impl Iterator<Item = &'a Lease>) -> Result<(), Error> {
        let tmp = self.path.with_extension("compact.tmp");
        let mut buf = MAGIC.to_vec();
        let mut n = 0;
        for l in leases {
            frame(l, &mut buf);
            n += 1;
        }
        let mut f = File::create(&tmp).map_err(|e| io(&tmp, "create", e))?;
        f.write_all(&buf).map_err(|e| io(&tmp, "write", e))?;
        f.sync_all().map_err(|e| io(&tmp, "fsync", e))?;
        drop(f);
        std::fs::rename(&tmp, &self.path).map_err(|e| io(&self.path, "rename", e))?;
        sync_dir(&self.path)?;
        self.file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&self.path)
            .map_err(|e| io(&self.path, "open", e))?;
        self.pos = buf.len() as u64;
        self.allocated = self.pos;
        self.records = n;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lease(last: u8, state: LeaseState) -> Lease {
        Lease {
            ip: Ipv4Addr::new(10, 20, 30, last),
            client: vec![0, 1, 2, 0, 0, 0, 0, last].into_boxed_slice(),
            htype: 1,
            chaddr: vec![2, 0, 0, 0, 0, last],
            state,
            expires: 1_700_000_000 + last as u64,
            hostname: Some(format!("h{last}")),
        }
    }

    #[test]
    fn record_round_trip() {
        let l = lease(51, LeaseState::Bound);
        let mut b = Vec::new();
        l.encode(&mut b);
        assert_eq!(Lease::decode(&b), Some(l));
        assert_eq!(Lease::decode(&b[..b.len() - 1]), None);
    }

    #[test]
    fn torn_tail_is_dropped_and_truncated() {
        let dir = std::env::temp_dir().join(format!("wl-dhcp-store-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("leases");
        let (mut log, r) = LeaseLog::open(&path).unwrap();
        assert!(r.records.is_empty());
        let mut buf = Vec::new();
        frame(&lease(50, LeaseState::Bound), &mut buf);
        frame(&lease(51, LeaseState::Bound), &mut buf);
        log.commit(&buf, 2).unwrap();
        drop(log);
        // the log keeps zeros written ahead of its last record
        let whole = std::fs::read(&path).unwrap();
        let valid = read(&path).unwrap().valid_len as usize;
        assert!(whole.len() > valid && whole[valid..].iter().all(|b| *b == 0));
        assert_eq!(read(&path).unwrap().torn_bytes, 0);
        // a third record cut short in that space, as by a crash mid-write()
        let mut torn = Vec::new();
        frame(&lease(52, LeaseState::Bound), &mut torn);
        let cut = torn.len() - 3;
        let mut data = whole.clone();
        data[valid..valid + cut].copy_from_slice(&torn[..cut]);
        std::fs::write(&path, &data).unwrap();
        let r = read(&path).unwrap();
        assert_eq!(r.records.len(), 2);
        assert_eq!(r.torn_bytes, (whole.len() - valid) as u64);
        // a flipped bit in the last record fails its checksum
        let mut bad = whole[..valid].to_vec();
        bad[valid - 2] ^= 1;
        assert_eq!(parse_log(&bad).unwrap().records.len(), 1);
        // opening truncates the torn tail; appending goes on from there
        let (mut log, r) = LeaseLog::open(&path).unwrap();
        assert_eq!(r.records.len(), 2);
        assert_eq!(std::fs::metadata(&path).unwrap().len(), valid as u64);
        let mut buf = Vec::new();
        frame(&lease(50, LeaseState::Released), &mut buf);
        log.commit(&buf, 1).unwrap();
        let r = read(&path).unwrap();
        assert_eq!(r.records.len(), 3);
        assert_eq!(r.records[2].state, LeaseState::Released);
        // a second opener is refused while the first holds the log
        let second = LeaseLog::open(&path).unwrap_err().to_string();
        assert!(second.contains("locked by another server"), "{second}");
        // compaction keeps exactly what it is given
        let keep = [lease(51, LeaseState::Bound)];
        log.compact(keep.iter()).unwrap();
        assert_eq!(read(&path).unwrap().records, keep.to_vec());
        assert!(!path.with_extension("compact.tmp").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn rejects_foreign_file() {
        assert!(parse_log(b"hello world, not leases").is_err());
    }
}
