//! A sheet as an SVG wireframe: the sheet's title bar with its link to the site, then every
//! cell drawn where the grid puts it, as a card with the object's title, visualization
//! type, dimensions and measures and a faint sketch of the chart kind. Text that does not
//! fit is cut with `…`; each card's `<title>` (the tooltip) holds it all.
//!
//! Geometry is public so tests can check it independently: the sheet is [`WIDTH`] wide,
//! starts [`HEADER`] below the top and is [`sheet_height`] tall; a cell with rectangle
//! `r` is the `<rect class="cell">` at `(r.x·WIDTH, HEADER + r.y·height)`.

use std::fmt::Write;

use super::escape::{fit, markup};
use super::model::{CellView, Grid, Item, ObjectView, SheetView};

/// The sheet's width in SVG user units (pixels).
pub const WIDTH: f64 = 1280.0;
/// The title bar above the sheet.
pub const HEADER: f64 = 56.0;
/// One screen of sheet: 16:9 below the title bar, as Qlik fits a sheet to the window.
pub const SCREEN_HEIGHT: f64 = 720.0;
/// The gap between a cell's box and its card, as Qlik leaves between objects.
const INSET: f64 = 4.0;
const NOTE_LINE: f64 = 18.0;

/// The sheet's height in pixels (without title bar and notes).
pub fn sheet_height(grid: &Grid) -> f64 {
    SCREEN_HEIGHT * grid.screens()
}

/// The whole SVG document.
pub fn render(sheet: &SheetView) -> String {
    let height = sheet_height(&sheet.grid);
    let notes_height = if sheet.notes.is_empty() {
        0.0
    } else {
        16.0 + NOTE_LINE * (sheet.notes.len() as f64 + 1.0)
    };
    let total = HEADER + height + notes_height;
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="{w}" height="{t}" viewBox="0 0 {w} {t}" font-family="'Source Sans Pro','Segoe UI',Helvetica,Arial,sans-serif" data-app="{app}" data-sheet="{id}">"#,
        w = num(WIDTH),
        t = num(total),
        app = markup(&sheet.app_id),
        id = markup(&sheet.id),
    );
    let _ = writeln!(
        out,
        "<title>{}</title>",
        markup(&format!("{} — {}", sheet.app_name, sheet.title))
    );
    header(&mut out, sheet);
    let _ = writeln!(
        out,
        r##"<rect class="sheet" x="0" y="{y}" width="{w}" height="{h}" fill="#f2f3f5"/>"##,
        y = num(HEADER),
        w = num(WIDTH),
        h = num(height)
    );
    grid_lines(&mut out, &sheet.grid, height);
    for (index, cell) in sheet.cells.iter().enumerate() {
        draw_cell(&mut out, index, cell, height);
    }
    if !sheet.notes.is_empty() {
        let mut y = HEADER + height + 16.0 + NOTE_LINE;
        let _ = writeln!(
            out,
            r##"<text class="notes" x="12" y="{}" font-size="13" font-weight="600" fill="#8a5300">Preview notes</text>"##,
            num(y)
        );
        for note in &sheet.notes {
            y += NOTE_LINE;
            let _ = writeln!(
                out,
                r##"<text class="note" x="12" y="{}" font-size="12" fill="#595959">{}</text>"##,
                num(y),
                markup(&fit(note, 190))
            );
        }
    }
    out.push_str("</svg>\n");
    out
}

fn header(out: &mut String, sheet: &SheetView) {
    let _ = writeln!(
        out,
        r##"<rect x="0" y="0" width="{w}" height="{h}" fill="#ffffff"/><line x1="0" y1="{h}" x2="{w}" y2="{h}" stroke="#d9d9d9"/>"##,
        w = num(WIDTH),
        h = num(HEADER)
    );
    let title = format!(
        r##"<text x="16" y="35" font-size="20" font-weight="600" fill="#404040">{}</text>"##,
        markup(&fit(&sheet.title, 60))
    );
    let app = format!(
        r##"<text x="{x}" y="35" font-size="13" fill="#8c8c8c" text-anchor="end">{}</text>"##,
        markup(&fit(&sheet.app_name, 40)),
        x = num(WIDTH - 16.0 - if sheet.link.is_some() { 170.0 } else { 0.0 }),
    );
    out.push_str(&title);
    out.push_str(&app);
    out.push('\n');
    if let Some(link) = &sheet.link {
        let href = markup(link);
        let _ = writeln!(
            out,
            r##"<a class="open" href="{href}" xlink:href="{href}" target="_blank"><rect x="{x}" y="14" width="150" height="28" rx="3" fill="#009845"/><text x="{tx}" y="33" font-size="13" fill="#ffffff" text-anchor="middle">Open in Qlik Sense ↗</text></a>"##,
            x = num(WIDTH - 166.0),
            tx = num(WIDTH - 91.0),
        );
    }
}

