//! Report previews: the SVG is well-formed XML (read back with quick-xml), every cell's
//! rectangle is where the sheet's grid says (computed here, independently of the renderer,
//! for hand-written grids: the default 24×12, a custom one, bounds only, an extended
//! sheet), users' names come out as text, and the CLI writes what it is asked for.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "support/xml.rs"]
mod xml;
use xml::Element;

use serde_json::{json, Value};

use qlineage::preview::{self, SheetSource, SiteDirectory, SiteLink};

/// The layout the renderer documents: a 1280-wide sheet under a 56-high title bar, one
/// 720-high screen per 12 rows of an extended sheet.
const WIDTH: f64 = 1280.0;
const TOP: f64 = 56.0;
const SCREEN: f64 = 720.0;

/// The cell rectangles of an SVG: data-cell → (x, y, width, height).
fn cell_rects(elements: &[Element]) -> BTreeMap<String, [f64; 4]> {
    elements
        .iter()
        .filter(|e| e.name == "rect" && e.attrs.get("class").map(String::as_str) == Some("cell"))
        .map(|e| {
            let n = |k: &str| e.attrs[k].parse::<f64>().unwrap();
            (
                e.attrs["data-cell"].clone(),
                [n("x"), n("y"), n("width"), n("height")],
            )
        })
        .collect()
}

/// A site directory with one app holding `sheets` (each `(id, sheet properties, children)`)
/// and the given extra objects.
fn site(sheets: &[(&str, Value, Vec<Value>)], extra: &[Value]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("apps/app-1");
    std::fs::create_dir_all(app.join("objects")).unwrap();
    std::fs::write(
        app.join("app.json"),
        json!({"id": "a-1", "name": "Grid app", "owner": "DEMO\\ana",
               "createdDate": "2026-01-01T00:00:00.000Z", "modifiedDate": "2026-01-01T00:00:00.000Z"})
        .to_string(),
    )
    .unwrap();
    for (i, (id, props, children)) in sheets.iter().enumerate() {
        let mut property = props.clone();
        property["qInfo"] = json!({"qId": id, "qType": "sheet"});
        property["rank"] = json!(i);
        std::fs::write(
            app.join(format!("objects/sheet-{i}.json")),
            json!({"qProperty": property, "qChildren": children}).to_string(),
        )
        .unwrap();
    }
    for (i, object) in extra.iter().enumerate() {
        std::fs::write(
            app.join(format!("objects/extra-{i}.json")),
            object.to_string(),
        )
        .unwrap();
    }
    dir
}

fn chart(id: &str, title: &str) -> Value {
    json!({"qProperty": {"qInfo": {"qId": id, "qType": "barchart"}, "visualization": "barchart",
        "title": title, "qHyperCubeDef": {"qDimensions": [{"qDef": {"qFieldDefs": ["Region"]}}],
        "qMeasures": [{"qDef": {"qLabel": "Sales", "qDef": "Sum(Sales)"}}]}}, "qChildren": []})
}

fn render_all(dir: &Path) -> BTreeMap<String, String> {
    let source = SiteDirectory::open(dir).unwrap();
    let sheets = preview::select(source.app("a-1").unwrap(), None, None).unwrap();
    sheets
        .iter()
        .map(|s| (s.id.clone(), preview::svg::render(s)))
        .collect()
}

fn assert_close(got: [f64; 4], want: [f64; 4], what: &str) {
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() <= 0.01, "{what}: got {got:?}, want {want:?}");
    }
}

