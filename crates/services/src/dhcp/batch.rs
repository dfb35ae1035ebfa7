//! Batched datagram I/O for the server's socket: `recvmmsg(2)` and
//! `sendmmsg(2)` move up to [`CHUNK`] datagrams per system call instead of
//! one, into and out of buffers allocated once.
//!
//! Written on `libc` rather than `nix`: nix's `sendmmsg` result iterator
//! reads the (never written) source-address slots of its headers, and its
//! `recvmmsg` wants fresh I/O slices borrowed for every call.

use std::io;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::os::fd::RawFd;

/// Datagrams per system call.
pub const CHUNK: usize = 64;
/// Receive buffer per datagram; a longer datagram is reported truncated.
pub const DGRAM: usize = 2048;

fn sockaddr(a: SocketAddrV4) -> libc::sockaddr_in {
    libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: a.port().to_be(),
        sin_addr: libc::in_addr {
            s_addr: u32::from(*a.ip()).to_be(),
        },
        sin_zero: [0; 8],
    }
}

fn empty_sockaddr() -> libc::sockaddr_in {
    sockaddr(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0))
}

fn empty_header() -> libc::mmsghdr {
    // SAFETY: mmsghdr is plain data (pointers, lengths, flags); all-zero is
    // a valid value (null pointers, zero lengths).
    unsafe { std::mem::zeroed() }
}

/// One received datagram.
#[derive(Debug)]
pub struct Datagram<'a> {
    /// Its bytes (at most [`DGRAM`]).
    pub data: &'a [u8],
    /// Source address, if the kernel gave an IPv4 one.
    pub src: Option<SocketAddrV4>,
    /// Longer than [`DGRAM`]: `data` is only its start.
    pub truncated: bool,
}

/// Buffers and headers for `recvmmsg`, reused across calls.
pub struct RecvBatch {
    bufs: Vec<u8>,
    names: Vec<libc::sockaddr_in>,
    iovs: Vec<libc::iovec>,
    hdrs: Vec<libc::mmsghdr>,
    got: usize,
}

impl Default for RecvBatch {
    fn default() -> Self {
        RecvBatch {
            bufs: vec![0; CHUNK * DGRAM],
            names: vec![empty_sockaddr(); CHUNK],
            iovs: vec![
                libc::iovec {
                    iov_base: std::ptr::null_mut(),
                    iov_len: 0,
                };
                CHUNK
            ],
            hdrs: vec![empty_header(); CHUNK],
            got: 0,
        }
    }
}

impl RecvBatch {
    /// Receive up to [`CHUNK`] queued datagrams without blocking; `Ok(0)`
    /// when none is queued.
    pub fn recv(&mut self, fd: RawFd) -> io::Result<usize> {
        self.got = 0;
        for ((buf, name), (iov, hdr)) in self
            .bufs
            .chunks_exact_mut(DGRAM)
            .zip(self.names.iter_mut())
            .zip(self.iovs.iter_mut().zip(self.hdrs.iter_mut()))
        {
            *iov = libc::iovec {
                iov_base: buf.as_mut_ptr().cast(),
                iov_len: buf.len(),
            };
            *hdr = empty_header();
            hdr.msg_hdr.msg_name = (name as *mut libc::sockaddr_in).cast();
            hdr.msg_hdr.msg_namelen = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
            hdr.msg_hdr.msg_iov = iov;
            hdr.msg_hdr.msg_iovlen = 1;
        }
        // SAFETY: every header points at its own name and iovec, and each
        // iovec at its own DGRAM-byte slice of `bufs`; all live in `self`,
        // which is borrowed mutably for the call, and the count is their length.
        let r = unsafe {
            libc::recvmmsg(
                fd,
                self.hdrs.as_mut_ptr(),
                self.hdrs.len() as libc::c_uint,
                libc::MSG_DONTWAIT,
                std::ptr::null_mut(),
            )
        };
        if r < 0 {
            let e = io::Error::last_os_error();
            return if e.kind() == io::ErrorKind::WouldBlock {
                Ok(0)
            } else {
                Err(e)
            };
        }
        self.got = (r as usize).min(self.hdrs.len());
        Ok(self.got)
    }

    /// The datagrams of the last [`RecvBatch::recv`].
    pub fn datagrams(&self) -> impl Iterator<Item = Datagram<'_>> {
        self.bufs
            .chunks_exact(DGRAM)
            .zip(self.names.iter().zip(self.hdrs.iter()))
            .take(self.got)
            .map(|(buf, (name, hdr))| {
                let len = hdr.msg_len as usize;
                let truncated = len > buf.len() || hdr.msg_hdr.msg_flags & libc::MSG_TRUNC != 0;
                let named = hdr.msg_hdr.msg_namelen as usize
                    >= std::mem::size_of::<libc::sockaddr_in>()
                    && name.sin_family == libc::AF_INET as libc::sa_family_t;
                let src = named.then(|| {
                    SocketAddrV4::new(
                        Ipv4Addr::from(u32::from_be(name.sin_addr.s_addr)),
                        u16::from_be(name.sin_port),
                    )
                });
                Datagram {
                    data: &buf[..len.min(buf.len())],
                    src,
                    truncated,
                }
            })
    }
}

/// Headers for `sendmmsg`, reused across calls.
#[derive(Default)]
pub struct SendBatch {
    names: Vec<libc::sockaddr_in>,
    iovs: Vec<libc::iovec>,
    hdrs: Vec<libc::mmsghdr>,
}

