"""Photos: only real JPEG/PNG (by content), re-encoded without metadata, served only to those who may see the resume."""
from __future__ import annotations

from io import BytesIO

import pytest
from PIL import Image

from portal.errors import RuleViolation
from portal.resumes import photos
from tests.resumes.conftest import EN


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (400, 300), (180, 40, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # camera make
    exif[0x0112] = 6  # orientation: the picture must be turned upright
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 27.0)}  # GPS
    out = BytesIO()
    image.save(out, format="JPEG", exif=exif, comment=b"secret comment")
    return out.getvalue()


def _png(size=(300, 400), mode="RGBA") -> bytes:
    out = BytesIO()
    Image.new(mode, size, (20, 120, 200, 128) if mode == "RGBA" else (20, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def test_a_jpeg_is_re_encoded_upright_without_metadata():
    photo = photos.process(_jpeg_with_gps())
    image = Image.open(BytesIO(photo.data))
    assert image.format == "JPEG" and photo.mime == "image/jpeg"
    assert image.size == (300, 400)  # turned by its orientation tag, within 600 × 800
    assert not image.getexif() and b"PhoneMaker" not in photo.data and b"secret comment" not in photo.data
    assert "exif" not in image.info and "comment" not in image.info


def test_a_large_transparent_png_is_flattened_and_shrunk():
    photo = photos.process(_png(size=(1800, 2400)))
    image = Image.open(BytesIO(photo.data))
    assert image.mode == "RGB" and image.size == (600, 800)


@pytest.mark.parametrize("raw", [
    b"GIF89a" + b"\x00" * 100,
    b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'></svg>",
    b"\xff\xd8\xff\xe0 not really a jpeg" + b"\x00" * 200,
    b"%PDF-1.4 pretending",
    b"",
])
def test_anything_else_is_refused(raw):
    with pytest.raises(RuleViolation):
        photos.process(raw)


def test_a_gif_or_a_truncated_png_is_refused():
    out = BytesIO()
    Image.new("RGB", (100, 100)).save(out, format="GIF")
    with pytest.raises(RuleViolation):
        photos.process(out.getvalue())
    with pytest.raises(RuleViolation):
        photos.process(_png()[:200])


def test_a_decompression_bomb_is_refused_before_decoding():
    out = BytesIO()
    Image.new("1", (9000, 9000)).save(out, format="PNG")  # tiny file, 81 megapixels
    with pytest.raises(RuleViolation, match="dimensions"):
        photos.process(out.getvalue())


def test_a_file_over_the_size_limit_is_refused(monkeypatch):
    monkeypatch.setattr(photos, "MAX_UPLOAD_BYTES", 1000)
    with pytest.raises(RuleViolation, match="larger than"):
        photos.process(_png(size=(400, 400), mode="RGB") + b"\x00" * 1000)


def test_uploading_shows_the_photo_to_those_who_may_see_the_resume(app, users, client_as, make_resume, make_user,
                                                                  login, assign):
    rid = make_resume(users["student_record"])
    assign(users["student_record"], users["mentor"])
    student = client_as("student")
    response = student.post(f"/resumes/{rid}/photo", data={"photo": (BytesIO(_jpeg_with_gps()), "me.jpg")},
                            content_type="multipart/form-data")
    assert response.status_code == 302
    editor = student.get(f"/resumes/{rid}", headers=EN).get_data(as_text=True)
    assert f'src="/resumes/{rid}/photo?v=' in editor
    for client in (student, client_as("mentor"), client_as("admin")):
        served = client.get(f"/resumes/{rid}/photo")
        assert served.status_code == 200 and served.mimetype == "image/jpeg"
        assert served.headers["X-Content-Type-Options"] == "nosniff" and "no-store" in served.headers["Cache-Control"]
        assert Image.open(BytesIO(served.data)).format == "JPEG"
    for intruder in (make_user("mentor"), users["alumni"], make_user("student")):
        assert login(app.test_client(), intruder).get(f"/resumes/{rid}/photo").status_code == 403
    assert app.test_client().get(f"/resumes/{rid}/photo").status_code == 302  # to the sign-in page


def test_a_fake_photo_is_refused_with_a_message(app, users, client_as, make_resume):
    rid = make_resume(users["student_record"])
    student = client_as("student")
    response = student.post(f"/resumes/{rid}/photo", headers=EN, content_type="multipart/form-data",
                            data={"photo": (BytesIO(b"<script>alert(1)</script>"), "photo.jpg")})
    assert response.status_code == 400 and "not a JPEG or PNG photo" in response.get_data(as_text=True)
    assert student.get(f"/resumes/{rid}/photo").status_code == 404
    assert student.post(f"/resumes/{rid}/photo", headers=EN, data={}).status_code == 400


def test_the_photo_can_be_removed(app, users, client_as, make_resume):
    rid = make_resume(users["student_record"])
    student = client_as("student")
    student.post(f"/resumes/{rid}/photo", data={"photo": (BytesIO(_png()), "me.png")}, content_type="multipart/form-data")
    assert student.get(f"/resumes/{rid}/photo").status_code == 200
    assert student.post(f"/resumes/{rid}/photo/delete").status_code == 302
    assert student.get(f"/resumes/{rid}/photo").status_code == 404
