//! The local AWS emulator: one per test process, on 127.0.0.1, gone when the process is.
//!
//! `Emulator::shared()` uses `LOCAL_AWS_ENDPOINT` when it is set (for example by
//! `make emulator-start`); otherwise it runs `tests/local-aws/launcher.py serve` with the
//! Python from `LOCAL_AWS_PYTHON` (default `.venv/bin/python`, made by `make setup`). The
//! launcher is given this process's PID and exits by itself once this process has exited, so a
//! test run never leaves an emulator behind, even when it panics or is killed.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// A running emulator.
#[derive(Debug)]
pub struct Emulator {
    endpoint: String,
}

impl Emulator {
    /// The emulator of this test process, started on first use.
    ///
    /// # Errors
    /// When the launcher cannot be started or does not become ready within 60 s; the message
    /// names the log file.
    pub fn shared() -> anyhow::Result<&'static Emulator> {
        static SHARED: OnceLock<Result<Emulator, String>> = OnceLock::new();
        SHARED
            .get_or_init(|| Self::from_env_or_start().map_err(|e| format!("{e:#}")))
            .as_ref()
            .map_err(|e| anyhow::anyhow!("local AWS emulator unavailable: {e}"))
    }

    /// The endpoint URL, such as `http://127.0.0.1:40123`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    fn from_env_or_start() -> anyhow::Result<Emulator> {
        if let Ok(endpoint) = std::env::var("LOCAL_AWS_ENDPOINT")
            && !endpoint.is_empty()
        {
            return Ok(Emulator { endpoint });
        }
        // A directory of this run's own (PID and start time, as every unique name): PIDs are
        // reused, and a ready file left by an earlier process with the same PID would name an
        // emulator that is long gone.
        Self::start_in(&std::env::temp_dir().join(crate::unique_name("local-aws")))
    }

    /// Starts a new emulator, owned by this process, with its ready file and log in `dir`.
    /// A ready file already in `dir` is removed first, never trusted.
    ///
    /// # Errors
    /// When the launcher cannot be started or does not become ready within 60 s.
    pub fn start_in(dir: &Path) -> anyhow::Result<Emulator> {
        let root = repo_root();
        let python = std::env::var_os("LOCAL_AWS_PYTHON")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join(".venv/bin/python"));
        std::fs::create_dir_all(dir)?;
        let ready = dir.join("ready.json");
        match std::fs::remove_file(&ready) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(e).with_context(|| format!("removing {}", ready.display()));
            }
            _ => {}
        }
        let log = dir.join("emulator.log");
        let log_file = std::fs::File::create(&log)?;
        let mut child = Command::new(&python)
            .arg(root.join("tests/local-aws/launcher.py"))
            .args(["serve", "--port", "0", "--parent-pid"])
            .arg(std::process::id().to_string())
            .arg("--ready-file")
            .arg(&ready)
            .stdin(Stdio::null())
            .stdout(log_file.try_clone()?)
            .stderr(log_file)
            .spawn()
            .with_context(|| format!("starting {} (run `make setup` first)", python.display()))?;
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Some(status) = child.try_wait()? {
                bail!("emulator exited with {status}; see {}", log.display());
            }
            if let Ok(text) = std::fs::read_to_string(&ready) {
                let info: serde_json::Value = serde_json::from_str(&text)?;
                let endpoint = info["endpoint"]
                    .as_str()
                    .context("ready file without endpoint")?
                    .to_owned();
                return Ok(Emulator { endpoint });
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        bail!("emulator not ready within 60 s; see {}", log.display())
    }
}

/// The repository root (the parent of this crate).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}
