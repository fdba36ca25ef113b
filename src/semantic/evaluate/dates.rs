//! Qlik's dates: serial numbers (days since 1899-12-30) on `jiff` civil dates, `DateFormat`
//! formatting and parsing, and the date functions.

use super::*;

pub(super) fn epoch() -> Date {
    jiff::civil::date(1899, 12, 30)
}

/// Qlik's serial number of a date: days since 1899-12-30.
pub fn date_serial(date: Date) -> f64 {
    // Whole days between civil dates: a plain subtraction, where a `Span` in days (`until`)
    // goes through jiff's general rounding (a calendar loop evaluates this thousands of times).
    (date.duration_since(epoch()).as_secs() / 86_400) as f64
}

/// The date of a serial number (its integer part).
pub fn serial_date(serial: f64) -> Option<Date> {
    if !serial.is_finite() || serial.abs() > 3_000_000.0 {
        return None;
    }
    let days = serial.floor() as i64;
    epoch()
        .checked_add(jiff::SignedDuration::from_hours(days * 24))
        .ok()
}

pub(super) fn date_format(ctx: &dyn Context) -> String {
    ctx.variable("DateFormat")
        .ok()
        .flatten()
        .unwrap_or_else(|| "M/D/YYYY".to_string())
}

pub(super) fn date_value(serial: f64, ctx: &dyn Context) -> Value {
    match serial_date(serial) {
        Some(d) => Value::Dual(serial, format_date(d, &date_format(ctx), ctx)),
        None => Value::Null,
    }
}

pub(super) fn names(ctx: &dyn Context, var: &str, fallback: &str) -> Vec<String> {
    ctx.variable(var)
        .ok()
        .flatten()
        .unwrap_or_else(|| fallback.to_string())
        .split(';')
        .map(str::to_string)
        .collect()
}

/// Formats a date with Qlik's format codes (`YYYY`, `YY`, `MMMM`, `MMM`, `MM`, `M`, `DD`,
/// `D`, `WWWW`, `WWW`); other characters are copied. Called once per evaluated date (a
/// calendar loop runs it thousands of times), so it writes into one buffer.
pub fn format_date(date: Date, format: &str, ctx: &dyn Context) -> String {
    let mut out = String::with_capacity(format.len() + 8);
    let bytes = format.as_bytes();
    let mut i = 0;
    while i < format.len() {
        let c = format[i..].chars().next().unwrap_or(' ');
        let mut run = 1;
        while c.is_ascii()
            && i + run < bytes.len()
            && bytes[i + run].eq_ignore_ascii_case(&(c as u8))
        {
            run += 1;
        }
        match c.to_ascii_uppercase() {
            'Y' if run >= 3 => push_padded(&mut out, i64::from(date.year()), 4),
            'Y' => push_padded(&mut out, i64::from(date.year()).rem_euclid(100), 2),
            'M' if run >= 4 => push_name(
                &mut out,
                ctx,
                "LongMonthNames",
                LONG_MONTHS,
                date.month() as usize - 1,
            ),
            'M' if run == 3 => push_name(
                &mut out,
                ctx,
                "MonthNames",
                SHORT_MONTHS,
                date.month() as usize - 1,
            ),
            'M' if run == 2 => push_padded(&mut out, i64::from(date.month()), 2),
            'M' => push_padded(&mut out, i64::from(date.month()), 1),
            'D' if run >= 2 => push_padded(&mut out, i64::from(date.day()), 2),
            'D' => push_padded(&mut out, i64::from(date.day()), 1),
            'W' if run >= 3 => {
                let wd = date.weekday().to_monday_zero_offset() as usize;
                if run >= 4 {
                    push_name(&mut out, ctx, "LongDayNames", LONG_DAYS, wd);
                } else {
                    push_name(&mut out, ctx, "DayNames", SHORT_DAYS, wd);
                }
            }
            _ => {
                for _ in 0..run {
                    out.push(c);
                }
            }
        }
        i += if c.is_ascii() { run } else { c.len_utf8() };
    }
    out
}

