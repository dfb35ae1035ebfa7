//! The one module with `unsafe`: an `AF_PACKET` socket with a TPACKET_V3
//! receive ring (packet(7), `Documentation/networking/packet_mmap.rst`),
//! opened in the caller's network namespace or, on a short-lived thread that
//! enters it with setns(2), in another one. A packet socket stays bound to
//! the namespace it was created in, so the thread can end once the socket
//! is bound.
//!
//! The ring is a series of blocks shared with the kernel. The kernel owns a
//! block while its `block_status` is `TP_STATUS_KERNEL`, fills it with
//! packets, then hands it over by setting `TP_STATUS_USER` (when it is full
//! or when the retire timeout expires). We read a block only while we own
//! it, and give it back by storing `TP_STATUS_KERNEL`.

use std::ffi::CString;
use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicU32, Ordering};

use crate::{Error, IfSpec};

/// ARPHRD_* hardware types this module maps to a link type.
pub(crate) const ARPHRD_ETHER: u16 = 1;
pub(crate) const ARPHRD_LOOPBACK: u16 = 772;
pub(crate) const ARPHRD_NONE: u16 = 0xfffe;

/// Offsets in a block descriptor (`struct tpacket_block_desc`, whose
/// header `tpacket_hdr_v1` starts at byte 8).
const BLK_STATUS: usize = 8;
const BLK_NUM_PKTS: usize = 12;
const BLK_FIRST_PKT: usize = 16;
/// `hdr.bh1.seq_num`: the kernel numbers the blocks it opens, one up each.
const BLK_SEQ: usize = 24;
/// Offsets in `struct tpacket3_hdr`, then the `sockaddr_ll` that follows it
/// at `TPACKET_ALIGN(sizeof(tpacket3_hdr))` = 48.
const PKT_NEXT: usize = 0;
const PKT_SEC: usize = 4;
const PKT_NSEC: usize = 8;
const PKT_SNAPLEN: usize = 12;
const PKT_LEN: usize = 16;
const PKT_STATUS: usize = 20;
const PKT_MAC: usize = 24;
const PKT_VLAN_TCI: usize = 32;
const PKT_VLAN_TPID: usize = 36;
const PKT_SLL_PKTTYPE: usize = 48 + 10;

/// Ring geometry and socket options.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RingConfig {
    pub block_size: u32,
    pub block_count: u32,
    pub retire_ms: u32,
    pub ignore_outgoing: bool,
    pub promiscuous: bool,
}

/// What the kernel says about the interface.
#[derive(Clone, Debug)]
pub(crate) struct IfFacts {
    pub ifindex: i32,
    pub hatype: u16,
    pub mac: [u8; 6],
    pub mtu: u32,
}

/// An open, bound packet socket and its mapped ring.
pub(crate) struct Ring {
    fd: OwnedFd,
    map: *mut u8,
    map_len: usize,
    block_size: usize,
    block_count: usize,
    next: usize,
    /// Sequence number of the last block handed to us and given back.
    last_seq: Option<u64>,
    /// Set by [`Ring::detach`]: the kernel writes no more packets, so the
    /// block it was filling may be read once ([`Ring::ready_block`]).
    detached: bool,
    /// The partly filled block was read after `detach`.
    swept: bool,
}

// SAFETY: the mapping is owned by this value alone (no other handle to it
// exists in the process), so moving it to another thread is sound; the
// kernel side is synchronised through the atomic block status.
unsafe impl Send for Ring {}

/// One packet in a block, as the kernel described it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RawPacket<'a> {
    pub sec: u32,
    pub nsec: u32,
    pub len: u32,
    pub status: u32,
    pub vlan_tci: u32,
    pub vlan_tpid: u16,
    pub pkttype: u8,
    pub data: &'a [u8],
}

fn rd32(b: &[u8], off: usize) -> Option<u32> {
    let s = b.get(off..off.checked_add(4)?)?;
    Some(u32::from_ne_bytes([s[0], s[1], s[2], s[3]]))
}

fn rd64(b: &[u8], off: usize) -> Option<u64> {
    let s = b.get(off..off.checked_add(8)?)?;
    Some(u64::from_ne_bytes(s.try_into().ok()?))
}

