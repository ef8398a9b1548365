//! Purpose tags by rule: a map from product category to purpose ("Baking" → `party`), so
//! a customer who bought from a mapped category within the window gets its tag; and event
//! tags, for customers who bought in the days leading up to a calendar event or during it.
//! Manual tags are kept apart by the caller; these are recomputed at every refresh.

use chrono::NaiveDate;
pub use crm_domain::event_tag;
use std::collections::{BTreeMap, BTreeSet};

/// Category-to-purpose rules. Categories match case-insensitively, ignoring surrounding
/// whitespace; tags are stored lower-case.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PurposeRules {
    by_category: BTreeMap<String, String>,
}

/// Why a category-to-tag rule was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PurposeRuleError {
    /// No `=` between a category and a tag.
    #[error("{pair:?} is not category=tag")]
    NotAPair {
        /// The rule as written.
        pair: String,
    },
    /// The category or the tag is empty, or the tag is longer than 40 characters.
    #[error("{pair:?} needs a category and a tag of 1 to 40 characters")]
    Blank {
        /// The rule as written.
        pair: String,
    },
}

impl PurposeRules {
    /// Parses `category=tag` pairs separated by commas (`"Baking=party, Toys=gifts"`).
    /// An empty text gives no rules.
    ///
    /// ```
    /// use crm_analytics::purpose::PurposeRules;
    /// let rules = PurposeRules::parse("Baking=party, Toys = Gifts").unwrap();
    /// assert_eq!(rules.tag_of(" baking "), Some("party"));
    /// assert_eq!(rules.tag_of("TOYS"), Some("gifts"));
    /// assert_eq!(PurposeRules::parse("Baking").unwrap_err().to_string(), r#""Baking" is not category=tag"#);
    /// ```
    pub fn parse(text: &str) -> Result<Self, PurposeRuleError> {
        let mut by_category = BTreeMap::new();
        for pair in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (category, tag) =
                pair.split_once('=').ok_or_else(|| PurposeRuleError::NotAPair { pair: pair.to_owned() })?;
            let (category, tag) = (category.trim().to_lowercase(), tag.trim().to_lowercase());
            if category.is_empty() || tag.is_empty() || tag.chars().count() > 40 {
                return Err(PurposeRuleError::Blank { pair: pair.to_owned() });
            }
            by_category.insert(category, tag);
        }
        Ok(Self { by_category })
    }

    /// Whether there are no rules.
    pub fn is_empty(&self) -> bool {
        self.by_category.is_empty()
    }

    /// The tag a category maps to.
    pub fn tag_of(&self, category: &str) -> Option<&str> {
        self.by_category.get(&category.trim().to_lowercase()).map(String::as_str)
    }

    /// The tags of a set of purchased categories.
    ///
    /// ```
    /// use crm_analytics::purpose::PurposeRules;
    /// let rules = PurposeRules::parse("Baking=party,Balloons=party,Toys=gifts").unwrap();
    /// let tags = rules.tags_for(["Baking", "Balloons", "Bread"]);
    /// assert_eq!(tags.into_iter().collect::<Vec<_>>(), ["party"]);
    /// ```
    pub fn tags_for<'a>(&self, categories: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
        categories.into_iter().filter_map(|c| self.tag_of(c)).map(str::to_owned).collect()
    }
}

/// The days whose purchases earn an event's tag: `lead_days` before its first day through
/// its last day (shoppers stock up before a festival).
///
/// ```
/// use chrono::NaiveDate;
/// use crm_analytics::purpose::event_window;
/// let d = |day| NaiveDate::from_ymd_opt(2025, 11, day).unwrap();
/// assert_eq!(event_window(d(12), d(16), 7), (d(5), d(16)));
/// ```
pub fn event_window(first_day: NaiveDate, last_day: NaiveDate, lead_days: u64) -> (NaiveDate, NaiveDate) {
    (first_day.checked_sub_days(chrono::Days::new(lead_days)).unwrap_or(first_day), last_day.max(first_day))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_and_blank_entries_give_no_rules() {
        assert!(PurposeRules::parse("").unwrap().is_empty());
        assert!(PurposeRules::parse(" , ,").unwrap().is_empty());
    }

    #[test]
    fn unmapped_categories_give_no_tags() {
        let rules = PurposeRules::parse("Toys=gifts").unwrap();
        assert!(rules.tags_for(["Bread"]).is_empty());
    }
}
