//! Response bodies: in-memory bytes and file ranges read from disk in
//! chunks, with bounded memory.
//!
//! A file range is read with `pread` into a fresh buffer of at most
//! `chunk` bytes, which is handed to hyper as a `Bytes` frame and written to
//! the socket from there (hyper queues large frames and writes them with
//! `writev`, without copying them into its own buffer). So each byte is
//! copied once from the page cache into user space and once into the
//! socket; no file is ever held whole in memory. hyper only asks for the
//! next frame once its write queue has room, so a connection holds at most
//! about one chunk plus hyper's write buffer, whatever the file's size.
//!
//! The read is a plain blocking `pread` on the worker thread, as nginx does
//! without `aio`: for files in the page cache it takes microseconds, much
//! less than a hop to a blocking thread pool would; on a cold, slow disk it
//! stalls that worker's other connections for the length of one read.

use std::collections::VecDeque;
use std::fs::File;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use hyper::body::{Body, Frame, SizeHint};

/// A piece of a response body.
#[derive(Debug)]
pub enum Piece {
    /// Bytes already in memory (a listing, a multipart header).
    Mem(Bytes),
    /// Bytes of the file starting at `offset`, already in memory (a kept
    /// small file).
    Kept {
        /// The bytes.
        data: Bytes,
        /// Where they are in the file.
        offset: u64,
    },
    /// `len` bytes of the file starting at `offset`.
    File {
        /// Start offset in the file.
        offset: u64,
        /// Bytes left to send.
        len: u64,
    },
}

/// A response body: pieces sent in order, file pieces read from `file`.
pub struct FileBody {
    pieces: VecDeque<Piece>,
    file: Option<Arc<File>>,
    chunk: usize,
    remaining: u64,
    /// Called once with the number of bytes sent when the body is dropped.
    on_done: Option<Box<dyn FnOnce(u64) + Send>>,
    sent: u64,
    /// Where to record which chunks are file bytes (see [`SendfileHints`]).
    hints: Option<Arc<SendfileHints>>,
}

/// Most hints a connection keeps (hyper queues at most a few chunks).
const MAX_HINTS: usize = 16;

/// Which buffers handed to hyper hold bytes of which file, so that the
/// connection's socket can send them with `sendfile` (page references, no
/// copy from user memory) instead of copying them with `writev`.
///
/// A hint owns a clone of the chunk's [`Bytes`]: while it exists, that
/// memory stays allocated and unchanged, so an address inside it cannot
/// belong to any other buffer. A buffer whose address matches no hint is
/// written normally; so is one whose `sendfile` fails or finds the file
/// shorter than its size (the bytes in memory are those the response was
/// built from).
#[derive(Default)]
pub struct SendfileHints {
    hints: std::sync::Mutex<VecDeque<Hint>>,
}

struct Hint {
    data: Bytes,
    file: Arc<File>,
    offset: u64,
}

/// A file region to send in place of a buffer: `len` bytes at `offset`.
pub struct FileRegion {
    /// The file.
    pub file: Arc<File>,
    /// Offset in the file of the buffer's first byte.
    pub offset: u64,
    /// Bytes of the buffer the region covers.
    pub len: usize,
}

impl SendfileHints {
    fn push(&self, data: Bytes, file: Arc<File>, offset: u64) {
        if let Ok(mut h) = self.hints.lock() {
            if h.len() >= MAX_HINTS {
                h.pop_front();
            }
            h.push_back(Hint { data, file, offset });
        }
    }

    /// The file region holding the bytes of `buf`, if `buf` starts inside
    /// a hinted chunk.
    pub fn region(&self, buf: &[u8]) -> Option<FileRegion> {
        let h = self.hints.lock().ok()?;
        if h.is_empty() {
            return None;
        }
        let at = buf.as_ptr() as usize;
        h.iter().find_map(|x| {
            let start = x.data.as_ptr() as usize;
            let skip = at.checked_sub(start)?;
            let left = x.data.len().checked_sub(skip).filter(|&n| n > 0)?;
            Some(FileRegion {
                file: x.file.clone(),
                offset: x.offset.checked_add(u64::try_from(skip).ok()?)?,
                len: left.min(buf.len()),
            })
        })
    }

