//! The one map from `[data].format` to the baseline that reads it: it
//! parses each format's `[data]` section (`Config::load` asks it) and runs
//! it. A new format is one line here (plus its module).

use medref_train::runner::{Registered, Registry};

/// Every format medref can train, one line each.
pub static FORMATS: Registry = Registry(&[
    &Registered::<crate::imaging::MedmnistNpz>::NEW,
    &Registered::<crate::imaging::ImageFolder>::NEW,
    &Registered::<crate::volumes::Medmnist3dNpz>::NEW,
    &Registered::<crate::segmentation::Segmentations>::NEW,
    &Registered::<crate::genomics::SequenceCsv>::NEW,
    &Registered::<crate::genomics::BedRegions>::NEW,
    // Tables and molecules also train tree ensembles (`trees`), by model kind.
    &crate::trees::TablesOrTrees::<crate::tables::Table>::NEW,
    &crate::trees::TablesOrTrees::<crate::molecules::Molecules>::NEW,
    &crate::trees::TablesOrTrees::<crate::rwd::Omop>::NEW,
    &Registered::<crate::signals::Ts>::NEW,
    &Registered::<crate::signals::SensorCsv>::NEW,
    &Registered::<crate::surgery::Jigsaws>::NEW,
    &Registered::<crate::fasta_classes::FastaClasses>::NEW,
    &Registered::<crate::cholec80::Cholec80>::NEW,
]);

#[cfg(test)]
mod tests {
    use super::FORMATS;
    use std::path::Path;

    #[test]
    fn no_format_is_registered_twice() {
        assert_eq!(FORMATS.duplicates(), Vec::<&str>::new());
    }

    /// Every `impl DataFormat for X` in this crate is a line of the
    /// registry: a format declared but not registered would parse nowhere
    /// and train nowhere.
    #[test]
    fn every_declared_format_is_registered() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let registry = std::fs::read_to_string(src.join("registry.rs")).unwrap();
        let mut declared = Vec::new();
        let mut stack = vec![src];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    for rest in text.lines().filter_map(|l| l.strip_prefix("impl DataFormat for ")) {
                        let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                        declared.push((name, path.clone()));
                    }
                }
            }
        }
        assert!(declared.len() >= 11, "found only {declared:?}");
        for (name, path) in &declared {
            assert!(
                registry.contains(&format!("::{name}>::NEW")),
                "{}: `{name}` implements DataFormat but is not in registry.rs",
                path.display()
            );
        }
        assert_eq!(declared.len(), FORMATS.0.len(), "registry lines and declared formats differ");
    }

    #[test]
    fn the_registry_parses_every_shipped_config() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut seen = std::collections::BTreeSet::new();
        for domain in std::fs::read_dir(root.join("configs")).unwrap() {
            let domain = domain.unwrap().path();
            if !domain.is_dir() {
                continue;
            }
            for file in std::fs::read_dir(&domain).unwrap() {
                let file = file.unwrap().path();
                let config = crate::load_config(&file, &[]).unwrap_or_else(|e| panic!("{e}"));
                seen.insert(config.data.format());
                // The resolved config reads back to the same config.
                let again =
                    medref_core::config::Config::from_toml_str(&config.to_toml(), &file, &[], &FORMATS).unwrap();
                assert_eq!(again, config, "{}", file.display());
            }
        }
        assert!(seen.len() >= 9, "{seen:?}");
    }
}
