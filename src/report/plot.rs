//! Drawing figures: a grid of panels, each with line series (mean over seeds, with a ±1 std
//! band when there are several), one shared legend, written as PNG and SVG.
//!
//! Text is drawn with DejaVu Sans, compiled into the binary (`assets/fonts`, Bitstream Vera
//! licence), so figures render the same on a machine with no fonts installed.

use std::path::{Path, PathBuf};
use std::sync::Once;

use plotters::coord::Shift;
use plotters::coord::ranged1d::{Ranged, ValueFormatter};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::ReportError;
use super::stats::CurvePoint;

/// The font family name figures use; registered from the embedded DejaVu Sans.
const FONT: &str = "sans-serif";
static FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Size of one panel in pixels.
pub const PANEL_W: u32 = 440;
pub const PANEL_H: u32 = 320;
const TITLE_H: u32 = 44;
const LEGEND_ROW_H: u32 = 26;

/// The same colour for an optimizer in every figure (tab10: blue, orange, green, red).
pub fn optimizer_color(optimizer: &str) -> RGBColor {
    match optimizer {
        "sgd" => RGBColor(31, 119, 180),
        "momentum" => RGBColor(255, 127, 14),
        "rmsprop" => RGBColor(44, 160, 44),
        "adam" => RGBColor(214, 39, 40),
        other => {
            const EXTRA: [RGBColor; 5] = [
                RGBColor(148, 103, 189),
                RGBColor(140, 86, 75),
                RGBColor(227, 119, 194),
                RGBColor(127, 127, 127),
                RGBColor(23, 190, 207),
            ];
            let h = other
                .bytes()
                .fold(0usize, |h, b| h.wrapping_mul(31).wrapping_add(b as usize));
            EXTRA[h % EXTRA.len()]
        }
    }
}

/// A darker or lighter shade of `c` for the `i`-th of `n` variants sharing a colour
/// (e.g. two learning rates of one optimizer); `i = 0` keeps `c`.
pub fn shade(c: RGBColor, i: usize, n: usize) -> RGBColor {
    if n <= 1 || i == 0 {
        return c;
    }
    // Alternate darker / lighter, further each time.
    let step = (i as f64 + 1.0).div_euclid(2.0) / (n as f64);
    let mix = |v: u8, target: f64| (v as f64 + (target - v as f64) * step.min(0.8)) as u8;
    if i % 2 == 1 {
        RGBColor(mix(c.0, 0.0), mix(c.1, 0.0), mix(c.2, 0.0))
    } else {
        RGBColor(mix(c.0, 255.0), mix(c.1, 255.0), mix(c.2, 255.0))
    }
}

/// A sequential colour for layer `l` of `n` (dark purple for the input layer → yellow-green
/// for the output layer).
pub fn layer_color(l: usize, n: usize) -> RGBColor {
    const RAMP: [(f64, f64, f64); 5] = [
        (68.0, 1.0, 84.0),
        (59.0, 82.0, 139.0),
        (33.0, 145.0, 140.0),
        (53.0, 183.0, 121.0),
        (180.0, 200.0, 30.0),
    ];
    let t = if n <= 1 {
        0.0
    } else {
        l as f64 / (n - 1) as f64
    };
    let pos = t * (RAMP.len() - 1) as f64;
    let i = (pos.floor() as usize).min(RAMP.len() - 2);
    let f = pos - i as f64;
    let (a, b) = (RAMP[i], RAMP[i + 1]);
    RGBColor(
        (a.0 + (b.0 - a.0) * f) as u8,
        (a.1 + (b.1 - a.1) * f) as u8,
        (a.2 + (b.2 - a.2) * f) as u8,
    )
}

/// One line in a panel.
#[derive(Debug, Clone)]
pub struct Series {
    /// The legend entry of the line (also its name in the figure's CSV).
    pub label: String,
    pub color: RGBColor,
    pub points: Vec<CurvePoint>,
}

/// One chart in a figure's grid.
#[derive(Debug, Clone)]
pub struct Panel {
    pub title: String,
    pub series: Vec<Series>,
}

