"""The Chinese catalogue is complete and up to date with the code."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from portal import ROOT

TRANSLATIONS = ROOT / "portal" / "translations"


def test_every_message_in_the_code_has_a_chinese_translation(tmp_path: Path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F", str(TRANSLATIONS / "babel.cfg"),
         "-k", "_l", "-k", "lazy_gettext", "--no-location", "-o", str(pot), "."],
        check=True, cwd=ROOT,
    )
    with pot.open("rb") as f:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    assert len(wanted) > 100, "the extraction found too few messages; is babel.cfg right?"
    with (TRANSLATIONS / "zh" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f)
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in catalog
        if m.id and not m.fuzzy and (all(m.string) if isinstance(m.string, (list, tuple)) else m.string)
    }
    missing = sorted(wanted - translated)
    assert not missing, f"{len(missing)} messages lack a Chinese translation (run `make update-messages`): {missing[:20]}"


def test_translations_keep_their_placeholders():
    import re

    with (TRANSLATIONS / "zh" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f)
    pattern = re.compile(r"%\(\w+\)[sd]")
    for message in catalog:
        if not message.id or not message.string:
            continue
        source = message.id if isinstance(message.id, str) else message.id[0]
        targets = message.string if isinstance(message.string, (list, tuple)) else [message.string]
        for target in targets:
            assert sorted(set(pattern.findall(source))) == sorted(set(pattern.findall(target))), source
