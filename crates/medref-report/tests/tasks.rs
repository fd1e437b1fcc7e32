//! The report, model card, comparison and published bundle of one run per
//! task and fit method (tests/common): each names the task the run
//! recorded, draws the plots that task calls for, and leaves out the
//! learning curves of a model that was solved directly. Runs made before
//! the task was recorded read the same.

mod common;

use common::{expected_plots, plot_names, shown_task, task_run, write, FitMethod, TaskKind, RUNS};
use medref_core::task::MetricsFile;
use medref_report::{check_bundle, publish, render_comparison, render_model_card, render_report, PublishPolicy};
use std::fs;

/// The SVG of the plot named `name` in a page.
fn plot<'a>(html: &'a str, name: &str) -> &'a str {
    let at = html.find(&format!("data-plot=\"{name}\"")).unwrap_or_else(|| panic!("no `{name}` plot"));
    &html[at..at + html[at..].find("</svg>").expect("closed svg")]
}

#[test]
fn every_report_names_its_task_and_draws_only_its_plots() {
    let tmp = tempfile::tempdir().unwrap();
    for (task, fit) in RUNS {
        let html = render_report(&task_run(tmp.path(), task, fit, true)).unwrap();
        let what = format!("{task} ({fit:?})");
        assert_eq!(shown_task(&html).as_deref(), Some(task.as_str()), "{what}");
        let names = plot_names(&html);
        let (drawn, absent) = expected_plots(task, fit);
        for p in drawn {
            assert!(names.iter().any(|n| n == p), "{what}: `{p}` missing from {names:?}");
        }
        for p in absent {
            assert!(!names.iter().any(|n| n == p), "{what}: `{p}` drawn: {names:?}");
        }
        let direct = fit == FitMethod::Direct;
        assert_eq!(html.contains("id=\"fit\""), direct, "{what}: the direct-fit section");
        assert_eq!(html.contains(">Best epoch<"), !direct, "{what}: the best epoch");
        assert_eq!(html.contains(">Monitored<"), !direct, "{what}: the monitored metric");
        assert!(!html.contains("NaN"), "{what}: NaN in the page");
    }
}

#[test]
fn classification_tasks_show_their_classes() {
    let tmp = tempfile::tempdir().unwrap();
    let html = render_report(&task_run(tmp.path(), TaskKind::Binary, FitMethod::Loop, true)).unwrap();
    assert!(html.contains(">binary classification: no, yes<"), "binary task text");
    assert!(plot(&html, "importance").contains("drop in test AUROC"));
    let html = render_report(&task_run(tmp.path(), TaskKind::Multiclass, FitMethod::Loop, true)).unwrap();
    assert!(html.contains(">3-class classification: sitting, walking, lying<"), "multi-class task text");
    assert!(plot(&html, "confusion").contains("lying"));
    let html = render_report(&task_run(tmp.path(), TaskKind::Multilabel, FitMethod::Loop, true)).unwrap();
    assert!(html.contains(">multi-label classification (4 labels): effusion, nodule, mass, oedema<"));
    assert!(plot(&html, "roc").contains("oedema (AUROC"), "one ROC curve per label");
    let card = render_model_card(&task_run(tmp.path(), TaskKind::Multilabel, FitMethod::Loop, true)).unwrap();
    assert!(card.contains("| Task | multi-label classification (4 labels) |"), "{card}");
    assert!(card.contains("95% CI of test AUROC runs from 0.680"), "headline AUROC: {card}");
}

#[test]
fn regression_keeps_its_scatter_and_r2_importance() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = task_run(tmp.path(), TaskKind::Regression, FitMethod::Loop, true);
    let html = render_report(&dir).unwrap();
    assert!(html.contains(">regression<"));
    assert!(plot(&html, "importance").contains("drop in test R²"));
    let card = render_model_card(&dir).unwrap();
    assert!(card.contains("| Task | regression |") && card.contains("| Best epoch | 4 |"), "{card}");
    assert!(card.contains("95% CI of test R² runs from 0.470"), "{card}");
}