/// Which panels of a figure share their axis ranges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShareY {
    /// The panels of one grid row share a range (a row compares λ at one init, say).
    Row,
    /// Every panel shares one range (for figures whose panels are all compared, like the gap).
    All,
}

/// A grid of panels sharing axis labels and a legend.
#[derive(Debug, Clone)]
pub struct Figure {
    /// File name without extension.
    pub stem: String,
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub log_y: bool,
    /// Smallest y span of a (linear) panel, so that a flat curve at chance does not get
    /// zoomed into its noise; the span is also at least 20% of the panel's mean level.
    pub min_span: f64,
    /// Which panels share one x and y range.
    pub shared_y: ShareY,
    pub ncols: usize,
    pub panels: Vec<Panel>,
    /// Legend entries shared by all panels.
    pub legend: Vec<(String, RGBColor)>,
}

impl Figure {
    fn grid(&self) -> (usize, usize) {
        let ncols = self.ncols.clamp(1, self.panels.len().max(1));
        let nrows = self.panels.len().div_ceil(ncols).max(1);
        (nrows, ncols)
    }

    fn legend_rows(&self, width: u32) -> Vec<Vec<(String, RGBColor)>> {
        let mut rows: Vec<Vec<(String, RGBColor)>> = vec![vec![]];
        let mut used = 0u32;
        for (label, c) in &self.legend {
            let w = 40 + 8 * label.chars().count() as u32 + 24;
            if used + w > width.saturating_sub(20) && !rows.last().is_some_and(|r| r.is_empty()) {
                rows.push(vec![]);
                used = 0;
            }
            used += w;
            if let Some(r) = rows.last_mut() {
                r.push((label.clone(), *c));
            }
        }
        rows
    }

    /// Pixel size of the whole figure.
    pub fn size(&self) -> (u32, u32) {
        let (nrows, ncols) = self.grid();
        // Wide enough for the title (DejaVu Sans at 22 px: about 12 px a character).
        let title_w = 12 * self.title.chars().count() as u32 + 60;
        let w = (PANEL_W * ncols as u32).max(title_w);
        let legend_h = LEGEND_ROW_H * self.legend_rows(w).len() as u32 + 8;
        (w, TITLE_H + PANEL_H * nrows as u32 + legend_h)
    }
}

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The bytes are compiled in and known to parse; a failure would only mean text is
        // missing from figures, which the drawing code then reports as an error.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, FONT_BYTES);
    });
}

/// The files one figure is written to.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub png: PathBuf,
    pub svg: PathBuf,
    /// The data drawn, one row per point of each series ([`CSV_HEADER`]).
    pub csv: PathBuf,
}

/// Columns of a figure's CSV: the panel's title, the series' legend entry, x (epoch or
/// step), the mean over seeds, its sample standard deviation (0 for one seed) and the number
/// of seeds that had a value.
pub const CSV_HEADER: [&str; 6] = ["panel", "series", "x", "mean", "std", "n"];

/// The figure's data as CSV ([`CSV_HEADER`]): one row per point of every series of every
/// panel, in drawing order, so it can be re-plotted elsewhere.
pub fn csv_text(fig: &Figure) -> Result<String, String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(CSV_HEADER).map_err(|e| e.to_string())?;
    for panel in &fig.panels {
        for s in &panel.series {
            for p in &s.points {
                w.write_record([
                    panel.title.clone(),
                    s.label.clone(),
                    format!("{}", p.x),
                    format!("{:?}", p.mean),
                    format!("{:?}", p.std),
                    p.n.to_string(),
                ])
                .map_err(|e| e.to_string())?;
            }
        }
    }
    let bytes = w.into_inner().map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|e| e.to_string())
}

