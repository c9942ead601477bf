"""The demo organization, its users and its outgoing documents (text and flow).

Plain data: :mod:`kyso.server.demo_docs` turns a :class:`DemoDocument` into a PDF and
:mod:`kyso.server.seed` replays its :class:`Step` list through the workflow rules.
"""

from __future__ import annotations

from dataclasses import dataclass

from kyso.core.workflow import DOCUMENT_TYPES, format_so_ky_hieu

__all__ = [
    "DEMO_DOCUMENTS",
    "DEMO_ORG",
    "DEMO_PASSWORD",
    "DEMO_USERS",
    "Appendix",
    "DemoDocument",
    "DemoOrg",
    "DemoUser",
    "Step",
]

DEMO_PASSWORD = "kyso-demo"
"""Password of every demo user (also in the README)."""


@dataclass(frozen=True)
class DemoOrg:
    """An organization as its header names it."""

    parent: str
    """The governing body on the first header line (cơ quan chủ quản)."""
    name: str
    ky_hieu: str
    place: str
    """Place name of the date line."""


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    role: str
    title: str
    unit: str = "Văn phòng Sở"


@dataclass(frozen=True)
class Appendix:
    """A separate appendix file holding one table."""

    title: str
    subtitle: str
    columns: tuple[str, ...]
    widths: tuple[float, ...]
    rows: tuple[tuple[str, ...], ...]
    file_name: str


@dataclass(frozen=True)
class Step:
    """One event of the demo flow, replayed by the seed through the workflow rules.

    ``action`` is a workflow action, or ``"ky_so"`` (the actor uploads a signed version
    of the main file) or ``"y_kien"`` (an opinion without a transition).
    """

    actor: str
    action: str
    note: str = ""
    to: str | None = None


@dataclass(frozen=True)
class DemoDocument:
    """One outgoing document: what it says, who signs it, and what happened to it."""

    loai_ky_hieu: str
    trich_yeu: str
    body: tuple[str, ...]
    """Paragraphs; ``"# "`` starts a section heading, ``"## "`` a sub-heading, ``"^ "`` a
    centred bold line."""
    noi_nhan: tuple[str, ...]
    file_name: str
    title_line: str | None = None
    """The title under the type name when it reads better than the trích yếu."""
    kinh_gui: tuple[str, ...] = ()
    signer_title: str = "GIÁM ĐỐC"
    signer_name: str = "Phạm Quốc Hùng"
    signer_on_behalf: str | None = None
    """``"KT. GIÁM ĐỐC"`` when a deputy signs on the director's behalf."""
    appendix: Appendix | None = None
    steps: tuple[Step, ...] = ()
    marked_by: tuple[str, ...] = ()
    related: tuple[int, ...] = ()
    """Indexes (in :data:`DEMO_DOCUMENTS`) of related documents."""
    so: int | None = None
    """The number printed on the PDF (issued documents only)."""
    ngay_ban_hanh: object = None
    """The date printed on the PDF (a ``datetime.date``; issued documents only)."""
    year: int = 2026

    @property
    def loai(self) -> str:
        """The type's name (Kế hoạch, Công văn…)."""
        return DOCUMENT_TYPES[self.loai_ky_hieu].name

    def ky_hieu(self, org: DemoOrg) -> str:
        """The ký hiệu part of the number (``KH-STTTT``, ``STTTT-VP``)."""
        return format_so_ky_hieu(None, self.loai_ky_hieu, org.ky_hieu)[0]


DEMO_ORG = DemoOrg(
    parent="UBND tỉnh Đắk Nông",
    name="Sở Thông tin và Truyền thông",
    ky_hieu="STTTT",
    place="Đắk Nông",
)
DEMO_ORG_FULL_NAME = "Sở Thông tin và Truyền thông tỉnh Đắk Nông"

DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("chuyenvien", "Trần Thị Thu Hà", "chuyen_vien", "Chuyên viên"),
    DemoUser("ldvanphong", "Lê Văn Minh", "lanh_dao_van_phong", "Chánh Văn phòng"),
    DemoUser("ldso", "Phạm Quốc Hùng", "lanh_dao_so", "Giám đốc", "Ban Giám đốc"),
    DemoUser("vanthu", "Đỗ Thị Lan", "van_thu", "Văn thư"),
)

_CV, _VP, _LD, _VT = "chuyenvien", "ldvanphong", "ldso", "vanthu"

_TO_LEADER = (
    Step(_CV, "trinh_lanh_dao_van_phong", "Kính trình Chánh Văn phòng xem xét."),
    Step(_VP, "trinh_lanh_dao_so", "Văn phòng đã rà soát nội dung, kính trình Giám đốc ký."),
)

_NOI_NHAN_NOI_BO = ("Như trên;", "Giám đốc, các PGĐ Sở;", "Lưu: VT, VP.")

