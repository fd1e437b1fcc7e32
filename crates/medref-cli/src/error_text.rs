//! The one line an error prints: each cause once, and where a relative
//! path was looked for.
//!
//! Error types often show their source inside their own message
//! (`{path}: cannot read config: {source}`) and also return it as the
//! source, so printing the chain would say the cause twice. Printing here
//! adds a cause only when the message does not already say it, which keeps
//! every error type free to phrase its own message.

use std::io::ErrorKind;
use std::path::Path;

/// `err` and those of its causes the text does not already contain,
/// joined by ": ".
pub fn error_text(err: &anyhow::Error) -> String {
    let mut text = err.to_string();
    for cause in err.chain().skip(1) {
        let cause = cause.to_string();
        if !cause.is_empty() && !text.contains(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
    }
    if let Some(note) = relative_not_found(err, &text) {
        text.push_str(&note);
    }
    text
}

/// A missing file named by a relative path: the reader looked in the
/// current directory, which the message should say, because the user
/// often thinks of the config's folder or the project's root instead.
fn relative_not_found(err: &anyhow::Error, text: &str) -> Option<String> {
    let not_found =
        err.chain().any(|e| e.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == ErrorKind::NotFound))
            || text.contains("no such file");
    if !not_found {
        return None;
    }
    let first = text.split(": ").next()?;
    let path = Path::new(first);
    if path.is_absolute() || first.contains(' ') || first.is_empty() {
        return None;
    }
    let here = std::env::current_dir().ok()?;
    Some(format!(" (relative paths are read from the current directory, {})", here.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("{path}: cannot read config: {source}")]
    struct Shows {
        path: String,
        #[source]
        source: std::io::Error,
    }

    #[test]
    fn a_cause_already_in_the_message_is_not_repeated() {
        let io = std::io::Error::new(ErrorKind::PermissionDenied, "permission denied");
        let err = anyhow::Error::new(Shows { path: "/etc/x.toml".into(), source: io });
        assert_eq!(error_text(&err), "/etc/x.toml: cannot read config: permission denied");
    }

    #[test]
    fn a_cause_not_in_the_message_is_added_once() {
        let io = std::io::Error::new(ErrorKind::PermissionDenied, "permission denied");
        let err = anyhow::Error::new(io).context("/etc/x.toml: cannot read");
        assert_eq!(error_text(&err), "/etc/x.toml: cannot read: permission denied");
    }

    #[test]
    fn a_relative_missing_file_says_where_it_was_looked_for() {
        let io = std::io::Error::new(ErrorKind::NotFound, "no such file");
        let err = anyhow::Error::new(io).context("datasets/x.csv");
        let here = std::env::current_dir().unwrap();
        assert_eq!(
            error_text(&err),
            format!(
                "datasets/x.csv: no such file (relative paths are read from the current directory, {})",
                here.display()
            )
        );
        let absolute = anyhow::Error::new(std::io::Error::new(ErrorKind::NotFound, "no such file")).context("/x.csv");
        assert_eq!(error_text(&absolute), "/x.csv: no such file");
    }
}
