//! Runs the `replication-doctor` binary on a world, with one AWS CLI profile per account
//! written from the world's credentials (on the emulator, its endpoint too), as a user would
//! run it with their own profiles.

use std::path::PathBuf;
use std::process::Command;

use anyhow::Context;
use serde_json::Value;

use crate::accounts::{Clients, REGION};
use crate::world::World;

/// What the doctor printed, and its exit code.
#[derive(Debug, Clone)]
pub struct DoctorRun {
    /// 0 healthy, 1 findings, 2 could not check everything, 64 a wrong command line.
    pub code: i32,
    /// Its standard output.
    pub stdout: String,
    /// Its standard error.
    pub stderr: String,
}

impl DoctorRun {
    /// The `--json` report.
    ///
    /// # Errors
    /// When the output is not JSON.
    pub fn json(&self) -> anyhow::Result<Value> {
        serde_json::from_str(&self.stdout).with_context(|| format!("not JSON: {}", self.stdout))
    }
}

/// The doctor binary: in `BOOTSTRAP_DIR` when set (as the functions' bootstraps,
/// [`crate::runtime_api::binary_path`]), else next to the running executable (the demo, in
/// `target/<profile>/`) or one directory up (a test, in `target/<profile>/deps/`).
///
/// # Errors
/// When it has not been built (`make build` builds it).
pub fn binary() -> anyhow::Result<PathBuf> {
    if let Some(dir) = std::env::var_os("BOOTSTRAP_DIR") {
        let path = PathBuf::from(dir).join("replication-doctor");
        if path.is_file() {
            return Ok(path);
        }
    }
    let exe = std::env::current_exe()?;
    exe.ancestors()
        .skip(1)
        .take(2)
        .map(|dir| dir.join("replication-doctor"))
        .find(|p| p.is_file())
        .context("replication-doctor is not built; run `make build`")
}

fn profile(name: &str, c: &Clients) -> String {
    let creds = &c.credentials;
    let mut text = format!(
        "[{name}]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        creds.access_key_id(),
        creds.secret_access_key()
    );
    if let Some(token) = creds.session_token() {
        text.push_str(&format!("aws_session_token = {token}\n"));
    }
    text
}

/// Run the doctor on `world`'s pair (S, D, KA and KB, and `queue` when D should notify one),
/// with profile `a`, and `b` unless `one_account`.
///
/// # Errors
/// When the binary is missing or cannot run.
pub fn run(
    world: &World,
    queue: Option<&str>,
    one_account: bool,
    json: bool,
) -> anyhow::Result<DoctorRun> {
    let mut args = vec![
        "--source-bucket",
        &world.source_bucket,
        "--destination-bucket",
        &world.destination_bucket,
        "--source-profile",
        "a",
        "--source-kms-key",
        &world.source_key_arn,
        "--destination-kms-key",
        &world.destination_key_arn,
    ];
    if let Some(queue) = queue {
        args.extend(["--queue-arn", queue]);
    }
    if !one_account {
        args.extend(["--destination-profile", "b"]);
    }
    if json {
        args.push("--json");
    }
    run_args(world, &args, Some(REGION))
}

/// Run the doctor with exactly `args`, and the profiles `a` and `b` of `world`'s accounts
/// written to its AWS configuration (with `region`, or none).
///
/// # Errors
/// When the binary is missing or cannot run.
pub fn run_args(world: &World, args: &[&str], region: Option<&str>) -> anyhow::Result<DoctorRun> {
    let dir = std::env::temp_dir().join(crate::unique_name("doctor-profiles"));
    std::fs::create_dir_all(&dir)?;
    let credentials = format!("{}{}", profile("a", &world.a), profile("b", &world.b));
    std::fs::write(dir.join("credentials"), credentials)?;
    let config = match region {
        Some(r) => format!("[profile a]\nregion = {r}\n[profile b]\nregion = {r}\n"),
        None => "[profile a]\n[profile b]\n".to_owned(),
    };
    std::fs::write(dir.join("config"), config)?;
    let mut cmd = Command::new(binary()?);
    cmd.env_clear()
        .env("AWS_CONFIG_FILE", dir.join("config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.join("credentials"))
        .args(args);
    if let Some(endpoint) = &world.a.endpoint {
        cmd.env("AWS_ENDPOINT_URL", endpoint)
            .env("S3_FORCE_PATH_STYLE", "true");
    }
    let out = cmd.output();
    let _ = std::fs::remove_dir_all(&dir);
    let out = out?;
    Ok(DoctorRun {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}
