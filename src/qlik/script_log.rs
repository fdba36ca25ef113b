//! Reload script logs, as Qlik Sense and QlikView write them: what a reload really executed,
//! after `$(…)` expansion, line by line.
//!
//! Qlik Sense logs are UTF-8 with a BOM, QlikView's `.qvw.log` UTF-16LE with a BOM, both with
//! CRLF line ends. Each line is a timestamp (`2016-12-15 16:03:10`, `20200227T121011.881+0100`,
//! or in QlikView the Windows locale's form followed by a colon, `07/04/2016 20:46:02:`), then
//! the 1-based line number of the whole script text (`///$tab` lines counted) as four digits,
//! or four spaces on lines the engine adds, then the text. Every script line of a statement
//! is logged on its own line, expanded, without the final `;` and `//` comments; loop bodies
//! repeat with the same numbers. Loads are followed by `N fields found: a, b, ` and
//! `N lines fetched` (QlikView on one line); errors are `Error: …` lines that may wrap; the log
//! ends with `Execution finished.` or `Execution Failed`. A statement is joined to the script
//! by its line number, never by its text.
//!
//! [`parse`] never fails: what it cannot read is a [`LogProblem`] and the rest is kept.

use serde::Serialize;

/// One logged script line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoggedLine {
    /// The line of the script text (1-based).
    pub script_line: u32,
    /// The text as executed (expanded).
    pub text: String,
    /// Where in the log (1-based line).
    pub log_line: usize,
}

/// What the engine reported after a load: the fields it found and the rows it fetched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoadReport {
    /// The last script line logged before the report.
    pub script_line: u32,
    pub fields: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows: Option<u64>,
    pub log_line: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Finished,
    Failed,
    /// The log ends without either line: cut off, or the reload still ran.
    Truncated,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogProblem {
    pub log_line: usize,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScriptLog {
    pub lines: Vec<LoggedLine>,
    pub loads: Vec<LoadReport>,
    /// `Error: …` messages (continuation lines joined), with the script line they follow.
    pub errors: Vec<(u32, String)>,
    pub outcome: Outcome,
    pub problems: Vec<LogProblem>,
}

impl ScriptLog {
    /// Every execution of the statement at `first..=last`: runs of consecutive logged lines
    /// inside the range, joined with newlines (loops run a statement several times).
    pub fn executions(&self, first: u32, last: u32) -> Vec<String> {
        let mut runs = Vec::new();
        let mut current: Vec<&str> = Vec::new();
        let mut previous = 0u32;
        for line in &self.lines {
            let inside = line.script_line >= first && line.script_line <= last;
            if inside && (current.is_empty() || line.script_line > previous) {
                current.push(&line.text);
            } else {
                if !current.is_empty() {
                    runs.push(current.join("\n"));
                    current.clear();
                }
                if inside {
                    current.push(&line.text);
                }
            }
            previous = line.script_line;
        }
        if !current.is_empty() {
            runs.push(current.join("\n"));
        }
        runs
    }
}

/// Decodes a log's bytes: UTF-16LE/BE with a BOM (QlikView), otherwise UTF-8 (a BOM dropped,
/// invalid bytes replaced).
pub fn decode(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        return String::from_utf16_lossy(&units);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        return String::from_utf16_lossy(&units);
    }
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    String::from_utf8_lossy(bytes).into_owned()
}

/// The text after a line's timestamp, or `None` when the line has none (a wrapped line).
fn after_timestamp(line: &str) -> Option<&str> {
    let b = line.as_bytes();
    // 20200227T121011.881+0100 (compact, optionally with fraction and zone)
    if b.len() >= 15
        && b[..8].iter().all(u8::is_ascii_digit)
        && b[8] == b'T'
        && b[9..15].iter().all(u8::is_ascii_digit)
    {
        let end = line[15..].find(' ').map_or(line.len(), |i| 15 + i);
        return Some(line[end..].strip_prefix(' ').unwrap_or(&line[end..]));
    }
    // 2016-12-15 16:03:10 (ISO, optionally with a fraction)
    if b.len() >= 19
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b' '
        && b[13] == b':'
        && b[16] == b':'
        && b[..4].iter().all(u8::is_ascii_digit)
    {
        let mut end = 19;
        while end < b.len() && (b[end].is_ascii_digit() || b[end] == b'.' || b[end] == b',') {
            end += 1;
        }
        return Some(line[end..].strip_prefix(' ').unwrap_or(&line[end..]));
    }
    // QlikView, in the Windows locale: a date and a time, then a colon (`07/04/2016 20:46:02:`,
    // `2016-07-04 20:46:02:`, `4.7.2016 20:46:02:`).
    let (date, rest) = line.split_once(' ')?;
    let date_ok = date.len() >= 6
        && date
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '/' | '.' | '-'))
        && date.chars().filter(|c| c.is_ascii_digit()).count() >= 4;
    if !date_ok {
        return None;
    }
    let (time, rest) = rest
        .split_once(": ")
        .or_else(|| rest.strip_suffix(':').map(|t| (t, "")))?;
    let time = time.trim_end_matches([' ', 'A', 'M', 'P']);
    let time_ok = time.len() >= 5 && time.chars().all(|c| c.is_ascii_digit() || c == ':');
    time_ok.then_some(rest)
}

