"""vcsedesk: an offline-first desktop application for small VCSE organisations."""

__version__ = "0.1.0"
APP_NAME = "vcsedesk"