fn rd16(b: &[u8], off: usize) -> Option<u16> {
    let s = b.get(off..off.checked_add(2)?)?;
    Some(u16::from_ne_bytes([s[0], s[1]]))
}

/// The packets of a block the user owns; checked reads, so a corrupt block
/// ends the walk instead of reading out of bounds.
pub(crate) fn packets(block: &[u8]) -> impl Iterator<Item = RawPacket<'_>> + '_ {
    let num = rd32(block, BLK_NUM_PKTS).unwrap_or(0);
    let mut off = rd32(block, BLK_FIRST_PKT).unwrap_or(0) as usize;
    let mut left = num;
    std::iter::from_fn(move || {
        if left == 0 || off == 0 {
            return None;
        }
        left -= 1;
        let h = block.get(off..)?;
        let next = rd32(h, PKT_NEXT)? as usize;
        let snap = rd32(h, PKT_SNAPLEN)? as usize;
        let mac = rd16(h, PKT_MAC)? as usize;
        let data = h.get(mac..mac.checked_add(snap)?)?;
        let p = RawPacket {
            sec: rd32(h, PKT_SEC)?,
            nsec: rd32(h, PKT_NSEC)?,
            len: rd32(h, PKT_LEN)?,
            status: rd32(h, PKT_STATUS)?,
            vlan_tci: rd32(h, PKT_VLAN_TCI)?,
            vlan_tpid: rd16(h, PKT_VLAN_TPID)?,
            pkttype: *h.get(PKT_SLL_PKTTYPE)?,
            data,
        };
        // The last packet of a block has tp_next_offset 0.
        off = if next == 0 { 0 } else { off.checked_add(next)? };
        Some(p)
    })
}

fn last_err() -> io::Error {
    io::Error::last_os_error()
}

fn setsockopt<T>(fd: RawFd, level: i32, name: i32, value: &T) -> io::Result<()> {
    // SAFETY: `value` points to a live `T` of the length we pass; the kernel
    // only reads it.
    let r = unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            (value as *const T).cast(),
            std::mem::size_of::<T>() as libc::socklen_t,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(last_err())
    }
}

fn ifreq(name: &str) -> Option<libc::ifreq> {
    let bytes = name.as_bytes();
    if bytes.is_empty() || bytes.len() >= libc::IFNAMSIZ || bytes.contains(&0) {
        return None;
    }
    // SAFETY: ifreq is plain old data; all zeroes is a valid value.
    let mut r: libc::ifreq = unsafe { std::mem::zeroed() };
    for (d, s) in r.ifr_name.iter_mut().zip(bytes) {
        *d = *s as libc::c_char;
    }
    Some(r)
}

/// Interface index, hardware type and address, and MTU, asked of the
/// kernel through the socket (so in the socket's namespace).
fn if_facts(fd: RawFd, spec: &IfSpec) -> Result<IfFacts, Error> {
    let not_found = || Error::InterfaceNotFound {
        iface: spec.to_string(),
    };
    let mut r = ifreq(&spec.name).ok_or_else(not_found)?;
    // SAFETY: SIOCGIFINDEX reads the name and writes ifr_ifindex in `r`,
    // which lives for the call.
    if unsafe { libc::ioctl(fd, libc::SIOCGIFINDEX, &mut r) } != 0 {
        let e = last_err();
        return Err(if e.raw_os_error() == Some(libc::ENODEV) {
            not_found()
        } else {
            Error::Setup {
                iface: spec.to_string(),
                what: "SIOCGIFINDEX",
                error: e,
            }
        });
    }
    // SAFETY: the kernel filled the ifindex member of the union.
    let ifindex = unsafe { r.ifr_ifru.ifru_ifindex };
    let mut r = ifreq(&spec.name).ok_or_else(not_found)?;
    // SAFETY: as above; SIOCGIFHWADDR writes ifr_hwaddr.
    if unsafe { libc::ioctl(fd, libc::SIOCGIFHWADDR, &mut r) } != 0 {
        return Err(Error::Setup {
            iface: spec.to_string(),
            what: "SIOCGIFHWADDR",
            error: last_err(),
        });
    }
    // SAFETY: the kernel filled the hwaddr member of the union.
    let hw = unsafe { r.ifr_ifru.ifru_hwaddr };
    let mut mac = [0u8; 6];
    for (d, s) in mac.iter_mut().zip(hw.sa_data.iter()) {
        *d = *s as u8;
    }
    let mut r = ifreq(&spec.name).ok_or_else(not_found)?;
    // SAFETY: as above; SIOCGIFMTU writes ifr_mtu.
    let mtu = if unsafe { libc::ioctl(fd, libc::SIOCGIFMTU, &mut r) } == 0 {
        // SAFETY: the kernel filled the mtu member of the union.
        unsafe { r.ifr_ifru.ifru_mtu }.max(0) as u32
    } else {
        0
    };
    Ok(IfFacts {
        ifindex,
        hatype: hw.sa_family,
        mac,
        mtu,
    })
}

