//! Unit tests of `arn`.

use super::*;

const KEY: &str = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

#[test]
fn account_id_must_be_twelve_digits() {
    assert!(AccountId::parse("111122223333").is_ok());
    assert!(AccountId::parse("000000000001").is_ok());
    for bad in [
        "",
        "11112222333",
        "1111222233334",
        "1111-2222-333",
        "11112222333a",
    ] {
        let err = AccountId::parse(bad).unwrap_err();
        assert!(err.fix.contains("12-digit"), "{err}");
    }
}

#[test]
fn bucket_accepts_name_or_bucket_arn() {
    assert_eq!(
        BucketName::parse("my.bucket-1").unwrap().as_str(),
        "my.bucket-1"
    );
    assert_eq!(
        BucketName::parse("arn:aws:s3:::my-bucket")
            .unwrap()
            .as_str(),
        "my-bucket"
    );
    assert_eq!(
        BucketName::parse("arn:aws-cn:s3:::my-bucket")
            .unwrap()
            .as_str(),
        "my-bucket"
    );
}

#[test]
fn bucket_refuses_bad_names_and_object_arns() {
    for bad in [
        "ab",
        "My-Bucket",
        "-bucket",
        "bucket-",
        "a..b",
        "192.168.1.1",
        "bucket_name",
        &"a".repeat(64),
        "arn:aws:s3:::bucket/key",
        "arn:aws:s3:eu-west-1:111122223333:bucket",
        "arn:aws:sqs:::bucket",
    ] {
        assert!(BucketName::parse(bad).is_err(), "{bad} should be refused");
    }
}

#[test]
fn bucket_arns_are_built_for_the_partition() {
    let b = BucketName::parse("dest").unwrap();
    assert_eq!(b.arn(&Partition::aws()), "arn:aws:s3:::dest");
    assert_eq!(b.objects_arn(&Partition::aws()), "arn:aws:s3:::dest/*");
}

#[test]
fn key_arn_round_trips_and_exposes_its_parts() {
    let k = KmsKeyArn::parse(KEY).unwrap();
    assert_eq!(k.to_string(), KEY);
    assert_eq!(k.region().as_str(), "eu-west-1");
    assert_eq!(k.account().as_str(), "111122223333");
    let mrk = "arn:aws:kms:us-east-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab";
    assert_eq!(KmsKeyArn::parse(mrk).unwrap().to_string(), mrk);
}

#[test]
fn key_references_are_classified() {
    assert!(matches!(
        KmsKeyRef::parse(KEY).unwrap(),
        KmsKeyRef::KeyArn(_)
    ));
    assert!(matches!(
        KmsKeyRef::parse("1234abcd-12ab-34cd-56ef-1234567890ab").unwrap(),
        KmsKeyRef::KeyId(_)
    ));
    assert!(matches!(
        KmsKeyRef::parse("alias/replication").unwrap(),
        KmsKeyRef::AliasName(_)
    ));
    let alias_arn =
        KmsKeyRef::parse("arn:aws:kms:eu-west-1:111122223333:alias/replication").unwrap();
    assert!(matches!(alias_arn, KmsKeyRef::AliasArn { .. }));
    assert!(alias_arn.needs_resolution());
    assert!(!KmsKeyRef::parse(KEY).unwrap().needs_resolution());
    // The region a reference names, for the KMS endpoint to send it to.
    assert_eq!(alias_arn.region().map(Region::as_str), Some("eu-west-1"));
    assert!(
        KmsKeyRef::parse("alias/replication")
            .unwrap()
            .region()
            .is_none()
    );
}

#[test]
fn aws_managed_alias_is_recognised() {
    assert!(
        KmsKeyRef::parse("alias/aws/s3")
            .unwrap()
            .is_aws_managed_alias()
    );
    assert!(
        KmsKeyRef::parse("arn:aws:kms:eu-west-1:111122223333:alias/aws/s3")
            .unwrap()
            .is_aws_managed_alias()
    );
    assert!(
        !KmsKeyRef::parse("alias/awsome")
            .unwrap()
            .is_aws_managed_alias()
    );
}

