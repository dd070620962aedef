//! `qe completions bash|zsh|fish`: the shell completion script on stdout.

use clap::{Args, CommandFactory};
use clap_complete::Shell;

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish, elvish or powershell.
    pub shell: Shell,
}

/// Writes the completion script of `qe` for the shell.
pub fn run(args: CompletionsArgs) {
    let mut cmd = super::Cli::command();
    clap_complete::generate(args.shell, &mut cmd, "qe", &mut std::io::stdout());
}
