//! URL query parameters: the pages whose view lives in the address read
//! their query from them and write links back into them.

use serde::{Deserialize, Serialize};

/// A URL parameter that could not be read; the filter is left out and the
/// page says so.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IgnoredParam {
    pub name: String,
    pub value: String,
}

/// The longest search text a page or the API takes. Every character
/// costs the database more on each row searched, and no title or resource
/// id needs more to be found.
pub const MAX_SEARCH_CHARS: usize = 200;

/// How much of a value that could not be read the page repeats.
const SHOWN_CHARS: usize = 60;

/// Reads parameters by name, keeping those it could not parse.
pub struct ParamReader<G> {
    get: G,
    ignored: Vec<IgnoredParam>,
}

impl<G: Fn(&str) -> Option<String>> ParamReader<G> {
    pub fn new(get: G) -> Self {
        ParamReader { get, ignored: Vec::new() }
    }

    /// The trimmed value; an empty field is no value, and neither is one
    /// with a NUL character (no text in the database can hold one).
    pub fn text(&self, name: &str) -> Option<String> {
        (self.get)(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty() && !v.contains('\0'))
    }

    /// The value as `parse` reads it; a value it cannot read is ignored
    /// and named.
    pub fn parsed<T>(&mut self, name: &str, parse: impl Fn(&str) -> Option<T>) -> Option<T> {
        let value = self.text(name)?;
        let parsed = parse(&value);
        if parsed.is_none() {
            self.ignored.push(IgnoredParam { name: name.to_owned(), value: shortened(value) });
        }
        parsed
    }

    /// Words to search for, refused (and named) past [`MAX_SEARCH_CHARS`].
    pub fn search(&mut self, name: &str) -> Option<String> {
        self.parsed(name, |v| (v.chars().count() <= MAX_SEARCH_CHARS).then(|| v.to_owned()))
    }

    /// The parameters that were ignored, in the order they were read.
    pub fn ignored(self) -> Vec<IgnoredParam> {
        self.ignored
    }
}

/// A long value cut to what a notice can repeat, saying how long it was.
fn shortened(value: String) -> String {
    let length = value.chars().count();
    if length <= SHOWN_CHARS {
        return value;
    }
    let start: String = value.chars().take(SHOWN_CHARS).collect();
    format!("{start}… ({length} characters)")
}

/// Percent-encodes a URL query value (RFC 3986 unreserved characters stay).
pub fn encode_component(value: &str) -> String {
    let mut encoded = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => encoded.push(byte as char),
            _ => encoded.push_str(&format!("%{byte:02X}")),
        }
    }
    encoded
}

/// `name=value` pairs as a query string, values encoded; empty for none.
pub fn query_string(params: &[(&str, String)]) -> String {
    params.iter().map(|(name, value)| format!("{name}={}", encode_component(value))).collect::<Vec<_>>().join("&")
}

/// `next` if it is a path on this site, to send the browser to after
/// signing in: one leading `/`, and no backslash, whitespace or control
/// character anywhere (browsers drop tabs and newlines from a Location, so
/// `/\t/evil.example` would become `//evil.example`, another site).
pub fn local_path(next: &str) -> Option<&str> {
    let clean = !next.chars().any(|c| c == '\\' || c.is_whitespace() || c.is_control());
    (clean && next.starts_with('/') && !next.starts_with("//")).then_some(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_past_the_limit_is_refused_and_named_shortly() {
        let long = "a".repeat(MAX_SEARCH_CHARS + 1);
        let mut params = ParamReader::new(|name: &str| (name == "q").then(|| long.clone()));
        assert_eq!(params.search("q"), None);
        let ignored = params.ignored();
        assert_eq!(ignored.len(), 1);
        assert_eq!(ignored[0].value, format!("{}… (201 characters)", "a".repeat(SHOWN_CHARS)));
    }

    #[test]
    fn a_search_at_the_limit_is_kept() {
        let long = "é".repeat(MAX_SEARCH_CHARS);
        let mut params = ParamReader::new(|_: &str| Some(long.clone()));
        assert_eq!(params.search("q"), Some(long.clone()));
        assert!(params.ignored().is_empty());
    }

    #[test]
    fn only_a_path_on_this_site_is_a_local_path() {
        assert_eq!(local_path("/findings?severity=HIGH"), Some("/findings?severity=HIGH"));
        for elsewhere in [
            "https://evil.example/",
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/ /evil.example",
            "",
            "findings",
        ] {
            assert_eq!(local_path(elsewhere), None, "{elsewhere:?}");
        }
    }

    #[test]
    fn values_in_links_are_percent_encoded() {
        assert_eq!(encode_component("a b&c/d"), "a%20b%26c%2Fd");
        assert_eq!(
            query_string(&[("q", "s3 bucket".into()), ("sort", "updated".into())]),
            "q=s3%20bucket&sort=updated"
        );
    }

    #[test]
    fn a_value_that_cannot_be_read_is_ignored_and_named() {
        let mut reader = ParamReader::new(|name: &str| match name {
            "n" => Some(" 42 ".to_owned()),
            "bad" => Some("forty".to_owned()),
            "empty" => Some("  ".to_owned()),
            _ => None,
        });
        assert_eq!(reader.parsed("n", |v| v.parse::<u32>().ok()), Some(42));
        assert_eq!(reader.parsed("bad", |v| v.parse::<u32>().ok()), None);
        assert_eq!(reader.parsed("empty", |v| v.parse::<u32>().ok()), None, "an empty field is no filter");
        assert_eq!(reader.ignored(), vec![IgnoredParam { name: "bad".into(), value: "forty".into() }]);
    }
}
