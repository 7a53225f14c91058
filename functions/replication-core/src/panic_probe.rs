//! Proof that a shipped binary unwinds on panic.
//!
//! `cargo lambda build --release` fills every `[profile.release]` setting the workspace leaves
//! unset with its own defaults, `panic = "abort"` among them. A binary built that way cannot
//! catch a panic: the setup function would never answer CloudFormation, and the verifier would
//! lose the whole batch to a process exit. Both bootstraps therefore take [`PANIC_PROBE_ARG`]:
//! they panic once under their own guard and print what the guard made of it. An unwinding
//! build prints the message and exits 0; an aborting one dies with `SIGABRT`. `make shipped`
//! runs the probe on the bootstraps inside the zips that `make package` ships.
//!
//! ```
//! let payload = std::panic::catch_unwind(|| panic!("boom {}", 4)).unwrap_err();
//! assert_eq!(replication_core::panic_probe::panic_message(payload.as_ref()), "boom 4");
//! ```

use std::any::Any;

/// The argument that makes a bootstrap run its panic probe and exit instead of serving
/// events. Lambda starts `bootstrap` without arguments, so no event can reach the probe.
pub const PANIC_PROBE_ARG: &str = "--panic-probe";

/// The message the probe panics with.
pub const PANIC_PROBE_MESSAGE: &str = "panic probe";

/// The text of a caught panic's payload (`panic!` with a literal or a format string).
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned())
}

/// Whether the process was started with [`PANIC_PROBE_ARG`] as its first argument.
pub fn requested(mut args: impl Iterator<Item = String>) -> bool {
    args.nth(1).as_deref() == Some(PANIC_PROBE_ARG)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_probe_argument_in_first_place_requests_the_probe() {
        let args = |a: &[&str]| a.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert!(requested(args(&["bootstrap", "--panic-probe"]).into_iter()));
        assert!(!requested(args(&["bootstrap"]).into_iter()));
        assert!(!requested(
            args(&["bootstrap", "x", "--panic-probe"]).into_iter()
        ));
    }

    #[test]
    fn an_unknown_payload_is_named_as_such() {
        let payload = std::panic::catch_unwind(|| std::panic::panic_any(7_u8)).unwrap_err();
        assert_eq!(panic_message(payload.as_ref()), "unknown panic");
    }
}
