//! The view model of a report preview: what a sheet shows and where, independent of where it
//! was read from (a site directory today, the catalog later) and of how it is drawn (SVG,
//! HTML). Positions are fractions of the sheet, so renderers only scale them.

use serde::Serialize;

/// Qlik Sense's default sheet grid: 24 columns by 12 rows.
pub const DEFAULT_COLUMNS: u32 = 24;
pub const DEFAULT_ROWS: u32 = 12;

/// An app and the sheets to draw, in the order the app lists them (rank, then title).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AppView {
    pub id: String,
    pub name: String,
    pub sheets: Vec<SheetView>,
}

/// One sheet as Qlik Sense lays it out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SheetView {
    pub app_id: String,
    pub app_name: String,
    pub id: String,
    pub title: String,
    pub description: String,
    pub grid: Grid,
    pub cells: Vec<CellView>,
    /// Where the sheet opens on the site, when the site's address is known.
    pub link: Option<String>,
    /// What could not be drawn faithfully (a cell without its object, a position outside
    /// the grid, grid and bounds that disagree), worded for the user.
    pub notes: Vec<String>,
}

/// The sheet's grid. `extendable` sheets grow downwards past one screen: their height is
/// proportional to `rows` instead of fitted to the screen.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Grid {
    pub columns: u32,
    pub rows: u32,
    pub extendable: bool,
}

impl Default for Grid {
    fn default() -> Grid {
        Grid {
            columns: DEFAULT_COLUMNS,
            rows: DEFAULT_ROWS,
            extendable: false,
        }
    }
}

impl Grid {
    /// The sheet's height in screens: 1 unless an extendable sheet has more rows than the
    /// default screen holds.
    pub fn screens(&self) -> f64 {
        if self.extendable && self.rows > DEFAULT_ROWS {
            f64::from(self.rows) / f64::from(DEFAULT_ROWS)
        } else {
            1.0
        }
    }
}

/// A rectangle in fractions of the sheet (0..=1 on both axes), clipped to the sheet.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Rect {
    x: f64,
    y: f64,
    width: f64,
    height: f64,
}

impl Rect {
    /// A cell's rectangle from its grid position; `None` when the grid is empty or the cell
    /// has no extent.
    pub fn from_grid(grid: &Grid, position: &GridPosition) -> Option<Rect> {
        if grid.columns == 0 || grid.rows == 0 || position.colspan == 0 || position.rowspan == 0 {
            return None;
        }
        let columns = f64::from(grid.columns);
        let rows = f64::from(grid.rows);
        Rect::clipped(
            f64::from(position.col) / columns,
            f64::from(position.row) / rows,
            f64::from(position.colspan) / columns,
            f64::from(position.rowspan) / rows,
        )
    }

    /// A cell's rectangle from `bounds` (percentages of the sheet).
    pub fn from_bounds(bounds: &Bounds) -> Option<Rect> {
        Rect::clipped(
            bounds.x / 100.0,
            bounds.y / 100.0,
            bounds.width / 100.0,
            bounds.height / 100.0,
        )
    }

    fn clipped(x: f64, y: f64, width: f64, height: f64) -> Option<Rect> {
        if ![x, y, width, height].iter().all(|v| v.is_finite()) || width <= 0.0 || height <= 0.0 {
            return None;
        }
        let x0 = x.clamp(0.0, 1.0);
        let y0 = y.clamp(0.0, 1.0);
        let x1 = (x + width).clamp(0.0, 1.0);
        let y1 = (y + height).clamp(0.0, 1.0);
        (x1 > x0 && y1 > y0).then_some(Rect {
            x: x0,
            y: y0,
            width: x1 - x0,
            height: y1 - y0,
        })
    }

    pub fn x(&self) -> f64 {
        self.x
    }
    pub fn y(&self) -> f64 {
        self.y
    }
    pub fn width(&self) -> f64 {
        self.width
    }
    pub fn height(&self) -> f64 {
        self.height
    }

