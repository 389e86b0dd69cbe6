//! How timeline rows relate to their neighbours: day separators ("Today", "Yesterday", a date)
//! and runs of messages from one sender shown under one header.

use chrono::{DateTime, Local, NaiveDate, TimeZone as _};

use crate::protocol::ChatMessage;

/// Messages from one sender further apart than this start a new group (with its own header).
const GROUP_GAP_MS: i64 = 5 * 60 * 1000;

/// What to draw above a message.
#[derive(Debug, PartialEq, Eq)]
pub struct Lead {
    /// A day separator, when this message is the first of its (local) day.
    pub day: Option<String>,
    /// Whether the sender's name and time head this message (false inside a group).
    pub header: bool,
}

/// The lead of `message`, given the message before it (if any) and today's local date.
pub fn lead(previous: Option<&ChatMessage>, message: &ChatMessage, today: NaiveDate) -> Lead {
    let day = local_date(message.time);
    let new_day = previous.is_none_or(|previous| local_date(previous.time) != day);
    let same_group = previous.is_some_and(|previous| {
        previous.from == message.from && message.time - previous.time <= GROUP_GAP_MS
    });
    Lead {
        day: new_day.then(|| day_label(day, today)),
        header: new_day || !same_group,
    }
}

/// "Today", "Yesterday", or the date ("Monday 23 November 2026").
pub fn day_label(day: NaiveDate, today: NaiveDate) -> String {
    if day == today {
        "Today".to_owned()
    } else if today.pred_opt() == Some(day) {
        "Yesterday".to_owned()
    } else {
        day.format("%A %-d %B %Y").to_string()
    }
}

/// Today's date in the user's time zone.
pub fn today() -> NaiveDate {
    Local::now().date_naive()
}

fn local_date(ms_since_epoch: i64) -> NaiveDate {
    local(ms_since_epoch).map_or(NaiveDate::MIN, |time| time.date_naive())
}

/// A server time in the user's time zone.
pub fn local(ms_since_epoch: i64) -> Option<DateTime<Local>> {
    Local.timestamp_millis_opt(ms_since_epoch).single()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(from: &str, local_time: &str) -> ChatMessage {
        let time = chrono::NaiveDateTime::parse_from_str(local_time, "%Y-%m-%d %H:%M")
            .unwrap()
            .and_local_timezone(Local)
            .unwrap()
            .timestamp_millis();
        ChatMessage {
            attachment: None,
            room: "lobby".into(),
            seq: 1,
            id: "x".into(),
            from: from.into(),
            time,
            text: "hi".into(),
            edited: None,
            deleted: false,
            reply_to: None,
            reactions: Vec::new(),
        }
    }

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn days_are_labelled_relative_to_today() {
        let today = date("2026-11-25");
        assert_eq!(day_label(today, today), "Today");
        assert_eq!(day_label(date("2026-11-24"), today), "Yesterday");
        assert_eq!(
            day_label(date("2026-11-23"), today),
            "Monday 23 November 2026"
        );
    }

    #[test]
    fn the_first_message_of_a_day_gets_a_separator_and_a_header() {
        let today = date("2026-11-25");
        let first = at("alice", "2026-11-24 23:50");
        assert_eq!(
            lead(None, &first, today),
            Lead {
                day: Some("Yesterday".into()),
                header: true
            }
        );
        let after_midnight = at("alice", "2026-11-25 00:01");
        assert_eq!(
            lead(Some(&first), &after_midnight, today),
            Lead {
                day: Some("Today".into()),
                header: true
            }
        );
    }

    #[test]
    fn consecutive_messages_from_one_sender_share_a_header() {
        let today = date("2026-11-25");
        let first = at("alice", "2026-11-25 10:00");
        let soon = at("alice", "2026-11-25 10:03");
        let later = at("alice", "2026-11-25 10:20");
        let bob = at("bob", "2026-11-25 10:21");
        assert_eq!(
            lead(Some(&first), &soon, today),
            Lead {
                day: None,
                header: false
            }
        );
        assert_eq!(
            lead(Some(&soon), &later, today),
            Lead {
                day: None,
                header: true
            }
        );
        assert_eq!(
            lead(Some(&later), &bob, today),
            Lead {
                day: None,
                header: true
            }
        );
    }
}
