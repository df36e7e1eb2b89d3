"""Decision records have unique numbers and an index, and what the docs point at exists."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DECISIONS = ROOT / "docs" / "decisions"
RECORD = re.compile(r"(\d{4})-[a-z0-9-]+\.md")


def records() -> list[Path]:
    return sorted(p for p in DECISIONS.iterdir() if RECORD.fullmatch(p.name))


def tracked_text_files() -> list[Path]:
    names = subprocess.run(
        ["git", "ls-files", "*.md", "*.py", "*.sync", "Makefile"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return [ROOT / n for n in names if (ROOT / n).is_file()]


def test_decision_numbers_are_unique_and_without_gaps() -> None:
    numbers = [int(p.name[:4]) for p in records()]
    assert numbers, "no decision records found"
    assert numbers == list(range(1, len(numbers) + 1)), [p.name for p in records()]


def test_the_index_lists_every_decision_once() -> None:
    index = (DECISIONS / "README.md").read_text()
    linked = re.findall(r"\]\((\d{4}-[a-z0-9-]+\.md)\)", index)
    assert sorted(linked) == [p.name for p in records()]


def test_every_mention_of_a_decision_names_an_existing_one() -> None:
    names = {p.name for p in records()}
    numbers = {name[:4] for name in names}
    wrong = []
    for path in tracked_text_files():
        for match in re.finditer(r"decisions/(\d{4})(-[a-z0-9-]+\.md)?", path.read_text()):
            number, rest = match.groups()
            if number not in numbers or (rest and number + rest not in names):
                wrong.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
    assert not wrong, "mentions of decisions that do not exist:\n" + "\n".join(wrong)


def test_relative_links_of_the_docs_resolve() -> None:
    broken = []
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text()):
            if re.match(r"[a-z]+:", target):  # https:, mailto:
                continue
            if not (page.parent / target).exists():
                broken.append(f"{page.relative_to(ROOT)}: {target}")
    assert not broken, "links to nothing:\n" + "\n".join(broken)


def _anchors(page: Path) -> set[str]:
    """GitHub's anchors of a page's headings (lowercased; punctuation but - and _ dropped)."""
    text = re.sub(r"^```.*?^```", "", page.read_text(), flags=re.MULTILINE | re.DOTALL)
    headings = re.findall(r"^#+\s+(.*?)\s*$", text, re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-") for h in headings}


def test_links_to_a_section_name_an_existing_heading() -> None:
    broken = []
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]:
        for target, anchor in re.findall(r"\]\(([^)#\s]*)#([^)\s]+)\)", page.read_text()):
            if re.match(r"[a-z]+:", target):
                continue
            linked = (page.parent / target) if target else page
            if linked.suffix == ".md" and linked.is_file() and anchor not in _anchors(linked):
                broken.append(f"{page.relative_to(ROOT)}: {target}#{anchor}")
    assert not broken, "links to sections that do not exist:\n" + "\n".join(broken)
