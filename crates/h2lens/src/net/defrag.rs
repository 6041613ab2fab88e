//! IP fragment reassembly (RFC 791 §3.2, RFC 8200 §4.5), bounded by
//! `TcpLimits::max_fragment_bytes` across all datagrams in progress.
//! Overlapping fragment bytes: the first received wins (RFC 5722 says to
//! drop such IPv6 datagrams; we keep the data and report the overlap).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::IpAddr;

/// Largest IP datagram payload: offsets are 13 bits × 8, lengths 16 bits.
const MAX_DATAGRAM: u32 = 65_535;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct FragKey {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub id: u32,
    pub protocol: u8,
}

#[derive(Debug)]
struct Pending {
    pieces: BTreeMap<u32, Vec<u8>>,
    /// Payload length, once the last fragment (M=0) arrived.
    total: Option<u32>,
    held: usize,
    generation: u64,
    first_packet: u64,
    fragments: u32,
}

/// A datagram given up (limit or end of capture).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Dropped {
    pub key: FragKey,
    pub bytes: usize,
    pub fragments: u32,
    pub first_packet: u64,
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Added {
    /// Kept, waiting for more fragments.
    Held,
    /// The datagram is whole: its payload, and how many held bytes lay
    /// beyond the end the last fragment set (dropped).
    Complete {
        payload: Vec<u8>,
        fragments: u32,
        beyond_end: usize,
    },
    /// Not kept, with the reason.
    Rejected(String),
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) struct AddOutcome {
    pub added: Added,
    /// Bytes of this fragment already present (first received kept).
    pub overlap: usize,
    /// Datagrams given up to stay within the limit.
    pub dropped: Vec<Dropped>,
}

#[derive(Debug)]
pub(crate) struct Defragmenter {
    max_bytes: usize,
    held: usize,
    pending: HashMap<FragKey, Pending>,
    /// Arrival order for eviction (stale entries skipped by generation).
    order: VecDeque<(FragKey, u64)>,
    generation: u64,
}

impl Defragmenter {
    pub(crate) fn new(max_bytes: u32) -> Self {
        Defragmenter {
            max_bytes: max_bytes as usize,
            held: 0,
            pending: HashMap::new(),
            order: VecDeque::new(),
            generation: 0,
        }
    }

    /// Bytes held in incomplete datagrams.
    #[cfg(test)]
    pub(crate) fn held(&self) -> usize {
        self.held
    }

    pub(crate) fn add(
        &mut self,
        key: FragKey,
        offset: u32,
        more: bool,
        data: &[u8],
        packet: u64,
    ) -> AddOutcome {
        let mut outcome = AddOutcome {
            added: Added::Held,
            overlap: 0,
            dropped: Vec::new(),
        };
        let len = u32::try_from(data.len()).unwrap_or(u32::MAX);
        let end = offset.saturating_add(len);
        if end > MAX_DATAGRAM {
            outcome.added = Added::Rejected(format!(
                "fragment data ends at byte {end}, beyond the largest datagram ({MAX_DATAGRAM})"
            ));
            return outcome;
        }
        if more && len % 8 != 0 {
            outcome.added = Added::Rejected(format!(
                "a fragment with more fragments to follow carries {len} bytes, not a multiple of 8 (RFC 791 §3.2)"
            ));
            return outcome;
        }
        if data.len() > self.max_bytes {
            outcome.added = Added::Rejected(format!(
                "fragment of {len} bytes is larger than the fragment buffer (tcp.max_fragment_bytes)"
            ));
            return outcome;
        }
        if !self.pending.contains_key(&key) {
            self.generation += 1;
            self.order.push_back((key, self.generation));
            self.pending.insert(
                key,
                Pending {
                    pieces: BTreeMap::new(),
                    total: None,
                    held: 0,
                    generation: self.generation,
                    first_packet: packet,
                    fragments: 0,
                },
            );
        }
        let Some(p) = self.pending.get_mut(&key) else {
            return outcome;
        };
        p.fragments = p.fragments.saturating_add(1);
        if !more {
            match p.total {
                None => p.total = Some(end),
                Some(t) if t != end => {
                    outcome.added = Added::Rejected(format!(
                        "a second last fragment says the datagram is {end} bytes, the first said {t}; the first is kept"
                    ));
                    return outcome;
                }
                Some(_) => {}
            }
        }
        // Insert the parts of [offset, end) not yet covered.
        let mut pos = offset;
        let mut new_pieces = Vec::new();
        let mut covered = 0usize;
        let before = p
            .pieces
            .range(..offset)
            .next_back()
            .map(|(&s, v)| (s, v.len() as u32));
        let overlapping = before.into_iter().chain(
            p.pieces
                .range(offset..end)
                .map(|(&s, v)| (s, v.len() as u32)),
        );
        for (s, l) in overlapping {
            let e = s.saturating_add(l);
            if e <= pos {
                continue;
            }
            if s > pos {
                new_pieces.push((pos, s.min(end)));
            }
            let overlap_end = e.min(end);
            if overlap_end > pos.max(s) {
                covered += (overlap_end - pos.max(s)) as usize;
            }
            pos = pos.max(e);
            if pos >= end {
                break;
            }
        }
        if pos < end {
            new_pieces.push((pos, end));
        }
        for (s, e) in new_pieces {
            let bytes = data
                .get((s - offset) as usize..(e - offset) as usize)
                .unwrap_or_default()
                .to_vec();
            p.held += bytes.len();
            self.held += bytes.len();
            p.pieces.insert(s, bytes);
        }
        outcome.overlap = covered;
        // Whole?
        if let Some(total) = p.total {
            let mut next = 0u32;
            for (&s, v) in &p.pieces {
                if s > next {
                    break;
                }
                next = next.max(s.saturating_add(v.len() as u32));
            }
            if next >= total {
                if let Some(p) = self.pending.remove(&key) {
                    self.held = self.held.saturating_sub(p.held);
                    let mut payload = Vec::with_capacity(total as usize);
                    let mut beyond_end = 0;
                    for (s, v) in p.pieces {
                        // Pieces do not overlap; anything past `total` is
                        // beyond the last fragment and dropped.
                        let take = (total.saturating_sub(s) as usize).min(v.len());
                        beyond_end += v.len() - take;
                        payload.extend_from_slice(v.get(..take).unwrap_or_default());
                    }
                    outcome.added = Added::Complete {
                        payload,
                        fragments: p.fragments,
                        beyond_end,
                    };
                }
                self.compact_order();
                return outcome;
            }
        }
        // Stay within the limit: drop the oldest other datagrams.
        let current = p.generation;
        let mut i = 0;
        while self.held > self.max_bytes {
            let Some(&(old, generation)) = self.order.get(i) else {
                break;
            };
            if old == key && generation == current {
                i += 1;
                continue;
            }
            self.order.remove(i);
            if let Some(d) = self.take(old, generation) {
                outcome.dropped.push(d);
            }
        }
        self.compact_order();
        outcome
    }