impl Ring {
    /// Opens the interface of `spec`: in its network namespace when it
    /// names one (on a thread that enters it and ends), else here.
    pub(crate) fn open(spec: &IfSpec, cfg: RingConfig) -> Result<(Ring, IfFacts), Error> {
        let Some(ns) = &spec.netns else {
            return Ring::open_here(spec, cfg);
        };
        if ns.is_empty() || ns.contains('/') || ns == "." || ns == ".." {
            return Err(Error::NamespaceNotFound { netns: ns.clone() });
        }
        let path = format!("/run/netns/{ns}");
        let f = File::open(&path).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => Error::NamespaceNotFound { netns: ns.clone() },
            io::ErrorKind::PermissionDenied => Error::PermissionDenied {
                what: format!("opening {path}"),
            },
            _ => Error::Namespace {
                netns: ns.clone(),
                error: e,
            },
        })?;
        let spec2 = spec.clone();
        let ns2 = ns.clone();
        std::thread::Builder::new()
            .name(format!("netns-{ns}"))
            .spawn(move || {
                // SAFETY: setns with a namespace file descriptor we own; it
                // changes only this thread's network namespace, and this
                // thread ends right after creating the socket.
                if unsafe { libc::setns(f.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
                    let e = last_err();
                    return Err(match e.raw_os_error() {
                        Some(libc::EPERM) => Error::PermissionDenied {
                            what: format!("entering network namespace {ns2}"),
                        },
                        _ => Error::Namespace {
                            netns: ns2,
                            error: e,
                        },
                    });
                }
                Ring::open_here(&spec2, cfg)
            })
            .map_err(|e| Error::Namespace {
                netns: ns.clone(),
                error: e,
            })?
            .join()
            .map_err(|_| Error::Namespace {
                netns: ns.clone(),
                error: io::Error::other("namespace thread panicked"),
            })?
    }

    /// Opens the socket in the calling thread's network namespace.
    fn open_here(spec: &IfSpec, cfg: RingConfig) -> Result<(Ring, IfFacts), Error> {
        let setup = |what: &'static str| {
            let e = last_err();
            Error::Setup {
                iface: spec.to_string(),
                what,
                error: e,
            }
        };
        // Protocol 0: the socket receives nothing until bound to ETH_P_ALL
        // on the interface, so no other interface's packets slip in.
        // SAFETY: plain socket(2) call.
        let raw = unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_RAW | libc::SOCK_CLOEXEC, 0) };
        if raw < 0 {
            let e = last_err();
            return Err(match e.raw_os_error() {
                Some(libc::EPERM) | Some(libc::EACCES) => Error::PermissionDenied {
                    what: format!("opening a packet socket for {spec}"),
                },
                _ => Error::Setup {
                    iface: spec.to_string(),
                    what: "socket(AF_PACKET)",
                    error: e,
                },
            });
        }
        // SAFETY: `raw` is a new descriptor that nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        let facts = if_facts(fd.as_raw_fd(), spec)?;
        match facts.hatype {
            ARPHRD_ETHER | ARPHRD_LOOPBACK | ARPHRD_NONE => {}
            other => {
                return Err(Error::UnsupportedLink {
                    iface: spec.to_string(),
                    hatype: other,
                })
            }
        }
        let version = libc::tpacket_versions::TPACKET_V3 as libc::c_int;
        setsockopt(
            fd.as_raw_fd(),
            libc::SOL_PACKET,
            libc::PACKET_VERSION,
            &version,
        )
        .map_err(|_| setup("PACKET_VERSION TPACKET_V3"))?;
        if cfg.ignore_outgoing {
            let one: libc::c_int = 1;
            setsockopt(
                fd.as_raw_fd(),
                libc::SOL_PACKET,
                libc::PACKET_IGNORE_OUTGOING,
                &one,
            )
            .map_err(|_| setup("PACKET_IGNORE_OUTGOING"))?;
        }
        // Frames in a V3 ring have variable size; the kernel only checks
        // that frame_size × frame_nr covers the blocks.
        let frame_size: u32 = 2048;
        let req = libc::tpacket_req3 {
            tp_block_size: cfg.block_size,
            tp_block_nr: cfg.block_count,
            tp_frame_size: frame_size,
            tp_frame_nr: (cfg.block_size / frame_size) * cfg.block_count,
            tp_retire_blk_tov: cfg.retire_ms,
            tp_sizeof_priv: 0,
            tp_feature_req_word: 0,
        };
        setsockopt(fd.as_raw_fd(), libc::SOL_PACKET, libc::PACKET_RX_RING, &req)
            .map_err(|_| setup("PACKET_RX_RING"))?;
        let map_len = cfg.block_size as usize * cfg.block_count as usize;
        // SAFETY: maps the ring the kernel just allocated for this socket;
        // the length is the one given in PACKET_RX_RING.
        let map = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                map_len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                fd.as_raw_fd(),
                0,
            )
        };
        if map == libc::MAP_FAILED {
            return Err(setup("mmap of the ring"));
        }
        let ring = Ring {
            fd,
            map: map.cast(),
            map_len,
            block_size: cfg.block_size as usize,
            block_count: cfg.block_count as usize,
            next: 0,
            last_seq: None,
            detached: false,
            swept: false,
        };
        // SAFETY: sockaddr_ll is plain old data; all zeroes is valid.
        let mut sll: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
        sll.sll_family = libc::AF_PACKET as u16;
        sll.sll_protocol = (libc::ETH_P_ALL as u16).to_be();
        sll.sll_ifindex = facts.ifindex;
        // SAFETY: `sll` is a valid sockaddr_ll of the length passed.
        let r = unsafe {
            libc::bind(
                ring.fd.as_raw_fd(),
                (&sll as *const libc::sockaddr_ll).cast(),
                std::mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t,
            )
        };
        if r != 0 {
            return Err(setup("bind"));
        }
        if cfg.promiscuous {
            // SAFETY: packet_mreq is plain old data; all zeroes is valid.
            let mut mr: libc::packet_mreq = unsafe { std::mem::zeroed() };
            mr.mr_ifindex = facts.ifindex;
            mr.mr_type = libc::PACKET_MR_PROMISC as u16;
            setsockopt(
                ring.fd.as_raw_fd(),
                libc::SOL_PACKET,
                libc::PACKET_ADD_MEMBERSHIP,
                &mr,
            )
            .map_err(|_| setup("PACKET_ADD_MEMBERSHIP promiscuous"))?;
        }
        // Counters start now, not at socket creation.
        let _ = ring.statistics();
        Ok((ring, facts))
    }

    /// Number of blocks in the ring.
    pub(crate) fn block_count(&self) -> usize {
        self.block_count
    }

    /// The socket, for poll(2).
    pub(crate) fn fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    fn status(&self, block: usize) -> &AtomicU32 {
        // SAFETY: `block` < block_count, so the word lies inside the
        // mapping; it is 4-aligned (blocks are page-aligned, the word sits
        // at byte 8) and the kernel accesses it atomically too. The
        // reference lives no longer than `self`, hence than the mapping.
        unsafe { &*(self.map.add(block * self.block_size + BLK_STATUS) as *const AtomicU32) }
    }

    fn block(&self, block: usize) -> &[u8] {
        // SAFETY: `block` < block_count, so the range lies inside the
        // mapping, which lives as long as `self`.
        unsafe {
            std::slice::from_raw_parts(self.map.add(block * self.block_size), self.block_size)
        }
    }

    /// The next block in ring order, if the kernel has handed it to us;
    /// after [`Ring::detach`], also (once) the block the kernel was still
    /// filling, when it holds packets.
    pub(crate) fn ready_block(&self) -> Option<&[u8]> {
        if self.swept {
            return None;
        }
        let st = self.status(self.next).load(Ordering::Acquire);
        if st & libc::TP_STATUS_USER != 0 {
            // We own this block (status USER, read with Acquire, so the
            // kernel's writes to it are visible); the kernel does not touch
            // it until `release_block` stores TP_STATUS_KERNEL, which needs
            // `&mut self` and so ends this borrow first.
            return Some(self.block(self.next));
        }
        if !self.detached {
            return None;
        }
        // Detached: the kernel's current block, if it is the one opened
        // after the last we read (a block not yet reopened still carries
        // the old count) and has packets. The kernel's retire timer is
        // not relied on at the end: on some kernels it does not fire for
        // a block opened after a quiet spell, and its packets would be
        // lost with the socket.
        let b = self.block(self.next);
        let seq = rd64(b, BLK_SEQ)?;
        let fresh = self.last_seq.is_none_or(|l| seq == l.wrapping_add(1));
        (fresh && rd32(b, BLK_NUM_PKTS).unwrap_or(0) > 0).then_some(b)
    }

    /// Gives the current block back to the kernel and moves to the next
    /// (the swept partial block is only marked as read).
    pub(crate) fn release_block(&mut self) {
        let st = self.status(self.next).load(Ordering::Acquire);
        if st & libc::TP_STATUS_USER == 0 {
            self.swept = true;
            return;
        }
        let b = self.block(self.next);
        self.last_seq = rd64(b, BLK_SEQ);
        self.status(self.next)
            .store(libc::TP_STATUS_KERNEL, Ordering::Release);
        self.next = (self.next + 1) % self.block_count;
    }

    /// Stops the kernel from writing packets into the ring (a socket
    /// filter that accepts nothing), so that the partly filled block can
    /// be read by [`Ring::ready_block`].
    pub(crate) fn detach(&mut self) -> io::Result<()> {
        // BPF_RET | BPF_K with k = 0: keep 0 bytes of every packet.
        let mut code = [libc::sock_filter {
            code: 0x06,
            jt: 0,
            jf: 0,
            k: 0,
        }];
        let prog = libc::sock_fprog {
            len: 1,
            filter: code.as_mut_ptr(),
        };
        setsockopt(
            self.fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_ATTACH_FILTER,
            &prog,
        )?;
        self.detached = true;
        Ok(())
    }

    /// Reads and clears the socket's pending error (SO_ERROR), which the
    /// kernel sets when the interface goes down or is removed; until read,
    /// poll(2) reports POLLERR at once.
    pub(crate) fn take_error(&self) -> Option<io::Error> {
        let mut err: libc::c_int = 0;
        let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
        // SAFETY: `err` and `len` are live and sized for an int.
        let r = unsafe {
            libc::getsockopt(
                self.fd.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_ERROR,
                (&mut err as *mut libc::c_int).cast(),
                &mut len,
            )
        };
        if r != 0 {
            return Some(last_err());
        }
        (err != 0).then(|| io::Error::from_raw_os_error(err))
    }

    /// PACKET_STATISTICS: (packets, drops) since the last call (the kernel
    /// resets them on each read). `packets` counts the drops too.
    pub(crate) fn statistics(&self) -> io::Result<(u64, u64)> {
        let mut st = libc::tpacket_stats_v3 {
            tp_packets: 0,
            tp_drops: 0,
            tp_freeze_q_cnt: 0,
        };
        let mut len = std::mem::size_of::<libc::tpacket_stats_v3>() as libc::socklen_t;
        // SAFETY: `st` and `len` are live and sized for tpacket_stats_v3,
        // which is what a TPACKET_V3 socket writes.
        let r = unsafe {
            libc::getsockopt(
                self.fd.as_raw_fd(),
                libc::SOL_PACKET,
                libc::PACKET_STATISTICS,
                (&mut st as *mut libc::tpacket_stats_v3).cast(),
                &mut len,
            )
        };
        if r != 0 {
            return Err(last_err());
        }
        Ok((u64::from(st.tp_packets), u64::from(st.tp_drops)))
    }
}

