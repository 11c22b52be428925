//! Which figures a section gets, built from its runs (drawing is in `plot.rs`):
//!
//! - training cost and training accuracy against epoch and against mini-batch, one panel
//!   per varied init × λ, one series per optimizer (the original's Figures 1–4), and the
//!   same per-epoch figures on the CV split beside them;
//! - the generalization gap (train − CV accuracy) against epoch for the smallest vs the
//!   largest λ (the original's Figure 5), He-uniform runs only when there are any;
//! - per-layer gradient norms (log scale), one panel per init × series at the smallest λ,
//!   which the original did not record.
//!
//! With several seeds every curve is the mean with a ±1 std band.

use super::grid::{Axis, Key, Section, Value, init_label};
use super::load::{EpochRow, Run};
use super::plot::{Figure, Panel, Series, ShareY, layer_color, optimizer_color, shade};
use super::stats::{CurvePoint, aggregate};
use super::tables::row_label;

/// A figure and the caption the report prints under it.
pub struct Planned {
    pub figure: Figure,
    pub caption: String,
}

/// Colour of every series key of a section: the optimizer's colour, shaded when several
/// series share one optimizer.
fn series_colors(section: &Section, keys: &[Key]) -> Vec<plotters::style::RGBColor> {
    let opt_of = |k: &Key| -> String {
        k.get(Axis::Optimizer)
            .map(|v| v.raw().to_string())
            .or_else(|| section.runs.first().map(|r| r.optimizer.clone()))
            .unwrap_or_default()
    };
    keys.iter()
        .map(|k| {
            let o = opt_of(k);
            let same: Vec<&Key> = keys.iter().filter(|j| opt_of(j) == o).collect();
            let i = same.iter().position(|j| *j == k).unwrap_or(0);
            shade(optimizer_color(&o), i, same.len())
        })
        .collect()
}

/// Panel title for a panel key (`He uniform, λ=3`), or the section's dataset when no
/// panel axis varies.
fn panel_title(section: &Section, key: &Key) -> String {
    key.label(&section.dataset)
}

/// Columns of the panel grid: λ along the columns when init × λ both vary, else up to 4.
fn ncols(section: &Section, panel_axes: &[Axis], n: usize) -> usize {
    if panel_axes == [Axis::Init, Axis::L2] {
        section.count(Axis::L2).max(1)
    } else {
        n.clamp(1, 4)
    }
}

fn epoch_curve(runs: &[&Run], f: fn(&EpochRow) -> Option<f64>) -> Vec<CurvePoint> {
    let curves: Vec<Vec<(i64, Option<f64>)>> = runs
        .iter()
        .map(|r| r.epochs.iter().map(|e| (e.epoch, f(e))).collect())
        .collect();
    aggregate(&curves)
}

/// Each run's per-step values binned by `width` mini-batches, then aggregated over seeds.
fn batch_curve(runs: &[&Run], width: usize, cost: bool) -> Vec<CurvePoint> {
    let curves: Vec<Vec<(i64, Option<f64>)>> = runs
        .iter()
        .map(|r| {
            let pts: Vec<(i64, Option<f64>)> = r
                .batches
                .iter()
                .map(|b| (b.step, if cost { b.cost } else { b.accuracy }))
                .collect();
            pts.chunks(width.max(1))
                .filter_map(|c| {
                    let x = c.last()?.0;
                    let y = super::stats::Stat::of(c.iter().filter_map(|p| p.1)).map(|s| s.mean);
                    Some((x, y))
                })
                .collect()
        })
        .collect();
    aggregate(&curves)
}

fn seeds_note(section: &Section) -> String {
    let n = section.count(Axis::Seed);
    if n > 1 {
        format!(" Curves are the mean over {n} seeds with a ±1 std band.")
    } else {
        String::new()
    }
}

