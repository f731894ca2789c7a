"""Previews kept on the server between the check and the confirmation: one private file per upload,
bound to the person who uploaded it, expiring, and claimed by one confirmation only."""
from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from flask import current_app

from portal.imports.columns import Problem
from portal.imports.files import limit

DEFAULT_PREVIEW_MINUTES = 60
TOKEN = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


@dataclass
class Staged:
    """A checked file waiting for confirmation. Clear national ID numbers are never in it."""

    token: str
    kind: str
    user_id: int | None
    filename: str
    sha256: str
    created: float
    options: dict = field(default_factory=dict)
    rows: list[dict] = field(default_factory=list)
    problems: list[dict] = field(default_factory=list)
    summary: dict = field(default_factory=dict)

    def problem_objects(self) -> list[Problem]:
        return [Problem(**p) for p in self.problems]

    @property
    def has_errors(self) -> bool:
        return any(p["severity"] == "error" for p in self.problems)


def staging_dir() -> Path:
    path = Path(current_app.config.get("IMPORT_STAGING_DIR") or Path(current_app.instance_path) / "imports")
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _expiry_seconds() -> int:
    return 60 * limit("PREVIEW_MINUTES", DEFAULT_PREVIEW_MINUTES)


def purge_expired(*, now: float | None = None) -> int:
    """Delete previews nobody confirmed in time; returns how many."""
    now = time.time() if now is None else now
    removed = 0
    for path in [*staging_dir().glob("*.json"), *staging_dir().glob("*.claimed")]:
        try:
            if now - path.stat().st_mtime > _expiry_seconds():
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    return removed


def stage(*, kind: str, user_id: int | None, filename: str, sha256: str, options: dict, rows: list[dict],
          problems: Sequence[Problem], summary: dict) -> Staged:
    purge_expired()
    staged = Staged(
        token=secrets.token_urlsafe(32), kind=kind, user_id=user_id, filename=filename, sha256=sha256,
        created=time.time(), options=options, rows=rows, problems=[asdict(p) for p in problems], summary=summary,
    )
    path = staging_dir() / f"{staged.token}.json"
    temporary = path.with_suffix(".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        json.dump(asdict(staged), out, ensure_ascii=False, separators=(",", ":"))
    os.replace(temporary, path)
    return staged


def load_staged(token: str, *, user_id: int | None) -> Staged | None:
    """The preview behind a token, if it exists, belongs to this user and has not expired."""
    if not TOKEN.match(token or ""):
        return None
    path = staging_dir() / f"{token}.json"
    try:
        with path.open(encoding="utf-8") as source:
            staged = Staged(**json.load(source))
    except (FileNotFoundError, ValueError, TypeError):
        return None
    if staged.user_id != user_id:
        return None
    if time.time() - staged.created > _expiry_seconds():
        discard(token)
        return None
    return staged


def claim_staged(token: str, *, user_id: int | None) -> Staged | None:
    """Take the preview for confirmation, so that a second click (or a second tab) cannot import it twice:
    the file is renamed, which succeeds for one request only. `release` gives it back if the import fails."""
    staged = load_staged(token, user_id=user_id)
    if staged is None:
        return None
    path = staging_dir() / f"{token}.json"
    try:
        os.replace(path, path.with_suffix(".claimed"))
    except FileNotFoundError:
        return None
    return staged


def release(token: str) -> None:
    path = staging_dir() / f"{token}.claimed"
    try:
        os.replace(path, path.with_suffix(".json"))
    except FileNotFoundError:
        pass


def discard(token: str) -> None:
    if TOKEN.match(token or ""):
        (staging_dir() / f"{token}.json").unlink(missing_ok=True)
        (staging_dir() / f"{token}.claimed").unlink(missing_ok=True)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def safe_filename(name: str | None) -> str:
    """The uploaded file's name for display and the audit log: no path, no control characters."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in unicodedata.normalize("NFKC", name) if ch.isprintable())
    return name.strip()[:200] or "upload"
