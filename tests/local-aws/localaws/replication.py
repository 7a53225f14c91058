"""Placeholder: filled in by the emulator work."""


def install() -> None:
    pass
