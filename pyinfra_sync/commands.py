"""Pure builders of every command a sync runs on the target (POSIX sh, coreutils, find, tar).

Nothing here runs anything. ``shell()`` is the one place that quotes; every path and
pattern reaches the target through it.
"""

from __future__ import annotations

import posixpath
import shlex
from collections.abc import Iterable, Sequence
from itertools import groupby

from pyinfra_sync import listing as ls
from pyinfra_sync import manifest as mf
from pyinfra_sync.manifest import in_trees
from pyinfra_sync.plan import SyncPlan, _parents, all_parents, dirs_to_prune

PREFIX = ".pyinfra-sync-"  # archive and staging dir, directly under the destination root
PAYLOAD = "f"  # inside the staging dir: the changed files, by their relative path
SCRIPT = "apply.sh"  # inside the staging dir: the moves and deletes of this change set
CACHE = "manifest-cache"  # inside the staging dir: the target's new manifest cache (listing.py)
BATCH = 200  # paths per rm/mv line of the script


def shell(argv: Sequence[str]) -> str:
    """Join argv into one shell-safe command line (the only quoting in the package)."""
    return " ".join(shlex.quote(str(arg)) for arg in argv)


def archive_name(token: str) -> str:
    return f"{PREFIX}{token}.tar.gz"


def staging_name(token: str) -> str:
    return f"{PREFIX}{token}"


def prune_expression(excludes: Iterable[str]) -> list[str]:
    """find arguments that skip (never descend into, never list) every excluded name."""
    names: list[str] = []
    for pattern in excludes:
        names += (["-o"] if names else []) + ["-name", pattern]
    return ["(", *names, ")", "-prune", "-o"] if names else []


def manifest(root: str, trees: Sequence[str], excludes: Iterable[str]) -> str:
    """ONE command listing every file of the trees as `sha256sum` lines, executable files
    first (section markers of manifest.py). A missing root prints ABSENT, a missing tree
    lists nothing; a target without sha256sum says so rather than list no file.

    sha256sum escapes names holding a newline or backslash, so any name survives the
    line-based output. -H: a tree that is a symlink on the target is listed through it
    (without, find lists the link alone and every file would look new on every run)."""
    prune = prune_expression(excludes)

    def listing(permission: list[str]) -> str:
        find = shell([*prune, "-type", "f", *permission, "-exec", "sha256sum", "--", "{}", "+"])
        return f'[ "$#" -eq 0 ] || find -H "$@" {find}'

    return (
        f"command -v sha256sum >/dev/null 2>&1 || {{ echo {shell([mf.NO_SHA256SUM])}; exit 0; }}; "
        f"cd {shell([root])} 2>/dev/null || {{ echo {shell([mf.ABSENT])}; exit 0; }}; "
        f'set --; for tree in {shell(trees)}; do if [ -d "$tree" ]; then set -- "$@" "$tree"; fi; done; '
        f"echo {shell([mf.EXECUTABLE])}; {listing(['-perm', '-100'])}; "
        f"echo {shell([mf.PLAIN])}; {listing(['!', '-perm', '-100'])}; "
        f"echo {shell([mf.END])}"
    )


def listing(root: str, trees: Sequence[str], excludes: Iterable[str]) -> str:
    """ONE command for the quick check: every file of the trees as `<mode> <size> <mtime>
    <path>` (GNU find -printf, nothing read), then the manifest cache file (listing.py).
    A missing root prints ABSENT, a missing tree lists nothing. Records end in NUL and
    tr swaps NUL and newline, so a name holding a newline stays one line."""
    prune = prune_expression(excludes)
    find = shell([*prune, "-type", "f", "-printf", "%m %s %T@ %p\\0"])
    return (
        f"find . -maxdepth 0 -printf '' 2>/dev/null || {{ echo {shell([ls.NO_GNU_FIND])}; exit 0; }}; "
        f"cd {shell([root])} 2>/dev/null || {{ echo {shell([ls.ABSENT])}; exit 0; }}; "
        f'set --; for tree in {shell(trees)}; do if [ -d "$tree" ]; then set -- "$@" "$tree"; fi; done; '
        f"echo {shell([ls.LISTING])}; "
        f"[ \"$#\" -eq 0 ] || find -H \"$@\" {find} | tr '\\n\\000' '\\000\\n'; "
        f"echo {shell([ls.CACHE])}; cat {shell([ls.cache_name(trees, excludes)])} 2>/dev/null; "
        f"echo; echo {shell([ls.END])}"
    )


def hashes(root: str, paths: Sequence[str]) -> str:
    """ONE command hashing some files on the target (where the quick check cannot decide),
    as `sha256sum` lines; a file that vanished is simply not listed."""
    return f"cd {shell([root])} && {{ sha256sum -- {shell([f'./{p}' for p in paths])} 2>/dev/null; true; }}"


def contents(root: str, paths: Sequence[str]) -> str:
    """ONE command printing the current content of some files as a base64 tar (for diffs);
    a file that vanished is simply not in it."""
    members = shell([f"./{path}" for path in paths])
    return f"cd {shell([root])} && {{ tar -cf - -- {members} 2>/dev/null; true; }} | base64"


