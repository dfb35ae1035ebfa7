//! Small files kept in memory with their validators, so that serving one
//! costs no read, no buffer allocation and no formatting of `ETag`,
//! `Last-Modified` or `Content-Length`.
//!
//! Why it can never serve what the disk would not:
//! - it is keyed by the file's identity (device, inode) from `fstat` on the
//!   descriptor the request itself opened with `openat2(RESOLVE_BENEATH)`:
//!   the path resolver and the kernel's checks run on every request, so a
//!   path they refuse never reaches the cache;
//! - an entry is used only if the file's size, modification time and
//!   status-change time (nanoseconds) are still those it was read with.
//!   The change time moves on every write, truncation, `utimes`, `chmod`
//!   and link-count change, and user space cannot set it;
//! - an entry is only made from a file whose change time was at least
//!   [`SETTLED`] old when it was looked at. File times come from a coarse
//!   kernel clock (one tick, a few milliseconds), so a write in the same
//!   tick as the `fstat` could leave every time stamp as it was (git's
//!   "racily clean" files); a second later, any write moves them.
//!
//! A write between the `fstat` and the read can put newer bytes under the
//! older stamp; that entry is then never used again, because the write
//! moved the stamp the next request sees.
//!
//! Memory is bounded: files over `max_file` bytes are never kept, the
//! entries (data plus a fixed overhead each) never exceed `max_bytes`, and
//! there are at most 256 of them (each with data keeps its file open);
//! inserting beyond that evicts arbitrary entries first.

use std::collections::HashMap;
use std::fs::{File, Metadata};
use std::io;
use std::os::unix::fs::MetadataExt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::header::HeaderValue;

use super::body;
use super::range;

/// How old a file's change time must be before its bytes are kept.
pub const SETTLED: Duration = Duration::from_secs(1);

/// Most entries (each with data holds an open file descriptor).
const MAX_ENTRIES: usize = 256;

/// Bytes charged per entry on top of its data (map slot, headers).
const ENTRY_OVERHEAD: usize = 256;

/// What identifies one version of a file: from `fstat`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    dev: u64,
    ino: u64,
    /// Size in bytes.
    pub len: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl Stamp {
    /// The stamp from `stat` results.
    pub fn of_stat(st: &libc::stat) -> Self {
        Self {
            dev: st.st_dev,
            ino: st.st_ino,
            len: u64::try_from(st.st_size).unwrap_or(0),
            mtime: (st.st_mtime, st.st_mtime_nsec),
            ctime: (st.st_ctime, st.st_ctime_nsec),
        }
    }

    /// The stamp of an open file's metadata.
    pub fn of(m: &Metadata) -> Self {
        Self {
            dev: m.dev(),
            ino: m.ino(),
            len: m.len(),
            mtime: (m.mtime(), m.mtime_nsec()),
            ctime: (m.ctime(), m.ctime_nsec()),
        }
    }

    /// Modification time in whole seconds (HTTP's grain).
    pub fn modified(&self) -> SystemTime {
        u64::try_from(self.mtime.0)
            .ok()
            .and_then(|s| SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(s)))
            .unwrap_or(SystemTime::UNIX_EPOCH)
    }

    /// True when the last status change is at least [`SETTLED`] before `now`.
    fn settled(&self, now: SystemTime) -> bool {
        let (Ok(secs), Ok(nanos)) = (u64::try_from(self.ctime.0), u32::try_from(self.ctime.1))
        else {
            return false;
        };
        SystemTime::UNIX_EPOCH
            .checked_add(Duration::new(secs, nanos))
            .and_then(|changed| changed.checked_add(SETTLED))
            .is_some_and(|settled| settled <= now)
    }
}

/// The validators of one version of a file, as header values.
#[derive(Debug, Clone)]
pub struct Validators {
    /// `ETag` (nginx's shape: `"mtime-len"` in hex).
    pub etag: HeaderValue,
    /// `Last-Modified`.
    pub last_modified: HeaderValue,
    /// `Content-Length` of the whole file.
    pub length: HeaderValue,
    /// Modification time in whole seconds.
    pub mtime: SystemTime,
}