/// A figure with panels = `panel_keys`, series = the section's series keys, values from `curve`.
fn grid_figure(
    section: &Section,
    stem: String,
    title: String,
    (x_label, y_label): (&str, &str),
    panel_axes: &[Axis],
    panel_keys: &[Key],
    curve: &dyn Fn(&[&Run]) -> Vec<CurvePoint>,
) -> Figure {
    let series = section.series_keys();
    let colors = series_colors(section, &series);
    // points[p][s]: series s in panel p (empty where no run has it).
    let points: Vec<Vec<Vec<CurvePoint>>> = panel_keys
        .iter()
        .map(|pk| {
            series
                .iter()
                .map(|sk| curve(&section.runs_at(&[pk, sk])))
                .collect()
        })
        .collect();
    // Where each series has data, per panel axis value: a series is expected in a panel only
    // if it has data at each of the panel's values somewhere. A series tied to one value
    // (a learning rate tuned for one initialization) is then not "missing" from the others.
    let seen: Vec<std::collections::BTreeSet<(Axis, Value)>> = (0..series.len())
        .map(|s| {
            panel_keys
                .iter()
                .zip(&points)
                .filter(|(_, row)| !row[s].is_empty())
                .flat_map(|(pk, _)| pk.0.iter().cloned())
                .collect()
        })
        .collect();
    let panels = panel_keys
        .iter()
        .zip(points)
        .map(|(pk, row)| {
            let mut absent = Vec::new();
            let lines = series
                .iter()
                .zip(&colors)
                .zip(row)
                .enumerate()
                .filter_map(|(s, ((sk, c), points))| {
                    if points.is_empty() {
                        if pk.0.iter().all(|av| seen[s].contains(av)) {
                            absent.push(row_label(section, sk));
                        }
                        return None;
                    }
                    Some(Series {
                        label: row_label(section, sk),
                        color: *c,
                        points,
                    })
                })
                .collect::<Vec<_>>();
            let mut title = panel_title(section, pk);
            // Say which lines are missing, unless the whole panel is empty anyway.
            if !absent.is_empty() && !lines.is_empty() {
                title.push_str(&format!(" — no data: {}", absent.join(", ")));
            }
            Panel {
                title,
                series: lines,
            }
        })
        .collect::<Vec<_>>();
    Figure {
        stem,
        title,
        x_label: x_label.to_string(),
        y_label: y_label.to_string(),
        log_y: false,
        min_span: 0.0,
        shared_y: ShareY::Row,
        ncols: ncols(section, panel_axes, panel_keys.len()),
        legend: series
            .iter()
            .zip(&colors)
            .map(|(k, c)| (row_label(section, k), *c))
            .collect(),
        panels,
    }
}

/// What every figure of a section shares: its file-name stem, panels and captions' notes.
struct Shared<'s, 'a> {
    section: &'s Section<'a>,
    slug: String,
    /// The varied panel axes and every panel key.
    axes: Vec<Axis>,
    pkeys: Vec<Key>,
    /// The seeds note appended to captions.
    seeds: String,
    /// `training cost (MSE + L2)`.
    cost_name: String,
}

impl<'s, 'a> Shared<'s, 'a> {
    fn new(section: &'s Section<'a>) -> Self {
        let cost_name = if section.loss == "mse" {
            "training cost (MSE + L2)".to_string()
        } else {
            format!("training cost ({} + L2)", section.loss)
        };
        Shared {
            section,
            slug: section.slug(),
            axes: section.panel_axes.clone(),
            pkeys: section.panel_keys(),
            seeds: seeds_note(section),
            cost_name,
        }
    }
}

/// All figures for one section. `max_batch_points` bounds the points of a mini-batch curve.
pub fn plan(section: &Section, max_batch_points: usize) -> Vec<Planned> {
    let sh = Shared::new(section);
    let mut out = epoch_figures(&sh);
    out.extend(batch_figures(&sh, max_batch_points));
    out.extend(gap_figure(section, &sh.slug, &sh.seeds));
    out.extend(grad_norm_figure(section, &sh.slug, &sh.seeds));
    out
}

/// A number read from an epoch row.
type EpochField = fn(&EpochRow) -> Option<f64>;

