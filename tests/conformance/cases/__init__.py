"""The conformance cases, one module per area; each module defines ``CASES: list[Case]``."""