/// Faint lines at every grid column and row, as the sheet editor shows them.
fn grid_lines(out: &mut String, grid: &Grid, height: f64) {
    out.push_str(r##"<g class="grid" stroke="#e3e5e8" stroke-width="1">"##);
    for c in 1..grid.columns {
        let x = WIDTH * f64::from(c) / f64::from(grid.columns);
        let _ = write!(
            out,
            r#"<line x1="{x}" y1="{y1}" x2="{x}" y2="{y2}"/>"#,
            x = num(x),
            y1 = num(HEADER),
            y2 = num(HEADER + height)
        );
    }
    for r in 1..grid.rows {
        let y = HEADER + height * f64::from(r) / f64::from(grid.rows);
        let _ = write!(
            out,
            r#"<line x1="0" y1="{y}" x2="{w}" y2="{y}"/>"#,
            y = num(y),
            w = num(WIDTH)
        );
    }
    out.push_str("</g>\n");
}

fn draw_cell(out: &mut String, index: usize, cell: &CellView, height: f64) {
    let x = cell.rect.x() * WIDTH;
    let y = HEADER + cell.rect.y() * height;
    let w = cell.rect.width() * WIDTH;
    let h = cell.rect.height() * height;
    let name = markup(&cell.name);
    let _ = writeln!(out, r#"<g class="object" data-cell="{name}">"#);
    let _ = writeln!(out, "<title>{}</title>", markup(&tooltip(cell)));
    let _ = writeln!(
        out,
        r#"<rect class="cell" data-cell="{name}" x="{}" y="{}" width="{}" height="{}" fill="none"/>"#,
        num(x),
        num(y),
        num(w),
        num(h)
    );
    let (cx, cy) = (x + INSET, y + INSET);
    let (cw, ch) = ((w - 2.0 * INSET).max(1.0), (h - 2.0 * INSET).max(1.0));
    let Some(object) = &cell.object else {
        let _ = writeln!(
            out,
            r##"<rect x="{}" y="{}" width="{}" height="{}" rx="3" fill="#fafafa" stroke="#c0392b" stroke-dasharray="6 4"/><text x="{}" y="{}" font-size="13" fill="#c0392b">{}</text></g>"##,
            num(cx),
            num(cy),
            num(cw),
            num(ch),
            num(cx + 10.0),
            num(cy + 22.0),
            markup(&fit(
                &format!("missing object {}", cell.name),
                chars(cw - 20.0, 13.0)
            ))
        );
        return;
    };
    let _ = writeln!(
        out,
        r#"<clipPath id="clip{index}"><rect x="{}" y="{}" width="{}" height="{}" rx="3"/></clipPath>"#,
        num(cx),
        num(cy),
        num(cw),
        num(ch)
    );
    let _ = writeln!(
        out,
        r##"<rect class="card" x="{}" y="{}" width="{}" height="{}" rx="3" fill="#ffffff" stroke="#d5d8dc"/>"##,
        num(cx),
        num(cy),
        num(cw),
        num(ch)
    );
    let _ = writeln!(out, r#"<g clip-path="url(#clip{index})">"#);
    sketch(
        out,
        &object.visualization,
        cx,
        cy + ch * 0.45,
        cw,
        ch * 0.55,
    );
    let text_width = cw - 20.0;
    let mut line_y = cy + 22.0;
    let title = if object.title.is_empty() {
        format!("({})", object.visualization)
    } else {
        object.title.clone()
    };
    let _ = writeln!(
        out,
        r##"<text class="title" x="{}" y="{}" font-size="14" font-weight="600" fill="#404040">{}</text>"##,
        num(cx + 10.0),
        num(line_y),
        markup(&fit(&title, chars(text_width, 14.0)))
    );
    line_y += 18.0;
    let mut kind = object.visualization.clone();
    if let Some(master) = &object.master {
        kind.push_str(&format!(" · master: {master}"));
    }
    let _ = writeln!(
        out,
        r##"<text class="type" x="{}" y="{}" font-size="11" fill="{}">{}</text>"##,
        num(cx + 10.0),
        num(line_y),
        colour(&object.visualization),
        markup(&fit(&kind, chars(text_width, 11.0)))
    );
    let lines = item_lines(object);
    let room = ((cy + ch - 6.0 - line_y) / 16.0).floor().max(0.0) as usize;
    let shown = if lines.len() > room {
        room.saturating_sub(1)
    } else {
        lines.len()
    };
    for (glyph, text) in lines.iter().take(shown) {
        line_y += 16.0;
        let _ = writeln!(
            out,
            r##"<text class="item" x="{}" y="{}" font-size="12" fill="#595959"><tspan fill="{}">{glyph}</tspan> {}</text>"##,
            num(cx + 10.0),
            num(line_y),
            if *glyph == "Σ" { "#0f8a4a" } else { "#1f6fa8" },
            markup(&fit(text, chars(text_width - 14.0, 12.0)))
        );
    }
    if shown < lines.len() {
        line_y += 16.0;
        let _ = writeln!(
            out,
            r##"<text class="more" x="{}" y="{}" font-size="11" fill="#8c8c8c">+{} more</text>"##,
            num(cx + 10.0),
            num(line_y),
            lines.len() - shown
        );
    }
    out.push_str("</g>\n</g>\n");
}

/// The lines under a card's title: dimensions (`▸`), then measures (`Σ`), then embedded
/// objects.
fn item_lines(object: &ObjectView) -> Vec<(&'static str, String)> {
    let mut lines = Vec::new();
    for d in &object.dimensions {
        lines.push(("▸", item_text(d)));
    }
    for m in &object.measures {
        lines.push(("Σ", item_text(m)));
    }
    for child in &object.children {
        lines.push(("▢", format!("{} ({})", child.title, child.visualization)));
    }
    lines
}

/// `label = definition`, the definition left out when it says the same.
pub(crate) fn item_text(item: &Item) -> String {
    let mut text = item.label.clone();
    if !item.definition.is_empty() && item.definition != item.label {
        text.push_str(" = ");
        text.push_str(&item.definition);
    }
    if item.master.is_some() {
        text.push_str(" (master)");
    }
    text
}

/// Everything the card shows, uncut, for the tooltip.
fn tooltip(cell: &CellView) -> String {
    let Some(object) = &cell.object else {
        return format!(
            "{}: the sheet names this object but does not hold it",
            cell.name
        );
    };
    let mut text = format!("{} [{}] {}", object.title, object.visualization, object.id);
    if let Some(master) = &object.master {
        text.push_str(&format!("\nmaster visualization: {master}"));
    }
    for (glyph, line) in item_lines(object) {
        text.push_str(&format!("\n{glyph} {line}"));
    }
    text
}

/// A faint drawing of the chart kind, so the wireframe reads like the sheet at a glance.
fn sketch(out: &mut String, kind: &str, x: f64, y: f64, w: f64, h: f64) {
    let c = colour(kind);
    let (x0, y0, w0, h0) = (x + 12.0, y + 4.0, (w - 24.0).max(0.0), (h - 16.0).max(0.0));
    if w0 < 20.0 || h0 < 16.0 {
        return;
    }
    let _ = write!(
        out,
        r#"<g class="sketch" opacity="0.18" fill="{c}" stroke="{c}">"#
    );
    match kind {
        "barchart" | "combochart" | "waterfallchart" | "histogram" | "boxplot" => {
            let heights = [0.55, 0.85, 0.4, 0.7, 0.95, 0.5];
            let slot = w0 / heights.len() as f64;
            for (i, f) in heights.iter().enumerate() {
                let bh = h0 * f;
                let _ = write!(
                    out,
                    r#"<rect x="{}" y="{}" width="{}" height="{}" stroke="none"/>"#,
                    num(x0 + slot * i as f64 + slot * 0.15),
                    num(y0 + h0 - bh),
                    num(slot * 0.7),
                    num(bh)
                );
            }
        }
        "linechart" | "scatterplot" | "distributionplot" => {
            let ys = [0.7, 0.45, 0.6, 0.25, 0.4, 0.1];
            let points: Vec<String> = ys
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    format!(
                        "{},{}",
                        num(x0 + w0 * i as f64 / (ys.len() - 1) as f64),
                        num(y0 + h0 * f)
                    )
                })
                .collect();
            let _ = write!(
                out,
                r#"<polyline points="{}" fill="none" stroke-width="3"/>"#,
                points.join(" ")
            );
        }
        "piechart" | "donutchart" => {
            let r = (w0.min(h0) / 2.0).max(1.0);
            let _ = write!(
                out,
                r#"<circle cx="{}" cy="{}" r="{}" stroke="none"/>"#,
                num(x0 + w0 / 2.0),
                num(y0 + h0 / 2.0),
                num(r)
            );
        }
        "kpi" | "gauge" => {
            let _ = write!(
                out,
                r#"<text x="{}" y="{}" font-size="{}" text-anchor="middle" stroke="none" font-weight="700">123</text>"#,
                num(x0 + w0 / 2.0),
                num(y0 + h0 * 0.75),
                num((h0 * 0.6).min(w0 / 3.0))
            );
        }
        "table" | "pivot-table" | "sn-table" | "sn-pivot-table" | "straighttable" => {
            let rows = ((h0 / 14.0).floor() as usize).min(12);
            for i in 0..rows {
                let _ = write!(
                    out,
                    r#"<rect x="{}" y="{}" width="{}" height="{}" stroke="none" opacity="{}"/>"#,
                    num(x0),
                    num(y0 + 14.0 * i as f64),
                    num(w0),
                    num(10.0),
                    if i == 0 { "1" } else { "0.5" }
                );
            }
        }
        "filterpane" | "listbox" => {
            let rows = ((h0 / 18.0).floor() as usize).min(10);
            for i in 0..rows {
                let _ = write!(
                    out,
                    r#"<rect x="{}" y="{}" width="{}" height="14" fill="none" stroke-width="1"/>"#,
                    num(x0),
                    num(y0 + 18.0 * i as f64),
                    num(w0)
                );
            }
        }
        _ => {
            let _ = write!(
                out,
                r#"<rect x="{}" y="{}" width="{}" height="{}" fill="none" stroke-dasharray="4 4"/>"#,
                num(x0),
                num(y0),
                num(w0),
                num(h0)
            );
        }
    }
    out.push_str("</g>\n");
}

/// A colour per family of visualizations (Qlik's palette blues and greens).
fn colour(kind: &str) -> &'static str {
    match kind {
        "kpi" | "gauge" => "#0f8a4a",
        "barchart" | "combochart" | "waterfallchart" | "histogram" | "boxplot" => "#1f6fa8",
        "linechart" | "scatterplot" | "distributionplot" => "#7b3fa0",
        "table" | "pivot-table" | "sn-table" | "sn-pivot-table" | "straighttable" => "#52606d",
        "filterpane" | "listbox" => "#b06000",
        "piechart" | "donutchart" => "#c0392b",
        _ => "#52606d",
    }
}

/// How many characters of `size`-pixel text fit in `width` (an average glyph is about
/// 0.55 em wide in the fonts Qlik uses).
fn chars(width: f64, size: f64) -> usize {
    (width / (size * 0.55)).floor().max(1.0) as usize
}

/// A coordinate with at most two decimals, trailing zeros dropped.
fn num(v: f64) -> String {
    let text = format!("{v:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".into()
    } else {
        text.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short_and_exact_enough() {
        assert_eq!(num(320.0), "320");
        assert_eq!(num(426.666_666), "426.67");
        assert_eq!(num(0.5), "0.5");
        assert_eq!(num(-0.001), "0");
    }
}
