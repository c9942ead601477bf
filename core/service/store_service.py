"""The real service: the local store (``kyso.core.store``) and the sync client
(``kyso.core.sync``). The server is reached only through :meth:`StoreService.sync`,
attachment downloads and issuance, each a blocking call."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from kyso.core.errors import KysoError, SyncError
from kyso.core.service.api import Service
from kyso.core.service.model import (
    ConflictInfo,
    Document,
    InboxRow,
    IssueOrder,
    Person,
    SyncStatus,
    TokenStatus,
    UserInfo,
)

__all__ = ["StoreService"]

_SCOPES = {"inbox": "inbox", "signed": "signed_by_me", "all": "all"}


class StoreService(Service):
    """Reads the session's store; writes go to its outbox; sync pushes and pulls."""

    def __init__(
        self,
        session: Any,
        *,
        key_label: str | None = None,
        module: str | None = None,
        retries: int = 1,
    ) -> None:
        """``retries``: tries of a server call that failed on the network or with a 5xx
        (a screen answers quickly with 1; a script may wait for more)."""
        self.session = session
        self.retries = retries
        self.store = session.store()
        self.key_label = key_label
        self.module = module
        me = self.store.me() or {}
        org = me.get("org") or {}
        self.user = UserInfo(
            username=session.username,
            full_name=me.get("full_name") or session.username,
            role=me.get("role") or "",
            title=me.get("title") or "",
            org_name=org.get("name", "") if isinstance(org, dict) else "",
        )
        self._import_old_placements()

    @classmethod
    def login(
        cls,
        server: str,
        username: str,
        password: str,
        *,
        kiosk: bool = False,
        key_label: str | None = None,
        module: str | None = None,
    ) -> StoreService:
        """Log in (the session is saved), open its store and sync once; offline after
        the login, the store's documents are served as they are."""
        from kyso.core.sync import login

        service = cls(
            login(server, username, password, kiosk=kiosk), key_label=key_label, module=module
        )
        try:
            with service._client() as client:
                client.sync()
        except KysoError:
            pass  # offline: the user works on what the store has; the status says so
        return service

    def _import_old_placements(self) -> None:
        """Positions an older kyso kept in ``placements.json`` move into the store once."""
        import contextlib

        from kyso.config.locations import data_dir

        # The old positions are a convenience: if they cannot move, signing asks again.
        with contextlib.suppress(KysoError):
            self.store.placements.import_file(data_dir() / "placements.json", self.user.username)

    def _client(self) -> Any:
        from kyso.core.sync import SyncClient

        return SyncClient(self.session, self.store, retries=self.retries)

    def placements(self) -> Any:
        return self.store.placements

    def documents(self, scope: str = "inbox") -> list[InboxRow]:
        return self._rows(self.store.inbox_dicts(_SCOPES.get(scope, scope)))

    def first_documents(self, scope: str, count: int) -> list[InboxRow] | None:
        return self._rows(self.store.inbox_dicts(_SCOPES.get(scope, scope), limit=count))

    def _rows(self, rows: list[dict[str, Any]]) -> list[InboxRow]:
        """Inbox rows (the store's dicts, as ``inbox --json``) with the sender's full name."""
        names = {u["username"]: u.get("full_name") or u["username"] for u in self.store.users()}
        names.setdefault(self.user.username, self.user.full_name)
        make, name = InboxRow.from_store, names.get
        return [make(r, name(r["sender"], r["sender"]) if r["sender"] else None) for r in rows]

    def document(self, doc_id: int) -> Document:
        return Document.from_api(self.store.document(doc_id).as_dict())

    def attachment_file(self, doc_id: int, att_id: int, n: int | None = None) -> Path:
        path = self.store.attachment_path(doc_id, att_id, n)
        if path is not None:
            return path
        with self._client() as client:
            return client.fetch_attachment(doc_id, att_id, n)

    def users(self) -> list[Person]:
        return [Person.from_api(u) for u in self.store.users()]

    def allowed_actions(self, doc: Document | InboxRow) -> list[str]:
        return self.store.allowed_actions(doc.id)

    def transition(self, doc_id: int, action: str, to: str | None, note: str = "") -> Document:
        self.store.transition(doc_id, action, to=to, note=note.strip())
        return self.document(doc_id)

    def add_opinion(self, doc_id: int, text: str) -> Document:
        self.store.add_opinion(doc_id, text)
        return self.document(doc_id)

    def set_marked(self, doc_id: int, marked: bool) -> Document:
        self.store.set_mark(doc_id, marked)
        return self.document(doc_id)

    def add_signed_version(self, doc_id: int, att_id: int, path: Path, note: str) -> Document:
        self.store.add_signed_version(doc_id, att_id, path, note=note)
        return self.document(doc_id)

    def sync(self) -> SyncStatus:
        try:
            with self._client() as client:
                report = client.sync()
        except SyncError as exc:
            status = self.sync_status()
            return SyncStatus(
                "offline", status.queued, status.conflicts, status.last_sync, exc.message
            )
        status = self.sync_status()
        problems = [*report.conflicts, *report.rejected]
        if problems:
            message = "; ".join(f"{c.message}" for c in problems)
            return SyncStatus(
                "conflict",
                status.queued,
                max(status.conflicts, len(problems)),
                status.last_sync,
                message,
            )
        return status

    def sync_status(self) -> SyncStatus:
        st = self.store.sync_status()
        if st.conflicts:
            state = "conflict"
        elif st.last_error and (not st.last_sync_at or (st.last_error_at or "") > st.last_sync_at):
            state = "offline"
        elif not st.last_sync_at:
            state = "never"
        else:
            state = "synced"
        return SyncStatus(
            state, st.outbox, st.conflicts, st.last_sync_at or "", st.last_error or ""
        )

    def token_status(self) -> TokenStatus:
        from kyso.core.service.tokens import token_status

        return token_status(self.module, self.key_label)

    def conflicts(self) -> list[ConflictInfo]:
        return [
            ConflictInfo(
                c.id, c.kind, c.document_id, c.reason, c.status, c.message, c.at, c.payload or {}
            )
            for c in self.store.conflicts()
        ]

    def dismiss_conflict(self, conflict_id: int) -> None:
        self.store.dismiss_conflict(conflict_id)

    # -- issuance (kyso.core.issue_service; online only) ------------------------------

    def number_info(self, doc_id: int) -> Any:
        from kyso.core.issue_service import number_info

        with self._client() as client:
            return number_info(client, doc_id)

    def seal_preview(self, doc_id: int) -> Any:
        from kyso.core.issue_service import seal_preview

        with self._client() as client:
            return seal_preview(client, doc_id)

    def seal_image(self, configured: str = "") -> tuple[bytes, str]:
        from kyso.core.issue_service import default_seal

        return default_seal(self.store, configured or None)

    def issue(
        self,
        order: IssueOrder,
        *,
        pin: str | None = None,
        on_step: Callable[[str, str], None] | None = None,
    ) -> Any:
        from kyso.core.issue_service import check_clerk, issue

        check_clerk(self.store)
        with self._client() as client:
            if order.only_number:
                return issue(
                    client,
                    order.doc_id,
                    date=order.date,
                    only_number=True,
                    note=order.note,
                    on_step=on_step,
                )
            from kyso.core.service.tokens import TokenOptions, open_session

            options = order.token_options or TokenOptions(
                module=self.module, key_label=self.key_label
            )
            with open_session(options, pin) as session:
                del pin
                key = session.signing_key(options.key_label, options.key_id)
                return issue(
                    client,
                    order.doc_id,
                    key=key,
                    seal_png=order.seal_png,
                    date=order.date,
                    note=order.note,
                    on_step=on_step,
                    presigned=order.presigned,
                )

    def presign_issuance(
        self, token_options: Any, signing: Any, audit: Callable[..., Any] | None = None
    ) -> Any:
        from kyso.core.docs.presign import presign_issuance

        return presign_issuance(token_options, signing, audit=audit)

    def registry(self, year: int) -> list[Any]:
        from kyso.core.issue_service import registry_book

        with self._client() as client:
            return registry_book(client, year)

    def export_registry(self, year: int, fmt: str, path: Path) -> Path:
        from kyso.core.issue_service import download_registry

        with self._client() as client:
            return download_registry(client, year, fmt, path)  # type: ignore[arg-type]

    def export_edxml(self, doc_id: int, path: Path) -> Path:
        from kyso.core.edxml import export_edxml

        with self._client() as client:
            return export_edxml(client.store, doc_id, path, fetch=client.fetch_attachment)

    def cancel_number(self, doc_id: int, reason: str) -> Any:
        from kyso.core.issue_service import cancel_number

        with self._client() as client:
            return cancel_number(client, doc_id, reason)

    def copy_source(self, doc_id: int) -> tuple[Document, Path]:
        from kyso.core.errors import DocumentError
        from kyso.core.issue_service import check_clerk

        check_clerk(self.store)
        found = self.store.document_json(doc_id)
        if found is None or not found.get("so_ky_hieu"):
            raise DocumentError(f"Văn bản {doc_id} chưa được ban hành: chưa sao được.")
        document = Document.from_api(found)
        main = next((a for a in document.attachments if a.is_main), None)
        if main is None:
            raise DocumentError(f"Văn bản {doc_id} không có tệp chính.")
        return document, self.attachment_file(doc_id, main.id)

    def copy(
        self,
        doc_id: int,
        output: Path,
        *,
        form: str,
        organization: str,
        pages: str | None = None,
        key: Any = None,
        pin: str | None = None,
        token_options: Any = None,
    ) -> Any:
        import contextlib

        from kyso.core.copy_service import copy_and_upload
        from kyso.core.service.tokens import TokenOptions, open_session

        _document, source = self.copy_source(doc_id)  # before the PIN
        options = token_options or TokenOptions(module=self.module, key_label=self.key_label)
        with self._client() as client, contextlib.ExitStack() as stack:
            if key is None:
                session = stack.enter_context(open_session(options, pin))
                del pin
                key = session.signing_key(options.key_label, options.key_id)
            return copy_and_upload(
                client,
                doc_id,
                source,
                output,
                key,
                form=form,
                organization=organization,
                pages=pages,
            )

    def close(self) -> None:
        self.store.close()
