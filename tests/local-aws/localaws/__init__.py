"""Our extension layer over an unmodified moto server.

Each module closes one documented gap between moto 5.2.x and AWS (see README.md in the parent
folder). ``install_all()`` applies the in-process patches; ``wrap_app()`` adds the WSGI
middleware. Both are called by ``launcher.py`` before the server accepts its first request.
"""

from __future__ import annotations

from typing import Any, Callable

ACCOUNT_A = "111111111111"
ACCOUNT_B = "222222222222"


def install_all() -> None:
    """Apply every in-process patch to moto (idempotent)."""
    from . import (
        deleted_principals,
        iam_fidelity,
        iam_quotas,
        kms_default_policy,
        kms_fidelity,
        replication,
        s3_access,
        s3control_jobs,
        s3_bucket_rules,
        s3_fidelity,
        s3_object_reads,
        s3_regions,
        s3_notification_overlap,
        s3_notification_targets,
        sqs_fidelity,
    )

    deleted_principals.install()
    iam_fidelity.install()
    iam_quotas.install()
    kms_default_policy.install()
    kms_fidelity.install()
    s3_fidelity.install()
    s3_object_reads.install()
    s3_access.install()
    s3_bucket_rules.install()
    s3_regions.install()  # after s3_bucket_rules: the region is checked first
    s3_notification_overlap.install()
    s3_notification_targets.install()
    sqs_fidelity.install()
    replication.install()
    s3control_jobs.install()


def wrap_app(app: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap moto's WSGI app with our protocol bridges and admin paths."""
    from . import cloudwatch_cbor, s3control_jobs

    return s3control_jobs.wrap(cloudwatch_cbor.wrap(app))
