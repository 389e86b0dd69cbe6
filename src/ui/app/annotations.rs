//! Replies, reactions and pins on the chat screen: the quote of the message being answered
//! above the composer, the reaction picker, and what the message list and the pinned list ask
//! for.

use super::ChatApp;
use crate::ui::composer;
use crate::ui::messages::{ListAction, quote_line};
use crate::ui::pins::PinsAction;

impl ChatApp {
    /// Acts on a reply, reaction or pin asked for in the message list; returns any other action.
    pub(super) fn on_annotation(
        &mut self,
        ctx: &egui::Context,
        action: Option<ListAction>,
    ) -> Option<ListAction> {
        match action? {
            ListAction::Reply(seq) => {
                let room = self.client.state().current().map(|room| room.room.clone());
                self.replying_to = room.map(|room| (room, seq));
                composer::focus(ctx);
            }
            ListAction::PickReaction(seq) => self.picker.open(seq),
            ListAction::React(seq, emoji) => self.client.state_mut().toggle_reaction(seq, &emoji),
            ListAction::Pin(seq, pin) => self.client.state_mut().set_pinned(seq, pin),
            other => return Some(other),
        }
        None
    }

    /// Acts on the pinned messages' list.
    pub(super) fn on_pins(&mut self, action: PinsAction) {
        match action {
            PinsAction::Jump(seq) => self.messages.jump_to(seq),
            PinsAction::Unpin(seq) => self.client.state_mut().set_pinned(seq, false),
            PinsAction::Load => self.client.state_mut().request_pins(),
        }
    }

    /// The message the composer answers in the room on screen, if the user is replying there.
    pub(super) fn reply_here(&self) -> Option<u64> {
        let (room, seq) = self.replying_to.as_ref()?;
        let current = self.client.state().current()?;
        (current.room == *room).then_some(*seq)
    }

    /// Above the composer while replying in the room on screen: "Replying to alice: …" with a
    /// button to stop. (A reply begun in another room waits there.)
    pub(super) fn reply_bar(&mut self, ui: &mut egui::Ui) {
        let Some(seq) = self.reply_here() else {
            return;
        };
        let quote = self
            .client
            .state()
            .current()
            .and_then(|room| room.quote_of(seq));
        let Some(quote) = quote else {
            // The message is no longer loaded (the history was replaced): nothing to answer.
            self.replying_to = None;
            return;
        };
        ui.horizontal(|ui| {
            if ui
                .small_button("✖")
                .on_hover_text("Stop replying (Escape)")
                .clicked()
            {
                self.replying_to = None;
            }
            ui.add(
                egui::Label::new(
                    egui::RichText::new(format!("Replying to {}", quote_line(&quote))).small(),
                )
                .truncate(),
            );
        });
    }

    /// Draws the reaction picker if it is open, and reacts with what was picked.
    pub(super) fn reaction_picker(&mut self, ctx: &egui::Context) {
        if let Some((seq, emoji)) = self.picker.show(ctx) {
            self.client.state_mut().toggle_reaction(seq, &emoji);
        }
    }

    /// Closes the reaction picker or stops replying (Escape); false if neither was open.
    pub(super) fn close_annotation(&mut self) -> bool {
        if self.picker.is_open() {
            self.picker.close();
            return true;
        }
        self.replying_to.take().is_some()
    }
}
