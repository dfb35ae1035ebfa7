//! Authoritative zone data and the lookup rules of RFC 1034 section 4.3.2,
//! RFC 2308 (negative answers), RFC 4592 (wildcards), RFC 6604 (CNAME
//! chains and rcodes) and RFC 8482 (minimal ANY). I/O-free.

use std::collections::HashMap;
use std::path::Path;

use hickory_proto::op::ResponseCode;
use hickory_proto::rr::{Name, RData, Record, RecordType};

use super::zonefile::{self, Pos, ZoneFileError, ZoneRecord};

/// Longest CNAME chain followed inside the zones.
const MAX_CNAME_HOPS: usize = 16;

/// The built-in zone of the scenario: `example.com` is the application
/// server 10.20.30.40 (`../shared/DESIGN.md`), served when no zone file is
/// given.
pub const DEFAULT_ZONE: &str = "\
$ORIGIN example.com.
$TTL 300
@    IN SOA  ns1 hostmaster 1 3600 600 86400 300
@    IN NS   ns1
@    IN A    10.20.30.40
@    IN AAAA 2001:db8:20:30::40
@    IN MX   10 mail
@    IN TXT  \"wirelab scenario zone\"
ns1  IN A    10.20.30.40
mail IN A    10.20.30.40
www  IN CNAME @
app  IN A    10.20.30.40
dns  IN A    10.20.30.40
dhcp IN A    10.20.30.40
files IN A   10.20.30.40
";

/// Number of labels, a leading `*` included (hickory's `num_labels`
/// leaves it out, as RRSIG's Labels field does).
pub fn nlabels(name: &Name) -> usize {
    name.iter().count()
}

/// Lowercase wire form of a name: the key of every lookup.
pub fn key(name: &Name) -> Vec<u8> {
    let mut w = Vec::with_capacity(name.len() + 2);
    for l in name.iter() {
        w.push(l.len() as u8);
        w.extend(l.iter().map(u8::to_ascii_lowercase));
    }
    w.push(0);
    w
}

/// The records of one owner name, grouped into RRsets sorted by type.
#[derive(Debug, Default, Clone)]
pub struct Node {
    rrsets: Vec<(RecordType, Vec<Record>)>,
}

impl Node {
    fn get(&self, t: RecordType) -> Option<&[Record]> {
        self.rrsets
            .iter()
            .find(|(rt, _)| *rt == t)
            .map(|(_, v)| v.as_slice())
    }
    fn is_empty(&self) -> bool {
        self.rrsets.is_empty()
    }
}

/// One zone: its apex, SOA and nodes (including empty non-terminals).
#[derive(Debug, Clone)]
pub struct Zone {
    origin: Name,
    soa: Record,
    nodes: HashMap<Vec<u8>, Node>,
}

/// A zone that could not be built from its records.
fn bad(pos: &Pos, msg: String) -> ZoneFileError {
    ZoneFileError::Syntax {
        pos: pos.clone(),
        msg,
    }
}

impl Zone {
    /// Builds a zone from parsed records. The first record must be the SOA
    /// (RFC 1035 section 5.2); every record must be inside the zone.
    pub fn from_records(records: Vec<ZoneRecord>, file: &Path) -> Result<Self, ZoneFileError> {
        let first = records.first().ok_or_else(|| ZoneFileError::Syntax {
            pos: Pos {
                file: file.to_path_buf(),
                line: 1,
                col: 1,
            },
            msg: "zone has no records (needs an SOA first)".into(),
        })?;
        if first.record.record_type() != RecordType::SOA {
            return Err(bad(
                &first.pos,
                "the first record of a zone must be its SOA".into(),
            ));
        }
        let origin = first.record.name.clone();
        let soa = first.record.clone();
        let first_pos = first.pos.clone();
        let mut nodes: HashMap<Vec<u8>, Node> = HashMap::new();
        let apex_labels = nlabels(&origin);
        for zr in records {
            let r = zr.record;
            if !origin.zone_of(&r.name) {
                return Err(bad(
                    &zr.pos,
                    format!("{} is outside the zone {}", r.name, origin),
                ));
            }
            let rt = r.record_type();
            if rt == RecordType::SOA && nlabels(&r.name) != apex_labels {
                return Err(bad(&zr.pos, "SOA below the zone apex".into()));
            }
            if rt == RecordType::SOA && !nodes.is_empty() && nodes.contains_key(&key(&origin)) {
                if let Some(n) = nodes.get(&key(&origin)) {
                    if n.get(RecordType::SOA).is_some() {
                        return Err(bad(&zr.pos, "second SOA in the zone".into()));
                    }
                }
            }
            // Empty non-terminals exist (RFC 4592 section 2.2.2).
            for j in apex_labels..nlabels(&r.name) {
                nodes.entry(key(&r.name.trim_to(j))).or_default();
            }
            let node = nodes.entry(key(&r.name)).or_default();
            let has_cname = node.get(RecordType::CNAME).is_some();
            if (rt == RecordType::CNAME && !node.is_empty() && !has_cname)
                || (rt != RecordType::CNAME && has_cname)
            {
                return Err(bad(
                    &zr.pos,
                    format!("{} has a CNAME and other data (RFC 1034 3.6.2)", r.name),
                ));
            }
            match node.rrsets.iter_mut().find(|(t, _)| *t == rt) {
                Some((_, v)) => {
                    if rt == RecordType::CNAME {
                        return Err(bad(&zr.pos, format!("{} has two CNAMEs", r.name)));
                    }
                    // RFC 2181 5.2: one TTL per RRset (the first wins, as Knot).
                    let ttl = v.first().map_or(r.ttl, |x| x.ttl);
                    if !v.iter().any(|x| x.data == r.data) {
                        let mut r = r;
                        r.ttl = ttl;
                        v.push(r);
                    }
                }
                None => {
                    node.rrsets.push((rt, vec![r]));
                    node.rrsets.sort_by_key(|(t, _)| u16::from(*t));
                }
            }
        }
        let apex = nodes.get(&key(&origin));
        if apex.and_then(|n| n.get(RecordType::NS)).is_none() {
            return Err(bad(
                &first_pos,
                format!("zone {origin} has no NS at its apex"),
            ));
        }
        Ok(Self { origin, soa, nodes })
    }

