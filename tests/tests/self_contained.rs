//! The repo stands alone: no tracked file outside `docs/` names a path outside the checkout (the workplace's
//! folders where the original engine's material was first read), so a clone runs on any machine.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace root")
        .to_path_buf()
}

/// The tracked files (`git ls-files`), or every file under the root but build outputs when git is unavailable.
fn tracked_files(root: &Path) -> Vec<PathBuf> {
    let listed = Command::new("git")
        .args(["ls-files", "-z"])
        .current_dir(root)
        .output()
        .ok()
        .filter(|o| o.status.success() && !o.stdout.is_empty());
    if let Some(out) = listed {
        return out
            .stdout
            .split(|b| *b == 0)
            .filter(|p| !p.is_empty())
            .map(|p| PathBuf::from(String::from_utf8_lossy(p).into_owned()))
            .collect();
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read_dir").flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if matches!(name.to_str(), Some("target" | ".git" | "node_modules" | ".qe")) {
            continue;
        }
        if path.is_dir() {
            walk(root, &path, out);
        } else {
            out.push(path.strip_prefix(root).expect("under root").to_path_buf());
        }
    }
}

/// Path fragments that only exist on the machine where the repo was first written (built from pieces so this
/// file does not name them itself).
fn forbidden() -> Vec<String> {
    let shared = ["sha", "red"].concat();
    let mut out = vec![["/wo", "rk/"].concat(), format!("../{shared}")];
    for sub in ["reference", "tools", "design", "hooks"] {
        out.push(format!("{shared}/{sub}"));
    }
    out
}

#[test]
fn no_tracked_file_outside_docs_names_a_path_outside_the_checkout() {
    let root = repo_root();
    let files = tracked_files(&root);
    assert!(
        files.len() > 50,
        "only {} files found under {}",
        files.len(),
        root.display()
    );
    let patterns = forbidden();
    let mut found = Vec::new();
    for file in files.iter().filter(|f| !f.starts_with("docs")) {
        let Ok(text) = std::fs::read(root.join(file)) else {
            continue;
        };
        let text = String::from_utf8_lossy(&text);
        for (n, line) in text.lines().enumerate() {
            if let Some(p) = patterns.iter().find(|p| line.contains(p.as_str())) {
                found.push(format!("{}:{}: names {p}", file.display(), n + 1));
            }
        }
    }
    assert!(found.is_empty(), "paths outside the checkout:\n{}", found.join("\n"));
}

#[test]
fn the_check_itself_catches_a_workplace_path() {
    let line = format!("let p = \"{}reference/specs\";", forbidden()[0]);
    assert!(forbidden().iter().any(|p| line.contains(p.as_str())));
}
