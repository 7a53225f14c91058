"""KMS operations the project calls, as AWS answered them: CreateKey, DescribeKey (by id, ARN,
alias ARN; missing, malformed and other-region keys) and CreateAlias.

Recorded in LocalStack's AWS-validated ``TestKMS`` (tests/aws/services/kms/test_kms.py). Each
recorded test is replayed once per run as a scenario; each recorded response is one case. The
answer goes through the snapshot's transformers before comparison: ``arn:aws:`` becomes
``arn:<partition>:``, the region ``<region>`` (the test's second region ``<secondary-region>``)
and the ids and ARNs of the keys the scenario made the recording's names (``<key-id:1>``,
``<key-arn>``, ``<mrk-key-arn>``). ``RECORDED`` is the recordings' ``recorded-content`` with
``HTTPHeaders`` dropped and ``datetime`` written ``<datetime>``.

No recording of LocalStack's covers GetKeyPolicy, PutKeyPolicy (its policy test asserts but
records nothing), DisableKey or ScheduleKeyDeletion answers; their effect on S3 is judged in
``s3_objects`` (``sse_kms_key_state``) and the deleted-principal behaviour in
``tests/local-aws/test_deleted_principals.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from framework import Case, Recording, World, answer

SNAPSHOT = "tests/aws/services/kms/test_kms.snapshot.json"
TEST_FILE = "tests/aws/services/kms/test_kms.py"

Answers = dict[str, Any]
Subs = list[tuple[str, str]]

RECORDED: dict[str, dict[str, Any]] = {'kms': {'TestKMS::test_create_key': {'recorded': '10-11-2025',
                                      'responses': {'describe-key': {'AWSAccountId': '111111111111',
                                                                     'Arn': 'arn:<partition>:kms:<region>:111111111111:key/<key-id:1>',
                                                                     'CreationDate': '<datetime>',
                                                                     'CurrentKeyMaterialId': '<current-key-material-id:1>',
                                                                     'CustomerMasterKeySpec': 'SYMMETRIC_DEFAULT',
                                                                     'Description': 'test key 123',
                                                                     'Enabled': True,
                                                                     'EncryptionAlgorithms': ['SYMMETRIC_DEFAULT'],
                                                                     'KeyId': '<key-id:1>',
                                                                     'KeyManager': 'CUSTOMER',
                                                                     'KeySpec': 'SYMMETRIC_DEFAULT',
                                                                     'KeyState': 'Enabled',
                                                                     'KeyUsage': 'ENCRYPT_DECRYPT',
                                                                     'MultiRegion': False,
                                                                     'Origin': 'AWS_KMS'}}},
         'TestKMS::test_non_multi_region_keys_should_not_have_multi_region_properties': {'recorded': '10-11-2025',
                                                                                         'responses': {'non_multi_region_keys_should_not_have_multi_region_properties': {'AWSAccountId': '111111111111',
                                                                                                                                                                         'Arn': 'arn:<partition>:kms:<region>:111111111111:key/<key-id:1>',
                                                                                                                                                                         'CreationDate': '<datetime>',
                                                                                                                                                                         'CurrentKeyMaterialId': '<current-key-material-id:1>',
                                                                                                                                                                         'CustomerMasterKeySpec': 'SYMMETRIC_DEFAULT',
                                                                                                                                                                         'Description': 'test '
                                                                                                                                                                                        'non '
                                                                                                                                                                                        'multi '
                                                                                                                                                                                        'region '
                                                                                                                                                                                        'key',
                                                                                                                                                                         'Enabled': True,
                                                                                                                                                                         'EncryptionAlgorithms': ['SYMMETRIC_DEFAULT'],
                                                                                                                                                                         'KeyId': '<key-id:1>',
                                                                                                                                                                         'KeyManager': 'CUSTOMER',
                                                                                                                                                                         'KeySpec': 'SYMMETRIC_DEFAULT',
                                                                                                                                                                         'KeyState': 'Enabled',
                                                                                                                                                                         'KeyUsage': 'ENCRYPT_DECRYPT',
                                                                                                                                                                         'MultiRegion': False,
                                                                                                                                                                         'Origin': 'AWS_KMS'}}},
         'TestKMS::test_describe_with_alias_arn': {'recorded': '05-08-2025',
                                                   'responses': {'created-key': {'AWSAccountId': '111111111111',
                                                                                 'Arn': 'arn:<partition>:kms:<region>:111111111111:key/<key-id:1>',
                                                                                 'CreationDate': '<datetime>',
                                                                                 'CurrentKeyMaterialId': '<current-key-material-id:1>',
                                                                                 'CustomerMasterKeySpec': 'SYMMETRIC_DEFAULT',
                                                                                 'Description': 'test - '
                                                                                                'description',
                                                                                 'Enabled': True,
                                                                                 'EncryptionAlgorithms': ['SYMMETRIC_DEFAULT'],
                                                                                 'KeyId': '<key-id:1>',
                                                                                 'KeyManager': 'CUSTOMER',
                                                                                 'KeySpec': 'SYMMETRIC_DEFAULT',
                                                                                 'KeyState': 'Enabled',
                                                                                 'KeyUsage': 'ENCRYPT_DECRYPT',
                                                                                 'MultiRegion': False,
                                                                                 'Origin': 'AWS_KMS'},
                                                                 'describe-key': {'KeyMetadata': {'AWSAccountId': '111111111111',
                                                                                                  'Arn': 'arn:<partition>:kms:<region>:111111111111:key/<key-id:1>',
                                                                                                  'CreationDate': '<datetime>',
                                                                                                  'CurrentKeyMaterialId': '<current-key-material-id:1>',
                                                                                                  'CustomerMasterKeySpec': 'SYMMETRIC_DEFAULT',
                                                                                                  'Description': 'test '
                                                                                                                 '- '
                                                                                                                 'description',
                                                                                                  'Enabled': True,
                                                                                                  'EncryptionAlgorithms': ['SYMMETRIC_DEFAULT'],
                                                                                                  'KeyId': '<key-id:1>',
                                                                                                  'KeyManager': 'CUSTOMER',
                                                                                                  'KeySpec': 'SYMMETRIC_DEFAULT',
                                                                                                  'KeyState': 'Enabled',
                                                                                                  'KeyUsage': 'ENCRYPT_DECRYPT',
                                                                                                  'MultiRegion': False,
                                                                                                  'Origin': 'AWS_KMS'},
                                                                                  'ResponseMetadata': {'HTTPStatusCode': 200}}}},
         'TestKMS::test_get_key_in_different_region': {'recorded': '10-11-2025',
                                                       'responses': {'describe-key-diff-region-with-id': {'Error': {'Code': 'NotFoundException',
                                                                                                                    'Message': 'Key '
                                                                                                                               "'arn:<partition>:kms:<region>:111111111111:key/<key-id:1>' "
                                                                                                                               'does '
                                                                                                                               'not '
                                                                                                                               'exist'},
                                                                                                          'message': 'Key '
                                                                                                                     "'arn:<partition>:kms:<region>:111111111111:key/<key-id:1>' "
                                                                                                                     'does '
                                                                                                                     'not '
                                                                                                                     'exist',
                                                                                                          'ResponseMetadata': {'HTTPStatusCode': 400}},
                                                                     'describe-key-diff-region-with-arn': {'Error': {'Code': 'NotFoundException',
                                                                                                                     'Message': 'Invalid '
                                                                                                                                'arn '
                                                                                                                                '<secondary-region>'},
                                                                                                           'message': 'Invalid '
                                                                                                                      'arn '
                                                                                                                      '<secondary-region>',
                                                                                                           'ResponseMetadata': {'HTTPStatusCode': 400}},
                                                                     'describe-key-same-specific-region-with-id': {'KeyMetadata': {'AWSAccountId': '111111111111',
                                                                                                                                   'Arn': 'arn:<partition>:kms:<secondary-region>:111111111111:key/<key-id:1>',
                                                                                                                                   'CreationDate': '<datetime>',
                                                                                                                                   'CurrentKeyMaterialId': '<current-key-material-id:1>',
                                                                                                                                   'CustomerMasterKeySpec': 'SYMMETRIC_DEFAULT',
                                                                                                                                   'Description': 'test '
                                                                                                                                                  'key '
                                                                                                                                                  '123',
                                                                                                                                   'Enabled': True,
                                                                                                                                   'EncryptionAlgorithms': ['SYMMETRIC_DEFAULT'],
                                                                                                                                   'KeyId': '<key-id:1>',
                                                                                                                                   'KeyManager': 'CUSTOMER',
                                                                                                                                   'KeySpec': 'SYMMETRIC_DEFAULT',
                                                                                                                                   'KeyState': 'Enabled',
                                                                                                                                   'KeyUsage': 'ENCRYPT_DECRYPT',
                                                                                                                                   'MultiRegion': False,
                                                                                                                                   'Origin': 'AWS_KMS'},
                                                                                                                   'ResponseMetadata': {'HTTPStatusCode': 200}},
                                                                     'describe-key-same-specific-region-with-arn': {'KeyMetadata': {'AWSAccountId': '111111111111',
                                                                                                                                    'Arn': 'arn:<partition>:kms:<secondary-region>:111111111111:key/<key-id:1>',
                                                                                                                                    'CreationDate': '<datetime>',
                                                                                                                                    'CurrentKeyMaterialId': '<current-key-material-id:1>',
                                                                                                                                    'CustomerMasterKeySpec': 'SYMMETRIC_DEFAULT',
                                                                                                                                    'Description': 'test '
                                                                                                                                                   'key '
                                                                                                                                                   '123',
                                                                                                                                    'Enabled': True,
                                                                                                                                    'EncryptionAlgorithms': ['SYMMETRIC_DEFAULT'],
                                                                                                                                    'KeyId': '<key-id:1>',
                                                                                                                                    'KeyManager': 'CUSTOMER',
                                                                                                                                    'KeySpec': 'SYMMETRIC_DEFAULT',
                                                                                                                                    'KeyState': 'Enabled',
                                                                                                                                    'KeyUsage': 'ENCRYPT_DECRYPT',
                                                                                                                                    'MultiRegion': False,
                                                                                                                                    'Origin': 'AWS_KMS'},
                                                                                                                    'ResponseMetadata': {'HTTPStatusCode': 200}}}},
         'TestKMS::test_get_key_does_not_exist': {'recorded': '08-09-2025',
                                                  'responses': {'describe-nonexistent-key-with-id': {'Error': {'Code': 'NotFoundException',
                                                                                                               'Message': 'Key '
                                                                                                                          "'<key-arn>' "
                                                                                                                          'does '
                                                                                                                          'not '
                                                                                                                          'exist'},
                                                                                                     'message': 'Key '
                                                                                                                "'<key-arn>' "
                                                                                                                'does '
                                                                                                                'not '
                                                                                                                'exist',
                                                                                                     'ResponseMetadata': {'HTTPStatusCode': 400}},
                                                                'describe-nonexistent-with-arn': {'Error': {'Code': 'NotFoundException',
                                                                                                            'Message': 'Key '
                                                                                                                       "'<key-arn>' "
                                                                                                                       'does '
                                                                                                                       'not '
                                                                                                                       'exist'},
                                                                                                  'message': 'Key '
                                                                                                             "'<key-arn>' "
                                                                                                             'does '
                                                                                                             'not '
                                                                                                             'exist',
                                                                                                  'ResponseMetadata': {'HTTPStatusCode': 400}},
                                                                'describe-key-with-valid-id-mrk': {'Error': {'Code': 'NotFoundException',
                                                                                                             'Message': 'Key '
                                                                                                                        "'<mrk-key-arn>' "
                                                                                                                        'does '
                                                                                                                        'not '
                                                                                                                        'exist'},
                                                                                                   'message': 'Key '
                                                                                                              "'<mrk-key-arn>' "
                                                                                                              'does '
                                                                                                              'not '
                                                                                                              'exist',
                                                                                                   'ResponseMetadata': {'HTTPStatusCode': 400}}}},
         'TestKMS::test_get_key_invalid_uuid': {'recorded': '07-11-2023',
                                                'responses': {'describe-key-with-invalid-uuid': {'Error': {'Code': 'NotFoundException',
                                                                                                           'Message': 'Invalid '
                                                                                                                      'keyId '
                                                                                                                      "'fake-key-id'"},
                                                                                                 'message': 'Invalid '
                                                                                                            'keyId '
                                                                                                            "'fake-key-id'",
                                                                                                 'ResponseMetadata': {'HTTPStatusCode': 400}},
                                                              'describe-key-with-invalid-uuid-2': {'Error': {'Code': 'NotFoundException',
                                                                                                             'Message': 'Invalid '
                                                                                                                        'keyId '
                                                                                                                        "'134f2428cec14b25a1ae9048164dba47'"},
                                                                                                   'message': 'Invalid '
                                                                                                              'keyId '
                                                                                                              "'134f2428cec14b25a1ae9048164dba47'",
                                                                                                   'ResponseMetadata': {'HTTPStatusCode': 400}},
                                                              'describe-key-with-invalid-uuid-mrk': {'Error': {'Code': 'NotFoundException',
                                                                                                               'Message': 'Invalid '
                                                                                                                          'keyId '
                                                                                                                          "'mrk-fake-key-id'"},
                                                                                                     'message': 'Invalid '
                                                                                                                'keyId '
                                                                                                                "'mrk-fake-key-id'",
                                                                                                     'ResponseMetadata': {'HTTPStatusCode': 400}}}},
         'TestKMS::test_create_alias': {'recorded': '13-04-2023',
                                        'responses': {'create_alias': {'Error': {'Code': 'ValidationException',
                                                                                 'Message': 'Alias must '
                                                                                            'start with the '
                                                                                            'prefix '
                                                                                            '"alias/". '
                                                                                            'Please see '
                                                                                            'https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html'},
                                                                       'ResponseMetadata': {'HTTPStatusCode': 400}}}}}}


_runs: dict[tuple[int, str], tuple[Answers, Subs]] = {}


def _seen(response: Any, subs: Subs) -> Any:
    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        if isinstance(value, str):
            for old, new in subs:
                value = value.replace(old, new)
        return value

    return walk(response)


def _replayed(scenario: Callable[[World], tuple[Answers, Subs]], key: str) -> Callable[[World], Any]:
    def run(world: World) -> Any:
        slot = (id(world), scenario.__name__)
        if slot not in _runs:
            _runs[slot] = scenario(world)
        answers, subs = _runs[slot]
        return _seen(answers[key], subs)

    return run


def _subs(key_id: str, region: str = "us-east-1") -> Subs:
    return [("arn:aws:", "arn:<partition>:"), (f":{region}:", ":<region>:"), (key_id, "<key-id:1>")]


def create_key(world: World) -> tuple[Answers, Subs]:
    kms = world.client("kms")
    key_id = kms.create_key(Description="test key 123", KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]["KeyId"]
    return {"describe-key": kms.describe_key(KeyId=key_id)["KeyMetadata"]}, _subs(key_id)


def non_multi_region_key(world: World) -> tuple[Answers, Subs]:
    key = world.client("kms").create_key(MultiRegion=False, Description="test non multi region key")
    metadata = key["KeyMetadata"]
    return {"non_multi_region_keys_should_not_have_multi_region_properties": metadata}, _subs(metadata["KeyId"])


def describe_with_alias_arn(world: World) -> tuple[Answers, Subs]:
    kms = world.client("kms")
    created = kms.create_key(Description="test - description")["KeyMetadata"]
    alias = f"alias/{world.name('a')}"
    kms.create_alias(TargetKeyId=created["KeyId"], AliasName=alias)
    alias_arn = next(a["AliasArn"] for a in kms.list_aliases()["Aliases"] if a["AliasName"] == alias)
    return {"created-key": created, "describe-key": answer(lambda: kms.describe_key(KeyId=alias_arn))}, \
        _subs(created["KeyId"])


def key_in_different_region(world: World) -> tuple[Answers, Subs]:
    home, other = world.client("kms"), world.client("kms", region="us-west-2")
    key = other.create_key(Description="test key 123")["KeyMetadata"]
    got = {
        "describe-key-diff-region-with-id": answer(lambda: home.describe_key(KeyId=key["KeyId"])),
        "describe-key-diff-region-with-arn": answer(lambda: home.describe_key(KeyId=key["Arn"])),
        "describe-key-same-specific-region-with-id": answer(lambda: other.describe_key(KeyId=key["KeyId"])),
        "describe-key-same-specific-region-with-arn": answer(lambda: other.describe_key(KeyId=key["Arn"])),
    }
    return got, _subs(key["KeyId"]) + [("us-west-2", "<secondary-region>")]


def key_does_not_exist(world: World) -> tuple[Answers, Subs]:
    kms = world.client("kms")
    key = kms.create_key(Description="test key 123")["KeyMetadata"]
    fake = "134f2428-cec1-4b25-a1ae-9048164dba47"
    fake_arn = key["Arn"].replace(key["KeyId"], fake)
    mrk = "mrk-d3b95762d3b95762d3b95762d3b95762"
    got = {
        "describe-nonexistent-key-with-id": answer(lambda: kms.describe_key(KeyId=fake)),
        "describe-nonexistent-with-arn": answer(lambda: kms.describe_key(KeyId=fake_arn)),
        "describe-key-with-valid-id-mrk": answer(lambda: kms.describe_key(KeyId=mrk)),
    }
    mrk_arn = key["Arn"].replace(key["KeyId"], mrk)
    return got, [(fake_arn, "<key-arn>"), (mrk_arn, "<mrk-key-arn>")]


def key_invalid_uuid(world: World) -> tuple[Answers, Subs]:
    kms = world.client("kms")
    return {
        "describe-key-with-invalid-uuid": answer(lambda: kms.describe_key(KeyId="fake-key-id")),
        "describe-key-with-invalid-uuid-2": answer(
            lambda: kms.describe_key(KeyId="134f2428cec14b25a1ae9048164dba47")),
        "describe-key-with-invalid-uuid-mrk": answer(lambda: kms.describe_key(KeyId="mrk-fake-key-id")),
    }, []


def alias_without_prefix(world: World) -> tuple[Answers, Subs]:
    kms = world.client("kms")
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    return {"create_alias": answer(lambda: kms.create_alias(AliasName=world.name("a"), TargetKeyId=key_id))}, []


SCENARIOS: list[tuple[str, str, str, Callable[[World], tuple[Answers, Subs]]]] = [
    ("TestKMS::test_create_key", "create_key", "DescribeKey", create_key),
    ("TestKMS::test_non_multi_region_keys_should_not_have_multi_region_properties", "create_key_single_region",
     "CreateKey", non_multi_region_key),
    ("TestKMS::test_describe_with_alias_arn", "describe_alias_arn", "DescribeKey", describe_with_alias_arn),
    ("TestKMS::test_get_key_in_different_region", "key_other_region", "DescribeKey", key_in_different_region),
    ("TestKMS::test_get_key_does_not_exist", "key_missing", "DescribeKey", key_does_not_exist),
    ("TestKMS::test_get_key_invalid_uuid", "key_malformed", "DescribeKey", key_invalid_uuid),
    ("TestKMS::test_create_alias", "alias_without_prefix", "CreateAlias", alias_without_prefix),
]

# Cases whose difference cannot matter to this project (see each reason).
EXCEPTIONS: dict[str, str] = {}


def _cases() -> list[Case]:
    found = []
    for test, prefix, operation, scenario in SCENARIOS:
        recorded = RECORDED["kms"][test]
        for key, expect in recorded["responses"].items():
            name = f"kms_{prefix}:{key}"
            if key == "created-key":
                operation_here = "kms:CreateKey"
            else:
                operation_here = f"kms:{operation}"
            found.append(Case(
                name=name,
                operation=operation_here,
                source=Recording(SNAPSHOT, f"{TEST_FILE}::{test}", key, recorded["recorded"]),
                run=_replayed(scenario, key),
                expect=expect,
                exception=EXCEPTIONS.get(name),
            ))
    return found


CASES = _cases()
