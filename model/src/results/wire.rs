//! Serde helpers that keep the original's JSON spellings on typed fields: `{}` for an absent object, ordered maps
//! from pairs, whole numbers written as integers, and `null` read back as NaN.

use serde::de::{DeserializeOwned, Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::marker::PhantomData;

/// `Option<T>` written as the object `{}` when absent (the original's empty `best_metrics`, `best_params`).
pub mod empty_object {
    use super::*;

    pub fn serialize<T: Serialize, S: Serializer>(v: &Option<T>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => v.serialize(s),
            None => s.serialize_map(Some(0))?.end(),
        }
    }

    pub fn deserialize<'de, T: DeserializeOwned, D: Deserializer<'de>>(d: D) -> Result<Option<T>, D::Error> {
        let value = serde_json::Value::deserialize(d)?;
        match &value {
            serde_json::Value::Object(o) if o.is_empty() => Ok(None),
            serde_json::Value::Null => Ok(None),
            _ => T::deserialize(value).map(Some).map_err(serde::de::Error::custom),
        }
    }
}

/// `Vec<(String, T)>` written as a JSON object whose keys keep the vector's order (per-symbol metrics).
pub mod ordered_map {
    use super::*;

    pub fn serialize<T: Serialize, S: Serializer>(pairs: &[(String, T)], s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(pairs.len()))?;
        for (k, v) in pairs {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }

    pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(d: D) -> Result<Vec<(String, T)>, D::Error> {
        struct Pairs<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for Pairs<T> {
            type Value = Vec<(String, T)>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    out.push(entry);
                }
                Ok(out)
            }
        }
        d.deserialize_map(Pairs(PhantomData))
    }
}

/// An `f64` written as an integer when it is whole (the original's `"R": 2` beside `"R": 1.5`).
pub fn whole_as_integer<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        s.serialize_i64(*v as i64)
    } else {
        s.serialize_f64(*v)
    }
}

/// Reads an `f64` that was written as `null` because it was not finite (serde_json's spelling of NaN) as NaN.
pub fn nan_if_null<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Doc {
        #[serde(with = "empty_object")]
        best: Option<Point>,
        #[serde(with = "ordered_map")]
        per: Vec<(String, u32)>,
        #[serde(serialize_with = "whole_as_integer", deserialize_with = "nan_if_null")]
        r: f64,
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Point {
        x: i32,
    }

    #[test]
    fn spellings_round_trip() {
        let doc = Doc {
            best: None,
            per: vec![("z".into(), 1), ("a".into(), 2)],
            r: 2.0,
        };
        let text = serde_json::to_string(&doc).unwrap();
        assert_eq!(text, r#"{"best":{},"per":{"z":1,"a":2},"r":2}"#);
        assert_eq!(serde_json::from_str::<Doc>(&text).unwrap(), doc);
        let some = Doc {
            best: Some(Point { x: 3 }),
            per: vec![],
            r: 1.5,
        };
        let text = serde_json::to_string(&some).unwrap();
        assert_eq!(text, r#"{"best":{"x":3},"per":{},"r":1.5}"#);
        assert_eq!(serde_json::from_str::<Doc>(&text).unwrap(), some);
        let nan: Doc = serde_json::from_str(r#"{"best":{},"per":{},"r":null}"#).unwrap();
        assert!(nan.r.is_nan());
    }
}
