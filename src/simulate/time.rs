//! ISO-8601 UTC timestamps as QRS writes them (`2026-03-01T08:00:00.000Z`), without a date
//! crate: days from the civil calendar, milliseconds since the Unix epoch.

/// Milliseconds since 1970 for `YYYY-MM-DD[(T| )HH:MM[:SS[.fff]]][Z]`.
pub fn parse_millis(text: &str) -> Option<i64> {
    let t = text.trim().trim_end_matches('Z');
    let (date, time) = match t.split_once(['T', ' ']) {
        Some((d, t)) => (d, Some(t)),
        None => (t, None),
    };
    let mut d = date.split('-');
    let y: i64 = d.next()?.parse().ok()?;
    let m: i64 = d.next()?.parse().ok()?;
    let day: i64 = d.next()?.parse().ok()?;
    if d.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&day) {
        return None;
    }
    let mut ms = 0i64;
    if let Some(time) = time {
        let (hms, frac) = match time.split_once('.') {
            Some((a, b)) => (a, Some(b)),
            None => (time, None),
        };
        let mut parts = hms.split(':');
        let h: i64 = parts.next()?.parse().ok()?;
        let mi: i64 = parts.next()?.parse().ok()?;
        let s: i64 = match parts.next() {
            Some(s) => s.parse().ok()?,
            None => 0,
        };
        if parts.next().is_some() || h > 23 || mi > 59 || s > 60 {
            return None;
        }
        let f: i64 = match frac {
            Some(f) if !f.is_empty() && f.len() <= 9 && f.bytes().all(|b| b.is_ascii_digit()) => {
                format!("{f:0<3}")[..3].parse().ok()?
            }
            Some(_) => return None,
            None => 0,
        };
        ms = ((h * 60 + mi) * 60 + s) * 1000 + f;
    }
    Some(days_from_civil(y, m, day) * 86_400_000 + ms)
}

/// Formats milliseconds since 1970 as QRS does.
pub fn format_millis(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1000 % 60,
        rem % 1000
    )
}

pub fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

// Howard Hinnant's civil-calendar algorithms.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_forms() {
        for text in [
            "1970-01-01T00:00:00.000Z",
            "2026-03-01T08:15:30.123Z",
            "1753-01-01T00:00:00.000Z",
        ] {
            assert_eq!(format_millis(parse_millis(text).unwrap()), text);
        }
        assert_eq!(
            parse_millis("2012-05-09 12:00:00"),
            parse_millis("2012-05-09T12:00:00.000Z")
        );
        assert_eq!(
            parse_millis("2026-01-01"),
            parse_millis("2026-01-01T00:00:00Z")
        );
        assert_eq!(parse_millis("2026-13-01"), None);
        assert_eq!(parse_millis("nonsense"), None);
    }
}