#[test]
fn cells_are_where_the_grid_says() {
    // (col, row, colspan, rowspan) per cell, for three grids.
    let default_cells = [("k", 0, 0, 6, 3), ("b", 6, 3, 9, 9), ("f", 18, 0, 6, 12)];
    let custom_cells = [("c1", 0, 0, 5, 2), ("c2", 5, 2, 7, 6)];
    let tall_cells = [
        ("t1", 0, 0, 24, 12),
        ("t2", 0, 12, 12, 12),
        ("t3", 12, 20, 12, 4),
    ];
    let cells = |list: &[(&str, u32, u32, u32, u32)]| -> Vec<Value> {
        list.iter()
            .map(|(n, c, r, cs, rs)| json!({"name": n, "type": "barchart", "col": c, "row": r, "colspan": cs, "rowspan": rs}))
            .collect()
    };
    let children = |list: &[(&str, u32, u32, u32, u32)]| -> Vec<Value> {
        list.iter()
            .map(|(n, ..)| chart(n, &format!("Chart {n}")))
            .collect()
    };
    let bounds_cells = [("p", 10.0, 20.0, 30.0, 40.0), ("q", 50.0, 0.0, 50.0, 100.0)];
    let dir = site(
        &[
            (
                "s-default",
                json!({"qMetaDef": {"title": "Default"}, "columns": 24, "rows": 12, "cells": cells(&default_cells)}),
                children(&default_cells),
            ),
            // Older apps write the size as text; a custom grid of 12 × 8.
            (
                "s-custom",
                json!({"qMetaDef": {"title": "Custom"}, "columns": "12", "rows": 8, "cells": cells(&custom_cells)}),
                children(&custom_cells),
            ),
            (
                "s-tall",
                json!({"qMetaDef": {"title": "Extended"}, "columns": 24, "rows": 24, "layoutOptions": {"extendable": true}, "cells": cells(&tall_cells)}),
                children(&tall_cells),
            ),
            (
                "s-bounds",
                json!({"qMetaDef": {"title": "Bounds"}, "cells": bounds_cells.iter().map(|(n, x, y, w, h)| json!({"name": n, "bounds": {"x": x, "y": y, "width": w, "height": h}})).collect::<Vec<_>>()}),
                bounds_cells.iter().map(|(n, ..)| chart(n, n)).collect(),
            ),
        ],
        &[],
    );
    let svgs = render_all(dir.path());
    assert_eq!(svgs.len(), 4);
    let grid_case =
        |sheet: &str, columns: f64, rows: f64, height: f64, list: &[(&str, u32, u32, u32, u32)]| {
            let rects = cell_rects(&xml::parse(&svgs[sheet]));
            assert_eq!(rects.len(), list.len(), "{sheet}");
            let (cw, rh) = (WIDTH / columns, height / rows);
            for (name, c, r, cs, rs) in list {
                let want = [
                    f64::from(*c) * cw,
                    TOP + f64::from(*r) * rh,
                    f64::from(*cs) * cw,
                    f64::from(*rs) * rh,
                ];
                assert_close(rects[*name], want, &format!("{sheet}/{name}"));
            }
        };
    grid_case("s-default", 24.0, 12.0, SCREEN, &default_cells);
    grid_case("s-custom", 12.0, 8.0, SCREEN, &custom_cells);
    // An extended sheet of 24 rows is two screens tall; its rows keep a screen row's height.
    grid_case("s-tall", 24.0, 24.0, 2.0 * SCREEN, &tall_cells);
    let rects = cell_rects(&xml::parse(&svgs["s-bounds"]));
    for (name, x, y, w, h) in bounds_cells {
        let want = [
            x / 100.0 * WIDTH,
            TOP + y / 100.0 * SCREEN,
            w / 100.0 * WIDTH,
            h / 100.0 * SCREEN,
        ];
        assert_close(rects[name], want, name);
    }
    // The default sheet's cells tile it: the filter pane reaches the right edge and the bar
    // chart the bottom.
    let rects = cell_rects(&xml::parse(&svgs["s-default"]));
    assert_close(
        [
            rects["f"][0] + rects["f"][2],
            rects["b"][1] + rects["b"][3],
            0.0,
            0.0,
        ],
        [WIDTH, TOP + SCREEN, 0.0, 0.0],
        "edges",
    );
}

#[test]
fn hostile_names_come_out_as_text() {
    let evil = "<script>alert('x')</script> & \"quoted\" ]]> \u{1}end";
    let shown = "<script>alert('x')</script> & \"quoted\" ]]> end";
    let measure = json!({"qProperty": {"qInfo": {"qId": "m&1", "qType": "measure"},
        "qMeasure": {"qLabel": evil, "qDef": "Sum({<Year={\"<2026\"}>} Sales)"}, "qMetaDef": {"title": evil}}});
    let object = json!({"qProperty": {"qInfo": {"qId": "o\"1", "qType": "table"}, "visualization": "table",
        "title": evil, "qHyperCubeDef": {"qDimensions": [{"qDef": {"qFieldDefs": ["=If(A<B, '&amp;', \"x\")"]}}],
        "qMeasures": [{"qLibraryId": "m&1"}]}}, "qChildren": []});
    let dir = site(
        &[(
            "s<1>",
            json!({"qMetaDef": {"title": evil}, "cells": [{"name": "o\"1", "col": 0, "row": 0, "colspan": 24, "rowspan": 12}]}),
            vec![object],
        )],
        &[measure],
    );
    let source = SiteDirectory::open(dir.path()).unwrap();
    let link = SiteLink::new("https://qlik.example.com", Some("sso"), None).unwrap();
    let sheets = preview::select(source.app("Grid app").unwrap(), None, Some(&link)).unwrap();
    let svg = preview::svg::render(&sheets[0]);
    let elements = xml::parse(&svg);
    assert!(!svg.contains("<script"), "{svg}");
    // The tooltip holds the whole text, exactly, once read back as XML.
    let tooltip = elements
        .iter()
        .find(|e| e.name == "title" && e.text.contains("[table]"))
        .expect("the object's tooltip");
    assert!(tooltip.text.starts_with(shown), "{:?}", tooltip.text);
    assert!(tooltip.text.contains("Sum({<Year={\"<2026\"}>} Sales)"));
    assert!(tooltip.text.contains("=If(A<B, '&amp;', \"x\")"));
    let rect = elements
        .iter()
        .find(|e| e.attrs.get("class").map(String::as_str) == Some("cell"))
        .unwrap();
    assert_eq!(rect.attrs["data-cell"], "o\"1");
    let anchor = elements
        .iter()
        .find(|e| e.name == "a")
        .expect("the site link");
    assert_eq!(
        anchor.attrs["href"],
        "https://qlik.example.com/sso/sense/app/a-1/sheet/s%3C1%3E/state/analysis"
    );

    let html = preview::html::render(evil, &sheets);
    assert!(!html.contains("<script"), "{html}");
    assert!(
        html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quoted&quot;")
    );
    assert!(!html.contains('\u{1}'));
    assert!(
        !html.contains("<link") && !html.contains("src=\"http"),
        "nothing fetched"
    );
}

