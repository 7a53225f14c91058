use super::*;
use std::collections::HashMap;

const KB: &str = "arn:aws:kms:us-east-1:222222222222:key/11111111-2222-4333-8444-555555555555";

fn parse(vars: &[(&str, &str)]) -> Result<VerifierConfig, ConfigError> {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    VerifierConfig::from_lookup(|k| map.get(k).cloned())
}

#[test]
fn defaults_apply_when_only_the_key_is_set() {
    let c = parse(&[("EXPECTED_KMS_KEY_ARN", KB)]).unwrap();
    assert_eq!(c.namespace, DEFAULT_NAMESPACE);
    assert_eq!(c.sink, SinkKind::Emf);
    assert!(c.require_replica_status);
    assert_eq!(c.expected_bucket_key, None);
    assert_eq!(c.max_concurrency, 64);
    assert!(!c.key_needs_resolution());
}

#[test]
fn emf_metrics_refuse_a_lambda_log_level_that_would_drop_them() {
    let err = parse(&[
        ("EXPECTED_KMS_KEY_ARN", KB),
        ("AWS_LAMBDA_LOG_LEVEL", "WARN"),
    ])
    .unwrap_err();
    assert!(err.to_string().contains("AWS_LAMBDA_LOG_LEVEL"), "{err}");
    assert!(err.to_string().contains("METRICS_SINK=cloudwatch"), "{err}");
    for ok in [
        [("AWS_LAMBDA_LOG_LEVEL", "DEBUG"), ("METRICS_SINK", "emf")],
        [
            ("AWS_LAMBDA_LOG_LEVEL", "ERROR"),
            ("METRICS_SINK", "cloudwatch"),
        ],
    ] {
        let mut vars = vec![("EXPECTED_KMS_KEY_ARN", KB)];
        vars.extend(ok);
        assert!(parse(&vars).is_ok(), "{vars:?}");
    }
}

#[test]
fn missing_key_names_the_variable_and_the_fix() {
    let err = parse(&[]).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("EXPECTED_KMS_KEY_ARN is required"),
        "{err}"
    );
    let err = parse(&[("EXPECTED_KMS_KEY_ARN", "  ")]).unwrap_err();
    assert!(matches!(
        err,
        ConfigError::Missing {
            var: "EXPECTED_KMS_KEY_ARN",
            ..
        }
    ));
}

#[test]
fn aliases_and_key_ids_need_resolution() {
    for key in [
        "alias/replicas",
        "arn:aws:kms:us-east-1:222222222222:alias/replicas",
        "1234abcd-12ab-34cd-56ef-1234567890ab",
    ] {
        assert!(
            parse(&[("EXPECTED_KMS_KEY_ARN", key)])
                .unwrap()
                .key_needs_resolution(),
            "{key}"
        );
    }
}

#[test]
fn malformed_values_name_the_variable() {
    let cases = [
        ("EXPECTED_KMS_KEY_ARN", "arn:aws:s3:::bucket"),
        ("METRICS_SINK", "stdout"),
        ("REQUIRE_REPLICA_STATUS", "maybe"),
        ("EXPECTED_BUCKET_KEY", "2"),
        ("MAX_CONCURRENCY", "0"),
        ("MISSING_RETRIES", "11"),
        ("MISSING_RETRY_DELAY_MS", "soon"),
        ("METRICS_NAMESPACE", "AWS/S3"),
        ("VERIFY_PREFIXES", "logs/,,data/"),
    ];
    for (var, bad) in cases {
        let mut vars = vec![("EXPECTED_KMS_KEY_ARN", KB)];
        vars.retain(|(k, _)| *k != var);
        vars.push((var, bad));
        let err = parse(&vars).unwrap_err();
        assert!(err.to_string().starts_with(var), "{var}: {err}");
    }
}

#[test]
fn sinks_and_booleans_parse_case_insensitively() {
    let c = parse(&[
        ("EXPECTED_KMS_KEY_ARN", KB),
        ("METRICS_SINK", "Both"),
        ("REQUIRE_REPLICA_STATUS", "FALSE"),
        ("EXPECTED_BUCKET_KEY", "true"),
    ])
    .unwrap();
    assert!(c.sink.emf() && c.sink.cloudwatch());
    assert!(!c.require_replica_status);
    assert_eq!(c.expected_bucket_key, Some(true));
}

