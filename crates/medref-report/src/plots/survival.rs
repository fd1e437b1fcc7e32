//! Kaplan-Meier curves of the test patients split by predicted risk: the
//! picture a clinician reads a prognostic model by. Well separated curves,
//! ordered low to high risk, mean the model ranks patients usefully.

use super::line_chart::{Corner, LineChart, Series, Style};
use super::Figure;
use crate::run::Run;
use crate::text::fmt_num;

/// One Kaplan-Meier curve per risk tertile (from `survival.json`), with the
/// numbers at risk at four times under the chart.
pub(crate) fn kaplan_meier_plot(run: &Run) -> Option<Figure> {
    let s = run.survival.as_ref()?;
    let groups = s.get("kaplan_meier_by_risk_tertile")?.as_array()?;
    let numbers = |g: &serde_json::Value, k: &str| -> Vec<f64> {
        g.get(k).and_then(|v| v.as_array()).map(|a| a.iter().filter_map(|x| x.as_f64()).collect()).unwrap_or_default()
    };
    let end = groups.iter().flat_map(|g| numbers(g, "times")).fold(0.0f64, f64::max);
    if end <= 0.0 {
        return None;
    }
    let mut chart = LineChart::new(
        "kaplan_meier",
        "Kaplan-Meier curves of the test set by predicted risk".into(),
        "time",
        "event-free probability",
    );
    chart.y_range = Some((0.0, 1.0));
    chart.x_range = Some((0.0, end));
    chart.legend = Corner::BottomLeft;
    let checkpoints = [0.0, end / 3.0, 2.0 * end / 3.0, end];
    let mut at_risk_lines = Vec::new();
    for (g, style) in groups.iter().zip([Style::Line, Style::Dashed, Style::Markers]) {
        let name = g.get("group").and_then(|v| v.as_str()).unwrap_or("group");
        let (times, surv, risk) = (numbers(g, "times"), numbers(g, "survival"), numbers(g, "at_risk"));
        let mut points = vec![(0.0, 1.0)];
        let mut last = 1.0;
        for (&t, &p) in times.iter().zip(&surv) {
            points.push((t, last));
            points.push((t, p));
            last = p;
        }
        points.push((end, last));
        let n = g.get("n").and_then(|v| v.as_u64()).unwrap_or(0);
        chart.series.push(Series::new(format!("{name} (n = {n})"), points, style));
        // Numbers at risk: patients still followed just before each time.
        let at = |c: f64| -> u64 {
            match times.iter().position(|&t| t >= c) {
                Some(k) => risk.get(k).copied().unwrap_or(0.0) as u64,
                None => 0,
            }
        };
        let counts: Vec<String> =
            checkpoints.iter().map(|&c| if c == 0.0 { n.to_string() } else { at(c).to_string() }).collect();
        at_risk_lines.push(format!("{name}: {}", counts.join(" / ")));
    }
    let times: Vec<String> = checkpoints.iter().map(|&c| fmt_num(c)).collect();
    Some(Figure {
        svg: chart.render()?,
        caption: format!(
            "Test patients in thirds of predicted risk, each followed by its Kaplan-Meier estimate (censored patients count while at risk). \
             Number at risk at t = {}: {}.",
            times.join(" / "),
            at_risk_lines.join("; ")
        ),
    })
}

/// The model's predicted survival curves for three test patients (low,
/// median and high predicted risk), from `survival.json`.
pub(crate) fn predicted_survival_plot(run: &Run) -> Option<Figure> {
    let patients = run.survival.as_ref()?.get("example_patients")?.as_array()?;
    let numbers = |g: &serde_json::Value, k: &str| -> Vec<f64> {
        g.get(k).and_then(|v| v.as_array()).map(|a| a.iter().filter_map(|x| x.as_f64()).collect()).unwrap_or_default()
    };
    let mut chart = LineChart::new(
        "predicted_survival",
        "Predicted survival of three test patients".into(),
        "time",
        "survival probability",
    );
    chart.y_range = Some((0.0, 1.0));
    let end = patients.iter().flat_map(|p| numbers(p, "times")).fold(0.0f64, f64::max);
    chart.x_range = (end > 0.0).then_some((0.0, end));
    chart.legend = Corner::BottomLeft;
    for (p, style) in patients.iter().zip([Style::Line, Style::Dashed, Style::Markers]) {
        let label = p.get("label").and_then(|v| v.as_str()).unwrap_or("patient");
        let points: Vec<(f64, f64)> = numbers(p, "times").into_iter().zip(numbers(p, "survival")).collect();
        if points.is_empty() {
            return None;
        }
        chart.series.push(Series::new(label, points, style));
    }
    Some(Figure {
        svg: chart.render()?,
        caption: "The Cox model's survival curve for the test patient at the 10th, 50th and 90th percentile of predicted \
                  risk (Breslow's baseline hazard scaled by each patient's hazard ratio): what the model says about one \
                  person, to read beside the group curves above."
            .into(),
    })
}
