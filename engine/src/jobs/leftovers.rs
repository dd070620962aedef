//! What a crash leaves behind: the artifact folder of a run that never finished is renamed `<id>.interrupted`, so
//! nothing that follows a run's `out_dir` reads a half-written run as its result (the files stay for inspection).

use std::path::Path;

/// The suffix given to the artifact folder of an interrupted run.
pub const INTERRUPTED_SUFFIX: &str = ".interrupted";

/// Renames `<artifacts_dir>/<id>` to `<id>.interrupted` for each id whose folder is still there; returns how many.
pub fn set_aside_interrupted(artifacts_dir: &Path, ids: &[String]) -> usize {
    let mut moved = 0;
    for id in ids {
        let dir = artifacts_dir.join(id);
        if id.is_empty() || id.contains(['/', '\\']) || !dir.is_dir() {
            continue;
        }
        let aside = artifacts_dir.join(format!("{id}{INTERRUPTED_SUFFIX}"));
        if aside.exists() {
            if let Err(e) = std::fs::remove_dir_all(&aside) {
                tracing::warn!(run_id = %id, error = %e, "cannot replace an older interrupted folder");
                continue;
            }
        }
        match std::fs::rename(&dir, &aside) {
            Ok(()) => moved += 1,
            Err(e) => tracing::warn!(run_id = %id, error = %e, "cannot set aside the folder of an interrupted run"),
        }
    }
    if moved > 0 {
        tracing::warn!(
            count = moved,
            "artifact folders of interrupted runs renamed *{INTERRUPTED_SUFFIX}"
        );
    }
    moved
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_folders_of_interrupted_runs_are_set_aside() {
        let root = tempfile::tempdir().unwrap();
        for id in ["a", "b"] {
            std::fs::create_dir_all(root.path().join(id)).unwrap();
            std::fs::write(root.path().join(id).join("trials.parquet"), b"half").unwrap();
        }
        let ids = vec!["a".to_string(), "missing".to_string(), "../b".to_string()];
        assert_eq!(set_aside_interrupted(root.path(), &ids), 1);
        assert!(!root.path().join("a").exists());
        assert!(root.path().join("a.interrupted/trials.parquet").is_file());
        assert!(root.path().join("b/trials.parquet").is_file());
        // A second crash of the same id replaces the older leftovers.
        std::fs::create_dir_all(root.path().join("a")).unwrap();
        assert_eq!(set_aside_interrupted(root.path(), &ids), 1);
        assert!(!root.path().join("a.interrupted/trials.parquet").exists());
    }
}