/// Reads a log's text (decoded with [`decode`]).
pub fn parse(text: &str) -> ScriptLog {
    let mut log = ScriptLog {
        lines: Vec::new(),
        loads: Vec::new(),
        errors: Vec::new(),
        outcome: Outcome::Truncated,
        problems: Vec::new(),
    };
    let mut last_script_line = 0u32;
    let mut in_error = false;
    for (index, raw) in text.lines().enumerate() {
        let log_line = index + 1;
        let raw = raw.trim_end_matches('\r');
        if raw.trim().is_empty() {
            continue;
        }
        let Some(body) = after_timestamp(raw) else {
            if in_error {
                if let Some((_, message)) = log.errors.last_mut() {
                    message.push(' ');
                    message.push_str(raw.trim());
                }
            } else {
                log.problems.push(LogProblem {
                    log_line,
                    message: format!("line without a timestamp: `{}`", shorten(raw)),
                });
            }
            continue;
        };
        in_error = false;
        let numbered = body.len() >= 4 && body.as_bytes()[..4].iter().all(u8::is_ascii_digit);
        if numbered {
            let number: u32 = body[..4].parse().unwrap_or(0);
            let text = body[4..]
                .strip_prefix("  ")
                .or_else(|| body[4..].strip_prefix(' '))
                .unwrap_or(&body[4..]);
            last_script_line = number;
            log.lines.push(LoggedLine {
                script_line: number,
                text: text.to_string(),
                log_line,
            });
            continue;
        }
        let message = body.trim();
        if message.starts_with("Execution finished") {
            log.outcome = Outcome::Finished;
        } else if message.starts_with("Execution Failed") || message.starts_with("Execution failed")
        {
            log.outcome = Outcome::Failed;
        } else if let Some(error) = message.strip_prefix("Error:") {
            log.errors
                .push((last_script_line, error.trim().to_string()));
            in_error = true;
        } else if let Some(report) = load_report(message) {
            let (fields, rows) = report;
            match log.loads.last_mut() {
                // `N lines fetched` after its `fields found` line (Qlik Sense).
                Some(last)
                    if last.script_line == last_script_line
                        && last.rows.is_none()
                        && fields.is_empty() =>
                {
                    last.rows = rows;
                }
                _ => log.loads.push(LoadReport {
                    script_line: last_script_line,
                    fields,
                    rows,
                    log_line,
                }),
            }
        }
    }
    if log.outcome == Outcome::Truncated {
        log.problems.push(LogProblem {
            log_line: text.lines().count(),
            message: "the log ends without `Execution finished.` or `Execution Failed`: cut off"
                .to_string(),
        });
    }
    log
}

/// `5 fields found: a, b, c, ` and/or `1,234 lines fetched` (one line in QlikView).
fn load_report(message: &str) -> Option<(Vec<String>, Option<u64>)> {
    let mut fields = Vec::new();
    let mut rows = None;
    let mut matched = false;
    let mut rest = message;
    if let Some(i) = rest.find(" fields found:") {
        let count = &rest[..i];
        if count.trim().chars().all(|c| c.is_ascii_digit()) {
            matched = true;
            let after = &rest[i + " fields found:".len()..];
            let (list, tail) = match after.find(" lines fetched") {
                Some(j) => {
                    // QlikView: `… c, 1,234 lines fetched`: the count is the last list item(s).
                    let before = &after[..j];
                    let (names, number) = split_row_count(before);
                    rows = number;
                    (names, &after[j..])
                }
                None => (after.to_string(), ""),
            };
            fields = list
                .split(',')
                .map(str::trim)
                .filter(|f| !f.is_empty())
                .map(str::to_string)
                .collect();
            rest = tail;
        }
    }
    if let Some(j) = rest.find(" lines fetched") {
        let number: String = rest[..j].chars().filter(char::is_ascii_digit).collect();
        if let Ok(n) = number.parse() {
            rows = Some(n);
            matched = true;
        }
    }
    matched.then_some((fields, rows))
}

