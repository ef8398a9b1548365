//! The OpenAPI document: the fixed parts (info, tags, shared schemas) declared here, the
//! paths and each operation's security collected from the route table itself.

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{Schema, SchemaType, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// Unicode whitespace as Rust's `char::is_whitespace` knows it: what `trim` removes.
macro_rules! whitespace {
    () => {
        r"\t\n\u000B\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000"
    };
}
/// Control characters as Rust's `char::is_control` knows them (Unicode `Cc`).
macro_rules! control {
    () => {
        r"\u0000-\u001F\u007F-\u009F"
    };
}

/// What the domain trims from a text's edges besides whitespace: zero-width spaces and
/// byte-order marks.
macro_rules! edge {
    () => {
        concat!(whitespace!(), r"\u200B\uFEFF")
    };
}
/// Bidirectional override and isolate controls, refused anywhere.
macro_rules! bidi {
    () => {
        r"\u202A-\u202E\u2066-\u2069"
    };
}
/// Default-ignorable code points of the Basic Multilingual Plane (`crm_domain::is_default_ignorable`):
/// a text of these and whitespace alone is blank.
macro_rules! ignorable {
    () => {
        r"\u00AD\u034F\u061C\u115F-\u1160\u17B4-\u17B5\u180B-\u180F\u200B-\u200F\u202A-\u202E\u2060-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0\uFFF0-\uFFF8"
    };
}

/// One-line text as the domain accepts it: blank (whitespace and invisible characters only),
/// or, once its edges are trimmed, no control or bidirectional control characters.
pub(crate) const ONE_LINE_TEXT: &str =
    concat!("^(?:[", edge!(), "]*[^", control!(), bidi!(), "]*[", edge!(), "]*|[", whitespace!(), ignorable!(), "]*)$");
/// Required one-line text: once trimmed, no control or bidirectional control characters,
/// and at least one visible character.
pub(crate) const REQUIRED_LINE_TEXT: &str = concat!(
    "^[",
    edge!(),
    "]*[^",
    control!(),
    bidi!(),
    "]*[^",
    whitespace!(),
    control!(),
    ignorable!(),
    "][^",
    control!(),
    bidi!(),
    "]*[",
    edge!(),
    "]*$"
);
/// Multi-line text (notes, addresses): blank, or once trimmed no control characters but
/// tabs and line breaks, and no bidirectional controls.
pub(crate) const MULTILINE_TEXT: &str = concat!(
    "^(?:[",
    edge!(),
    "]*[^",
    r"\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F",
    bidi!(),
    "]*[",
    edge!(),
    "]*|[",
    whitespace!(),
    ignorable!(),
    "]*)$"
);

/// The request bodies whose free-text fields follow the domain's text rules.
const REQUEST_SCHEMAS: [&str; 5] =
    ["CustomerInput", "SaleInput", "SaleItemInput", "ProductInput", "CalendarEventInput"];
/// The free-text fields that may hold several lines.
const MULTILINE_FIELDS: [&str; 2] = ["address", "notes"];

/// The document's fixed parts.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "crm-trends",
        description = "Analytics and insights beside a shop's POS: the POS syncs customers, sales and \
            stock here, and reads customer insights, sales trends, forecasts and reorder advice. \
            Requests use snake_case, responses camelCase; money is a decimal number (2 decimals for \
            totals, 4 for unit prices); timestamps are RFC 3339 with an offset. Errors are \
            application/problem+json (RFC 9457).",
        license(name = "MIT", identifier = "MIT"),
        contact(name = "crm-trends maintainers")
    ),
    servers((url = "/", description = "This server")),
    tags(
        (name = "health", description = "Liveness and database state"),
        (name = "sync", description = "Data pushed by the POS: idempotent, all-or-nothing batches"),
        (name = "customers", description = "Customer insights at checkout, search, purpose tags"),
        (name = "analytics", description = "Trends and insights computed from the synced data"),
        (name = "calendar", description = "Festivals, holidays, promotions and events that move demand"),
        (name = "export", description = "Every table as CSV, streamed: customers, products, sales with lines, daily totals, the calendar"),
        (name = "operations", description = "Metrics for monitoring"),
    ),
    modifiers(&BearerAuth),
    components(schemas(crate::Problem, crate::RecordError, crate::ProblemCode))
)]
pub struct ApiDoc;

