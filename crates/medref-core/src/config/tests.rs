//! Config parsing and validation tests.

use super::*;

const TINY: &str = r#"
name = "tiny"
domain = "imaging"
seed = 3

[data]
format = "medmnist_npz"
path = "datasets/tiny/imaging_tiny.npz"

[model]
kind = "resnet"
width = 8

[train]
epochs = 4
lr = 0.002
"#;

/// Two stand-in formats: the real ones live beside their readers and are
/// tested with the registry in `medref-baselines`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ImagesSection {
    path: PathBuf,
    #[serde(default)]
    max_train: Option<usize>,
}

impl DataSection for ImagesSection {
    fn path(&self) -> &Path {
        &self.path
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TableSection {
    path: PathBuf,
    label: String,
    task: Task,
    #[serde(default)]
    survival: Option<toml::Table>,
}

impl DataSection for TableSection {
    fn path(&self) -> &Path {
        &self.path
    }
    fn task(&self) -> Option<Task> {
        Some(self.task)
    }
}

struct TestFormats;

impl DataFormats for TestFormats {
    fn names(&self) -> Vec<&'static str> {
        vec!["medmnist_npz", "table"]
    }
    fn parse(&self, name: &str, table: toml::Table) -> Option<Result<DataConfig, (String, String)>> {
        match name {
            "medmnist_npz" => Some(DataConfig::parse_as::<ImagesSection>("medmnist_npz", table)),
            "table" => Some(DataConfig::parse_as::<TableSection>("table", table)),
            _ => None,
        }
    }
}

fn load(text: &str, overrides: &[&str]) -> Result<Config, ConfigError> {
    let o: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
    Config::from_toml_str(text, Path::new("configs/imaging/tiny.toml"), &o, &TestFormats)
}

#[test]
fn unknown_format_lists_the_registered_ones() {
    let text = TINY.replace("format = \"medmnist_npz\"", "format = \"npz\"");
    let msg = load(&text, &[]).unwrap_err().to_string();
    assert!(msg.contains("[data].format: unknown format `npz`, expected one of `medmnist_npz`, `table`"), "{msg}");
}

#[test]
fn a_section_is_read_back_as_its_own_type() {
    let c = load(TINY, &["data.max_train=5"]).unwrap();
    assert_eq!(c.data.format(), "medmnist_npz");
    assert_eq!(c.data.get::<ImagesSection>().and_then(|s| s.max_train), Some(5));
    assert!(c.data.get::<TableSection>().is_none());
    let text = c.to_toml();
    let data_at = text.find("[data]").unwrap();
    assert!(text[data_at..].starts_with("[data]\nformat = \"medmnist_npz\"\n"), "{text}");
}

#[test]
fn parses_and_fills_defaults() {
    let c = load(TINY, &[]).unwrap();
    assert_eq!(c.seed, 3);
    assert_eq!(c.train.epochs, 4);
    assert_eq!(c.train.batch_size, 64);
    assert_eq!(c.train.optimizer, OptimizerKind::Adamw);
    let ModelConfig::Resnet(m) = &c.model else { panic!("expected resnet") };
    assert_eq!(m.width, 8);
    assert_eq!(m.stages, 3);
    assert_eq!(c.data.path(), Path::new("datasets/tiny/imaging_tiny.npz"));
}

#[test]
fn wrong_type_names_file_key_and_expectation() {
    let text = TINY.replace("lr = 0.002", "lr = \"fast\"");
    let msg = load(&text, &[]).unwrap_err().to_string();
    assert!(msg.starts_with("configs/imaging/tiny.toml: [train].lr: "), "{msg}");
    assert!(msg.contains("expected a float"), "{msg}");
}

#[test]
fn unknown_keys_are_rejected_in_every_section() {
    for (from, to, key) in [
        ("lr = 0.002", "lr = 0.002\nlearning_rate = 1", "[train]"),
        ("width = 8", "width = 8\nwidht = 9", "[model]"),
        ("seed = 3", "seed = 3\nsede = 3", "tiny.toml: sede: "),
        ("format = \"medmnist_npz\"", "format = \"medmnist_npz\"\npaht = 1", "[data]"),
    ] {
        let text = TINY.replace(from, to);
        let msg = load(&text, &[]).unwrap_err().to_string();
        assert!(msg.contains(key), "{msg}");
        assert!(msg.contains("unknown field"), "{msg}");
    }
}

#[test]
fn wrong_type_inside_tagged_section_names_the_key() {
    let text = TINY.replace("width = 8", "width = \"wide\"");
    let msg = load(&text, &[]).unwrap_err().to_string();
    assert!(msg.contains("[model].width"), "{msg}");
    assert!(msg.contains("non-negative integer"), "{msg}");
}

#[test]
fn unknown_tag_lists_the_choices() {
    let text = TINY.replace("kind = \"resnet\"", "kind = \"vgg\"");
    let msg = load(&text, &[]).unwrap_err().to_string();
    assert!(msg.contains("[model].kind"), "{msg}");
    assert!(msg.contains("`resnet`"), "{msg}");
}

#[test]
fn overrides_reach_any_key_and_are_type_checked() {
    let c = load(TINY, &["train.epochs=9", "model.dropout=0.25", "seed=11"]).unwrap();
    assert_eq!(c.train.epochs, 9);
    assert_eq!(c.seed, 11);
    let ModelConfig::Resnet(m) = &c.model else { panic!("expected resnet") };
    assert_eq!(m.dropout, 0.25);
    let c = load(TINY, &["train.augment.flip_horizontal=true"]).unwrap();
    assert!(c.train.augment.flip_horizontal);
    let err = load(TINY, &["train.epochs=many"]).unwrap_err().to_string();
    assert!(err.contains("[train].epochs"), "{err}");
    let err = load(TINY, &["train.epochs"]).unwrap_err().to_string();
    assert!(err.contains("KEY=VALUE"), "{err}");
}

#[test]
fn ranges_are_checked() {
    let err = load(TINY, &["train.lr=-1"]).unwrap_err().to_string();
    assert!(err.contains("[train].lr: must be a positive number"), "{err}");
    let err = load(TINY, &["eval.threshold=2"]).unwrap_err().to_string();
    assert!(err.contains("[eval].threshold"), "{err}");
}

#[test]
fn resolved_config_round_trips() {
    let c = load(TINY, &["train.epochs=2"]).unwrap();
    let again = load(&c.to_toml(), &[]).unwrap();
    assert_eq!(c, again);
}

#[test]
fn dna_cnn_lists_must_agree() {
    let text =
        TINY.replace("kind = \"resnet\"\nwidth = 8", "kind = \"dna_cnn\"\nchannels = [8, 8]\nkernel_sizes = [5]");
    let msg = load(&text, &[]).unwrap_err().to_string();
    assert!(msg.contains("[model]: channels, kernel_sizes and pool_sizes"), "{msg}");
    let ok = TINY.replace("kind = \"resnet\"\nwidth = 8", "kind = \"dna_cnn\"");
    assert!(matches!(load(&ok, &[]).unwrap().model, ModelConfig::DnaCnn(_)));
}

#[test]
fn syntax_errors_name_the_file() {
    let msg = load("name = ", &[]).unwrap_err().to_string();
    assert!(msg.starts_with("configs/imaging/tiny.toml: not valid TOML"), "{msg}");
}

#[test]
fn regression_without_a_monitor_monitors_rmse() {
    let table = |monitor: &str| {
        format!(
            "name = \"r\"\ndomain = \"clinical\"\n[data]\nformat = \"table\"\npath = \"x.csv\"\nlabel = \"y\"\ntask = \"regression\"\n[model]\nkind = \"linear\"\n[train]\n{monitor}\n"
        )
    };
    let c = load(&table(""), &[]).unwrap();
    assert_eq!(c.train.monitor, Monitor::Rmse);
    let c = load(&table("monitor = \"r2\""), &[]).unwrap();
    assert_eq!(c.train.monitor, Monitor::R2);
    let err = load(&table("monitor = \"auroc\""), &[]).unwrap_err().to_string();
    assert!(err.contains("[train].monitor"), "{err}");
}

/// The paper's recipe parses and round-trips; milestones out of order, or
/// given to another schedule, are refused by their key.
#[test]
fn multistep_milestones_are_checked() {
    let paper =
        ["model.kind=\"resnet18\"", "train.schedule=\"multistep\"", "train.milestones=[50, 75]", "train.epochs=100"];
    let text = TINY.replace("width = 8\n", "");
    let c = load(&text, &paper).unwrap();
    assert_eq!(c.train.milestones, vec![50, 75]);
    let ModelConfig::Resnet18(m) = &c.model else { panic!("expected resnet18") };
    assert_eq!(m.width, 64);
    assert_eq!(load(&c.to_toml(), &[]).unwrap(), c);
    for bad in ["train.milestones=[75, 50]", "train.milestones=[]", "train.milestones=[0, 5]"] {
        let err = load(&text, &[&paper[..3], &[bad]].concat()).unwrap_err().to_string();
        assert!(err.contains("[train].milestones"), "{bad}: {err}");
    }
    let err = load(&text, &["train.milestones=[5]"]).unwrap_err().to_string();
    assert!(err.contains("only schedule = \"multistep\""), "{err}");
}
