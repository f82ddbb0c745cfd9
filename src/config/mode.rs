//! What the binary was asked to do, from its arguments and `SANDBOX`.

/// The binary's mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Serve production: PortOne and storage from the environment.
    Serve,
    /// `--sandbox` or `SANDBOX=true|1|yes`: simulated PortOne, in-memory ledger, no accounts.
    Sandbox,
    /// `reconcile [--dry-run] [--fix-orphans]`: one reconciliation pass with the production
    /// configuration, its report on stdout, then exit.
    Reconcile { dry_run: bool, fix_orphans: bool },
}

impl Mode {
    /// Reads the arguments after the program name, and `SANDBOX` through `lookup`.
    ///
    /// # Errors
    /// An argument this binary does not know, named.
    pub fn from_args(
        args: impl IntoIterator<Item = String>,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, String> {
        let args: Vec<String> = args.into_iter().collect();
        if args.first().is_some_and(|first| first == "reconcile") {
            let (mut dry_run, mut fix_orphans) = (false, false);
            for arg in &args[1..] {
                match arg.as_str() {
                    "--dry-run" => dry_run = true,
                    "--fix-orphans" => fix_orphans = true,
                    other => return Err(format!("unknown argument to reconcile: {other}")),
                }
            }
            return Ok(Self::Reconcile { dry_run, fix_orphans });
        }
        let mut sandbox = lookup("SANDBOX").is_some_and(|value| matches!(value.trim(), "true" | "1" | "yes"));
        for arg in &args {
            match arg.as_str() {
                "--sandbox" => sandbox = true,
                other => {
                    return Err(format!(
                        "unknown argument: {other} (expected --sandbox, or reconcile)"
                    ))
                }
            }
        }
        Ok(if sandbox { Self::Sandbox } else { Self::Serve })
    }
}
