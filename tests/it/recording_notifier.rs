//! [`RecordingNotifier`]: a [`Notifier`] for tests: it records what it is asked to show and
//! hands back the clicks a test makes, with no notification daemon or browser.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use chinwag::client::notify::Notification;
use chinwag::ui::notifications::{Notifier, Permission};

/// What the notifier saw; the test keeps a clone while the app owns the notifier.
#[derive(Default)]
struct Record {
    shown: Vec<Notification>,
    clicks: VecDeque<String>,
    permission_requests: usize,
    badges: Vec<u64>,
}

/// A notifier that records; clones share the record.
#[derive(Clone)]
pub struct RecordingNotifier {
    record: Arc<Mutex<Record>>,
    permission: Permission,
}

impl RecordingNotifier {
    /// A recorder on a platform where notifications are allowed.
    pub fn allowed() -> Self {
        Self::with_permission(Permission::Allowed)
    }

    /// A recorder that reports `permission`.
    pub fn with_permission(permission: Permission) -> Self {
        Self {
            record: Arc::default(),
            permission,
        }
    }

    /// Every notification shown so far.
    pub fn shown(&self) -> Vec<Notification> {
        self.record.lock().unwrap().shown.clone()
    }

    /// The user clicks the notification of `room`.
    pub fn click(&self, room: &str) {
        self.record
            .lock()
            .unwrap()
            .clicks
            .push_back(room.to_owned());
    }

    /// How often the app asked for permission.
    pub fn permission_requests(&self) -> usize {
        self.record.lock().unwrap().permission_requests
    }

    /// The badge counts set, in order.
    pub fn badges(&self) -> Vec<u64> {
        self.record.lock().unwrap().badges.clone()
    }
}

impl Notifier for RecordingNotifier {
    fn notify(&mut self, notification: &Notification) {
        self.record.lock().unwrap().shown.push(notification.clone());
    }

    fn clicked(&mut self) -> Option<String> {
        self.record.lock().unwrap().clicks.pop_front()
    }

    fn permission(&self) -> Permission {
        self.permission
    }

    fn request_permission(&mut self) {
        self.record.lock().unwrap().permission_requests += 1;
    }

    fn set_badge(&mut self, unread: u64) {
        self.record.lock().unwrap().badges.push(unread);
    }
}