impl Drop for Ring {
    fn drop(&mut self) {
        // SAFETY: unmaps the mapping made in `open_here`; no borrow of it
        // can outlive `self`. The socket closes after (OwnedFd).
        unsafe {
            libc::munmap(self.map.cast(), self.map_len);
        }
    }
}

/// poll(2) on the sockets for input, up to `timeout_ms`. Returns the
/// indexes of the sockets that report an error (POLLERR: the interface
/// went down or away); nothing on EINTR (a signal: the caller checks its
/// stop flag).
pub(crate) fn poll_readable(fds: &[RawFd], timeout_ms: i32) -> io::Result<Vec<usize>> {
    let mut pfds: Vec<libc::pollfd> = fds
        .iter()
        .map(|&fd| libc::pollfd {
            fd,
            events: libc::POLLIN | libc::POLLERR,
            revents: 0,
        })
        .collect();
    // SAFETY: `pfds` is a live array of `pfds.len()` pollfd structures.
    let r = unsafe { libc::poll(pfds.as_mut_ptr(), pfds.len() as libc::nfds_t, timeout_ms) };
    if r < 0 {
        let e = last_err();
        if e.kind() == io::ErrorKind::Interrupted {
            return Ok(Vec::new());
        }
        return Err(e);
    }
    if let Some(bad) = pfds.iter().find(|p| p.revents & libc::POLLNVAL != 0) {
        return Err(io::Error::other(format!(
            "descriptor {} is not open",
            bad.fd
        )));
    }
    Ok(pfds
        .iter()
        .enumerate()
        .filter(|(_, p)| p.revents & libc::POLLERR != 0)
        .map(|(i, _)| i)
        .collect())
}