/// Writes `<dir>/<stem>.png`, `<dir>/<stem>.svg` and the data drawn as `<dir>/<stem>.csv`.
pub fn render(fig: &Figure, dir: &Path) -> Result<Rendered, ReportError> {
    register_font();
    let (w, h) = fig.size();
    let png = dir.join(format!("{}.png", fig.stem));
    let svg = dir.join(format!("{}.svg", fig.stem));
    let csv = dir.join(format!("{}.csv", fig.stem));
    let plot_err = |path: &Path| {
        let path = path.to_path_buf();
        move |message: String| ReportError::Plot { path, message }
    };

    let mut buf = vec![0u8; (w as usize) * (h as usize) * 3];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
        draw(&root, fig, true).map_err(plot_err(&png))?;
        root.present().map_err(|e| plot_err(&png)(e.to_string()))?;
    }
    image::save_buffer(&png, &buf, w, h, image::ExtendedColorType::Rgb8)
        .map_err(|e| plot_err(&png)(e.to_string()))?;

    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, (w, h)).into_drawing_area();
        draw(&root, fig, false).map_err(plot_err(&svg))?;
        root.present().map_err(|e| plot_err(&svg)(e.to_string()))?;
    }
    std::fs::write(&svg, text).map_err(ReportError::io(&svg))?;

    let data = csv_text(fig).map_err(plot_err(&csv))?;
    std::fs::write(&csv, data).map_err(ReportError::io(&csv))?;
    Ok(Rendered { png, svg, csv })
}

/// `bitmap`: draw each line segment on its own. plotters' bitmap rasterizer joins the
/// segments of a wide polyline with unlimited miters, so a sharp spike would shoot a spear
/// across the image; separate segments have no joins.
fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    fig: &Figure,
    bitmap: bool,
) -> Result<(), String> {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    root.fill(&WHITE).map_err(e)?;
    let (w, _) = root.dim_in_pixel();
    let (nrows, ncols) = fig.grid();
    let (title_area, rest) = root.split_vertically(TITLE_H);
    let title_style = TextStyle::from((FONT, 22).into_font())
        .color(&BLACK)
        .pos(Pos::new(HPos::Center, VPos::Center));
    title_area
        .draw_text(&fig.title, &title_style, (w as i32 / 2, TITLE_H as i32 / 2))
        .map_err(e)?;
    let (grid, legend) = rest.split_vertically(PANEL_H * nrows as u32);
    let areas = grid.split_evenly((nrows, ncols));
    for (i, area) in areas.iter().enumerate().take(fig.panels.len()) {
        draw_panel(area, fig, i, bitmap)?;
    }
    draw_legend(&legend, fig)?;
    Ok(())
}

/// Values above this × a panel's reference level (see [`ranges`]) are outliers left out of
/// its y range.
const OUTLIER_FACTOR: f64 = 10.0;

/// Axis ranges of a panel.
struct Ranges {
    x: (f64, f64),
    y: (f64, f64),
    /// Outliers were left out of `y`.
    clipped: bool,
}

/// The x extent of the panels' drawable points and every y value to fit (means and, where
/// there is a band, mean ± std), sorted; points a log scale cannot show are left out.
fn extent(panels: &[&Panel], log_y: bool) -> ((f64, f64), Vec<f64>) {
    let pts = panels
        .iter()
        .flat_map(|p| p.series.iter())
        .flat_map(|s| s.points.iter());
    let mut xs = (f64::INFINITY, f64::NEG_INFINITY);
    let mut ys: Vec<f64> = Vec::new();
    for p in pts {
        if !p.x.is_finite() || !p.mean.is_finite() || (log_y && p.mean <= 0.0) {
            continue;
        }
        xs = (xs.0.min(p.x), xs.1.max(p.x));
        ys.push(p.mean);
        if p.std > 0.0 && p.std.is_finite() {
            ys.push(p.mean + p.std);
            let lo = p.mean - p.std;
            if !log_y || lo > 0.0 {
                ys.push(lo);
            }
        }
    }
    ys.sort_by(f64::total_cmp);
    (xs, ys)
}

/// Reference level for outliers: the 90th percentile of `ys` (sorted, non-empty) or the
/// curves' starting values, whichever is larger (a cost blow-up goes far above where the
/// cost started).
fn reference_level(panels: &[&Panel], ys: &[f64]) -> f64 {
    let q90 = ys[((ys.len() - 1) as f64 * 0.9) as usize];
    let first = panels
        .iter()
        .flat_map(|p| p.series.iter())
        .filter_map(|s| {
            s.points
                .iter()
                .find(|p| p.mean.is_finite())
                .map(|p| p.mean.abs())
        })
        .fold(0.0, f64::max);
    q90.abs().max(first)
}

