//! The statements of steps 3, 4 and 5, by the document each belongs in: what a resource merges
//! itself (`PolicyWrites: Apply`), or returns for the documents' owner to apply (`Report`,
//! [`crate::properties::PolicyWrites`]). One list serves the setup function's steps, its
//! `Data`, its checks and the doctor CLI's `statements` command.

use serde::Serialize;
use serde_json::Value;

use super::{
    destination_bucket_policy_statements, destination_key_policy_statements,
    source_key_policy_statements,
};
use crate::properties::{DestinationSpec, SourceSpec};

/// A resource policy this project merges statements into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum PolicyDocument {
    /// KA's key policy, in A (step 3).
    SourceKeyPolicy,
    /// KB's key policy, in B (step 4).
    DestinationKeyPolicy,
    /// D's bucket policy, in B (step 5).
    DestinationBucketPolicy,
}

impl PolicyDocument {
    /// Every document, in step order.
    pub const ALL: [PolicyDocument; 3] = [
        PolicyDocument::SourceKeyPolicy,
        PolicyDocument::DestinationKeyPolicy,
        PolicyDocument::DestinationBucketPolicy,
    ];

    /// The step of the README's table that writes it.
    #[must_use]
    pub const fn step(self) -> u8 {
        match self {
            PolicyDocument::SourceKeyPolicy => 3,
            PolicyDocument::DestinationKeyPolicy => 4,
            PolicyDocument::DestinationBucketPolicy => 5,
        }
    }

    /// The `Data` attribute (and JSON field) that carries its statements, such as
    /// `DestinationKeyPolicyStatements`.
    #[must_use]
    pub const fn data_name(self) -> &'static str {
        match self {
            PolicyDocument::SourceKeyPolicy => "SourceKeyPolicyStatements",
            PolicyDocument::DestinationKeyPolicy => "DestinationKeyPolicyStatements",
            PolicyDocument::DestinationBucketPolicy => "DestinationBucketPolicyStatements",
        }
    }

    /// `A` or `B`: the account that owns the document.
    #[must_use]
    pub const fn account(self) -> char {
        match self {
            PolicyDocument::SourceKeyPolicy => 'A',
            _ => 'B',
        }
    }

    /// The document as the doctor names it, such as `KB's key policy (arn:aws:kms:…)`.
    #[must_use]
    pub fn label(self, target: &str) -> String {
        match self {
            PolicyDocument::SourceKeyPolicy => format!("KA's key policy ({target})"),
            PolicyDocument::DestinationKeyPolicy => format!("KB's key policy ({target})"),
            PolicyDocument::DestinationBucketPolicy => format!("D's bucket policy ({target})"),
        }
    }
}

/// Our statements for one document: exactly what the merge puts there, each with its Sid.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PolicyStatements {
    /// Which document.
    pub document: PolicyDocument,
    /// The key's ARN, or the bucket's name.
    pub target: String,
    /// The statements, in the order they are merged.
    pub statements: Vec<Value>,
}

impl PolicyStatements {
    /// [`PolicyDocument::label`] of this target.
    #[must_use]
    pub fn label(&self) -> String {
        self.document.label(&self.target)
    }

    /// The statements as compact JSON text (a JSON array), as `Data` carries them.
    #[must_use]
    pub fn compact(&self) -> String {
        Value::Array(self.statements.clone()).to_string()
    }
}

/// Step 3: KA's key policy, which `Custom::ReplicationSource` merges.
#[must_use]
pub fn source_policy_statements(spec: &SourceSpec) -> PolicyStatements {
    PolicyStatements {
        document: PolicyDocument::SourceKeyPolicy,
        target: spec.source_key.to_string(),
        statements: source_key_policy_statements(spec),
    }
}

/// Steps 4 and 5: KB's key policy and D's bucket policy, which
/// `Custom::ReplicationDestination` merges (and `Custom::ReplicationSource` in single-stack
/// mode).
#[must_use]
pub fn destination_policy_statements(spec: &DestinationSpec) -> [PolicyStatements; 2] {
    [
        PolicyStatements {
            document: PolicyDocument::DestinationKeyPolicy,
            target: spec.destination_key.to_string(),
            statements: destination_key_policy_statements(spec),
        },
        PolicyStatements {
            document: PolicyDocument::DestinationBucketPolicy,
            target: spec.destination_bucket.to_string(),
            statements: destination_bucket_policy_statements(spec),
        },
    ]
}

/// Steps 3, 4 and 5 for the pair: every statement a replication pair needs in its key and
/// bucket policies, in step order.
#[must_use]
pub fn pair_policy_statements(spec: &SourceSpec) -> Vec<PolicyStatements> {
    source_resource_policy_statements(spec, true)
}

/// What `Custom::ReplicationSource` merges: KA's statement, and in single-stack mode
/// (`single_stack`: `DestinationAccessRoleArn` set) KB's and D's as well.
#[must_use]
pub fn source_resource_policy_statements(
    spec: &SourceSpec,
    single_stack: bool,
) -> Vec<PolicyStatements> {
    let mut all = vec![source_policy_statements(spec)];
    if single_stack {
        all.extend(destination_policy_statements(&spec.destination_spec()));
    }
    all
}
