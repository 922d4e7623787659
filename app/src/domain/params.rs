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
            self.ignored.push(IgnoredParam { name: name.to_owned(), value });
        }
        parsed
    }

    /// The parameters that were ignored, in the order they were read.
    pub fn ignored(self) -> Vec<IgnoredParam> {
        self.ignored
    }
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
