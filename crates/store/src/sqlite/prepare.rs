//! The part of appending an event that needs no database: its canonical attribute JSON and its
//! content hash. Both depend only on the event itself, so a second thread computes them a chunk
//! ahead while the SQLite thread inserts (SQLite work cannot be split, and on the 2-core
//! machines a registry runs on this takes a tenth of the work off the one busy core).

use std::sync::mpsc::{Receiver, SyncSender};

use crate::NewEvent;
use crate::canonical;
use crate::hash::Hash;

/// Events per chunk handed from the preparing thread to the SQLite thread.
pub(crate) const CHUNK: usize = 1024;

/// The attribute JSON and content hash of each event of one chunk of a batch.
#[derive(Debug, Default)]
pub(crate) struct Prepared {
    /// The index in the batch of the chunk's first event.
    pub first: usize,
    /// The attribute JSON of every event of the chunk, one after the other.
    attributes: Vec<u8>,
    /// Where each event's JSON ends in `attributes`.
    ends: Vec<usize>,
    contents: Vec<Hash>,
}

impl Prepared {
    /// Fills the chunk from `events`, the batch's events from index `first` on.
    fn fill(&mut self, first: usize, events: &[NewEvent]) {
        self.first = first;
        self.attributes.clear();
        self.ends.clear();
        self.contents.clear();
        for new in events {
            let start = self.attributes.len();
            canonical::write_attributes(&mut self.attributes, &new.event.attributes);
            self.ends.push(self.attributes.len());
            self.contents
                .push(content_of(new, &self.attributes[start..]));
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    /// The attribute JSON and content hash of the chunk's `i`-th event.
    pub(crate) fn get(&self, i: usize) -> (&[u8], &Hash) {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        (&self.attributes[start..self.ends[i]], &self.contents[i])
    }
}

fn content_of(new: &NewEvent, attributes: &[u8]) -> Hash {
    crate::hash::content_with(&new.subject.pseudonym, &new.event, attributes)
}

/// Prepares every chunk of `events` in order and sends it to `out`, reusing the chunks that
/// come back on `reuse`. Stops early when the receiver is gone (the batch failed).
pub(crate) fn prepare_all(
    events: &[NewEvent],
    out: SyncSender<Prepared>,
    reuse: Receiver<Prepared>,
) {
    for (number, chunk) in events.chunks(CHUNK).enumerate() {
        let mut prepared = reuse.try_recv().unwrap_or_default();
        prepared.fill(number * CHUNK, chunk);
        if out.send(prepared).is_err() {
            return;
        }
    }
}
