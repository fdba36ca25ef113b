//! Resolving the apps of one estate together, so that a BINARY statement gets every table of
//! the app it names when that app is among the inputs.
//!
//! The BINARY targets are read from each script before anything runs (Qlik allows BINARY only
//! as the first statement, so no variable of the script can feed it: only `--var` presets), the
//! apps are ordered in waves by that dependency (each wave resolved in parallel with rayon, its
//! BINARY sources in earlier waves), and apps caught in a BINARY cycle run last, their BINARY
//! reported (QM305) instead of loaded.

use rayon::prelude::*;

use super::control_flow::unquote;
use super::{AppInput, ResolveOptions, Resolved};
use crate::syntax::ast::{RawKind, StmtKind};

/// The names an app answers to in a BINARY statement, lower-cased: its path as given, the
/// path's last component and that component's stem, and the id and name from a site
/// snapshot's `app.json`.
#[derive(Debug, Clone, Default)]
pub(super) struct AppKeys {
    keys: Vec<String>,
}

impl AppKeys {
    pub(super) fn of(input: &AppInput) -> AppKeys {
        let mut keys = Vec::new();
        let path = normalize(&input.path);
        keys.extend(path_keys(&path));
        keys.extend(input.app_id.iter().map(|k| k.trim().to_lowercase()));
        keys.extend(input.app_name.iter().map(|k| k.trim().to_lowercase()));
        keys.retain(|k| !k.is_empty());
        keys.sort();
        keys.dedup();
        AppKeys { keys }
    }

    /// True when `written` (a BINARY statement's body) names this app.
    fn matches(&self, written: &str) -> bool {
        path_keys(&normalize(unquote(written.trim())))
            .iter()
            .any(|w| self.keys.binary_search(w).is_ok())
    }
}

/// Lower-cased, `\` as `/`, no trailing `/`, no `./` in front.
fn normalize(path: &str) -> String {
    let lower = path.trim().replace('\\', "/").to_lowercase();
    let lower = lower.trim_end_matches('/');
    lower.strip_prefix("./").unwrap_or(lower).to_string()
}

/// The whole path, its last component, and that component without an app or script extension.
fn path_keys(path: &str) -> Vec<String> {
    let last = path.rsplit('/').next().unwrap_or(path);
    let mut keys = vec![path.to_string(), last.to_string()];
    for ext in [".qvf", ".qvw", ".qvs", ".txt"] {
        if let Some(stem) = last.strip_suffix(ext) {
            keys.push(stem.to_string());
        }
    }
    keys
}

/// What the machine of one app sees of the estate: which app each BINARY names and the models
/// resolved so far.
pub(super) struct EstateView<'a> {
    pub keys: &'a [AppKeys],
    pub inputs: &'a [AppInput],
    pub done: &'a [Option<Resolved>],
    /// The app being resolved.
    pub me: usize,
    /// Apps in a BINARY cycle (their BINARY statements are reported, not loaded).
    pub cyclic: &'a [bool],
}

