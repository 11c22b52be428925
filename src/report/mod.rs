//! Reports (issue 5): a study database turned into the tables and figures of SPEC §7, side
//! by side with the original report's numbers, with the original's six claims checked
//! against the data.
//!
//! [`write_report`] reads `<study_dir>/mlplab.db` through the store's `StudyReader` (the
//! store owns the schema) and writes, next to it, `report.md`, a self-contained `report.html` and
//! `figures/*.png|svg|csv` (each figure and the data drawn in it). The parts, one file per
//! concept:
//!
//! | file | what |
//! |---|---|
//! | `load.rs` | the study as the report sees it, read through `store::StudyReader` |
//! | `grid.rs` | sections (dataset × study × loss), varied axes, panels, series |
//! | `stats.rs` | mean ± std over seeds |
//! | `paper.rs` | the original's Tables 1–3 |
//! | `tables.rs` | our tables, with the original's numbers and Δ |
//! | `overfit.rs` | the overfitting study's section: best regularizer per setting with paired gains, early stopping, memorization, random labels, L1 vs L2 sparsity |
//! | `lbfgs.rs` | "Optimizers at equal data passes" when a study has L-BFGS runs: cost, CV/test intervals, wall time, iterations, zero weights |
//! | `claims/` | the six claims → verdicts, one file per claim (measure → judge → describe), thresholds as constants |
//! | `figures.rs` / `plot.rs` | which figures, and drawing them (PNG, SVG and the CSV of their data) |
//! | `ticks.rs` | readable log-axis ticks and their 10ⁿ labels |
//! | `provenance.rs` | what produced the numbers: versions, commits, threads, dates, compute |
//! | `doc.rs`, `markdown.rs`, `html.rs` | the document (with its table of contents) and its two renderings |

#![warn(missing_docs)]

pub mod claims;
mod doc;
mod error;
mod figures;
mod grid;
mod html;
mod lbfgs;
pub mod load;
mod markdown;
pub mod overfit;
pub mod paper;
mod plot;
mod provenance;
pub mod stats;
mod tables;
mod ticks;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use claims::{ClaimCheck, SeedsNeeded, Verdict};
pub use error::ReportError;
pub use load::{Study, load_study};

use crate::stats::{Difference, Summary};
use doc::{Cell, Document, FigureRef, Table};
use grid::{Axis, Section, fmt_num};

/// Options for [`write_report`]; `ReportOptions::default()` is what `mlplab report` uses.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportOptions {
    /// Draw figures (PNG + SVG). Without them the report has tables and claims only.
    pub figures: bool,
    /// At most this many points per mini-batch curve: longer curves are averaged over bins of
    /// consecutive mini-batches. Default 250.
    pub max_batch_points: usize,
    /// Report title; default `mlplab study report: <study dir name>`.
    pub title: Option<String>,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            figures: true,
            max_batch_points: 250,
            title: None,
        }
    }
}

/// The best final CV accuracy of one section.
#[derive(Debug, Clone, PartialEq)]
pub struct SectionSummary {
    /// `runs.dataset` of the section.
    pub dataset: String,
    /// `runs.study` of the section.
    pub study: String,
    /// `runs.loss` of the section.
    pub loss: String,
    /// Runs in the section (all statuses).
    pub runs: usize,
    /// Configuration label and its mean final CV accuracy (over seeds).
    pub best_cv_acc: Option<(String, f64)>,
    /// The mean final test accuracy of that configuration, when its runs scored the test set.
    pub best_test_acc: Option<f64>,
}

/// What [`write_report`] wrote and found.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportSummary {
    /// `<study_dir>/report.md`.
    pub markdown: PathBuf,
    /// `<study_dir>/report.html`.
    pub html: PathBuf,
    /// Every figure file written: PNG, SVG and the CSV of its data, per figure.
    pub figures: Vec<PathBuf>,
    /// Number of runs in the database.
    pub runs: usize,
    /// Runs per status (`done`, `diverged`, …).
    pub runs_by_status: BTreeMap<String, usize>,
    /// Number of tables in the report.
    pub tables: usize,
    /// One entry per dataset × study × loss, in report order.
    pub sections: Vec<SectionSummary>,
    /// The six claims, in order.
    pub claims: Vec<ClaimCheck>,
}

