//! Closed sets of names: every fixed-value field the service stores or sends (segments,
//! directions, statuses, forecast methods, ...) is one of these enums, named once here.
//! [`Label`] lists a set's values, so the API's spec says them (the OpenAPI `enum`) and
//! storage writes and reads them from this one definition; serde writes and reads each
//! value by its name.

/// A closed set of names.
pub trait Label: Copy + PartialEq + Sized + 'static {
    /// Every value, in the order they are listed.
    const ALL: &'static [Self];

    /// Their names, in the same order.
    const NAMES: &'static [&'static str];

    /// The name as stored and sent.
    fn name(self) -> &'static str;

    /// The value of a name, exactly as [`Label::name`] writes it.
    ///
    /// ```
    /// use crm_domain::{Direction, Label};
    /// assert_eq!(Direction::parse_name("up"), Some(Direction::Up));
    /// assert_eq!(Direction::parse_name("Up"), None);
    /// ```
    fn parse_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|value| value.name() == name)
    }

    /// The names, in order (for messages and the spec).
    fn names() -> Vec<&'static str> {
        Self::NAMES.to_vec()
    }
}

/// Implements [`Label`], `Display` and serde for enums that have an `ALL` array and an
/// `as_str` method: serialised as their name, read back only from one.
macro_rules! labels {
    ($($label:ty),* $(,)?) => {$(
        impl $crate::Label for $label {
            const ALL: &'static [Self] = &<$label>::ALL;
            const NAMES: &'static [&'static str] = &{
                const N: usize = <$label>::ALL.len();
                let mut names = [""; N];
                let mut i = 0;
                while i < N {
                    names[i] = <$label>::ALL[i].as_str();
                    i += 1;
                }
                names
            };
            fn name(self) -> &'static str {
                self.as_str()
            }
        }

        impl ::std::fmt::Display for $label {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $label {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $label {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let name = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(deserializer)?;
                <Self as $crate::Label>::parse_name(&name).ok_or_else(|| {
                    ::serde::de::Error::unknown_variant(&name, <Self as $crate::Label>::NAMES)
                })
            }
        }
    )*};
}

pub(crate) use labels;

#[cfg(test)]
mod tests {
    use crate::*;

    fn round_trips<L: Label + std::fmt::Debug + serde::Serialize + serde::de::DeserializeOwned>() {
        for &value in L::ALL {
            let json = serde_json::to_string(&value).unwrap();
            assert_eq!(json, format!("\"{}\"", value.name()));
            assert_eq!(serde_json::from_str::<L>(&json).unwrap(), value);
            assert_eq!(L::parse_name(value.name()), Some(value));
        }
        let names = L::names();
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "{names:?}");
    }

    #[test]
    fn every_label_is_written_and_read_by_its_one_name() {
        round_trips::<Segment>();
        round_trips::<RfmSegment>();
        round_trips::<Direction>();
        round_trips::<ImpactLevel>();
        round_trips::<SaleStatus>();
        round_trips::<ChurnLevel>();
        round_trips::<ChurnBasis>();
        round_trips::<Phase>();
        round_trips::<Basis>();
        round_trips::<EffectSource>();
        round_trips::<UnitsMethod>();
        round_trips::<ForecastMethod>();
        round_trips::<ReorderStatus>();
        let error = serde_json::from_str::<Direction>("\"rising\"").unwrap_err().to_string();
        assert_eq!(error, "unknown variant `rising`, expected one of `up`, `down`, `flat`");
    }
}
