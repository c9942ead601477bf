"""kyso's domain: token, documents, store, sync, workflow and the use cases on top.

Nothing in here imports Textual or click (an import-linter contract checks it), so the
terminal app, the CLI and the tests all reach the same code.
"""