    /// Loads a zone file. The zone's name comes from its SOA.
    pub fn load(path: &Path) -> Result<Self, ZoneFileError> {
        Self::from_records(zonefile::parse_file(path, None)?, path)
    }

    /// The built-in scenario zone.
    pub fn builtin() -> Self {
        let p = Path::new("<built-in zone>");
        match zonefile::parse_str(DEFAULT_ZONE, p, None).and_then(|r| Self::from_records(r, p)) {
            Ok(z) => z,
            Err(e) => unreachable!("the built-in zone is valid: {e}"),
        }
    }

    /// The apex name.
    pub fn origin(&self) -> &Name {
        &self.origin
    }

    /// The SOA for a negative answer: TTL is min(SOA TTL, MINIMUM) (RFC 2308 section 3).
    fn negative_soa(&self) -> Record {
        let mut soa = self.soa.clone();
        if let RData::SOA(s) = &soa.data {
            soa.ttl = soa.ttl.min(s.minimum);
        }
        soa
    }

    fn with_owner<'a>(records: &'a [Record], owner: &Name) -> impl Iterator<Item = Record> + 'a {
        let owner = owner.clone();
        records.iter().map(move |r| {
            let mut r = r.clone();
            r.name = owner.clone();
            r
        })
    }

    /// Answers `qname`/`qtype` from this zone (which must contain `qname`).
    pub fn lookup(&self, qname: &Name, qtype: RecordType, out: &mut Sections) {
        out.aa = true;
        let apex = nlabels(&self.origin);
        let mut name = qname.clone();
        let mut hops = 0usize;
        let mut seen: Vec<Vec<u8>> = Vec::new();
        loop {
            let n = nlabels(&name);
            // A zone cut above or at the name: refer (RFC 1034 4.3.2 step 3b),
            // except DS at the cut, which the parent answers (RFC 4035 3.1.4.1).
            for j in apex + 1..=n {
                let anc = name.trim_to(j);
                if let Some(node) = self.nodes.get(&key(&anc)) {
                    if let Some(ns) = node.get(RecordType::NS) {
                        if j == n && qtype == RecordType::DS {
                            break;
                        }
                        if hops == 0 {
                            out.aa = false;
                            out.authority.extend(ns.iter().cloned());
                            self.add_glue(ns, out);
                        }
                        return;
                    }
                }
            }
            let lname = key(&name);
            let (node, owner) = match self.nodes.get(&lname) {
                Some(node) => (node, name.clone()),
                None => {
                    // Closest encloser, then its wildcard (RFC 4592 section 3.3.1).
                    let mut wild = None;
                    for j in (apex..n).rev() {
                        let ce = name.trim_to(j);
                        if self.nodes.contains_key(&key(&ce)) {
                            if let Ok(w) = ce.prepend_label("*") {
                                wild = self.nodes.get(&key(&w));
                            }
                            break;
                        }
                    }
                    match wild {
                        Some(w) => (w, name.clone()),
                        None => {
                            out.rcode = ResponseCode::NXDomain;
                            out.authority.push(self.negative_soa());
                            return;
                        }
                    }
                }
            };
            if qtype == RecordType::ANY {
                // RFC 8482 section 4.1: one RRset (the lowest type, as Knot).
                match node.rrsets.first() {
                    Some((_, rs)) => {
                        out.answer.extend(Self::with_owner(rs, &owner));
                        self.add_additional(out);
                    }
                    None => out.authority.push(self.negative_soa()),
                }
                return;
            }
            if let Some(rs) = node.get(qtype) {
                out.answer.extend(Self::with_owner(rs, &owner));
                self.add_additional(out);
                return;
            }
            if let Some(cn) = node.get(RecordType::CNAME) {
                out.answer.extend(Self::with_owner(cn, &owner));
                let target = match cn.first().map(|r| &r.data) {
                    Some(RData::CNAME(t)) => t.0.clone(),
                    _ => return,
                };
                seen.push(lname);
                hops += 1;
                if hops > MAX_CNAME_HOPS
                    || !self.origin.zone_of(&target)
                    || seen.contains(&key(&target))
                {
                    return;
                }
                name = target;
                continue;
            }
            out.authority.push(self.negative_soa());
            return;
        }
    }

    /// Address records of in-zone targets of NS, MX and SRV in the answer
    /// (RFC 1034 section 4.3.2 step 6).
    fn add_additional(&self, out: &mut Sections) {
        let targets: Vec<Name> = out.answer.iter().filter_map(target_of).collect();
        for t in targets {
            self.addresses_of(&t, out);
        }
    }

    fn add_glue(&self, ns: &[Record], out: &mut Sections) {
        for t in ns.iter().filter_map(target_of) {
            self.addresses_of(&t, out);
        }
    }

    fn addresses_of(&self, t: &Name, out: &mut Sections) {
        if !self.origin.zone_of(t) {
            return;
        }
        let k = key(t);
        if out.additional_owners.contains(&k) {
            return;
        }
        if let Some(node) = self.nodes.get(&k) {
            for rt in [RecordType::A, RecordType::AAAA] {
                if let Some(rs) = node.get(rt) {
                    out.additional.push(rs.to_vec());
                }
            }
        }
        out.additional_owners.push(k);
    }
}

