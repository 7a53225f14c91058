//! `replication-doctor statements`: the exact statements a replication pair needs in KA's and
//! KB's key policies and D's bucket policy, for a pipeline that owns those documents
//! (`PolicyWrites: Report`). Offline: computed from the command line by the setup function's own
//! parser, validation and plan ([`replication_core::plan::pair_policy_statements`]), with no AWS
//! call and no credentials.
//!
//! Regions and accounts come from the key ARNs: S3 requires KA in S's region and KB in D's
//! (the custom resources refuse a key of another region), A owns KA and B owns KB.

use replication_core::arn::{AccountId, KeyManager, KmsKeyArn, RoleArn};
use replication_core::plan::{PolicyStatements, pair_policy_statements};
use replication_core::properties::{ResolvedKey, SourceFacts, SourceProperties};
use serde_json::{Value, json};

use crate::args::StatementsOptions;

/// The pair's statements per document, in step order.
///
/// # Errors
/// What is wrong with the command line, naming the flag: a key that is not a key ARN, a role in
/// another account than KA, or what the custom resource's own validation refuses.
pub fn plan(o: &StatementsOptions) -> Result<Vec<PolicyStatements>, String> {
    let key = |flag: &str, value: &str| KmsKeyArn::parse(value).map_err(|e| format!("{flag}: {e}"));
    let ka = key("--source-kms-key", &o.source_kms_key)?;
    let kb = key("--destination-kms-key", &o.destination_kms_key)?;
    let mut props = json!({
        "SourceBucket": o.source_bucket,
        "SourceKmsKeyArn": o.source_kms_key,
        "DestinationBucket": o.destination_bucket,
        "DestinationAccountId": kb.account().to_string(),
        "DestinationKmsKeyArn": o.destination_kms_key,
    });
    if let Some(arn) = &o.role_arn {
        let role = RoleArn::parse(arn).map_err(|e| format!("--role-arn: {e}"))?;
        if role.account() != ka.account() {
            return Err(format!(
                "--role-arn: the role is in account {}, but KA (--source-kms-key) is in {}; give \
                 the replication role of the source account",
                role.account(),
                ka.account()
            ));
        }
        props["RoleName"] = json!(role.name());
        props["RolePath"] = json!(role.path());
    }
    if let Some(enabled) = o.bucket_key_enabled {
        props["BucketKeyEnabled"] = json!(enabled);
    }
    let properties = SourceProperties::parse(&props).map_err(|e| e.to_string())?;
    let facts = SourceFacts {
        account_id: AccountId::clone(ka.account()),
        source_bucket_region: ka.region().clone(),
        source_key: ResolvedKey {
            arn: ka.clone(),
            manager: Some(KeyManager::Customer),
            state: None,
        },
        destination_key: ResolvedKey::from_arn(kb.clone()),
        destination_bucket_region: Some(kb.region().clone()),
        source_encryption: None,
        destination_encryption: None,
        source_object_lock: false,
    };
    let spec = properties.validate(&facts).map_err(|e| e.to_string())?;
    Ok(pair_policy_statements(&spec))
}

/// `--json`: `{"documents": [{"document", "step", "account", "target", "dataAttribute",
/// "statements"}]}`.
#[must_use]
pub fn json(planned: &[PolicyStatements], accounts: (&str, &str)) -> Value {
    let documents: Vec<Value> = planned
        .iter()
        .map(|p| {
            json!({
                "document": p.document,
                "label": p.label(),
                "step": p.document.step(),
                "account": account_id(p, accounts),
                "target": p.target,
                "dataAttribute": p.document.data_name(),
                "statements": p.statements,
            })
        })
        .collect();
    json!({ "documents": documents })
}

fn account_id<'a>(p: &PolicyStatements, (a, b): (&'a str, &'a str)) -> &'a str {
    if p.document.account() == 'A' { a } else { b }
}