/// Declares the `Authorization: Bearer <key>` scheme used by every route that needs a key.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some(
                "An API key from CRM_WRITE_KEYS (sync, calendar and tag writes; can read) or CRM_READ_KEYS \
                 (reads). Each operation names the role it needs as the scope of its security requirement \
                 and in `x-access` (`open`, `read`, `write`, or `read-or-local`: a read key, or no key from \
                 the server's own machine). Not needed for /api/health, nor at all while the server has no \
                 keys configured (it then answers only its own machine).",
            ))
            .build();
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme(crate::routes::SECURITY_SCHEME, SecurityScheme::Http(scheme));
    }
}

/// Says in each request body's free-text fields what the domain's text rules enforce
/// (`crm_domain::TextRule`): the text is trimmed; once trimmed it holds no control
/// characters (multi-line fields allow tabs and line breaks) and no bidirectional controls;
/// a required field is not blank (whitespace and invisible characters alone are blank).
/// `maxLength` (set on each field) counts the text as sent.
struct TextRules;

impl Modify for TextRules {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let Some(components) = openapi.components.as_mut() else { return };
        for name in REQUEST_SCHEMAS {
            let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(name) else { continue };
            let required = object.required.clone();
            for (field, property) in object.properties.iter_mut() {
                let pattern = if required.contains(field) {
                    REQUIRED_LINE_TEXT
                } else if MULTILINE_FIELDS.contains(&field.as_str()) {
                    MULTILINE_TEXT
                } else {
                    ONE_LINE_TEXT
                };
                if let RefOr::T(Schema::Object(text)) = property
                    && is_free_text(&text.schema_type, text.format.is_some(), text.max_length)
                {
                    text.pattern = Some(pattern.to_owned());
                }
            }
        }
    }
}

/// A text field: a string (or string-or-null) with a length bound and no format.
/// An array of at most `max_items` required one-line texts (at most `rule`'s characters
/// each), described by `description`: manual tags, source ids.
pub(crate) fn line_texts(
    rule: crm_domain::TextRule,
    max_items: usize,
    description: &str,
) -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder};
    let text = ObjectBuilder::new()
        .schema_type(Type::String)
        .max_length(Some(rule.max_chars))
        .pattern(Some(REQUIRED_LINE_TEXT));
    ArrayBuilder::new().items(text).max_items(Some(max_items)).description(Some(description)).build()
}

fn is_free_text(schema_type: &SchemaType, has_format: bool, max_length: Option<usize>) -> bool {
    let text = match schema_type {
        SchemaType::Type(t) => *t == Type::String,
        SchemaType::Array(types) => types.contains(&Type::String),
        SchemaType::AnyValue => false,
    };
    text && !has_format && max_length.is_some()
}

/// The schema of a fixed-value field: a string, one of the names the domain's [`Label`]
/// lists (so the spec, and a client generated from it, lists them too). For
/// `#[schema(value_type = crate::openapi::labels::Direction)]`.
///
/// [`Label`]: crm_domain::Label
pub(crate) fn label<L: crm_domain::Label>() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new().schema_type(Type::String).enum_values(Some(L::names())).build()
}

/// Named schemas of the domain's [`Label`]s (`Direction`, `ChurnLevel`, ...), each a string
/// with the names the label lists, made from the label itself: for
/// `#[schema(value_type = crate::openapi::labels::Direction)]` on a field of the domain type
/// (the field keeps its own description, and generated clients get a named union type).
///
/// [`Label`]: crm_domain::Label
pub(crate) mod labels {
    use utoipa::openapi::{RefOr, Schema};