_TET_TRONG_CAY = DemoDocument(
    "KH",
    "Kế hoạch tham gia hưởng ứng “Tết trồng cây đời đời nhớ ơn Bác Hồ” và chăm sóc cây "
    "cảnh cơ quan năm 2026",
    title_line="Tham gia hưởng ứng “Tết trồng cây đời đời nhớ ơn Bác Hồ” và chăm sóc cây "
    "cảnh cơ quan năm 2026",
    file_name="KH trồng cây và chăm sóc cây cảnh 2026.pdf",
    body=(
        "Thực hiện Kế hoạch số 35/KH-UBND ngày 12/01/2026 của UBND tỉnh và Thư kêu gọi của "
        "Chủ tịch UBND tỉnh về việc tham gia “Tết trồng cây đời đời nhớ ơn Bác Hồ” và trồng "
        "rừng tập trung, trồng cây phân tán năm 2026.",
        "Sở Thông tin và Truyền thông ban hành kế hoạch tham gia hưởng ứng “Tết trồng cây đời "
        "đời nhớ ơn Bác Hồ” và chăm sóc cây cảnh cơ quan năm 2026, cụ thể như sau:",
        "# I. MỤC ĐÍCH, YÊU CẦU",
        "1. Phát động, tuyên truyền sâu rộng và kêu gọi toàn thể công chức, viên chức, người "
        "lao động của cơ quan thực hiện lời dạy của Bác Hồ “Vì lợi ích mười năm trồng cây, vì "
        "lợi ích trăm năm trồng người”, góp phần nâng cao nhận thức về bảo vệ môi trường, "
        "ứng phó với biến đổi khí hậu.",
        "2. Tổ chức trồng, chăm sóc cây xanh, cây cảnh trong khuôn viên cơ quan bảo đảm thiết "
        "thực, tiết kiệm, hiệu quả, tránh hình thức; cây trồng phù hợp với điều kiện thổ "
        "nhưỡng, khí hậu và cảnh quan chung của trụ sở.",
        "3. Gắn việc trồng cây với trách nhiệm chăm sóc, bảo vệ cây sau khi trồng; phân công "
        "cụ thể từng phòng, đơn vị phụ trách khu vực, bảo đảm tỷ lệ cây sống đạt trên 90%.",
        "# II. NỘI DUNG THỰC HIỆN",
        "## 1. Công tác tuyên truyền",
        "Đăng tải tin, bài về ý nghĩa của “Tết trồng cây đời đời nhớ ơn Bác Hồ” trên Trang "
        "thông tin điện tử của Sở, Cổng thông tin điện tử tỉnh và các nhóm thông tin nội bộ "
        "của cơ quan. Các đơn vị báo chí, phát thanh trên địa bàn tỉnh phối hợp đưa tin về các "
        "hoạt động hưởng ứng của ngành Thông tin và Truyền thông.",
        "## 2. Tổ chức trồng cây",
        "Thời gian: dự kiến sáng thứ Bảy, ngày 21 tháng 02 năm 2026 (mùng 5 Tết Bính Ngọ). Địa "
        "điểm: khuôn viên trụ sở Sở Thông tin và Truyền thông và khu vực hành lang đường vào "
        "trụ sở. Số lượng dự kiến: 50 cây bóng mát (sao đen, lim xẹt, bằng lăng) và 120 chậu "
        "cây cảnh các loại.",
        "Thành phần tham gia: Lãnh đạo Sở, toàn thể công chức, viên chức, người lao động các "
        "phòng chuyên môn và đơn vị sự nghiệp trực thuộc Sở; mời đại diện Đoàn Thanh niên "
        "Khối các cơ quan tỉnh cùng tham gia.",
        "## 3. Chăm sóc cây cảnh cơ quan",
        "Văn phòng Sở chủ trì rà soát, thay thế các cây cảnh bị hư hỏng; bố trí lịch tưới "
        "nước, bón phân, cắt tỉa định kỳ hằng tuần. Mỗi phòng, đơn vị nhận chăm sóc cây cảnh "
        "tại khu vực làm việc của mình và khu vực được phân công tại Phụ lục kèm theo Kế "
        "hoạch này.",
        "# III. KINH PHÍ",
        "Kinh phí thực hiện từ nguồn chi thường xuyên năm 2026 của Văn phòng Sở và nguồn vận "
        "động xã hội hóa (nếu có), bảo đảm đúng quy định hiện hành về quản lý tài chính.",
        "# IV. TỔ CHỨC THỰC HIỆN",
        "1. Văn phòng Sở chủ trì, phối hợp với Công đoàn cơ sở, Chi đoàn Thanh niên Sở chuẩn "
        "bị cây giống, dụng cụ, hậu cần; tổng hợp kết quả, báo cáo UBND tỉnh (qua Sở Nông "
        "nghiệp và Môi trường) trước ngày 15 tháng 3 năm 2026.",
        "2. Các phòng chuyên môn, đơn vị sự nghiệp trực thuộc Sở cử công chức, viên chức tham "
        "gia đầy đủ, đúng thành phần; chịu trách nhiệm chăm sóc cây tại khu vực được phân "
        "công.",
        "3. Trung tâm Công nghệ thông tin và Truyền thông phối hợp đưa tin, ghi hình, cập nhật "
        "hình ảnh hoạt động lên Trang thông tin điện tử của Sở.",
        "Trên đây là Kế hoạch tham gia hưởng ứng “Tết trồng cây đời đời nhớ ơn Bác Hồ” và chăm "
        "sóc cây cảnh cơ quan năm 2026 của Sở Thông tin và Truyền thông. Trong quá trình thực "
        "hiện, nếu có khó khăn, vướng mắc, các đơn vị phản ánh về Văn phòng Sở để tổng hợp, "
        "báo cáo Giám đốc Sở xem xét, giải quyết./.",
    ),
    noi_nhan=(
        "UBND tỉnh (b/c);",
        "Sở Nông nghiệp và Môi trường;",
        "Giám đốc, các PGĐ Sở;",
        "Các phòng, đơn vị thuộc Sở;",
        "Lưu: VT, VP.",
    ),
    appendix=Appendix(
        "Phụ lục",
        "PHÂN CÔNG CHĂM SÓC CÂY XANH, CÂY CẢNH CƠ QUAN NĂM 2026",
        ("STT", "Khu vực", "Đơn vị phụ trách", "Thời gian"),
        (0.6, 3.2, 2.6, 1.6),
        (
            ("1", "Sân trước trụ sở, bồn hoa cổng chính", "Văn phòng Sở", "Hằng tuần"),
            ("2", "Hành lang tầng 1, sảnh tiếp dân", "Phòng Bưu chính - Viễn thông", "Hằng tuần"),
            ("3", "Hành lang tầng 2, phòng họp lớn", "Phòng Công nghệ thông tin", "Hằng tuần"),
            ("4", "Khu vực sân sau, nhà xe", "Phòng Thông tin - Báo chí - Xuất bản", "Hai tuần"),
            ("5", "Đường vào trụ sở (50 cây mới trồng)", "Chi đoàn Thanh niên Sở", "Hằng ngày"),
            ("6", "Phòng máy chủ, Trung tâm IOC", "Trung tâm CNTT và Truyền thông", "Hằng tuần"),
        ),
        "Phụ lục phân công chăm sóc cây.pdf",
    ),
    steps=(
        *_TO_LEADER[:1],
        Step(_VP, "y_kien", "Đề nghị bổ sung số lượng cây và nguồn kinh phí cụ thể."),
        _TO_LEADER[1],
    ),
    marked_by=(_LD,),
)

