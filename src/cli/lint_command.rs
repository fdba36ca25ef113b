//! `qlineage lint` (the linter, `docs/lint.md`) and `qlineage rules` (its catalogue,
//! `docs/rules.md`).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use crate::lint::{self, config, Config, Selection};

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum LintFormat {
    #[default]
    Human,
    Json,
    Sarif,
    Github,
    Junit,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Deny {
    /// Warnings fail the run as errors do.
    Warnings,
}

#[derive(clap::Args, Debug)]
pub struct LintArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = LintFormat::Human)]
    pub format: LintFormat,
    /// Rules to run (codes, code prefixes, names, categories or ALL), replacing the config's.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub select: Option<Vec<String>>,
    /// Rules not to run (added to the config's).
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub ignore: Vec<String>,
    /// `--deny warnings`: warnings fail the run (exit 1) too.
    #[arg(long, value_enum)]
    pub deny: Option<Deny>,
    /// Also run preview rules.
    #[arg(long)]
    pub preview: bool,
    /// The configuration file (default: the nearest qlineage.toml from the first path upwards).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Ignore every qlineage.toml.
    #[arg(long, conflicts_with = "config")]
    pub no_config: bool,
    #[command(flatten)]
    pub resolve: super::resolve_args::ResolveArgs,
    /// Apps: script files, -prj folders, unbuild folders or site app folders; other folders
    /// are searched for script files, one app each. Several apps are linted as one estate.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum RulesFormat {
    #[default]
    Markdown,
    Json,
}

#[derive(clap::Args, Debug)]
pub struct RulesArgs {
    #[arg(long, value_enum, default_value_t = RulesFormat::Markdown)]
    pub format: RulesFormat,
}

pub fn run_rules(args: &RulesArgs) -> i32 {
    let text = match args.format {
        RulesFormat::Markdown => lint::catalogue::markdown(),
        RulesFormat::Json => {
            let mut t = serde_json::to_string_pretty(&lint::catalogue::json()).unwrap_or_default();
            t.push('\n');
            t
        }
    };
    write_out(&text)
}

fn write_out(text: &str) -> i32 {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => 0,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => 0,
        Err(e) => {
            eprintln!("error: {e}");
            2
        }
    }
}

pub fn run(args: &LintArgs) -> i32 {
    let selection = Selection {
        select: args.select.clone(),
        ignore: args.ignore.clone(),
        deny_warnings: args.deny == Some(Deny::Warnings),
        preview: args.preview,
    };
    let file = if args.no_config {
        None
    } else {
        args.config
            .clone()
            .or_else(|| args.paths.first().and_then(|p| config::discover(p)))
    };
    let config = match Config::load(file.as_deref(), &selection) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let inputs = match super::model_command::read_inputs(&args.resolve, &args.paths) {
        Ok(i) => i,
        Err(message) => {
            eprintln!("error: {message}");
            return 2;
        }
    };
    let bar = progress_bar(wants_progress(
        args.format,
        std::io::stderr().is_terminal(),
        inputs.len(),
    ));
    let run = lint::lint_with_progress(&inputs, &args.resolve.options(), &config, &|p| {
        show_progress(bar.as_ref(), p)
    });
    finish_progress(bar);
    let failed = run.fails(&config);
    let text = match args.format {
        LintFormat::Human => lint::output::human(&run, std::io::stdout().is_terminal()),
        LintFormat::Json => json_text(&lint::output::json(&run, failed)),
        LintFormat::Sarif => json_text(&lint::output::sarif(&run)),
        LintFormat::Github => lint::output::github(&run),
        LintFormat::Junit => lint::output::junit(&run),
    };
    match write_out(&text) {
        0 if failed => 1,
        code => code,
    }
}

/// Progress goes to stderr only when it is a terminal, the output is for people (human), and
/// there is more than one app: pipes, CI logs and machine formats stay clean.
fn wants_progress(format: LintFormat, stderr_is_terminal: bool, apps: usize) -> bool {
    format == LintFormat::Human && stderr_is_terminal && apps > 1
}

/// The bar (indicatif), when the build has it (the `crawl` or `catalog` feature).
#[cfg(any(feature = "crawl", feature = "catalog"))]
type Bar = indicatif::ProgressBar;
#[cfg(not(any(feature = "crawl", feature = "catalog")))]
type Bar = ();

#[cfg(any(feature = "crawl", feature = "catalog"))]
fn progress_bar(show: bool) -> Option<Bar> {
    if !show {
        return None;
    }
    let bar =
        indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    Some(bar)
}

#[cfg(not(any(feature = "crawl", feature = "catalog")))]
fn progress_bar(_show: bool) -> Option<Bar> {
    None
}

#[cfg(any(feature = "crawl", feature = "catalog"))]
fn show_progress(bar: Option<&Bar>, progress: lint::LintProgress) {
    let Some(bar) = bar else {
        return;
    };
    match progress {
        lint::LintProgress::Resolving { apps } => {
            if let Ok(style) = indicatif::ProgressStyle::with_template("{spinner} {msg} {elapsed}")
            {
                bar.set_style(style);
            }
            bar.set_message(format!("resolving {apps} apps"));
        }
        lint::LintProgress::Linted { done, apps } => {
            if bar.length() != Some(apps as u64) {
                if let Ok(style) = indicatif::ProgressStyle::with_template(
                    "linting {bar:40} {pos}/{len} apps {elapsed}",
                ) {
                    bar.set_style(style);
                }
                bar.set_length(apps as u64);
            }
            bar.set_position(done as u64);
        }
    }
}

#[cfg(not(any(feature = "crawl", feature = "catalog")))]
fn show_progress(_bar: Option<&Bar>, _progress: lint::LintProgress) {}

#[cfg(any(feature = "crawl", feature = "catalog"))]
fn finish_progress(bar: Option<Bar>) {
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
}

#[cfg(not(any(feature = "crawl", feature = "catalog")))]
fn finish_progress(_bar: Option<Bar>) {}

fn json_text(value: &serde_json::Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_only_for_people_on_a_terminal_with_several_apps() {
        assert!(wants_progress(LintFormat::Human, true, 2));
        assert!(!wants_progress(LintFormat::Human, false, 2));
        assert!(!wants_progress(LintFormat::Human, true, 1));
        for format in [
            LintFormat::Json,
            LintFormat::Sarif,
            LintFormat::Github,
            LintFormat::Junit,
        ] {
            assert!(!wants_progress(format, true, 2));
        }
    }
}
