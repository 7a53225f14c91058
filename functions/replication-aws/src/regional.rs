//! The same clients in another region, for the setup function and the doctor alike.
//!
//! S3 and KMS are regional: the Rust SDK does not follow S3's 301 redirect to a bucket's region,
//! and a KMS key is found only through its own region's endpoint (another region answers
//! `NotFoundException`). So every call addresses the region of the bucket or key it acts on.
//! Rebuilding a client from its configuration does no I/O, and keeps its connection pool,
//! credentials and interceptors.

use aws_sdk_s3::config::Region;

/// `client`, addressing `region`.
#[must_use]
pub fn s3(client: &aws_sdk_s3::Client, region: &str) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(
        client
            .config()
            .to_builder()
            .region(Region::new(region.to_owned()))
            .build(),
    )
}

/// `client`, addressing `region` (itself when it already does).
#[must_use]
pub fn kms(client: &aws_sdk_kms::Client, region: &str) -> aws_sdk_kms::Client {
    if client
        .config()
        .region()
        .is_some_and(|r| r.as_ref() == region)
    {
        return client.clone();
    }
    aws_sdk_kms::Client::from_conf(
        client
            .config()
            .to_builder()
            .region(Region::new(region.to_owned()))
            .build(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clients_are_rebuilt_for_another_region_and_kept_for_their_own() {
        let config = aws_sdk_kms::Config::builder()
            .behavior_version(aws_sdk_kms::config::BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .build();
        let kms_client = aws_sdk_kms::Client::from_conf(config);
        let moved = kms(&kms_client, "eu-west-1");
        assert_eq!(
            moved.config().region().map(AsRef::as_ref),
            Some("eu-west-1")
        );
        let kept = kms(&kms_client, "us-east-1");
        assert_eq!(kept.config().region().map(AsRef::as_ref), Some("us-east-1"));
        let s3_client = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::Config::builder()
                .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
                .region(Region::new("us-east-1"))
                .build(),
        );
        let moved = s3(&s3_client, "ap-southeast-2");
        assert_eq!(
            moved.config().region().map(AsRef::as_ref),
            Some("ap-southeast-2")
        );
    }
}
