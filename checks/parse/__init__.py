"""Parsers for what portals publish. None of them raises on any string (pinned by hypothesis)."""