    /// `n` bytes from the start of `buf` were sent: hints that end there
    /// or before are done.
    pub fn sent(&self, buf: &[u8], n: usize) {
        let at = buf.as_ptr() as usize;
        let end = at.saturating_add(n);
        if let Ok(mut h) = self.hints.lock() {
            h.retain(|x| {
                let start = x.data.as_ptr() as usize;
                let stop = start.saturating_add(x.data.len());
                !(start <= at && at < stop && end >= stop)
            });
        }
    }

    /// Forgets the hint covering `buf` (its file could not be sent).
    pub fn forget(&self, buf: &[u8]) {
        let at = buf.as_ptr() as usize;
        if let Ok(mut h) = self.hints.lock() {
            h.retain(|x| {
                let start = x.data.as_ptr() as usize;
                !(start <= at && at < start.saturating_add(x.data.len()))
            });
        }
    }

    /// Number of hints held (for tests).
    #[cfg(test)]
    pub fn held(&self) -> usize {
        self.hints.lock().map_or(0, |h| h.len())
    }
}

impl std::fmt::Debug for FileBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileBody")
            .field("pieces", &self.pieces)
            .field("remaining", &self.remaining)
            .finish_non_exhaustive()
    }
}

impl FileBody {
    /// An empty body.
    pub fn empty() -> Self {
        Self::new(Vec::new(), None, 1)
    }

    /// A body from memory.
    pub fn bytes(b: impl Into<Bytes>) -> Self {
        Self::new(vec![Piece::Mem(b.into())], None, 1)
    }

    /// A body of pieces; file pieces are read from `file` in chunks of at
    /// most `chunk` bytes.
    pub fn new(pieces: Vec<Piece>, file: Option<Arc<File>>, chunk: usize) -> Self {
        let remaining = pieces
            .iter()
            .map(|p| match p {
                Piece::Mem(b) | Piece::Kept { data: b, .. } => b.len() as u64,
                Piece::File { len, .. } => *len,
            })
            .fold(0u64, u64::saturating_add);
        Self {
            pieces: pieces.into(),
            file,
            chunk: chunk.max(1),
            remaining,
            on_done: None,
            sent: 0,
            hints: None,
        }
    }

    /// Records in `hints` which chunks of this body are file bytes.
    pub fn set_hints(&mut self, hints: Arc<SendfileHints>) {
        self.hints = Some(hints);
    }

    /// The same body, its file pieces read from `file`.
    pub fn with_file(mut self, file: Arc<File>) -> Self {
        self.file = Some(file);
        self
    }

    /// The same body, its file pieces taken from `data`, the whole file
    /// already in memory (no read at send time). A piece beyond `data` is
    /// an error (the file shrank). Keeps the file (if given) for
    /// [`SendfileHints`].
    pub fn from_memory(mut self, data: &Bytes) -> io::Result<Self> {
        for p in &mut self.pieces {
            if let Piece::File { offset, len } = *p {
                let range = usize::try_from(offset)
                    .ok()
                    .zip(usize::try_from(len).ok())
                    .and_then(|(o, n)| Some(o..o.checked_add(n)?))
                    .filter(|r| r.end <= data.len())
                    .ok_or_else(|| {
                        io::Error::new(io::ErrorKind::UnexpectedEof, "file shorter than its size")
                    })?;
                *p = Piece::Kept {
                    data: data.slice(range),
                    offset,
                };
            }
        }
        Ok(self)
    }

    /// Total length of the body.
    pub fn len(&self) -> u64 {
        self.remaining
    }

    /// True when the body has no bytes.
    pub fn is_empty(&self) -> bool {
        self.remaining == 0
    }

    /// Registers a callback run once, when the body is dropped, with the
    /// number of bytes handed to hyper (for the access log).
    pub fn on_done(&mut self, f: impl FnOnce(u64) + Send + 'static) {
        self.on_done = Some(Box::new(f));
    }

