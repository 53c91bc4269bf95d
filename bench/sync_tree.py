"""Tree sync wall time: our pyinfra_sync.sync_trees against `rsync -a --delete` of the
same trees, side by side in one run, at 2,000 and 20,000 files.

Each size: a generated tree (5 trees of nested dirs, 0.2-4 KB text files, a few
executable, plus an excluded node_modules) is synced to fresh directories by each tool
(first sync, a cold local hash cache each time), then both are timed on a no-op rerun
and on a rerun after one file changed, interleaved. Times are whole processes (median of
--runs). "pyinfra floor" is `pyinfra <target> exec -- true`, what any pyinfra run pays
(start-up, connecting); the goal is no-op and one-change <= floor + 0.5 s and a first
sync <= 2x rsync. Needs rsync on this machine (and on the target for --target).

    .venv/bin/python bench/sync_tree.py                          # @local, 2,000 and 20,000 files
    .venv/bin/python bench/sync_tree.py --files 2000 --runs 3 --files-sync   # + files.sync footnote
    .venv/bin/python bench/sync_tree.py --target 127.0.0.1 --ssh-port 2222 --ssh-user dev \\
        --ssh-key key --ssh-known-hosts-file known_hosts --dest /tmp/sync-bench
"""

from __future__ import annotations

import argparse
import os
import random
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from devstack.stack import EXCLUDES  # noqa: E402

PYINFRA = str(Path(sys.executable).with_name("pyinfra"))
DEPLOY = str(REPO / "bench" / "sync_tree_deploy.py")
TREES = ("infra", "apps/api", "apps/web", "images", "files")
SSH_DATA = ("ssh_hostname", "ssh_port", "ssh_user", "ssh_key", "ssh_known_hosts_file", "ssh_config_file")
CASES = ("first sync", "no-op", "one file changed")


def file_path(root: Path, index: int) -> Path:
    return root / TREES[index % len(TREES)] / f"dir{index % 7}" / f"sub{index % 11}" / f"file{index:05}.txt"


def make_tree(root: Path, files: int, seed: int = 5) -> None:
    rng = random.Random(seed)
    for index in range(files):
        path = file_path(root, index)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(f"line {n} {rng.random()}\n" for n in range(rng.randint(8, 160))))
        if index % 50 == 0:
            path.chmod(0o755)
    for index in range(300):
        dep = root / "apps" / "web" / "node_modules" / f"pkg{index % 30}" / f"index{index}.js"
        dep.parent.mkdir(parents=True, exist_ok=True)
        dep.write_text("module.exports = {};\n")


def ssh_data(args: argparse.Namespace) -> list[str]:
    return [f"{key}={getattr(args, key)}" for key in SSH_DATA if getattr(args, key) is not None]


def run(argv: list[str], env: dict[str, str] | None = None, cwd: Path = REPO) -> float:
    start = time.perf_counter()
    result = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"{argv[0]} failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return elapsed


def pyinfra(args: argparse.Namespace, tool: str, src: Path, dest: str, cache: Path) -> float:
    env = dict(os.environ, BENCH_TOOL=tool, BENCH_SRC=str(src), BENCH_DEST=dest, BENCH_TREES=",".join(TREES))
    env.update(PYTHONPATH=str(REPO), XDG_CACHE_HOME=str(cache))
    argv = [PYINFRA, args.target, DEPLOY, "-y"]
    for item in ssh_data(args):
        argv += ["--data", item]
    return run(argv, env)


def floor(args: argparse.Namespace) -> float:
    argv = [PYINFRA, args.target, "exec", "-y"]
    for item in ssh_data(args):
        argv += ["--data", item]
    return run([*argv, "--", "true"])


def rsync(args: argparse.Namespace, src: Path, dest: str) -> float:
    """rsync -a --delete of the same trees, the same names excluded (at any depth, as ours)."""
    argv = ["rsync", "-a", "--delete", "--relative", *(f"--exclude={name}" for name in EXCLUDES), *TREES]
    if args.target == "@local":
        Path(dest).mkdir(parents=True, exist_ok=True)
        return run([*argv, dest + "/"], cwd=src)
    ssh = ["ssh", "-o", "BatchMode=yes"]
    ssh += ["-p", str(args.ssh_port)] if args.ssh_port else []
    ssh += ["-i", args.ssh_key] if args.ssh_key else []
    ssh += ["-o", f"UserKnownHostsFile={args.ssh_known_hosts_file}"] if args.ssh_known_hosts_file else []
    ssh += ["-F", args.ssh_config_file] if args.ssh_config_file else []
    host = args.ssh_hostname or args.target
    user = f"{args.ssh_user}@" if args.ssh_user else ""
    return run([*argv, "--mkpath", "-e", shlex.join(ssh), f"{user}{host}:{dest}/"], cwd=src)


