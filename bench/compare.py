"""Compare this checkout's `site-gen` with another revision's, on the same synthetic list, in
interleaved runs: on a shared machine whose speed drifts by a third within minutes, only runs
taken side by side say whether a change made a command faster.

Each round changes the list as the measurement asks (one paper's abstract edited, or the caches
deleted), then runs both versions in turn, alternating which goes first. Each version has its own
folder (its own build/ and caches) whose papers/ and docs/ are links to the one synthetic list.
Prints the median and min - max of each version, and the ratio of the medians.

    .venv/bin/python bench/compare.py --against a86c75f --papers 10000 --rounds 9
    .venv/bin/python bench/compare.py --against HEAD~3 --only check_warm,build_warm_edit
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run  # noqa: E402  (bench/ is a folder of scripts, not a package)

MEASUREMENTS = ["check_cold", "check_warm", "build_cold", "build_warm_edit"]


class Version:
    """One revision of the package, run as `python -m site_gen` from a folder holding it (the
    folder of the script comes first on the module path, before the installed package)."""

    def __init__(self, label: str, package_parent: Path, root: Path):
        self.label, self.package_parent, self.root = label, package_parent, root
        self.seconds: dict[str, list[float]] = {}

    def run(self, command: str, env: dict[str, str]) -> run.Run:
        result = run.run_command([sys.executable, "-m", "site_gen", command, "--root", self.root], cwd=self.package_parent, env=env)
        if result.returncode != 0:
            raise SystemExit(f"{self.label}: site-gen {command} failed:\n{result.output}")
        return result

    def remove_caches(self) -> None:
        shutil.rmtree(self.root / "build", ignore_errors=True)


def extract(revision: str, destination: Path) -> None:
    """The revision's site_gen package, from git (the working tree is left alone)."""
    destination.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(run.REPO), "archive", revision, "site_gen"], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(destination)], input=archive, check=True)


def this_checkout() -> str:
    head = subprocess.run(["git", "-C", str(run.REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(run.REPO), "status", "--porcelain", "--", "site_gen"], capture_output=True, text=True).stdout.strip()
    return f"this checkout ({head}{' + uncommitted changes' if dirty else ''})"


def linked_root(source: Path, destination: Path) -> Path:
    destination.mkdir()
    for name in ("papers", "docs"):
        (destination / name).symlink_to(source / name, target_is_directory=True)
    return destination


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", required=True, help="the git revision to compare with (e.g. a commit, HEAD~2)")
    parser.add_argument("--papers", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=9, help="runs of each version per measurement")
    parser.add_argument("--only", default=",".join(MEASUREMENTS), help=f"comma-separated, of: {', '.join(MEASUREMENTS)}")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    wanted = [name for name in args.only.split(",") if name]
    unknown = set(wanted) - set(MEASUREMENTS)
    if unknown:
        parser.error(f"unknown measurement(s): {', '.join(sorted(unknown))}")

    with tempfile.TemporaryDirectory(prefix="site-gen-compare-") as folder:
        work = Path(folder)
        workspace = run.Workspace(work / "list", args.papers, args.seed)
        extract(args.against, work / "other")
        versions = [
            Version(this_checkout(), run.REPO, linked_root(workspace.root, work / "this-root")),
            Version(args.against, work / "other", linked_root(workspace.root, work / "other-root")),
        ]
        env = run.tool_env(work)
        for name in wanted:
            command, cold = name.split("_", 1)[0], name.endswith("_cold")
            for version in versions:  # fill the caches a warm run relies on, and warm the page cache
                version.run(command, env)
            for round_number in range(args.rounds):
                if not cold:
                    workspace.edit_one()
                for version in versions if round_number % 2 == 0 else versions[::-1]:
                    if cold:
                        version.remove_caches()
                    version.seconds.setdefault(name, []).append(version.run(command, env).seconds)
                run.log(f"{name} round {round_number + 1}: " + ", ".join(f"{v.label} {v.seconds[name][-1]:.2f} s" for v in versions))

    this, other = versions
    print(f"`bench/compare.py {' '.join(sys.argv[1:] if argv is None else argv)}`: {args.papers:,} papers, {args.rounds} rounds, medians (min – max)\n")
    print(f"| measurement | {this.label} | {other.label} | ratio |")
    print("|---|---:|---:|---:|")
    for name in wanted:
        cells = []
        for version in versions:
            values = version.seconds[name]
            cells.append(f"{statistics.median(values):.2f} s ({min(values):.2f} – {max(values):.2f})")
        ratio = statistics.median(this.seconds[name]) / statistics.median(other.seconds[name])
        print(f"| {name} | {cells[0]} | {cells[1]} | {ratio:.2f}× |")


if __name__ == "__main__":
    main()
