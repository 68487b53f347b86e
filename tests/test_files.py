from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sim.errors import OutputError, ScenarioError
from sim.files import (
    check_output_file,
    check_output_folder,
    final_mode,
    read_input,
    write_atomic,
    write_folder_atomic,
    write_text_atomic,
)


def null_device(folder: Path) -> Path:
    """A character device that discards what is written, like ``/dev/null``: a private one
    in ``folder`` when the tests run as root (who could replace the real one if a refusal
    broke), else ``/dev/null`` itself (which no other user can replace)."""
    if os.geteuid() != 0:
        return Path("/dev/null")
    device = folder / "null"
    os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    return device


def is_device(path: str | Path) -> bool:
    return stat.S_ISCHR(os.stat(path).st_mode)


@pytest.fixture
def places(tmp_path: Path) -> dict[str, Path]:
    """A regular file, a folder, a FIFO and a device in a fresh folder."""
    (tmp_path / "file.txt").write_text("keep")
    (tmp_path / "folder").mkdir()
    os.mkfifo(tmp_path / "fifo")
    device = null_device(tmp_path)
    return {"file": tmp_path / "file.txt", "folder": tmp_path / "folder", "fifo": tmp_path / "fifo", "device": device}


def full_disk(path: str) -> None:
    """A writer that runs out of space half-way through its file."""
    Path(path).write_text("half of a fi")
    raise OSError(errno.ENOSPC, "No space left on device")


OUTPUT_FILE_REFUSALS = [
    ("{folder}", "is a folder; name a file"),
    ("{fifo}", "is a FIFO (named pipe), not a regular file"),
    ("{device}", "is a device, not a regular file"),
    ("{file}/x", "file.txt is a file, not a folder"),
    ("{file}/x/y/z.nfg", "file.txt is a file, not a folder"),
    ("", "not a usable path"),
    ("a\0b", "not a usable path"),
]


@pytest.mark.parametrize(
    ("path", "fragment"),
    OUTPUT_FILE_REFUSALS,
    ids=["folder", "fifo", "device", "below-a-file", "deep-below-a-file", "empty", "nul"],
)
def test_an_output_file_must_be_a_regular_file_or_a_new_path(places: dict[str, Path], path: str, fragment: str) -> None:
    target = path.format(**places)
    with pytest.raises(OutputError) as raised:
        check_output_file(target, "--output")
    assert str(raised.value).startswith("--output ") and fragment in str(raised.value)
    with pytest.raises(OutputError, match=r"^--output "):
        write_text_atomic(Path(target), "text", "--output")
    assert places["file"].read_text() == "keep"
    assert stat.S_ISFIFO(places["fifo"].stat().st_mode)
    assert is_device(places["device"]), "the device is never replaced by a file"


@pytest.mark.parametrize(
    ("path", "fragment"),
    [
        ("{file}", "exists and is not a folder (it is a file)"),
        ("{fifo}", "exists and is not a folder (it is a FIFO (named pipe))"),
        ("{device}", "exists and is not a folder (it is a device)"),
        ("{file}/run", "file.txt is a file, not a folder"),
        ("", "not a usable path"),
    ],
    ids=["file", "fifo", "device", "below-a-file", "empty"],
)
def test_an_output_folder_must_be_a_folder_or_a_new_path(places: dict[str, Path], path: str, fragment: str) -> None:
    target = path.format(**places)
    with pytest.raises(OutputError) as raised:
        check_output_folder(target, "--out")
    assert str(raised.value).startswith(f"--out {target if target else repr('')}: ")
    assert fragment in str(raised.value)
    with pytest.raises(OutputError):
        write_folder_atomic(Path(target), {"a.txt": lambda p: Path(p).write_text("a")})
    assert places["file"].read_text() == "keep" and is_device(places["device"])


