"""The page's scripts from the npm registry into Solara's cache (sim.app.assets), against
a registry served on 127.0.0.1 by the test."""

from __future__ import annotations

import base64
import hashlib
import http.server
import io
import json
import tarfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from sim.app import assets
from sim.app.assets import check_integrity, ensure_assets, required_packages, unpack
from sim.errors import UsageError


def _archive(files: dict[str, bytes], links: dict[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            tar.addfile(info)
    return buffer.getvalue()


def _integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def test_the_installed_solara_asks_for_its_application_requirejs_and_font_awesome() -> None:
    from solara.server import settings

    template = (Path(settings.__file__).parent / "templates" / "solara.html.j2").read_text(encoding="utf-8")
    names = [name for name, _ in required_packages(template, vue3=True, fontawesome_path="/font-awesome@4.5.0/x.css")]
    assert names == ["@widgetti/solara-vuetify3-app", "requirejs", "font-awesome"]
    names = [name for name, _ in required_packages(template, vue3=False)]
    assert names == ["@widgetti/solara-vuetify-app", "requirejs"]


def test_a_checksum_that_does_not_match_is_refused() -> None:
    data = b"console.log(1)"
    check_integrity(data, _integrity(data), "")
    check_integrity(data, "", hashlib.sha1(data, usedforsecurity=False).hexdigest())
    with pytest.raises(ValueError, match="sha512"):
        check_integrity(data + b" ", _integrity(data), "")
    with pytest.raises(ValueError, match="sha1"):
        check_integrity(data, "", "0" * 40)
    with pytest.raises(ValueError, match="no checksum"):
        check_integrity(data, "", "")


def test_only_the_package_folder_is_unpacked_and_nothing_outside_it(tmp_path: Path) -> None:
    archive = _archive(
        {"package/dist/app.js": b"ok", "package/../../evil.js": b"no", "other/readme": b"no"},
        links={"package/dist/link": "/etc/passwd"},
    )
    target = tmp_path / "unpacked"
    target.mkdir()
    with pytest.raises(tarfile.TarError):  # the data filter refuses the path that leaves the folder
        unpack(archive, target)
    assert not (tmp_path / "evil.js").exists()
    safe = _archive({"package/dist/app.js": b"ok", "other/readme": b"no"})
    clean = tmp_path / "clean"
    clean.mkdir()
    unpack(safe, clean)
    assert sorted(str(p.relative_to(clean)) for p in clean.rglob("*")) == ["dist", "dist/app.js"]


class _Registry(http.server.BaseHTTPRequestHandler):
    """An npm registry of one package: metadata at /<name>/<version>, the archive at /tarball."""

    archive = b""
    integrity = ""
    requests: list[str] = []  # noqa: RUF012 (the test's log of requests)

    def do_GET(self) -> None:
        type(self).requests.append(self.path)
        host, port = self.server.server_address[:2]
        if self.path == "/tarball":
            body = type(self).archive
        elif self.path == "/@scope/pkg/1.0.0":
            body = json.dumps(
                {"dist": {"tarball": f"http://{host}:{port}/tarball", "integrity": self.integrity}}
            ).encode()
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    cache = tmp_path / "cdn"
    monkeypatch.setattr(assets, "_solara_needs", lambda: ([("@scope/pkg", "1.0.0")], cache))
    _Registry.archive = _archive({"package/dist/main.js": b"// the app"})
    _Registry.integrity = _integrity(_Registry.archive)
    _Registry.requests = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Registry)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", cache
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_missing_packages_are_fetched_once_into_the_cache(registry: tuple[str, Path]) -> None:
    address, cache = registry
    assert ensure_assets(address) == ["@scope/pkg@1.0.0"]
    assert (cache / "@scope" / "pkg@1.0.0" / "dist" / "main.js").read_bytes() == b"// the app"
    assert ensure_assets(address) == []  # already there: nothing asked of the registry
    assert _Registry.requests == ["/@scope/pkg/1.0.0", "/tarball"]


def test_a_damaged_archive_is_named_and_leaves_nothing_in_the_cache(registry: tuple[str, Path]) -> None:
    address, cache = registry
    _Registry.integrity = _integrity(b"something else")
    with pytest.raises(UsageError) as refused:
        ensure_assets(address)
    assert "@scope/pkg@1.0.0" in str(refused.value) and "sha512" in str(refused.value)
    assert not cache.exists()  # checked before anything is written


def test_an_archive_that_fails_to_unpack_leaves_no_half_folder(registry: tuple[str, Path]) -> None:
    address, cache = registry
    _Registry.archive = _archive({"package/dist/main.js": b"ok", "package/../../../evil.js": b"no"})
    _Registry.integrity = _integrity(_Registry.archive)
    with pytest.raises(UsageError, match=r"@scope/pkg@1\.0\.0"):
        ensure_assets(address)
    assert list((cache / "@scope").iterdir()) == []  # the staging folder is gone, no package folder


def test_an_unreachable_registry_is_named(registry: tuple[str, Path]) -> None:
    address, _ = registry
    with pytest.raises(
        UsageError, match=r"could not fetch @scope/pkg@1\.0\.0, a script of the page, from the npm registry .*404"
    ):
        ensure_assets(address + "missing/")
