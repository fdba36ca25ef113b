//! INLINE data and delimited text headers: field names from the first line, and the rows of
//! a mapping table loaded INLINE (what `RENAME … USING` needs to know).

use super::control_flow::unquote;
use super::model::{Field, Transform};
use crate::syntax::ast::{FormatItem, FormatSpec, Labels, SourceInline};

pub(super) fn delimiter_of(format: Option<&FormatSpec>) -> String {
    format
        .and_then(|f| {
            f.items.iter().find_map(|i| match i {
                FormatItem::Delimiter(v) => Some(match v.value.to_ascii_lowercase().as_str() {
                    "\\t" | "tab" => "\t".to_string(),
                    "spaces" => " ".to_string(),
                    other => unquote(other).to_string(),
                }),
                _ => None,
            })
        })
        .unwrap_or_else(|| ",".to_string())
}

/// The cells of one line, trimmed and unquoted (empty cells kept in place).
fn split_line<'l>(line: &'l str, delimiter: &str) -> Vec<&'l str> {
    let delimiter = if delimiter.is_empty() { "," } else { delimiter };
    line.split(delimiter).map(|n| unquote(n.trim())).collect()
}

pub(super) fn split_header(line: &str, delimiter: &str) -> Vec<String> {
    split_line(line, delimiter)
        .into_iter()
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .collect()
}

fn no_labels(format: Option<&FormatSpec>) -> bool {
    format.is_some_and(|f| {
        f.items
            .iter()
            .any(|i| matches!(i, FormatItem::Labels(w) if w.word == Labels::No))
    })
}

/// Field names of INLINE data: the first line (embedded labels, the default) or `@1…@n`.
pub(super) fn inline_header(data: &str, format: Option<&FormatSpec>) -> Vec<String> {
    let first = data
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    let names = split_header(first, &delimiter_of(format));
    if no_labels(format) {
        return (1..=names.len()).map(|i| format!("@{i}")).collect();
    }
    names
}

/// The (from, to) rows of a mapping table loaded INLINE, when its two fields are inline
/// columns as they are (renamed or not): `None` when a field is computed, so the rows are
/// not the data's.
pub(super) fn mapping_rows(
    inline: &SourceInline,
    fields: &[Field],
) -> Option<Vec<(String, String)>> {
    let [from, to] = fields else {
        return None;
    };
    let header = inline_header(&inline.data.text, inline.format.as_ref());
    let column = |field: &Field| -> Option<usize> {
        let [d] = field.derived_from.as_slice() else {
            return None;
        };
        if d.source.as_deref() != Some("inline")
            || !matches!(d.transform, Transform::Identity | Transform::Rename)
        {
            return None;
        }
        let name = d.field.as_deref()?;
        header.iter().position(|h| h == name)
    };
    let (from, to) = (column(from)?, column(to)?);
    let delimiter = delimiter_of(inline.format.as_ref());
    let mut lines = inline
        .data
        .text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty());
    if !no_labels(inline.format.as_ref()) {
        lines.next();
    }
    Some(
        lines
            .filter_map(|line| {
                let cells = split_line(line, &delimiter);
                Some((cells.get(from)?.to_string(), cells.get(to)?.to_string()))
            })
            .collect(),
    )
}
