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
                Ok(Code(v.to_string()))
            }
        }
        deserializer.deserialize_any(CodeVisitor)
    }
}

impl utoipa::PartialSchema for Code {
    fn schema() -> RefOr<Schema> {
        OneOfBuilder::new()
            .item(ObjectBuilder::new().schema_type(Type::String))
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64))),
            )
            .description(Some("A POS code as a string, or an integer kept as its decimal text"))
            .into()
    }
}

impl utoipa::ToSchema for Code {}