_CHUYEN_DOI_SO = DemoDocument(
    "KH",
    "Kế hoạch triển khai chuyển đổi số năm 2026 của Sở Thông tin và Truyền thông",
    title_line="Triển khai chuyển đổi số năm 2026",
    file_name="KH chuyển đổi số 2026.pdf",
    body=(
        "Căn cứ Nghị quyết số 57-NQ/TW ngày 22/12/2024 của Bộ Chính trị về đột phá phát triển "
        "khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số quốc gia; Quyết định số "
        "749/QĐ-TTg ngày 03/6/2020 của Thủ tướng Chính phủ phê duyệt Chương trình Chuyển đổi "
        "số quốc gia đến năm 2025, định hướng đến năm 2030; Kế hoạch số 120/KH-UBND ngày "
        "28/02/2026 của UBND tỉnh về chuyển đổi số tỉnh Đắk Nông năm 2026;",
        "Sở Thông tin và Truyền thông xây dựng Kế hoạch triển khai chuyển đổi số năm 2026 như sau:",
        "# I. MỤC TIÊU",
        "1. 100% văn bản đi, văn bản đến của Sở (trừ văn bản mật) được xử lý trên Hệ thống "
        "quản lý và điều hành văn bản; 100% văn bản điện tử phát hành được ký số bằng chữ ký "
        "số chuyên dùng Chính phủ của lãnh đạo và của cơ quan.",
        "2. 100% thủ tục hành chính đủ điều kiện được cung cấp dưới dạng dịch vụ công trực "
        "tuyến toàn trình; tỷ lệ hồ sơ trực tuyến toàn trình đạt tối thiểu 80%.",
        "3. Bảo đảm an toàn thông tin theo cấp độ cho 100% hệ thống thông tin do Sở quản lý; "
        "tổ chức ít nhất 02 đợt diễn tập ứng cứu sự cố an toàn thông tin mạng.",
        "4. Dữ liệu của ngành được số hóa, chuẩn hóa và chia sẻ qua Nền tảng tích hợp, chia "
        "sẻ dữ liệu của tỉnh (LGSP); công bố dữ liệu mở theo danh mục được phê duyệt.",
        "# II. NHIỆM VỤ TRỌNG TÂM",
        "## 1. Chính quyền số",
        "Nâng cấp Hệ thống quản lý và điều hành văn bản, tích hợp ký số từ xa và ký số trên "
        "thiết bị di động; triển khai trạm ký số dùng chung cho các phòng chuyên môn; hoàn "
        "thiện quy trình luân chuyển văn bản điện tử từ dự thảo đến phát hành, lưu trữ hồ sơ "
        "điện tử theo Nghị định số 30/2020/NĐ-CP.",
        "Triển khai Hệ thống báo cáo thống kê điện tử của ngành; kết nối với Hệ thống thông "
        "tin báo cáo của tỉnh, bảo đảm số liệu được cập nhật định kỳ, chính xác, kịp thời.",
        "## 2. Kinh tế số và xã hội số",
        "Phối hợp các doanh nghiệp viễn thông phát triển hạ tầng băng rộng, phủ sóng 4G/5G "
        "tại các xã vùng sâu, vùng xa; duy trì hoạt động của 71 Tổ công nghệ số cộng đồng; "
        "hướng dẫn người dân sử dụng dịch vụ công trực tuyến, thanh toán không dùng tiền mặt "
        "và các nền tảng số phổ biến.",
        "Hỗ trợ hộ sản xuất, hợp tác xã đưa sản phẩm OCOP của tỉnh (cà phê, hồ tiêu, mắc ca) "
        "lên các sàn thương mại điện tử; tổ chức tập huấn kỹ năng bán hàng trực tuyến.",
        "## 3. Hạ tầng, nền tảng và an toàn thông tin",
        "Vận hành ổn định Trung tâm dữ liệu tỉnh và Trung tâm Giám sát, điều hành đô thị "
        "thông minh (IOC); rà soát, phê duyệt hồ sơ cấp độ an toàn thông tin; giám sát an "
        "toàn thông tin 24/7 kết nối với Trung tâm Giám sát an toàn không gian mạng quốc gia.",
        "Triển khai chứng thư số, thiết bị ký số cho cán bộ, công chức theo nhu cầu; hướng "
        "dẫn sử dụng, gia hạn, thu hồi chứng thư số đúng quy định.",
        "## 4. Nhân lực số",
        "Tổ chức 04 lớp bồi dưỡng kỹ năng số cho cán bộ, công chức cấp tỉnh, cấp xã; cử công "
        "chức tham gia các khóa đào tạo chuyên sâu về an toàn thông tin, dữ liệu và trí tuệ "
        "nhân tạo do Bộ Khoa học và Công nghệ tổ chức.",
        "# III. KINH PHÍ",
        "Kinh phí thực hiện từ nguồn ngân sách tỉnh giao cho Sở năm 2026, nguồn Chương trình "
        "mục tiêu quốc gia và các nguồn hợp pháp khác; các đơn vị lập dự toán chi tiết theo "
        "nhiệm vụ được giao, gửi Văn phòng Sở thẩm định trước ngày 30/3/2026.",
        "# IV. TỔ CHỨC THỰC HIỆN",
        "1. Phòng Công nghệ thông tin là đầu mối theo dõi, đôn đốc, tổng hợp kết quả thực "
        "hiện Kế hoạch; báo cáo định kỳ hằng quý trước ngày 20 của tháng cuối quý.",
        "2. Trưởng các phòng, Giám đốc Trung tâm Công nghệ thông tin và Truyền thông chịu "
        "trách nhiệm trước Giám đốc Sở về kết quả thực hiện nhiệm vụ được giao tại Phụ lục "
        "kèm theo.",
        "3. Văn phòng Sở bảo đảm kinh phí, cơ sở vật chất; đưa nội dung chuyển đổi số vào "
        "tiêu chí đánh giá, xếp loại thi đua năm 2026.",
        "Trong quá trình thực hiện, nếu có vướng mắc, các đơn vị kịp thời báo cáo Giám đốc "
        "Sở (qua Phòng Công nghệ thông tin) để xem xét, chỉ đạo./.",
    ),
    noi_nhan=(
        "UBND tỉnh (b/c);",
        "Ban Chỉ đạo chuyển đổi số tỉnh;",
        "Giám đốc, các PGĐ Sở;",
        "Các phòng, đơn vị thuộc Sở;",
        "Lưu: VT, CNTT.",
    ),
    appendix=Appendix(
        "Phụ lục",
        "DANH MỤC NHIỆM VỤ CHUYỂN ĐỔI SỐ NĂM 2026",
        ("STT", "Nhiệm vụ", "Chủ trì", "Hoàn thành"),
        (0.6, 3.6, 2.2, 1.4),
        (
            ("1", "Tích hợp ký số từ xa vào Hệ thống quản lý văn bản", "Phòng CNTT", "Quý II"),
            ("2", "Trạm ký số dùng chung tại Văn phòng Sở", "Văn phòng Sở", "Quý II"),
            ("3", "Phê duyệt hồ sơ cấp độ an toàn thông tin", "Phòng CNTT", "Quý III"),
            ("4", "Diễn tập ứng cứu sự cố an toàn thông tin", "Trung tâm CNTT-TT", "Quý III"),
            ("5", "Bồi dưỡng kỹ năng số cho cán bộ cấp xã", "Phòng BCVT", "Quý IV"),
            ("6", "Công bố dữ liệu mở của ngành", "Phòng TTBCXB", "Quý IV"),
        ),
        "Phụ lục nhiệm vụ chuyển đổi số.pdf",
    ),
    steps=(
        Step(
            _CV, "trinh_lanh_dao_so", "Kính trình Giám đốc ký ban hành (đã lấy ý kiến các phòng)."
        ),
    ),
)