def bench_size(args: argparse.Namespace, scratch: Path, files: int) -> dict[str, dict[str, list[float]]]:
    src = scratch / f"src-{files}"
    make_tree(src, files)
    dest = args.dest or str(scratch / "dest")
    base = f"{dest}/{files}"
    results: dict[str, dict[str, list[float]]] = {"ours": {}, "rsync": {}, "floor": {}}
    for tool in ("ours", "rsync"):
        results[tool] = {case: [] for case in CASES}
    for run_index in range(args.first_runs):  # fresh copies, a cold local hash cache
        print(f"{files} files: first sync {run_index + 1}/{args.first_runs}...", file=sys.stderr, flush=True)
        cold = scratch / f"cache-{files}-{run_index}"
        results["ours"]["first sync"].append(pyinfra(args, "ours", src, f"{base}/ours{run_index}", cold))
        results["rsync"]["first sync"].append(rsync(args, src, f"{base}/rsync{run_index}"))
    if args.target == "@local":  # both copies must hold the same files, or the race is unfair
        ours, theirs = (
            sorted(p.relative_to(root) for p in Path(root).rglob("*") if p.is_file() and ".pyinfra-sync" not in p.name)
            for root in (f"{base}/ours0", f"{base}/rsync0")
        )
        assert ours == theirs and len(ours) == files, f"copies differ: {len(ours)} vs {len(theirs)} files"
    cache = scratch / f"cache-{files}-0"  # the one the first run into ours0 filled
    results["floor"]["no-op"] = []
    changed = file_path(src, 1)
    for run_index in range(args.runs):  # interleaved, so drift on the machine hits all alike
        results["floor"]["no-op"].append(floor(args))
        results["ours"]["no-op"].append(pyinfra(args, "ours", src, f"{base}/ours0", cache))
        results["rsync"]["no-op"].append(rsync(args, src, f"{base}/rsync0"))
        changed.write_text(f"edit {run_index}\n" + changed.read_text())
        results["ours"]["one file changed"].append(pyinfra(args, "ours", src, f"{base}/ours0", cache))
        results["rsync"]["one file changed"].append(rsync(args, src, f"{base}/rsync0"))
    if args.files_sync and files == min(args.files):
        stock = f"{base}/stock"
        results["files.sync"] = {"first sync": [pyinfra(args, "stock", src, stock, cache)]}
        results["files.sync"]["no-op"] = [pyinfra(args, "stock", src, stock, cache)]
    if args.target == "@local":
        shutil.rmtree(base, ignore_errors=True)
    return results


def report(all_results: dict[int, dict[str, dict[str, list[float]]]], args: argparse.Namespace) -> None:
    med = statistics.median
    print(f"\ntarget {args.target}; median of {args.runs} runs (first sync: {args.first_runs}), seconds")
    print(f"{'files':>6} {'case':18} {'ours':>7} {'rsync':>7} {'ours/rsync':>10} {'ours - floor':>12}")
    for files, results in all_results.items():
        base = med(results["floor"]["no-op"])
        for case in CASES:
            ours, theirs = med(results["ours"][case]), med(results["rsync"][case])
            print(f"{files:>6} {case:18} {ours:7.2f} {theirs:7.2f} {ours / theirs:10.2f} {ours - base:12.2f}")
        print(f"{files:>6} {'pyinfra floor':18} {base:7.2f}   (`pyinfra {args.target} exec -- true`)")
    for files, results in all_results.items():
        if "files.sync" in results:
            first, noop = results["files.sync"]["first sync"][0], results["files.sync"]["no-op"][0]
            print(f"footnote: pyinfra's stock files.sync, {files} files, one run each: first {first:.2f} s, no-op {noop:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, action="append", help="tree size (repeatable; default 2000 and 20000)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--first-runs", type=int, default=3, help="timed first syncs (fresh copies)")
    parser.add_argument("--files-sync", action="store_true", help="also time stock files.sync once (slow)")
    parser.add_argument("--target", default="@local", help="pyinfra inventory: @local or a host name/address")
    parser.add_argument("--dest", help="directory on the target for the copies (default: a local temp dir)")
    for key in SSH_DATA:
        parser.add_argument("--" + key.replace("_", "-"), dest=key, help=f"pyinfra host data {key}")
    args = parser.parse_args()
    args.files = args.files or [2000, 20000]
    if args.dest is None and args.target != "@local":
        parser.error("--dest is needed with a remote --target (a directory the bench may fill)")
    if shutil.which("rsync") is None:
        parser.error("rsync is not installed here (the anchor): apt-get install rsync")
    with tempfile.TemporaryDirectory(prefix="sync-bench-") as scratch:
        all_results = {files: bench_size(args, Path(scratch), files) for files in args.files}
    report(all_results, args)


if __name__ == "__main__":
    main()
