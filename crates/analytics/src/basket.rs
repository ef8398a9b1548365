//! "Customers who bought X also bought Y": co-purchase statistics over baskets
//! (receipts), and recommendations from them.
//!
//! For products A and B over N baskets: support(A,B) = baskets with both / N;
//! confidence(A→B) = baskets with both / baskets with A; lift(A,B) = support(A,B) /
//! (support(A) · support(B)). Lift above 1 means the two are bought together more often
//! than chance would have it. Pairs seen in fewer than `min_baskets` baskets are dropped.

use std::collections::{BTreeSet, HashMap};
use std::hash::Hash;

/// Two products bought together.
#[derive(Debug, Clone, PartialEq)]
pub struct Pair<K> {
    /// One product (the smaller key).
    pub a: K,
    /// The other product.
    pub b: K,
    /// Baskets holding both.
    pub together: u64,
    /// Baskets holding `a`.
    pub baskets_with_a: u64,
    /// Baskets holding `b`.
    pub baskets_with_b: u64,
    /// `together · N / (with_a · with_b)`.
    pub lift: f64,
}

impl<K> Pair<K> {
    /// Confidence of "bought `a`, so also `b`".
    pub fn confidence_a_to_b(&self) -> f64 {
        self.together as f64 / self.baskets_with_a.max(1) as f64
    }

    /// Confidence of "bought `b`, so also `a`".
    pub fn confidence_b_to_a(&self) -> f64 {
        self.together as f64 / self.baskets_with_b.max(1) as f64
    }
}

/// Counts products and pairs over `baskets` (a product repeated in one basket counts
/// once) and returns the pairs seen in at least `min_baskets` baskets, by lift.
///
/// Baskets larger than `max_basket` products are skipped: a wholesale order of hundreds of
/// lines would add tens of thousands of pairs that say little about anyone's taste.
///
/// ```
/// use crm_analytics::basket::co_purchases;
/// let baskets = [vec!["tea", "cake"], vec!["tea", "cake"], vec!["tea", "milk"], vec!["bread"]];
/// let pairs = co_purchases(baskets, 2, 100);
/// assert_eq!(pairs.len(), 1);
/// assert_eq!((pairs[0].a, pairs[0].b, pairs[0].together), ("cake", "tea", 2));
/// assert!((pairs[0].lift - 4.0 / 3.0).abs() < 1e-12); // 2·4 / (2·3)
/// ```
pub fn co_purchases<K, B>(baskets: impl IntoIterator<Item = B>, min_baskets: u64, max_basket: usize) -> Vec<Pair<K>>
where
    K: Clone + Ord + Hash,
    B: IntoIterator<Item = K>,
{
    let mut counter = CoPurchaseCounter::new(max_basket);
    for basket in baskets {
        counter.add_basket(basket);
    }
    counter.pairs(min_baskets)
}

/// Counts products and pairs one basket at a time, so baskets can be streamed from
/// storage without ever being held all at once. [`co_purchases`] in steps.
#[derive(Debug, Clone)]
pub struct CoPurchaseCounter<K> {
    max_basket: usize,
    baskets: u64,
    products: HashMap<K, u64>,
    pairs: HashMap<(K, K), u64>,
}

impl<K: Clone + Ord + Hash> CoPurchaseCounter<K> {
    /// A counter that skips pairs of baskets larger than `max_basket` distinct products.
    pub fn new(max_basket: usize) -> Self {
        Self { max_basket, baskets: 0, products: HashMap::new(), pairs: HashMap::new() }
    }

    /// Counts one basket.
    pub fn add_basket(&mut self, basket: impl IntoIterator<Item = K>) {
        let products: BTreeSet<K> = basket.into_iter().collect();
        self.baskets += 1;
        for p in &products {
            *self.products.entry(p.clone()).or_default() += 1;
        }
        if products.len() > self.max_basket {
            return;
        }
        let products: Vec<&K> = products.iter().collect();
        for (i, a) in products.iter().enumerate() {
            for b in &products[i + 1..] {
                *self.pairs.entry(((*a).clone(), (*b).clone())).or_default() += 1;
            }
        }
    }

