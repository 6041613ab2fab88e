//! The decoder's dynamic table (RFC 7541 §2.3.2, §4), with what a viewer
//! needs on top: entry numbers, the block each entry came from, a bounded
//! history of evicted entries, and the bookkeeping for a table whose oldest
//! entries are unknown (capture started mid-connection, or bytes were lost).
//!
//! Unknown entries are always older than every known entry: known entries
//! are exactly the ones inserted since decoding could follow. The encoder
//! evicts oldest first, so it evicts every unknown entry before any known
//! one; a known entry therefore leaves the table exactly when the known
//! entries alone no longer fit, whatever the unknown ones were.
//!
//! Storage: entries' bytes live back to back in one buffer (an [`EntryLog`]),
//! oldest first. Eviction moves the oldest slot to the bounded history of
//! evicted entries, whose bytes stay where they are (nothing is copied);
//! the buffer drops the bytes before the oldest remembered entry once they
//! outweigh what is still remembered. Inserting and evicting therefore
//! allocate and copy nothing in the steady state beyond the new entry.

use std::collections::VecDeque;

/// Bytes each entry costs beyond its name and value (§4.1).
pub(crate) const ENTRY_OVERHEAD: u64 = 32;

/// A view of one dynamic table (or history) entry.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Entry<'a> {
    name: &'a [u8],
    value: &'a [u8],
    /// Insertion number in this decoder (1 = first entry ever inserted).
    pub(crate) number: u64,
    /// Block (0-based) whose field inserted it.
    pub(crate) block: u64,
    /// The name came from an unknown entry: `name()` is empty, and the
    /// entry's size is only known to be at least `size()`.
    pub(crate) name_unknown: bool,
}

impl<'a> Entry<'a> {
    #[inline]
    pub(crate) fn name(&self) -> &'a [u8] {
        self.name
    }

    #[inline]
    pub(crate) fn value(&self) -> &'a [u8] {
        self.value
    }

    /// §4.1 size: name + value + 32 (a lower bound when `name_unknown`).
    #[inline]
    pub(crate) fn size(&self) -> u64 {
        (self.name.len() + self.value.len()) as u64 + ENTRY_OVERHEAD
    }
}

/// Where an entry's bytes are, and what else is known about it.
#[derive(Clone, Copy, Debug)]
struct Slot {
    /// Position of the name's first byte in the log's byte stream.
    pos: u64,
    name_len: u32,
    value_len: u32,
    number: u64,
    block: u64,
    name_unknown: bool,
    /// For the history: the block that evicted it.
    evicted_in_block: u64,
}

impl Slot {
    fn bytes(&self) -> u64 {
        u64::from(self.name_len) + u64::from(self.value_len)
    }
}

/// Entries stored back to back, oldest first: the remembered evicted ones,
/// then the live ones.
#[derive(Debug, Default)]
struct EntryLog {
    /// `bytes[i]` is byte `base + i` of the stream of all appended entries.
    bytes: Vec<u8>,
    base: u64,
    /// Live entries, oldest first.
    slots: VecDeque<Slot>,
    /// Evicted entries still remembered, oldest first (their bytes come
    /// before the live entries').
    evicted: VecDeque<Slot>,
    /// Name and value bytes of `evicted`.
    evicted_bytes: u64,
}

