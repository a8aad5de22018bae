"""The README's gallery and docs/gallery.md are generated from the codemods' examples: stale = red."""

from __future__ import annotations

from gradfix.gallery import END, ROOT, START, gallery_page, readme_section, render, updated_readme


def test_readme_gallery_is_current():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert START in readme and END in readme, "README.md lost its gallery markers"
    assert updated_readme(readme) == readme, "README gallery is stale: run `python -m gradfix.gallery`"


def test_gallery_page_is_current():
    page = (ROOT / "docs" / "gallery.md").read_text(encoding="utf-8")
    assert page == gallery_page(), "docs/gallery.md is stale: run `python -m gradfix.gallery`"


def test_gallery_shows_every_codemod_with_a_real_diff():
    from gradfix.codemods import REGISTRY

    short, full = render(full=False), render(full=True)
    for mod in REGISTRY:
        assert f"#### `{mod.NAME}` ({mod.SAFETY.value})" in short and mod.DESCRIPTION in full
    assert short.count("```diff") == len(REGISTRY)
    assert full.count("left unchanged") == sum(e.before == e.after for m in REGISTRY for e in m.EXAMPLES)
    start, end = readme_section(f"x{START}y{END}z")
    assert (start, end) == (1 + len(START), 2 + len(START))
