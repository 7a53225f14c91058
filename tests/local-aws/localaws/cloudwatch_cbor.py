"""Placeholder: filled in by the emulator work."""


def wrap(app):
    return app
