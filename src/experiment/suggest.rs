//! "Did you mean" suggestions for unknown keys, settings and names.

/// Levenshtein distance.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, &cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The candidate closest to `word` by edit distance.
pub(crate) fn closest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .min_by_key(|c| edit_distance(word, c))
}

/// The candidate a user most likely meant by `word`: the closest by optimal string alignment
/// (a swap of two neighbours counts one edit: `mnsit` → `mnist`), when it is within a third
/// of the word's length (at least one edit); `None` when nothing is that close, so an
/// unrelated word gets no suggestion.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (strsim::osa_distance(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::did_you_mean;

    #[test]
    fn a_near_name_is_suggested_and_a_far_one_is_not() {
        let presets = ["paper-mnist", "paper-fashion-mnist", "paper-cifar10"];
        assert_eq!(did_you_mean("paper-mnsit", presets), Some("paper-mnist"));
        assert_eq!(did_you_mean("epoch", ["runs", "epochs"]), Some("epochs"));
        assert_eq!(did_you_mean("zzz", ["runs", "epochs"]), None);
        assert_eq!(did_you_mean("x", std::iter::empty()), None);
    }
}
