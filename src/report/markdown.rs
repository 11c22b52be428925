//! Renders the report [`Document`] as GitHub-flavoured Markdown (`report.md`): tables as
//! pipe tables, figures as PNG images linking to their SVG.

use super::doc::{Block, CONTENTS_ID, Document, Table};

/// The document as Markdown.
pub fn render(doc: &Document) -> String {
    let mut out = format!("# {}\n\n", doc.title);
    out.push_str(&contents(doc));
    for b in &doc.blocks {
        match b {
            Block::Heading { level, text, id } => {
                // An explicit anchor, so the contents' links work whatever id scheme the
                // Markdown viewer gives headings.
                let hashes = "#".repeat((*level as usize).clamp(2, 6));
                out.push_str(&format!("<a id=\"{id}\"></a>\n\n{hashes} {text}\n\n"));
            }
            Block::Paragraph(t) => out.push_str(&format!("{t}\n\n")),
            Block::List(items) | Block::Evidence(items) => {
                for i in items {
                    out.push_str(&format!("- {i}\n"));
                }
                out.push('\n');
            }
            Block::Table(t) => out.push_str(&table(t)),
            Block::Figure(f) => {
                out.push_str(&format!(
                    "[![{}]({})]({})\n\n*{}* ([SVG]({}), [data as CSV]({}))\n\n",
                    escape_alt(&f.caption),
                    path(&f.png),
                    path(&f.svg),
                    f.caption,
                    path(&f.svg),
                    path(&f.csv)
                ));
            }
        }
    }
    out
}

/// The table of contents: a nested list of links to the level-2 and level-3 headings.
fn contents(doc: &Document) -> String {
    let items = doc.contents();
    if items.is_empty() {
        return String::new();
    }
    let mut out = format!("<a id=\"{CONTENTS_ID}\"></a>\n\n## Contents\n\n");
    for (level, text, id) in items {
        let indent = if level > 2 { "  " } else { "" };
        out.push_str(&format!("{indent}- [{}](#{id})\n", escape_alt(text)));
    }
    out.push('\n');
    out
}

fn path(p: &std::path::Path) -> String {
    p.to_string_lossy().replace('\\', "/").replace(' ', "%20")
}

fn escape_alt(s: &str) -> String {
    s.replace(['[', ']'], "")
}

/// A pipe in a cell would end the cell.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn table(t: &Table) -> String {
    let mut out = format!("**{}**\n\n", t.caption);
    out.push_str(&format!(
        "| {} |\n",
        t.header
            .iter()
            .map(|h| cell(h))
            .collect::<Vec<_>>()
            .join(" | ")
    ));
    out.push_str(&format!(
        "|{}\n",
        t.header.iter().map(|_| "---|").collect::<String>()
    ));
    for row in &t.rows {
        let cells: Vec<String> = row
            .iter()
            .map(|c| match c.kind {
                super::doc::CellKind::Bad => format!("**{}**", cell(&c.text)),
                super::doc::CellKind::Paper => format!("*{}*", cell(&c.text)),
                _ => cell(&c.text),
            })
            .collect();
        out.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    out.push('\n');
    for n in &t.notes {
        out.push_str(&format!("> {n}\n>\n"));
    }
    if !t.notes.is_empty() {
        out.truncate(out.len() - 2);
        out.push('\n');
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::doc::Cell;

    #[test]
    fn pipes_are_escaped() {
        let t = Table {
            caption: "c".into(),
            header: vec!["a|b".into()],
            rows: vec![vec![Cell::bad("x|y")]],
            notes: vec!["n".into()],
        };
        let md = table(&t);
        assert!(md.contains("| a\\|b |"));
        assert!(md.contains("**x\\|y**"));
        assert!(md.contains("> n"));
    }
}