def mkdir(path: str) -> str:
    return shell(["mkdir", "-p", "--", path])


def apply(dest_root: str, token: str) -> str:
    """ONE command: unpack the uploaded archive into a staging dir next to the trees (same
    filesystem, so each move is an atomic rename), run its script, and always remove the
    archive and staging dir. Owners are the target user's, modes and mtimes those of the
    archive (the local files': the target's quick check relies on them). The archive is
    several tars one after the other, gzipped or not: -i reads past each end, and GNU tar
    recognises gzip by itself."""
    archive, staging = shell([archive_name(token)]), shell([staging_name(token)])
    return (
        f"cd {shell([dest_root])} && {{ rm -rf {staging} && mkdir {staging} && "
        f"tar -x -i -f {archive} -C {staging} --no-same-owner -p && sh {staging}/{SCRIPT} {staging}; "
        f"rc=$?; rm -rf {staging} {archive}; exit $rc; }}"
    )


def _batches(paths: Sequence[str]) -> list[Sequence[str]]:
    return [paths[i : i + BATCH] for i in range(0, len(paths), BATCH)]


def fresh_dirs(uploads: Sequence[str], existing: Iterable[str], trees: Sequence[str]) -> tuple[str, ...]:
    """The topmost directories (a tree or inside one) that receive uploads and hold no
    file on the target: the trees themselves on a first sync."""
    occupied, wanted = all_parents(existing), all_parents(uploads)
    candidates = {d for d in wanted if d not in occupied and (d in trees or in_trees(d, trees))}
    return tuple(sorted(d for d in candidates if d in trees or posixpath.dirname(d) not in candidates))


def _moves(uploads: Sequence[str]) -> list[str]:
    """mkdir the target dirs, then rename each staged file into place, a batch per dir."""
    targets = sorted({posixpath.dirname(path) for path in uploads})
    lines = [shell(["mkdir", "-p", "--", *batch]) for batch in _batches(targets)]
    by_directory = sorted(uploads, key=lambda path: (posixpath.dirname(path), path))
    for directory, group in groupby(by_directory, key=posixpath.dirname):
        # mv with several sources renames each into the directory; it refuses to replace
        # a directory by a file rather than move the file inside it.
        for batch in _batches(list(group)):
            staged = " ".join(f'"$1"/{PAYLOAD}/{shell([path])}' for path in batch)
            lines.append(f"mv -f -- {staged} {shell([directory + '/'])}")
    return lines


def apply_script(
    plan: SyncPlan,
    kept: Iterable[str],
    trees: Sequence[str],
    cache_file: str | None = None,
    existing: Iterable[str] | None = None,
    append_cache: bool = False,
) -> str:
    """The script `apply` runs from the destination root with the staging dir as $1:
    delete what was deleted locally, rmdir the directories that left empty (rmdir never
    removes a directory that still holds anything, e.g. an excluded node_modules), create
    target dirs, then rename each staged file (or a whole directory the target has no
    file in: `existing`, the target's files) into place, and last the new manifest cache
    (if the script stops before, the old cache's entries no longer match the moved
    files' size and mtime, so they are hashed next run). It travels inside the archive,
    so thousands of paths never hit the target's command-line length limit."""
    lines = ["# generated by pyinfra_sync: one change set, run from the destination root", "set -e"]
    lines += [shell(["rm", "-f", "--", *batch]) for batch in _batches(plan.deleted)]
    empty = dirs_to_prune(plan.deleted, kept, trees)
    lines += [f"{shell(['rmdir', '--', *batch])} 2>/dev/null || true" for batch in _batches(empty)]
    uploads = plan.to_upload
    fresh = fresh_dirs(uploads, existing, trees) if existing is not None else ()
    under_fresh: dict[str, list[str]] = {top: [] for top in fresh}
    rest = []
    for path in uploads:
        top = next((d for d in _parents(posixpath.dirname(path)) if d in under_fresh), None)
        (under_fresh[top] if top is not None else rest).append(path)
    lines += _moves(rest)
    for top, paths in under_fresh.items():
        # A directory the target has no file in is moved in whole (one rename instead of a
        # mv per directory); if it exists after all (holding excluded files only, say),
        # its files are moved one by one as anywhere else.
        parent = posixpath.dirname(top)
        whole = f'mv -- "$1"/{PAYLOAD}/{shell([top])} {shell([top])}'
        lines.append(f"if [ -e {shell([top])} ] || [ -L {shell([top])} ]; then")
        lines += ["  " + line for line in _moves(paths)]
        lines += ["else", f"  {shell(['mkdir', '-p', '--', parent])}"] if parent else ["else"]
        lines += [f"  {whole}", "fi"]
    if cache_file is not None:
        # No cache in the archive (a checksum sync): drop the old one rather than leave
        # entries that may vouch for content this sync replaced.
        target = shell([cache_file])
        if append_cache:  # a chunk of the uploaded files' entries (listing.parse_cache)
            lines.append(f'cat -- "$1"/{CACHE} >> {target}')
        else:
            lines.append(f'if [ -f "$1"/{CACHE} ]; then mv -f -- "$1"/{CACHE} {target}; else rm -f -- {target}; fi')
    return "\n".join(lines) + "\n"
