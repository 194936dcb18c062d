"""Conformance resources (JSON) the offline validator reads: see README.md in this folder."""
