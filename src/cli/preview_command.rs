//! `qlineage preview`: an app's sheets as SVG or HTML wireframes (docs/preview.md).

use std::path::{Path, PathBuf};

use crate::preview::{self, PreviewError, SheetSource, SiteDirectory, SiteLink};

#[derive(clap::Args, Debug)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["snapshot", "db"])))]
pub struct PreviewArgs {
    /// A site directory: a crawl's snapshot or the bundled demo (`corpus/site`).
    #[arg(long, value_name = "DIR")]
    pub snapshot: Option<PathBuf>,
    /// A catalog file (`qlineage crawl --db`).
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// The app: its id (or its folder or unique name in a snapshot).
    #[arg(long, value_name = "ID")]
    pub app: String,
    /// One sheet (id, or a title only one sheet has); all sheets when left out (HTML only).
    #[arg(long, value_name = "ID")]
    pub sheet: Option<String>,
    /// The output: `.svg` (one sheet) or `.html` (one page, every sheet chosen).
    #[arg(short = 'o', long, value_name = "OUT.svg|OUT.html")]
    pub output: PathBuf,
    /// The site's address for the "open in Qlik Sense" links, e.g. https://qlik.corp.local
    /// (a virtual proxy's prefix may follow as its path).
    #[arg(long, value_name = "URL")]
    pub site_url: Option<String>,
    /// The virtual proxy prefix of the links (wins over the URL's path).
    #[arg(long, value_name = "PREFIX", requires = "site_url")]
    pub virtual_proxy: Option<String>,
    /// The host name users reach the site by, when the URL names it otherwise.
    #[arg(long, value_name = "HOST", requires = "site_url")]
    pub alias_host: Option<String>,
}

/// What the output's extension asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Output {
    Svg,
    Html,
}

/// The source the arguments name, and the site link the catalog recorded for the app (used
/// when no `--site-url` is given).
fn open_source(args: &PreviewArgs) -> Result<(Box<dyn SheetSource>, Option<SiteLink>), String> {
    match (&args.snapshot, &args.db) {
        (Some(dir), _) => Ok((
            Box::new(SiteDirectory::open(dir).map_err(|e| e.to_string())?),
            None,
        )),
        #[cfg(feature = "catalog")]
        (None, Some(db)) => {
            let source = preview::catalog_source::CatalogSource::open(db).map_err(|e| e.to_string())?;
            let link = source.site_link(&args.app).map_err(|e| e.to_string())?;
            Ok((Box::new(source), link))
        }
        #[cfg(not(feature = "catalog"))]
        (None, Some(db)) => Err(format!(
            "--db {}: this build has no catalog (feature `catalog`); preview a crawl's snapshot with --snapshot DIR",
            db.display()
        )),
        (None, None) => Err("give --snapshot DIR or --db FILE".into()),
    }
}

pub fn run(args: &PreviewArgs) -> i32 {
    let output = match args
        .output
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("svg") => Output::Svg,
        Some("html" | "htm") => Output::Html,
        _ => {
            eprintln!(
                "error: -o {}: the name must end in .svg or .html",
                args.output.display()
            );
            return 2;
        }
    };
    let link = match &args.site_url {
        Some(url) => match SiteLink::new(
            url,
            args.virtual_proxy.as_deref(),
            args.alias_host.as_deref(),
        ) {
            Ok(l) => Some(l),
            Err(e) => {
                eprintln!("error: {e}");
                return 2;
            }
        },
        None => None,
    };
    let (source, recorded_link) = match open_source(args) {
        Ok(s) => s,
        Err(message) => {
            eprintln!("error: {message}");
            return 2;
        }
    };
    let sheets = match source.app(&args.app).and_then(|app| {
        preview::select(
            app,
            args.sheet.as_deref(),
            link.as_ref().or(recorded_link.as_ref()),
        )
    }) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return match e {
                PreviewError::Json { .. } => 1,
                _ => 2,
            };
        }
    };
    let text = match output {
        Output::Svg => match sheets.as_slice() {
            [one] => preview::svg::render(one),
            many => {
                eprintln!(
                    "error: an SVG holds one sheet and app `{}` has {}; choose one with --sheet, or write .html for all:",
                    args.app,
                    many.len()
                );
                for s in many {
                    eprintln!("  --sheet {}  ({})", s.id, s.title);
                }
                return 2;
            }
        },
        Output::Html => {
            let title = sheets
                .first()
                .map(|s| s.app_name.clone())
                .unwrap_or_default();
            preview::html::render(&title, &sheets)
        }
    };
    if let Err(e) = write_file(&args.output, &text) {
        eprintln!("error: {}: {e}", args.output.display());
        return 2;
    }
    let mut findings = 0;
    for sheet in &sheets {
        for note in &sheet.notes {
            findings += 1;
            eprintln!("warning: sheet `{}` ({}): {note}", sheet.title, sheet.id);
        }
    }
    eprintln!(
        "{} sheet(s), {} object(s) written to {}",
        sheets.len(),
        sheets.iter().map(|s| s.cells.len()).sum::<usize>(),
        args.output.display()
    );
    i32::from(findings > 0)
}

/// Writes through a temporary file beside the target, so a failed run never leaves half a
/// preview where a good one was.
pub(crate) fn write_file(path: &Path, text: impl AsRef<[u8]>) -> std::io::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}