fn target_of(r: &Record) -> Option<Name> {
    match &r.data {
        RData::NS(n) => Some(n.0.clone()),
        RData::MX(m) => Some(m.exchange.clone()),
        RData::SRV(s) => Some(s.target.clone()),
        _ => None,
    }
}

/// The sections of an authoritative answer, before encoding.
#[derive(Debug, Default, Clone)]
pub struct Sections {
    /// Response code.
    pub rcode: ResponseCode,
    /// Authoritative Answer flag.
    pub aa: bool,
    /// Answer section.
    pub answer: Vec<Record>,
    /// Authority section.
    pub authority: Vec<Record>,
    /// Additional section, by RRset (dropped whole when they do not fit).
    pub additional: Vec<Vec<Record>>,
    pub(crate) additional_owners: Vec<Vec<u8>>,
}

/// Gives every name in `s` that ends in a suffix of the question name
/// (compared without case) the question's spelling of that suffix. This is
/// the message Knot sends: it compresses names against the question
/// case-insensitively, so they take the question's case (RFC 4343 allows
/// either; matching it keeps both servers' answers byte-comparable).
pub fn recase(s: &mut Sections, q: &Name) {
    let ql: Vec<&[u8]> = q.iter().collect();
    let fix = |n: &mut Name| {
        let nl: Vec<&[u8]> = n.iter().collect();
        let k = nl
            .iter()
            .rev()
            .zip(ql.iter().rev())
            .take_while(|(a, b)| a.eq_ignore_ascii_case(b))
            .count();
        if k == 0 || nl[nl.len() - k..] == ql[ql.len() - k..] {
            return;
        }
        let labels = nl[..nl.len() - k]
            .iter()
            .chain(&ql[ql.len() - k..])
            .copied();
        if let Ok(mut new) = Name::from_labels(labels) {
            new.set_fqdn(true);
            *n = new;
        }
    };
    let records = s
        .answer
        .iter_mut()
        .chain(s.authority.iter_mut())
        .chain(s.additional.iter_mut().flatten());
    for r in records {
        fix(&mut r.name);
        match &mut r.data {
            RData::CNAME(t) => fix(&mut t.0),
            RData::NS(t) => fix(&mut t.0),
            RData::PTR(t) => fix(&mut t.0),
            RData::MX(m) => fix(&mut m.exchange),
            RData::SRV(v) => fix(&mut v.target),
            RData::SOA(v) => {
                fix(&mut v.mname);
                fix(&mut v.rname);
            }
            _ => {}
        }
    }
}