/// Widens `(lo, hi)` for display: ×1.5 either way on a log scale; otherwise to a span of at
/// least `min_span` (and 20% of the level), plus 5% padding.
fn pad_y(lo: f64, hi: f64, log_y: bool, min_span: f64) -> (f64, f64) {
    if log_y {
        return (lo / 1.5, hi * 1.5);
    }
    let (mut lo, mut hi) = (lo, hi);
    let want = min_span.max(0.2 * ((lo + hi) / 2.0).abs());
    if hi - lo < want {
        let mid = (lo + hi) / 2.0;
        lo = mid - want / 2.0;
        hi = mid + want / 2.0;
    }
    let pad = ((hi - lo) * 0.05).max(1e-6);
    (lo - pad, hi + pad)
}

/// The x range and (robust) y range of some panels: `None` when they have no finite point.
/// A few huge values (a run blowing up before it was marked diverged) would flatten every
/// other curve, so values above [`OUTLIER_FACTOR`] × the reference level (the larger of the
/// 90th percentile and the curves' first values) are left out of the range and drawn at
/// its edge; the panel title then says "y clipped".
fn ranges(panels: &[&Panel], log_y: bool, min_span: f64) -> Option<Ranges> {
    let (mut xs, ys) = extent(panels, log_y);
    let (&lo, &top) = (ys.first()?, ys.last()?);
    let reference = reference_level(panels, &ys);
    let mut hi = top;
    let mut clipped = false;
    if !log_y && reference > 0.0 && hi > OUTLIER_FACTOR * reference {
        hi = ys
            .iter()
            .copied()
            .filter(|&v| v <= OUTLIER_FACTOR * reference)
            .fold(reference, f64::max);
        clipped = true;
    }
    if xs.1 <= xs.0 {
        xs = (xs.0 - 0.5, xs.1 + 0.5);
    }
    Some(Ranges {
        x: xs,
        y: pad_y(lo, hi, log_y, min_span),
        clipped,
    })
}

/// The panels whose data sets the ranges of panel `i`.
fn range_scope(fig: &Figure, i: usize) -> Vec<&Panel> {
    let (_, ncols) = fig.grid();
    match fig.shared_y {
        ShareY::Row => {
            let row = i / ncols;
            fig.panels.iter().skip(row * ncols).take(ncols).collect()
        }
        ShareY::All => fig.panels.iter().collect(),
    }
}

/// Draws panel `i` of `fig` into `area`.
fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    fig: &Figure,
    i: usize,
    bitmap: bool,
) -> Result<(), String> {
    let Some(panel) = fig.panels.get(i) else {
        return Ok(());
    };
    let scope = range_scope(fig, i);
    let Some(Ranges {
        x: xr,
        y: yr,
        clipped,
    }) = ranges(&scope, fig.log_y, fig.min_span)
    else {
        let style = TextStyle::from((FONT, 16).into_font())
            .color(&BLACK)
            .pos(Pos::new(HPos::Center, VPos::Center));
        let (w, h) = area.dim_in_pixel();
        area.draw_text(
            &format!("{}: no data", panel.title),
            &style,
            (w as i32 / 2, h as i32 / 2),
        )
        .map_err(|e| e.to_string())?;
        return Ok(());
    };
    let title = if clipped {
        format!("{} (y clipped)", panel.title)
    } else {
        panel.title.clone()
    };
    let mut builder = ChartBuilder::on(area);
    builder
        .caption(&title, (FONT, 16))
        .margin(10)
        .margin_right(18)
        .x_label_area_size(40)
        .y_label_area_size(62);
    if fig.log_y {
        // Labels that stay readable below a decade (plotters would label one power of ten).
        let y = (yr.0..yr.1)
            .log_scale()
            .with_key_points(super::ticks::log_ticks(yr.0, yr.1))
            .with_light_points(super::ticks::log_minor(yr.0, yr.1));
        let chart = builder
            .build_cartesian_2d(xr.0..xr.1, y)
            .map_err(|e| e.to_string())?;
        fill_chart(chart, fig, panel, bitmap, |v| super::ticks::log_label(*v))
    } else {
        let chart = builder
            .build_cartesian_2d(xr.0..xr.1, yr.0..yr.1)
            .map_err(|e| e.to_string())?;
        let span = yr.1 - yr.0;
        let digits = if span < 0.05 {
            3
        } else if span < 2.0 {
            2
        } else {
            1
        };
        fill_chart(chart, fig, panel, bitmap, move |v| format!("{v:.digits$}"))
    }
}