/// Writes `report.md`, `report.html` and `figures/` for the study in `study_dir`.
///
/// The database is `<study_dir>/mlplab.db`. Fails with a message naming the file when it is
/// missing, unreadable, of a newer schema, or holds no runs.
///
/// ```no_run
/// use mlplab::report::{ReportOptions, write_report};
/// let summary = write_report("studies/paper".as_ref(), &ReportOptions::default())?;
/// println!("wrote {}", summary.html.display());
/// for c in &summary.claims {
///     println!("claim {}: {} — {}", c.number, c.verdict.label(), c.summary);
/// }
/// # Ok::<(), mlplab::report::ReportError>(())
/// ```
pub fn write_report(study_dir: &Path, opts: &ReportOptions) -> Result<ReportSummary, ReportError> {
    let study = load_study(study_dir)?;
    let sections = grid::sections(&study.runs);
    let fig_dir = study_dir.join("figures");
    if opts.figures {
        std::fs::create_dir_all(&fig_dir).map_err(ReportError::io(&fig_dir))?;
    }

    let title = report_title(study_dir, opts);
    let claims = claims::check_claims(&sections);
    let mut doc = Document {
        title,
        blocks: vec![],
    };
    let mut figure_files = Vec::new();
    let mut section_summaries = Vec::new();

    overview(&mut doc, &study, &sections);
    claims_block(&mut doc, &claims);

    for s in &sections {
        section_summaries.push(section_block(
            &mut doc,
            s,
            opts,
            &fig_dir,
            &mut figure_files,
        )?);
    }
    lbfgs::block(&mut doc, &study)?;
    overfit::section(
        &mut doc,
        &study.runs,
        claims.iter().find(|c| c.number == 6),
        opts.figures,
        &fig_dir,
        &mut figure_files,
    )?;
    thresholds_block(&mut doc);
    doc.heading(2, "Provenance");
    doc.table(provenance::table(&study));

    let (md_path, html_path) = write_documents(study_dir, &doc)?;
    Ok(ReportSummary {
        markdown: md_path,
        html: html_path,
        figures: figure_files,
        runs: study.runs.len(),
        runs_by_status: runs_by_status(&study),
        tables: doc.table_count(),
        sections: section_summaries,
        claims,
    })
}

/// The report title: the one in `opts`, else `mlplab study report: <study dir name>`.
fn report_title(study_dir: &Path, opts: &ReportOptions) -> String {
    opts.title.clone().unwrap_or_else(|| {
        let name = study_dir
            .canonicalize()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| study_dir.display().to_string());
        format!("mlplab study report: {name}")
    })
}

/// Adds one section (description, best CV accuracy, tables, figures) and returns its summary.
fn section_block(
    doc: &mut Document,
    s: &Section,
    opts: &ReportOptions,
    fig_dir: &Path,
    figure_files: &mut Vec<PathBuf>,
) -> Result<SectionSummary, ReportError> {
    doc.heading(2, s.title());
    describe_section(doc, s);
    let best = tables::best_cv(s);
    let ranked = tables::ranked_cv(s);
    if let Some(text) = best_cv_text(&ranked) {
        doc.para(text);
    }
    let best_test_acc = ranked
        .first()
        .and_then(|r| Summary::of(&r.test))
        .map(|t| t.mean);
    let summary = SectionSummary {
        dataset: s.dataset.clone(),
        study: s.study.clone(),
        loss: s.loss.clone(),
        runs: s.runs.len(),
        best_cv_acc: best.map(|(l, st)| (l, st.mean)),
        best_test_acc,
    };
    doc.heading(3, format!("Tables: {}", s.dataset));
    for t in tables::section_tables(s) {
        doc.table(t);
    }
    if opts.figures {
        figures_block(doc, s, opts, fig_dir, figure_files)?;
    }
    Ok(summary)
}

