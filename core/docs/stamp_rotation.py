"""The stamp turned with its page, so it reads upright on a page with /Rotate.

pyHanko draws a signature appearance in the widget's /Rect as PDF user space has it;
on a page shown turned by 90° the text would run down the screen. Here the appearance
is laid out in the reader's frame (width and height swapped for 90/270), its form
XObject gets the /Matrix that turns it back (:attr:`PageFrame.appearance_matrix`;
ISO 32000-1 §12.5.5 fits the turned /BBox into /Rect), and the widget's /MK /R says the
same rotation for viewers that regenerate appearances.
"""

from __future__ import annotations

from dataclasses import dataclass

from kyso.core.docs.page_frame import PageFrame

__all__ = ["rotated_style"]


def rotated_style(style, rotation: int):
    """``style`` (a pyHanko ``TextStampStyle``) whose stamps are turned by ``rotation``
    (the page's /Rotate: 0, 90, 180 or 270); ``style`` itself when 0."""
    if not rotation:
        return style
    from pyhanko.stamp import TextStampStyle

    @dataclass(frozen=True)
    class RotatedTextStampStyle(TextStampStyle):
        rotation: int = 0

        def create_stamp(self, writer, box, text_params):
            from pyhanko.pdf_utils.layout import BoxConstraints

            if self.rotation in (90, 270):
                box = BoxConstraints(width=box.height, height=box.width)
            stamp = super().create_stamp(writer, box, text_params)
            return _turn(stamp, self.rotation)

    import dataclasses

    values = {f.name: getattr(style, f.name) for f in dataclasses.fields(style) if f.init}
    return RotatedTextStampStyle(**values, rotation=rotation)


def _turn(stamp, rotation: int):
    from pyhanko.pdf_utils import generic

    matrix = PageFrame((0.0, 0.0, 1.0, 1.0), rotation).appearance_matrix
    plain_xobject = stamp.as_form_xobject
    plain_apply = stamp.apply_appearance

    def as_form_xobject():
        xobject = plain_xobject()
        xobject["/Matrix"] = generic.ArrayObject(generic.FloatObject(v) for v in matrix)
        return xobject

    def apply_appearance(annot) -> None:
        plain_apply(annot)
        mk = annot.get("/MK")
        mk = mk.get_object() if mk is not None else generic.DictionaryObject()
        mk[generic.NameObject("/R")] = generic.NumberObject(rotation)
        annot[generic.NameObject("/MK")] = mk

    # Per-instance: the stamp object lives for one signature only.
    stamp.as_form_xobject = as_form_xobject
    stamp.apply_appearance = apply_appearance
    return stamp