/// Cost and accuracy per epoch, on the training split (the original's Figures 1 and 3) and,
/// right after each, on the CV split with the same panels and series, so the two can be
/// read side by side.
fn epoch_figures(sh: &Shared) -> Vec<Planned> {
    let (section, slug, ds) = (sh.section, &sh.slug, &sh.section.dataset);
    let cv_cost_name = sh.cost_name.replace("training cost", "CV cost");
    let fields: [(&str, &str, EpochField, &str); 4] = [
        ("train", "cost", |e| e.train_cost, sh.cost_name.as_str()),
        ("cv", "cost", |e| e.cv_cost, cv_cost_name.as_str()),
        ("train", "accuracy", |e| e.train_acc, "training accuracy"),
        ("cv", "accuracy", |e| e.cv_acc, "CV accuracy"),
    ];
    fields
        .into_iter()
        .map(|(split, what, field, label)| {
            let mut fig = grid_figure(
                section,
                format!("{slug}-{split}-{what}-epoch"),
                format!("{ds}: {label} per epoch"),
                ("epoch", label),
                &sh.axes,
                &sh.pkeys,
                &|runs| epoch_curve(runs, field),
            );
            fig.min_span = if what == "accuracy" { 0.1 } else { 0.0 };
            let on = if split == "train" {
                "the whole training split"
            } else {
                "the CV (validation) split"
            };
            Planned {
                caption: format!(
                    "{ds}: {label} on {on} after each epoch (epoch 0 = before training), one panel per {}; a configuration with no finished epoch has no line (see the tables). Panels in a row share their y axis.{}",
                    panel_axes_text(&sh.axes),
                    sh.seeds
                ),
                figure: fig,
            }
        })
        .collect()
}

/// Mini-batch cost and accuracy (the original's Figures 2 and 4), binned to at most
/// `max_batch_points` points; none when no run recorded mini-batches.
fn batch_figures(sh: &Shared, max_batch_points: usize) -> Vec<Planned> {
    let (section, slug, ds) = (sh.section, &sh.slug, &sh.section.dataset);
    let max_steps = section
        .runs
        .iter()
        .map(|r| r.batches.len())
        .max()
        .unwrap_or(0);
    if max_steps == 0 {
        return Vec::new();
    }
    let width = max_steps.div_ceil(max_batch_points.max(1)).max(1);
    let binned = if width > 1 {
        format!(" Each point is the mean of {width} consecutive mini-batches.")
    } else {
        String::new()
    };
    [
        (
            "cost",
            true,
            sh.cost_name.replace("training cost", "mini-batch cost"),
        ),
        ("accuracy", false, "mini-batch accuracy".to_string()),
    ]
    .into_iter()
    .map(|(what, cost, label)| {
        let mut fig = grid_figure(
            section,
            format!("{slug}-train-{what}-batch"),
            format!("{ds}: {label} per mini-batch"),
            ("mini-batch (step)", label.as_str()),
            &sh.axes,
            &sh.pkeys,
            &|runs| batch_curve(runs, width, cost),
        );
        fig.min_span = if cost { 0.0 } else { 0.1 };
        Planned {
            caption: format!(
                "{ds}: {label} of each mini-batch as it was trained on (before its update).{binned}{}",
                sh.seeds
            ),
            figure: fig,
        }
    })
    .collect()
}

fn panel_axes_text(axes: &[Axis]) -> String {
    match axes {
        [] => "configuration (init and λ are fixed in this grid)".to_string(),
        a => a.iter().map(|x| x.name()).collect::<Vec<_>>().join(" × "),
    }
}

/// Figure 5: gap per optimizer, smallest vs largest λ (all λ when there are only two).
fn gap_figure(section: &Section, slug: &str, seeds: &str) -> Option<Planned> {
    let he = section.runs.iter().any(|r| r.init == "he");
    let l2s: Vec<_> = section.values.get(&Axis::L2)?.iter().cloned().collect();
    let picked: Vec<_> = match l2s.as_slice() {
        [] => return None,
        [one] => vec![one.clone()],
        [first, .., last] => vec![first.clone(), last.clone()],
    };
    let inits: Vec<_> = section
        .values
        .get(&Axis::Init)?
        .iter()
        .filter(|v| !he || v.raw() == "he")
        .cloned()
        .collect();
    let mut keys = Vec::new();
    for i in &inits {
        for l in &picked {
            keys.push(Key(vec![(Axis::Init, i.clone()), (Axis::L2, l.clone())]));
        }
    }
    let fig = grid_figure(
        section,
        format!("{slug}-gap"),
        format!(
            "{}: generalization gap (train − CV accuracy)",
            section.dataset
        ),
        ("epoch", "train − CV accuracy"),
        &[Axis::Init, Axis::L2],
        &keys,
        &|runs| epoch_curve(runs, EpochRow::gap),
    );
    let mut fig = fig;
    fig.ncols = picked.len();
    fig.shared_y = ShareY::All;
    fig.min_span = 0.02;
    let lam = picked
        .iter()
        .map(|v| format!("λ={}", v.raw()))
        .collect::<Vec<_>>()
        .join(" vs ");
    Some(Planned {
        caption: format!(
            "{}: generalization gap per optimizer, {lam}{} (the original's Figure 5); all panels share one y axis.{seeds}",
            section.dataset,
            if he { ", He-uniform runs" } else { "" }
        ),
        figure: fig,
    })
}