    /// Forgets arrival-order entries of datagrams that completed.
    fn compact_order(&mut self) {
        if self.order.len() > 2 * self.pending.len() + 64 {
            let pending = &self.pending;
            self.order
                .retain(|(k, g)| pending.get(k).is_some_and(|p| p.generation == *g));
        }
    }

    fn take(&mut self, key: FragKey, generation: u64) -> Option<Dropped> {
        if self.pending.get(&key)?.generation != generation {
            return None;
        }
        let p = self.pending.remove(&key)?;
        self.held = self.held.saturating_sub(p.held);
        Some(Dropped {
            key,
            bytes: p.held,
            fragments: p.fragments,
            first_packet: p.first_packet,
        })
    }

    /// Gives up every datagram still incomplete (end of capture).
    pub(crate) fn drain(&mut self) -> Vec<Dropped> {
        let order = std::mem::take(&mut self.order);
        let mut out = Vec::new();
        for (key, generation) in order {
            if let Some(d) = self.take(key, generation) {
                out.push(d);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(id: u32) -> FragKey {
        FragKey {
            src: IpAddr::from([10, 0, 0, 1]),
            dst: IpAddr::from([10, 0, 0, 2]),
            id,
            protocol: 6,
        }
    }

    #[test]
    fn reassembles_out_of_order_with_overlap() {
        let mut d = Defragmenter::new(1 << 20);
        assert_eq!(d.add(key(1), 16, false, b"cccc", 1).added, Added::Held);
        let o = d.add(key(1), 8, true, b"bbbbbbbb", 2);
        assert_eq!(o.added, Added::Held);
        let o = d.add(key(1), 8, true, b"XXXXXXXX", 3);
        assert_eq!(o.overlap, 8);
        let o = d.add(key(1), 0, true, b"aaaaaaaa", 4);
        assert_eq!(
            o.added,
            Added::Complete {
                payload: b"aaaaaaaabbbbbbbbcccc".to_vec(),
                fragments: 4,
                beyond_end: 0
            }
        );
        assert_eq!(d.held(), 0);
    }

    #[test]
    fn limit_evicts_oldest() {
        let mut d = Defragmenter::new(16);
        d.add(key(1), 0, true, &[1; 8], 1);
        d.add(key(2), 0, true, &[2; 8], 2);
        let o = d.add(key(3), 0, true, &[3; 8], 3);
        assert_eq!(o.dropped.len(), 1);
        assert_eq!(o.dropped[0].key, key(1));
        assert_eq!(d.drain().len(), 2);
        assert_eq!(d.held(), 0);
    }
}
