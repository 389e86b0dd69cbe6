//! Older history of the current room, one page at a time, with at most one request in flight.

use chinwag_protocol::api::MAX_PAGE;

use crate::error::ClientError;
use crate::history::{HistoryFetch, PAGE_SIZE};
use crate::state::ChatState;

/// How many messages past a jump target a page asks for, so the target does not sit at the
/// very top of what is loaded.
const PAST_TARGET: usize = 20;

/// The page in flight, or why the last one failed.
#[derive(Default)]
pub(super) struct Paging {
    fetch: Option<HistoryFetch>,
    error: Option<ClientError>,
}

impl Paging {
    /// Whether a page is on its way.
    pub(super) fn is_loading(&self) -> bool {
        self.fetch.is_some()
    }

    /// Why the last page failed, until [`Self::retry`].
    pub(super) fn error(&self) -> Option<&ClientError> {
        self.error.as_ref()
    }

    /// Forgets the last failure, so the next [`Self::load_older`] asks again.
    pub(super) fn retry(&mut self) {
        self.error = None;
    }

    /// Asks the server at `url` for the page before the oldest message of the current room (see
    /// [`page_limit`] for its size); `wake_up` runs when the answer is in.
    pub(super) fn load_older(
        &mut self,
        state: &ChatState,
        url: &str,
        jump_target: Option<u64>,
        wake_up: impl FnOnce() + Send + 'static,
    ) {
        let Some(room) = state.current() else {
            return;
        };
        if self.fetch.is_some() || self.error.is_some() || !room.has_older {
            return;
        }
        let oldest = room.oldest_seq();
        self.fetch = Some(HistoryFetch::start(
            url,
            state.token(),
            &room.room,
            oldest,
            page_limit(oldest, jump_target),
            wake_up,
        ));
    }

    /// Puts a page that arrived in front of its room (or keeps why it failed).
    pub(super) fn take_arrived(&mut self, state: &mut ChatState) {
        let Some(fetch) = self.fetch.take() else {
            return;
        };
        match fetch.try_take() {
            Ok(Ok(page)) => {
                if let Some(room) = state.room_mut(&page.room) {
                    room.prepend(page);
                }
            }
            Ok(Err(error)) => self.error = Some(error),
            Err(still_loading) => self.fetch = Some(still_loading),
        }
    }
}

/// How many messages to ask for before `oldest` (the oldest loaded): a normal page, or, when
/// `jump_target` is older, enough to reach it and [`PAST_TARGET`] more, at most [`MAX_PAGE`].
fn page_limit(oldest: Option<u64>, jump_target: Option<u64>) -> usize {
    match (jump_target, oldest) {
        (Some(target), Some(oldest)) if target < oldest => usize::try_from(oldest - target)
            .map_or(MAX_PAGE, |gap| (gap + PAST_TARGET).min(MAX_PAGE)),
        _ => PAGE_SIZE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_the_normal_size_unless_a_jump_target_lies_further_back() {
        assert_eq!(page_limit(Some(500), None), PAGE_SIZE);
        assert_eq!(page_limit(None, Some(3)), PAGE_SIZE, "nothing loaded yet");
        assert_eq!(
            page_limit(Some(500), Some(600)),
            PAGE_SIZE,
            "the target is loaded"
        );
        assert_eq!(
            page_limit(Some(500), Some(450)),
            50 + PAST_TARGET,
            "up to the target and a little more"
        );
        assert_eq!(page_limit(Some(500), Some(480)), 40, "less than a page");
        assert_eq!(
            page_limit(Some(5000), Some(1)),
            MAX_PAGE,
            "never more than the server gives"
        );
    }
}
