//! What a message row shows beyond its text: the quote of the message a reply answers
//! (clicking it jumps there), the reactions with their counts (clicking one toggles ours,
//! hovering lists who), "seen by" under the newest message each member has read, and the
//! message's actions (Reply, React, Pin) in its right-click menu.

use crate::client::state::reacted;
use crate::protocol::{ChatMessage, Quote, Reaction};

use super::ListAction;
use super::rows::View;

/// "alice: the start of the text", or "alice: message deleted".
pub fn quote_line(quote: &Quote) -> String {
    if quote.deleted {
        format!("{}: message deleted", quote.from)
    } else if quote.text.is_empty() {
        // A message with only a file (an image) has no text to quote.
        format!("{}: a file", quote.from)
    } else {
        format!("{}: {}", quote.from, quote.text)
    }
}

/// The one-line quote above a reply; true if it was clicked (jump to the original).
pub(super) fn reply_quote(ui: &mut egui::Ui, quote: &Quote) -> bool {
    let text = egui::RichText::new(format!("↪ {}", quote_line(quote)))
        .small()
        .color(ui.visuals().weak_text_color());
    let text = if quote.deleted { text.italics() } else { text };
    ui.add(egui::Button::new(text).frame(false))
        .on_hover_text("Show the message this answers")
        .clicked()
}

/// The reactions under a message: each emoji with its count (ours highlighted); clicking one
/// toggles our reaction, hovering lists who reacted.
pub(super) fn reactions_row(
    ui: &mut egui::Ui,
    message: &ChatMessage,
    me: &str,
) -> Option<ListAction> {
    if message.reactions.is_empty() {
        return None;
    }
    let mut action = None;
    ui.horizontal_wrapped(|ui| {
        for reaction in &message.reactions {
            let ours = reacted(&message.reactions, &reaction.emoji, me);
            let chip = ui
                .selectable_label(ours, format!("{} {}", reaction.emoji, reaction.count))
                .on_hover_text(who_reacted(reaction));
            if chip.clicked() {
                action = Some(ListAction::React(message.seq, reaction.emoji.clone()));
            }
        }
    });
    action
}

/// "alice, bob and 3 others reacted with 👍".
fn who_reacted(reaction: &Reaction) -> String {
    let others = reaction.count.saturating_sub(reaction.names.len() as u64);
    let names = reaction.names.join(", ");
    let who = if others > 0 {
        format!("{names} and {others} others")
    } else {
        names
    };
    format!("{who} reacted with {}", reaction.emoji)
}

/// "seen by bob, carol" under a message, small and to the right.
pub(super) fn seen_line(ui: &mut egui::Ui, names: &[&str]) {
    ui.with_layout(egui::Layout::right_to_left(egui::Align::Min), |ui| {
        ui.label(
            egui::RichText::new(format!("seen by {}", names.join(", ")))
                .small()
                .weak(),
        );
    });
}

/// Reply, React and Pin (or Unpin, once the room's pins are known to hold it) for `message`, as
/// buttons in its right-click menu.
pub(super) fn message_actions(
    ui: &mut egui::Ui,
    message: &ChatMessage,
    view: &View<'_>,
) -> Option<ListAction> {
    let pinned = view
        .room
        .pins()
        .is_some_and(|pins| pins.iter().any(|pin| pin.quote.seq == message.seq));
    let mut action = None;
    if ui.small_button("Reply").clicked() {
        action = Some(ListAction::Reply(message.seq));
    }
    if ui.small_button("React").clicked() {
        action = Some(ListAction::PickReaction(message.seq));
    }
    let (label, pin) = if pinned {
        ("Unpin", false)
    } else {
        ("Pin", true)
    };
    if ui.small_button(label).clicked() {
        action = Some(ListAction::Pin(message.seq, pin));
    }
    action
}
