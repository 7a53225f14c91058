//! `PolicyWrites`: whether a resource merges its statements into the key and bucket policies
//! itself, or leaves those documents to the organisation's own pipeline and only says what
//! they must hold.

use std::fmt;

use super::Reader;

/// Who writes our statements into KA's and KB's key policies and D's bucket policy.
///
/// Many organisations keep key and bucket policies in a central pipeline that reverts foreign
/// edits. With [`PolicyWrites::Report`] a resource makes no `PutKeyPolicy`, `PutBucketPolicy`
/// or `DeleteBucketPolicy` call, on Create, Update or Delete: it returns the exact statements
/// it would have merged ([`crate::plan::pair_policy_statements`]) for that pipeline to apply,
/// and its deploy-time check verifies that they are there. Everything else (versioning, the
/// replication role, the rule, D's notification) it still does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PolicyWrites {
    /// Merge our statements into the documents and remove them on Delete (the default).
    #[default]
    Apply,
    /// Write nothing to any key or bucket policy; report the statements instead.
    Report,
}

impl PolicyWrites {
    /// The accepted values, as a template parameter's `AllowedValues` lists them.
    pub const VALUES: [&'static str; 2] = ["Apply", "Report"];

    /// The property's value.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            PolicyWrites::Apply => "Apply",
            PolicyWrites::Report => "Report",
        }
    }

    /// Whether the resource writes key and bucket policies.
    #[must_use]
    pub const fn applies(self) -> bool {
        matches!(self, PolicyWrites::Apply)
    }

    /// Parse a value (case-insensitive); `None` for anything else.
    #[must_use]
    pub fn parse(value: &str) -> Option<Self> {
        if value.eq_ignore_ascii_case("Apply") {
            Some(PolicyWrites::Apply)
        } else if value.eq_ignore_ascii_case("Report") {
            Some(PolicyWrites::Report)
        } else {
            None
        }
    }
}

impl fmt::Display for PolicyWrites {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Read `PolicyWrites` from a property map: absent or `""` (an unset template parameter) is
/// [`PolicyWrites::Apply`].
pub(super) fn read_policy_writes(r: &mut Reader<'_>) -> PolicyWrites {
    match r.string("PolicyWrites", false) {
        None | Some("") => PolicyWrites::Apply,
        Some(value) => PolicyWrites::parse(value).unwrap_or_else(|| {
            r.issue(
                "PolicyWrites",
                &format!("{value:?} is not a mode"),
                "use Apply (merge our statements into the key and bucket policies) or Report \
                 (write no policy; return the statements for your own pipeline to apply)",
            );
            PolicyWrites::Apply
        }),
    }
}