_DON_DOC_KY_SO = DemoDocument(
    "CV",
    "đôn đốc sử dụng chữ ký số trên Hệ thống quản lý và điều hành văn bản",
    file_name="CV đôn đốc ký số.pdf",
    kinh_gui=(
        "Các sở, ban, ngành tỉnh",
        "UBND các xã, phường trên địa bàn tỉnh",
    ),
    body=(
        "Thực hiện Nghị định số 30/2020/NĐ-CP ngày 05/3/2020 của Chính phủ về công tác văn "
        "thư và chỉ đạo của UBND tỉnh về việc gửi, nhận văn bản điện tử, qua theo dõi trên "
        "Hệ thống quản lý và điều hành văn bản, Sở Thông tin và Truyền thông nhận thấy một "
        "số cơ quan, đơn vị vẫn phát hành văn bản giấy song song với văn bản điện tử, hoặc "
        "văn bản điện tử chưa được ký số đúng quy định.",
        "Để bảo đảm giá trị pháp lý của văn bản điện tử, Sở Thông tin và Truyền thông đề nghị "
        "các cơ quan, đơn vị:",
        "1. Thực hiện ký số của lãnh đạo và ký số của cơ quan trên 100% văn bản điện tử phát "
        "hành (trừ văn bản mật); vị trí, hình ảnh chữ ký số thực hiện theo Phụ lục I Nghị "
        "định số 30/2020/NĐ-CP.",
        "2. Rà soát chứng thư số đã cấp cho lãnh đạo, văn thư; đề nghị gia hạn, cấp mới đối "
        "với chứng thư số sắp hết hạn trước ít nhất 30 ngày.",
        "3. Cử cán bộ đầu mối phối hợp với Trung tâm Công nghệ thông tin và Truyền thông để "
        "được hướng dẫn cài đặt, sử dụng ký số trên Hệ thống (điện thoại liên hệ: "
        "0261.3544.xxx).",
        "Sở Thông tin và Truyền thông đề nghị các cơ quan, đơn vị quan tâm phối hợp thực hiện./.",
    ),
    noi_nhan=("Như trên;", "UBND tỉnh (b/c);", "Giám đốc Sở;", "Lưu: VT, CNTT."),
    steps=_TO_LEADER,
)

_BAO_CAO_QUY = DemoDocument(
    "BC",
    "Báo cáo kết quả công tác thông tin và truyền thông quý I năm 2026",
    title_line="Kết quả công tác thông tin và truyền thông quý I năm 2026",
    file_name="BC quý I 2026.pdf",
    body=(
        "Thực hiện chế độ báo cáo định kỳ theo quy định, Sở Thông tin và Truyền thông báo cáo "
        "kết quả công tác quý I năm 2026 như sau:",
        "# I. KẾT QUẢ THỰC HIỆN",
        "## 1. Lĩnh vực báo chí, xuất bản, thông tin cơ sở",
        "Hướng dẫn các cơ quan báo chí tuyên truyền kỷ niệm 96 năm Ngày thành lập Đảng Cộng "
        "sản Việt Nam, Tết Nguyên đán Bính Ngọ 2026 và các nhiệm vụ phát triển kinh tế - xã "
        "hội của tỉnh. Trong quý, các cơ quan báo chí địa phương đăng, phát 2.350 tin, bài; "
        "hệ thống thông tin cơ sở phát 1.120 chương trình tại 71 xã, phường.",
        "Tổ chức họp báo định kỳ quý I; theo dõi, xử lý 14 trường hợp thông tin sai sự thật "
        "trên mạng xã hội, yêu cầu gỡ bỏ 9 bài viết vi phạm.",
        "## 2. Lĩnh vực bưu chính, viễn thông",
        "Tổng số thuê bao điện thoại di động trên địa bàn đạt 712.000 thuê bao, trong đó "
        "thuê bao băng rộng di động chiếm 86%; tỷ lệ thôn, bon, buôn có sóng di động băng "
        "rộng đạt 99,2%. Mạng bưu chính công cộng bảo đảm chuyển phát 100% hồ sơ, kết quả "
        "giải quyết thủ tục hành chính qua dịch vụ bưu chính công ích.",
        "## 3. Lĩnh vực công nghệ thông tin, chuyển đổi số",
        "Hệ thống quản lý và điều hành văn bản đã tiếp nhận, xử lý 48.630 văn bản điện tử, "
        "tỷ lệ văn bản đi được ký số đạt 97,8%. Cổng dịch vụ công tỉnh tiếp nhận 36.410 hồ "
        "sơ trực tuyến, tỷ lệ hồ sơ trực tuyến toàn trình đạt 72,5%.",
        "Trung tâm Giám sát an toàn thông tin đã phát hiện, cảnh báo và xử lý 27 sự cố, "
        "trong đó 3 sự cố mã độc tại máy trạm của các cơ quan; không để xảy ra sự cố nghiêm "
        "trọng làm gián đoạn hệ thống thông tin của tỉnh.",
        "## 4. Công tác cải cách hành chính, thanh tra",
        "Giải quyết 212 hồ sơ thủ tục hành chính thuộc thẩm quyền, 100% đúng và trước hạn. "
        "Thực hiện 01 cuộc thanh tra chuyên ngành về quản lý giá cước viễn thông, ban hành "
        "02 quyết định xử phạt vi phạm hành chính với tổng số tiền 35 triệu đồng.",
        "# II. KHÓ KHĂN, VƯỚNG MẮC",
        "Một số xã vùng sâu còn điểm lõm sóng di động; nguồn nhân lực chuyên trách công nghệ "
        "thông tin tại cấp xã còn thiếu; một bộ phận người dân chưa quen sử dụng dịch vụ công "
        "trực tuyến toàn trình.",
        "# III. NHIỆM VỤ QUÝ II NĂM 2026",
        "1. Tích hợp ký số từ xa vào Hệ thống quản lý và điều hành văn bản; triển khai trạm "
        "ký số dùng chung.",
        "2. Phối hợp doanh nghiệp viễn thông xóa các điểm lõm sóng; đôn đốc ngầm hóa mạng "
        "cáp viễn thông tại trung tâm các phường.",
        "3. Tổ chức diễn tập ứng cứu sự cố an toàn thông tin mạng cấp tỉnh năm 2026.",
        "Sở Thông tin và Truyền thông kính báo cáo UBND tỉnh./.",
    ),
    noi_nhan=(
        "UBND tỉnh (b/c);",
        "Bộ Khoa học và Công nghệ (b/c);",
        "Giám đốc Sở;",
        "Lưu: VT, VP.",
    ),
    steps=(*_TO_LEADER[:1], Step(_VP, "trinh_lanh_dao_so", "Số liệu đã được các phòng xác nhận.")),
    marked_by=(_CV,),
)

