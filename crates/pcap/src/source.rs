//! A read-ahead buffer over any `Read`: records are parsed in place and
//! handed out as borrowed slices, so reading allocates nothing per packet.
//!
//! The buffer starts at [`INITIAL`] bytes and grows (doubling) only when it
//! is full of bytes actually read and a record needs more; so its size is
//! bounded by twice the largest record really present in the stream, never
//! by a length field the file merely claims.

use std::io::{self, Read};

/// Initial buffer size.
pub(crate) const INITIAL: usize = 256 * 1024;

pub(crate) struct Source {
    inner: Box<dyn Read + Send>,
    buf: Vec<u8>,
    /// First unconsumed byte.
    start: usize,
    /// End of the bytes read.
    end: usize,
    /// Stream offset of `buf[start]`.
    pos: u64,
    eof: bool,
}

impl Source {
    pub(crate) fn new(inner: Box<dyn Read + Send>) -> Self {
        Source {
            inner,
            buf: Vec::new(),
            start: 0,
            end: 0,
            pos: 0,
            eof: false,
        }
    }

    /// Stream offset of the next unconsumed byte.
    pub(crate) fn pos(&self) -> u64 {
        self.pos
    }

    /// Bytes buffered and not consumed.
    pub(crate) fn avail(&self) -> usize {
        self.end - self.start
    }

    /// Reads until at least `n` bytes are buffered or the stream ends;
    /// returns how many are buffered (less than `n` only at the end).
    pub(crate) fn fill(&mut self, n: usize) -> io::Result<usize> {
        while self.avail() < n && !self.eof {
            if self.start > 0 && (self.start + n > self.buf.len() || self.end == self.buf.len()) {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            }
            if self.end == self.buf.len() {
                // Full of real data (start == 0 here): grow, at most doubling.
                let len = self.buf.len();
                let new_len = (len.saturating_mul(2)).max(INITIAL).min(n.max(INITIAL));
                if new_len <= len {
                    // Cannot happen (avail < n and start == 0 mean len < n),
                    // but never loop without progress.
                    break;
                }
                self.buf.resize(new_len, 0);
            }
            match self.inner.read(&mut self.buf[self.end..]) {
                Ok(0) => self.eof = true,
                Ok(k) => self.end += k.min(self.buf.len() - self.end),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(self.avail())
    }

    /// The buffered bytes (at most `n`).
    pub(crate) fn peek(&self, n: usize) -> &[u8] {
        let n = n.min(self.avail());
        &self.buf[self.start..self.start + n]
    }

    /// Marks `n` buffered bytes as consumed and returns their index range
    /// in [`Source::buffer`]; the bytes stay valid until the next `fill`.
    pub(crate) fn consume(&mut self, n: usize) -> std::ops::Range<usize> {
        let n = n.min(self.avail());
        let r = self.start..self.start + n;
        self.start += n;
        self.pos += n as u64;
        r
    }

    /// Gives back the underlying reader; the caller must have saved the
    /// buffered bytes it still needs.
    pub(crate) fn into_inner(self) -> Box<dyn Read + Send> {
        self.inner
    }

    /// The whole buffer, for slicing with a range from [`Source::consume`].
    pub(crate) fn buffer(&self) -> &[u8] {
        &self.buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that returns at most 3 bytes per call.
    struct Dribble(std::io::Cursor<Vec<u8>>);
    impl Read for Dribble {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = buf.len().min(3);
            self.0.read(&mut buf[..n])
        }
    }

    #[test]
    fn fill_peek_consume() {
        let data: Vec<u8> = (0..=255u8).cycle().take(600_000).collect();
        let mut s = Source::new(Box::new(Dribble(std::io::Cursor::new(data.clone()))));
        assert!(s.fill(10).unwrap() >= 10);
        assert_eq!(s.peek(4), &data[..4]);
        let r = s.consume(4);
        assert_eq!(&s.buffer()[r], &data[..4]);
        assert_eq!(s.pos(), 4);
        // A request larger than the initial buffer grows it.
        assert!(s.fill(400_000).unwrap() >= 400_000);
        assert_eq!(s.peek(3), &data[4..7]);
        s.consume(400_000);
        assert_eq!(s.pos(), 400_004);
        assert_eq!(s.fill(1_000_000).unwrap(), 199_996);
        assert_eq!(s.peek(2), &data[400_004..400_006]);
        s.consume(199_996);
        assert_eq!(s.fill(1).unwrap(), 0);
    }

    #[test]
    fn claimed_length_does_not_allocate() {
        let mut s = Source::new(Box::new(std::io::Cursor::new(vec![0u8; 100])));
        assert_eq!(s.fill(usize::MAX).unwrap(), 100);
        assert!(s.buf.len() <= INITIAL);
    }
}
