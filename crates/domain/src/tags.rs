//! A customer's manual purpose tags (`party-supplies`, `wholesale`).

use crate::text::{TextRule, required_text};
use crate::{FieldError, Fields};

/// Most manual tags per customer.
pub const MAX_TAGS: usize = 20;
/// A tag: one line of at most 40 characters.
pub const TAG: TextRule = TextRule::line(40);

/// Validates a full set of tags: at most [`MAX_TAGS`], each a required one-line text within
/// [`TAG`]. Returns them trimmed, lower-case, sorted and without repeats, or every broken
/// rule (`tags`, `tags[2]`).
///
/// ```
/// use crm_domain::parse_tags;
/// let tags = parse_tags(&[" Wholesale ".into(), "party".into(), "wholesale".into()]).unwrap();
/// assert_eq!(tags, ["party", "wholesale"]);
/// let errors = parse_tags(&["ok".into(), " ".into()]).unwrap_err();
/// assert_eq!((errors[0].field.as_str(), errors[0].message.as_str()), ("tags[1]", "must not be empty"));
/// ```
pub fn parse_tags(raw: &[String]) -> Result<Vec<String>, Vec<FieldError>> {
    let mut f = Fields::default();
    if raw.len() > MAX_TAGS {
        f.fail("tags", format!("at most {MAX_TAGS} tags, got {}", raw.len()));
    }
    let mut tags: Vec<String> = raw
        .iter()
        .enumerate()
        .filter_map(|(i, tag)| f.check(format!("tags[{i}]"), required_text(tag, TAG)))
        .map(|tag| tag.to_lowercase())
        .collect();
    tags.sort();
    tags.dedup();
    f.finish(Some(tags))
}
/// The tag of customers who bought around an event: the event's name in lower case, each
/// run of characters other than letters and digits made one `-`, at most 40 characters.
///
/// ```
/// use crm_domain::event_tag;
/// assert_eq!(event_tag("Diwali Festival"), "diwali-festival");
/// assert_eq!(event_tag("  Back-to-School (2025)! "), "back-to-school-2025");
/// ```
pub fn event_tag(name: &str) -> String {
    let mut tag = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            tag.push(c);
        } else if !tag.is_empty() && !tag.ends_with('-') {
            tag.push('-');
        }
    }
    let mut tag: String = tag.trim_end_matches('-').chars().take(40).collect();
    while tag.ends_with('-') {
        tag.pop();
    }
    if tag.is_empty() { "event".to_owned() } else { tag }
}