_TO_KIEM_TRA = DemoDocument(
    "QĐ",
    "Quyết định về việc thành lập Tổ kiểm tra công tác bảo đảm an toàn thông tin mạng năm 2026",
    title_line="Về việc thành lập Tổ kiểm tra công tác bảo đảm an toàn thông tin mạng năm 2026",
    file_name="QĐ thành lập Tổ kiểm tra ATTT.pdf",
    body=(
        "^ GIÁM ĐỐC SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
        "Căn cứ Luật An toàn thông tin mạng ngày 19 tháng 11 năm 2015;",
        "Căn cứ Nghị định số 85/2016/NĐ-CP ngày 01/7/2016 của Chính phủ về bảo đảm an toàn "
        "hệ thống thông tin theo cấp độ;",
        "Căn cứ Quyết định số 15/2025/QĐ-UBND của UBND tỉnh quy định chức năng, nhiệm vụ, "
        "quyền hạn và cơ cấu tổ chức của Sở Thông tin và Truyền thông;",
        "Theo đề nghị của Trưởng phòng Công nghệ thông tin.",
        "^ QUYẾT ĐỊNH:",
        "Điều 1. Thành lập Tổ kiểm tra công tác bảo đảm an toàn thông tin mạng năm 2026 tại "
        "các cơ quan nhà nước trên địa bàn tỉnh, gồm các ông (bà): Ông Nguyễn Thành Long, Phó "
        "Giám đốc Sở - Tổ trưởng; Bà Hoàng Thị Mai, Trưởng phòng Công nghệ thông tin - Tổ phó; "
        "Ông Vũ Đức Thắng, Phó Giám đốc Trung tâm Công nghệ thông tin và Truyền thông - Thành "
        "viên; Ông Y Sơn Niê, chuyên viên Phòng Công nghệ thông tin - Thành viên, thư ký.",
        "Điều 2. Tổ kiểm tra có nhiệm vụ kiểm tra việc phân loại, phê duyệt cấp độ và triển "
        "khai phương án bảo đảm an toàn hệ thống thông tin; việc cập nhật bản vá, phòng chống "
        "mã độc và sao lưu dữ liệu tại 12 cơ quan theo kế hoạch; báo cáo kết quả về Giám đốc "
        "Sở trước ngày 30/11/2026. Tổ kiểm tra tự giải thể sau khi hoàn thành nhiệm vụ.",
        "Điều 3. Quyết định này có hiệu lực kể từ ngày ký. Chánh Văn phòng Sở, Trưởng phòng "
        "Công nghệ thông tin, Thủ trưởng các đơn vị liên quan và các ông (bà) có tên tại Điều "
        "1 chịu trách nhiệm thi hành Quyết định này./.",
    ),
    noi_nhan=("Như Điều 3;", "Giám đốc Sở;", "Lưu: VT, CNTT."),
    steps=_TO_LEADER,
)

_TRUC_TET = DemoDocument(
    "TB",
    "Thông báo lịch trực bảo đảm thông tin liên lạc dịp Lễ Quốc khánh 02/9/2026",
    title_line="Lịch trực bảo đảm thông tin liên lạc dịp Lễ Quốc khánh 02/9/2026",
    file_name="TB lịch trực Quốc khánh 2026.pdf",
    body=(
        "Thực hiện chỉ đạo của UBND tỉnh về việc bảo đảm thông tin liên lạc phục vụ sự lãnh "
        "đạo, chỉ đạo của cấp ủy, chính quyền trong dịp nghỉ Lễ Quốc khánh 02/9/2026, Sở "
        "Thông tin và Truyền thông thông báo lịch trực như sau:",
        "1. Thời gian trực: từ 07 giờ 00 ngày 31/8/2026 đến 07 giờ 00 ngày 03/9/2026.",
        "2. Lãnh đạo trực: Giám đốc, các Phó Giám đốc Sở trực theo lịch phân công; cán bộ "
        "trực kỹ thuật tại Trung tâm Dữ liệu tỉnh bảo đảm 24/24 giờ.",
        "3. Các doanh nghiệp viễn thông, bưu chính trên địa bàn bố trí lực lượng ứng cứu, "
        "bảo đảm thông suốt mạng lưới; báo cáo tình hình trước 16 giờ 00 hằng ngày về Sở "
        "(qua Phòng Bưu chính - Viễn thông).",
        "Đề nghị các đơn vị, cá nhân được phân công thực hiện nghiêm túc lịch trực./.",
    ),
    noi_nhan=(
        "UBND tỉnh (b/c);",
        "Các doanh nghiệp BCVT;",
        "Các phòng, đơn vị thuộc Sở;",
        "Lưu: VT, VP.",
    ),
    signer_on_behalf="KT. GIÁM ĐỐC",
    signer_title="PHÓ GIÁM ĐỐC",
    signer_name="Nguyễn Thành Long",
    steps=(Step(_CV, "trinh_lanh_dao_so", "Kính trình lãnh đạo Sở ký."),),
)