impl EntryLog {
    fn entry(&self, slot: &Slot) -> Entry<'_> {
        let start = usize::try_from(slot.pos.saturating_sub(self.base)).unwrap_or(usize::MAX);
        let mid = start.saturating_add(slot.name_len as usize);
        let end = mid.saturating_add(slot.value_len as usize);
        Entry {
            name: self.bytes.get(start..mid).unwrap_or_default(),
            value: self.bytes.get(mid..end).unwrap_or_default(),
            number: slot.number,
            block: slot.block,
            name_unknown: slot.name_unknown,
        }
    }

    /// Drops the bytes before the oldest remembered entry once they are at
    /// least as many as the bytes kept (and 4 KiB), so the buffer stays
    /// within about twice what it must keep, for O(1) amortised work per
    /// byte.
    fn compact(&mut self) {
        let oldest = self
            .evicted
            .front()
            .or(self.slots.front())
            .map_or(self.base + self.bytes.len() as u64, |s| s.pos);
        let dead = usize::try_from(oldest.saturating_sub(self.base))
            .unwrap_or(usize::MAX)
            .min(self.bytes.len());
        let kept = self.bytes.len() - dead;
        if dead >= kept.max(4096) {
            self.bytes.drain(..dead);
            self.base += dead as u64;
        }
    }

    /// Appends bytes for a new entry, returning their stream position.
    fn append(&mut self, parts: &[&[u8]]) -> u64 {
        let pos = self.base + self.bytes.len() as u64;
        for p in parts {
            self.bytes.extend_from_slice(p);
        }
        pos
    }

    /// Remembers an evicted entry in a history of at most `cap` entries
    /// and `bytes_cap` bytes.
    fn remember(&mut self, slot: Slot, block: u64, cap: usize, bytes_cap: u64) {
        let bytes = slot.bytes();
        if cap == 0 || bytes > bytes_cap {
            // Too large to remember: forget older ones too, so the numbers
            // in the history stay consecutive.
            self.forget_evicted();
            return;
        }
        while self.evicted.len() >= cap || self.evicted_bytes + bytes > bytes_cap {
            match self.evicted.pop_front() {
                Some(old) => self.evicted_bytes -= old.bytes(),
                None => break,
            }
        }
        self.evicted.push_back(Slot {
            evicted_in_block: block,
            ..slot
        });
        self.evicted_bytes += bytes;
    }

    fn forget_evicted(&mut self) {
        self.evicted.clear();
        self.evicted_bytes = 0;
    }

    fn clear(&mut self) {
        self.base += self.bytes.len() as u64;
        self.bytes.clear();
        self.slots.clear();
        self.forget_evicted();
    }
}

/// Where a new entry's name comes from.
pub(crate) enum NameSource<'a> {
    Bytes(&'a [u8]),
    /// The name of the entry at this 0-based dynamic position (copied before
    /// any eviction, §4.4).
    Entry(usize),
}

/// What a dynamic index refers to.
pub(crate) enum Lookup<'a> {
    Known(Entry<'a>),
    /// Beyond the known entries while older, unknown entries may exist.
    Unknown,
    /// Beyond the table: nothing lives there.
    Beyond,
}

/// An evicted entry kept to explain a later index past the table.
pub(crate) struct EvictedRecord<'a> {
    pub(crate) entry: Entry<'a>,
    pub(crate) evicted_in_block: u64,
}

#[derive(Debug)]
pub(crate) struct DynamicTable {
    /// The table, oldest entry first (the newest is index 62).
    log: EntryLog,
    /// Sum of known entry sizes (a lower bound while `uncertain > 0`).
    size: u64,
    max_size: u32,
    /// Number given to the last inserted entry.
    inserted: u64,
    /// Entries older than every known one may still be in the table.
    unknown_older: bool,
    /// Known entries whose name (hence size) is unknown.
    uncertain: u32,
    /// How many evicted known entries (`log.evicted`, oldest first, numbers
    /// consecutive) and how many of their bytes are remembered.
    history_cap: usize,
    history_bytes_cap: u64,
}

