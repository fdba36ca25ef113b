//! Sheets as one self-contained HTML page: inline CSS, no script, nothing fetched. Each
//! sheet is a box with the sheet's aspect ratio and every cell absolutely positioned in
//! percent of it, so the page scales with the window as a Qlik sheet does.

use std::fmt::Write;

use super::escape::markup;
use super::model::{CellView, SheetView};
use super::svg::{item_text, SCREEN_HEIGHT, WIDTH};

const STYLE: &str = r#"
body{margin:0;background:#e9ebee;font-family:'Source Sans Pro','Segoe UI',Helvetica,Arial,sans-serif;color:#404040}
header.page{padding:16px 24px;background:#fff;border-bottom:1px solid #d9d9d9}
header.page h1{margin:0;font-size:22px;font-weight:600}
header.page p{margin:4px 0 0;color:#8c8c8c;font-size:13px}
section.sheet{margin:24px;background:#fff;border:1px solid #d9d9d9}
section.sheet>header{display:flex;align-items:center;gap:16px;padding:10px 16px;border-bottom:1px solid #d9d9d9}
section.sheet>header h2{margin:0;font-size:19px;font-weight:600;flex:1}
section.sheet>header .desc{color:#8c8c8c;font-size:13px}
a.open{background:#009845;color:#fff;text-decoration:none;padding:6px 12px;border-radius:3px;font-size:13px;white-space:nowrap}
.grid{position:relative;width:100%;background:#f2f3f5}
.cell{position:absolute;box-sizing:border-box;padding:4px}
.card{box-sizing:border-box;height:100%;background:#fff;border:1px solid #d5d8dc;border-radius:3px;padding:8px 10px;overflow:hidden}
.card.missing{border:1px dashed #c0392b;color:#c0392b}
.card h3{margin:0;font-size:14px;font-weight:600;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.card .type{font-size:11px;color:#52606d;margin:2px 0 4px}
.card ul{margin:0;padding:0;list-style:none;font-size:12px;color:#595959}
.card li{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.card li.dim::before{content:"▸ ";color:#1f6fa8}
.card li.msr::before{content:"Σ ";color:#0f8a4a}
.card li.obj::before{content:"▢ ";color:#52606d}
.notes{margin:0;padding:8px 16px 12px 32px;color:#8a5300;font-size:13px}
"#;

/// A page with every sheet of `sheets` (usually one app's), titled `title`.
pub fn render(title: &str, sheets: &[SheetView]) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<header class=\"page\"><h1>{}</h1><p>Report preview by qlineage: a wireframe of each sheet as laid out in Qlik Sense, without data.</p></header>\n",
        markup(title),
        markup(title)
    );
    for sheet in sheets {
        section(&mut out, sheet);
    }
    out.push_str("</body>\n</html>\n");
    out
}

fn section(out: &mut String, sheet: &SheetView) {
    let _ = write!(
        out,
        "<section class=\"sheet\" id=\"sheet-{id}\" data-sheet=\"{id}\">\n<header><h2>{}</h2><span class=\"desc\">{}</span>",
        markup(&sheet.title),
        markup(&sheet.description),
        id = markup(&sheet.id)
    );
    if let Some(link) = &sheet.link {
        let _ = write!(
            out,
            "<a class=\"open\" href=\"{}\" target=\"_blank\" rel=\"noopener\">Open in Qlik Sense ↗</a>",
            markup(link)
        );
    }
    out.push_str("</header>\n");
    // The sheet's aspect ratio as padding, so the grid keeps it at any width.
    let ratio = 100.0 * SCREEN_HEIGHT * sheet.grid.screens() / WIDTH;
    let _ = writeln!(
        out,
        "<div class=\"grid\" style=\"padding-top:{ratio:.4}%\">"
    );
    for cell in &sheet.cells {
        cell_div(out, cell);
    }
    out.push_str("</div>\n");
    if !sheet.notes.is_empty() {
        out.push_str("<ul class=\"notes\">");
        for note in &sheet.notes {
            let _ = write!(out, "<li>{}</li>", markup(note));
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</section>\n");
}

fn cell_div(out: &mut String, cell: &CellView) {
    let pct = |v: f64| format!("{:.4}%", v * 100.0);
    let _ = write!(
        out,
        "<div class=\"cell\" data-cell=\"{}\" style=\"left:{};top:{};width:{};height:{}\">",
        markup(&cell.name),
        pct(cell.rect.x()),
        pct(cell.rect.y()),
        pct(cell.rect.width()),
        pct(cell.rect.height())
    );
    match &cell.object {
        None => {
            let _ = write!(
                out,
                "<div class=\"card missing\">missing object {}</div>",
                markup(&cell.name)
            );
        }
        Some(object) => {
            let mut kind = object.visualization.clone();
            if let Some(master) = &object.master {
                kind.push_str(&format!(" · master: {master}"));
            }
            let _ = write!(
                out,
                "<div class=\"card\" title=\"{}\"><h3>{}</h3><div class=\"type\">{}</div><ul>",
                markup(&object.id),
                markup(&object.title),
                markup(&kind)
            );
            for d in &object.dimensions {
                let _ = write!(out, "<li class=\"dim\">{}</li>", markup(&item_text(d)));
            }
            for m in &object.measures {
                let _ = write!(out, "<li class=\"msr\">{}</li>", markup(&item_text(m)));
            }
            for c in &object.children {
                let _ = write!(
                    out,
                    "<li class=\"obj\">{} ({})</li>",
                    markup(&c.title),
                    markup(&c.visualization)
                );
            }
            out.push_str("</ul></div>");
        }
    }
    out.push_str("</div>\n");
}

/// One app of an index page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexApp {
    pub name: String,
    pub sheets: Vec<IndexSheet>,
}

/// One sheet of an index page: its SVG's path relative to the page, and its site link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexSheet {
    pub title: String,
    pub path: String,
    pub link: Option<String>,
}

/// An index page for a folder of sheet SVGs.
pub fn index(title: &str, apps: &[IndexApp]) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{t}</title>\n<style>{STYLE}\nfigure{{margin:24px;background:#fff;border:1px solid #d9d9d9;padding:0}}\nfigure img{{width:100%;display:block}}\nfigcaption{{padding:8px 16px;font-size:14px}}\nh2.app{{margin:24px 24px 0;font-size:20px}}</style>\n</head>\n<body>\n<header class=\"page\"><h1>{t}</h1><p>Report previews by qlineage: one wireframe per sheet, without data.</p></header>\n",
        t = markup(title)
    );
    for app in apps {
        let _ = writeln!(out, "<h2 class=\"app\">{}</h2>", markup(&app.name));
        for IndexSheet {
            title: sheet,
            path,
            link,
        } in &app.sheets
        {
            let _ = write!(
                out,
                "<figure><a href=\"{p}\"><img src=\"{p}\" alt=\"{s}\"></a><figcaption>{s}",
                p = markup(path),
                s = markup(sheet)
            );
            if let Some(link) = link {
                let _ = write!(
                    out,
                    " · <a href=\"{}\" target=\"_blank\" rel=\"noopener\">open in Qlik Sense</a>",
                    markup(link)
                );
            }
            out.push_str("</figcaption></figure>\n");
        }
    }
    out.push_str("</body>\n</html>\n");
    out
}