def test_missing_parent_folders_are_created(tmp_path: Path) -> None:
    target = tmp_path / "new" / "deeper" / "game.nfg"
    assert write_text_atomic(target, "NFG") == target
    assert target.read_text() == "NFG"
    folder = tmp_path / "a" / "b" / "run"
    write_folder_atomic(folder, {"x.csv": lambda p: Path(p).write_text("x")})
    assert sorted(p.name for p in folder.iterdir()) == ["x.csv"]


def test_a_full_disk_leaves_the_old_file_and_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "game.nfg"
    target.write_text("the previous complete file")
    with pytest.raises(OutputError, match=r"cannot write .*game.nfg: the disk is full .*; nothing was written"):
        write_atomic(target, full_disk)
    assert target.read_text() == "the previous complete file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["game.nfg"]


def test_a_full_disk_removes_the_parent_folders_it_created(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="the disk is full"):
        write_atomic(tmp_path / "new" / "deeper" / "game.nfg", full_disk)
    assert list(tmp_path.iterdir()) == []


def writers_failing_at(failing: str) -> dict[str, Callable[[str], object]]:
    names = ["rounds.csv", "rounds.parquet", "summary.json"]
    return {
        name: (full_disk if name == failing else (lambda p, n=name: Path(p).write_text(f"new {n}"))) for name in names
    }


@pytest.mark.parametrize("failing", ["rounds.csv", "summary.json"], ids=["first-file", "last-file"])
def test_a_full_disk_while_saving_a_folder_keeps_the_previous_complete_state(tmp_path: Path, failing: str) -> None:
    folder = tmp_path / "run"
    write_folder_atomic(folder, {n: (lambda p, n=n: Path(p).write_text(f"old {n}")) for n in writers_failing_at("")})
    (folder / "notes.txt").write_text("the user's")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    with pytest.raises(OutputError, match=r"cannot write into .*run: the disk is full .*; nothing was changed"):
        write_folder_atomic(folder, writers_failing_at(failing))
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before  # no temporary folder either
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_a_full_disk_while_saving_a_new_folder_leaves_no_folder(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="the disk is full"):
        write_folder_atomic(tmp_path / "out" / "run", writers_failing_at("summary.json"))
    assert list(tmp_path.iterdir()) == []


def test_a_new_folder_appears_only_complete(tmp_path: Path) -> None:
    seen = []

    def look(path: str) -> None:
        seen.append((tmp_path / "run").exists())
        Path(path).write_text("x")

    write_folder_atomic(tmp_path / "run", {"a": look, "b": look})
    assert seen == [False, False]
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == ["a", "b"]


def refuse_permission(*args: object, **kwargs: object) -> None:
    raise PermissionError(errno.EACCES, "Permission denied")


def test_a_folder_without_write_permission_is_refused_before_writing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # simulated: the tests may run as root, whom no permission stops
    monkeypatch.setattr(tempfile, "mkdtemp", refuse_permission)
    monkeypatch.setattr(tempfile, "mkstemp", refuse_permission)
    with pytest.raises(OutputError, match=r"^--output .*x.nfg: cannot write in .*: permission denied$"):
        check_output_file(tmp_path / "x.nfg", "--output")
    with pytest.raises(OutputError, match=r"^--out .*run: cannot write in .*: permission denied$"):
        check_output_folder(tmp_path / "new" / "run", "--out")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(OutputError, match="permission denied"):
            write_text_atomic(folder / "x.nfg", "NFG", "--output")
        with pytest.raises(OutputError, match="permission denied"):
            check_output_folder(folder / "run", "--out")
    finally:
        folder.chmod(0o700)
    assert list(folder.iterdir()) == []