_GIAY_MOI = DemoDocument(
    "GM",
    "Giấy mời dự Hội nghị tổng kết công tác năm 2025 và triển khai nhiệm vụ năm 2026",
    title_line="Dự Hội nghị tổng kết công tác năm 2025 và triển khai nhiệm vụ năm 2026",
    file_name="GM hội nghị tổng kết.pdf",
    body=(
        "Sở Thông tin và Truyền thông trân trọng kính mời: Đại diện lãnh đạo các sở, ban, "
        "ngành; lãnh đạo các cơ quan báo chí; các doanh nghiệp bưu chính, viễn thông trên địa "
        "bàn tỉnh.",
        "Đến dự Hội nghị tổng kết công tác năm 2025 và triển khai nhiệm vụ năm 2026 của ngành "
        "Thông tin và Truyền thông.",
        "Thời gian: 08 giờ 00, ngày 16 tháng 01 năm 2026 (thứ Sáu).",
        "Địa điểm: Hội trường tầng 3, Sở Thông tin và Truyền thông, đường 23 tháng 3, phường "
        "Nghĩa Đức, tỉnh Đắk Nông.",
        "Rất mong các đại biểu đến dự đúng thời gian./.",
    ),
    noi_nhan=("Như thành phần mời;", "Giám đốc, các PGĐ Sở;", "Lưu: VT, VP."),
    steps=(Step(_CV, "trinh_lanh_dao_van_phong", "Kính trình Chánh Văn phòng."),),
)

_TO_TRINH = DemoDocument(
    "TTr",
    "Tờ trình đề nghị phê duyệt dự toán kinh phí duy trì Cổng thông tin điện tử tỉnh năm 2026",
    title_line="Đề nghị phê duyệt dự toán kinh phí duy trì Cổng thông tin điện tử tỉnh năm 2026",
    file_name="TTr dự toán Cổng TTĐT 2026.pdf",
    kinh_gui=(),
    body=(
        "Kính gửi: Ủy ban nhân dân tỉnh Đắk Nông.",
        "Căn cứ Nghị định số 42/2022/NĐ-CP ngày 24/6/2022 của Chính phủ quy định về việc cung "
        "cấp thông tin và dịch vụ công trực tuyến của cơ quan nhà nước trên môi trường mạng;",
        "Căn cứ Quyết định giao dự toán ngân sách nhà nước năm 2026 của UBND tỉnh;",
        "Sở Thông tin và Truyền thông kính trình UBND tỉnh xem xét, phê duyệt dự toán kinh phí "
        "duy trì, vận hành Cổng thông tin điện tử tỉnh năm 2026 với tổng kinh phí "
        "1.245.000.000 đồng (Một tỷ, hai trăm bốn mươi lăm triệu đồng), gồm: thuê dịch vụ hạ "
        "tầng và bảo đảm an toàn thông tin 540.000.000 đồng; nhuận bút, thù lao tin, bài "
        "480.000.000 đồng; duy trì, nâng cấp phần mềm 225.000.000 đồng.",
        "Kính trình UBND tỉnh xem xét, phê duyệt./.",
    ),
    noi_nhan=("Như trên;", "Sở Tài chính;", "Giám đốc Sở;", "Lưu: VT, KHTC."),
    steps=(
        Step(_CV, "trinh_lanh_dao_van_phong", "Kính trình Chánh Văn phòng."),
        Step(_VP, "chuyen_tra_chuyen_vien", "Đề nghị tách riêng chi phí thuê hạ tầng."),
        Step(_CV, "trinh_lanh_dao_van_phong", "Đã chỉnh sửa theo ý kiến, kính trình lại."),
    ),
)

_CUNG_CAP_THONG_TIN = DemoDocument(
    "CV",
    "cung cấp thông tin định kỳ cho Cổng thông tin điện tử tỉnh năm 2026",
    file_name="CV cung cấp thông tin Cổng TTĐT.pdf",
    kinh_gui=("Các sở, ban, ngành tỉnh",),
    body=(
        "Để bảo đảm thông tin trên Cổng thông tin điện tử tỉnh đầy đủ, chính xác, kịp thời "
        "theo Nghị định số 42/2022/NĐ-CP của Chính phủ, Sở Thông tin và Truyền thông đề nghị "
        "các cơ quan, đơn vị cung cấp định kỳ trước ngày 25 hằng tháng các thông tin sau: "
        "tin, bài về hoạt động của ngành; văn bản chỉ đạo, điều hành; kết quả giải quyết thủ "
        "tục hành chính; thông tin về dự án, đấu thầu, mua sắm công.",
        "Thông tin gửi qua Hệ thống quản lý và điều hành văn bản hoặc hộp thư công vụ "
        "bbt.congttdt@daknong.gov.vn.",
        "Sở Thông tin và Truyền thông đề nghị các cơ quan, đơn vị quan tâm phối hợp./.",
    ),
    noi_nhan=("Như trên;", "Giám đốc Sở;", "Lưu: VT, TTBCXB."),
)

