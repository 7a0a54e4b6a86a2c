"""Errors every layer may raise; the CLI prints them without a traceback and exits 2."""


class UsageError(Exception):
    """Bad input from the user (a file, a name, an option): the message says what and where."""