    /// Whether two rectangles are the same within `tolerance` (a fraction of the sheet).
    pub fn close_to(&self, other: &Rect, tolerance: f64) -> bool {
        (self.x - other.x).abs() <= tolerance
            && (self.y - other.y).abs() <= tolerance
            && (self.width - other.width).abs() <= tolerance
            && (self.height - other.height).abs() <= tolerance
    }
}

/// A cell's `col`, `row`, `colspan`, `rowspan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct GridPosition {
    pub col: u32,
    pub row: u32,
    pub colspan: u32,
    pub rowspan: u32,
}

/// A cell's `bounds`: x, y, width, height in percent of the sheet.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Bounds {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

/// Which of the cell's properties placed it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "from", rename_all = "snake_case")]
pub enum Placement {
    Grid(GridPosition),
    Bounds(Bounds),
}

/// One cell of the sheet and the object it holds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CellView {
    /// The cell's `name`: its object's `qId`.
    pub name: String,
    pub rect: Rect,
    pub placement: Placement,
    /// `None` when the sheet names an object it does not hold.
    pub object: Option<ObjectView>,
}

/// A visual object: what Qlik draws in the cell, without data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ObjectView {
    pub id: String,
    /// The title, or its expression (`='Sales ' & vYear`) when it is calculated.
    pub title: String,
    /// `barchart`, `kpi`, `table`, `filterpane`, …
    pub visualization: String,
    /// The master visualization it is linked to (`qExtendsId`), by title.
    pub master: Option<String>,
    pub dimensions: Vec<Item>,
    pub measures: Vec<Item>,
    /// Objects embedded in it that are not its own dimensions (a container's charts).
    pub children: Vec<ObjectView>,
}

/// A dimension or measure as the chart shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    pub label: String,
    /// The field(s) or expression; master items resolved to their definition.
    pub definition: String,
    /// The master item it comes from (its title), when it is one.
    pub master: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_positions_become_fractions_and_are_clipped() {
        let grid = Grid::default();
        let pos = |col, row, colspan, rowspan| GridPosition {
            col,
            row,
            colspan,
            rowspan,
        };
        let r = Rect::from_grid(&grid, &pos(6, 3, 12, 9)).unwrap();
        assert_eq!(
            (r.x(), r.y(), r.width(), r.height()),
            (0.25, 0.25, 0.5, 0.75)
        );
        let r = Rect::from_grid(&grid, &pos(18, 0, 12, 12)).unwrap();
        assert_eq!((r.x(), r.width()), (0.75, 0.25));
        assert!(Rect::from_grid(&grid, &pos(0, 0, 0, 3)).is_none());
        assert!(Rect::from_grid(&grid, &pos(30, 0, 2, 2)).is_none());
        let empty = Grid {
            columns: 0,
            ..Grid::default()
        };
        assert!(Rect::from_grid(&empty, &pos(0, 0, 1, 1)).is_none());
    }

    #[test]
    fn bounds_are_percentages_and_bad_numbers_are_refused() {
        let b = |x, y, width, height| Bounds {
            x,
            y,
            width,
            height,
        };
        let r = Rect::from_bounds(&b(25.0, 50.0, 50.0, 25.0)).unwrap();
        assert_eq!(
            (r.x(), r.y(), r.width(), r.height()),
            (0.25, 0.5, 0.5, 0.25)
        );
        assert!(Rect::from_bounds(&b(f64::NAN, 0.0, 10.0, 10.0)).is_none());
        assert!(Rect::from_bounds(&b(0.0, 0.0, -10.0, 10.0)).is_none());
        let r = Rect::from_bounds(&b(90.0, 0.0, 20.0, 10.0)).unwrap();
        assert!((r.width() - 0.1).abs() < 1e-9);
    }

    #[test]
    fn only_extendable_sheets_grow_past_one_screen() {
        let tall = Grid {
            columns: 24,
            rows: 36,
            extendable: true,
        };
        assert_eq!(tall.screens(), 3.0);
        let dense = Grid {
            extendable: false,
            ..tall
        };
        assert_eq!(dense.screens(), 1.0);
    }
}
