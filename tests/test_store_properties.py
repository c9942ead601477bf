"""Property test of the cache: whatever mix of my actions, server copies, accepted and
refused pushes arrives, the pending counts match the outbox and the local copy is always
the last server copy with exactly my still-queued actions on top."""

from __future__ import annotations

import sqlite3

from fixtures_store import make_doc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kyso.core.store import Store

DOCS = (1, 2, 3)

OPINION_TEXT = st.text(
    st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=8
).filter(str.strip)
"""What a user can write as an opinion: not blank (the store refuses that), no control codes."""

ops = st.lists(
    st.one_of(
        st.tuples(st.just("opinion"), st.sampled_from(DOCS), OPINION_TEXT),
        st.tuples(st.just("mark"), st.sampled_from(DOCS), st.booleans()),
        st.tuples(st.just("server"), st.sampled_from(DOCS), st.integers(2, 50)),
        st.tuples(st.just("accept"), st.just(0), st.integers(2, 50)),
        st.tuples(st.just("refuse"), st.just(0), st.booleans()),
    ),
    max_size=25,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops)
def test_cache_invariants(tmp_path, steps):
    path = tmp_path / f"p{abs(hash(tuple(map(str, steps))))}.sqlite"
    with Store(path, "ldso") as store:
        server = {d: make_doc(d) for d in DOCS}
        store.apply_page(list(server.values()), "1")
        for kind, doc_id, arg in steps:
            if kind == "opinion":
                store.add_opinion(doc_id, arg)
            elif kind == "mark":
                store.set_mark(doc_id, arg)
            elif kind == "server":
                server[doc_id] = make_doc(doc_id, version=arg, trich_yeu=f"v{arg}")
                store.put_document(server[doc_id])
            elif kind == "accept" and store.outbox_size():
                (item,) = store.outbox(limit=1)
                copy = dict(server[item.document_id])
                if item.kind == "opinion":
                    copy["opinions"] = [
                        *copy["opinions"],
                        {"id": arg, "author": "ldso", "text": item.payload["text"], "at": "t"},
                    ]
                else:
                    copy["marked"] = item.payload["marked"]
                copy["version"] = copy["version"] + 1
                server[item.document_id] = copy
                store.complete(item, copy)
            elif kind == "refuse" and store.outbox_size():
                (item,) = store.outbox(limit=1)
                store.refuse(item, status=412, message="x", conflict=arg)
                store.put_document(server[item.document_id])

        queued = store.outbox()
        conn = sqlite3.connect(path)
        for doc_id in DOCS:
            mine = [i for i in queued if i.document_id == doc_id]
            local = store.document_json(doc_id)
            assert local["pending"] == len(mine)
            assert conn.execute("SELECT pending FROM documents WHERE id = ?", (doc_id,)).fetchone()[
                0
            ] == len(mine)
            expected_opinions = [o["text"] for o in server[doc_id]["opinions"]] + [
                i.payload["text"] for i in mine if i.kind == "opinion"
            ]
            assert [o["text"] for o in local["opinions"]] == expected_opinions
            marks = [i.payload["marked"] for i in mine if i.kind == "mark"]
            assert local["marked"] == (marks[-1] if marks else server[doc_id]["marked"])
            assert local["trich_yeu"] == server[doc_id]["trich_yeu"]
        conn.close()
