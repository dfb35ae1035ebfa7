//! The forwarding cache: answers from upstream kept for their TTL, negative
//! answers for the SOA's negative TTL (RFC 2308 section 5), bounded in
//! entries. I/O-free: the caller passes the time.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use hickory_proto::op::{Query, ResponseCode};
use hickory_proto::rr::{RData, RecordType};

use super::zone::{key, Sections};

/// Longest time anything is cached (as Unbound's `cache-max-ttl`).
const MAX_TTL: u32 = 86_400;
/// Answers with more records than this are passed on but not cached, so
/// that memory stays bounded by entries × records.
const MAX_RECORDS: usize = 64;

/// What a cached answer is filed under.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CacheKey {
    name: Vec<u8>,
    qtype: u16,
    qclass: u16,
    dnssec_ok: bool,
}

impl CacheKey {
    /// The key of a question (name compared without case).
    pub fn new(q: &Query, dnssec_ok: bool) -> Self {
        Self {
            name: key(q.name()),
            qtype: q.query_type().into(),
            qclass: q.query_class().into(),
            dnssec_ok,
        }
    }
}

#[derive(Debug)]
struct Entry {
    sections: Sections,
    stored: Instant,
    expires: Instant,
}

/// A bounded TTL cache of upstream answers.
#[derive(Debug)]
pub struct Cache {
    map: HashMap<CacheKey, Entry>,
    max: usize,
}

/// How long an answer may be cached, or `None` if it must not be.
fn lifetime(s: &Sections) -> Option<u32> {
    let negative = match s.rcode {
        ResponseCode::NXDomain => true,
        ResponseCode::NoError => s.answer.is_empty(),
        _ => return None, // SERVFAIL, REFUSED...: not cached
    };
    let ttl = if negative {
        // RFC 2308 section 5: the SOA's TTL bounded by its MINIMUM; without
        // an SOA a negative answer is not cached.
        s.authority.iter().find_map(|r| match &r.data {
            RData::SOA(soa) if r.record_type() == RecordType::SOA => Some(r.ttl.min(soa.minimum)),
            _ => None,
        })?
    } else {
        s.answer.iter().map(|r| r.ttl).min()?
    };
    (ttl > 0).then_some(ttl.min(MAX_TTL))
}

impl Cache {
    /// A cache holding at most `max` answers.
    pub fn new(max: usize) -> Self {
        Self {
            map: HashMap::new(),
            max,
        }
    }

    /// The cached answer and its age, if fresh.
    pub fn get(&mut self, k: &CacheKey, now: Instant) -> Option<(Sections, Duration)> {
        let e = self.map.get(k)?;
        if now >= e.expires {
            self.map.remove(k);
            return None;
        }
        Some((e.sections.clone(), now.saturating_duration_since(e.stored)))
    }

    /// Stores an answer if it may be cached.
    pub fn insert(&mut self, k: CacheKey, s: &Sections, now: Instant) {
        let Some(ttl) = lifetime(s) else { return };
        let records =
            s.answer.len() + s.authority.len() + s.additional.iter().map(Vec::len).sum::<usize>();
        if records > MAX_RECORDS {
            return;
        }
        if self.max == 0 {
            return;
        }
        if self.map.len() >= self.max && !self.map.contains_key(&k) {
            self.map.retain(|_, e| e.expires > now);
            if self.map.len() >= self.max {
                // Evict one (HashMap order: an arbitrary entry).
                if let Some(victim) = self.map.keys().next().cloned() {
                    self.map.remove(&victim);
                }
            }
        }
        let mut sections = s.clone();
        sections.aa = false;
        self.map.insert(
            k,
            Entry {
                sections,
                stored: now,
                expires: now + Duration::from_secs(u64::from(ttl)),
            },
        );
    }

    /// Number of answers held.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_proto::rr::rdata::{A, SOA};
    use hickory_proto::rr::{Name, Record};

    fn q(n: &str) -> Query {
        Query::query(n.parse().unwrap(), RecordType::A)
    }

    #[test]
    fn ttl_and_negative_ttl() {
        let now = Instant::now();
        let mut c = Cache::new(2);
        let name: Name = "a.ex.".parse().unwrap();
        let pos = Sections {
            answer: vec![Record::from_rdata(
                name.clone(),
                30,
                RData::A(A::new(192, 0, 2, 1)),
            )],
            ..Sections::default()
        };
        c.insert(CacheKey::new(&q("A.ex."), false), &pos, now);
        let (s, age) = c
            .get(
                &CacheKey::new(&q("a.EX."), false),
                now + Duration::from_secs(10),
            )
            .unwrap();
        assert_eq!((s.answer.len(), age.as_secs()), (1, 10));
        assert!(c
            .get(
                &CacheKey::new(&q("a.ex."), false),
                now + Duration::from_secs(30)
            )
            .is_none());
        // RFC 2308: negative TTL = min(SOA TTL, MINIMUM) = 5.
        let soa = SOA::new(name.clone(), name.clone(), 1, 2, 3, 4, 5);
        let neg = Sections {
            rcode: ResponseCode::NXDomain,
            authority: vec![Record::from_rdata(name.clone(), 60, RData::SOA(soa))],
            ..Sections::default()
        };
        c.insert(CacheKey::new(&q("n.ex."), false), &neg, now);
        assert!(c
            .get(
                &CacheKey::new(&q("n.ex."), false),
                now + Duration::from_secs(4)
            )
            .is_some());
        assert!(c
            .get(
                &CacheKey::new(&q("n.ex."), false),
                now + Duration::from_secs(5)
            )
            .is_none());
        // No SOA: not cached. SERVFAIL: not cached.
        let bare = Sections {
            rcode: ResponseCode::NXDomain,
            ..Sections::default()
        };
        c.insert(CacheKey::new(&q("b.ex."), false), &bare, now);
        let sf = Sections {
            rcode: ResponseCode::ServFail,
            ..Sections::default()
        };
        c.insert(CacheKey::new(&q("c.ex."), false), &sf, now);
        assert!(c.get(&CacheKey::new(&q("b.ex."), false), now).is_none());
        assert!(c.get(&CacheKey::new(&q("c.ex."), false), now).is_none());
        // Bounded.
        for i in 0..10 {
            c.insert(CacheKey::new(&q(&format!("h{i}.ex.")), false), &pos, now);
        }
        assert!(c.len() <= 2);
    }
}