_KY_NIEM_DANG = DemoDocument(
    "KH",
    "Kế hoạch tuyên truyền kỷ niệm 96 năm Ngày thành lập Đảng Cộng sản Việt Nam "
    "(03/02/1930 - 03/02/2026)",
    title_line="Tuyên truyền kỷ niệm 96 năm Ngày thành lập Đảng Cộng sản Việt Nam "
    "(03/02/1930 - 03/02/2026)",
    file_name="KH tuyên truyền 96 năm thành lập Đảng.pdf",
    body=(
        "Thực hiện Hướng dẫn số 12-HD/BTGDVTU của Ban Tuyên giáo và Dân vận Tỉnh ủy về tuyên "
        "truyền các ngày lễ, kỷ niệm năm 2026, Sở Thông tin và Truyền thông xây dựng kế hoạch "
        "tuyên truyền như sau:",
        "# I. MỤC ĐÍCH, YÊU CẦU",
        "Tuyên truyền sâu rộng truyền thống vẻ vang của Đảng Cộng sản Việt Nam; khẳng định vai "
        "trò lãnh đạo của Đảng đối với sự nghiệp cách mạng; củng cố niềm tin của Nhân dân đối "
        "với Đảng.",
        "# II. NỘI DUNG, HÌNH THỨC",
        "Các cơ quan báo chí mở chuyên trang, chuyên mục; hệ thống thông tin cơ sở phát tin, "
        "bài; treo băng rôn, khẩu hiệu tại các tuyến đường chính; đăng tải trên Trang thông "
        "tin điện tử của Sở và các nền tảng mạng xã hội.",
        "# III. TỔ CHỨC THỰC HIỆN",
        "Phòng Thông tin - Báo chí - Xuất bản chủ trì hướng dẫn, theo dõi; Trung tâm Công nghệ "
        "thông tin và Truyền thông thực hiện các sản phẩm tuyên truyền trên môi trường số./.",
    ),
    noi_nhan=("Ban Tuyên giáo và Dân vận Tỉnh ủy;", "Các cơ quan báo chí;", "Lưu: VT, TTBCXB."),
    steps=(
        *_TO_LEADER,
        Step(
            _LD,
            "chuyen_tra_chuyen_vien",
            "Đề nghị bổ sung nội dung tuyên truyền trên nền "
            "tảng số và phân công cụ thể cho từng đơn vị.",
        ),
    ),
)

_HUONG_DAN_KY_SO = DemoDocument(
    "HD",
    "Hướng dẫn ký số văn bản điện tử trên Hệ thống quản lý và điều hành văn bản",
    title_line="Ký số văn bản điện tử trên Hệ thống quản lý và điều hành văn bản",
    file_name="HD ký số trên hệ thống.pdf",
    body=(
        "Để thống nhất cách ký số văn bản điện tử trên Hệ thống quản lý và điều hành văn bản, "
        "Sở Thông tin và Truyền thông hướng dẫn như sau:",
        "1. Cấu hình tài khoản: vào mục Thông tin cá nhân, chọn Hình thức ký số là Ký số "
        "token; chọn Ảnh ký số (ảnh chữ ký màu xanh, nền trong suốt) và căn lề; nhấn Lưu.",
        "2. Ký số: tại cửa sổ Thông tin văn bản đi, chọn Ký số token trên tệp đính kèm; chọn "
        "vị trí trước khi ký số, căn chỉnh chữ ký đúng quy định rồi chọn Áp dụng. Vị trí đã "
        "chọn được ghi nhớ cho các văn bản sau.",
        "3. Phát hành: sau khi ký, chọn Chuyển Văn thư Sở để văn thư cấp số, ngày tháng năm, "
        "ký số của cơ quan và phát hành văn bản.",
        "Trong quá trình thực hiện, nếu có vướng mắc, liên hệ Trung tâm Công nghệ thông tin "
        "và Truyền thông để được hỗ trợ./.",
    ),
    noi_nhan=("Các phòng, đơn vị thuộc Sở;", "Lưu: VT, CNTT."),
    steps=(*_TO_LEADER, Step(_LD, "ky_so"), Step(_LD, "chuyen_van_thu", "Đề nghị phát hành.")),
    related=(2,),
)

_QUY_CHE_IOC = DemoDocument(
    "QĐ",
    "Quyết định ban hành Quy chế quản lý, vận hành Trung tâm Giám sát, điều hành đô thị "
    "thông minh tỉnh Đắk Nông",
    title_line="Ban hành Quy chế quản lý, vận hành Trung tâm Giám sát, điều hành đô thị "
    "thông minh tỉnh Đắk Nông",
    file_name="QĐ Quy chế IOC.pdf",
    body=(
        "^ GIÁM ĐỐC SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
        "Căn cứ Nghị định số 47/2020/NĐ-CP ngày 09/4/2020 của Chính phủ về quản lý, kết nối "
        "và chia sẻ dữ liệu số của cơ quan nhà nước;",
        "Theo đề nghị của Giám đốc Trung tâm Công nghệ thông tin và Truyền thông.",
        "^ QUYẾT ĐỊNH:",
        "Điều 1. Ban hành kèm theo Quyết định này Quy chế quản lý, vận hành Trung tâm Giám "
        "sát, điều hành đô thị thông minh tỉnh Đắk Nông.",
        "Điều 2. Quyết định này có hiệu lực kể từ ngày ký.",
        "Điều 3. Chánh Văn phòng Sở, Giám đốc Trung tâm Công nghệ thông tin và Truyền thông "
        "và Thủ trưởng các đơn vị liên quan chịu trách nhiệm thi hành Quyết định này./.",
    ),
    noi_nhan=("Như Điều 3;", "UBND tỉnh (b/c);", "Lưu: VT, CNTT."),
    steps=(
        *_TO_LEADER,
        Step(_LD, "ky_so"),
        Step(_LD, "chuyen_van_thu"),
        Step(_VT, "ban_hanh", "Đã cấp số, phát hành qua trục liên thông."),
    ),
    related=(1,),
    marked_by=(_VT,),
)

_AN_TOAN_TET = DemoDocument(
    "CV",
    "tăng cường bảo đảm an toàn thông tin mạng dịp Tết Nguyên đán Bính Ngọ 2026",
    file_name="CV ATTT dịp Tết 2026.pdf",
    kinh_gui=("Các cơ quan, đơn vị trên địa bàn tỉnh",),
    body=(
        "Dịp Tết Nguyên đán thường gia tăng các cuộc tấn công mạng, lừa đảo trực tuyến nhằm "
        "vào cơ quan nhà nước. Sở Thông tin và Truyền thông đề nghị các cơ quan, đơn vị: cập "
        "nhật bản vá bảo mật; sao lưu dữ liệu quan trọng; không mở tệp, đường dẫn lạ; phân "
        "công cán bộ theo dõi và báo cáo ngay sự cố về Trung tâm Giám sát an toàn thông tin "
        "của tỉnh (đường dây nóng 0261.3.999.xxx)./.",
    ),
    noi_nhan=("Như trên;", "Lưu: VT, CNTT."),
    steps=(
        Step(_CV, "trinh_lanh_dao_so", "Văn bản khẩn, kính trình Giám đốc."),
        Step(_LD, "ky_so"),
        Step(_LD, "chuyen_van_thu"),
        Step(_VT, "ban_hanh"),
        Step(_VT, "luan_chuyen", "Gửi Chánh Văn phòng để theo dõi.", to=_VP),
        Step(_VT, "ket_thuc", "Đã gửi đủ nơi nhận."),
    ),
)

