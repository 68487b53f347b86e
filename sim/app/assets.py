"""The page's scripts and styles, put where Solara's server finds them without the internet.

A Solara page loads its front end (the Vuetify application, RequireJS, Font Awesome)
through the server's own CDN proxy (``/_solara/cdn/...``), which serves a file from its
cache folder or fetches it from ``cdn.jsdelivr.net``. On a machine that reaches only the
package registries (a classroom behind a proxy, a CI runner) that fetch fails and the
page stays blank. The same files are npm packages, so :func:`ensure_assets` fills the
cache from the npm registry (``$npm_config_registry``, by default
``https://registry.npmjs.org/``): once, before the server starts, each archive checked
against the registry's SHA-512 and unpacked whole or not at all. The package versions
are read from Solara's own page template, so a newer Solara asks for what it needs.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
import shutil
import tarfile
import tempfile
import urllib.request
from pathlib import Path

from sim.errors import UsageError

__all__ = ["DEFAULT_REGISTRY", "ensure_assets", "required_packages"]

#: Where npm packages come from unless ``$npm_config_registry`` says otherwise.
DEFAULT_REGISTRY = "https://registry.npmjs.org/"

#: ``{{cdn}}/@scope/name@1.2.3/...`` in Solara's template: a package and its version.
_REFERENCE = re.compile(r"\{\{\s*cdn\s*\}\}(?:\{\{[^}]*\}\})?/((?:@[\w.-]+/)?[\w.-]+)@(\d[\w.+-]*)/")
_FONTAWESOME = re.compile(r"^/((?:@[\w.-]+/)?[\w.-]+)@(\d[\w.+-]*)/")
#: The Vuetify application of the other Vue version than the one installed (not needed).
_OTHER_APP = {True: "@widgetti/solara-vuetify-app", False: "@widgetti/solara-vuetify3-app"}
_TIMEOUT = 120  # seconds per download: the largest archive is about 18 MB


def required_packages(template: str, *, vue3: bool, fontawesome_path: str = "") -> list[tuple[str, str]]:
    """The npm packages (name, version) a Solara page template loads through the CDN.

    Parameters
    ----------
    template : str
        The text of Solara's ``solara.html.j2``.
    vue3 : bool
        Whether the installed ipyvue is version 3 (the page then loads the Vuetify 3
        application, not the Vuetify 2 one).
    fontawesome_path : str
        Solara's ``assets.fontawesome_path`` setting (``/font-awesome@4.5.0/css/...``).

    Examples
    --------
    >>> page = '<link href="{{cdn}}/@widgetti/solara-vuetify3-app@5.2.0/dist/main.css">'
    >>> page += '<script src="{{cdn}}/requirejs@2.3.6/require.js"></script>'
    >>> page += '<link href="{{cdn}}/@widgetti/solara-vuetify-app@10.1.1/dist/main.css">'
    >>> required_packages(page, vue3=True, fontawesome_path="/font-awesome@4.5.0/css/font-awesome.min.css")
    [('@widgetti/solara-vuetify3-app', '5.2.0'), ('requirejs', '2.3.6'), ('font-awesome', '4.5.0')]
    """
    found = [(name, version) for name, version in _REFERENCE.findall(template) if name != _OTHER_APP[vue3]]
    if fontawesome_path and (match := _FONTAWESOME.match(fontawesome_path)):
        found.append((match[1], match[2]))
    return list(dict.fromkeys(found))


def _solara_needs() -> tuple[list[tuple[str, str]], Path]:
    import ipyvue
    from solara.server import settings

    template = Path(settings.__file__).parent / "templates" / "solara.html.j2"
    vue3 = str(ipyvue.__version__).startswith("3")
    packages = required_packages(
        template.read_text(encoding="utf-8"), vue3=vue3, fontawesome_path=settings.assets.fontawesome_path
    )
    return packages, Path(settings.assets.proxy_cache_dir)


def ensure_assets(registry: str | None = None) -> list[str]:
    """Fill Solara's CDN cache with the packages its page loads, from the npm registry.

    Packages already in the cache are left alone, so this costs nothing after the first
    start.

    Parameters
    ----------
    registry : str, optional
        The npm registry's address (``$npm_config_registry`` or
        :data:`DEFAULT_REGISTRY` by default).

    Returns
    -------
    list of str
        The packages fetched now (``name@version``).

    Raises
    ------
    UsageError
        If a package could not be fetched or did not match the registry's checksum: the
        message names it and says that the page then needs the internet.
    """
    packages, cache = _solara_needs()
    configured = os.environ.get("npm_config_registry")  # noqa: SIM112 (npm's own lowercase name)
    base = registry or configured or DEFAULT_REGISTRY
    fetched = []
    for name, version in packages:
        folder = cache / f"{name}@{version}"
        if folder.is_dir():
            continue
        try:
            _install(base, name, version, folder)
        except (OSError, ValueError, tarfile.TarError) as exc:
            raise UsageError(
                f"could not fetch {name}@{version}, a script of the page, from the npm registry {base} ({exc}); "
                "the page will try cdn.jsdelivr.net instead, which needs the internet "
                "(set npm_config_registry to a registry you can reach)"
            ) from None
        fetched.append(f"{name}@{version}")
    return fetched


def _get(url: str) -> bytes:
    if not url.startswith(("https://", "http://")):
        raise ValueError(f"not a web address: {url}")
    with urllib.request.urlopen(url, timeout=_TIMEOUT) as answer:
        data: bytes = answer.read()
    return data


def _install(registry: str, name: str, version: str, folder: Path) -> None:
    """Download ``name@version``, check it, and unpack its ``package/`` folder into ``folder``."""
    about = json.loads(_get(f"{registry.rstrip('/')}/{name}/{version}"))
    dist = about["dist"]
    archive = _get(dist["tarball"])
    check_integrity(archive, dist.get("integrity", ""), dist.get("shasum", ""))
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".unpacking-", dir=folder.parent))
    try:
        unpack(archive, staging)
        os.replace(staging, folder)  # whole or not at all
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def check_integrity(archive: bytes, integrity: str, shasum: str) -> None:
    """Check an npm archive against the registry's ``integrity`` (``sha512-<base64>``)
    or, for old packages without one, its SHA-1 ``shasum``.

    Raises
    ------
    ValueError
        If neither is given or the archive does not match.

    Examples
    --------
    >>> digest = base64.b64encode(hashlib.sha512(b"x").digest()).decode()
    >>> check_integrity(b"x", f"sha512-{digest}", "")
    >>> check_integrity(b"y", f"sha512-{digest}", "")
    Traceback (most recent call last):
    ...
    ValueError: the archive does not match the registry's sha512 checksum
    """
    if integrity.startswith("sha512-"):
        expected = base64.b64decode(integrity.removeprefix("sha512-"))
        if hashlib.sha512(archive).digest() != expected:
            raise ValueError("the archive does not match the registry's sha512 checksum")
        return
    if shasum:
        if hashlib.sha1(archive, usedforsecurity=False).hexdigest() != shasum:
            raise ValueError("the archive does not match the registry's sha1 checksum")
        return
    raise ValueError("the registry gives no checksum for the archive")


def unpack(archive: bytes, folder: Path) -> None:
    """Unpack the ``package/`` folder of an npm archive into ``folder``: regular files and
    folders only, none outside it (tarfile's ``data`` filter).

    Examples
    --------
    >>> import tempfile
    >>> buffer = io.BytesIO()
    >>> with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
    ...     info = tarfile.TarInfo("package/dist/a.js"); info.size = 2
    ...     tar.addfile(info, io.BytesIO(b"//"))
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     unpack(buffer.getvalue(), Path(folder))
    ...     print((Path(folder) / "dist" / "a.js").read_text())
    //
    """
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
        for member in tar.getmembers():
            top, _, rest = member.name.partition("/")
            if top != "package" or not rest:
                continue
            member.name = rest
            if hasattr(tarfile, "data_filter"):  # Python 3.11.4 and newer
                tar.extract(member, folder, filter="data")
            elif (member.isfile() or member.isdir()) and not Path(rest).is_absolute() and ".." not in Path(rest).parts:
                tar.extract(member, folder)