/// The name is valid for the kernel (for error messages before opening).
pub(crate) fn valid_ifname(name: &str) -> bool {
    CString::new(name).is_ok() && !name.is_empty() && name.len() < libc::IFNAMSIZ
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A block built the way the kernel lays it out: descriptor, then two
    /// tpacket3_hdr + sockaddr_ll + data, linked by tp_next_offset.
    #[test]
    fn walks_a_block_and_stops_at_bad_offsets() {
        let mut b = vec![0u8; 512];
        b[BLK_NUM_PKTS..BLK_NUM_PKTS + 4].copy_from_slice(&2u32.to_ne_bytes());
        b[BLK_FIRST_PKT..BLK_FIRST_PKT + 4].copy_from_slice(&48u32.to_ne_bytes());
        let put = |b: &mut Vec<u8>, at: usize, next: u32, sec: u32, data: &[u8], ptype: u8| {
            b[at + PKT_NEXT..at + PKT_NEXT + 4].copy_from_slice(&next.to_ne_bytes());
            b[at + PKT_SEC..at + PKT_SEC + 4].copy_from_slice(&sec.to_ne_bytes());
            b[at + PKT_NSEC..at + PKT_NSEC + 4].copy_from_slice(&7u32.to_ne_bytes());
            b[at + PKT_SNAPLEN..at + PKT_SNAPLEN + 4]
                .copy_from_slice(&(data.len() as u32).to_ne_bytes());
            b[at + PKT_LEN..at + PKT_LEN + 4]
                .copy_from_slice(&(data.len() as u32 + 10).to_ne_bytes());
            b[at + PKT_MAC..at + PKT_MAC + 2].copy_from_slice(&80u16.to_ne_bytes());
            b[at + PKT_SLL_PKTTYPE] = ptype;
            b[at + 80..at + 80 + data.len()].copy_from_slice(data);
        };
        put(&mut b, 48, 112, 1, b"hello", 4);
        put(&mut b, 160, 0, 2, b"world!", 0);
        let v: Vec<_> = packets(&b).collect();
        assert_eq!(v.len(), 2);
        assert_eq!((v[0].sec, v[0].nsec, v[0].len), (1, 7, 15));
        assert_eq!(v[0].data, b"hello");
        assert_eq!(v[0].pkttype, 4);
        assert_eq!(v[1].data, b"world!");
        // A snap length past the block ends the walk, no panic.
        b[160 + PKT_SNAPLEN..160 + PKT_SNAPLEN + 4].copy_from_slice(&10_000u32.to_ne_bytes());
        assert_eq!(packets(&b).count(), 1);
        // A first offset past the block yields nothing.
        b[BLK_FIRST_PKT..BLK_FIRST_PKT + 4].copy_from_slice(&9999u32.to_ne_bytes());
        assert_eq!(packets(&b).count(), 0);
    }
}
