"""The independence checker reads real files: a concept module never imports another."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from accord.checks.independence import check_independence


def write(root: Path, files: dict[str, str]) -> None:
    for name, source in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")


CONCEPT_A = "from accord import Concept\n\nclass Alpha(Concept):\n    pass\n"
CONCEPT_B = "from accord.concept import Concept\n\nclass Beta(Concept):\n    pass\n"


def test_a_concept_module_importing_a_concept_class_is_reported_with_file_and_line(
    tmp_path: Path,
) -> None:
    write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/alpha.py": CONCEPT_A,
            "pkg/beta.py": "import json\n" + CONCEPT_B + "from pkg.alpha import Alpha\n",
        },
    )
    [violation] = check_independence([tmp_path / "pkg"])
    assert violation.path == str(tmp_path / "pkg" / "beta.py")
    assert violation.line == 6
    assert str(violation) == (
        f"{tmp_path / 'pkg' / 'beta.py'}:6: error: concept module pkg.beta (defines Beta) "
        "imports pkg.alpha (defines Alpha). Fix: concepts never import each other: pass ids, "
        "and connect them with a sync"
    )


def test_every_import_form_is_caught(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "app/__init__.py": "from app.alpha import Alpha\n",
            "app/alpha.py": CONCEPT_A,
            "app/rel.py": "from .alpha import Alpha\n" + CONCEPT_B.replace("Beta", "Rel"),
            "app/sub.py": "from app import alpha\n" + CONCEPT_B.replace("Beta", "Sub"),
            "app/plain.py": "import app.alpha\n" + CONCEPT_B.replace("Beta", "Plain"),
            "app/reexport.py": "from app import Alpha\n" + CONCEPT_B.replace("Beta", "Re"),
            "app/lazy.py": CONCEPT_B.replace("Beta", "Lazy")
            + "    def f(self):\n        from app.alpha import Alpha\n        return Alpha\n",
            "app/derived.py": "from app.alpha import Alpha\n\nclass Derived(Alpha):\n    pass\n",
        },
    )
    found = {(v.module, v.line, v.imported) for v in check_independence([tmp_path / "app"])}
    assert found == {
        ("app.rel", 1, "app.alpha"),
        ("app.sub", 1, "app.alpha"),
        ("app.plain", 1, "app.alpha"),
        ("app.reexport", 1, "app.alpha"),
        ("app.lazy", 6, "app.alpha"),
        ("app.derived", 1, "app.alpha"),
    }


def test_concepts_sharing_a_types_module_and_syncs_importing_concepts_pass(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "types_.py": "from typing_extensions import TypedDict\n\nclass Ref(TypedDict):\n"
            "    id: str\n",
            "alpha.py": "from types_ import Ref\n" + CONCEPT_A,
            "beta.py": "from types_ import Ref\n" + CONCEPT_B,
            "syncs.py": "from alpha import Alpha\nfrom beta import Beta\n",
        },
    )
    assert check_independence([tmp_path]) == []


def test_the_clean_example_app_and_the_broken_one() -> None:
    here = Path(__file__).parent
    assert check_independence([here.parent / "cli" / "clean_app"]) == []
    broken = here.parents[1] / "examples" / "broken"
    assert [
        (Path(v.path).name, v.line, v.module, v.imported) for v in check_independence([broken])
    ] == [("customers.py", 7, "customers", "inbox")]


def test_modules_can_be_given_as_objects_or_dotted_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(
        tmp_path,
        {
            "coupled/__init__.py": "",
            "coupled/alpha.py": CONCEPT_A,
            "coupled/beta.py": "from coupled.alpha import Alpha\n" + CONCEPT_B,
        },
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("coupled")
    by_object = [(v.module, v.line) for v in check_independence([module])]
    by_name = [(v.module, v.line) for v in check_independence(["coupled"])]
    assert by_object == by_name == [("coupled.beta", 1)]


def test_the_framework_s_own_concepts_are_independent() -> None:
    assert check_independence(["accord"]) == []
