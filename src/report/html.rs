//! Renders the report [`Document`] as one self-contained HTML page (`report.html`): styles
//! inline, figures inline as base64 PNG, no script or font from the network.
//!
//! A small inline script records, once the page has loaded, how many `<img>` elements
//! decoded (`naturalWidth > 0`) into `<body data-images-loaded=… data-images-total=…>`;
//! the headless-browser test reads it back from the DOM.

use base64::Engine;

use super::ReportError;
use super::doc::{Block, CellKind, Document, Table, anchor};

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
figure { margin: 1.2em 0; }
figure img { border: 1px solid #ddd; max-width: none; }
figcaption { font-size: 13px; color: #444; max-width: 1100px; }
code { background: #f3f3f3; padding: 0 .25em; }
.verdict-Confirmed { color: #070; font-weight: bold; }
.verdict-Refuted { color: #a00; font-weight: bold; }
.verdict-Not { color: #666; font-weight: bold; }
"#;

const SCRIPT: &str = r#"
window.addEventListener('load', function () {
  var imgs = Array.prototype.slice.call(document.images);
  var ok = imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length;
  document.body.setAttribute('data-images-total', String(imgs.length));
  document.body.setAttribute('data-images-loaded', String(ok));
  document.body.setAttribute('data-tables', String(document.querySelectorAll('table.results').length));
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
    for b in &doc.blocks {
        match b {
            Block::Heading { level, text } => {
                let l = (*level).clamp(2, 6);
                out.push_str(&format!(
                    "<h{l} id=\"{}\">{}</h{l}>\n",
                    anchor(text),
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
                    "<figure><div class=\"scroll\"><img class=\"figure\" width=\"{w}\" height=\"{h}\" alt=\"{}\" src=\"data:image/png;base64,{b64}\"></div>\n<figcaption>{} (<a href=\"{}\">data as CSV</a>)</figcaption></figure>\n",
                    escape(&f.caption),
                    inline(&f.caption),
                    escape(&csv)
                ));
            }
        }
    }
    out.push_str("</body>\n</html>\n");
    Ok(out)
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
