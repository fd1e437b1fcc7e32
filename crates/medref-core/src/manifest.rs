//! The run manifest: everything needed to say what produced a result.
//!
//! Published teaching numbers must be traceable: which code (git commit),
//! which library versions, which device and backend, which exact data bytes
//! (SHA-256) and which seed. The manifest is written at the start of a run
//! and rewritten with the end time when it finishes, so a crashed run still
//! says what it was.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

/// `manifest.json` in every run directory.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RunManifest {
    pub medref_version: String,
    pub config_name: String,
    pub seed: u64,
    /// The commit medref itself was built from (recorded at build time),
    /// whatever directory the run is started from.
    pub git_commit: Option<String>,
    /// Whether medref's source had uncommitted changes when it was built.
    pub git_dirty: Option<bool>,
    /// `git rev-parse HEAD` of the directory the run was started from, if it
    /// is a checkout (the user's project, not medref).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_directory_commit: Option<String>,
    /// Whether that checkout had uncommitted changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_directory_dirty: Option<bool>,
    /// Versions of the crates that shape the numbers (burn and medref's own).
    pub crate_versions: BTreeMap<String, String>,
    /// `cpu` or `wgpu`, as asked on the command line.
    pub device: String,
    /// The burn backend behind the device, e.g. `flex (rayon, simd)`.
    pub backend: String,
    /// Threads the CPU backend may use.
    pub threads: usize,
    /// The data file (or folder) named by the config.
    pub dataset_path: String,
    /// SHA-256 of the data bytes; with several inputs (BED + reference),
    /// the SHA-256 of their digests joined by `\n`, in config order.
    pub dataset_sha256: String,
    /// The command line that started the run.
    pub command: Vec<String>,
    /// RFC 3339, UTC.
    pub started: String,
    pub finished: Option<String>,
    pub duration_seconds: Option<f64>,
    /// `running`, `finished` or `failed: <reason>`.
    pub status: String,
    /// SHA-256 of the weight files the run wrote (`model.bpk`,
    /// `model.safetensors`), so a weight file changed later is detected.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub weights_sha256: BTreeMap<String, String>,
}

impl RunManifest {
    /// The status as it stands now, not as last written: a manifest still
    /// saying `running` whose process is gone (killed, out of memory, the
    /// machine rebooted) is reported as interrupted, with the epochs its
    /// last checkpoint committed, so nobody waits for a run that will never
    /// finish. A live run names its process.
    pub fn status_now(&self, dir: &Path) -> String {
        if self.status != "running" {
            return self.status.clone();
        }
        match crate::run_lock::other_writer(dir) {
            Some(Some(pid)) => format!("running (medref process {pid})"),
            Some(None) => "running".into(),
            None => match committed_epochs(dir) {
                Some(n) => format!("interrupted after epoch {n} (its process ended without finishing)"),
                None => "interrupted before its first epoch ended (its process ended without finishing)".into(),
            },
        }
    }
}

/// Whether a status says the run stopped early and can be resumed.
pub fn is_interrupted(status: &str) -> bool {
    status.starts_with("interrupted")
}

/// The last epoch a run's checkpoint committed (`checkpoints/state.json`).
fn committed_epochs(dir: &Path) -> Option<u64> {
    let text = std::fs::read_to_string(dir.join("checkpoints/state.json")).ok()?;
    serde_json::from_str::<serde_json::Value>(&text).ok()?.get("epoch")?.as_u64()
}

/// The current time as RFC 3339 in UTC (`2026-11-27T10:04:05Z`).
pub fn now_rfc3339() -> String {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    rfc3339(secs)
}

/// Formats seconds since the Unix epoch as RFC 3339 UTC.
pub fn rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, (rem / 60) % 60, rem % 60)
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's
/// well-known civil calendar algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// The commit and dirty flag of the git checkout containing `dir`.
pub fn git_state(dir: &Path) -> (Option<String>, Option<bool>) {
    let run = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .current_dir(dir)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let commit = run(&["rev-parse", "HEAD"]);
    let dirty =
        commit.as_ref().and_then(|_| run(&["status", "--porcelain", "--untracked-files=no"])).map(|s| !s.is_empty());
    (commit, dirty)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_known_instants() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        // 2000-02-29 (leap day) 12:34:56 UTC
        assert_eq!(rfc3339(951_827_696), "2000-02-29T12:34:56Z");
        // 2026-11-27 00:00:00 UTC
        assert_eq!(rfc3339(1_795_737_600), "2026-11-27T00:00:00Z");
    }
}
