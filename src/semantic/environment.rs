//! The variables a script has set so far, as the engine would hold them at that point.
//!
//! A variable is `Known(text)` (Qlik stores every variable as text; LET stores the formatted
//! result) or `Unknown(reason)` when its value is only decided at reload time (`Now()`,
//! `Peek()`…) or by a branch we could not decide. A variable never set is absent: Qlik expands
//! it to nothing.

use rustc_hash::FxHashMap as HashMap;
use std::rc::Rc;

/// What the analysis knows about one variable's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VarValue {
    Known(String),
    /// The value cannot be computed from the script and the input; the reason names what it
    /// depends on (a run-time function, a branch, a loop). `runtime` when it exists only at
    /// reload time (clock, data, engine state).
    Unknown {
        reason: String,
        runtime: bool,
    },
}

impl VarValue {
    pub fn known(&self) -> Option<&str> {
        match self {
            VarValue::Known(text) => Some(text),
            VarValue::Unknown { .. } => None,
        }
    }
}

/// Longest reason kept for an unknown value. Reasons nest (`v2: LET v2: v1: LET v1: Now()…`),
/// so a chain of LETs would otherwise hold reasons growing with the chain: quadratic memory
/// and time on generated scripts.
const MAX_REASON: usize = 240;

/// `reason` cut to its first and last parts when it is longer than [`MAX_REASON`] bytes: the
/// head names the nearest variables, the tail the root cause.
pub fn bounded_reason(reason: String) -> String {
    if reason.len() <= MAX_REASON {
        return reason;
    }
    let half = MAX_REASON / 2;
    let head = floor_char_boundary(&reason, half);
    let tail = ceil_char_boundary(&reason, reason.len() - half);
    format!("{} … {}", &reason[..head], &reason[tail..])
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// The system variables Qlik sets before a script runs, with Qlik Sense's defaults for a new
/// app (en-US). Scripts usually overwrite the formats in their first tab.
const SYSTEM_DEFAULTS: &[(&str, &str)] = &[
    ("ThousandSep", ","),
    ("DecimalSep", "."),
    ("MoneyThousandSep", ","),
    ("MoneyDecimalSep", "."),
    ("MoneyFormat", "$#,##0.00;-$#,##0.00"),
    ("TimeFormat", "h:mm:ss TT"),
    ("DateFormat", "M/D/YYYY"),
    ("TimestampFormat", "M/D/YYYY h:mm:ss[.fff] TT"),
    ("FirstWeekDay", "6"),
    ("BrokenWeeks", "1"),
    ("ReferenceDay", "0"),
    ("FirstMonthOfYear", "1"),
    ("CollationLocale", "en-US"),
    (
        "MonthNames",
        "Jan;Feb;Mar;Apr;May;Jun;Jul;Aug;Sep;Oct;Nov;Dec",
    ),
    (
        "LongMonthNames",
        "January;February;March;April;May;June;July;August;September;October;November;December",
    ),
    ("DayNames", "Mon;Tue;Wed;Thu;Fri;Sat;Sun"),
    (
        "LongDayNames",
        "Monday;Tuesday;Wednesday;Thursday;Friday;Saturday;Sunday",
    ),
    (
        "NumericalAbbreviation",
        "3:k;6:M;9:G;12:T;15:P;18:E;21:Z;24:Y;-3:m;-6:μ;-9:n;-12:p;-15:f;-18:a;-21:z;-24:y",
    ),
    ("CreateSearchIndexOnReload", "1"),
    ("HidePrefix", ""),
    ("HideSuffix", ""),
    ("Verbatim", "0"),
    ("OpenUrlTimeout", "86400"),
    ("ErrorMode", "1"),
    ("StripComments", "1"),
    ("QvPath", "C:\\Program Files\\Qlik\\Sense\\Engine\\"),
    ("QvRoot", "C:\\"),
    ("QvWorkPath", "C:\\ProgramData\\Qlik\\Sense\\Apps\\"),
    ("QvWorkRoot", "C:\\"),
    ("WinPath", "C:\\Windows"),
    ("WinRoot", "C:\\"),
    ("CD", "C:\\ProgramData\\Qlik\\Sense\\Apps\\"),
];

/// Variables whose value Qlik sets during the reload: never known statically.
const RUNTIME_VARIABLES: &[&str] = &[
    "ScriptError",
    "ScriptErrorCount",
    "ScriptErrorList",
    "ScriptErrorDetails",
];

/// Qlik's predefined variables as values, built once per process: every app starts from them,
/// and building a table of them per app was a tenth of resolving a small script.
fn system_values() -> &'static HashMap<&'static str, (usize, VarValue)> {
    static VALUES: std::sync::OnceLock<HashMap<&'static str, (usize, VarValue)>> =
        std::sync::OnceLock::new();
    VALUES.get_or_init(|| {
        let known = SYSTEM_DEFAULTS
            .iter()
            .map(|&(name, value)| (name, VarValue::Known(value.to_string())));
        let runtime = RUNTIME_VARIABLES.iter().map(|&name| {
            let reason = format!("{name} is set by the engine during the reload");
            let value = VarValue::Unknown {
                reason,
                runtime: true,
            };
            (name, value)
        });
        known
            .chain(runtime)
            .enumerate()
            .map(|(rank, (name, value))| (name, (rank, value)))
            .collect()
    })
}

/// The system variable names in the order they are listed (and output).
fn system_names() -> impl Iterator<Item = &'static str> {
    SYSTEM_DEFAULTS
        .iter()
        .map(|(name, _)| *name)
        .chain(RUNTIME_VARIABLES.iter().copied())
}