impl Validators {
    /// Formats the validators of `stamp`.
    pub fn of(stamp: &Stamp) -> Self {
        let mtime = stamp.modified();
        let etag = range::etag(mtime, stamp.len);
        let last_modified = httpdate::fmt_http_date(mtime);
        Self {
            // Both are printable ASCII by construction.
            etag: HeaderValue::from_maybe_shared(Bytes::from(etag))
                .unwrap_or_else(|_| HeaderValue::from_static("\"\"")),
            last_modified: HeaderValue::from_maybe_shared(Bytes::from(last_modified))
                .unwrap_or_else(|_| HeaderValue::from_static("Thu, 01 Jan 1970 00:00:00 GMT")),
            length: HeaderValue::from(stamp.len),
            mtime,
        }
    }

    /// The entity tag as text.
    pub fn etag_str(&self) -> &str {
        self.etag.to_str().unwrap_or("")
    }
}

/// One cached file version.
#[derive(Debug)]
pub struct Cached {
    stamp: Stamp,
    /// Its validators.
    pub validators: Validators,
    /// Its bytes; empty until the first GET that needs them.
    pub data: Option<Bytes>,
    /// The file, open, kept with its bytes (for `sendfile`, and to serve
    /// it again without opening it; see `Site`).
    pub file: Option<Arc<File>>,
}

struct Inner {
    map: HashMap<(u64, u64), Arc<Cached>>,
    bytes: usize,
}

/// The cache (see the module documentation).
pub struct SmallFiles {
    max_file: u64,
    max_bytes: usize,
    inner: Mutex<Inner>,
}

impl SmallFiles {
    /// A cache of files up to `max_file` bytes, at most `max_bytes` in all
    /// (0: nothing is kept).
    pub fn new(max_file: u64, max_bytes: usize) -> Self {
        Self {
            max_file,
            max_bytes,
            inner: Mutex::new(Inner {
                map: HashMap::new(),
                bytes: 0,
            }),
        }
    }

    /// Files of `len` bytes are small enough to keep.
    pub fn wants(&self, len: u64) -> bool {
        len <= self.max_file && self.max_bytes > 0
    }

    /// The entry for exactly this version of the file, if kept.
    pub fn get(&self, stamp: &Stamp) -> Option<Arc<Cached>> {
        let inner = self.inner.lock().ok()?;
        let c = inner.map.get(&(stamp.dev, stamp.ino))?;
        (c.stamp == *stamp).then(|| c.clone())
    }

    /// The validators of `stamp`, kept (without data) if the file is small.
    pub fn validators(&self, stamp: &Stamp) -> Validators {
        if let Some(c) = self.get(stamp) {
            return c.validators.clone();
        }
        let v = Validators::of(stamp);
        if self.wants(stamp.len) {
            self.insert(Cached {
                stamp: *stamp,
                validators: v.clone(),
                data: None,
                file: None,
            });
        }
        v
    }

    /// The bytes of `file`, whose `fstat` gave `stamp`: from the cache, or
    /// read whole in one `pread` and kept if the file is small and settled.
    pub fn data(&self, file: &Arc<File>, stamp: &Stamp, v: &Validators) -> io::Result<Bytes> {
        if let Some(d) = self.get(stamp).and_then(|c| c.data.clone()) {
            return Ok(d);
        }
        let n = usize::try_from(stamp.len).map_err(|_| io::Error::other("file too large"))?;
        let data = body::pread_exact(file, n, 0)?.freeze();
        if self.wants(stamp.len) && stamp.settled(SystemTime::now()) {
            self.insert(Cached {
                stamp: *stamp,
                validators: v.clone(),
                data: Some(data.clone()),
                file: Some(file.clone()),
            });
        }
        Ok(data)
    }

    fn insert(&self, c: Cached) {
        let cost = c.data.as_ref().map_or(0, Bytes::len) + ENTRY_OVERHEAD;
        if cost > self.max_bytes {
            return;
        }
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        let key = (c.stamp.dev, c.stamp.ino);
        if let Some(old) = inner.map.remove(&key) {
            inner.bytes = inner.bytes.saturating_sub(cost_of(&old));
        }
        while inner.bytes.saturating_add(cost) > self.max_bytes || inner.map.len() >= MAX_ENTRIES {
            let Some(k) = inner.map.keys().next().copied() else {
                break;
            };
            if let Some(old) = inner.map.remove(&k) {
                inner.bytes = inner.bytes.saturating_sub(cost_of(&old));
            }
        }
        inner.bytes = inner.bytes.saturating_add(cost);
        inner.map.insert(key, Arc::new(c));
    }

