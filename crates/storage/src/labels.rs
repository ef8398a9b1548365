//! The domain's fixed-value names ([`Label`]) in the store: a TEXT column holds the name,
//! read back only as one of the set's values. [`Stored`] carries diesel's `ToSql`/`FromSql`
//! for them (the orphan rule keeps those impls out of `crm-domain`); a row field of a label
//! type reads through it with `#[diesel(deserialize_as = Stored<ImpactLevel>)]`.

use crm_domain::Label;
use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;

/// A label as a TEXT column holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromSqlRow, diesel::expression::AsExpression)]
#[diesel(sql_type = Text)]
pub struct Stored<L: Label>(pub L);

impl<L: Label + std::fmt::Debug, DB: Backend> FromSql<Text, DB> for Stored<L>
where
    String: FromSql<Text, DB>,
{
    fn from_sql(value: DB::RawValue<'_>) -> deserialize::Result<Self> {
        let name = <String as FromSql<Text, DB>>::from_sql(value)?;
        L::parse_name(&name).map(Stored).ok_or_else(|| {
            format!("the store holds {name:?}, which this version does not know (one of {})", L::names().join(", "))
                .into()
        })
    }
}

impl<L: Label + std::fmt::Debug, DB: Backend> ToSql<Text, DB> for Stored<L>
where
    str: ToSql<Text, DB>,
{
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
        self.0.name().to_sql(out)
    }
}

/// `From<Stored<L>> for L`, per label (a blanket impl is not allowed for a foreign type).
macro_rules! unwrap_stored {
    ($($label:ty),*) => {$(
        impl From<Stored<$label>> for $label {
            fn from(stored: Stored<$label>) -> Self {
                stored.0
            }
        }
    )*};
}

unwrap_stored!(crm_domain::ImpactLevel);

/// `sql` with each `{name}` of a label `L` replaced by the name as an SQL string literal
/// (`{completed}` → `'completed'`): raw SQL spells a label through its one definition.
///
/// ```
/// use crm_domain::SaleStatus;
/// let sql = crm_storage::with_labels::<SaleStatus>("WHERE status = {completed} OR status = {refunded}");
/// assert_eq!(sql, "WHERE status = 'completed' OR status = 'refunded'");
/// ```
///
/// # Panics
///
/// When `sql` names a value `L` does not have (a typo, a renamed value): caught by the first
/// test that runs the query.
pub fn with_labels<L: Label>(sql: &str) -> String {
    let mut out = sql.to_owned();
    for name in L::NAMES {
        out = out.replace(&format!("{{{name}}}"), &format!("'{name}'"));
    }
    assert!(!out.contains('{'), "a label in the SQL names no value of {}: {out}", L::names().join(", "));
    out
}
