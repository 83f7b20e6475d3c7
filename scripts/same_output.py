"""Prove a refactor kept behaviour: run the machine-readable commands on one store with two code trees, diff.

    python scripts/same_output.py --base REF            # REF (e.g. a commit) against the working tree
    python scripts/same_output.py --out DIR              # only write this tree's outputs to DIR

The store is the sample (built with the base code into a temporary folder unless --store is given). Each
command runs as a fresh process with PYTHONPATH at the code tree, so both trees share one virtualenv.
Outputs compared byte for byte: `compare --by X` for every X, `attribute` for every stakeholder scope,
`gate --no-record`, `chaos`, all `--format json`, plus every exit code and stderr.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BY = ["customer", "deal", "category", "region", "brand", "source", "segment", "place"]


def commands(stakeholders: Path) -> dict[str, list[str]]:
    spec = tomllib.loads(stakeholders.read_text(encoding="utf-8"))
    cmds = {f"compare-{by}": ["compare", "--by", by, "--format", "json"] for by in BY}
    scopes = ["all"] + [f"customer:{c['id']}" for c in spec.get("customers", [])] + [
        f"deal:{d['id']}" for d in spec.get("deals", [])]
    for s in scopes:
        cmds[f"attribute-{s.replace(':', '-')}"] = ["attribute", "--scope", s, "--format", "json"]
    cmds["attribute-all-level"] = ["attribute", "--scope", "all", "--metric", "level_change_pct", "--format", "json"]
    cmds["gate"] = ["gate", "--no-record", "--format", "json"]
    cmds["chaos"] = ["chaos", "--format", "json"]
    cmds["releases"] = ["releases", "--format", "json"]
    cmds["compare-same-release"] = ["compare", "--current", "2026.10.0", "--candidate", "2026.10.0",
                                    "--format", "json"]
    cmds["attribute-bad-scope"] = ["attribute", "--scope", "customer:nobody", "--format", "json"]
    return cmds


def run_tree(tree: Path, store: Path, out: Path, stakeholders: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(tree), "RELCHECK_HOME": str(store),
           "RELCHECK_STAKEHOLDERS": str(stakeholders)}
    for name, args in commands(stakeholders).items():
        p = subprocess.run([sys.executable, "-c", "from dashboard.cli import main; main()", *args],
                           env=env, capture_output=True, text=True, cwd=tree)
        (out / f"{name}.out").write_text(p.stdout, encoding="utf-8")
        (out / f"{name}.err").write_text(f"exit {p.returncode}\n{p.stderr}", encoding="utf-8")


def build_store(tree: Path, store: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(tree), "RELCHECK_HOME": str(store)}
    subprocess.run([sys.executable, "-c", "from dashboard.cli import main; main()", "sample"],
                   env=env, check=True, cwd=tree, stdout=subprocess.DEVNULL)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base", help="git ref of the code to compare against")
    ap.add_argument("--store", type=Path, help="an existing sample store (default: build one)")
    ap.add_argument("--out", type=Path, help="keep the outputs here")
    a = ap.parse_args()
    stakeholders = ROOT / "sample_data" / "stakeholders.toml"
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        base_tree = None
        if a.base:
            base_tree = work / "base"
            subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(base_tree), a.base],
                           check=True, capture_output=True)
        try:
            store = a.store or work / "store"
            if not (store / "catalog.json").is_file():
                build_store(base_tree or ROOT, store)
            out = a.out or work / "out"
            run_tree(ROOT, store, out / "new", stakeholders)
            if base_tree is None:
                print(f"wrote {len(list((out / 'new').glob('*.out')))} outputs to {out / 'new'}")
                return 0
            run_tree(base_tree, store, out / "base", stakeholders)
            differ = [p.name for p in sorted((out / "base").iterdir())
                      if p.read_bytes() != (out / "new" / p.name).read_bytes()]
            total = len(list((out / "base").iterdir()))
            if differ:
                print(f"DIFFERENT: {len(differ)} of {total} files: {', '.join(differ)}")
                return 1
            print(f"identical: {total} files (stdout and exit code + stderr of {total // 2} commands)")
            return 0
        finally:
            if base_tree is not None:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base_tree)],
                               capture_output=True)


if __name__ == "__main__":
    sys.exit(main())
