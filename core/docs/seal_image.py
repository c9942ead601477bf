"""The seal as a PDF image, encoded once per process.

Turning the seal's PNG into PDF image objects (decoding, splitting off the alpha
channel, compressing 600×600 pixels twice) costs more than the rest of the seal's
appearance; the result depends only on the PNG, so the clerk's session encodes it once
and each issued file gets its own copy of the same objects.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from io import BytesIO

__all__ = ["seal_image"]


@lru_cache(maxsize=4)
def _encoded(digest: bytes, png: bytes) -> tuple:
    """(dictionary, compressed bytes) of the image and of its /SMask (or None)."""
    from PIL import Image
    from pyhanko.pdf_utils.images import pil_image
    from pyhanko.pdf_utils.writer import PdfFileWriter

    stream = pil_image(Image.open(BytesIO(png)), PdfFileWriter()).get_object()
    smask = stream.get("/SMask")
    entries = {k: v for k, v in stream.items() if k != "/SMask"}
    mask = None
    if smask is not None:
        smask = smask.get_object()
        mask = (dict(smask.items()), smask.encoded_data)
    return entries, stream.encoded_data, mask


def _add(writer, encoded: tuple):
    from pyhanko.pdf_utils import generic

    entries, data, mask = encoded
    image = generic.StreamObject(generic.DictionaryObject(entries), encoded_data=data)
    if mask is not None:
        mask_stream = generic.StreamObject(generic.DictionaryObject(mask[0]), encoded_data=mask[1])
        image[generic.pdf_name("/SMask")] = writer.add_object(mask_stream)
    return writer.add_object(image)


def seal_image(png: bytes, **kwargs):
    """A pyHanko ``PdfImage`` of ``png`` whose objects are encoded once per process
    (``kwargs`` as for ``PdfImage``)."""
    from PIL import Image
    from pyhanko.pdf_utils.images import PdfImage

    class _SealImage(PdfImage):
        @property
        def image_ref(self):
            ref = self._image_ref
            if ref is None or ref.get_pdf_handler() is not self.writer:
                encoded = _encoded(hashlib.sha256(png).digest(), png)
                self._image_ref = ref = _add(self.writer, encoded)
            return ref

    return _SealImage(Image.open(BytesIO(png)), **kwargs)
