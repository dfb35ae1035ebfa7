//! The lab's network: one namespace per host, each joined by a veth pair to
//! a bridge in a switch namespace.
//!
//! ```text
//!   wl<id>-client  eth0 ── client ┐
//!   wl<id>-srv     eth0 ── srv    │
//!   wl<id>-app     eth0 ── app    ├─ br0 (in wl<id>-sw)
//!   wl<id>-files   eth0 ── files  │
//!   wl<id>-link    eth0 ── link   ┘  (only with an impairment)
//! ```
//!
//! Every host's interface is `eth0`; the switch-side ends are named after
//! the host, so a capture's interfaces read `wl<id>-sw/srv` and so on.
//! Both ends of each pair are created directly in their namespaces, so
//! names never meet in the caller's namespace and parallel labs cannot
//! collide. `<id>` is the lab's pid: [`clean_stale`] removes the namespaces
//! of labs whose process is gone. Everything is made with iproute2.
//!
//! A wire delivers packets in the order they were sent; veths do not,
//! unless told to. A veth hands each packet to the backlog of the CPU that
//! sent it, and two backlogs drain in parallel. A TCP sender transmits
//! both from its process (on one CPU) and from the softirq that handles
//! incoming ACKs (possibly on another), so its segments could overtake
//! each other on the way to the bridge, and the capture and the receiver
//! would show the reordering as loss, duplicate ACKs and (spurious)
//! retransmissions that no wire made. Every interface of the lab therefore
//! steers its received packets (RPS) to one CPU: one queue, one order.

use std::net::Ipv4Addr;
use std::process::Command;

use anyhow::{bail, Context};

/// Name of every host's interface.
pub const HOST_IF: &str = "eth0";
/// Name of the bridge in the switch namespace.
pub const BRIDGE: &str = "br0";
/// Prefix length of the lab subnet.
pub const PREFIX: u8 = 24;

/// A host to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostSpec {
    /// Role, also the namespace suffix and the switch-side interface name
    /// (at most 15 bytes, letters and digits).
    pub role: String,
    /// Static address, or `None` for a host that gets one by DHCP.
    pub addr: Option<Ipv4Addr>,
    /// Ethernet address of its interface (fixed, so captures read alike).
    pub mac: [u8; 6],
}

/// A host that exists.
#[derive(Debug, Clone)]
pub struct Host {
    /// What was asked for.
    pub spec: HostSpec,
    /// Its namespace, `wl<id>-<role>`.
    pub ns: String,
}

impl Host {
    /// The switch-side interface of its link, as `NETNS/IF`.
    pub fn link_name(&self, topo: &Topology) -> String {
        format!("{}/{}", topo.switch, self.spec.role)
    }
}

/// The namespaces and links of one lab; removed on drop.
#[derive(Debug)]
pub struct Topology {
    /// The run's id (the lab's pid).
    pub id: u32,
    /// The switch namespace.
    pub switch: String,
    /// The hosts, in the order given.
    pub hosts: Vec<Host>,
    /// The CPU that processes every packet of the lab (see the module
    /// notes), or why receive steering could not be set (then packets
    /// may be reordered between the hosts).
    pub steered_to: Result<usize, String>,
    created: Vec<String>,
}

/// The namespace name for `role` in lab `id`.
pub fn ns_name(id: u32, role: &str) -> String {
    format!("wl{id}-{role}")
}