/// The paragraph naming a section's best mean final CV accuracy, with its interval over the
/// seeds, and whether the runner-up can be told apart from it (Welch's t-test, two-sided,
/// α = 0.05): a "best" that the seeds cannot separate from the next is said to be so.
fn best_cv_text(ranked: &[tables::Ranked]) -> Option<String> {
    let best = ranked.first()?;
    let sb = Summary::of(&best.values)?;
    let spread = match (sb.sd, sb.ci) {
        (Some(sd), Some((lo, hi))) => {
            format!(" ± {sd:.4} (95 % CI [{lo:.4}, {hi:.4}], n = {})", sb.n)
        }
        _ => " (one seed: no interval)".to_string(),
    };
    let mut text = format!(
        "**Best mean final CV accuracy:** {:.4}{spread} ({}).",
        sb.mean, best.label
    );
    if let Some(t) = Summary::of(&best.test) {
        let spread = match (t.sd, t.ci) {
            (Some(sd), Some((lo, hi))) => {
                format!(" ± {sd:.4} (95 % CI [{lo:.4}, {hi:.4}], n = {})", t.n)
            }
            _ => " (one seed: no interval)".to_string(),
        };
        text.push_str(&format!(
            " **Its test accuracy: {:.4}{spread}**: the official test set, scored once after the last epoch, unused by any choice (the CV split chose the configuration and the learning rates), so this is the number to quote.",
            t.mean
        ));
    }
    if let Some(next) = ranked.get(1)
        && let Some(sn) = Summary::of(&next.values)
    {
        let gap = sb.mean - sn.mean;
        text.push_str(&match Difference::welch(&best.values, &next.values) {
            Some(d) if d.p_two_sided() < 0.05 => format!(
                " It is ahead of the runner-up, {} ({:.4}), by {gap:.4} (Welch t-test, two-sided p = {:.3}).",
                next.label,
                sn.mean,
                d.p_two_sided()
            ),
            Some(d) => format!(
                " The runner-up, {} ({:.4}), is not distinguishable from it: Δ = {gap:.4}, Welch t-test two-sided p = {:.2} ≥ 0.05, so which of the two is best is not a finding of this study.",
                next.label,
                sn.mean,
                d.p_two_sided()
            ),
            None => format!(
                " The runner-up, {} ({:.4}), is {gap:.4} behind; with fewer than two seeds of each the difference cannot be tested (run more seeds: `--seeds 5`).",
                next.label, sn.mean
            ),
        });
    }
    Some(text)
}

/// Draws a section's figures into `fig_dir`, adds them to `doc` and their files to `figure_files`.
fn figures_block(
    doc: &mut Document,
    s: &Section,
    opts: &ReportOptions,
    fig_dir: &Path,
    figure_files: &mut Vec<PathBuf>,
) -> Result<(), ReportError> {
    doc.heading(3, format!("Figures: {}", s.dataset));
    for planned in figures::plan(s, opts.max_batch_points) {
        let plot::Rendered { png, svg, csv } = plot::render(&planned.figure, fig_dir)?;
        let rel = |p: &Path| PathBuf::from("figures").join(p.file_name().unwrap_or_default());
        doc.figure(FigureRef {
            png: rel(&png),
            svg: rel(&svg),
            csv: rel(&csv),
            png_abs: png.clone(),
            size: planned.figure.size(),
            caption: planned.caption,
        });
        figure_files.extend([png, svg, csv]);
    }
    Ok(())
}

/// Writes `report.md` and `report.html` into `study_dir` and returns their paths.
fn write_documents(study_dir: &Path, doc: &Document) -> Result<(PathBuf, PathBuf), ReportError> {
    let md_path = study_dir.join("report.md");
    let html_path = study_dir.join("report.html");
    std::fs::write(&md_path, markdown::render(doc)).map_err(ReportError::io(&md_path))?;
    let html = html::render(doc)?;
    std::fs::write(&html_path, html).map_err(ReportError::io(&html_path))?;
    Ok((md_path, html_path))
}

/// The number of runs per status name (`done`, `diverged`, …).
fn runs_by_status(study: &Study) -> BTreeMap<String, usize> {
    let mut runs_by_status = BTreeMap::new();
    for r in &study.runs {
        *runs_by_status
            .entry(r.status.as_str().to_string())
            .or_insert(0) += 1;
    }
    runs_by_status
}

