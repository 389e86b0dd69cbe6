//! A connection's outgoing queue: what the hub has for its socket task, the two flags the
//! hub sets for it (dropped as too slow; welcomed), and its delivery [`Probe`].
//!
//! Thousands of idle connections each hold one, so it is small: one allocation (an empty queue
//! holds no buffer, and a queue gives its buffer back whenever it drains) and one [`Notify`] that wakes
//! the socket task for an item or a kick. A tokio `mpsc` channel per connection, with three
//! more `Arc`s beside it, cost about 2 KiB each before the first item.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::Notify;

use super::Outgoing;
use super::probe::Probe;

/// What both ends share.
#[derive(Debug)]
struct Shared {
    queue: Mutex<VecDeque<Outgoing>>,
    /// Most items in `queue`.
    capacity: usize,
    /// Signalled when an item is queued or the connection is kicked.
    wake: Notify,
    kicked: AtomicBool,
    welcomed: AtomicBool,
    /// The bytes of the items in `queue` (see [`Outgoing::bytes`]).
    queued_bytes: AtomicUsize,
    /// The socket task is gone: what is queued now is dropped.
    closed: AtomicBool,
    probe: Probe,
}

/// The hub's end of a connection's outgoing queue.
#[derive(Clone, Debug)]
pub struct Outbox {
    shared: Arc<Shared>,
}

/// The socket task's end of a connection's outgoing queue.
#[derive(Debug)]
pub struct OutboxReader {
    shared: Arc<Shared>,
}

/// What woke a socket task waiting on its [`OutboxReader`].
#[derive(Debug)]
pub enum Wake {
    /// The next item to write.
    Item(Outgoing),
    /// The hub dropped the connection for not keeping up.
    Kicked,
}

impl Outbox {
    /// An empty outbox that holds at most `capacity` items, and the reading end of its queue
    /// (for the connection's socket task, or a test).
    pub fn channel(capacity: usize) -> (Self, OutboxReader) {
        let shared = Arc::new(Shared {
            queue: Mutex::new(VecDeque::new()),
            capacity,
            wake: Notify::new(),
            kicked: AtomicBool::new(false),
            welcomed: AtomicBool::new(false),
            queued_bytes: AtomicUsize::new(0),
            closed: AtomicBool::new(false),
            probe: Probe::default(),
        });
        let reader = OutboxReader {
            shared: Arc::clone(&shared),
        };
        (Self { shared }, reader)
    }

    /// Queues `item` and wakes the socket task; false if the queue holds its most items
    /// already. An item for a connection whose socket task is gone is dropped (true).
    pub fn push(&self, item: Outgoing) -> bool {
        let shared = &*self.shared;
        if shared.closed.load(Ordering::Relaxed) {
            return true;
        }
        {
            let mut queue = shared.lock();
            if queue.len() >= shared.capacity {
                return false;
            }
            shared
                .queued_bytes
                .fetch_add(item.bytes(), Ordering::Relaxed);
            queue.push_back(item);
        }
        shared.wake.notify_one();
        true
    }

    /// Items waiting.
    pub fn waiting(&self) -> usize {
        self.shared.lock().len()
    }

    /// Whether the queue holds its most items.
    pub fn is_full(&self) -> bool {
        self.waiting() >= self.shared.capacity
    }

    /// The bytes of the items waiting (see [`Outgoing::bytes`]).
    pub fn queued_bytes(&self) -> usize {
        self.shared.queued_bytes.load(Ordering::Relaxed)
    }

    /// Tells the socket task that the connection is dropped for not keeping up.
    pub fn kick(&self) {
        self.shared.kicked.store(true, Ordering::Relaxed);
        self.shared.wake.notify_one();
    }

    /// How far behind the reader is, past what waits in the queue (see [`Probe`]).
    pub fn probe(&self) -> &Probe {
        &self.shared.probe
    }

    /// Notes that a hello succeeded (see [`OutboxReader::welcomed`]).
    pub fn set_welcomed(&self) {
        self.shared.welcomed.store(true, Ordering::Relaxed);
    }
}

impl OutboxReader {
    /// Waits for the next item (if `take_items`; else only for the kick), or the kick; a kick
    /// comes before what is still queued.
    pub async fn wait(&self, take_items: bool) -> Wake {
        loop {
            if self.shared.kicked.load(Ordering::Relaxed) {
                return Wake::Kicked;
            }
            if let Some(item) = take_items.then(|| self.try_recv()).flatten() {
                return Wake::Item(item);
            }
            // A push between `try_recv` and here leaves a permit: this returns at once.
            self.shared.wake.notified().await;
        }
    }

    /// The next item, if one is waiting.
    pub fn try_recv(&self) -> Option<Outgoing> {
        let shared = &*self.shared;
        let mut queue = shared.lock();
        let item = queue.pop_front()?;
        if queue.is_empty() {
            // An idle connection holds no buffer (one allocation an item is nothing next to
            // the socket write it feeds).
            *queue = VecDeque::new();
        }
        drop(queue);
        shared
            .queued_bytes
            .fetch_sub(item.bytes(), Ordering::Relaxed);
        Some(item)
    }

    /// The connection's delivery probe, which the socket task sends and times.
    pub fn probe(&self) -> &Probe {
        &self.shared.probe
    }

    /// Whether the hub welcomed the connection (a hello succeeded).
    pub fn welcomed(&self) -> bool {
        self.shared.welcomed.load(Ordering::Relaxed)
    }
}

impl Drop for OutboxReader {
    fn drop(&mut self) {
        self.shared.closed.store(true, Ordering::Relaxed);
        let dropped = std::mem::take(&mut *self.shared.lock());
        drop(dropped);
    }
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<Outgoing>> {
        // The lock is held only to move items in or out; nothing in between can panic.
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
