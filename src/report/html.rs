//! Renders the report [`Document`] as one self-contained HTML page (`report.html`): styles
//! inline, figures inline as base64 PNG, no script or font from the network.
//!
//! A small inline script records, once the page has loaded, how many `<img>` elements
//! decoded (`naturalWidth > 0`) into `<body data-images-loaded=… data-images-total=…>`;
//! the headless-browser test reads it back from the DOM, with the number of table-of-contents
//! links and how many of them point at an element of the page.
//!
//! A table of contents links every level-2 and level-3 heading. For print (and PDF) the
//! `@media print` rules let table cells wrap and shrink the font so no column is cut at the
//! page edge, and scale figures down to the page width; on screen figures are shown at their
//! native pixel size (scrolling sideways when wider than the window).

use base64::Engine;

use super::ReportError;
use super::doc::{Block, CONTENTS_ID, CellKind, Document, Table};

const STYLE: &str = r#"
body { font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; margin: 2em auto; max-width: 1500px; padding: 0 1.5em; color: #222; line-height: 1.45; }
h1 { border-bottom: 2px solid #444; padding-bottom: .2em; }
h2 { border-bottom: 1px solid #aaa; margin-top: 2.2em; }
table { border-collapse: collapse; margin: .6em 0 .3em; font-size: 13px; }
caption { text-align: left; font-weight: bold; padding: .3em 0; }
th, td { border: 1px solid #ccc; padding: 3px 7px; text-align: right; white-space: nowrap; }
th { background: #f0f0f0; }
td:first-child, th:first-child { text-align: left; }
td.paper { color: #555; font-style: italic; background: #fafafa; }
td.diff { color: #225; background: #f4f7ff; }
td.bad { color: #a00; font-weight: bold; text-align: left; white-space: normal; }
td.text { text-align: left; white-space: normal; max-width: 38em; }
details { margin: 0 0 1em; }
div.scroll { overflow-x: auto; max-width: 100%; }
summary { cursor: pointer; color: #335; }
.notes { font-size: 12px; color: #555; margin: 0 0 1.2em; }
figure { margin: 1.2em 0; max-width: 100%; }
div.figrow { display: flex; flex-wrap: wrap; column-gap: 2em; align-items: flex-start; }
figure img { border: 1px solid #ddd; max-width: none; }
figcaption { font-size: 13px; color: #444; }
code { background: #f3f3f3; padding: 0 .25em; }
.verdict-Confirmed { color: #070; font-weight: bold; }
.verdict-Refuted { color: #a00; font-weight: bold; }
.verdict-Not { color: #666; font-weight: bold; }
nav.toc { font-size: 14px; background: #fafafa; border: 1px solid #ddd; padding: .4em 1.2em; margin: 1em 0 2em; }
nav.toc h2 { margin-top: .4em; border: none; }
nav.toc ul { margin: .2em 0; padding-left: 1.4em; }
nav.toc ul ul { columns: 2; }
@media print {
  @page { size: A4; margin: 12mm; }
  body { max-width: none; margin: 0; padding: 0; font-size: 10pt; }
  h2 { break-before: auto; break-after: avoid; }
  h3 { break-after: avoid; }
  nav.toc { break-after: page; }
  div.scroll { overflow: visible; }
  table { width: 100%; font-size: 6.5pt; table-layout: auto; }
  caption { font-size: 8pt; }
  th, td { white-space: normal; overflow-wrap: anywhere; padding: 1px 2px; }
  td.text { max-width: none; }
  tr, figure { break-inside: avoid; }
  div.figrow { display: block; }
  figure img { max-width: 100%; height: auto; }
  figcaption { font-size: 8pt; max-width: none; }
  a { color: inherit; text-decoration: none; }
}
"#;

const SCRIPT: &str = r#"
window.addEventListener('load', function () {
  var imgs = Array.prototype.slice.call(document.images);
  var ok = imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length;
  document.body.setAttribute('data-images-total', String(imgs.length));
  document.body.setAttribute('data-images-loaded', String(ok));
  document.body.setAttribute('data-tables', String(document.querySelectorAll('table.results').length));
  var links = Array.prototype.slice.call(document.querySelectorAll('nav.toc a[href^=\'#\']'));
  var resolved = links.filter(function (a) {
    return document.getElementById(decodeURIComponent(a.hash.slice(1))) !== null;
  }).length;
  document.body.setAttribute('data-toc-links', String(links.length));
  document.body.setAttribute('data-toc-resolved', String(resolved));
});
"#;

/// Escapes `&`, `<`, `>` and `"`.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Escapes, then turns `` `x` `` into `<code>x</code>` and `**x**` into `<strong>x</strong>`.
pub fn inline(s: &str) -> String {
    let e = escape(s);
    let mut out = String::new();
    let mut code = false;
    for (i, part) in e.split('`').enumerate() {
        if i > 0 {
            out.push_str(if code { "</code>" } else { "<code>" });
            code = !code;
        }
        out.push_str(part);
    }
    if code {
        out.push_str("</code>");
    }
    let mut res = String::new();
    let mut strong = false;
    for (i, part) in out.split("**").enumerate() {
        if i > 0 {
            res.push_str(if strong { "</strong>" } else { "<strong>" });
            strong = !strong;
        }
        res.push_str(part);
    }
    if strong {
        res.push_str("</strong>");
    }
    res
}

/// The document as a self-contained HTML page; reads each figure's PNG to inline it.
pub fn render(doc: &Document) -> Result<String, ReportError> {
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str(&format!("<title>{}</title>\n", escape(&doc.title)));
    out.push_str(&format!(
        "<style>{STYLE}</style>\n<script>{SCRIPT}</script>\n</head>\n<body>\n"
    ));
    out.push_str(&format!("<h1>{}</h1>\n", inline(&doc.title)));
    out.push_str(&contents(doc));
    // Consecutive figures share one wrapping row, so a training figure and its CV twin
    // stand side by side where the window is wide enough for both.
    let mut in_row = false;
    for b in &doc.blocks {
        let figure = matches!(b, Block::Figure(_));
        if figure && !in_row {
            out.push_str("<div class=\"figrow\">\n");
        } else if !figure && in_row {
            out.push_str("</div>\n");
        }
        in_row = figure;
        match b {
            Block::Heading { level, text, id } => {
                let l = (*level).clamp(2, 6);
                out.push_str(&format!(
                    "<h{l} id=\"{}\">{}</h{l}>\n",
                    escape(id),
                    inline(text)
                ));
            }
            Block::Paragraph(t) => out.push_str(&format!("<p>{}</p>\n", inline(t))),
            Block::List(items) => {
                out.push_str("<ul>\n");
                for i in items {
                    out.push_str(&format!("<li>{}</li>\n", inline(i)));
                }
                out.push_str("</ul>\n");
            }
            Block::Evidence(items) => {
                let n = items.len();
                out.push_str(&format!(
                    "<details><summary>the numbers ({n} {})</summary>\n<ul>\n",
                    if n == 1 { "line" } else { "lines" }
                ));
                for i in items {
                    out.push_str(&format!("<li>{}</li>\n", inline(i)));
                }
                out.push_str("</ul>\n</details>\n");
            }
            Block::Table(t) => out.push_str(&table(t)),
            Block::Figure(f) => {
                let bytes = std::fs::read(&f.png_abs).map_err(ReportError::io(&f.png_abs))?;
                let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
                let (w, h) = f.size;
                let csv = f.csv.to_string_lossy().replace('\\', "/");
                out.push_str(&format!(
                    "<figure style=\"width: {}px\"><div class=\"scroll\"><img class=\"figure\" width=\"{w}\" height=\"{h}\" alt=\"{}\" src=\"data:image/png;base64,{b64}\"></div>\n<figcaption>{} (<a href=\"{}\">data as CSV</a>)</figcaption></figure>\n",
                    w + 2,
                    escape(&f.caption),
                    inline(&f.caption),
                    escape(&csv)
                ));
            }
        }
    }
    if in_row {
        out.push_str("</div>\n");
    }
    out.push_str("</body>\n</html>\n");
    Ok(out)
}

/// The table of contents: a nested list of links to the level-2 and level-3 headings.
fn contents(doc: &Document) -> String {
    let items = doc.contents();
    if items.is_empty() {
        return String::new();
    }
    let mut out = format!("<nav class=\"toc\"><h2 id=\"{CONTENTS_ID}\">Contents</h2>\n<ul>\n");
    let (mut open_item, mut open_sub) = (false, false);
    for (level, text, id) in items {
        let link = format!("<a href=\"#{}\">{}</a>", escape(id), inline(text));
        if level > 2 {
            if !open_sub {
                out.push_str("<ul>\n");
                open_sub = true;
            }
            out.push_str(&format!("<li>{link}</li>\n"));
            continue;
        }
        if open_sub {
            out.push_str("</ul>");
            open_sub = false;
        }
        if open_item {
            out.push_str("</li>\n");
        }
        out.push_str(&format!("<li>{link}"));
        open_item = true;
    }
    if open_sub {
        out.push_str("</ul>");
    }
    if open_item {
        out.push_str("</li>\n");
    }
    out.push_str("</ul></nav>\n");
    out
}

/// Numbers (and their placeholders) are right-aligned; text wraps, left-aligned.
fn numeric(s: &str) -> bool {
    let starts_numeric = s
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | '—' | '.'));
    (starts_numeric && !s.contains(' ')) || s.contains(" ± ")
}

fn table(t: &Table) -> String {
    let mut out = String::from("<div class=\"scroll\"><table class=\"results\">\n");
    out.push_str(&format!(
        "<caption>{}</caption>\n<thead><tr>",
        inline(&t.caption)
    ));
    for h in &t.header {
        out.push_str(&format!("<th>{}</th>", inline(h)));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in &t.rows {
        out.push_str("<tr>");
        for c in row {
            let class = match c.kind {
                CellKind::Plain if !numeric(&c.text) => " class=\"text\"",
                CellKind::Plain => "",
                CellKind::Paper => " class=\"paper\"",
                CellKind::Diff => " class=\"diff\"",
                CellKind::Bad => " class=\"bad\"",
            };
            out.push_str(&format!("<td{class}>{}</td>", inline(&c.text)));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table></div>\n");
    if !t.notes.is_empty() {
        out.push_str("<div class=\"notes\">");
        for n in &t.notes {
            out.push_str(&format!("<div>{}</div>", inline(n)));
        }
        out.push_str("</div>\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_markup() {
        assert_eq!(
            inline("a `b<c` **d**"),
            "a <code>b&lt;c</code> <strong>d</strong>"
        );
        assert_eq!(inline("odd `x"), "odd <code>x</code>");
    }
}
