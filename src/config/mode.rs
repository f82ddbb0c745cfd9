//! What the binary was asked to do, from its arguments and `SANDBOX`.

/// The binary's mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Serve production: PortOne and storage from the environment.
    Serve,
    /// `--sandbox` or `SANDBOX=true|1|yes`: simulated PortOne, in-memory ledger, no accounts.
    Sandbox,
}

impl Mode {
    /// Reads the arguments after the program name, and `SANDBOX` through `lookup`.
    pub fn from_args(
        args: impl IntoIterator<Item = String>,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Self {
        let flag = args.into_iter().any(|arg| arg == "--sandbox");
        let env = lookup("SANDBOX").is_some_and(|value| matches!(value.trim(), "true" | "1" | "yes"));
        if flag || env {
            Self::Sandbox
        } else {
            Self::Serve
        }
    }
}
