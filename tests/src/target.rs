//! Where the end-to-end tests run: the local emulator (the default, and what CI runs), or two
//! real AWS accounts (live mode, opt-in).
//!
//! **Live mode** is on when both `S3KR_LIVE_PROFILE_A` and `S3KR_LIVE_PROFILE_B` name AWS CLI
//! profiles (static keys, or `role_arn` with `source_profile`; SSO profiles need
//! `aws configure export-credentials` first, as the tests' SDK is built without SSO). Then the
//! same tests create uniquely named buckets, keys, queues and roles in those two accounts, in
//! `us-east-1`, and every [`crate::world::World`] deletes what it created when it is dropped,
//! which also happens when a test fails (a panic unwinds through it). Tests that need the
//! emulator itself (fault injection, call counting) say so and return early.
//!
//! Without those variables nothing changes: the tests run on the emulator, through the same
//! [`Target`], the same clients and the same cleanup ([`crate::cleanup`]), so CI exercises the
//! code path that live mode uses.

use std::sync::OnceLock;
use std::time::Duration;

use anyhow::{Context, bail};

use crate::accounts::Account;
use crate::emulator::Emulator;

/// The variable naming account A's profile.
pub const PROFILE_A: &str = "S3KR_LIVE_PROFILE_A";
/// The variable naming account B's profile.
pub const PROFILE_B: &str = "S3KR_LIVE_PROFILE_B";

/// Two real accounts, by AWS CLI profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Live {
    /// Account A's profile.
    pub profile_a: String,
    /// Account B's profile.
    pub profile_b: String,
}

impl Live {
    /// Live mode from the environment `var`: both profiles set (and not empty), or neither.
    ///
    /// # Errors
    /// When only one of the two is set: a half-configured live run would silently test the
    /// emulator instead.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> anyhow::Result<Option<Live>> {
        let get = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        match (get(PROFILE_A), get(PROFILE_B)) {
            (Some(profile_a), Some(profile_b)) => Ok(Some(Live {
                profile_a,
                profile_b,
            })),
            (None, None) => Ok(None),
            _ => bail!("set both {PROFILE_A} and {PROFILE_B} for live mode, or neither"),
        }
    }

    /// The profile of `account`.
    pub fn profile(&self, account: Account) -> &str {
        match account {
            Account::A => &self.profile_a,
            Account::B => &self.profile_b,
        }
    }
}

/// Where the tests run.
#[derive(Debug)]
pub enum Target {
    /// The local emulator.
    Emulator(&'static Emulator),
    /// Two real AWS accounts.
    Live(Live),
}

impl Target {
    /// The target of this test process: live when the variables say so (see the module doc),
    /// else the emulator, started on first use.
    ///
    /// # Errors
    /// When the variables are half set, a live account cannot be identified, or the emulator
    /// cannot start.
    pub fn shared() -> anyhow::Result<&'static Target> {
        static SHARED: OnceLock<Result<Target, String>> = OnceLock::new();
        SHARED
            .get_or_init(|| Self::from_env().map_err(|e| format!("{e:#}")))
            .as_ref()
            .map_err(|e| anyhow::anyhow!("test target unavailable: {e}"))
    }

    /// The emulator, whatever the environment says (for the demo and the emulator's own tests).
    ///
    /// # Errors
    /// When the emulator cannot start.
    pub fn emulator() -> anyhow::Result<&'static Target> {
        static EMULATOR: OnceLock<Result<Target, String>> = OnceLock::new();
        EMULATOR
            .get_or_init(|| {
                Emulator::shared()
                    .map(Target::Emulator)
                    .map_err(|e| format!("{e:#}"))
            })
            .as_ref()
            .map_err(|e| anyhow::anyhow!("{e}"))
    }

    fn from_env() -> anyhow::Result<Target> {
        match Live::from_vars(|name| std::env::var(name).ok())? {
            Some(live) => {
                Account::set_live_ids(identify(&live)?);
                Ok(Target::Live(live))
            }
            None => Ok(Target::Emulator(Emulator::shared()?)),
        }
    }

    /// Whether this is live mode.
    pub fn is_live(&self) -> bool {
        matches!(self, Target::Live(_))
    }

    /// How long a test waits for an object to replicate: S3 replicates most objects within
    /// seconds, but without RTC it promises no time (S3 User Guide, "Replication Time
    /// Control"), so live mode waits up to 15 minutes.
    pub fn replication_wait(&self) -> Duration {
        match self {
            Target::Emulator(_) => Duration::from_secs(15),
            Target::Live(_) => Duration::from_secs(15 * 60),
        }
    }
}

/// Whether a test that needs the emulator itself should return early: true in live mode, with
/// a line on stderr saying which test was skipped and why.
pub fn emulator_only(test: &str, why: &str) -> bool {
    let live = Target::shared().is_ok_and(Target::is_live);
    if live {
        eprintln!("live mode: {test} skipped ({why})");
    }
    live
}

/// The two accounts' ids, from STS `GetCallerIdentity` with each profile. Runs on a thread of
/// its own, so that it may be called from inside a test's runtime.
fn identify(live: &Live) -> anyhow::Result<[String; 2]> {
    let live = live.clone();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        runtime.block_on(async {
            let mut ids = Vec::new();
            for account in [Account::A, Account::B] {
                let config = crate::accounts::live_config(live.profile(account)).await;
                let who = aws_sdk_sts::Client::new(&config)
                    .get_caller_identity()
                    .send()
                    .await
                    .with_context(|| format!("identifying profile {}", live.profile(account)))?;
                ids.push(who.account.context("GetCallerIdentity without account")?);
            }
            anyhow::ensure!(ids[0] != ids[1], "the two live profiles are one account");
            Ok([ids[0].clone(), ids[1].clone()])
        })
    })
    .join()
    .map_err(|_| anyhow::anyhow!("identifying the live accounts panicked"))?
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn live_mode_needs_both_profiles_and_nothing_changes_without_them() {
        fn vars(
            a: Option<&'static str>,
            b: Option<&'static str>,
        ) -> impl Fn(&str) -> Option<String> {
            move |name| match name {
                PROFILE_A => a.map(str::to_owned),
                PROFILE_B => b.map(str::to_owned),
                _ => None,
            }
        }
        assert_eq!(Live::from_vars(vars(None, None)).unwrap(), None);
        assert_eq!(Live::from_vars(vars(Some(" "), Some(""))).unwrap(), None);
        let live = Live::from_vars(vars(Some("src"), Some("dst")))
            .unwrap()
            .unwrap();
        assert_eq!(live.profile(Account::A), "src");
        assert_eq!(live.profile(Account::B), "dst");
        let err = Live::from_vars(vars(Some("src"), None)).unwrap_err();
        assert!(err.to_string().contains("set both"), "{err}");
    }
}
