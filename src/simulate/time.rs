//! The simulator's one calendar: ISO-8601 timestamps as QRS writes them
//! (`2026-03-01T08:00:00.000Z`) and as QRS filters accept them, without a date crate: days from
//! the civil calendar, nanoseconds or milliseconds since the Unix epoch. Everything in the
//! simulator that reads a date goes through [`parse_nanos`].

/// Milliseconds since 1970 for a timestamp as QRS writes it (`2026-03-01T08:00:00.000Z`), or
/// any other form [`parse_nanos`] reads; sub-millisecond digits are dropped (towards the past).
pub fn parse_millis(text: &str) -> Option<i64> {
    i64::try_from(parse_nanos(text)?.div_euclid(1_000_000)).ok()
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Nanoseconds since 1970 (UTC) for an ISO-8601 date or date/time: `YYYY-MM-DD`, optionally
/// `T`, `t` or a space and `HH:MM[:SS[.fraction]]`, optionally `Z` or `±HH[[:]MM]`; no zone
/// means UTC, a bare date means midnight. Strict: two-digit fields, real calendar days (no
/// February 30), surrounding whitespace only. The QRS filter compares instants with it, and
/// [`parse_millis`] reads site timestamps with it.
pub fn parse_nanos(s: &str) -> Option<i128> {
    let b = s.trim().as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let part = b.get(from..from + len)?;
        if !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        part.iter()
            .try_fold(0i64, |acc, d| Some(acc * 10 + i64::from(d - b'0')))
    };
    let (year, month, day) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let mut secs = days_from_civil(year, month, day) * 86_400;
    let mut nanos: i64 = 0;
    let mut i = 10;
    if i < b.len() {
        if !matches!(b[i], b'T' | b't' | b' ') {
            return None;
        }
        let (hh, mm) = (num(i + 1, 2)?, num(i + 4, 2)?);
        if b.get(i + 3) != Some(&b':') || hh > 23 || mm > 59 {
            return None;
        }
        secs += hh * 3600 + mm * 60;
        i += 6;
        if b.get(i) == Some(&b':') {
            let ss = num(i + 1, 2)?;
            if ss > 60 {
                return None;
            }
            secs += ss;
            i += 3;
            if b.get(i) == Some(&b'.') {
                i += 1;
                let start = i;
                while i < b.len() && b[i].is_ascii_digit() {
                    if i - start < 9 {
                        nanos = nanos * 10 + i64::from(b[i] - b'0');
                    }
                    i += 1;
                }
                if i == start {
                    return None;
                }
                for _ in (i - start)..9 {
                    nanos *= 10;
                }
            }
        }
        match b.get(i) {
            None => {}
            Some(b'Z' | b'z') if i + 1 == b.len() => {}
            Some(&sign @ (b'+' | b'-')) => {
                let oh = num(i + 1, 2)?;
                let om = match b.get(i + 3) {
                    Some(b':') if b.len() == i + 6 => num(i + 4, 2)?,
                    _ if b.len() == i + 5 => num(i + 3, 2)?,
                    _ if b.len() == i + 3 => 0,
                    _ => return None,
                };
                if oh > 23 || om > 59 {
                    return None;
                }
                let offset = oh * 3600 + om * 60;
                secs -= if sign == b'+' { offset } else { -offset };
            }
            _ => return None,
        }
    }
    Some(i128::from(secs) * 1_000_000_000 + i128::from(nanos))
}

/// Formats milliseconds since 1970 as QRS does.
pub use crate::qlik::date::format_millis;

pub fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

// The one civil calendar (Howard Hinnant's algorithms) lives with the wire's date forms.
use crate::qlik::date::days_from_civil;

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

    #[test]
    fn parses_dates_times_and_zones_strictly() {
        let base = parse_nanos("1970-01-01").unwrap();
        assert_eq!(base, 0);
        assert_eq!(
            parse_nanos("1970-01-02T00:00:01.5Z"),
            Some(86_401_500_000_000)
        );
        assert_eq!(parse_nanos("2000-03-01"), Some(951_868_800 * 1_000_000_000));
        assert_eq!(parse_nanos("2024-02-29"), parse_nanos("2024-02-29T00:00"));
        assert!(parse_nanos("2023-02-29").is_none());
        assert!(parse_nanos("2024-13-01").is_none());
        assert!(parse_nanos("2024-01-01T24:00").is_none());
        assert!(parse_nanos("2024-01-01X").is_none());
        assert!(parse_nanos("2024-01-01T10:00:00.Z").is_none());
        assert!(parse_nanos("2024-01-01T10:00:00ZZ").is_none());
        assert!(parse_nanos("Sales").is_none());
        assert!(parse_nanos("２０２４-01-01").is_none());
        assert_eq!(
            parse_nanos("2024-01-01T01:00:00+0100"),
            parse_nanos("2024-01-01T00:00:00Z")
        );
        assert_eq!(
            parse_nanos("2023-12-31T23:00:00-01"),
            parse_nanos("2024-01-01T00:00:00Z")
        );
    }
}