    /// The pairs seen in at least `min_baskets` baskets, best lift first.
    pub fn pairs(self, min_baskets: u64) -> Vec<Pair<K>> {
        let Self { baskets, products, pairs, .. } = self;
        let mut pairs: Vec<Pair<K>> = pairs
            .into_iter()
            .filter(|(_, together)| *together >= min_baskets.max(1))
            .map(|((a, b), together)| {
                let with_a = products.get(&a).copied().unwrap_or(1);
                let with_b = products.get(&b).copied().unwrap_or(1);
                let lift = together as f64 * baskets as f64 / (with_a as f64 * with_b as f64);
                Pair { a, b, together, baskets_with_a: with_a, baskets_with_b: with_b, lift }
            })
            .collect();
        pairs.sort_by(|x, y| {
            y.lift.total_cmp(&x.lift).then(y.together.cmp(&x.together)).then_with(|| (&x.a, &x.b).cmp(&(&y.a, &y.b)))
        });
        pairs
    }
}

/// A product to suggest, and why.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Recommendation<K> {
    /// The suggested product.
    pub product: K,
    /// The already-bought product it goes with.
    pub because: K,
    /// The pair's lift.
    pub lift: f64,
    /// Confidence of "bought `because`, so also `product`".
    pub confidence: f64,
}

/// Up to `limit` products that go with what the customer `bought` (and are not among it),
/// best lift first, each product suggested once; only pairs with lift above 1 qualify.
///
/// ```
/// use crm_analytics::basket::{co_purchases, recommend};
/// let pairs = co_purchases([vec!["tea", "cake"], vec!["tea", "cake"], vec!["milk"]], 1, 100);
/// let suggestions = recommend(&pairs, &["tea"], 3);
/// assert_eq!((suggestions[0].product, suggestions[0].because), ("cake", "tea"));
/// ```
pub fn recommend<K: Clone + Ord>(pairs: &[Pair<K>], bought: &[K], limit: usize) -> Vec<Recommendation<K>> {
    let owned: BTreeSet<&K> = bought.iter().collect();
    let mut chosen: BTreeSet<K> = BTreeSet::new();
    let mut out = Vec::new();
    for pair in pairs.iter().filter(|p| p.lift > 1.0) {
        if out.len() >= limit {
            break;
        }
        let (product, because, confidence) = match (owned.contains(&pair.a), owned.contains(&pair.b)) {
            (true, false) => (&pair.b, &pair.a, pair.confidence_a_to_b()),
            (false, true) => (&pair.a, &pair.b, pair.confidence_b_to_a()),
            _ => continue,
        };
        if chosen.insert(product.clone()) {
            out.push(Recommendation {
                product: product.clone(),
                because: because.clone(),
                lift: pair.lift,
                confidence,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_products_in_one_basket_count_once() {
        let pairs = co_purchases([vec!["a", "a", "b"], vec!["a", "b"]], 1, 100);
        assert_eq!((pairs[0].together, pairs[0].baskets_with_a), (2, 2));
    }

    #[test]
    fn oversized_baskets_add_no_pairs_but_still_count() {
        let pairs = co_purchases([vec![1, 2], vec![1, 2, 3, 4]], 1, 3);
        assert_eq!(pairs.len(), 1);
        // The big basket still counts in N and in each product's baskets: 1·2 / (2·2).
        assert!((pairs[0].lift - 0.5).abs() < 1e-12);
    }

    #[test]
    fn nothing_is_recommended_from_pairs_at_or_below_chance() {
        let pairs = co_purchases([vec!["a", "b"], vec!["a", "b"]], 1, 100);
        assert!(recommend(&pairs, &["a"], 5).is_empty(), "lift exactly 1");
    }
}
