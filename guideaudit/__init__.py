"""guideaudit: automated compliance auditing of Chinese government service guides."""

__version__ = "0.1.0"