#[test]
fn missing_retries_back_off_and_stop() {
    let c = parse(&[
        ("EXPECTED_KMS_KEY_ARN", KB),
        ("MISSING_RETRIES", "2"),
        ("MISSING_RETRY_DELAY_MS", "100"),
    ])
    .unwrap();
    assert_eq!(c.missing_retry_delay(0), Some(Duration::from_millis(100)));
    assert_eq!(c.missing_retry_delay(1), Some(Duration::from_millis(200)));
    assert_eq!(c.missing_retry_delay(2), None);
}

#[test]
fn verify_prefixes_default_to_every_key() {
    for vars in [
        vec![],
        vec![("VERIFY_PREFIXES", "")],
        vec![("VERIFY_PREFIXES", "  ")],
    ] {
        let mut vars = vars;
        vars.push(("EXPECTED_KMS_KEY_ARN", KB));
        let c = parse(&vars).unwrap();
        assert!(c.verify_prefixes.is_everything(), "{vars:?}");
        for key in ["", "logs/a", "inventory/manifest.json", "x y"] {
            assert!(c.verify_prefixes.contains(key), "{key:?}");
        }
    }
}

#[test]
fn verify_prefixes_are_trimmed_and_matched_at_the_start_of_the_key() {
    let c = parse(&[
        ("EXPECTED_KMS_KEY_ARN", KB),
        ("VERIFY_PREFIXES", " logs/ ,my reports/,data"),
    ])
    .unwrap();
    let scope = &c.verify_prefixes;
    assert_eq!(scope.prefixes(), ["logs/", "my reports/", "data"]);
    for key in [
        "logs/a",
        "my reports/q1.csv",
        "data",
        "data-2026/x",
        "datax",
    ] {
        assert!(scope.contains(key), "{key}");
    }
    for key in [
        "inventory/d/manifest.json",
        "old/logs/a",
        "Logs/a",
        "my+reports/q1.csv",
        "my%20reports/q1.csv",
        "",
    ] {
        assert!(!scope.contains(key), "{key}");
    }
}

#[test]
fn canary_keys_are_always_in_scope() {
    let scope = KeyScope::parse("logs/").unwrap();
    // the canary under the in-scope rule prefix, and under a rule prefix `logs` without the
    // slash, which puts its folder beside `logs/`, not in it
    assert!(scope.contains(&crate::canary::liveness_key("logs/", "s")));
    assert!(scope.contains("logs.s3-kms-replication-canary/deploy-1"));
    // under another rule's prefix, or a rule without one: still a replica we wrote
    assert!(scope.contains(&crate::canary::liveness_key("other/", "s")));
    assert!(scope.contains(&crate::canary::liveness_key("", "s")));
    // the folder itself, or a look-alike, is not a canary
    assert!(!scope.contains("other/.s3-kms-replication-canary/"));
    assert!(!scope.contains("other/.s3-kms-replication-canary-x/liveness"));
}

#[test]
fn malformed_verify_prefixes_say_why() {
    for bad in [",", "logs/,", ",logs/", "a, ,b"] {
        assert!(KeyScope::parse(bad).is_err(), "{bad:?}");
    }
    let long = "k".repeat(1025);
    assert!(KeyScope::parse(&long).unwrap_err().contains("1025 bytes"));
    assert!(KeyScope::parse(&"k".repeat(1024)).is_ok());
}

/// [`SETTINGS`] says what `from_lookup` does: the required one is refused when unset, and
/// each default set explicitly gives what leaving it unset gives.
#[test]
fn the_settings_table_says_what_from_lookup_does() {
    let minimal = parse(&[("EXPECTED_KMS_KEY_ARN", KB)]).unwrap();
    for s in SETTINGS {
        if s.required {
            assert!(parse(&[]).is_err(), "{}", s.name);
            continue;
        }
        if let Some(default) = s.default {
            let explicit = parse(&[("EXPECTED_KMS_KEY_ARN", KB), (s.name, default)]).unwrap();
            assert_eq!(
                explicit, minimal,
                "{}: the table's default {default}",
                s.name
            );
        }
        let other = parse(&[("EXPECTED_KMS_KEY_ARN", KB), (s.name, "2")]);
        assert_ne!(
            other.ok().as_ref(),
            Some(&minimal),
            "{} is not read",
            s.name
        );
    }
}