/// Runs `ip ARGS…`, failing with its stderr.
pub fn ip(args: &[&str]) -> anyhow::Result<()> {
    let out = Command::new("ip")
        .args(args)
        .output()
        .context("running `ip` (iproute2 is needed)")?;
    if !out.status.success() {
        bail!(
            "`ip {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

/// The lowest CPU in this process's affinity mask.
fn first_allowed_cpu() -> Option<usize> {
    // SAFETY: a zeroed cpu_set_t is a valid empty set, and
    // sched_getaffinity writes at most size_of::<cpu_set_t>() bytes to it.
    let set = unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        if libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) != 0 {
            return None;
        }
        set
    };
    // SAFETY: CPU_ISSET reads the set; every index is below CPU_SETSIZE.
    (0..libc::CPU_SETSIZE as usize).find(|&c| unsafe { libc::CPU_ISSET(c, &set) })
}

/// The text of an `rps_cpus` mask holding only `cpu`: hexadecimal, in
/// comma-separated 32-bit groups, most significant first.
fn rps_mask(cpu: usize) -> String {
    let groups = cpu / 32 + 1;
    (0..groups)
        .rev()
        .map(|g| {
            let word: u32 = if g == cpu / 32 { 1 << (cpu % 32) } else { 0 };
            format!("{word:08x}")
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn mac_str(m: &[u8; 6]) -> String {
    m.iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

impl Topology {
    /// Builds the switch and the hosts. On error, whatever was made is
    /// removed before returning.
    pub fn build(id: u32, hosts: &[HostSpec]) -> anyhow::Result<Topology> {
        for h in hosts {
            if h.role.is_empty()
                || h.role.len() > 15
                || !h.role.bytes().all(|b| b.is_ascii_alphanumeric())
                || h.role == "sw"
            {
                bail!("bad host role {:?}", h.role);
            }
        }
        let mut t = Topology {
            id,
            switch: ns_name(id, "sw"),
            hosts: Vec::new(),
            steered_to: Err("not set yet".into()),
            created: Vec::new(),
        };
        t.add_ns(&t.switch.clone())?;
        ip(&["-n", &t.switch, "link", "add", BRIDGE, "type", "bridge"])?;
        ip(&["-n", &t.switch, "link", "set", "dev", BRIDGE, "up"])?;
        for h in hosts {
            let ns = ns_name(id, &h.role);
            t.add_ns(&ns)?;
            ip(&[
                "link",
                "add",
                HOST_IF,
                "netns",
                &ns,
                "address",
                &mac_str(&h.mac),
                "type",
                "veth",
                "peer",
                "name",
                &h.role,
                "netns",
                &t.switch,
            ])
            .with_context(|| format!("linking {ns} to the switch"))?;
            ip(&[
                "-n", &t.switch, "link", "set", "dev", &h.role, "master", BRIDGE, "up",
            ])?;
            if let Some(a) = h.addr {
                let cidr = format!("{a}/{PREFIX}");
                ip(&["-n", &ns, "addr", "add", &cidr, "dev", HOST_IF])?;
            }
            // One MSS per packet, as on a real wire (veths would otherwise
            // hand over 64 KB TSO super-packets, captured as such).
            ip(&[
                "-n",
                &ns,
                "link",
                "set",
                "dev",
                HOST_IF,
                "gso_max_segs",
                "1",
                "up",
            ])?;
            t.hosts.push(Host {
                spec: h.clone(),
                ns,
            });
        }
        t.steered_to = t.steer_to_one_cpu();
        Ok(t)
    }

    /// Points receive packet steering of every interface in every lab
    /// namespace at one CPU (the first one this process may run on).
    fn steer_to_one_cpu(&self) -> Result<usize, String> {
        let cpu = first_allowed_cpu().ok_or("no CPU in this process's affinity mask")?;
        let mask = rps_mask(cpu);
        // sysfs shows the interfaces of the namespace it was mounted in;
        // `ip netns exec` mounts it afresh inside the namespace.
        let script = format!(
            "for f in /sys/class/net/*/queues/rx-*/rps_cpus; do echo {mask} > \"$f\" || exit 1; done"
        );
        for ns in self.namespaces() {
            let out = Command::new("ip")
                .args(["netns", "exec", ns, "sh", "-c", &script])
                .output()
                .map_err(|e| format!("running `ip netns exec {ns} sh`: {e}"))?;
            if !out.status.success() {
                return Err(format!(
                    "setting rps_cpus in {ns}: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                ));
            }
        }
        Ok(cpu)
    }

    /// Creates a namespace with loopback up and IPv6 off (so no router
    /// solicitations, DAD or MLD reports clutter the capture).
    fn add_ns(&mut self, ns: &str) -> anyhow::Result<()> {
        ip(&["netns", "add", ns])?;
        self.created.push(ns.to_string());
        ip(&["-n", ns, "link", "set", "dev", "lo", "up"])?;
        let out = Command::new("ip")
            .args(["netns", "exec", ns, "sysctl", "-qw"])
            .args([
                "net.ipv6.conf.all.disable_ipv6=1",
                "net.ipv6.conf.default.disable_ipv6=1",
            ])
            .output()
            .context("running sysctl in the lab namespace")?;
        if !out.status.success() {
            bail!(
                "disabling IPv6 in {ns}: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Ok(())
    }

    /// The host with this role.
    pub fn host(&self, role: &str) -> anyhow::Result<&Host> {
        self.hosts
            .iter()
            .find(|h| h.spec.role == role)
            .with_context(|| format!("the lab has no host {role:?}"))
    }

    /// The namespaces this topology made (and will remove).
    pub fn namespaces(&self) -> &[String] {
        &self.created
    }

    /// Removes every namespace (their veths and the bridge go with them).
    /// Processes inside must be stopped first, or a namespace lives on as
    /// long as they do.
    pub fn teardown(&mut self) -> anyhow::Result<()> {
        let mut errs = Vec::new();
        for ns in self.created.drain(..).rev() {
            if let Err(e) = ip(&["netns", "del", &ns]) {
                errs.push(format!("{e:#}"));
            }
        }
        if !errs.is_empty() {
            bail!("removing the lab's namespaces: {}", errs.join("; "));
        }
        Ok(())
    }
}

impl Drop for Topology {
    fn drop(&mut self) {
        if let Err(e) = self.teardown() {
            use std::io::Write as _;
            let _ = writeln!(std::io::stderr(), "wirelab lab: {e:#}");
        }
    }
}

/// The lab id in a namespace name `wl<id>-<role>`, if it is one of ours.
pub fn parse_ns(name: &str) -> Option<u32> {
    let rest = name.strip_prefix("wl")?;
    let (id, role) = rest.split_once('-')?;
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if role.is_empty() || !role.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    id.parse().ok()
}

/// Whether process `pid` is a running lab (a `wirelab` process).
fn lab_alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/comm")) {
        Ok(comm) => comm.trim() == "wirelab",
        Err(_) => false,
    }
}

/// Removes the namespaces of earlier labs whose process is gone (crashed
/// or killed); returns their names. Namespaces of live labs are left alone.
pub fn clean_stale() -> anyhow::Result<Vec<String>> {
    let dir = match std::fs::read_dir("/run/netns") {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).context("listing /run/netns"),
    };
    let mut removed = Vec::new();
    for e in dir.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(pid) = parse_ns(&name) else {
            continue;
        };
        if lab_alive(pid) {
            continue;
        }
        ip(&["netns", "del", &name])?;
        removed.push(name);
    }
    removed.sort();
    Ok(removed)
}

/// Namespaces of lab `id` that exist now.
pub fn existing(id: u32) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir("/run/netns")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| parse_ns(n) == Some(id))
        .collect();
    v.sort();
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rps_masks_in_32_bit_groups() {
        assert_eq!(rps_mask(0), "00000001");
        assert_eq!(rps_mask(5), "00000020");
        assert_eq!(rps_mask(31), "80000000");
        assert_eq!(rps_mask(32), "00000001,00000000");
        assert_eq!(rps_mask(70), "00000040,00000000,00000000");
        assert!(first_allowed_cpu().is_some());
    }

    #[test]
    fn namespace_names() {
        assert_eq!(parse_ns("wl1234-client2"), Some(1234));
        assert_eq!(parse_ns("wl7-sw"), Some(7));
        assert_eq!(parse_ns("wlds1230"), None); // the DHCP tests' names
        assert_eq!(parse_ns("wl-sw"), None);
        assert_eq!(parse_ns("wl12-"), None);
        assert_eq!(parse_ns("wl12-a/b"), None);
        assert_eq!(parse_ns("xl12-sw"), None);
        assert_eq!(ns_name(4194304, "client2"), "wl4194304-client2");
    }

    #[test]
    fn bad_roles_are_refused_before_anything_is_made() {
        for role in ["", "sw", "a-b", "sixteen-letters!"] {
            let spec = HostSpec {
                role: role.into(),
                addr: None,
                mac: [2, 0, 0, 0, 0, 1],
            };
            assert!(Topology::build(u32::MAX, &[spec]).is_err(), "{role:?}");
        }
        assert!(existing(u32::MAX).is_empty());
    }
}