/// The variable environment. Names are case-sensitive, as in Qlik. Shared copy-on-write
/// between the copies of the state an undecided IF makes, so a fork costs two pointers.
///
/// Holds only what differs from Qlik's predefined variables ([`system_values`]): a lookup
/// that misses falls through to them, and removing a system variable leaves a tombstone.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    /// Variables set (or, as `None`, removed) since the defaults.
    values: Rc<HashMap<String, Option<VarValue>>>,
    /// Names that are not system variables, in the order they were first set, so output is
    /// deterministic. System variables keep their own order, first.
    order: Rc<Vec<String>>,
}

impl Environment {
    /// An environment holding Qlik's system variables, then the user's presets.
    pub fn with_defaults(presets: &[(String, String)]) -> Self {
        let mut env = Environment::default();
        for (name, value) in presets {
            env.set(name, VarValue::Known(value.clone()));
        }
        env
    }

    pub fn get(&self, name: &str) -> Option<&VarValue> {
        match self.values.get(name) {
            Some(value) => value.as_ref(),
            None => system_values().get(name).map(|(_, value)| value),
        }
    }

    pub fn set(&mut self, name: &str, value: VarValue) {
        let values = Rc::make_mut(&mut self.values);
        match values.get_mut(name) {
            Some(slot) => {
                if slot.is_none() && !Self::is_system(name) {
                    Rc::make_mut(&mut self.order).push(name.to_string());
                }
                *slot = Some(value);
            }
            None => {
                if !Self::is_system(name) {
                    Rc::make_mut(&mut self.order).push(name.to_string());
                }
                values.insert(name.to_string(), Some(value));
            }
        }
    }

    /// Removes a variable (`SET x = ;` and `LET x = ;` delete it in Qlik).
    pub fn remove(&mut self, name: &str) -> Option<VarValue> {
        let old = self.get(name)?.clone();
        if Self::is_system(name) {
            Rc::make_mut(&mut self.values).insert(name.to_string(), None);
        } else {
            Rc::make_mut(&mut self.values).remove(name);
            Rc::make_mut(&mut self.order).retain(|n| n != name);
        }
        Some(old)
    }