/// The human form: per document, where it is and what to add, then the statements as JSON to
/// paste into its `Statement` list.
#[must_use]
pub fn human(planned: &[PolicyStatements], accounts: (&str, &str)) -> String {
    let mut out = String::new();
    for p in planned {
        let n = p.statements.len();
        out.push_str(&format!(
            "step {}  {}, account {} {}: add {n} statement{} (the resource's Data {})\n",
            p.document.step(),
            p.label(),
            p.document.account(),
            account_id(p, accounts),
            if n == 1 { "" } else { "s" },
            p.document.data_name(),
        ));
        let text = serde_json::to_string_pretty(&p.statements).unwrap_or_default();
        out.push_str(&text);
        out.push_str("\n\n");
    }
    out.push_str(
        "A statement counts as applied when the document has one that grants exactly the same, \
         whatever its Sid.\n",
    );
    out
}

/// The accounts (A, B) of the pair, from the key ARNs.
#[must_use]
pub fn accounts(o: &StatementsOptions) -> (String, String) {
    let account = |arn: &str| {
        KmsKeyArn::parse(arn)
            .map(|k| k.account().to_string())
            .unwrap_or_default()
    };
    (account(&o.source_kms_key), account(&o.destination_kms_key))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const KA: &str = "arn:aws:kms:eu-west-1:111122223333:key/1111aaaa-11aa-11aa-11aa-111111aaaaaa";
    const KB: &str =
        "arn:aws:kms:eu-central-1:222233334444:key/2222bbbb-22bb-22bb-22bb-222222bbbbbb";

    fn options() -> StatementsOptions {
        StatementsOptions {
            source_bucket: "source-bucket".into(),
            destination_bucket: "replica-bucket".into(),
            source_kms_key: KA.into(),
            destination_kms_key: KB.into(),
            ..StatementsOptions::default()
        }
    }

    #[test]
    fn the_statements_are_the_setup_functions_with_regions_and_accounts_from_the_keys() {
        let planned = plan(&options()).unwrap();
        assert_eq!(planned.len(), 3);
        let ka = &planned[0].statements[0];
        assert_eq!(ka["Principal"]["AWS"], "arn:aws:iam::111122223333:root");
        assert_eq!(
            ka["Condition"]["StringEquals"]["kms:ViaService"],
            "s3.eu-west-1.amazonaws.com"
        );
        assert_eq!(
            ka["Condition"]["ArnEquals"]["aws:PrincipalArn"],
            "arn:aws:iam::111122223333:role/s3-kms-replication-source-bucket"
        );
        let kb = &planned[1].statements[0];
        assert_eq!(
            kb["Condition"]["StringEquals"]["kms:ViaService"],
            "s3.eu-central-1.amazonaws.com"
        );
        let text = human(&planned, ("111122223333", "222233334444"));
        assert!(text.contains("step 5  D's bucket policy (replica-bucket), account B 222233334444: add 2 statements"), "{text}");
        let j = json(&planned, ("111122223333", "222233334444"));
        assert_eq!(j["documents"][1]["document"], "DestinationKeyPolicy");
        assert_eq!(j["documents"][1]["account"], "222233334444");
        assert_eq!(
            j["documents"][2]["dataAttribute"],
            "DestinationBucketPolicyStatements"
        );
    }

    #[test]
    fn a_role_path_and_narrowed_bucket_keys_change_the_statements_as_on_the_resources() {
        let o = StatementsOptions {
            role_arn: Some("arn:aws:iam::111122223333:role/service-role/team".into()),
            bucket_key_enabled: Some(false),
            ..options()
        };
        let planned = plan(&o).unwrap();
        let kb = &planned[1].statements[0];
        assert_eq!(kb["Action"], json!(["kms:Encrypt"]));
        assert_eq!(
            kb["Condition"]["ArnEquals"]["aws:PrincipalArn"],
            "arn:aws:iam::111122223333:role/service-role/team"
        );
    }

    #[test]
    fn mistakes_name_the_flag() {
        let alias = StatementsOptions {
            destination_kms_key: "alias/replicas".into(),
            ..options()
        };
        assert!(
            plan(&alias)
                .unwrap_err()
                .starts_with("--destination-kms-key")
        );
        let other = StatementsOptions {
            role_arn: Some("arn:aws:iam::999999999999:role/r".into()),
            ..options()
        };
        assert!(
            plan(&other)
                .unwrap_err()
                .contains("--role-arn: the role is in account 999999999999")
        );
    }
}
