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
use std::os::unix::fs::FileExt;
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
                Piece::Mem(b) => b.len() as u64,
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
        }
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
                Piece::File { offset, len } => {
                    if *len == 0 {
                        self.pieces.pop_front();
                        continue;
                    }
                    let Some(file) = &self.file else {
                        return Some(Err(io::Error::other("file piece without a file")));
                    };
                    let n = usize::try_from(*len).unwrap_or(usize::MAX).min(self.chunk);
                    let mut buf = BytesMut::zeroed(n);
                    let mut got = 0;
                    while got < n {
                        let Some(rest) = buf.get_mut(got..) else {
                            break;
                        };
                        match file.read_at(rest, *offset + got as u64) {
                            Ok(0) => {
                                return Some(Err(io::Error::new(
                                    io::ErrorKind::UnexpectedEof,
                                    "file shrank while being sent",
                                )))
                            }
                            Ok(k) => got += k,
                            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                            Err(e) => return Some(Err(e)),
                        }
                    }
                    *offset += n as u64;
                    *len -= n as u64;
                    return Some(Ok(buf.freeze()));
                }
            }
        }
    }
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
}
