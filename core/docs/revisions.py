"""What the revisions of a PDF say, beyond each signature's own check.

- Signatures removed: a field that held a signature in some revision and no longer
  does (or holds a different signature dictionary) in the last one. pyHanko only sees
  the signatures of the last revision, so a dropped signature would simply vanish.
- Bytes appended after the last ``%%EOF`` that are not a revision. pyHanko ignores them
  (the last signature still covers its whole revision), but a lenient reader may repair
  and show them, so any byte there other than whitespace or NUL makes the file fail.
- Which pages, annotations and signature appearances changed after a given revision,
  so the report can say it in Vietnamese.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["RevisionFacts", "changes_after", "read_revision_facts", "trailing_junk"]

_BLANK = b" \t\r\n\x00\x0c"


def trailing_junk(data: bytes) -> int:
    """How many non-blank bytes follow the last ``%%EOF`` (0 when none)."""
    end = data.rfind(b"%%EOF")
    if end < 0:
        return 0
    return len(data[end + 5 :].strip(_BLANK))


def _signed_fields(resolver) -> set[tuple[str, int]]:
    from pyhanko.sign.fields import enumerate_sig_fields

    out = set()
    try:
        for name, _value, field_ref in enumerate_sig_fields(resolver, filled_status=True):
            raw = field_ref.get_object().raw_get("/V")
            out.add((name, getattr(raw, "idnum", 0)))
    except Exception:  # a revision whose form cannot be read has no signatures we trust
        return out
    return out


@dataclass(frozen=True)
class RevisionFacts:
    """File-level findings."""

    revisions: int
    removed: tuple[tuple[str, int], ...]
    """(field name, revision it disappeared in) for each signature no longer present."""
    junk_bytes: int

    def problems(self) -> list[str]:
        """Vietnamese lines; empty when the file itself is fine."""
        lines = [
            f"Chữ ký «{name}» đã bị xoá hoặc thay thế ở lần sửa thứ {rev} của tệp"
            for name, rev in self.removed
        ]
        if self.junk_bytes:
            lines.append(
                f"Có {self.junk_bytes} byte lạ nối vào sau cuối tệp (%%EOF), ngoài mọi chữ ký"
            )
        return lines


def read_revision_facts(reader, data: bytes) -> RevisionFacts:
    """Scan every revision for signatures that later disappear."""
    total = reader.xrefs.total_revisions
    last = _signed_fields(reader.get_historical_resolver(total - 1)) if total else set()
    removed: dict[tuple[str, int], int] = {}
    previous: set[tuple[str, int]] = set()
    for rev in range(total - 1):
        present = _signed_fields(reader.get_historical_resolver(rev))
        for gone in previous - present:
            removed.setdefault(gone, rev)
        previous = present
        for sig in present - last:
            removed.setdefault(sig, total - 1)
    for gone in previous - last:
        removed.setdefault(gone, total - 1)
    return RevisionFacts(
        revisions=total,
        removed=tuple(sorted((name, rev) for (name, _id), rev in removed.items())),
        junk_bytes=trailing_junk(data),
    )


def _refs(value) -> list:
    from pyhanko.pdf_utils import generic

    if isinstance(value, generic.IndirectObject):
        return [value.reference]
    if isinstance(value, generic.ArrayObject):
        return [v.reference for v in value if isinstance(v, generic.IndirectObject)]
    return []


def _pages(resolver):
    """(index, page reference) in reading order for one revision."""
    from pyhanko.pdf_utils import generic

    out = []

    def walk(node_ref):
        node = node_ref.get_object()
        if node.get("/Type") == "/Pages":
            for kid in node.raw_get("/Kids"):
                walk(kid)
        else:
            out.append(node_ref.reference if isinstance(node_ref, generic.IndirectObject) else None)

    walk(resolver.root.raw_get("/Pages"))
    return out


def changes_after(reader, revision: int, widget_refs: list) -> list[str]:
    """Vietnamese lines naming what changed after ``revision``: page content, pages'
    annotations, and the appearance of the given signature widgets."""
    total = reader.xrefs.total_revisions
    updated = set()
    for rev in range(revision + 1, total):
        updated |= reader.xrefs.explicit_refs_in_revision(rev)
    if not updated:
        return []
    old = reader.get_historical_resolver(revision)
    new = reader.get_historical_resolver(total - 1)
    lines = []
    try:
        old_pages, new_pages = _pages(old), _pages(new)
    except Exception:  # a broken page tree is reported as "other" already
        return lines
    if len(old_pages) != len(new_pages):
        lines.append(f"Số trang đổi từ {len(old_pages)} thành {len(new_pages)}")
    for index, (before, after) in enumerate(zip(old_pages, new_pages, strict=False), start=1):
        if before is None or after is None:
            continue
        old_page, new_page = old(before), new(after)
        old_contents, new_contents = old_page.raw_get("/Contents"), new_page.raw_get("/Contents")
        if _refs(old_contents) != _refs(new_contents) or set(_refs(new_contents)) & updated:
            lines.append(f"Trang {index}: nội dung trang bị thay đổi sau khi ký")
        old_annots = set(_refs(old_page.get("/Annots", None)))
        new_annots = set(_refs(new_page.get("/Annots", None)))
        added = [
            ref
            for ref in new_annots - old_annots
            if new(ref).get("/Subtype") != "/Widget" or new(ref).get("/FT") != "/Sig"
        ]
        if added:
            lines.append(f"Trang {index}: thêm {len(added)} chú thích sau khi ký")
        if old_annots - new_annots:
            lines.append(f"Trang {index}: bớt {len(old_annots - new_annots)} chú thích sau khi ký")
        changed = [r for r in old_annots & new_annots if r in updated and r not in widget_refs]
        if changed:
            lines.append(f"Trang {index}: sửa {len(changed)} chú thích hoặc trường sau khi ký")
    for ref in widget_refs:
        if ref is None:
            continue
        ap_refs = {ref}
        try:
            ap = new(ref).get("/AP")
            if ap is not None:
                ap_refs |= set(_refs(ap.raw_get("/N")))
        except Exception:  # no appearance dictionary
            pass
        if ap_refs & updated:
            lines.append("Hình hiển thị của chữ ký bị thay đổi sau khi ký")
    return lines