impl DynamicTable {
    /// `history_cap` entries and `history_bytes_cap` bytes of evicted
    /// entries are remembered.
    pub(crate) fn new(max_size: u32, history_cap: u32, history_bytes_cap: u32) -> Self {
        DynamicTable {
            log: EntryLog::default(),
            size: 0,
            max_size,
            inserted: 0,
            unknown_older: false,
            uncertain: 0,
            history_cap: history_cap as usize,
            history_bytes_cap: u64::from(history_bytes_cap),
        }
    }

    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.log.slots.len()
    }

    pub(crate) fn size(&self) -> u64 {
        self.size
    }

    pub(crate) fn max_size(&self) -> u32 {
        self.max_size
    }

    /// Entries, newest first.
    pub(crate) fn entries(&self) -> impl Iterator<Item = Entry<'_>> {
        self.log.slots.iter().rev().map(|s| self.log.entry(s))
    }

    /// Every entry is known: no unknown older entries, no unknown names.
    pub(crate) fn fully_known(&self) -> bool {
        !self.unknown_older && self.uncertain == 0
    }

    /// Unknown entries may exist beyond the known ones.
    pub(crate) fn unknown_older(&self) -> bool {
        self.unknown_older
    }

    /// The entry at 0-based dynamic position `pos` (index `62 + pos`).
    #[inline]
    pub(crate) fn lookup(&self, pos: usize) -> Lookup<'_> {
        let len = self.log.slots.len();
        if pos < len {
            match self.log.slots.get(len - 1 - pos) {
                Some(slot) => Lookup::Known(self.log.entry(slot)),
                None => Lookup::Beyond,
            }
        } else if self.unknown_older {
            Lookup::Unknown
        } else {
            Lookup::Beyond
        }
    }

    /// What lived at 0-based dynamic position `pos` had nothing been
    /// evicted: the `pos`-th newest entry ever inserted, if the history
    /// still holds it.
    pub(crate) fn was_at(&self, pos: usize) -> Option<EvictedRecord<'_>> {
        let number = self.inserted.checked_sub(pos as u64)?;
        let first = self.log.evicted.front()?.number;
        let offset = number.checked_sub(first)?;
        let slot = self.log.evicted.get(usize::try_from(offset).ok()?)?;
        (slot.number == number).then(|| EvictedRecord {
            entry: self.log.entry(slot),
            evicted_in_block: slot.evicted_in_block,
        })
    }

    /// Applies a new maximum size (§4.3), evicting as needed.
    pub(crate) fn set_max_size(
        &mut self,
        max_size: u32,
        block: u64,
        on_evict: &mut impl FnMut(&Entry<'_>),
    ) {
        self.max_size = max_size;
        while self.size > u64::from(max_size) {
            if !self.evict_oldest(block, on_evict) {
                break;
            }
        }
        self.check_unknown_gone();
    }

    /// Sets the maximum size without evicting (after a gap, when only an
    /// upper bound is known).
    pub(crate) fn assume_max_size(&mut self, max_size: u32) {
        self.max_size = max_size;
    }

    /// Inserts an entry (§4.4): evicts until it fits, or empties the table
    /// if it cannot fit. The name (possibly an entry this insertion evicts)
    /// is copied before any eviction. Returns the new entry's number and
    /// size, or `None` when it was too large to insert.
    pub(crate) fn insert(
        &mut self,
        name: NameSource<'_>,
        value: &[u8],
        name_unknown: bool,
        block: u64,
        on_evict: &mut impl FnMut(&Entry<'_>),
    ) -> Option<(u64, u64)> {
        let name_len = match &name {
            NameSource::Bytes(b) => b.len(),
            NameSource::Entry(pos) => match self.lookup(*pos) {
                Lookup::Known(e) => e.name().len(),
                _ => 0,
            },
        };
        let size = (name_len + value.len()) as u64 + ENTRY_OVERHEAD;
        let max = u64::from(self.max_size);
        if size > max {
            // §4.4: an entry larger than the maximum size empties the table
            // and is not added.
            while self.evict_oldest(block, on_evict) {}
            self.unknown_older = false;
            return None;
        }
        // Copy first: the name may belong to an entry evicted below. The
        // buffer is compacted before, never between copy and eviction.
        self.log.compact();
        let name_range = match name {
            NameSource::Bytes(_) => None,
            NameSource::Entry(pos) => {
                let len = self.log.slots.len();
                len.checked_sub(1 + pos)
                    .and_then(|i| self.log.slots.get(i))
                    .map(|s| {
                        let start = usize::try_from(s.pos - self.log.base).unwrap_or(0);
                        start..start + s.name_len as usize
                    })
            }
        };
        let pos = match (name, name_range) {
            (NameSource::Bytes(b), _) => self.log.append(&[b, value]),
            (NameSource::Entry(_), Some(range)) => {
                let pos = self.log.base + self.log.bytes.len() as u64;
                self.log.bytes.extend_from_within(range);
                self.log.bytes.extend_from_slice(value);
                pos
            }
            (NameSource::Entry(_), None) => self.log.append(&[value]),
        };
        // The new bytes are not a slot yet; eviction drops no bytes.
        while self.size + size > max {
            if !self.evict_oldest(block, on_evict) {
                break;
            }
        }
        self.inserted += 1;
        let number = self.inserted;
        self.log.slots.push_back(Slot {
            pos,
            name_len: name_len as u32,
            value_len: value.len() as u32,
            number,
            block,
            name_unknown,
            evicted_in_block: 0,
        });
        self.size += size;
        if name_unknown {
            self.uncertain += 1;
        }
        self.check_unknown_gone();
        Some((number, size))
    }

    /// Evicts the oldest known entry (into the history); `false` when there
    /// is none.
    fn evict_oldest(&mut self, block: u64, on_evict: &mut impl FnMut(&Entry<'_>)) -> bool {
        let Some(slot) = self.log.slots.pop_front() else {
            return false;
        };
        on_evict(&self.log.entry(&slot));
        self.log
            .remember(slot, block, self.history_cap, self.history_bytes_cap);
        self.size = self.size.saturating_sub(slot.bytes() + ENTRY_OVERHEAD);
        if slot.name_unknown {
            self.uncertain = self.uncertain.saturating_sub(1);
        }
        // The encoder evicts unknown (older) entries before any known one.
        self.unknown_older = false;
        true
    }

    /// Any unknown entry is at least 32 bytes: once the known entries leave
    /// less room than that, none can remain.
    fn check_unknown_gone(&mut self) {
        if self.unknown_older && self.size + ENTRY_OVERHEAD > u64::from(self.max_size) {
            self.unknown_older = false;
        }
    }

    /// Bytes were lost: every entry may have moved, so all become unknown.
    pub(crate) fn forget_all(&mut self) {
        self.log.clear();
        self.size = 0;
        self.uncertain = 0;
        self.unknown_older = true;
        self.check_unknown_gone();
    }

    /// Starts with unknown entries (capture began mid-connection).
    pub(crate) fn start_unknown(&mut self) {
        self.unknown_older = true;
        self.check_unknown_gone();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn insert(t: &mut DynamicTable, name: &str, value: &str) -> Vec<u64> {
        let mut evicted = Vec::new();
        t.insert(
            NameSource::Bytes(name.as_bytes()),
            value.as_bytes(),
            false,
            0,
            &mut |e| evicted.push(e.number),
        );
        evicted
    }

    #[test]
    fn size_accounting_and_fifo_eviction() {
        let mut t = DynamicTable::new(100, 8, 1 << 20);
        assert!(insert(&mut t, "a", "1").is_empty()); // 34
        assert!(insert(&mut t, "b", "2").is_empty()); // 68
        assert_eq!(t.size(), 68);
        assert_eq!(insert(&mut t, "c", "3"), vec![1]); // 102 > 100
        assert_eq!(t.size(), 68);
        let Lookup::Known(e) = t.lookup(0) else {
            panic!()
        };
        assert_eq!(e.name(), b"c");
        assert!(matches!(t.lookup(2), Lookup::Beyond));
        // Position 2 held entry 1 ("a").
        assert_eq!(t.was_at(2).unwrap().entry.name(), b"a");
        assert!(t.was_at(3).is_none());
    }

    #[test]
    fn too_large_entry_empties_the_table() {
        let mut t = DynamicTable::new(64, 8, 1 << 20);
        insert(&mut t, "a", "1");
        let v = "x".repeat(40);
        assert!(t
            .insert(
                NameSource::Bytes(b"name"),
                v.as_bytes(),
                false,
                0,
                &mut |_| {}
            )
            .is_none());
        assert_eq!(t.len(), 0);
        assert_eq!(t.size(), 0);
    }

    #[test]
    fn unknown_entries_are_evicted_first() {
        let mut t = DynamicTable::new(100, 8, 1 << 20);
        t.start_unknown();
        assert!(t.unknown_older());
        insert(&mut t, "a", "1"); // 34: unknown may still be 66 bytes
        assert!(t.unknown_older());
        assert!(matches!(t.lookup(1), Lookup::Unknown));
        insert(&mut t, "bb", "22"); // 70 + 32 > 100: no unknown fits
        assert!(!t.unknown_older());
        assert!(matches!(t.lookup(2), Lookup::Beyond));
    }

    #[test]
    fn evicting_a_known_entry_proves_unknown_ones_gone() {
        let mut t = DynamicTable::new(100, 8, 1 << 20);
        t.start_unknown();
        insert(&mut t, &"n".repeat(30), ""); // 62
        assert!(t.unknown_older());
        // 62 + 62 > 100: entry 1 is evicted, so unknown ones went first.
        assert_eq!(insert(&mut t, &"m".repeat(30), ""), vec![1]);
        assert!(!t.unknown_older());
    }

    #[test]
    fn history_is_bounded() {
        let mut t = DynamicTable::new(34, 2, 1 << 20);
        for i in 0..5 {
            insert(&mut t, "a", &i.to_string());
        }
        // Entries 1..=4 evicted; history keeps 3 and 4.
        assert!(t.was_at(3).is_none()); // entry 2
        assert_eq!(t.was_at(2).unwrap().entry.number, 3);
        assert_eq!(t.was_at(1).unwrap().entry.number, 4);
    }
}

#[cfg(test)]
mod storage_tests {
    use super::*;

    fn names(t: &DynamicTable) -> Vec<String> {
        t.entries()
            .map(|e| {
                format!(
                    "{}={}",
                    String::from_utf8_lossy(e.name()),
                    String::from_utf8_lossy(e.value())
                )
            })
            .collect()
    }

    #[test]
    fn name_from_an_entry_the_insertion_evicts() {
        // Room for exactly one 36-byte entry: inserting "abc: d" with the
        // name of the only entry evicts that entry.
        let mut t = DynamicTable::new(40, 4, 1 << 20);
        t.insert(NameSource::Bytes(b"abc"), b"x", false, 0, &mut |_| {});
        let mut evicted = Vec::new();
        t.insert(NameSource::Entry(0), b"d", false, 1, &mut |e| {
            evicted.push(e.name().to_vec())
        });
        assert_eq!(evicted, vec![b"abc".to_vec()]);
        assert_eq!(names(&t), vec!["abc=d"]);
        assert_eq!(t.size(), 36);
        assert_eq!(t.was_at(1).unwrap().entry.value(), b"x");
    }

    #[test]
    fn storage_stays_bounded_and_correct_over_many_inserts() {
        let mut t = DynamicTable::new(300, 8, 1000);
        let mut expect: std::collections::VecDeque<String> = Default::default();
        let mut size = 0;
        for i in 0..5000u32 {
            let value = "v".repeat((i % 50) as usize);
            let name = format!("n{i}");
            let from_entry = i % 3 == 0 && t.len() > 1;
            let name_used = if from_entry {
                let e = t.entries().nth(1).unwrap();
                String::from_utf8(e.name().to_vec()).unwrap()
            } else {
                name.clone()
            };
            let src = if from_entry {
                NameSource::Entry(1)
            } else {
                NameSource::Bytes(name.as_bytes())
            };
            let entry_size = name_used.len() + value.len() + 32;
            let mut evicted = 0;
            t.insert(src, value.as_bytes(), false, u64::from(i), &mut |_| {
                evicted += 1
            });
            for _ in 0..evicted {
                let old = expect.pop_back().unwrap();
                size -= old.len() - 1 + 32;
            }
            expect.push_front(format!("{name_used}={value}"));
            size += entry_size;
            assert_eq!(names(&t), Vec::from(expect.clone()));
            assert_eq!(t.size(), size as u64);
            // At most the remembered bytes (table 300 + history 1000)
            // twice over, or 4 KiB of dead bytes, plus the last entry.
            assert!(
                t.log.bytes.len() <= 4096 + 1300 + 100,
                "{}",
                t.log.bytes.len()
            );
            assert!(t.log.evicted_bytes <= 1000);
            assert!(t.log.evicted.len() <= 8);
        }
    }
}