#[test]
fn a_direct_survival_fit_reads_as_survival_with_no_learning_curve() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = task_run(tmp.path(), TaskKind::Survival, FitMethod::Direct, true);
    let html = render_report(&dir).unwrap();
    assert!(html.contains("data-task=\"survival\">survival (time to event)<"));
    assert!(!html.to_lowercase().contains("regression"), "a survival run is called a regression");
    assert!(html.contains("data-fit=\"direct\"") && html.contains("fitted directly"));
    assert!(html.contains("newton on the partial likelihood"), "the solver's record from convex_fit.json");
    assert!(html.contains("data-table=\"hazard-ratios\""));
    let importance = plot(&html, "importance");
    assert!(importance.contains("drop in test C-index") && !importance.contains("R²"), "{importance}");
    assert!(html.contains("C-index (Harrell)") && html.contains("0.720 [0.640, 0.800]"), "headline metric");

    let card = render_model_card(&dir).unwrap();
    assert!(card.contains("| Task | survival (time to event) |"), "{card}");
    assert!(card.contains("| Fit | fitted directly") && !card.contains("Best epoch"), "{card}");
    assert!(card.contains("95% CI of test C-index (Harrell) runs from 0.640 to 0.800"), "headline C-index: {card}");
    assert!(card.contains("| split | rows | events |"), "{card}");
    assert!(card.contains("time (column `time`) to the event"), "{card}");
    assert!(!card.contains("The validation split chose the epoch"), "{card}");
    assert!(!card.to_lowercase().contains("regression"), "{card}");
}

#[test]
fn a_loop_trained_survival_model_keeps_its_loss_curve() {
    let tmp = tempfile::tempdir().unwrap();
    let html = render_report(&task_run(tmp.path(), TaskKind::Survival, FitMethod::Loop, true)).unwrap();
    let names = plot_names(&html);
    assert!(names.iter().any(|n| n == "loss") && !names.iter().any(|n| n == "scatter"), "{names:?}");
    assert!(!html.contains("id=\"fit\"") && html.contains(">Best epoch<"));
    assert_eq!(shown_task(&html).as_deref(), Some("survival"));
}

#[test]
fn a_direct_logistic_regression_says_how_it_was_solved() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = task_run(tmp.path(), TaskKind::Binary, FitMethod::Direct, true);
    let html = render_report(&dir).unwrap();
    assert!(html.contains("data-task=\"binary\""));
    let fit = &html[html.find("id=\"fit\"").unwrap()..];
    let fit = &fit[..fit.find("</section>").unwrap()];
    assert!(fit.contains("no learning curve") && fit.contains("<code>linear</code>"), "{fit}");
    assert!(fit.contains(">iterations<") && fit.contains(">7<") && fit.contains(">yes<"), "{fit}");
    let card = render_model_card(&dir).unwrap();
    assert!(card.contains("| Fit | fitted directly"), "{card}");
    assert!(card.contains("fitted directly on the training split"), "{card}");
}

#[test]
fn sequence_labelling_heads_with_frame_accuracy() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = task_run(tmp.path(), TaskKind::SequenceLabelling, FitMethod::Loop, true);
    let html = render_report(&dir).unwrap();
    assert!(html.contains(">sequence labelling (one of 4 classes per frame): reach, grasp, pull, release<"));
    assert!(plot(&html, "confusion").contains("release"));
    assert!(html.contains("Test frames by true class"), "the confusion caption counts frames");
    assert!(html.contains(">Frame accuracy<") && html.contains(">Edit score<") && html.contains(">F1@50<"));
    let card = render_model_card(&dir).unwrap();
    assert!(card.contains("95% CI of test Frame accuracy runs from 0.600 to 0.750"), "{card}");
}

#[test]
fn old_runs_without_a_recorded_task_read_the_same() {
    let tmp = tempfile::tempdir().unwrap();
    for (task, fit) in RUNS {
        let old = task_run(tmp.path(), task, fit, false);
        let new = task_run(tmp.path(), task, fit, true);
        let page = |dir: &std::path::Path| render_report(dir).unwrap().replace(&dir.display().to_string(), "RUN");
        assert_eq!(page(&old), page(&new), "{task} ({fit:?})");
        assert_eq!(render_model_card(&old).unwrap(), render_model_card(&new).unwrap(), "{task} ({fit:?})");
    }
}

