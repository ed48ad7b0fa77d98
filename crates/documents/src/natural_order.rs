//! Ordering of codes as people read them: "A-2" before "A-10", "1002" before "10010".
//! Hand-written (a dozen lines) rather than another dependency.

use std::cmp::Ordering;

/// Compares digit runs by value and everything else case-insensitively, falling back to the
/// plain string order so that distinct strings never compare equal.
pub(crate) fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut x, mut y) = (a.chars().peekable(), b.chars().peekable());
    loop {
        match (x.peek().copied(), y.peek().copied()) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(p), Some(q)) if p.is_ascii_digit() && q.is_ascii_digit() => {
                let take = |it: &mut std::iter::Peekable<std::str::Chars<'_>>| {
                    let mut digits = String::new();
                    while let Some(d) = it.next_if(char::is_ascii_digit) {
                        digits.push(d);
                    }
                    digits
                };
                let (m, n) = (take(&mut x), take(&mut y));
                let (m, n) = (m.trim_start_matches('0'), n.trim_start_matches('0'));
                let order = m.len().cmp(&n.len()).then_with(|| m.cmp(n));
                if order != Ordering::Equal {
                    return order;
                }
            }
            (Some(p), Some(q)) => {
                let order = p.to_lowercase().cmp(q.to_lowercase());
                if order != Ordering::Equal {
                    return order;
                }
                x.next();
                y.next();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_inside_codes_sort_by_value() {
        let mut codes = vec!["A-10", "a-2", "B-1", "A-2-3", "A-02", "1002", "999"];
        codes.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(codes, vec!["999", "1002", "A-02", "a-2", "A-2-3", "A-10", "B-1"]);
    }
}