#[test]
fn a_demo_sheet_as_svg() {
    let source = SiteDirectory::open(site_dir()).unwrap();
    let link = SiteLink::new("https://qlik.nordvik.example", None, None).unwrap();
    let app = source.app("815cee8e-72c1-5a0c-869a-75de4e928f04").unwrap();
    let sheets = preview::select(app, Some("Overview"), Some(&link)).unwrap();
    assert_eq!(sheets.len(), 1);
    assert!(sheets[0].notes.is_empty(), "{:?}", sheets[0].notes);
    let svg = preview::svg::render(&sheets[0]);
    xml::parse(&svg);
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots/preview"));
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_snapshot!("sales-dashboard-overview.svg", svg));
}

#[test]
fn every_demo_sheet_renders_without_notes() {
    let source = SiteDirectory::open(site_dir()).unwrap();
    let mut sheets = 0;
    for (_, app) in source.apps().unwrap() {
        let view = source.app(&app.id).unwrap();
        for sheet in &view.sheets {
            assert!(
                sheet.notes.is_empty(),
                "{} {}: {:?}",
                app.name,
                sheet.title,
                sheet.notes
            );
            assert!(!sheet.cells.is_empty());
            let rects = cell_rects(&xml::parse(&preview::svg::render(sheet)));
            assert_eq!(rects.len(), sheet.cells.len());
            sheets += 1;
        }
    }
    assert_eq!(sheets, 12);
}

fn site_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/site")
}

fn qlineage(args: &[&str]) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_qlineage"))
        .args(args)
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn the_cli_writes_svg_and_html_and_refuses_what_it_cannot_do() {
    let out = tempfile::tempdir().unwrap();
    let site = site_dir();
    let site = site.to_str().unwrap();
    let svg = out.path().join("overview.svg");
    let (code, err) = qlineage(&[
        "preview",
        "--snapshot",
        site,
        "--app",
        "sales-dashboard",
        "--sheet",
        "435a181a-9840-5d9c-8a8d-85eee4d95bd0",
        "-o",
        svg.to_str().unwrap(),
        "--site-url",
        "https://10.0.0.5:8443",
        "--alias-host",
        "qlik.nordvik.example",
        "--virtual-proxy",
        "sso",
    ]);
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(&svg).unwrap();
    xml::parse(&text);
    assert!(text.contains("https://qlik.nordvik.example:8443/sso/sense/app/815cee8e-72c1-5a0c-869a-75de4e928f04/sheet/435a181a-9840-5d9c-8a8d-85eee4d95bd0/state/analysis"));

    let html = out.path().join("dashboard.html");
    let (code, err) = qlineage(&[
        "preview",
        "--snapshot",
        site,
        "--app",
        "Sales Dashboard",
        "-o",
        html.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let page = std::fs::read_to_string(&html).unwrap();
    assert_eq!(
        page.matches("<section class=\"sheet\"").count(),
        3,
        "{page}"
    );

    // An SVG holds one sheet: the app has three, so the user is told which there are.
    let (code, err) = qlineage(&[
        "preview",
        "--snapshot",
        site,
        "--app",
        "sales-dashboard",
        "-o",
        svg.to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("--sheet 435a181a-9840-5d9c-8a8d-85eee4d95bd0"),
        "{err}"
    );
    let (code, err) = qlineage(&[
        "preview",
        "--db",
        "no-such-catalog.db",
        "--app",
        "x",
        "-o",
        svg.to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("no-such-catalog.db"),
        "a missing catalog is named: {err}"
    );
    let (code, err) = qlineage(&[
        "preview",
        "--snapshot",
        site,
        "--app",
        "nope",
        "-o",
        svg.to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("no app `nope`"), "{err}");
    let (code, _) = qlineage(&[
        "preview",
        "--snapshot",
        site,
        "--app",
        "sales-dashboard",
        "-o",
        "x.png",
    ]);
    assert_eq!(code, 2);
    let (code, _) = qlineage(&["preview", "--app", "x", "-o", "x.svg"]);
    assert_eq!(code, 2, "a source is required");
}