/// What a BINARY statement names in the estate.
pub(super) enum BinaryTarget<'a> {
    /// No app of the estate answers to the name.
    Outside,
    /// More than one app answers to it (their paths).
    Ambiguous(Vec<&'a str>),
    /// The app itself, or an app of the same BINARY cycle.
    Cycle(&'a str),
    /// An app of the estate whose model is not there yet (its name was only known after
    /// expansion, so the order did not account for it).
    NotYet(&'a str),
    Found(&'a Resolved),
}

impl<'a> EstateView<'a> {
    pub(super) fn target(&self, written: &str) -> BinaryTarget<'a> {
        let found = matching(self.keys, written);
        match found.as_slice() {
            [] => BinaryTarget::Outside,
            [one] => {
                let path = self.inputs[*one].path.as_str();
                if *one == self.me || (self.cyclic[self.me] && self.cyclic[*one]) {
                    BinaryTarget::Cycle(path)
                } else {
                    match &self.done[*one] {
                        Some(resolved) => BinaryTarget::Found(resolved),
                        None => BinaryTarget::NotYet(path),
                    }
                }
            }
            many => BinaryTarget::Ambiguous(
                many.iter().map(|&i| self.inputs[i].path.as_str()).collect(),
            ),
        }
    }
}

/// Indexes of the apps `written` names.
fn matching(keys: &[AppKeys], written: &str) -> Vec<usize> {
    keys.iter()
        .enumerate()
        .filter(|(_, k)| k.matches(written))
        .map(|(i, _)| i)
        .collect()
}

/// The bodies of the BINARY statements at the top level of a script (none unless the text
/// holds the word, so most scripts are not parsed here).
fn binary_bodies(input: &AppInput) -> Vec<String> {
    let text = &input.script.text;
    let has_word = text
        .as_bytes()
        .windows(6)
        .any(|w| w.eq_ignore_ascii_case(b"binary"));
    if !has_word {
        return Vec::new();
    }
    crate::syntax::Parser::new()
        .statements(text, crate::syntax::Origin::default())
        .script
        .statements
        .iter()
        .filter_map(|stmt| match &stmt.kind {
            StmtKind::Raw(raw) if raw.kind == RawKind::Binary => {
                raw.body.as_ref().map(|b| b.text.clone())
            }
            _ => None,
        })
        .collect()
}

/// Resolves every app of an estate, in the order given, each BINARY statement loading the
/// tables of the input app it names (see the module documentation for the order).
pub fn resolve_estate(inputs: &[AppInput], options: &ResolveOptions) -> Vec<Resolved> {
    let keys: Vec<AppKeys> = inputs.iter().map(AppKeys::of).collect();
    let depends: Vec<Vec<usize>> = inputs
        .par_iter()
        .map(|input| {
            let mut deps: Vec<usize> = binary_bodies(input)
                .iter()
                .flat_map(|body| matching(&keys, body))
                .collect();
            deps.sort_unstable();
            deps.dedup();
            deps
        })
        .collect();
    let (waves, cyclic) = waves(&depends);
    let mut done: Vec<Option<Resolved>> = (0..inputs.len()).map(|_| None).collect();
    for wave in waves {
        let results: Vec<(usize, Resolved)> = wave
            .par_iter()
            .map(|&me| {
                let view = EstateView {
                    keys: &keys,
                    inputs,
                    done: &done,
                    me,
                    cyclic: &cyclic,
                };
                (
                    me,
                    super::control_flow::run(&inputs[me], options, Some(&view)),
                )
            })
            .collect();
        for (i, resolved) in results {
            done[i] = Some(resolved);
        }
    }
    done.into_iter()
        .map(|r| r.expect("every app is in one wave"))
        .collect()
}

/// Orders apps so that every app comes after the apps it depends on: waves of apps whose
/// dependencies are all in earlier waves; the apps left (cycles and what depends on them) form
/// the last wave, and those on a cycle are flagged.
fn waves(depends: &[Vec<usize>]) -> (Vec<Vec<usize>>, Vec<bool>) {
    let n = depends.len();
    let mut placed = vec![false; n];
    let mut waves = Vec::new();
    loop {
        let wave: Vec<usize> = (0..n)
            .filter(|&i| !placed[i] && depends[i].iter().all(|&d| placed[d] && d != i))
            .collect();
        if wave.is_empty() {
            break;
        }
        for &i in &wave {
            placed[i] = true;
        }
        waves.push(wave);
    }
    let rest: Vec<usize> = (0..n).filter(|&i| !placed[i]).collect();
    let mut cyclic = vec![false; n];
    for &start in &rest {
        // On a cycle when the app reaches itself through unplaced apps.
        let mut seen = vec![false; n];
        let mut stack: Vec<usize> = depends[start].clone();
        while let Some(i) = stack.pop() {
            if i == start {
                cyclic[start] = true;
                break;
            }
            if !placed[i] && !std::mem::replace(&mut seen[i], true) {
                stack.extend(depends[i].iter().copied());
            }
        }
    }
    if !rest.is_empty() {
        waves.push(rest);
    }
    (waves, cyclic)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::semantic::Connections;

    #[test]
    fn waves_follow_dependencies_and_flag_cycles() {
        // 0 <- 1 <- 2; 3 <-> 4; 5 depends on the cycle.
        let depends = vec![vec![], vec![0], vec![1], vec![4], vec![3], vec![3]];
        let (waves, cyclic) = waves(&depends);
        assert_eq!(waves, vec![vec![0], vec![1], vec![2], vec![3, 4, 5]]);
        assert_eq!(cyclic, vec![false, false, false, true, true, false]);
        let (_, cyclic) = super::waves(&[vec![0]]);
        assert_eq!(cyclic, vec![true]);
    }

    #[test]
    fn keys_match_paths_stems_and_ids() {
        let mut input = AppInput::from_text(
            "estate/apps/Sales Model/script.qvs",
            "",
            Connections::default(),
        );
        input.path = "estate/apps/Sales Model".to_string();
        input.app_id = Some("9A87-ID".to_string());
        let keys = AppKeys::of(&input);
        assert!(keys.matches("[lib://Apps/Sales Model.qvf]"));
        assert!(keys.matches("'C:\\Qlik\\sales model.qvw'"));
        assert!(keys.matches("9a87-id"));
        assert!(!keys.matches("lib://Apps/Finance.qvf"));
    }
}
