//! The two elements whose text Leptos writes into the page unescaped: the
//! children of `<textarea>` (tachys treats it as raw text, like `<script>`)
//! and leptos_meta's `<Title>`. Text from users and from AWS reaches them
//! only through this file, escaped once, so a `</textarea>` or `</title>`
//! in a note or a name stays text. A test in this crate refuses pages that
//! write either element themselves.

use leptos::prelude::*;
use leptos_meta::Title;

/// `text` as an HTML text node: `&`, `<` and `>` become references. The
/// browser decodes them back in a `<textarea>` and a `<title>` (both are
/// escapable raw text), so the reader sees exactly what was written.
pub fn escape_text(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            other => escaped.push(other),
        }
    }
    escaped
}

/// The document's title, "… · Plinth", from any text.
#[component]
pub fn PageTitle(#[prop(into)] text: String) -> impl IntoView {
    view! { <Title text=escape_text(&text) /> }
}

/// A `<textarea>` holding `value`. Pages render on the server only (the
/// islands' children too), so the escaped text is what the browser parses.
#[component]
pub fn TextArea(
    name: &'static str,
    rows: u32,
    #[prop(into)] value: String,
    #[prop(optional)] maxlength: Option<u32>,
    #[prop(optional)] required: bool,
    #[prop(optional)] spellcheck: Option<&'static str>,
) -> impl IntoView {
    view! {
        <textarea name=name rows=rows maxlength=maxlength required=required spellcheck=spellcheck>
            {escape_text(&value)}
        </textarea>
    }
}

#[cfg(test)]
mod tests {
    use super::escape_text;

    #[test]
    fn markup_in_text_becomes_references() {
        assert_eq!(
            escape_text("a</textarea><form action=/x>&amp;"),
            "a&lt;/textarea&gt;&lt;form action=/x&gt;&amp;amp;"
        );
    }

    #[test]
    fn plain_text_and_quotes_are_kept() {
        assert_eq!(escape_text("Rotate the \"root\" key's MFA"), "Rotate the \"root\" key's MFA");
    }

    /// Every page writes `<textarea>` and `<Title>` through this file, so
    /// that nobody can forget to escape a new field.
    #[test]
    fn no_page_writes_a_raw_text_element_itself() {
        let pages = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
        let mut offenders = Vec::new();
        let mut folders = vec![std::path::PathBuf::from(pages)];
        while let Some(folder) = folders.pop() {
            for entry in std::fs::read_dir(&folder).expect("the source folder reads") {
                let path = entry.expect("a folder entry").path();
                if path.is_dir() {
                    folders.push(path);
                } else if path.extension().is_some_and(|ext| ext == "rs") && !path.ends_with("components/raw_text.rs") {
                    let source = std::fs::read_to_string(&path).expect("a source file reads");
                    let shell = path.ends_with("shell.rs");
                    for (number, line) in source.lines().enumerate() {
                        // The shell's fixed "Plinth" is the only literal title.
                        let own_title = line.contains("<Title ") && !(shell && line.contains("<Title text=\"Plinth\""));
                        if line.contains("<textarea") || own_title {
                            offenders.push(format!("{}:{}", path.display(), number + 1));
                        }
                    }
                }
            }
        }
        assert!(offenders.is_empty(), "use TextArea and PageTitle instead: {offenders:?}");
    }
}
