//! A set of `u64` values stored as disjoint half-open ranges.

use std::collections::BTreeMap;
use std::ops::Range;

/// Disjoint, non-adjacent half-open ranges keyed by start.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RangeSet {
    map: BTreeMap<u64, u64>,
}

impl RangeSet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }
    /// Number of ranges.
    pub fn len(&self) -> usize {
        self.map.len()
    }
    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
    /// Whether `v` is in the set.
    pub fn contains(&self, v: u64) -> bool {
        self.map
            .range(..=v)
            .next_back()
            .is_some_and(|(_, &e)| v < e)
    }
    /// Whether all of `r` is in the set.
    pub fn contains_range(&self, r: Range<u64>) -> bool {
        r.is_empty()
            || self
                .map
                .range(..=r.start)
                .next_back()
                .is_some_and(|(_, &e)| r.end <= e)
    }
    /// Adds `r`; returns whether anything new was added.
    pub fn insert(&mut self, r: Range<u64>) -> bool {
        if r.is_empty() || self.contains_range(r.clone()) {
            return false;
        }
        let (mut start, mut end) = (r.start, r.end);
        if let Some((&s, &e)) = self.map.range(..=start).next_back() {
            if e >= start {
                start = s;
                end = end.max(e);
                self.map.remove(&s);
            }
        }
        while let Some((&s, &e)) = self.map.range(start..=end).next() {
            end = end.max(e);
            self.map.remove(&s);
        }
        self.map.insert(start, end);
        true
    }
    /// Removes `r`.
    pub fn remove(&mut self, r: Range<u64>) {
        if r.is_empty() {
            return;
        }
        if let Some((&s, &e)) = self.map.range(..r.start).next_back() {
            if e > r.start {
                self.map.insert(s, r.start);
                if e > r.end {
                    self.map.insert(r.end, e);
                    return;
                }
            }
        }
        while let Some((&s, &e)) = self.map.range(r.start..r.end).next() {
            self.map.remove(&s);
            if e > r.end {
                self.map.insert(r.end, e);
                break;
            }
        }
    }
    /// Ranges in ascending order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = Range<u64>> + '_ {
        self.map.iter().map(|(&s, &e)| s..e)
    }
    /// The lowest range.
    pub fn first(&self) -> Option<Range<u64>> {
        self.map.iter().next().map(|(&s, &e)| s..e)
    }
    /// The highest range.
    pub fn last(&self) -> Option<Range<u64>> {
        self.map.iter().next_back().map(|(&s, &e)| s..e)
    }
    /// Removes and returns up to `max` values from the lowest range.
    pub fn pop_min(&mut self, max: u64) -> Option<Range<u64>> {
        let (&s, &e) = self.map.iter().next()?;
        self.map.remove(&s);
        let end = e.min(s.saturating_add(max));
        if end < e {
            self.map.insert(end, e);
        }
        Some(s..end)
    }
    /// Drops the lowest ranges until at most `max` remain.
    pub fn truncate_low(&mut self, max: usize) {
        while self.map.len() > max {
            self.map.pop_first();
        }
    }
    /// Removes everything below `v`.
    pub fn remove_below(&mut self, v: u64) {
        self.remove(0..v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_merges_and_remove_splits() {
        let mut s = RangeSet::new();
        assert!(s.insert(5..10));
        assert!(s.insert(20..30));
        assert!(!s.insert(6..8));
        assert!(s.insert(10..20));
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![5..30]);
        s.remove(12..15);
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![5..12, 15..30]);
        assert!(s.contains(11) && !s.contains(12) && s.contains(15));
        s.remove(0..16);
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![16..30]);
        assert_eq!(s.pop_min(4), Some(16..20));
        assert!(s.insert(0..3));
        s.truncate_low(1);
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![20..30]);
    }

    #[test]
    fn matches_a_naive_model() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let mut s = RangeSet::new();
        let mut model = [false; 200];
        for _ in 0..2000 {
            let a = rng.gen_range(0..200u64);
            let b = rng.gen_range(a..=200u64.min(a + 30));
            if rng.gen_bool(0.6) {
                s.insert(a..b);
                (a..b).for_each(|i| model[i as usize] = true);
            } else {
                s.remove(a..b);
                (a..b).for_each(|i| model[i as usize] = false);
            }
            for (i, &m) in model.iter().enumerate() {
                assert_eq!(s.contains(i as u64), m);
            }
            let v: Vec<_> = s.iter().collect();
            assert!(v.windows(2).all(|w| w[0].end < w[1].start));
        }
    }
}