impl SendBatch {
    /// Send every `(bytes, destination)`, up to [`CHUNK`] per system call.
    /// A datagram the kernel refuses is passed to `failed` with its index
    /// and the error, and the rest are still sent.
    pub fn send(
        &mut self,
        fd: RawFd,
        msgs: &[(&[u8], SocketAddrV4)],
        mut failed: impl FnMut(usize, &io::Error),
    ) {
        let mut at = 0;
        while at < msgs.len() {
            let chunk = &msgs[at..msgs.len().min(at + CHUNK)];
            self.names.clear();
            self.iovs.clear();
            self.hdrs.clear();
            for (bytes, dst) in chunk {
                self.names.push(sockaddr(*dst));
                self.iovs.push(libc::iovec {
                    // the kernel only reads a datagram being sent
                    iov_base: bytes.as_ptr().cast_mut().cast(),
                    iov_len: bytes.len(),
                });
            }
            for (name, iov) in self.names.iter_mut().zip(self.iovs.iter_mut()) {
                let mut hdr = empty_header();
                hdr.msg_hdr.msg_name = (name as *mut libc::sockaddr_in).cast();
                hdr.msg_hdr.msg_namelen =
                    std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
                hdr.msg_hdr.msg_iov = iov;
                hdr.msg_hdr.msg_iovlen = 1;
                self.hdrs.push(hdr);
            }
            // SAFETY: each header points at its own name and iovec in `self`
            // (not resized until the call returns), each iovec at bytes
            // borrowed from `msgs` for this call; the count is their length.
            let r = unsafe {
                libc::sendmmsg(
                    fd,
                    self.hdrs.as_mut_ptr(),
                    self.hdrs.len() as libc::c_uint,
                    0,
                )
            };
            if r > 0 {
                at += r as usize;
                continue;
            }
            let e = if r < 0 {
                io::Error::last_os_error()
            } else {
                io::Error::from(io::ErrorKind::WriteZero)
            };
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            // the first datagram of the chunk failed: report it, go on
            failed(at, &e);
            at += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::UdpSocket;
    use std::os::fd::AsRawFd;
    use std::time::{Duration, Instant};

    #[test]
    fn sends_and_receives_more_than_a_chunk() {
        let rx = UdpSocket::bind("127.0.0.1:0").unwrap();
        let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
        let to = match rx.local_addr().unwrap() {
            std::net::SocketAddr::V4(a) => a,
            other => panic!("{other}"),
        };
        let from = tx.local_addr().unwrap();
        // 150 datagrams of different lengths (three sendmmsg calls), then
        // one longer than a receive buffer
        let payloads: Vec<Vec<u8>> = (0..150u32)
            .map(|i| vec![i as u8; 1 + (i as usize * 7) % 600])
            .collect();
        let msgs: Vec<(&[u8], SocketAddrV4)> = payloads.iter().map(|p| (&p[..], to)).collect();
        let mut failures = 0;
        SendBatch::default().send(tx.as_raw_fd(), &msgs, |_, _| failures += 1);
        assert_eq!(failures, 0);
        tx.send_to(&vec![9u8; DGRAM + 10], to).unwrap();
        let mut rb = RecvBatch::default();
        let mut seen: Vec<(Vec<u8>, Option<SocketAddrV4>, bool)> = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(5);
        while seen.len() < 151 && Instant::now() < deadline {
            let n = rb.recv(rx.as_raw_fd()).unwrap();
            assert!(n <= CHUNK);
            if n == 0 {
                std::thread::sleep(Duration::from_millis(5));
            }
            seen.extend(
                rb.datagrams()
                    .map(|d| (d.data.to_vec(), d.src, d.truncated)),
            );
        }
        assert_eq!(seen.len(), 151);
        for (i, p) in payloads.iter().enumerate() {
            assert_eq!(&seen[i].0, p, "datagram {i}");
            assert_eq!(seen[i].1.map(std::net::SocketAddr::V4), Some(from));
            assert!(!seen[i].2);
        }
        let last = &seen[150];
        assert!(last.2, "a datagram longer than DGRAM is flagged truncated");
        assert_eq!(last.0.len(), DGRAM);
        // nothing queued: Ok(0), not an error
        assert_eq!(rb.recv(rx.as_raw_fd()).unwrap(), 0);
        assert_eq!(rb.datagrams().count(), 0);
    }

    #[test]
    fn reports_a_refused_datagram_and_sends_the_rest() {
        let rx = UdpSocket::bind("127.0.0.1:0").unwrap();
        let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
        let to = match rx.local_addr().unwrap() {
            std::net::SocketAddr::V4(a) => a,
            other => panic!("{other}"),
        };
        // a datagram above the UDP maximum is refused with EMSGSIZE
        let big = vec![0u8; 70_000];
        let msgs: Vec<(&[u8], SocketAddrV4)> = vec![(b"a", to), (&big, to), (b"c", to)];
        let mut failed = Vec::new();
        SendBatch::default().send(tx.as_raw_fd(), &msgs, |i, e| {
            failed.push((i, e.raw_os_error()))
        });
        assert_eq!(failed, vec![(1, Some(libc::EMSGSIZE))]);
        let mut rb = RecvBatch::default();
        let mut seen = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(5);
        while seen.len() < 2 && Instant::now() < deadline {
            if rb.recv(rx.as_raw_fd()).unwrap() == 0 {
                std::thread::sleep(Duration::from_millis(5));
            }
            seen.extend(rb.datagrams().map(|d| d.data.to_vec()));
        }
        assert_eq!(seen, vec![b"a".to_vec(), b"c".to_vec()]);
    }
}
