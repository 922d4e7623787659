//! Typesetting a report with typst used as a library. The template is a
//! typst file compiled into the binary; the data reaches it as a JSON file
//! and the charts as SVG files, all held in memory. Fonts are typst's own,
//! compiled in: no network, no browser, no files on disk.

use std::collections::HashMap;
use std::sync::LazyLock;

use chrono::{Datelike, NaiveDate};
use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World, WorldExt};
use typst_layout::PagedDocument;

/// The shared look: page, type, tables, score badges.
const STYLE: &str = include_str!("templates/style.typ");

/// The typst library and the fonts, read once per process.
struct Fonts {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

static FONTS: LazyLock<Fonts> = LazyLock::new(|| {
    let fonts: Vec<Font> = typst_assets::fonts().flat_map(|data| Font::iter(Bytes::new(data))).collect();
    Fonts {
        library: LazyHash::new(Library::builder().build()),
        book: LazyHash::new(FontBook::from_fonts(&fonts)),
        fonts,
    }
});

/// A report to typeset: its template and the files it reads.
pub struct Document {
    /// The template's typst source.
    pub template: &'static str,
    /// Files the template reads by name, such as `data.json`.
    pub files: Vec<(&'static str, Vec<u8>)>,
    /// The date `datetime.today()` gives.
    pub today: NaiveDate,
}

#[derive(Debug, thiserror::Error)]
#[error("the report could not be typeset: {0}")]
pub struct TypesetError(String);

impl TypesetError {
    pub fn new(message: impl Into<String>) -> TypesetError {
        TypesetError(message.into())
    }
}

/// Typesets a document to PDF bytes.
pub fn typeset(document: &Document) -> Result<Vec<u8>, TypesetError> {
    let world = ReportWorld::new(document)?;
    let compiled = typst::compile::<PagedDocument>(&world);
    for warning in &compiled.warnings {
        tracing::warn!(warning = %warning.message, "report template warning");
    }
    let pages = compiled.output.map_err(|errors| TypesetError(describe(&world, &errors)))?;
    let pdf = typst_pdf::pdf(&pages, &typst_pdf::PdfOptions::default())
        .map_err(|errors| TypesetError(describe(&world, &errors)))?;
    // typst memoizes across compilations; keep only what the next report
    // is likely to reuse (fonts, the template's style).
    typst::comemo::evict(10);
    Ok(pdf)
}

/// The errors as one line each, with where in the template they arose: a
/// template error is our bug, and the message is for us.
fn describe(world: &ReportWorld, errors: &[SourceDiagnostic]) -> String {
    errors
        .iter()
        .map(|error| {
            let line = error.span.id().and_then(|id| {
                let source = world.source(id).ok()?;
                let range = world.range(error.span)?;
                Some(format!("{}:{}", id.vpath().get_without_slash(), source.lines().byte_to_line(range.start)? + 1))
            });
            match line {
                Some(line) => format!("{line}: {}", error.message),
                None => error.message.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

struct ReportWorld {
    main: Source,
    style: Source,
    files: HashMap<FileId, Bytes>,
    today: NaiveDate,
}

fn file_id(path: &str) -> Result<FileId, TypesetError> {
    let path = VirtualPath::new(path).map_err(|error| TypesetError(format!("{path}: {error:?}")))?;
    Ok(FileId::new(RootedPath::new(VirtualRoot::Project, path)))
}

impl ReportWorld {
    fn new(document: &Document) -> Result<ReportWorld, TypesetError> {
        let mut files = HashMap::new();
        for (name, bytes) in &document.files {
            files.insert(file_id(name)?, Bytes::new(bytes.clone()));
        }
        Ok(ReportWorld {
            main: Source::new(file_id("main.typ")?, document.template.to_owned()),
            style: Source::new(file_id("style.typ")?, STYLE.to_owned()),
            files,
            today: document.today,
        })
    }
}

impl World for ReportWorld {
    fn library(&self) -> &LazyHash<Library> {
        &FONTS.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &FONTS.book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else if id == self.style.id() {
            Ok(self.style.clone())
        } else {
            Err(FileError::NotSource)
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        self.files.get(&id).cloned().ok_or_else(|| FileError::NotFound(id.vpath().get_without_slash().into()))
    }

    fn font(&self, index: usize) -> Option<Font> {
        FONTS.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        Datetime::from_ymd(self.today.year(), self.today.month() as u8, self.today.day() as u8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn document(template: &'static str) -> Document {
        Document {
            template,
            files: vec![("data.json", br#"{"name": "checkout"}"#.to_vec())],
            today: NaiveDate::from_ymd_opt(2026, 12, 1).expect("a date"),
        }
    }

    #[test]
    fn a_template_reads_its_data_and_becomes_a_pdf() {
        let pdf = typeset(&document("#let data = json(\"data.json\")\n= #data.name")).expect("a PDF");
        assert!(pdf.starts_with(b"%PDF-"), "the output is a PDF file");
    }

    #[test]
    fn a_template_error_names_the_line_and_the_problem() {
        let error = typeset(&document("= Title\n#let data = json(\"missing.json\")")).expect_err("a missing file");
        let message = error.to_string();
        assert!(message.contains("main.typ:2"), "{message}");
        assert!(message.contains("missing.json"), "{message}");
    }
}