/// Appends `n` in decimal, zero-padded to `width` digits (`{n:0width$}` without the
/// formatting machinery, which cost more than the rest of a date's formatting).
pub(super) fn push_padded(out: &mut String, n: i64, width: usize) {
    let mut digits = [0u8; 20];
    let mut len = 0;
    let mut rest = n.unsigned_abs();
    loop {
        digits[len] = b'0' + (rest % 10) as u8;
        len += 1;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    if n < 0 {
        out.push('-');
    }
    // `{:04}` counts the sign in the width.
    let width = width.saturating_sub(usize::from(n < 0));
    for _ in len..width {
        out.push('0');
    }
    for d in digits[..len].iter().rev() {
        out.push(*d as char);
    }
}

const LONG_MONTHS: &str =
    "January;February;March;April;May;June;July;August;September;October;November;December";
const SHORT_MONTHS: &str = "Jan;Feb;Mar;Apr;May;Jun;Jul;Aug;Sep;Oct;Nov;Dec";
const LONG_DAYS: &str = "Monday;Tuesday;Wednesday;Thursday;Friday;Saturday;Sunday";
const SHORT_DAYS: &str = "Mon;Tue;Wed;Thu;Fri;Sat;Sun";

/// Appends the `index`th name of the `;`-separated list in variable `var` (Qlik's default
/// list when the script has not set it).
fn push_name(out: &mut String, ctx: &dyn Context, var: &str, fallback: &str, index: usize) {
    match ctx.variable(var).ok().flatten() {
        Some(list) => out.push_str(list.split(';').nth(index).unwrap_or("")),
        None => out.push_str(fallback.split(';').nth(index).unwrap_or("")),
    }
}

/// Reads a date written in `format` (the inverse of [`format_date`] for numeric codes).
pub fn parse_date(text: &str, format: &str) -> Option<Date> {
    let (mut year, mut month, mut day) = (None, None, None);
    let t: Vec<char> = text.trim().chars().collect();
    let f: Vec<char> = format.chars().collect();
    let (mut ti, mut fi) = (0, 0);
    while fi < f.len() {
        let c = f[fi].to_ascii_uppercase();
        let mut run = 1;
        while fi + run < f.len() && f[fi + run].eq_ignore_ascii_case(&f[fi]) {
            run += 1;
        }
        if matches!(c, 'Y' | 'M' | 'D') {
            let max = if c == 'Y' { run.max(2) } else { 2 };
            let start = ti;
            while ti < t.len() && t[ti].is_ascii_digit() && ti - start < max {
                ti += 1;
            }
            let value: i32 = t[start..ti].iter().collect::<String>().parse().ok()?;
            match c {
                'Y' => year = Some(if run <= 2 { 2000 + value } else { value }),
                'M' => month = Some(value),
                _ => day = Some(value),
            }
        } else {
            for _ in 0..run {
                if t.get(ti) != Some(&f[fi]) {
                    return None;
                }
                ti += 1;
            }
        }
        fi += run;
    }
    if ti != t.len() {
        return None;
    }
    Date::new(year? as i16, month? as i8, day.unwrap_or(1) as i8).ok()
}

/// A date argument: a number (serial), or a text read with `DateFormat` or ISO form.
pub(super) fn date_arg(v: &[Value], i: usize, ctx: &dyn Context) -> Option<Date> {
    let value = v.get(i)?;
    if let Some(n) = value.number() {
        return serial_date(n);
    }
    let text = value.text();
    parse_date(&text, &date_format(ctx)).or_else(|| parse_date(&text, "YYYY-MM-DD"))
}

pub(super) fn dates(name: &str, written: &str, v: &[Value], ctx: &dyn Context) -> Eval {
    let d = |i| date_arg(v, i, ctx);
    let shift = |i: usize| v.get(i).and_then(Value::number).unwrap_or(0.0) as i64;
    let dv = |date: Option<Date>| Ok(date.map_or(Value::Null, |d| date_value(date_serial(d), ctx)));
    match name {
        "date" => match (d(0), v.get(1)) {
            (Some(date), Some(fmt)) => Ok(Value::Dual(
                date_serial(date),
                format_date(date, &fmt.text(), ctx),
            )),
            (date, _) => dv(date),
        },
        "date#" => {
            let fmt = v.get(1).map_or_else(|| date_format(ctx), Value::text);
            dv(parse_date(&text_of(v, 0), &fmt))
        }
        "makedate" => {
            let y = num_of(v, 0).unwrap_or(0.0) as i16;
            let m = num_of(v, 1).unwrap_or(1.0) as i8;
            let day = num_of(v, 2).unwrap_or(1.0) as i8;
            dv(Date::new(y, m, day).ok())
        }
        "year" => Ok(d(0).map_or(Value::Null, |x| Value::Num(x.year() as f64))),
        "month" => Ok(d(0).map_or(Value::Null, |x| {
            let names = names(
                ctx,
                "MonthNames",
                "Jan;Feb;Mar;Apr;May;Jun;Jul;Aug;Sep;Oct;Nov;Dec",
            );
            Value::Dual(
                x.month() as f64,
                names
                    .get(x.month() as usize - 1)
                    .cloned()
                    .unwrap_or_default(),
            )
        })),
        "day" => Ok(d(0).map_or(Value::Null, |x| Value::Num(x.day() as f64))),
        "weekday" => Ok(d(0).map_or(Value::Null, |x| {
            Value::Num(x.weekday().to_monday_zero_offset() as f64)
        })),
        "week" => Ok(d(0).map_or(Value::Null, |x| Value::Num(x.iso_week_date().week() as f64))),
        "weekyear" => Ok(d(0).map_or(Value::Null, |x| Value::Num(x.iso_week_date().year() as f64))),
        "addmonths" => dv(d(0).and_then(|x| x.checked_add(JiffSpan::new().months(shift(1))).ok())),
        "addyears" => dv(d(0).and_then(|x| x.checked_add(JiffSpan::new().years(shift(1))).ok())),
        "monthstart" => dv(d(0)
            .and_then(|x| x.checked_add(JiffSpan::new().months(shift(1))).ok())
            .map(|x| x.first_of_month())),
        "monthend" => dv(d(0)
            .and_then(|x| x.checked_add(JiffSpan::new().months(shift(1))).ok())
            .map(|x| x.last_of_month())),
        "yearstart" => dv(d(0)
            .and_then(|x| x.checked_add(JiffSpan::new().years(shift(1))).ok())
            .map(|x| x.first_of_year())),
        "yearend" => dv(d(0)
            .and_then(|x| x.checked_add(JiffSpan::new().years(shift(1))).ok())
            .map(|x| x.last_of_year())),
        "quarterstart" | "quarterend" => dv(d(0)
            .and_then(|x| x.checked_add(JiffSpan::new().months(3 * shift(1))).ok())
            .and_then(|x| {
                let first = (x.month() - 1) / 3 * 3 + 1;
                let start = Date::new(x.year(), first, 1).ok()?;
                if name == "quarterstart" {
                    Some(start)
                } else {
                    start
                        .checked_add(JiffSpan::new().months(2))
                        .ok()
                        .map(|s| s.last_of_month())
                }
            })),
        "weekstart" | "weekend" => dv(d(0)
            .and_then(|x| x.checked_add(JiffSpan::new().weeks(shift(1))).ok())
            .and_then(|x| {
                let back = x.weekday().to_monday_zero_offset() as i64;
                let start = x.checked_sub(JiffSpan::new().days(back)).ok()?;
                if name == "weekstart" {
                    Some(start)
                } else {
                    start.checked_add(JiffSpan::new().days(6)).ok()
                }
            })),
        "daystart" | "dayend" | "dayname" | "monthname" => dv(d(0)),
        _ => Err(Unknown::missing(format!(
            "{written}() is not evaluated by the resolver"
        ))),
    }
}

/// `Num(x, '#,##0.00')`-style formatting: the number of decimals after the last `.` or `,`
/// of the pattern; grouping is not applied.
pub(super) fn format_with_pattern(x: f64, pattern: &str) -> String {
    let decimals = pattern.rfind(['.', ',']).map_or(0, |at| {
        pattern[at + 1..]
            .chars()
            .filter(|c| *c == '0' || *c == '#')
            .count()
    });
    if pattern.rfind(['.', ',']).is_none() {
        return format!("{}", x.round() as i64);
    }
    format!("{x:.decimals$}")
}

#[cfg(test)]
mod tests {
    use super::push_padded;

    #[test]
    fn padded_numbers_match_the_formatter() {
        for n in [
            -12345,
            -100,
            -5,
            0,
            1,
            9,
            10,
            99,
            100,
            999,
            2024,
            12345,
            i64::MIN + 1,
        ] {
            for width in 0..6 {
                let mut out = String::new();
                push_padded(&mut out, n, width);
                assert_eq!(out, format!("{n:0width$}"), "{n} width {width}");
            }
        }
    }
}