/// Splits `a, b, 1,234` into the names and the row count, whose thousands separators are
/// commas too: the count is the longest tail of comma-separated pure-digit groups that reads
/// as a formatted number.
fn split_row_count(text: &str) -> (String, Option<u64>) {
    let parts: Vec<&str> = text.split(", ").collect();
    let Some(last) = parts.last() else {
        return (text.to_string(), None);
    };
    let digits: String = last
        .chars()
        .filter(|c| *c != ',' && *c != ' ' && *c != '.')
        .collect();
    if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) {
        let names = parts[..parts.len() - 1].join(", ");
        return (names, digits.parse().ok());
    }
    (text.to_string(), None)
}

fn shorten(text: &str) -> String {
    let t: String = text.chars().take(80).collect();
    if t.len() < text.len() {
        format!("{t}…")
    } else {
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SENSE: &str = "\u{feff}20200227T121011.881+0100 Execution started.\r\n\
20200227T121011.882+0100 Qlik Sense Server Version 13.51.6\r\n\
20200227T121011.890+0100 0002  SET vQvd='lib://QVD/Extract/'\r\n\
20200227T121012.100+0100 0004  LIB CONNECT TO 'SalesDB'\r\n\
20200227T121012.300+0100       Connected.\r\n\
20200227T121012.310+0100 0005  Orders:\r\n\
20200227T121012.310+0100 0006  SQL SELECT OrderID, Amount FROM dbo.Orders\r\n\
20200227T121012.400+0100       2 fields found: OrderID, Amount, \r\n\
20200227T121012.410+0100       1,234 lines fetched\r\n\
20200227T121012.500+0100 0007  STORE Orders INTO [lib://QVD/Extract/Orders.qvd] (qvd)\r\n\
20200227T121012.600+0100 0009  Foo\r\n\
20200227T121012.600+0100       Error: Unknown statement: Foo\r\n\
which wraps here\r\n\
20200227T121012.700+0100       Execution finished.\r\n";

    #[test]
    fn a_qlik_sense_log() {
        let log = parse(&decode(SENSE.as_bytes()));
        assert_eq!(log.outcome, Outcome::Finished);
        assert_eq!(log.lines.len(), 6);
        assert_eq!(log.lines[0].script_line, 2);
        assert_eq!(log.lines[0].text, "SET vQvd='lib://QVD/Extract/'");
        assert_eq!(log.loads.len(), 1);
        assert_eq!(log.loads[0].script_line, 6);
        assert_eq!(log.loads[0].fields, ["OrderID", "Amount"]);
        assert_eq!(log.loads[0].rows, Some(1234));
        assert_eq!(
            log.errors,
            [(9, "Unknown statement: Foo which wraps here".to_string())]
        );
        assert!(log.problems.is_empty(), "{:?}", log.problems);
        assert_eq!(
            log.executions(5, 6),
            ["Orders:\nSQL SELECT OrderID, Amount FROM dbo.Orders"]
        );
    }

    #[test]
    fn a_qlikview_log_in_utf16_with_the_row_count_on_the_fields_line() {
        let text = "\u{feff}07/04/2016 20:46:02: 0003  LOAD * FROM [..\\QVD\\Orders.qvd] (qvd)\r\n\
07/04/2016 20:46:03:       3 fields found: OrderID, Amount, Region, 12,345 lines fetched\r\n\
07/04/2016 20:46:03: 0003  LOAD * FROM [..\\QVD\\Orders.qvd] (qvd)\r\n\
07/04/2016 20:46:04:       Execution Failed\r\n";
        let mut bytes = Vec::new();
        for unit in text.encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        let log = parse(&decode(&bytes));
        assert_eq!(log.outcome, Outcome::Failed);
        assert_eq!(log.loads[0].fields, ["OrderID", "Amount", "Region"]);
        assert_eq!(log.loads[0].rows, Some(12345));
        assert_eq!(
            log.executions(3, 3).len(),
            2,
            "a loop's repeat is its own execution"
        );
    }

    #[test]
    fn the_older_sense_form_and_a_cut_off_log() {
        let text = "2016-12-15 16:03:10 0001  LOAD 1 AS X AUTOGENERATE 1\n2016-12-15 16:03:10       1 fields found: X, \n2016-12-15 16:03:11       1 lines fetched\ngarbage";
        let log = parse(text);
        assert_eq!(log.outcome, Outcome::Truncated);
        assert_eq!(log.loads[0].rows, Some(1));
        assert_eq!(log.problems.len(), 2, "{:?}", log.problems);
    }
}