    fn next_chunk(&mut self) -> Option<io::Result<Bytes>> {
        loop {
            let piece = self.pieces.front_mut()?;
            match piece {
                Piece::Mem(b) => {
                    let b = std::mem::take(b);
                    self.pieces.pop_front();
                    if !b.is_empty() {
                        return Some(Ok(b));
                    }
                }
                Piece::Kept { data, offset } => {
                    let (b, offset) = (std::mem::take(data), *offset);
                    self.pieces.pop_front();
                    if !b.is_empty() {
                        self.hint(&b, offset);
                        return Some(Ok(b));
                    }
                }
                Piece::File { offset, len } => {
                    if *len == 0 {
                        self.pieces.pop_front();
                        continue;
                    }
                    let Some(file) = &self.file else {
                        return Some(Err(io::Error::other("file piece without a file")));
                    };
                    let n = usize::try_from(*len).unwrap_or(usize::MAX).min(self.chunk);
                    let buf = match pread_exact(file, n, *offset) {
                        Ok(b) => b,
                        Err(e) => return Some(Err(e)),
                    };
                    let at = *offset;
                    *offset += n as u64;
                    *len -= n as u64;
                    let b = buf.freeze();
                    self.hint(&b, at);
                    return Some(Ok(b));
                }
            }
        }
    }
}

impl FileBody {
    fn hint(&self, b: &Bytes, offset: u64) {
        if let (Some(h), Some(f)) = (&self.hints, &self.file) {
            h.push(b.clone(), f.clone(), offset);
        }
    }
}

/// Reads exactly `n` bytes at `offset` into a new buffer, without zeroing
/// it first (the buffer is as large as a chunk, and zeroing it would be one
/// more pass over the memory than the copy itself). A file shorter than
/// `offset + n` is an `UnexpectedEof` error.
pub(super) fn pread_exact(file: &File, n: usize, offset: u64) -> io::Result<BytesMut> {
    use std::os::fd::AsRawFd;
    let mut buf = BytesMut::with_capacity(n);
    while buf.len() < n {
        let got = buf.len();
        let spare = buf.spare_capacity_mut();
        let want = n - got;
        let at = offset
            .checked_add(got as u64)
            .and_then(|o| libc::off_t::try_from(o).ok())
            .ok_or_else(|| io::Error::other("file offset overflows off_t"))?;
        if spare.len() < want {
            return Err(io::Error::other("buffer smaller than asked"));
        }
        // SAFETY: `spare` is at least `want` bytes of writable memory owned
        // by `buf`; pread writes at most `want` bytes there and reports how
        // many, and only those are then marked initialised by `set_len`.
        let r = unsafe { libc::pread(file.as_raw_fd(), spare.as_mut_ptr().cast(), want, at) };
        match r {
            0 => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "file shrank while being sent",
                ))
            }
            r if r > 0 => {
                let k = usize::try_from(r).unwrap_or(0).min(want);
                // SAFETY: the first `got + k` bytes are initialised (see above).
                unsafe { buf.set_len(got + k) };
            }
            _ => {
                let e = io::Error::last_os_error();
                if e.kind() != io::ErrorKind::Interrupted {
                    return Err(e);
                }
            }
        }
    }
    Ok(buf)
}

impl Drop for FileBody {
    fn drop(&mut self) {
        if let Some(f) = self.on_done.take() {
            f(self.sent);
        }
    }
}

