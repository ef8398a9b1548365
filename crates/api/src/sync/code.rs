//! POS codes (product codes, store ids, phone numbers) that arrive as JSON strings or
//! numbers; a number is kept as its decimal text.

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use std::fmt;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, OneOfBuilder, SchemaFormat, Type};
use utoipa::openapi::{RefOr, Schema};

/// A code given as a string (`"85123A"`) or an integer (`85123`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Code(pub String);

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CodeVisitor;
        impl Visitor<'_> for CodeVisitor {
            type Value = Code;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or an integer")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Code, E> {
                Ok(Code(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Code, E> {
                Ok(Code(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Code, E> {
                Ok(Code(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Code, E> {
                WholeNumber.visit_u64(v).map(|n| Code(n.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Code, E> {
                WholeNumber.visit_f64(v).map(|n| Code(n.to_string()))
            }
        }
        deserializer.deserialize_any(CodeVisitor)
    }
}

/// Reads a JSON integer into an `i64`, as JSON Schema's `integer` means it: a number with
/// no fractional part, so `220.0` is 220 (what a POS written in a language without
/// integers sends), while `2.5` and anything beyond the 64-bit range are refused. Written
/// with a fraction or exponent, a whole number must be below 2^53 in magnitude, where
/// floating point is exact.
struct WholeNumber;

impl Visitor<'_> for WholeNumber {
    type Value = i64;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an integer between -9223372036854775808 and 9223372036854775807")
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<i64, E> {
        Ok(v)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<i64, E> {
        i64::try_from(v).map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<i64, E> {
        // Only below 2^53 is every whole number exact as an f64: beyond it, a number outside
        // the 64-bit range (which JSON parsing turns into an f64) could round into it.
        const LIMIT: f64 = 9_007_199_254_740_992.0;
        if v.fract() == 0.0 && (-LIMIT..LIMIT).contains(&v) {
            #[allow(clippy::cast_possible_truncation, reason = "whole and within range, checked above")]
            Ok(v as i64)
        } else {
            Err(E::invalid_value(de::Unexpected::Float(v), &self))
        }
    }
}

/// `deserialize_with` for an `i64` field: see [`WholeNumber`].
pub(crate) fn whole<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    deserializer.deserialize_any(WholeNumber)
}

/// `deserialize_with` for an optional `i64` field (`null` is absent): see [`WholeNumber`].
pub(crate) fn whole_or_null<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    struct OrNull;
    impl<'de> Visitor<'de> for OrNull {
        type Value = Option<i64>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an integer or null")
        }
        fn visit_unit<E: de::Error>(self) -> Result<Option<i64>, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Option<i64>, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Option<i64>, D::Error> {
            whole(deserializer).map(Some)
        }
    }
    deserializer.deserialize_option(OrNull)
}

impl utoipa::PartialSchema for Code {
    fn schema() -> RefOr<Schema> {
        OneOfBuilder::new()
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .max_length(Some(crm_domain::ProductId::MAX_LEN))
                    .pattern(Some(crate::openapi::ONE_LINE_TEXT)),
            )
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64))),
            )
            .description(Some(
                "A POS code as a string (at most 64 characters, no control characters), or an integer kept \
                 as its decimal text",
            ))
            .into()
    }
}

impl utoipa::ToSchema for Code {}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct Record {
        #[serde(deserialize_with = "whole")]
        id: i64,
        #[serde(default, deserialize_with = "whole_or_null")]
        stock: Option<i64>,
        code: Option<Code>,
    }

    fn read(json: &str) -> Result<Record, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[test]
    fn whole_numbers_may_be_written_as_floats_but_nothing_else_passes() {
        assert_eq!(read(r#"{"id": 220.0}"#).map(|r| r.id), Ok(220));
        assert_eq!(read(r#"{"id": -7, "stock": 3.0}"#).map(|r| (r.id, r.stock)), Ok((-7, Some(3))));
        assert_eq!(read(r#"{"id": 9223372036854775807}"#).map(|r| r.id), Ok(i64::MAX));
        assert_eq!(read(r#"{"id": 1, "stock": null}"#).map(|r| r.stock), Ok(None));
        assert_eq!(read(r#"{"id": 1}"#).map(|r| r.stock), Ok(None));
        for bad in ["2.5", "9223372036854775808", "-9223372036854775809", "1e300", "\"5\"", "true"] {
            assert!(read(&format!(r#"{{"id": {bad}}}"#)).is_err(), "{bad}");
            assert!(read(&format!(r#"{{"id": 1, "stock": {bad}}}"#)).is_err(), "{bad}");
        }
    }

    #[test]
    fn codes_are_strings_or_64_bit_integers_kept_as_decimal_text() {
        let code = |json: &str| read(&format!(r#"{{"id": 1, "code": {json}}}"#)).map(|r| r.code.map(|c| c.0));
        assert_eq!(code(r#""85123A""#), Ok(Some("85123A".into())));
        assert_eq!(code("85123"), Ok(Some("85123".into())));
        assert_eq!(code("30.0"), Ok(Some("30".into())));
        assert_eq!(code("9223372036854775807"), Ok(Some("9223372036854775807".into())));
        assert!(code("9223372036854775808").is_err());
        assert!(code("-9223372036854775809").is_err());
        assert!(code("1.5").is_err());
    }
}