_GIAO_BAN = DemoDocument(
    "TB",
    "Thông báo kết luận của Giám đốc Sở tại cuộc họp giao ban tháng 11 năm 2026",
    title_line="Kết luận của Giám đốc Sở tại cuộc họp giao ban tháng 11 năm 2026",
    file_name="TB kết luận giao ban tháng 11.pdf",
    body=(
        "Ngày 02/11/2026, Giám đốc Sở chủ trì cuộc họp giao ban tháng 11 năm 2026. Sau khi "
        "nghe các phòng, đơn vị báo cáo, Giám đốc Sở kết luận như sau:",
        "1. Các phòng, đơn vị tập trung hoàn thành các chỉ tiêu năm 2026, nhất là tỷ lệ hồ sơ "
        "trực tuyến toàn trình và tỷ lệ văn bản điện tử được ký số.",
        "2. Phòng Công nghệ thông tin khẩn trương hoàn thành thử nghiệm trạm ký số dùng chung, "
        "báo cáo kết quả trước ngày 20/11/2026.",
        "3. Văn phòng Sở chuẩn bị nội dung tổng kết năm, dự thảo kế hoạch năm 2027./.",
    ),
    noi_nhan=("Giám đốc, các PGĐ Sở;", "Các phòng, đơn vị thuộc Sở;", "Lưu: VT, VP."),
)

_HUY = DemoDocument(
    "CV",
    "đăng ký nhu cầu cấp chứng thư số năm 2026 (dự thảo thay thế)",
    file_name="CV đăng ký chứng thư số (cũ).pdf",
    kinh_gui=("Ban Cơ yếu Chính phủ",),
    body=(
        "Sở Thông tin và Truyền thông đăng ký nhu cầu cấp mới 25 chứng thư số cá nhân và 02 "
        "chứng thư số cơ quan năm 2026 (danh sách kèm theo)./.",
    ),
    noi_nhan=("Như trên;", "Lưu: VT, CNTT."),
    steps=(Step(_CV, "ket_thuc", "Dự thảo trùng, đã thay bằng văn bản khác."),),
)

_TAP_HUAN_KY_SO = DemoDocument(
    "KH",
    "Kế hoạch tập huấn sử dụng chữ ký số cho cán bộ, công chức năm 2026",
    title_line="Tập huấn sử dụng chữ ký số cho cán bộ, công chức năm 2026",
    file_name="KH tập huấn chữ ký số 2026.pdf",
    body=(
        "Nhằm nâng cao tỷ lệ văn bản điện tử được ký số, Sở Thông tin và Truyền thông xây "
        "dựng kế hoạch tập huấn sử dụng chữ ký số cho cán bộ, công chức năm 2026 như sau:",
        "# I. MỤC ĐÍCH, YÊU CẦU",
        "Cán bộ, công chức sử dụng thành thạo chữ ký số trên token và trên Hệ thống quản lý và "
        "điều hành văn bản; văn thư các cơ quan thực hiện đúng quy trình cấp số, ký số cơ quan "
        "và phát hành văn bản điện tử theo Nghị định số 30/2020/NĐ-CP.",
        "# II. THỜI GIAN, ĐỊA ĐIỂM, THÀNH PHẦN",
        "Tổ chức 03 lớp tại Hội trường Sở (lịch chi tiết tại Phụ lục kèm theo); thành phần là "
        "lãnh đạo, văn thư và chuyên viên các cơ quan, đơn vị trên địa bàn tỉnh.",
        "# III. TỔ CHỨC THỰC HIỆN",
        "Phòng Công nghệ thông tin chủ trì, chuẩn bị tài liệu và token thực hành; Văn phòng "
        "Sở bảo đảm hội trường và kinh phí theo quy định./.",
    ),
    noi_nhan=("Các cơ quan, đơn vị trên địa bàn tỉnh;", "Giám đốc, các PGĐ Sở;", "Lưu: VT, CNTT."),
    appendix=Appendix(
        "Phụ lục",
        "LỊCH CÁC LỚP TẬP HUẤN SỬ DỤNG CHỮ KÝ SỐ NĂM 2026",
        ("Lớp", "Thành phần", "Thời gian", "Số học viên"),
        (0.8, 3.4, 2.0, 1.6),
        (
            ("1", "Lãnh đạo các sở, ban, ngành", "Tháng 12", "40"),
            ("2", "Văn thư các cơ quan, đơn vị", "Tháng 12", "60"),
            ("3", "Chuyên viên các cơ quan, đơn vị", "Tháng 12", "80"),
        ),
        "Phụ lục lịch tập huấn.pdf",
    ),
    steps=(*_TO_LEADER, Step(_LD, "ky_so"), Step(_LD, "chuyen_van_thu", "Đề nghị phát hành.")),
)

DEMO_DOCUMENTS: tuple[DemoDocument, ...] = (
    _TET_TRONG_CAY,
    _CHUYEN_DOI_SO,
    _DON_DOC_KY_SO,
    _BAO_CAO_QUY,
    _TO_KIEM_TRA,
    _TRUC_TET,
    _GIAY_MOI,
    _TO_TRINH,
    _CUNG_CAP_THONG_TIN,
    _KY_NIEM_DANG,
    _HUONG_DAN_KY_SO,
    _QUY_CHE_IOC,
    _AN_TOAN_TET,
    _GIAO_BAN,
    _HUY,
    _TAP_HUAN_KY_SO,
)
"""The seeded documents, oldest first: six wait for the lãnh đạo Sở's signature, two
(one with an appendix) wait for the văn thư to issue them."""