impl Body for FileBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        let this = self.get_mut();
        match this.next_chunk() {
            None => Poll::Ready(None),
            Some(Ok(b)) => {
                let n = b.len() as u64;
                this.remaining = this.remaining.saturating_sub(n);
                this.sent = this.sent.saturating_add(n);
                Poll::Ready(Some(Ok(Frame::data(b))))
            }
            Some(Err(e)) => {
                this.pieces.clear();
                this.remaining = 0;
                Poll::Ready(Some(Err(e)))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.remaining == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;
    use std::io::Write;

    #[tokio::test]
    async fn pieces_in_order_in_bounded_chunks() {
        let dir = std::env::temp_dir().join(format!("wirelab-body-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("mkdir");
        let p = dir.join("f");
        let data: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::File::create(&p)
            .and_then(|mut f| f.write_all(&data))
            .expect("write");
        let f = Arc::new(File::open(&p).expect("open"));
        let mut body = FileBody::new(
            vec![
                Piece::Mem(Bytes::from_static(b"<")),
                Piece::File {
                    offset: 100,
                    len: 5000,
                },
                Piece::Mem(Bytes::from_static(b">")),
            ],
            Some(f),
            1024,
        );
        assert_eq!(body.len(), 5002);
        let mut out = Vec::new();
        while let Some(fr) = body.frame().await {
            let b = fr.expect("frame").into_data().expect("data");
            assert!(b.len() <= 1024);
            out.extend_from_slice(&b);
        }
        assert_eq!(out.first(), Some(&b'<'));
        assert_eq!(out.last(), Some(&b'>'));
        assert_eq!(&out[1..5001], &data[100..5100]);
        // Asking for more than the file holds is an error, not a hang.
        let f = Arc::new(File::open(&p).expect("open"));
        let mut body = FileBody::new(
            vec![Piece::File {
                offset: 9000,
                len: 2000,
            }],
            Some(f),
            4096,
        );
        assert!(body.frame().await.expect("frame").is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn hints_name_the_file_bytes_of_each_chunk() {
        let dir = std::env::temp_dir().join(format!("wirelab-hints-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("mkdir");
        let p = dir.join("f");
        let data: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&p, &data).expect("write");
        let f = Arc::new(File::open(&p).expect("open"));
        let hints = Arc::new(SendfileHints::default());
        let kept = Bytes::from(data.clone());
        let mut body = FileBody::new(
            vec![
                Piece::Mem(Bytes::from_static(b"--")),
                Piece::File {
                    offset: 100,
                    len: 3000,
                },
            ],
            None,
            1024,
        )
        .with_file(f.clone());
        body.set_hints(hints.clone());
        let mut chunks = Vec::new();
        while let Some(fr) = body.frame().await {
            chunks.push(fr.expect("frame").into_data().expect("data"));
        }
        // The memory piece is not file bytes; each file chunk is.
        assert!(hints.region(&chunks[0]).is_none());
        let mut at = 100u64;
        for c in &chunks[1..] {
            let r = hints.region(c).expect("hinted");
            assert_eq!((r.offset, r.len), (at, c.len()));
            // Half sent: the rest is still the file, further on.
            let rest = c.slice(c.len() / 2..);
            let r2 = hints.region(&rest).expect("hinted");
            assert_eq!(r2.offset, at + (c.len() / 2) as u64);
            assert_eq!(&data[r2.offset as usize..][..r2.len], &rest[..]);
            at += c.len() as u64;
        }
        assert_eq!(hints.held(), 3);
        // Sent in part: still held; sent to the end: dropped.
        hints.sent(&chunks[1], 10);
        assert_eq!(hints.held(), 3);
        hints.sent(&chunks[1], chunks[1].len());
        assert_eq!(hints.held(), 2);
        assert!(hints.region(&chunks[1]).is_none());
        hints.forget(&chunks[2]);
        assert_eq!(hints.held(), 1);
        // Kept bytes of a small file are hinted too; at most MAX_HINTS held.
        for _ in 0..MAX_HINTS + 3 {
            let mut b = FileBody::new(
                vec![Piece::File {
                    offset: 0,
                    len: 10_000,
                }],
                None,
                1 << 20,
            )
            .from_memory(&kept)
            .expect("fits")
            .with_file(f.clone());
            b.set_hints(hints.clone());
            let c = b
                .frame()
                .await
                .expect("frame")
                .expect("ok")
                .into_data()
                .expect("data");
            assert_eq!(c, kept);
            let r = hints.region(&c).expect("hinted");
            assert_eq!((r.offset, r.len), (0, 10_000));
        }
        assert_eq!(hints.held(), MAX_HINTS);
        // Memory beyond the kept bytes is refused.
        let short = FileBody::new(
            vec![Piece::File {
                offset: 5,
                len: 10_000,
            }],
            None,
            1,
        )
        .from_memory(&kept);
        assert!(short.is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
