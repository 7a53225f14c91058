//! Object keys as S3 event notifications spell them.
//!
//! S3 URL-encodes the object key in event notifications the way HTML forms do: a space becomes
//! `+`, and every other byte outside the unreserved set becomes `%XX` (UTF-8 bytes for non-ASCII
//! characters). A literal `+` in the key therefore arrives as `%2B`, and `/` may arrive as
//! `%2F`. Decoding `+` *before* the percent sequences is what keeps the two apart.
//!
//! ```
//! use replication_core::s3_key::decode_event_key;
//! assert_eq!(decode_event_key("reports/q4+summary%2Bfinal%20%C3%BC.csv").unwrap(),
//!            "reports/q4 summary+final ü.csv");
//! ```

/// The key is not valid URL-encoded UTF-8.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyDecodeError {
    /// A `%` is not followed by two hex digits.
    #[error("object key {key:?} has a malformed percent escape at byte {at}")]
    BadEscape {
        /// The key as received.
        key: String,
        /// Byte offset of the `%`.
        at: usize,
    },
    /// The decoded bytes are not UTF-8.
    #[error("object key {key:?} does not decode to UTF-8")]
    NotUtf8 {
        /// The key as received.
        key: String,
    },
}

/// Decode an object key from an S3 event notification (`+` is a space, `%XX` a UTF-8 byte).
///
/// # Errors
/// [`KeyDecodeError`] for a malformed escape or bytes that are not UTF-8.
pub fn decode_event_key(encoded: &str) -> Result<String, KeyDecodeError> {
    decode(encoded)
}

/// Decode `s3Key` from an S3 Batch Operations task, as an event key: `+` is a space.
///
/// The S3 User Guide's "Invoke AWS Lambda function" example decodes `s3Key` with Python's
/// `urllib.parse.unquote_plus`, and Powertools for AWS Lambda's S3 Batch Operations event does
/// too: its test records that a manifest key `object%20key%20with%20spaces.csv` reaches the
/// function as `object+key+with+spaces.csv`. A key read wrongly cannot pass as verified: its
/// HEAD finds nothing and the task reports `Missing`.
///
/// ```
/// use replication_core::s3_key::decode_batch_key;
/// assert_eq!(decode_batch_key("object+key+with+spaces.csv").unwrap(), "object key with spaces.csv");
/// assert_eq!(decode_batch_key("a%2Bb").unwrap(), "a+b");
/// ```
///
/// # Errors
/// [`KeyDecodeError`] for a malformed escape or bytes that are not UTF-8.
pub fn decode_batch_key(encoded: &str) -> Result<String, KeyDecodeError> {
    decode_event_key(encoded)
}

fn decode(encoded: &str) -> Result<String, KeyDecodeError> {
    let bytes = encoded.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' => {
                let hex = bytes.get(i + 1..i + 3).and_then(|h| {
                    let h = std::str::from_utf8(h).ok()?;
                    u8::from_str_radix(h, 16).ok()
                });
                let Some(byte) = hex else {
                    return Err(KeyDecodeError::BadEscape {
                        key: encoded.to_owned(),
                        at: i,
                    });
                };
                out.push(byte);
                i += 3;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| KeyDecodeError::NotUtf8 {
        key: encoded.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plus_is_a_space() {
        assert_eq!(decode_event_key("a+b+c").unwrap(), "a b c");
    }

    #[test]
    fn encoded_plus_is_a_plus_sign() {
        assert_eq!(decode_event_key("a%2Bb").unwrap(), "a+b");
        assert_eq!(decode_event_key("1%2B1%3D2").unwrap(), "1+1=2");
    }

    #[test]
    fn percent_sign_itself_round_trips() {
        assert_eq!(decode_event_key("100%25+done").unwrap(), "100% done");
    }

    #[test]
    fn unicode_is_decoded_from_utf8_bytes() {
        assert_eq!(
            decode_event_key("caf%C3%A9/%E6%97%A5%E6%9C%AC").unwrap(),
            "café/日本"
        );
        assert_eq!(decode_event_key("emoji%F0%9F%98%80").unwrap(), "emoji😀");
    }

    #[test]
    fn encoded_slash_is_a_slash() {
        assert_eq!(
            decode_event_key("dir%2Fsub%2Ffile").unwrap(),
            "dir/sub/file"
        );
    }

    #[test]
    fn lowercase_hex_is_accepted_and_plain_keys_are_unchanged() {
        assert_eq!(decode_event_key("a%2fb").unwrap(), "a/b");
        assert_eq!(decode_event_key("plain/key.txt").unwrap(), "plain/key.txt");
    }

    #[test]
    fn malformed_escape_is_an_error_naming_the_position() {
        assert_eq!(
            decode_event_key("bad%2").unwrap_err(),
            KeyDecodeError::BadEscape {
                key: "bad%2".into(),
                at: 3
            }
        );
        assert!(decode_event_key("bad%zz").is_err());
    }

    #[test]
    fn invalid_utf8_is_an_error() {
        assert!(matches!(
            decode_event_key("%C3%28"),
            Err(KeyDecodeError::NotUtf8 { .. })
        ));
    }
}