def test_a_read_only_file_system_names_the_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def read_only(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(tempfile, "mkdtemp", read_only)
    with pytest.raises(OutputError, match="the file system is read-only"):
        check_output_folder(tmp_path / "run", "--out")


def test_a_symbolic_link_is_written_through(tmp_path: Path) -> None:
    real = tmp_path / "real.nfg"
    real.write_text("old")
    link = tmp_path / "link.nfg"
    link.symlink_to(real)
    write_text_atomic(link, "new")
    assert link.is_symlink() and real.read_text() == "new"


def test_a_link_to_a_device_is_refused(tmp_path: Path) -> None:
    device = null_device(tmp_path)
    link = tmp_path / "link"
    link.symlink_to(device)
    with pytest.raises(OutputError, match="is a device"):
        write_text_atomic(link, "text")
    assert link.is_symlink() and is_device(device)


@pytest.mark.parametrize(
    ("path", "fragment"),
    [
        ("{fifo}", "is a FIFO (named pipe), not a scenario file; give a regular file"),
        ("/dev/zero", "is a device, not a scenario file; give a regular file"),  # would never end (read only)
        ("{folder}", "is a directory, not a scenario file"),
        ("{folder}/missing.yaml", "no such file"),
        ("{file}/x.yaml", "cannot read the file: Not a directory"),
        ("a\0b.yaml", "cannot read the file: not a usable path"),
    ],
    ids=["fifo", "dev-zero", "folder", "missing", "below-a-file", "nul"],
)
def test_only_regular_files_are_read(places: dict[str, Path], path: str, fragment: str) -> None:
    name = path.format(**places)
    with pytest.raises(ScenarioError) as raised:
        read_input(name, "a scenario file")
    assert str(raised.value) == f"{name}: {fragment}"


def test_file_names_of_a_folder_are_names_not_paths(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="a file name, not a path"):
        write_folder_atomic(tmp_path / "run", {"../escape.txt": lambda p: None})
    assert list(tmp_path.iterdir()) == []


# output files respect the user's umask (issue 17: results were private, 0o600, whatever the umask)


@pytest.fixture(params=[0o022, 0o077], ids=["umask-022", "umask-077"])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    old = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_file_gets_the_mode_of_the_umask(tmp_path: Path, umask: int) -> None:
    # open() would give 0o666 & ~umask: 0o644 under 0o022, 0o600 under 0o077
    written = write_text_atomic(tmp_path / "new" / "a.txt", "a\n")
    assert mode(written) == {0o022: 0o644, 0o077: 0o600}[umask]
    assert mode(tmp_path / "new") == {0o022: 0o755, 0o077: 0o700}[umask]  # the parent made on the way


def test_a_new_folder_of_files_gets_the_modes_of_the_umask(tmp_path: Path, umask: int) -> None:
    # mkdir() would give 0o777 & ~umask: 0o755 under 0o022, 0o700 under 0o077
    folder = tmp_path / "run"
    write_folder_atomic(folder, {"a.csv": lambda p: Path(p).write_text("a\n")})
    assert (mode(folder), mode(folder / "a.csv")) == {0o022: (0o755, 0o644), 0o077: (0o700, 0o600)}[umask]
    write_folder_atomic(folder, {"b.csv": lambda p: Path(p).write_text("b\n")})  # into the existing folder
    assert mode(folder / "b.csv") == {0o022: 0o644, 0o077: 0o600}[umask]


def test_a_replaced_file_keeps_its_own_mode(tmp_path: Path, umask: int) -> None:
    target = tmp_path / "a.txt"
    target.write_text("old\n")
    target.chmod(0o640)
    write_text_atomic(target, "new\n")
    assert (target.read_text(), mode(target)) == ("new\n", 0o640)


def test_the_umask_is_read_without_proc_too(tmp_path: Path, umask: int, monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_open = builtins.open

    def no_proc(file: object, *args: object, **kwargs: object) -> object:
        if file == "/proc/self/status":
            raise FileNotFoundError(file)
        return real_open(file, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(builtins, "open", no_proc)
    assert final_mode(tmp_path / "new.txt") == 0o666 & ~umask
    assert os.umask(umask) == umask  # and put back as it was