/// A panel's chart: linear x, and a linear or logarithmic y.
type Chart<'a, DB, Y> =
    ChartContext<'a, DB, Cartesian2d<plotters::coord::types::RangedCoordf64, Y>>;

/// Draws a panel's axes, then its ±1 std bands, then its lines on top.
fn fill_chart<DB, Y>(
    mut chart: Chart<'_, DB, Y>,
    fig: &Figure,
    panel: &Panel,
    bitmap: bool,
    y_fmt: impl Fn(&f64) -> String,
) -> Result<(), String>
where
    DB: DrawingBackend,
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    draw_mesh(&mut chart, fig, y_fmt)?;
    // Lines are clamped to the y range: a value far outside it (a blow-up) would otherwise be
    // drawn across neighbouring panels.
    let y_range = {
        let r = chart.y_range();
        (r.start, r.end)
    };
    // Bands first, so every line is drawn on top of every band.
    for s in &panel.series {
        draw_band(&mut chart, s, fig.log_y, y_range)?;
    }
    for s in &panel.series {
        draw_line(&mut chart, s, fig.log_y, y_range, bitmap)?;
    }
    Ok(())
}

/// Draws the grid, the tick labels and the axis names.
fn draw_mesh<DB, Y>(
    chart: &mut Chart<'_, DB, Y>,
    fig: &Figure,
    y_fmt: impl Fn(&f64) -> String,
) -> Result<(), String>
where
    DB: DrawingBackend,
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    chart
        .configure_mesh()
        .x_desc(&fig.x_label)
        .y_desc(&fig.y_label)
        .label_style((FONT, 13))
        .axis_desc_style((FONT, 14))
        .x_labels(6)
        .y_labels(6)
        .x_label_formatter(&|v| {
            if v.abs() >= 10_000.0 {
                format!("{:.0}k", v / 1000.0)
            } else {
                format!("{v:.0}")
            }
        })
        .y_label_formatter(&y_fmt)
        .light_line_style(RGBColor(235, 235, 235))
        .bold_line_style(RGBColor(210, 210, 210))
        .draw()
        .map_err(e)
}

/// Whether a point can be drawn: finite, and positive on a log axis.
fn drawable(x: f64, y: f64, log_y: bool) -> bool {
    x.is_finite() && y.is_finite() && (!log_y || y > 0.0)
}

/// The ±1 std band of a series as a closed polygon (upper edge, then lower edge backwards),
/// clamped to `y_range`; a lower edge at or below 0 on a log axis is drawn at mean / 10.
fn band_polygon(s: &Series, log_y: bool, (ylo, yhi): (f64, f64)) -> Vec<(f64, f64)> {
    let upper = s.points.iter().map(|p| (p.x, p.mean + p.std));
    let lower = s.points.iter().rev().map(|p| {
        let lo = p.mean - p.std;
        (
            p.x,
            if log_y && lo <= 0.0 {
                p.mean / 10.0
            } else {
                lo
            },
        )
    });
    upper
        .chain(lower)
        .filter(|&(x, y)| drawable(x, y, log_y))
        .map(|(x, y)| (x, y.clamp(ylo, yhi)))
        .collect()
}

/// Draws a series' ±1 std band when some point has several seeds that disagree.
fn draw_band<DB, Y>(
    chart: &mut Chart<'_, DB, Y>,
    s: &Series,
    log_y: bool,
    y_range: (f64, f64),
) -> Result<(), String>
where
    DB: DrawingBackend,
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    if s.points.iter().any(|p| p.n > 1 && p.std > 0.0) {
        let poly = band_polygon(s, log_y, y_range);
        if poly.len() >= 3 {
            chart
                .draw_series(std::iter::once(Polygon::new(
                    poly,
                    s.color.mix(0.18).filled(),
                )))
                .map_err(e)?;
        }
    }
    Ok(())
}

