//! serde helpers for payloads that differ between Qlik versions: `null` where a value was
//! expected, objects where a string was (or `""` where an object was), numbers that arrive as
//! `1.000000`, as strings, as `"NaN"` or as `null`. Each turns what it cannot read into the
//! default instead of failing the whole entity, because one odd member must not lose an app.

use serde::de::{Deserialize, DeserializeOwned, Deserializer};
use serde_json::Value;

/// `null` (or a missing member, with `#[serde(default)]`) becomes `T::default()`.
pub fn nullable<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// An object member that servers send as `null`, `""` or an object: only an object that
/// parses as `T` counts.
pub fn object_or_none<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    let value = Value::deserialize(d)?;
    Ok(match value {
        Value::Object(_) => serde_json::from_value(value).ok(),
        _ => None,
    })
}

/// Any member read as `T` when it can be, `None` when it is `null`, missing or of another type.
pub fn maybe<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    let value = Value::deserialize(d)?;
    Ok(match value {
        Value::Null => None,
        other => serde_json::from_value(other).ok(),
    })
}

/// A string member that may be `null`, `""`, a number or a boolean; `None` when empty.
pub fn string_or_none<'de, D>(d: D) -> Result<Option<String>, D::Error>
where
    D: Deserializer<'de>,
{
    Ok(match Value::deserialize(d)? {
        Value::String(s) if !s.is_empty() => Some(s),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    })
}

/// Any scalar as a string (`version` arrives as `1`, `"1.0"` or `null`).
pub fn any_string<'de, D>(d: D) -> Result<String, D::Error>
where
    D: Deserializer<'de>,
{
    Ok(string_or_none(d)?.unwrap_or_default())
}

/// A number that may come as a JSON number, a numeric string (`"1.000000"`), `"NaN"`, `null`
/// or anything else; only finite values count.
pub fn number(value: &Value) -> Option<f64> {
    let n = match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        _ => None,
    }?;
    n.is_finite().then_some(n)
}

/// An integer member read with [`number`]; fractions are truncated, anything unreadable is 0.
pub fn lenient_i64<'de, D>(d: D) -> Result<i64, D::Error>
where
    D: Deserializer<'de>,
{
    let value = Value::deserialize(d)?;
    Ok(number(&value).map(|n| n as i64).unwrap_or(0))
}

/// A number member read with [`number`]; `None` when unreadable.
pub fn number_or_none<'de, D>(d: D) -> Result<Option<f64>, D::Error>
where
    D: Deserializer<'de>,
{
    Ok(number(&Value::deserialize(d)?))
}

/// A boolean that may come as `true`, `"true"`, `1` or `null`.
pub fn lenient_bool<'de, D>(d: D) -> Result<bool, D::Error>
where
    D: Deserializer<'de>,
{
    Ok(match Value::deserialize(d)? {
        Value::Bool(b) => b,
        Value::String(s) => s.eq_ignore_ascii_case("true") || s == "1",
        Value::Number(n) => n.as_f64().is_some_and(|n| n != 0.0),
        _ => false,
    })
}

/// Parses JSON the way JavaScript clients read it: duplicate keys keep the last value. serde's
/// derived structs refuse duplicate fields, so wire payloads go through `Value` first.
pub fn parse_value(text: &str) -> Result<Value, serde_json::Error> {
    serde_json::from_str(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Deserialize, Default, Debug)]
    #[serde(default)]
    struct T {
        #[serde(deserialize_with = "nullable")]
        name: String,
        #[serde(deserialize_with = "lenient_i64")]
        size: i64,
        #[serde(deserialize_with = "any_string")]
        version: String,
        #[serde(deserialize_with = "lenient_bool")]
        flag: bool,
    }

    #[test]
    fn odd_scalars_become_values_or_defaults() {
        let t: T = serde_json::from_value(
            json!({"name": null, "size": "1.000000", "version": 2, "flag": "true"}),
        )
        .unwrap();
        assert_eq!(
            (t.name.as_str(), t.size, t.version.as_str(), t.flag),
            ("", 1, "2", true)
        );
        let t: T = serde_json::from_value(json!({"size": -1, "version": "1.0"})).unwrap();
        assert_eq!((t.size, t.version.as_str()), (-1, "1.0"));
        let t: T = serde_json::from_value(json!({"size": "NaN"})).unwrap();
        assert_eq!(t.size, 0);
        assert_eq!(number(&json!(null)), None);
        assert_eq!(number(&json!("NaN")), None);
        assert_eq!(number(&json!(" 2.5 ")), Some(2.5));
    }

    #[test]
    fn duplicate_keys_keep_the_last_value() {
        let v = parse_value(r#"{"qType":"a","qHandle":1,"qType":"b"}"#).unwrap();
        assert_eq!(v["qType"], "b");
        assert_eq!(v.as_object().unwrap().len(), 2);
    }
}
