"""The photo upload form: `multipart/form-data` with repeated `images` files and `room_ordinal` fields, read
as it streams in, each photo straight into memory.

Starlette's form parser writes every file over 1 MB to a temporary file, which the endpoint then reads
back: for a request of ten phone photos that was most of the request's time (bench/README.md). Memory is
bounded without it: the whole body by `RequestSizeLimit`, each photo by `max_file_bytes` (a photo over
it stops being kept at once and is then refused by name), the number of photos by `max_files`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request

from housescan.config import Settings
from housescan.errors import BadRequest, HouseScanError
from housescan.scans.service import UploadedFile, UploadRejected

FILES_FIELD = "images"
ROOMS_FIELD = "room_ordinal"
_MAX_FIELD_BYTES = 32  # a room ordinal is a short number (python-multipart bounds each part's headers)

_CONTROL_CHARACTERS = dict.fromkeys([*range(0x20), 0x7F])


def _shown_name(filename: bytes) -> str:
    """A file's name is only ever shown: control characters (NUL among them, which no database text column
    holds) are dropped rather than refusing a photo for its name."""
    return filename.decode("utf-8", "replace").translate(_CONTROL_CHARACTERS)


# The request body as the API documents it (the form is read by hand, so FastAPI cannot derive it).
OPENAPI_REQUEST_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": [FILES_FIELD, ROOMS_FIELD],
                "properties": {
                    FILES_FIELD: {
                        "type": "array",
                        "items": {"type": "string", "format": "binary"},
                        "description": "photos, repeated",
                    },
                    ROOMS_FIELD: {
                        "type": "array",
                        "items": {"type": "integer"},
                        "description": "the room of each photo, same order",
                    },
                },
            }
        }
    },
}


class FormRejected(HouseScanError):
    """The photo form itself is unusable (not multipart, malformed, too many files, missing fields)."""

    statuses = (400, 413, 415, 422)

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code


@dataclass
class _Part:
    name: str = ""
    filename: str | None = None
    data: bytearray = field(default_factory=bytearray)
    limit: int = 0
    size: int = 0  # every byte sent, also those not kept


@dataclass
class _Reader:
    max_file_bytes: int
    max_files: int
    files: list[tuple[str, bytes, int]] = field(default_factory=list)
    ordinals: list[str] = field(default_factory=list)
    part: _Part = field(default_factory=_Part)
    header_name: bytearray = field(default_factory=bytearray)
    header_value: bytearray = field(default_factory=bytearray)
    headers: dict[str, bytes] = field(default_factory=dict)

    def on_part_begin(self) -> None:
        self.headers = {}
        self.part = _Part()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def on_header_end(self) -> None:
        self.headers[self.header_name.decode("latin-1").lower()] = bytes(self.header_value)
        self.header_name, self.header_value = bytearray(), bytearray()

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self.headers.get("content-disposition", b""))
        name = options.get(b"name", b"").decode("utf-8", "replace")
        filename = options.get(b"filename")
        self.part.name = name
        self.part.filename = _shown_name(filename) if filename is not None else None
        if name == FILES_FIELD:
            if len(self.files) == self.max_files:
                self._reject(413, f"more than {self.max_files} files sent; at most {self.max_files} per request")
            self.part.limit = self.max_file_bytes + 1  # one byte over: enough to say the photo is too large
        elif name == ROOMS_FIELD:
            self.part.limit = _MAX_FIELD_BYTES + 1
        # any other field is read past and not kept (limit 0)

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        self.part.size += end - start
        room = self.part.limit - len(self.part.data)
        if room > 0:
            self.part.data += data[start : min(end, start + room)]

    def on_part_end(self) -> None:
        part = self.part
        if part.name == FILES_FIELD:
            self.files.append((part.filename or "", bytes(part.data), part.size))
        elif part.name == ROOMS_FIELD:
            if len(part.data) > _MAX_FIELD_BYTES:
                self._reject(422, f"a {ROOMS_FIELD} value is longer than {_MAX_FIELD_BYTES} bytes")
            self.ordinals.append(part.data.decode("utf-8", "replace").strip())

    def _reject(self, status_code: int, message: str) -> None:
        raise FormRejected(status_code, message)  # python-multipart lets a callback's exception through


async def read_photo_form(
    content_type: str,
    body: AsyncIterator[bytes],
    *,
    max_file_bytes: int,
    max_files: int,
    room_ordinal: int | None = None,
) -> list[UploadedFile]:
    """The uploaded photos with their room ordinals, in the order sent; FormRejected names what is wrong.
    With `room_ordinal` given (photos of one known room, e.g. a finding's) the form carries no ordinals."""
    media_type, options = parse_options_header(content_type)
    if media_type == b"application/x-www-form-urlencoded":  # a form, but one that cannot carry files
        raise FormRejected(422, f"no files were sent in the `{FILES_FIELD}` field (send multipart/form-data)")
    if media_type != b"multipart/form-data":
        raise FormRejected(
            415, f"send the photos as multipart/form-data with `{FILES_FIELD}` and `{ROOMS_FIELD}` fields"
        )
    boundary = options.get(b"boundary")
    if not boundary:
        raise FormRejected(400, "the multipart/form-data content type has no boundary")
    reader = _Reader(max_file_bytes=max_file_bytes, max_files=max_files)
    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": reader.on_part_begin,
            "on_part_data": reader.on_part_data,
            "on_part_end": reader.on_part_end,
            "on_header_field": reader.on_header_field,
            "on_header_value": reader.on_header_value,
            "on_header_end": reader.on_header_end,
            "on_headers_finished": reader.on_headers_finished,
        },
    )
    try:
        async for chunk in body:
            parser.write(chunk)
        parser.finalize()
    except MultipartParseError as exc:
        raise FormRejected(400, f"the multipart body is malformed: {exc}") from None
    if not reader.files:
        raise FormRejected(422, f"no files were sent in the `{FILES_FIELD}` field")
    if room_ordinal is not None:
        return [
            UploadedFile(filename=name, room_ordinal=room_ordinal, data=data, size=size)
            for name, data, size in reader.files
        ]
    if len(reader.ordinals) != len(reader.files):
        raise FormRejected(
            422,
            f"{len(reader.files)} files but {len(reader.ordinals)} {ROOMS_FIELD} values; send one {ROOMS_FIELD}"
            " per file",
        )
    not_numbers = [value for value in reader.ordinals if not value.lstrip("-").isdigit()]
    if not_numbers:
        raise FormRejected(422, f"every {ROOMS_FIELD} must be a whole number, got {not_numbers[0][:20]!r}")
    ordinals = [int(value) for value in reader.ordinals]
    return [
        UploadedFile(filename=filename, room_ordinal=ordinal, data=data, size=size)
        for (filename, data, size), ordinal in zip(reader.files, ordinals, strict=True)
    ]


class UploadInterrupted(BadRequest):
    message = "the upload was interrupted before it ended"


# What a route that takes photos may answer besides its own errors.
PHOTO_UPLOAD_ERRORS = (FormRejected, UploadInterrupted, UploadRejected)


async def photos_of_request(
    request: Request, settings: Settings, *, room_ordinal: int | None = None
) -> list[UploadedFile]:
    """The photos of an upload request, streamed and bounded by the upload limits (see read_photo_form)."""
    try:
        return await read_photo_form(
            request.headers.get("content-type", ""),
            request.stream(),
            max_file_bytes=settings.max_image_bytes,
            max_files=settings.max_images_per_request,
            room_ordinal=room_ordinal,
        )
    except ClientDisconnect:  # a phone that lost its connection mid-upload: nothing was stored
        raise UploadInterrupted() from None
