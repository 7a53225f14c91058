//! SDK clients for the two accounts: emulated, or real ones in live mode ([`crate::target`]).
//!
//! moto keeps one set of backends per account and picks the account from the caller's access
//! key. Keys returned by `sts:AssumeRole` belong to the account in the role ARN, so assuming
//! `arn:aws:iam::<account>:role/local-aws-admin` gives credentials for that account. (Setting
//! `MOTO_ACCOUNT_ID` instead would pin every request to one account.)
//!
//! Limits that remain in moto: the bucket namespace is global (as in AWS), and KMS calls work
//! only with the key owner's credentials (AWS also allows a key policy to grant other accounts).

use std::sync::OnceLock;

use anyhow::Context;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};

use crate::emulator::Emulator;
use crate::target::Target;

/// The live accounts' ids, once live mode identified them.
static LIVE_IDS: OnceLock<[String; 2]> = OnceLock::new();

/// The region every test uses.
pub const REGION: &str = "us-east-1";

/// One of the two emulated accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Account {
    /// The source account, `111111111111`: bucket S, key KA, the replication role.
    A,
    /// The destination account, `222222222222`: bucket D, key KB, the verifier.
    B,
}

impl Account {
    /// The 12-digit account id: the emulated one, or in live mode the real one.
    pub fn id(self) -> &'static str {
        match (LIVE_IDS.get(), self) {
            (Some(ids), Account::A) => &ids[0],
            (Some(ids), Account::B) => &ids[1],
            (None, Account::A) => "111111111111",
            (None, Account::B) => "222222222222",
        }
    }

    /// Record the live accounts' ids (A, B); the first call wins.
    pub(crate) fn set_live_ids(ids: [String; 2]) {
        let _ = LIVE_IDS.set(ids);
    }

    /// Clients for this account on `target`: the emulator ([`Account::connect`]) or, in live
    /// mode, the account's AWS CLI profile.
    ///
    /// # Errors
    /// When the account cannot be reached or its credentials cannot be loaded.
    pub async fn connect_to(self, target: &Target) -> anyhow::Result<Clients> {
        let profile = match target {
            Target::Emulator(emulator) => return self.connect(emulator).await,
            Target::Live(live) => live.profile(self),
        };
        let config = live_config(profile).await;
        let credentials = config
            .credentials_provider()
            .context("no credentials provider")?
            .provide_credentials()
            .await
            .with_context(|| format!("loading the credentials of profile {profile}"))?;
        Ok(Clients::new(self, None, credentials, config))
    }

    /// Clients for this account, against `emulator`.
    ///
    /// # Errors
    /// When `sts:AssumeRole` fails.
    pub async fn connect(self, emulator: &Emulator) -> anyhow::Result<Clients> {
        let bootstrap = base_config(
            emulator,
            Credentials::new("testing", "testing", None, None, "local-aws"),
        );
        let assumed = aws_sdk_sts::Client::new(&bootstrap)
            .assume_role()
            .role_arn(format!("arn:aws:iam::{}:role/local-aws-admin", self.id()))
            .role_session_name("e2e-tests")
            .send()
            .await?;
        let c = assumed
            .credentials
            .ok_or_else(|| anyhow::anyhow!("AssumeRole returned no credentials"))?;
        let credentials = Credentials::new(
            c.access_key_id,
            c.secret_access_key,
            Some(c.session_token),
            None,
            "local-aws-assumed",
        );
        let config = base_config(emulator, credentials.clone());
        Ok(Clients::new(
            self,
            Some(emulator.endpoint().to_owned()),
            credentials,
            config,
        ))
    }
}

/// The SDK configuration of a live account's AWS CLI profile, in [`REGION`].
pub async fn live_config(profile: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .profile_name(profile)
        .region(Region::new(REGION))
        .load()
        .await
}

fn base_config(emulator: &Emulator, credentials: Credentials) -> SdkConfig {
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .endpoint_url(emulator.endpoint())
        .credentials_provider(SharedCredentialsProvider::new(credentials))
        .build()
}

/// SDK clients, all bound to one account.
#[derive(Debug, Clone)]
pub struct Clients {
    /// Which account these clients act as.
    pub account: Account,
    /// The emulator endpoint; `None` in live mode.
    pub endpoint: Option<String>,
    /// The assumed-role credentials (handed to bootstrap binaries through their environment).
    pub credentials: Credentials,
    /// The shared SDK configuration.
    pub config: SdkConfig,
    /// S3: path-style on the emulator (it has no wildcard DNS), virtual-hosted in live mode.
    pub s3: aws_sdk_s3::Client,
    pub kms: aws_sdk_kms::Client,
    pub iam: aws_sdk_iam::Client,
    pub sqs: aws_sdk_sqs::Client,
    /// CloudWatch (rpcv2Cbor, bridged by the emulator).
    pub cloudwatch: aws_sdk_cloudwatch::Client,
}

impl Clients {
    fn new(
        account: Account,
        endpoint: Option<String>,
        credentials: Credentials,
        config: SdkConfig,
    ) -> Self {
        let s3_config = aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(endpoint.is_some())
            .build();
        Clients {
            account,
            endpoint,
            credentials,
            s3: aws_sdk_s3::Client::from_conf(s3_config),
            kms: aws_sdk_kms::Client::new(&config),
            iam: aws_sdk_iam::Client::new(&config),
            sqs: aws_sdk_sqs::Client::new(&config),
            cloudwatch: aws_sdk_cloudwatch::Client::new(&config),
            config,
        }
    }

    /// The same account's clients in `region` (the functions' environment keeps [`REGION`]).
    #[must_use]
    pub fn in_region(&self, region: &str) -> Self {
        let config = self
            .config
            .to_builder()
            .region(Region::new(region.to_owned()))
            .build();
        Self::new(
            self.account,
            self.endpoint.clone(),
            self.credentials.clone(),
            config,
        )
    }

    /// The clients' region.
    #[must_use]
    pub fn region(&self) -> String {
        self.config
            .region()
            .map_or_else(|| REGION.to_owned(), ToString::to_string)
    }

    /// The environment a Lambda in this account sees: its credentials and region, and on the
    /// emulator its endpoint.
    pub fn lambda_env(&self) -> Vec<(String, String)> {
        let mut env = vec![
            (
                "AWS_ACCESS_KEY_ID".to_owned(),
                self.credentials.access_key_id().to_owned(),
            ),
            (
                "AWS_SECRET_ACCESS_KEY".to_owned(),
                self.credentials.secret_access_key().to_owned(),
            ),
            ("AWS_REGION".to_owned(), REGION.to_owned()),
            ("AWS_DEFAULT_REGION".to_owned(), REGION.to_owned()),
        ];
        if let Some(endpoint) = &self.endpoint {
            env.push(("AWS_ENDPOINT_URL".to_owned(), endpoint.clone()));
            env.push(("S3_FORCE_PATH_STYLE".to_owned(), "true".to_owned()));
        }
        if let Some(token) = self.credentials.session_token() {
            env.push(("AWS_SESSION_TOKEN".to_owned(), token.to_owned()));
        }
        env
    }
}
