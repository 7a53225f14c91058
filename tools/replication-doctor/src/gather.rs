//! Reads one pair's documents with the SDK into a [`Snapshot`]: read-only calls, each one's
//! failure kept as [`Seen::Unreadable`] with the reason, so that the doctor says what it could
//! not check instead of failing.
//!
//! The actions, by account (the README lists them for the read-only policy):
//! - A: `sts:GetCallerIdentity`; on S `s3:GetBucketLocation`, `s3:GetBucketVersioning`,
//!   `s3:GetReplicationConfiguration`, `s3:GetBucketPolicy`, `s3:GetEncryptionConfiguration`,
//!   `s3:GetBucketObjectLockConfiguration`;
//!   on the role `iam:GetRole`, `iam:ListRolePolicies`, `iam:GetRolePolicy`,
//!   `iam:ListAttachedRolePolicies`, `iam:GetPolicy`, `iam:GetPolicyVersion`; on KA
//!   `kms:DescribeKey`, `kms:GetKeyPolicy`;
//! - B: on D `s3:GetBucketLocation`, `s3:GetBucketVersioning`, `s3:GetBucketPolicy`,
//!   `s3:GetEncryptionConfiguration`, `s3:GetBucketObjectLockConfiguration`,
//!   `s3:GetBucketNotification`; on KB `kms:DescribeKey`,
//!   `kms:GetKeyPolicy`; `sts:AssumeRole` on `--destination-role-arn` (in A).

use aws_config::{BehaviorVersion, SdkConfig};
use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use replication_aws::read::{
    Reader, bucket_policy, encryption, key, notifications, object_lock, region, replication,
    resolve_default_alias, role, versioning,
};
use replication_core::doctor::{Seen, Snapshot};

use crate::args::Options;

/// The readers of one account: its clients, and `hint` said of every read they fail.
pub(crate) fn clients(config: &SdkConfig, hint: Option<String>) -> Reader {
    // Path-style S3 for local emulators, as the functions do.
    let path_style = std::env::var("S3_FORCE_PATH_STYLE").is_ok_and(|v| v == "true");
    Reader {
        s3: aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(config)
                .force_path_style(path_style)
                .build(),
        ),
        kms: aws_sdk_kms::Client::new(config),
        iam: aws_sdk_iam::Client::new(config),
        hint,
    }
}

/// Which account's credentials, for error messages: the flags that chose them.
pub(crate) fn described(account: &str, profile: Option<&str>, flag: &str) -> String {
    match profile {
        Some(p) => format!("account {account}'s profile {p:?} ({flag})"),
        None => format!("account {account}'s default credentials (no {flag})"),
    }
}

/// The SDK configuration of `profile` (or the default chain) in `region` (or the profile's),
/// refusing, in one line, a configuration without a region.
pub(crate) async fn load(
    profile: Option<&str>,
    region: Option<&str>,
    who: &str,
    region_flag: &str,
) -> anyhow::Result<SdkConfig> {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(p) = profile {
        loader = loader.profile_name(p);
    }
    if let Some(r) = region {
        loader = loader.region(aws_config::Region::new(r.to_owned()));
    }
    let config = loader.load().await;
    if config.region().is_none() {
        anyhow::bail!(
            "{who} has no region: set `region` in its ~/.aws/config section, AWS_REGION, or pass {region_flag}"
        );
    }
    Ok(config)
}

/// An SDK error as one line: its message chain, without the debug dump.
pub(crate) fn one_line(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let next = s.to_string();
        if !text.contains(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        source = s.source();
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The clients of both accounts: A's from `--source-profile` (or the default chain), B's from
/// `--destination-profile`, from `--destination-role-arn` assumed with A's, or else A's own
/// (cross-account reads then usually fail, and are reported as unknown with that hint).
///
/// # Errors
/// When the destination role cannot be assumed or A cannot be identified.
pub async fn connect(o: &Options) -> anyhow::Result<Connected> {
    let a_who = described("A", o.source_profile.as_deref(), "--source-profile");
    let a_config = load(
        o.source_profile.as_deref(),
        o.source_region.as_deref(),
        &a_who,
        "--source-region",
    )
    .await?;
    let who = aws_sdk_sts::Client::new(&a_config)
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "{a_who}: sts:GetCallerIdentity failed, so no credentials work: {}",
                one_line(&e)
            )
        })?;
    let a_account = who.account.unwrap_or_default();
    let a = clients(&a_config, None);
    let b = if let Some(profile) = &o.destination_profile {
        let b_who = described("B", Some(profile), "--destination-profile");
        let config = load(
            Some(profile),
            o.destination_region.as_deref(),
            &b_who,
            "--destination-region",
        )
        .await?;
        aws_sdk_sts::Client::new(&config)
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| {
                anyhow::anyhow!(
                    "{b_who}: sts:GetCallerIdentity failed, so no credentials work: {}",
                    one_line(&e)
                )
            })?;
        clients(&config, None)
    } else if let Some(role) = &o.destination_role_arn {
        let assumed = aws_sdk_sts::Client::new(&a_config)
            .assume_role()
            .role_arn(role)
            .role_session_name("replication-doctor")
            .send()
            .await
            .map_err(|e| {
                anyhow::anyhow!(
                    "{a_who}: sts:AssumeRole on {role} (--destination-role-arn) failed: {}",
                    one_line(&e)
                )
            })?;
        let c = assumed
            .credentials
            .ok_or_else(|| anyhow::anyhow!("AssumeRole returned no credentials"))?;
        let credentials = Credentials::new(
            c.access_key_id,
            c.secret_access_key,
            Some(c.session_token),
            None,
            "replication-doctor",
        );
        let mut config = a_config
            .to_builder()
            .credentials_provider(SharedCredentialsProvider::new(credentials));
        if let Some(r) = &o.destination_region {
            config = config.region(aws_config::Region::new(r.clone()));
        }
        clients(&config.build(), None)
    } else {
        let hint = "read with account A's credentials; give --destination-profile or --destination-role-arn to check account B";
        clients(&a_config, Some(hint.to_owned()))
    };
    Ok(Connected {
        a,
        b,
        a_account,
        a_config,
    })
}

