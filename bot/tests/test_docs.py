"""The docs say what is true: the number of test stories, and how an anonymous chat is continued."""
import re
from pathlib import Path

import yaml

BOT_DIR = Path(__file__).resolve().parents[1]
REPO = BOT_DIR.parent


def test_readme_counts_the_test_stories_it_has() -> None:
    stories = yaml.safe_load((BOT_DIR / "tests" / "test_stories.yml").read_text("utf-8"))["stories"]
    readme = (BOT_DIR / "README.md").read_text("utf-8")
    counts = {int(n) for n in re.findall(r"(\d+) end-to-end test stories", readme)}
    counts |= {int(a) for a, b in re.findall(r"(\d+)/(\d+) end-to-end test stories", readme) if a == b}
    assert counts == {len(stories)}


def test_continuing_an_anonymous_chat_is_documented() -> None:
    assert "X-Chat-Session" in (REPO / "README.md").read_text("utf-8").split("## Channels", 1)[1]
    chat = (REPO / "service_api" / "api" / "chat.py").read_text("utf-8")
    post_doc = chat.split("def post(", 1)[1]
    assert "X-Chat-Session" in post_doc.split('"""')[1] and "session_id" in post_doc.split('"""')[1]
