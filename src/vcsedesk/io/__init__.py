"""Imports and exports: CSV, xlsx, vCard in; xlsx, PDF, CSV out. No Qt."""
