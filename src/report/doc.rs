//! The report as plain data (headings, paragraphs, tables, figures), rendered to Markdown by
//! `markdown.rs` and to HTML by `html.rs`, so both always say the same thing.
//!
//! Text may use two bits of inline markup, which both renderers understand: `` `code` ``
//! and `**bold**`.

use std::path::PathBuf;

/// How a table cell should look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellKind {
    /// Our own number or label.
    Plain,
    /// The original report's number.
    Paper,
    /// A difference from the original.
    Diff,
    /// A run that is missing, diverged, failed or not finished.
    Bad,
}

/// One table cell.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub text: String,
    pub kind: CellKind,
}

impl Cell {
    pub fn plain(text: impl Into<String>) -> Self {
        Cell {
            text: text.into(),
            kind: CellKind::Plain,
        }
    }
    pub fn paper(text: impl Into<String>) -> Self {
        Cell {
            text: text.into(),
            kind: CellKind::Paper,
        }
    }
    pub fn diff(text: impl Into<String>) -> Self {
        Cell {
            text: text.into(),
            kind: CellKind::Diff,
        }
    }
    pub fn bad(text: impl Into<String>) -> Self {
        Cell {
            text: text.into(),
            kind: CellKind::Bad,
        }
    }
}

/// A table with a caption and notes printed under it.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub caption: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    pub notes: Vec<String>,
}

/// A figure written to `figures/<stem>.png`, `.svg` and (its data) `.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct FigureRef {
    /// Path of the PNG, relative to the report (`figures/x.png`).
    pub png: PathBuf,
    /// Path of the SVG, relative to the report.
    pub svg: PathBuf,
    /// Path of the CSV of the data drawn, relative to the report.
    pub csv: PathBuf,
    /// Absolute path of the PNG, for inlining into the HTML.
    pub png_abs: PathBuf,
    /// Native size in pixels (width, height): the HTML shows it at this size.
    pub size: (u32, u32),
    pub caption: String,
}

/// One block of the report.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Heading {
        level: u8,
        text: String,
        /// The anchor id, unique in the document ([`anchor`], then `-2`, `-3`, … on repeats).
        id: String,
    },
    Paragraph(String),
    List(Vec<String>),
    /// Supporting numbers: a list, folded away in the HTML.
    Evidence(Vec<String>),
    Table(Table),
    Figure(FigureRef),
}

/// The whole report.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Document {
    pub title: String,
    pub blocks: Vec<Block>,
}

impl Document {
    /// Adds a heading with an anchor id no other heading of the document has.
    pub fn heading(&mut self, level: u8, text: impl Into<String>) {
        let text = text.into();
        let base = match anchor(&text) {
            a if a.is_empty() => "section".to_string(),
            a => a,
        };
        let taken = |id: &str| {
            id == CONTENTS_ID
                || self
                    .blocks
                    .iter()
                    .any(|b| matches!(b, Block::Heading { id: i, .. } if i == id))
        };
        let mut id = base.clone();
        let mut n = 2;
        while taken(&id) {
            id = format!("{base}-{n}");
            n += 1;
        }
        self.blocks.push(Block::Heading { level, text, id });
    }

    /// The table of contents: (level, text, id) of every heading of level 2 and 3.
    pub fn contents(&self) -> Vec<(u8, &str, &str)> {
        self.blocks
            .iter()
            .filter_map(|b| match b {
                Block::Heading { level, text, id } if *level <= 3 => {
                    Some((*level, text.as_str(), id.as_str()))
                }
                _ => None,
            })
            .collect()
    }
    pub fn para(&mut self, text: impl Into<String>) {
        self.blocks.push(Block::Paragraph(text.into()));
    }
    pub fn list(&mut self, items: Vec<String>) {
        if !items.is_empty() {
            self.blocks.push(Block::List(items));
        }
    }
    pub fn evidence(&mut self, items: Vec<String>) {
        if !items.is_empty() {
            self.blocks.push(Block::Evidence(items));
        }
    }
    pub fn table(&mut self, t: Table) {
        self.blocks.push(Block::Table(t));
    }
    pub fn figure(&mut self, f: FigureRef) {
        self.blocks.push(Block::Figure(f));
    }

    /// Number of tables in the document.
    pub fn table_count(&self) -> usize {
        self.blocks
            .iter()
            .filter(|b| matches!(b, Block::Table(_)))
            .count()
    }
}

/// The id of the table of contents' own heading.
pub const CONTENTS_ID: &str = "contents";

/// A heading's anchor id: lowercase ASCII letters and digits, other runs → `-`.
pub fn anchor(text: &str) -> String {
    let mut s = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c.to_ascii_lowercase());
        } else if !s.ends_with('-') {
            s.push('-');
        }
    }
    s.trim_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heading_ids_are_unique_and_listed_in_the_contents() {
        let mut d = Document::default();
        d.heading(2, "Tables: mnist");
        d.heading(3, "Tables: mnist");
        d.heading(2, "Contents");
        d.heading(4, "Deep");
        let c = d.contents();
        assert_eq!(
            c,
            vec![
                (2, "Tables: mnist", "tables-mnist"),
                (3, "Tables: mnist", "tables-mnist-2"),
                (2, "Contents", "contents-2"),
            ]
        );
    }
}
