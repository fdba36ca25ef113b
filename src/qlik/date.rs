//! Dates as Qlik servers write them, read into Unix milliseconds and written back in the one
//! canonical form (`2016-05-26T17:01:35.867Z`). Servers send milliseconds or not, 0–7
//! fractional digits, a `Z`, an offset or no zone (schedule dates), the engine's compact form
//! `20170221T171446.000+1100`, and `1753-01-01T00:00:00.000Z` for "never".

/// The date QRS reports for "never published" (SQL Server's minimum date).
pub const NEVER: &str = "1753-01-01T00:00:00.000Z";

/// Unix milliseconds of a Qlik date, or `None` when the text is not one.
pub fn parse_millis(text: &str) -> Option<i64> {
    let t = text.trim();
    let b = t.as_bytes();
    let num = |s: &[u8]| -> Option<i64> {
        if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(s).ok()?.parse().ok()
    };
    // Date part: `YYYY-MM-DD` or compact `YYYYMMDD`.
    let (year, month, day, rest) = if b.len() >= 10 && b[4] == b'-' && b[7] == b'-' {
        (num(&b[0..4])?, num(&b[5..7])?, num(&b[8..10])?, &b[10..])
    } else if b.len() >= 8 {
        (num(&b[0..4])?, num(&b[4..6])?, num(&b[6..8])?, &b[8..])
    } else {
        return None;
    };
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let mut millis = days_from_civil(year, month, day) * 86_400_000;
    if rest.is_empty() {
        return Some(millis);
    }
    if rest[0] != b'T' && rest[0] != b' ' {
        return None;
    }
    let rest = &rest[1..];
    // Time part: `HH:MM:SS` or compact `HHMMSS`.
    let (h, m, s, mut rest) = if rest.len() >= 8 && rest[2] == b':' && rest[5] == b':' {
        (
            num(&rest[0..2])?,
            num(&rest[3..5])?,
            num(&rest[6..8])?,
            &rest[8..],
        )
    } else if rest.len() >= 6 {
        (
            num(&rest[0..2])?,
            num(&rest[2..4])?,
            num(&rest[4..6])?,
            &rest[6..],
        )
    } else {
        return None;
    };
    if h > 23 || m > 59 || s > 60 {
        return None;
    }
    millis += (h * 3600 + m * 60 + s) * 1000;
    if let Some(frac) = rest.strip_prefix(b".") {
        let digits = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 || digits > 9 {
            return None;
        }
        let mut ms = 0i64;
        for (i, d) in frac[..digits.min(3)].iter().enumerate() {
            ms += i64::from(d - b'0') * [100, 10, 1][i];
        }
        millis += ms;
        rest = &frac[digits..];
    }
    match rest {
        [] | [b'Z'] | [b'z'] => Some(millis),
        [sign @ (b'+' | b'-'), zone @ ..] => {
            let zone: Vec<u8> = zone.iter().copied().filter(|c| *c != b':').collect();
            if zone.len() != 4 {
                return None;
            }
            let offset = (num(&zone[0..2])? * 60 + num(&zone[2..4])?) * 60_000;
            Some(if *sign == b'+' {
                millis - offset
            } else {
                millis + offset
            })
        }
        _ => None,
    }
}

/// The canonical form of a Qlik date; text that is not a date is kept as it is.
pub fn normalize(text: &str) -> String {
    parse_millis(text).map_or_else(|| text.to_owned(), format_millis)
}

/// Whether the date means "never" (the 1753 date, or any date before 1900).
pub fn is_never(text: &str) -> bool {
    parse_millis(text).is_some_and(|m| m < days_from_civil(1900, 1, 1) * 86_400_000)
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub fn format_millis(millis: i64) -> String {
    let days = millis.div_euclid(86_400_000);
    let rem = millis.rem_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1000 % 60,
        rem % 1000
    )
}

/// Days since 1970-01-01 (Howard Hinnant's algorithm).
pub(crate) fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date `(year, month, day)` of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_real_servers_send() {
        let want = parse_millis("2017-02-21T06:14:46.000Z").unwrap();
        for text in [
            "2017-02-21T06:14:46Z",
            "2017-02-21T06:14:46.0Z",
            "2017-02-21T06:14:46.0000000Z",
            "2017-02-21T06:14:46",
            "2017-02-21 06:14:46",
            "2017-02-21T17:14:46.000+11:00",
            "20170221T171446.000+1100",
            "2017-02-21T01:14:46-05:00",
        ] {
            assert_eq!(parse_millis(text), Some(want), "{text}");
        }
        assert_eq!(
            normalize("2016-05-26T17:01:35.8671234Z"),
            "2016-05-26T17:01:35.867Z"
        );
        assert_eq!(format_millis(want), "2017-02-21T06:14:46.000Z");
        assert!(is_never(NEVER));
        assert_eq!(normalize(NEVER), NEVER);
        assert!(!is_never("2026-01-01T00:00:00.000Z"));
        for bad in [
            "",
            "yesterday",
            "2017-13-01",
            "2017-02-21T06:14",
            "2017-02-21T06:14:46+1",
        ] {
            assert_eq!(parse_millis(bad), None, "{bad}");
        }
        assert_eq!(normalize("not a date"), "not a date");
    }
}
