//! [`RowHeights`]: each row's height, measured once drawn and estimated from its text until then.

/// The heights of the current room's rows at the current width, with the gap below each row.
#[derive(Default)]
pub(super) struct RowHeights {
    heights: Vec<f32>,
    measured: Vec<bool>,
    width: f32,
}

impl RowHeights {
    /// Forgets every height (another room).
    pub(super) fn clear(&mut self) {
        self.heights.clear();
        self.measured.clear();
    }

    /// The width the heights were measured at.
    pub(super) fn width(&self) -> f32 {
        self.width
    }

    /// Makes room for `row_count` rows at `width`: a new width starts over (text wraps
    /// differently), rows beyond `row_count` go, and new rows get `estimate(index)`. True if
    /// rows were added.
    pub(super) fn fit(
        &mut self,
        width: f32,
        row_count: usize,
        estimate: impl Fn(usize) -> f32,
    ) -> bool {
        if (width - self.width).abs() > 0.5 {
            self.width = width;
            self.clear();
        }
        self.heights.truncate(row_count);
        self.measured.truncate(row_count);
        let added = self.heights.len() < row_count;
        while self.heights.len() < row_count {
            self.heights.push(estimate(self.heights.len()));
            self.measured.push(false);
        }
        added
    }

    /// The height of row `index` (0 for a row not fitted yet).
    pub(super) fn of(&self, index: usize) -> f32 {
        self.heights.get(index).copied().unwrap_or(0.0)
    }

    /// The height of every row together.
    pub(super) fn total(&self) -> f32 {
        self.heights.iter().sum()
    }

    /// The height of the rows before row `index`: where row `index` starts.
    pub(super) fn above(&self, index: usize) -> f32 {
        self.heights.iter().take(index).sum()
    }

    /// The first row that reaches below `y`, and where it starts.
    pub(super) fn first_reaching(&self, y: f32) -> (usize, f32) {
        let mut top = 0.0;
        let mut index = 0;
        while index < self.heights.len() && top + self.heights[index] < y {
            top += self.heights[index];
            index += 1;
        }
        (index, top)
    }

    /// Whether row `index` was drawn and measured.
    pub(super) fn is_measured(&self, index: usize) -> bool {
        self.measured.get(index).copied().unwrap_or(false)
    }

    /// Takes `drawn` as the height of row `index`; true if it differs from what the layout used
    /// (so the layout must be done again).
    pub(super) fn measure(&mut self, index: usize, drawn: f32) -> bool {
        let changed = (drawn - self.heights[index]).abs() > 0.5;
        if !self.measured[index] || changed {
            self.heights[index] = drawn;
            self.measured[index] = true;
        }
        changed
    }

    /// Puts rows with the `estimates` heights in before row `at` (or at the end, if fewer).
    pub(super) fn insert(&mut self, at: usize, estimates: &[f32]) {
        let at = at.min(self.heights.len());
        self.heights.splice(at..at, estimates.iter().copied());
        self.measured
            .splice(at..at, estimates.iter().map(|_| false));
    }
}
