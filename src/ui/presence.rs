//! Join and leave notices, collapsed when many come in a row ("alice, bob and 4 others joined").

use crate::client::state::Entry;

/// Runs longer than this collapse into one line.
const MAX_SINGLE_NOTICES: usize = 3;

/// Draws the presence notice at `index` of `timeline`: itself in a short run, the summary of
/// the whole run for the first of a long run, nothing for the rest of a long run.
pub fn show(ui: &mut egui::Ui, timeline: &[Entry], index: usize) {
    let start = timeline[..index]
        .iter()
        .rposition(|entry| !matches!(entry, Entry::Presence { .. }))
        .map_or(0, |before| before + 1);
    let run: Vec<(&str, bool)> = timeline[start..]
        .iter()
        .map_while(|entry| match entry {
            Entry::Presence { name, joined } => Some((name.as_str(), *joined)),
            _ => None,
        })
        .collect();
    if run.len() <= MAX_SINGLE_NOTICES {
        if let Some((name, joined)) = run.get(index - start) {
            notice(ui, format!("{name} {}", verb(*joined)));
        }
    } else if index == start {
        notice(ui, summary(&run)).on_hover_text(
            run.iter()
                .map(|(name, joined)| format!("{name} {}", verb(*joined)))
                .collect::<Vec<_>>()
                .join("\n"),
        );
    }
}

fn verb(joined: bool) -> &'static str {
    if joined { "joined" } else { "left" }
}

fn notice(ui: &mut egui::Ui, text: String) -> egui::Response {
    ui.label(egui::RichText::new(text).italics().weak())
}

/// "alice, bob and 3 others joined; carol left".
pub fn summary(run: &[(&str, bool)]) -> String {
    let part = |joined: bool| {
        let mut names: Vec<&str> = run
            .iter()
            .filter(|(_, j)| *j == joined)
            .map(|(name, _)| *name)
            .collect();
        names.dedup();
        let text = match names.len() {
            0 => return None,
            1 => names[0].to_owned(),
            2 => format!("{} and {}", names[0], names[1]),
            n => format!("{}, {} and {} others", names[0], names[1], n - 2),
        };
        Some(format!("{text} {}", verb(joined)))
    };
    [part(true), part(false)]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::summary;

    #[test]
    fn a_long_run_reads_as_one_sentence() {
        let run = [
            ("alice", true),
            ("bob", true),
            ("carol", true),
            ("dan", true),
            ("erin", false),
        ];
        assert_eq!(summary(&run), "alice, bob and 2 others joined; erin left");
        assert_eq!(summary(&[("a", false), ("b", false)]), "a and b left");
    }
}
