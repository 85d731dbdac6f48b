"""Filing: the post-meeting package for the higher authority, gathered from the store, written as
documents and spreadsheets, and checked (export, package)."""
