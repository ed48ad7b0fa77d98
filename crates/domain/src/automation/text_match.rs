//! Case-insensitive text matching without allocating per comparison.
//!
//! Rules compare the same needles against hundreds of thousands of orders, so the needle is folded once (at
//! compile time) and the order's text is folded on the fly. Hand-written because the crates at hand either
//! compare whole strings only (`unicase`) or allocate a folded copy per call (`str::to_lowercase`).
//! Folding is `char::to_lowercase`, applied the same way to needle and haystack; pure-ASCII text takes a
//! byte-wise fast path.

/// A folded, trimmed piece of text to look for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Needle {
    folded: String,
    ascii: bool,
}

impl Needle {
    pub(crate) fn new(text: &str) -> Needle {
        let trimmed = text.trim();
        Needle { folded: fold_chars(trimmed).collect(), ascii: trimmed.is_ascii() }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.folded.is_empty()
    }

    /// Equal to `hay` ignoring case and surrounding blanks.
    pub(crate) fn equals(&self, hay: &str) -> bool {
        let hay = trim(hay);
        if self.ascii && hay.is_ascii() {
            return hay.eq_ignore_ascii_case(&self.folded);
        }
        fold_chars(hay).eq(self.folded.chars())
    }

    pub(crate) fn starts(&self, hay: &str) -> bool {
        starts_folded(trim_start(hay), &self.folded, self.ascii)
    }

    pub(crate) fn ends(&self, hay: &str) -> bool {
        let hay = trim_end(hay);
        let n = self.folded.len();
        // An ASCII needle against an ASCII tail: only the last n bytes can match.
        if self.ascii && hay.len() >= n && hay.as_bytes()[hay.len() - n..].is_ascii() {
            return hay.as_bytes()[hay.len() - n..].eq_ignore_ascii_case(self.folded.as_bytes());
        }
        let mut hay = fold_chars(hay).rev();
        self.folded.chars().rev().all(|c| hay.next() == Some(c))
    }

    pub(crate) fn contained_in(&self, hay: &str) -> bool {
        if self.folded.is_empty() {
            return true;
        }
        if self.ascii && hay.is_ascii() {
            let needle = self.folded.as_bytes();
            return hay.as_bytes().windows(needle.len()).any(|w| w.eq_ignore_ascii_case(needle));
        }
        hay.char_indices().any(|(i, _)| starts_folded(&hay[i..], &self.folded, false))
    }
}

/// `str::trim` without walking Unicode whitespace tables when the ends are plainly not blank (the usual case).
fn trim(text: &str) -> &str {
    trim_end(trim_start(text))
}

fn trim_start(text: &str) -> &str {
    match text.as_bytes().first() {
        Some(b) if b.is_ascii() && !b.is_ascii_whitespace() => text,
        _ => text.trim_start(),
    }
}

fn trim_end(text: &str) -> &str {
    match text.as_bytes().last() {
        Some(b) if b.is_ascii() && !b.is_ascii_whitespace() => text,
        _ => text.trim_end(),
    }
}

fn fold_chars(text: &str) -> impl DoubleEndedIterator<Item = char> + '_ {
    text.chars().flat_map(char::to_lowercase)
}

fn starts_folded(hay: &str, folded: &str, needle_ascii: bool) -> bool {
    if needle_ascii && hay.is_char_boundary(folded.len().min(hay.len())) {
        let n = folded.len();
        if hay.len() >= n && hay[..n].is_ascii() {
            return hay.as_bytes()[..n].eq_ignore_ascii_case(folded.as_bytes());
        }
    }
    let mut hay = fold_chars(hay);
    folded.chars().all(|c| hay.next() == Some(c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn matches_ignoring_case_and_blanks() {
        let ground = Needle::new(" Ground ");
        assert!(ground.equals("GROUND"));
        assert!(ground.equals("  ground\t"));
        assert!(!ground.equals("Ground Saver"));
        assert!(ground.starts("Ground Saver"));
        assert!(ground.ends("UPS GROUND"));
        assert!(ground.contained_in("ups ground saver"));
        assert!(!ground.contained_in("grind"));
    }

    #[test]
    fn non_ascii_text_folds_too() {
        let name = Needle::new("ZOË");
        assert!(name.equals("zoë"));
        assert!(name.contained_in("Für Zoë Martínez"));
        assert!(Needle::new("martínez").ends("Zoë MARTÍNEZ"));
        assert!(Needle::new("ångström").starts("Ångström-Müller"));
        // An ASCII needle against non-ASCII text: the Kelvin sign folds to an ASCII `k`.
        assert!(Needle::new("k").equals("\u{212A}"));
        assert!(!Needle::new("zoe").equals("zoë"));
    }

    #[test]
    fn empty_needle() {
        let empty = Needle::new("   ");
        assert!(empty.is_empty());
        assert!(empty.equals(""));
        assert!(empty.contained_in("anything"));
    }

    proptest! {
        /// The allocation-free matcher agrees with the obvious allocating one.
        #[test]
        fn agrees_with_lowercasing_both(hay in "[a-zA-Zë É]{0,12}", needle in "[a-zA-Zë É]{0,4}") {
            let fold = |s: &str| -> String { s.chars().flat_map(char::to_lowercase).collect() };
            let n = Needle::new(&needle);
            let folded_needle = fold(needle.trim());
            prop_assert_eq!(n.equals(&hay), fold(hay.trim()) == folded_needle);
            prop_assert_eq!(n.starts(&hay), fold(hay.trim_start()).starts_with(&folded_needle));
            prop_assert_eq!(n.ends(&hay), fold(hay.trim_end()).ends_with(&folded_needle));
            prop_assert_eq!(n.contained_in(&hay), fold(&hay).contains(&folded_needle));
        }
    }
}
