//! [`Appearance`]: how the app looks (theme and text size), remembered between runs.
//!
//! Text size scales the context's text styles rather than calling
//! [`egui::Context::set_zoom_factor`]: zoom scales the whole UI (spacing, margins, panel widths)
//! and so shrinks a 390 pt phone screen to 195 pt of layout at 200 %, and it is also what
//! eframe's Ctrl +/- shortcuts and the browser's zoom drive, so the two would fight. Scaled text
//! styles grow only the text; rows grow with it and long text wraps.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The smallest text scale [`Appearance::apply`] uses.
pub const MIN_TEXT_SCALE: f32 = 0.75;
/// The largest text scale [`Appearance::apply`] uses.
pub const MAX_TEXT_SCALE: f32 = 2.0;

/// Which colour scheme the app uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ThemeChoice {
    /// Follow the operating system's (or browser's) dark or light mode.
    #[default]
    System,
    /// Always dark.
    Dark,
    /// Always light.
    Light,
}

impl From<ThemeChoice> for egui::ThemePreference {
    fn from(choice: ThemeChoice) -> Self {
        match choice {
            ThemeChoice::System => Self::System,
            ThemeChoice::Dark => Self::Dark,
            ThemeChoice::Light => Self::Light,
        }
    }
}

/// How the app looks; persisted under [`Appearance::STORAGE_KEY`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Appearance {
    /// Dark, light or follow the system.
    pub theme: ThemeChoice,
    /// Text size relative to egui's; clamped to [`MIN_TEXT_SCALE`]..=[`MAX_TEXT_SCALE`] when
    /// applied.
    pub text_scale: f32,
}

impl Default for Appearance {
    fn default() -> Self {
        Self {
            theme: ThemeChoice::System,
            text_scale: 1.0,
        }
    }
}

/// The text styles of both themes before any scaling, captured on the first apply.
#[derive(Clone)]
struct BaseTextStyles {
    dark: BTreeMap<egui::TextStyle, egui::FontId>,
    light: BTreeMap<egui::TextStyle, egui::FontId>,
}

impl Appearance {
    /// The eframe storage key the appearance is saved under (apart from the join details). It
    /// keeps the type's former name, so what earlier runs saved still loads.
    pub const STORAGE_KEY: &'static str = "chinwag_preferences";

    /// The appearance saved by an earlier run, or the defaults.
    pub fn load(storage: Option<&dyn eframe::Storage>) -> Self {
        storage
            .and_then(|storage| eframe::get_value(storage, Self::STORAGE_KEY))
            .unwrap_or_default()
    }

    /// Saves the appearance for the next run.
    pub fn save(&self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, Self::STORAGE_KEY, self);
    }

    /// The text scale [`Self::apply`] uses: clamped, and 1.0 for a non-finite value.
    pub fn effective_text_scale(&self) -> f32 {
        if self.text_scale.is_finite() {
            self.text_scale.clamp(MIN_TEXT_SCALE, MAX_TEXT_SCALE)
        } else {
            1.0
        }
    }

    /// Sets the theme and the text size of `ctx`. Cheap enough for every frame: the last applied
    /// value is kept in the context's memory, and nothing is done while it is unchanged.
    ///
    /// The text styles set before the first call are the 100 % sizes, so custom fonts or sizes
    /// must be set up before it; replacing the styles later (`set_style_of`, `all_styles_mut` on
    /// the text styles) is not tracked.
    pub fn apply(&self, ctx: &egui::Context) {
        let wanted = Self {
            theme: self.theme,
            text_scale: self.effective_text_scale(),
        };
        let last_id = egui::Id::unique("chinwag_preferences_applied");
        if ctx.data(|data| data.get_temp::<Self>(last_id)).as_ref() == Some(&wanted) {
            return;
        }
        ctx.set_theme(wanted.theme);
        let base = base_text_styles(ctx);
        let scale = wanted.text_scale;
        ctx.options_mut(|options| {
            std::sync::Arc::make_mut(&mut options.dark_style).text_styles =
                scaled(&base.dark, scale);
            std::sync::Arc::make_mut(&mut options.light_style).text_styles =
                scaled(&base.light, scale);
        });
        ctx.data_mut(|data| data.insert_temp(last_id, wanted));
        ctx.request_repaint();
    }
}

/// The unscaled text styles, captured from `ctx` the first time they are asked for.
fn base_text_styles(ctx: &egui::Context) -> BaseTextStyles {
    let id = egui::Id::unique("chinwag_base_text_styles");
    if let Some(base) = ctx.data(|data| data.get_temp::<BaseTextStyles>(id)) {
        return base;
    }
    let base = BaseTextStyles {
        dark: ctx.style_of(egui::Theme::Dark).text_styles.clone(),
        light: ctx.style_of(egui::Theme::Light).text_styles.clone(),
    };
    ctx.data_mut(|data| data.insert_temp(id, base.clone()));
    base
}

/// `base` with every size multiplied by `scale`.
fn scaled(
    base: &BTreeMap<egui::TextStyle, egui::FontId>,
    scale: f32,
) -> BTreeMap<egui::TextStyle, egui::FontId> {
    base.iter()
        .map(|(style, font)| {
            let font = egui::FontId::new(font.size * scale, font.family.clone());
            (style.clone(), font)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{Appearance, ThemeChoice};

    fn body_size(ctx: &egui::Context) -> f32 {
        egui::TextStyle::Body.resolve(&ctx.global_style()).size
    }

    #[test]
    fn scaling_starts_from_the_original_sizes_every_time() {
        let ctx = egui::Context::default();
        let original = body_size(&ctx);
        let mut prefs = Appearance {
            text_scale: 2.0,
            ..Appearance::default()
        };
        prefs.apply(&ctx);
        prefs.apply(&ctx);
        assert_eq!(body_size(&ctx), original * 2.0);
        prefs.text_scale = 1.0;
        prefs.apply(&ctx);
        assert_eq!(body_size(&ctx), original);
    }

    #[test]
    fn the_scale_is_clamped() {
        let ctx = egui::Context::default();
        let original = body_size(&ctx);
        Appearance {
            text_scale: 9.0,
            ..Appearance::default()
        }
        .apply(&ctx);
        assert_eq!(body_size(&ctx), original * 2.0);
        Appearance {
            text_scale: f32::NAN,
            ..Appearance::default()
        }
        .apply(&ctx);
        assert_eq!(body_size(&ctx), original);
    }

    #[test]
    fn an_unchanged_value_is_not_applied_again() {
        let ctx = egui::Context::default();
        let prefs = Appearance {
            theme: ThemeChoice::Light,
            text_scale: 1.0,
        };
        prefs.apply(&ctx);
        assert_eq!(ctx.theme(), egui::Theme::Light);
        // Someone else switches the theme; the same appearance leaves it alone.
        ctx.set_theme(egui::Theme::Dark);
        prefs.apply(&ctx);
        assert_eq!(ctx.theme(), egui::Theme::Dark);
    }
}
