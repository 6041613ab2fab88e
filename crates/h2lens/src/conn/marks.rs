//! Which packet each byte of a direction's stream came in.

use std::collections::VecDeque;

use super::event::Origin;

/// Chunk starts, by stream offset. Marks before the oldest byte still
/// needed are dropped, so this stays as small as the bytes buffered.
#[derive(Debug, Default)]
pub(crate) struct Marks {
    marks: VecDeque<(u64, Origin)>,
}

impl Marks {
    pub fn push(&mut self, offset: u64, origin: Origin) {
        if let Some((last_offset, last)) = self.marks.back_mut() {
            if *last == origin {
                return;
            }
            if *last_offset == offset {
                *last = origin;
                return;
            }
        }
        self.marks.push_back((offset, origin));
    }

    /// The origin of the chunk that carried byte `offset`.
    pub fn at(&self, offset: u64) -> Origin {
        // Most frames lie in the latest chunk: no search for them.
        if let Some((last_offset, origin)) = self.marks.back() {
            if *last_offset <= offset {
                return *origin;
            }
        }
        let i = self.marks.partition_point(|(o, _)| *o <= offset);
        match i.checked_sub(1).and_then(|i| self.marks.get(i)) {
            Some((_, origin)) => *origin,
            None => self.marks.front().map(|(_, o)| *o).unwrap_or_default(),
        }
    }

    /// The most recent origin.
    pub fn last(&self) -> Origin {
        self.marks.back().map(|(_, o)| *o).unwrap_or_default()
    }

    /// Marks held.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.marks.len()
    }

    /// Forgets marks that only cover bytes before `offset`.
    pub fn release_before(&mut self, offset: u64) {
        while self.marks.len() > 1 {
            match self.marks.get(1) {
                Some((next, _)) if *next <= offset => {
                    self.marks.pop_front();
                }
                _ => break,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Timestamp;

    fn o(packet: u64) -> Origin {
        Origin {
            packet,
            ts: Timestamp(packet as i64),
        }
    }

    #[test]
    fn finds_the_chunk_of_a_byte() {
        let mut m = Marks::default();
        m.push(0, o(1));
        m.push(10, o(2));
        m.push(25, o(3));
        assert_eq!(m.at(0).packet, 1);
        assert_eq!(m.at(9).packet, 1);
        assert_eq!(m.at(10).packet, 2);
        assert_eq!(m.at(24).packet, 2);
        assert_eq!(m.at(25).packet, 3);
        assert_eq!(m.at(100).packet, 3);
        m.release_before(12);
        assert_eq!(m.at(12).packet, 2);
        assert_eq!(m.last().packet, 3);
    }
}
