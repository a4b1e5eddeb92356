//! A small line chart of the last hour, drawn by the templates as an inline SVG polyline (no
//! JavaScript): the series' points scaled into [`WIDTH`] × [`HEIGHT`], now at the right edge and
//! at the left the hour's start, or the first sample when the console has sampled for less.

use crate::history::WINDOW_MS;

/// The chart's width, in SVG user units.
pub(crate) const WIDTH: f64 = 240.0;
/// The chart's height, in SVG user units.
pub(crate) const HEIGHT: f64 = 40.0;

/// A chart ready for a template.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Chart {
    /// The polyline's `points` attribute: `x,y x,y ...`.
    pub(crate) points: String,
    /// The newest value, formatted.
    pub(crate) last: String,
    /// The largest value of the hour, formatted.
    pub(crate) max: String,
}

/// The chart of `series` ((time in ms, value), oldest first) as of `now_ms`; none with fewer
/// than two points (no line to draw).
pub(crate) fn chart(series: &[(i64, f64)], now_ms: i64) -> Option<Chart> {
    if series.len() < 2 {
        return None;
    }
    let max = series.iter().map(|(_, v)| *v).fold(0.0_f64, f64::max);
    let first = series.first().map_or(now_ms, |(at, _)| *at);
    let start = first.max(now_ms - WINDOW_MS);
    let span = (now_ms - start).max(1) as f64;
    let points = series
        .iter()
        .map(|&(at, value)| {
            let x = ((at - start) as f64 / span * WIDTH).clamp(0.0, WIDTH);
            let y = if max > 0.0 {
                HEIGHT - value / max * HEIGHT
            } else {
                HEIGHT
            };
            format!("{x:.1},{y:.1}")
        })
        .collect::<Vec<_>>()
        .join(" ");
    let last = series.last().map(|(_, v)| *v).unwrap_or_default();
    Some(Chart {
        points,
        last: number(last),
        max: number(max),
    })
}

/// A value with at most one decimal (none for a whole number).
fn number(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_are_scaled_into_the_box() {
        let now = 10 * WINDOW_MS;
        let chart = chart(
            &[
                (now - WINDOW_MS, 0.0),
                (now - WINDOW_MS / 2, 2.5),
                (now, 5.0),
            ],
            now,
        )
        .expect("a chart");
        assert_eq!(chart.points, "0.0,40.0 120.0,20.0 240.0,0.0");
        assert_eq!((chart.last.as_str(), chart.max.as_str()), ("5", "5"));
    }

    #[test]
    fn less_than_an_hour_of_samples_spans_the_width() {
        let chart = chart(&[(1_000, 1.0), (2_000, 2.0), (3_000, 4.0)], 5_000).expect("a chart");
        assert_eq!(chart.points, "0.0,30.0 60.0,20.0 120.0,0.0");
    }

    #[test]
    fn a_flat_zero_line_lies_on_the_bottom_and_one_point_is_no_chart() {
        let chart = chart(&[(0, 0.0), (WINDOW_MS, 0.0)], WINDOW_MS).expect("a chart");
        assert_eq!(chart.points, "0.0,40.0 240.0,40.0");
        assert_eq!(super::chart(&[(0, 1.0)], 0), None);
        assert_eq!(number(1.26), "1.3");
        assert_eq!(number(3.0), "3");
    }
}
