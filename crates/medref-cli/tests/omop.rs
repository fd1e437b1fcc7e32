//! Real-world data as users meet it: a study on an OMOP CDM folder trained,
//! reported, scored on a new CDM and published, on the generated CDM whose
//! planted risk model (`medref_omop::synthetic`) says what must be found.

mod common;

use common::{json, medref, repo};

fn train(config: &str, out: &std::path::Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["train", config, "--out", out.to_str().unwrap(), "--quiet"];
    args.extend_from_slice(extra);
    medref(&args)
}

#[test]
fn the_lasso_finds_the_planted_risk_factors_and_the_run_reports_the_study() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let o = train("configs/clinical/rwd-tiny.toml", &out, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    let metrics = json(&out.join("metrics.json"));
    let auroc = metrics["test"]["auroc"].as_f64().unwrap();
    assert!(auroc >= 0.74, "test AUROC {auroc}");

    // Every person of the generated CDM stays in the study, and the
    // attrition says so step by step.
    let attrition = std::fs::read_to_string(out.join("attrition.csv")).unwrap();
    let steps: Vec<&str> = attrition.lines().skip(1).collect();
    assert_eq!(steps.len(), 7, "{attrition}");
    assert!(steps.iter().all(|l| l.contains(",1200,")), "{attrition}");

    // The LASSO keeps the three planted effects among its largest weights
    // and sets many noise covariates to exactly zero.
    let fit = json(&out.join("convex_fit.json"));
    assert_eq!(fit["penalty"], "l1");
    assert!(fit["c_chosen_by"].as_str().unwrap().contains("5-fold"), "{fit}");
    let weights: Vec<f64> = fit["coefficients"].as_array().unwrap().iter().map(|w| w.as_f64().unwrap()).collect();
    let zeros = weights.iter().filter(|w| **w == 0.0).count();
    assert!(zeros >= weights.len() / 3, "{zeros} of {} weights are zero", weights.len());
    let names: Vec<String> = json(&out.join("preprocess.json"))["preprocessor"]["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap_or_default().to_string())
        .collect();
    let weight_of =
        |needle: &str| names.iter().zip(&weights).filter(|(n, _)| n.contains(needle)).map(|(_, w)| *w).sum::<f64>();
    assert!(weight_of("Peptic ulcer") > 1.0, "ulcer weight {}", weight_of("Peptic ulcer"));
    assert!(weight_of("Warfarin") > 0.7, "warfarin weight {}", weight_of("Warfarin"));
    for noise in ["Osteoarthritis", "Essential hypertension", "Chronic obstructive"] {
        assert!(weight_of(noise).abs() < 0.5, "{noise}: {}", weight_of(noise));
    }

    // The characterisation puts the ulcer first; the report shows both tables.
    let characterisation = std::fs::read_to_string(out.join("characterisation.csv")).unwrap();
    assert!(characterisation.lines().nth(1).unwrap().contains("Peptic ulcer"), "{characterisation}");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("data-table=\"attrition\"") && html.contains("data-table=\"characterisation\""));
    let card = std::fs::read_to_string(out.join("model_card.md")).unwrap();
    assert!(card.contains("Target cohort: each person's first record of concept 1118084 in `drug_era`"), "{card}");

    // predict on a CDM folder scores its study population with the run's covariates.
    let scored = tmp.path().join("scored.csv");
    let cdm = repo().join("datasets/rwd/synthetic");
    let o = medref(&["predict", out.to_str().unwrap(), cdm.to_str().unwrap(), "--out", scored.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(&scored).unwrap();
    assert_eq!(text.lines().count(), 1201, "a header and one row per person");
    // Each test person gets the score the run gave them.
    let preds = std::fs::read_to_string(out.join("predictions.csv")).unwrap();
    let test_line = preds.lines().find(|l| l.contains(",test,")).unwrap();
    let id = test_line.split(',').next().unwrap();
    let run_score: f64 = test_line.rsplit(',').next().unwrap().parse().unwrap();
    let new_line = text.lines().find(|l| l.split(',').next() == Some(id)).unwrap();
    // predict writes id, score_0, score_1, predicted class.
    let new_score: f64 = new_line.split(',').nth(2).unwrap().parse().unwrap();
    assert!((run_score - new_score).abs() < 1e-5, "person {id}: {run_score} vs {new_score}");
}

#[test]
fn a_published_study_hides_counts_under_k() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    // min_cell_count 0: the run's own tables show every count.
    let o = train("configs/clinical/rwd-tiny.toml", &out, &["--set", "data.min_cell_count=0"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let bundle = tmp.path().join("bundle");
    let o = medref(&["publish", out.to_str().unwrap(), "--out", bundle.to_str().unwrap(), "--k", "200", "--quiet"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let attrition = std::fs::read_to_string(bundle.join("attrition.csv")).unwrap();
    // 1,200 persons stay; their outcomes (fewer than 400) read <200 only where under 200.
    assert!(attrition.lines().skip(1).all(|l| l.contains(",1200,")), "{attrition}");
    let characterisation = std::fs::read_to_string(bundle.join("characterisation.csv")).unwrap();
    assert!(characterisation.contains("<200"), "{characterisation}");
    for line in characterisation.lines().skip(1).filter(|l| l.contains("<200")) {
        assert!(line.ends_with(','), "a row with a hidden count keeps no SMD: {line}");
    }
    assert!(bundle.join("covariate_ref.csv").exists());
    assert!(!bundle.join("predictions.csv").exists(), "person ids never leave the run");
}

#[test]
fn a_cdm_without_a_table_the_study_needs_names_it() {
    let tmp = tempfile::tempdir().unwrap();
    let cdm = tmp.path().join("cdm");
    std::fs::create_dir(&cdm).unwrap();
    for entry in std::fs::read_dir(repo().join("datasets/rwd/synthetic")).unwrap() {
        let path = entry.unwrap().path();
        if path.file_name().unwrap() != "observation_period.csv" {
            std::fs::copy(&path, cdm.join(path.file_name().unwrap())).unwrap();
        }
    }
    let out = tmp.path().join("run");
    let set = format!("data.path={}", cdm.display());
    let o = train("configs/clinical/rwd-tiny.toml", &out, &["--set", &set]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("observation_period") && err.contains("prior observation"), "{err}");
    assert!(!out.exists(), "nothing is written for a failed study");
}

/// The same study from a PostgreSQL schema holding the generated CDM
/// (`.ci/run` loads it and sets `MEDREF_POSTGRES` and
/// `MEDREF_POSTGRES_SYNTHETIC_SCHEMA`): the same persons, split and metrics
/// as from the folder, and no credential in the run directory.
#[test]
fn a_study_from_postgresql_equals_the_study_from_the_folder() {
    let required = std::env::var("MEDREF_REQUIRE_POSTGRES").as_deref() == Ok("1");
    let (Ok(connection), Ok(schema)) =
        (std::env::var("MEDREF_POSTGRES"), std::env::var("MEDREF_POSTGRES_SYNTHETIC_SCHEMA"))
    else {
        assert!(!required, "MEDREF_REQUIRE_POSTGRES=1 but MEDREF_POSTGRES(_SYNTHETIC_SCHEMA) is not set");
        eprintln!("skipped: MEDREF_POSTGRES is not set (.ci/run starts a local PostgreSQL and sets it)");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(repo().join("configs/clinical/rwd-tiny.toml")).unwrap();
    let from_db = text
        .replace("path = \"datasets/rwd/synthetic\"", &format!("connection = \"{connection}\"\nschema = \"{schema}\""));
    assert_ne!(from_db, text);
    let config = tmp.path().join("rwd-db.toml");
    std::fs::write(&config, from_db).unwrap();
    let (db_run, folder_run) = (tmp.path().join("db"), tmp.path().join("folder"));
    let o = train(config.to_str().unwrap(), &db_run, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = train("configs/clinical/rwd-tiny.toml", &folder_run, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for file in ["metrics.json", "attrition.csv", "characterisation.csv", "predictions.csv"] {
        let a = std::fs::read_to_string(db_run.join(file)).unwrap();
        let b = std::fs::read_to_string(folder_run.join(file)).unwrap();
        assert!(a == b, "{file} differs between the database and the folder");
    }
    let manifest = std::fs::read_to_string(db_run.join("manifest.json")).unwrap();
    assert!(manifest.contains(&connection), "the manifest names the database");
    if let Ok(password) = std::env::var("PGPASSWORD") {
        for entry in std::fs::read_dir(&db_run).unwrap() {
            let path = entry.unwrap().path();
            if let Ok(text) = std::fs::read_to_string(&path) {
                assert!(password.is_empty() || !text.contains(&password), "{} holds the password", path.display());
            }
        }
    }
}

/// `task = "survival"`: the days to the outcome, censored at the end of the
/// window or of observation, train a (penalised) Cox model unchanged.
#[test]
fn the_study_trains_cox_on_time_to_the_outcome() {
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(repo().join("configs/clinical/rwd-tiny.toml")).unwrap();
    let cox = text
        .replace("task = \"classification\"", "task = \"survival\"")
        .replace("kind = \"linear\"\npenalty = \"l1\"\ncv_folds = 5", "kind = \"cox\"\npenalizer = 0.1")
        .replace(
            "path = \"datasets/rwd/synthetic\"",
            &format!("path = \"{}\"", repo().join("datasets/rwd/synthetic").display()),
        );
    assert!(cox.contains("kind = \"cox\"") && cox.contains("task = \"survival\""), "{cox}");
    let config = tmp.path().join("rwd-cox.toml");
    std::fs::write(&config, cox).unwrap();
    let out = tmp.path().join("run");
    let o = train(config.to_str().unwrap(), &out, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let c = json(&out.join("metrics.json"))["test"]["c_index"].as_f64().unwrap();
    assert!(c >= 0.65, "test C-index {c}");
    let survival = json(&out.join("survival.json"));
    assert_eq!(survival["horizon"].as_f64(), Some(365.0), "the time at risk is the horizon: {survival}");
}

/// `[data.study.comparator]`: warfarin's first users in the generated CDM,
/// under the same rules, described against the celecoxib target in the
/// report and a CSV that `publish` suppresses as it does the
/// characterisation; the model card names the CDM's source (this CDM has no
/// `cdm_source` table) and the covariate tables it lacks.
#[test]
fn a_comparator_is_characterised_against_the_target_and_published_suppressed() {
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(repo().join("configs/clinical/rwd-tiny.toml")).unwrap();
    let with_comparator = text
        .replace(
            "[data.study.time_at_risk]",
            "[data.study.comparator]\nconcepts = [1310149]\ndomains = [\"drug_era\"]\n\n[data.study.time_at_risk]",
        )
        .replace(
            "path = \"datasets/rwd/synthetic\"",
            &format!("path = \"{}\"", repo().join("datasets/rwd/synthetic").display()),
        );
    assert!(
        with_comparator.contains("[data.study.comparator]") && with_comparator.contains(&repo().display().to_string())
    );
    let config = tmp.path().join("rwd-comparator.toml");
    std::fs::write(&config, with_comparator).unwrap();
    let out = tmp.path().join("run");
    let o = train(config.to_str().unwrap(), &out, &["--set", "data.min_cell_count=0"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    let report = json(&out.join("data_report.json"));
    let n = report["comparator_persons"].as_u64().unwrap();
    assert!((20..1200).contains(&n), "warfarin users: {n}");
    // Every person of this CDM is a celecoxib new user, so every comparator is in the target too.
    assert_eq!(report["comparator_persons_also_in_target"].as_u64(), Some(n));
    let table = std::fs::read_to_string(out.join("comparator_characterisation.csv")).unwrap();
    let header = table.lines().next().unwrap();
    assert_eq!(
        header,
        "covariate_id,covariate_name,analysis_name,target_count,target_mean,target_sd,comparator_count,\
         comparator_mean,comparator_sd,smd"
    );
    // Warfarin in the month before index: some celecoxib users, every warfarin user (its own era at index).
    let warfarin = table.lines().find(|l| l.starts_with("1310149412,")).unwrap();
    let cells: Vec<&str> = warfarin.split(',').collect();
    assert_eq!(cells[6], n.to_string(), "{warfarin}");
    assert_eq!(cells[7], "1.000000", "{warfarin}");
    assert!(cells[3].parse::<usize>().unwrap() < 1200, "{warfarin}");
    let attrition = std::fs::read_to_string(out.join("comparator_attrition.csv")).unwrap();
    assert!(attrition.lines().last().unwrap().contains(&format!(",{n},")), "{attrition}");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("data-table=\"comparator\"") && html.contains("Target against comparator"));
    let card = std::fs::read_to_string(out.join("model_card.md")).unwrap();
    assert!(
        card.contains("- Comparator cohort: each person's first record of concept 1310149 in `drug_era`"),
        "{card}"
    );
    assert!(card.contains("- CDM source: not recorded (the CDM has no `cdm_source` table)."), "{card}");
    assert!(
        card.contains("no covariates from them: `measurement`, `procedure_occurrence`."),
        "the generated CDM has neither table: {card}"
    );

    let bundle = tmp.path().join("bundle");
    let o = medref(&["publish", out.to_str().unwrap(), "--out", bundle.to_str().unwrap(), "--k", "200", "--quiet"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let published = std::fs::read_to_string(bundle.join("comparator_characterisation.csv")).unwrap();
    let hidden: Vec<&str> = published.lines().skip(1).filter(|l| l.contains("<200")).collect();
    assert!(!hidden.is_empty(), "{published}");
    assert!(hidden.iter().all(|l| l.ends_with(',')), "a hidden count keeps no SMD: {hidden:?}");
    let cdm_source = json(&bundle.join("cdm_source.json"));
    assert_eq!(cdm_source["recorded"], false);
    let card = std::fs::read_to_string(bundle.join("model_card.md")).unwrap();
    assert!(card.contains("- CDM source: not recorded"), "{card}");
    assert!(bundle.join("comparator_attrition.csv").exists());
}

/// `medref data synth omop`: a synthetic CDM a study can read, the same for the same seed.
#[test]
fn data_synth_omop_writes_a_cdm_a_study_reads() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("cdm");
    let o = medref(&["data", "synth", "omop", "--persons", "300", "--seed", "5", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("300 persons (seed 5)"), "{stdout}");
    let rows = |table: &str| std::fs::read_to_string(out.join(format!("{table}.csv"))).unwrap().lines().count() - 1;
    assert_eq!(rows("person"), 300);
    for table in ["observation_period", "condition_era", "condition_occurrence", "drug_era", "visit_occurrence"] {
        assert!(rows(table) >= 300, "{table}: {} rows", rows(table));
    }
    for table in ["concept", "concept_ancestor"] {
        assert!(out.join(format!("{table}.csv")).is_file(), "{table}.csv");
    }
    // The same seed writes the same bytes; zero persons is a usage error.
    let again = tmp.path().join("again");
    assert!(medref(&["data", "synth", "omop", "--persons", "300", "--seed", "5", again.to_str().unwrap()])
        .status
        .success());
    let read = |dir: &std::path::Path| std::fs::read(dir.join("drug_era.csv")).unwrap();
    assert_eq!(read(&out), read(&again));
    let zero = medref(&["data", "synth", "omop", "--persons", "0", tmp.path().join("z").to_str().unwrap()]);
    assert_eq!(zero.status.code(), Some(2), "{}", String::from_utf8_lossy(&zero.stderr));
}