/// The zones a server is authoritative for.
#[derive(Debug, Clone, Default)]
pub struct Zones {
    zones: Vec<Zone>,
}

impl Zones {
    /// A set of zones; the most specific one answers for a name.
    pub fn new(zones: Vec<Zone>) -> Self {
        Self { zones }
    }

    /// The zone with the longest origin containing `name`.
    pub fn find(&self, name: &Name) -> Option<&Zone> {
        self.zones
            .iter()
            .filter(|z| z.origin.zone_of(name))
            .max_by_key(|z| nlabels(&z.origin))
    }

    /// The zones.
    pub fn iter(&self) -> impl Iterator<Item = &Zone> {
        self.zones.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone(text: &str) -> Zone {
        let p = Path::new("t.zone");
        Zone::from_records(zonefile::parse_str(text, p, None).unwrap(), p).unwrap()
    }

    const Z: &str = "$ORIGIN ex.\n$TTL 60\n@ SOA ns h 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\n\
        www CNAME web\nweb CNAME app\napp A 192.0.2.2\n*.w A 192.0.2.3\nsub.w TXT x\n*.cw CNAME app\n\
        a.b.c A 192.0.2.4\nkid NS ns.kid\nns.kid A 192.0.2.5\n";

    fn ask(z: &Zone, n: &str, t: RecordType) -> Sections {
        let mut s = Sections::default();
        z.lookup(&Name::from_ascii(n).unwrap(), t, &mut s);
        s
    }

    #[test]
    fn rfc1034_lookups() {
        let z = zone(Z);
        let s = ask(&z, "WWW.ex.", RecordType::A);
        assert_eq!(s.answer.len(), 3);
        assert!(s.aa);
        assert!(s.answer[0]
            .name
            .eq_case(&Name::from_ascii("WWW.ex.").unwrap()));
        let s = ask(&z, "nope.ex.", RecordType::A);
        assert_eq!(s.rcode, ResponseCode::NXDomain);
        assert_eq!(s.authority[0].ttl, 5); // RFC 2308: min(TTL, MINIMUM)
        let s = ask(&z, "b.c.ex.", RecordType::A); // empty non-terminal: NODATA
        assert_eq!((s.rcode, s.answer.len()), (ResponseCode::NoError, 0));
        let s = ask(&z, "x.w.ex.", RecordType::A); // RFC 4592 synthesis
        assert_eq!(s.answer[0].name.to_ascii(), "x.w.ex.");
        // A wildcard whose parent exists only as an empty non-terminal.
        let s = ask(&z, "x.cw.ex.", RecordType::A);
        assert_eq!(s.answer.len(), 2);
        let s = ask(&z, "x.sub.w.ex.", RecordType::A); // closest encloser sub.w: no *.sub.w
        assert_eq!(s.rcode, ResponseCode::NXDomain);
        let s = ask(&z, "a.kid.ex.", RecordType::A); // referral with glue
        assert!(!s.aa);
        assert_eq!(s.authority.len(), 1);
        assert_eq!(s.additional.len(), 1);
        let s = ask(&z, "kid.ex.", RecordType::DS); // parent side of the cut
        assert!(s.aa);
        let s = ask(&z, "ex.", RecordType::ANY); // RFC 8482: one RRset
        assert_eq!(s.answer.len(), 1);
        assert_eq!(s.answer[0].record_type(), RecordType::NS);
    }

    #[test]
    fn recase_follows_the_question() {
        let z = zone(Z);
        let q = Name::from_ascii("WWW.Ex.").unwrap();
        let mut s = Sections::default();
        z.lookup(&q, RecordType::A, &mut s);
        recase(&mut s, &q);
        let names: Vec<String> = s.answer.iter().map(|r| r.name.to_ascii()).collect();
        assert_eq!(names, ["WWW.Ex.", "web.Ex.", "app.Ex."]);
        assert_eq!(s.answer[0].data.to_string(), "web.Ex.");
    }

    #[test]
    fn bad_zones_are_rejected() {
        let p = Path::new("t.zone");
        let r = zonefile::parse_str("$ORIGIN ex.\n$TTL 1\n@ NS ns\n", p, None).unwrap();
        assert!(Zone::from_records(r, p).is_err());
        let r = zonefile::parse_str(
            "$ORIGIN ex.\n$TTL 1\n@ SOA ns h 1 2 3 4 5\n@ NS ns\nx CNAME y\nx A 1.2.3.4\n",
            p,
            None,
        )
        .unwrap();
        let e = Zone::from_records(r, p).unwrap_err();
        assert!(e.to_string().starts_with("t.zone:6:1:"), "{e}");
        Zone::builtin();
    }
}