/// Draws a series' mean line: a dot for a single point, segments for bitmaps, a path for SVG.
fn draw_line<DB, Y>(
    chart: &mut Chart<'_, DB, Y>,
    s: &Series,
    log_y: bool,
    (ylo, yhi): (f64, f64),
    bitmap: bool,
) -> Result<(), String>
where
    DB: DrawingBackend,
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let pts: Vec<(f64, f64)> = s
        .points
        .iter()
        .map(|p| (p.x, p.mean))
        .filter(|&(x, y)| drawable(x, y, log_y))
        .map(|(x, y)| (x, y.clamp(ylo, yhi)))
        .collect();
    if pts.len() == 1 {
        chart
            .draw_series(std::iter::once(Circle::new(pts[0], 3, s.color.filled())))
            .map_err(e)?;
    } else if bitmap {
        let style = s.color.stroke_width(2);
        chart
            .draw_series(
                pts.windows(2)
                    .map(|w| PathElement::new(vec![w[0], w[1]], style)),
            )
            .map_err(e)?;
    } else {
        chart
            .draw_series(LineSeries::new(pts, s.color.stroke_width(2)))
            .map_err(e)?;
    }
    Ok(())
}

fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    fig: &Figure,
) -> Result<(), String> {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let (w, _) = area.dim_in_pixel();
    let style = TextStyle::from((FONT, 15).into_font())
        .color(&BLACK)
        .pos(Pos::new(HPos::Left, VPos::Center));
    for (row_i, row) in fig.legend_rows(w).iter().enumerate() {
        let total: u32 = row
            .iter()
            .map(|(l, _)| 40 + 8 * l.chars().count() as u32 + 24)
            .sum();
        let mut x = (w.saturating_sub(total) / 2) as i32;
        let y = (row_i as u32 * LEGEND_ROW_H + LEGEND_ROW_H / 2 + 4) as i32;
        for (label, c) in row {
            area.draw(&PathElement::new(
                vec![(x, y), (x + 30, y)],
                c.stroke_width(4),
            ))
            .map_err(e)?;
            area.draw_text(label, &style, (x + 38, y)).map_err(e)?;
            x += (40 + 8 * label.chars().count() as u32 + 24) as i32;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn panel(title: &str, y: f64) -> Panel {
        Panel {
            title: title.to_string(),
            series: vec![Series {
                label: "s".to_string(),
                color: BLACK,
                points: vec![CurvePoint {
                    x: 1.0,
                    mean: y,
                    std: 0.0,
                    n: 1,
                }],
            }],
        }
    }

    fn figure(shared_y: ShareY) -> Figure {
        Figure {
            stem: "f".into(),
            title: "t".into(),
            x_label: "x".into(),
            y_label: "y".into(),
            log_y: false,
            min_span: 0.0,
            shared_y,
            ncols: 2,
            panels: vec![
                panel("a", 1.0),
                panel("b", 2.0),
                panel("c", 10.0),
                panel("d", 20.0),
            ],
            legend: vec![],
        }
    }

    #[test]
    fn panels_of_a_row_share_their_range() {
        let titles = |fig: &Figure, i| -> Vec<String> {
            range_scope(fig, i)
                .iter()
                .map(|p| p.title.clone())
                .collect()
        };
        let f = figure(ShareY::Row);
        assert_eq!(titles(&f, 0), ["a", "b"]);
        assert_eq!(titles(&f, 3), ["c", "d"]);
        let r = ranges(&range_scope(&f, 2), false, 0.0).expect("ranges");
        assert!(r.y.0 < 10.0 && r.y.1 > 20.0 && r.y.0 > 2.0, "{:?}", r.y);
        assert_eq!(titles(&figure(ShareY::All), 1), ["a", "b", "c", "d"]);
    }

    #[test]
    fn the_csv_has_one_row_per_point_with_named_columns() {
        let text = csv_text(&figure(ShareY::Row)).expect("csv");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "panel,series,x,mean,std,n");
        assert_eq!(lines[1], "a,s,1,1.0,0.0,1");
        assert_eq!(lines.len(), 5);
    }
}