fn overview(doc: &mut Document, study: &Study, sections: &[Section]) {
    let mut by: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &study.runs {
        *by.entry(r.status.as_str()).or_insert(0) += 1;
    }
    let meta: Vec<String> = study
        .meta
        .iter()
        .map(|(k, v)| format!("`{k}` = {v}"))
        .collect();
    doc.para(format!(
        "Read from `{}` ({}). {} runs: {}.",
        study.db_path.display(),
        meta.join(", "),
        study.runs.len(),
        by.iter()
            .map(|(k, v)| format!("{v} {k}"))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    doc.para(
        "Tables give each configuration's values at its last evaluated epoch; where the original report has a table (He uniform, λ = 0), its numbers and the difference Δ = ours − original stand beside ours. The original's costs are the quadratic cost (MSE) on the softmax output (SPEC §3): cost columns compare only for `mse` sections. Runs that diverged, failed or did not finish are listed in the status column, and in the table below; grid combinations with no run are shown as missing.",
    );
    doc.list(
        sections
            .iter()
            .map(|s| format!("{} ({} runs)", s.title(), s.runs.len()))
            .collect(),
    );
    if let Some(t) = tables::unfinished_table(&study.runs) {
        doc.table(t);
    }
}

fn describe_section(doc: &mut Document, s: &Section) {
    let varied: Vec<String> = s
        .panel_axes
        .iter()
        .chain(s.series_axes.iter())
        .chain([Axis::Seed].iter().filter(|_| s.count(Axis::Seed) > 1))
        .map(|a| {
            let vals: Vec<String> = s
                .values
                .get(a)
                .map(|v| v.iter().map(|x| x.raw().to_string()).collect())
                .unwrap_or_default();
            format!("{} ∈ {{{}}}", a.name(), vals.join(", "))
        })
        .collect();
    let fixed: Vec<String> = [
        Axis::Init,
        Axis::L2,
        Axis::Optimizer,
        Axis::Lr,
        Axis::BatchSize,
        Axis::Epochs,
        Axis::Architecture,
    ]
    .iter()
    .filter(|a| s.count(**a) == 1)
    .filter_map(|a| {
        s.values
            .get(a)
            .and_then(|v| v.iter().next())
            .map(|v| format!("{} = {}", a.name(), v.raw()))
    })
    .collect();
    doc.para(format!(
        "{} runs. Varied: {}. Fixed: {}.",
        s.runs.len(),
        if varied.is_empty() {
            "nothing".to_string()
        } else {
            varied.join("; ")
        },
        if fixed.is_empty() {
            "—".to_string()
        } else {
            fixed.join("; ")
        }
    ));
    if let Some((_, Some(note))) = paper::paper_table(&s.dataset) {
        doc.para(format!("Note: {note}."));
    }
}

fn claims_block(doc: &mut Document, claims: &[ClaimCheck]) {
    doc.heading(2, "Claims of the original report, checked");
    doc.table(Table {
        caption: "The six claims (SPEC §7) against this study's data".to_string(),
        header: ["#", "claim", "verdict", "why"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        rows: claims
            .iter()
            .map(|c| {
                vec![
                    Cell::plain(c.number.to_string()),
                    Cell::plain(c.claim),
                    match c.verdict {
                        Verdict::Refuted => Cell::bad(c.verdict.label()),
                        _ => Cell::plain(c.verdict.label()),
                    },
                    Cell::plain(&c.summary),
                ]
            })
            .collect(),
        notes: vec![
            format!(
                "Each claim is a set of one-sided t-tests (paired by seed where the runs share seeds, else Welch; TOST for \"≈\"), Holm-corrected over the claim's tests at α = {}. Confirmed: every test holds; Refuted: one fails; Inconclusive: the data cannot decide, with the seeds per configuration a decisive answer would need (power {}). The rule, the tests and their p-values are listed below.",
                claims::ALPHA,
                claims::POWER
            ),
        ],
    });
    for c in claims {
        doc.heading(3, format!("Claim {}: {}", c.number, c.verdict.label()));
        doc.para(format!("*{}*", c.claim).replace('*', ""));
        doc.para(format!("**Rule:** {}.", c.rule));
        doc.para(format!(
            "**Verdict:** {}: {}.",
            c.verdict.label(),
            c.summary
        ));
        doc.evidence(c.evidence.clone());
    }
}

fn thresholds_block(doc: &mut Document) {
    use claims::*;
    doc.heading(2, "Thresholds used by the claims check");
    doc.list(vec![
        format!("learns / real progress: final CV accuracy ≥ {LEARN_FACTOR} × chance (1/classes; 0.2 for 10 classes)"),
        format!("every test: α = {ALPHA}, Holm over the claim's tests; seeds needed for power {POWER} (at most {MAX_SEEDS} reported)"),
        format!("claim 1 onset: epoch {ONSET_EPOCH} ± {ONSET_TOLERANCE} (TOST margin)"),
        format!("claim 3: RMSProp ≈ Adam = TOST with margin ±{APPROX_EQ_ACC} on the final CV accuracy"),
        format!(
            "claim 4: fastest early at epoch {EARLY_EPOCH}; about equal = every two training accuracies within ±{EQUAL_SPREAD} at epoch {EQUAL_BY_EPOCH} (TOST); still improving = training cost down > {}% over the last {IMPROVING_WINDOW} epochs",
            fmt_num(IMPROVING_REL * 100.0)
        ),
        format!(
            "claim 5: cost spike = mini-batch cost > {SPIKE_FACTOR} × running median of the previous {SPIKE_WINDOW}; accuracy spike = {ACC_DROP} below it; RMSProp spikes if its mean per-run rate is > {SPIKE_MIN_RATE} per 1,000 mini-batches and > {SPIKE_RATIO} × every other optimizer's"
        ),
        format!("claim 6: no visible difference = mean final gaps at every two λ values within ±{GAP_TOL} (TOST)"),
    ]);
}

#[cfg(test)]
mod best_tests {
    use super::best_cv_text;
    use super::tables::Ranked;

    fn r(label: &str, values: &[f64]) -> Ranked {
        Ranked {
            label: label.into(),
            values: values.to_vec(),
            test: vec![],
        }
    }

    #[test]
    fn the_headline_quotes_the_test_accuracy_of_the_cv_selected_configuration() {
        let mut best = r("Adam", &[0.95, 0.96, 0.955]);
        best.test = vec![0.941, 0.944, 0.947];
        let t = best_cv_text(&[best, r("SGD", &[0.90, 0.91, 0.905])]).unwrap();
        assert!(t.contains("Its test accuracy: 0.9440 ± 0.0030"), "{t}");
        assert!(t.contains("n = 3") && t.contains("CV split chose"), "{t}");
        // Without test values nothing is claimed about the test set.
        let t = best_cv_text(&[r("Adam", &[0.95, 0.96])]).unwrap();
        assert!(!t.contains("test accuracy"), "{t}");
    }

    #[test]
    fn a_best_within_the_noise_is_said_to_be_indistinguishable() {
        let close = [
            r("RMSProp", &[0.9565, 0.9510, 0.9540, 0.9500, 0.9530]),
            r("SGD", &[0.9529, 0.9515, 0.9545, 0.9520, 0.9535]),
        ];
        let t = best_cv_text(&close).unwrap();
        assert!(
            t.contains("not distinguishable") && t.contains("n = 5"),
            "{t}"
        );
        let apart = [
            r("Momentum", &[0.44, 0.45, 0.43, 0.44, 0.45]),
            r("SGD", &[0.41, 0.40, 0.42, 0.41, 0.40]),
        ];
        let t = best_cv_text(&apart).unwrap();
        assert!(t.contains("ahead of the runner-up, SGD"), "{t}");
        let one = [r("Adam", &[0.86]), r("SGD", &[0.85])];
        let t = best_cv_text(&one).unwrap();
        assert!(
            t.contains("one seed: no interval") && t.contains("cannot be tested"),
            "{t}"
        );
        assert!(best_cv_text(&[]).is_none());
    }
}