#[test]
fn the_recorded_task_wins_over_metric_names() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = task_run(tmp.path(), TaskKind::Survival, FitMethod::Direct, true);
    // The metric names of a regression, but the run recorded survival.
    write(&dir, "metrics.json", r#"{"task": "survival", "test": {"n": 60, "rmse": 0.7, "r2": 0.5}}"#);
    let html = render_report(&dir).unwrap();
    assert_eq!(shown_task(&html).as_deref(), Some("survival"));
    assert!(!plot_names(&html).iter().any(|n| n == "scatter"));
    assert!(render_model_card(&dir).unwrap().contains("| Task | survival (time to event) |"));
    // Recorded in model.json only, as by a run whose metrics.json was rewritten.
    write(&dir, "metrics.json", r#"{"test": {"n": 60, "rmse": 0.7, "r2": 0.5}}"#);
    assert_eq!(shown_task(&render_report(&dir).unwrap()).as_deref(), Some("survival"));
    // Recorded nowhere: the metric names are all there is.
    let model = fs::read_to_string(dir.join("model.json")).unwrap().replace(", \"task\": \"survival\"", "");
    write(&dir, "model.json", &model);
    assert_eq!(shown_task(&render_report(&dir).unwrap()).as_deref(), Some("regression"));
}

#[test]
fn an_unknown_task_is_an_error_naming_metrics_json() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = task_run(tmp.path(), TaskKind::Binary, FitMethod::Loop, true);
    write(&dir, "metrics.json", r#"{"task": "astrology", "test": {"auroc": 0.8}}"#);
    let err = render_report(&dir).unwrap_err().to_string();
    assert!(err.contains("metrics.json") && err.contains("astrology"), "{err}");
}

#[test]
fn predictions_that_do_not_fit_the_recorded_task_draw_nothing_from_them() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = task_run(tmp.path(), TaskKind::Binary, FitMethod::Loop, true);
    // One score column, as a regression writes, under a binary task.
    write(&dir, "predictions.csv", "id,split,label,score_0\na,test,1,0.9\nb,test,0,0.2\n");
    let html = render_report(&dir).unwrap();
    let names = plot_names(&html);
    assert!(!names.iter().any(|n| n == "roc" || n == "confusion" || n == "pr"), "{names:?}");
    // Multi-label columns under a multi-class task.
    let dir = task_run(tmp.path(), TaskKind::Multiclass, FitMethod::Loop, true);
    write(
        &dir,
        "predictions.csv",
        "id,split,label_0,label_1,score_0,score_1,score_2\na,test,1,0,0.9,0.1,0\nb,test,0,1,0.2,0.7,0.1\n",
    );
    assert!(render_report(&dir).is_ok());
    let out = tmp.path().join("bundle");
    publish(&dir, &out, &PublishPolicy::default()).unwrap();
    assert!(!out.join("curves.json").exists());
}

#[test]
fn comparison_names_each_task_and_overlays_only_loop_losses() {
    let tmp = tempfile::tempdir().unwrap();
    let dirs = vec![
        task_run(tmp.path(), TaskKind::Survival, FitMethod::Direct, true),
        task_run(tmp.path(), TaskKind::Regression, FitMethod::Loop, true),
        task_run(tmp.path(), TaskKind::Binary, FitMethod::Direct, false),
    ];
    let html = render_comparison(&dirs).unwrap();
    for task in ["survival", "regression", "binary"] {
        assert!(html.contains(&format!("data-task=\"{task}\"")), "{task}");
    }
    let names = plot_names(&html);
    assert_eq!(names.iter().filter(|n| *n == "scatter").count(), 1, "a scatter for the regression only");
    let loss = plot(&html, "loss");
    assert!(
        loss.contains("regression-mlp") && !loss.contains("survival-cox") && !loss.contains("binary-linear"),
        "{loss}"
    );
    assert_eq!(html.matches("fitted directly").count(), 2, "the direct fits' best-epoch cells");
}

#[test]
fn publishing_keeps_the_recorded_task_and_fit() {
    let tmp = tempfile::tempdir().unwrap();
    for (task, fit) in RUNS {
        for recorded in [true, false] {
            let run = task_run(tmp.path(), task, fit, recorded);
            let out = tmp.path().join(format!("bundle-{}", run.file_name().unwrap().to_string_lossy()));
            publish(&run, &out, &PublishPolicy::default()).unwrap();
            let what = format!("{task} ({fit:?}, recorded: {recorded})");
            assert_eq!(check_bundle(&out, 10).unwrap(), vec![], "{what}");
            let metrics: MetricsFile =
                serde_json::from_str(&fs::read_to_string(out.join("metrics.json")).unwrap()).unwrap();
            assert_eq!(metrics.task, recorded.then_some(task), "{what}");
            assert!(metrics.splits.contains_key("test"), "{what}");
            let html = fs::read_to_string(out.join("report.html")).unwrap();
            assert_eq!(shown_task(&html).as_deref(), Some(task.as_str()), "{what}");
            assert_eq!(html.contains("id=\"fit\""), fit == FitMethod::Direct, "{what}");
            assert_eq!(out.join("convex_fit.json").is_file(), fit == FitMethod::Direct, "{what}");
            let names = plot_names(&html);
            assert!(!names.iter().any(|n| n == "scatter") || task == TaskKind::Regression, "{what}: {names:?}");
        }
    }
}