#[test]
fn key_arn_parse_refuses_aliases_with_a_fix() {
    let err = KmsKeyArn::parse("alias/replication").unwrap_err();
    assert!(err.problem.contains("key ARN is required"));
    assert!(err.fix.contains("arn:aws:kms:"));
    for bad in [
        "arn:aws:kms:eu-west-1:111122223333:key/not-a-uuid",
        "arn:aws:kms:eu-west-1:1111:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "arn:aws:s3:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "key/1234abcd-12ab-34cd-56ef-1234567890ab",
    ] {
        assert!(KmsKeyRef::parse(bad).is_err(), "{bad} should be refused");
    }
}

#[test]
fn role_arn_with_path_is_parsed() {
    let r = RoleArn::parse("arn:aws:iam::111122223333:role/service-role/replicator").unwrap();
    assert_eq!(r.name(), "replicator");
    assert_eq!(r.path(), "/service-role/");
    assert_eq!(
        r.to_string(),
        "arn:aws:iam::111122223333:role/service-role/replicator"
    );
    let plain = RoleArn::parse("arn:aws:iam::111122223333:role/replicator").unwrap();
    assert_eq!(plain.path(), "/");
}

#[test]
fn role_arn_refuses_users_and_sessions() {
    for bad in [
        "arn:aws:iam::111122223333:user/alice",
        "arn:aws:sts::111122223333:assumed-role/replicator/session",
        "arn:aws:iam::111122223333:role/",
        "arn:aws:iam:eu-west-1:111122223333:role/replicator",
        "replicator",
    ] {
        assert!(RoleArn::parse(bad).is_err(), "{bad} should be refused");
    }
}

#[test]
fn default_role_name_is_stable_and_fits_iam_limit() {
    let short = BucketName::parse("photos").unwrap();
    assert_eq!(default_role_name(&short), "s3-kms-replication-photos");

    let long_a = BucketName::parse(&format!("{}-a", "x".repeat(60))).unwrap();
    let long_b = BucketName::parse(&format!("{}-b", "x".repeat(60))).unwrap();
    let a = default_role_name(&long_a);
    let b = default_role_name(&long_b);
    assert!(a.len() <= ROLE_NAME_MAX, "{a}");
    assert!(validate_role_name(&a).is_ok());
    assert_ne!(a, b, "long names sharing a prefix must not collide");
    assert_eq!(a, default_role_name(&long_a), "derivation is deterministic");
}

#[test]
fn default_role_arn_matches_on_both_sides() {
    let arn = default_role_arn(
        &Partition::aws(),
        &AccountId::parse("111122223333").unwrap(),
        &BucketName::parse("photos").unwrap(),
    );
    assert_eq!(
        arn.to_string(),
        "arn:aws:iam::111122223333:role/s3-kms-replication-photos"
    );
}

#[test]
fn fnv_hash_is_the_reference_value() {
    // Reference values of 32-bit FNV-1a.
    assert_eq!(fnv1a32(b""), 0x811c_9dc5);
    assert_eq!(fnv1a32(b"a"), 0xe40c_292c);
}

#[test]
fn queue_arn_is_parsed_and_urls_are_refused() {
    let q = SqsQueueArn::parse("arn:aws:sqs:eu-west-1:111122223333:replica-events").unwrap();
    assert_eq!(q.region().as_str(), "eu-west-1");
    assert!(SqsQueueArn::parse("https://sqs.eu-west-1.amazonaws.com/111122223333/q").is_err());
}

#[test]
fn regions_and_partitions_are_validated() {
    for ok in ["eu-west-1", "us-gov-west-1", "ap-southeast-3", "cn-north-1"] {
        assert!(Region::parse(ok).is_ok(), "{ok}");
    }
    for bad in ["", "eu-west", "EU-WEST-1", "euwest1"] {
        assert!(Region::parse(bad).is_err(), "{bad}");
    }
    assert!(Partition::parse("aws-us-gov").is_ok());
    assert!(Partition::parse("azure").is_err());
    assert_eq!(
        Partition::parse("aws-cn").unwrap().dns_suffix(),
        "amazonaws.com.cn"
    );
}
