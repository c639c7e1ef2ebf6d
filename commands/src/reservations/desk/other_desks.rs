//! Whether a desk has seen another writer of its event's inventory stream lately, which
//! decides how it appends (docs/reservations.md, "Many nodes on one event").
//!
//! Taking the stream's turn costs four round trips per append (begin, the lock, the
//! catch-up read, commit) besides the insert. A desk that is the stream's only writer, as
//! on a single node, has nothing to wait for or catch up with: it appends at the version
//! it holds, in one statement, and the stream's version tells it when it was wrong. A
//! lost append, or a catch-up that finds facts it did not write, shows another writer,
//! and the desk takes turns until it has seen none for [`ALONE_AFTER`].

use std::time::{Duration, Instant};

/// How long after it last saw another writer's facts a desk appends without its turn
/// again: far longer than the gap between two appends of a sale on several nodes, so a
/// desk that shares its event keeps taking turns while the sale lasts.
pub(super) const ALONE_AFTER: Duration = Duration::from_secs(10);

/// When a desk last saw another writer of its event's inventory stream.
#[derive(Debug, Default)]
pub(super) struct OtherDesks {
    last_seen: Option<Instant>,
}

impl OtherDesks {
    /// Another writer appended to the stream: its facts were caught up with, or it won
    /// the stream's next version.
    pub(super) fn seen(&mut self) {
        self.last_seen = Some(Instant::now());
    }

    /// Whether the desk may append without its turn: it has seen no other writer, or
    /// none for [`ALONE_AFTER`].
    pub(super) fn absent(&self) -> bool {
        self.last_seen
            .is_none_or(|seen| seen.elapsed() >= ALONE_AFTER)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_desk_that_never_saw_another_writer_appends_alone() {
        assert!(OtherDesks::default().absent());
    }

    #[test]
    fn a_desk_that_just_saw_another_writer_takes_turns() {
        let mut others = OtherDesks::default();
        others.seen();
        assert!(!others.absent());
    }

    #[test]
    fn a_desk_appends_alone_again_once_no_other_writer_showed_for_a_while() {
        let others = OtherDesks {
            last_seen: Instant::now().checked_sub(ALONE_AFTER),
        };
        assert!(others.absent());
    }
}
