//! RFM analysis: recency, frequency and monetary value of each customer's completed
//! purchases, scored 1-5 by quintile of rank, and named segments from the scores.
//!
//! Scoring: customers are ranked on each measure (most recent, most frequent, highest
//! spend first gets the best score). A customer's score is `5 - floor(5 * r / n)`, where
//! `r` is the 0-based rank of the *first* customer with the same value (ties share the
//! best score their value reaches), and `n` the number of customers scored. So the top
//! fifth scores 5 and the bottom fifth 1, and equal values always score alike whatever
//! order the input came in.

/// One customer's raw measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RfmInput {
    /// Days since the last completed purchase (0 = today).
    pub recency_days: i64,
    /// Number of completed purchases.
    pub frequency: i64,
    /// Total spent on completed purchases, in cents.
    pub monetary_cents: i64,
}

/// 1-5 scores, 5 best.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RfmScore {
    /// Recency score: 5 for the most recent fifth.
    pub recency: u8,
    /// Frequency score: 5 for the most frequent fifth.
    pub frequency: u8,
    /// Monetary score: 5 for the highest-spending fifth.
    pub monetary: u8,
}

impl RfmScore {
    /// The named segment of these scores.
    pub fn segment(self) -> RfmSegment {
        RfmSegment::from_scores(self.recency, self.frequency)
    }
}

pub use crm_domain::RfmSegment;

/// Scores every customer; the output is in input order.
///
/// ```
/// use crm_analytics::rfm::{RfmInput, rfm_scores};
/// let customers: Vec<RfmInput> = (0..5)
///     .map(|i| RfmInput { recency_days: i * 10, frequency: 5 - i, monetary_cents: 1000 * (5 - i) })
///     .collect();
/// let scores = rfm_scores(&customers);
/// assert_eq!(scores.iter().map(|s| s.recency).collect::<Vec<_>>(), [5, 4, 3, 2, 1]);
/// assert_eq!(scores[0].frequency, 5);
/// ```
pub fn rfm_scores(customers: &[RfmInput]) -> Vec<RfmScore> {
    // Smaller recency is better, so rank it on the negated value.
    let recency = quintiles(customers, |c| -c.recency_days);
    let frequency = quintiles(customers, |c| c.frequency);
    let monetary = quintiles(customers, |c| c.monetary_cents);
    (0..customers.len())
        .map(|i| RfmScore { recency: recency[i], frequency: frequency[i], monetary: monetary[i] })
        .collect()
}

/// 1-5 by rank of `key`, higher key better; ties share the score of their best rank.
fn quintiles(customers: &[RfmInput], key: impl Fn(&RfmInput) -> i64) -> Vec<u8> {
    let n = customers.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(key(&customers[i])));
    let mut scores = vec![0_u8; n];
    let mut first_rank_of_value = 0;
    for (rank, &i) in order.iter().enumerate() {
        if rank > 0 && key(&customers[order[rank - 1]]) != key(&customers[i]) {
            first_rank_of_value = rank;
        }
        let score = 5 - (5 * first_rank_of_value / n);
        scores[i] = u8::try_from(score).unwrap_or(1);
    }
    scores
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn input(recency_days: i64, frequency: i64, monetary_cents: i64) -> RfmInput {
        RfmInput { recency_days, frequency, monetary_cents }
    }

    #[test]
    fn ties_share_the_best_score_their_value_reaches() {
        let customers = [input(1, 1, 10), input(1, 1, 10), input(1, 1, 10), input(9, 2, 99)];
        let scores = rfm_scores(&customers);
        assert_eq!(scores[0].recency, 5);
        assert_eq!(scores[3].recency, 2, "rank 3 of 4: 5 - floor(15/4)");
        assert_eq!(scores[0].frequency, scores[1].frequency);
        assert_eq!(scores[0].frequency, 4, "rank 1 of 4: 5 - floor(5/4)");
    }

    #[test]
    fn every_cell_of_the_grid_has_exactly_one_name() {
        let mut seen = std::collections::BTreeSet::new();
        for r in 1..=5 {
            for f in 1..=5 {
                seen.insert(RfmSegment::from_scores(r, f));
            }
        }
        assert_eq!(seen.len(), RfmSegment::ALL.len(), "every segment is reachable");
    }

    #[test]
    fn a_single_customer_scores_five_everywhere() {
        assert_eq!(rfm_scores(&[input(400, 1, 1)]), [RfmScore { recency: 5, frequency: 5, monetary: 5 }]);
        assert!(rfm_scores(&[]).is_empty());
    }

    proptest! {
        #[test]
        fn scores_are_1_to_5_and_independent_of_input_order(
            raw in prop::collection::vec((0_i64..400, 1_i64..50, 0_i64..100_000), 1..200),
        ) {
            let customers: Vec<RfmInput> = raw.iter().map(|&(r, f, m)| input(r, f, m)).collect();
            let scores = rfm_scores(&customers);
            let mut reversed = customers.clone();
            reversed.reverse();
            let mut reversed_scores = rfm_scores(&reversed);
            reversed_scores.reverse();
            prop_assert_eq!(&scores, &reversed_scores);
            for s in &scores {
                prop_assert!((1..=5).contains(&s.recency) && (1..=5).contains(&s.frequency) && (1..=5).contains(&s.monetary));
            }
        }

        #[test]
        fn a_better_value_never_scores_lower(
            raw in prop::collection::vec((0_i64..400, 1_i64..50, 0_i64..100_000), 2..100),
        ) {
            let customers: Vec<RfmInput> = raw.iter().map(|&(r, f, m)| input(r, f, m)).collect();
            let scores = rfm_scores(&customers);
            for (a, sa) in customers.iter().zip(&scores) {
                for (b, sb) in customers.iter().zip(&scores) {
                    if a.monetary_cents > b.monetary_cents { prop_assert!(sa.monetary >= sb.monetary); }
                    if a.recency_days < b.recency_days { prop_assert!(sa.recency >= sb.recency); }
                }
            }
        }
    }
}
