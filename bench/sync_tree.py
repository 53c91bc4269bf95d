"""Tree sync wall time: our pyinfra_sync.sync_trees vs pyinfra's files.sync, side by side.

A generated tree of 2,000 files in 5 trees (plus an excluded node_modules) is synced to
a fresh directory on the target by each tool; then both are timed on a no-op rerun and
on a rerun after one file changed. Times are whole `pyinfra` runs (median of --runs);
"pyinfra, no operation" is the floor every run pays (start-up, connecting).

    .venv/bin/python bench/sync_tree.py                      # against @local
    .venv/bin/python bench/sync_tree.py --target 127.0.0.1 --ssh-port 2222 --ssh-user root \\
        --ssh-key key --ssh-known-hosts-file known_hosts --dest /tmp/sync-bench
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PYINFRA = str(Path(sys.executable).with_name("pyinfra"))
DEPLOY = str(REPO / "bench" / "sync_tree_deploy.py")
TREES = ("infra", "apps/api", "apps/web", "images", "files")
SSH_DATA = ("ssh_hostname", "ssh_port", "ssh_user", "ssh_key", "ssh_known_hosts_file", "ssh_config_file")


def file_path(root: Path, index: int) -> Path:
    return root / TREES[index % len(TREES)] / f"dir{index % 7}" / f"sub{index % 11}" / f"file{index:05}.txt"


def make_tree(root: Path, files: int, seed: int = 5) -> None:
    """`files` files of 0.2-4 KB text spread over the trees in nested dirs, a few executable,
    and an excluded node_modules that must cost nothing."""
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


def pyinfra_argv(args: argparse.Namespace) -> list[str]:
    argv = [PYINFRA, args.target, DEPLOY, "-y"]
    for key in SSH_DATA:
        value = getattr(args, key)
        if value is not None:
            argv += ["--data", f"{key}={value}"]
    return argv


def timed_run(args: argparse.Namespace, tool: str, src: Path, dest: str) -> float:
    env = dict(
        os.environ,
        BENCH_TOOL=tool,
        BENCH_SRC=str(src),
        BENCH_DEST=dest,
        BENCH_TREES=",".join(TREES),
        PYTHONPATH=str(REPO),
    )
    start = time.perf_counter()
    result = subprocess.run(pyinfra_argv(args), env=env, cwd=REPO, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"{tool} failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return elapsed


def bench(args: argparse.Namespace, src: Path, dest_base: str) -> dict[str, dict[str, list[float]]]:
    results: dict[str, dict[str, list[float]]] = {"ours": {}, "stock": {}}
    changed = file_path(src, 1)
    for tool in ("ours", "stock"):
        print(f"first sync with {tool}...", file=sys.stderr, flush=True)
        results[tool]["first sync"] = [timed_run(args, tool, src, f"{dest_base}/{tool}")]
    if args.target == "@local":  # both copies must hold the same files, or the race is unfair
        ours, stock = (
            sorted(p.relative_to(root) for p in Path(root).rglob("*") if p.is_file())
            for root in (f"{dest_base}/ours", f"{dest_base}/stock")
        )
        assert ours == stock and len(ours) == args.files, f"copies differ: {len(ours)} vs {len(stock)} files"
    results["floor"] = {"no-op": [timed_run(args, "none", src, dest_base) for _ in range(args.runs)]}
    for tool in ("ours", "stock"):
        results[tool]["no-op"], results[tool]["one file changed"] = [], []
    for run in range(args.runs):  # interleaved, so drift on the machine hits both alike
        # files.sync costs minutes per run on 2,000 files: it gets --stock-runs runs.
        tools = ("ours", "stock") if run < args.stock_runs else ("ours",)
        for tool in tools:
            results[tool]["no-op"].append(timed_run(args, tool, src, f"{dest_base}/{tool}"))
        changed.write_text(f"edit {run}\n" + changed.read_text())
        for tool in tools:  # a skipped copy lags, but still differs in that one file only
            results[tool]["one file changed"].append(timed_run(args, tool, src, f"{dest_base}/{tool}"))
    return results


def report(results: dict[str, dict[str, list[float]]], args: argparse.Namespace, files: int) -> None:
    print(
        f"{files} files in {len(TREES)} trees, target {args.target}; median of {args.runs} runs "
        f"(files.sync: {min(args.stock_runs, args.runs)}; first sync: 1 each)"
    )
    print(f"{'':18} {'ours':>9} {'files.sync':>11} {'ratio ours/stock':>17}")
    for case in ("first sync", "no-op", "one file changed"):
        ours, stock = statistics.median(results["ours"][case]), statistics.median(results["stock"][case])
        print(f"{case:18} {ours:8.2f}s {stock:10.2f}s {ours / stock:17.2f}")
    print(f"{'pyinfra, no operation':22} {statistics.median(results['floor']['no-op']):.2f}s (the floor of every run)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--stock-runs", type=int, default=1, help="timed runs of files.sync (minutes each)")
    parser.add_argument("--target", default="@local", help="pyinfra inventory: @local or a host name/address")
    parser.add_argument("--dest", help="directory on the target for the synced copies (default: a local temp dir)")
    for key in SSH_DATA:
        parser.add_argument("--" + key.replace("_", "-"), dest=key, help=f"pyinfra host data {key}")
    args = parser.parse_args()
    if args.dest is None and args.target != "@local":
        parser.error("--dest is needed with a remote --target (a directory the bench may fill and remove)")

    with tempfile.TemporaryDirectory(prefix="sync-bench-") as scratch:
        src = Path(scratch, "src")
        make_tree(src, args.files)
        dest_base = args.dest or str(Path(scratch, "dest"))
        results = bench(args, src, dest_base)
        if args.target == "@local":
            shutil.rmtree(dest_base, ignore_errors=True)
        else:
            print(f"(left the copies in {args.target}:{dest_base}/ours and /stock)", file=sys.stderr)
    report(results, args, args.files)


if __name__ == "__main__":
    main()
