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

use std::collections::VecDeque;

/// Bytes each entry costs beyond its name and value (§4.1).
pub(crate) const ENTRY_OVERHEAD: u64 = 32;

/// One dynamic table entry.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    /// Name followed by value, in one allocation.
    data: Box<[u8]>,
    name_len: usize,
    /// Insertion number in this decoder (1 = first entry ever inserted).
    pub(crate) number: u64,
    /// Block (0-based) whose field inserted it.
    pub(crate) block: u64,
    /// The name came from an unknown entry: `name()` is empty, and the
    /// entry's size is only known to be at least `size()`.
    pub(crate) name_unknown: bool,
}

impl Entry {
    #[inline]
    pub(crate) fn name(&self) -> &[u8] {
        self.data.get(..self.name_len).unwrap_or_default()
    }

    #[inline]
    pub(crate) fn value(&self) -> &[u8] {
        self.data.get(self.name_len..).unwrap_or_default()
    }

    /// §4.1 size: name + value + 32 (a lower bound when `name_unknown`).
    #[inline]
    pub(crate) fn size(&self) -> u64 {
        self.data.len() as u64 + ENTRY_OVERHEAD
    }
}

/// An entry that was evicted, kept to explain a later index past the table.
#[derive(Clone, Debug)]
pub(crate) struct EvictedRecord {
    pub(crate) entry: Entry,
    pub(crate) evicted_in_block: u64,
}

/// What a dynamic index refers to.
pub(crate) enum Lookup<'a> {
    Known(&'a Entry),
    /// Beyond the known entries while older, unknown entries may exist.
    Unknown,
    /// Beyond the table: nothing lives there.
    Beyond,
}

#[derive(Debug)]
pub(crate) struct DynamicTable {
    /// Newest first: `entries[0]` is index 62.
    entries: VecDeque<Entry>,
    /// Sum of known entry sizes (a lower bound while `uncertain > 0`).
    size: u64,
    max_size: u32,
    /// Number given to the last inserted entry.
    inserted: u64,
    /// Entries older than every known one may still be in the table.
    unknown_older: bool,
    /// Known entries whose name (hence size) is unknown.
    uncertain: u32,
    /// Evicted known entries, oldest first; numbers are consecutive.
    history: VecDeque<EvictedRecord>,
    history_cap: usize,
    /// Bytes held by `history`, bounded by `history_bytes_cap`.
    history_bytes: u64,
    history_bytes_cap: u64,
}

impl DynamicTable {
    /// `history_cap` entries and `history_bytes_cap` bytes of evicted
    /// entries are remembered.
    pub(crate) fn new(max_size: u32, history_cap: u32, history_bytes_cap: u32) -> Self {
        DynamicTable {
            entries: VecDeque::new(),
            size: 0,
            max_size,
            inserted: 0,
            unknown_older: false,
            uncertain: 0,
            history: VecDeque::new(),
            history_cap: history_cap as usize,
            history_bytes: 0,
            history_bytes_cap: u64::from(history_bytes_cap),
        }
    }

    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn size(&self) -> u64 {
        self.size
    }

    pub(crate) fn max_size(&self) -> u32 {
        self.max_size
    }

    pub(crate) fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter()
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
        match self.entries.get(pos) {
            Some(e) => Lookup::Known(e),
            None if self.unknown_older => Lookup::Unknown,
            None => Lookup::Beyond,
        }
    }

    /// What lived at 0-based dynamic position `pos` had nothing been
    /// evicted: the `pos`-th newest entry ever inserted, if the history
    /// still holds it.
    pub(crate) fn was_at(&self, pos: usize) -> Option<&EvictedRecord> {
        let number = self.inserted.checked_sub(pos as u64)?;
        let first = self.history.front()?.entry.number;
        let offset = number.checked_sub(first)?;
        let rec = self.history.get(usize::try_from(offset).ok()?)?;
        (rec.entry.number == number).then_some(rec)
    }

    /// Applies a new maximum size (§4.3), evicting as needed.
    pub(crate) fn set_max_size(
        &mut self,
        max_size: u32,
        block: u64,
        on_evict: &mut impl FnMut(&Entry),
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
    /// if it cannot fit. `data` is name followed by value, copied before any
    /// eviction so the name may come from an entry this insertion evicts.
    /// Returns the new entry's number and size, or `None` when it was too
    /// large to insert.
    pub(crate) fn insert(
        &mut self,
        data: Box<[u8]>,
        name_len: usize,
        name_unknown: bool,
        block: u64,
        on_evict: &mut impl FnMut(&Entry),
    ) -> Option<(u64, u64)> {
        let size = data.len() as u64 + ENTRY_OVERHEAD;
        let max = u64::from(self.max_size);
        if size > max {
            // §4.4: an entry larger than the maximum size empties the table
            // and is not added.
            while self.evict_oldest(block, on_evict) {}
            self.unknown_older = false;
            return None;
        }
        while self.size + size > max {
            if !self.evict_oldest(block, on_evict) {
                break;
            }
        }
        self.inserted += 1;
        let number = self.inserted;
        self.entries.push_front(Entry {
            data,
            name_len,
            number,
            block,
            name_unknown,
        });
        self.size += size;
        if name_unknown {
            self.uncertain += 1;
        }
        self.check_unknown_gone();
        Some((number, size))
    }

    /// Evicts the oldest known entry; `false` when there is none.
    fn evict_oldest(&mut self, block: u64, on_evict: &mut impl FnMut(&Entry)) -> bool {
        let Some(entry) = self.entries.pop_back() else {
            return false;
        };
        self.size = self.size.saturating_sub(entry.size());
        if entry.name_unknown {
            self.uncertain = self.uncertain.saturating_sub(1);
        }
        // The encoder evicts unknown (older) entries before any known one.
        self.unknown_older = false;
        on_evict(&entry);
        let bytes = entry.size();
        if self.history_cap > 0 && bytes <= self.history_bytes_cap {
            while self.history.len() >= self.history_cap
                || self.history_bytes + bytes > self.history_bytes_cap
            {
                let Some(old) = self.history.pop_front() else {
                    break;
                };
                self.history_bytes = self.history_bytes.saturating_sub(old.entry.size());
            }
            self.history_bytes += bytes;
            self.history.push_back(EvictedRecord {
                entry,
                evicted_in_block: block,
            });
        } else {
            // Too large to remember: forget older ones too, so the numbers
            // in the history stay consecutive.
            self.history.clear();
            self.history_bytes = 0;
        }
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
        self.entries.clear();
        self.size = 0;
        self.uncertain = 0;
        self.unknown_older = true;
        self.history.clear();
        self.history_bytes = 0;
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

    fn data(name: &str, value: &str) -> (Box<[u8]>, usize) {
        let mut v = name.as_bytes().to_vec();
        v.extend_from_slice(value.as_bytes());
        (v.into_boxed_slice(), name.len())
    }

    fn insert(t: &mut DynamicTable, name: &str, value: &str) -> Vec<u64> {
        let (d, n) = data(name, value);
        let mut evicted = Vec::new();
        t.insert(d, n, false, 0, &mut |e| evicted.push(e.number));
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
        let (d, n) = data("name", &"x".repeat(40));
        assert!(t.insert(d, n, false, 0, &mut |_| {}).is_none());
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