    /// The variables that differ from what Qlik sets before a script runs: system variables
    /// the script (or the user) changed, in Qlik's order, then the others in the order they
    /// were first set. Looks only at what was set, not at every system variable.
    pub fn changed<'a>(&'a self) -> impl Iterator<Item = (&'a str, &'a VarValue)> + 'a {
        let defaults = system_values();
        let mut system: Vec<(usize, &'a str, &'a VarValue)> = self
            .values
            .iter()
            .filter_map(|(name, value)| {
                let (rank, default) = defaults.get(name.as_str())?;
                let value = value.as_ref()?;
                (value != default).then_some((*rank, name.as_str(), value))
            })
            .collect();
        system.sort_unstable_by_key(|&(rank, _, _)| rank);
        let system = system.into_iter().map(|(_, name, value)| (name, value));
        let own = self.order.iter().filter_map(|name| {
            let value = self.values.get(name)?.as_ref()?;
            Some((name.as_str(), value))
        });
        system.chain(own)
    }

    /// True for the names Qlik defines before the script runs.
    pub fn is_system(name: &str) -> bool {
        system_values().contains_key(name)
    }

    /// Merges the environments two alternative paths produced: a variable both agree on keeps
    /// its value; one they disagree on (or that only one path set) becomes unknown.
    pub fn merge(&mut self, other: &Environment, why: &str, runtime: bool) {
        if Rc::ptr_eq(&self.values, &other.values) {
            // Neither path set a variable.
            return;
        }
        // Only names one of the paths set can differ; the rest are both the defaults. New
        // names keep the order `other` set them in.
        let names: Vec<String> = system_names()
            .filter(|&n| self.values.contains_key(n) || other.values.contains_key(n))
            .map(str::to_string)
            .chain(self.order.iter().cloned())
            .chain(
                other
                    .order
                    .iter()
                    .filter(|n| !self.values.contains_key(n.as_str()))
                    .cloned(),
            )
            .collect();
        for name in names {
            if self.get(&name) != other.get(&name) {
                self.set(
                    &name,
                    VarValue::Unknown {
                        reason: why.to_string(),
                        runtime,
                    },
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_stay_bounded_and_keep_both_ends() {
        let long = format!(
            "v9: LET v9: {}Now() is the reload time",
            "v: LET v: ".repeat(100)
        );
        let cut = bounded_reason(long);
        assert!(cut.len() <= MAX_REASON + 8, "{}", cut.len());
        assert!(cut.starts_with("v9: LET v9: ") && cut.ends_with("Now() is the reload time"));
        assert_eq!(bounded_reason("short".into()), "short");
        // Never cuts inside a character.
        let _ = bounded_reason("ä".repeat(400));
    }

    #[test]
    fn defaults_then_presets() {
        let env = Environment::with_defaults(&[("DateFormat".into(), "YYYY-MM-DD".into())]);
        assert_eq!(
            env.get("DateFormat").and_then(VarValue::known),
            Some("YYYY-MM-DD")
        );
        assert_eq!(env.get("DecimalSep").and_then(VarValue::known), Some("."));
        assert!(matches!(
            env.get("ScriptError"),
            Some(VarValue::Unknown { .. })
        ));
        assert!(env.get("dateformat").is_none(), "names are case-sensitive");
    }

    #[test]
    fn merge_keeps_agreement_only() {
        let mut a = Environment::default();
        a.set("x", VarValue::Known("1".into()));
        a.set("y", VarValue::Known("2".into()));
        let mut b = a.clone();
        b.set("y", VarValue::Known("3".into()));
        b.set("z", VarValue::Known("4".into()));
        a.merge(&b, "set in an IF whose condition is unknown", true);
        assert_eq!(a.get("x"), Some(&VarValue::Known("1".into())));
        assert!(matches!(a.get("y"), Some(VarValue::Unknown { .. })));
        assert!(matches!(a.get("z"), Some(VarValue::Unknown { .. })));
    }

    #[test]
    fn system_variables_can_be_removed_changed_and_listed() {
        let mut env = Environment::default();
        env.set("mine", VarValue::Known("1".into()));
        // Set after `mine` and in the reverse of Qlik's order: listed first, in Qlik's order.
        env.set("MoneyFormat", VarValue::Known("kr #".into()));
        env.set("DecimalSep", VarValue::Known(",".into()));
        // Set to its default: not a change.
        env.set("ThousandSep", VarValue::Known(",".into()));
        let changed: Vec<&str> = env.changed().map(|(n, _)| n).collect();
        assert_eq!(changed, ["DecimalSep", "MoneyFormat", "mine"]);
        assert_eq!(env.remove("ThousandSep"), Some(VarValue::Known(",".into())));
        assert_eq!(env.get("ThousandSep"), None);
        assert_eq!(env.remove("ThousandSep"), None);
        env.set("ThousandSep", VarValue::Known(" ".into()));
        assert_eq!(
            env.changed().filter(|(n, _)| *n == "ThousandSep").count(),
            1
        );
        env.remove("mine");
        assert_eq!(env.get("mine"), None);
        env.set("mine", VarValue::Known("2".into()));
        let changed: Vec<&str> = env.changed().map(|(n, _)| n).collect();
        assert_eq!(
            changed,
            ["ThousandSep", "DecimalSep", "MoneyFormat", "mine"]
        );
    }

    #[test]
    fn merge_sees_system_variables_one_path_changed() {
        let mut a = Environment::default();
        let mut b = a.clone();
        b.set("DateFormat", VarValue::Known("YYYY".into()));
        a.set("own", VarValue::Known("x".into()));
        a.merge(&b, "branch", false);
        assert!(matches!(
            a.get("DateFormat"),
            Some(VarValue::Unknown { .. })
        ));
        assert!(matches!(a.get("own"), Some(VarValue::Unknown { .. })));
        assert_eq!(a.get("DecimalSep"), Some(&VarValue::Known(".".into())));
    }
}