/// Both accounts' readers, A's id and A's SDK configuration (for the job commands' clients).
pub struct Connected {
    /// Account A's readers.
    pub a: Reader,
    /// Account B's readers.
    pub b: Reader,
    /// A's account id.
    pub a_account: String,
    /// A's configuration: its credentials, region and endpoint.
    pub a_config: SdkConfig,
}

/// Read everything the doctor needs about the pair in `o`.
pub async fn snapshot(o: &Options, a: &Reader, b: &Reader, a_account: &str) -> Snapshot {
    let s = &o.source_bucket;
    let d = &o.destination_bucket;
    let source_region = region(a, s).await;
    let destination_region = region(b, d).await;
    // Every later read addresses its bucket's region (the SDK does not follow S3's redirect).
    let in_region = |r: &Reader, region: &Result<String, String>| match region {
        Ok(region) => r.in_region(region),
        Err(_) => r.clone(),
    };
    let (a, b) = (
        &in_region(a, &source_region),
        &in_region(b, &destination_region),
    );
    let replication = replication(a, s).await;
    let config = match &replication {
        Seen::Read(Some(c)) => Some(c.clone()),
        _ => None,
    };
    let rule = config.as_ref().and_then(|c| {
        c.rules.iter().find(|r| {
            replication_core::plan::replicates_to(r, d)
                && o.rule_id
                    .as_ref()
                    .is_none_or(|id| r.id.as_ref() == Some(id))
        })
    });
    let role = match &config {
        Some(c) => role(a, &c.role).await,
        None => Seen::Unreadable("no replication configuration names a role".into()),
    };
    let source_encryption = resolve_default_alias(a, encryption(a, s).await).await;
    let source_key_ref = o
        .source_kms_key
        .clone()
        .or_else(|| match &source_encryption {
            Seen::Read(Some(e)) => e.kms_key_id.clone(),
            _ => None,
        });
    let source_key = match &source_key_ref {
        Some(k) => key(a, k).await,
        None => {
            Seen::Unreadable("KA is not S's default encryption key; give --source-kms-key".into())
        }
    };
    let replica_key = rule
        .and_then(|r| r.destination.encryption_configuration.as_ref())
        .and_then(|e| e.replica_kms_key_id.clone());
    let destination_key_ref = o.destination_kms_key.clone().or(replica_key);
    let destination_key = match &destination_key_ref {
        Some(k) => key(b, k).await,
        None => {
            Seen::Unreadable("the rule names no replica key; give --destination-kms-key".into())
        }
    };
    let destination_account = o
        .destination_kms_key
        .as_deref()
        .and_then(|k| k.split(':').nth(4))
        .map(str::to_owned)
        .or_else(|| rule.and_then(|r| r.destination.account.clone()));
    let notifications = match &o.queue_arn {
        None => Seen::Read(Vec::new()),
        Some(_) => notifications(b, d).await,
    };
    let partition = match &source_key {
        Seen::Read(Some(k)) => k.arn.split(':').nth(1).unwrap_or("aws").to_owned(),
        _ => "aws".to_owned(),
    };
    Snapshot {
        partition,
        source_account: a_account.to_owned(),
        source_bucket: s.clone(),
        source_region: source_region.clone().unwrap_or_default(),
        destination_bucket: d.clone(),
        destination_region: destination_region.clone().unwrap_or_else(|_| {
            destination_key_ref
                .as_deref()
                .and_then(|k| k.split(':').nth(3))
                .unwrap_or_default()
                .to_owned()
        }),
        destination_account,
        rule_id: o.rule_id.clone(),
        expected_destination_key: o.destination_kms_key.clone(),
        expected_queue: o.queue_arn.clone(),
        source_versioning: match &source_region {
            Err(why) => Seen::Unreadable(why.clone()),
            Ok(_) => versioning(a, s).await,
        },
        destination_versioning: match &destination_region {
            Err(why) => Seen::Unreadable(why.clone()),
            Ok(_) => versioning(b, d).await,
        },
        replication,
        role,
        role_arn: None,
        source_bucket_policy: bucket_policy(a, s).await,
        destination_bucket_policy: bucket_policy(b, d).await,
        source_key,
        destination_key,
        source_encryption,
        destination_encryption: encryption(b, d).await,
        notifications,
        source_object_lock: object_lock(a, s).await,
        destination_object_lock: object_lock(b, d).await,
        expected_statements: Vec::new(),
    }
}