    macro_rules! named {
        ($($label:ident $(as $name:literal)?),* $(,)?) => {$(
            #[doc = concat!("The schema of `crm_domain::", stringify!($label), "` (a type of no value: only its schema is read).")]
            pub(crate) enum $label {}

            impl utoipa::PartialSchema for $label {
                fn schema() -> RefOr<Schema> {
                    super::label::<crm_domain::$label>().into()
                }
            }

            impl utoipa::ToSchema for $label {
                fn name() -> std::borrow::Cow<'static, str> {
                    // The schema's name: the label's own, or the one the spec has always
                    // given it.
                    std::borrow::Cow::Borrowed([$($name,)? stringify!($label)][0])
                }
            }
        )*};
    }

    named!(
        Segment,
        RfmSegment,
        Direction,
        ChurnLevel,
        ChurnBasis,
        ImpactLevel,
        SaleStatus,
        UnitsMethod,
        ForecastMethod,
        Phase,
        Basis,
        EffectSource,
        ReorderStatus,
        Granularity as "GranularityParam",
    );
}

/// The complete document, paths included, exactly as the server serves it.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut api = ApiDoc::openapi();
    crate::routes::document(&mut api, &crate::routes::api_endpoints());
    // After the paths: the request schemas arrive with them.
    TextRules.modify(&mut api);
    api
}

#[cfg(test)]
mod tests {
    use super::*;
    use crm_domain::{TextRule, optional_text, required_text};
    use proptest::prelude::*;

    fn matches(pattern: &str, text: &str) -> bool {
        regex::Regex::new(pattern).unwrap().is_match(text)
    }

    /// Text made of what the rules care about: letters, spaces and other whitespace,
    /// control characters (tab and line breaks among them).
    fn texts() -> impl Strategy<Value = String> {
        let chars = prop_oneof![
            Just('a'),
            Just('é'),
            Just(' '),
            Just('\u{3000}'),
            Just('\u{85}'),
            Just('\t'),
            Just('\n'),
            Just('\r'),
            Just('\u{0}'),
            Just('\u{1b}'),
            Just('\u{7f}'),
            Just('\u{9f}'),
            Just('\u{feff}'),
            Just('\u{200b}'),
            Just('\u{200d}'),
            Just('\u{ad}'),
            Just('\u{202e}'),
            Just('\u{2066}'),
            Just('\u{e0020}'),
        ];
        proptest::collection::vec(chars, 0..8).prop_map(|c| c.into_iter().collect())
    }

    proptest! {
        /// The spec's patterns say exactly what the domain's text rules accept (length
        /// aside, which `maxLength` says).
        #[test]
        fn the_patterns_accept_exactly_what_the_text_rules_accept(text in texts()) {
            let line = TextRule::line(100);
            prop_assert_eq!(matches(ONE_LINE_TEXT, &text), optional_text(Some(&text), line).is_ok());
            prop_assert_eq!(matches(REQUIRED_LINE_TEXT, &text), required_text(&text, line).is_ok());
            let multiline = TextRule::multiline(100);
            prop_assert_eq!(matches(MULTILINE_TEXT, &text), optional_text(Some(&text), multiline).is_ok());
        }
    }

    #[test]
    fn each_request_text_field_carries_the_pattern_of_its_rule() {
        let api = openapi();
        let schemas = &api.components.as_ref().unwrap().schemas;
        let pattern_of = |schema: &str, field: &str| {
            let Some(RefOr::T(Schema::Object(object))) = schemas.get(schema) else { panic!("{schema}") };
            let Some(RefOr::T(Schema::Object(property))) = object.properties.get(field) else { panic!("{field}") };
            property.pattern.clone()
        };
        let (line, required, multiline) =
            (Some(ONE_LINE_TEXT.to_owned()), Some(REQUIRED_LINE_TEXT.to_owned()), Some(MULTILINE_TEXT.to_owned()));
        for (schema, field, expected) in [
            ("CustomerInput", "name", &required),
            ("CustomerInput", "email", &line),
            ("CustomerInput", "address", &multiline),
            ("CustomerInput", "notes", &multiline),
            ("SaleInput", "payment_method", &line),
            ("SaleItemInput", "product_name", &line),
            ("SaleItemInput", "category", &line),
            ("ProductInput", "name", &required),
            ("ProductInput", "category", &line),
            ("CalendarEventInput", "event_type", &required),
            ("CalendarEventInput", "name", &required),
            ("CalendarEventInput", "notes", &multiline),
            ("CalendarEventInput", "date", &None),
            ("CustomerInput", "created_at", &None),
        ] {
            assert_eq!(&pattern_of(schema, field), expected, "{schema}.{field}");
        }
    }
}