    /// Number of entries and bytes charged (for tests).
    #[cfg(test)]
    fn usage(&self) -> (usize, usize) {
        self.inner.lock().map_or((0, 0), |i| (i.map.len(), i.bytes))
    }
}

fn cost_of(c: &Cached) -> usize {
    c.data.as_ref().map_or(0, Bytes::len) + ENTRY_OVERHEAD
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    struct Tmp(std::path::PathBuf);
    impl Drop for Tmp {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn tmp(tag: &str) -> Tmp {
        let d = std::env::temp_dir().join(format!("wirelab-cache-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).expect("mkdir");
        Tmp(d)
    }

    fn stamp_of(f: &File) -> Stamp {
        Stamp::of(&f.metadata().expect("fstat"))
    }

    /// `s` as if the file had changed 10 s ago (settled, so kept).
    fn aged(s: Stamp) -> Stamp {
        Stamp {
            ctime: (s.ctime.0 - 10, 0),
            ..s
        }
    }

    #[test]
    fn settled_needs_a_second() {
        let s = Stamp {
            dev: 1,
            ino: 2,
            len: 3,
            mtime: (1_000, 0),
            ctime: (1_000, 500),
        };
        let at = |secs: u64, nanos: u32| SystemTime::UNIX_EPOCH + Duration::new(secs, nanos);
        assert!(!s.settled(at(1_000, 900)));
        assert!(!s.settled(at(1_001, 499)));
        assert!(s.settled(at(1_001, 500)));
        let before_epoch = Stamp {
            ctime: (-5, 0),
            ..s
        };
        assert!(!before_epoch.settled(at(10, 0)), "odd times are never kept");
    }

    #[test]
    fn fresh_files_are_read_each_time_settled_ones_kept() {
        let t = tmp("fresh");
        let p = t.0.join("f");
        std::fs::write(&p, b"first").expect("write");
        let cache = SmallFiles::new(1024, 1 << 20);
        let f = Arc::new(File::open(&p).expect("open"));
        let s = stamp_of(&f);
        let v = cache.validators(&s);
        assert_eq!(v.length, "5");
        // Just written: not settled, so its bytes are not kept.
        assert_eq!(cache.data(&f, &s, &v).expect("data"), &b"first"[..]);
        assert!(cache.get(&s).is_some_and(|c| c.data.is_none()));
        // Pretend the change was long ago: now its bytes are kept.
        let old = aged(s);
        assert_eq!(cache.data(&f, &old, &v).expect("data"), &b"first"[..]);
        assert_eq!(
            cache.get(&old).and_then(|c| c.data.clone()).as_deref(),
            Some(&b"first"[..])
        );
        // Another stamp of the same inode (the file changed): a miss.
        let changed = Stamp { len: 6, ..old };
        assert!(cache.get(&changed).is_none());
        std::fs::OpenOptions::new()
            .append(true)
            .open(&p)
            .and_then(|mut w| w.write_all(b"!"))
            .expect("append");
        let f = Arc::new(File::open(&p).expect("open"));
        let s2 = stamp_of(&f);
        assert_ne!(s2, old);
        let v2 = cache.validators(&s2);
        assert_eq!(cache.data(&f, &s2, &v2).expect("data"), &b"first!"[..]);
    }

    #[test]
    fn bounded() {
        let t = tmp("bounded");
        let cache = SmallFiles::new(100, 3 * (100 + ENTRY_OVERHEAD));
        for i in 0..10 {
            let p = t.0.join(format!("f{i}"));
            std::fs::write(&p, [i as u8; 100]).expect("write");
            let f = Arc::new(File::open(&p).expect("open"));
            let s = aged(stamp_of(&f));
            let v = cache.validators(&s);
            assert_eq!(cache.data(&f, &s, &v).expect("data"), &[i as u8; 100][..]);
            let (n, bytes) = cache.usage();
            assert!(n <= 3 && bytes <= 3 * (100 + ENTRY_OVERHEAD), "{n} {bytes}");
        }
        // Over max_file: read, never kept.
        let p = t.0.join("big");
        std::fs::write(&p, [7u8; 101]).expect("write");
        let f = Arc::new(File::open(&p).expect("open"));
        let s = aged(stamp_of(&f));
        let v = cache.validators(&s);
        assert_eq!(cache.data(&f, &s, &v).expect("data").len(), 101);
        assert!(cache.get(&s).is_none());
    }
}
