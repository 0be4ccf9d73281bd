//! Wording of error messages.

/// `count` followed by `noun` in the right number: `plural(1, "byte")` is
/// "1 byte", `plural(2, "byte")` is "2 bytes" (regular plurals only).
pub(crate) fn plural(count: u64, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::plural;

    #[test]
    fn plural_matches_the_count() {
        assert_eq!(plural(0, "byte"), "0 bytes");
        assert_eq!(plural(1, "byte"), "1 byte");
        assert_eq!(plural(2, "code unit"), "2 code units");
    }
}