/// The value a gradient norm of exactly 0 is drawn at on a log scale (a network whose
/// outputs saturated, as U[−1,1] does here): a decade below the smallest positive norm of
/// the section (1e-12 when there is none).
fn zero_floor(section: &Section) -> f64 {
    let smallest = section
        .runs
        .iter()
        .flat_map(|r| r.layer_norms.iter().filter_map(|l| l.grad_norm))
        .filter(|&g| g > 0.0 && g.is_finite())
        .fold(f64::INFINITY, f64::min);
    if smallest.is_finite() {
        smallest / 10.0
    } else {
        1e-12
    }
}

/// One series per layer (1..=`n_layers`) of the runs' gradient norms, mean over seeds; and
/// whether some norm of 0 was drawn at `floor`.
fn layer_series(runs: &[&Run], n_layers: usize, floor: f64) -> (Vec<Series>, bool) {
    let mut zeros = false;
    let series = (1..=n_layers as i64)
        .map(|layer| {
            let curves: Vec<Vec<(i64, Option<f64>)>> = runs
                .iter()
                .map(|r| {
                    r.layer_norms
                        .iter()
                        .filter(|l| l.layer == layer)
                        .map(|l| match l.grad_norm {
                            Some(0.0) => {
                                zeros = true;
                                (l.epoch, Some(floor))
                            }
                            g => (l.epoch, g),
                        })
                        .collect()
                })
                .collect();
            Series {
                label: format!("layer {layer}"),
                color: layer_color(layer as usize - 1, n_layers),
                points: aggregate(&curves),
            }
        })
        .collect();
    (series, zeros)
}

/// The gradient-norm panels: one per init × series key at λ = `l2`, skipping empty ones.
fn grad_norm_panels(section: &Section, l2: &Value, n_layers: usize) -> Option<Vec<Panel>> {
    let inits: Vec<_> = section.values.get(&Axis::Init)?.iter().cloned().collect();
    let floor = zero_floor(section);
    let series = section.series_keys();
    let mut panels = Vec::new();
    for init in &inits {
        let ikey = Key(vec![(Axis::Init, init.clone()), (Axis::L2, l2.clone())]);
        for sk in &series {
            let runs = section.runs_at(&[&ikey, sk]);
            if runs.is_empty() {
                continue;
            }
            let (series, zeros) = layer_series(&runs, n_layers, floor);
            let mut title = format!("{}, {}", init_label(init.raw()), row_label(section, sk));
            if zeros {
                title.push_str(&format!(" (0 drawn at {floor:.0e})"));
            }
            panels.push(Panel { title, series });
        }
    }
    Some(panels)
}

/// Per-layer gradient norms, one panel per init × series, at the smallest λ.
fn grad_norm_figure(section: &Section, slug: &str, seeds: &str) -> Option<Planned> {
    if section.runs.iter().all(|r| r.layer_norms.is_empty()) {
        return None;
    }
    let l2 = section.values.get(&Axis::L2)?.iter().next()?.clone();
    let n_layers = section
        .runs
        .iter()
        .flat_map(|r| r.layer_norms.iter().map(|l| l.layer))
        .max()
        .unwrap_or(0)
        .max(1) as usize;
    let panels = grad_norm_panels(section, &l2, n_layers)?;
    if panels.is_empty() {
        return None;
    }
    let legend = (1..=n_layers)
        .map(|l| (format!("layer {l}"), layer_color(l - 1, n_layers)))
        .collect();
    Some(Planned {
        caption: format!(
            "{}: mean Frobenius norm of each layer's weight gradient ‖dW[l]‖ over each epoch's mini-batches (log scale), λ={}, per init × optimizer; layer 1 is the input layer. The original did not record this.{seeds}",
            section.dataset,
            l2.raw()
        ),
        figure: Figure {
            stem: format!("{slug}-grad-norms"),
            title: format!(
                "{}: per-layer gradient norms, λ={}",
                section.dataset,
                l2.raw()
            ),
            x_label: "epoch".to_string(),
            y_label: "‖dW[l]‖ (log)".to_string(),
            log_y: true,
            min_span: 0.0,
            shared_y: ShareY::Row,
            ncols: section.series_keys().len().clamp(1, 4),
            panels,
            legend,
        },
    })
}
