//! Text folding for search: the same function prepares what is stored and what is typed, so
//! "анна" finds "Анна", "zoe" finds "Zoë" and "שרה" finds "שָׂרָה" on every backend alike.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Longest search term kept; longer words are cut (prefix search still finds them).
pub const MAX_TERM_CHARS: usize = 40;

/// Lower-case, decompose, and drop combining marks (accents, niqqud, harakat).
pub fn fold(s: &str) -> String {
    s.nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// A name folded once, for its sort key and its search words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Folded {
    /// [`fold`]ed: the key the lists sort and prefix-search by.
    pub sort: String,
    /// Its [`folded_words`]: the rows of the search index.
    pub words: Vec<String>,
}

impl Folded {
    pub fn new(name: &str) -> Self {
        let sort = fold(name);
        let words = folded_words(&sort);
        Folded { sort, words }
    }
}

/// The distinct folded words of `s`, split at anything that is not a letter or digit.
pub fn words(s: &str) -> Vec<String> {
    folded_words(&fold(s))
}

/// [`words`] of a string that is already [`fold`]ed (a bulk load folds each name once for
/// its sort key and its words).
pub fn folded_words(folded: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in folded.split(|c: char| !c.is_alphanumeric()) {
        if w.is_empty() {
            continue;
        }
        let w: String = w.chars().take(MAX_TERM_CHARS).collect();
        if !out.contains(&w) {
            out.push(w);
        }
    }
    out
}

/// The smallest string greater than every string starting with `prefix`, so that a prefix search
/// is the index-friendly range `prefix <= term < prefix_end(prefix)` on any backend.
pub fn prefix_end(prefix: &str) -> String {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let mut next = last as u32 + 1;
        // Skip the surrogate gap, which holds no chars.
        if (0xD800..=0xDFFF).contains(&next) {
            next = 0xE000;
        }
        if let Some(c) = char::from_u32(next) {
            chars.push(c);
            return chars.into_iter().collect();
        }
    }
    // Only reachable for a prefix made of U+10FFFF: nothing sorts after it.
    char::MAX.to_string().repeat(prefix.chars().count() + 1)
}

/// Trim and collapse inner runs of white space to one space.
pub fn squish(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn folds_case_and_marks_in_many_scripts() {
        assert_eq!(fold("Анна"), "анна");
        assert_eq!(fold("Zoë"), "zoe");
        assert_eq!(fold("שָׂרָה"), "שרה");
        assert_eq!(fold("مُحَمَّد"), "محمد");
    }

    #[test]
    fn words_split_and_dedupe() {
        assert_eq!(
            words("Anna-Maria  O'Neil anna"),
            vec!["anna", "maria", "o", "neil"]
        );
        assert!(words("  -- ").is_empty());
    }

    #[test]
    fn prefix_end_bounds_the_range() {
        assert_eq!(prefix_end("ab"), "ac");
        assert_eq!(prefix_end("ан"), "ао");
    }

    proptest! {
        #[test]
        fn every_extension_sorts_inside_the_prefix_range(p in "\\PC{1,6}", rest in "\\PC{0,6}") {
            let s = format!("{p}{rest}");
            prop_assert!(s.as_str() >= p.as_str());
            prop_assert!(s < prefix_end(&p));
        }

        #[test]
        fn fold_is_idempotent(s in "\\PC{0,20}") {
            prop_assert_eq!(fold(&fold(&s)), fold(&s));
        }
    }
}
