//! Suggestions for mistyped names: the closest candidate by edit distance.

/// The candidate closest to `word`, if close enough to be a likely typo.
pub fn closest<'c, I>(word: &str, candidates: I) -> Option<&'c str>
where
    I: IntoIterator<Item = &'c str>,
{
    let limit = 2 + word.chars().count() / 15;
    candidates
        .into_iter()
        .filter(|c| *c != word)
        .map(|c| {
            let contained = word.len() >= 3 && (c.contains(word) || word.contains(c));
            (if contained { 0 } else { edit_distance(word, c) }, c)
        })
        .filter(|(distance, _)| *distance <= limit)
        // Among names containing the word (or contained in it), the nearest by edit distance.
        .min_by_key(|(distance, c)| (*distance, edit_distance(word, c)))
        .map(|(_, c)| c)
}

/// The Levenshtein distance between two strings, in characters.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nearest_of_the_containing_names_wins() {
        assert_eq!(
            closest("PRODUCER_CONFIGS", ["PRODUCER", "PRODUCER_CONFIG"]),
            Some("PRODUCER_CONFIG")
        );
    }

    #[test]
    fn edit_distance_counts_characters() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("créé", "cree"), 2);
    }
}
