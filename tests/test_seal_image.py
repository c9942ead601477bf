"""The seal's PDF image is encoded once per process and copied into each issued file."""

from __future__ import annotations

from io import BytesIO

from PIL import Image
from pyhanko.pdf_utils.images import pil_image
from pyhanko.pdf_utils.writer import PdfFileWriter

from kyso.core.docs.seal import make_seal_png
from kyso.core.docs.seal_image import seal_image


def test_each_writer_gets_its_own_objects_with_pyhankos_own_encoding():
    png = make_seal_png("Sở Thông tin và Truyền thông", "Đắk Nông", pixels=120)
    expected = pil_image(Image.open(BytesIO(png)), PdfFileWriter()).get_object()
    refs = []
    for _ in range(2):
        writer = PdfFileWriter()
        image = seal_image(png)
        image.set_writer(writer)
        ref = image.image_ref
        assert ref.get_pdf_handler() is writer and image.image_ref is ref  # once per writer
        refs.append(ref)
        stream = ref.get_object()
        assert stream.data == expected.data
        assert stream["/Width"] == 120 and stream["/ColorSpace"] == "/DeviceRGB"
        mask = stream.raw_get("/SMask")
        assert mask.get_pdf_handler() is writer
        assert mask.get_object().data == expected["/SMask"].get_object().data
    assert refs[0].get_pdf_handler() is not refs[1].get_pdf_handler()
