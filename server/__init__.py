"""The reference e-office server (FastAPI + SQLite): the "real" server kyso syncs with.

``kyso.server.app.create_app(data_dir, seed_demo=...)`` builds the ASGI app;
``kyso.server.runner.ServerThread`` runs it in-process; ``kyso server`` runs it with
uvicorn. The API contract is ``docs/api.md``; the workflow rules are
``kyso.core.workflow``.

Modules, one job each: ``db`` (schema, queries), ``auth`` (passwords, tokens),
``access`` (who sees what), ``writes`` (transactions, Idempotency-Key, If-Match),
``transitions``, ``blobs`` (content-addressed files), ``uploads`` (size limit, names),
``signed`` (checks on signed uploads), ``routes_*`` (HTTP), ``seed`` + ``demo_content`` +
``demo_docs`` (the demo organization and its Decree 30 PDFs).
"""
